//! The partner programme: deal registrations (the live conflict check, submission with its
//! receipt, the approval queue and review), referrals and staff's tasks.

use gloo_net::http::Method;
use portcullis_shared::partners::{
    AppealInput, BulkApproveInput, BulkApproveResult, ConflictVerdict, Referral, ReferralInput,
    ReferralPage, Registration, RegistrationInput, RegistrationPage, RegistrationReview,
    RejectInput,
};
use serde::Deserialize;

use super::{ApiError, signed};

/// What the partner would be told about a prospect, as typed so far.
pub fn check(
    company: String,
    website: String,
) -> impl Future<Output = Result<ConflictVerdict, ApiError>> + use<> {
    signed(Method::GET, "/registrations/check")
        .query([("company", company), ("website", website)])
        .fetch()
}

/// What the app reads of a submission's answer (`RegistrationSubmitted`): the registration.
/// The receipt in it is left unread, so that the app carries no parser for arbitrary JSON;
/// the partner downloads the receipt as the file the server serves.
#[derive(Deserialize)]
pub struct Submitted {
    pub registration: Registration,
}

/// Submits a registration; a repeat with the same `key` answers the first result.
pub fn submit(
    body: &RegistrationInput,
    key: String,
) -> impl Future<Output = Result<Submitted, ApiError>> + use<> {
    signed(Method::POST, "/registrations")
        .idempotency_key(key)
        .json(body)
        .fetch()
}

/// The registrations the caller may see, newest first.
pub fn list() -> impl Future<Output = Result<RegistrationPage, ApiError>> + use<> {
    signed(Method::GET, "/registrations")
        .query([("limit", "100".to_owned())])
        .fetch()
}

/// Which registrations the queue shows; empty fields do not filter.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct QueueFilter {
    pub account_id: String,
    pub region: String,
    pub min_age_days: String,
    /// `true` for conflicted ones only.
    pub conflicted: String,
}

/// The approval queue, oldest first.
pub fn queue(f: QueueFilter) -> impl Future<Output = Result<RegistrationPage, ApiError>> + use<> {
    signed(Method::GET, "/registration-queue")
        .query([
            ("account_id", f.account_id),
            ("region", f.region),
            ("min_age_days", f.min_age_days),
            ("conflicted", f.conflicted),
            ("limit", "100".to_owned()),
        ])
        .fetch()
}

/// Approves several registrations at once.
pub fn approve_many(
    ids: Vec<String>,
) -> impl Future<Output = Result<BulkApproveResult, ApiError>> + use<> {
    signed(Method::POST, "/registration-queue/approve")
        .json(&BulkApproveInput { ids })
        .fetch()
}

/// One registration.
pub fn get(id: &str) -> impl Future<Output = Result<Registration, ApiError>> + use<> {
    signed(Method::GET, format!("/registrations/{id}")).fetch()
}

/// The registration's signed receipt as an object URL to save; the caller revokes it.
pub fn receipt(id: &str) -> impl Future<Output = Result<String, ApiError>> + use<> {
    signed(Method::GET, format!("/registrations/{id}/receipt")).object_url()
}

/// A registration beside its matches.
pub fn review(id: &str) -> impl Future<Output = Result<RegistrationReview, ApiError>> + use<> {
    signed(Method::GET, format!("/registrations/{id}/review")).fetch()
}

pub fn approve(id: &str) -> impl Future<Output = Result<Registration, ApiError>> + use<> {
    signed(Method::POST, format!("/registrations/{id}/approve")).fetch()
}

pub fn reject(
    id: &str,
    reason: String,
) -> impl Future<Output = Result<Registration, ApiError>> + use<> {
    signed(Method::POST, format!("/registrations/{id}/reject"))
        .json(&RejectInput { reason })
        .fetch()
}

/// The partner's one appeal of a rejection.
pub fn appeal(
    id: &str,
    statement: String,
) -> impl Future<Output = Result<Registration, ApiError>> + use<> {
    signed(Method::POST, format!("/registrations/{id}/appeal"))
        .json(&AppealInput { statement })
        .fetch()
}

pub fn refer(body: &ReferralInput) -> impl Future<Output = Result<Referral, ApiError>> + use<> {
    signed(Method::POST, "/referrals").json(body).fetch()
}

pub fn referrals() -> impl Future<Output = Result<ReferralPage, ApiError>> + use<> {
    signed(Method::GET, "/referrals")
        .query([("limit", "100".to_owned())])
        .fetch()
}
