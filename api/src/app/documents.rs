//! Documents on deals: who may read, upload, change and comment on which document.
//!
//! Every use case starts from the caller's collaboration scope ("View shared documents" on
//! the customer side, "Access co-sell workspace" on the partner side): the company's people
//! reach every document on the deals they reach; a customer the customer and both-sides
//! documents of their account's shared deals; a co-selling partner the partner and
//! both-sides documents of the deals they co-sell. Anything else is 404. External callers
//! upload only for their own side; the company chooses any audience and alone changes,
//! signs off and deletes documents. Downloads are audited and counted, and those of
//! customers and partners appear on the deal's internal timeline.

use bytes::Bytes;
use futures_util::stream::BoxStream;
use futures_util::{Stream, StreamExt};
use portcullis_shared::collab::{Audience, Side};
use portcullis_shared::deals::{DealEventKind, Person};
use portcullis_shared::documents::{
    COMMENT_MAX, Document, DocumentCategory, DocumentComment, DocumentCommentInput,
    DocumentCommentList, DocumentList, DocumentPatch, DocumentVersion, RevisionRequest,
    SigningStatus, TITLE_MAX,
};
use portcullis_shared::ids::{DealId, DocumentCommentId, DocumentId, UserId};
use portcullis_shared::partners::TaskStatus;
use portcullis_shared::{FieldCode, FieldError, Permission};
use serde_json::json;

use crate::app::notifications::{self, Notice, Topic};
use crate::app::scope::require;
use crate::app::{Actor, App, Audit};
use crate::auth::Principal;
use crate::domain::documents::sanitize_name;
use crate::error::ApiError;
use crate::storage::CollabScope;
use crate::storage::deals::{self, NewEvent};
use crate::storage::documents::{
    self as store, CommentRow, DocumentFields, DocumentFilter, DocumentRow, NewDocument,
    NewVersion, VersionRow,
};
use crate::storage::objects::{Objects, PutError, ReadError, Stored};
use crate::storage::partners::{self as tasks, TaskRow};
use crate::time;

pub use crate::domain::documents::encode_filename;

/// Most documents a list returns.
const LIST_LIMIT: i64 = 500;
/// How long the deal owner has to answer a revision request.
const REVISION_DUE: i64 = 2 * 24 * 3600 * 1_000_000;

/// What describes an upload, as received.
#[derive(Debug, Clone, Default)]
pub struct UploadInput {
    pub name: Option<String>,
    pub category: Option<String>,
    pub audience: Option<String>,
    pub title: Option<String>,
}

/// A file on its way out: decrypted chunk by chunk as the body is sent.
pub struct Download {
    pub file_name: String,
    pub content_type: String,
    pub size: u64,
    pub body: BoxStream<'static, Result<Bytes, std::io::Error>>,
}

fn scope_of(p: &Principal) -> Result<CollabScope, ApiError> {
    require::collaborate(p, Permission::ViewSharedDocuments)
}

/// Changes are the company's: customers and partners read, upload and comment only.
fn require_company(scope: &CollabScope) -> Result<(), ApiError> {
    if scope.side() == Side::Company {
        Ok(())
    } else {
        Err(ApiError::Forbidden)
    }
}

fn person(who: Option<(String, String)>) -> Option<Person> {
    who.map(|(id, name)| Person {
        id: UserId::new(id),
        name,
        photo_url: None,
    })
}

fn version_dto(v: VersionRow) -> DocumentVersion {
    DocumentVersion {
        version: v.version,
        file_name: v.file_name,
        content_type: v.content_type,
        size: v.size,
        sha256: v.sha256,
        uploaded_by: person(v.uploaded_by),
        created_at: time::to_rfc3339(v.created_at),
    }
}

