//! The typed API client: every call the SPA makes, in one place. Failures come back as the
//! server's problem document (or one made up for network errors).

use gloo_net::http::{Method, Request, RequestBuilder, Response};
use portcullis_shared::auth::{
    AcceptInvitation, InvitationInfo, NotificationPrefs, OnboardingComplete, ProfilePatch,
};
use portcullis_shared::{ErrorCode, LoginRequest, Me, PortalPublic, Problem, TokenResponse};
use serde::de::DeserializeOwned;

/// A failed call: the problem the server sent, or a network problem.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiError(pub Problem);

impl ApiError {
    fn network(e: impl std::fmt::Display) -> ApiError {
        ApiError(Problem::new(
            ErrorCode::ServiceUnavailable,
            Some(format!("Could not reach the server: {e}")),
        ))
    }

    /// Whether the thing asked for does not exist (or may not be seen).
    pub fn is_not_found(&self) -> bool {
        self.0.code == ErrorCode::NotFound
    }

    /// Whether the caller must sign in (again).
    pub fn is_unauthenticated(&self) -> bool {
        self.0.code == ErrorCode::Unauthenticated
    }

    /// A sentence for people.
    pub fn message(&self) -> String {
        let mut text = self
            .0
            .detail
            .clone()
            .unwrap_or_else(|| self.0.title.clone());
        for e in &self.0.errors {
            text.push_str(&format!(" {}: {}.", e.field, e.message));
        }
        text
    }
}

async fn decode<T: DeserializeOwned>(res: Response) -> Result<T, ApiError> {
    if res.ok() {
        res.json::<T>().await.map_err(ApiError::network)
    } else {
        let status = res.status();
        match res.json::<Problem>().await {
            Ok(p) => Err(ApiError(p)),
            Err(_) => {
                let mut p = Problem::new(
                    ErrorCode::Internal,
                    Some(format!("The server answered {status}.")),
                );
                p.status = status;
                Err(ApiError(p))
            }
        }
    }
}

async fn empty(res: Response) -> Result<(), ApiError> {
    if res.ok() {
        Ok(())
    } else {
        decode::<serde_json::Value>(res).await.map(|_| ())
    }
}

/// A value as a JSON body.
fn json(value: &impl serde::Serialize) -> Result<serde_json::Value, ApiError> {
    serde_json::to_value(value).map_err(ApiError::network)
}

/// The public face of a portal.
pub async fn portal(slug: &str) -> Result<PortalPublic, ApiError> {
    let url = format!("/api/v1/portals/{slug}/public");
    decode(send(Method::GET, None, &url, &[], None).await?).await
}

/// Asks to join a portal that allows self-registration.
pub async fn request_access(
    slug: &str,
    body: &portcullis_shared::auth::AccessRequestInput,
) -> Result<(), ApiError> {
    let url = format!("/api/v1/portals/{slug}/access-requests");
    empty(send(Method::POST, None, &url, &[], Some(&json(body)?)).await?).await
}

/// Signs in; the refresh cookie is set by the server.
pub async fn login(body: &LoginRequest) -> Result<TokenResponse, ApiError> {
    let res = send(
        Method::POST,
        None,
        "/api/v1/auth/login",
        &[],
        Some(&json(body)?),
    )
    .await?;
    decode(res).await
}

/// A new access token from the refresh cookie, if a session is still open.
pub async fn refresh() -> Result<TokenResponse, ApiError> {
    decode(send(Method::POST, None, "/api/v1/auth/refresh", &[], None).await?).await
}

/// The signed-in user.
pub async fn me(token: &str) -> Result<Me, ApiError> {
    get(token, "/api/v1/me", &[]).await
}

/// Ends the session.
pub async fn logout(token: &str) -> Result<(), ApiError> {
    act(Method::POST, token, "/api/v1/auth/logout", None).await
}

fn bearer(token: &str) -> String {
    format!("Bearer {token}")
}

/// Who an invitation is for.
pub async fn invitation(token: &str) -> Result<InvitationInfo, ApiError> {
    let url = format!("/api/v1/invitations/{token}");
    decode(send(Method::GET, None, &url, &[], None).await?).await
}

/// Accepts an invitation and signs in.
pub async fn accept_invitation(
    token: &str,
    body: &AcceptInvitation,
) -> Result<TokenResponse, ApiError> {
    let url = format!("/api/v1/invitations/{token}/accept");
    decode(send(Method::POST, None, &url, &[], Some(&json(body)?)).await?).await
}

/// Updates the caller's profile.
pub async fn update_profile(token: &str, body: &ProfilePatch) -> Result<Me, ApiError> {
    call(
        Method::PATCH,
        token,
        "/api/v1/me/profile",
        &[],
        Some(&json(body)?),
    )
    .await
}

