//! Commissions, the plans and overrides their rates come from, and payouts.
//!
//! Which commissions a caller may read is decided in `app::commissions` as one partner
//! account (`CommissionScope`); every read here takes it, so another account's commission or
//! payout is not found.

use portcullis_shared::commissions::CommissionStatus;
use portcullis_shared::deals::{PartnerRole, StageCategory};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use crate::storage::Sql;
use crate::time::{self, Micros};

/// The commissions a caller may read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CommissionScope {
    /// One partner account's (its administrators and users, or staff naming it).
    Account(String),
    /// One partner account's on the deals the user is responsible for (partner users of an
    /// organisation set to "own deals only"); its payouts without other deals' lines.
    Responsible { account: String, user: String },
    /// Every account's (staff running the programme).
    All,
}

impl CommissionScope {
    /// The one partner account of the scope, if it names one.
    pub fn account(&self) -> Option<&str> {
        match self {
            CommissionScope::Account(a) | CommissionScope::Responsible { account: a, .. } => {
                Some(a)
            }
            CommissionScope::All => None,
        }
    }

    /// Appends ` AND <column> = …` for a scope naming an account (payouts).
    fn restrict_account(&self, sql: &mut Sql, column: &'static str) {
        if let Some(a) = self.account() {
            sql.push(" AND ").push(column).push(" = ").bind(a);
        }
    }

    /// Appends the predicate limiting the commission aliased `c` to this scope.
    fn restrict(&self, sql: &mut Sql) {
        self.restrict_account(sql, "c.account_id");
        if let CommissionScope::Responsible { user, .. } = self {
            sql.push(
                " AND EXISTS (SELECT 1 FROM deal_partners rp WHERE rp.deal_id = c.deal_id \
                 AND rp.account_id = c.account_id AND rp.partner_user_id = ",
            )
            .bind(user)
            .push(")");
        }
    }
}

// ---------------------------------------------------------------------------------------
// A deal as its commissions see it

/// The deal's stage, amount and name, and the position of the pipeline's last open stage.
#[derive(Debug, Clone)]
pub struct DealState {
    pub name: String,
    pub category: StageCategory,
    pub position: i64,
    pub last_open_position: i64,
    pub amount_minor: Option<i64>,
    pub currency: Option<String>,
}

/// The state of one deal.
pub async fn deal_state(
    conn: &mut AnyConnection,
    deal_id: &str,
) -> Result<Option<DealState>, sqlx::Error> {
    let row = sqlx::query(
        "SELECT d.name, s.category, s.position, d.amount_minor, d.currency, \
         (SELECT CAST(COALESCE(MAX(o.position), 0) AS BIGINT) FROM pipeline_stages o \
          WHERE o.category = 'open') AS last_open \
         FROM deals d JOIN pipeline_stages s ON s.id = d.stage_id WHERE d.id = $1",
    )
    .bind(deal_id)
    .fetch_optional(&mut *conn)
    .await?;
    row.map(|r| {
        Ok(DealState {
            name: r.try_get("name")?,
            category: StageCategory::parse(&r.try_get::<String, _>("category")?)
                .unwrap_or(StageCategory::Open),
            position: r.try_get("position")?,
            last_open_position: r.try_get("last_open")?,
            amount_minor: r.try_get("amount_minor")?,
            currency: r.try_get("currency")?,
        })
    })
    .transpose()
}

/// A partner link of a deal: account, role, responsible user.
#[derive(Debug, Clone)]
pub struct Link {
    pub account_id: String,
    pub role: PartnerRole,
    pub partner_user_id: Option<String>,
}

/// The partner links of a deal.
pub async fn links(conn: &mut AnyConnection, deal_id: &str) -> Result<Vec<Link>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT account_id, role, partner_user_id FROM deal_partners WHERE deal_id = $1 \
         ORDER BY account_id",
    )
    .bind(deal_id)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(Link {
                account_id: r.try_get("account_id")?,
                role: PartnerRole::parse(&r.try_get::<String, _>("role")?)
                    .unwrap_or(PartnerRole::Influenced),
                partner_user_id: r.try_get("partner_user_id")?,
            })
        })
        .collect()
}

// ---------------------------------------------------------------------------------------
// Commissions

