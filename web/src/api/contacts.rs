//! Contacts: the people at a customer account.

use gloo_net::http::Method;
use portcullis_shared::deals::{Contact, ContactInput, ContactList};

use super::{ApiError, signed};

/// An account's contacts.
pub fn list(account_id: &str) -> impl Future<Output = Result<ContactList, ApiError>> + use<> {
    signed(Method::GET, "/contacts")
        .query([("account_id", account_id.to_owned())])
        .fetch()
}

/// Adds a contact to an account.
pub fn create(body: &ContactInput) -> impl Future<Output = Result<Contact, ApiError>> + use<> {
    signed(Method::POST, "/contacts").json(body).fetch()
}
