//! The partner programme: deal registrations and what a partner is told about conflicts,
//! the reviewers' view of a registration's matches, referrals and tasks. The registration
//! form's rules live here, so the web app checks as the partner types and the API enforces
//! the same rules.

use serde::{Deserialize, Serialize};

use crate::ids::{AccountId, DealId, UserId};
use crate::money::Money;
use crate::validate::is_plausible_email;
use crate::{FieldCode, FieldError};

named_enum!(
    /// Where a registration stands.
    RegistrationStatus {
        /// Waiting for a channel manager's decision.
        Submitted = "submitted",
        /// Accepted: protected for the partner until `protected_until`.
        Approved = "approved",
        /// Declined, with a reason; the partner may appeal once.
        Rejected = "rejected",
        /// Its deal closed won.
        Won = "won",
        /// Its deal closed lost.
        Lost = "lost",
        /// Its protection elapsed without a close.
        Expired = "expired",
    }
);

named_enum!(
    /// What a partner is told about a prospect they register or refer. Never who another
    /// partner is, or anything of theirs.
    ConflictKind {
        /// Nothing like it is known.
        None = "none",
        /// Possibly a duplicate of one of the partner's own registrations or referrals.
        OwnDuplicate = "own_duplicate",
        /// Already registered by another partner.
        OtherPartner = "other_partner",
        /// Already a customer of the company.
        ExistingCustomer = "existing_customer",
    }
);

named_enum!(
    /// How registrations become deals, per portal.
    ConversionModel {
        /// Approval creates the deal, linked to the partner as `registered`.
        OnApproval = "on_approval",
        /// Submission creates the deal at once, in the pipeline's first open stage (triage).
        OnSubmit = "on_submit",
    }
);

named_enum!(
    /// Why a reviewer is shown a match.
    MatchReason {
        SameDomain = "same_domain",
        SameName = "same_name",
        SimilarName = "similar_name",
    }
);

/// A prospect as typed so far, for the live conflict check.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema, utoipa::IntoParams))]
pub struct ConflictQuery {
    #[serde(default)]
    pub company: String,
    /// A domain, a URL or an email address at the prospect.
    #[serde(default)]
    pub website: Option<String>,
}

/// What the partner is told about a prospect.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct ConflictVerdict {
    pub conflict: ConflictKind,
    /// For `own_duplicate`: the partner's own registration it may duplicate.
    pub own_registration_id: Option<String>,
    /// For `other_partner`: until when that registration is protected (absent while it
    /// awaits review).
    pub protected_until: Option<String>,
    /// The verdict in a sentence, for the partner.
    pub message: String,
}

/// A deal registration as the partner submits it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct RegistrationInput {
    /// The prospect's company name.
    pub company: String,
    /// The prospect's website (a domain or URL).
    #[serde(default)]
    pub website: Option<String>,
    pub contact_name: String,
    pub contact_email: String,
    #[serde(default)]
    pub contact_phone: Option<String>,
    /// The estimated amount.
    pub amount: Money,
    pub product_interest: String,
    /// `YYYY-MM-DD`, today or later.
    pub expected_close_date: String,
    pub description: String,
}

fn check_text(field: &str, value: &str, max: usize, errors: &mut Vec<FieldError>) {
    let n = value.trim().chars().count();
    if n == 0 {
        errors.push(FieldError::new(field, FieldCode::Required, "is required"));
    } else if n > max {
        errors.push(FieldError::new(
            field,
            FieldCode::TooLong,
            format!("must be at most {max} characters"),
        ));
    }
}

/// A website as a partner types it: a host name with a dot, optionally with a scheme and a
/// path; at most 253 characters, no spaces.
pub fn is_plausible_website(s: &str) -> bool {
    let s = s.trim();
    let rest = s
        .strip_prefix("https://")
        .or_else(|| s.strip_prefix("http://"))
        .unwrap_or(s);
    let host = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host = host.rsplit('@').next().unwrap_or("");
    let host = host.split(':').next().unwrap_or("").trim_end_matches('.');
    !host.is_empty()
        && s.len() <= 253
        && host.contains('.')
        && !s.chars().any(|c| c.is_whitespace() || c.is_control())
        && host.split('.').all(|l| {
            !l.is_empty() && l.len() <= 63 && l.chars().all(|c| c.is_alphanumeric() || c == '-')
        })
}

