//! Self-registration: where a portal allows it (off by default, optionally limited to approved
//! email domains), people request access from the sign-in page; an administrator approves
//! (which invites them, in the same transaction) or rejects.

use portcullis_shared::FieldCode;
use portcullis_shared::FieldError;
use portcullis_shared::admin::{AccessRequest, AccessRequestStatus, ApproveAccess};
use portcullis_shared::auth::AccessRequestInput;
use portcullis_shared::validate::is_plausible_email;

use crate::app::invitations::send_invitation;
use crate::app::scope::{self, require};
use crate::app::{Actor, App, Audit, Origin, Tx};
use crate::auth::Principal;
use crate::domain::portal::check_name;
use crate::error::ApiError;
use crate::storage::users::{self, NewUser, UserStatus};
use crate::storage::{CompanyScope, access_requests, accounts, portals};

/// Records a request for access to a published portal that allows it. The answer is the
/// same whether or not the address already has an account, so the form reveals nothing
/// about who uses the portal.
pub async fn request(
    app: &App,
    origin: &Origin,
    slug: &str,
    input: AccessRequestInput,
) -> Result<(), ApiError> {
    let mut tx = app.begin().await?;
    let portal = portals::find_published(&mut tx, slug)
        .await?
        .filter(|p| p.self_registration)
        .ok_or(ApiError::NotFound)?;
    let email = input.email.trim().to_owned();
    let mut errors = Vec::new();
    if !is_plausible_email(&email) {
        errors.push(FieldError::new(
            "email",
            FieldCode::InvalidFormat,
            "must be an email address",
        ));
    } else if !portal.registration_domains.is_empty() {
        let domain = email.rsplit('@').next().unwrap_or("").to_lowercase();
        if !portal.registration_domains.contains(&domain) {
            errors.push(FieldError::new(
                "email",
                FieldCode::DomainNotAllowed,
                "must be an address at an approved company domain",
            ));
        }
    }
    check_name("name", &input.name, &mut errors);
    check_name("company", &input.company, &mut errors);
    if input
        .message
        .as_deref()
        .is_some_and(|m| m.chars().count() > 2000)
    {
        errors.push(FieldError::new(
            "message",
            FieldCode::TooLong,
            "must be at most 2000 characters",
        ));
    }
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    if users::find_by_email(&mut tx, &email).await?.is_none() {
        access_requests::create(
            &mut tx,
            &portal.id,
            &email,
            input.name.trim(),
            input.company.trim(),
            input.message.as_deref(),
        )
        .await?;
    }
    tx.audit(
        Audit::new(Actor::Anonymous(origin), "access_request.create")
            .portal(Some(portal.id))
            .details(serde_json::json!({ "email": email })),
    )
    .await?;
    tx.commit().await
}

/// Access requests with a status (`pending`, `approved` or `rejected`), oldest first.
pub async fn list(
    app: &App,
    p: &Principal,
    status: AccessRequestStatus,
) -> Result<Vec<AccessRequest>, ApiError> {
    let scope = require::administer(p)?;
    let mut conn = app.read().await?;
    Ok(access_requests::list(&mut conn, scope, status).await?)
}

async fn pending(tx: &mut Tx, scope: CompanyScope, id: &str) -> Result<AccessRequest, ApiError> {
    let r = access_requests::get(tx, scope, id)
        .await?
        .ok_or(ApiError::NotFound)?;
    if r.status != AccessRequestStatus::Pending {
        return Err(ApiError::Conflict(format!(
            "This request was already {}.",
            r.status
        )));
    }
    Ok(r)
}

/// Approves a request: the person is invited into the account and role given. The user,
/// the invitation, its email, the decision and the audit entry commit together.
pub async fn approve(
    app: &App,
    p: &Principal,
    id: &str,
    input: ApproveAccess,
) -> Result<AccessRequest, ApiError> {
    let scope = require::administer(p)?;
    let mut tx = app.begin().await?;
    let r = pending(&mut tx, scope, id).await?;
    let portal = portals::find_by_id(&mut tx, &r.portal_id)
        .await?
        .ok_or(ApiError::NotFound)?;
    let mut errors = Vec::new();
    if input.role.portal_kind() != Some(portal.kind) {
        errors.push(FieldError::new(
            "role",
            FieldCode::InvalidValue,
            format!("must be a role of a {} portal", portal.kind.as_str()),
        ));
    }
    if accounts::get(&mut tx, &scope::accounts(p), &input.account_id)
        .await?
        .is_none_or(|a| a.kind != portal.kind)
    {
        errors.push(FieldError::new(
            "account_id",
            FieldCode::NotFound,
            format!("must be an existing {} account", portal.kind.as_str()),
        ));
    }
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let created = users::insert_if_absent(
        &mut tx,
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
    let user = users::find_by_email(&mut tx, &r.email)
        .await?
        .ok_or(ApiError::NotFound)?;
    send_invitation(app, &mut tx, &user, Some(&p.user_id)).await?;
    if !access_requests::decide(
        &mut tx,
        &r.id,
        AccessRequestStatus::Approved,
        &p.user_id,
        None,
    )
    .await?
    {
        return Err(ApiError::Conflict(
            "This request was already decided.".into(),
        ));
    }
    tx.audit(
        Audit::new(Actor::User(p), "access_request.approve")
            .object("access_request", r.id.clone())
            .portal(Some(portal.id))
            .details(serde_json::json!({ "user_id": user.id, "role": input.role })),
    )
    .await?;
    let decided = access_requests::get(&mut tx, scope, &r.id)
        .await?
        .ok_or(ApiError::NotFound)?;
    tx.commit().await?;
    Ok(decided)
}

/// Rejects a request, with a reason.
pub async fn reject(
    app: &App,
    p: &Principal,
    id: &str,
    reason: &str,
) -> Result<AccessRequest, ApiError> {
    let scope = require::administer(p)?;
    let mut tx = app.begin().await?;
    let r = pending(&mut tx, scope, id).await?;
    if reason.trim().is_empty() || reason.chars().count() > 500 {
        return Err(ApiError::field(
            "reason",
            FieldCode::InvalidLength,
            "must be 1-500 characters",
        ));
    }
    if !access_requests::decide(
        &mut tx,
        &r.id,
        AccessRequestStatus::Rejected,
        &p.user_id,
        Some(reason.trim()),
    )
    .await?
    {
        return Err(ApiError::Conflict(
            "This request was already decided.".into(),
        ));
    }
    tx.audit(
        Audit::new(Actor::User(p), "access_request.reject")
            .object("access_request", r.id.clone())
            .portal(Some(r.portal_id.clone())),
    )
    .await?;
    let decided = access_requests::get(&mut tx, scope, &r.id)
        .await?
        .ok_or(ApiError::NotFound)?;
    tx.commit().await?;
    Ok(decided)
}
