//! Invitations: administrators (and partner administrators, for their own organisation)
//! invite one or many addresses, or a CSV file; the invitee opens the single-use link, sets a
//! password and is signed in. Emails go through the outbox and the job queue in the same
//! transaction as the users they invite.

use portcullis_shared::FieldCode;
use std::collections::HashSet;

use portcullis_shared::admin::{
    ImportReport, InvitationOutcome, InvitationRequest, InvitationResult, OutboxEmail, RowError,
};
use portcullis_shared::auth::{AcceptInvitation, InvitationInfo};
use portcullis_shared::validate::is_plausible_email;
use portcullis_shared::{FieldError, PortalKind, Role};

use crate::app::auth::OpenedSession;
use crate::app::jobs::queue_email;
use crate::app::scope::{self, require};
use crate::app::{Actor, App, Audit, Origin, Page, Tx, page};
use crate::auth::Principal;
use crate::auth::password::{Hasher, check_policy};
use crate::auth::tokens::{self, Keys};
use crate::email;
use crate::error::ApiError;
use crate::storage::portals::PortalRow;
use crate::storage::users::{self, NewUser, UserRow, UserStatus};
use crate::storage::{accounts, invitations, outbox, portals};
use crate::time;

/// The most addresses one request may invite.
pub const MAX_EMAILS: usize = 100;

/// The largest CSV accepted (about 50,000 rows).
pub const MAX_CSV_BYTES: usize = 4 * 1024 * 1024;

/// The link an invitation email carries.
fn invitation_link(
    settings: &crate::config::Settings,
    portal: Option<&PortalRow>,
    token: &str,
) -> String {
    match portal {
        Some(p) => format!("{}/p/{}/invite/{token}", settings.public_url, p.slug),
        None => format!("{}/invite/{token}", settings.public_url),
    }
}

/// Opens an invitation for an invited user and queues its email, in the caller's
/// transaction; the old link, if any, stops working.
pub async fn send_invitation(
    app: &App,
    tx: &mut Tx,
    user: &UserRow,
    invited_by: Option<&str>,
) -> Result<(), ApiError> {
    let token = tokens::random_token();
    invitations::create(tx, &user.id, &tokens::hash_token(&token), invited_by).await?;
    let portal = match &user.portal_id {
        Some(id) => portals::find_by_id(tx, id).await?,
        None => None,
    };
    let link = invitation_link(&app.settings, portal.as_ref(), &token);
    let display = if user.name.is_empty() {
        user.email.as_str()
    } else {
        user.name.as_str()
    };
    queue_email(
        tx,
        &email::invitation(&user.email, display, portal.as_ref(), &link),
    )
    .await?;
    Ok(())
}

/// Where invited people go: a role, and for external roles an account and a portal of the
/// role's kind. Partner administrators may place partner users in their own organisation
/// and portal only.
struct Placement {
    role: Role,
    account_id: Option<String>,
    portal: Option<PortalRow>,
}

