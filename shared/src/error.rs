//! The wire error: RFC 9457 problem details with a stable machine-readable `code`.

use serde::{Deserialize, Serialize};

/// Stable error codes; clients match on these, never on `title` or `detail`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ErrorCode {
    /// The request body or query could not be parsed.
    MalformedRequest,
    /// One or more fields failed validation; see `errors`.
    ValidationFailed,
    /// No credentials, or credentials that are not (or no longer) valid.
    Unauthenticated,
    /// The caller is known but may not perform this function.
    Forbidden,
    /// The object does not exist or the caller may not see it.
    NotFound,
    /// The HTTP method is not allowed on this resource.
    MethodNotAllowed,
    /// The object changed since it was read (ETag mismatch) or conflicts with another.
    Conflict,
    /// An `If-Match` precondition did not hold: the object changed since it was read.
    PreconditionFailed,
    /// The update needs an `If-Match` header carrying the `ETag` of a read.
    PreconditionRequired,
    /// The object's stage locks fields the caller tried to change; see `errors`.
    FieldLocked,
    /// The request body exceeds the size limit.
    PayloadTooLarge,
    /// The request's content type is not accepted.
    UnsupportedMediaType,
    /// Too many requests; retry after the `Retry-After` delay.
    RateLimited,
    /// A dependency (such as the database) is unavailable.
    ServiceUnavailable,
    /// An unexpected failure; the cause is logged server-side under the request id.
    Internal,
}

impl ErrorCode {
    /// The HTTP status this code is served with.
    pub fn status(self) -> u16 {
        match self {
            ErrorCode::MalformedRequest => 400,
            ErrorCode::Unauthenticated => 401,
            ErrorCode::Forbidden => 403,
            ErrorCode::NotFound => 404,
            ErrorCode::MethodNotAllowed => 405,
            ErrorCode::Conflict => 409,
            ErrorCode::PreconditionFailed => 412,
            ErrorCode::PreconditionRequired => 428,
            ErrorCode::FieldLocked => 409,
            ErrorCode::PayloadTooLarge => 413,
            ErrorCode::UnsupportedMediaType => 415,
            ErrorCode::ValidationFailed => 422,
            ErrorCode::RateLimited => 429,
            ErrorCode::Internal => 500,
            ErrorCode::ServiceUnavailable => 503,
        }
    }

    /// A short human-readable summary that does not change between occurrences.
    pub fn title(self) -> &'static str {
        match self {
            ErrorCode::MalformedRequest => "Malformed request",
            ErrorCode::ValidationFailed => "Validation failed",
            ErrorCode::Unauthenticated => "Authentication required",
            ErrorCode::Forbidden => "Forbidden",
            ErrorCode::NotFound => "Not found",
            ErrorCode::MethodNotAllowed => "Method not allowed",
            ErrorCode::Conflict => "Conflict",
            ErrorCode::PreconditionFailed => "Precondition failed",
            ErrorCode::PreconditionRequired => "Precondition required",
            ErrorCode::FieldLocked => "Field locked",
            ErrorCode::PayloadTooLarge => "Payload too large",
            ErrorCode::UnsupportedMediaType => "Unsupported media type",
            ErrorCode::RateLimited => "Too many requests",
            ErrorCode::ServiceUnavailable => "Service unavailable",
            ErrorCode::Internal => "Internal error",
        }
    }

    /// The snake_case wire name, also used in the problem `type` URI.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::MalformedRequest => "malformed_request",
            ErrorCode::ValidationFailed => "validation_failed",
            ErrorCode::Unauthenticated => "unauthenticated",
            ErrorCode::Forbidden => "forbidden",
            ErrorCode::NotFound => "not_found",
            ErrorCode::MethodNotAllowed => "method_not_allowed",
            ErrorCode::Conflict => "conflict",
            ErrorCode::PreconditionFailed => "precondition_failed",
            ErrorCode::PreconditionRequired => "precondition_required",
            ErrorCode::FieldLocked => "field_locked",
            ErrorCode::PayloadTooLarge => "payload_too_large",
            ErrorCode::UnsupportedMediaType => "unsupported_media_type",
            ErrorCode::RateLimited => "rate_limited",
            ErrorCode::ServiceUnavailable => "service_unavailable",
            ErrorCode::Internal => "internal",
        }
    }
}

/// Why a field was refused: a stable code, the same on the wire (`snake_case`) as in the
/// code of the API and the web app.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum FieldCode {
    /// Missing or empty.
    Required,
    TooShort,
    TooLong,
    /// Outside the allowed number of items or characters.
    InvalidLength,
    /// Not of the expected shape (an email, a date, a colour, a host name, …).
    InvalidFormat,
    /// Not one of the allowed values.
    InvalidValue,
    /// A number outside its range.
    OutOfRange,
    /// Names something that does not exist (or may not be seen).
    NotFound,
    /// Names something the caller may not use here.
    NotAllowed,
    /// Does not apply to this kind of object.
    NotApplicable,
    /// Already used by another object.
    Taken,
    /// A password that is among the most common ones.
    TooCommon,
    /// A password that contains the account's email address.
    ContainsEmail,
    /// An email address outside the portal's approved domains.
    DomainNotAllowed,
    /// A file of a type that is not accepted.
    UnsupportedType,
    /// A CSV file that cannot be read.
    InvalidCsv,
    /// A CSV file without a required column.
    MissingColumn,
    /// A user that cannot be viewed as (internal or inactive).
    NotViewable,
    /// A field the object's current stage locks.
    Locked,
}

/// One invalid field of a request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct FieldError {
    /// The field's name as it appears on the wire (dotted for nested fields).
    #[cfg_attr(feature = "server", schema(example = "slug"))]
    pub field: String,
    /// A stable code for the rule that failed, e.g. `too_long`.
    pub code: FieldCode,
    /// What is wrong, for people.
    #[cfg_attr(
        feature = "server",
        schema(example = "must be 1-63 lowercase letters, digits or hyphens")
    )]
    pub message: String,
}

impl FieldError {
    /// A field error: the field's wire name, the rule's code, and a sentence for people.
    pub fn new(
        field: impl Into<String>,
        code: FieldCode,
        message: impl Into<String>,
    ) -> FieldError {
        FieldError {
            field: field.into(),
            code,
            message: message.into(),
        }
    }
}

/// An RFC 9457 problem document (`application/problem+json`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct Problem {
    /// A URI identifying the problem type.
    #[cfg_attr(
        feature = "server",
        schema(example = "https://portcullis.dev/problems/not_found")
    )]
    #[serde(rename = "type")]
    pub kind: String,
    /// A short summary of the problem type.
    #[cfg_attr(feature = "server", schema(example = "Not found"))]
    pub title: String,
    /// The HTTP status code.
    #[cfg_attr(feature = "server", schema(example = 404))]
    pub status: u16,
    /// What went wrong in this occurrence.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// The request path.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instance: Option<String>,
    /// The stable machine-readable code.
    pub code: ErrorCode,
    /// Every invalid field, for `validation_failed`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
}

impl Problem {
    /// The `type` URI for a code.
    pub fn type_uri(code: ErrorCode) -> String {
        format!("https://portcullis.dev/problems/{}", code.as_str())
    }

    /// A problem with the code's standard status and title.
    pub fn new(code: ErrorCode, detail: impl Into<Option<String>>) -> Self {
        Problem {
            kind: Self::type_uri(code),
            title: code.title().to_owned(),
            status: code.status(),
            detail: detail.into(),
            instance: None,
            code,
            errors: Vec::new(),
        }
    }
}