/// A commission as stored, with its deal's name.
#[derive(Debug, Clone)]
pub struct CommissionRow {
    pub id: String,
    pub deal_id: String,
    pub deal_name: String,
    pub account_id: String,
    pub role: PartnerRole,
    pub status: CommissionStatus,
    pub base_minor: i64,
    pub currency: String,
    pub rate_bps: i64,
    pub amount_minor: i64,
    pub earned_at: Option<Micros>,
    pub paid_at: Option<Micros>,
    pub payout_id: Option<String>,
    pub clawed_back_at: Option<Micros>,
    pub created_at: Micros,
    pub updated_at: Micros,
}

const COLUMNS: &str = "c.id, c.deal_id, d.name AS deal_name, c.account_id, c.role, c.status, \
     c.base_minor, c.currency, c.rate_bps, c.amount_minor, c.earned_at, c.paid_at, c.payout_id, \
     c.clawed_back_at, c.created_at, c.updated_at FROM commissions c JOIN deals d ON d.id = c.deal_id";

fn commission_row(r: &AnyRow) -> Result<CommissionRow, sqlx::Error> {
    Ok(CommissionRow {
        id: r.try_get("id")?,
        deal_id: r.try_get("deal_id")?,
        deal_name: r.try_get("deal_name")?,
        account_id: r.try_get("account_id")?,
        role: PartnerRole::parse(&r.try_get::<String, _>("role")?)
            .unwrap_or(PartnerRole::Influenced),
        status: CommissionStatus::parse(&r.try_get::<String, _>("status")?)
            .unwrap_or(CommissionStatus::Pending),
        base_minor: r.try_get("base_minor")?,
        currency: r.try_get("currency")?,
        rate_bps: r.try_get("rate_bps")?,
        amount_minor: r.try_get("amount_minor")?,
        earned_at: r.try_get("earned_at")?,
        paid_at: r.try_get("paid_at")?,
        payout_id: r.try_get("payout_id")?,
        clawed_back_at: r.try_get("clawed_back_at")?,
        created_at: r.try_get("created_at")?,
        updated_at: r.try_get("updated_at")?,
    })
}

/// A deal's live (not clawed back) commissions.
pub async fn live_of_deal(
    conn: &mut AnyConnection,
    deal_id: &str,
) -> Result<Vec<CommissionRow>, sqlx::Error> {
    let mut sql = Sql::new("SELECT ");
    sql.push(COLUMNS)
        .push(" WHERE c.deal_id = ")
        .bind(deal_id)
        .push(" AND c.status <> 'clawed_back' ORDER BY c.account_id");
    let rows = sql.query().fetch_all(&mut *conn).await?;
    rows.iter().map(commission_row).collect()
}

/// The figures a commission is computed from.
#[derive(Debug, Clone)]
pub struct Figures<'a> {
    pub role: PartnerRole,
    pub base_minor: i64,
    pub currency: &'a str,
    pub rate_bps: i64,
    pub amount_minor: i64,
}

/// Stores a live commission in `status` (pending or earned) and returns its id.
pub async fn insert(
    conn: &mut AnyConnection,
    deal_id: &str,
    account_id: &str,
    status: CommissionStatus,
    f: &Figures<'_>,
) -> Result<String, sqlx::Error> {
    let id = uuid::Uuid::now_v7().to_string();
    let now = time::now();
    let earned_at = (status == CommissionStatus::Earned).then_some(now);
    sqlx::query(
        "INSERT INTO commissions (id, deal_id, account_id, role, status, base_minor, currency, \
         rate_bps, amount_minor, earned_at, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11)",
    )
    .bind(&id)
    .bind(deal_id)
    .bind(account_id)
    .bind(f.role.as_str())
    .bind(status.as_str())
    .bind(f.base_minor)
    .bind(f.currency)
    .bind(f.rate_bps)
    .bind(f.amount_minor)
    .bind(earned_at)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    Ok(id)
}