fn dto(row: DocumentRow, side: Side, versions: Vec<VersionRow>) -> Document {
    Document {
        id: DocumentId::new(row.id),
        deal_id: DealId::new(row.deal_id),
        deal_name: row.deal_name,
        title: row.title,
        category: row.category,
        audience: row.audience,
        file_name: row.current.file_name,
        content_type: row.current.content_type,
        size: row.current.size,
        sha256: row.current.sha256,
        version: row.current_version,
        signing_status: row.signing_status,
        signing_changed_by: person(row.signing_changed_by),
        signing_changed_at: row.signing_changed_at.map(time::to_rfc3339),
        uploaded_by: person(row.current.uploaded_by),
        download_count: (side == Side::Company).then_some(row.download_count),
        created_at: time::to_rfc3339(row.created_at),
        updated_at: time::to_rfc3339(row.updated_at),
        versions: versions.into_iter().map(version_dto).collect(),
    }
}

fn comment_dto(c: CommentRow) -> DocumentComment {
    DocumentComment {
        id: DocumentCommentId::new(c.id),
        document_id: DocumentId::new(c.document_id),
        author: person(c.author),
        body: c.body,
        created_at: time::to_rfc3339(c.created_at),
    }
}

fn parse_category(raw: Option<&str>, errors: &mut Vec<FieldError>) -> Option<DocumentCategory> {
    let raw = raw.map(str::trim).filter(|s| !s.is_empty())?;
    let parsed = DocumentCategory::parse(raw);
    if parsed.is_none() {
        errors.push(FieldError::new(
            "category",
            FieldCode::InvalidValue,
            "must be proposal, quote, contract, sow, technical, presentation or other",
        ));
    }
    parsed
}

fn check_title(title: &str, errors: &mut Vec<FieldError>) {
    let len = title.chars().count();
    if len == 0 || len > TITLE_MAX {
        errors.push(FieldError::new(
            "title",
            FieldCode::InvalidLength,
            format!("must be 1 to {TITLE_MAX} characters"),
        ));
    }
}

fn check_body(body: &str) -> Result<&str, ApiError> {
    let body = body.trim();
    let len = body.chars().count();
    if len == 0 || len > COMMENT_MAX {
        return Err(ApiError::field(
            "body",
            FieldCode::InvalidLength,
            format!("must be 1 to {COMMENT_MAX} characters"),
        ));
    }
    Ok(body)
}

/// A received file name, sanitised; `fallback` when absent.
fn file_name(raw: Option<&str>, fallback: Option<&str>, errors: &mut Vec<FieldError>) -> String {
    match raw.map(str::trim).filter(|s| !s.is_empty()) {
        Some(raw) => sanitize_name(raw).unwrap_or_else(|| {
            errors.push(FieldError::new(
                "name",
                FieldCode::InvalidFormat,
                "must contain a usable file name",
            ));
            String::new()
        }),
        None => match fallback {
            Some(f) => f.to_owned(),
            None => {
                errors.push(FieldError::new(
                    "name",
                    FieldCode::Required,
                    "the file's name is required",
                ));
                String::new()
            }
        },
    }
}

fn put_error(e: PutError) -> ApiError {
    match e {
        PutError::TooLarge(limit) => ApiError::PayloadTooLarge(format!(
            "The file exceeds the upload limit of {} MiB.",
            limit / (1024 * 1024)
        )),
        PutError::Body(why) => ApiError::Malformed(format!("the upload was interrupted: {why}")),
        e @ (PutError::Store(_) | PutError::Crypto) => {
            ApiError::Internal(anyhow::Error::new(e).context("Failed to store an uploaded file"))
        }
    }
}

fn read_error(e: ReadError) -> ApiError {
    ApiError::Internal(anyhow::Error::new(e).context("Failed to read a stored file"))
}

