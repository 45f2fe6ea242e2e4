//! Server-side sessions: one per sign-in, checked on every request so that revocation is
//! immediate on every node. Only hashes of the session and refresh secrets are stored.

use portcullis_shared::Role;

use crate::domain::permissions::Override;
use sqlx::Row;

use crate::storage::{Sql, UserScope};
use crate::time::{self, Micros};
use sqlx::AnyConnection;

/// A session to open.
#[derive(Debug, Clone)]
pub struct NewSession {
    pub token_hash: String,
    pub refresh_hash: String,
    pub user_id: String,
    pub portal_id: Option<String>,
    pub idle_timeout_secs: i64,
    pub absolute_lifetime_secs: i64,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    /// The administrator behind a read-only "view as" session.
    pub viewed_by: Option<String>,
}

/// Opens a session; returns its public id (used in the refresh cookie and admin lists).
pub async fn create(conn: &mut AnyConnection, s: &NewSession) -> Result<String, sqlx::Error> {
    let id = uuid::Uuid::now_v7().to_string();
    let now = time::now();
    sqlx::query(
        "INSERT INTO sessions (id, token_hash, user_id, portal_id, refresh_hash, created_at, \
         last_seen_at, idle_timeout_secs, expires_at, ip, user_agent, viewed_by) \
         VALUES ($1, $2, $3, $4, $5, $6, $6, $7, $8, $9, $10, $11)",
    )
    .bind(&id)
    .bind(&s.token_hash)
    .bind(&s.user_id)
    .bind(&s.portal_id)
    .bind(&s.refresh_hash)
    .bind(now)
    .bind(s.idle_timeout_secs)
    .bind(now + s.absolute_lifetime_secs * 1_000_000)
    .bind(&s.ip)
    .bind(&s.user_agent)
    .bind(&s.viewed_by)
    .execute(&mut *conn)
    .await?;
    Ok(id)
}

/// A live session and the user behind it, as of this request, with everything a request
/// needs to decide what the caller may reach.
#[derive(Debug, Clone)]
pub struct LiveSession {
    pub session_id: String,
    pub user_id: String,
    pub role: Role,
    pub account_id: Option<String>,
    pub portal_id: Option<String>,
    pub last_seen_at: Micros,
    pub viewed_by: Option<String>,
    /// Regions an internal user is limited to; `None` is everywhere.
    pub regions: Option<Vec<String>>,
    /// The user's sign-in before the latest one.
    pub previous_sign_in_at: Option<Micros>,
    /// The user's partner organisation shows its users only the deals they are responsible for.
    pub own_deals_only: bool,
    /// Every permission override bearing on the user (portal, account, user level).
    pub overrides: Vec<Override>,
}

/// The session behind an access token, if it is still live: not ended, within its absolute
/// lifetime and idle timeout, and its user active and within any access expiry. It returns
/// the permission overrides bearing on the user in the same statement (one row per override
/// after the session's row), so a request learns who it serves and what they may do in one
/// round trip.
pub async fn live(
    conn: &mut AnyConnection,
    token_hash: &str,
    now: Micros,
) -> Result<Option<LiveSession>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT 0 AS part, s.id AS session_id, s.last_seen_at, s.portal_id, s.viewed_by, \
         u.id AS user_id, u.role, u.account_id, u.regions, u.previous_sign_in_at, \
         a.partner_deal_visibility, NULL AS scope_kind, NULL AS permission, NULL AS allowed \
         FROM sessions s JOIN users u ON u.id = s.user_id \
         LEFT JOIN accounts a ON a.id = u.account_id \
         WHERE s.token_hash = $1 AND s.ended_at IS NULL AND s.expires_at > $2 \
         AND s.last_seen_at + s.idle_timeout_secs * 1000000 > $2 \
         AND u.status = 'active' AND (u.access_expires_at IS NULL OR u.access_expires_at > $2) \
         UNION ALL \
         SELECT 1, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, \
         o.scope_kind, o.permission, o.allowed \
         FROM sessions s JOIN users u ON u.id = s.user_id \
         JOIN permission_overrides o ON (o.scope_kind = 'portal' AND o.scope_id = s.portal_id) \
           OR (o.scope_kind = 'account' AND o.scope_id = u.account_id) \
           OR (o.scope_kind = 'user' AND o.scope_id = u.id) \
         WHERE s.token_hash = $1 \
         ORDER BY 1",
    )
    .bind(token_hash)
    .bind(now)
    .fetch_all(&mut *conn)
    .await?;
    let Some(row) = rows
        .first()
        .filter(|r| r.try_get::<i64, _>("part").ok() == Some(0))
    else {
        return Ok(None);
    };
    let role: String = row.try_get("role")?;
    let Some(role) = Role::parse(&role) else {
        return Ok(None);
    };
    let regions = row
        .try_get::<Option<String>, _>("regions")?
        .map(|r| split_regions(&r))
        .filter(|r| !r.is_empty());
    let mut overrides = Vec::with_capacity(rows.len() - 1);
    for r in &rows[1..] {
        let (Some(kind), Some(name), Some(allowed)) = (
            r.try_get::<Option<String>, _>("scope_kind")?,
            r.try_get::<Option<String>, _>("permission")?,
            r.try_get::<Option<i64>, _>("allowed")?,
        ) else {
            continue;
        };
        if let Some(o) = crate::storage::permissions::decode(&kind, &name, allowed) {
            overrides.push(o);
        }
    }
    Ok(Some(LiveSession {
        session_id: row.try_get("session_id")?,
        user_id: row.try_get("user_id")?,
        role,
        account_id: row.try_get("account_id")?,
        portal_id: row.try_get("portal_id")?,
        last_seen_at: row.try_get("last_seen_at")?,
        viewed_by: row.try_get("viewed_by")?,
        regions,
        previous_sign_in_at: row.try_get("previous_sign_in_at")?,
        own_deals_only: row
            .try_get::<Option<String>, _>("partner_deal_visibility")?
            .as_deref()
            == Some("own"),
        overrides,
    }))
}