async fn placement(
    tx: &mut Tx,
    p: &Principal,
    role: Role,
    account_id: Option<String>,
    portal_id: Option<String>,
    errors: &mut Vec<FieldError>,
) -> Result<Placement, ApiError> {
    let (mut account_id, mut portal_id) = (account_id, portal_id);
    if p.role == Role::PartnerAdmin {
        if !matches!(role, Role::PartnerUser | Role::PartnerAdmin) {
            errors.push(FieldError::new(
                "role",
                FieldCode::NotAllowed,
                "must be partner_user or partner_admin",
            ));
        }
        if account_id
            .as_ref()
            .is_some_and(|a| Some(a.as_str()) != p.account_id.as_deref())
        {
            errors.push(FieldError::new(
                "account_id",
                FieldCode::NotAllowed,
                "must be your own organisation",
            ));
        }
        if portal_id
            .as_ref()
            .is_some_and(|x| Some(x.as_str()) != p.portal_id.as_deref())
        {
            errors.push(FieldError::new(
                "portal_id",
                FieldCode::NotAllowed,
                "must be your own portal",
            ));
        }
        if !errors.is_empty() {
            return Err(ApiError::Validation(std::mem::take(errors)));
        }
        account_id = p.account_id.clone().map(String::from);
        portal_id = p.portal_id.clone().map(String::from);
    }
    let Some(kind) = role.portal_kind() else {
        if account_id.is_some() {
            errors.push(FieldError::new(
                "account_id",
                FieldCode::NotApplicable,
                "internal users belong to no account",
            ));
        }
        if portal_id.is_some() {
            errors.push(FieldError::new(
                "portal_id",
                FieldCode::NotApplicable,
                "internal users belong to no portal",
            ));
        }
        return Ok(Placement {
            role,
            account_id: None,
            portal: None,
        });
    };
    let account = match &account_id {
        Some(id) => accounts::get(tx, &scope::accounts(p), id)
            .await?
            .filter(|a| a.kind == kind),
        None => None,
    };
    if account.is_none() {
        errors.push(not_found_of("account_id", "account", kind));
    }
    let portal = match &portal_id {
        Some(id) => portals::find_by_id(tx, id)
            .await?
            .filter(|x| x.kind == kind),
        None => None,
    };
    if portal.is_none() {
        errors.push(not_found_of("portal_id", "portal", kind));
    }
    Ok(Placement {
        role,
        account_id: account.map(|a| a.id),
        portal,
    })
}

fn not_found_of(field: &str, what: &str, kind: PortalKind) -> FieldError {
    FieldError::new(
        field,
        FieldCode::NotFound,
        format!("must be an existing {} {what}", kind.as_str()),
    )
}

/// Invites one or many people with one role (and, for external roles, one account and
/// portal). Idempotent by email: an address that already has a user is reported, not changed.
/// All of it — users, invitations, emails, their delivery jobs and the audit entry — in one
/// transaction.
pub async fn invite(
    app: &App,
    p: &Principal,
    input: InvitationRequest,
) -> Result<Vec<InvitationResult>, ApiError> {
    let user_scope = require::manage_users(p)?;
    let mut errors = Vec::new();
    if input.emails.is_empty() || input.emails.len() > MAX_EMAILS {
        errors.push(FieldError::new(
            "emails",
            FieldCode::InvalidLength,
            format!("must list 1 to {MAX_EMAILS} addresses"),
        ));
    }
    for (i, e) in input.emails.iter().enumerate() {
        if !is_plausible_email(e.trim()) {
            errors.push(FieldError::new(
                format!("emails[{i}]"),
                FieldCode::InvalidFormat,
                "must be an email address",
            ));
        }
    }
    let mut tx = app.begin().await?;
    let place = placement(
        &mut tx,
        p,
        input.role,
        input.account_id,
        input.portal_id,
        &mut errors,
    )
    .await?;
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let mut results = Vec::with_capacity(input.emails.len());
    for email in &input.emails {
        let email = email.trim();
        let created = users::insert_if_absent(
            &mut tx,
            &NewUser {
                email: email.to_owned(),
                name: String::new(),
                role: place.role,
                account_id: place.account_id.clone(),
                portal_id: place.portal.as_ref().map(|x| x.id.clone()),
                status: UserStatus::Invited,
                password_hash: None,
            },
        )
        .await?;
        let user = users::find_by_email(&mut tx, email)
            .await?
            .ok_or(ApiError::NotFound)?;
        if created.is_some() {
            send_invitation(app, &mut tx, &user, Some(&p.user_id)).await?;
        }
        // Someone else's user is reported as existing, without naming them.
        let user_id = if user_scope.contains(user.account_id.as_deref()) {
            user.id
        } else {
            String::new()
        };
        results.push(InvitationResult {
            email: email.to_owned(),
            status: if created.is_some() {
                InvitationOutcome::Invited
            } else {
                InvitationOutcome::AlreadyExists
            },
            user_id,
        });
    }
    let invited = results
        .iter()
        .filter(|r| r.status == InvitationOutcome::Invited)
        .count();
    tx.audit(
        Audit::new(Actor::User(p), "user.invite").details(serde_json::json!({
            "role": place.role, "invited": invited, "existing": results.len() - invited
        })),
    )
    .await?;
    tx.commit().await?;
    Ok(results)
}

