//! Partner tiers: the levels of the programme, the recompute that moves partner accounts
//! between them (a daily job, or at once on request), manual overrides, and the status a
//! partner sees.
//!
//! An account reaches the highest tier whose both minimums its results meet over the
//! trailing 12 months: won revenue (the amounts of won deals closed in the window that it
//! is linked to in any role, in the tier's currency) and the number of those won deals (in
//! any currency). A manual override holds the account at a tier whatever its results.

use std::collections::HashMap;

use portcullis_shared::tiers::{
    Tier, TierChange, TierInput, TierList, TierOverrideInput, TierPatch, TierRecompute, TierStatus,
};
use portcullis_shared::{Currency, FieldCode, FieldError, Permission};
use serde_json::json;

use crate::app::notifications::{self, Notice, Topic};
use crate::app::scope::require;
use crate::app::{Actor, App, Audit, Tx};
use crate::auth::Principal;
use crate::domain::tiers::{Criteria, progress_pct, reached};
use crate::error::ApiError;
use crate::storage::tiers::{self as store, TierRow};
use crate::time::{self, Micros};

/// The trailing window of a tier's criteria.
const WINDOW_MICROS: Micros = 365 * 24 * 3600 * 1_000_000;
const MAX_NAME: usize = 60;

fn tier_dto(t: TierRow) -> Tier {
    Tier {
        currency: Currency::parse(&t.currency).unwrap_or(Currency::USD),
        id: t.id.into(),
        name: t.name,
        rank: t.rank,
        min_won_minor: t.min_won_minor,
        min_won_deals: t.min_won_deals,
        protection_days: t.protection_days,
    }
}

/// An account's won results in the window: revenue by currency, and the deal count.
#[derive(Debug, Default, Clone)]
struct Results {
    won: HashMap<String, i64>,
    deals: i64,
}

impl Results {
    fn in_currency(&self, currency: &str) -> i64 {
        self.won.get(currency).copied().unwrap_or(0)
    }
}

async fn results(
    conn: &mut sqlx::AnyConnection,
    account_id: Option<&str>,
    now: Micros,
) -> Result<HashMap<String, Results>, ApiError> {
    let mut out: HashMap<String, Results> = HashMap::new();
    for (account, currency, deals, won) in
        store::won_since(conn, account_id, now - WINDOW_MICROS).await?
    {
        let r = out.entry(account).or_default();
        r.deals += deals;
        if let Some(c) = currency {
            *r.won.entry(c).or_insert(0) += won;
        }
    }
    Ok(out)
}

fn criteria(tiers: &[TierRow]) -> Vec<Criteria<'_>> {
    tiers
        .iter()
        .map(|t| Criteria {
            id: &t.id,
            rank: t.rank,
            min_won_minor: t.min_won_minor,
            min_won_deals: t.min_won_deals,
            currency: &t.currency,
        })
        .collect()
}

// ---------------------------------------------------------------------------------------
// Status

/// Where a partner account stands: its tier, whether set by hand, its results over the
/// trailing 12 months and its progress to the next tier.
pub async fn status(
    app: &App,
    p: &Principal,
    account: Option<&str>,
) -> Result<TierStatus, ApiError> {
    let scope = require::partner_figures(p, Permission::ViewPartnerTierStatus, account)?;
    let Some(account) = scope.account() else {
        return Err(ApiError::field(
            "account",
            FieldCode::Required,
            "name the partner account",
        ));
    };
    let mut conn = app.read().await?;
    status_of(&mut conn, account).await
}

