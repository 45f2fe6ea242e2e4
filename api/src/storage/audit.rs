//! The audit log: append-only (enforced by triggers), and tamper-evident: each entry's hash
//! covers the previous entry's hash and its own content, so editing, deleting or reordering
//! any entry breaks the chain from that point on.

use sha2::{Digest, Sha256};
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::db::Db;
use crate::storage::Scope;
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
        Ok(Entry {
            seq: r.try_get("seq")?,
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
            prev_hash: r.try_get("prev_hash")?,
            hash: r.try_get("hash")?,
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

/// Appends an entry. The head row is locked for the transaction, so concurrent appends (from
/// any node) line up one behind the other.
pub async fn append(db: &Db, e: NewEntry) -> Result<i64, sqlx::Error> {
    let mut tx = db.pool.begin().await?;
    let head = sqlx::query("UPDATE audit_head SET seq = seq + 1 WHERE id = 1 RETURNING seq, hash")
        .fetch_one(&mut *tx)
        .await?;
    let mut entry = Entry {
        seq: head.try_get("seq")?,
        at: time::now(),
        actor_id: e.actor_id,
        ip: e.ip,
        user_agent: e.user_agent,
        action: e.action,
        object_type: e.object_type,
        object_id: e.object_id,
        portal_id: e.portal_id,
        outcome: e.outcome.unwrap_or(Outcome::Success).as_str().to_owned(),
        details: e.details.to_string(),
        prev_hash: head.try_get("hash")?,
        hash: String::new(),
    };
    entry.hash = entry.expected_hash();
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
    .execute(&mut *tx)
    .await?;
    sqlx::query("UPDATE audit_head SET hash = $1 WHERE id = 1")
        .bind(&entry.hash)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(entry.seq)
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

/// Entries matching `filter`, newest first, at most `limit`; only for a scope that reaches
/// the whole company.
pub async fn list(
    db: &Db,
    scope: &Scope,
    filter: &Filter,
    limit: i64,
) -> Result<Vec<Entry>, sqlx::Error> {
    if !scope.whole_company() {
        return Ok(Vec::new());
    }
    let rows = sqlx::query(concat!(
        "SELECT ",
        entry_columns!(),
        " FROM audit_log WHERE ($1 IS NULL OR actor_id = $1) AND ($2 IS NULL OR action = $2) \
         AND ($3 IS NULL OR outcome = $3) AND ($4 IS NULL OR seq < $4) \
         AND ($5 IS NULL OR at >= $5) AND ($6 IS NULL OR at < $6) \
         ORDER BY seq DESC LIMIT $7"
    ))
    .bind(&filter.actor_id)
    .bind(&filter.action)
    .bind(&filter.outcome)
    .bind(filter.before_seq)
    .bind(filter.since)
    .bind(filter.until)
    .bind(limit)
    .fetch_all(&db.pool)
    .await?;
    rows.iter().map(Entry::from_row).collect()
}

/// The result of checking the chain.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Verification {
    /// Entries checked.
    pub checked: i64,
    /// The first entry whose hash or link does not hold, if any.
    pub first_broken_seq: Option<i64>,
}

/// Recomputes the chain from the first entry, in pages, and reports the first break.
pub async fn verify(db: &Db) -> Result<Verification, sqlx::Error> {
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
        .fetch_all(&db.pool)
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
                });
            }
            prev_hash = e.hash;
            expected_seq += 1;
        }
    }
    let head: (i64, String) = {
        let r = sqlx::query("SELECT seq, hash FROM audit_head WHERE id = 1")
            .fetch_one(&db.pool)
            .await?;
        (r.try_get("seq")?, r.try_get("hash")?)
    };
    // Entries cut from the end leave the head pointing past the last one.
    if head.0 != expected_seq - 1 || head.1 != prev_hash {
        return Ok(Verification {
            checked,
            first_broken_seq: Some(expected_seq),
        });
    }
    Ok(Verification {
        checked,
        first_broken_seq: None,
    })
}
