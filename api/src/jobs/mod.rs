//! The persistent job queue's workers. Every node runs one worker, one audit sealer and one
//! scheduler of recurring jobs; the database decides who runs what, so nodes never run the
//! same job at once and a job whose worker died runs again once its lease expires. Handlers
//! call `app/` and are idempotent: a job may run more than once (at-least-once delivery).

use std::time::Duration;

use crate::app::{self, App, Operator};
use crate::email::Mailer;
use crate::storage::jobs::{self as queue, JobRow, NewJob};
use crate::time::{self, Micros};

/// The kinds of job Portcullis runs.
pub mod kind {
    /// Delivers one outbox email (payload: `{"email_id": …}`).
    pub const EMAIL_SEND: &str = "email.send";
    /// The stale-access review (recurring, hourly).
    pub const ACCESS_REVIEW: &str = "access.review";
    /// Deletes finished jobs older than a week (recurring, daily).
    pub const PRUNE: &str = "jobs.prune";
    /// Expires deal registrations whose protection elapsed and reminds partners 14 and 3
    /// days before (recurring, hourly).
    pub const PROTECTION: &str = "registrations.protection";
    /// Recomputes every partner account's tier (recurring, daily).
    pub const TIERS_RECOMPUTE: &str = "tiers.recompute";
    /// Escalates overdue tasks to their assignees' managers, once each (recurring, every
    /// five minutes).
    pub const TASKS_ESCALATE: &str = "tasks.escalate";
}

/// A recurring job: one occurrence per period, agreed on by every node through the
/// occurrence's dedupe key.
struct Recurring {
    kind: &'static str,
    every: Duration,
    max_attempts: i64,
}

const RECURRING: &[Recurring] = &[
    Recurring {
        kind: kind::ACCESS_REVIEW,
        every: Duration::from_secs(3600),
        max_attempts: 3,
    },
    Recurring {
        kind: kind::PROTECTION,
        every: Duration::from_secs(3600),
        max_attempts: 3,
    },
    Recurring {
        kind: kind::PRUNE,
        every: Duration::from_secs(24 * 3600),
        max_attempts: 3,
    },
    Recurring {
        kind: kind::TASKS_ESCALATE,
        every: Duration::from_secs(300),
        max_attempts: 3,
    },
    Recurring {
        kind: kind::TIERS_RECOMPUTE,
        every: Duration::from_secs(24 * 3600),
        max_attempts: 3,
    },
];

/// How long finished jobs are kept.
const KEEP_DONE_MICROS: Micros = 7 * 24 * 3600 * 1_000_000;

/// The job that sends an outbox email.
pub fn email_job(email_id: &str) -> NewJob {
    NewJob {
        kind: kind::EMAIL_SEND,
        payload: serde_json::json!({ "email_id": email_id }),
        run_at: time::now(),
        max_attempts: 8,
        dedupe_key: Some(format!("{}:{email_id}", kind::EMAIL_SEND)),
    }
}

/// When a job that failed its `attempts`-th attempt runs again: 2, 4, 8 … seconds, at most
/// an hour later; `None` once it has no attempts left.
pub fn retry_at(now: Micros, attempts: i64, max_attempts: i64) -> Option<Micros> {
    if attempts >= max_attempts {
        return None;
    }
    let secs = 2_i64.saturating_pow(attempts.clamp(1, 30) as u32).min(3600);
    Some(now + secs * 1_000_000)
}

/// Starts the worker, the sealer and the scheduler on this node.
pub fn spawn(app: App, mailer: Option<Mailer>) {
    let worker_id = format!("{}-{}", hostname(), uuid::Uuid::now_v7());
    tokio::spawn(run_worker(app.clone(), mailer, worker_id));
    tokio::spawn(run_sealer(app.clone()));
    tokio::spawn(run_scheduler(app));
}

fn hostname() -> String {
    std::env::var("HOSTNAME").unwrap_or_else(|_| "node".into())
}

async fn run_worker(app: App, mailer: Option<Mailer>, worker_id: String) {
    let lease = app.settings.job_lease_secs * 1_000_000;
    loop {
        match work_once(&app, mailer.as_ref(), &worker_id, lease).await {
            Ok(true) => continue,
            Ok(false) => {}
            Err(e) => tracing::warn!(error = ?e, "job worker could not reach the queue"),
        }
        tokio::select! {
            _ = app.wake().jobs.notified() => {}
            _ = tokio::time::sleep(Duration::from_secs(1)) => {}
        }
    }
}

