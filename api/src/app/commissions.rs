//! Commissions: what partners earn on the deals they are linked to, from plans, tiers and
//! overrides; the lifecycle that follows each deal; payouts; and partner statements.
//!
//! **Lifecycle** (`on_deal_changed`, run in the transaction of every deal change that can
//! matter): a linked partner's commission is *pending* while the deal is at the final open
//! stage (the open stage with the highest position), kept at the current amount and rate;
//! *earned* when the deal is won (figures frozen then); *paid* when a payout settles it;
//! *clawed back* when a won deal is reopened or lost. A pending commission is removed when
//! the deal moves back to an earlier stage, loses its amount, or the partner is unlinked.
//!
//! **Rate resolution**: the account's override for the role, else its plan's (or the
//! default plan's) rate for the role and the account's tier, else the plan's rate for the
//! role and any tier, else 0.
//!
//! **Rounding**: see `domain::commissions` — base × bps / 10 000 in 128-bit integers,
//! rounded half away from zero to whole minor units.
//!
//! **Totals**: a paid commission clawed back stays in `paid` (the money went out) and is
//! also counted in `recoverable`; the balance is `earned − recoverable`, negative when the
//! partner owes the company.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use portcullis_shared::commissions::{
    AccountPlanInput, AppliedRate, Commission, CommissionPage, CommissionPlan, CommissionPlanInput,
    CommissionPlanList, CommissionPlanPatch, CommissionStatus, CommissionSummary, CommissionTotals,
    Payout, PayoutInput, PayoutLine, PayoutList, PlanRate, PlanRatesInput, ProjectedDeal,
    Projection, RateOverrideInput, RateSource, RateTable,
};
use portcullis_shared::deals::PartnerRole;
use portcullis_shared::{Currency, FieldCode, FieldError, Money, Permission};
use serde_json::json;

use crate::app::notifications::{self, Notice, Topic};
use crate::app::scope::require;
use crate::app::{Actor, App, Audit, Operator, Page, Tx, page, page_limit};
use crate::auth::Principal;
use crate::domain::commissions::{
    DealPhase, FULL_BPS, Step, commission_amount, projected_amount, step,
};
use crate::error::ApiError;
use crate::storage::commissions::{
    self as store, CommissionFilter, CommissionRow, CommissionScope, DealState, Figures, Link,
    NewPayout, PayoutRow, Programme, RateRow,
};
use crate::time::{self, Micros};

const MAX_NAME: usize = 100;
const MAX_REFERENCE: usize = 200;
const MAX_PAYOUT_LINES: usize = 500;

// ---------------------------------------------------------------------------------------
// Rates

/// The rate of each role for a partner account, and where it comes from.
fn resolve(
    programme: &Programme,
    overrides: &[(PartnerRole, i64)],
    rates: &[RateRow],
) -> Vec<AppliedRate> {
    PartnerRole::ALL
        .iter()
        .map(|&role| {
            let of_tier = |tier: Option<&str>| {
                rates
                    .iter()
                    .find(|r| r.role == role && r.tier_id.as_deref() == tier)
                    .map(|r| r.rate_bps)
            };
            let (rate_bps, source) = if let Some((_, bps)) = overrides.iter().find(|o| o.0 == role)
            {
                (*bps, RateSource::Override)
            } else if let Some(bps) = programme.tier_id.as_deref().and_then(|t| of_tier(Some(t))) {
                (bps, RateSource::Tier)
            } else if let Some(bps) = of_tier(None) {
                (bps, RateSource::Plan)
            } else {
                (0, RateSource::None)
            };
            AppliedRate {
                role,
                rate_bps,
                source,
            }
        })
        .collect()
}

/// The rate table of a partner account; `None` when it is not a partner account.
async fn rate_table(
    conn: &mut sqlx::AnyConnection,
    account_id: &str,
) -> Result<Option<RateTable>, ApiError> {
    let Some(programme) = store::programme(conn, account_id).await? else {
        return Ok(None);
    };
    let overrides = store::overrides(conn, account_id).await?;
    let rates = store::rates_of(conn, &programme.plan_id).await?;
    Ok(Some(RateTable {
        account_id: account_id.into(),
        rates: resolve(&programme, &overrides, &rates),
        plan_id: programme.plan_id.into(),
        plan_name: programme.plan_name,
        tier_id: programme.tier_id.map(Into::into),
        tier_name: programme.tier_name,
    }))
}

fn rate_of(table: &Option<RateTable>, role: PartnerRole) -> i64 {
    table
        .as_ref()
        .and_then(|t| t.rates.iter().find(|r| r.role == role))
        .map_or(0, |r| r.rate_bps)
}

// ---------------------------------------------------------------------------------------
// Lifecycle

/// Brings a deal's commissions in line with its current stage, amount and partner links.
/// Idempotent: running it again on an unchanged deal changes nothing. Called in the
/// transaction of the deal change.
pub async fn on_deal_changed(app: &App, tx: &mut Tx, deal_id: &str) -> Result<(), ApiError> {
    let Some(deal) = store::deal_state(tx, deal_id).await? else {
        return Ok(());
    };
    let phase = DealPhase::of(deal.category, deal.position, deal.last_open_position);
    let links = store::links(tx, deal_id).await?;
    let live = store::live_of_deal(tx, deal_id).await?;
    let has_amount = deal.amount_minor.is_some() && deal.currency.is_some();
    for link in &links {
        let current = live.iter().find(|c| c.account_id == link.account_id);
        let s = step(current.map(|c| c.status), phase, true, has_amount);
        apply(
            app,
            tx,
            deal_id,
            &deal,
            &link.account_id,
            Some(link),
            current,
            s,
        )
        .await?;
    }
    for c in &live {
        if links.iter().any(|l| l.account_id == c.account_id) {
            continue;
        }
        let s = step(Some(c.status), phase, false, has_amount);
        apply(app, tx, deal_id, &deal, &c.account_id, None, Some(c), s).await?;
    }
    Ok(())
}

