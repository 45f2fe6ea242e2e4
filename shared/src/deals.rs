//! Deals and the pipeline: what every audience reads and what staff send. One `Deal` shape
//! serves every caller; fields an external user may not see (internal tags, the deal team,
//! the external id, internal events) are absent from their responses, never merely empty.

use serde::{Deserialize, Serialize};

use crate::admin::double_option;
use crate::ids::{AccountId, ContactId, DealId, StageId, UserId};
use crate::money::Money;

named_enum!(
    /// Where a stage sits in the life of a deal.
    StageCategory {
        Open = "open",
        Won = "won",
        Lost = "lost",
    }
);

named_enum!(
    /// Where a deal came from.
    DealSource {
        Direct = "direct",
        Partner = "partner",
        Referral = "referral",
    }
);

named_enum!(
    /// How a partner organisation takes part in a deal.
    PartnerRole {
        /// The partner registered the deal.
        Registered = "registered",
        /// The partner sells alongside the company.
        CoSell = "co_sell",
        /// The partner referred the customer.
        Referral = "referral",
        /// The partner influenced the decision.
        Influenced = "influenced",
    }
);

named_enum!(
    /// The order of a deal list.
    DealSort {
        /// Most recently changed first (the default).
        Updated = "updated",
        /// Soonest expected close first; deals without a date last.
        CloseDate = "close_date",
        /// Largest amount first; deals without an amount last.
        Amount = "amount",
    }
);

named_enum!(
    /// Which of the deals in reach an internal user lists.
    DealView {
        /// Deals the caller owns.
        Mine = "mine",
        /// Deals the caller owns or is on the team of.
        Team = "team",
        /// Every deal in the caller's reach (the default).
        All = "all",
    }
);

named_enum!(
    /// What happened to a deal.
    DealEventKind {
        Created = "created",
        StageChanged = "stage_changed",
        CloseDateChanged = "close_date_changed",
        AmountChanged = "amount_changed",
        Note = "note",
        NextStepsChanged = "next_steps_changed",
        Shared = "shared",
        Unshared = "unshared",
        AmountShared = "amount_shared",
        ContactAdded = "contact_added",
        ContactRemoved = "contact_removed",
        PartnerLinked = "partner_linked",
        PartnerUnlinked = "partner_unlinked",
        OwnerChanged = "owner_changed",
        TeamChanged = "team_changed",
        Renamed = "renamed",
        AccountChanged = "account_changed",
        /// An external user posted in a deal thread (internal).
        #[serde(rename = "thread.posted")]
        ThreadPosted = "thread.posted",
        /// An external user submitted a request (internal).
        #[serde(rename = "request.submitted")]
        RequestSubmitted = "request.submitted",
        /// A customer or partner booked a meeting (internal).
        MeetingBooked = "meeting_booked",
        /// A customer or partner moved a meeting (internal).
        MeetingRescheduled = "meeting_rescheduled",
        /// A customer or partner cancelled a meeting (internal).
        MeetingCancelled = "meeting_cancelled",
        /// A document was uploaded (internal timeline).
        #[serde(rename = "document.uploaded")]
        DocumentUploaded = "document.uploaded",
        /// A customer or partner downloaded a document (internal timeline).
        #[serde(rename = "document.downloaded")]
        DocumentDownloaded = "document.downloaded",
    }
);

named_enum!(
    /// Which deals a partner organisation's users see.
    PartnerDealVisibility {
        /// Every deal the organisation is linked to.
        Organisation = "organisation",
        /// Only the deals the user is responsible for.
        Own = "own",
    }
);

/// A stage of the pipeline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct Stage {
    pub id: StageId,
    pub name: String,
    /// 1 for the first stage.
    pub position: i64,
    /// Win probability, 0–100.
    pub probability: i64,
    pub category: StageCategory,
    /// Whether reaching this stage locks the amount, currency, close date and account.
    pub locks_contract: bool,
}

/// The pipeline's stages, in order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct Pipeline {
    pub stages: Vec<Stage>,
}

