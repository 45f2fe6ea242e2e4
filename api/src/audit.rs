//! Records every state-changing API request, and every sign-in, in the audit log. Handlers
//! may name the action and object precisely with an `AuditNote`; otherwise the method and
//! route pattern stand for the action.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{HttpMessage, HttpRequest, web};

use crate::auth::Principal;
use crate::db::Db;
use crate::storage::audit::{self, NewEntry, Outcome};

/// What a handler wants recorded about its request.
#[derive(Debug, Clone, Default)]
pub struct AuditNote {
    pub action: Option<String>,
    pub actor_id: Option<String>,
    pub object_type: Option<String>,
    pub object_id: Option<String>,
    pub portal_id: Option<String>,
    pub details: Option<serde_json::Value>,
}

/// Attaches a note to the request for the audit middleware.
pub fn note(req: &HttpRequest, note: AuditNote) {
    req.extensions_mut().insert(note);
}

fn is_state_changing(req: &ServiceRequest) -> bool {
    !matches!(req.method().as_str(), "GET" | "HEAD" | "OPTIONS") && req.path().starts_with("/api/")
}

/// Middleware: after a state-changing `/api` request, append its audit entry.
pub async fn record(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    if !is_state_changing(&req) {
        return next.call(req).await;
    }
    let db = req.app_data::<web::Data<Db>>().cloned();
    let method = req.method().as_str().to_owned();
    let ip = req.peer_addr().map(|a| a.ip().to_string());
    let user_agent = req
        .headers()
        .get("user-agent")
        .and_then(|v| v.to_str().ok())
        .map(|s| s.chars().take(512).collect::<String>());
    let res = next.call(req).await?;
    if let Some(db) = db {
        let request = res.request();
        let pattern = request
            .match_pattern()
            .unwrap_or_else(|| request.path().chars().take(200).collect());
        let note = request
            .extensions()
            .get::<AuditNote>()
            .cloned()
            .unwrap_or_default();
        let principal = request.extensions().get::<Principal>().cloned();
        let status = res.status().as_u16();
        let entry = NewEntry {
            actor_id: note
                .actor_id
                .or_else(|| principal.as_ref().map(|p| p.user_id.clone())),
            ip,
            user_agent,
            action: note.action.unwrap_or_else(|| format!("{method} {pattern}")),
            object_type: note.object_type,
            object_id: note.object_id,
            portal_id: note
                .portal_id
                .or_else(|| principal.as_ref().and_then(|p| p.portal_id.clone())),
            outcome: Some(Outcome::from_status(status)),
            details: serde_json::json!({
                "status": status,
                "request_id": request.extensions().get::<tracing_actix_web::RequestId>().map(|r| r.to_string()),
                "note": note.details,
            }),
        };
        if let Err(e) = audit::append(&db, entry).await {
            tracing::error!(error = ?e, "failed to append to the audit log");
        }
    }
    Ok(res)
}
