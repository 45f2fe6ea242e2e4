//! The job queue as administrators and the workers see it: queueing email, delivering it,
//! listing jobs, retrying a dead one, and pruning finished ones.

use crate::app::scope::require;
use crate::app::{Actor, App, Audit, Page, Tx, page};
use crate::auth::Principal;
use crate::email::Mailer;
use crate::error::ApiError;
use portcullis_shared::admin::Job;

use crate::storage::jobs::{self, JobRow};
use crate::storage::outbox::{self, Email};
use crate::time::{self, Micros};

/// Writes an email to the outbox and enqueues its delivery, in the caller's transaction:
/// the email exists, and will be sent, only if the change that wrote it commits.
pub async fn queue_email(tx: &mut Tx, email: &Email) -> Result<String, ApiError> {
    let id = outbox::enqueue(tx, email).await?;
    tx.enqueue(crate::jobs::email_job(&id)).await?;
    Ok(id)
}

/// Delivers one outbox email (the `email.send` job). Sent already: nothing to do, so a job
/// that runs twice sends once. Without SMTP the email stays readable in the outbox.
pub async fn deliver_email(
    app: &App,
    mailer: Option<&Mailer>,
    email_id: &str,
) -> Result<(), ApiError> {
    let Some(mailer) = mailer else {
        return Ok(());
    };
    let email = {
        let mut conn = app.read().await?;
        outbox::get(&mut conn, email_id).await?
    };
    let Some(email) = email else {
        return Ok(());
    };
    if email.sent_at.is_some() {
        return Ok(());
    }
    let result = mailer.send(&email).await;
    let mut conn = app.read().await?;
    outbox::record_attempt(
        &mut conn,
        email_id,
        result.as_ref().err().map(String::as_str),
    )
    .await?;
    result.map_err(|e| ApiError::Unavailable(anyhow::anyhow!("SMTP delivery failed: {e}")))
}

pub use crate::storage::jobs::JobFilter;

/// A job as administrators see it.
fn to_dto(j: JobRow) -> Job {
    Job {
        id: j.id,
        kind: j.kind,
        state: j.state,
        attempts: j.attempts,
        max_attempts: j.max_attempts,
        run_at: time::to_rfc3339(j.run_at),
        last_error: j.last_error,
        created_at: time::to_rfc3339(j.created_at),
        updated_at: time::to_rfc3339(j.updated_at),
    }
}

/// Jobs, newest first, for administrators.
pub async fn list(
    app: &App,
    p: &Principal,
    filter: JobFilter,
    cursor: Option<&str>,
    limit: i64,
) -> Result<Page<Job>, ApiError> {
    let scope = require::administer(p)?;
    let mut conn = app.read().await?;
    let items = jobs::list(&mut conn, scope, &filter, cursor, limit + 1).await?;
    let Page { items, next_cursor } = page(items, limit, |j| j.id.clone());
    Ok(Page {
        items: items.into_iter().map(to_dto).collect(),
        next_cursor,
    })
}

/// Puts a dead job back in the queue with a fresh set of attempts.
pub async fn retry(app: &App, p: &Principal, id: &str) -> Result<Job, ApiError> {
    let scope = require::administer(p)?;
    let mut tx = app.begin().await?;
    let job = jobs::get(&mut tx, scope, id)
        .await?
        .ok_or(ApiError::NotFound)?;
    if !jobs::retry(&mut tx, scope, id).await? {
        return Err(ApiError::Conflict(format!(
            "Only a dead job can be retried; this one is {}.",
            job.state.as_str()
        )));
    }
    tx.audit(
        Audit::new(Actor::User(p), "job.retry")
            .object("job", id)
            .details(serde_json::json!({ "kind": job.kind, "attempts": job.attempts })),
    )
    .await?;
    let job = jobs::get(&mut tx, scope, id)
        .await?
        .ok_or(ApiError::NotFound)?;
    tx.mark_enqueued();
    tx.commit().await?;
    Ok(to_dto(job))
}

/// How many jobs there are of each kind in each state (for `/metrics`).
pub async fn counts(app: &App) -> Result<Vec<(String, String, i64)>, ApiError> {
    let mut conn = app.read().await?;
    Ok(jobs::counts(&mut conn).await?)
}

/// Deletes finished jobs last run before `before` (the `jobs.prune` job).
pub async fn prune(app: &App, before: Micros) -> Result<u64, ApiError> {
    let mut conn = app.read().await?;
    Ok(jobs::prune_done(&mut conn, before).await?)
}
