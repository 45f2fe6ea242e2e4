//! The audit log: append-only (enforced by triggers), and tamper-evident: each entry's hash
//! covers the previous entry's hash and its own content, so editing, deleting or reordering
//! any entry breaks the chain from that point on.

use sha2::{Digest, Sha256};
use sqlx::Row;
use sqlx::any::AnyRow;

use sqlx::AnyConnection;

use crate::db::Db;
use crate::storage::{CompanyScope, Sql};
use crate::time::{self, Micros};

/// How a recorded action ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Success,
    Failure,
    Denied,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Success => "success",
            Outcome::Failure => "failure",
            Outcome::Denied => "denied",
        }
    }

    /// The outcome of an HTTP status: 2xx/3xx success, 401/403/404 denied, else failure.
    pub fn from_status(status: u16) -> Outcome {
        match status {
            200..=399 => Outcome::Success,
            401 | 403 | 404 => Outcome::Denied,
            _ => Outcome::Failure,
        }
    }
}

/// An entry to append.
#[derive(Debug, Clone, Default)]
pub struct NewEntry {
    pub actor_id: Option<String>,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    pub action: String,
    pub object_type: Option<String>,
    pub object_id: Option<String>,
    pub portal_id: Option<String>,
    pub outcome: Option<Outcome>,
    pub details: serde_json::Value,
}

/// A stored entry.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Entry {
    pub seq: i64,
    pub at: Micros,
    pub actor_id: Option<String>,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    pub action: String,
    pub object_type: Option<String>,
    pub object_id: Option<String>,
    pub portal_id: Option<String>,
    pub outcome: String,
    pub details: String,
    pub prev_hash: String,
    pub hash: String,
}

impl Entry {
    fn from_row(r: &AnyRow) -> Result<Entry, sqlx::Error> {
        Entry::with_content_of(
            r,
            r.try_get("seq")?,
            r.try_get("prev_hash")?,
            r.try_get("hash")?,
        )
    }

    /// An entry at `seq` after `prev_hash`, with the recorded content of row `r` (a sealed
    /// entry or one awaiting sealing).
    fn with_content_of(
        r: &AnyRow,
        seq: i64,
        prev_hash: String,
        hash: String,
    ) -> Result<Entry, sqlx::Error> {
        Ok(Entry {
            seq,
            at: r.try_get("at")?,
            actor_id: r.try_get("actor_id")?,
            ip: r.try_get("ip")?,
            user_agent: r.try_get("user_agent")?,
            action: r.try_get("action")?,
            object_type: r.try_get("object_type")?,
            object_id: r.try_get("object_id")?,
            portal_id: r.try_get("portal_id")?,
            outcome: r.try_get("outcome")?,
            details: r.try_get("details")?,
            prev_hash,
            hash,
        })
    }

    /// The hash this entry should carry, given its content and `prev_hash`.
    pub fn expected_hash(&self) -> String {
        let content = serde_json::json!([
            self.seq,
            self.at,
            self.actor_id,
            self.ip,
            self.user_agent,
            self.action,
            self.object_type,
            self.object_id,
            self.portal_id,
            self.outcome,
            self.details,
        ]);
        let mut h = Sha256::new();
        h.update(self.prev_hash.as_bytes());
        h.update(b"\n");
        h.update(content.to_string().as_bytes());
        h.finalize().iter().map(|b| format!("{b:02x}")).collect()
    }
}

/// The `prev_hash` of the first entry.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

macro_rules! entry_columns {
    () => {
        "seq, at, actor_id, ip, user_agent, action, object_type, object_id, portal_id, \
         outcome, details, prev_hash, hash"
    };
}

/// Records an entry inside the caller's transaction: it commits with the change it
/// describes, or not at all. It joins the chain when `seal` next runs.
pub async fn record(conn: &mut AnyConnection, e: NewEntry) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO audit_pending (id, at, actor_id, ip, user_agent, action, object_type, \
         object_id, portal_id, outcome, details) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
    )
    .bind(uuid::Uuid::now_v7().to_string())
    .bind(time::now())
    .bind(&e.actor_id)
    .bind(&e.ip)
    .bind(&e.user_agent)
    .bind(&e.action)
    .bind(&e.object_type)
    .bind(&e.object_id)
    .bind(&e.portal_id)
    .bind(e.outcome.unwrap_or(Outcome::Success).as_str())
    .bind(e.details.to_string())
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// How many entries one sealing transaction chains at most.
const SEAL_BATCH: i64 = 500;

/// Chains committed pending entries onto the log, in the order they were recorded, and
/// returns how many it sealed. Only sealers take the head's row lock, and only for the few
/// milliseconds a batch takes; business transactions never wait on it. Several nodes may
/// seal at once: the lock lines them up and each sees what the previous one moved.
pub async fn seal(db: &Db) -> Result<u64, sqlx::Error> {
    let mut sealed = 0;
    loop {
        let waiting: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM audit_pending")
            .fetch_one(&db.pool)
            .await?;
        if waiting == 0 {
            return Ok(sealed);
        }
        let mut tx = db.begin().await?;
        let head = sqlx::query("UPDATE audit_head SET seq = seq WHERE id = 1 RETURNING seq, hash")
            .fetch_one(&mut *tx)
            .await?;
        let mut seq: i64 = head.try_get("seq")?;
        let mut prev_hash: String = head.try_get("hash")?;
        let pending = sqlx::query(
            "SELECT id, at, actor_id, ip, user_agent, action, object_type, object_id, \
             portal_id, outcome, details FROM audit_pending ORDER BY id LIMIT $1",
        )
        .bind(SEAL_BATCH)
        .fetch_all(&mut *tx)
        .await?;
        if pending.is_empty() {
            tx.rollback().await?;
            return Ok(sealed);
        }
        let mut ids = Vec::with_capacity(pending.len());
        for r in &pending {
            seq += 1;
            let mut entry = Entry::with_content_of(r, seq, prev_hash, String::new())?;
            entry.hash = entry.expected_hash();
            insert_sealed(&mut tx, &entry).await?;
            ids.push(r.try_get::<String, _>("id")?);
            prev_hash = entry.hash;
        }
        let mut done = Sql::new("DELETE FROM audit_pending WHERE id IN ");
        done.bind_list(&ids);
        done.query().execute(&mut *tx).await?;
        sqlx::query("UPDATE audit_head SET seq = $1, hash = $2 WHERE id = 1")
            .bind(seq)
            .bind(&prev_hash)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        sealed += pending.len() as u64;
        if (pending.len() as i64) < SEAL_BATCH {
            return Ok(sealed);
        }
    }
}

