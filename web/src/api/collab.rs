//! Deal collaboration: documents (uploads, versions, downloads, comments, signing), the deal's
//! threads, requests, meetings and availability, and the co-selling workspace. What a caller
//! may reach is the server's decision; these calls carry what the screens ask for.

use gloo_net::http::Method;
use portcullis_shared::collab::Audience;
use portcullis_shared::documents::{
    Document, DocumentComment, DocumentCommentInput, DocumentCommentList, DocumentList,
    DocumentPatch, RevisionRequest,
};
use portcullis_shared::meetings::{
    Availability, Meeting, MeetingInput, MeetingList, MeetingReschedule, SlotList,
};
use portcullis_shared::partners::{Task, TaskPage, TaskStatus, TaskStatusInput};
use portcullis_shared::requests::{Request, RequestInput, RequestPage, RequestPatch};
use portcullis_shared::threads::{
    JointTaskInput, Post, PostInput, PostPage, StrategyNote, StrategyNoteInput, StrategyNoteList,
    ThreadSummary, Workspace,
};

use super::{ApiError, signed};

// Documents

/// The documents of a deal the caller may see, optionally of one category.
pub fn deal_documents(
    deal: &str,
    category: String,
) -> impl Future<Output = Result<DocumentList, ApiError>> + use<> {
    signed(Method::GET, format!("/deals/{deal}/documents"))
        .query([("category", category)])
        .fetch()
}

/// Every document the caller may see, across their deals.
pub fn documents(category: String) -> impl Future<Output = Result<DocumentList, ApiError>> + use<> {
    signed(Method::GET, "/documents")
        .query([("category", category)])
        .fetch()
}

/// One document with its versions.
pub fn document(id: &str) -> impl Future<Output = Result<Document, ApiError>> + use<> {
    signed(Method::GET, format!("/documents/{id}")).fetch()
}

/// Uploads a file to a deal as a new document.
pub fn upload(
    deal: &str,
    file: web_sys::File,
    title: String,
    category: String,
    audience: Option<Audience>,
) -> impl Future<Output = Result<Document, ApiError>> + use<> {
    let name = file.name();
    signed(Method::POST, format!("/deals/{deal}/documents"))
        .query([
            ("name", name),
            ("title", title),
            ("category", category),
            (
                "audience",
                audience.map(|a| a.as_str().to_owned()).unwrap_or_default(),
            ),
        ])
        .file(file, "application/octet-stream")
        .fetch()
}

/// Uploads a file as the next version of a document.
pub fn upload_version(
    id: &str,
    file: web_sys::File,
) -> impl Future<Output = Result<Document, ApiError>> + use<> {
    let name = file.name();
    signed(Method::POST, format!("/documents/{id}/versions"))
        .query([("name", name)])
        .file(file, "application/octet-stream")
        .fetch()
}

/// A version's bytes (the latest when `version` is `None`) as an object URL to save.
pub fn download(
    id: &str,
    version: Option<i64>,
) -> impl Future<Output = Result<String, ApiError>> + use<> {
    let path = match version {
        Some(v) => format!("/documents/{id}/versions/{v}/content"),
        None => format!("/documents/{id}/content"),
    };
    signed(Method::GET, path).object_url()
}

/// Changes a document's title, category, audience or signing status.
pub fn patch_document(
    id: &str,
    patch: &DocumentPatch,
) -> impl Future<Output = Result<Document, ApiError>> + use<> {
    signed(Method::PATCH, format!("/documents/{id}"))
        .json(patch)
        .fetch()
}

/// A document's comments.
pub fn comments(id: &str) -> impl Future<Output = Result<DocumentCommentList, ApiError>> + use<> {
    signed(Method::GET, format!("/documents/{id}/comments")).fetch()
}

/// Comments on a document.
pub fn comment(
    id: &str,
    body: String,
) -> impl Future<Output = Result<DocumentComment, ApiError>> + use<> {
    signed(Method::POST, format!("/documents/{id}/comments"))
        .json(&DocumentCommentInput { body })
        .fetch()
}

/// Asks the deal's owner to revise a document.
pub fn request_revision(
    id: &str,
    body: String,
) -> impl Future<Output = Result<RevisionRequest, ApiError>> + use<> {
    signed(Method::POST, format!("/documents/{id}/revision-requests"))
        .json(&DocumentCommentInput { body })
        .fetch()
}

// Threads

/// The deal's threads the caller reaches, with unread counts.
pub fn threads(deal: &str) -> impl Future<Output = Result<Vec<ThreadSummary>, ApiError>> + use<> {
    signed(Method::GET, format!("/deals/{deal}/threads")).fetch()
}

/// A page of a thread's posts, newest first.
pub fn posts(
    deal: &str,
    audience: Audience,
    before: String,
) -> impl Future<Output = Result<PostPage, ApiError>> + use<> {
    signed(
        Method::GET,
        format!("/deals/{deal}/threads/{}/posts", audience.as_str()),
    )
    .query([("before", before), ("limit", "30".to_owned())])
    .fetch()
}

/// Posts in a thread (an internal note when `internal`).
pub fn post(
    deal: &str,
    audience: Audience,
    body: String,
    internal: bool,
    attachment_ids: Vec<String>,
) -> impl Future<Output = Result<Post, ApiError>> + use<> {
    signed(
        Method::POST,
        format!("/deals/{deal}/threads/{}/posts", audience.as_str()),
    )
    .json(&PostInput {
        body,
        internal,
        attachment_ids,
    })
    .fetch()
}

