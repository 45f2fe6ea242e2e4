//! The authenticated caller. Extracting a `Principal` verifies the access token and checks,
//! in one query, that its session is live and its user active: revocation takes effect on
//! the very next request, on every node.

use std::future::Future;
use std::pin::Pin;

use actix_web::http::header;
use actix_web::{FromRequest, HttpMessage, HttpRequest, web};
use portcullis_shared::Role;

use crate::auth::tokens::{self, Keys};
use crate::db::Db;
use crate::error::ApiError;
use crate::storage::sessions;
use crate::time;

/// How stale `last_seen_at` may get before a request refreshes it; bounds writes to one per
/// session per minute while keeping the idle timeout accurate to a minute.
const TOUCH_AFTER_MICROS: i64 = 60 * 1_000_000;

/// A signed-in user with a live session.
#[derive(Debug, Clone)]
pub struct Principal {
    pub user_id: String,
    pub session_id: String,
    pub role: Role,
    pub account_id: Option<String>,
    pub portal_id: Option<String>,
    /// Set when an administrator is viewing as this user: the session is read-only.
    pub viewed_by: Option<String>,
}

fn bearer(req: &HttpRequest) -> Option<String> {
    let value = req.headers().get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim().to_owned())
}

impl FromRequest for Principal {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Principal, ApiError>>>>;

    fn from_request(req: &HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        let token = bearer(req);
        let req = req.clone();
        let keys = req.app_data::<web::Data<Keys>>().cloned();
        let db = req.app_data::<web::Data<Db>>().cloned();
        Box::pin(async move {
            let (Some(keys), Some(db)) = (keys, db) else {
                return Err(ApiError::Internal(anyhow::anyhow!(
                    "authentication state is not configured"
                )));
            };
            let token = token.ok_or(ApiError::Unauthenticated("Sign in to continue."))?;
            let claims = keys
                .verify(&token)
                .ok_or(ApiError::Unauthenticated("The access token is not valid."))?;
            let now = time::now();
            let live = sessions::live(&db, &tokens::hash_token(&claims.sid), now)
                .await?
                .filter(|s| s.user_id == claims.sub)
                .ok_or(ApiError::Unauthenticated(
                    "The session has ended; sign in again.",
                ))?;
            if now - live.last_seen_at > TOUCH_AFTER_MICROS {
                sessions::touch(&db, &live.session_id, now).await?;
            }
            let principal = Principal {
                user_id: live.user_id,
                session_id: live.session_id,
                role: live.role,
                account_id: live.account_id,
                portal_id: live.portal_id,
                viewed_by: live.viewed_by,
            };
            // "View as" shows exactly what the user sees, and changes nothing (but may end
            // itself).
            if principal.viewed_by.is_some()
                && !matches!(req.method().as_str(), "GET" | "HEAD")
                && req.path() != "/api/v1/auth/logout"
            {
                return Err(ApiError::Forbidden);
            }
            // The audit middleware names the actor from here.
            req.extensions_mut().insert(principal.clone());
            Ok(principal)
        })
    }
}
