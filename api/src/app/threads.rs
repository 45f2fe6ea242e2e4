//! Deal threads and the co-selling workspace.
//!
//! A deal has one thread per external side: `customer` (the customer and the company) and
//! `partner` (the co-selling partner and the company). Every read goes through the caller's
//! collaboration scope in SQL: a customer reaches only the customer thread of their
//! account's shared deals, a co-selling partner only the partner thread of deals their
//! organisation co-sells, and internal notes never leave the company. Anything else is 404.
//!
//! Mentions are written `@[Name](user:<id>)` and must name active internal users; they are
//! notified. External readers receive the markdown with each mention as a plain `@Name`,
//! and no user id or link to an internal profile.

use portcullis_shared::collab::{Audience, Side};
use portcullis_shared::deals::DealEventKind;
use portcullis_shared::partners::Task;
use portcullis_shared::threads::{
    JointTaskInput, Mention, Post, PostAuthor, PostInput, PostPage, StrategyNote,
    StrategyNoteInput, StrategyNoteList, ThreadSummary, Workspace, WorkspaceItem,
    WorkspaceItemKind,
};
use portcullis_shared::{FieldCode, FieldError, Permission, Role};
use serde_json::json;

use crate::app::notifications::{self, Notice, Topic};
use crate::app::scope::require;
use crate::app::{Actor, App, Audit, Tx, page, page_limit};
use crate::auth::Principal;
use crate::domain::permissions::{Override, is_granted};
use crate::domain::threads as text;
use crate::error::ApiError;
use crate::storage::deals::{self as deal_store, NewEvent};
use crate::storage::requests::{self as req_store, NewTask};
use crate::storage::threads::{self as store, DealHead, PostRow};
use crate::storage::{CollabScope, permissions};
use crate::time;

const MAX_BODY: usize = 20_000;
/// Documents one post may carry.
const MAX_ATTACHMENTS: usize = 10;
const MAX_TITLE: usize = 200;
const MAX_TASK_BODY: usize = 4000;

/// The threads a deal has.
const THREADS: [Audience; 2] = [Audience::Customer, Audience::Partner];

/// The thread named in a path: `customer` or `partner`, and one the caller reads; anything
/// else is not found.
fn thread(scope: &CollabScope, audience: &str) -> Result<Audience, ApiError> {
    match Audience::parse(audience) {
        Some(a) if THREADS.contains(&a) && scope.reads(a) => Ok(a),
        _ => Err(ApiError::NotFound),
    }
}

/// The deal, when the caller's scope reaches it.
async fn deal_in_scope(
    conn: &mut sqlx::AnyConnection,
    scope: &CollabScope,
    id: &str,
) -> Result<DealHead, ApiError> {
    store::deal(conn, scope, id)
        .await?
        .ok_or(ApiError::NotFound)
}

fn side_of(audience: Audience) -> Side {
    match audience {
        Audience::Partner => Side::Partner,
        _ => Side::Customer,
    }
}

/// What a page of posts carries beside the posts: mentions and attachments.
struct Extras {
    /// (post id, user id, name).
    mentions: Vec<(String, String, String)>,
    /// (post id, document id).
    attachments: Vec<(String, String)>,
}

impl Extras {
    async fn of(
        conn: &mut sqlx::AnyConnection,
        scope: &CollabScope,
        post_ids: &[String],
    ) -> Result<Extras, ApiError> {
        Ok(Extras {
            mentions: store::mentions_of(conn, post_ids).await?,
            attachments: store::attachments_of(conn, post_ids, scope.audiences()).await?,
        })
    }
}

