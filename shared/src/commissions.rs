//! Commissions: what a partner earns on the deals it is linked to, the plans and rates that
//! decide it, and the payouts that settle it. Amounts are `Money` (integer minor units).

use serde::{Deserialize, Serialize};

use crate::deals::PartnerRole;
use crate::ids::{AccountId, CommissionId, CommissionPlanId, DealId, PayoutId, TierId};
use crate::money::{Currency, Money};

named_enum!(
    /// Where a commission stands.
    CommissionStatus {
        /// The deal is at the final open stage: expected, not yet earned.
        Pending = "pending",
        /// The deal is won: owed to the partner.
        Earned = "earned",
        /// Settled by a payout.
        Paid = "paid",
        /// The won deal was reopened or lost: no longer owed (a paid one is owed back).
        ClawedBack = "clawed_back",
    }
);

named_enum!(
    /// Where an applicable rate comes from.
    RateSource {
        /// The account's own override.
        Override = "override",
        /// The plan's rate for the account's tier.
        Tier = "tier",
        /// The plan's rate for any tier.
        Plan = "plan",
        /// No rate applies: 0.
        None = "none",
    }
);

/// A partner's commission on one deal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct Commission {
    pub id: CommissionId,
    pub account_id: AccountId,
    pub deal_id: DealId,
    pub deal_name: String,
    /// The partner's role on the deal (the deal type).
    pub role: PartnerRole,
    pub status: CommissionStatus,
    /// The deal amount the commission is on.
    pub base: Money,
    /// Basis points: 100 = 1 %.
    pub rate_bps: i64,
    /// base × rate_bps / 10000, rounded half away from zero.
    pub amount: Money,
    pub earned_at: Option<String>,
    pub paid_at: Option<String>,
    pub payout_id: Option<PayoutId>,
    pub clawed_back_at: Option<String>,
    pub created_at: String,
    pub updated_at: String,
}

/// A page of commissions, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct CommissionPage {
    pub items: Vec<Commission>,
    /// Pass as `cursor` for the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

/// A partner account's commission totals in one currency.
///
/// `paid` counts every commission a payout settled, including those clawed back later;
/// `recoverable` is the part of `clawed_back` that had been paid, so it is owed back;
/// `balance` = `earned` − `recoverable`: what the company owes the partner now (negative when
/// the partner owes the company).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct CommissionTotals {
    pub currency: Currency,
    pub pending: i64,
    pub earned: i64,
    pub paid: i64,
    pub clawed_back: i64,
    pub recoverable: i64,
    pub balance: i64,
}

/// A partner account's commission totals, per currency (amounts in minor units).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct CommissionSummary {
    pub account_id: AccountId,
    pub totals: Vec<CommissionTotals>,
}

/// A payment of earned commissions to a partner account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct Payout {
    pub id: PayoutId,
    pub account_id: AccountId,
    pub amount: Money,
    /// YYYY-MM-DD.
    pub paid_on: String,
    pub reference: String,
    pub commissions: Vec<PayoutLine>,
    pub created_at: String,
}

/// One commission a payout settled.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct PayoutLine {
    pub commission_id: CommissionId,
    pub deal_id: DealId,
    pub deal_name: String,
    pub amount: Money,
}

/// Payouts, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct PayoutList {
    pub items: Vec<Payout>,
}

/// A payout to record: the earned commissions it pays must be the account's, in the
/// payout's currency, and add up to exactly its amount.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct PayoutInput {
    pub account_id: AccountId,
    pub amount: Money,
    /// YYYY-MM-DD.
    #[cfg_attr(feature = "server", schema(example = "2026-11-30"))]
    pub paid_on: String,
    /// The payment's reference (bank transfer, invoice), 1-200 characters.
    pub reference: String,
    pub commission_ids: Vec<CommissionId>,
}

/// The rate that applies to a partner account for one role.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct AppliedRate {
    pub role: PartnerRole,
    pub rate_bps: i64,
    pub source: RateSource,
}

/// The rates that apply to a partner account, one per role.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct RateTable {
    pub account_id: AccountId,
    pub plan_id: CommissionPlanId,
    pub plan_name: String,
    pub tier_id: Option<TierId>,
    pub tier_name: Option<String>,
    pub rates: Vec<AppliedRate>,
}

/// One open deal's expected commission.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct ProjectedDeal {
    pub deal_id: DealId,
    pub deal_name: String,
    pub stage: String,
    /// Win probability of the stage, 0-100.
    pub probability: i64,
    pub role: PartnerRole,
    pub amount: Money,
    pub rate_bps: i64,
    /// amount × probability / 100 × rate_bps / 10000, rounded half away from zero.
    pub projected: Money,
}

/// Expected earnings from the open pipeline: per deal, and per currency.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct Projection {
    pub account_id: AccountId,
    pub deals: Vec<ProjectedDeal>,
    pub totals: Vec<Money>,
}

/// A plan's rate for a role: for one tier, or for any tier when `tier_id` is absent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct PlanRate {
    pub role: PartnerRole,
    #[serde(default)]
    pub tier_id: Option<TierId>,
    /// 0-10000 basis points.
    pub rate_bps: i64,
}

/// A commission plan and its rates.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct CommissionPlan {
    pub id: CommissionPlanId,
    pub name: String,
    /// The plan of every account without a plan of its own.
    pub is_default: bool,
    pub rates: Vec<PlanRate>,
}

/// Every commission plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct CommissionPlanList {
    pub items: Vec<CommissionPlan>,
}

/// A new plan; making it the default takes that from the current default.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct CommissionPlanInput {
    pub name: String,
    #[serde(default)]
    pub is_default: bool,
    #[serde(default)]
    pub rates: Vec<PlanRate>,
}

/// Changes to a plan: absent fields stay. A plan stops being the default only when
/// another becomes it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct CommissionPlanPatch {
    pub name: Option<String>,
    pub is_default: Option<bool>,
}

/// Every rate of a plan, replacing those it had.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct PlanRatesInput {
    pub rates: Vec<PlanRate>,
}

/// An account's own rate for a role.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct RateOverrideInput {
    /// 0-10000 basis points.
    pub rate_bps: i64,
}

/// The plan an account is on; absent or null: the default plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct AccountPlanInput {
    #[serde(default)]
    pub plan_id: Option<CommissionPlanId>,
}

/// Commission statement period (inclusive dates).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct StatementPeriod {
    /// YYYY-MM-DD.
    pub from: String,
    /// YYYY-MM-DD.
    pub to: String,
}