/// Claims and runs one due job; false when none was due.
pub async fn work_once(
    app: &App,
    mailer: Option<&Mailer>,
    worker_id: &str,
    lease_micros: Micros,
) -> Result<bool, sqlx::Error> {
    let now = time::now();
    let job = {
        let mut conn = app.db.pool.acquire().await?;
        queue::claim(&mut conn, worker_id, now, now + lease_micros).await?
    };
    let Some(job) = job else { return Ok(false) };
    let result = if job.attempts > job.max_attempts {
        Err("its worker stopped during the last attempt".to_owned())
    } else {
        run(app, mailer, &job).await
    };
    let mut conn = app.db.pool.acquire().await?;
    match result {
        Ok(()) => {
            queue::complete(&mut conn, &job.id, worker_id).await?;
        }
        Err(error) => {
            let retry = retry_at(time::now(), job.attempts, job.max_attempts);
            tracing::warn!(job_id = %job.id, kind = %job.kind, attempt = job.attempts, %error, dead = retry.is_none(), "job failed");
            queue::fail(&mut conn, &job.id, worker_id, &error, retry).await?;
        }
    }
    Ok(true)
}

async fn run(app: &App, mailer: Option<&Mailer>, job: &JobRow) -> Result<(), String> {
    let payload: serde_json::Value =
        serde_json::from_str(&job.payload).map_err(|e| format!("unreadable payload: {e}"))?;
    let operator = Operator::new("job");
    match job.kind.as_str() {
        kind::EMAIL_SEND => {
            let id = payload["email_id"]
                .as_str()
                .ok_or("the payload names no email")?;
            app::jobs::deliver_email(app, mailer, id)
                .await
                .map_err(|e| e.to_string())
        }
        kind::ACCESS_REVIEW => app::users::review_stale_access(app, &operator)
            .await
            .map(|n| tracing::debug!(stale_users = n, "access review ran"))
            .map_err(|e| e.to_string()),
        kind::PRUNE => app::jobs::prune(app, time::now() - KEEP_DONE_MICROS)
            .await
            .map(|n| tracing::debug!(pruned = n, "finished jobs pruned"))
            .map_err(|e| e.to_string()),
        kind::PROTECTION => app::registrations::sweep_protection(app, &operator)
            .await
            .map(|n| tracing::debug!(changed = n, "registration protection swept"))
            .map_err(|e| e.to_string()),
        kind::TIERS_RECOMPUTE => app::tiers::recompute(app, app::Actor::Operator(&operator))
            .await
            .map(|r| {
                tracing::debug!(
                    accounts = r.accounts,
                    changes = r.changes.len(),
                    "tiers recomputed"
                )
            })
            .map_err(|e| e.to_string()),
        kind::TASKS_ESCALATE => app::requests::escalate_overdue(app, &operator, time::now())
            .await
            .map(|n| tracing::debug!(escalated = n, "overdue tasks escalated"))
            .map_err(|e| e.to_string()),
        other => Err(format!("no handler for job kind {other:?}")),
    }
}

/// Chains committed audit entries onto the log: at once when a use case commits one here,
/// and every second for those committed on other nodes.
async fn run_sealer(app: App) {
    loop {
        if let Err(e) = crate::storage::audit::seal(&app.db).await {
            tracing::warn!(error = ?e, "audit sealing failed; retrying");
        }
        tokio::select! {
            _ = app.wake().sealer.notified() => {}
            _ = tokio::time::sleep(Duration::from_secs(1)) => {}
        }
    }
}

/// Enqueues each recurring job's current occurrence; the dedupe key makes every node agree
/// on one job per period.
async fn run_scheduler(app: App) {
    loop {
        if let Err(e) = schedule_recurring(&app, time::now()).await {
            tracing::warn!(error = ?e, "could not schedule recurring jobs");
        }
        tokio::time::sleep(Duration::from_secs(30)).await;
    }
}

/// Enqueues the occurrence of every recurring job due at `now`; returns how many were new.
pub async fn schedule_recurring(app: &App, now: Micros) -> Result<usize, sqlx::Error> {
    let mut added = 0;
    let mut conn = app.db.pool.acquire().await?;
    for r in RECURRING {
        let period = r.every.as_micros() as i64;
        let slot = now - now.rem_euclid(period);
        let job = NewJob {
            kind: r.kind,
            payload: serde_json::json!({}),
            run_at: slot,
            max_attempts: r.max_attempts,
            dedupe_key: Some(format!("{}@{slot}", r.kind)),
        };
        if queue::enqueue(&mut conn, &job).await? {
            added += 1;
        }
    }
    if added > 0 {
        app.wake().jobs.notify_one();
    }
    Ok(added)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_back_off_and_stop_at_the_last_attempt() {
        assert_eq!(retry_at(0, 1, 5), Some(2_000_000));
        assert_eq!(retry_at(0, 2, 5), Some(4_000_000));
        assert_eq!(retry_at(0, 4, 5), Some(16_000_000));
        assert_eq!(retry_at(0, 5, 5), None);
        assert_eq!(retry_at(0, 20, 30), Some(3_600_000_000));
    }
}