/// A phone number: digits with the usual separators, 5-30 characters.
pub fn is_plausible_phone(s: &str) -> bool {
    let n = s.chars().count();
    (5..=30).contains(&n)
        && s.chars().filter(|c| c.is_ascii_digit()).count() >= 5
        && s.chars()
            .all(|c| c.is_ascii_digit() || " +-().".contains(c))
}

/// Whether `date` is `YYYY-MM-DD` (a real calendar date).
pub fn is_iso_date(date: &str) -> bool {
    let b = date.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return false;
    }
    let num = |r: std::ops::Range<usize>| date.get(r).and_then(|s| s.parse::<u32>().ok());
    let (Some(y), Some(m), Some(d)) = (num(0..4), num(5..7), num(8..10)) else {
        return false;
    };
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let days = match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return false,
    };
    (1..=days).contains(&d) && date[..4].bytes().all(|c| c.is_ascii_digit())
}

/// An optional website (`website`): a plausible web address when given.
fn check_website(website: Option<&str>, errors: &mut Vec<FieldError>) {
    if let Some(w) = website.filter(|w| !w.trim().is_empty())
        && !is_plausible_website(w)
    {
        errors.push(FieldError::new(
            "website",
            FieldCode::InvalidFormat,
            "must be a web address such as acme.com",
        ));
    }
}

/// An optional phone number (`contact_phone`).
fn check_phone(phone: Option<&str>, errors: &mut Vec<FieldError>) {
    if let Some(p) = phone.filter(|p| !p.trim().is_empty())
        && !is_plausible_phone(p.trim())
    {
        errors.push(FieldError::new(
            "contact_phone",
            FieldCode::InvalidFormat,
            "must be a phone number (digits, spaces, + - ( ) .)",
        ));
    }
}

/// The registration form's rules. `today` is `YYYY-MM-DD` (the server's date in UTC; the
/// web app passes the browser's), so a close date in the past is refused.
pub fn check_registration(input: &RegistrationInput, today: &str) -> Vec<FieldError> {
    let mut errors = Vec::new();
    check_text("company", &input.company, 200, &mut errors);
    check_website(input.website.as_deref(), &mut errors);
    check_text("contact_name", &input.contact_name, 100, &mut errors);
    if input.contact_email.trim().is_empty() {
        errors.push(FieldError::new(
            "contact_email",
            FieldCode::Required,
            "is required",
        ));
    } else if !is_plausible_email(input.contact_email.trim()) {
        errors.push(FieldError::new(
            "contact_email",
            FieldCode::InvalidFormat,
            "must be an email address",
        ));
    }
    check_phone(input.contact_phone.as_deref(), &mut errors);
    if input.amount.minor <= 0 {
        errors.push(FieldError::new(
            "amount",
            FieldCode::OutOfRange,
            "must be more than zero",
        ));
    }
    check_text(
        "product_interest",
        &input.product_interest,
        200,
        &mut errors,
    );
    let date = input.expected_close_date.trim();
    if date.is_empty() {
        errors.push(FieldError::new(
            "expected_close_date",
            FieldCode::Required,
            "is required",
        ));
    } else if !is_iso_date(date) {
        errors.push(FieldError::new(
            "expected_close_date",
            FieldCode::InvalidFormat,
            "must be a date as YYYY-MM-DD",
        ));
    } else if date < today {
        errors.push(FieldError::new(
            "expected_close_date",
            FieldCode::OutOfRange,
            "must be today or later",
        ));
    }
    check_text("description", &input.description, 4000, &mut errors);
    errors
}