/// Sets notification preferences.
pub async fn set_notifications(token: &str, body: &NotificationPrefs) -> Result<Me, ApiError> {
    call(
        Method::PUT,
        token,
        "/api/v1/me/notifications",
        &[],
        Some(&json(body)?),
    )
    .await
}

/// Uploads a profile photo (the server checks its type by content).
pub async fn upload_photo(token: &str, file: web_sys::File) -> Result<(), ApiError> {
    let res = Request::put("/api/v1/me/photo")
        .header("authorization", &bearer(token))
        .body(wasm_bindgen::JsValue::from(file))
        .map_err(ApiError::network)?
        .send()
        .await
        .map_err(ApiError::network)?;
    empty(res).await
}

/// Finishes onboarding.
pub async fn complete_onboarding(token: &str, tour_skipped: bool) -> Result<Me, ApiError> {
    let body = json(&OnboardingComplete { tour_skipped })?;
    call(
        Method::POST,
        token,
        "/api/v1/me/onboarding",
        &[],
        Some(&body),
    )
    .await
}

/// Adds the non-empty `query` pairs to a request's address, encoded.
fn with_query(builder: RequestBuilder, query: &[(&str, String)]) -> RequestBuilder {
    builder.query(
        query
            .iter()
            .filter(|(_, v)| !v.is_empty())
            .map(|(k, v)| (*k, v.as_str())),
    )
}

/// Sends a request, signed in when `token` is given, with an optional JSON body.
async fn send(
    method: Method,
    token: Option<&str>,
    url: &str,
    query: &[(&str, String)],
    body: Option<&serde_json::Value>,
) -> Result<Response, ApiError> {
    let mut builder = with_query(RequestBuilder::new(url).method(method), query);
    if let Some(token) = token {
        builder = builder.header("authorization", &bearer(token));
    }
    match body {
        Some(b) => builder.json(b).map_err(ApiError::network)?.send().await,
        None => builder.send().await,
    }
    .map_err(ApiError::network)
}

/// An authenticated call with a JSON answer; `query` pairs are encoded onto the address.
pub async fn call<T: DeserializeOwned>(
    method: Method,
    token: &str,
    url: &str,
    query: &[(&str, String)],
    body: Option<&serde_json::Value>,
) -> Result<T, ApiError> {
    decode(send(method, Some(token), url, query, body).await?).await
}

/// A GET of a JSON resource.
pub async fn get<T: DeserializeOwned>(
    token: &str,
    url: &str,
    query: &[(&str, String)],
) -> Result<T, ApiError> {
    call(Method::GET, token, url, query, None).await
}

/// A POST, PUT, PATCH or DELETE whose answer may be empty (204).
pub async fn act(
    method: Method,
    token: &str,
    url: &str,
    body: Option<&serde_json::Value>,
) -> Result<(), ApiError> {
    empty(send(method, Some(token), url, &[], body).await?).await
}

/// A resource with its `ETag`, for an update that must not overwrite someone else's edit.
pub async fn get_tagged<T: DeserializeOwned>(
    token: &str,
    url: &str,
) -> Result<(T, Option<String>), ApiError> {
    let res = send(Method::GET, Some(token), url, &[], None).await?;
    let etag = res.headers().get("etag");
    decode(res).await.map(|t| (t, etag))
}

/// A PATCH guarded by `If-Match`.
pub async fn patch_if_match<T: DeserializeOwned>(
    token: &str,
    url: &str,
    etag: &str,
    body: &serde_json::Value,
) -> Result<T, ApiError> {
    let res = Request::patch(url)
        .header("authorization", &bearer(token))
        .header("if-match", etag)
        .json(body)
        .map_err(ApiError::network)?
        .send()
        .await
        .map_err(ApiError::network)?;
    decode(res).await
}

/// A text resource (CSV exports).
pub async fn get_text(
    token: &str,
    url: &str,
    query: &[(&str, String)],
) -> Result<String, ApiError> {
    let res = send(Method::GET, Some(token), url, query, None).await?;
    if res.ok() {
        res.text().await.map_err(ApiError::network)
    } else {
        decode::<serde_json::Value>(res)
            .await
            .map(|_| String::new())
    }
}

/// Uploads a CSV file and returns the JSON report.
pub async fn post_csv<T: DeserializeOwned>(
    token: &str,
    url: &str,
    query: &[(&str, String)],
    file: web_sys::File,
) -> Result<T, ApiError> {
    let res = with_query(
        Request::post(url)
            .header("authorization", &bearer(token))
            .header("content-type", "text/csv"),
        query,
    )
    .body(wasm_bindgen::JsValue::from(file))
    .map_err(ApiError::network)?
    .send()
    .await
    .map_err(ApiError::network)?;
    decode(res).await
}