#[allow(clippy::too_many_arguments)]
async fn apply(
    app: &App,
    tx: &mut Tx,
    deal_id: &str,
    deal: &DealState,
    account_id: &str,
    link: Option<&Link>,
    current: Option<&CommissionRow>,
    s: Step,
) -> Result<(), ApiError> {
    let figures = match (link, deal.amount_minor, deal.currency.as_deref()) {
        (Some(l), Some(base), Some(currency)) => {
            let table = rate_table(tx, account_id).await?;
            let rate_bps = rate_of(&table, l.role);
            Some((l.role, base, currency.to_owned(), rate_bps))
        }
        _ => None,
    };
    let figures = figures
        .as_ref()
        .map(|(role, base, currency, rate)| Figures {
            role: *role,
            base_minor: *base,
            currency: currency.as_str(),
            rate_bps: *rate,
            amount_minor: commission_amount(*base, *rate),
        });
    let operator = Operator::new("commissions");
    let user = link.and_then(|l| l.partner_user_id.as_deref());
    match (s, current, &figures) {
        (Step::Create(status), _, Some(f)) => {
            let id = store::insert(tx, deal_id, account_id, status, f).await?;
            if status == CommissionStatus::Earned {
                earned(app, tx, &operator, &id, deal, account_id, user, f).await?;
            }
        }
        (Step::Refresh, Some(c), Some(f)) => {
            store::refresh(tx, &c.id, f, false).await?;
        }
        (Step::Earn, Some(c), Some(f)) => {
            store::refresh(tx, &c.id, f, true).await?;
            earned(app, tx, &operator, &c.id, deal, account_id, user, f).await?;
        }
        (Step::Remove, Some(c), _) => store::remove_pending(tx, &c.id).await?,
        (Step::ClawBack | Step::ClawBackAndPend, Some(c), _) => {
            store::claw_back(tx, &c.id).await?;
            tx.audit(
                Audit::new(Actor::Operator(&operator), "commission.claw_back")
                    .object("commission", c.id.clone())
                    .details(json!({
                        "deal_id": deal_id, "account_id": account_id,
                        "amount_minor": c.amount_minor, "currency": c.currency,
                        "was_paid": c.status == CommissionStatus::Paid,
                    })),
            )
            .await?;
            let amount = money_text(c.amount_minor, &c.currency);
            notifications::to_partner(
                app,
                tx,
                account_id,
                user,
                &Notice {
                    kind: "commission.clawed_back",
                    topic: Topic::DealUpdates,
                    title: format!("Commission clawed back on {}", deal.name),
                    body: format!(
                        "The commission of {amount} on {} was clawed back: the deal is no longer won.",
                        deal.name
                    ),
                    link: format!("/commissions/{}", c.id),
                },
            )
            .await?;
            if let (Step::ClawBackAndPend, Some(f)) = (s, &figures) {
                store::insert(tx, deal_id, account_id, CommissionStatus::Pending, f).await?;
            }
        }
        _ => {}
    }
    Ok(())
}

#[allow(clippy::too_many_arguments)]
async fn earned(
    app: &App,
    tx: &mut Tx,
    operator: &Operator,
    id: &str,
    deal: &DealState,
    account_id: &str,
    user: Option<&str>,
    f: &Figures<'_>,
) -> Result<(), ApiError> {
    tx.audit(
        Audit::new(Actor::Operator(operator), "commission.earn")
            .object("commission", id)
            .details(json!({
                "account_id": account_id, "amount_minor": f.amount_minor,
                "currency": f.currency, "rate_bps": f.rate_bps,
            })),
    )
    .await?;
    let amount = money_text(f.amount_minor, f.currency);
    notifications::to_partner(
        app,
        tx,
        account_id,
        user,
        &Notice {
            kind: "commission.earned",
            topic: Topic::DealUpdates,
            title: format!("Commission earned on {}", deal.name),
            body: format!(
                "{} is won: you earned {amount} ({} bps).",
                deal.name, f.rate_bps
            ),
            link: format!("/commissions/{id}"),
        },
    )
    .await
}

/// Refreshes the pending commissions of an account (or of every account) after its rates
/// changed.
pub(crate) async fn refresh_pending(
    app: &App,
    tx: &mut Tx,
    account_id: Option<&str>,
) -> Result<(), ApiError> {
    for deal in store::deals_with_pending(tx, account_id).await? {
        on_deal_changed(app, tx, &deal).await?;
    }
    Ok(())
}

fn money_text(minor: i64, currency: &str) -> String {
    match Currency::parse(currency) {
        Some(c) => format!("{} {}", c.code(), Money::new(minor, c).decimal()),
        None => format!("{currency} {minor}"),
    }
}

fn money(minor: i64, currency: &str) -> Money {
    Money::new(minor, Currency::parse(currency).unwrap_or(Currency::USD))
}

// ---------------------------------------------------------------------------------------
// Partner reads

/// The one account a figure is about: a partner's own, or the one staff name.
fn one_account(scope: &CommissionScope) -> Result<&str, ApiError> {
    scope
        .account()
        .ok_or_else(|| ApiError::field("account", FieldCode::Required, "name the partner account"))
}

