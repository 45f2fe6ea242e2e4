//! Abuse limits on sign-in and invitation acceptance: a per-IP rate (in memory, per node) and
//! per-account growing delays after repeated failures (in the database, shared by all
//! nodes). Delays, not lockouts: an attacker who fails on purpose only slows a victim's
//! attempts down for a while, never locks the victim out.

use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::Arc;

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use sqlx::Row;

use crate::db::Db;
use crate::error::ApiError;
use crate::time::{self, Micros};

/// Failures allowed before delays begin.
pub const FREE_FAILURES: i64 = 5;
/// The longest delay between attempts.
pub const MAX_DELAY_SECS: i64 = 15 * 60;

/// Attempts per client IP.
#[derive(Clone)]
pub struct IpLimiter {
    limiter: Arc<DefaultKeyedRateLimiter<IpAddr>>,
}

impl IpLimiter {
    pub fn per_minute(n: u32) -> IpLimiter {
        let quota = Quota::per_minute(NonZeroU32::new(n.max(1)).unwrap_or(NonZeroU32::MIN));
        IpLimiter {
            limiter: Arc::new(RateLimiter::keyed(quota)),
        }
    }

    /// Counts an attempt from `ip`; 429 with `Retry-After` when over the rate.
    pub fn check(&self, ip: Option<IpAddr>) -> Result<(), ApiError> {
        let Some(ip) = ip else { return Ok(()) };
        self.limiter.check_key(&ip).map_err(|not_until| {
            let wait = not_until.wait_time_from(DefaultClock::default().now());
            ApiError::RateLimited {
                retry_after_secs: wait.as_secs().max(1),
            }
        })
    }
}

/// The delay after `failures` consecutive failures: none for the first five, then doubling
/// from one second up to fifteen minutes.
pub fn delay_secs(failures: i64) -> i64 {
    if failures < FREE_FAILURES {
        0
    } else {
        let exp = (failures - FREE_FAILURES).min(20) as u32;
        (1i64 << exp).min(MAX_DELAY_SECS)
    }
}

/// 429 when `key` (a normalised email) must still wait after its recent failures.
pub async fn check_account(db: &Db, key: &str, now: Micros) -> Result<(), ApiError> {
    let row = sqlx::query("SELECT failures, last_failure_at FROM auth_throttle WHERE key = $1")
        .bind(key)
        .fetch_optional(&db.pool)
        .await?;
    if let Some(r) = row {
        let failures: i64 = r.try_get("failures").map_err(ApiError::from)?;
        let last: i64 = r.try_get("last_failure_at").map_err(ApiError::from)?;
        let ready_at = last + delay_secs(failures) * 1_000_000;
        if now < ready_at {
            return Err(ApiError::RateLimited {
                retry_after_secs: ((ready_at - now) / 1_000_000).max(1) as u64,
            });
        }
    }
    Ok(())
}

/// Counts a failure against `key`.
pub async fn record_failure(db: &Db, key: &str) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO auth_throttle (key, failures, last_failure_at) VALUES ($1, 1, $2) \
         ON CONFLICT (key) DO UPDATE SET failures = auth_throttle.failures + 1, \
         last_failure_at = excluded.last_failure_at",
    )
    .bind(key)
    .bind(time::now())
    .execute(&db.pool)
    .await?;
    Ok(())
}

/// Forgets the failures of `key` after a success.
pub async fn clear(db: &Db, key: &str) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM auth_throttle WHERE key = $1")
        .bind(key)
        .execute(&db.pool)
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_start_after_five_failures_and_double_up_to_fifteen_minutes() {
        assert_eq!(delay_secs(4), 0);
        assert_eq!(delay_secs(5), 1);
        assert_eq!(delay_secs(6), 2);
        assert_eq!(delay_secs(10), 32);
        assert_eq!(delay_secs(50), MAX_DELAY_SECS);
    }
}
