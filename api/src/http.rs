//! HTTP pieces shared by route modules: the refresh cookie, the answer of a request that
//! opens a session, and bodies read with a limit of their own.

use actix_web::cookie::{Cookie, SameSite, time::Duration as CookieDuration};
use actix_web::{HttpResponse, web};
use futures_util::StreamExt;

use crate::app::auth::OpenedSession;
use crate::error::ApiError;

/// The refresh cookie: HttpOnly, Secure, SameSite=Strict, sent only to the auth endpoints.
pub const REFRESH_COOKIE: &str = "portcullis_refresh";
const REFRESH_PATH: &str = "/api/v1/auth";

/// The cookie carries the session secret and the refresh secret; the database holds only
/// their hashes.
pub fn refresh_cookie(sid: &str, secret: &str, max_age_secs: i64) -> Cookie<'static> {
    Cookie::build(REFRESH_COOKIE, format!("{sid}.{secret}"))
        .path(REFRESH_PATH)
        .http_only(true)
        .secure(true)
        .same_site(SameSite::Strict)
        .max_age(CookieDuration::seconds(max_age_secs.max(0)))
        .finish()
}

/// A cookie that removes the refresh cookie.
pub fn cleared_cookie() -> Cookie<'static> {
    let mut c = refresh_cookie("", "", 0);
    c.make_removal();
    c
}

/// The answer to a request that opened a session: the access token, and the refresh cookie.
pub fn session_response(opened: OpenedSession) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header(("cache-control", "no-store"))
        .cookie(refresh_cookie(
            &opened.sid,
            &opened.refresh_secret,
            opened.lifetime_secs,
        ))
        .json(opened.token)
}

/// Reads a request body of at most `limit` bytes; a larger one is 413 as soon as it passes
/// the limit, without reading the rest. Routes whose bodies may exceed the app-wide limit
/// (a CSV import) read them this way.
pub async fn read_limited(
    mut payload: web::Payload,
    limit: usize,
    what: &str,
) -> Result<web::Bytes, ApiError> {
    let mut body = web::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|e| ApiError::Malformed(format!("unreadable body: {e}")))?;
        if body.len() + chunk.len() > limit {
            return Err(ApiError::PayloadTooLarge(format!(
                "The {what} exceeds the limit of {} MiB.",
                limit / (1024 * 1024)
            )));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body.freeze())
}
