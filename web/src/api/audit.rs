//! The audit log: entries, the CSV export and the hash chain's verification.

use gloo_net::http::Method;
use portcullis_shared::admin::{AuditPage, AuditVerification};

use super::{ApiError, signed};

/// Which entries; empty fields do not filter.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct AuditFilter {
    /// Such as `auth.login`.
    pub action: String,
    /// `success`, `failure` or `denied`.
    pub outcome: String,
    /// RFC 3339: entries at or after.
    pub since: String,
    /// RFC 3339: entries before.
    pub until: String,
}

impl AuditFilter {
    fn pairs(&self) -> [(&'static str, String); 4] {
        [
            ("action", self.action.clone()),
            ("outcome", self.outcome.clone()),
            ("since", self.since.clone()),
            ("until", self.until.clone()),
        ]
    }
}

/// A page of entries, newest first; `cursor` is the previous page's `next_cursor`.
pub fn list(
    filter: &AuditFilter,
    cursor: String,
) -> impl Future<Output = Result<AuditPage, ApiError>> + use<> {
    signed(Method::GET, "/admin/audit")
        .query(filter.pairs())
        .query([("cursor", cursor)])
        .fetch()
}

/// The matching entries as CSV.
pub fn export_csv(filter: &AuditFilter) -> impl Future<Output = Result<String, ApiError>> + use<> {
    signed(Method::GET, "/admin/audit/export.csv")
        .query(filter.pairs())
        .text()
}

/// Checks the hash chain from the first entry to the last.
pub fn verify() -> impl Future<Output = Result<AuditVerification, ApiError>> + use<> {
    signed(Method::GET, "/admin/audit/verify").fetch()
}
