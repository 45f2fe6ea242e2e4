//! User administration: list and read, deactivate and reactivate (one or many), transfer
//! between accounts, access expiry, sessions, "view as", and the stale-access review.
//! Every change that narrows access ends the user's sessions in the same transaction.

use portcullis_shared::FieldCode;
use portcullis_shared::admin::{SessionInfo, User};
use portcullis_shared::{FieldError, PortalKind};

use crate::app::auth::OpenedSession;
use crate::app::scope::{self, require};
use crate::app::{Actor, App, Audit, Operator, Page, Tx, page};
use crate::auth::Principal;
use crate::auth::tokens::Keys;
use crate::error::ApiError;
use crate::storage::users::{self, UserRow, UserStatus};

pub use crate::storage::users::UserFilter;
use crate::storage::{UserScope, accounts, portals, sessions};
use crate::time::{self, Micros};

/// External users are stale after this long without signing in.
pub const STALE_AFTER_MICROS: i64 = 90 * 24 * 3600 * 1_000_000;

/// The most users one bulk deactivation may name.
pub const MAX_BULK: usize = 1000;

/// The user a change is about, if the caller's scope reaches them (else 404, as if absent).
async fn target(tx: &mut Tx, scope: &UserScope, id: &str) -> Result<UserRow, ApiError> {
    users::find_in_scope(tx, scope, id)
        .await?
        .ok_or(ApiError::NotFound)
}

/// The answer of every change to a user: the user as administrators see them, read in the
/// change's transaction, which then commits.
async fn answer(mut tx: Tx, scope: &UserScope, id: &str) -> Result<User, ApiError> {
    let user = users::get_admin_view(&mut tx, scope, id)
        .await?
        .ok_or(ApiError::NotFound)?;
    tx.commit().await?;
    Ok(user)
}

/// Users the caller administers, filtered, oldest first.
pub async fn list(
    app: &App,
    p: &Principal,
    filter: UserFilter,
    cursor: Option<&str>,
    limit: i64,
) -> Result<Page<User>, ApiError> {
    let scope = require::manage_users(p)?;
    let mut errors = Vec::new();
    if filter
        .portal_type
        .as_deref()
        .is_some_and(|t| !matches!(t, "customer" | "partner" | "internal"))
    {
        errors.push(FieldError::new(
            "portal_type",
            FieldCode::InvalidValue,
            "must be customer, partner or internal",
        ));
    }
    if filter
        .status
        .as_deref()
        .is_some_and(|s| UserStatus::parse(s).is_none())
    {
        errors.push(FieldError::new(
            "status",
            FieldCode::InvalidValue,
            "must be invited, active or deactivated",
        ));
    }
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let mut conn = app.read().await?;
    let items = users::list(&mut conn, &scope, &filter, cursor, limit + 1).await?;
    Ok(page(items, limit, |u| u.id.clone()))
}

/// One user the caller administers.
pub async fn get(app: &App, p: &Principal, id: &str) -> Result<User, ApiError> {
    let scope = require::manage_users(p)?;
    let mut conn = app.read().await?;
    users::get_admin_view(&mut conn, &scope, id)
        .await?
        .ok_or(ApiError::NotFound)
}

/// Deactivates a user and ends all their sessions at once.
pub async fn deactivate(app: &App, p: &Principal, id: &str) -> Result<User, ApiError> {
    let scope = require::manage_users(p)?;
    let mut tx = app.begin().await?;
    target(&mut tx, &scope, id).await?;
    if p.user_id == id {
        return Err(ApiError::Conflict("You cannot deactivate yourself.".into()));
    }
    users::set_status(&mut tx, &scope, id, UserStatus::Deactivated).await?;
    let ended = sessions::end_all(&mut tx, id, "deactivated").await?;
    tx.audit(
        Audit::new(Actor::User(p), "user.deactivate")
            .object("user", id)
            .details(serde_json::json!({ "sessions_ended": ended })),
    )
    .await?;
    answer(tx, &scope, id).await
}

/// Reactivates a deactivated user.
pub async fn reactivate(app: &App, p: &Principal, id: &str) -> Result<User, ApiError> {
    let scope = require::manage_users(p)?;
    let mut tx = app.begin().await?;
    let user = target(&mut tx, &scope, id).await?;
    if user.status != UserStatus::Deactivated {
        return Err(ApiError::Conflict(
            "Only a deactivated user can be reactivated.".into(),
        ));
    }
    users::set_status(&mut tx, &scope, id, UserStatus::Active).await?;
    tx.audit(Audit::new(Actor::User(p), "user.reactivate").object("user", id))
        .await?;
    answer(tx, &scope, id).await
}

