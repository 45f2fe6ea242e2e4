//! The outbox: the emails Portcullis queued and their delivery.

use gloo_net::http::Method;
use portcullis_shared::admin::OutboxPage;

use super::{ApiError, signed};

/// A page of emails, newest first, optionally to one address.
pub fn list(
    to: String,
    cursor: String,
) -> impl Future<Output = Result<OutboxPage, ApiError>> + use<> {
    signed(Method::GET, "/admin/outbox")
        .query([("to", to), ("cursor", cursor)])
        .fetch()
}
