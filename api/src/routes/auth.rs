//! Password sign-in, token refresh with rotation, and sign-out (here or everywhere).

use actix_web::cookie::{Cookie, SameSite, time::Duration as CookieDuration};
use actix_web::{HttpRequest, HttpResponse, post, web};
use portcullis_shared::validate::{MAX_PASSWORD_BYTES, is_plausible_email, is_valid_slug};
use portcullis_shared::{FieldError, LoginRequest, TokenResponse};

use crate::audit::{self, AuditNote};
use crate::auth::password::Hasher;
use crate::auth::throttle::{self, IpLimiter};
use crate::auth::tokens::{self, Keys};
use crate::auth::{OwnSession, Principal};
use crate::db::Db;
use crate::error::ApiError;
use crate::storage::{portals, sessions, users};
use crate::time;

/// The refresh cookie: HttpOnly, Secure, SameSite=Strict, sent only to the auth endpoints.
pub const REFRESH_COOKIE: &str = "portcullis_refresh";
const REFRESH_PATH: &str = "/api/v1/auth";
/// Sessions of internal users who sign in outside any portal.
const DEFAULT_IDLE_SECS: i64 = 30 * 60;
const DEFAULT_LIFETIME_SECS: i64 = 12 * 60 * 60;

const BAD_CREDENTIALS: &str = "The email or password is incorrect.";

fn validate_login(body: &LoginRequest) -> Result<(), ApiError> {
    let mut errors = Vec::new();
    let mut bad = |field: &str, code: &str, message: &str| {
        errors.push(FieldError {
            field: field.into(),
            code: code.into(),
            message: message.into(),
        })
    };
    if body.email.trim().is_empty() {
        bad("email", "required", "is required");
    } else if !is_plausible_email(body.email.trim()) {
        bad("email", "invalid_format", "must be an email address");
    }
    if body.password.is_empty() {
        bad("password", "required", "is required");
    } else if body.password.len() > MAX_PASSWORD_BYTES {
        bad("password", "too_long", "must be at most 1024 bytes");
    }
    if let Some(p) = &body.portal
        && !is_valid_slug(p)
    {
        bad("portal", "invalid_format", "must be a portal slug");
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(ApiError::Validation(errors))
    }
}

/// The cookie carries the session secret and the refresh secret; the database holds only
/// their hashes.
fn refresh_cookie(sid: &str, secret: &str, max_age_secs: i64) -> Cookie<'static> {
    Cookie::build(REFRESH_COOKIE, format!("{sid}.{secret}"))
        .path(REFRESH_PATH)
        .http_only(true)
        .secure(true)
        .same_site(SameSite::Strict)
        .max_age(CookieDuration::seconds(max_age_secs.max(0)))
        .finish()
}

fn cleared_cookie() -> Cookie<'static> {
    let mut c = refresh_cookie("", "", 0);
    c.make_removal();
    c
}

