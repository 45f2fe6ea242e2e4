//! Partner tiers and where each partner account stands: the tier it reached, a tier set by
//! hand, and its won results over a trailing window.

use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use crate::time::{self, Micros};

/// A tier as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TierRow {
    pub id: String,
    pub name: String,
    pub rank: i64,
    pub min_won_minor: i64,
    pub min_won_deals: i64,
    pub currency: String,
    pub protection_days: Option<i64>,
}

fn tier_row(r: &AnyRow) -> Result<TierRow, sqlx::Error> {
    Ok(TierRow {
        id: r.try_get("id")?,
        name: r.try_get("name")?,
        rank: r.try_get("rank")?,
        min_won_minor: r.try_get("min_won_minor")?,
        min_won_deals: r.try_get("min_won_deals")?,
        currency: r.try_get("currency")?,
        protection_days: r.try_get("protection_days")?,
    })
}

/// Every tier, lowest rank first.
pub async fn list(conn: &mut AnyConnection) -> Result<Vec<TierRow>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT id, name, rank, min_won_minor, min_won_deals, currency, protection_days \
         FROM partner_tiers ORDER BY rank, id",
    )
    .fetch_all(&mut *conn)
    .await?;
    rows.iter().map(tier_row).collect()
}

/// One tier.
pub async fn get(conn: &mut AnyConnection, id: &str) -> Result<Option<TierRow>, sqlx::Error> {
    let row = sqlx::query(
        "SELECT id, name, rank, min_won_minor, min_won_deals, currency, protection_days \
         FROM partner_tiers WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?;
    row.as_ref().map(tier_row).transpose()
}

/// Which of a tier's unique values another tier than `except` holds: (name, rank).
pub async fn taken(
    conn: &mut AnyConnection,
    name: &str,
    rank: i64,
    except: Option<&str>,
) -> Result<(bool, bool), sqlx::Error> {
    let row = sqlx::query(
        "SELECT CAST(COALESCE(SUM(CASE WHEN name = $1 THEN 1 ELSE 0 END), 0) AS BIGINT) AS names, \
         CAST(COALESCE(SUM(CASE WHEN rank = $2 THEN 1 ELSE 0 END), 0) AS BIGINT) AS ranks \
         FROM partner_tiers WHERE id <> $3",
    )
    .bind(name)
    .bind(rank)
    .bind(except.unwrap_or(""))
    .fetch_one(&mut *conn)
    .await?;
    Ok((
        row.try_get::<i64, _>("names")? > 0,
        row.try_get::<i64, _>("ranks")? > 0,
    ))
}

/// Stores a new tier and returns its id.
pub async fn insert(conn: &mut AnyConnection, t: &TierRow) -> Result<String, sqlx::Error> {
    let id = uuid::Uuid::now_v7().to_string();
    sqlx::query(
        "INSERT INTO partner_tiers (id, name, rank, min_won_minor, min_won_deals, currency, \
         protection_days, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)",
    )
    .bind(&id)
    .bind(&t.name)
    .bind(t.rank)
    .bind(t.min_won_minor)
    .bind(t.min_won_deals)
    .bind(&t.currency)
    .bind(t.protection_days)
    .bind(time::now())
    .execute(&mut *conn)
    .await?;
    Ok(id)
}

/// Stores a changed tier.
pub async fn update(conn: &mut AnyConnection, t: &TierRow) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE partner_tiers SET name = $1, rank = $2, min_won_minor = $3, min_won_deals = $4, \
         currency = $5, protection_days = $6, updated_at = $7 WHERE id = $8",
    )
    .bind(&t.name)
    .bind(t.rank)
    .bind(t.min_won_minor)
    .bind(t.min_won_deals)
    .bind(&t.currency)
    .bind(t.protection_days)
    .bind(time::now())
    .bind(&t.id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// How many accounts and commission rates refer to a tier.
pub async fn uses(conn: &mut AnyConnection, id: &str) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT (SELECT COUNT(*) FROM accounts WHERE tier_id = $1 OR tier_override_id = $1) + \
         (SELECT COUNT(*) FROM commission_rates WHERE tier_id = $1)",
    )
    .bind(id)
    .fetch_one(&mut *conn)
    .await
}

