//! Self-registration requests, decided by administrators.

use portcullis_shared::admin::AccessRequest;
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::db::Db;
use crate::storage::Scope;
use crate::time;

fn dto(r: &AnyRow) -> Result<AccessRequest, sqlx::Error> {
    Ok(AccessRequest {
        id: r.try_get("id")?,
        portal_id: r.try_get("portal_id")?,
        email: r.try_get("email")?,
        name: r.try_get("name")?,
        company: r.try_get("company")?,
        message: r.try_get("message")?,
        status: r.try_get("status")?,
        reason: r.try_get("reason")?,
        created_at: time::to_rfc3339(r.try_get("created_at")?),
    })
}

/// Records a pending request unless one is already pending for this email and portal.
pub async fn create(
    db: &Db,
    portal_id: &str,
    email: &str,
    name: &str,
    company: &str,
    message: Option<&str>,
) -> Result<(), sqlx::Error> {
    let pending: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM access_requests WHERE portal_id = $1 AND lower(email) = lower($2) AND status = 'pending'",
    )
    .bind(portal_id)
    .bind(email)
    .fetch_one(&db.pool)
    .await?;
    if pending > 0 {
        return Ok(());
    }
    sqlx::query(
        "INSERT INTO access_requests (id, portal_id, email, name, company, message, status, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, 'pending', $7)",
    )
    .bind(uuid::Uuid::now_v7().to_string())
    .bind(portal_id)
    .bind(email)
    .bind(name)
    .bind(company)
    .bind(message)
    .bind(time::now())
    .execute(&db.pool)
    .await?;
    Ok(())
}

/// Requests with a status, oldest first (at most 500).
pub async fn list(db: &Db, scope: &Scope, status: &str) -> Result<Vec<AccessRequest>, sqlx::Error> {
    if !scope.whole_company() {
        return Ok(Vec::new());
    }
    sqlx::query(
        "SELECT id, portal_id, email, name, company, message, status, reason, created_at \
         FROM access_requests WHERE status = $1 ORDER BY id LIMIT 500",
    )
    .bind(status)
    .fetch_all(&db.pool)
    .await?
    .iter()
    .map(dto)
    .collect()
}

/// One request.
pub async fn get(db: &Db, id: &str) -> Result<Option<AccessRequest>, sqlx::Error> {
    sqlx::query(
        "SELECT id, portal_id, email, name, company, message, status, reason, created_at \
         FROM access_requests WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(&db.pool)
    .await?
    .map(|r| dto(&r))
    .transpose()
}

/// Decides a pending request; false when it was already decided.
pub async fn decide(
    db: &Db,
    id: &str,
    status: &str,
    by: &str,
    reason: Option<&str>,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE access_requests SET status = $1, decided_by = $2, decided_at = $3, reason = $4 \
         WHERE id = $5 AND status = 'pending'",
    )
    .bind(status)
    .bind(by)
    .bind(time::now())
    .bind(reason)
    .bind(id)
    .execute(&db.pool)
    .await?;
    Ok(done.rows_affected() == 1)
}
