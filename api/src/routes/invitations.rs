//! Invitations: administrators invite people (one or many addresses); the invitee opens the
//! single-use link, sets a password and is signed in. Emails go through the outbox, which
//! administrators can read, so invitations work with no mail server.

use actix_web::{HttpRequest, HttpResponse, get, post, web};
use portcullis_shared::admin::{
    InvitationRequest, InvitationResult, InvitationResults, OutboxPage,
};
use portcullis_shared::auth::{AcceptInvitation, InvitationInfo};
use portcullis_shared::validate::is_plausible_email;
use portcullis_shared::{FieldError, Role, TokenResponse};
use serde::Deserialize;

use crate::audit::{self, AuditNote};
use crate::auth::guards::{AdminUser, UserManager};
use crate::auth::password::{Hasher, check_policy};
use crate::auth::throttle::IpLimiter;
use crate::auth::tokens::{self, Keys};
use crate::config::Settings;
use crate::db::Db;
use crate::email;
use crate::error::ApiError;
use crate::routes::admin::page_limit;
use crate::routes::auth::open_session;
use crate::storage::users::{self, NewUser, UserStatus};
use crate::storage::{Scope, accounts, invitations, outbox, portals};
use crate::time;

type Problem = portcullis_shared::Problem;

/// The most addresses one request may invite.
pub const MAX_EMAILS: usize = 100;

/// Creates an invitation for an invited user and queues its email; returns nothing secret.
pub async fn send_invitation(
    db: &Db,
    settings: &Settings,
    user: &users::UserRow,
    invited_by: Option<&str>,
) -> Result<(), ApiError> {
    let token = tokens::random_token();
    invitations::create(db, &user.id, &tokens::hash_token(&token), invited_by).await?;
    let portal = match &user.portal_id {
        Some(id) => portals::find_by_id(db, id).await?,
        None => None,
    };
    let link = match &portal {
        Some(p) => format!("{}/p/{}/invite/{token}", settings.public_url, p.slug),
        None => format!("{}/invite/{token}", settings.public_url),
    };
    let display = if user.name.is_empty() {
        user.email.as_str()
    } else {
        user.name.as_str()
    };
    outbox::enqueue(
        db,
        &email::invitation(&user.email, display, portal.as_ref(), &link),
    )
    .await?;
    Ok(())
}

