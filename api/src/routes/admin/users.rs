//! User administration: list and filter, deactivate and reactivate, transfer between
//! accounts, access expiry, and sessions. Each handler calls one use case of `app::users`.

use actix_web::{HttpResponse, delete, get, post, put, web};
use chrono::DateTime;
use portcullis_shared::FieldCode;
use portcullis_shared::admin::{
    AccessExpiryRequest, BulkDeactivate, BulkResult, SessionList, TransferRequest, User, UserPage,
};
use portcullis_shared::{Role, TokenResponse};
use serde::Deserialize;

use crate::app::page_limit;
use crate::app::{self, App};
use crate::auth::guards::{AdminUser, UserManager};
use crate::auth::tokens::Keys;
use crate::error::ApiError;

type Problem = portcullis_shared::Problem;

/// Filters of the user list.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct UserQuery {
    /// `customer`, `partner` or `internal`.
    pub portal_type: Option<String>,
    pub account_id: Option<String>,
    /// `invited`, `active` or `deactivated`.
    pub status: Option<String>,
    pub role: Option<Role>,
    /// `true`: only users flagged by the 90-day access review.
    pub stale: Option<bool>,
    /// Text the email or name contains, any case.
    pub q: Option<String>,
    /// Page size, 1-200 (default 50).
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

/// Users, filtered, oldest first.
#[utoipa::path(tag = "admin", security(("bearer" = [])), params(UserQuery), responses(
    (status = 200, body = UserPage),
    (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 422, body = Problem, content_type = "application/problem+json"),
))]
#[get("/admin/users")]
pub async fn list_users(
    manager: UserManager,
    app: web::Data<App>,
    q: web::Query<UserQuery>,
) -> Result<web::Json<UserPage>, ApiError> {
    let q = q.into_inner();
    let filter = app::users::UserFilter {
        portal_type: q.portal_type,
        account_id: q.account_id,
        status: q.status,
        role: q.role.map(|r| r.as_str().to_owned()),
        stale: q.stale.unwrap_or(false),
        text: q.q.filter(|t| !t.trim().is_empty()),
    };
    let page = app::users::list(
        &app,
        &manager.0,
        filter,
        q.cursor.as_deref(),
        page_limit(q.limit),
    )
    .await?;
    Ok(web::Json(UserPage {
        items: page.items,
        next_cursor: page.next_cursor,
    }))
}

/// One user.
#[utoipa::path(tag = "admin", security(("bearer" = [])), params(("id" = String, Path)), responses(
    (status = 200, body = User),
    (status = 404, body = Problem, content_type = "application/problem+json"),
))]
#[get("/admin/users/{id}")]
pub async fn get_user(
    manager: UserManager,
    app: web::Data<App>,
    id: web::Path<String>,
) -> Result<web::Json<User>, ApiError> {
    Ok(web::Json(app::users::get(&app, &manager.0, &id).await?))
}

/// Deactivates a user and ends all their sessions at once.
#[utoipa::path(tag = "admin", security(("bearer" = [])), params(("id" = String, Path)), responses(
    (status = 200, body = User),
    (status = 404, body = Problem, content_type = "application/problem+json"),
    (status = 409, description = "Administrators cannot deactivate themselves", body = Problem, content_type = "application/problem+json"),
))]
#[post("/admin/users/{id}/deactivate")]
pub async fn deactivate_user(
    manager: UserManager,
    app: web::Data<App>,
    id: web::Path<String>,
) -> Result<web::Json<User>, ApiError> {
    Ok(web::Json(
        app::users::deactivate(&app, &manager.0, &id).await?,
    ))
}

/// Reactivates a deactivated user.
#[utoipa::path(tag = "admin", security(("bearer" = [])), params(("id" = String, Path)), responses(
    (status = 200, body = User),
    (status = 404, body = Problem, content_type = "application/problem+json"),
    (status = 409, description = "The user is not deactivated", body = Problem, content_type = "application/problem+json"),
))]
#[post("/admin/users/{id}/reactivate")]
pub async fn reactivate_user(
    manager: UserManager,
    app: web::Data<App>,
    id: web::Path<String>,
) -> Result<web::Json<User>, ApiError> {
    Ok(web::Json(
        app::users::reactivate(&app, &manager.0, &id).await?,
    ))
}

/// Moves an external user to another account of the same type, ending their sessions.
#[utoipa::path(tag = "admin", security(("bearer" = [])), params(("id" = String, Path)), request_body = TransferRequest, responses(
    (status = 200, body = User),
    (status = 404, body = Problem, content_type = "application/problem+json"),
    (status = 422, body = Problem, content_type = "application/problem+json"),
))]
#[post("/admin/users/{id}/transfer")]
pub async fn transfer_user(
    admin: AdminUser,
    app: web::Data<App>,
    id: web::Path<String>,
    body: web::Json<TransferRequest>,
) -> Result<web::Json<User>, ApiError> {
    Ok(web::Json(
        app::users::transfer(&app, &admin.0, &id, &body.account_id).await?,
    ))
}

/// Limits an internal user to regions: they then see only deals of accounts in those
/// regions. An empty list lifts the limit.
#[utoipa::path(tag = "admin", security(("bearer" = [])), params(("id" = String, Path)), request_body = portcullis_shared::admin::UserRegionsRequest, responses(
    (status = 200, body = User),
    (status = 404, body = Problem, content_type = "application/problem+json"),
    (status = 422, body = Problem, content_type = "application/problem+json"),
))]
#[put("/admin/users/{id}/regions")]
pub async fn set_user_regions(
    admin: AdminUser,
    app: web::Data<App>,
    id: web::Path<String>,
    body: web::Json<portcullis_shared::admin::UserRegionsRequest>,
) -> Result<web::Json<User>, ApiError> {
    Ok(web::Json(
        app::users::set_regions(&app, &admin.0, &id, body.into_inner().regions).await?,
    ))
}

