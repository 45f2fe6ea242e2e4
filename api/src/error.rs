//! One error type for every failure, served as RFC 9457 problem+json with a stable code.
//! The message shown to the caller is kept apart from the cause, which is logged only.

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::ServiceResponse;
use actix_web::error::{JsonPayloadError, PathError, QueryPayloadError};
use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::middleware::ErrorHandlerResponse;
use actix_web::{HttpRequest, HttpResponse, ResponseError};
use portcullis_shared::FieldCode;
use portcullis_shared::{ErrorCode, FieldError, Problem};

/// The media type of every error body.
pub const PROBLEM_JSON: &str = "application/problem+json";

/// A failure the API reports to its caller.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("not found")]
    NotFound,
    #[error("malformed request: {0}")]
    Malformed(String),
    #[error("validation failed")]
    Validation(Vec<FieldError>),
    #[error("payload too large")]
    PayloadTooLarge(String),
    #[error("unsupported media type: {0}")]
    UnsupportedMediaType(String),
    #[error("unauthenticated: {0}")]
    Unauthenticated(&'static str),
    #[error("forbidden")]
    Forbidden,
    #[error("conflict: {0}")]
    Conflict(String),
    #[error("value taken")]
    Taken(Vec<FieldError>),
    #[error("precondition failed")]
    PreconditionFailed,
    #[error("precondition required")]
    PreconditionRequired,
    #[error("fields locked")]
    FieldLocked(Vec<FieldError>),
    #[error("rate limited")]
    RateLimited { retry_after_secs: u64 },
    #[error("service unavailable")]
    Unavailable(#[source] anyhow::Error),
    #[error("internal error")]
    Internal(#[source] anyhow::Error),
}

impl ApiError {
    /// The stable code this error is reported with.
    pub fn code(&self) -> ErrorCode {
        match self {
            ApiError::NotFound => ErrorCode::NotFound,
            ApiError::Malformed(_) => ErrorCode::MalformedRequest,
            ApiError::Validation(_) => ErrorCode::ValidationFailed,
            ApiError::PayloadTooLarge(_) => ErrorCode::PayloadTooLarge,
            ApiError::UnsupportedMediaType(_) => ErrorCode::UnsupportedMediaType,
            ApiError::Unauthenticated(_) => ErrorCode::Unauthenticated,
            ApiError::Forbidden => ErrorCode::Forbidden,
            ApiError::Conflict(_) | ApiError::Taken(_) => ErrorCode::Conflict,
            ApiError::PreconditionFailed => ErrorCode::PreconditionFailed,
            ApiError::PreconditionRequired => ErrorCode::PreconditionRequired,
            ApiError::FieldLocked(_) => ErrorCode::FieldLocked,
            ApiError::RateLimited { .. } => ErrorCode::RateLimited,
            ApiError::Unavailable(_) => ErrorCode::ServiceUnavailable,
            ApiError::Internal(_) => ErrorCode::Internal,
        }
    }

    /// A validation failure of a single field.
    pub fn field(field: &str, code: FieldCode, message: impl Into<String>) -> ApiError {
        ApiError::Validation(vec![FieldError::new(field, code, message)])
    }

    fn problem(&self) -> Problem {
        let code = self.code();
        let detail = match self {
            ApiError::NotFound => "The requested resource does not exist.".to_owned(),
            ApiError::Malformed(m) | ApiError::PayloadTooLarge(m) | ApiError::Conflict(m) => {
                m.clone()
            }
            ApiError::UnsupportedMediaType(m) => m.clone(),
            ApiError::Validation(errors) => {
                let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
                format!("Invalid field(s): {}.", fields.join(", "))
            }
            ApiError::Taken(errors) => {
                let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
                format!("Already in use: {}.", fields.join(", "))
            }
            ApiError::FieldLocked(errors) => {
                let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
                format!(
                    "The deal's stage locks {}; only administrators and managers may change them.",
                    fields.join(", ")
                )
            }
            ApiError::PreconditionRequired => {
                "Send the ETag of your read as If-Match, so that no edit is lost.".to_owned()
            }
            ApiError::Unauthenticated(m) => (*m).to_owned(),
            ApiError::Forbidden => "You may not perform this action.".to_owned(),
            ApiError::PreconditionFailed => {
                "The object changed since you read it; reload and try again.".to_owned()
            }
            ApiError::RateLimited { retry_after_secs } => {
                format!("Too many attempts; retry in {retry_after_secs} s.")
            }
            ApiError::Unavailable(_) => "A dependency is unavailable; retry shortly.".to_owned(),
            ApiError::Internal(_) => {
                "Something went wrong on our side; it has been logged.".to_owned()
            }
        };
        let mut problem = Problem::new(code, Some(detail));
        if let ApiError::Validation(errors)
        | ApiError::Taken(errors)
        | ApiError::FieldLocked(errors) = self
        {
            problem.errors = errors.clone();
        }
        problem
    }
}

impl From<sqlx::Error> for ApiError {
    fn from(e: sqlx::Error) -> Self {
        match e {
            sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_) => {
                ApiError::Unavailable(e.into())
            }
            sqlx::Error::Database(db) if db.is_unique_violation() => {
                let field = constraint_field(db.constraint(), db.message());
                ApiError::Validation(vec![FieldError::new(
                    field,
                    FieldCode::Taken,
                    "is already in use",
                )])
                .into_conflict()
            }
            sqlx::Error::Database(db) if db.is_foreign_key_violation() => {
                let field = constraint_field(db.constraint(), db.message());
                ApiError::Validation(vec![FieldError::new(
                    field,
                    FieldCode::NotFound,
                    "must refer to an existing record",
                )])
            }
            other => ApiError::Internal(other.into()),
        }
    }
}

/// The column a violated constraint is about: from PostgreSQL's constraint name
/// (`portals_custom_domain_key`, `users_account_id_fkey`) or SQLite's message
/// (`UNIQUE constraint failed: portals.custom_domain`).
fn constraint_field(constraint: Option<&str>, message: &str) -> String {
    if let Some(name) = constraint {
        let trimmed = name
            .trim_end_matches("_key")
            .trim_end_matches("_fkey")
            .trim_end_matches("_idx");
        // Drop the table name: everything up to the first underscore-separated part that
        // is followed by the column.
        return match trimmed.split_once('_') {
            Some((_table, column)) if !column.is_empty() => column.to_owned(),
            _ => trimmed.to_owned(),
        };
    }
    message
        .rsplit(": ")
        .next()
        .and_then(|cols| cols.split(',').next())
        .and_then(|col| col.trim().rsplit('.').next())
        .filter(|c| !c.is_empty() && !c.contains(' '))
        .unwrap_or("id")
        .to_owned()
}

impl ApiError {
    /// A uniqueness failure: 409, naming the field whose value is taken.
    fn into_conflict(self) -> ApiError {
        match self {
            ApiError::Validation(errors) => ApiError::Taken(errors),
            other => other,
        }
    }
}

impl From<anyhow::Error> for ApiError {
    fn from(e: anyhow::Error) -> Self {
        ApiError::Internal(e)
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        StatusCode::from_u16(self.code().status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }

    fn error_response(&self) -> HttpResponse<BoxBody> {
        match self {
            ApiError::Internal(cause) | ApiError::Unavailable(cause) => {
                tracing::error!(error = ?cause, code = self.code().as_str(), "request failed");
            }
            _ => {}
        }
        let mut response = problem_response(&self.problem());
        if let ApiError::Unauthenticated(_) = self {
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"portcullis\""),
            );
        }
        if let ApiError::RateLimited { retry_after_secs } = self
            && let Ok(v) = HeaderValue::from_str(&retry_after_secs.to_string())
        {
            response.headers_mut().insert(header::RETRY_AFTER, v);
        }
        response
    }
}

