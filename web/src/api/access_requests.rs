//! Self-registration: asking to join a portal, and deciding on the requests.

use gloo_net::http::Method;
use portcullis_shared::admin::{AccessRequestList, ApproveAccess, RejectAccess};
use portcullis_shared::auth::AccessRequestInput;

use super::{ApiError, public, signed};

/// Asks to join a portal that allows self-registration.
pub async fn submit(slug: &str, body: &AccessRequestInput) -> Result<(), ApiError> {
    public(Method::POST, format!("/portals/{slug}/access-requests"))
        .json(body)
        .done()
        .await
}

/// Requests with this status (`pending`, `approved`, `rejected`; empty for all).
pub fn list(status: String) -> impl Future<Output = Result<AccessRequestList, ApiError>> + use<> {
    signed(Method::GET, "/admin/access-requests")
        .query([("status", status)])
        .fetch()
}

/// Approves a request, which sends the invitation.
pub fn approve(
    id: &str,
    body: &ApproveAccess,
) -> impl Future<Output = Result<(), ApiError>> + use<> {
    signed(Method::POST, format!("/admin/access-requests/{id}/approve"))
        .json(body)
        .done()
}

/// Rejects a request, with the reason kept for the record.
pub fn reject(id: &str, body: &RejectAccess) -> impl Future<Output = Result<(), ApiError>> + use<> {
    signed(Method::POST, format!("/admin/access-requests/{id}/reject"))
        .json(body)
        .done()
}
