//! Invitations: administrators invite people (one or many addresses, or a CSV file); the
//! invitee opens the single-use link, sets a password and is signed in. Each handler calls
//! one use case of `app::invitations`.

use actix_web::{HttpRequest, HttpResponse, get, post, web};
use portcullis_shared::admin::{InvitationRequest, InvitationResults, OutboxPage};
use portcullis_shared::auth::{AcceptInvitation, InvitationInfo};
use portcullis_shared::{Role, TokenResponse};
use serde::Deserialize;

use crate::app::{self, App, page_limit};
use crate::audit::origin_of;
use crate::auth::guards::{AdminUser, UserManager};
use crate::auth::password::Hasher;
use crate::auth::throttle::IpLimiter;
use crate::auth::tokens::Keys;
use crate::error::ApiError;
use crate::http::{read_limited, session_response};

type Problem = portcullis_shared::Problem;

/// Invites one or many people with one role (and, for external roles, one account and portal).
/// Idempotent by email: an address that already has a user is reported, not changed.
/// Partner administrators invite partner users into their own organisation and portal only.
#[utoipa::path(tag = "admin", security(("bearer" = [])), request_body = InvitationRequest, responses(
    (status = 200, body = InvitationResults),
    (status = 422, body = Problem, content_type = "application/problem+json"),
))]
#[post("/admin/invitations")]
pub async fn invite_users(
    manager: UserManager,
    app: web::Data<App>,
    body: web::Json<InvitationRequest>,
) -> Result<web::Json<InvitationResults>, ApiError> {
    let results = app::invitations::invite(&app, &manager.0, body.into_inner()).await?;
    Ok(web::Json(InvitationResults { results }))
}

/// Sends a fresh invitation to a user who has not accepted yet; the old link stops working.
#[utoipa::path(tag = "admin", security(("bearer" = [])), params(("id" = String, Path)), responses(
    (status = 204, description = "Sent"),
    (status = 404, body = Problem, content_type = "application/problem+json"),
    (status = 409, description = "The user has already accepted", body = Problem, content_type = "application/problem+json"),
))]
#[post("/admin/users/{id}/resend-invitation")]
pub async fn resend_invitation(
    manager: UserManager,
    app: web::Data<App>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    app::invitations::resend(&app, &manager.0, &id).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Filters of the outbox.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct OutboxQuery {
    /// Only emails to this address.
    pub to: Option<String>,
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

/// Emails sent or waiting to be sent, newest first.
#[utoipa::path(tag = "admin", security(("bearer" = [])), params(OutboxQuery), responses((status = 200, body = OutboxPage)))]
#[get("/admin/outbox")]
pub async fn list_outbox(
    admin: AdminUser,
    app: web::Data<App>,
    q: web::Query<OutboxQuery>,
) -> Result<web::Json<OutboxPage>, ApiError> {
    let page = app::invitations::outbox(
        &app,
        &admin.0,
        q.to.as_deref(),
        q.cursor.as_deref(),
        page_limit(q.limit),
    )
    .await?;
    Ok(web::Json(OutboxPage {
        items: page.items,
        next_cursor: page.next_cursor,
    }))
}

/// What an invitation link leads to: who is invited, to which portal, until when. Used,
/// revoked, expired and unknown links all answer 404.
#[utoipa::path(tag = "auth", params(("token" = String, Path)), responses(
    (status = 200, body = InvitationInfo),
    (status = 404, body = Problem, content_type = "application/problem+json"),
    (status = 429, body = Problem, content_type = "application/problem+json"),
))]
#[get("/invitations/{token}")]
pub async fn get_invitation(
    req: HttpRequest,
    app: web::Data<App>,
    limiter: web::Data<IpLimiter>,
    token: web::Path<String>,
) -> Result<web::Json<InvitationInfo>, ApiError> {
    limiter.check(req.peer_addr().map(|a| a.ip()))?;
    Ok(web::Json(app::invitations::info(&app, &token).await?))
}

/// Accepts an invitation: sets the password and name, activates the user and signs them in.
/// The link works once.
#[utoipa::path(tag = "auth", params(("token" = String, Path)), request_body = AcceptInvitation, responses(
    (status = 200, description = "Signed in; the refresh token is set as an HttpOnly cookie", body = TokenResponse),
    (status = 404, body = Problem, content_type = "application/problem+json"),
    (status = 422, body = Problem, content_type = "application/problem+json"),
    (status = 429, body = Problem, content_type = "application/problem+json"),
))]
#[post("/invitations/{token}/accept")]
#[allow(clippy::too_many_arguments)]
pub async fn accept_invitation(
    req: HttpRequest,
    app: web::Data<App>,
    keys: web::Data<Keys>,
    hasher: web::Data<Hasher>,
    limiter: web::Data<IpLimiter>,
    token: web::Path<String>,
    body: web::Json<AcceptInvitation>,
) -> Result<HttpResponse, ApiError> {
    limiter.check(req.peer_addr().map(|a| a.ip()))?;
    let opened = app::invitations::accept(
        &app,
        &keys,
        &hasher,
        &origin_of(&req),
        &token,
        body.into_inner(),
    )
    .await?;
    Ok(session_response(opened))
}

/// Where imported users go.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct ImportQuery {
    pub role: Role,
    pub account_id: Option<String>,
    pub portal_id: Option<String>,
}

/// Invites everyone in a CSV file (`email,name` with a header line) with one role, account
/// and portal. Idempotent by email; bad rows are reported by line and skipped.
#[utoipa::path(tag = "admin", security(("bearer" = [])), params(ImportQuery),
    request_body(content = String, content_type = "text/csv", description = "email,name"),
    responses(
        (status = 200, body = portcullis_shared::admin::ImportReport),
        (status = 413, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    ))]
#[post("/admin/invitations/import")]
pub async fn import_invitations(
    admin: AdminUser,
    app: web::Data<App>,
    q: web::Query<ImportQuery>,
    body: web::Payload,
) -> Result<web::Json<portcullis_shared::admin::ImportReport>, ApiError> {
    let body = read_limited(body, app::invitations::MAX_CSV_BYTES, "file").await?;
    let q = q.into_inner();
    let target = app::invitations::ImportTarget {
        role: q.role,
        account_id: q.account_id,
        portal_id: q.portal_id,
    };
    Ok(web::Json(
        app::invitations::import_csv(&app, &admin.0, target, &body).await?,
    ))
}