/// Stores `body` encrypted; the object is removed again if `then` fails.
async fn store_file<S, E, T, F, Fut>(app: &App, body: S, then: F) -> Result<T, ApiError>
where
    S: Stream<Item = Result<Bytes, E>> + Unpin,
    E: std::fmt::Display,
    F: FnOnce(String, Stored) -> Fut,
    Fut: std::future::Future<Output = Result<T, ApiError>>,
{
    let objects: &Objects = app.objects()?;
    let key = Objects::new_key();
    let stored = objects
        .put(&key, body, app.settings.max_upload_bytes)
        .await
        .map_err(put_error)?;
    match then(key.clone(), stored).await {
        Ok(done) => Ok(done),
        Err(e) => {
            objects.delete(&key).await;
            Err(e)
        }
    }
}

/// The documents the caller reaches, on one deal or across deals, most recent first.
pub async fn list(
    app: &App,
    p: &Principal,
    deal: Option<String>,
    category: Option<String>,
) -> Result<DocumentList, ApiError> {
    let scope = scope_of(p)?;
    let mut errors = Vec::new();
    let category = parse_category(category.as_deref(), &mut errors);
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let mut conn = app.read().await?;
    if let Some(deal) = &deal {
        store::deal_in(&mut conn, &scope, deal)
            .await?
            .ok_or(ApiError::NotFound)?;
    }
    let rows = store::list(
        &mut conn,
        &scope,
        &DocumentFilter {
            deal_id: deal,
            category,
        },
        LIST_LIMIT,
    )
    .await?;
    Ok(DocumentList {
        items: rows
            .into_iter()
            .map(|r| dto(r, scope.side(), Vec::new()))
            .collect(),
    })
}

/// A document with every version.
pub async fn get(app: &App, p: &Principal, id: &str) -> Result<Document, ApiError> {
    let scope = scope_of(p)?;
    let mut conn = app.read().await?;
    let row = store::get(&mut conn, &scope, id)
        .await?
        .ok_or(ApiError::NotFound)?;
    let versions = store::versions(&mut conn, id).await?;
    Ok(dto(row, scope.side(), versions))
}

/// Uploads a document to a deal. The file streams through encryption into the object
/// store before the transaction that records it; if that fails, the object is deleted.
pub async fn upload<S, E>(
    app: &App,
    p: &Principal,
    deal_id: &str,
    input: UploadInput,
    body: S,
) -> Result<Document, ApiError>
where
    S: Stream<Item = Result<Bytes, E>> + Unpin,
    E: std::fmt::Display,
{
    let scope = scope_of(p)?;
    let mut errors = Vec::new();
    let name = file_name(input.name.as_deref(), None, &mut errors);
    let category =
        parse_category(input.category.as_deref(), &mut errors).unwrap_or(DocumentCategory::Other);
    let own = match scope.side() {
        Side::Company => Audience::Internal,
        side => Audience::of_side(side),
    };
    let audience = match input
        .audience
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        None => own,
        Some(raw) => match Audience::parse(raw) {
            Some(a) if scope.may_address(a) => a,
            Some(_) => {
                errors.push(FieldError::new(
                    "audience",
                    FieldCode::NotAllowed,
                    format!("you may share documents with your own side only ({own})"),
                ));
                own
            }
            None => {
                errors.push(FieldError::new(
                    "audience",
                    FieldCode::InvalidValue,
                    "must be internal, customer, partner or both",
                ));
                own
            }
        },
    };
    let title = input
        .title
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .unwrap_or_else(|| name.clone());
    if !name.is_empty() {
        check_title(&title, &mut errors);
    }
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    {
        let mut conn = app.read().await?;
        store::deal_in(&mut conn, &scope, deal_id)
            .await?
            .ok_or(ApiError::NotFound)?;
    }
    let id = uuid::Uuid::now_v7().to_string();
    store_file(app, body, |object_key, stored| async move {
        let now = time::now();
        let mut tx = app.begin().await?;
        // The deal may have left the caller's reach while the file streamed in.
        store::deal_in(&mut tx, &scope, deal_id)
            .await?
            .ok_or(ApiError::NotFound)?;
        store::insert(
            &mut tx,
            &NewDocument {
                id: &id,
                deal_id,
                title: &title,
                category,
                audience,
                signing_status: (category == DocumentCategory::Contract)
                    .then_some(SigningStatus::Draft),
                created_by: &p.user_id,
                now,
            },
        )
        .await?;
        record_version(&mut tx, p, &id, 1, &object_key, &name, &stored, now).await?;
        timeline(
            &mut tx,
            p,
            deal_id,
            DealEventKind::DocumentUploaded,
            &title,
            1,
        )
        .await?;
        tx.audit(
            Audit::new(Actor::User(p), "document.upload")
                .object("document", id.clone())
                .details(json!({
                    "deal_id": deal_id, "version": 1, "category": category.as_str(),
                    "audience": audience.as_str(), "size": stored.size, "sha256": stored.sha256,
                })),
        )
        .await?;
        let row = store::get(&mut tx, &scope, &id)
            .await?
            .ok_or(ApiError::NotFound)?;
        let versions = store::versions(&mut tx, &id).await?;
        tx.commit().await?;
        Ok(dto(row, scope.side(), versions))
    })
    .await
}