/// A new stage; without `position` it goes last.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct StageInput {
    pub name: String,
    pub probability: i64,
    pub category: StageCategory,
    #[serde(default)]
    pub locks_contract: bool,
    #[serde(default)]
    pub position: Option<i64>,
}

/// Changes to a stage: absent fields stay as they are. A new `position` moves the stage
/// there and shifts the others.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct StagePatch {
    pub name: Option<String>,
    pub position: Option<i64>,
    pub probability: Option<i64>,
    pub category: Option<StageCategory>,
    pub locks_contract: Option<bool>,
}

/// A person shown on a deal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct Person {
    pub id: UserId,
    pub name: String,
    /// Where the person's photo is served, when they have one.
    pub photo_url: Option<String>,
}

/// An organisation named on a deal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct AccountRef {
    pub id: AccountId,
    pub name: String,
}

/// A stage as shown on a deal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct StageRef {
    pub id: StageId,
    pub name: String,
    pub position: i64,
    pub category: StageCategory,
}

/// Something that changed on a deal since the caller's previous visit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct DealChange {
    pub kind: DealEventKind,
    /// In words: "Stage moved from Proposal to Negotiation".
    pub summary: String,
    /// RFC 3339.
    pub at: String,
}

/// A deal in a list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct DealSummary {
    pub id: DealId,
    pub name: String,
    pub account: AccountRef,
    pub stage: StageRef,
    /// Absent when the caller may not see it.
    pub amount: Option<Money>,
    /// YYYY-MM-DD.
    pub expected_close_date: Option<String>,
    /// The sales rep; absent when the caller may not see the team.
    pub owner: Option<Person>,
    pub shared: bool,
    pub next_steps: Option<String>,
    /// RFC 3339.
    pub updated_at: String,
    /// Changes since the caller's previous sign-in (external users).
    pub changes: Vec<DealChange>,
}

/// A page of deals.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct DealPage {
    pub items: Vec<DealSummary>,
    /// Pass as `cursor` for the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

/// A contact: a person at a customer account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct Contact {
    pub id: ContactId,
    pub account_id: AccountId,
    pub name: String,
    pub email: String,
    pub title: Option<String>,
    pub phone: Option<String>,
    /// Whether a portal user exists with this email.
    pub has_portal_account: bool,
}

/// A new contact.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct ContactInput {
    pub account_id: AccountId,
    pub name: String,
    pub email: String,
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub phone: Option<String>,
}

/// An account's contacts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct ContactList {
    pub items: Vec<Contact>,
}

/// A partner organisation linked to a deal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct DealPartner {
    pub account: AccountRef,
    pub role: PartnerRole,
    /// The partner user responsible for the deal.
    pub partner_user: Option<Person>,
}

/// Links a partner organisation to a deal (again: changes its role or responsible user).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct DealPartnerInput {
    pub account_id: AccountId,
    pub role: PartnerRole,
    #[serde(default)]
    pub partner_user_id: Option<UserId>,
}

/// A deal, whole, as the caller may see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct Deal {
    pub id: DealId,
    pub name: String,
    pub account: AccountRef,
    pub stage: StageRef,
    /// Absent when the caller may not see it.
    pub amount: Option<Money>,
    /// Whether customers with "View deal value" see the amount.
    pub amount_shared: bool,
    pub expected_close_date: Option<String>,
    /// The sales rep; absent when the caller may not see the team.
    pub owner: Option<Person>,
    pub source: crate::deals::DealSource,
    /// Whether the deal is shared to the customer's portal.
    pub shared: bool,
    /// Next steps shared with the customer.
    pub next_steps: Option<String>,
    pub contacts: Vec<Contact>,
    pub partners: Vec<DealPartner>,
    /// Internal users only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub team: Option<Vec<Person>>,
    /// Internal users only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub internal_tags: Option<Vec<String>>,
    /// Internal users only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_id: Option<String>,
    /// Internal users only: the account's region.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    /// Fields the caller may not change because the stage locks them.
    pub locked_fields: Vec<String>,
    /// Changes since the caller's previous sign-in (external users).
    pub changes: Vec<DealChange>,
    pub created_at: String,
    pub updated_at: String,
    pub closed_at: Option<String>,
    /// Also sent as the `ETag`; send it back as `If-Match` to update.
    pub version: i64,
}