/// Sets an internal user's manager, to whom their overdue tasks escalate; `null` sends
/// them to the administrators and managers.
#[utoipa::path(tag = "admin", security(("bearer" = [])), params(("id" = String, Path)), request_body = portcullis_shared::requests::UserManagerRequest, responses(
    (status = 200, body = User),
    (status = 404, body = Problem, content_type = "application/problem+json"),
    (status = 422, body = Problem, content_type = "application/problem+json"),
))]
#[put("/admin/users/{id}/manager")]
pub async fn set_user_manager(
    admin: AdminUser,
    app: web::Data<App>,
    id: web::Path<String>,
    body: web::Json<portcullis_shared::requests::UserManagerRequest>,
) -> Result<web::Json<User>, ApiError> {
    Ok(web::Json(
        app::users::set_manager(&app, &admin.0, &id, body.into_inner().manager_id).await?,
    ))
}

/// Sets or clears the date after which a user can no longer sign in. A date already past
/// ends the user's sessions at once.
#[utoipa::path(tag = "admin", security(("bearer" = [])), params(("id" = String, Path)), request_body = AccessExpiryRequest, responses(
    (status = 200, body = User),
    (status = 404, body = Problem, content_type = "application/problem+json"),
    (status = 409, description = "Administrators cannot set their own access expiry", body = Problem, content_type = "application/problem+json"),
    (status = 422, body = Problem, content_type = "application/problem+json"),
))]
#[put("/admin/users/{id}/access-expiry")]
pub async fn set_access_expiry(
    admin: AdminUser,
    app: web::Data<App>,
    id: web::Path<String>,
    body: web::Json<AccessExpiryRequest>,
) -> Result<web::Json<User>, ApiError> {
    let at = match &body.access_expires_at {
        None => None,
        Some(s) => Some(
            DateTime::parse_from_rfc3339(s)
                .map_err(|_| {
                    ApiError::field(
                        "access_expires_at",
                        FieldCode::InvalidFormat,
                        "must be an RFC 3339 date-time, e.g. 2027-06-30T23:59:59Z",
                    )
                })?
                .timestamp_micros(),
        ),
    };
    Ok(web::Json(
        app::users::set_access_expiry(&app, &admin.0, &id, at).await?,
    ))
}

/// A user's sessions: when, from where, with what, and whether still live.
#[utoipa::path(tag = "admin", security(("bearer" = [])), params(("id" = String, Path)), responses(
    (status = 200, body = SessionList),
    (status = 404, body = Problem, content_type = "application/problem+json"),
))]
#[get("/admin/users/{id}/sessions")]
pub async fn list_user_sessions(
    manager: UserManager,
    app: web::Data<App>,
    id: web::Path<String>,
) -> Result<web::Json<SessionList>, ApiError> {
    Ok(web::Json(SessionList {
        items: app::users::sessions(&app, &manager.0, &id).await?,
    }))
}

/// Ends one session of a user, effective on its next request.
#[utoipa::path(tag = "admin", security(("bearer" = [])), params(("id" = String, Path), ("session_id" = String, Path)), responses(
    (status = 204, description = "Ended"),
    (status = 404, body = Problem, content_type = "application/problem+json"),
))]
#[delete("/admin/users/{id}/sessions/{session_id}")]
pub async fn end_user_session(
    manager: UserManager,
    app: web::Data<App>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (id, session_id) = path.into_inner();
    app::users::end_session(&app, &manager.0, &id, &session_id).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Opens a read-only session as an external user, so an administrator sees exactly what that
/// user sees (their scope, their permissions). Any change attempted with it is refused, the
/// session lasts at most an hour, and opening it is audited.
#[utoipa::path(tag = "admin", security(("bearer" = [])), params(("id" = String, Path)), responses(
    (status = 200, description = "An access token for the read-only session (no refresh cookie)", body = TokenResponse),
    (status = 404, body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "Only active external users can be viewed", body = Problem, content_type = "application/problem+json"),
))]
#[post("/admin/users/{id}/view-as")]
pub async fn view_as_user(
    admin: AdminUser,
    app: web::Data<App>,
    keys: web::Data<Keys>,
    id: web::Path<String>,
) -> Result<web::Json<TokenResponse>, ApiError> {
    Ok(web::Json(
        app::users::view_as(&app, &keys, &admin.0, &id).await?.token,
    ))
}

/// Deactivates many users at once (typically the stale ones of an access review), ending
/// all their sessions.
#[utoipa::path(tag = "admin", security(("bearer" = [])), request_body = BulkDeactivate, responses(
    (status = 200, body = BulkResult),
    (status = 422, body = Problem, content_type = "application/problem+json"),
))]
#[post("/admin/users/deactivate")]
pub async fn bulk_deactivate_users(
    admin: AdminUser,
    app: web::Data<App>,
    body: web::Json<BulkDeactivate>,
) -> Result<web::Json<BulkResult>, ApiError> {
    let outcome = app::users::bulk_deactivate(&app, &admin.0, body.into_inner().user_ids).await?;
    Ok(web::Json(BulkResult {
        deactivated: outcome.deactivated,
        skipped: outcome.skipped,
    }))
}
