//! Documents on a deal: versioned files (proposals, quotes, contracts, …) shared with an
//! audience, with a signing status for contracts, comments and revision requests. The file
//! bytes travel as raw request and response bodies, never inside these JSON shapes.

use serde::{Deserialize, Serialize};

use crate::collab::Audience;
use crate::deals::Person;
use crate::ids::{DealId, DocumentCommentId, DocumentId};

named_enum!(
    /// What kind of document a file is; the portal groups documents by it.
    DocumentCategory {
        Proposal = "proposal",
        Quote = "quote",
        Contract = "contract",
        /// Statement of work.
        Sow = "sow",
        /// Technical documentation: integration guides, architecture diagrams, plans.
        Technical = "technical",
        Presentation = "presentation",
        Other = "other",
    }
);

named_enum!(
    /// Where a contract stands in signing.
    SigningStatus {
        Draft = "draft",
        Sent = "sent",
        Signed = "signed",
        Declined = "declined",
    }
);

/// One stored version of a document's file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct DocumentVersion {
    /// 1 for the first upload.
    pub version: i64,
    /// The sanitised file name the download is offered under.
    pub file_name: String,
    /// Detected from the content, never taken from the name or the uploader's header.
    pub content_type: String,
    /// Bytes.
    pub size: i64,
    /// SHA-256 of the file's bytes, lowercase hex.
    pub sha256: String,
    pub uploaded_by: Option<Person>,
    /// RFC 3339.
    pub created_at: String,
}

/// A document on a deal, as the caller may see it. The file fields describe the current
/// (latest) version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct Document {
    pub id: DocumentId,
    pub deal_id: DealId,
    pub deal_name: String,
    pub title: String,
    pub category: DocumentCategory,
    pub audience: Audience,
    pub file_name: String,
    pub content_type: String,
    pub size: i64,
    pub sha256: String,
    /// The current version; 1 for the first upload.
    pub version: i64,
    /// Contracts only.
    pub signing_status: Option<SigningStatus>,
    /// Who last changed the signing status.
    pub signing_changed_by: Option<Person>,
    /// RFC 3339.
    pub signing_changed_at: Option<String>,
    pub uploaded_by: Option<Person>,
    /// How often any version was downloaded; the company's people only (null for others).
    pub download_count: Option<i64>,
    /// RFC 3339.
    pub created_at: String,
    /// RFC 3339.
    pub updated_at: String,
    /// Every version, newest first; only on a single document (empty in lists).
    #[serde(default)]
    pub versions: Vec<DocumentVersion>,
}

/// Documents the caller reaches.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct DocumentList {
    pub items: Vec<Document>,
}

/// Changes to a document (the company's people only): absent fields stay as they are.
/// `signing_status` applies to contracts only.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct DocumentPatch {
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub category: Option<DocumentCategory>,
    #[serde(default)]
    pub audience: Option<Audience>,
    #[serde(default)]
    pub signing_status: Option<SigningStatus>,
}

/// A comment on a document; it is read by the document's audience.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct DocumentComment {
    pub id: DocumentCommentId,
    pub document_id: DocumentId,
    pub author: Option<Person>,
    pub body: String,
    /// RFC 3339.
    pub created_at: String,
}

/// A document's comments, oldest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct DocumentCommentList {
    pub items: Vec<DocumentComment>,
}

/// A new comment, or what a revision request asks for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct DocumentCommentInput {
    pub body: String,
}

/// A customer's request for a revised document: the deal owner gets a task for it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct RevisionRequest {
    /// The task created for the deal owner.
    pub task_id: String,
    pub document_id: DocumentId,
    pub body: String,
    /// RFC 3339.
    pub created_at: String,
}

/// Longest document title, in characters.
pub const TITLE_MAX: usize = 200;
/// Longest comment or revision request, in characters.
pub const COMMENT_MAX: usize = 5000;