/// Deletes a tier.
pub async fn delete(conn: &mut AnyConnection, id: &str) -> Result<bool, sqlx::Error> {
    let done = sqlx::query("DELETE FROM partner_tiers WHERE id = $1")
        .bind(id)
        .execute(&mut *conn)
        .await?;
    Ok(done.rows_affected() > 0)
}

/// A partner account's tier fields.
#[derive(Debug, Clone)]
pub struct Standing {
    pub account_id: String,
    pub tier_id: Option<String>,
    pub tier_override_id: Option<String>,
    pub tier_changed_at: Option<Micros>,
}

fn standing(r: &AnyRow) -> Result<Standing, sqlx::Error> {
    Ok(Standing {
        account_id: r.try_get("id")?,
        tier_id: r.try_get("tier_id")?,
        tier_override_id: r.try_get("tier_override_id")?,
        tier_changed_at: r.try_get("tier_changed_at")?,
    })
}

/// One partner account's standing; `None` when it is not a partner account.
pub async fn standing_of(
    conn: &mut AnyConnection,
    account_id: &str,
) -> Result<Option<Standing>, sqlx::Error> {
    let row = sqlx::query(
        "SELECT id, tier_id, tier_override_id, tier_changed_at FROM accounts \
         WHERE id = $1 AND kind = 'partner'",
    )
    .bind(account_id)
    .fetch_optional(&mut *conn)
    .await?;
    row.as_ref().map(standing).transpose()
}

/// Every partner account's standing.
pub async fn partner_standings(conn: &mut AnyConnection) -> Result<Vec<Standing>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT id, tier_id, tier_override_id, tier_changed_at FROM accounts \
         WHERE kind = 'partner' ORDER BY id",
    )
    .fetch_all(&mut *conn)
    .await?;
    rows.iter().map(standing).collect()
}

/// Won results of partner accounts since `since`: (account, currency, deals, amount) per
/// currency of the won deals they are linked to (any role); a deal without an amount has
/// no currency and counts as a deal only.
pub async fn won_since(
    conn: &mut AnyConnection,
    account_id: Option<&str>,
    since: Micros,
) -> Result<Vec<(String, Option<String>, i64, i64)>, sqlx::Error> {
    let mut sql = crate::storage::Sql::new(
        "SELECT p.account_id, d.currency, COUNT(*) AS deals, \
         CAST(COALESCE(SUM(d.amount_minor), 0) AS BIGINT) AS won \
         FROM deal_partners p JOIN deals d ON d.id = p.deal_id \
         JOIN pipeline_stages s ON s.id = d.stage_id \
         WHERE s.category = 'won' AND d.closed_at >= ",
    );
    sql.bind(since);
    if let Some(a) = account_id {
        sql.push(" AND p.account_id = ").bind(a);
    }
    sql.push(" GROUP BY p.account_id, d.currency ORDER BY p.account_id");
    let rows = sql.query().fetch_all(&mut *conn).await?;
    rows.iter()
        .map(|r| {
            Ok((
                r.try_get("account_id")?,
                r.try_get("currency")?,
                r.try_get("deals")?,
                r.try_get("won")?,
            ))
        })
        .collect()
}

/// Records the tier an account reached.
pub async fn set_tier(
    conn: &mut AnyConnection,
    account_id: &str,
    tier_id: &str,
) -> Result<(), sqlx::Error> {
    let now = time::now();
    sqlx::query("UPDATE accounts SET tier_id = $1, tier_changed_at = $2 WHERE id = $3")
        .bind(tier_id)
        .bind(now)
        .bind(account_id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Holds an account at a tier (`None`: by its results again).
pub async fn set_override(
    conn: &mut AnyConnection,
    account_id: &str,
    tier_id: Option<&str>,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE accounts SET tier_override_id = $1, tier_changed_at = $2 WHERE id = $3")
        .bind(tier_id)
        .bind(time::now())
        .bind(account_id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}
