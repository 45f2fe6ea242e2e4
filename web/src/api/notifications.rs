//! The signed-in user's notifications.

use gloo_net::http::Method;
use portcullis_shared::notifications::NotificationPage;

use super::{ApiError, signed};

/// The newest notifications with the unread count.
pub fn list() -> impl Future<Output = Result<NotificationPage, ApiError>> + use<> {
    signed(Method::GET, "/me/notifications")
        .query([("limit", "50".to_owned())])
        .fetch()
}

/// How many notifications are unread (the answer counts them all, whatever the page size).
pub fn unread() -> impl Future<Output = Result<NotificationPage, ApiError>> + use<> {
    signed(Method::GET, "/me/notifications")
        .query([("unread", "true".to_owned()), ("limit", "1".to_owned())])
        .fetch()
}

pub fn read(id: &str) -> impl Future<Output = Result<(), ApiError>> + use<> {
    signed(Method::POST, format!("/me/notifications/{id}/read")).done()
}

pub fn read_all() -> impl Future<Output = Result<(), ApiError>> + use<> {
    signed(Method::POST, "/me/notifications/read").done()
}
