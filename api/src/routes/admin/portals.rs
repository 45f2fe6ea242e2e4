//! Portal administration: create, list, read, update (branding, publication, domain,
//! embedding, session timeouts). Each handler calls one use case of `app::portals`.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, patch, post, web};
use portcullis_shared::admin::{Portal, PortalInput, PortalList, PortalPatch};

use crate::app::{self, App};
use crate::auth::guards::{PortalManager, Staff};
use crate::error::ApiError;

type Problem = portcullis_shared::Problem;

/// Every portal, published or not.
#[utoipa::path(tag = "admin", security(("bearer" = [])), responses(
    (status = 200, body = PortalList),
    (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 403, body = Problem, content_type = "application/problem+json"),
))]
#[get("/admin/portals")]
pub async fn list_portals(
    staff: Staff,
    app: web::Data<App>,
) -> Result<web::Json<PortalList>, ApiError> {
    let items = app::portals::list(&app, &staff.0)
        .await?
        .iter()
        .map(|p| p.to_admin())
        .collect();
    Ok(web::Json(PortalList { items }))
}

/// One portal, with its `ETag` for a later update.
#[utoipa::path(tag = "admin", security(("bearer" = [])), params(("id" = String, Path)), responses(
    (status = 200, body = Portal, headers(("ETag" = String, description = "Send it back as `If-Match` when updating"))),
    (status = 404, body = Problem, content_type = "application/problem+json"),
))]
#[get("/admin/portals/{id}")]
pub async fn get_portal(
    staff: Staff,
    app: web::Data<App>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let p = app::portals::get(&app, &staff.0, &id).await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::ETAG, p.etag()))
        .json(p.to_admin()))
}

/// Creates a portal.
#[utoipa::path(tag = "admin", security(("bearer" = [])), request_body = PortalInput, responses(
    (status = 201, body = Portal),
    (status = 409, description = "The slug or domain is taken", body = Problem, content_type = "application/problem+json"),
    (status = 422, body = Problem, content_type = "application/problem+json"),
))]
#[post("/admin/portals")]
pub async fn create_portal(
    who: PortalManager,
    app: web::Data<App>,
    body: web::Json<PortalInput>,
) -> Result<HttpResponse, ApiError> {
    let created = app::portals::create(&app, &who.0, body.into_inner()).await?;
    Ok(HttpResponse::Created()
        .insert_header((header::ETAG, created.etag()))
        .insert_header((
            header::LOCATION,
            format!("/api/v1/admin/portals/{}", created.id),
        ))
        .json(created.to_admin()))
}

/// Updates a portal. Send the `ETag` from a read as `If-Match` so that no edit is lost.
#[utoipa::path(tag = "admin", security(("bearer" = [])), params(
    ("id" = String, Path),
    ("If-Match" = Option<String>, Header, description = "The `ETag` of the portal as read; without it the update is applied whatever changed since"),
), request_body = PortalPatch, responses(
    (status = 200, body = Portal, headers(("ETag" = String, description = "The portal's new ETag"))),
    (status = 404, body = Problem, content_type = "application/problem+json"),
    (status = 412, description = "Changed since read", body = Problem, content_type = "application/problem+json"),
    (status = 422, body = Problem, content_type = "application/problem+json"),
))]
#[patch("/admin/portals/{id}")]
pub async fn update_portal(
    req: HttpRequest,
    who: PortalManager,
    app: web::Data<App>,
    id: web::Path<String>,
    body: web::Json<PortalPatch>,
) -> Result<HttpResponse, ApiError> {
    let if_match = req.headers().get(header::IF_MATCH).map(|v| v.as_bytes());
    let saved = app::portals::update(&app, &who.0, &id, if_match, body.into_inner()).await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::ETAG, saved.etag()))
        .json(saved.to_admin()))
}
