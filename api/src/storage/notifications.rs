//! In-app notifications: one row per recipient, read or not.

use sqlx::{AnyConnection, Row};

use crate::storage::Sql;
use crate::time::{self, Micros};

/// A notification to write.
#[derive(Debug, Clone)]
pub struct NewNotification<'a> {
    pub user_id: &'a str,
    pub kind: &'a str,
    pub title: &'a str,
    pub body: &'a str,
    pub link: Option<&'a str>,
}

/// A stored notification.
#[derive(Debug, Clone)]
pub struct NotificationRow {
    pub id: String,
    pub kind: String,
    pub title: String,
    pub body: String,
    pub link: Option<String>,
    pub created_at: Micros,
    pub read_at: Option<Micros>,
}

/// Writes one notification; returns its id.
pub async fn insert(
    conn: &mut AnyConnection,
    n: &NewNotification<'_>,
) -> Result<String, sqlx::Error> {
    let id = uuid::Uuid::now_v7().to_string();
    sqlx::query(
        "INSERT INTO notifications (id, user_id, kind, title, body, link, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(&id)
    .bind(n.user_id)
    .bind(n.kind)
    .bind(n.title)
    .bind(n.body)
    .bind(n.link)
    .bind(time::now())
    .execute(&mut *conn)
    .await?;
    Ok(id)
}

/// A user's notifications, newest first (ids are time-ordered), before the `cursor` id.
pub async fn list(
    conn: &mut AnyConnection,
    user_id: &str,
    unread_only: bool,
    cursor: Option<&str>,
    limit: i64,
) -> Result<Vec<NotificationRow>, sqlx::Error> {
    let mut sql = Sql::new(
        "SELECT id, kind, title, body, link, created_at, read_at FROM notifications WHERE user_id = ",
    );
    sql.bind(user_id);
    if unread_only {
        sql.push(" AND read_at IS NULL");
    }
    if let Some(cursor) = cursor {
        sql.push(" AND id < ").bind(cursor);
    }
    sql.push(" ORDER BY id DESC LIMIT ").bind(limit);
    let rows = sql.query().fetch_all(&mut *conn).await?;
    rows.iter()
        .map(|r| {
            Ok(NotificationRow {
                id: r.try_get("id")?,
                kind: r.try_get("kind")?,
                title: r.try_get("title")?,
                body: r.try_get("body")?,
                link: r.try_get("link")?,
                created_at: r.try_get("created_at")?,
                read_at: r.try_get("read_at")?,
            })
        })
        .collect()
}

/// How many of a user's notifications are unread.
pub async fn unread_count(conn: &mut AnyConnection, user_id: &str) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT COUNT(*) FROM notifications WHERE user_id = $1 AND read_at IS NULL")
        .bind(user_id)
        .fetch_one(&mut *conn)
        .await
}

/// Marks one of the user's notifications read; false when the user has no such notification.
pub async fn mark_read(
    conn: &mut AnyConnection,
    user_id: &str,
    id: &str,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE notifications SET read_at = COALESCE(read_at, $1) WHERE id = $2 AND user_id = $3",
    )
    .bind(time::now())
    .bind(id)
    .bind(user_id)
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Marks all of a user's notifications read; returns how many were unread.
pub async fn mark_all_read(conn: &mut AnyConnection, user_id: &str) -> Result<u64, sqlx::Error> {
    let done =
        sqlx::query("UPDATE notifications SET read_at = $1 WHERE user_id = $2 AND read_at IS NULL")
            .bind(time::now())
            .bind(user_id)
            .execute(&mut *conn)
            .await?;
    Ok(done.rows_affected())
}

/// Who gets a partner account's notices: its partner administrators and, when given, the
/// user the notice is about. Returns `(id, email, name, portal_id, notification_prefs)`.
pub async fn partner_recipients(
    conn: &mut AnyConnection,
    account_id: &str,
    also: Option<&str>,
) -> Result<Vec<Recipient>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT id, email, name, portal_id, notification_prefs FROM users \
         WHERE status = 'active' AND account_id = $1 AND (role = 'partner_admin' OR id = $2) \
         ORDER BY id",
    )
    .bind(account_id)
    .bind(also.unwrap_or(""))
    .fetch_all(&mut *conn)
    .await?;
    rows.iter().map(recipient).collect()
}

/// One user as a recipient, if active.
pub async fn recipient_by_id(
    conn: &mut AnyConnection,
    user_id: &str,
) -> Result<Option<Recipient>, sqlx::Error> {
    let row = sqlx::query(
        "SELECT id, email, name, portal_id, notification_prefs FROM users WHERE id = $1 AND status = 'active'",
    )
    .bind(user_id)
    .fetch_optional(&mut *conn)
    .await?;
    row.as_ref().map(recipient).transpose()
}

/// Someone a notice goes to.
#[derive(Debug, Clone)]
pub struct Recipient {
    pub id: String,
    pub email: String,
    pub name: String,
    pub portal_id: Option<String>,
    pub notification_prefs: Option<String>,
}

fn recipient(r: &sqlx::any::AnyRow) -> Result<Recipient, sqlx::Error> {
    Ok(Recipient {
        id: r.try_get("id")?,
        email: r.try_get("email")?,
        name: r.try_get("name")?,
        portal_id: r.try_get("portal_id")?,
        notification_prefs: r.try_get("notification_prefs")?,
    })
}