/// Moves an external user to another account of the same type, ending their sessions.
pub async fn transfer(
    app: &App,
    p: &Principal,
    id: &str,
    account_id: &str,
) -> Result<User, ApiError> {
    require::administer(p)?;
    let scope = scope::users(p);
    let mut tx = app.begin().await?;
    let user = target(&mut tx, &scope, id).await?;
    let Some(kind) = user.role.portal_kind() else {
        return Err(ApiError::field(
            "account_id",
            FieldCode::NotApplicable,
            "internal users belong to no account",
        ));
    };
    let target = accounts::get(&mut tx, &scope::accounts(p), account_id).await?;
    if target.as_ref().is_none_or(|a| a.kind != kind) {
        let wanted = match kind {
            PortalKind::Customer => "customer",
            PortalKind::Partner => "partner",
        };
        return Err(ApiError::field(
            "account_id",
            FieldCode::NotFound,
            format!("must be an existing {wanted} account"),
        ));
    }
    users::set_account(&mut tx, id, account_id).await?;
    let ended = sessions::end_all(&mut tx, id, "transferred").await?;
    tx.audit(
        Audit::new(Actor::User(p), "user.transfer")
            .object("user", id)
            .details(serde_json::json!({
                "from": user.account_id, "to": account_id, "sessions_ended": ended
            })),
    )
    .await?;
    answer(tx, &scope, id).await
}

/// Sets or clears the time after which a user can no longer sign in. A time already past
/// ends the user's sessions at once.
pub async fn set_access_expiry(
    app: &App,
    p: &Principal,
    id: &str,
    at: Option<Micros>,
) -> Result<User, ApiError> {
    require::administer(p)?;
    let scope = scope::users(p);
    let mut tx = app.begin().await?;
    target(&mut tx, &scope, id).await?;
    if p.user_id == id {
        return Err(ApiError::Conflict(
            "You cannot set an expiry on your own access.".into(),
        ));
    }
    users::set_access_expiry(&mut tx, id, at).await?;
    let mut ended = 0;
    if at.is_some_and(|t| t <= time::now()) {
        ended = sessions::end_all(&mut tx, id, "access_expired").await?;
    }
    tx.audit(
        Audit::new(Actor::User(p), "user.access_expiry")
            .object("user", id)
            .details(serde_json::json!({
                "access_expires_at": at.map(time::to_rfc3339), "sessions_ended": ended
            })),
    )
    .await?;
    answer(tx, &scope, id).await
}

/// Limits an internal user to regions (an empty list lifts the limit). Takes effect on the
/// user's next request.
pub async fn set_regions(
    app: &App,
    p: &Principal,
    id: &str,
    regions: Vec<String>,
) -> Result<User, ApiError> {
    require::administer(p)?;
    let scope = scope::users(p);
    let mut errors = Vec::new();
    let mut clean: Vec<String> = Vec::new();
    if regions.len() > 20 {
        errors.push(portcullis_shared::FieldError::new(
            "regions",
            portcullis_shared::FieldCode::InvalidLength,
            "must list at most 20 regions",
        ));
    }
    for (i, r) in regions.iter().enumerate() {
        let r = r.trim();
        if r.is_empty() || r.chars().count() > 40 || r.contains(',') {
            errors.push(portcullis_shared::FieldError::new(
                format!("regions[{i}]"),
                portcullis_shared::FieldCode::InvalidFormat,
                "must be 1 to 40 characters without commas",
            ));
        } else if !clean.iter().any(|c| c == r) {
            clean.push(r.to_owned());
        }
    }
    let mut tx = app.begin().await?;
    let user = target(&mut tx, &scope, id).await?;
    if !user.role.is_internal() && !clean.is_empty() {
        errors.push(portcullis_shared::FieldError::new(
            "regions",
            portcullis_shared::FieldCode::NotApplicable,
            "apply to internal users only",
        ));
    }
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let stored = (!clean.is_empty()).then(|| clean.join(","));
    users::set_regions(&mut tx, id, stored.as_deref()).await?;
    tx.audit(
        Audit::new(Actor::User(p), "user.regions")
            .object("user", id)
            .details(serde_json::json!({ "regions": clean })),
    )
    .await?;
    answer(tx, &scope, id).await
}

/// Sets an internal user's manager, to whom their overdue tasks escalate (`None`: the
/// administrators and managers). The manager must be another active internal user.
pub async fn set_manager(
    app: &App,
    p: &Principal,
    id: &str,
    manager_id: Option<String>,
) -> Result<User, ApiError> {
    require::administer(p)?;
    let scope = scope::users(p);
    let mut tx = app.begin().await?;
    let user = target(&mut tx, &scope, id).await?;
    let mut errors = Vec::new();
    if !user.role.is_internal() {
        errors.push(portcullis_shared::FieldError::new(
            "manager_id",
            portcullis_shared::FieldCode::NotApplicable,
            "applies to internal users only",
        ));
    }
    if let Some(m) = &manager_id {
        let manager = users::find_in_scope(&mut tx, &scope, m).await?;
        let fits = manager.is_some_and(|m| {
            m.role.is_internal() && m.status == portcullis_shared::admin::UserStatus::Active
        });
        if !fits || m == id {
            errors.push(portcullis_shared::FieldError::new(
                "manager_id",
                portcullis_shared::FieldCode::NotAllowed,
                "must be another active internal user",
            ));
        }
    }
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    users::set_manager(&mut tx, id, manager_id.as_deref()).await?;
    tx.audit(
        Audit::new(Actor::User(p), "user.manager")
            .object("user", id)
            .details(serde_json::json!({ "manager_id": manager_id })),
    )
    .await?;
    answer(tx, &scope, id).await
}