/// A new deal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct DealInput {
    pub account_id: AccountId,
    pub name: String,
    /// The first stage when absent.
    #[serde(default)]
    pub stage_id: Option<StageId>,
    #[serde(default)]
    pub amount: Option<Money>,
    /// YYYY-MM-DD.
    #[serde(default)]
    pub expected_close_date: Option<String>,
    /// The caller when absent.
    #[serde(default)]
    pub owner_id: Option<UserId>,
    #[serde(default)]
    pub source: Option<DealSource>,
    #[serde(default)]
    pub next_steps: Option<String>,
    #[serde(default)]
    pub external_id: Option<String>,
    #[serde(default)]
    pub internal_tags: Vec<String>,
    #[serde(default)]
    pub contact_ids: Vec<ContactId>,
}

/// Changes to a deal: absent fields stay as they are; `null` clears an optional one.
// A client leaves out, rather than sends `null` for, what it does not change.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct DealPatch {
    pub name: Option<String>,
    pub account_id: Option<AccountId>,
    pub stage_id: Option<StageId>,
    #[serde(
        default,
        with = "double_option",
        skip_serializing_if = "Option::is_none"
    )]
    #[cfg_attr(feature = "server", schema(value_type = Option<Money>))]
    pub amount: Option<Option<Money>>,
    #[serde(
        default,
        with = "double_option",
        skip_serializing_if = "Option::is_none"
    )]
    #[cfg_attr(feature = "server", schema(value_type = Option<String>))]
    pub expected_close_date: Option<Option<String>>,
    pub owner_id: Option<UserId>,
    pub source: Option<DealSource>,
    #[serde(
        default,
        with = "double_option",
        skip_serializing_if = "Option::is_none"
    )]
    #[cfg_attr(feature = "server", schema(value_type = Option<String>))]
    pub next_steps: Option<Option<String>>,
    pub amount_shared: Option<bool>,
    #[serde(
        default,
        with = "double_option",
        skip_serializing_if = "Option::is_none"
    )]
    #[cfg_attr(feature = "server", schema(value_type = Option<String>))]
    pub external_id: Option<Option<String>>,
    pub internal_tags: Option<Vec<String>>,
}

/// An event on a deal's timeline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct DealEvent {
    pub id: String,
    pub at: String,
    pub kind: DealEventKind,
    /// Whether customers and partners see it.
    pub shared: bool,
    /// Who did it, by name.
    pub actor: Option<String>,
    /// A note's text.
    pub body: Option<String>,
    /// In words.
    pub summary: String,
}

/// A page of a deal's timeline, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct TimelinePage {
    pub items: Vec<DealEvent>,
    pub next_cursor: Option<String>,
}

/// A note on a deal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct NoteInput {
    pub body: String,
    /// Shared notes are seen by the customer and linked partners; internal ones only by staff.
    #[serde(default)]
    pub shared: bool,
}

/// Shares a deal to the customer's portal.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct ShareInput {
    /// Also show the amount to customers allowed to see deal values.
    #[serde(default)]
    pub amount_shared: bool,
    /// Invite the deal's contacts who have no portal account, in the same change.
    #[serde(default)]
    pub invite_contacts: bool,
}

/// A shared deal and whom the share invited.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct ShareOutcome {
    pub deal: Deal,
    /// The contacts' addresses invited to the portal.
    pub invited: Vec<String>,
}

/// Adds a contact or a team member to a deal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct DealContactInput {
    pub contact_id: ContactId,
}

/// Adds a member to a deal's team.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct TeamMemberInput {
    pub user_id: UserId,
}

/// Deals and amounts at one stage.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct StageTotal {
    pub stage: StageRef,
    pub deals: i64,
    /// One total per currency, largest first.
    pub amounts: Vec<Money>,
}

/// The caller's pipeline by stage.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct PipelineSummary {
    pub stages: Vec<StageTotal>,
}
