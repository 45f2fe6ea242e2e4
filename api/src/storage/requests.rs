//! Requests, their tasks and SLAs, task lists and the escalation of overdue tasks. Requests
//! carry their requester's side as audience and are read through the caller's
//! `CollabScope`, rendered into the statement with the deal joined as `d`.

use portcullis_shared::collab::Audience;
use portcullis_shared::partners::TaskStatus;
use portcullis_shared::requests::{RequestKind, RequestStatus};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use crate::storage::{CollabScope, Sql};
use crate::time::Micros;

/// A request as stored, with the names the wire shows.
#[derive(Debug, Clone)]
pub struct RequestRow {
    pub id: String,
    pub deal_id: String,
    pub deal_name: String,
    pub audience: Audience,
    pub kind: RequestKind,
    pub title: String,
    pub body: String,
    pub status: RequestStatus,
    pub answer: Option<String>,
    pub requested_by: String,
    pub requester_name: String,
    pub task_id: String,
    pub due_at: Micros,
    pub created_at: Micros,
    pub updated_at: Micros,
}

/// A request to store.
pub struct NewRequest<'a> {
    pub id: &'a str,
    pub deal_id: &'a str,
    pub audience: Audience,
    pub kind: RequestKind,
    pub title: &'a str,
    pub body: &'a str,
    pub requested_by: &'a str,
    pub portal_id: Option<&'a str>,
    pub task_id: &'a str,
    pub due_at: Micros,
    pub at: Micros,
}

pub async fn insert(conn: &mut AnyConnection, r: &NewRequest<'_>) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO requests (id, deal_id, audience, kind, title, body, status, requested_by, portal_id, \
         task_id, due_at, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, 'submitted', $7, $8, $9, $10, $11, $11)",
    )
    .bind(r.id)
    .bind(r.deal_id)
    .bind(r.audience.as_str())
    .bind(r.kind.as_str())
    .bind(r.title)
    .bind(r.body)
    .bind(r.requested_by)
    .bind(r.portal_id)
    .bind(r.task_id)
    .bind(r.due_at)
    .bind(r.at)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

const SELECT: &str = "SELECT q.id, q.deal_id, d.name AS deal_name, q.audience, q.kind, q.title, q.body, q.status, \
     q.answer, q.requested_by, u.name AS requester_name, q.task_id, q.due_at, q.created_at, q.updated_at \
     FROM requests q JOIN deals d ON d.id = q.deal_id JOIN users u ON u.id = q.requested_by WHERE 1 = 1";

fn request(r: &AnyRow) -> Result<RequestRow, sqlx::Error> {
    Ok(RequestRow {
        id: r.try_get("id")?,
        deal_id: r.try_get("deal_id")?,
        deal_name: r.try_get("deal_name")?,
        audience: Audience::parse(&r.try_get::<String, _>("audience")?)
            .unwrap_or(Audience::Internal),
        kind: RequestKind::parse(&r.try_get::<String, _>("kind")?).unwrap_or(RequestKind::Quote),
        title: r.try_get("title")?,
        body: r.try_get("body")?,
        status: RequestStatus::parse(&r.try_get::<String, _>("status")?)
            .unwrap_or(RequestStatus::Submitted),
        answer: r.try_get("answer")?,
        requested_by: r.try_get("requested_by")?,
        requester_name: r.try_get("requester_name")?,
        task_id: r.try_get("task_id")?,
        due_at: r.try_get("due_at")?,
        created_at: r.try_get("created_at")?,
        updated_at: r.try_get("updated_at")?,
    })
}

