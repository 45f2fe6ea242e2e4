//! Requests, their SLAs and tasks. Each handler parses, calls one use case of
//! `app::requests`, and shapes the answer.

use actix_web::{HttpResponse, get, patch, post, put, web};
use portcullis_shared::partners::{Task, TaskStatusInput};
use portcullis_shared::requests::{
    Request, RequestInput, RequestPage, RequestPatch, RequestSlas, RequestSlasInput,
};
use serde::Deserialize;

use crate::app::{self, App};
use crate::auth::Principal;
use crate::error::ApiError;

type Problem = portcullis_shared::Problem;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct RequestListQuery {
    pub cursor: Option<String>,
    /// 1–200, default 50.
    pub limit: Option<i64>,
}

/// A deal's requests the caller reaches (the company all; each external side its own).
#[utoipa::path(tag = "collaboration", security(("bearer" = [])), params(("id" = String, Path), RequestListQuery), responses(
    (status = 200, body = RequestPage),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json"),
))]
#[get("/deals/{id}/requests")]
pub async fn list_deal_requests(
    p: Principal,
    app: web::Data<App>,
    path: web::Path<String>,
    q: web::Query<RequestListQuery>,
) -> Result<web::Json<RequestPage>, ApiError> {
    let id = path.into_inner();
    Ok(web::Json(
        app::requests::list(&app, &p, Some(&id), q.cursor.as_deref(), q.limit).await?,
    ))
}

/// Submits a request (customers and co-selling partners with "Submit requests"): it becomes
/// a task for the deal's owner, due within the portal's SLA for its kind.
#[utoipa::path(tag = "collaboration", security(("bearer" = [])), params(("id" = String, Path)), request_body = RequestInput, responses(
    (status = 201, body = Request),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json"),
    (status = 422, body = Problem, content_type = "application/problem+json"),
))]
#[post("/deals/{id}/requests")]
pub async fn create_request(
    p: Principal,
    app: web::Data<App>,
    path: web::Path<String>,
    body: web::Json<RequestInput>,
) -> Result<HttpResponse, ApiError> {
    let r = app::requests::create(&app, &p, &path.into_inner(), body.into_inner()).await?;
    Ok(HttpResponse::Created().json(r))
}

/// Every request the caller reaches, newest first.
#[utoipa::path(tag = "collaboration", security(("bearer" = [])), params(RequestListQuery), responses(
    (status = 200, body = RequestPage),
    (status = 403, body = Problem, content_type = "application/problem+json"),
))]
#[get("/requests")]
pub async fn list_requests(
    p: Principal,
    app: web::Data<App>,
    q: web::Query<RequestListQuery>,
) -> Result<web::Json<RequestPage>, ApiError> {
    Ok(web::Json(
        app::requests::list(&app, &p, None, q.cursor.as_deref(), q.limit).await?,
    ))
}

/// One request.
#[utoipa::path(tag = "collaboration", security(("bearer" = [])), params(("id" = String, Path)), responses(
    (status = 200, body = Request),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json"),
))]
#[get("/requests/{id}")]
pub async fn get_request(
    p: Principal,
    app: web::Data<App>,
    path: web::Path<String>,
) -> Result<web::Json<Request>, ApiError> {
    Ok(web::Json(
        app::requests::get(&app, &p, &path.into_inner()).await?,
    ))
}

/// Moves a request along and answers it (the company).
#[utoipa::path(tag = "collaboration", security(("bearer" = [])), params(("id" = String, Path)), request_body = RequestPatch, responses(
    (status = 200, body = Request),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json"),
    (status = 422, body = Problem, content_type = "application/problem+json"),
))]
#[patch("/requests/{id}")]
pub async fn update_request(
    p: Principal,
    app: web::Data<App>,
    path: web::Path<String>,
    body: web::Json<RequestPatch>,
) -> Result<web::Json<Request>, ApiError> {
    Ok(web::Json(
        app::requests::update(&app, &p, &path.into_inner(), body.into_inner()).await?,
    ))
}

/// A portal's request SLAs, in hours per kind (administrators and managers).
#[utoipa::path(tag = "collaboration", security(("bearer" = [])), params(("id" = String, Path)), responses(
    (status = 200, body = RequestSlas),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json"),
))]
#[get("/portals/{id}/request-slas")]
pub async fn get_request_slas(
    p: Principal,
    app: web::Data<App>,
    path: web::Path<String>,
) -> Result<web::Json<RequestSlas>, ApiError> {
    Ok(web::Json(
        app::requests::slas(&app, &p, &path.into_inner()).await?,
    ))
}

/// Sets a portal's request SLAs for the kinds listed (administrators and managers).
#[utoipa::path(tag = "collaboration", security(("bearer" = [])), params(("id" = String, Path)), request_body = RequestSlasInput, responses(
    (status = 200, body = RequestSlas),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json"),
    (status = 422, body = Problem, content_type = "application/problem+json"),
))]
#[put("/portals/{id}/request-slas")]
pub async fn set_request_slas(
    p: Principal,
    app: web::Data<App>,
    path: web::Path<String>,
    body: web::Json<RequestSlasInput>,
) -> Result<web::Json<RequestSlas>, ApiError> {
    Ok(web::Json(
        app::requests::set_slas(&app, &p, &path.into_inner(), body.into_inner()).await?,
    ))
}

/// Moves a task along: its assignee, or the company's people on its deal.
#[utoipa::path(tag = "collaboration", security(("bearer" = [])), params(("id" = String, Path)), request_body = TaskStatusInput, responses(
    (status = 200, body = Task),
    (status = 404, body = Problem, content_type = "application/problem+json"),
    (status = 422, body = Problem, content_type = "application/problem+json"),
))]
#[patch("/tasks/{id}")]
pub async fn update_task(
    p: Principal,
    app: web::Data<App>,
    path: web::Path<String>,
    body: web::Json<TaskStatusInput>,
) -> Result<web::Json<Task>, ApiError> {
    Ok(web::Json(
        app::requests::set_task_status(&app, &p, &path.into_inner(), body.into_inner().status)
            .await?,
    ))
}