#[allow(clippy::too_many_arguments)]
async fn record_version(
    tx: &mut crate::app::Tx,
    p: &Principal,
    document_id: &str,
    version: i64,
    object_key: &str,
    file_name: &str,
    stored: &Stored,
    now: i64,
) -> Result<(), ApiError> {
    store::insert_version(
        tx,
        &NewVersion {
            document_id,
            version,
            object_key,
            file_name,
            content_type: stored.content_type,
            size: stored.size,
            sha256: &stored.sha256,
            wrapped_key: &stored.wrapped_key,
            master_key_id: &stored.master_key_id,
            uploaded_by: &p.user_id,
            now,
        },
    )
    .await?;
    Ok(())
}

/// Records a document event on the deal's internal timeline: every upload, and the
/// downloads of customers and partners (the company's own are in the audit log).
async fn timeline(
    tx: &mut crate::app::Tx,
    p: &Principal,
    deal_id: &str,
    kind: DealEventKind,
    title: &str,
    version: i64,
) -> Result<(), ApiError> {
    deals::record(
        tx,
        &NewEvent {
            deal_id,
            kind,
            shared: false,
            actor_id: Some(&p.user_id),
            body: None,
            details: json!({ "title": title, "version": version }),
        },
    )
    .await?;
    Ok(())
}

/// Uploads a new version of a document: the company for any document, a customer or
/// partner for the documents of their own side.
pub async fn add_version<S, E>(
    app: &App,
    p: &Principal,
    id: &str,
    name: Option<String>,
    body: S,
) -> Result<Document, ApiError>
where
    S: Stream<Item = Result<Bytes, E>> + Unpin,
    E: std::fmt::Display,
{
    let scope = scope_of(p)?;
    let doc = {
        let mut conn = app.read().await?;
        store::get(&mut conn, &scope, id)
            .await?
            .ok_or(ApiError::NotFound)?
    };
    if !scope.may_address(doc.audience) {
        return Err(ApiError::Forbidden);
    }
    let mut errors = Vec::new();
    let name = file_name(name.as_deref(), Some(&doc.current.file_name), &mut errors);
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    store_file(app, body, |object_key, stored| async move {
        let now = time::now();
        let mut tx = app.begin().await?;
        let doc = store::get(&mut tx, &scope, id)
            .await?
            .ok_or(ApiError::NotFound)?;
        let version = store::bump_version(&mut tx, id, now)
            .await?
            .ok_or(ApiError::NotFound)?;
        record_version(&mut tx, p, id, version, &object_key, &name, &stored, now).await?;
        timeline(
            &mut tx,
            p,
            &doc.deal_id,
            DealEventKind::DocumentUploaded,
            &doc.title,
            version,
        )
        .await?;
        tx.audit(
            Audit::new(Actor::User(p), "document.version")
                .object("document", id)
                .details(json!({
                    "deal_id": doc.deal_id, "version": version,
                    "size": stored.size, "sha256": stored.sha256,
                })),
        )
        .await?;
        let row = store::get(&mut tx, &scope, id)
            .await?
            .ok_or(ApiError::NotFound)?;
        let versions = store::versions(&mut tx, id).await?;
        tx.commit().await?;
        Ok(dto(row, scope.side(), versions))
    })
    .await
}