/// The partner account of `scope`, which must exist and be a partner account.
async fn partner_account(
    conn: &mut sqlx::AnyConnection,
    scope: &CommissionScope,
) -> Result<(String, Programme), ApiError> {
    let account = one_account(scope)?.to_owned();
    let programme = store::programme(conn, &account)
        .await?
        .ok_or(ApiError::NotFound)?;
    Ok((account, programme))
}

fn commission_dto(c: CommissionRow) -> Commission {
    Commission {
        base: money(c.base_minor, &c.currency),
        amount: money(c.amount_minor, &c.currency),
        id: c.id.into(),
        account_id: c.account_id.into(),
        deal_id: c.deal_id.into(),
        deal_name: c.deal_name,
        role: c.role,
        status: c.status,
        rate_bps: c.rate_bps,
        earned_at: c.earned_at.map(time::to_rfc3339),
        paid_at: c.paid_at.map(time::to_rfc3339),
        payout_id: c.payout_id.map(Into::into),
        clawed_back_at: c.clawed_back_at.map(time::to_rfc3339),
        created_at: time::to_rfc3339(c.created_at),
        updated_at: time::to_rfc3339(c.updated_at),
    }
}

/// A partner account's totals by currency (see the module's note on clawbacks).
pub async fn summary(
    app: &App,
    p: &Principal,
    account: Option<&str>,
) -> Result<CommissionSummary, ApiError> {
    let scope = require::partner_figures(p, Permission::ViewCommissions, account)?;
    let mut conn = app.read().await?;
    let (account, _) = partner_account(&mut conn, &scope).await?;
    let mut by_currency: BTreeMap<String, CommissionTotals> = BTreeMap::new();
    for row in store::totals(&mut conn, &scope).await? {
        let Some(currency) = Currency::parse(&row.currency) else {
            continue;
        };
        let t = by_currency
            .entry(row.currency.clone())
            .or_insert(CommissionTotals {
                currency,
                pending: 0,
                earned: 0,
                paid: 0,
                clawed_back: 0,
                recoverable: 0,
                balance: 0,
            });
        match row.status {
            CommissionStatus::Pending => t.pending += row.total,
            CommissionStatus::Earned => t.earned += row.total,
            CommissionStatus::Paid => t.paid += row.total,
            CommissionStatus::ClawedBack => {
                t.clawed_back += row.total;
                if row.was_paid {
                    t.paid += row.total;
                    t.recoverable += row.total;
                }
            }
        }
    }
    let totals = by_currency
        .into_values()
        .map(|mut t| {
            t.balance = t.earned - t.recoverable;
            t
        })
        .collect();
    Ok(CommissionSummary {
        account_id: account.into(),
        totals,
    })
}

/// Filters and page of a commission list.
#[derive(Debug, Clone, Default)]
pub struct CommissionQuery {
    pub account: Option<String>,
    pub status: Option<CommissionStatus>,
    pub cursor: Option<String>,
    pub limit: Option<i64>,
}

/// Commissions, newest first: a partner's own, or (staff) any account's.
pub async fn list(
    app: &App,
    p: &Principal,
    q: CommissionQuery,
) -> Result<CommissionPage, ApiError> {
    let scope = require::partner_figures(p, Permission::ViewCommissions, q.account.as_deref())?;
    known_account(app, &scope).await?;
    list_in(app, &scope, q).await
}

/// An account named by staff must be a partner account (404 otherwise).
async fn known_account(app: &App, scope: &CommissionScope) -> Result<(), ApiError> {
    if let Some(a) = scope.account() {
        let mut conn = app.read().await?;
        store::programme(&mut conn, a)
            .await?
            .ok_or(ApiError::NotFound)?;
    }
    Ok(())
}

/// Every partner's commissions, for those running the programme.
pub async fn list_all(
    app: &App,
    p: &Principal,
    q: CommissionQuery,
) -> Result<CommissionPage, ApiError> {
    require::run_programme(p)?;
    let scope = match &q.account {
        Some(a) => CommissionScope::Account(a.clone()),
        None => CommissionScope::All,
    };
    list_in(app, &scope, q).await
}

async fn list_in(
    app: &App,
    scope: &CommissionScope,
    q: CommissionQuery,
) -> Result<CommissionPage, ApiError> {
    let limit = page_limit(q.limit);
    let mut conn = app.read().await?;
    let rows = store::list(
        &mut conn,
        scope,
        &CommissionFilter { status: q.status },
        q.cursor.as_deref(),
        limit,
    )
    .await?;
    let Page { items, next_cursor } = page(rows, limit, |c| c.id.clone());
    Ok(CommissionPage {
        items: items.into_iter().map(commission_dto).collect(),
        next_cursor,
    })
}

/// One commission: a partner's own (another account's answers 404), any for staff.
pub async fn get(app: &App, p: &Principal, id: &str) -> Result<Commission, ApiError> {
    let scope = require::partner_figures(p, Permission::ViewCommissions, None)?;
    let mut conn = app.read().await?;
    store::get(&mut conn, &scope, id)
        .await?
        .map(commission_dto)
        .ok_or(ApiError::NotFound)
}