/// Brings a live commission's figures up to date; `earn` also makes it earned now.
/// Returns whether anything changed.
pub async fn refresh(
    conn: &mut AnyConnection,
    id: &str,
    f: &Figures<'_>,
    earn: bool,
) -> Result<bool, sqlx::Error> {
    let now = time::now();
    let mut sql = Sql::new("UPDATE commissions SET role = ");
    sql.bind(f.role.as_str())
        .push(", base_minor = ")
        .bind(f.base_minor)
        .push(", currency = ")
        .bind(f.currency)
        .push(", rate_bps = ")
        .bind(f.rate_bps)
        .push(", amount_minor = ")
        .bind(f.amount_minor)
        .push(", updated_at = ")
        .bind(now);
    if earn {
        sql.push(", status = 'earned', earned_at = ").bind(now);
    }
    sql.push(" WHERE id = ").bind(id);
    if !earn {
        // Only a real change touches the row, so a recompute of an unchanged deal is a no-op.
        sql.push(" AND (role <> ")
            .bind(f.role.as_str())
            .push(" OR base_minor <> ")
            .bind(f.base_minor)
            .push(" OR currency <> ")
            .bind(f.currency)
            .push(" OR rate_bps <> ")
            .bind(f.rate_bps)
            .push(")");
    }
    Ok(sql.query().execute(&mut *conn).await?.rows_affected() > 0)
}

