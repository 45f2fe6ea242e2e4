//! Structured requests, the tasks they create, SLAs and escalation.
//!
//! A customer or co-selling partner submits a request on a deal; in the same transaction it
//! becomes a task for the deal's owner, due within the SLA of the requester's portal for its
//! kind (defaults: quote 48 h, change order 72 h, meeting 24 h, support escalation 4 h,
//! document 48 h; see `RequestKind::default_sla_hours`). The requester's side follows its
//! status and reads the answer; the company updates both. A recurring job escalates each
//! overdue open task once, to its assignee's manager, else to the administrators and
//! managers; the claim is a conditional update, so two nodes never escalate one task twice.

use portcullis_shared::collab::{Audience, Side};
use portcullis_shared::deals::DealEventKind;
use portcullis_shared::partners::{Task, TaskPage, TaskStatus, TaskView};
use portcullis_shared::requests::{
    Request, RequestInput, RequestKind, RequestPage, RequestPatch, RequestSla, RequestSlas,
    RequestSlasInput, RequestStatus,
};
use portcullis_shared::{FieldCode, FieldError, Permission, PortalId};
use serde_json::json;

use crate::app::notifications::{self, Notice, Topic};
use crate::app::scope::{self, require};
use crate::app::{Actor, App, Audit, Operator, page, page_limit};
use crate::auth::Principal;
use crate::error::ApiError;
use crate::storage::deals::{self as deal_store, NewEvent};
use crate::storage::portals;
use crate::storage::requests::{
    self as store, NewRequest, NewTask, RequestRow, TaskFilter, TaskRow,
};
use crate::storage::threads as deals_in_reach;
use crate::time::{self, Micros};

const MAX_TITLE: usize = 200;
const MAX_TEXT: usize = 20_000;
const HOUR: Micros = 3_600_000_000;

fn side_of(audience: Audience) -> Side {
    match audience {
        Audience::Partner => Side::Partner,
        _ => Side::Customer,
    }
}

fn kind_words(kind: RequestKind) -> &'static str {
    match kind {
        RequestKind::Quote => "quote",
        RequestKind::ChangeOrder => "change order",
        RequestKind::Meeting => "meeting",
        RequestKind::SupportEscalation => "support escalation",
        RequestKind::Document => "document",
    }
}

fn request_dto(r: RequestRow, company: bool) -> Request {
    Request {
        id: r.id,
        deal_id: r.deal_id.into(),
        deal_name: r.deal_name,
        kind: r.kind,
        side: side_of(r.audience),
        title: r.title,
        body: r.body,
        status: r.status,
        answer: r.answer,
        requested_by: r.requester_name,
        due_at: time::to_rfc3339(r.due_at),
        created_at: time::to_rfc3339(r.created_at),
        updated_at: time::to_rfc3339(r.updated_at),
        task_id: company.then_some(r.task_id),
    }
}

pub(crate) fn task_dto(t: TaskRow, now: Micros) -> Task {
    Task {
        overdue: t.status != TaskStatus::Done && t.due_at.is_some_and(|d| d < now),
        id: t.id,
        assignee_id: t.assignee_id.into(),
        assignee_name: t.assignee_name,
        title: t.title,
        body: t.body,
        source: t.source,
        source_id: t.source_id,
        deal_id: t.deal_id.map(Into::into),
        deal_name: t.deal_name,
        account_id: t.account_id.map(Into::into),
        audience: t.audience,
        status: t.status,
        due_at: t.due_at.map(time::to_rfc3339),
        escalated_at: t.escalated_at.map(time::to_rfc3339),
        created_at: time::to_rfc3339(t.created_at),
    }
}

/// A portal's SLA hours for every kind: its own where set, the defaults elsewhere.
async fn sla_table(
    conn: &mut sqlx::AnyConnection,
    portal_id: Option<&str>,
) -> Result<Vec<RequestSla>, ApiError> {
    let own = match portal_id {
        Some(id) => store::slas(conn, id).await?,
        None => Vec::new(),
    };
    Ok(RequestKind::ALL
        .iter()
        .map(|k| RequestSla {
            kind: *k,
            hours: own
                .iter()
                .find(|(o, _)| o == k)
                .map_or(k.default_sla_hours(), |(_, h)| *h),
        })
        .collect())
}

