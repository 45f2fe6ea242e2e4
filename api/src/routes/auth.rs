//! Password sign-in, token refresh with rotation, and sign-out (here or everywhere).

use actix_web::{HttpRequest, HttpResponse, post, web};
use portcullis_shared::{LoginRequest, TokenResponse};

use crate::app::{self, App};
use crate::audit::{self, AuditNote, origin_of};
use crate::auth::password::Hasher;
use crate::auth::throttle::IpLimiter;
use crate::auth::tokens::Keys;
use crate::auth::{OwnSession, Principal};
use crate::error::ApiError;
use crate::http::{REFRESH_COOKIE, cleared_cookie, refresh_cookie, session_response};

fn validate_login(body: &LoginRequest) -> Result<(), ApiError> {
    let errors = portcullis_shared::validate::check_login(body);
    if errors.is_empty() {
        Ok(())
    } else {
        Err(ApiError::Validation(errors))
    }
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
    app: web::Data<App>,
    keys: web::Data<Keys>,
    hasher: web::Data<Hasher>,
    limiter: web::Data<IpLimiter>,
    body: web::Json<LoginRequest>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    limiter.check(req.peer_addr().map(|a| a.ip()))?;
    validate_login(&body)?;
    let email = body.email.trim().to_owned();
    let portal = body.portal.clone();
    let opened = app::auth::login(
        &app,
        &keys,
        &hasher,
        &origin_of(&req),
        app::auth::Credentials {
            email: body.email,
            password: body.password,
            portal: body.portal,
        },
    )
    .await;
    let opened = match opened {
        Ok(opened) => opened,
        Err(e) => {
            // The audit middleware records the refusal, against the user it names.
            let who = app::auth::attempted_user(&app, &email).await?;
            audit::note(
                &req,
                AuditNote {
                    action: Some("auth.login".into()),
                    object_type: who.as_ref().map(|_| "user".to_owned()),
                    object_id: who.clone(),
                    actor_id: who,
                    details: Some(serde_json::json!({ "email": email, "portal": portal })),
                    ..AuditNote::default()
                },
            );
            return Err(e);
        }
    };
    Ok(session_response(opened))
}

/// Exchanges the refresh cookie for a new access token, rotating the cookie. Presenting a
/// refresh token that was already used ends the whole session.
#[utoipa::path(
    tag = "auth",
    operation_id = "refresh_access_token",
    responses(
        (status = 200, description = "A new access token; the refresh cookie is rotated", body = TokenResponse),
        (status = 401, description = "No, expired, or reused refresh token", body = portcullis_shared::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/auth/refresh")]
pub async fn refresh(
    req: HttpRequest,
    app: web::Data<App>,
    keys: web::Data<Keys>,
) -> Result<HttpResponse, ApiError> {
    let unauth = || ApiError::Unauthenticated("Sign in again.");
    let cookie = req.cookie(REFRESH_COOKIE).ok_or_else(unauth)?;
    let (sid, secret) = cookie.value().split_once('.').ok_or_else(unauth)?;
    let refreshed = app::auth::refresh(&app, &keys, sid, secret).await?;
    Ok(HttpResponse::Ok()
        .insert_header(("cache-control", "no-store"))
        .cookie(refresh_cookie(
            sid,
            &refreshed.refresh_secret,
            refreshed.remaining_secs,
        ))
        .json(refreshed.token))
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
pub async fn logout(session: OwnSession, app: web::Data<App>) -> Result<HttpResponse, ApiError> {
    let principal = session.0;
    app::auth::logout(&app, &principal).await?;
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
pub async fn logout_all(
    principal: Principal,
    app: web::Data<App>,
) -> Result<HttpResponse, ApiError> {
    app::auth::logout_everywhere(&app, &principal).await?;
    Ok(HttpResponse::NoContent().cookie(cleared_cookie()).finish())
}
