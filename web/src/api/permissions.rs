//! The permission matrix of a portal and its overrides.

use gloo_net::http::Method;
use portcullis_shared::admin::{OverrideInput, PermissionMatrix};

use super::{ApiError, signed};

/// Every permission of the portal with its default, portal setting and overrides.
pub fn matrix(
    portal_id: String,
) -> impl Future<Output = Result<PermissionMatrix, ApiError>> + use<> {
    signed(Method::GET, "/admin/permissions")
        .query([("portal_id", portal_id)])
        .fetch()
}

/// Sets or removes one override.
pub fn set(body: &OverrideInput) -> impl Future<Output = Result<(), ApiError>> + use<> {
    signed(Method::PUT, "/admin/permissions").json(body).done()
}