fn post_dto(scope: &CollabScope, me: &str, p: PostRow, extras: &Extras) -> Post {
    let company = scope.side() == Side::Company;
    let attachment_ids = extras
        .attachments
        .iter()
        .filter(|(post, _)| *post == p.id)
        .map(|(_, doc)| doc.clone())
        .collect();
    Post {
        author: PostAuthor {
            id: (company || p.author_id == me).then(|| p.author_id.clone().into()),
            name: p.author_name,
        },
        mentions: extras
            .mentions
            .iter()
            .filter(|(post, _, _)| *post == p.id)
            .map(|(_, user, name)| Mention {
                id: company.then(|| user.clone().into()),
                name: name.clone(),
            })
            .collect(),
        body: if company { p.body } else { p.body_public },
        id: p.id,
        deal_id: p.deal_id.into(),
        audience: p.audience,
        author_side: p.author_side,
        body_html: p.body_html,
        internal: p.internal,
        attachment_ids,
        created_at: time::to_rfc3339(p.created_at),
    }
}

/// The deal's threads the caller reads, with their counts.
pub async fn list_threads(
    app: &App,
    p: &Principal,
    deal_id: &str,
) -> Result<Vec<ThreadSummary>, ApiError> {
    let scope = require::collaborate(p, Permission::PostMessages)?;
    let mut conn = app.read().await?;
    deal_in_scope(&mut conn, &scope, deal_id).await?;
    let counts = store::summaries(&mut conn, &scope, deal_id, &p.user_id).await?;
    Ok(THREADS
        .iter()
        .filter(|a| scope.reads(**a))
        .map(|a| {
            let c = counts.iter().find(|c| c.0 == *a);
            ThreadSummary {
                audience: *a,
                post_count: c.map_or(0, |c| c.1),
                unread: c.map_or(0, |c| c.2),
                last_post_at: c.and_then(|c| c.3).map(time::to_rfc3339),
            }
        })
        .collect())
}

/// A page of a thread, newest first.
pub async fn list_posts(
    app: &App,
    p: &Principal,
    deal_id: &str,
    audience: &str,
    before: Option<&str>,
    limit: Option<i64>,
) -> Result<PostPage, ApiError> {
    let scope = require::collaborate(p, Permission::PostMessages)?;
    let audience = thread(&scope, audience)?;
    let limit = page_limit(limit);
    let mut conn = app.read().await?;
    deal_in_scope(&mut conn, &scope, deal_id).await?;
    let rows = store::posts(&mut conn, &scope, deal_id, audience, before, limit + 1).await?;
    let page = page(rows, limit, |r| r.id.clone());
    let ids: Vec<String> = page.items.iter().map(|r| r.id.clone()).collect();
    let extras = Extras::of(&mut conn, &scope, &ids).await?;
    Ok(PostPage {
        items: page
            .items
            .into_iter()
            .map(|r| post_dto(&scope, &p.user_id, r, &extras))
            .collect(),
        next: page.next_cursor,
    })
}

