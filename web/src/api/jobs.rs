//! The job queue: background work and its state, and a retry for a dead job.

use gloo_net::http::Method;
use portcullis_shared::admin::{Job, JobPage};

use super::{ApiError, signed};

/// A page of jobs, newest first, optionally in one state (`queued`, `running`, `done`,
/// `failed`, `dead`) and of one kind (e.g. `email.send`); empty values filter nothing.
pub fn list(
    state: String,
    kind: String,
    cursor: String,
) -> impl Future<Output = Result<JobPage, ApiError>> + use<> {
    signed(Method::GET, "/admin/jobs")
        .query([("state", state), ("kind", kind), ("cursor", cursor)])
        .fetch()
}

/// Puts a dead job back in the queue with a fresh set of attempts.
pub fn retry(id: &str) -> impl Future<Output = Result<Job, ApiError>> + use<> {
    signed(Method::POST, format!("/admin/jobs/{id}/retry")).fetch()
}
