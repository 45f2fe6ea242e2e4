//! Storage: every SQL statement Portcullis runs, written once for both backends.

pub mod access_requests;
pub mod accounts;
pub mod audit;
pub mod commissions;
pub mod deals;
pub mod documents;
pub mod invitations;
pub mod jobs;
pub mod meetings;
pub mod notifications;
pub mod objects;
pub mod outbox;
pub mod partners;
pub mod permissions;
pub mod portals;
pub mod receipt_keys;
pub mod requests;
pub mod scope;
pub mod sessions;
pub mod sql;
pub mod threads;
pub mod tiers;
pub mod users;

pub use deals::DealScope;
pub use scope::{AccountScope, CollabScope, CompanyScope, UserScope};
pub use sql::Sql;

/// Reads a `BIGINT` 0/1 flag.
pub fn flag(v: i64) -> bool {
    v != 0
}