/// Sends a fresh invitation to a user who has not accepted yet; the old link stops working.
pub async fn resend(app: &App, p: &Principal, id: &str) -> Result<(), ApiError> {
    let scope = require::manage_users(p)?;
    let mut tx = app.begin().await?;
    let user = users::find_in_scope(&mut tx, &scope, id)
        .await?
        .ok_or(ApiError::NotFound)?;
    if user.status != UserStatus::Invited {
        return Err(ApiError::Conflict(
            "Only users who have not accepted their invitation can be re-invited.".into(),
        ));
    }
    send_invitation(app, &mut tx, &user, Some(&p.user_id)).await?;
    tx.audit(Audit::new(Actor::User(p), "user.resend_invitation").object("user", id))
        .await?;
    tx.commit().await
}

/// Where a CSV import puts people.
pub struct ImportTarget {
    pub role: Role,
    pub account_id: Option<String>,
    pub portal_id: Option<String>,
}

/// Invites everyone in a CSV file (`email,name` with a header line) with one role, account
/// and portal. Idempotent by email; bad rows are reported by line and skipped; everything
/// else commits in one transaction.
pub async fn import_csv(
    app: &App,
    p: &Principal,
    target: ImportTarget,
    csv_bytes: &[u8],
) -> Result<ImportReport, ApiError> {
    require::administer(p)?;
    if csv_bytes.len() > MAX_CSV_BYTES {
        return Err(ApiError::PayloadTooLarge(
            "The file exceeds 4 MiB; split it.".into(),
        ));
    }
    let mut tx = app.begin().await?;
    let mut field_errors = Vec::new();
    let place = placement(
        &mut tx,
        p,
        target.role,
        target.account_id,
        target.portal_id,
        &mut field_errors,
    )
    .await?;
    if !field_errors.is_empty() {
        return Err(ApiError::Validation(field_errors));
    }
    let (rows, errors) = parse_csv(csv_bytes)?;
    let mut bulk = Vec::with_capacity(rows.len());
    let mut messages = Vec::with_capacity(rows.len());
    for (email, name) in rows {
        let token = tokens::random_token();
        let link = invitation_link(&app.settings, place.portal.as_ref(), &token);
        let display = if name.is_empty() { &email } else { &name };
        messages.push(email::invitation(
            &email,
            display,
            place.portal.as_ref(),
            &link,
        ));
        bulk.push(invitations::BulkRow {
            token_hash: tokens::hash_token(&token),
            email,
            name,
        });
    }
    let outcomes = invitations::bulk_create(
        &mut tx,
        &bulk,
        place.role.as_str(),
        place.account_id.as_deref(),
        place.portal.as_ref().map(|x| x.id.as_str()),
        Some(&p.user_id),
    )
    .await?;
    for (outcome, message) in outcomes.iter().zip(&messages) {
        if outcome.created {
            queue_email(&mut tx, message).await?;
        }
    }
    let invited = outcomes.iter().filter(|o| o.created).count() as u64;
    let report = ImportReport {
        invited,
        already_existing: outcomes.len() as u64 - invited,
        rejected: errors.len() as u64,
        errors,
    };
    tx.audit(
        Audit::new(Actor::User(p), "user.import").details(serde_json::json!({
            "role": place.role, "invited": report.invited,
            "existing": report.already_existing, "rejected": report.rejected
        })),
    )
    .await?;
    tx.commit().await?;
    Ok(report)
}

/// A good row of an invitation CSV: (email, name).
type CsvRow = (String, String);