/// Payouts with the commissions each paid that `scope` reaches.
async fn payout_dtos(
    conn: &mut sqlx::AnyConnection,
    scope: &CommissionScope,
    rows: Vec<PayoutRow>,
) -> Result<Vec<Payout>, ApiError> {
    let ids: Vec<String> = rows.iter().map(|r| r.id.clone()).collect();
    let lines = store::paid_by(conn, scope, &ids).await?;
    Ok(rows
        .into_iter()
        .map(|r| Payout {
            commissions: lines
                .iter()
                .filter(|c| c.payout_id.as_deref() == Some(r.id.as_str()))
                .map(|c| PayoutLine {
                    commission_id: c.id.clone().into(),
                    deal_id: c.deal_id.clone().into(),
                    deal_name: c.deal_name.clone(),
                    amount: money(c.amount_minor, &c.currency),
                })
                .collect(),
            amount: money(r.amount_minor, &r.currency),
            id: r.id.into(),
            account_id: r.account_id.into(),
            paid_on: r.paid_on,
            reference: r.reference,
            created_at: time::to_rfc3339(r.created_at),
        })
        .collect())
}

/// Payouts, newest first, with the deals each paid: a partner's own; staff any account's.
pub async fn payouts(
    app: &App,
    p: &Principal,
    account: Option<&str>,
) -> Result<PayoutList, ApiError> {
    let scope = require::partner_figures(p, Permission::ViewCommissions, account)?;
    known_account(app, &scope).await?;
    payouts_in(app, &scope).await
}

/// Every partner's payouts, for those running the programme.
pub async fn payouts_all(
    app: &App,
    p: &Principal,
    account: Option<&str>,
) -> Result<PayoutList, ApiError> {
    require::run_programme(p)?;
    let scope = match account {
        Some(a) => CommissionScope::Account(a.to_owned()),
        None => CommissionScope::All,
    };
    payouts_in(app, &scope).await
}

async fn payouts_in(app: &App, scope: &CommissionScope) -> Result<PayoutList, ApiError> {
    let mut conn = app.read().await?;
    let rows = store::payouts(&mut conn, scope, 200).await?;
    Ok(PayoutList {
        items: payout_dtos(&mut conn, scope, rows).await?,
    })
}

/// One payout: a partner's own (another account's answers 404), any for staff.
pub async fn payout(app: &App, p: &Principal, id: &str) -> Result<Payout, ApiError> {
    let scope = require::partner_figures(p, Permission::ViewCommissions, None)?;
    let mut conn = app.read().await?;
    let row = store::payout(&mut conn, &scope, id)
        .await?
        .ok_or(ApiError::NotFound)?;
    payout_dtos(&mut conn, &scope, vec![row])
        .await?
        .pop()
        .ok_or(ApiError::NotFound)
}

/// The rates that apply to a partner account.
pub async fn rates(app: &App, p: &Principal, account: Option<&str>) -> Result<RateTable, ApiError> {
    let scope = require::partner_figures(p, Permission::ViewCommissions, account)?;
    let mut conn = app.read().await?;
    let account = one_account(&scope)?;
    rate_table(&mut conn, account)
        .await?
        .ok_or(ApiError::NotFound)
}

/// Expected earnings: each open linked deal with an amount × its stage's probability × the
/// partner's rate for its role, rounded once per deal; totals per currency.
pub async fn projection(
    app: &App,
    p: &Principal,
    account: Option<&str>,
) -> Result<Projection, ApiError> {
    let scope = require::partner_figures(p, Permission::ViewCommissions, account)?;
    let mut conn = app.read().await?;
    let account = one_account(&scope)?.to_owned();
    let table = rate_table(&mut conn, &account)
        .await?
        .ok_or(ApiError::NotFound)?;
    let table = Some(table);
    let mut deals = Vec::new();
    let mut totals: BTreeMap<&'static str, Money> = BTreeMap::new();
    for d in store::open_pipeline(&mut conn, &scope).await? {
        let Some(currency) = Currency::parse(&d.currency) else {
            continue;
        };
        let rate_bps = rate_of(&table, d.role);
        let projected = Money::new(
            projected_amount(d.amount_minor, d.probability, rate_bps),
            currency,
        );
        let total = totals
            .entry(currency.code())
            .or_insert(Money::new(0, currency));
        total.minor = total.minor.saturating_add(projected.minor);
        deals.push(ProjectedDeal {
            deal_id: d.deal_id.into(),
            deal_name: d.deal_name,
            stage: d.stage,
            probability: d.probability,
            role: d.role,
            amount: Money::new(d.amount_minor, currency),
            rate_bps,
            projected,
        });
    }
    Ok(Projection {
        account_id: account.into(),
        deals,
        totals: totals.into_values().collect(),
    })
}

// ---------------------------------------------------------------------------------------
// Statements

/// One line of a statement.
struct StatementLine {
    date: String,
    kind: &'static str,
    deal: String,
    role: String,
    rate_bps: Option<i64>,
    amount: Money,
    reference: String,
}

/// A statement: the account's name, the period, and what happened in it.
struct Statement {
    account_name: String,
    from: String,
    to: String,
    lines: Vec<StatementLine>,
}

fn parse_date(field: &str, value: &str, errors: &mut Vec<FieldError>) -> Option<NaiveDate> {
    match NaiveDate::parse_from_str(value.trim(), "%Y-%m-%d") {
        Ok(d) => Some(d),
        Err(_) => {
            errors.push(FieldError::new(
                field,
                FieldCode::InvalidFormat,
                "must be a date as YYYY-MM-DD",
            ));
            None
        }
    }
}

fn day_start(d: NaiveDate) -> Micros {
    d.and_hms_opt(0, 0, 0)
        .map_or(0, |t| t.and_utc().timestamp_micros())
}