/// Requests the caller reaches, newest first; on one deal when `deal_id` is given.
pub async fn list(
    conn: &mut AnyConnection,
    scope: &CollabScope,
    deal_id: Option<&str>,
    cursor: Option<&str>,
    limit: i64,
) -> Result<Vec<RequestRow>, sqlx::Error> {
    let mut sql = Sql::new(SELECT);
    if let Some(d) = deal_id {
        sql.push(" AND q.deal_id = ").bind(d);
    }
    scope.restrict(&mut sql, "q.audience");
    if let Some(c) = cursor {
        sql.push(" AND q.id < ").bind(c);
    }
    sql.push(" ORDER BY q.id DESC LIMIT ").bind(limit);
    let rows = sql.query().fetch_all(&mut *conn).await?;
    rows.iter().map(request).collect()
}

/// One request, if the caller reaches it.
pub async fn find(
    conn: &mut AnyConnection,
    scope: &CollabScope,
    id: &str,
) -> Result<Option<RequestRow>, sqlx::Error> {
    let mut sql = Sql::new(SELECT);
    sql.push(" AND q.id = ").bind(id);
    scope.restrict(&mut sql, "q.audience");
    let row = sql.query().fetch_optional(&mut *conn).await?;
    row.as_ref().map(request).transpose()
}

/// Sets a request's status and answer, and its task's status to match.
pub async fn update(
    conn: &mut AnyConnection,
    r: &RequestRow,
    answered_by: &str,
    at: Micros,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE requests SET status = $1, answer = $2, answered_by = $3, updated_at = $4 WHERE id = $5",
    )
    .bind(r.status.as_str())
    .bind(&r.answer)
    .bind(answered_by)
    .bind(at)
    .bind(&r.id)
    .execute(&mut *conn)
    .await?;
    let task_status = match r.status {
        RequestStatus::Submitted => TaskStatus::Open,
        RequestStatus::InProgress => TaskStatus::InProgress,
        RequestStatus::Done => TaskStatus::Done,
    };
    set_task_status(conn, &r.task_id, task_status, at).await?;
    Ok(())
}

/// The request a task was made for, if any: (request id, status).
pub async fn request_of_task(
    conn: &mut AnyConnection,
    task_id: &str,
) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar("SELECT id FROM requests WHERE task_id = $1")
        .bind(task_id)
        .fetch_optional(&mut *conn)
        .await
}

