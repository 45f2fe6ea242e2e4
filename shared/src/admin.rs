//! DTOs of the admin API: portals, accounts, users, sessions, permissions and the audit log.

use serde::{Deserialize, Serialize};

use crate::permission::{Permission, PortalKind};
use crate::portal::Branding;
use crate::role::Role;

/// A portal as administrators see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct Portal {
    pub id: String,
    pub slug: String,
    pub name: String,
    #[serde(rename = "type")]
    pub kind: PortalKind,
    pub branding: Branding,
    /// A host name that serves this portal (CNAME to this installation).
    pub custom_domain: Option<String>,
    /// Origins allowed to embed the portal in a frame; none when absent.
    pub frame_ancestors: Option<String>,
    pub published: bool,
    /// Minutes of inactivity after which a session ends.
    pub idle_timeout_minutes: i64,
    /// Hours after sign-in after which a session ends regardless.
    pub session_lifetime_hours: i64,
    /// Whether people may request access from the sign-in page.
    pub self_registration: bool,
    /// When set, only addresses at these domains may request access.
    pub registration_domains: Vec<String>,
}

/// A portal to create.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct PortalInput {
    #[cfg_attr(feature = "server", schema(example = "acme"))]
    pub slug: String,
    #[cfg_attr(feature = "server", schema(example = "Acme Customer Hub"))]
    pub name: String,
    #[serde(rename = "type")]
    pub kind: PortalKind,
    pub branding: Branding,
    #[serde(default)]
    pub custom_domain: Option<String>,
    #[serde(default)]
    pub frame_ancestors: Option<String>,
    #[serde(default)]
    pub published: bool,
    #[serde(default)]
    pub idle_timeout_minutes: Option<i64>,
    #[serde(default)]
    pub session_lifetime_hours: Option<i64>,
}

/// Changes to a portal; absent fields stay as they are. `null` clears an optional field.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct PortalPatch {
    pub name: Option<String>,
    pub branding: Option<Branding>,
    #[serde(default, with = "double_option")]
    #[cfg_attr(feature = "server", schema(value_type = Option<String>))]
    pub custom_domain: Option<Option<String>>,
    #[serde(default, with = "double_option")]
    #[cfg_attr(feature = "server", schema(value_type = Option<String>))]
    pub frame_ancestors: Option<Option<String>>,
    pub published: Option<bool>,
    pub idle_timeout_minutes: Option<i64>,
    pub session_lifetime_hours: Option<i64>,
    pub self_registration: Option<bool>,
    /// Replaces the list of domains allowed to request access (empty: any domain).
    pub registration_domains: Option<Vec<String>>,
}

/// Distinguishes an absent field (`None`) from an explicit `null` (`Some(None)`).
pub mod double_option {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    pub fn serialize<S: Serializer, T: Serialize>(
        v: &Option<Option<T>>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        match v {
            None | Some(None) => s.serialize_none(),
            Some(Some(t)) => t.serialize(s),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
        d: D,
    ) -> Result<Option<Option<T>>, D::Error> {
        Option::<T>::deserialize(d).map(Some)
    }
}

/// Every portal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct PortalList {
    pub items: Vec<Portal>,
}

/// A customer or partner organisation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct Account {
    pub id: String,
    #[serde(rename = "type")]
    pub kind: PortalKind,
    pub name: String,
    pub domain: Option<String>,
    pub region: Option<String>,
    pub parent_id: Option<String>,
    pub owner_user_id: Option<String>,
    /// A partner organisation's users see every deal it is linked to, or only their own.
    pub partner_deal_visibility: crate::deals::PartnerDealVisibility,
}

/// An account to create.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct AccountInput {
    #[serde(rename = "type")]
    pub kind: PortalKind,
    #[cfg_attr(feature = "server", schema(example = "Northwind Partners"))]
    pub name: String,
    #[serde(default)]
    #[cfg_attr(feature = "server", schema(example = "northwind.example"))]
    pub domain: Option<String>,
    #[serde(default)]
    #[cfg_attr(feature = "server", schema(example = "EMEA"))]
    pub region: Option<String>,
    /// The parent account, for partner hierarchies (same type).
    #[serde(default)]
    pub parent_id: Option<String>,
    /// The internal user who owns the relationship.
    #[serde(default)]
    pub owner_user_id: Option<String>,
    /// Partner accounts: `organisation` (default) or `own`.
    #[serde(default)]
    pub partner_deal_visibility: Option<crate::deals::PartnerDealVisibility>,
}