/// Submits a request on a deal (customers and co-selling partners with "Submit requests"):
/// the request, the owner's task with its due time, the internal timeline event, the
/// owner's notice and the audit entry, in one transaction.
pub async fn create(
    app: &App,
    p: &Principal,
    deal_id: &str,
    input: RequestInput,
) -> Result<Request, ApiError> {
    let scope = require::collaborate(p, Permission::SubmitRequests)?;
    if scope.side() == Side::Company {
        return Err(ApiError::Forbidden);
    }
    let title = input.title.trim();
    let body = input.body.trim();
    let mut errors = Vec::new();
    if title.is_empty() || title.chars().count() > MAX_TITLE {
        errors.push(FieldError::new(
            "title",
            FieldCode::InvalidLength,
            format!("must be 1 to {MAX_TITLE} characters"),
        ));
    }
    if body.chars().count() > MAX_TEXT {
        errors.push(FieldError::new(
            "body",
            FieldCode::TooLong,
            format!("must be at most {MAX_TEXT} characters"),
        ));
    }
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let audience = Audience::of_side(scope.side());
    let mut tx = app.begin().await?;
    let deal = deals_in_reach::deal(&mut tx, &scope, deal_id)
        .await?
        .ok_or(ApiError::NotFound)?;
    let portal = p.portal_id.as_ref().map(PortalId::as_str);
    let hours = sla_table(&mut tx, portal)
        .await?
        .iter()
        .find(|s| s.kind == input.kind)
        .map_or(input.kind.default_sla_hours(), |s| s.hours);
    let now = time::now();
    let due_at = now + hours * HOUR;
    let id = uuid::Uuid::now_v7().to_string();
    let task_id = uuid::Uuid::now_v7().to_string();
    let task_title = format!("{} request: {title}", capitalised(kind_words(input.kind)));
    store::insert_task(
        &mut tx,
        &NewTask {
            id: &task_id,
            assignee_id: &deal.owner_id,
            title: &task_title,
            body: Some(body).filter(|b| !b.is_empty()),
            source: "request",
            source_id: Some(&id),
            deal_id: Some(deal_id),
            account_id: Some(&deal.account_id),
            audience: Audience::Internal,
            created_by: Some(&p.user_id),
            due_at: Some(due_at),
            at: now,
        },
    )
    .await?;
    store::insert(
        &mut tx,
        &NewRequest {
            id: &id,
            deal_id,
            audience,
            kind: input.kind,
            title,
            body,
            requested_by: &p.user_id,
            portal_id: portal,
            task_id: &task_id,
            due_at,
            at: now,
        },
    )
    .await?;
    let request = store::find(&mut tx, &scope, &id)
        .await?
        .ok_or(ApiError::NotFound)?;
    deal_store::record(
        &mut tx,
        &NewEvent {
            deal_id,
            kind: DealEventKind::RequestSubmitted,
            shared: false,
            actor_id: Some(&p.user_id),
            body: None,
            details: json!({ "by": request.requester_name, "kind": kind_words(input.kind), "request_id": id }),
        },
    )
    .await?;
    let notice = Notice {
        kind: "request.submitted",
        topic: Topic::RequestUpdates,
        title: format!("New {} request on {}", kind_words(input.kind), deal.name),
        body: format!(
            "{} asks: {title}. Due {}.",
            request.requester_name,
            time::to_rfc3339(due_at)
        ),
        link: "/tasks".to_owned(),
    };
    notifications::to_user(app, &mut tx, &deal.owner_id, &notice).await?;
    tx.audit(
        Audit::new(Actor::User(p), "request.submit")
            .object("request", id.clone())
            .details(
                json!({ "deal_id": deal_id, "kind": input.kind.as_str(), "task_id": task_id,
                             "due_at": due_at, "sla_hours": hours }),
            ),
    )
    .await?;
    tx.commit().await?;
    Ok(request_dto(request, false))
}