/// Posts to a thread: the post, its mentions, the internal timeline event of an external
/// post, the notices and emails to the mentioned people and the other side, and the audit
/// entry, in one transaction.
pub async fn create_post(
    app: &App,
    p: &Principal,
    deal_id: &str,
    audience: &str,
    input: PostInput,
) -> Result<Post, ApiError> {
    let scope = require::collaborate(p, Permission::PostMessages)?;
    let audience = thread(&scope, audience)?;
    let side = scope.side();
    let body = input.body.trim();
    let mut errors = Vec::new();
    if body.is_empty() || body.chars().count() > MAX_BODY {
        errors.push(FieldError::new(
            "body",
            FieldCode::InvalidLength,
            format!("must be 1 to {MAX_BODY} characters"),
        ));
    }
    if input.internal && side != Side::Company {
        errors.push(FieldError::new(
            "internal",
            FieldCode::NotAllowed,
            "only the company's people write internal notes",
        ));
    }
    let written = text::mentions(body);
    let mut tx = app.begin().await?;
    let deal = deal_in_scope(&mut tx, &scope, deal_id).await?;
    let ids: Vec<String> = written.iter().map(|m| m.user_id.clone()).collect();
    let people = store::internal_users(&mut tx, &ids).await?;
    if people.len() != written.len() {
        errors.push(FieldError::new(
            "body",
            FieldCode::NotFound,
            "mentions someone who is not one of the company's people",
        ));
    }
    let mut attachments = input.attachment_ids.clone();
    attachments.sort();
    attachments.dedup();
    if attachments.len() > MAX_ATTACHMENTS {
        errors.push(FieldError::new(
            "attachment_ids",
            FieldCode::InvalidLength,
            format!("at most {MAX_ATTACHMENTS} documents"),
        ));
    } else {
        let found = store::deal_documents(&mut tx, deal_id, &attachments).await?;
        for (i, doc) in attachments.iter().enumerate() {
            let fits = found
                .iter()
                .find(|(id, _)| id == doc)
                .is_some_and(|(_, a)| {
                    // An internal note may carry anything of the deal; a post only what its
                    // readers may open (and what the caller may read).
                    Audience::parse(a).is_some_and(|a| {
                        scope.reads(a) && (input.internal || a == audience || a == Audience::Both)
                    })
                });
            if !fits {
                errors.push(FieldError::new(
                    format!("attachment_ids[{i}]"),
                    FieldCode::NotFound,
                    "is not a document of this deal that this thread's readers may open",
                ));
            }
        }
    }
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let name_of = |id: &str| people.iter().find(|(u, _)| u == id).map(|(_, n)| n.clone());
    let public = text::public_body(body, name_of);
    let html = text::render(&public);
    let id = uuid::Uuid::now_v7().to_string();
    let now = time::now();
    store::insert_post(
        &mut tx,
        &store::NewPost {
            id: &id,
            deal_id,
            audience,
            author_id: &p.user_id,
            author_side: side,
            body,
            body_public: &public,
            body_html: &html,
            internal: input.internal,
            created_at: now,
        },
    )
    .await?;
    for (user, name) in &people {
        store::insert_mention(&mut tx, &id, user, name).await?;
    }
    for doc in &attachments {
        store::insert_attachment(&mut tx, &id, doc).await?;
    }
    let post = store::post_by_id(&mut tx, &id)
        .await?
        .ok_or(ApiError::NotFound)?;
    if side != Side::Company {
        deal_store::record(
            &mut tx,
            &NewEvent {
                deal_id,
                kind: DealEventKind::ThreadPosted,
                shared: false,
                actor_id: Some(&p.user_id),
                body: None,
                details: json!({ "by": post.author_name, "thread": audience.as_str(), "post_id": id }),
            },
        )
        .await?;
    }
    notify_post(app, &mut tx, p, &deal, &post, &people).await?;
    tx.audit(
        Audit::new(Actor::User(p), "thread.post")
            .object("deal", deal_id)
            .details(
                json!({ "post_id": id, "audience": audience.as_str(), "internal": input.internal,
                             "mentions": ids }),
            ),
    )
    .await?;
    let extras = Extras::of(&mut tx, &scope, std::slice::from_ref(&id)).await?;
    tx.commit().await?;
    Ok(post_dto(&scope, &p.user_id, post, &extras))
}

/// Tells the mentioned people, and (unless the post is an internal note) the other side's
/// participants: the deal's company people for an external post, the thread's external
/// side (those allowed to read the thread) for the company's.
async fn notify_post(
    app: &App,
    tx: &mut Tx,
    p: &Principal,
    deal: &DealHead,
    post: &PostRow,
    mentioned: &[(String, String)],
) -> Result<(), ApiError> {
    let link = format!("/deals/{}?thread={}", deal.id, post.audience.as_str());
    let mut told: Vec<String> = vec![p.user_id.to_string()];
    for (user, _) in mentioned {
        if told.contains(user) {
            continue;
        }
        let notice = Notice {
            kind: "thread.mention",
            topic: Topic::NewMessages,
            title: format!("{} mentioned you on {}", post.author_name, deal.name),
            body: excerpt(&post.body_public),
            link: link.clone(),
        };
        notifications::to_user(app, tx, user, &notice).await?;
        told.push(user.clone());
    }
    if post.internal {
        return Ok(());
    }
    let notice = Notice {
        kind: "thread.post",
        topic: Topic::NewMessages,
        title: format!("New message on {} from {}", deal.name, post.author_name),
        body: excerpt(&post.body_public),
        link,
    };
    let recipients: Vec<String> = if post.author_side == Side::Company {
        let side = side_of(post.audience);
        let mut readers = Vec::new();
        for person in store::side_people(tx, &deal.id, side).await? {
            let overrides =
                permissions::for_user(tx, &person.portal_id, &person.account_id, &person.id)
                    .await?;
            if reads_thread(side, &overrides) {
                readers.push(person.id);
            }
        }
        readers
    } else {
        store::company_people(tx, &deal.id)
            .await?
            .into_iter()
            .map(|(id, _)| id)
            .collect()
    };
    for user in recipients {
        if !told.contains(&user) {
            notifications::to_user(app, tx, &user, &notice).await?;
            told.push(user);
        }
    }
    Ok(())
}