fn date_of(micros: Micros) -> String {
    time::to_rfc3339(micros).chars().take(10).collect()
}

async fn statement(
    app: &App,
    p: &Principal,
    account: Option<&str>,
    from: &str,
    to: &str,
    format: &str,
) -> Result<Statement, ApiError> {
    let scope = require::export_statements(p, account)?;
    let mut errors = Vec::new();
    let from_d = parse_date("from", from, &mut errors);
    let to_d = parse_date("to", to, &mut errors);
    if let (Some(f), Some(t)) = (from_d, to_d)
        && f > t
    {
        errors.push(FieldError::new(
            "to",
            FieldCode::OutOfRange,
            "must be on or after from",
        ));
    }
    let (Some(from_d), Some(to_d)) = (from_d, to_d) else {
        return Err(ApiError::Validation(errors));
    };
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let mut tx = app.begin().await?;
    let (account, _) = partner_account(&mut tx, &scope).await?;
    let start = day_start(from_d);
    let end = day_start(to_d.succ_opt().unwrap_or(to_d)) - 1;
    let (from, to) = (from_d.to_string(), to_d.to_string());
    let mut lines = Vec::new();
    for c in store::with_events_between(&mut tx, &scope, start, end).await? {
        let amount = money(c.amount_minor, &c.currency);
        if let Some(at) = c.earned_at.filter(|t| (start..=end).contains(t)) {
            lines.push(StatementLine {
                date: date_of(at),
                kind: "earned",
                deal: c.deal_name.clone(),
                role: c.role.as_str().to_owned(),
                rate_bps: Some(c.rate_bps),
                amount,
                reference: String::new(),
            });
        }
        if let Some(at) = c.clawed_back_at.filter(|t| (start..=end).contains(t)) {
            lines.push(StatementLine {
                date: date_of(at),
                kind: "clawed_back",
                deal: c.deal_name.clone(),
                role: c.role.as_str().to_owned(),
                rate_bps: Some(c.rate_bps),
                amount: Money::new(-amount.minor, amount.currency),
                reference: String::new(),
            });
        }
    }
    for r in store::payouts_between(&mut tx, &account, &from, &to).await? {
        lines.push(StatementLine {
            date: r.paid_on.clone(),
            kind: "payout",
            deal: String::new(),
            role: String::new(),
            rate_bps: None,
            amount: money(r.amount_minor, &r.currency),
            reference: r.reference,
        });
    }
    lines.sort_by(|a, b| a.date.cmp(&b.date));
    let account_name = crate::storage::accounts::name_of(&mut tx, &account)
        .await?
        .unwrap_or_default();
    tx.audit(
        Audit::new(Actor::User(p), "commission.statement.export")
            .object("account", account.clone())
            .details(json!({ "from": from, "to": to, "format": format, "lines": lines.len() })),
    )
    .await?;
    tx.commit().await?;
    Ok(Statement {
        account_name,
        from,
        to,
        lines,
    })
}

/// A statement as CSV: `date, type, deal, role, rate_bps, currency, amount, amount_minor,
/// reference`, one line per commission earned, commission clawed back (negative) and payout
/// in the period.
pub async fn statement_csv(
    app: &App,
    p: &Principal,
    account: Option<&str>,
    from: &str,
    to: &str,
) -> Result<Vec<u8>, ApiError> {
    let s = statement(app, p, account, from, to, "csv").await?;
    let mut w = csv::Writer::from_writer(Vec::new());
    let io = |e: csv::Error| ApiError::Internal(anyhow::Error::new(e).context("writing the CSV"));
    w.write_record([
        "date",
        "type",
        "deal",
        "role",
        "rate_bps",
        "currency",
        "amount",
        "amount_minor",
        "reference",
    ])
    .map_err(io)?;
    for l in &s.lines {
        w.write_record([
            l.date.clone(),
            l.kind.to_owned(),
            l.deal.clone(),
            l.role.clone(),
            l.rate_bps.map(|r| r.to_string()).unwrap_or_default(),
            l.amount.currency.code().to_owned(),
            l.amount.decimal(),
            l.amount.minor.to_string(),
            l.reference.clone(),
        ])
        .map_err(io)?;
    }
    w.into_inner()
        .map_err(|e| ApiError::Internal(anyhow::anyhow!("finishing the CSV: {e}")))
}

/// A statement as a PDF: the same lines as the CSV, with totals per currency.
pub async fn statement_pdf(
    app: &App,
    p: &Principal,
    account: Option<&str>,
    from: &str,
    to: &str,
) -> Result<Vec<u8>, ApiError> {
    let s = statement(app, p, account, from, to, "pdf").await?;
    let mut text = vec![
        format!("Commission statement - {}", s.account_name),
        format!("Period {} to {}", s.from, s.to),
        String::new(),
    ];
    let mut totals: BTreeMap<&'static str, Money> = BTreeMap::new();
    for l in &s.lines {
        let rate = l.rate_bps.map(|r| format!("{r} bps")).unwrap_or_default();
        text.push(format!(
            "{}  {:<12} {:<30} {:<10} {:>9} {:>16} {}",
            l.date,
            l.kind,
            l.deal.chars().take(30).collect::<String>(),
            l.role,
            rate,
            format!("{} {}", l.amount.currency.code(), l.amount.decimal()),
            l.reference.chars().take(30).collect::<String>()
        ));
        if l.kind != "payout" {
            let t = totals
                .entry(l.amount.currency.code())
                .or_insert(Money::new(0, l.amount.currency));
            t.minor = t.minor.saturating_add(l.amount.minor);
        }
    }
    if s.lines.is_empty() {
        text.push("No commissions earned, clawed back or paid in this period.".to_owned());
    }
    text.push(String::new());
    for t in totals.values() {
        text.push(format!(
            "Net commissions in {}: {}",
            t.currency.code(),
            t.decimal()
        ));
    }
    Ok(crate::pdf::text_document("Commission statement", &text))
}

