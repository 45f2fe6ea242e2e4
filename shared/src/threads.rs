//! Deal threads and the co-selling workspace: messages between the company and each external
//! side of a deal, and what a co-selling partner shares with the company (strategy notes,
//! joint tasks, the shared timeline).
//!
//! Routes (under `/api/v1`):
//! - `GET  /deals/{id}/threads` → `[ThreadSummary]`, the threads the caller reaches
//! - `GET  /deals/{id}/threads/{audience}/posts?before=&limit=` → [`PostPage`], newest first
//! - `POST /deals/{id}/threads/{audience}/posts` [`PostInput`] → 201 [`Post`]
//! - `POST /deals/{id}/threads/{audience}/read` → 204
//! - `GET/POST /deals/{id}/strategy-notes` → [`StrategyNoteList`] / 201 [`StrategyNote`]
//! - `GET/POST /deals/{id}/joint-tasks` → [`crate::partners::TaskPage`] / 201 [`crate::partners::Task`]
//! - `GET  /deals/{id}/workspace` → [`Workspace`]
//!
//! `{audience}` is `customer` (customer ↔ company) or `partner` (co-selling partner ↔
//! company). Mentions are written `@[Name](user:<user id>)` (the web app's people picker
//! inserts them); they must name internal users, who are notified. External readers get the
//! markdown with each mention as a plain `@Name`, and `body_html` never carries user ids.

use serde::{Deserialize, Serialize};

use crate::collab::{Audience, Side};
use crate::ids::{DealId, UserId};

/// A deal's thread with one external side, as the caller sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct ThreadSummary {
    /// `customer` or `partner`.
    pub audience: Audience,
    /// Posts the caller can read.
    pub post_count: i64,
    /// Of those, posts by others since the caller last marked the thread read.
    pub unread: i64,
    /// RFC 3339; absent while the thread is empty.
    pub last_post_at: Option<String>,
}

/// Who wrote a post.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct PostAuthor {
    /// Given to the company's people, and to an author about their own posts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<UserId>,
    pub name: String,
}

/// An internal person a post mentions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct Mention {
    /// The company's people only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<UserId>,
    pub name: String,
}

/// A message in a thread.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct Post {
    pub id: String,
    pub deal_id: DealId,
    /// The thread: `customer` or `partner`.
    pub audience: Audience,
    pub author: PostAuthor,
    pub author_side: Side,
    /// Markdown source (for external readers, mentions as plain `@Name`).
    pub body: String,
    /// The markdown rendered to clean HTML.
    pub body_html: String,
    /// A note for the company only; external users never receive these.
    pub internal: bool,
    pub mentions: Vec<Mention>,
    /// Ids of the deal's documents attached to the post.
    pub attachment_ids: Vec<String>,
    /// RFC 3339.
    pub created_at: String,
}

/// A page of a thread, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct PostPage {
    pub items: Vec<Post>,
    /// Pass as `before` for older posts; absent on the last page.
    pub next: Option<String>,
}

/// A new post.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct PostInput {
    /// Markdown, 1–20000 characters.
    pub body: String,
    /// An internal note (the company's people only).
    #[serde(default)]
    pub internal: bool,
    /// Documents of the same deal to attach (at most 10), uploaded first: each must be for
    /// the thread's side (its audience that side, or both), unless the post is an internal
    /// note.
    #[serde(default)]
    pub attachment_ids: Vec<String>,
}

/// A note on a co-sold deal, for the company and the co-selling partner only.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct StrategyNote {
    pub id: String,
    pub deal_id: DealId,
    pub author: PostAuthor,
    pub author_side: Side,
    pub body: String,
    pub created_at: String,
}

/// A deal's strategy notes, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct StrategyNoteList {
    pub items: Vec<StrategyNote>,
}

/// A new strategy note.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct StrategyNoteInput {
    /// 1–20000 characters.
    pub body: String,
}

/// A task shared by the company and the co-selling partner on a deal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct JointTaskInput {
    /// 1–200 characters.
    pub title: String,
    #[serde(default)]
    pub body: Option<String>,
    /// A company user on the deal (owner or team) or a user of the co-selling organisation.
    pub assignee_id: UserId,
    /// RFC 3339.
    #[serde(default)]
    pub due_at: Option<String>,
}

named_enum!(
    /// What a workspace timeline entry is.
    WorkspaceItemKind {
        /// A shared event of the deal's timeline.
        Event = "event",
        /// A strategy note.
        StrategyNote = "strategy_note",
        /// A joint task was created.
        JointTask = "joint_task",
    }
);

/// One entry of the co-selling workspace's shared timeline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct WorkspaceItem {
    pub kind: WorkspaceItemKind,
    /// The event's, note's or task's id.
    pub id: String,
    pub at: String,
    /// Who, by name.
    pub actor: Option<String>,
    /// In words.
    pub summary: String,
    pub body: Option<String>,
}

/// A co-sold deal as its co-selling partner sees it, with the shared timeline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct Workspace {
    pub deal_id: DealId,
    pub name: String,
    pub stage: String,
    /// YYYY-MM-DD.
    pub expected_close_date: Option<String>,
    /// The company's people on the deal (owner first), by name.
    pub company_team: Vec<String>,
    /// The co-selling organisations' people on the deal, by name.
    pub partner_participants: Vec<String>,
    /// The people of both organisations a joint task may be assigned to.
    #[serde(default)]
    pub people: Vec<crate::deals::Person>,
    /// Newest first (up to 100 entries).
    pub timeline: Vec<WorkspaceItem>,
}