async fn status_of(conn: &mut sqlx::AnyConnection, account: &str) -> Result<TierStatus, ApiError> {
    let standing = store::standing_of(conn, account)
        .await?
        .ok_or(ApiError::NotFound)?;
    let tiers = store::list(conn).await?;
    let results = results(conn, Some(account), time::now())
        .await?
        .remove(account)
        .unwrap_or_default();
    let current_id = standing
        .tier_override_id
        .clone()
        .or(standing.tier_id.clone());
    let current = current_id
        .as_deref()
        .and_then(|id| tiers.iter().find(|t| t.id == id))
        .cloned();
    let current_rank = current.as_ref().map_or(i64::MIN, |t| t.rank);
    let next = tiers.iter().find(|t| t.rank > current_rank).cloned();
    let currency = next
        .as_ref()
        .or(current.as_ref())
        .and_then(|t| Currency::parse(&t.currency))
        .unwrap_or(Currency::USD);
    let won_minor = results.in_currency(currency.code());
    let (revenue_progress_pct, deals_progress_pct) = match &next {
        Some(n) => (
            progress_pct(won_minor, n.min_won_minor),
            progress_pct(results.deals, n.min_won_deals),
        ),
        None => (100, 100),
    };
    Ok(TierStatus {
        account_id: account.into(),
        tier: current.map(tier_dto),
        manual_override: standing.tier_override_id.is_some(),
        tier_changed_at: standing.tier_changed_at.map(time::to_rfc3339),
        won_minor,
        currency,
        won_deals: results.deals,
        next: next.map(tier_dto),
        revenue_progress_pct,
        deals_progress_pct,
    })
}

// ---------------------------------------------------------------------------------------
// Recompute

/// Recomputes every partner account's tier from its results, in one transaction: each
/// change is stored, audited and notified to the partner's administrators. Running it
/// again changes nothing. Accounts with a manual override keep it.
pub async fn recompute(app: &App, actor: Actor<'_>) -> Result<TierRecompute, ApiError> {
    let mut tx = app.begin().await?;
    let tiers = store::list(&mut tx).await?;
    let criteria = criteria(&tiers);
    let standings = store::partner_standings(&mut tx).await?;
    let all = results(&mut tx, None, time::now()).await?;
    let mut changes = Vec::new();
    for s in &standings {
        if s.tier_override_id.is_some() {
            continue;
        }
        let r = all.get(&s.account_id).cloned().unwrap_or_default();
        let Some(reached) = reached(&criteria, |c| r.in_currency(c), r.deals) else {
            continue;
        };
        if s.tier_id.as_deref() == Some(reached) {
            continue;
        }
        store::set_tier(&mut tx, &s.account_id, reached).await?;
        let from = s
            .tier_id
            .as_deref()
            .and_then(|id| tiers.iter().find(|t| t.id == id));
        let to = tiers.iter().find(|t| t.id == reached);
        tx.audit(
            Audit::new(actor, "tier.change")
                .object("account", s.account_id.clone())
                .details(json!({
                    "from": s.tier_id, "to": reached,
                    "won_deals": r.deals, "won": r.won,
                })),
        )
        .await?;
        // A first placement at the entry tier is recorded, not announced.
        let entry = tiers.first().map(|t| t.id.as_str()) == Some(reached);
        if from.is_some() || !entry {
            announce(app, &mut tx, &s.account_id, from, to).await?;
        }
        crate::app::commissions::refresh_pending(app, &mut tx, Some(&s.account_id)).await?;
        changes.push(TierChange {
            account_id: s.account_id.clone().into(),
            from: s.tier_id.clone().map(Into::into),
            to: reached.into(),
        });
    }
    tx.commit().await?;
    Ok(TierRecompute {
        accounts: standings.len() as i64,
        changes,
    })
}

async fn announce(
    app: &App,
    tx: &mut Tx,
    account_id: &str,
    from: Option<&TierRow>,
    to: Option<&TierRow>,
) -> Result<(), ApiError> {
    let Some(to) = to else { return Ok(()) };
    let up = from.is_none_or(|f| to.rank > f.rank);
    notifications::to_partner(
        app,
        tx,
        account_id,
        None,
        &Notice {
            kind: "tier.changed",
            topic: Topic::DealUpdates,
            title: if up {
                format!("Welcome to {}", to.name)
            } else {
                format!("Your partner tier is now {}", to.name)
            },
            body: match from {
                Some(f) => format!("Your partner tier changed from {} to {}.", f.name, to.name),
                None => format!("Your partner tier is {}.", to.name),
            },
            link: "/tier".to_owned(),
        },
    )
    .await
}

