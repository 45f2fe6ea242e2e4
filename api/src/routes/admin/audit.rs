//! The audit log for administrators: filtered pages, CSV export, and chain verification.

use actix_web::http::header;
use actix_web::{HttpResponse, get, web};
use chrono::DateTime;
use portcullis_shared::FieldCode;
use portcullis_shared::admin::{AuditPage, AuditVerification};
use serde::Deserialize;

use crate::app::audit::Filter;
use crate::app::{self, App, page_limit};
use crate::auth::guards::AdminUser;
use crate::error::ApiError;

type Problem = portcullis_shared::Problem;

/// Filters of the audit log.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct AuditQuery {
    pub actor_id: Option<String>,
    /// e.g. `auth.login`, `user.deactivate`.
    pub action: Option<String>,
    /// `success`, `failure` or `denied`.
    pub outcome: Option<String>,
    /// RFC 3339: entries at or after.
    pub since: Option<String>,
    /// RFC 3339: entries before.
    pub until: Option<String>,
    /// Page size, 1-200 (default 50).
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

fn parse_time(field: &str, v: &Option<String>) -> Result<Option<i64>, ApiError> {
    v.as_deref()
        .map(|s| {
            DateTime::parse_from_rfc3339(s)
                .map(|d| d.timestamp_micros())
                .map_err(|_| {
                    ApiError::field(
                        field,
                        FieldCode::InvalidFormat,
                        "must be an RFC 3339 date-time",
                    )
                })
        })
        .transpose()
}

fn filter(q: &AuditQuery) -> Result<Filter, ApiError> {
    if q.outcome
        .as_deref()
        .is_some_and(|o| !matches!(o, "success" | "failure" | "denied"))
    {
        return Err(ApiError::field(
            "outcome",
            FieldCode::InvalidValue,
            "must be success, failure or denied",
        ));
    }
    let before_seq = q
        .cursor
        .as_deref()
        .map(|c| {
            c.parse::<i64>().map_err(|_| {
                ApiError::field(
                    "cursor",
                    FieldCode::InvalidFormat,
                    "must be a cursor from a previous page",
                )
            })
        })
        .transpose()?;
    Ok(Filter {
        actor_id: q.actor_id.clone(),
        action: q.action.clone(),
        outcome: q.outcome.clone(),
        before_seq,
        since: parse_time("since", &q.since)?,
        until: parse_time("until", &q.until)?,
    })
}

/// Audit entries, newest first.
#[utoipa::path(tag = "admin", security(("bearer" = [])), params(AuditQuery), responses(
    (status = 200, body = AuditPage),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 422, body = Problem, content_type = "application/problem+json"),
))]
#[get("/admin/audit")]
pub async fn list_audit_entries(
    admin: AdminUser,
    app: web::Data<App>,
    q: web::Query<AuditQuery>,
) -> Result<web::Json<AuditPage>, ApiError> {
    let page = app::audit::list(&app, &admin.0, filter(&q)?, page_limit(q.limit)).await?;
    Ok(web::Json(AuditPage {
        items: page.items,
        next_cursor: page.next_cursor,
    }))
}

/// The filtered audit log as CSV (at most 100,000 entries, newest first).
#[utoipa::path(tag = "admin", security(("bearer" = [])), params(AuditQuery), responses(
    (status = 200, description = "CSV", body = String, content_type = "text/csv"),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 422, body = Problem, content_type = "application/problem+json"),
))]
#[get("/admin/audit/export.csv")]
pub async fn export_audit_csv(
    admin: AdminUser,
    app: web::Data<App>,
    q: web::Query<AuditQuery>,
) -> Result<HttpResponse, ApiError> {
    let entries = app::audit::export(&app, &admin.0, filter(&q)?, 100_000).await?;
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record([
        "seq",
        "at",
        "actor_id",
        "actor_email",
        "ip",
        "user_agent",
        "action",
        "object_type",
        "object_id",
        "portal_id",
        "outcome",
        "details",
        "hash",
    ])
    .map_err(|e| ApiError::Internal(e.into()))?;
    for e in entries {
        let opt = |o: &Option<String>| o.clone().unwrap_or_default();
        w.write_record([
            e.seq.to_string(),
            e.at.clone(),
            opt(&e.actor_id),
            opt(&e.actor_email),
            opt(&e.ip),
            opt(&e.user_agent),
            e.action.clone(),
            opt(&e.object_type),
            opt(&e.object_id),
            opt(&e.portal_id),
            e.outcome.clone(),
            e.details.clone(),
            e.hash.clone(),
        ])
        .map_err(|e| ApiError::Internal(e.into()))?;
    }
    let body = w
        .into_inner()
        .map_err(|e| ApiError::Internal(anyhow::anyhow!("{e}")))?;
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            header::CONTENT_DISPOSITION,
            "attachment; filename=\"portcullis-audit.csv\"",
        ))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(body))
}

/// Recomputes the hash chain and reports the first entry where it breaks.
#[utoipa::path(tag = "admin", security(("bearer" = [])), responses(
    (status = 200, body = AuditVerification),
    (status = 403, body = Problem, content_type = "application/problem+json"),
))]
#[get("/admin/audit/verify")]
pub async fn verify_audit_chain(
    admin: AdminUser,
    app: web::Data<App>,
) -> Result<web::Json<AuditVerification>, ApiError> {
    let v = app::audit::verify(&app, &admin.0).await?;
    Ok(web::Json(AuditVerification {
        checked: v.checked,
        intact: v.first_broken_seq.is_none(),
        first_broken_seq: v.first_broken_seq,
        pending: v.pending,
    }))
}
