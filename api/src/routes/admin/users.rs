//! User administration: list and filter, deactivate and reactivate, transfer between
//! accounts, access expiry, and sessions. Every change that narrows access ends the user's
//! sessions at once.

use actix_web::{HttpRequest, HttpResponse, delete, get, post, put, web};
use chrono::DateTime;
use portcullis_shared::admin::{
    AccessExpiryRequest, BulkDeactivate, BulkResult, SessionList, TransferRequest, User, UserPage,
};
use portcullis_shared::{FieldError, PortalKind, Role, TokenResponse};
use serde::Deserialize;

use crate::audit::{self, AuditNote};
use crate::auth::guards::{AdminUser, UserManager};
use crate::auth::tokens::Keys;
use crate::db::Db;
use crate::error::ApiError;
use crate::routes::admin::page_limit;
use crate::routes::auth::new_session;
use crate::storage::users::{self, UserFilter, UserStatus};
use crate::storage::{Scope, accounts, portals, sessions};
use crate::time;

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

fn note(req: &HttpRequest, action: &str, user_id: &str, details: Option<serde_json::Value>) {
    audit::note(
        req,
        AuditNote {
            action: Some(action.into()),
            object_type: Some("user".into()),
            object_id: Some(user_id.into()),
            details,
            ..AuditNote::default()
        },
    );
}

/// Users, filtered, oldest first.
#[utoipa::path(tag = "admin", security(("bearer" = [])), params(UserQuery), responses(
    (status = 200, body = UserPage),
    (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 422, body = Problem, content_type = "application/problem+json"),
))]
#[get("/admin/users")]
pub async fn list(
    manager: UserManager,
    db: web::Data<Db>,
    q: web::Query<UserQuery>,
) -> Result<web::Json<UserPage>, ApiError> {
    let mut errors = Vec::new();
    if q.portal_type
        .as_deref()
        .is_some_and(|t| !matches!(t, "customer" | "partner" | "internal"))
    {
        errors.push(FieldError {
            field: "portal_type".into(),
            code: "invalid_value".into(),
            message: "must be customer, partner or internal".into(),
        });
    }
    if q.status
        .as_deref()
        .is_some_and(|s| UserStatus::parse(s).is_none())
    {
        errors.push(FieldError {
            field: "status".into(),
            code: "invalid_value".into(),
            message: "must be invited, active or deactivated".into(),
        });
    }
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let limit = page_limit(q.limit);
    let filter = UserFilter {
        portal_type: q.portal_type.clone(),
        account_id: q.account_id.clone(),
        status: q.status.clone(),
        role: q.role.map(|r| r.as_str().to_owned()),
        stale: q.stale.unwrap_or(false),
        text: q.q.clone().filter(|t| !t.trim().is_empty()),
    };
    let mut items = users::list(
        &db,
        &manager.scope(),
        &filter,
        q.cursor.as_deref(),
        limit + 1,
    )
    .await?;
    let next_cursor = if items.len() as i64 > limit {
        items.truncate(limit as usize);
        items.last().map(|u| u.id.clone())
    } else {
        None
    };
    Ok(web::Json(UserPage { items, next_cursor }))
}

/// One user.
#[utoipa::path(tag = "admin", security(("bearer" = [])), params(("id" = String, Path)), responses(
    (status = 200, body = User),
    (status = 404, body = Problem, content_type = "application/problem+json"),
))]
#[get("/admin/users/{id}")]
pub async fn get(
    manager: UserManager,
    db: web::Data<Db>,
    id: web::Path<String>,
) -> Result<web::Json<User>, ApiError> {
    Ok(web::Json(
        users::get_admin_view(&db, &manager.scope(), &id)
            .await?
            .ok_or(ApiError::NotFound)?,
    ))
}

/// Deactivates a user and ends all their sessions at once.
#[utoipa::path(tag = "admin", security(("bearer" = [])), params(("id" = String, Path)), responses(
    (status = 200, body = User),
    (status = 404, body = Problem, content_type = "application/problem+json"),
    (status = 409, description = "Administrators cannot deactivate themselves", body = Problem, content_type = "application/problem+json"),
))]
#[post("/admin/users/{id}/deactivate")]
pub async fn deactivate(
    req: HttpRequest,
    manager: UserManager,
    db: web::Data<Db>,
    id: web::Path<String>,
) -> Result<web::Json<User>, ApiError> {
    let scope = manager.scope();
    if users::find_in_scope(&db, &scope, &id).await?.is_none() {
        return Err(ApiError::NotFound);
    }
    if manager.0.user_id == *id {
        return Err(ApiError::Conflict("You cannot deactivate yourself.".into()));
    }
    if !users::set_status(&db, &scope, &id, UserStatus::Deactivated).await? {
        return Err(ApiError::NotFound);
    }
    let ended = sessions::end_all(&db, &id, "deactivated").await?;
    note(
        &req,
        "user.deactivate",
        &id,
        Some(serde_json::json!({ "sessions_ended": ended })),
    );
    Ok(web::Json(
        users::get_admin_view(&db, &scope, &id)
            .await?
            .ok_or(ApiError::NotFound)?,
    ))
}