/// A user's sessions: when, from where, with what, and whether still live.
pub async fn sessions(app: &App, p: &Principal, id: &str) -> Result<Vec<SessionInfo>, ApiError> {
    let scope = require::manage_users(p)?;
    let mut conn = app.read().await?;
    users::find_in_scope(&mut conn, &scope, id)
        .await?
        .ok_or(ApiError::NotFound)?;
    Ok(sessions::list_for_user(&mut conn, &scope, id).await?)
}

/// Ends one session of a user, effective on its next request.
pub async fn end_session(
    app: &App,
    p: &Principal,
    id: &str,
    session_id: &str,
) -> Result<(), ApiError> {
    let scope = require::manage_users(p)?;
    let mut tx = app.begin().await?;
    target(&mut tx, &scope, id).await?;
    if !sessions::end_for_user(&mut tx, id, session_id, "ended_by_admin").await? {
        return Err(ApiError::NotFound);
    }
    tx.audit(
        Audit::new(Actor::User(p), "session.end")
            .object("user", id)
            .details(serde_json::json!({ "session_id": session_id })),
    )
    .await?;
    tx.commit().await
}

/// Opens a read-only session as an external user, so an administrator sees exactly what that
/// user sees. Any change attempted with it is refused; it lasts at most an hour.
pub async fn view_as(
    app: &App,
    keys: &Keys,
    p: &Principal,
    id: &str,
) -> Result<OpenedSession, ApiError> {
    require::administer(p)?;
    let scope = scope::users(p);
    let mut tx = app.begin().await?;
    let user = target(&mut tx, &scope, id).await?;
    if user.role.is_internal() || !user.may_sign_in(time::now()) {
        return Err(ApiError::field(
            "id",
            FieldCode::NotViewable,
            "only active customer and partner users can be viewed",
        ));
    }
    let portal = match &user.portal_id {
        Some(portal) => portals::find_by_id(&mut tx, portal).await?,
        None => None,
    };
    let opened = crate::app::auth::open_session(
        &mut tx,
        keys,
        &p.origin,
        &user,
        portal,
        Some(p.user_id.to_string()),
    )
    .await?;
    tx.audit(Audit::new(Actor::User(p), "user.view_as").object("user", id))
        .await?;
    tx.commit().await?;
    Ok(opened)
}

/// The outcome of a bulk deactivation.
pub struct BulkOutcome {
    pub deactivated: u64,
    pub skipped: Vec<String>,
}

/// Deactivates many users at once (typically the stale ones of an access review), ending
/// all their sessions: all of it in one transaction, with one audit entry.
pub async fn bulk_deactivate(
    app: &App,
    p: &Principal,
    ids: Vec<String>,
) -> Result<BulkOutcome, ApiError> {
    require::administer(p)?;
    let scope = scope::users(p);
    if ids.is_empty() || ids.len() > MAX_BULK {
        return Err(ApiError::field(
            "user_ids",
            FieldCode::InvalidLength,
            format!("must list 1 to {MAX_BULK} user ids"),
        ));
    }
    let mut tx = app.begin().await?;
    let mut deactivated = 0;
    let mut skipped = Vec::new();
    for id in ids {
        if p.user_id == id
            || !users::set_status(&mut tx, &scope, &id, UserStatus::Deactivated).await?
        {
            skipped.push(id);
            continue;
        }
        sessions::end_all(&mut tx, &id, "deactivated").await?;
        deactivated += 1;
    }
    tx.audit(
        Audit::new(Actor::User(p), "user.bulk_deactivate")
            .details(serde_json::json!({ "deactivated": deactivated, "skipped": skipped.len() })),
    )
    .await?;
    tx.commit().await?;
    Ok(BulkOutcome {
        deactivated,
        skipped,
    })
}

/// The stale-access review: flags active external users who have not signed in (or, never
/// having signed in, were created) more than 90 days ago, and unflags those who signed in
/// since. Idempotent. Returns how many are flagged after the run.
pub async fn review_stale_access(app: &App, operator: &Operator) -> Result<i64, ApiError> {
    let now = time::now();
    let mut tx = app.begin().await?;
    let (flagged, cleared) =
        users::review_stale(&mut tx, &operator.users(), now, now - STALE_AFTER_MICROS).await?;
    let total = users::count_stale(&mut tx, &operator.users()).await?;
    if flagged + cleared > 0 {
        tx.audit(
            Audit::new(Actor::Operator(operator), "user.access_review").details(
                serde_json::json!({ "flagged": flagged, "cleared": cleared, "stale": total }),
            ),
        )
        .await?;
    }
    tx.commit().await?;
    Ok(total)
}
