//! Deal threads and the co-selling workspace. Each handler parses, calls one use case of
//! `app::threads`, and shapes the answer; who reads which thread is decided there.

use actix_web::{HttpResponse, get, post, web};
use portcullis_shared::partners::{Task, TaskPage};
use portcullis_shared::threads::{
    JointTaskInput, Post, PostInput, PostPage, StrategyNote, StrategyNoteInput, StrategyNoteList,
    ThreadSummary, Workspace,
};
use serde::Deserialize;

use crate::app::{self, App};
use crate::auth::Principal;
use crate::error::ApiError;

type Problem = portcullis_shared::Problem;

/// The deal's threads the caller reads (the company both; a customer the customer thread;
/// a co-selling partner the partner thread), with post and unread counts.
#[utoipa::path(tag = "collaboration", security(("bearer" = [])), params(("id" = String, Path)), responses(
    (status = 200, body = Vec<ThreadSummary>),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json"),
))]
#[get("/deals/{id}/threads")]
pub async fn list_threads(
    p: Principal,
    app: web::Data<App>,
    path: web::Path<String>,
) -> Result<web::Json<Vec<ThreadSummary>>, ApiError> {
    Ok(web::Json(
        app::threads::list_threads(&app, &p, &path.into_inner()).await?,
    ))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct PostQuery {
    /// The `next` of the previous page: posts older than it.
    pub before: Option<String>,
    /// 1–200, default 50.
    pub limit: Option<i64>,
}

/// A thread's posts, newest first (`customer` or `partner`). External callers never receive
/// internal notes, and see mentions as plain names.
#[utoipa::path(tag = "collaboration", security(("bearer" = [])), params(("id" = String, Path), ("audience" = String, Path), PostQuery), responses(
    (status = 200, body = PostPage),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json"),
))]
#[get("/deals/{id}/threads/{audience}/posts")]
pub async fn list_posts(
    p: Principal,
    app: web::Data<App>,
    path: web::Path<(String, String)>,
    q: web::Query<PostQuery>,
) -> Result<web::Json<PostPage>, ApiError> {
    let (id, audience) = path.into_inner();
    Ok(web::Json(
        app::threads::list_posts(&app, &p, &id, &audience, q.before.as_deref(), q.limit).await?,
    ))
}

/// Posts to a thread (markdown; mentions as `@[Name](user:<id>)`); `internal` notes are
/// for the company's people only.
#[utoipa::path(tag = "collaboration", security(("bearer" = [])), params(("id" = String, Path), ("audience" = String, Path)), request_body = PostInput, responses(
    (status = 201, body = Post),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json"),
    (status = 422, body = Problem, content_type = "application/problem+json"),
))]
#[post("/deals/{id}/threads/{audience}/posts")]
pub async fn create_post(
    p: Principal,
    app: web::Data<App>,
    path: web::Path<(String, String)>,
    body: web::Json<PostInput>,
) -> Result<HttpResponse, ApiError> {
    let (id, audience) = path.into_inner();
    let post = app::threads::create_post(&app, &p, &id, &audience, body.into_inner()).await?;
    Ok(HttpResponse::Created().json(post))
}

/// Marks a thread read for the caller.
#[utoipa::path(tag = "collaboration", security(("bearer" = [])), params(("id" = String, Path), ("audience" = String, Path)), responses(
    (status = 204),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json"),
))]
#[post("/deals/{id}/threads/{audience}/read")]
pub async fn read_thread(
    p: Principal,
    app: web::Data<App>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (id, audience) = path.into_inner();
    app::threads::mark_read(&app, &p, &id, &audience).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// A co-sold deal's strategy notes (the company and the co-selling partner).
#[utoipa::path(tag = "collaboration", security(("bearer" = [])), params(("id" = String, Path)), responses(
    (status = 200, body = StrategyNoteList),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json"),
))]
#[get("/deals/{id}/strategy-notes")]
pub async fn list_strategy_notes(
    p: Principal,
    app: web::Data<App>,
    path: web::Path<String>,
) -> Result<web::Json<StrategyNoteList>, ApiError> {
    Ok(web::Json(
        app::threads::list_notes(&app, &p, &path.into_inner()).await?,
    ))
}

/// Adds a strategy note to a co-sold deal.
#[utoipa::path(tag = "collaboration", security(("bearer" = [])), params(("id" = String, Path)), request_body = StrategyNoteInput, responses(
    (status = 201, body = StrategyNote),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json"),
    (status = 422, body = Problem, content_type = "application/problem+json"),
))]
#[post("/deals/{id}/strategy-notes")]
pub async fn create_strategy_note(
    p: Principal,
    app: web::Data<App>,
    path: web::Path<String>,
    body: web::Json<StrategyNoteInput>,
) -> Result<HttpResponse, ApiError> {
    let note = app::threads::create_note(&app, &p, &path.into_inner(), body.into_inner()).await?;
    Ok(HttpResponse::Created().json(note))
}

/// A co-sold deal's joint tasks.
#[utoipa::path(tag = "collaboration", security(("bearer" = [])), params(("id" = String, Path)), responses(
    (status = 200, body = TaskPage),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json"),
))]
#[get("/deals/{id}/joint-tasks")]
pub async fn list_joint_tasks(
    p: Principal,
    app: web::Data<App>,
    path: web::Path<String>,
) -> Result<web::Json<TaskPage>, ApiError> {
    Ok(web::Json(
        app::threads::list_joint_tasks(&app, &p, &path.into_inner()).await?,
    ))
}

/// Creates a joint task for a company person on the deal or a co-selling partner user.
#[utoipa::path(tag = "collaboration", security(("bearer" = [])), params(("id" = String, Path)), request_body = JointTaskInput, responses(
    (status = 201, body = Task),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json"),
    (status = 422, body = Problem, content_type = "application/problem+json"),
))]
#[post("/deals/{id}/joint-tasks")]
pub async fn create_joint_task(
    p: Principal,
    app: web::Data<App>,
    path: web::Path<String>,
    body: web::Json<JointTaskInput>,
) -> Result<HttpResponse, ApiError> {
    let task =
        app::threads::create_joint_task(&app, &p, &path.into_inner(), body.into_inner()).await?;
    Ok(HttpResponse::Created().json(task))
}

/// A co-sold deal as its co-selling partner sees it, with the shared timeline.
#[utoipa::path(tag = "collaboration", security(("bearer" = [])), params(("id" = String, Path)), responses(
    (status = 200, body = Workspace),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json"),
))]
#[get("/deals/{id}/workspace")]
pub async fn workspace(
    p: Principal,
    app: web::Data<App>,
    path: web::Path<String>,
) -> Result<web::Json<Workspace>, ApiError> {
    Ok(web::Json(
        app::threads::workspace(&app, &p, &path.into_inner()).await?,
    ))
}
