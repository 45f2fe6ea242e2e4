//! Sign-in, token refresh with rotation, sign-out, and the sessions they open and end.

use portcullis_shared::TokenResponse;

use crate::app::{Actor, App, Audit, Origin};
use crate::auth::Principal;
use crate::auth::password::Hasher;
use crate::auth::throttle;
use crate::auth::tokens::{self, Keys};
use crate::error::ApiError;
use crate::storage::portals::PortalRow;
use crate::storage::users::{self, UserRow};
use crate::storage::{portals, sessions};
use crate::time;

/// Sessions of internal users who sign in outside any portal.
const DEFAULT_IDLE_SECS: i64 = 30 * 60;
const DEFAULT_LIFETIME_SECS: i64 = 12 * 60 * 60;

pub const BAD_CREDENTIALS: &str = "The email or password is incorrect.";

/// A freshly opened session: what the refresh cookie carries, and the access token.
pub struct OpenedSession {
    /// The session secret (the cookie's first half).
    pub sid: String,
    /// The refresh secret (the cookie's second half).
    pub refresh_secret: String,
    /// Seconds until the session's absolute end.
    pub lifetime_secs: i64,
    pub token: TokenResponse,
}

/// The access token answer for a session.
pub fn token_response(
    keys: &Keys,
    user_id: &str,
    sid: &str,
    role: &str,
    portal: Option<String>,
) -> Result<TokenResponse, ApiError> {
    let claims = keys.claims_for(user_id, sid, role, portal);
    Ok(TokenResponse {
        access_token: keys.sign(&claims)?,
        token_type: "Bearer".into(),
        expires_in: keys.ttl_secs() as u64,
        expires_at: time::to_rfc3339(claims.exp * 1_000_000),
    })
}

/// What a sign-in attempt presents.
pub struct Credentials {
    pub email: String,
    pub password: String,
    pub portal: Option<String>,
}

/// The user an attempt names, if any, so a refused attempt is audited against them.
pub async fn attempted_user(app: &App, email: &str) -> Result<Option<String>, ApiError> {
    let mut conn = app.read().await?;
    Ok(users::find_by_email(&mut conn, email).await?.map(|u| u.id))
}

/// Signs in with email and password. Unknown emails and wrong passwords get the same answer
/// in the same time; repeated failures for one account slow down.
pub async fn login(
    app: &App,
    keys: &Keys,
    hasher: &Hasher,
    origin: &Origin,
    c: Credentials,
) -> Result<OpenedSession, ApiError> {
    let throttle_key = users::normalize_email(&c.email);
    throttle::check_account(&app.db, &throttle_key, time::now()).await?;
    let (user, portal) = {
        let mut conn = app.read().await?;
        let user = users::find_by_email(&mut conn, &c.email).await?;
        let portal = match &c.portal {
            Some(slug) => portals::find_published(&mut conn, slug).await?,
            None => None,
        };
        (user, portal)
    };
    let hash = user.as_ref().and_then(|u| u.password_hash.clone());
    if !hasher.verify(c.password, hash).await? {
        throttle::record_failure(&app.db, &throttle_key).await?;
        return Err(ApiError::Unauthenticated(BAD_CREDENTIALS));
    }
    throttle::clear(&app.db, &throttle_key).await?;
    let user = user
        .filter(|u| u.may_sign_in(time::now()))
        .ok_or(ApiError::Unauthenticated(BAD_CREDENTIALS))?;
    if c.portal.is_some() && portal.is_none() {
        return Err(ApiError::Unauthenticated(BAD_CREDENTIALS));
    }
    // External users sign in only through their own portal.
    if !user.role.is_internal()
        && (portal.is_none() || portal.as_ref().map(|p| &p.id) != user.portal_id.as_ref())
    {
        return Err(ApiError::Unauthenticated(BAD_CREDENTIALS));
    }
    let mut tx = app.begin().await?;
    let opened = open_session(&mut tx, keys, origin, &user, portal.clone(), None).await?;
    tx.audit(
        Audit::new(Actor::Anonymous(origin), "auth.login")
            .actor(user.id.clone())
            .object("user", user.id.clone())
            .portal(portal.map(|p| p.id))
            .details(serde_json::json!({ "email": c.email.trim(), "portal": c.portal })),
    )
    .await?;
    tx.commit().await?;
    Ok(opened)
}