/// Invites one or many people with one role (and, for external roles, one account and portal).
/// Idempotent by email: an address that already has a user is reported, not changed.
/// Partner administrators invite partner users into their own organisation and portal only.
#[utoipa::path(tag = "admin", security(("bearer" = [])), request_body = InvitationRequest, responses(
    (status = 200, body = InvitationResults),
    (status = 422, body = Problem, content_type = "application/problem+json"),
))]
#[post("/admin/invitations")]
pub async fn invite(
    req: HttpRequest,
    manager: UserManager,
    db: web::Data<Db>,
    settings: web::Data<Settings>,
    body: web::Json<InvitationRequest>,
) -> Result<web::Json<InvitationResults>, ApiError> {
    let mut input = body.into_inner();
    let mut errors = Vec::new();
    if manager.0.role == Role::PartnerAdmin {
        if !matches!(input.role, Role::PartnerUser | Role::PartnerAdmin) {
            errors.push(FieldError {
                field: "role".into(),
                code: "not_allowed".into(),
                message: "must be partner_user or partner_admin".into(),
            });
        }
        if input
            .account_id
            .as_ref()
            .is_some_and(|a| Some(a) != manager.0.account_id.as_ref())
        {
            errors.push(FieldError {
                field: "account_id".into(),
                code: "not_allowed".into(),
                message: "must be your own organisation".into(),
            });
        }
        if input
            .portal_id
            .as_ref()
            .is_some_and(|p| Some(p) != manager.0.portal_id.as_ref())
        {
            errors.push(FieldError {
                field: "portal_id".into(),
                code: "not_allowed".into(),
                message: "must be your own portal".into(),
            });
        }
        if !errors.is_empty() {
            return Err(ApiError::Validation(errors));
        }
        input.account_id = manager.0.account_id.clone();
        input.portal_id = manager.0.portal_id.clone();
    }
    if input.emails.is_empty() || input.emails.len() > MAX_EMAILS {
        errors.push(FieldError {
            field: "emails".into(),
            code: "invalid_length".into(),
            message: format!("must list 1 to {MAX_EMAILS} addresses"),
        });
    }
    for (i, e) in input.emails.iter().enumerate() {
        if !is_plausible_email(e.trim()) {
            errors.push(FieldError {
                field: format!("emails[{i}]"),
                code: "invalid_format".into(),
                message: "must be an email address".into(),
            });
        }
    }
    let scope = Scope::records_of(&manager.0);
    let (account_id, portal_id) = match input.role.portal_kind() {
        None => {
            if input.account_id.is_some() {
                errors.push(FieldError {
                    field: "account_id".into(),
                    code: "not_applicable".into(),
                    message: "internal users belong to no account".into(),
                });
            }
            if input.portal_id.is_some() {
                errors.push(FieldError {
                    field: "portal_id".into(),
                    code: "not_applicable".into(),
                    message: "internal users belong to no portal".into(),
                });
            }
            (None, None)
        }
        Some(kind) => {
            let account = match &input.account_id {
                Some(id) => accounts::get(&db, &scope, id)
                    .await?
                    .filter(|a| a.kind == kind),
                None => None,
            };
            if account.is_none() {
                errors.push(FieldError {
                    field: "account_id".into(),
                    code: "not_found".into(),
                    message: format!("must be an existing {} account", kind.as_str()),
                });
            }
            let portal = match &input.portal_id {
                Some(id) => portals::find_by_id(&db, id)
                    .await?
                    .filter(|p| p.kind == kind),
                None => None,
            };
            if portal.is_none() {
                errors.push(FieldError {
                    field: "portal_id".into(),
                    code: "not_found".into(),
                    message: format!("must be an existing {} portal", kind.as_str()),
                });
            }
            (account.map(|a| a.id), portal.map(|p| p.id))
        }
    };
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let mut results = Vec::with_capacity(input.emails.len());
    for email in &input.emails {
        let email = email.trim();
        let created = users::insert_if_absent(
            &db,
            &NewUser {
                email: email.to_owned(),
                name: String::new(),
                role: input.role,
                account_id: account_id.clone(),
                portal_id: portal_id.clone(),
                status: UserStatus::Invited,
                password_hash: None,
            },
        )
        .await?;
        let status = if created.is_some() {
            "invited"
        } else {
            "already_exists"
        };
        let user = users::find_by_email(&db, email)
            .await?
            .ok_or(ApiError::NotFound)?;
        if created.is_some() {
            send_invitation(&db, &settings, &user, Some(&manager.0.user_id)).await?;
        }
        // Someone else's user is reported as existing, without naming them.
        let user_id = if manager.scope().contains(user.account_id.as_deref()) {
            user.id
        } else {
            String::new()
        };
        results.push(InvitationResult {
            email: email.to_owned(),
            status: status.into(),
            user_id,
        });
    }
    audit::note(
        &req,
        AuditNote {
            action: Some("user.invite".into()),
            object_type: Some("user".into()),
            details: Some(
                serde_json::json!({ "role": input.role, "invited": results.iter().filter(|r| r.status == "invited").count(), "existing": results.iter().filter(|r| r.status != "invited").count() }),
            ),
            ..AuditNote::default()
        },
    );
    Ok(web::Json(InvitationResults { results }))
}

/// Sends a fresh invitation to a user who has not accepted yet; the old link stops working.
#[utoipa::path(tag = "admin", security(("bearer" = [])), params(("id" = String, Path)), responses(
    (status = 204, description = "Sent"),
    (status = 404, body = Problem, content_type = "application/problem+json"),
    (status = 409, description = "The user has already accepted", body = Problem, content_type = "application/problem+json"),
))]
#[post("/admin/users/{id}/resend-invitation")]
pub async fn resend(
    req: HttpRequest,
    manager: UserManager,
    db: web::Data<Db>,
    settings: web::Data<Settings>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let user = users::find_in_scope(&db, &manager.scope(), &id)
        .await?
        .ok_or(ApiError::NotFound)?;
    if user.status != UserStatus::Invited {
        return Err(ApiError::Conflict(
            "Only users who have not accepted their invitation can be re-invited.".into(),
        ));
    }
    send_invitation(&db, &settings, &user, Some(&manager.0.user_id)).await?;
    audit::note(
        &req,
        AuditNote {
            action: Some("user.resend_invitation".into()),
            object_type: Some("user".into()),
            object_id: Some(user.id),
            ..AuditNote::default()
        },
    );
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
    db: web::Data<Db>,
    q: web::Query<OutboxQuery>,
) -> Result<web::Json<OutboxPage>, ApiError> {
    let limit = page_limit(q.limit);
    let mut items = outbox::list(
        &db,
        &Scope::admin_of(&admin.0),
        q.to.as_deref(),
        q.cursor.as_deref(),
        limit + 1,
    )
    .await?;
    let next_cursor = if items.len() as i64 > limit {
        items.truncate(limit as usize);
        items.last().map(|e| e.id.clone())
    } else {
        None
    };
    Ok(web::Json(OutboxPage { items, next_cursor }))
}

