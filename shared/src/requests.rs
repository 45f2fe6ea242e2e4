//! Structured requests: a customer or co-selling partner asks for a quote, a change order, a
//! meeting, a support escalation or a document; the request becomes a task for the deal's
//! owner (else the account's owner) due within the portal's SLA for its kind, and the
//! requester's side follows its status and reads the answer.
//!
//! Routes (under `/api/v1`):
//! - `GET/POST /deals/{id}/requests` → [`RequestPage`] / 201 [`Request`] ([`RequestInput`])
//! - `GET /requests` → [`RequestPage`] (every request the caller reaches)
//! - `GET /requests/{id}` → [`Request`]
//! - `PATCH /requests/{id}` [`RequestPatch`] → [`Request`] (the company)
//! - `GET/PUT /portals/{id}/request-slas` → [`RequestSlas`] (administrators and managers)
//! - `GET /tasks?view=mine|overdue&source=&deal=` → [`crate::partners::TaskPage`]
//! - `PATCH /tasks/{id}` [`crate::partners::TaskStatusInput`] → [`crate::partners::Task`]
//!
//! Default SLAs, in hours: quote 48, change order 72, meeting 24, support escalation 4,
//! document 48. An open task past its due time is escalated once to its assignee's manager
//! (else the administrators and managers).

use serde::{Deserialize, Serialize};

use crate::collab::Side;
use crate::ids::{DealId, PortalId};

named_enum!(
    /// What a request asks for.
    RequestKind {
        Quote = "quote",
        ChangeOrder = "change_order",
        Meeting = "meeting",
        SupportEscalation = "support_escalation",
        Document = "document",
    }
);

impl RequestKind {
    /// Hours to answer when the portal sets nothing else.
    pub fn default_sla_hours(self) -> i64 {
        match self {
            RequestKind::Quote => 48,
            RequestKind::ChangeOrder => 72,
            RequestKind::Meeting => 24,
            RequestKind::SupportEscalation => 4,
            RequestKind::Document => 48,
        }
    }
}

named_enum!(
    /// Where a request stands.
    RequestStatus {
        Submitted = "submitted",
        InProgress = "in_progress",
        Done = "done",
    }
);

/// A request as the caller may see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct Request {
    pub id: String,
    pub deal_id: DealId,
    pub deal_name: String,
    pub kind: RequestKind,
    /// The requester's side.
    pub side: Side,
    pub title: String,
    pub body: String,
    pub status: RequestStatus,
    /// The company's answer.
    pub answer: Option<String>,
    /// The requester, by name.
    pub requested_by: String,
    /// RFC 3339: when the company is due to answer.
    pub due_at: String,
    pub created_at: String,
    pub updated_at: String,
    /// The company's task (company callers only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub task_id: Option<String>,
}

/// A page of requests, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct RequestPage {
    pub items: Vec<Request>,
    pub next_cursor: Option<String>,
}

/// A new request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct RequestInput {
    pub kind: RequestKind,
    /// 1–200 characters.
    pub title: String,
    /// Up to 20000 characters.
    #[serde(default)]
    pub body: String,
}

/// The company's update of a request: absent fields stay as they are.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct RequestPatch {
    pub status: Option<RequestStatus>,
    /// Up to 20000 characters.
    pub answer: Option<String>,
}

/// The SLA of one request kind.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct RequestSla {
    pub kind: RequestKind,
    /// 1–8760.
    pub hours: i64,
}

/// A portal's SLA for every request kind (defaults where it sets none).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct RequestSlas {
    pub portal_id: PortalId,
    pub items: Vec<RequestSla>,
}

/// Sets a portal's SLAs: listed kinds change, others stay.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct RequestSlasInput {
    pub items: Vec<RequestSla>,
}