/// Recomputes every partner's tier now (those running the programme).
pub async fn recompute_now(app: &App, p: &Principal) -> Result<TierRecompute, ApiError> {
    require::run_programme(p)?;
    recompute(app, Actor::User(p)).await
}

// ---------------------------------------------------------------------------------------
// Tiers

/// Every tier, lowest rank first.
pub async fn list(app: &App, p: &Principal) -> Result<TierList, ApiError> {
    require::run_programme(p)?;
    let mut conn = app.read().await?;
    Ok(TierList {
        items: store::list(&mut conn)
            .await?
            .into_iter()
            .map(tier_dto)
            .collect(),
    })
}

fn check_tier(t: &TierRow, errors: &mut Vec<FieldError>) {
    let n = t.name.chars().count();
    if n == 0 || n > MAX_NAME {
        errors.push(FieldError::new(
            "name",
            FieldCode::InvalidLength,
            format!("must be 1 to {MAX_NAME} characters"),
        ));
    }
    for (field, v) in [
        ("rank", t.rank),
        ("min_won_minor", t.min_won_minor),
        ("min_won_deals", t.min_won_deals),
    ] {
        if v < 0 {
            errors.push(FieldError::new(
                field,
                FieldCode::OutOfRange,
                "must be 0 or more",
            ));
        }
    }
    if t.protection_days.is_some_and(|d| !(1..=3650).contains(&d)) {
        errors.push(FieldError::new(
            "protection_days",
            FieldCode::OutOfRange,
            "must be 1 to 3650 days",
        ));
    }
}

async fn check_unique(tx: &mut Tx, t: &TierRow, except: Option<&str>) -> Result<(), ApiError> {
    let (name, rank) = store::taken(tx, &t.name, t.rank, except).await?;
    let mut taken = Vec::new();
    if name {
        taken.push(FieldError::new(
            "name",
            FieldCode::Taken,
            "another tier has this name",
        ));
    }
    if rank {
        taken.push(FieldError::new(
            "rank",
            FieldCode::Taken,
            "another tier has this rank",
        ));
    }
    if taken.is_empty() {
        Ok(())
    } else {
        Err(ApiError::Taken(taken))
    }
}

/// Adds a tier.
pub async fn create(app: &App, p: &Principal, input: TierInput) -> Result<Tier, ApiError> {
    require::run_programme(p)?;
    let mut t = TierRow {
        id: String::new(),
        name: input.name.trim().to_owned(),
        rank: input.rank,
        min_won_minor: input.min_won_minor,
        min_won_deals: input.min_won_deals,
        currency: input.currency.code().to_owned(),
        protection_days: input.protection_days,
    };
    let mut errors = Vec::new();
    check_tier(&t, &mut errors);
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let mut tx = app.begin().await?;
    check_unique(&mut tx, &t, None).await?;
    t.id = store::insert(&mut tx, &t).await?;
    tx.audit(
        Audit::new(Actor::User(p), "tier.create")
            .object("tier", t.id.clone())
            .details(json!({ "name": t.name, "rank": t.rank })),
    )
    .await?;
    tx.commit().await?;
    Ok(tier_dto(t))
}

