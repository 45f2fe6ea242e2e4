//! Invitations: sending them (by address or CSV file), and accepting one.

use gloo_net::http::Method;
use portcullis_shared::admin::{ImportReport, InvitationRequest, InvitationResults};
use portcullis_shared::auth::{AcceptInvitation, InvitationInfo};
use portcullis_shared::{Role, TokenResponse};

use super::{ApiError, public, signed};

/// Invites up to 100 addresses.
pub fn invite(
    body: &InvitationRequest,
) -> impl Future<Output = Result<InvitationResults, ApiError>> + use<> {
    signed(Method::POST, "/admin/invitations")
        .json(body)
        .fetch()
}

/// Invites everyone in a CSV file (`email,name`); external roles name their account and portal.
pub fn import_csv(
    file: web_sys::File,
    role: Role,
    account_id: Option<String>,
    portal_id: Option<String>,
) -> impl Future<Output = Result<ImportReport, ApiError>> + use<> {
    signed(Method::POST, "/admin/invitations/import")
        .query([
            ("role", role.as_str().to_owned()),
            ("account_id", account_id.unwrap_or_default()),
            ("portal_id", portal_id.unwrap_or_default()),
        ])
        .file(file, "text/csv")
        .fetch()
}

/// Who an invitation is for.
pub async fn info(token: &str) -> Result<InvitationInfo, ApiError> {
    public(Method::GET, format!("/invitations/{token}"))
        .fetch()
        .await
}

/// Accepts an invitation and signs in.
pub async fn accept(token: &str, body: &AcceptInvitation) -> Result<TokenResponse, ApiError> {
    public(Method::POST, format!("/invitations/{token}/accept"))
        .json(body)
        .fetch()
        .await
}
