//! Documents on deals: versioned files streamed in as raw request bodies and out as raw
//! responses, with their comments and revision requests. Each handler calls one use case of
//! `app::documents`; who sees which document is decided there.

use actix_web::http::header;
use actix_web::{HttpResponse, delete, get, patch, post, web};
use portcullis_shared::documents::{
    Document, DocumentComment, DocumentCommentInput, DocumentCommentList, DocumentList,
    DocumentPatch, RevisionRequest,
};
use serde::Deserialize;

use crate::app::documents::{Download, UploadInput};
use crate::app::{self, App};
use crate::auth::Principal;
use crate::error::ApiError;

type Problem = portcullis_shared::Problem;

/// Filters of a document list.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct DealDocumentsQuery {
    /// A category: proposal, quote, contract, sow, technical, presentation, other.
    pub category: Option<String>,
}

/// Filters of the documents across deals.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct DocumentsQuery {
    /// A deal id.
    pub deal: Option<String>,
    /// A category: proposal, quote, contract, sow, technical, presentation, other.
    pub category: Option<String>,
}

/// What describes an upload; the file itself is the request body.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct UploadQuery {
    /// The file's name; it is sanitised (no paths, control characters or leading dots).
    pub name: Option<String>,
    /// proposal, quote, contract, sow, technical, presentation or other (the default).
    pub category: Option<String>,
    /// internal, customer, partner or both. Customers' uploads are for the customer side and
    /// co-selling partners' for the partner side; the company's default to internal.
    pub audience: Option<String>,
    /// The title shown in the portal; the file name when absent.
    pub title: Option<String>,
}

/// What names a new version; the file itself is the request body.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct VersionQuery {
    /// The file's name; the previous version's when absent.
    pub name: Option<String>,
}

/// A file as a streamed attachment, typed by its content and never sniffed by the browser.
fn attachment(download: Download) -> HttpResponse {
    HttpResponse::Ok()
        .content_type(download.content_type)
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!(
                "attachment; filename*=UTF-8''{}",
                app::documents::encode_filename(&download.file_name)
            ),
        ))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .insert_header((header::CACHE_CONTROL, "private, no-store"))
        .no_chunking(download.size)
        .streaming(download.body)
}

/// A deal's documents the caller may read, newest first.
#[utoipa::path(tag = "documents", security(("bearer" = [])), params(("id" = String, Path), DealDocumentsQuery), responses(
    (status = 200, body = DocumentList),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json"),
    (status = 422, body = Problem, content_type = "application/problem+json"),
))]
#[get("/deals/{id}/documents")]
pub async fn list_deal_documents(
    p: Principal,
    app: web::Data<App>,
    id: web::Path<String>,
    q: web::Query<DealDocumentsQuery>,
) -> Result<web::Json<DocumentList>, ApiError> {
    let q = q.into_inner();
    Ok(web::Json(
        app::documents::list(&app, &p, Some(id.into_inner()), q.category).await?,
    ))
}

/// Uploads a document to a deal: the request body is the file, streamed and encrypted as it
/// arrives. Its type is detected from its content.
#[utoipa::path(tag = "documents", security(("bearer" = [])), params(("id" = String, Path), UploadQuery),
    request_body(content = crate::openapi::Binary, content_type = "application/octet-stream", description = "The file's bytes"),
    responses(
    (status = 201, body = Document),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json"),
    (status = 413, body = Problem, content_type = "application/problem+json"),
    (status = 422, body = Problem, content_type = "application/problem+json"),
))]
#[post("/deals/{id}/documents")]
pub async fn upload_document(
    p: Principal,
    app: web::Data<App>,
    id: web::Path<String>,
    q: web::Query<UploadQuery>,
    body: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let q = q.into_inner();
    let input = UploadInput {
        name: q.name,
        category: q.category,
        audience: q.audience,
        title: q.title,
    };
    let document = app::documents::upload(&app, &p, &id, input, body).await?;
    Ok(HttpResponse::Created().json(document))
}

/// Every document the caller reaches across deals (a customer's documents tab).
#[utoipa::path(tag = "documents", security(("bearer" = [])), params(DocumentsQuery), responses(
    (status = 200, body = DocumentList),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json", description = "The deal named by `deal` is not one the caller may see"),
    (status = 422, body = Problem, content_type = "application/problem+json"),
))]
#[get("/documents")]
pub async fn list_documents(
    p: Principal,
    app: web::Data<App>,
    q: web::Query<DocumentsQuery>,
) -> Result<web::Json<DocumentList>, ApiError> {
    let q = q.into_inner();
    Ok(web::Json(
        app::documents::list(&app, &p, q.deal, q.category).await?,
    ))
}

/// A document with every version, newest first.
#[utoipa::path(tag = "documents", security(("bearer" = [])), params(("id" = String, Path)), responses(
    (status = 200, body = Document),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json"),
))]
#[get("/documents/{id}")]
pub async fn get_document(
    p: Principal,
    app: web::Data<App>,
    id: web::Path<String>,
) -> Result<web::Json<Document>, ApiError> {
    Ok(web::Json(app::documents::get(&app, &p, &id).await?))
}