/// Reads an invitation CSV into its good rows and the errors of its bad ones.
fn parse_csv(bytes: &[u8]) -> Result<(Vec<CsvRow>, Vec<RowError>), ApiError> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(bytes);
    let headers = reader
        .headers()
        .map_err(|e| {
            ApiError::field(
                "file",
                FieldCode::InvalidCsv,
                format!("cannot read the header line: {e}"),
            )
        })?
        .clone();
    let col = |name: &str| headers.iter().position(|h| h.eq_ignore_ascii_case(name));
    let Some(email_col) = col("email") else {
        return Err(ApiError::field(
            "file",
            FieldCode::MissingColumn,
            "the header line must name an email column",
        ));
    };
    let name_col = col("name");
    let mut errors = Vec::new();
    let mut seen = HashSet::new();
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                errors.push(RowError {
                    line: e.position().map_or(0, |p| p.line()),
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
        let problem = if !is_plausible_email(&email) {
            Some(("email", "must be an email address"))
        } else if name.chars().count() > 100 {
            Some(("name", "must be at most 100 characters"))
        } else if !seen.insert(users::normalize_email(&email)) {
            Some(("email", "appears earlier in the file"))
        } else {
            None
        };
        match problem {
            Some((field, message)) => errors.push(RowError {
                line,
                field: field.into(),
                message: message.into(),
            }),
            None => rows.push((email, name)),
        }
    }
    Ok((rows, errors))
}

/// Emails sent or waiting to be sent, newest first.
pub async fn outbox(
    app: &App,
    p: &Principal,
    to: Option<&str>,
    cursor: Option<&str>,
    limit: i64,
) -> Result<Page<OutboxEmail>, ApiError> {
    let scope = require::administer(p)?;
    let mut conn = app.read().await?;
    let items = outbox::list(&mut conn, scope, to, cursor, limit + 1).await?;
    Ok(page(items, limit, |e| e.id.clone()))
}

async fn open_invitation(
    conn: &mut sqlx::AnyConnection,
    token: &str,
) -> Result<(invitations::OpenInvitation, UserRow), ApiError> {
    let inv = invitations::find_open(conn, &tokens::hash_token(token), time::now())
        .await?
        .ok_or(ApiError::NotFound)?;
    let user = users::find_by_id(conn, &inv.user_id)
        .await?
        .filter(|u| u.status == UserStatus::Invited)
        .ok_or(ApiError::NotFound)?;
    Ok((inv, user))
}

/// What an invitation link leads to. Used, revoked, expired and unknown links are all 404.
pub async fn info(app: &App, token: &str) -> Result<InvitationInfo, ApiError> {
    let mut conn = app.read().await?;
    let (inv, user) = open_invitation(&mut conn, token).await?;
    let portal = match &user.portal_id {
        Some(id) => portals::find_by_id(&mut conn, id)
            .await?
            .map(|p| p.to_public()),
        None => None,
    };
    Ok(InvitationInfo {
        email: user.email,
        name: user.name,
        role: user.role,
        portal,
        expires_at: time::to_rfc3339(inv.expires_at),
    })
}

/// Accepts an invitation: sets the password and name, activates the user and signs them
/// in, in one transaction. The link works once.
pub async fn accept(
    app: &App,
    keys: &Keys,
    hasher: &Hasher,
    origin: &Origin,
    token: &str,
    input: AcceptInvitation,
) -> Result<OpenedSession, ApiError> {
    let (inv, user) = {
        let mut conn = app.read().await?;
        open_invitation(&mut conn, token).await?
    };
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
        errors.push(FieldError::new(
            "password",
            FieldCode::ContainsEmail,
            "must not contain your email address",
        ));
    }
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let hash = hasher.hash(input.password).await?;
    let mut tx = app.begin().await?;
    if !invitations::accept(&mut tx, &inv.id, &user.id, &hash, input.name.trim()).await? {
        return Err(ApiError::NotFound);
    }
    let user = users::find_by_id(&mut tx, &user.id)
        .await?
        .ok_or(ApiError::NotFound)?;
    let portal = match &user.portal_id {
        Some(id) => portals::find_by_id(&mut tx, id).await?,
        None => None,
    };
    let opened = crate::app::auth::open_session(&mut tx, keys, origin, &user, portal, None).await?;
    tx.audit(
        Audit::new(Actor::Anonymous(origin), "user.accept_invitation")
            .actor(user.id.clone())
            .object("user", user.id.clone())
            .portal(user.portal_id.clone()),
    )
    .await?;
    tx.commit().await?;
    Ok(opened)
}
