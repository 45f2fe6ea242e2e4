//! Accounts: the customer and partner organisations external users belong to.

use portcullis_shared::PortalKind;
use portcullis_shared::admin::Account;
use portcullis_shared::deals::PartnerDealVisibility;
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::storage::{AccountScope, Sql};
use crate::time;
use sqlx::AnyConnection;

/// An account to create.
#[derive(Debug, Clone)]
pub struct NewAccount {
    pub kind: PortalKind,
    pub name: String,
    pub domain: Option<String>,
    pub region: Option<String>,
    pub parent_id: Option<String>,
    pub owner_user_id: Option<String>,
    pub partner_deal_visibility: PartnerDealVisibility,
}

/// An account's name and kind.
#[derive(Debug, Clone)]
pub struct AccountRow {
    pub id: String,
    pub name: String,
    pub kind: PortalKind,
}

/// Creates an account and returns its id.
pub async fn insert(conn: &mut AnyConnection, a: &NewAccount) -> Result<String, sqlx::Error> {
    let id = uuid::Uuid::now_v7().to_string();
    sqlx::query(
        "INSERT INTO accounts (id, kind, name, domain, region, parent_id, owner_user_id, \
         created_at, updated_at, partner_deal_visibility, tier_id) \
         VALUES ($1, $2, $3, $4, $5, $7, $8, $6, $6, $9, \
         CASE WHEN $2 = 'partner' THEN (SELECT id FROM partner_tiers ORDER BY rank LIMIT 1) END)",
    )
    .bind(&id)
    .bind(a.kind.as_str())
    .bind(&a.name)
    .bind(&a.domain)
    .bind(&a.region)
    .bind(time::now())
    .bind(&a.parent_id)
    .bind(&a.owner_user_id)
    .bind(a.partner_deal_visibility.as_str())
    .execute(&mut *conn)
    .await?;
    Ok(id)
}

/// An account's name.
pub async fn name_of(conn: &mut AnyConnection, id: &str) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar("SELECT name FROM accounts WHERE id = $1")
        .bind(id)
        .fetch_optional(&mut *conn)
        .await
}

/// An account's region.
pub async fn region_of(conn: &mut AnyConnection, id: &str) -> Result<Option<String>, sqlx::Error> {
    Ok(
        sqlx::query_scalar::<_, Option<String>>("SELECT region FROM accounts WHERE id = $1")
            .bind(id)
            .fetch_optional(&mut *conn)
            .await?
            .flatten(),
    )
}

/// An account by name (demo seeding looks accounts up this way).
pub async fn find_id_by_name(
    conn: &mut AnyConnection,
    name: &str,
) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar("SELECT id FROM accounts WHERE name = $1")
        .bind(name)
        .fetch_optional(&mut *conn)
        .await
}

/// An account by id.
pub async fn find_by_id(
    conn: &mut AnyConnection,
    id: &str,
) -> Result<Option<AccountRow>, sqlx::Error> {
    let row = sqlx::query("SELECT id, name, kind FROM accounts WHERE id = $1")
        .bind(id)
        .fetch_optional(&mut *conn)
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

fn account_from_row(r: &AnyRow) -> Result<Account, sqlx::Error> {
    let kind: String = r.try_get("kind")?;
    Ok(Account {
        id: r.try_get("id")?,
        kind: PortalKind::parse(&kind).unwrap_or(PortalKind::Customer),
        name: r.try_get("name")?,
        domain: r.try_get("domain")?,
        region: r.try_get("region")?,
        parent_id: r.try_get("parent_id")?,
        owner_user_id: r.try_get("owner_user_id")?,
        partner_deal_visibility: PartnerDealVisibility::parse(
            &r.try_get::<String, _>("partner_deal_visibility")?,
        )
        .unwrap_or(PartnerDealVisibility::Organisation),
    })
}

/// An account within `scope`, whole.
pub async fn get(
    conn: &mut AnyConnection,
    scope: &AccountScope,
    id: &str,
) -> Result<Option<Account>, sqlx::Error> {
    let mut sql = Sql::new(
        "SELECT id, kind, name, domain, region, parent_id, owner_user_id, partner_deal_visibility \
         FROM accounts WHERE id = ",
    );
    sql.bind(id);
    scope.restrict(&mut sql, "id");
    sql.query()
        .fetch_optional(&mut *conn)
        .await?
        .map(|r| account_from_row(&r))
        .transpose()
}

/// Accounts within `scope` after `cursor` (ids are time-ordered), optionally of one kind.
pub async fn list(
    conn: &mut AnyConnection,
    scope: &AccountScope,
    kind: Option<PortalKind>,
    cursor: Option<&str>,
    limit: i64,
) -> Result<Vec<Account>, sqlx::Error> {
    let mut sql = Sql::new(
        "SELECT id, kind, name, domain, region, parent_id, owner_user_id, partner_deal_visibility \
         FROM accounts WHERE 1 = 1",
    );
    scope.restrict(&mut sql, "id");
    if let Some(kind) = kind {
        sql.push(" AND kind = ").bind(kind.as_str());
    }
    if let Some(cursor) = cursor {
        sql.push(" AND id > ").bind(cursor);
    }
    sql.push(" ORDER BY id LIMIT ").bind(limit);
    sql.query()
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(account_from_row)
        .collect()
}

/// Replaces an account's editable fields.
pub async fn update(
    conn: &mut AnyConnection,
    id: &str,
    a: &NewAccount,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE accounts SET name = $1, domain = $2, region = $3, parent_id = $4, \
         owner_user_id = $5, updated_at = $6, partner_deal_visibility = $8 WHERE id = $7",
    )
    .bind(&a.name)
    .bind(&a.domain)
    .bind(&a.region)
    .bind(&a.parent_id)
    .bind(&a.owner_user_id)
    .bind(time::now())
    .bind(id)
    .bind(a.partner_deal_visibility.as_str())
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected() == 1)
}
