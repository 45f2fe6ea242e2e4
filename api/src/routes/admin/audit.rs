//! The audit log for administrators: filtered pages, CSV export, and chain verification.

use std::collections::HashMap;

use actix_web::http::header;
use actix_web::{HttpResponse, get, web};
use chrono::DateTime;
use portcullis_shared::admin::{AuditEntry, AuditPage, AuditVerification};
use serde::Deserialize;

use crate::auth::guards::AdminUser;
use crate::db::Db;
use crate::error::ApiError;
use crate::routes::admin::page_limit;
use crate::storage::audit::{self, Filter};
use crate::storage::{Scope, users};
use crate::time;

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
                    ApiError::field(field, "invalid_format", "must be an RFC 3339 date-time")
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
            "invalid_value",
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
                    "invalid_format",
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

/// The emails of the entries' actors, for people to read.
async fn actor_emails(
    db: &Db,
    admin: &AdminUser,
    entries: &[audit::Entry],
) -> Result<HashMap<String, String>, ApiError> {
    let mut actors: Vec<&str> = entries
        .iter()
        .filter_map(|e| e.actor_id.as_deref())
        .collect();
    actors.sort_unstable();
    actors.dedup();
    Ok(users::emails(db, &Scope::users_of(&admin.0), &actors).await?)
}

fn to_dto(e: audit::Entry, emails: &HashMap<String, String>) -> AuditEntry {
    AuditEntry {
        seq: e.seq,
        at: time::to_rfc3339(e.at),
        actor_email: e.actor_id.as_ref().and_then(|id| emails.get(id).cloned()),
        actor_id: e.actor_id,
        ip: e.ip,
        user_agent: e.user_agent,
        action: e.action,
        object_type: e.object_type,
        object_id: e.object_id,
        portal_id: e.portal_id,
        outcome: e.outcome,
        details: e.details,
        hash: e.hash,
    }
}

/// Audit entries, newest first.
#[utoipa::path(tag = "admin", security(("bearer" = [])), params(AuditQuery), responses(
    (status = 200, body = AuditPage),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 422, body = Problem, content_type = "application/problem+json"),
))]
#[get("/admin/audit")]
pub async fn list(
    admin: AdminUser,
    db: web::Data<Db>,
    q: web::Query<AuditQuery>,
) -> Result<web::Json<AuditPage>, ApiError> {
    let f = filter(&q)?;
    let limit = page_limit(q.limit);
    let scope = Scope::admin_of(&admin.0);
    let mut entries = audit::list(&db, &scope, &f, limit + 1).await?;
    let next_cursor = if entries.len() as i64 > limit {
        entries.truncate(limit as usize);
        entries.last().map(|e| e.seq.to_string())
    } else {
        None
    };
    let emails = actor_emails(&db, &admin, &entries).await?;
    Ok(web::Json(AuditPage {
        items: entries.into_iter().map(|e| to_dto(e, &emails)).collect(),
        next_cursor,
    }))
}

/// The filtered audit log as CSV (at most 100,000 entries, newest first).
#[utoipa::path(tag = "admin", security(("bearer" = [])), params(AuditQuery), responses(
    (status = 200, description = "CSV", body = String, content_type = "text/csv"),
    (status = 403, body = Problem, content_type = "application/problem+json"),
))]
#[get("/admin/audit/export.csv")]
pub async fn export_csv(
    admin: AdminUser,
    db: web::Data<Db>,
    q: web::Query<AuditQuery>,
) -> Result<HttpResponse, ApiError> {
    let f = filter(&q)?;
    let entries = audit::list(&db, &Scope::admin_of(&admin.0), &f, 100_000).await?;
    let emails = actor_emails(&db, &admin, &entries).await?;
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
    for e in entries.into_iter().map(|e| to_dto(e, &emails)) {
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
pub async fn verify(
    _admin: AdminUser,
    db: web::Data<Db>,
) -> Result<web::Json<AuditVerification>, ApiError> {
    let v = audit::verify(&db).await?;
    Ok(web::Json(AuditVerification {
        checked: v.checked,
        intact: v.first_broken_seq.is_none(),
        first_broken_seq: v.first_broken_seq,
    }))
}
