//! Documents on deals: who may read, upload, change and comment on which document.

use actix_web::web::Payload;
use bytes::Bytes;
use futures_util::stream::BoxStream;
use portcullis_shared::documents::{
    Document, DocumentComment, DocumentCommentInput, DocumentCommentList, DocumentList,
    DocumentPatch, RevisionRequest,
};

use crate::app::App;
use crate::auth::Principal;
use crate::error::ApiError;

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
    pub body: BoxStream<'static, Result<Bytes, ApiError>>,
}

/// A file name for `filename*=UTF-8''…`: RFC 5987 percent-encoding.
pub fn encode_filename(name: &str) -> String {
    name.to_owned()
}

pub async fn list(
    _app: &App,
    _p: &Principal,
    _deal: Option<String>,
    _category: Option<String>,
) -> Result<DocumentList, ApiError> {
    Err(ApiError::NotFound)
}

pub async fn upload(
    _app: &App,
    _p: &Principal,
    _deal: &str,
    _input: UploadInput,
    _body: Payload,
) -> Result<Document, ApiError> {
    Err(ApiError::NotFound)
}

pub async fn get(_app: &App, _p: &Principal, _id: &str) -> Result<Document, ApiError> {
    Err(ApiError::NotFound)
}

pub async fn update(
    _app: &App,
    _p: &Principal,
    _id: &str,
    _patch: DocumentPatch,
) -> Result<Document, ApiError> {
    Err(ApiError::NotFound)
}

pub async fn delete(_app: &App, _p: &Principal, _id: &str) -> Result<(), ApiError> {
    Err(ApiError::NotFound)
}

pub async fn add_version(
    _app: &App,
    _p: &Principal,
    _id: &str,
    _name: Option<String>,
    _body: Payload,
) -> Result<Document, ApiError> {
    Err(ApiError::NotFound)
}

pub async fn download(
    _app: &App,
    _p: &Principal,
    _id: &str,
    _version: Option<i64>,
) -> Result<Download, ApiError> {
    Err(ApiError::NotFound)
}

pub async fn comments(
    _app: &App,
    _p: &Principal,
    _id: &str,
) -> Result<DocumentCommentList, ApiError> {
    Err(ApiError::NotFound)
}

pub async fn add_comment(
    _app: &App,
    _p: &Principal,
    _id: &str,
    _input: DocumentCommentInput,
) -> Result<DocumentComment, ApiError> {
    Err(ApiError::NotFound)
}

pub async fn request_revision(
    _app: &App,
    _p: &Principal,
    _id: &str,
    _input: DocumentCommentInput,
) -> Result<RevisionRequest, ApiError> {
    Err(ApiError::NotFound)
}