/// Reactivates a deactivated user.
#[utoipa::path(tag = "admin", security(("bearer" = [])), params(("id" = String, Path)), responses(
    (status = 200, body = User),
    (status = 404, body = Problem, content_type = "application/problem+json"),
    (status = 409, description = "The user is not deactivated", body = Problem, content_type = "application/problem+json"),
))]
#[post("/admin/users/{id}/reactivate")]
pub async fn reactivate(
    req: HttpRequest,
    manager: UserManager,
    db: web::Data<Db>,
    id: web::Path<String>,
) -> Result<web::Json<User>, ApiError> {
    let scope = manager.scope();
    let user = users::find_in_scope(&db, &scope, &id)
        .await?
        .ok_or(ApiError::NotFound)?;
    if user.status != UserStatus::Deactivated {
        return Err(ApiError::Conflict(
            "Only a deactivated user can be reactivated.".into(),
        ));
    }
    users::set_status(&db, &scope, &id, UserStatus::Active).await?;
    note(&req, "user.reactivate", &id, None);
    Ok(web::Json(
        users::get_admin_view(&db, &scope, &id)
            .await?
            .ok_or(ApiError::NotFound)?,
    ))
}

/// Moves an external user to another account of the same type, ending their sessions.
#[utoipa::path(tag = "admin", security(("bearer" = [])), params(("id" = String, Path)), request_body = TransferRequest, responses(
    (status = 200, body = User),
    (status = 404, body = Problem, content_type = "application/problem+json"),
    (status = 422, body = Problem, content_type = "application/problem+json"),
))]
#[post("/admin/users/{id}/transfer")]
pub async fn transfer(
    req: HttpRequest,
    admin: AdminUser,
    db: web::Data<Db>,
    id: web::Path<String>,
    body: web::Json<TransferRequest>,
) -> Result<web::Json<User>, ApiError> {
    let user = users::find_by_id(&db, &id)
        .await?
        .ok_or(ApiError::NotFound)?;
    let Some(kind) = user.role.portal_kind() else {
        return Err(ApiError::field(
            "account_id",
            "not_applicable",
            "internal users belong to no account",
        ));
    };
    let target = accounts::get(&db, &Scope::records_of(&admin.0), &body.account_id).await?;
    if target.as_ref().is_none_or(|a| a.kind != kind) {
        let wanted = match kind {
            PortalKind::Customer => "customer",
            PortalKind::Partner => "partner",
        };
        return Err(ApiError::field(
            "account_id",
            "not_found",
            format!("must be an existing {wanted} account"),
        ));
    }
    users::set_account(&db, &id, &body.account_id).await?;
    let ended = sessions::end_all(&db, &id, "transferred").await?;
    note(
        &req,
        "user.transfer",
        &id,
        Some(
            serde_json::json!({ "from": user.account_id, "to": body.account_id, "sessions_ended": ended }),
        ),
    );
    Ok(web::Json(
        users::get_admin_view(&db, &Scope::users_of(&admin.0), &id)
            .await?
            .ok_or(ApiError::NotFound)?,
    ))
}

/// Sets or clears the date after which a user can no longer sign in. A date already past
/// ends the user's sessions at once.
#[utoipa::path(tag = "admin", security(("bearer" = [])), params(("id" = String, Path)), request_body = AccessExpiryRequest, responses(
    (status = 200, body = User),
    (status = 404, body = Problem, content_type = "application/problem+json"),
    (status = 422, body = Problem, content_type = "application/problem+json"),
))]
#[put("/admin/users/{id}/access-expiry")]
pub async fn set_access_expiry(
    req: HttpRequest,
    admin: AdminUser,
    db: web::Data<Db>,
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
                        "invalid_format",
                        "must be an RFC 3339 date-time, e.g. 2027-06-30T23:59:59Z",
                    )
                })?
                .timestamp_micros(),
        ),
    };
    if !users::set_access_expiry(&db, &id, at).await? {
        return Err(ApiError::NotFound);
    }
    if at.is_some_and(|t| t <= time::now()) {
        sessions::end_all(&db, &id, "access_expired").await?;
    }
    note(
        &req,
        "user.access_expiry",
        &id,
        Some(serde_json::json!({ "access_expires_at": body.access_expires_at })),
    );
    Ok(web::Json(
        users::get_admin_view(&db, &Scope::users_of(&admin.0), &id)
            .await?
            .ok_or(ApiError::NotFound)?,
    ))
}