/// Removes a pending commission (it was never owed).
pub async fn remove_pending(conn: &mut AnyConnection, id: &str) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM commissions WHERE id = $1 AND status = 'pending'")
        .bind(id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Claws back an earned or paid commission.
pub async fn claw_back(conn: &mut AnyConnection, id: &str) -> Result<(), sqlx::Error> {
    let now = time::now();
    sqlx::query(
        "UPDATE commissions SET status = 'clawed_back', clawed_back_at = $1, updated_at = $1 \
         WHERE id = $2 AND status IN ('earned', 'paid')",
    )
    .bind(now)
    .bind(id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Filters of a commission list.
#[derive(Debug, Clone, Default)]
pub struct CommissionFilter {
    pub status: Option<CommissionStatus>,
}

/// Commissions within `scope`, newest first, after `cursor` (an id), at most `limit` + 1.
pub async fn list(
    conn: &mut AnyConnection,
    scope: &CommissionScope,
    filter: &CommissionFilter,
    cursor: Option<&str>,
    limit: i64,
) -> Result<Vec<CommissionRow>, sqlx::Error> {
    let mut sql = Sql::new("SELECT ");
    sql.push(COLUMNS).push(" WHERE 1 = 1");
    scope.restrict(&mut sql);
    if let Some(s) = filter.status {
        sql.push(" AND c.status = ").bind(s.as_str());
    }
    if let Some(c) = cursor {
        sql.push(" AND c.id < ").bind(c);
    }
    sql.push(" ORDER BY c.id DESC LIMIT ").bind(limit + 1);
    let rows = sql.query().fetch_all(&mut *conn).await?;
    rows.iter().map(commission_row).collect()
}

/// One commission within `scope`.
pub async fn get(
    conn: &mut AnyConnection,
    scope: &CommissionScope,
    id: &str,
) -> Result<Option<CommissionRow>, sqlx::Error> {
    let mut sql = Sql::new("SELECT ");
    sql.push(COLUMNS).push(" WHERE c.id = ").bind(id);
    scope.restrict(&mut sql);
    let row = sql.query().fetch_optional(&mut *conn).await?;
    row.as_ref().map(commission_row).transpose()
}

/// Commissions by id within `scope`.
pub async fn by_ids(
    conn: &mut AnyConnection,
    scope: &CommissionScope,
    ids: &[String],
) -> Result<Vec<CommissionRow>, sqlx::Error> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut sql = Sql::new("SELECT ");
    sql.push(COLUMNS).push(" WHERE c.id IN ").bind_list(ids);
    scope.restrict(&mut sql);
    let rows = sql.query().fetch_all(&mut *conn).await?;
    rows.iter().map(commission_row).collect()
}

/// One line of an account's totals: the sum of its commissions in `currency` and `status`,
/// split by whether a payout settled them.
#[derive(Debug, Clone)]
pub struct TotalRow {
    pub currency: String,
    pub status: CommissionStatus,
    pub was_paid: bool,
    pub total: i64,
}

/// The commission sums within `scope` by currency, status and whether paid.
pub async fn totals(
    conn: &mut AnyConnection,
    scope: &CommissionScope,
) -> Result<Vec<TotalRow>, sqlx::Error> {
    let mut sql = Sql::new(
        "SELECT c.currency, c.status, CASE WHEN c.paid_at IS NULL THEN 0 ELSE 1 END AS was_paid, \
         CAST(COALESCE(SUM(c.amount_minor), 0) AS BIGINT) AS total FROM commissions c WHERE 1 = 1",
    );
    scope.restrict(&mut sql);
    sql.push(
        " GROUP BY c.currency, c.status, CASE WHEN c.paid_at IS NULL THEN 0 ELSE 1 END \
         ORDER BY c.currency",
    );
    let rows = sql.query().fetch_all(&mut *conn).await?;
    rows.iter()
        .map(|r| {
            Ok(TotalRow {
                currency: r.try_get("currency")?,
                status: CommissionStatus::parse(&r.try_get::<String, _>("status")?)
                    .unwrap_or(CommissionStatus::Pending),
                was_paid: r.try_get::<i64, _>("was_paid")? != 0,
                total: r.try_get("total")?,
            })
        })
        .collect()
}

/// The commissions within `scope` earned or clawed back between `from` and `to`
/// (inclusive microseconds).
pub async fn with_events_between(
    conn: &mut AnyConnection,
    scope: &CommissionScope,
    from: Micros,
    to: Micros,
) -> Result<Vec<CommissionRow>, sqlx::Error> {
    let mut sql = Sql::new("SELECT ");
    sql.push(COLUMNS).push(" WHERE 1 = 1");
    scope.restrict(&mut sql);
    sql.push(" AND ((c.earned_at >= ")
        .bind(from)
        .push(" AND c.earned_at <= ")
        .bind(to)
        .push(") OR (c.clawed_back_at >= ")
        .bind(from)
        .push(" AND c.clawed_back_at <= ")
        .bind(to)
        .push(")) ORDER BY c.id");
    let rows = sql.query().fetch_all(&mut *conn).await?;
    rows.iter().map(commission_row).collect()
}

/// An open deal the account is linked to, with an amount.
#[derive(Debug, Clone)]
pub struct OpenDeal {
    pub deal_id: String,
    pub deal_name: String,
    pub stage: String,
    pub probability: i64,
    pub role: PartnerRole,
    pub amount_minor: i64,
    pub currency: String,
}

/// The open deals with an amount that the account of `scope` is linked to (for a
/// responsible user: those they are responsible for).
pub async fn open_pipeline(
    conn: &mut AnyConnection,
    scope: &CommissionScope,
) -> Result<Vec<OpenDeal>, sqlx::Error> {
    let mut sql = Sql::new(
        "SELECT d.id, d.name, s.name AS stage, s.probability, p.role, d.amount_minor, d.currency \
         FROM deal_partners p JOIN deals d ON d.id = p.deal_id \
         JOIN pipeline_stages s ON s.id = d.stage_id \
         WHERE s.category = 'open' AND d.amount_minor IS NOT NULL AND p.account_id = ",
    );
    sql.bind(scope.account().unwrap_or(""));
    if let CommissionScope::Responsible { user, .. } = scope {
        sql.push(" AND p.partner_user_id = ").bind(user);
    }
    sql.push(" ORDER BY s.position DESC, d.id");
    let rows = sql.query().fetch_all(&mut *conn).await?;
    rows.iter()
        .map(|r| {
            Ok(OpenDeal {
                deal_id: r.try_get("id")?,
                deal_name: r.try_get("name")?,
                stage: r.try_get("stage")?,
                probability: r.try_get("probability")?,
                role: PartnerRole::parse(&r.try_get::<String, _>("role")?)
                    .unwrap_or(PartnerRole::Influenced),
                amount_minor: r.try_get("amount_minor")?,
                currency: r.try_get("currency")?,
            })
        })
        .collect()
}

// ---------------------------------------------------------------------------------------
// Payouts

/// A payout as stored.
#[derive(Debug, Clone)]
pub struct PayoutRow {
    pub id: String,
    pub account_id: String,
    pub amount_minor: i64,
    pub currency: String,
    pub paid_on: String,
    pub reference: String,
    pub created_at: Micros,
}

fn payout_row(r: &AnyRow) -> Result<PayoutRow, sqlx::Error> {
    Ok(PayoutRow {
        id: r.try_get("id")?,
        account_id: r.try_get("account_id")?,
        amount_minor: r.try_get("amount_minor")?,
        currency: r.try_get("currency")?,
        paid_on: r.try_get("paid_on")?,
        reference: r.try_get("reference")?,
        created_at: r.try_get("created_at")?,
    })
}

/// A payout to store.
#[derive(Debug, Clone)]
pub struct NewPayout<'a> {
    pub account_id: &'a str,
    pub amount_minor: i64,
    pub currency: &'a str,
    pub paid_on: &'a str,
    pub reference: &'a str,
    pub recorded_by: &'a str,
}

/// Stores a payout and marks `commission_ids` (earned ones of its account) paid by it.
/// Returns the payout's id, or `None` when a commission was no longer earned (a concurrent
/// payout took it).
pub async fn insert_payout(
    conn: &mut AnyConnection,
    p: &NewPayout<'_>,
    commission_ids: &[String],
) -> Result<Option<String>, sqlx::Error> {
    let id = uuid::Uuid::now_v7().to_string();
    let now = time::now();
    sqlx::query(
        "INSERT INTO commission_payouts (id, account_id, amount_minor, currency, paid_on, \
         reference, recorded_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(&id)
    .bind(p.account_id)
    .bind(p.amount_minor)
    .bind(p.currency)
    .bind(p.paid_on)
    .bind(p.reference)
    .bind(p.recorded_by)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    let mut sql = Sql::new("UPDATE commissions SET status = 'paid', paid_at = ");
    sql.bind(now)
        .push(", payout_id = ")
        .bind(&id)
        .push(", updated_at = ")
        .bind(now)
        .push(" WHERE status = 'earned' AND account_id = ")
        .bind(p.account_id)
        .push(" AND id IN ")
        .bind_list(commission_ids);
    let done = sql.query().execute(&mut *conn).await?;
    Ok((done.rows_affected() == commission_ids.len() as u64).then_some(id))
}

/// Payouts within `scope`, newest first.
pub async fn payouts(
    conn: &mut AnyConnection,
    scope: &CommissionScope,
    limit: i64,
) -> Result<Vec<PayoutRow>, sqlx::Error> {
    let mut sql = Sql::new(
        "SELECT id, account_id, amount_minor, currency, paid_on, reference, created_at \
         FROM commission_payouts WHERE 1 = 1",
    );
    scope.restrict_account(&mut sql, "account_id");
    sql.push(" ORDER BY paid_on DESC, id DESC LIMIT ")
        .bind(limit);
    let rows = sql.query().fetch_all(&mut *conn).await?;
    rows.iter().map(payout_row).collect()
}

/// An account's payouts paid between two dates (YYYY-MM-DD, inclusive), oldest first.
pub async fn payouts_between(
    conn: &mut AnyConnection,
    account_id: &str,
    from: &str,
    to: &str,
) -> Result<Vec<PayoutRow>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT id, account_id, amount_minor, currency, paid_on, reference, created_at \
         FROM commission_payouts WHERE account_id = $1 AND paid_on >= $2 AND paid_on <= $3 \
         ORDER BY paid_on, id",
    )
    .bind(account_id)
    .bind(from)
    .bind(to)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter().map(payout_row).collect()
}