/// Retitles, recategorises or re-addresses a document, or moves a contract's signing status
/// (the company's people).
#[utoipa::path(tag = "documents", security(("bearer" = [])), params(("id" = String, Path)), request_body = DocumentPatch, responses(
    (status = 200, body = Document),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json"),
    (status = 422, body = Problem, content_type = "application/problem+json"),
))]
#[patch("/documents/{id}")]
pub async fn update_document(
    p: Principal,
    app: web::Data<App>,
    id: web::Path<String>,
    body: web::Json<DocumentPatch>,
) -> Result<web::Json<Document>, ApiError> {
    Ok(web::Json(
        app::documents::update(&app, &p, &id, body.into_inner()).await?,
    ))
}

/// Deletes a document with every version and comment (the company's people).
#[utoipa::path(tag = "documents", security(("bearer" = [])), params(("id" = String, Path)), responses(
    (status = 204, description = "Deleted"),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json"),
))]
#[delete("/documents/{id}")]
pub async fn delete_document(
    p: Principal,
    app: web::Data<App>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    app::documents::delete(&app, &p, &id).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Uploads a new version of a document: the request body is the file.
#[utoipa::path(tag = "documents", security(("bearer" = [])), params(("id" = String, Path), VersionQuery),
    request_body(content = crate::openapi::Binary, content_type = "application/octet-stream", description = "The file's bytes"),
    responses(
    (status = 201, body = Document),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json"),
    (status = 413, body = Problem, content_type = "application/problem+json"),
    (status = 422, body = Problem, content_type = "application/problem+json"),
))]
#[post("/documents/{id}/versions")]
pub async fn upload_document_version(
    p: Principal,
    app: web::Data<App>,
    id: web::Path<String>,
    q: web::Query<VersionQuery>,
    body: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let document = app::documents::add_version(&app, &p, &id, q.into_inner().name, body).await?;
    Ok(HttpResponse::Created().json(document))
}

/// Downloads a document's current version. The body is streamed as it is decrypted; a
/// stored file found damaged or tampered with ends the response with an error, so the
/// download fails rather than completes.
#[utoipa::path(tag = "documents", security(("bearer" = [])), params(("id" = String, Path)), responses(
    (status = 200, description = "The file, typed by its content", content(
        (crate::openapi::Binary = "*/*"),
    )),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json"),
))]
#[get("/documents/{id}/content")]
pub async fn download_document(
    p: Principal,
    app: web::Data<App>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    Ok(attachment(
        app::documents::download(&app, &p, &id, None).await?,
    ))
}

/// Downloads one version of a document (see the current version's download).
#[utoipa::path(tag = "documents", security(("bearer" = [])), params(("id" = String, Path), ("version" = i64, Path)), responses(
    (status = 200, description = "The file, typed by its content", content(
        (crate::openapi::Binary = "*/*"),
    )),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json"),
))]
#[get("/documents/{id}/versions/{version}/content")]
pub async fn download_document_version(
    p: Principal,
    app: web::Data<App>,
    path: web::Path<(String, i64)>,
) -> Result<HttpResponse, ApiError> {
    let (id, version) = path.into_inner();
    Ok(attachment(
        app::documents::download(&app, &p, &id, Some(version)).await?,
    ))
}

/// A document's comments, oldest first.
#[utoipa::path(tag = "documents", security(("bearer" = [])), params(("id" = String, Path)), responses(
    (status = 200, body = DocumentCommentList),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json"),
))]
#[get("/documents/{id}/comments")]
pub async fn list_document_comments(
    p: Principal,
    app: web::Data<App>,
    id: web::Path<String>,
) -> Result<web::Json<DocumentCommentList>, ApiError> {
    Ok(web::Json(app::documents::comments(&app, &p, &id).await?))
}

/// Comments on a document; the comment is read by the document's audience.
#[utoipa::path(tag = "documents", security(("bearer" = [])), params(("id" = String, Path)), request_body = DocumentCommentInput, responses(
    (status = 201, body = DocumentComment),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json"),
    (status = 422, body = Problem, content_type = "application/problem+json"),
))]
#[post("/documents/{id}/comments")]
pub async fn add_document_comment(
    p: Principal,
    app: web::Data<App>,
    id: web::Path<String>,
    body: web::Json<DocumentCommentInput>,
) -> Result<HttpResponse, ApiError> {
    let comment = app::documents::add_comment(&app, &p, &id, body.into_inner()).await?;
    Ok(HttpResponse::Created().json(comment))
}

/// Asks for a revised document (customers): the deal owner gets a task and a notification.
#[utoipa::path(tag = "documents", security(("bearer" = [])), params(("id" = String, Path)), request_body = DocumentCommentInput, responses(
    (status = 201, body = RevisionRequest),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json"),
    (status = 422, body = Problem, content_type = "application/problem+json"),
))]
#[post("/documents/{id}/revision-requests")]
pub async fn request_document_revision(
    p: Principal,
    app: web::Data<App>,
    id: web::Path<String>,
    body: web::Json<DocumentCommentInput>,
) -> Result<HttpResponse, ApiError> {
    let request = app::documents::request_revision(&app, &p, &id, body.into_inner()).await?;
    Ok(HttpResponse::Created().json(request))
}
