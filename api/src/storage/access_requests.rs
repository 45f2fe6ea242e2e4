//! Self-registration requests, decided by administrators.

use portcullis_shared::admin::{AccessRequest, AccessRequestStatus};
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::storage::{CompanyScope, Sql};
use crate::time;
use sqlx::AnyConnection;

fn dto(r: &AnyRow) -> Result<AccessRequest, sqlx::Error> {
    Ok(AccessRequest {
        id: r.try_get("id")?,
        portal_id: r.try_get("portal_id")?,
        email: r.try_get("email")?,
        name: r.try_get("name")?,
        company: r.try_get("company")?,
        message: r.try_get("message")?,
        status: {
            let status: String = r.try_get("status")?;
            AccessRequestStatus::parse(&status).ok_or_else(|| sqlx::Error::ColumnDecode {
                index: "status".into(),
                source: format!("unexpected status {status:?}").into(),
            })?
        },
        reason: r.try_get("reason")?,
        created_at: time::to_rfc3339(r.try_get("created_at")?),
    })
}

/// Records a pending request unless one is already pending for this email and portal.
pub async fn create(
    conn: &mut AnyConnection,
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
    .fetch_one(&mut *conn)
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
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Requests with a status, oldest first (at most 500).
pub async fn list(
    conn: &mut AnyConnection,
    scope: CompanyScope,
    status: AccessRequestStatus,
) -> Result<Vec<AccessRequest>, sqlx::Error> {
    let mut sql = Sql::new(
        "SELECT id, portal_id, email, name, company, message, status, reason, created_at \
         FROM access_requests WHERE status = ",
    );
    sql.bind(status.as_str());
    scope.restrict(&mut sql);
    sql.push(" ORDER BY id LIMIT 500");
    sql.query()
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(dto)
        .collect()
}

/// One request within `scope`.
pub async fn get(
    conn: &mut AnyConnection,
    scope: CompanyScope,
    id: &str,
) -> Result<Option<AccessRequest>, sqlx::Error> {
    let mut sql = Sql::new(
        "SELECT id, portal_id, email, name, company, message, status, reason, created_at \
         FROM access_requests WHERE id = ",
    );
    sql.bind(id);
    scope.restrict(&mut sql);
    sql.query()
        .fetch_optional(&mut *conn)
        .await?
        .map(|r| dto(&r))
        .transpose()
}

/// Decides a pending request; false when it was already decided.
pub async fn decide(
    conn: &mut AnyConnection,
    id: &str,
    status: AccessRequestStatus,
    by: &str,
    reason: Option<&str>,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE access_requests SET status = $1, decided_by = $2, decided_at = $3, reason = $4 \
         WHERE id = $5 AND status = 'pending'",
    )
    .bind(status.as_str())
    .bind(by)
    .bind(time::now())
    .bind(reason)
    .bind(id)
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected() == 1)
}
