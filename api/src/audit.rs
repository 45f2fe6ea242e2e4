//! Refused and failed attempts in the audit log. A successful change is recorded by its use
//! case, in the change's own transaction (see `app::Tx::audit`); what this middleware adds is
//! every state-changing request that did not succeed (a refused sign-in, a 403 on a write, a
//! rejected body), which changed nothing and so has no transaction to join. Handlers may name
//! the action and object with an `AuditNote`; otherwise the method and route pattern stand
//! for the action.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{HttpMessage, HttpRequest, web};

use crate::app::{App, Origin};
use crate::auth::Principal;
use crate::storage::audit::{self, NewEntry, Outcome};

/// What a handler wants recorded about a request that fails.
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

/// Where a request came from: its peer address and user agent.
pub fn origin_of(req: &HttpRequest) -> Origin {
    Origin {
        ip: req.peer_addr().map(|a| a.ip().to_string()),
        user_agent: req
            .headers()
            .get("user-agent")
            .and_then(|v| v.to_str().ok())
            .map(|s| s.chars().take(512).collect()),
    }
}

fn is_state_changing(req: &ServiceRequest) -> bool {
    !matches!(req.method().as_str(), "GET" | "HEAD" | "OPTIONS") && req.path().starts_with("/api/")
}

/// Middleware: after a state-changing `/api` request that did not succeed, record the
/// attempt.
pub async fn record(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    if !is_state_changing(&req) {
        return next.call(req).await;
    }
    let app = req.app_data::<web::Data<App>>().cloned();
    let method = req.method().as_str().to_owned();
    let origin = origin_of(req.request());
    let res = next.call(req).await?;
    let status = res.status().as_u16();
    if Outcome::from_status(status) == Outcome::Success {
        return Ok(res);
    }
    if let Some(app) = app {
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
        let entry = NewEntry {
            actor_id: note
                .actor_id
                .or_else(|| principal.as_ref().map(|p| p.user_id.to_string())),
            ip: origin.ip,
            user_agent: origin.user_agent,
            action: note.action.unwrap_or_else(|| format!("{method} {pattern}")),
            object_type: note.object_type,
            object_id: note.object_id,
            portal_id: note.portal_id.or_else(|| {
                principal
                    .as_ref()
                    .and_then(|p| p.portal_id.clone().map(String::from))
            }),
            outcome: Some(Outcome::from_status(status)),
            details: serde_json::json!({
                "status": status,
                "request_id": request.extensions().get::<tracing_actix_web::RequestId>().map(|r| r.to_string()),
                "note": note.details,
            }),
        };
        let written = async {
            let mut conn = app.db.pool.acquire().await?;
            audit::record(&mut conn, entry).await
        }
        .await;
        match written {
            Ok(()) => app.wake().sealer.notify_one(),
            Err(e) => {
                tracing::error!(error = ?e, "failed to record a refused attempt in the audit log")
            }
        }
    }
    Ok(res)
}
