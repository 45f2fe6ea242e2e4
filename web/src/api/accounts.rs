//! Accounts: the customer and partner organisations.

use gloo_net::http::Method;
use portcullis_shared::PortalKind;
use portcullis_shared::admin::{Account, AccountInput, AccountPage, AccountPatch};

use super::{ApiError, signed};

/// A page of accounts, optionally of one kind; `cursor` is the previous page's `next_cursor`.
pub fn list(
    kind: Option<PortalKind>,
    cursor: String,
) -> impl Future<Output = Result<AccountPage, ApiError>> + use<> {
    signed(Method::GET, "/admin/accounts")
        .query([
            (
                "type",
                kind.map(|k| k.as_str().to_owned()).unwrap_or_default(),
            ),
            ("cursor", cursor),
        ])
        .fetch()
}

/// The first 200 accounts, optionally of one kind, for pickers.
pub fn choices(
    kind: Option<PortalKind>,
) -> impl Future<Output = Result<Vec<Account>, ApiError>> + use<> {
    let call = signed(Method::GET, "/admin/accounts").query([
        (
            "type",
            kind.map(|k| k.as_str().to_owned()).unwrap_or_default(),
        ),
        ("limit", "200".to_owned()),
    ]);
    async move { call.fetch::<AccountPage>().await.map(|p| p.items) }
}

/// Creates an account.
pub fn create(body: &AccountInput) -> impl Future<Output = Result<Account, ApiError>> + use<> {
    signed(Method::POST, "/admin/accounts").json(body).fetch()
}

/// Changes an account.
pub fn update(
    id: &str,
    body: &AccountPatch,
) -> impl Future<Output = Result<Account, ApiError>> + use<> {
    signed(Method::PATCH, format!("/admin/accounts/{id}"))
        .json(body)
        .fetch()
}
