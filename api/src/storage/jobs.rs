//! The job queue's table. Jobs are enqueued inside the transaction of the use case that
//! starts them, claimed with a lease (`FOR UPDATE SKIP LOCKED` on PostgreSQL; SQLite's single
//! writer makes the one-statement claim atomic), retried with backoff and dead after their
//! last attempt. A claimed job's `run_at` is its lease's end, so one index finds both due
//! work and work whose worker died.

use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use crate::storage::CompanyScope;
use crate::storage::sql::Sql;
use crate::time::{self, Micros};

pub use portcullis_shared::admin::JobState;

/// A job to enqueue.
#[derive(Debug, Clone)]
pub struct NewJob {
    pub kind: &'static str,
    pub payload: serde_json::Value,
    pub run_at: Micros,
    pub max_attempts: i64,
    /// One job per key, ever: recurring occurrences and other work that must not double.
    pub dedupe_key: Option<String>,
}

/// A job as stored.
#[derive(Debug, Clone)]
pub struct JobRow {
    pub id: String,
    pub kind: String,
    pub payload: String,
    pub state: JobState,
    pub attempts: i64,
    pub max_attempts: i64,
    pub run_at: Micros,
    pub last_error: Option<String>,
    pub created_at: Micros,
    pub updated_at: Micros,
}

impl JobRow {
    fn from_row(r: &AnyRow) -> Result<JobRow, sqlx::Error> {
        let state: String = r.try_get("state")?;
        Ok(JobRow {
            id: r.try_get("id")?,
            kind: r.try_get("kind")?,
            payload: r.try_get("payload")?,
            state: JobState::parse(&state).ok_or_else(|| sqlx::Error::ColumnDecode {
                index: "state".into(),
                source: format!("unexpected job state {state:?}").into(),
            })?,
            attempts: r.try_get("attempts")?,
            max_attempts: r.try_get("max_attempts")?,
            run_at: r.try_get("run_at")?,
            last_error: r.try_get("last_error")?,
            created_at: r.try_get("created_at")?,
            updated_at: r.try_get("updated_at")?,
        })
    }
}

macro_rules! job_columns {
    () => {
        "id, kind, payload, state, attempts, max_attempts, run_at, last_error, created_at, \
         updated_at"
    };
}