/// One payout within `scope`.
pub async fn payout(
    conn: &mut AnyConnection,
    scope: &CommissionScope,
    id: &str,
) -> Result<Option<PayoutRow>, sqlx::Error> {
    let mut sql = Sql::new(
        "SELECT id, account_id, amount_minor, currency, paid_on, reference, created_at \
         FROM commission_payouts WHERE id = ",
    );
    sql.bind(id);
    scope.restrict_account(&mut sql, "account_id");
    let row = sql.query().fetch_optional(&mut *conn).await?;
    row.as_ref().map(payout_row).transpose()
}

/// The commissions within `scope` settled by any of `payout_ids`.
pub async fn paid_by(
    conn: &mut AnyConnection,
    scope: &CommissionScope,
    payout_ids: &[String],
) -> Result<Vec<CommissionRow>, sqlx::Error> {
    if payout_ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut sql = Sql::new("SELECT ");
    sql.push(COLUMNS)
        .push(" WHERE c.payout_id IN ")
        .bind_list(payout_ids);
    scope.restrict(&mut sql);
    sql.push(" ORDER BY c.id");
    let rows = sql.query().fetch_all(&mut *conn).await?;
    rows.iter().map(commission_row).collect()
}

// ---------------------------------------------------------------------------------------
// Plans, rates and overrides