async fn open_invitation(
    db: &Db,
    token: &str,
) -> Result<(invitations::OpenInvitation, users::UserRow), ApiError> {
    let inv = invitations::find_open(db, &tokens::hash_token(token), time::now())
        .await?
        .ok_or(ApiError::NotFound)?;
    let user = users::find_by_id(db, &inv.user_id)
        .await?
        .filter(|u| u.status == UserStatus::Invited)
        .ok_or(ApiError::NotFound)?;
    Ok((inv, user))
}

/// What an invitation link leads to: who is invited, to which portal, until when. Used,
/// revoked, expired and unknown links all answer 404.
#[utoipa::path(tag = "auth", params(("token" = String, Path)), responses(
    (status = 200, body = InvitationInfo),
    (status = 404, body = Problem, content_type = "application/problem+json"),
    (status = 429, body = Problem, content_type = "application/problem+json"),
))]
#[get("/invitations/{token}")]
pub async fn info(
    req: HttpRequest,
    db: web::Data<Db>,
    limiter: web::Data<IpLimiter>,
    token: web::Path<String>,
) -> Result<web::Json<InvitationInfo>, ApiError> {
    limiter.check(req.peer_addr().map(|a| a.ip()))?;
    let (inv, user) = open_invitation(&db, &token).await?;
    let portal = match &user.portal_id {
        Some(id) => portals::find_by_id(&db, id).await?.map(|p| p.to_public()),
        None => None,
    };
    Ok(web::Json(InvitationInfo {
        email: user.email,
        name: user.name,
        role: user.role,
        portal,
        expires_at: time::to_rfc3339(inv.expires_at),
    }))
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
pub async fn accept(
    req: HttpRequest,
    db: web::Data<Db>,
    keys: web::Data<Keys>,
    hasher: web::Data<Hasher>,
    limiter: web::Data<IpLimiter>,
    token: web::Path<String>,
    body: web::Json<AcceptInvitation>,
) -> Result<HttpResponse, ApiError> {
    limiter.check(req.peer_addr().map(|a| a.ip()))?;
    let input = body.into_inner();
    let (inv, user) = open_invitation(&db, &token).await?;
    let mut errors = Vec::new();
    if let Err(e) = check_policy("password", &input.password) {
        errors.push(e);
    }
    crate::domain::portal::check_name("name", &input.name, &mut errors);
    if input
        .password
        .to_lowercase()
        .contains(&user.email.to_lowercase())
    {
        errors.push(FieldError {
            field: "password".into(),
            code: "contains_email".into(),
            message: "must not contain your email address".into(),
        });
    }
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let hash = hasher.hash(input.password).await?;
    if !invitations::accept(&db, &inv.id, &user.id, &hash, input.name.trim()).await? {
        return Err(ApiError::NotFound);
    }
    audit::note(
        &req,
        AuditNote {
            action: Some("user.accept_invitation".into()),
            actor_id: Some(user.id.clone()),
            object_type: Some("user".into()),
            object_id: Some(user.id.clone()),
            portal_id: user.portal_id.clone(),
            ..AuditNote::default()
        },
    );
    let user = users::find_by_id(&db, &user.id)
        .await?
        .ok_or(ApiError::NotFound)?;
    let portal = match &user.portal_id {
        Some(id) => portals::find_by_id(&db, id).await?,
        None => None,
    };
    open_session(&req, &db, &keys, &user, portal).await
}

/// Where imported users go.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct ImportQuery {
    pub role: Role,
    pub account_id: Option<String>,
    pub portal_id: Option<String>,
}