/// Opens a document's current version, or `version`, for download: the download is
/// audited and counted, and a customer's or partner's appears on the deal's internal
/// timeline. The file is checked as it is decrypted: a file damaged at its start is an
/// error here; damage further on ends the body with an error, so the client's download
/// fails instead of completing.
pub async fn download(
    app: &App,
    p: &Principal,
    id: &str,
    version: Option<i64>,
) -> Result<Download, ApiError> {
    let scope = scope_of(p)?;
    let objects = app.objects()?;
    let (doc, file) = {
        let mut conn = app.read().await?;
        let doc = store::get(&mut conn, &scope, id)
            .await?
            .ok_or(ApiError::NotFound)?;
        let file = match version {
            None => doc.current.clone(),
            Some(v) => store::version(&mut conn, id, v)
                .await?
                .ok_or(ApiError::NotFound)?,
        };
        (doc, file)
    };
    let body = objects
        .get(&file.object_key, &file.wrapped_key, &file.master_key_id)
        .await
        .map_err(read_error)?;
    let mut tx = app.begin().await?;
    store::count_download(&mut tx, id).await?;
    if scope.side() != Side::Company {
        timeline(
            &mut tx,
            p,
            &doc.deal_id,
            DealEventKind::DocumentDownloaded,
            &doc.title,
            file.version,
        )
        .await?;
    }
    tx.audit(
        Audit::new(Actor::User(p), "document.download")
            .object("document", id)
            .details(json!({ "deal_id": doc.deal_id, "version": file.version })),
    )
    .await?;
    tx.commit().await?;
    let document_id = doc.id.clone();
    Ok(Download {
        file_name: file.file_name,
        content_type: file.content_type,
        size: u64::try_from(file.size).unwrap_or_default(),
        body: body
            .map(move |piece| {
                piece.map_err(|e| {
                    tracing::error!(error = %e, document_id, "a download stopped: the stored file failed its check");
                    std::io::Error::other(e)
                })
            })
            .boxed(),
    })
}

/// Retitles, recategorises or re-addresses a document, or moves a contract's signing
/// status (the company's people).
pub async fn update(
    app: &App,
    p: &Principal,
    id: &str,
    patch: DocumentPatch,
) -> Result<Document, ApiError> {
    let scope = scope_of(p)?;
    require_company(&scope)?;
    let mut errors = Vec::new();
    let title = patch.title.as_deref().map(str::trim);
    if let Some(title) = title {
        check_title(title, &mut errors);
    }
    let mut tx = app.begin().await?;
    let doc = store::get(&mut tx, &scope, id)
        .await?
        .ok_or(ApiError::NotFound)?;
    let category = patch.category.unwrap_or(doc.category);
    let contract = category == DocumentCategory::Contract;
    if patch.signing_status.is_some() && !contract {
        errors.push(FieldError::new(
            "signing_status",
            FieldCode::NotApplicable,
            "only contracts have a signing status",
        ));
    }
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let now = time::now();
    let signing_status = match (contract, patch.signing_status, doc.signing_status) {
        (false, _, _) => None,
        (true, Some(s), _) => Some(s),
        (true, None, Some(s)) => Some(s),
        (true, None, None) => Some(SigningStatus::Draft),
    };
    let signing_moved = patch.signing_status.is_some() && signing_status != doc.signing_status;
    let fields = DocumentFields {
        title: title.map(str::to_owned).unwrap_or(doc.title.clone()),
        category,
        audience: patch.audience.unwrap_or(doc.audience),
        signing_status,
        signing_changed_by: if signing_moved {
            Some(p.user_id.to_string())
        } else if contract {
            doc.signing_changed_by.as_ref().map(|(id, _)| id.clone())
        } else {
            None
        },
        signing_changed_at: if signing_moved {
            Some(now)
        } else if contract {
            doc.signing_changed_at
        } else {
            None
        },
    };
    store::update(&mut tx, id, &fields, now).await?;
    tx.audit(
        Audit::new(Actor::User(p), "document.update")
            .object("document", id)
            .details(json!({
                "deal_id": doc.deal_id,
                "title": fields.title,
                "category": { "from": doc.category.as_str(), "to": category.as_str() },
                "audience": { "from": doc.audience.as_str(), "to": fields.audience.as_str() },
                "signing_status": {
                    "from": doc.signing_status.map(SigningStatus::as_str),
                    "to": signing_status.map(SigningStatus::as_str),
                },
            })),
    )
    .await?;
    let row = store::get(&mut tx, &scope, id)
        .await?
        .ok_or(ApiError::NotFound)?;
    let versions = store::versions(&mut tx, id).await?;
    tx.commit().await?;
    Ok(dto(row, scope.side(), versions))
}

