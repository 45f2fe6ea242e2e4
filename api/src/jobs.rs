//! Background jobs every node runs. Each is an idempotent statement over the database, so
//! several nodes running it at once agree.

use std::time::Duration;

use crate::db::Db;
use crate::time::{self, Micros};

/// External users are stale after this long without signing in.
pub const STALE_AFTER_MICROS: i64 = 90 * 24 * 3600 * 1_000_000;

/// Flags active external users who have not signed in (or, never having signed in, were
/// created) more than 90 days before `now`; unflags those who signed in since. Returns how
/// many are flagged after the run.
pub async fn flag_stale_users(db: &Db, now: Micros) -> Result<i64, sqlx::Error> {
    let cutoff = now - STALE_AFTER_MICROS;
    sqlx::query(
        "UPDATE users SET stale_since = $1 WHERE stale_since IS NULL AND status = 'active' \
         AND role IN ('customer_user', 'partner_user', 'partner_admin') \
         AND COALESCE(last_sign_in_at, created_at) < $2",
    )
    .bind(now)
    .bind(cutoff)
    .execute(&db.pool)
    .await?;
    sqlx::query(
        "UPDATE users SET stale_since = NULL WHERE stale_since IS NOT NULL \
         AND (status <> 'active' OR COALESCE(last_sign_in_at, created_at) >= $1)",
    )
    .bind(cutoff)
    .execute(&db.pool)
    .await?;
    sqlx::query_scalar("SELECT COUNT(*) FROM users WHERE stale_since IS NOT NULL")
        .fetch_one(&db.pool)
        .await
}

/// Runs the stale-access review now and then every hour.
pub fn spawn(db: Db) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(3600));
        loop {
            tick.tick().await;
            match flag_stale_users(&db, time::now()).await {
                Ok(n) => tracing::debug!(stale_users = n, "access review ran"),
                Err(e) => tracing::warn!(error = ?e, "access review failed"),
            }
        }
    });
}