fn capitalised(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

/// Requests the caller reaches, newest first; one deal's when `deal_id` is given (404 for a
/// deal outside the caller's reach).
pub async fn list(
    app: &App,
    p: &Principal,
    deal_id: Option<&str>,
    cursor: Option<&str>,
    limit: Option<i64>,
) -> Result<RequestPage, ApiError> {
    let scope = require::collaborate(p, Permission::SubmitRequests)?;
    let limit = page_limit(limit);
    let mut conn = app.read().await?;
    if let Some(d) = deal_id {
        deals_in_reach::deal(&mut conn, &scope, d)
            .await?
            .ok_or(ApiError::NotFound)?;
    }
    let rows = store::list(&mut conn, &scope, deal_id, cursor, limit + 1).await?;
    let page = page(rows, limit, |r| r.id.clone());
    let company = scope.side() == Side::Company;
    Ok(RequestPage {
        items: page
            .items
            .into_iter()
            .map(|r| request_dto(r, company))
            .collect(),
        next_cursor: page.next_cursor,
    })
}

/// One request the caller reaches.
pub async fn get(app: &App, p: &Principal, id: &str) -> Result<Request, ApiError> {
    let scope = require::collaborate(p, Permission::SubmitRequests)?;
    let mut conn = app.read().await?;
    let r = store::find(&mut conn, &scope, id)
        .await?
        .ok_or(ApiError::NotFound)?;
    Ok(request_dto(r, scope.side() == Side::Company))
}

/// The company moves a request along and answers it; its task follows, and the requester
/// is told.
pub async fn update(
    app: &App,
    p: &Principal,
    id: &str,
    patch: RequestPatch,
) -> Result<Request, ApiError> {
    let scope = require::collaborate(p, Permission::SubmitRequests)?;
    if scope.side() != Side::Company {
        return Err(ApiError::Forbidden);
    }
    let answer = patch.answer.as_deref().map(str::trim);
    if answer.is_some_and(|a| a.chars().count() > MAX_TEXT) {
        return Err(ApiError::field(
            "answer",
            FieldCode::TooLong,
            format!("must be at most {MAX_TEXT} characters"),
        ));
    }
    if patch.status.is_none() && answer.is_none() {
        return Err(ApiError::Validation(vec![
            FieldError::new("status", FieldCode::Required, "give a status or an answer"),
            FieldError::new("answer", FieldCode::Required, "give a status or an answer"),
        ]));
    }
    let mut tx = app.begin().await?;
    let mut r = store::find(&mut tx, &scope, id)
        .await?
        .ok_or(ApiError::NotFound)?;
    let before = (r.status, r.answer.clone());
    if let Some(s) = patch.status {
        r.status = s;
    }
    if let Some(a) = answer {
        r.answer = Some(a.to_owned()).filter(|a| !a.is_empty());
    }
    let now = time::now();
    store::update(&mut tx, &r, &p.user_id, now).await?;
    if (r.status, r.answer.clone()) != before {
        let notice = Notice {
            kind: "request.updated",
            topic: Topic::RequestUpdates,
            title: format!("Your {} request on {}", kind_words(r.kind), r.deal_name),
            body: match &r.answer {
                Some(a) => format!("{}: {a}", status_words(r.status)),
                None => status_words(r.status).to_owned(),
            },
            link: format!("/requests/{}", r.id),
        };
        notifications::to_user(app, &mut tx, &r.requested_by, &notice).await?;
    }
    tx.audit(
        Audit::new(Actor::User(p), "request.update")
            .object("request", id)
            .details(json!({ "status": r.status.as_str(), "answered": r.answer.is_some() })),
    )
    .await?;
    let fresh = store::find(&mut tx, &scope, id)
        .await?
        .ok_or(ApiError::NotFound)?;
    tx.commit().await?;
    Ok(request_dto(fresh, true))
}

fn status_words(s: RequestStatus) -> &'static str {
    match s {
        RequestStatus::Submitted => "Submitted",
        RequestStatus::InProgress => "In progress",
        RequestStatus::Done => "Done",
    }
}

/// A portal's SLAs (administrators and managers).
pub async fn slas(app: &App, p: &Principal, portal_id: &str) -> Result<RequestSlas, ApiError> {
    require::manage_portals(p)?;
    let mut conn = app.read().await?;
    portals::find_by_id(&mut conn, portal_id)
        .await?
        .ok_or(ApiError::NotFound)?;
    Ok(RequestSlas {
        portal_id: PortalId::new(portal_id),
        items: sla_table(&mut conn, Some(portal_id)).await?,
    })
}

/// Sets a portal's SLAs for the kinds listed (administrators and managers).
pub async fn set_slas(
    app: &App,
    p: &Principal,
    portal_id: &str,
    input: RequestSlasInput,
) -> Result<RequestSlas, ApiError> {
    require::manage_portals(p)?;
    let mut errors = Vec::new();
    for (i, s) in input.items.iter().enumerate() {
        if !(1..=8760).contains(&s.hours) {
            errors.push(FieldError::new(
                format!("items[{i}].hours"),
                FieldCode::OutOfRange,
                "must be 1 to 8760 hours",
            ));
        }
        if input.items[..i].iter().any(|o| o.kind == s.kind) {
            errors.push(FieldError::new(
                format!("items[{i}].kind"),
                FieldCode::InvalidValue,
                "is listed twice",
            ));
        }
    }
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let mut tx = app.begin().await?;
    portals::find_by_id(&mut tx, portal_id)
        .await?
        .ok_or(ApiError::NotFound)?;
    for s in &input.items {
        store::set_sla(&mut tx, portal_id, s.kind, s.hours).await?;
    }
    let items = sla_table(&mut tx, Some(portal_id)).await?;
    tx.audit(
        Audit::new(Actor::User(p), "portal.request_slas")
            .object("portal", portal_id)
            .details(json!({ "slas": input.items.iter().map(|s| (s.kind.as_str(), s.hours)).collect::<std::collections::BTreeMap<_, _>>() })),
    )
    .await?;
    tx.commit().await?;
    Ok(RequestSlas {
        portal_id: PortalId::new(portal_id),
        items,
    })
}