/// A page of accounts.
/// Changes to an account: absent fields stay as they are; `null` clears an optional one.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct AccountPatch {
    pub name: Option<String>,
    #[serde(default, with = "double_option")]
    #[cfg_attr(feature = "server", schema(value_type = Option<String>))]
    pub domain: Option<Option<String>>,
    #[serde(default, with = "double_option")]
    #[cfg_attr(feature = "server", schema(value_type = Option<String>))]
    pub region: Option<Option<String>>,
    #[serde(default, with = "double_option")]
    #[cfg_attr(feature = "server", schema(value_type = Option<String>))]
    pub parent_id: Option<Option<String>>,
    #[serde(default, with = "double_option")]
    #[cfg_attr(feature = "server", schema(value_type = Option<String>))]
    pub owner_user_id: Option<Option<String>>,
    /// Partner accounts: whether their users see every linked deal or only their own.
    #[serde(default)]
    pub partner_deal_visibility: Option<crate::deals::PartnerDealVisibility>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct AccountPage {
    pub items: Vec<Account>,
    /// Pass as `cursor` for the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

/// An enum stored and sent as a `snake_case` name, with `as_str`, `parse` and `Display`.
macro_rules! named_enum {
    ($(#[$doc:meta])* $name:ident { $($(#[$vdoc:meta])* $variant:ident = $text:literal,)+ }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
        #[serde(rename_all = "snake_case")]
        pub enum $name {
            $($(#[$vdoc])* $variant,)+
        }

        impl $name {
            /// Every value, in order.
            pub const ALL: &'static [$name] = &[$($name::$variant,)+];

            /// The stored and wire name.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text,)+
                }
            }

            /// The value of a stored or wire name.
            pub fn parse(s: &str) -> Option<$name> {
                match s {
                    $($text => Some($name::$variant),)+
                    _ => None,
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

named_enum!(
    /// Where a user is in their lifecycle.
    UserStatus {
        /// Invited, not yet accepted.
        Invited = "invited",
        Active = "active",
        /// May not sign in; every session ended.
        Deactivated = "deactivated",
    }
);

named_enum!(
    /// What an invitation did with one address.
    InvitationOutcome {
        /// A new user was invited.
        Invited = "invited",
        /// The address already has a user; nothing changed.
        AlreadyExists = "already_exists",
    }
);

named_enum!(
    /// Where a self-registration request stands.
    AccessRequestStatus {
        Pending = "pending",
        Approved = "approved",
        Rejected = "rejected",
    }
);

/// A user as administrators see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct User {
    pub id: String,
    pub email: String,
    pub name: String,
    pub role: Role,
    pub status: UserStatus,
    pub account_id: Option<String>,
    pub portal_id: Option<String>,
    pub access_expires_at: Option<String>,
    pub last_sign_in_at: Option<String>,
    pub created_at: String,
    /// Flagged by the access review: an external user with no sign-in for 90 days.
    pub stale: bool,
    /// Internal users limited to regions see only deals of accounts there; empty: everywhere.
    pub regions: Vec<String>,
}

/// The regions an internal user is limited to; an empty list lifts the limit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct UserRegionsRequest {
    pub regions: Vec<String>,
}

/// A page of users.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct UserPage {
    pub items: Vec<User>,
    pub next_cursor: Option<String>,
}

/// Moves a user to another account of the same type.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct TransferRequest {
    pub account_id: String,
}

/// Sets or clears the date after which a user can no longer sign in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct AccessExpiryRequest {
    /// RFC 3339; `null` removes the expiry.
    #[cfg_attr(feature = "server", schema(example = "2027-06-30T23:59:59Z"))]
    pub access_expires_at: Option<String>,
}

/// A session of a user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct SessionInfo {
    pub id: String,
    pub created_at: String,
    pub last_seen_at: String,
    pub expires_at: String,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    pub portal_id: Option<String>,
    pub live: bool,
    pub ended_at: Option<String>,
    pub end_reason: Option<String>,
}

/// A user's sessions, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct SessionList {
    pub items: Vec<SessionInfo>,
}

/// One audit log entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct AuditEntry {
    pub seq: i64,
    pub at: String,
    pub actor_id: Option<String>,
    /// The actor's email, when the actor is a user who still exists.
    #[serde(default)]
    pub actor_email: Option<String>,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    pub action: String,
    pub object_type: Option<String>,
    pub object_id: Option<String>,
    pub portal_id: Option<String>,
    pub outcome: String,
    pub details: String,
    pub hash: String,
}

/// A page of audit entries, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct AuditPage {
    pub items: Vec<AuditEntry>,
    pub next_cursor: Option<String>,
}

/// The result of recomputing the audit chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct AuditVerification {
    pub checked: i64,
    /// The first entry where the chain breaks; absent when intact.
    pub first_broken_seq: Option<i64>,
    pub intact: bool,
    /// Entries recorded but not yet sealed into the chain (sealing follows within a second).
    #[serde(default)]
    pub pending: i64,
}

/// Where a permission override applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum OverrideScope {
    Portal,
    Account,
    User,
}

