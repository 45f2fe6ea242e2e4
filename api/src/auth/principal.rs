//! The authenticated caller. Extracting a `Principal` verifies the access token and checks,
//! in one query, that its session is live and its user active: revocation takes effect on
//! the very next request, on every node.

use std::future::Future;
use std::pin::Pin;

use actix_web::http::header;
use actix_web::{FromRequest, HttpMessage, HttpRequest, web};
use portcullis_shared::{AccountId, Permission, PortalId, Role, SessionId, UserId};

use crate::app::{App, Origin};
use crate::auth::tokens::{self, Keys};
use crate::domain::permissions::{self, Override};
use crate::error::ApiError;
use crate::storage::sessions;
use crate::time;

/// How stale `last_seen_at` may get before a request refreshes it; bounds writes to one per
/// session per minute while keeping the idle timeout accurate to a minute.
const TOUCH_AFTER_MICROS: i64 = 60 * 1_000_000;

/// A signed-in user with a live session.
#[derive(Debug, Clone)]
pub struct Principal {
    pub user_id: UserId,
    pub session_id: SessionId,
    pub role: Role,
    pub account_id: Option<AccountId>,
    pub portal_id: Option<PortalId>,
    /// Set when an administrator is viewing as this user: the session is read-only.
    pub viewed_by: Option<UserId>,
    /// Where the request came from, for the audit log.
    pub origin: Origin,
    /// Regions an internal user is limited to; `None` is everywhere.
    pub regions: Option<Vec<String>>,
    /// The user's sign-in before the latest: "what changed since your last visit" starts here.
    pub previous_sign_in_at: Option<i64>,
    /// A partner user whose organisation shows them only the deals they are responsible for.
    pub own_deals_only: bool,
    /// Every permission override bearing on the user, read with the session.
    pub overrides: Vec<Override>,
}

impl Principal {
    /// Whether the caller holds `permission` (user, then account, then portal level, then
    /// the default).
    pub fn granted(&self, permission: Permission) -> bool {
        permissions::is_granted(permission, &self.overrides)
    }
}

fn bearer(req: &HttpRequest) -> Option<String> {
    let value = req.headers().get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim().to_owned())
}

/// Verifies the access token and the live session behind it, and records the caller for the
/// audit log.
async fn authenticate(req: HttpRequest) -> Result<Principal, ApiError> {
    let (Some(keys), Some(app)) = (
        req.app_data::<web::Data<Keys>>().cloned(),
        req.app_data::<web::Data<App>>().cloned(),
    ) else {
        return Err(ApiError::Internal(anyhow::anyhow!(
            "authentication state is not configured"
        )));
    };
    let token = bearer(&req).ok_or(ApiError::Unauthenticated("Sign in to continue."))?;
    let claims = keys
        .verify(&token)
        .ok_or(ApiError::Unauthenticated("The access token is not valid."))?;
    let now = time::now();
    let mut conn = app.read().await?;
    let live = sessions::live(&mut conn, &tokens::hash_token(&claims.sid), now)
        .await?
        .filter(|s| s.user_id == claims.sub)
        .ok_or(ApiError::Unauthenticated(
            "The session has ended; sign in again.",
        ))?;
    if now - live.last_seen_at > TOUCH_AFTER_MICROS {
        sessions::touch(&mut conn, &live.session_id, now).await?;
    }
    let principal = Principal {
        user_id: UserId::new(live.user_id),
        session_id: SessionId::new(live.session_id),
        role: live.role,
        account_id: live.account_id.map(AccountId::new),
        portal_id: live.portal_id.map(PortalId::new),
        viewed_by: live.viewed_by.map(UserId::new),
        origin: crate::audit::origin_of(&req),
        regions: live.regions,
        previous_sign_in_at: live.previous_sign_in_at,
        own_deals_only: live.own_deals_only,
        overrides: live.overrides,
    };
    // The audit middleware names the actor from here.
    req.extensions_mut().insert(principal.clone());
    Ok(principal)
}

impl FromRequest for Principal {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Principal, ApiError>>>>;

    fn from_request(req: &HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let principal = authenticate(req.clone()).await?;
            // "View as" shows exactly what the user sees, and changes nothing.
            if principal.viewed_by.is_some() && !matches!(req.method().as_str(), "GET" | "HEAD") {
                return Err(ApiError::Forbidden);
            }
            Ok(principal)
        })
    }
}

/// The caller's session, a read-only "view as" one included: what signing out ends.
#[derive(Debug, Clone)]
pub struct OwnSession(pub Principal);

impl FromRequest for OwnSession {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<OwnSession, ApiError>>>>;

    fn from_request(req: &HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move { authenticate(req).await.map(OwnSession) })
    }
}