/// A plan as stored.
#[derive(Debug, Clone)]
pub struct PlanRow {
    pub id: String,
    pub name: String,
    pub is_default: bool,
}

/// A plan's rate as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RateRow {
    pub plan_id: String,
    pub role: PartnerRole,
    pub tier_id: Option<String>,
    pub rate_bps: i64,
}

fn plan_row(r: &AnyRow) -> Result<PlanRow, sqlx::Error> {
    Ok(PlanRow {
        id: r.try_get("id")?,
        name: r.try_get("name")?,
        is_default: r.try_get::<i64, _>("is_default")? != 0,
    })
}

/// Every plan, the default first.
pub async fn plans(conn: &mut AnyConnection) -> Result<Vec<PlanRow>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT id, name, is_default FROM commission_plans ORDER BY is_default DESC, name, id",
    )
    .fetch_all(&mut *conn)
    .await?;
    rows.iter().map(plan_row).collect()
}

/// One plan.
pub async fn plan(conn: &mut AnyConnection, id: &str) -> Result<Option<PlanRow>, sqlx::Error> {
    let row = sqlx::query("SELECT id, name, is_default FROM commission_plans WHERE id = $1")
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?;
    row.as_ref().map(plan_row).transpose()
}

/// Whether another plan than `except` is named `name`.
pub async fn plan_name_taken(
    conn: &mut AnyConnection,
    name: &str,
    except: Option<&str>,
) -> Result<bool, sqlx::Error> {
    let n: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM commission_plans WHERE name = $1 AND id <> $2")
            .bind(name)
            .bind(except.unwrap_or(""))
            .fetch_one(&mut *conn)
            .await?;
    Ok(n > 0)
}

/// Every rate of every plan.
pub async fn rates(conn: &mut AnyConnection) -> Result<Vec<RateRow>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT plan_id, role, tier_id, rate_bps FROM commission_rates \
         ORDER BY plan_id, role, tier_id",
    )
    .fetch_all(&mut *conn)
    .await?;
    rows.iter().map(rate_row).collect()
}

fn rate_row(r: &AnyRow) -> Result<RateRow, sqlx::Error> {
    Ok(RateRow {
        plan_id: r.try_get("plan_id")?,
        role: PartnerRole::parse(&r.try_get::<String, _>("role")?)
            .unwrap_or(PartnerRole::Influenced),
        tier_id: r.try_get("tier_id")?,
        rate_bps: r.try_get("rate_bps")?,
    })
}

/// The rates of one plan.
pub async fn rates_of(
    conn: &mut AnyConnection,
    plan_id: &str,
) -> Result<Vec<RateRow>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT plan_id, role, tier_id, rate_bps FROM commission_rates WHERE plan_id = $1 \
         ORDER BY role, tier_id",
    )
    .bind(plan_id)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter().map(rate_row).collect()
}

/// Takes the default from every plan (before another becomes it).
pub async fn clear_default(conn: &mut AnyConnection) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE commission_plans SET is_default = 0 WHERE is_default = 1")
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Stores a new plan and returns its id.
pub async fn insert_plan(
    conn: &mut AnyConnection,
    name: &str,
    is_default: bool,
) -> Result<String, sqlx::Error> {
    let id = uuid::Uuid::now_v7().to_string();
    sqlx::query(
        "INSERT INTO commission_plans (id, name, is_default, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $4)",
    )
    .bind(&id)
    .bind(name)
    .bind(i64::from(is_default))
    .bind(time::now())
    .execute(&mut *conn)
    .await?;
    Ok(id)
}

