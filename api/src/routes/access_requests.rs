//! Self-registration: where a portal allows it (off by default, optionally limited to approved
//! email domains), people request access from the sign-in page; an administrator approves
//! (which sends an invitation) or rejects.

use actix_web::{HttpRequest, HttpResponse, get, post, web};
use portcullis_shared::FieldError;
use portcullis_shared::admin::{AccessRequest, AccessRequestList, ApproveAccess, RejectAccess};
use portcullis_shared::auth::AccessRequestInput;
use portcullis_shared::validate::is_plausible_email;
use serde::Deserialize;

use crate::audit::{self, AuditNote};
use crate::auth::guards::AdminUser;
use crate::auth::throttle::IpLimiter;
use crate::config::Settings;
use crate::db::Db;
use crate::domain::portal::check_name;
use crate::error::ApiError;
use crate::routes::invitations::send_invitation;
use crate::storage::Scope;
use crate::storage::users::{self, NewUser, UserStatus};
use crate::storage::{access_requests, accounts, portals};

type Problem = portcullis_shared::Problem;

/// Requests access to a portal. The answer is the same whether or not the address already
/// has an account, so the form reveals nothing about who uses the portal.
#[utoipa::path(tag = "portals", params(("slug" = String, Path)), request_body = AccessRequestInput, responses(
    (status = 202, description = "Recorded for review"),
    (status = 404, description = "No published portal with self-registration has this slug", body = Problem, content_type = "application/problem+json"),
    (status = 422, body = Problem, content_type = "application/problem+json"),
    (status = 429, body = Problem, content_type = "application/problem+json"),
))]
#[post("/portals/{slug}/access-requests")]
pub async fn request_access(
    req: HttpRequest,
    db: web::Data<Db>,
    limiter: web::Data<IpLimiter>,
    slug: web::Path<String>,
    body: web::Json<AccessRequestInput>,
) -> Result<HttpResponse, ApiError> {
    limiter.check(req.peer_addr().map(|a| a.ip()))?;
    let portal = portals::find_published(&db, &slug)
        .await?
        .filter(|p| p.self_registration)
        .ok_or(ApiError::NotFound)?;
    let input = body.into_inner();
    let email = input.email.trim().to_owned();
    let mut errors = Vec::new();
    if !is_plausible_email(&email) {
        errors.push(FieldError {
            field: "email".into(),
            code: "invalid_format".into(),
            message: "must be an email address".into(),
        });
    } else if !portal.registration_domains.is_empty() {
        let domain = email.rsplit('@').next().unwrap_or("").to_lowercase();
        if !portal.registration_domains.contains(&domain) {
            errors.push(FieldError {
                field: "email".into(),
                code: "domain_not_allowed".into(),
                message: "must be an address at an approved company domain".into(),
            });
        }
    }
    check_name("name", &input.name, &mut errors);
    check_name("company", &input.company, &mut errors);
    if input
        .message
        .as_deref()
        .is_some_and(|m| m.chars().count() > 2000)
    {
        errors.push(FieldError {
            field: "message".into(),
            code: "too_long".into(),
            message: "must be at most 2000 characters".into(),
        });
    }
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    if users::find_by_email(&db, &email).await?.is_none() {
        access_requests::create(
            &db,
            &portal.id,
            &email,
            input.name.trim(),
            input.company.trim(),
            input.message.as_deref(),
        )
        .await?;
    }
    audit::note(
        &req,
        AuditNote {
            action: Some("access_request.create".into()),
            portal_id: Some(portal.id),
            details: Some(serde_json::json!({ "email": email })),
            ..AuditNote::default()
        },
    );
    Ok(HttpResponse::Accepted().finish())
}

/// Which requests to list.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct RequestQuery {
    /// `pending` (default), `approved` or `rejected`.
    pub status: Option<String>,
}

/// Access requests awaiting (or past) a decision.
#[utoipa::path(tag = "admin", security(("bearer" = [])), params(RequestQuery), responses(
    (status = 200, body = AccessRequestList),
    (status = 422, body = Problem, content_type = "application/problem+json"),
))]
#[get("/admin/access-requests")]
pub async fn list(
    admin: AdminUser,
    db: web::Data<Db>,
    q: web::Query<RequestQuery>,
) -> Result<web::Json<AccessRequestList>, ApiError> {
    let status = q.status.as_deref().unwrap_or("pending");
    if !matches!(status, "pending" | "approved" | "rejected") {
        return Err(ApiError::field(
            "status",
            "invalid_value",
            "must be pending, approved or rejected",
        ));
    }
    Ok(web::Json(AccessRequestList {
        items: access_requests::list(&db, &Scope::admin_of(&admin.0), status).await?,
    }))
}