/// A registration, as its partner and internal users see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct Registration {
    pub id: String,
    pub account_id: AccountId,
    /// The partner organisation's name.
    pub account_name: String,
    pub submitted_by: UserId,
    pub submitted_by_name: String,
    pub company: String,
    pub website: Option<String>,
    /// The registrable domain the website was reduced to.
    pub domain: Option<String>,
    pub contact_name: String,
    pub contact_email: String,
    pub contact_phone: Option<String>,
    pub amount: Money,
    pub product_interest: String,
    pub expected_close_date: String,
    pub description: String,
    pub region: Option<String>,
    pub status: RegistrationStatus,
    /// What the partner was told at submission.
    pub conflict: ConflictVerdict,
    pub rejection_reason: Option<String>,
    /// The partner's appeal statement, once appealed.
    pub appeal: Option<String>,
    pub appealed_at: Option<String>,
    pub decided_at: Option<String>,
    pub protected_until: Option<String>,
    /// The deal it became, once it is one.
    pub deal_id: Option<DealId>,
    pub submitted_at: String,
    pub updated_at: String,
}

/// A page of registrations.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct RegistrationPage {
    pub items: Vec<Registration>,
    pub next_cursor: Option<String>,
}

/// What a reviewer sees of one match.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct RegistrationMatch {
    /// `account`, `deal`, `registration` or `referral`.
    pub kind: String,
    pub id: String,
    /// The matched object's name (company, account or deal name).
    pub name: String,
    /// Its domain, when it has one.
    pub domain: Option<String>,
    /// The owning partner organisation, for registrations and referrals.
    pub partner: Option<String>,
    /// Its status (a registration's or referral's status, a deal's stage).
    pub status: Option<String>,
    pub reason: MatchReason,
    /// 0-1.
    pub score: f64,
}

/// A registration with everything it was matched against, for the side-by-side review.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct RegistrationReview {
    pub registration: Registration,
    /// Matches as of now (recomputed), strongest first.
    pub matches: Vec<RegistrationMatch>,
}

/// A rejection; the reason is shown to the partner.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct RejectInput {
    pub reason: String,
}

/// A partner's one appeal against a rejection.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct AppealInput {
    pub statement: String,
}

/// Approves several registrations at once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct BulkApproveInput {
    pub ids: Vec<String>,
}

/// What a bulk approval did, per registration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct BulkApproveResult {
    pub approved: Vec<String>,
    /// Registrations that could not be approved, with why.
    pub skipped: Vec<BulkSkip>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct BulkSkip {
    pub id: String,
    pub reason: String,
}

/// What a submission returns: the registration and its signed receipt.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct RegistrationSubmitted {
    pub registration: Registration,
    /// The signed receipt, as issued (also downloadable later).
    #[cfg_attr(feature = "server", schema(value_type = Object))]
    pub receipt: serde_json::Value,
}

/// The partner programme's settings for a portal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct ProgrammeSettings {
    /// Days an approved registration is protected (a tier may grant more).
    pub protection_days: i64,
    pub conversion: ConversionModel,
}

named_enum!(
    /// Where a referral stands.
    ReferralStatus {
        Submitted = "submitted",
        Accepted = "accepted",
        InPipeline = "in_pipeline",
        Won = "won",
        Lost = "lost",
    }
);

/// A prospect a partner refers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct ReferralInput {
    pub company: String,
    #[serde(default)]
    pub website: Option<String>,
    pub contact_name: String,
    pub contact_email: String,
    #[serde(default)]
    pub contact_phone: Option<String>,
    #[serde(default)]
    pub notes: String,
}

/// The referral form's rules.
pub fn check_referral(input: &ReferralInput) -> Vec<FieldError> {
    let mut errors = Vec::new();
    check_text("company", &input.company, 200, &mut errors);
    check_website(input.website.as_deref(), &mut errors);
    check_text("contact_name", &input.contact_name, 100, &mut errors);
    if !is_plausible_email(input.contact_email.trim()) {
        errors.push(FieldError::new(
            "contact_email",
            FieldCode::InvalidFormat,
            "must be an email address",
        ));
    }
    check_phone(input.contact_phone.as_deref(), &mut errors);
    if input.notes.chars().count() > 4000 {
        errors.push(FieldError::new(
            "notes",
            FieldCode::TooLong,
            "must be at most 4000 characters",
        ));
    }
    errors
}