// ---------------------------------------------------------------------------------------
// Payouts

/// Records a payout of earned commissions to a partner account; they become paid. The
/// commissions must be the account's, earned, in the payout's currency, and add up to the
/// amount exactly.
pub async fn record_payout(
    app: &App,
    p: &Principal,
    input: PayoutInput,
) -> Result<Payout, ApiError> {
    require::record_payouts(p)?;
    let mut errors = Vec::new();
    let paid_on = parse_date("paid_on", &input.paid_on, &mut errors);
    let reference = input.reference.trim();
    if reference.is_empty() || reference.chars().count() > MAX_REFERENCE {
        errors.push(FieldError::new(
            "reference",
            FieldCode::InvalidLength,
            format!("must be 1 to {MAX_REFERENCE} characters"),
        ));
    }
    if input.amount.minor <= 0 {
        errors.push(FieldError::new(
            "amount",
            FieldCode::OutOfRange,
            "must be more than zero",
        ));
    }
    let mut ids: Vec<String> = Vec::new();
    if input.commission_ids.is_empty() || input.commission_ids.len() > MAX_PAYOUT_LINES {
        errors.push(FieldError::new(
            "commission_ids",
            FieldCode::InvalidLength,
            format!("must name 1 to {MAX_PAYOUT_LINES} earned commissions"),
        ));
    }
    for (i, id) in input.commission_ids.iter().enumerate() {
        if ids.iter().any(|x| x == id.as_str()) {
            errors.push(FieldError::new(
                format!("commission_ids[{i}]"),
                FieldCode::InvalidValue,
                "is named twice",
            ));
        } else {
            ids.push(id.to_string());
        }
    }
    let mut tx = app.begin().await?;
    let account = input.account_id.to_string();
    if store::programme(&mut tx, &account).await?.is_none() {
        errors.push(FieldError::new(
            "account_id",
            FieldCode::NotFound,
            "must name a partner account",
        ));
    }
    let scope = CommissionScope::Account(account.clone());
    let found = store::by_ids(&mut tx, &scope, &ids).await?;
    let mut sum: i128 = 0;
    for (i, id) in input.commission_ids.iter().enumerate() {
        let field = format!("commission_ids[{i}]");
        match found.iter().find(|c| c.id == id.as_str()) {
            None => errors.push(FieldError::new(
                field,
                FieldCode::NotFound,
                "must name a commission of the account",
            )),
            Some(c) if c.status != CommissionStatus::Earned => errors.push(FieldError::new(
                field,
                FieldCode::NotAllowed,
                format!("is {}, not earned", c.status.as_str()),
            )),
            Some(c) if c.currency != input.amount.currency.code() => errors.push(FieldError::new(
                field,
                FieldCode::InvalidValue,
                format!("is in {}, not {}", c.currency, input.amount.currency.code()),
            )),
            Some(c) => sum += c.amount_minor as i128,
        }
    }
    let all_valid = errors
        .iter()
        .all(|e| !e.field.starts_with("commission_ids"));
    if all_valid && input.amount.minor > 0 && sum != input.amount.minor as i128 {
        errors.push(FieldError::new(
            "amount",
            FieldCode::InvalidValue,
            format!(
                "must equal the sum of the commissions paid ({})",
                Money::new(sum as i64, input.amount.currency).decimal()
            ),
        ));
    }
    let Some(paid_on) = paid_on.filter(|_| errors.is_empty()) else {
        return Err(ApiError::Validation(errors));
    };
    let paid_on = paid_on.to_string();
    let id = store::insert_payout(
        &mut tx,
        &NewPayout {
            account_id: &account,
            amount_minor: input.amount.minor,
            currency: input.amount.currency.code(),
            paid_on: &paid_on,
            reference,
            recorded_by: &p.user_id,
        },
        &ids,
    )
    .await?
    .ok_or_else(|| ApiError::Conflict("A commission was paid meanwhile; reload.".to_owned()))?;
    tx.audit(
        Audit::new(Actor::User(p), "commission.payout.record")
            .object("commission_payout", id.clone())
            .details(json!({
                "account_id": account, "amount_minor": input.amount.minor,
                "currency": input.amount.currency.code(), "paid_on": paid_on,
                "reference": reference, "commissions": ids,
            })),
    )
    .await?;
    let amount = input.amount;
    notifications::to_partner(
        app,
        &mut tx,
        &account,
        None,
        &Notice {
            kind: "commission.paid",
            topic: Topic::DealUpdates,
            title: "Commission payment recorded".to_owned(),
            body: format!(
                "{} {} paid on {paid_on} (reference {reference}) for {} commission(s).",
                amount.currency.code(),
                amount.decimal(),
                ids.len()
            ),
            link: format!("/commissions/payouts/{id}"),
        },
    )
    .await?;
    let row = store::payout(&mut tx, &CommissionScope::All, &id)
        .await?
        .ok_or(ApiError::NotFound)?;
    let out = payout_dtos(&mut tx, &CommissionScope::All, vec![row])
        .await?
        .pop()
        .ok_or(ApiError::NotFound)?;
    tx.commit().await?;
    Ok(out)
}

