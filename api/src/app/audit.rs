//! The audit log for administrators: filtered pages, export, and chain verification. Reads
//! seal what has committed first, so an administrator sees every change that has returned.

use std::collections::HashMap;

use portcullis_shared::admin::AuditEntry;
use sqlx::AnyConnection;

use crate::app::scope::{self, require};
use crate::app::{App, Page, page};
use crate::auth::Principal;
use crate::error::ApiError;
use crate::storage::audit::{self, Verification};

pub use crate::storage::audit::Filter;
use crate::storage::{UserScope, users};
use crate::time;

/// The emails of the entries' actors, for people to read.
async fn actor_emails(
    conn: &mut AnyConnection,
    scope: &UserScope,
    entries: &[audit::Entry],
) -> Result<HashMap<String, String>, ApiError> {
    let mut actors: Vec<&str> = entries
        .iter()
        .filter_map(|e| e.actor_id.as_deref())
        .collect();
    actors.sort_unstable();
    actors.dedup();
    Ok(users::emails(conn, scope, &actors).await?)
}

fn to_dto(e: audit::Entry, emails: &HashMap<String, String>) -> AuditEntry {
    AuditEntry {
        seq: e.seq,
        at: time::to_rfc3339(e.at),
        actor_email: e.actor_id.as_ref().and_then(|id| emails.get(id).cloned()),
        actor_id: e.actor_id,
        ip: e.ip,
        user_agent: e.user_agent,
        action: e.action,
        object_type: e.object_type,
        object_id: e.object_id,
        portal_id: e.portal_id,
        outcome: e.outcome,
        details: e.details,
        hash: e.hash,
    }
}

/// Audit entries matching `filter`, newest first, with their actors' emails.
pub async fn list(
    app: &App,
    p: &Principal,
    filter: Filter,
    limit: i64,
) -> Result<Page<AuditEntry>, ApiError> {
    let scope = require::administer(p)?;
    audit::seal(&app.db).await?;
    let mut conn = app.read().await?;
    let entries = audit::list(&mut conn, scope, &filter, limit + 1).await?;
    let Page { items, next_cursor } = page(entries, limit, |e| e.seq.to_string());
    let emails = actor_emails(&mut conn, &scope::users(p), &items).await?;
    Ok(Page {
        items: items.into_iter().map(|e| to_dto(e, &emails)).collect(),
        next_cursor,
    })
}

/// Up to `limit` entries matching `filter`, newest first, for an export.
pub async fn export(
    app: &App,
    p: &Principal,
    filter: Filter,
    limit: i64,
) -> Result<Vec<AuditEntry>, ApiError> {
    Ok(list(app, p, filter, limit).await?.items)
}

/// Seals what has committed, then recomputes the chain and reports the first break.
pub async fn verify(app: &App, p: &Principal) -> Result<Verification, ApiError> {
    require::administer(p)?;
    audit::seal(&app.db).await?;
    let mut conn = app.read().await?;
    Ok(audit::verify(&mut conn).await?)
}