/// Sets (`allowed`: true/false) or removes (`allowed`: null) one override.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct OverrideInput {
    pub scope: OverrideScope,
    pub scope_id: String,
    pub permission: Permission,
    pub allowed: Option<bool>,
}

/// One row of the permission matrix of a portal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct PermissionRow {
    pub permission: Permission,
    pub label: String,
    /// The seed default.
    pub default: bool,
    /// The portal-wide setting (the default unless overridden).
    pub portal: bool,
    /// Account overrides: account id → allowed.
    pub accounts: std::collections::BTreeMap<String, bool>,
    /// User overrides: user id → allowed.
    pub users: std::collections::BTreeMap<String, bool>,
}

/// The permission matrix of a portal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct PermissionMatrix {
    pub portal_id: String,
    pub rows: Vec<PermissionRow>,
}

/// Invites people to Portcullis: internal staff, or external users of one account and portal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct InvitationRequest {
    /// 1-100 email addresses.
    pub emails: Vec<String>,
    pub role: Role,
    /// Required for external roles: the account the users belong to.
    #[serde(default)]
    pub account_id: Option<String>,
    /// Required for external roles: the portal they sign in to.
    #[serde(default)]
    pub portal_id: Option<String>,
}

/// What happened to one invited address.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct InvitationResult {
    pub email: String,
    /// `already_exists`: nothing changed (resend from the user instead).
    pub status: InvitationOutcome,
    pub user_id: String,
}

/// The result of an invitation request, one entry per address.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct InvitationResults {
    pub results: Vec<InvitationResult>,
}

/// One email of the outbox.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct OutboxEmail {
    pub id: String,
    /// e.g. `invitation`.
    pub kind: String,
    pub to: String,
    pub subject: String,
    pub body_text: String,
    pub body_html: String,
    pub portal_id: Option<String>,
    pub created_at: String,
    pub sent_at: Option<String>,
    pub attempts: i64,
    pub last_error: Option<String>,
    /// The file name of an attached calendar invitation (`invite.ics`).
    #[serde(default)]
    pub ics_name: Option<String>,
    /// The attached calendar invitation (iCalendar text), sent as a `text/calendar` part.
    #[serde(default)]
    pub ics: Option<String>,
}

/// A page of the outbox, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct OutboxPage {
    pub items: Vec<OutboxEmail>,
    pub next_cursor: Option<String>,
}

/// One rejected row of a CSV import.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct RowError {
    /// The 1-based line number in the file (the header is line 1).
    pub line: u64,
    pub field: String,
    pub message: String,
}

/// The result of a CSV invitation import.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct ImportReport {
    pub invited: u64,
    pub already_existing: u64,
    pub rejected: u64,
    /// Every rejected row and why; valid rows are imported regardless.
    pub errors: Vec<RowError>,
}

/// Users to deactivate together (e.g. after an access review).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct BulkDeactivate {
    /// 1-1000 user ids.
    pub user_ids: Vec<String>,
}

/// How many users a bulk deactivation changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct BulkResult {
    pub deactivated: u64,
    /// Ids that named no user, or the caller.
    pub skipped: Vec<String>,
}

/// A request for access made from a portal's sign-in page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct AccessRequest {
    pub id: String,
    pub portal_id: String,
    pub email: String,
    pub name: String,
    pub company: String,
    pub message: Option<String>,
    pub status: AccessRequestStatus,
    pub reason: Option<String>,
    pub created_at: String,
}

/// Access requests, oldest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct AccessRequestList {
    pub items: Vec<AccessRequest>,
}

/// Approves a request: the person is invited into this account with this role.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct ApproveAccess {
    pub account_id: String,
    pub role: Role,
}

/// Rejects a request, with a reason kept for the record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct RejectAccess {
    pub reason: String,
}

named_enum!(
    /// Where a background job stands.
    JobState {
        /// Waiting for a worker.
        Queued = "queued",
        /// Claimed by a worker, under a lease.
        Running = "running",
        /// Finished.
        Done = "done",
        /// Failed at least once; runs again at `run_at`.
        Failed = "failed",
        /// Failed its last attempt; runs again only when an administrator retries it.
        Dead = "dead",
    }
);

/// A background job, as administrators see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct Job {
    pub id: String,
    /// e.g. `email.send`, `access.review`.
    pub kind: String,
    pub state: JobState,
    pub attempts: i64,
    pub max_attempts: i64,
    /// When it runs next (queued, failed), or when its lease ends (running).
    pub run_at: String,
    /// Why the last attempt failed, if it did.
    pub last_error: Option<String>,
    pub created_at: String,
    pub updated_at: String,
}

/// A page of jobs, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct JobPage {
    pub items: Vec<Job>,
    pub next_cursor: Option<String>,
}
