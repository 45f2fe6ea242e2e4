//! Signing in and out, and renewing the access token through the refresh cookie.

use gloo_net::http::Method;
use portcullis_shared::{LoginRequest, TokenResponse};

use super::{ApiError, public, signed};

/// Signs in; the server sets the refresh cookie.
pub async fn login(body: &LoginRequest) -> Result<TokenResponse, ApiError> {
    public(Method::POST, "/auth/login").json(body).fetch().await
}

/// A new access token from the refresh cookie (which the server rotates). Use
/// [`super::renew`], which never lets two refreshes overlap.
pub(super) async fn refresh() -> Result<TokenResponse, ApiError> {
    public(Method::POST, "/auth/refresh").fetch().await
}

/// Ends this session (a 401 means it had ended already).
pub fn logout() -> impl Future<Output = Result<(), ApiError>> + use<> {
    signed(Method::POST, "/auth/logout").once().done()
}

/// Ends every session of the signed-in user, on every device.
pub fn logout_everywhere() -> impl Future<Output = Result<(), ApiError>> + use<> {
    signed(Method::POST, "/auth/logout-all").done()
}
