//! The email outbox: every email Portcullis sends is written here first, delivered by SMTP
//! when configured, and readable by administrators either way.

use sqlx::Row;
use sqlx::any::AnyRow;

use crate::storage::{CompanyScope, Sql};
use crate::time;
use sqlx::AnyConnection;

/// An email to send.
#[derive(Debug, Clone)]
pub struct Email {
    pub kind: String,
    pub to: String,
    pub subject: String,
    pub text: String,
    pub html: String,
    pub portal_id: Option<String>,
    /// A calendar invitation to attach: its file name and iCalendar text.
    pub ics: Option<(String, String)>,
}

/// Queues an email; returns its id.
pub async fn enqueue(conn: &mut AnyConnection, e: &Email) -> Result<String, sqlx::Error> {
    let id = uuid::Uuid::now_v7().to_string();
    sqlx::query(
        "INSERT INTO outbox (id, kind, to_email, subject, body_text, body_html, portal_id, created_at, \
         ics_name, ics) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(&id)
    .bind(&e.kind)
    .bind(&e.to)
    .bind(&e.subject)
    .bind(&e.text)
    .bind(&e.html)
    .bind(&e.portal_id)
    .bind(time::now())
    .bind(e.ics.as_ref().map(|(name, _)| name.as_str()))
    .bind(e.ics.as_ref().map(|(_, text)| text.as_str()))
    .execute(&mut *conn)
    .await?;
    Ok(id)
}

fn dto(r: &AnyRow) -> Result<portcullis_shared::admin::OutboxEmail, sqlx::Error> {
    Ok(portcullis_shared::admin::OutboxEmail {
        id: r.try_get("id")?,
        kind: r.try_get("kind")?,
        to: r.try_get("to_email")?,
        subject: r.try_get("subject")?,
        body_text: r.try_get("body_text")?,
        body_html: r.try_get("body_html")?,
        portal_id: r.try_get("portal_id")?,
        created_at: time::to_rfc3339(r.try_get("created_at")?),
        sent_at: r
            .try_get::<Option<i64>, _>("sent_at")?
            .map(time::to_rfc3339),
        attempts: r.try_get("attempts")?,
        last_error: r.try_get("last_error")?,
        ics_name: r.try_get("ics_name")?,
        ics: r.try_get("ics")?,
    })
}

/// Emails, newest first, optionally to one address, within `scope` (emails belong to the
/// company, not to one organisation).
pub async fn list(
    conn: &mut AnyConnection,
    scope: CompanyScope,
    to: Option<&str>,
    before_id: Option<&str>,
    limit: i64,
) -> Result<Vec<portcullis_shared::admin::OutboxEmail>, sqlx::Error> {
    let mut sql = Sql::new(
        "SELECT id, kind, to_email, subject, body_text, body_html, portal_id, created_at, \
         sent_at, attempts, last_error, ics_name, ics FROM outbox WHERE 1 = 1",
    );
    scope.restrict(&mut sql);
    if let Some(to) = to {
        sql.push(" AND to_email = ").bind(to);
    }
    if let Some(before) = before_id {
        sql.push(" AND id < ").bind(before);
    }
    sql.push(" ORDER BY id DESC LIMIT ").bind(limit);
    sql.query()
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(dto)
        .collect()
}

/// One email by id.
pub async fn get(
    conn: &mut AnyConnection,
    id: &str,
) -> Result<Option<portcullis_shared::admin::OutboxEmail>, sqlx::Error> {
    sqlx::query(
        "SELECT id, kind, to_email, subject, body_text, body_html, portal_id, created_at, sent_at, \
         attempts, last_error, ics_name, ics FROM outbox WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?
    .map(|r| dto(&r))
    .transpose()
}

/// Records a delivery attempt.
pub async fn record_attempt(
    conn: &mut AnyConnection,
    id: &str,
    error: Option<&str>,
) -> Result<(), sqlx::Error> {
    let sent_at = error.is_none().then(time::now);
    sqlx::query(
        "UPDATE outbox SET attempts = attempts + 1, sent_at = $1, last_error = $2 WHERE id = $3",
    )
    .bind(sent_at)
    .bind(error)
    .bind(id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}