async fn insert_sealed(conn: &mut AnyConnection, entry: &Entry) -> Result<(), sqlx::Error> {
    sqlx::query(concat!(
        "INSERT INTO audit_log (",
        entry_columns!(),
        ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)"
    ))
    .bind(entry.seq)
    .bind(entry.at)
    .bind(&entry.actor_id)
    .bind(&entry.ip)
    .bind(&entry.user_agent)
    .bind(&entry.action)
    .bind(&entry.object_type)
    .bind(&entry.object_id)
    .bind(&entry.portal_id)
    .bind(&entry.outcome)
    .bind(&entry.details)
    .bind(&entry.prev_hash)
    .bind(&entry.hash)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Entries recorded but not yet chained.
pub async fn pending_count(conn: &mut AnyConnection) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT COUNT(*) FROM audit_pending")
        .fetch_one(&mut *conn)
        .await
}

/// Filters for listing entries, newest first.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub actor_id: Option<String>,
    pub action: Option<String>,
    pub outcome: Option<String>,
    pub before_seq: Option<i64>,
    pub since: Option<Micros>,
    pub until: Option<Micros>,
}

/// Sealed entries matching `filter` within `scope`, newest first, at most `limit`. The WHERE
/// clause names only the filters given.
pub async fn list(
    conn: &mut AnyConnection,
    scope: CompanyScope,
    filter: &Filter,
    limit: i64,
) -> Result<Vec<Entry>, sqlx::Error> {
    let mut sql = Sql::new(concat!(
        "SELECT ",
        entry_columns!(),
        " FROM audit_log WHERE 1 = 1"
    ));
    scope.restrict(&mut sql);
    if let Some(actor) = &filter.actor_id {
        sql.push(" AND actor_id = ").bind(actor);
    }
    if let Some(action) = &filter.action {
        sql.push(" AND action = ").bind(action);
    }
    if let Some(outcome) = &filter.outcome {
        sql.push(" AND outcome = ").bind(outcome);
    }
    if let Some(before) = filter.before_seq {
        sql.push(" AND seq < ").bind(before);
    }
    if let Some(since) = filter.since {
        sql.push(" AND at >= ").bind(since);
    }
    if let Some(until) = filter.until {
        sql.push(" AND at < ").bind(until);
    }
    sql.push(" ORDER BY seq DESC LIMIT ").bind(limit);
    let rows = sql.query().fetch_all(&mut *conn).await?;
    rows.iter().map(Entry::from_row).collect()
}

/// The result of checking the chain.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Verification {
    /// Entries checked.
    pub checked: i64,
    /// The first entry whose hash or link does not hold, if any.
    pub first_broken_seq: Option<i64>,
    /// Entries recorded but not yet sealed into the chain (sealing runs moments after).
    pub pending: i64,
}

/// Recomputes the chain from the first entry, in pages, and reports the first break.
pub async fn verify(conn: &mut AnyConnection) -> Result<Verification, sqlx::Error> {
    let mut prev_hash = GENESIS_HASH.to_owned();
    let mut expected_seq = 1;
    let mut checked = 0;
    loop {
        let rows = sqlx::query(concat!(
            "SELECT ",
            entry_columns!(),
            " FROM audit_log WHERE seq >= $1 ORDER BY seq LIMIT 1000"
        ))
        .bind(expected_seq)
        .fetch_all(&mut *conn)
        .await?;
        if rows.is_empty() {
            break;
        }
        for r in &rows {
            let e = Entry::from_row(r)?;
            checked += 1;
            if e.seq != expected_seq || e.prev_hash != prev_hash || e.hash != e.expected_hash() {
                return Ok(Verification {
                    checked,
                    first_broken_seq: Some(expected_seq.min(e.seq)),
                    pending: pending_count(conn).await?,
                });
            }
            prev_hash = e.hash;
            expected_seq += 1;
        }
    }
    let head: (i64, String) = {
        let r = sqlx::query("SELECT seq, hash FROM audit_head WHERE id = 1")
            .fetch_one(&mut *conn)
            .await?;
        (r.try_get("seq")?, r.try_get("hash")?)
    };
    // Entries cut from the end leave the head pointing past the last one.
    if head.0 != expected_seq - 1 || head.1 != prev_hash {
        return Ok(Verification {
            checked,
            first_broken_seq: Some(expected_seq),
            pending: pending_count(conn).await?,
        });
    }
    Ok(Verification {
        checked,
        first_broken_seq: None,
        pending: pending_count(conn).await?,
    })
}