/// Creates the session row and its access token, inside the caller's transaction.
/// `viewed_by` marks a read-only "view as" session opened by that administrator.
pub async fn open_session(
    conn: &mut sqlx::AnyConnection,
    keys: &Keys,
    origin: &Origin,
    user: &UserRow,
    portal: Option<PortalRow>,
    viewed_by: Option<String>,
) -> Result<OpenedSession, ApiError> {
    let (idle, lifetime) = portal
        .as_ref()
        .map_or((DEFAULT_IDLE_SECS, DEFAULT_LIFETIME_SECS), |p| {
            (p.idle_timeout_secs, p.absolute_lifetime_secs)
        });
    // A view-as session is short: one hour at most.
    let lifetime = if viewed_by.is_some() {
        lifetime.min(3600)
    } else {
        lifetime
    };
    let sid = tokens::random_token();
    let refresh_secret = tokens::random_token();
    let session_id = sessions::create(
        conn,
        &sessions::NewSession {
            token_hash: tokens::hash_token(&sid),
            refresh_hash: tokens::hash_token(&refresh_secret),
            user_id: user.id.clone(),
            portal_id: portal.as_ref().map(|p| p.id.clone()),
            idle_timeout_secs: idle,
            absolute_lifetime_secs: lifetime,
            ip: origin.ip.clone(),
            user_agent: origin.user_agent.clone(),
            viewed_by: viewed_by.clone(),
        },
    )
    .await?;
    if viewed_by.is_none() {
        users::record_sign_in(conn, &user.id).await?;
    }
    tracing::info!(user_id = %user.id, session_id = %session_id, view_as = viewed_by.is_some(), "session opened");
    let token = token_response(
        keys,
        &user.id,
        &sid,
        user.role.as_str(),
        portal.map(|p| p.slug),
    )?;
    Ok(OpenedSession {
        sid,
        refresh_secret,
        lifetime_secs: lifetime,
        token,
    })
}

/// A refreshed session: the rotated refresh secret and a new access token.
pub struct Refreshed {
    pub refresh_secret: String,
    pub remaining_secs: i64,
    pub token: TokenResponse,
}

/// Exchanges a refresh cookie (`sid`, `secret`) for a new access token, rotating the secret.
/// Presenting a refresh secret that was already used ends the whole session.
pub async fn refresh(
    app: &App,
    keys: &Keys,
    sid: &str,
    secret: &str,
) -> Result<Refreshed, ApiError> {
    let unauth = || ApiError::Unauthenticated("Sign in again.");
    let mut tx = app.begin().await?;
    let state = sessions::refresh_state(&mut tx, &tokens::hash_token(sid))
        .await?
        .ok_or_else(unauth)?;
    let presented = tokens::hash_token(secret);
    if presented != state.refresh_hash {
        if state.previous_refresh_hash.as_deref() == Some(presented.as_str()) {
            sessions::end(&mut tx, &state.session_id, "refresh_token_reuse").await?;
            tx.commit().await?;
            tracing::warn!(session_id = %state.session_id, "refresh token reused; session ended");
        }
        return Err(unauth());
    }
    let user = users::find_by_id(&mut tx, &state.user_id)
        .await?
        .ok_or_else(unauth)?;
    let now = time::now();
    if !user.may_sign_in(now) || state.expires_at <= now {
        return Err(unauth());
    }
    let new_secret = tokens::random_token();
    if !sessions::rotate_refresh(
        &mut tx,
        &state.session_id,
        &state.refresh_hash,
        &tokens::hash_token(&new_secret),
    )
    .await?
    {
        return Err(unauth());
    }
    // The session secret stays the same; only the access token and refresh secret change.
    let live = sessions::live(&mut tx, &state.token_hash, now)
        .await?
        .ok_or_else(unauth)?;
    let portal_slug = match &live.portal_id {
        Some(id) => portals::find_by_id(&mut tx, id).await?.map(|p| p.slug),
        None => None,
    };
    tx.commit().await?;
    Ok(Refreshed {
        refresh_secret: new_secret,
        remaining_secs: (state.expires_at - now) / 1_000_000,
        token: token_response(keys, &user.id, sid, user.role.as_str(), portal_slug)?,
    })
}

/// Ends the caller's current session.
pub async fn logout(app: &App, p: &Principal) -> Result<(), ApiError> {
    let mut tx = app.begin().await?;
    sessions::end(&mut tx, &p.session_id, "logout").await?;
    tx.audit(Audit::new(Actor::User(p), "auth.logout").object("session", p.session_id.clone()))
        .await?;
    tx.commit().await
}

/// Ends every session of the caller, on every device.
pub async fn logout_everywhere(app: &App, p: &Principal) -> Result<u64, ApiError> {
    let mut tx = app.begin().await?;
    let ended = sessions::end_all(&mut tx, &p.user_id, "logout_everywhere").await?;
    tx.audit(
        Audit::new(Actor::User(p), "auth.logout_everywhere")
            .object("user", p.user_id.clone())
            .details(serde_json::json!({ "sessions_ended": ended })),
    )
    .await?;
    tx.commit().await?;
    Ok(ended)
}