/// The largest CSV accepted (about 50,000 rows).
pub const MAX_CSV_BYTES: usize = 4 * 1024 * 1024;

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
pub async fn import_csv(
    req: HttpRequest,
    admin: AdminUser,
    db: web::Data<Db>,
    settings: web::Data<Settings>,
    q: web::Query<ImportQuery>,
    body: web::Bytes,
) -> Result<web::Json<portcullis_shared::admin::ImportReport>, ApiError> {
    use portcullis_shared::admin::{ImportReport, RowError};
    if body.len() > MAX_CSV_BYTES {
        return Err(ApiError::PayloadTooLarge(
            "The file exceeds 4 MiB; split it.".into(),
        ));
    }
    let scope = Scope::records_of(&admin.0);
    let (account_id, portal) = match q.role.portal_kind() {
        None => (None, None),
        Some(kind) => {
            let account = match &q.account_id {
                Some(id) => accounts::get(&db, &scope, id)
                    .await?
                    .filter(|a| a.kind == kind),
                None => None,
            };
            let portal = match &q.portal_id {
                Some(id) => portals::find_by_id(&db, id)
                    .await?
                    .filter(|p| p.kind == kind),
                None => None,
            };
            let mut errors = Vec::new();
            if account.is_none() {
                errors.push(FieldError {
                    field: "account_id".into(),
                    code: "not_found".into(),
                    message: format!("must be an existing {} account", kind.as_str()),
                });
            }
            if portal.is_none() {
                errors.push(FieldError {
                    field: "portal_id".into(),
                    code: "not_found".into(),
                    message: format!("must be an existing {} portal", kind.as_str()),
                });
            }
            if !errors.is_empty() {
                return Err(ApiError::Validation(errors));
            }
            (account.map(|a| a.id), portal)
        }
    };
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(&body[..]);
    let headers = reader
        .headers()
        .map_err(|e| {
            ApiError::field(
                "file",
                "invalid_csv",
                format!("cannot read the header line: {e}"),
            )
        })?
        .clone();
    let col = |name: &str| headers.iter().position(|h| h.eq_ignore_ascii_case(name));
    let Some(email_col) = col("email") else {
        return Err(ApiError::field(
            "file",
            "missing_column",
            "the header line must name an email column",
        ));
    };
    let name_col = col("name");
    let mut errors = Vec::new();
    let mut seen = std::collections::HashSet::new();
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line());
                errors.push(RowError {
                    line,
                    field: "row".into(),
                    message: format!("unreadable: {e}"),
                });
                continue;
            }
        };
        let line = record.position().map_or(0, |p| p.line());
        let email = record.get(email_col).unwrap_or("").to_owned();
        let name = name_col
            .and_then(|c| record.get(c))
            .unwrap_or("")
            .to_owned();
        if !is_plausible_email(&email) {
            errors.push(RowError {
                line,
                field: "email".into(),
                message: "must be an email address".into(),
            });
            continue;
        }
        if name.chars().count() > 100 {
            errors.push(RowError {
                line,
                field: "name".into(),
                message: "must be at most 100 characters".into(),
            });
            continue;
        }
        if !seen.insert(users::normalize_email(&email)) {
            errors.push(RowError {
                line,
                field: "email".into(),
                message: "appears earlier in the file".into(),
            });
            continue;
        }
        let token = tokens::random_token();
        let link = match &portal {
            Some(p) => format!("{}/p/{}/invite/{token}", settings.public_url, p.slug),
            None => format!("{}/invite/{token}", settings.public_url),
        };
        let display = if name.is_empty() {
            email.clone()
        } else {
            name.clone()
        };
        rows.push(invitations::BulkRow {
            message: email::invitation(&email, &display, portal.as_ref(), &link),
            token_hash: tokens::hash_token(&token),
            email,
            name,
        });
    }
    let outcomes = invitations::bulk_create(
        &db,
        &rows,
        q.role.as_str(),
        account_id.as_deref(),
        portal.as_ref().map(|p| p.id.as_str()),
        Some(&admin.0.user_id),
    )
    .await?;
    let invited = outcomes.iter().filter(|o| o.created).count() as u64;
    let report = ImportReport {
        invited,
        already_existing: outcomes.len() as u64 - invited,
        rejected: errors.len() as u64,
        errors,
    };
    audit::note(
        &req,
        AuditNote {
            action: Some("user.import".into()),
            object_type: Some("user".into()),
            details: Some(
                serde_json::json!({ "role": q.role, "invited": report.invited, "existing": report.already_existing, "rejected": report.rejected }),
            ),
            ..AuditNote::default()
        },
    );
    Ok(web::Json(report))
}

/// The invited role's label, for emails and screens.
pub fn role_label(role: Role) -> &'static str {
    match role {
        Role::Admin => "administrator",
        Role::Manager => "manager",
        Role::ChannelManager => "channel manager",
        Role::SalesRep => "sales rep",
        Role::CustomerUser => "customer",
        Role::PartnerUser => "partner",
        Role::PartnerAdmin => "partner administrator",
    }
}