/// A stored region list: comma-separated, blanks ignored.
pub fn split_regions(stored: &str) -> Vec<String> {
    stored
        .split(',')
        .map(str::trim)
        .filter(|r| !r.is_empty())
        .map(str::to_owned)
        .collect()
}

/// Marks a session as used now (for the idle timeout).
pub async fn touch(
    conn: &mut AnyConnection,
    session_id: &str,
    now: Micros,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE sessions SET last_seen_at = $1 WHERE id = $2 AND ended_at IS NULL")
        .bind(now)
        .bind(session_id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// The refresh state of a session, for rotation.
#[derive(Debug, Clone)]
pub struct RefreshState {
    pub session_id: String,
    pub token_hash: String,
    pub user_id: String,
    pub refresh_hash: String,
    pub previous_refresh_hash: Option<String>,
    pub expires_at: Micros,
}

/// The refresh state of the session with this secret's hash, if it has not ended.
pub async fn refresh_state(
    conn: &mut AnyConnection,
    token_hash: &str,
) -> Result<Option<RefreshState>, sqlx::Error> {
    let row = sqlx::query(
        "SELECT id, token_hash, user_id, refresh_hash, previous_refresh_hash, expires_at \
         FROM sessions WHERE token_hash = $1 AND ended_at IS NULL",
    )
    .bind(token_hash)
    .fetch_optional(&mut *conn)
    .await?;
    row.map(|r| {
        Ok(RefreshState {
            session_id: r.try_get("id")?,
            token_hash: r.try_get("token_hash")?,
            user_id: r.try_get("user_id")?,
            refresh_hash: r.try_get("refresh_hash")?,
            previous_refresh_hash: r.try_get("previous_refresh_hash")?,
            expires_at: r.try_get("expires_at")?,
        })
    })
    .transpose()
}

/// Replaces the refresh secret if it is still `old_hash`; false when another request
/// rotated it first.
pub async fn rotate_refresh(
    conn: &mut AnyConnection,
    session_id: &str,
    old_hash: &str,
    new_hash: &str,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE sessions SET refresh_hash = $1, previous_refresh_hash = $2, last_seen_at = $3 \
         WHERE id = $4 AND refresh_hash = $2 AND ended_at IS NULL",
    )
    .bind(new_hash)
    .bind(old_hash)
    .bind(time::now())
    .bind(session_id)
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Ends one session.
pub async fn end(
    conn: &mut AnyConnection,
    session_id: &str,
    reason: &str,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE sessions SET ended_at = $1, end_reason = $2 WHERE id = $3 AND ended_at IS NULL",
    )
    .bind(time::now())
    .bind(reason)
    .bind(session_id)
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Ends every session of a user; returns how many were live.
pub async fn end_all(
    conn: &mut AnyConnection,
    user_id: &str,
    reason: &str,
) -> Result<u64, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE sessions SET ended_at = $1, end_reason = $2 WHERE user_id = $3 AND ended_at IS NULL",
    )
    .bind(time::now())
    .bind(reason)
    .bind(user_id)
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected())
}

/// Every session of a user within `scope`, newest first (at most 200).
pub async fn list_for_user(
    conn: &mut AnyConnection,
    scope: &UserScope,
    user_id: &str,
) -> Result<Vec<portcullis_shared::admin::SessionInfo>, sqlx::Error> {
    let now = time::now();
    let mut sql = Sql::new(
        "SELECT id, created_at, last_seen_at, expires_at, idle_timeout_secs, ip, user_agent, \
         portal_id, ended_at, end_reason FROM sessions WHERE user_id = ",
    );
    sql.bind(user_id)
        .push(" AND user_id IN (SELECT id FROM users WHERE id = ")
        .bind(user_id);
    scope.restrict(&mut sql, "account_id");
    sql.push(") ORDER BY created_at DESC LIMIT 200");
    let rows = sql.query().fetch_all(&mut *conn).await?;
    rows.iter()
        .map(|r| {
            let last_seen: i64 = r.try_get("last_seen_at")?;
            let expires: i64 = r.try_get("expires_at")?;
            let idle: i64 = r.try_get("idle_timeout_secs")?;
            let ended: Option<i64> = r.try_get("ended_at")?;
            Ok(portcullis_shared::admin::SessionInfo {
                id: r.try_get("id")?,
                created_at: time::to_rfc3339(r.try_get("created_at")?),
                last_seen_at: time::to_rfc3339(last_seen),
                expires_at: time::to_rfc3339(expires),
                ip: r.try_get("ip")?,
                user_agent: r.try_get("user_agent")?,
                portal_id: r.try_get("portal_id")?,
                live: ended.is_none() && expires > now && last_seen + idle * 1_000_000 > now,
                ended_at: ended.map(time::to_rfc3339),
                end_reason: r.try_get("end_reason")?,
            })
        })
        .collect()
}

/// Ends one session of one user; false when the user has no such live session.
pub async fn end_for_user(
    conn: &mut AnyConnection,
    user_id: &str,
    session_id: &str,
    reason: &str,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE sessions SET ended_at = $1, end_reason = $2 \
         WHERE id = $3 AND user_id = $4 AND ended_at IS NULL",
    )
    .bind(time::now())
    .bind(reason)
    .bind(session_id)
    .bind(user_id)
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected() == 1)
}