/// Whether an external user of `side` may read that side's thread: customers with "View
/// deal status" and "Post messages", partners with "Access co-sell workspace".
fn reads_thread(side: Side, overrides: &[Override]) -> bool {
    let has = |perm| is_granted(perm, overrides);
    match side {
        Side::Customer => has(Permission::ViewDealStatus) && has(Permission::PostMessages),
        Side::Partner => has(Permission::AccessCoSellWorkspace),
        Side::Company => true,
    }
}

fn excerpt(s: &str) -> String {
    let mut short: String = s.chars().take(200).collect();
    if s.chars().count() > 200 {
        short.push('…');
    }
    short
}

/// Marks a thread read for the caller.
pub async fn mark_read(
    app: &App,
    p: &Principal,
    deal_id: &str,
    audience: &str,
) -> Result<(), ApiError> {
    let scope = require::collaborate(p, Permission::PostMessages)?;
    let audience = thread(&scope, audience)?;
    let mut conn = app.read().await?;
    deal_in_scope(&mut conn, &scope, deal_id).await?;
    store::mark_read(&mut conn, deal_id, audience, &p.user_id, time::now()).await?;
    Ok(())
}

// ---------------------------------------------------------------------------------------
// The co-selling workspace

/// The workspace's scope: the company and co-selling partners with "Access co-sell
/// workspace". Customers never learn it exists (404).
fn workspace_scope(p: &Principal) -> Result<CollabScope, ApiError> {
    if p.role == Role::CustomerUser {
        return Err(ApiError::NotFound);
    }
    require::collaborate(p, Permission::PostMessages)
}

/// A co-sold deal in the caller's reach.
async fn co_sold_deal(
    conn: &mut sqlx::AnyConnection,
    scope: &CollabScope,
    id: &str,
) -> Result<DealHead, ApiError> {
    let deal = deal_in_scope(conn, scope, id).await?;
    if deal.co_sold {
        Ok(deal)
    } else {
        Err(ApiError::NotFound)
    }
}

fn note_dto(scope: &CollabScope, me: &str, n: store::NoteRow) -> StrategyNote {
    StrategyNote {
        author: PostAuthor {
            id: (scope.side() == Side::Company || n.author_id == me)
                .then(|| n.author_id.clone().into()),
            name: n.author_name,
        },
        id: n.id,
        deal_id: n.deal_id.into(),
        author_side: n.author_side,
        body: n.body,
        created_at: time::to_rfc3339(n.created_at),
    }
}

/// A co-sold deal's strategy notes, newest first.
pub async fn list_notes(
    app: &App,
    p: &Principal,
    deal_id: &str,
) -> Result<StrategyNoteList, ApiError> {
    let scope = workspace_scope(p)?;
    let mut conn = app.read().await?;
    co_sold_deal(&mut conn, &scope, deal_id).await?;
    let rows = store::notes(&mut conn, &scope, deal_id, 200).await?;
    Ok(StrategyNoteList {
        items: rows
            .into_iter()
            .map(|n| note_dto(&scope, &p.user_id, n))
            .collect(),
    })
}