async fn pending(db: &Db, id: &str) -> Result<AccessRequest, ApiError> {
    let r = access_requests::get(db, id)
        .await?
        .ok_or(ApiError::NotFound)?;
    if r.status != "pending" {
        return Err(ApiError::Conflict(format!(
            "This request was already {}.",
            r.status
        )));
    }
    Ok(r)
}

/// Approves a request: the person is invited, into the account and role given.
#[utoipa::path(tag = "admin", security(("bearer" = [])), params(("id" = String, Path)), request_body = ApproveAccess, responses(
    (status = 200, body = AccessRequest),
    (status = 404, body = Problem, content_type = "application/problem+json"),
    (status = 409, body = Problem, content_type = "application/problem+json"),
    (status = 422, body = Problem, content_type = "application/problem+json"),
))]
#[post("/admin/access-requests/{id}/approve")]
pub async fn approve(
    req: HttpRequest,
    admin: AdminUser,
    db: web::Data<Db>,
    settings: web::Data<Settings>,
    id: web::Path<String>,
    body: web::Json<ApproveAccess>,
) -> Result<web::Json<AccessRequest>, ApiError> {
    let r = pending(&db, &id).await?;
    let portal = portals::find_by_id(&db, &r.portal_id)
        .await?
        .ok_or(ApiError::NotFound)?;
    let input = body.into_inner();
    let mut errors = Vec::new();
    if input.role.portal_kind() != Some(portal.kind) {
        errors.push(FieldError {
            field: "role".into(),
            code: "invalid_value".into(),
            message: format!("must be a role of a {} portal", portal.kind.as_str()),
        });
    }
    if accounts::get(&db, &Scope::admin_of(&admin.0), &input.account_id)
        .await?
        .is_none_or(|a| a.kind != portal.kind)
    {
        errors.push(FieldError {
            field: "account_id".into(),
            code: "not_found".into(),
            message: format!("must be an existing {} account", portal.kind.as_str()),
        });
    }
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let created = users::insert_if_absent(
        &db,
        &NewUser {
            email: r.email.clone(),
            name: r.name.clone(),
            role: input.role,
            account_id: Some(input.account_id.clone()),
            portal_id: Some(portal.id.clone()),
            status: UserStatus::Invited,
            password_hash: None,
        },
    )
    .await?;
    if created.is_none() {
        return Err(ApiError::Conflict(
            "A user with this email exists already.".into(),
        ));
    }
    let user = users::find_by_email(&db, &r.email)
        .await?
        .ok_or(ApiError::NotFound)?;
    send_invitation(&db, &settings, &user, Some(&admin.0.user_id)).await?;
    access_requests::decide(&db, &r.id, "approved", &admin.0.user_id, None).await?;
    audit::note(
        &req,
        AuditNote {
            action: Some("access_request.approve".into()),
            object_type: Some("access_request".into()),
            object_id: Some(r.id.clone()),
            portal_id: Some(portal.id),
            ..AuditNote::default()
        },
    );
    Ok(web::Json(
        access_requests::get(&db, &r.id)
            .await?
            .ok_or(ApiError::NotFound)?,
    ))
}

/// Rejects a request.
#[utoipa::path(tag = "admin", security(("bearer" = [])), params(("id" = String, Path)), request_body = RejectAccess, responses(
    (status = 200, body = AccessRequest),
    (status = 404, body = Problem, content_type = "application/problem+json"),
    (status = 409, body = Problem, content_type = "application/problem+json"),
    (status = 422, body = Problem, content_type = "application/problem+json"),
))]
#[post("/admin/access-requests/{id}/reject")]
pub async fn reject(
    req: HttpRequest,
    admin: AdminUser,
    db: web::Data<Db>,
    id: web::Path<String>,
    body: web::Json<RejectAccess>,
) -> Result<web::Json<AccessRequest>, ApiError> {
    let r = pending(&db, &id).await?;
    let reason = body.into_inner().reason;
    if reason.trim().is_empty() || reason.chars().count() > 500 {
        return Err(ApiError::field(
            "reason",
            "invalid_length",
            "must be 1-500 characters",
        ));
    }
    access_requests::decide(
        &db,
        &r.id,
        "rejected",
        &admin.0.user_id,
        Some(reason.trim()),
    )
    .await?;
    audit::note(
        &req,
        AuditNote {
            action: Some("access_request.reject".into()),
            object_type: Some("access_request".into()),
            object_id: Some(r.id.clone()),
            portal_id: Some(r.portal_id.clone()),
            ..AuditNote::default()
        },
    );
    Ok(web::Json(
        access_requests::get(&db, &r.id)
            .await?
            .ok_or(ApiError::NotFound)?,
    ))
}
