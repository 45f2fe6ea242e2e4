//! Self-registration: people request access from a portal's sign-in page; administrators
//! approve (which invites them) or reject. Each handler calls one use case of
//! `app::access_requests`.

use actix_web::{HttpRequest, HttpResponse, get, post, web};
use portcullis_shared::admin::{
    AccessRequest, AccessRequestList, AccessRequestStatus, ApproveAccess, RejectAccess,
};
use portcullis_shared::auth::AccessRequestInput;

use crate::app::{self, App};
use crate::audit::origin_of;
use crate::auth::guards::AdminUser;
use crate::auth::throttle::IpLimiter;
use crate::error::ApiError;

type Problem = portcullis_shared::Problem;

/// Which requests to list.
#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
pub struct RequestQuery {
    /// `pending` when absent.
    pub status: Option<AccessRequestStatus>,
}

/// Requests access to a portal. The answer is the same whether or not the address already
/// has an account, so the form reveals nothing about who uses the portal.
#[utoipa::path(tag = "portals", params(("slug" = String, Path)), request_body = AccessRequestInput, responses(
    (status = 202, description = "Recorded for review"),
    (status = 404, description = "No published portal with self-registration has this slug", body = Problem, content_type = "application/problem+json"),
    (status = 422, body = Problem, content_type = "application/problem+json"),
    (status = 429, body = Problem, content_type = "application/problem+json"),
))]
#[post("/portals/{slug}/access-requests")]
pub async fn request_access(
    req: HttpRequest,
    app: web::Data<App>,
    limiter: web::Data<IpLimiter>,
    slug: web::Path<String>,
    body: web::Json<AccessRequestInput>,
) -> Result<HttpResponse, ApiError> {
    limiter.check(req.peer_addr().map(|a| a.ip()))?;
    app::access_requests::request(&app, &origin_of(&req), &slug, body.into_inner()).await?;
    Ok(HttpResponse::Accepted().finish())
}

/// Access requests awaiting (or past) a decision.
#[utoipa::path(tag = "admin", security(("bearer" = [])), params(RequestQuery), responses(
    (status = 200, body = AccessRequestList),
    (status = 422, body = Problem, content_type = "application/problem+json"),
))]
#[get("/admin/access-requests")]
pub async fn list_access_requests(
    admin: AdminUser,
    app: web::Data<App>,
    q: web::Query<RequestQuery>,
) -> Result<web::Json<AccessRequestList>, ApiError> {
    let status = q.status.unwrap_or(AccessRequestStatus::Pending);
    Ok(web::Json(AccessRequestList {
        items: app::access_requests::list(&app, &admin.0, status).await?,
    }))
}

/// Approves a request: the person is invited, into the account and role given.
#[utoipa::path(tag = "admin", security(("bearer" = [])), params(("id" = String, Path)), request_body = ApproveAccess, responses(
    (status = 200, body = AccessRequest),
    (status = 404, body = Problem, content_type = "application/problem+json"),
    (status = 409, body = Problem, content_type = "application/problem+json"),
    (status = 422, body = Problem, content_type = "application/problem+json"),
))]
#[post("/admin/access-requests/{id}/approve")]
pub async fn approve_access_request(
    admin: AdminUser,
    app: web::Data<App>,
    id: web::Path<String>,
    body: web::Json<ApproveAccess>,
) -> Result<web::Json<AccessRequest>, ApiError> {
    Ok(web::Json(
        app::access_requests::approve(&app, &admin.0, &id, body.into_inner()).await?,
    ))
}

/// Rejects a request.
#[utoipa::path(tag = "admin", security(("bearer" = [])), params(("id" = String, Path)), request_body = RejectAccess, responses(
    (status = 200, body = AccessRequest),
    (status = 404, body = Problem, content_type = "application/problem+json"),
    (status = 409, body = Problem, content_type = "application/problem+json"),
    (status = 422, body = Problem, content_type = "application/problem+json"),
))]
#[post("/admin/access-requests/{id}/reject")]
pub async fn reject_access_request(
    admin: AdminUser,
    app: web::Data<App>,
    id: web::Path<String>,
    body: web::Json<RejectAccess>,
) -> Result<web::Json<AccessRequest>, ApiError> {
    Ok(web::Json(
        app::access_requests::reject(&app, &admin.0, &id, &body.into_inner().reason).await?,
    ))
}