// ---------------------------------------------------------------------------------------
// Plans, rates, overrides

fn check_rates(rates: &[PlanRate], errors: &mut Vec<FieldError>) {
    for (i, r) in rates.iter().enumerate() {
        if !(0..=FULL_BPS).contains(&r.rate_bps) {
            errors.push(FieldError::new(
                format!("rates[{i}].rate_bps"),
                FieldCode::OutOfRange,
                "must be 0 to 10000 basis points",
            ));
        }
        if rates[..i]
            .iter()
            .any(|o| o.role == r.role && o.tier_id == r.tier_id)
        {
            errors.push(FieldError::new(
                format!("rates[{i}]"),
                FieldCode::InvalidValue,
                "repeats a role and tier",
            ));
        }
    }
}

async fn check_rate_tiers(
    tx: &mut Tx,
    rates: &[PlanRate],
    errors: &mut Vec<FieldError>,
) -> Result<(), ApiError> {
    for (i, r) in rates.iter().enumerate() {
        if let Some(t) = &r.tier_id
            && crate::storage::tiers::get(tx, t).await?.is_none()
        {
            errors.push(FieldError::new(
                format!("rates[{i}].tier_id"),
                FieldCode::NotFound,
                "must name a tier",
            ));
        }
    }
    Ok(())
}

fn check_plan_name(name: &str, errors: &mut Vec<FieldError>) {
    let n = name.trim().chars().count();
    if n == 0 || n > MAX_NAME {
        errors.push(FieldError::new(
            "name",
            FieldCode::InvalidLength,
            format!("must be 1 to {MAX_NAME} characters"),
        ));
    }
}

fn rate_rows(plan_id: &str, rates: &[PlanRate]) -> Vec<RateRow> {
    rates
        .iter()
        .map(|r| RateRow {
            plan_id: plan_id.to_owned(),
            role: r.role,
            tier_id: r.tier_id.as_ref().map(|t| t.to_string()),
            rate_bps: r.rate_bps,
        })
        .collect()
}

async fn plan_dto(conn: &mut sqlx::AnyConnection, id: &str) -> Result<CommissionPlan, ApiError> {
    let plan = store::plan(conn, id).await?.ok_or(ApiError::NotFound)?;
    let rates = store::rates_of(conn, id).await?;
    Ok(CommissionPlan {
        id: plan.id.into(),
        name: plan.name,
        is_default: plan.is_default,
        rates: rates
            .into_iter()
            .map(|r| PlanRate {
                role: r.role,
                tier_id: r.tier_id.map(Into::into),
                rate_bps: r.rate_bps,
            })
            .collect(),
    })
}

/// Every commission plan with its rates.
pub async fn plans(app: &App, p: &Principal) -> Result<CommissionPlanList, ApiError> {
    require::run_programme(p)?;
    let mut conn = app.read().await?;
    let plans = store::plans(&mut conn).await?;
    let rates = store::rates(&mut conn).await?;
    Ok(CommissionPlanList {
        items: plans
            .into_iter()
            .map(|plan| CommissionPlan {
                rates: rates
                    .iter()
                    .filter(|r| r.plan_id == plan.id)
                    .map(|r| PlanRate {
                        role: r.role,
                        tier_id: r.tier_id.clone().map(Into::into),
                        rate_bps: r.rate_bps,
                    })
                    .collect(),
                id: plan.id.into(),
                name: plan.name,
                is_default: plan.is_default,
            })
            .collect(),
    })
}

/// Creates a plan with its rates; made the default, it takes that from the current one.
pub async fn create_plan(
    app: &App,
    p: &Principal,
    input: CommissionPlanInput,
) -> Result<CommissionPlan, ApiError> {
    require::run_programme(p)?;
    let mut errors = Vec::new();
    check_plan_name(&input.name, &mut errors);
    check_rates(&input.rates, &mut errors);
    let mut tx = app.begin().await?;
    check_rate_tiers(&mut tx, &input.rates, &mut errors).await?;
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let name = input.name.trim();
    if store::plan_name_taken(&mut tx, name, None).await? {
        return Err(ApiError::Taken(vec![FieldError::new(
            "name",
            FieldCode::Taken,
            "another plan has this name",
        )]));
    }
    if input.is_default {
        store::clear_default(&mut tx).await?;
    }
    let id = store::insert_plan(&mut tx, name, input.is_default).await?;
    store::replace_rates(&mut tx, &id, &rate_rows(&id, &input.rates)).await?;
    tx.audit(
        Audit::new(Actor::User(p), "commission.plan.create")
            .object("commission_plan", id.clone())
            .details(
                json!({ "name": name, "is_default": input.is_default, "rates": input.rates.len() }),
            ),
    )
    .await?;
    if input.is_default {
        refresh_pending(app, &mut tx, None).await?;
    }
    let out = plan_dto(&mut tx, &id).await?;
    tx.commit().await?;
    Ok(out)
}