/// Deletes a document with its versions and comments (the company's people); the stored
/// files go once the deletion has committed.
pub async fn delete(app: &App, p: &Principal, id: &str) -> Result<(), ApiError> {
    let scope = scope_of(p)?;
    require_company(&scope)?;
    let objects = app.objects()?;
    let mut tx = app.begin().await?;
    let doc = store::get(&mut tx, &scope, id)
        .await?
        .ok_or(ApiError::NotFound)?;
    let keys = store::delete(&mut tx, id).await?;
    tx.audit(
        Audit::new(Actor::User(p), "document.delete")
            .object("document", id)
            .details(json!({ "deal_id": doc.deal_id, "title": doc.title, "versions": keys.len() })),
    )
    .await?;
    tx.commit().await?;
    for key in keys {
        objects.delete(&key).await;
    }
    Ok(())
}

/// A document's comments, oldest first.
pub async fn comments(app: &App, p: &Principal, id: &str) -> Result<DocumentCommentList, ApiError> {
    let scope = scope_of(p)?;
    let mut conn = app.read().await?;
    store::get(&mut conn, &scope, id)
        .await?
        .ok_or(ApiError::NotFound)?;
    let rows = store::comments(&mut conn, id).await?;
    Ok(DocumentCommentList {
        items: rows.into_iter().map(comment_dto).collect(),
    })
}

/// Comments on a document the caller reads; the comment has the document's audience.
pub async fn add_comment(
    app: &App,
    p: &Principal,
    id: &str,
    input: DocumentCommentInput,
) -> Result<DocumentComment, ApiError> {
    let scope = scope_of(p)?;
    let body = check_body(&input.body)?;
    let mut tx = app.begin().await?;
    let doc = store::get(&mut tx, &scope, id)
        .await?
        .ok_or(ApiError::NotFound)?;
    let comment_id = uuid::Uuid::now_v7().to_string();
    let row =
        store::insert_comment(&mut tx, &comment_id, id, &p.user_id, body, time::now()).await?;
    tx.audit(
        Audit::new(Actor::User(p), "document.comment")
            .object("document", id)
            .details(json!({ "deal_id": doc.deal_id, "comment_id": comment_id })),
    )
    .await?;
    tx.commit().await?;
    Ok(comment_dto(row))
}

