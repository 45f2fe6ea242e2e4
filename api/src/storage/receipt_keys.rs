//! The Ed25519 keys that sign receipts (migration 0010).
//!
//! The secret key is stored in the database as it is (base64url of its 32-byte seed), so
//! whoever can read the database can sign receipts; wrapping it under a master key, as files
//! are, is future work.
//!
//! Ids are generations, `rk-000001` then `rk-000002`: two nodes that make the same
//! generation at once collide on the primary key, one insert wins, and both read the winner
//! back, so there is never more than one current key.

use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use crate::time::Micros;

/// A receipt key as stored.
#[derive(Clone, PartialEq, Eq)]
pub struct ReceiptKeyRow {
    pub id: String,
    /// base64url of the 32-byte public key.
    pub public_key: String,
    /// base64url of the 32-byte secret seed; empty when read for publication.
    pub secret_key: String,
    pub created_at: Micros,
    pub retired_at: Option<Micros>,
}

impl std::fmt::Debug for ReceiptKeyRow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReceiptKeyRow")
            .field("id", &self.id)
            .field("public_key", &self.public_key)
            .field("created_at", &self.created_at)
            .field("retired_at", &self.retired_at)
            .finish_non_exhaustive()
    }
}

/// The id of generation `n`.
pub fn generation_id(n: u32) -> String {
    format!("rk-{n:06}")
}

/// The generation an id names, if it is one.
pub fn generation_of(id: &str) -> Option<u32> {
    id.strip_prefix("rk-")?.parse().ok()
}

fn row(r: &AnyRow, with_secret: bool) -> Result<ReceiptKeyRow, sqlx::Error> {
    Ok(ReceiptKeyRow {
        id: r.try_get("id")?,
        public_key: r.try_get("public_key")?,
        secret_key: if with_secret {
            r.try_get("secret_key")?
        } else {
            String::new()
        },
        created_at: r.try_get("created_at")?,
        retired_at: r.try_get("retired_at")?,
    })
}

/// The key that signs new receipts: the newest unretired one, with its secret.
pub async fn current(conn: &mut AnyConnection) -> Result<Option<ReceiptKeyRow>, sqlx::Error> {
    let r = sqlx::query(
        "SELECT id, public_key, secret_key, created_at, retired_at FROM receipt_keys \
         WHERE retired_at IS NULL ORDER BY id DESC LIMIT 1",
    )
    .fetch_optional(&mut *conn)
    .await?;
    r.as_ref().map(|r| row(r, true)).transpose()
}

/// Every key, newest first, without secrets.
pub async fn published(conn: &mut AnyConnection) -> Result<Vec<ReceiptKeyRow>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT id, public_key, created_at, retired_at FROM receipt_keys ORDER BY id DESC",
    )
    .fetch_all(&mut *conn)
    .await?;
    rows.iter().map(|r| row(r, false)).collect()
}

/// The newest key, retired or not, with its secret: read in one statement, so a transaction
/// deciding whether to make a key sees one state of the table.
pub async fn newest(conn: &mut AnyConnection) -> Result<Option<ReceiptKeyRow>, sqlx::Error> {
    let r = sqlx::query(
        "SELECT id, public_key, secret_key, created_at, retired_at FROM receipt_keys \
         ORDER BY id DESC LIMIT 1",
    )
    .fetch_optional(&mut *conn)
    .await?;
    r.as_ref().map(|r| row(r, true)).transpose()
}

/// The newest generation made so far, retired or not; 0 before the first key.
pub async fn newest_generation(conn: &mut AnyConnection) -> Result<u32, sqlx::Error> {
    let id: Option<String> =
        sqlx::query_scalar("SELECT id FROM receipt_keys ORDER BY id DESC LIMIT 1")
            .fetch_optional(&mut *conn)
            .await?;
    Ok(id.as_deref().and_then(generation_of).unwrap_or(0))
}

/// Stores a new key unless its id (generation) exists already; whether it was stored.
pub async fn insert_if_absent(
    conn: &mut AnyConnection,
    key: &ReceiptKeyRow,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "INSERT INTO receipt_keys (id, public_key, secret_key, created_at) \
         VALUES ($1, $2, $3, $4) ON CONFLICT (id) DO NOTHING",
    )
    .bind(&key.id)
    .bind(&key.public_key)
    .bind(&key.secret_key)
    .bind(key.created_at)
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Retires a key that is still current; whether it was.
pub async fn retire(conn: &mut AnyConnection, id: &str, at: Micros) -> Result<bool, sqlx::Error> {
    let done =
        sqlx::query("UPDATE receipt_keys SET retired_at = $2 WHERE id = $1 AND retired_at IS NULL")
            .bind(id)
            .bind(at)
            .execute(&mut *conn)
            .await?;
    Ok(done.rows_affected() == 1)
}
