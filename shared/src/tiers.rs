//! Partner tiers: the levels of the partner programme, what reaching each takes, and where a
//! partner account stands.

use serde::{Deserialize, Serialize};

use crate::ids::{AccountId, TierId};
use crate::money::Currency;

/// A tier of the partner programme.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct Tier {
    pub id: TierId,
    pub name: String,
    /// 0 for the lowest tier.
    pub rank: i64,
    /// Won revenue over the trailing 12 months needed, in minor units of `currency`.
    pub min_won_minor: i64,
    /// Won deals over the trailing 12 months needed.
    pub min_won_deals: i64,
    pub currency: Currency,
    /// Registration protection of this tier's partners, in days (absent: the portal's).
    pub protection_days: Option<i64>,
}

/// Every tier, lowest rank first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct TierList {
    pub items: Vec<Tier>,
}

/// A new tier.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct TierInput {
    pub name: String,
    pub rank: i64,
    pub min_won_minor: i64,
    pub min_won_deals: i64,
    pub currency: Currency,
    #[serde(default)]
    pub protection_days: Option<i64>,
}

/// Changes to a tier: absent fields stay; `protection_days: null` clears it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct TierPatch {
    pub name: Option<String>,
    pub rank: Option<i64>,
    pub min_won_minor: Option<i64>,
    pub min_won_deals: Option<i64>,
    pub currency: Option<Currency>,
    #[serde(
        default,
        with = "crate::admin::double_option",
        skip_serializing_if = "Option::is_none"
    )]
    #[cfg_attr(feature = "server", schema(value_type = Option<i64>))]
    pub protection_days: Option<Option<i64>>,
}

/// The tier an account is held at whatever its results.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct TierOverrideInput {
    pub tier_id: TierId,
}

/// Where a partner account stands in the programme.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct TierStatus {
    pub account_id: AccountId,
    /// The tier in force (the override when set); absent before the first recompute.
    pub tier: Option<Tier>,
    /// Whether the tier is set by hand rather than by results.
    pub manual_override: bool,
    pub tier_changed_at: Option<String>,
    /// Won revenue over the trailing 12 months, in the currency of `next` (or of the tier).
    pub won_minor: i64,
    pub currency: Currency,
    /// Won deals over the trailing 12 months.
    pub won_deals: i64,
    /// The next tier up; absent at the top.
    pub next: Option<Tier>,
    /// Progress to the next tier's revenue minimum, 0-100.
    pub revenue_progress_pct: i64,
    /// Progress to the next tier's deal-count minimum, 0-100.
    pub deals_progress_pct: i64,
}

/// A tier change made by a recompute.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct TierChange {
    pub account_id: AccountId,
    pub from: Option<TierId>,
    pub to: TierId,
}

/// What a recompute did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct TierRecompute {
    pub accounts: i64,
    pub changes: Vec<TierChange>,
}
