//! Users as administrators manage them: lists, lifecycle, sessions and "view as".

use gloo_net::http::Method;
use portcullis_shared::TokenResponse;
use portcullis_shared::admin::{
    AccessExpiryRequest, BulkDeactivate, BulkResult, SessionList, TransferRequest, User, UserPage,
};

use super::{ApiError, signed};

/// Which users to list; empty fields do not filter.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct UserFilter {
    /// `customer`, `partner` or `internal`.
    pub portal_type: String,
    /// `invited`, `active` or `deactivated`.
    pub status: String,
    /// A role's wire name.
    pub role: String,
    /// Only users flagged by the 90-day access review.
    pub stale: bool,
    /// Text the name or email contains.
    pub text: String,
    pub limit: Option<u32>,
    /// The previous page's `next_cursor`.
    pub cursor: String,
}

/// A page of users.
pub fn list(filter: &UserFilter) -> impl Future<Output = Result<UserPage, ApiError>> + use<> {
    let f = filter.clone();
    signed(Method::GET, "/admin/users")
        .query([
            ("portal_type", f.portal_type),
            ("status", f.status),
            ("role", f.role),
            (
                "stale",
                if f.stale {
                    "true".into()
                } else {
                    String::new()
                },
            ),
            ("q", f.text),
            ("limit", f.limit.map(|l| l.to_string()).unwrap_or_default()),
            ("cursor", f.cursor),
        ])
        .fetch()
}

fn on_user(method: Method, id: &str, action: &str) -> super::Call {
    signed(method, format!("/admin/users/{id}/{action}"))
}

/// Deactivates many users at once, ending all their sessions.
pub fn deactivate_many(
    user_ids: Vec<String>,
) -> impl Future<Output = Result<BulkResult, ApiError>> + use<> {
    signed(Method::POST, "/admin/users/deactivate")
        .json(&BulkDeactivate { user_ids })
        .fetch()
}

/// Deactivates a user, ending every session at once.
pub fn deactivate(id: &str) -> impl Future<Output = Result<User, ApiError>> + use<> {
    on_user(Method::POST, id, "deactivate").fetch()
}

/// Lets a deactivated user sign in again.
pub fn reactivate(id: &str) -> impl Future<Output = Result<User, ApiError>> + use<> {
    on_user(Method::POST, id, "reactivate").fetch()
}

/// Sends a new invitation; the old link stops working.
pub fn resend_invitation(id: &str) -> impl Future<Output = Result<(), ApiError>> + use<> {
    on_user(Method::POST, id, "resend-invitation").done()
}

/// Moves an external user to another account, ending their sessions.
pub fn transfer(
    id: &str,
    account_id: String,
) -> impl Future<Output = Result<User, ApiError>> + use<> {
    on_user(Method::POST, id, "transfer")
        .json(&TransferRequest { account_id })
        .fetch()
}

/// Sets (or with `None` clears) when the user's access ends.
pub fn set_access_expiry(
    id: &str,
    access_expires_at: Option<String>,
) -> impl Future<Output = Result<User, ApiError>> + use<> {
    on_user(Method::PUT, id, "access-expiry")
        .json(&AccessExpiryRequest { access_expires_at })
        .fetch()
}

/// The user's sessions, live and ended.
pub fn sessions(id: &str) -> impl Future<Output = Result<SessionList, ApiError>> + use<> {
    on_user(Method::GET, id, "sessions").fetch()
}

/// Ends one session of the user.
pub fn end_session(
    id: &str,
    session_id: &str,
) -> impl Future<Output = Result<(), ApiError>> + use<> {
    on_user(Method::DELETE, id, &format!("sessions/{session_id}")).done()
}

/// A read-only session as an external user (no refresh cookie of its own).
pub fn view_as(id: &str) -> impl Future<Output = Result<TokenResponse, ApiError>> + use<> {
    on_user(Method::POST, id, "view-as").fetch()
}