/// Serialises a problem with its status and media type.
pub fn problem_response(problem: &Problem) -> HttpResponse {
    let status = StatusCode::from_u16(problem.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    HttpResponse::build(status)
        .content_type(PROBLEM_JSON)
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(serde_json::to_string(problem).unwrap_or_else(|_| "{}".to_owned()))
}

/// JSON body errors: oversize → 413, wrong media type → 415, unparseable → 400 with the
/// parser's message.
pub fn json_error(err: JsonPayloadError, _req: &HttpRequest) -> actix_web::Error {
    let api = match &err {
        JsonPayloadError::OverflowKnownLength { length, limit } => ApiError::PayloadTooLarge(
            format!("The body is {length} bytes; the limit is {limit} bytes."),
        ),
        JsonPayloadError::Overflow { limit } => {
            ApiError::PayloadTooLarge(format!("The body exceeds the limit of {limit} bytes."))
        }
        JsonPayloadError::ContentType => {
            ApiError::UnsupportedMediaType("Send the body as application/json.".to_owned())
        }
        JsonPayloadError::Deserialize(e) => ApiError::Malformed(format!("Invalid JSON: {e}")),
        JsonPayloadError::Serialize(e) => ApiError::Internal(anyhow::anyhow!("{e}")),
        other => ApiError::Malformed(format!("Could not read the body: {other}")),
    };
    api.into()
}

/// Query string errors → 400 naming the problem.
pub fn query_error(err: QueryPayloadError, _req: &HttpRequest) -> actix_web::Error {
    ApiError::Malformed(format!("Invalid query string: {err}")).into()
}

/// Path parameter errors: a segment that cannot be the parameter names nothing → 404.
pub fn path_error(_err: PathError, _req: &HttpRequest) -> actix_web::Error {
    ApiError::NotFound.into()
}

/// Rewrites error responses that are not yet problem+json (actix's own 404/405/413 and the
/// like) into problem+json, so that every failure has the same envelope.
pub fn ensure_problem<B: MessageBody + 'static>(
    res: ServiceResponse<B>,
) -> actix_web::Result<ErrorHandlerResponse<B>> {
    let already = res
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(PROBLEM_JSON.as_bytes()));
    if already {
        return Ok(ErrorHandlerResponse::Response(res.map_into_left_body()));
    }
    let code = match res.status().as_u16() {
        400 => ErrorCode::MalformedRequest,
        401 => ErrorCode::Unauthenticated,
        403 => ErrorCode::Forbidden,
        404 => ErrorCode::NotFound,
        405 => ErrorCode::MethodNotAllowed,
        409 => ErrorCode::Conflict,
        412 => ErrorCode::PreconditionFailed,
        413 => ErrorCode::PayloadTooLarge,
        415 => ErrorCode::UnsupportedMediaType,
        422 => ErrorCode::ValidationFailed,
        429 => ErrorCode::RateLimited,
        503 => ErrorCode::ServiceUnavailable,
        _ => ErrorCode::Internal,
    };
    let mut problem = Problem::new(code, None);
    problem.status = res.status().as_u16();
    let (req, old) = res.into_parts();
    let mut new = problem_response(&problem);
    for name in [header::ALLOW, header::RETRY_AFTER] {
        if let Some(v) = old.headers().get(&name) {
            new.headers_mut().insert(name, v.clone());
        }
    }
    Ok(ErrorHandlerResponse::Response(
        ServiceResponse::new(req, new).map_into_right_body(),
    ))
}