/// Stores a plan's name and default flag.
pub async fn update_plan(conn: &mut AnyConnection, p: &PlanRow) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE commission_plans SET name = $1, is_default = $2, updated_at = $3 WHERE id = $4",
    )
    .bind(&p.name)
    .bind(i64::from(p.is_default))
    .bind(time::now())
    .bind(&p.id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Replaces every rate of a plan.
pub async fn replace_rates(
    conn: &mut AnyConnection,
    plan_id: &str,
    rates: &[RateRow],
) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM commission_rates WHERE plan_id = $1")
        .bind(plan_id)
        .execute(&mut *conn)
        .await?;
    for r in rates {
        sqlx::query(
            "INSERT INTO commission_rates (id, plan_id, role, tier_id, rate_bps) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(uuid::Uuid::now_v7().to_string())
        .bind(plan_id)
        .bind(r.role.as_str())
        .bind(r.tier_id.as_deref())
        .bind(r.rate_bps)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// A partner account's place in the programme: its plan (or the default) and the tier in
/// force (the override, else the computed one).
#[derive(Debug, Clone)]
pub struct Programme {
    pub plan_id: String,
    pub plan_name: String,
    pub tier_id: Option<String>,
    pub tier_name: Option<String>,
}

/// The programme of a partner account; `None` when it is not a partner account.
pub async fn programme(
    conn: &mut AnyConnection,
    account_id: &str,
) -> Result<Option<Programme>, sqlx::Error> {
    let row = sqlx::query(
        "SELECT p.id AS plan_id, p.name AS plan_name, t.id AS tier_id, t.name AS tier_name \
         FROM accounts a \
         JOIN commission_plans p ON p.id = COALESCE(a.commission_plan_id, \
              (SELECT d.id FROM commission_plans d WHERE d.is_default = 1)) \
         LEFT JOIN partner_tiers t ON t.id = COALESCE(a.tier_override_id, a.tier_id) \
         WHERE a.id = $1 AND a.kind = 'partner'",
    )
    .bind(account_id)
    .fetch_optional(&mut *conn)
    .await?;
    row.map(|r| {
        Ok(Programme {
            plan_id: r.try_get("plan_id")?,
            plan_name: r.try_get("plan_name")?,
            tier_id: r.try_get("tier_id")?,
            tier_name: r.try_get("tier_name")?,
        })
    })
    .transpose()
}

/// A partner account's rate overrides, by role.
pub async fn overrides(
    conn: &mut AnyConnection,
    account_id: &str,
) -> Result<Vec<(PartnerRole, i64)>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT role, rate_bps FROM commission_overrides WHERE account_id = $1 ORDER BY role",
    )
    .bind(account_id)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|r| {
            Ok((
                PartnerRole::parse(&r.try_get::<String, _>("role")?)
                    .unwrap_or(PartnerRole::Influenced),
                r.try_get("rate_bps")?,
            ))
        })
        .collect()
}

/// Sets an account's override for a role.
pub async fn set_override(
    conn: &mut AnyConnection,
    account_id: &str,
    role: PartnerRole,
    rate_bps: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO commission_overrides (account_id, role, rate_bps, updated_at) \
         VALUES ($1, $2, $3, $4) ON CONFLICT (account_id, role) \
         DO UPDATE SET rate_bps = excluded.rate_bps, updated_at = excluded.updated_at",
    )
    .bind(account_id)
    .bind(role.as_str())
    .bind(rate_bps)
    .bind(time::now())
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Clears an account's override for a role; `false` when there was none.
pub async fn clear_override(
    conn: &mut AnyConnection,
    account_id: &str,
    role: PartnerRole,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query("DELETE FROM commission_overrides WHERE account_id = $1 AND role = $2")
        .bind(account_id)
        .bind(role.as_str())
        .execute(&mut *conn)
        .await?;
    Ok(done.rows_affected() > 0)
}

/// Puts a partner account on a plan (`None`: the default).
pub async fn set_account_plan(
    conn: &mut AnyConnection,
    account_id: &str,
    plan_id: Option<&str>,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE accounts SET commission_plan_id = $1, updated_at = $2 WHERE id = $3")
        .bind(plan_id)
        .bind(time::now())
        .bind(account_id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// The deals with a pending commission (of one account, or of any), so that a rate change
/// reaches what is still expected.
pub async fn deals_with_pending(
    conn: &mut AnyConnection,
    account_id: Option<&str>,
) -> Result<Vec<String>, sqlx::Error> {
    let mut sql = Sql::new("SELECT DISTINCT deal_id FROM commissions WHERE status = 'pending'");
    if let Some(a) = account_id {
        sql.push(" AND account_id = ").bind(a);
    }
    sql.push(" ORDER BY deal_id");
    let rows = sql.query().fetch_all(&mut *conn).await?;
    rows.iter().map(|r| r.try_get("deal_id")).collect()
}
