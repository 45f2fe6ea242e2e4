//! The arithmetic and the lifecycle rules of commissions, without I/O.
//!
//! **Rounding rule.** A commission is `base × rate_bps / 10 000`, computed exactly in 128-bit
//! integers and rounded half away from zero to whole minor units: 12 345 × 333 bps =
//! 411.0885 → 411; 150 × 100 bps = 1.5 → 2; −150 × 100 bps = −1.5 → −2. A projection is
//! `amount × probability / 100 × rate_bps / 10 000`, rounded once, by the same rule, at the
//! end (never per step). Totals add rounded commissions, so a total equals the sum of the
//! lines a partner sees.

use portcullis_shared::commissions::CommissionStatus;
use portcullis_shared::deals::StageCategory;

/// The basis points of 100 %.
pub const FULL_BPS: i64 = 10_000;

/// `numerator / denominator`, rounded half away from zero; `denominator` > 0.
fn div_round(numerator: i128, denominator: i128) -> i128 {
    let q = numerator / denominator;
    let r = numerator % denominator;
    if 2 * r.abs() >= denominator {
        q + numerator.signum()
    } else {
        q
    }
}

/// Saturates a 128-bit result into minor units.
fn to_minor(v: i128) -> i64 {
    v.clamp(i64::MIN as i128, i64::MAX as i128) as i64
}

/// The commission on `base_minor` at `rate_bps`: base × bps / 10 000, half away from zero.
pub fn commission_amount(base_minor: i64, rate_bps: i64) -> i64 {
    to_minor(div_round(
        base_minor as i128 * rate_bps as i128,
        FULL_BPS as i128,
    ))
}

/// The expected commission on an open deal: amount × probability % × bps, rounded once.
pub fn projected_amount(amount_minor: i64, probability: i64, rate_bps: i64) -> i64 {
    to_minor(div_round(
        amount_minor as i128 * probability as i128 * rate_bps as i128,
        100 * FULL_BPS as i128,
    ))
}

/// Where a deal stands for its commissions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DealPhase {
    /// Open, before the final open stage: nothing is expected yet.
    EarlyOpen,
    /// The final open stage (the open stage with the highest position): pending.
    FinalOpen,
    Won,
    Lost,
}

impl DealPhase {
    /// The phase of a deal at a stage of `category` and `position`, the last open stage being
    /// at `last_open_position`.
    pub fn of(category: StageCategory, position: i64, last_open_position: i64) -> DealPhase {
        match category {
            StageCategory::Won => DealPhase::Won,
            StageCategory::Lost => DealPhase::Lost,
            StageCategory::Open if position >= last_open_position => DealPhase::FinalOpen,
            StageCategory::Open => DealPhase::EarlyOpen,
        }
    }
}

/// What to do with a (deal, partner) pair's live commission.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// Nothing to change.
    Keep,
    /// Create a live commission with this status.
    Create(CommissionStatus),
    /// Bring a pending commission's base, rate and amount up to date.
    Refresh,
    /// The pending commission becomes earned.
    Earn,
    /// Remove the pending commission (it was never owed).
    Remove,
    /// The earned or paid commission is clawed back.
    ClawBack,
    /// Claw back, then create a new pending one (a won deal reopened at the final stage).
    ClawBackAndPend,
}

/// The step for a live commission in `current` status (none: `None`), given the deal's
/// phase, whether the partner is still linked and whether the deal has an amount.
pub fn step(
    current: Option<CommissionStatus>,
    phase: DealPhase,
    linked: bool,
    has_amount: bool,
) -> Step {
    use CommissionStatus::*;
    match (current, linked, phase) {
        // Unlinked: a pending commission goes; an earned or paid one stays as it was.
        (Some(Pending), false, _) => Step::Remove,
        (_, false, _) => Step::Keep,
        (None, true, DealPhase::FinalOpen) if has_amount => Step::Create(Pending),
        (None, true, DealPhase::Won) if has_amount => Step::Create(Earned),
        (None, true, _) => Step::Keep,
        (Some(Pending), true, DealPhase::FinalOpen) if has_amount => Step::Refresh,
        (Some(Pending), true, DealPhase::Won) if has_amount => Step::Earn,
        (Some(Pending), true, _) => Step::Remove,
        // Earned at the figures of the day it was won.
        (Some(Earned | Paid), true, DealPhase::Won) => Step::Keep,
        (Some(Earned | Paid), true, DealPhase::FinalOpen) if has_amount => Step::ClawBackAndPend,
        (Some(Earned | Paid), true, _) => Step::ClawBack,
        (Some(ClawedBack), _, _) => Step::Keep,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commissions_round_half_away_from_zero() {
        assert_eq!(commission_amount(12_345, 333), 411);
        assert_eq!(commission_amount(150, 100), 2);
        assert_eq!(commission_amount(149, 100), 1);
        assert_eq!(commission_amount(-150, 100), -2);
        assert_eq!(commission_amount(1_000_000, 0), 0);
        assert_eq!(commission_amount(1_000_000, 10_000), 1_000_000);
        // No overflow near the top of 64 bits.
        assert_eq!(commission_amount(i64::MAX, 5_000), i64::MAX / 2 + 1);
    }

    #[test]
    fn projections_round_once() {
        // 10 001 × 75 % × 10 % = 750.075 → 750.
        assert_eq!(projected_amount(10_001, 75, 1_000), 750);
        // 333 × 50 % × 3 % = 4.995 → 5 (rounding each step would give 5 × 3 % = 0).
        assert_eq!(projected_amount(333, 50, 300), 5);
    }

    #[test]
    fn the_lifecycle_follows_the_stage() {
        use CommissionStatus::*;
        assert_eq!(
            DealPhase::of(StageCategory::Open, 4, 4),
            DealPhase::FinalOpen
        );
        assert_eq!(
            DealPhase::of(StageCategory::Open, 3, 4),
            DealPhase::EarlyOpen
        );
        assert_eq!(
            step(None, DealPhase::FinalOpen, true, true),
            Step::Create(Pending)
        );
        assert_eq!(step(None, DealPhase::EarlyOpen, true, true), Step::Keep);
        assert_eq!(step(Some(Pending), DealPhase::Won, true, true), Step::Earn);
        assert_eq!(
            step(Some(Pending), DealPhase::EarlyOpen, true, true),
            Step::Remove
        );
        assert_eq!(
            step(Some(Paid), DealPhase::Lost, true, true),
            Step::ClawBack
        );
        assert_eq!(
            step(Some(Earned), DealPhase::FinalOpen, true, true),
            Step::ClawBackAndPend
        );
        assert_eq!(step(Some(Paid), DealPhase::Won, true, true), Step::Keep);
        assert_eq!(
            step(Some(Pending), DealPhase::FinalOpen, false, true),
            Step::Remove
        );
        assert_eq!(step(Some(Earned), DealPhase::Won, false, true), Step::Keep);
    }
}