/// Adds a strategy note (the company or the co-selling partner).
pub async fn create_note(
    app: &App,
    p: &Principal,
    deal_id: &str,
    input: StrategyNoteInput,
) -> Result<StrategyNote, ApiError> {
    let scope = workspace_scope(p)?;
    let body = input.body.trim();
    if body.is_empty() || body.chars().count() > MAX_BODY {
        return Err(ApiError::field(
            "body",
            FieldCode::InvalidLength,
            format!("must be 1 to {MAX_BODY} characters"),
        ));
    }
    let mut tx = app.begin().await?;
    co_sold_deal(&mut tx, &scope, deal_id).await?;
    let id = uuid::Uuid::now_v7().to_string();
    store::insert_note(
        &mut tx,
        &id,
        deal_id,
        &p.user_id,
        scope.side(),
        body,
        time::now(),
    )
    .await?;
    tx.audit(
        Audit::new(Actor::User(p), "strategy_note.create")
            .object("deal", deal_id)
            .details(json!({ "note_id": id })),
    )
    .await?;
    let note = store::notes(&mut tx, &scope, deal_id, 1)
        .await?
        .pop()
        .ok_or(ApiError::NotFound)?;
    tx.commit().await?;
    Ok(note_dto(&scope, &p.user_id, note))
}

/// A co-sold deal's joint tasks, newest first.
pub async fn list_joint_tasks(
    app: &App,
    p: &Principal,
    deal_id: &str,
) -> Result<portcullis_shared::partners::TaskPage, ApiError> {
    let scope = workspace_scope(p)?;
    let mut conn = app.read().await?;
    co_sold_deal(&mut conn, &scope, deal_id).await?;
    let rows = req_store::joint_tasks(&mut conn, &scope, deal_id, 200).await?;
    let now = time::now();
    Ok(portcullis_shared::partners::TaskPage {
        items: rows
            .into_iter()
            .map(|t| crate::app::requests::task_dto(t, now))
            .collect(),
        next_cursor: None,
    })
}

/// Creates a joint task for a company person on the deal (owner or team) or a user of the
/// co-selling organisation, and tells the assignee.
pub async fn create_joint_task(
    app: &App,
    p: &Principal,
    deal_id: &str,
    input: JointTaskInput,
) -> Result<Task, ApiError> {
    let scope = workspace_scope(p)?;
    let title = input.title.trim();
    let body = input
        .body
        .as_deref()
        .map(str::trim)
        .filter(|b| !b.is_empty());
    let mut errors = Vec::new();
    if title.is_empty() || title.chars().count() > MAX_TITLE {
        errors.push(FieldError::new(
            "title",
            FieldCode::InvalidLength,
            format!("must be 1 to {MAX_TITLE} characters"),
        ));
    }
    if body.is_some_and(|b| b.chars().count() > MAX_TASK_BODY) {
        errors.push(FieldError::new(
            "body",
            FieldCode::TooLong,
            format!("must be at most {MAX_TASK_BODY} characters"),
        ));
    }
    let due_at = match input.due_at.as_deref() {
        None => None,
        Some(s) => match time::parse_rfc3339(s) {
            Some(t) => Some(t),
            None => {
                errors.push(FieldError::new(
                    "due_at",
                    FieldCode::InvalidFormat,
                    "must be an RFC 3339 time",
                ));
                None
            }
        },
    };
    let mut tx = app.begin().await?;
    let deal = co_sold_deal(&mut tx, &scope, deal_id).await?;
    let assignee = input.assignee_id.as_str();
    let on_team = store::company_people(&mut tx, deal_id)
        .await?
        .iter()
        .any(|(u, _)| u == assignee);
    if !on_team && !store::is_co_seller_user(&mut tx, deal_id, assignee).await? {
        errors.push(FieldError::new(
            "assignee_id",
            FieldCode::NotAllowed,
            "must be on the deal's team or in the co-selling organisation",
        ));
    }
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let id = uuid::Uuid::now_v7().to_string();
    let now = time::now();
    req_store::insert_task(
        &mut tx,
        &NewTask {
            id: &id,
            assignee_id: assignee,
            title,
            body,
            source: "joint",
            source_id: None,
            deal_id: Some(deal_id),
            account_id: Some(&deal.account_id),
            audience: Audience::Partner,
            created_by: Some(&p.user_id),
            due_at,
            at: now,
        },
    )
    .await?;
    if assignee != p.user_id.as_str() {
        let notice = Notice {
            kind: "task.assigned",
            topic: Topic::DealUpdates,
            title: format!("New joint task on {}", deal.name),
            body: title.to_owned(),
            link: format!("/deals/{deal_id}/workspace"),
        };
        notifications::to_user(app, &mut tx, assignee, &notice).await?;
    }
    tx.audit(
        Audit::new(Actor::User(p), "joint_task.create")
            .object("task", id.clone())
            .details(json!({ "deal_id": deal_id, "assignee_id": assignee })),
    )
    .await?;
    let task = req_store::task_by_id(&mut tx, &id)
        .await?
        .ok_or(ApiError::NotFound)?;
    tx.commit().await?;
    Ok(crate::app::requests::task_dto(task, now))
}