/// A user's sessions: when, from where, with what, and whether still live.
#[utoipa::path(tag = "admin", security(("bearer" = [])), params(("id" = String, Path)), responses(
    (status = 200, body = SessionList),
    (status = 404, body = Problem, content_type = "application/problem+json"),
))]
#[get("/admin/users/{id}/sessions")]
pub async fn list_sessions(
    manager: UserManager,
    db: web::Data<Db>,
    id: web::Path<String>,
) -> Result<web::Json<SessionList>, ApiError> {
    users::find_in_scope(&db, &manager.scope(), &id)
        .await?
        .ok_or(ApiError::NotFound)?;
    Ok(web::Json(SessionList {
        items: sessions::list_for_user(&db, &manager.scope(), &id).await?,
    }))
}

/// Ends one session of a user, effective on its next request.
#[utoipa::path(tag = "admin", security(("bearer" = [])), params(("id" = String, Path), ("session_id" = String, Path)), responses(
    (status = 204, description = "Ended"),
    (status = 404, body = Problem, content_type = "application/problem+json"),
))]
#[delete("/admin/users/{id}/sessions/{session_id}")]
pub async fn end_session(
    req: HttpRequest,
    manager: UserManager,
    db: web::Data<Db>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (id, session_id) = path.into_inner();
    if users::find_in_scope(&db, &manager.scope(), &id)
        .await?
        .is_none()
    {
        return Err(ApiError::NotFound);
    }
    if !sessions::end_for_user(&db, &id, &session_id, "ended_by_admin").await? {
        return Err(ApiError::NotFound);
    }
    note(
        &req,
        "session.end",
        &id,
        Some(serde_json::json!({ "session_id": session_id })),
    );
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
pub async fn view_as(
    req: HttpRequest,
    admin: AdminUser,
    db: web::Data<Db>,
    keys: web::Data<Keys>,
    id: web::Path<String>,
) -> Result<web::Json<TokenResponse>, ApiError> {
    let user = users::find_by_id(&db, &id)
        .await?
        .ok_or(ApiError::NotFound)?;
    if user.role.is_internal() || !user.may_sign_in(time::now()) {
        return Err(ApiError::field(
            "id",
            "not_viewable",
            "only active customer and partner users can be viewed",
        ));
    }
    let portal = match &user.portal_id {
        Some(p) => portals::find_by_id(&db, p).await?,
        None => None,
    };
    let (_, _, _, token) = new_session(
        &req,
        &db,
        &keys,
        &user,
        portal,
        Some(admin.0.user_id.clone()),
    )
    .await?;
    note(&req, "user.view_as", &user.id, None);
    Ok(web::Json(token))
}

/// Deactivates many users at once (typically the stale ones of an access review), ending
/// all their sessions.
#[utoipa::path(tag = "admin", security(("bearer" = [])), request_body = BulkDeactivate, responses(
    (status = 200, body = BulkResult),
    (status = 422, body = Problem, content_type = "application/problem+json"),
))]
#[post("/admin/users/deactivate")]
pub async fn bulk_deactivate(
    req: HttpRequest,
    admin: AdminUser,
    db: web::Data<Db>,
    body: web::Json<BulkDeactivate>,
) -> Result<web::Json<BulkResult>, ApiError> {
    let ids = body.into_inner().user_ids;
    if ids.is_empty() || ids.len() > 1000 {
        return Err(ApiError::field(
            "user_ids",
            "invalid_length",
            "must list 1 to 1000 user ids",
        ));
    }
    let mut deactivated = 0;
    let mut skipped = Vec::new();
    for id in ids {
        if id == admin.0.user_id
            || !users::set_status(
                &db,
                &Scope::users_of(&admin.0),
                &id,
                UserStatus::Deactivated,
            )
            .await?
        {
            skipped.push(id);
            continue;
        }
        sessions::end_all(&db, &id, "deactivated").await?;
        deactivated += 1;
    }
    audit::note(
        &req,
        AuditNote {
            action: Some("user.bulk_deactivate".into()),
            object_type: Some("user".into()),
            details: Some(
                serde_json::json!({ "deactivated": deactivated, "skipped": skipped.len() }),
            ),
            ..AuditNote::default()
        },
    );
    Ok(web::Json(BulkResult {
        deactivated,
        skipped,
    }))
}
