//! Portals as the public sees them: what a sign-in page needs.

use actix_web::{get, web};
use portcullis_shared::PortalPublic;

use crate::app::{self, App};
use crate::error::ApiError;

/// The name, type and branding of a published portal, for its sign-in page.
#[utoipa::path(
    tag = "portals",
    operation_id = "get_public_portal",
    params(("slug" = String, Path, description = "The portal's URL name", example = "acme")),
    responses(
        (status = 200, description = "The portal's public face", body = PortalPublic),
        (status = 404, description = "No published portal has this slug", body = portcullis_shared::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/portals/{slug}/public")]
pub async fn public_portal(
    app: web::Data<App>,
    slug: web::Path<String>,
) -> Result<web::Json<PortalPublic>, ApiError> {
    Ok(web::Json(
        app::portals::published(&app, &slug).await?.to_public(),
    ))
}
