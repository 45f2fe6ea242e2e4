//! Accounts: the customer and partner organisations external users belong to.

use portcullis_shared::PortalKind;
use sqlx::Row;

use crate::db::Db;
use crate::time;

/// An account to create.
#[derive(Debug, Clone)]
pub struct NewAccount {
    pub kind: PortalKind,
    pub name: String,
    pub domain: Option<String>,
    pub region: Option<String>,
}

/// An account's name and kind.
#[derive(Debug, Clone)]
pub struct AccountRow {
    pub id: String,
    pub name: String,
    pub kind: PortalKind,
}

/// Creates an account and returns its id.
pub async fn insert(db: &Db, a: &NewAccount) -> Result<String, sqlx::Error> {
    let id = uuid::Uuid::now_v7().to_string();
    sqlx::query(
        "INSERT INTO accounts (id, kind, name, domain, region, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $6)",
    )
    .bind(&id)
    .bind(a.kind.as_str())
    .bind(&a.name)
    .bind(&a.domain)
    .bind(&a.region)
    .bind(time::now())
    .execute(&db.pool)
    .await?;
    Ok(id)
}

/// An account by name (demo seeding looks accounts up this way).
pub async fn find_id_by_name(db: &Db, name: &str) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar("SELECT id FROM accounts WHERE name = $1")
        .bind(name)
        .fetch_optional(&db.pool)
        .await
}

/// An account by id.
pub async fn find_by_id(db: &Db, id: &str) -> Result<Option<AccountRow>, sqlx::Error> {
    let row = sqlx::query("SELECT id, name, kind FROM accounts WHERE id = $1")
        .bind(id)
        .fetch_optional(&db.pool)
        .await?;
    row.map(|r| {
        let kind: String = r.try_get("kind")?;
        Ok(AccountRow {
            id: r.try_get("id")?,
            name: r.try_get("name")?,
            kind: PortalKind::parse(&kind).unwrap_or(PortalKind::Customer),
        })
    })
    .transpose()
}
