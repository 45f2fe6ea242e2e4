//! Portals: the public face anyone may load, and the administration of portals.

use gloo_net::http::Method;
use portcullis_shared::PortalPublic;
use portcullis_shared::admin::{Portal, PortalInput, PortalList, PortalPatch};

use super::{ApiError, public, signed};

/// The public face of a portal (name, kind, branding).
pub async fn public_face(slug: &str) -> Result<PortalPublic, ApiError> {
    public(Method::GET, format!("/portals/{slug}/public"))
        .fetch()
        .await
}

/// Every portal (few enough for one page).
pub fn list() -> impl Future<Output = Result<PortalList, ApiError>> + use<> {
    signed(Method::GET, "/admin/portals").fetch()
}

/// One portal with its ETag, to edit.
pub fn get(id: &str) -> impl Future<Output = Result<(Portal, Option<String>), ApiError>> + use<> {
    signed(Method::GET, format!("/admin/portals/{id}")).tagged()
}

/// Creates a portal (unpublished unless asked).
pub fn create(body: &PortalInput) -> impl Future<Output = Result<Portal, ApiError>> + use<> {
    signed(Method::POST, "/admin/portals").json(body).fetch()
}

/// Changes a portal, unless someone else changed it since `etag`.
pub fn update(
    id: &str,
    etag: String,
    body: &PortalPatch,
) -> impl Future<Output = Result<Portal, ApiError>> + use<> {
    signed(Method::PATCH, format!("/admin/portals/{id}"))
        .if_match(etag)
        .json(body)
        .fetch()
}