/// Marks a thread read for the caller.
pub fn mark_read(
    deal: &str,
    audience: Audience,
) -> impl Future<Output = Result<(), ApiError>> + use<> {
    signed(
        Method::POST,
        format!("/deals/{deal}/threads/{}/read", audience.as_str()),
    )
    .done()
}

// Requests and tasks

/// A deal's requests.
pub fn deal_requests(deal: &str) -> impl Future<Output = Result<RequestPage, ApiError>> + use<> {
    signed(Method::GET, format!("/deals/{deal}/requests")).fetch()
}

/// Submits a request on a deal.
pub fn submit_request(
    deal: &str,
    input: &RequestInput,
) -> impl Future<Output = Result<Request, ApiError>> + use<> {
    signed(Method::POST, format!("/deals/{deal}/requests"))
        .json(input)
        .fetch()
}

/// Moves a request along or answers it (the company).
pub fn answer_request(
    id: &str,
    patch: &RequestPatch,
) -> impl Future<Output = Result<Request, ApiError>> + use<> {
    signed(Method::PATCH, format!("/requests/{id}"))
        .json(patch)
        .fetch()
}

/// The caller's tasks: `view` is `mine` or `overdue`; `source` and `deal` narrow it.
pub fn tasks(
    view: String,
    source: String,
    deal: String,
) -> impl Future<Output = Result<TaskPage, ApiError>> + use<> {
    signed(Method::GET, "/tasks")
        .query([("view", view), ("source", source), ("deal", deal)])
        .fetch()
}

/// Moves a task along.
pub fn set_task_status(
    id: &str,
    status: TaskStatus,
) -> impl Future<Output = Result<Task, ApiError>> + use<> {
    signed(Method::PATCH, format!("/tasks/{id}"))
        .json(&TaskStatusInput { status })
        .fetch()
}

// Meetings

/// The caller's weekly availability.
pub fn availability() -> impl Future<Output = Result<Availability, ApiError>> + use<> {
    signed(Method::GET, "/me/availability").fetch()
}

/// Publishes the caller's weekly availability.
pub fn set_availability(
    a: &Availability,
) -> impl Future<Output = Result<Availability, ApiError>> + use<> {
    signed(Method::PUT, "/me/availability").json(a).fetch()
}

/// Free slots on a deal from `from` (YYYY-MM-DD) for `days`, shown in `tz`.
pub fn slots(
    deal: &str,
    from: String,
    days: u32,
    duration: u32,
    tz: String,
) -> impl Future<Output = Result<SlotList, ApiError>> + use<> {
    signed(Method::GET, format!("/deals/{deal}/slots"))
        .query([
            ("from", from),
            ("days", days.to_string()),
            ("duration", duration.to_string()),
            ("tz", tz),
        ])
        .fetch()
}

/// A deal's meetings.
pub fn deal_meetings(deal: &str) -> impl Future<Output = Result<MeetingList, ApiError>> + use<> {
    signed(Method::GET, format!("/deals/{deal}/meetings")).fetch()
}

/// Books a meeting on a deal.
pub fn book(
    deal: &str,
    input: &MeetingInput,
) -> impl Future<Output = Result<Meeting, ApiError>> + use<> {
    signed(Method::POST, format!("/deals/{deal}/meetings"))
        .json(input)
        .fetch()
}

/// Moves a meeting.
pub fn reschedule(
    id: &str,
    input: &MeetingReschedule,
) -> impl Future<Output = Result<Meeting, ApiError>> + use<> {
    signed(Method::PATCH, format!("/meetings/{id}"))
        .json(input)
        .fetch()
}

/// Cancels a meeting.
pub fn cancel_meeting(id: &str) -> impl Future<Output = Result<Meeting, ApiError>> + use<> {
    signed(Method::POST, format!("/meetings/{id}/cancel")).fetch()
}

// The co-selling workspace

/// The co-selling workspace of a deal.
pub fn workspace(deal: &str) -> impl Future<Output = Result<Workspace, ApiError>> + use<> {
    signed(Method::GET, format!("/deals/{deal}/workspace")).fetch()
}

/// The deal's strategy notes.
pub fn strategy_notes(
    deal: &str,
) -> impl Future<Output = Result<StrategyNoteList, ApiError>> + use<> {
    signed(Method::GET, format!("/deals/{deal}/strategy-notes")).fetch()
}

/// Writes a strategy note.
pub fn add_strategy_note(
    deal: &str,
    body: String,
) -> impl Future<Output = Result<StrategyNote, ApiError>> + use<> {
    signed(Method::POST, format!("/deals/{deal}/strategy-notes"))
        .json(&StrategyNoteInput { body })
        .fetch()
}

/// The deal's joint tasks.
pub fn joint_tasks(deal: &str) -> impl Future<Output = Result<TaskPage, ApiError>> + use<> {
    signed(Method::GET, format!("/deals/{deal}/joint-tasks")).fetch()
}

/// Adds a joint task.
pub fn add_joint_task(
    deal: &str,
    input: &JointTaskInput,
) -> impl Future<Output = Result<Task, ApiError>> + use<> {
    signed(Method::POST, format!("/deals/{deal}/joint-tasks"))
        .json(input)
        .fetch()
}
