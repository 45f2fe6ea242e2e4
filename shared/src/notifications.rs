//! In-app notifications: what happened that concerns the signed-in user.

use serde::{Deserialize, Serialize};

/// One notification.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct Notification {
    pub id: String,
    /// What it is about, e.g. `registration.approved`.
    pub kind: String,
    pub title: String,
    pub body: String,
    /// Where in the app to look, e.g. `/registrations/{id}`.
    pub link: Option<String>,
    pub created_at: String,
    pub read: bool,
}

/// A page of notifications, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct NotificationPage {
    pub items: Vec<Notification>,
    /// How many of the user's notifications are unread, in all.
    pub unread: i64,
    /// Pass as `cursor` for the next page; absent on the last page.
    pub next_cursor: Option<String>,
}