/// What a task list asks for.
#[derive(Debug, Clone, Copy)]
pub struct TaskQuery<'a> {
    pub view: TaskView,
    /// Include finished tasks (`mine` only).
    pub all: bool,
    pub source: Option<&'a str>,
    pub deal_id: Option<&'a str>,
    pub cursor: Option<&'a str>,
    pub limit: Option<i64>,
}

/// The caller's tasks (internal users): `mine` (unfinished unless `all`) or `overdue`,
/// optionally from one source or on one deal.
pub async fn my_tasks(app: &App, p: &Principal, q: TaskQuery<'_>) -> Result<TaskPage, ApiError> {
    if !p.role.is_internal() {
        return Err(ApiError::Forbidden);
    }
    let limit = page_limit(q.limit);
    let now = time::now();
    let filter = TaskFilter {
        all: q.all,
        overdue_at: (q.view == TaskView::Overdue).then_some(now),
        source: q.source,
        deal_id: q.deal_id,
    };
    let mut conn = app.read().await?;
    let rows = store::tasks_of(&mut conn, &p.user_id, &filter, q.cursor, limit + 1).await?;
    let page = page(rows, limit, |t| t.id.clone());
    Ok(TaskPage {
        items: page.items.into_iter().map(|t| task_dto(t, now)).collect(),
        next_cursor: page.next_cursor,
    })
}

/// Moves a task along: its assignee, or the company's people on a deal they reach. External
/// users reach only joint tasks of their co-sold deals, and change only their own. A task
/// made for a request moves the request with it.
pub async fn set_task_status(
    app: &App,
    p: &Principal,
    id: &str,
    status: TaskStatus,
) -> Result<Task, ApiError> {
    let mut tx = app.begin().await?;
    let task = store::task_by_id(&mut tx, id)
        .await?
        .ok_or(ApiError::NotFound)?;
    let assignee = task.assignee_id == p.user_id.as_str();
    let scope = scope::collab(p, Permission::PostMessages);
    let in_reach = match &task.deal_id {
        Some(d) => {
            deals_in_reach::deal(&mut tx, &scope, d).await?.is_some() && scope.reads(task.audience)
        }
        None => false,
    };
    let allowed = if p.role.is_internal() {
        assignee || in_reach
    } else {
        in_reach && task.source == "joint" && assignee
    };
    if !allowed {
        return Err(ApiError::NotFound);
    }
    let now = time::now();
    store::set_task_status(&mut tx, id, status, now).await?;
    if let Some(request) = store::request_of_task(&mut tx, id).await? {
        let to = match status {
            TaskStatus::Open => RequestStatus::Submitted,
            TaskStatus::InProgress => RequestStatus::InProgress,
            TaskStatus::Done => RequestStatus::Done,
        };
        store::set_request_status(&mut tx, &request, to, now).await?;
    }
    tx.audit(
        Audit::new(Actor::User(p), "task.status")
            .object("task", id)
            .details(json!({ "from": task.status.as_str(), "to": status.as_str() })),
    )
    .await?;
    let task = store::task_by_id(&mut tx, id)
        .await?
        .ok_or(ApiError::NotFound)?;
    tx.commit().await?;
    Ok(task_dto(task, now))
}

/// Escalates every unfinished task past its due time that was never escalated: claims it
/// (one node wins), tells its assignee's manager (else the administrators and managers)
/// and audits it. Returns how many tasks this run escalated.
pub async fn escalate_overdue(app: &App, op: &Operator, now: Micros) -> Result<usize, ApiError> {
    let due = {
        let mut conn = app.read().await?;
        store::overdue_unescalated(&mut conn, now, 500).await?
    };
    let mut escalated = 0;
    for t in due {
        let mut tx = app.begin().await?;
        let targets = store::escalation_targets(&mut tx, &t.assignee_id).await?;
        let first = targets.first().map(String::as_str);
        if !store::claim_escalation(&mut tx, &t.id, first, now).await? {
            continue;
        }
        let notice = Notice {
            kind: "task.escalated",
            topic: Topic::RequestUpdates,
            title: format!("Overdue: {}", t.title),
            body: format!(
                "{}'s task{} is past its due time.",
                t.assignee_name,
                t.deal_name
                    .as_deref()
                    .map(|d| format!(" on {d}"))
                    .unwrap_or_default()
            ),
            link: "/tasks?view=overdue".to_owned(),
        };
        for user in &targets {
            notifications::to_user(app, &mut tx, user, &notice).await?;
        }
        tx.audit(
            Audit::new(Actor::Operator(op), "task.escalate")
                .object("task", t.id.clone())
                .details(json!({ "assignee_id": t.assignee_id, "escalated_to": targets })),
        )
        .await?;
        tx.commit().await?;
        escalated += 1;
    }
    Ok(escalated)
}
