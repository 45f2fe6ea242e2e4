//! The job queue for administrators: what is queued, running, failed or dead, and a retry
//! for a dead job. Each handler calls one use case of `app::jobs`.

use actix_web::{get, post, web};
use portcullis_shared::admin::{Job, JobPage, JobState};
use serde::Deserialize;

use crate::app::{self, App, page_limit};
use crate::auth::guards::AdminUser;
use crate::error::ApiError;

type Problem = portcullis_shared::Problem;

/// Filters of the job list.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct JobQuery {
    /// Only jobs in this state.
    pub state: Option<JobState>,
    /// Only jobs of this kind, e.g. `email.send`.
    pub kind: Option<String>,
    /// Page size, 1-200 (default 50).
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// Background jobs, newest first.
#[utoipa::path(tag = "admin", security(("bearer" = [])), params(JobQuery), responses(
    (status = 200, body = JobPage),
    (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 403, body = Problem, content_type = "application/problem+json"),
))]
#[get("/admin/jobs")]
pub async fn list_jobs(
    admin: AdminUser,
    app: web::Data<App>,
    q: web::Query<JobQuery>,
) -> Result<web::Json<JobPage>, ApiError> {
    let q = q.into_inner();
    let filter = app::jobs::JobFilter {
        state: q.state,
        kind: q.kind.filter(|k| !k.trim().is_empty()),
    };
    let page = app::jobs::list(
        &app,
        &admin.0,
        filter,
        q.cursor.as_deref(),
        page_limit(q.limit),
    )
    .await?;
    Ok(web::Json(JobPage {
        items: page.items,
        next_cursor: page.next_cursor,
    }))
}

/// Puts a dead job back in the queue with a fresh set of attempts.
#[utoipa::path(tag = "admin", security(("bearer" = [])), params(("id" = String, Path)), responses(
    (status = 200, body = Job),
    (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json"),
    (status = 409, description = "The job is not dead", body = Problem, content_type = "application/problem+json"),
))]
#[post("/admin/jobs/{id}/retry")]
pub async fn retry_job(
    admin: AdminUser,
    app: web::Data<App>,
    id: web::Path<String>,
) -> Result<web::Json<Job>, ApiError> {
    Ok(web::Json(app::jobs::retry(&app, &admin.0, &id).await?))
}