/// Sets a request's status only (its task moved).
pub async fn set_request_status(
    conn: &mut AnyConnection,
    id: &str,
    status: RequestStatus,
    at: Micros,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE requests SET status = $1, updated_at = $2 WHERE id = $3")
        .bind(status.as_str())
        .bind(at)
        .bind(id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

// ---------------------------------------------------------------------------------------
// SLAs

/// A portal's own SLA hours per kind (kinds it has not set are absent).
pub async fn slas(
    conn: &mut AnyConnection,
    portal_id: &str,
) -> Result<Vec<(RequestKind, i64)>, sqlx::Error> {
    let rows = sqlx::query("SELECT kind, hours FROM request_slas WHERE portal_id = $1")
        .bind(portal_id)
        .fetch_all(&mut *conn)
        .await?;
    let mut out = Vec::new();
    for r in &rows {
        if let Some(k) = RequestKind::parse(&r.try_get::<String, _>("kind")?) {
            out.push((k, r.try_get("hours")?));
        }
    }
    Ok(out)
}

pub async fn set_sla(
    conn: &mut AnyConnection,
    portal_id: &str,
    kind: RequestKind,
    hours: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO request_slas (portal_id, kind, hours) VALUES ($1, $2, $3) \
         ON CONFLICT (portal_id, kind) DO UPDATE SET hours = excluded.hours",
    )
    .bind(portal_id)
    .bind(kind.as_str())
    .bind(hours)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Tasks

/// A task to store.
pub struct NewTask<'a> {
    pub id: &'a str,
    pub assignee_id: &'a str,
    pub title: &'a str,
    pub body: Option<&'a str>,
    pub source: &'a str,
    pub source_id: Option<&'a str>,
    pub deal_id: Option<&'a str>,
    pub account_id: Option<&'a str>,
    pub audience: Audience,
    pub created_by: Option<&'a str>,
    pub due_at: Option<Micros>,
    pub at: Micros,
}

pub async fn insert_task(conn: &mut AnyConnection, t: &NewTask<'_>) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO tasks (id, assignee_id, title, body, source, source_id, deal_id, account_id, status, \
         due_at, created_at, updated_at, audience, created_by) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'open', $9, $10, $10, $11, $12)",
    )
    .bind(t.id)
    .bind(t.assignee_id)
    .bind(t.title)
    .bind(t.body)
    .bind(t.source)
    .bind(t.source_id)
    .bind(t.deal_id)
    .bind(t.account_id)
    .bind(t.due_at)
    .bind(t.at)
    .bind(t.audience.as_str())
    .bind(t.created_by)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// A task as lists show it.
#[derive(Debug, Clone)]
pub struct TaskRow {
    pub id: String,
    pub assignee_id: String,
    pub assignee_name: String,
    pub title: String,
    pub body: Option<String>,
    pub source: String,
    pub source_id: Option<String>,
    pub deal_id: Option<String>,
    pub deal_name: Option<String>,
    pub account_id: Option<String>,
    pub audience: Audience,
    pub status: TaskStatus,
    pub due_at: Option<Micros>,
    pub escalated_at: Option<Micros>,
    pub created_by: Option<String>,
    pub created_at: Micros,
}

const TASK_SELECT: &str = "SELECT t.id, t.assignee_id, a.name AS assignee_name, t.title, t.body, t.source, \
     t.source_id, t.deal_id, d.name AS deal_name, t.account_id, t.audience, t.status, t.due_at, t.escalated_at, \
     t.created_by, t.created_at FROM tasks t JOIN users a ON a.id = t.assignee_id LEFT JOIN deals d ON d.id = t.deal_id";

fn task(r: &AnyRow) -> Result<TaskRow, sqlx::Error> {
    Ok(TaskRow {
        id: r.try_get("id")?,
        assignee_id: r.try_get("assignee_id")?,
        assignee_name: r.try_get("assignee_name")?,
        title: r.try_get("title")?,
        body: r.try_get("body")?,
        source: r.try_get("source")?,
        source_id: r.try_get("source_id")?,
        deal_id: r.try_get("deal_id")?,
        deal_name: r.try_get("deal_name")?,
        account_id: r.try_get("account_id")?,
        audience: Audience::parse(&r.try_get::<String, _>("audience")?)
            .unwrap_or(Audience::Internal),
        status: TaskStatus::parse(&r.try_get::<String, _>("status")?).unwrap_or(TaskStatus::Open),
        due_at: r.try_get("due_at")?,
        escalated_at: r.try_get("escalated_at")?,
        created_by: r.try_get("created_by")?,
        created_at: r.try_get("created_at")?,
    })
}

/// Filters of a user's task list.
#[derive(Debug, Clone, Default)]
pub struct TaskFilter<'a> {
    /// Include finished tasks.
    pub all: bool,
    /// Only unfinished tasks due before this time.
    pub overdue_at: Option<Micros>,
    pub source: Option<&'a str>,
    pub deal_id: Option<&'a str>,
}

/// A user's tasks, newest first.
pub async fn tasks_of(
    conn: &mut AnyConnection,
    assignee: &str,
    f: &TaskFilter<'_>,
    cursor: Option<&str>,
    limit: i64,
) -> Result<Vec<TaskRow>, sqlx::Error> {
    let mut sql = Sql::new(TASK_SELECT);
    sql.push(" WHERE t.assignee_id = ").bind(assignee);
    if let Some(now) = f.overdue_at {
        sql.push(" AND t.status <> 'done' AND t.due_at < ")
            .bind(now);
    } else if !f.all {
        sql.push(" AND t.status <> 'done'");
    }
    if let Some(s) = f.source {
        sql.push(" AND t.source = ").bind(s);
    }
    if let Some(d) = f.deal_id {
        sql.push(" AND t.deal_id = ").bind(d);
    }
    if let Some(c) = cursor {
        sql.push(" AND t.id < ").bind(c);
    }
    sql.push(" ORDER BY t.id DESC LIMIT ").bind(limit);
    let rows = sql.query().fetch_all(&mut *conn).await?;
    rows.iter().map(task).collect()
}

