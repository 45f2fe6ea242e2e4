//! Notifications: what happened that concerns a user, in the app (with an unread count) and
//! by email through the outbox when the user's preferences ask for it. Written in the
//! transaction of the change they announce, so there is no notice of a change that rolled back.

use portcullis_shared::auth::NotificationPrefs;
use portcullis_shared::notifications::{Notification, NotificationPage};

use crate::app::jobs::queue_email;
use crate::app::{App, Tx, page, page_limit};
use crate::auth::Principal;
use crate::email;
use crate::error::ApiError;
use crate::storage::notifications::{self as store, NewNotification, NotificationRow, Recipient};
use crate::storage::portals;
use crate::time;

/// Which of a user's email preferences a notice falls under.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Topic {
    DealUpdates,
    RequestUpdates,
    NewMessages,
    SharedDocuments,
}

impl Topic {
    fn wanted(self, prefs: &NotificationPrefs) -> bool {
        match self {
            Topic::DealUpdates => prefs.deal_updates,
            Topic::RequestUpdates => prefs.request_updates,
            Topic::NewMessages => prefs.new_messages,
            Topic::SharedDocuments => prefs.shared_documents,
        }
    }
}

/// A notice: in the app always, by email when the recipient wants its topic.
#[derive(Debug, Clone)]
pub struct Notice {
    pub kind: &'static str,
    pub topic: Topic,
    pub title: String,
    pub body: String,
    /// The path in the app, e.g. `/registrations/{id}`.
    pub link: String,
}

/// Tells one user, if active.
pub async fn to_user(
    app: &App,
    tx: &mut Tx,
    user_id: &str,
    notice: &Notice,
) -> Result<(), ApiError> {
    if let Some(r) = store::recipient_by_id(tx, user_id).await? {
        deliver(app, tx, &r, notice).await?;
    }
    Ok(())
}

/// Tells a partner organisation: its partner administrators and, when given, the partner
/// user the notice is about.
pub async fn to_partner(
    app: &App,
    tx: &mut Tx,
    account_id: &str,
    user_id: Option<&str>,
    notice: &Notice,
) -> Result<(), ApiError> {
    for r in store::partner_recipients(tx, account_id, user_id).await? {
        deliver(app, tx, &r, notice).await?;
    }
    Ok(())
}

async fn deliver(app: &App, tx: &mut Tx, r: &Recipient, notice: &Notice) -> Result<(), ApiError> {
    store::insert(
        tx,
        &NewNotification {
            user_id: &r.id,
            kind: notice.kind,
            title: &notice.title,
            body: &notice.body,
            link: Some(&notice.link),
        },
    )
    .await?;
    let prefs: NotificationPrefs = r
        .notification_prefs
        .as_deref()
        .and_then(|s| serde_json::from_str(s).ok())
        .unwrap_or_default();
    if !notice.topic.wanted(&prefs) {
        return Ok(());
    }
    let portal = match &r.portal_id {
        Some(id) => portals::find_by_id(tx, id).await?,
        None => None,
    };
    let link = match &portal {
        Some(p) => format!("{}/p/{}{}", app.settings.public_url, p.slug, notice.link),
        None => format!("{}{}", app.settings.public_url, notice.link),
    };
    let mail = email::notice(
        &r.email,
        &r.name,
        portal.as_ref(),
        &notice.title,
        &notice.body,
        &link,
    );
    queue_email(tx, &mail).await?;
    Ok(())
}

fn dto(n: NotificationRow) -> Notification {
    Notification {
        id: n.id,
        kind: n.kind,
        title: n.title,
        body: n.body,
        link: n.link,
        created_at: time::to_rfc3339(n.created_at),
        read: n.read_at.is_some(),
    }
}

/// The caller's notifications, newest first, with the unread count. Every signed-in user
/// has their own; nobody reads another's.
pub async fn list(
    app: &App,
    p: &Principal,
    unread_only: bool,
    cursor: Option<&str>,
    limit: Option<i64>,
) -> Result<NotificationPage, ApiError> {
    let limit = page_limit(limit);
    let mut conn = app.read().await?;
    let rows = store::list(&mut conn, &p.user_id, unread_only, cursor, limit + 1).await?;
    let unread = store::unread_count(&mut conn, &p.user_id).await?;
    let page = page(rows, limit, |n| n.id.clone());
    Ok(NotificationPage {
        items: page.items.into_iter().map(dto).collect(),
        unread,
        next_cursor: page.next_cursor,
    })
}

/// Marks one of the caller's notifications read (404 for anyone else's).
pub async fn mark_read(app: &App, p: &Principal, id: &str) -> Result<(), ApiError> {
    let mut conn = app.read().await?;
    if store::mark_read(&mut conn, &p.user_id, id).await? {
        Ok(())
    } else {
        Err(ApiError::NotFound)
    }
}

/// Marks every notification of the caller read.
pub async fn mark_all_read(app: &App, p: &Principal) -> Result<u64, ApiError> {
    let mut conn = app.read().await?;
    Ok(store::mark_all_read(&mut conn, &p.user_id).await?)
}
