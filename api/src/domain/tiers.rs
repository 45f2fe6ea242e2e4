//! Which tier a partner account's results reach, and how far it is from the next.

/// A tier's minimums, as the rule reads them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Criteria<'a> {
    pub id: &'a str,
    pub rank: i64,
    pub min_won_minor: i64,
    pub min_won_deals: i64,
    pub currency: &'a str,
}

/// The highest-ranked tier whose both minimums are met by `won_minor_in(currency)` and
/// `won_deals`; `None` when none is (a lowest tier with zero minimums is always met).
pub fn reached<'a>(
    tiers: &[Criteria<'a>],
    won_minor_in: impl Fn(&str) -> i64,
    won_deals: i64,
) -> Option<&'a str> {
    tiers
        .iter()
        .filter(|t| won_minor_in(t.currency) >= t.min_won_minor && won_deals >= t.min_won_deals)
        .max_by_key(|t| t.rank)
        .map(|t| t.id)
}

/// How much of `target` `value` is, 0-100 (a zero target is met).
pub fn progress_pct(value: i64, target: i64) -> i64 {
    if target <= 0 {
        return 100;
    }
    ((value.max(0) as i128 * 100 / target as i128).min(100)) as i64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_highest_tier_with_both_minimums_met_is_reached() {
        let tiers = [
            Criteria {
                id: "r",
                rank: 0,
                min_won_minor: 0,
                min_won_deals: 0,
                currency: "USD",
            },
            Criteria {
                id: "s",
                rank: 1,
                min_won_minor: 100,
                min_won_deals: 2,
                currency: "USD",
            },
            Criteria {
                id: "g",
                rank: 2,
                min_won_minor: 500,
                min_won_deals: 5,
                currency: "USD",
            },
        ];
        assert_eq!(reached(&tiers, |_| 0, 0), Some("r"));
        assert_eq!(reached(&tiers, |_| 1000, 2), Some("s"));
        // Revenue alone is not enough.
        assert_eq!(reached(&tiers, |_| 1000, 1), Some("r"));
        assert_eq!(reached(&tiers, |_| 500, 5), Some("g"));
        assert_eq!(progress_pct(50, 200), 25);
        assert_eq!(progress_pct(500, 200), 100);
        assert_eq!(progress_pct(1, 0), 100);
    }
}
