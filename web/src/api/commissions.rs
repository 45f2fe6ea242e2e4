//! The partner programme: a partner's dashboard, commissions, payouts, rates, projection,
//! statements and tier; and for staff the plans, overrides, every partner's commissions and
//! payouts, and the tiers.

use gloo_net::http::Method;
use portcullis_shared::commissions::{
    AccountPlanInput, CommissionPage, CommissionPlan, CommissionPlanInput, CommissionPlanList,
    CommissionPlanPatch, CommissionSummary, Payout, PayoutInput, PayoutList, PlanRatesInput,
    Projection, RateOverrideInput, RateTable,
};
use portcullis_shared::partners::PartnerDashboard;
use portcullis_shared::tiers::{
    Tier, TierInput, TierList, TierOverrideInput, TierPatch, TierRecompute, TierStatus,
};

use super::{ApiError, signed};

/// The partner organisation's programme at a glance.
pub fn dashboard() -> impl Future<Output = Result<PartnerDashboard, ApiError>> + use<> {
    signed(Method::GET, "/partner/dashboard").fetch()
}

/// Commission totals per currency; `account` is empty for the caller's own organisation.
pub fn summary(
    account: String,
) -> impl Future<Output = Result<CommissionSummary, ApiError>> + use<> {
    signed(Method::GET, "/commissions/summary")
        .query([("account", account)])
        .fetch()
}

/// A page of commissions, newest first: the caller's own, or with `all` every partner's
/// (staff), optionally of one account and status.
pub fn list(
    all: bool,
    account: String,
    status: String,
    cursor: String,
) -> impl Future<Output = Result<CommissionPage, ApiError>> + use<> {
    let path = if all {
        "/admin/commissions"
    } else {
        "/commissions"
    };
    signed(Method::GET, path)
        .query([
            ("account", account),
            ("status", status),
            ("limit", "50".to_owned()),
            ("cursor", cursor),
        ])
        .fetch()
}

/// Payments, newest first: the caller's own, or with `all` every partner's (staff).
pub fn payouts(
    all: bool,
    account: String,
) -> impl Future<Output = Result<PayoutList, ApiError>> + use<> {
    let path = if all {
        "/admin/commission-payouts"
    } else {
        "/commissions/payouts"
    };
    signed(Method::GET, path)
        .query([("account", account)])
        .fetch()
}

/// Records a payout of earned commissions (administrators).
pub fn record_payout(body: &PayoutInput) -> impl Future<Output = Result<Payout, ApiError>> + use<> {
    signed(Method::POST, "/admin/commission-payouts")
        .json(body)
        .fetch()
}

/// The rate of each deal type that applies to an account.
pub fn rates(account: String) -> impl Future<Output = Result<RateTable, ApiError>> + use<> {
    signed(Method::GET, "/commissions/rates")
        .query([("account", account)])
        .fetch()
}

/// Expected earnings from the open pipeline.
pub fn projection(account: String) -> impl Future<Output = Result<Projection, ApiError>> + use<> {
    signed(Method::GET, "/commissions/projection")
        .query([("account", account)])
        .fetch()
}

/// A statement for a period (`csv` or `pdf`), as an object URL to save; the caller revokes it.
pub fn statement(
    format: &'static str,
    from: String,
    to: String,
) -> impl Future<Output = Result<String, ApiError>> + use<> {
    signed(Method::GET, format!("/commissions/statement.{format}"))
        .query([("from", from), ("to", to)])
        .object_url()
}

/// Where a partner account stands in the programme.
pub fn tier_status(account: String) -> impl Future<Output = Result<TierStatus, ApiError>> + use<> {
    signed(Method::GET, "/tier/status")
        .query([("account", account)])
        .fetch()
}

/// Every commission plan.
pub fn plans() -> impl Future<Output = Result<CommissionPlanList, ApiError>> + use<> {
    signed(Method::GET, "/admin/commission-plans").fetch()
}

/// Creates a plan.
pub fn create_plan(
    body: &CommissionPlanInput,
) -> impl Future<Output = Result<CommissionPlan, ApiError>> + use<> {
    signed(Method::POST, "/admin/commission-plans")
        .json(body)
        .fetch()
}

/// Renames a plan or makes it the default.
pub fn update_plan(
    id: &str,
    body: &CommissionPlanPatch,
) -> impl Future<Output = Result<CommissionPlan, ApiError>> + use<> {
    signed(Method::PATCH, format!("/admin/commission-plans/{id}"))
        .json(body)
        .fetch()
}

/// Replaces a plan's rates.
pub fn set_plan_rates(
    id: &str,
    body: &PlanRatesInput,
) -> impl Future<Output = Result<CommissionPlan, ApiError>> + use<> {
    signed(Method::PUT, format!("/admin/commission-plans/{id}/rates"))
        .json(body)
        .fetch()
}

/// Puts an account on a plan (`None`: the default plan).
pub fn set_account_plan(
    account: &str,
    body: &AccountPlanInput,
) -> impl Future<Output = Result<RateTable, ApiError>> + use<> {
    signed(
        Method::PUT,
        format!("/admin/accounts/{account}/commission-plan"),
    )
    .json(body)
    .fetch()
}

/// Sets (`Some`) or clears an account's own rate for a deal type.
pub fn set_override(
    account: &str,
    role: &str,
    rate_bps: Option<i64>,
) -> impl Future<Output = Result<RateTable, ApiError>> + use<> {
    let path = format!("/admin/accounts/{account}/commission-overrides/{role}");
    match rate_bps {
        Some(rate_bps) => signed(Method::PUT, path).json(&RateOverrideInput { rate_bps }),
        None => signed(Method::DELETE, path),
    }
    .fetch()
}

/// Every tier, lowest first.
pub fn tiers() -> impl Future<Output = Result<TierList, ApiError>> + use<> {
    signed(Method::GET, "/admin/tiers").fetch()
}

/// Adds a tier.
pub fn create_tier(body: &TierInput) -> impl Future<Output = Result<Tier, ApiError>> + use<> {
    signed(Method::POST, "/admin/tiers").json(body).fetch()
}

/// Changes a tier.
pub fn update_tier(
    id: &str,
    body: &TierPatch,
) -> impl Future<Output = Result<Tier, ApiError>> + use<> {
    signed(Method::PATCH, format!("/admin/tiers/{id}"))
        .json(body)
        .fetch()
}

/// Deletes a tier no account or rate uses.
pub fn delete_tier(id: &str) -> impl Future<Output = Result<(), ApiError>> + use<> {
    signed(Method::DELETE, format!("/admin/tiers/{id}")).done()
}

/// Recomputes every partner account's tier now.
pub fn recompute_tiers() -> impl Future<Output = Result<TierRecompute, ApiError>> + use<> {
    signed(Method::POST, "/admin/tiers/recompute").fetch()
}

/// Holds an account at a tier (`Some`), or lets its results decide again.
pub fn set_tier_override(
    account: &str,
    tier: Option<String>,
) -> impl Future<Output = Result<TierStatus, ApiError>> + use<> {
    let path = format!("/admin/accounts/{account}/tier-override");
    match tier {
        Some(t) => signed(Method::PUT, path).json(&TierOverrideInput { tier_id: t.into() }),
        None => signed(Method::DELETE, path),
    }
    .fetch()
}