fn token_response(
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

/// Signs in with email and password. External users name the portal they sign in to.
/// Unknown emails and wrong passwords get the same answer in the same time.
#[utoipa::path(
    tag = "auth",
    request_body = LoginRequest,
    responses(
        (status = 200, description = "Signed in; the refresh token is set as an HttpOnly cookie", body = TokenResponse),
        (status = 400, description = "Malformed JSON", body = portcullis_shared::Problem, content_type = "application/problem+json"),
        (status = 401, description = "Wrong email or password", body = portcullis_shared::Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body too large", body = portcullis_shared::Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = portcullis_shared::Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many attempts from this address or for this account; see Retry-After", body = portcullis_shared::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/auth/login")]
pub async fn login(
    req: HttpRequest,
    db: web::Data<Db>,
    keys: web::Data<Keys>,
    hasher: web::Data<Hasher>,
    limiter: web::Data<IpLimiter>,
    body: web::Json<LoginRequest>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    limiter.check(req.peer_addr().map(|a| a.ip()))?;
    validate_login(&body)?;
    let throttle_key = users::normalize_email(&body.email);
    throttle::check_account(&db, &throttle_key, time::now()).await?;
    let user = users::find_by_email(&db, &body.email).await?;
    audit::note(
        &req,
        AuditNote {
            action: Some("auth.login".into()),
            actor_id: user.as_ref().map(|u| u.id.clone()),
            object_type: Some("user".into()),
            object_id: user.as_ref().map(|u| u.id.clone()),
            details: Some(serde_json::json!({ "email": body.email.trim(), "portal": body.portal })),
            ..AuditNote::default()
        },
    );
    let hash = user.as_ref().and_then(|u| u.password_hash.clone());
    let password_ok = hasher.verify(body.password, hash).await?;
    if !password_ok {
        throttle::record_failure(&db, &throttle_key).await?;
        return Err(ApiError::Unauthenticated(BAD_CREDENTIALS));
    }
    throttle::clear(&db, &throttle_key).await?;
    let user = user
        .filter(|u| u.may_sign_in(time::now()))
        .ok_or(ApiError::Unauthenticated(BAD_CREDENTIALS))?;

    let portal = match &body.portal {
        Some(slug) => Some(
            portals::find_published(&db, slug)
                .await?
                .ok_or(ApiError::Unauthenticated(BAD_CREDENTIALS))?,
        ),
        None => None,
    };
    // External users sign in only through their own portal.
    if !user.role.is_internal()
        && (portal.is_none() || portal.as_ref().map(|p| &p.id) != user.portal_id.as_ref())
    {
        return Err(ApiError::Unauthenticated(BAD_CREDENTIALS));
    }
    open_session(&req, &db, &keys, &user, portal).await
}

/// Opens a session for a user who has just proven who they are (password, or an accepted
/// invitation) and answers with the access token and the refresh cookie.
pub async fn open_session(
    req: &HttpRequest,
    db: &Db,
    keys: &Keys,
    user: &users::UserRow,
    portal: Option<portals::PortalRow>,
) -> Result<HttpResponse, ApiError> {
    let (sid, refresh_secret, lifetime, body) =
        new_session(req, db, keys, user, portal, None).await?;
    Ok(HttpResponse::Ok()
        .insert_header(("cache-control", "no-store"))
        .cookie(refresh_cookie(&sid, &refresh_secret, lifetime))
        .json(body))
}

/// Creates the session row and its access token: (session secret, refresh secret, lifetime,
/// token). `viewed_by` marks a read-only "view as" session opened by that administrator.
pub async fn new_session(
    req: &HttpRequest,
    db: &Db,
    keys: &Keys,
    user: &users::UserRow,
    portal: Option<portals::PortalRow>,
    viewed_by: Option<String>,
) -> Result<(String, String, i64, TokenResponse), ApiError> {
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
        db,
        &sessions::NewSession {
            token_hash: tokens::hash_token(&sid),
            refresh_hash: tokens::hash_token(&refresh_secret),
            user_id: user.id.clone(),
            portal_id: portal.as_ref().map(|p| p.id.clone()),
            idle_timeout_secs: idle,
            absolute_lifetime_secs: lifetime,
            ip: req.peer_addr().map(|a| a.ip().to_string()),
            user_agent: req
                .headers()
                .get("user-agent")
                .and_then(|v| v.to_str().ok())
                .map(|s| s.chars().take(512).collect()),
            viewed_by: viewed_by.clone(),
        },
    )
    .await?;
    if viewed_by.is_none() {
        users::record_sign_in(db, &user.id).await?;
    }
    tracing::info!(user_id = %user.id, session_id = %session_id, view_as = viewed_by.is_some(), "session opened");
    let body = token_response(
        keys,
        &user.id,
        &sid,
        user.role.as_str(),
        portal.map(|p| p.slug),
    )?;
    Ok((sid, refresh_secret, lifetime, body))
}

/// Exchanges the refresh cookie for a new access token, rotating the cookie. Presenting a
/// refresh token that was already used ends the whole session.
#[utoipa::path(
    tag = "auth",
    responses(
        (status = 200, description = "A new access token; the refresh cookie is rotated", body = TokenResponse),
        (status = 401, description = "No, expired, or reused refresh token", body = portcullis_shared::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/auth/refresh")]
pub async fn refresh(
    req: HttpRequest,
    db: web::Data<Db>,
    keys: web::Data<Keys>,
) -> Result<HttpResponse, ApiError> {
    let unauth = || ApiError::Unauthenticated("Sign in again.");
    let cookie = req.cookie(REFRESH_COOKIE).ok_or_else(unauth)?;
    let (sid, secret) = cookie.value().split_once('.').ok_or_else(unauth)?;
    let state = sessions::refresh_state(&db, &tokens::hash_token(sid))
        .await?
        .ok_or_else(unauth)?;
    let presented = tokens::hash_token(secret);
    if presented != state.refresh_hash {
        if state.previous_refresh_hash.as_deref() == Some(presented.as_str()) {
            sessions::end(&db, &state.session_id, "refresh_token_reuse").await?;
            tracing::warn!(session_id = %state.session_id, "refresh token reused; session ended");
        }
        return Err(unauth());
    }
    let user = users::find_by_id(&db, &state.user_id)
        .await?
        .ok_or_else(unauth)?;
    let now = time::now();
    if !user.may_sign_in(now) || state.expires_at <= now {
        return Err(unauth());
    }
    let new_secret = tokens::random_token();
    if !sessions::rotate_refresh(
        &db,
        &state.session_id,
        &state.refresh_hash,
        &tokens::hash_token(&new_secret),
    )
    .await?
    {
        return Err(unauth());
    }
    // The session secret stays the same; only the access token and refresh secret change.
    let live = sessions::live(&db, &state.token_hash, now)
        .await?
        .ok_or_else(unauth)?;
    let portal_slug = match &live.portal_id {
        Some(id) => portals::find_by_id(&db, id).await?.map(|p| p.slug),
        None => None,
    };
    let body = token_response(&keys, &user.id, sid, user.role.as_str(), portal_slug)?;
    Ok(HttpResponse::Ok()
        .insert_header(("cache-control", "no-store"))
        .cookie(refresh_cookie(
            sid,
            &new_secret,
            (state.expires_at - now) / 1_000_000,
        ))
        .json(body))
}

/// Ends the current session.
#[utoipa::path(
    tag = "auth",
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Signed out"),
        (status = 401, description = "Not signed in", body = portcullis_shared::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/auth/logout")]
pub async fn logout(session: OwnSession, db: web::Data<Db>) -> Result<HttpResponse, ApiError> {
    let principal = session.0;
    sessions::end(&db, &principal.session_id, "logout").await?;
    if principal.viewed_by.is_some() {
        // A "view as" session has no cookie of its own: the browser's cookie is the
        // administrator's, whose session goes on.
        return Ok(HttpResponse::NoContent().finish());
    }
    Ok(HttpResponse::NoContent().cookie(cleared_cookie()).finish())
}

/// Ends every session of the signed-in user, on every device.
#[utoipa::path(
    tag = "auth",
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Signed out everywhere"),
        (status = 401, description = "Not signed in", body = portcullis_shared::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/auth/logout-all")]
pub async fn logout_all(principal: Principal, db: web::Data<Db>) -> Result<HttpResponse, ApiError> {
    sessions::end_all(&db, &principal.user_id, "logout_everywhere").await?;
    Ok(HttpResponse::NoContent().cookie(cleared_cookie()).finish())
}