/// Renames a plan or makes it the default.
pub async fn update_plan(
    app: &App,
    p: &Principal,
    id: &str,
    patch: CommissionPlanPatch,
) -> Result<CommissionPlan, ApiError> {
    require::run_programme(p)?;
    let mut tx = app.begin().await?;
    let mut plan = store::plan(&mut tx, id).await?.ok_or(ApiError::NotFound)?;
    let mut errors = Vec::new();
    if let Some(name) = &patch.name {
        check_plan_name(name, &mut errors);
        plan.name = name.trim().to_owned();
    }
    if patch.is_default == Some(false) && plan.is_default {
        errors.push(FieldError::new(
            "is_default",
            FieldCode::NotAllowed,
            "make another plan the default instead",
        ));
    }
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    if store::plan_name_taken(&mut tx, &plan.name, Some(id)).await? {
        return Err(ApiError::Taken(vec![FieldError::new(
            "name",
            FieldCode::Taken,
            "another plan has this name",
        )]));
    }
    let becomes_default = patch.is_default == Some(true) && !plan.is_default;
    if becomes_default {
        store::clear_default(&mut tx).await?;
        plan.is_default = true;
    }
    store::update_plan(&mut tx, &plan).await?;
    tx.audit(
        Audit::new(Actor::User(p), "commission.plan.update")
            .object("commission_plan", id)
            .details(json!({ "name": plan.name, "is_default": plan.is_default })),
    )
    .await?;
    if becomes_default {
        refresh_pending(app, &mut tx, None).await?;
    }
    let out = plan_dto(&mut tx, id).await?;
    tx.commit().await?;
    Ok(out)
}

/// Replaces every rate of a plan; pending commissions follow at once.
pub async fn set_plan_rates(
    app: &App,
    p: &Principal,
    id: &str,
    input: PlanRatesInput,
) -> Result<CommissionPlan, ApiError> {
    require::run_programme(p)?;
    let mut tx = app.begin().await?;
    store::plan(&mut tx, id).await?.ok_or(ApiError::NotFound)?;
    let mut errors = Vec::new();
    check_rates(&input.rates, &mut errors);
    check_rate_tiers(&mut tx, &input.rates, &mut errors).await?;
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    store::replace_rates(&mut tx, id, &rate_rows(id, &input.rates)).await?;
    tx.audit(
        Audit::new(Actor::User(p), "commission.plan.rates")
            .object("commission_plan", id)
            .details(json!({ "rates": input.rates })),
    )
    .await?;
    refresh_pending(app, &mut tx, None).await?;
    let out = plan_dto(&mut tx, id).await?;
    tx.commit().await?;
    Ok(out)
}

fn check_bps(rate_bps: i64) -> Result<(), ApiError> {
    if (0..=FULL_BPS).contains(&rate_bps) {
        Ok(())
    } else {
        Err(ApiError::field(
            "rate_bps",
            FieldCode::OutOfRange,
            "must be 0 to 10000 basis points",
        ))
    }
}

/// Sets a partner account's own rate for a role.
pub async fn set_override(
    app: &App,
    p: &Principal,
    account_id: &str,
    role: PartnerRole,
    input: RateOverrideInput,
) -> Result<RateTable, ApiError> {
    require::run_programme(p)?;
    check_bps(input.rate_bps)?;
    let mut tx = app.begin().await?;
    store::programme(&mut tx, account_id)
        .await?
        .ok_or(ApiError::NotFound)?;
    store::set_override(&mut tx, account_id, role, input.rate_bps).await?;
    tx.audit(
        Audit::new(Actor::User(p), "commission.override.set")
            .object("account", account_id)
            .details(json!({ "role": role.as_str(), "rate_bps": input.rate_bps })),
    )
    .await?;
    refresh_pending(app, &mut tx, Some(account_id)).await?;
    let out = rate_table(&mut tx, account_id)
        .await?
        .ok_or(ApiError::NotFound)?;
    tx.commit().await?;
    Ok(out)
}

/// Clears a partner account's own rate for a role (clearing none succeeds too).
pub async fn clear_override(
    app: &App,
    p: &Principal,
    account_id: &str,
    role: PartnerRole,
) -> Result<RateTable, ApiError> {
    require::run_programme(p)?;
    let mut tx = app.begin().await?;
    store::programme(&mut tx, account_id)
        .await?
        .ok_or(ApiError::NotFound)?;
    if store::clear_override(&mut tx, account_id, role).await? {
        tx.audit(
            Audit::new(Actor::User(p), "commission.override.clear")
                .object("account", account_id)
                .details(json!({ "role": role.as_str() })),
        )
        .await?;
        refresh_pending(app, &mut tx, Some(account_id)).await?;
    }
    let out = rate_table(&mut tx, account_id)
        .await?
        .ok_or(ApiError::NotFound)?;
    tx.commit().await?;
    Ok(out)
}

/// Puts a partner account on a plan, or back on the default.
pub async fn set_account_plan(
    app: &App,
    p: &Principal,
    account_id: &str,
    input: AccountPlanInput,
) -> Result<RateTable, ApiError> {
    require::run_programme(p)?;
    let mut tx = app.begin().await?;
    store::programme(&mut tx, account_id)
        .await?
        .ok_or(ApiError::NotFound)?;
    if let Some(plan) = &input.plan_id
        && store::plan(&mut tx, plan).await?.is_none()
    {
        return Err(ApiError::field(
            "plan_id",
            FieldCode::NotFound,
            "must name a commission plan",
        ));
    }
    store::set_account_plan(&mut tx, account_id, input.plan_id.as_deref()).await?;
    tx.audit(
        Audit::new(Actor::User(p), "commission.account_plan.set")
            .object("account", account_id)
            .details(json!({ "plan_id": input.plan_id })),
    )
    .await?;
    refresh_pending(app, &mut tx, Some(account_id)).await?;
    let out = rate_table(&mut tx, account_id)
        .await?
        .ok_or(ApiError::NotFound)?;
    tx.commit().await?;
    Ok(out)
}