/// A referral.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct Referral {
    pub id: String,
    pub account_id: AccountId,
    pub account_name: String,
    pub company: String,
    pub website: Option<String>,
    pub domain: Option<String>,
    pub contact_name: String,
    pub contact_email: String,
    pub contact_phone: Option<String>,
    pub notes: String,
    pub status: ReferralStatus,
    pub conflict: ConflictVerdict,
    /// The deal it led to, once attributed.
    pub deal_id: Option<DealId>,
    /// When the partner was credited with a deal.
    pub credited_at: Option<String>,
    pub submitted_at: String,
    pub updated_at: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct ReferralPage {
    pub items: Vec<Referral>,
    pub next_cursor: Option<String>,
}

/// Moves a referral on (internal users).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct ReferralStatusInput {
    pub status: ReferralStatus,
}

named_enum!(
    /// Where a task stands.
    TaskStatus {
        Open = "open",
        InProgress = "in_progress",
        Done = "done",
    }
);

named_enum!(
    /// Which of the caller's tasks a task list shows.
    TaskView {
        /// Assigned to the caller (the default).
        Mine = "mine",
        /// Assigned to the caller, unfinished and past due.
        Overdue = "overdue",
    }
);

/// A task: an internal user's work item, or a joint task on a co-sold deal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct Task {
    pub id: String,
    pub assignee_id: UserId,
    /// The assignee, by name.
    pub assignee_name: String,
    pub title: String,
    pub body: Option<String>,
    /// What created it: `referral`, `registration`, …
    pub source: String,
    pub source_id: Option<String>,
    pub deal_id: Option<DealId>,
    /// The deal's name, when the task is on a deal.
    pub deal_name: Option<String>,
    pub account_id: Option<AccountId>,
    /// Who besides the company sees it: `partner` for joint tasks.
    pub audience: crate::collab::Audience,
    pub status: TaskStatus,
    pub due_at: Option<String>,
    pub overdue: bool,
    /// When it was escalated for being overdue.
    pub escalated_at: Option<String>,
    pub created_at: String,
}

/// Moves a task along.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct TaskStatusInput {
    pub status: TaskStatus,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct TaskPage {
    pub items: Vec<Task>,
    pub next_cursor: Option<String>,
}

/// How many registrations are in one status.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct StatusCount {
    pub status: RegistrationStatus,
    pub count: i64,
}

/// Deals and their amount in one currency.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct DealTotal {
    pub amount: Money,
    pub deals: i64,
}

/// A partner organisation's programme at a glance.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct PartnerDashboard {
    pub account_id: AccountId,
    pub account_name: String,
    /// Registrations by status (every status, zero included).
    pub registrations: Vec<StatusCount>,
    /// Approved (including since won, lost or expired) out of all decided, in percent;
    /// absent before the first decision.
    pub approval_rate_percent: Option<i64>,
    /// Open deals the organisation is linked to, per currency.
    pub pipeline: Vec<DealTotal>,
    /// Deals won over the last 12 months, per currency.
    pub won_last_12_months: Vec<DealTotal>,
    /// With "View commissions".
    pub commissions: Option<crate::commissions::CommissionSummary>,
    /// With "View partner tier status".
    pub tier: Option<crate::tiers::TierStatus>,
    pub unread_notifications: i64,
    /// The latest notifications (up to five).
    pub notifications: Vec<crate::notifications::Notification>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_and_websites() {
        assert!(is_iso_date("2028-02-29"));
        assert!(!is_iso_date("2027-02-29"));
        assert!(!is_iso_date("2027-13-01"));
        assert!(!is_iso_date("27-01-01"));
        assert!(is_plausible_website("https://www.acme.co.uk/about"));
        assert!(is_plausible_website("acme.com"));
        assert!(!is_plausible_website("acme"));
        assert!(!is_plausible_website("acme .com"));
    }
}