/// Enqueues a job; false when its dedupe key was taken already.
pub async fn enqueue(conn: &mut AnyConnection, job: &NewJob) -> Result<bool, sqlx::Error> {
    let now = time::now();
    let done = sqlx::query(
        "INSERT INTO jobs (id, kind, payload, state, attempts, max_attempts, run_at, dedupe_key, \
         created_at, updated_at) VALUES ($1, $2, $3, 'queued', 0, $4, $5, $6, $7, $7) \
         ON CONFLICT (dedupe_key) DO NOTHING",
    )
    .bind(uuid::Uuid::now_v7().to_string())
    .bind(job.kind)
    .bind(job.payload.to_string())
    .bind(job.max_attempts)
    .bind(job.run_at)
    .bind(&job.dedupe_key)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Claims the next due job for `worker` until `lease_until`: a queued job, a failed one whose
/// retry time has come, or a running one whose worker's lease ran out.
pub async fn claim(
    conn: &mut AnyConnection,
    worker: &str,
    now: Micros,
    lease_until: Micros,
) -> Result<Option<JobRow>, sqlx::Error> {
    let lock = if conn.backend_name() == "PostgreSQL" {
        " FOR UPDATE SKIP LOCKED"
    } else {
        ""
    };
    let sql = format!(
        concat!(
            "UPDATE jobs SET state = 'running', attempts = attempts + 1, run_at = $1, \
             lease_until = $1, locked_by = $2, updated_at = $3 WHERE id = (SELECT id FROM jobs \
             WHERE state IN ('queued', 'failed', 'running') AND run_at <= $3 \
             ORDER BY run_at LIMIT 1{}) RETURNING ",
            job_columns!()
        ),
        lock
    );
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(lease_until)
        .bind(worker)
        .bind(now)
        .fetch_optional(&mut *conn)
        .await?
        .map(|r| JobRow::from_row(&r))
        .transpose()
}

/// Marks a claimed job done; false when the lease was lost to another worker meanwhile.
pub async fn complete(
    conn: &mut AnyConnection,
    id: &str,
    worker: &str,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE jobs SET state = 'done', lease_until = NULL, locked_by = NULL, last_error = NULL, \
         updated_at = $1 WHERE id = $2 AND locked_by = $3 AND state = 'running'",
    )
    .bind(time::now())
    .bind(id)
    .bind(worker)
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Records a failed attempt: the job waits for `retry_at`, or is dead when `retry_at` is
/// `None`.
pub async fn fail(
    conn: &mut AnyConnection,
    id: &str,
    worker: &str,
    error: &str,
    retry_at: Option<Micros>,
) -> Result<bool, sqlx::Error> {
    let now = time::now();
    let (state, run_at) = match retry_at {
        Some(t) => (JobState::Failed, t),
        None => (JobState::Dead, now),
    };
    let error: String = error.chars().take(2000).collect();
    let done = sqlx::query(
        "UPDATE jobs SET state = $1, run_at = $2, last_error = $3, lease_until = NULL, \
         locked_by = NULL, updated_at = $4 WHERE id = $5 AND locked_by = $6 AND state = 'running'",
    )
    .bind(state.as_str())
    .bind(run_at)
    .bind(error)
    .bind(now)
    .bind(id)
    .bind(worker)
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Filters of the job list.
#[derive(Debug, Clone, Default)]
pub struct JobFilter {
    pub state: Option<JobState>,
    pub kind: Option<String>,
}

/// Jobs matching `f` within `scope`, newest first, before `cursor`.
pub async fn list(
    conn: &mut AnyConnection,
    scope: CompanyScope,
    f: &JobFilter,
    cursor: Option<&str>,
    limit: i64,
) -> Result<Vec<JobRow>, sqlx::Error> {
    let mut sql = Sql::new(concat!("SELECT ", job_columns!(), " FROM jobs WHERE 1 = 1"));
    scope.restrict(&mut sql);
    if let Some(state) = f.state {
        sql.push(" AND state = ").bind(state.as_str());
    }
    if let Some(kind) = &f.kind {
        sql.push(" AND kind = ").bind(kind);
    }
    if let Some(cursor) = cursor {
        sql.push(" AND id < ").bind(cursor);
    }
    sql.push(" ORDER BY id DESC LIMIT ").bind(limit);
    sql.query()
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(JobRow::from_row)
        .collect()
}

/// One job within `scope`.
pub async fn get(
    conn: &mut AnyConnection,
    scope: CompanyScope,
    id: &str,
) -> Result<Option<JobRow>, sqlx::Error> {
    let mut sql = Sql::new(concat!("SELECT ", job_columns!(), " FROM jobs WHERE id = "));
    sql.bind(id);
    scope.restrict(&mut sql);
    sql.query()
        .fetch_optional(&mut *conn)
        .await?
        .map(|r| JobRow::from_row(&r))
        .transpose()
}

/// Puts a dead job back in the queue with a fresh set of attempts.
pub async fn retry(
    conn: &mut AnyConnection,
    scope: CompanyScope,
    id: &str,
) -> Result<bool, sqlx::Error> {
    let now = time::now();
    let mut sql = Sql::new(
        "UPDATE jobs SET state = 'queued', attempts = 0, lease_until = NULL, locked_by = NULL, \
         run_at = ",
    );
    sql.bind(now).push(", updated_at = ").bind(now);
    sql.push(" WHERE state = 'dead' AND id = ").bind(id);
    scope.restrict(&mut sql);
    Ok(sql.query().execute(&mut *conn).await?.rows_affected() == 1)
}

/// How many jobs there are of each kind in each state.
pub async fn counts(conn: &mut AnyConnection) -> Result<Vec<(String, String, i64)>, sqlx::Error> {
    sqlx::query("SELECT kind, state, COUNT(*) AS n FROM jobs GROUP BY kind, state")
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(|r| Ok((r.try_get("kind")?, r.try_get("state")?, r.try_get("n")?)))
        .collect()
}

/// Deletes finished jobs last changed before `before`; returns how many.
pub async fn prune_done(conn: &mut AnyConnection, before: Micros) -> Result<u64, sqlx::Error> {
    Ok(
        sqlx::query("DELETE FROM jobs WHERE state = 'done' AND run_at < $1 AND updated_at < $1")
            .bind(before)
            .execute(&mut *conn)
            .await?
            .rows_affected(),
    )
}