/// Changes a tier; accounts move at the next recompute.
pub async fn update(
    app: &App,
    p: &Principal,
    id: &str,
    patch: TierPatch,
) -> Result<Tier, ApiError> {
    require::run_programme(p)?;
    let mut tx = app.begin().await?;
    let mut t = store::get(&mut tx, id).await?.ok_or(ApiError::NotFound)?;
    if let Some(v) = &patch.name {
        t.name = v.trim().to_owned();
    }
    if let Some(v) = patch.rank {
        t.rank = v;
    }
    if let Some(v) = patch.min_won_minor {
        t.min_won_minor = v;
    }
    if let Some(v) = patch.min_won_deals {
        t.min_won_deals = v;
    }
    if let Some(v) = patch.currency {
        t.currency = v.code().to_owned();
    }
    if let Some(v) = patch.protection_days {
        t.protection_days = v;
    }
    let mut errors = Vec::new();
    check_tier(&t, &mut errors);
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    check_unique(&mut tx, &t, Some(id)).await?;
    store::update(&mut tx, &t).await?;
    tx.audit(
        Audit::new(Actor::User(p), "tier.update")
            .object("tier", id)
            .details(json!({ "name": t.name, "rank": t.rank, "min_won_minor": t.min_won_minor, "min_won_deals": t.min_won_deals })),
    )
    .await?;
    tx.commit().await?;
    Ok(tier_dto(t))
}

/// Deletes a tier no account and no rate refers to; one in use answers 409.
pub async fn delete(app: &App, p: &Principal, id: &str) -> Result<(), ApiError> {
    require::run_programme(p)?;
    let mut tx = app.begin().await?;
    let t = store::get(&mut tx, id).await?.ok_or(ApiError::NotFound)?;
    let uses = store::uses(&mut tx, id).await?;
    if uses > 0 {
        return Err(ApiError::Conflict(format!(
            "The tier {} is in use by {uses} account(s) or rate(s).",
            t.name
        )));
    }
    store::delete(&mut tx, id).await?;
    tx.audit(
        Audit::new(Actor::User(p), "tier.delete")
            .object("tier", id)
            .details(json!({ "name": t.name })),
    )
    .await?;
    tx.commit().await
}

/// Holds a partner account at a tier whatever its results.
pub async fn set_override(
    app: &App,
    p: &Principal,
    account_id: &str,
    input: TierOverrideInput,
) -> Result<TierStatus, ApiError> {
    require::run_programme(p)?;
    let mut tx = app.begin().await?;
    let standing = store::standing_of(&mut tx, account_id)
        .await?
        .ok_or(ApiError::NotFound)?;
    let Some(to) = store::get(&mut tx, &input.tier_id).await? else {
        return Err(ApiError::field(
            "tier_id",
            FieldCode::NotFound,
            "must name a tier",
        ));
    };
    let before = standing
        .tier_override_id
        .clone()
        .or(standing.tier_id.clone());
    store::set_override(&mut tx, account_id, Some(&to.id)).await?;
    tx.audit(
        Audit::new(Actor::User(p), "tier.override.set")
            .object("account", account_id)
            .details(json!({ "from": before, "to": to.id })),
    )
    .await?;
    if before.as_deref() != Some(to.id.as_str()) {
        let from = match &before {
            Some(b) => store::get(&mut tx, b).await?,
            None => None,
        };
        announce(app, &mut tx, account_id, from.as_ref(), Some(&to)).await?;
        crate::app::commissions::refresh_pending(app, &mut tx, Some(account_id)).await?;
    }
    let out = status_of(&mut tx, account_id).await?;
    tx.commit().await?;
    Ok(out)
}

/// Lets a partner account's results decide its tier again (from the next recompute).
pub async fn clear_override(
    app: &App,
    p: &Principal,
    account_id: &str,
) -> Result<TierStatus, ApiError> {
    require::run_programme(p)?;
    let mut tx = app.begin().await?;
    let standing = store::standing_of(&mut tx, account_id)
        .await?
        .ok_or(ApiError::NotFound)?;
    if standing.tier_override_id.is_some() {
        store::set_override(&mut tx, account_id, None).await?;
        tx.audit(
            Audit::new(Actor::User(p), "tier.override.clear")
                .object("account", account_id)
                .details(json!({ "was": standing.tier_override_id })),
        )
        .await?;
        crate::app::commissions::refresh_pending(app, &mut tx, Some(account_id)).await?;
    }
    let out = status_of(&mut tx, account_id).await?;
    tx.commit().await?;
    Ok(out)
}