/// A customer asks for a revised document: the deal owner gets a task (source
/// `document_revision`) and a notification, in one transaction.
pub async fn request_revision(
    app: &App,
    p: &Principal,
    id: &str,
    input: DocumentCommentInput,
) -> Result<RevisionRequest, ApiError> {
    let scope = scope_of(p)?;
    if scope.side() != Side::Customer {
        return Err(ApiError::Forbidden);
    }
    let body = check_body(&input.body)?;
    let mut tx = app.begin().await?;
    let doc = store::get(&mut tx, &scope, id)
        .await?
        .ok_or(ApiError::NotFound)?;
    let now = time::now();
    let task = TaskRow {
        id: uuid::Uuid::now_v7().to_string(),
        assignee_id: doc.deal_owner_id.clone(),
        title: format!("Revise \u{201c}{}\u{201d} for {}", doc.title, doc.deal_name),
        body: Some(body.to_owned()),
        source: "document_revision".into(),
        source_id: Some(doc.id.clone()),
        deal_id: Some(doc.deal_id.clone()),
        account_id: Some(doc.account_id.clone()),
        status: TaskStatus::Open,
        due_at: Some(now + REVISION_DUE),
        created_at: now,
    };
    tasks::insert_task(&mut tx, &task).await?;
    tx.audit(
        Audit::new(Actor::User(p), "document.revision_request")
            .object("document", id)
            .details(json!({ "deal_id": doc.deal_id, "task_id": task.id })),
    )
    .await?;
    notifications::to_user(
        app,
        &mut tx,
        &doc.deal_owner_id,
        &Notice {
            kind: "document.revision_requested",
            topic: Topic::SharedDocuments,
            title: format!("Revision requested: {}", doc.title),
            body: format!(
                "The customer asks for a revised \u{201c}{}\u{201d} on {}.",
                doc.title, doc.deal_name
            ),
            link: "/admin/tasks".to_owned(),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(RevisionRequest {
        task_id: task.id,
        document_id: DocumentId::new(doc.id),
        body: body.to_owned(),
        created_at: time::to_rfc3339(now),
    })
}

/// What a master key rotation did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Rewrapped {
    /// File keys re-wrapped by this run.
    pub rewrapped: u64,
    /// File keys wrapped by neither the old nor the new key (left as they are).
    pub unknown: u64,
}

/// Re-wraps every file's data key from master key `old` to `new`, a batch per transaction
/// (with its audit entry), without touching the files. Rows already under `new` are
/// skipped, so an interrupted run continues where it stopped when run again.
pub async fn rewrap_keys(
    app: &App,
    op: &crate::app::Operator,
    old: &crate::storage::objects::MasterKey,
    new: &crate::storage::objects::MasterKey,
) -> Result<Rewrapped, ApiError> {
    const BATCH: i64 = 200;
    let mut done = Rewrapped::default();
    if old.id() != new.id() {
        loop {
            let mut tx = app.begin().await?;
            let batch = store::versions_wrapped_by(&mut tx, old.id(), BATCH).await?;
            if batch.is_empty() {
                break;
            }
            let mut changed = 0u64;
            for (document_id, version, object_key, wrapped) in &batch {
                let data_key = old.unwrap(wrapped, old.id(), object_key).map_err(|e| {
                    ApiError::Internal(anyhow::Error::new(e).context(format!(
                        "Failed to open the key of document {document_id} version {version}"
                    )))
                })?;
                let rewrapped = new.wrap(&data_key, object_key);
                if store::rewrap(
                    &mut tx,
                    document_id,
                    *version,
                    old.id(),
                    &rewrapped,
                    new.id(),
                )
                .await?
                {
                    changed += 1;
                }
            }
            tx.audit(
                Audit::new(Actor::Operator(op), "document.master_key_rotation")
                    .details(json!({ "from": old.id(), "to": new.id(), "file_keys": changed })),
            )
            .await?;
            tx.commit().await?;
            done.rewrapped += changed;
        }
    }
    let mut conn = app.read().await?;
    done.unknown =
        u64::try_from(store::versions_wrapped_by_neither(&mut conn, old.id(), new.id()).await?)
            .unwrap_or_default();
    Ok(done)
}
