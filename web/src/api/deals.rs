//! Deals: lists and one deal as the caller may see it, its timeline, and what staff change
//! (fields under `If-Match`, notes, sharing to the portal, contacts).

use gloo_net::http::Method;
use portcullis_shared::deals::{
    Deal, DealContactInput, DealEvent, DealInput, DealPage, DealPatch, NoteInput, ShareInput,
    ShareOutcome, TimelinePage,
};

use super::{ApiError, Call, signed};

/// Which deals to list; empty fields do not filter.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct DealFilter {
    /// `mine`, `team` or `all` (internal users).
    pub view: String,
    pub stage: String,
    /// YYYY-MM-DD.
    pub close_from: String,
    pub close_to: String,
    /// Text the name contains.
    pub text: String,
    /// `updated`, `close_date` or `amount`.
    pub sort: String,
    /// The previous page's `next_cursor`.
    pub cursor: String,
}

/// A page of the deals in the caller's reach.
pub fn list(filter: &DealFilter) -> impl Future<Output = Result<DealPage, ApiError>> + use<> {
    let f = filter.clone();
    signed(Method::GET, "/deals")
        .query([
            ("view", f.view),
            ("stage", f.stage),
            ("close_from", f.close_from),
            ("close_to", f.close_to),
            ("q", f.text),
            ("sort", f.sort),
            ("limit", "20".to_owned()),
            ("cursor", f.cursor),
        ])
        .fetch()
}

fn on_deal(method: Method, id: &str, rest: &str) -> Call {
    signed(method, format!("/deals/{id}{rest}"))
}

/// One deal.
pub fn get(id: &str) -> impl Future<Output = Result<Deal, ApiError>> + use<> {
    on_deal(Method::GET, id, "").fetch()
}

/// Creates a deal.
pub fn create(body: &DealInput) -> impl Future<Output = Result<Deal, ApiError>> + use<> {
    signed(Method::POST, "/deals").json(body).fetch()
}

/// The ETag of a deal at `version`.
pub fn etag(version: i64) -> String {
    format!("\"v{version}\"")
}

/// Changes a deal, unless someone else changed it since `version` (412).
pub fn update(
    id: &str,
    version: i64,
    body: &DealPatch,
) -> impl Future<Output = Result<Deal, ApiError>> + use<> {
    on_deal(Method::PATCH, id, "")
        .if_match(etag(version))
        .json(body)
        .fetch()
}

/// A page of the deal's timeline, newest first (external users see shared events only).
pub fn timeline(
    id: &str,
    cursor: String,
) -> impl Future<Output = Result<TimelinePage, ApiError>> + use<> {
    on_deal(Method::GET, id, "/timeline")
        .query([("limit", "20".to_owned()), ("cursor", cursor)])
        .fetch()
}

/// Writes a note, internal or shared.
pub fn add_note(
    id: &str,
    body: &NoteInput,
) -> impl Future<Output = Result<DealEvent, ApiError>> + use<> {
    on_deal(Method::POST, id, "/notes").json(body).fetch()
}

/// Shares the deal to the customer's portal (optionally its amount; optionally inviting
/// its contacts).
pub fn share(
    id: &str,
    body: &ShareInput,
) -> impl Future<Output = Result<ShareOutcome, ApiError>> + use<> {
    on_deal(Method::POST, id, "/share").json(body).fetch()
}

/// Stops sharing the deal (and its amount).
pub fn unshare(id: &str) -> impl Future<Output = Result<Deal, ApiError>> + use<> {
    on_deal(Method::DELETE, id, "/share").fetch()
}

/// Adds one of the account's contacts to the deal.
pub fn add_contact(
    id: &str,
    contact_id: &str,
) -> impl Future<Output = Result<(), ApiError>> + use<> {
    on_deal(Method::POST, id, "/contacts")
        .json(&DealContactInput {
            contact_id: contact_id.to_owned().into(),
        })
        .done()
}

/// Takes a contact off the deal.
pub fn remove_contact(
    id: &str,
    contact_id: &str,
) -> impl Future<Output = Result<(), ApiError>> + use<> {
    on_deal(Method::DELETE, id, &format!("/contacts/{contact_id}")).done()
}

/// The deal owner's photo as an object URL for an `<img>` (it needs the bearer token).
pub fn owner_photo(id: &str) -> impl Future<Output = Result<String, ApiError>> + use<> {
    on_deal(Method::GET, id, "/owner/photo").object_url()
}