/// A co-sold deal for its co-selling partner: the deal's facts, who takes part on each side,
/// and the shared timeline (shared events, strategy notes, joint tasks), newest first.
pub async fn workspace(app: &App, p: &Principal, deal_id: &str) -> Result<Workspace, ApiError> {
    let scope = workspace_scope(p)?;
    let mut conn = app.read().await?;
    let deal = co_sold_deal(&mut conn, &scope, deal_id).await?;
    let company = store::company_people(&mut conn, deal_id).await?;
    let partners = store::side_people(&mut conn, deal_id, Side::Partner).await?;
    let mut timeline: Vec<(i64, WorkspaceItem)> = Vec::new();
    for e in store::shared_events(&mut conn, &scope, deal_id, 100).await? {
        timeline.push((
            e.at,
            WorkspaceItem {
                kind: WorkspaceItemKind::Event,
                summary: crate::app::deals::summary(&e),
                id: e.id,
                at: time::to_rfc3339(e.at),
                actor: e.actor_name,
                body: e.body,
            },
        ));
    }
    for n in store::notes(&mut conn, &scope, deal_id, 100).await? {
        timeline.push((
            n.created_at,
            WorkspaceItem {
                kind: WorkspaceItemKind::StrategyNote,
                summary: format!("{} added a strategy note", n.author_name),
                id: n.id,
                at: time::to_rfc3339(n.created_at),
                actor: Some(n.author_name),
                body: Some(n.body),
            },
        ));
    }
    for t in req_store::joint_tasks(&mut conn, &scope, deal_id, 100).await? {
        timeline.push((
            t.created_at,
            WorkspaceItem {
                kind: WorkspaceItemKind::JointTask,
                summary: format!("Joint task for {}: {}", t.assignee_name, t.title),
                id: t.id,
                at: time::to_rfc3339(t.created_at),
                actor: None,
                body: t.body,
            },
        ));
    }
    timeline.sort_by_key(|item| std::cmp::Reverse(item.0));
    timeline.truncate(100);
    Ok(Workspace {
        deal_id: deal.id.into(),
        name: deal.name,
        stage: deal.stage_name,
        expected_close_date: deal.expected_close_date,
        people: company
            .iter()
            .map(|(id, name)| (id, name))
            .chain(partners.iter().map(|p| (&p.id, &p.name)))
            .map(|(id, name)| portcullis_shared::deals::Person {
                id: id.clone().into(),
                name: name.clone(),
                photo_url: None,
            })
            .collect(),
        company_team: company.into_iter().map(|(_, n)| n).collect(),
        partner_participants: partners.into_iter().map(|person| person.name).collect(),
        timeline: timeline.into_iter().map(|(_, i)| i).collect(),
    })
}