/// One task by id (no scope: the caller decides from the row who may change it).
pub async fn task_by_id(
    conn: &mut AnyConnection,
    id: &str,
) -> Result<Option<TaskRow>, sqlx::Error> {
    let mut sql = Sql::new(TASK_SELECT);
    sql.push(" WHERE t.id = ").bind(id);
    let row = sql.query().fetch_optional(&mut *conn).await?;
    row.as_ref().map(task).transpose()
}

/// A deal's joint tasks the caller reaches (audience `partner`), newest first.
pub async fn joint_tasks(
    conn: &mut AnyConnection,
    scope: &CollabScope,
    deal_id: &str,
    limit: i64,
) -> Result<Vec<TaskRow>, sqlx::Error> {
    let mut sql = Sql::new(TASK_SELECT);
    sql.push(" WHERE t.source = 'joint' AND t.deal_id = ")
        .bind(deal_id);
    scope.restrict(&mut sql, "t.audience");
    sql.push(" ORDER BY t.id DESC LIMIT ").bind(limit);
    let rows = sql.query().fetch_all(&mut *conn).await?;
    rows.iter().map(task).collect()
}

pub async fn set_task_status(
    conn: &mut AnyConnection,
    id: &str,
    status: TaskStatus,
    at: Micros,
) -> Result<(), sqlx::Error> {
    let done_at = (status == TaskStatus::Done).then_some(at);
    sqlx::query("UPDATE tasks SET status = $1, updated_at = $2, done_at = $3 WHERE id = $4")
        .bind(status.as_str())
        .bind(at)
        .bind(done_at)
        .bind(id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Unfinished tasks past due and never escalated, oldest due first.
pub async fn overdue_unescalated(
    conn: &mut AnyConnection,
    now: Micros,
    limit: i64,
) -> Result<Vec<TaskRow>, sqlx::Error> {
    let mut sql = Sql::new(TASK_SELECT);
    sql.push(" WHERE t.escalated_at IS NULL AND t.status <> 'done' AND t.due_at < ")
        .bind(now)
        .push(" ORDER BY t.due_at, t.id LIMIT ")
        .bind(limit);
    let rows = sql.query().fetch_all(&mut *conn).await?;
    rows.iter().map(task).collect()
}

/// Claims a task's escalation: true for exactly one caller, however many nodes try.
pub async fn claim_escalation(
    conn: &mut AnyConnection,
    id: &str,
    to: Option<&str>,
    now: Micros,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE tasks SET escalated_at = $1, escalated_to = $2 WHERE id = $3 AND escalated_at IS NULL",
    )
    .bind(now)
    .bind(to)
    .bind(id)
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Whom a user's overdue work goes to: their manager when active, else every active
/// administrator and manager (but not the user).
pub async fn escalation_targets(
    conn: &mut AnyConnection,
    user_id: &str,
) -> Result<Vec<String>, sqlx::Error> {
    let manager: Option<String> = sqlx::query_scalar(
        "SELECT m.id FROM users u JOIN users m ON m.id = u.manager_id WHERE u.id = $1 AND m.status = 'active'",
    )
    .bind(user_id)
    .fetch_optional(&mut *conn)
    .await?;
    if let Some(m) = manager {
        return Ok(vec![m]);
    }
    sqlx::query_scalar(
        "SELECT id FROM users WHERE role IN ('admin', 'manager') AND status = 'active' AND id <> $1 ORDER BY id",
    )
    .bind(user_id)
    .fetch_all(&mut *conn)
    .await
}

/// Sets a user's manager.
pub async fn set_manager(
    conn: &mut AnyConnection,
    user_id: &str,
    manager_id: Option<&str>,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE users SET manager_id = $1 WHERE id = $2")
        .bind(manager_id)
        .bind(user_id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}
