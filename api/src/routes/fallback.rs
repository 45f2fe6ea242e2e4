//! Everything no route claims: unknown `/api` paths (404, or 405 with `Allow` when the path
//! exists under another method) and, for every other path, the SPA.

use actix_web::http::{Method, header};
use actix_web::{HttpRequest, HttpResponse, web};
use utoipa::openapi::OpenApi;

use crate::app::{self, App};
use crate::error::ApiError;
use crate::security;
use crate::spa::Spa;

/// The paths and methods of the OpenAPI document, to tell a wrong method from a wrong path.
pub struct RouteTable {
    routes: Vec<(Vec<String>, Vec<String>)>,
}

impl RouteTable {
    /// Reads every path template and its methods from the spec.
    pub fn from_openapi(api: &OpenApi) -> RouteTable {
        let mut routes = Vec::new();
        let Ok(serde_json::Value::Object(paths)) = serde_json::to_value(&api.paths.paths) else {
            return RouteTable { routes };
        };
        for (template, item) in paths {
            let methods = item
                .as_object()
                .map(|o| {
                    o.keys()
                        .filter(|k| {
                            matches!(
                                k.as_str(),
                                "get" | "put" | "post" | "delete" | "patch" | "head" | "options"
                            )
                        })
                        .map(|k| k.to_ascii_uppercase())
                        .collect()
                })
                .unwrap_or_default();
            routes.push((segments(&template), methods));
        }
        RouteTable { routes }
    }

    /// The methods allowed on a concrete path, if any template matches it.
    pub fn allowed(&self, path: &str) -> Vec<String> {
        let parts = segments(path);
        let mut allowed: Vec<String> = self
            .routes
            .iter()
            .filter(|(tpl, _)| {
                tpl.len() == parts.len()
                    && tpl
                        .iter()
                        .zip(&parts)
                        .all(|(t, p)| t == p || (t.starts_with('{') && !p.is_empty()))
            })
            .flat_map(|(_, m)| m.iter().cloned())
            .collect();
        allowed.sort();
        allowed.dedup();
        allowed
    }
}

fn segments(path: &str) -> Vec<String> {
    path.trim_end_matches('/')
        .split('/')
        .map(str::to_owned)
        .collect()
}

fn method_not_allowed(allowed: &[String]) -> HttpResponse {
    HttpResponse::MethodNotAllowed()
        .insert_header((header::ALLOW, allowed.join(", ")))
        .finish()
}

/// The default service of the app.
pub async fn default_service(
    req: HttpRequest,
    table: web::Data<RouteTable>,
    spa: web::Data<Spa>,
    app: web::Data<App>,
) -> Result<HttpResponse, ApiError> {
    let path = req.path();
    if path == "/api" || path.starts_with("/api/") {
        let allowed = table.allowed(path);
        return if allowed.is_empty() {
            Err(ApiError::NotFound)
        } else {
            Ok(method_not_allowed(&allowed))
        };
    }
    if req.method() != Method::GET && req.method() != Method::HEAD {
        return Ok(method_not_allowed(&["GET".into(), "HEAD".into()]));
    }
    let frame_ancestors = portal_frame_ancestors(&app, path).await;
    let csp = security::content_security_policy(spa.script_hashes(), &frame_ancestors);
    if !spa.is_ready(path) {
        // The first request for a file before the warm-up reached it: compress off the
        // request threads, which keep reading other connections meanwhile.
        let (spa, path) = (spa.clone(), path.to_owned());
        let _ = web::block(move || spa.prepare(&path)).await;
    }
    match spa.respond(&req, &csp) {
        Some(res) => Ok(res),
        None if !Spa::is_built() => Ok(HttpResponse::ServiceUnavailable()
            .insert_header((header::CONTENT_SECURITY_POLICY, csp))
            .content_type("text/plain; charset=utf-8")
            .body("The Portcullis web app has not been built: run `make run`.")),
        None => Err(ApiError::NotFound),
    }
}

/// `frame-ancestors` for a portal page: the portal's configured embedders, else `'none'`.
async fn portal_frame_ancestors(app: &App, path: &str) -> String {
    let slug = path
        .strip_prefix("/p/")
        .and_then(|rest| rest.split('/').next())
        .filter(|s| !s.is_empty());
    if let Some(slug) = slug
        && let Ok(portal) = app::portals::published(app, slug).await
        && let Some(fa) = portal.frame_ancestors.filter(|f| !f.trim().is_empty())
    {
        return fa;
    }
    "'none'".to_owned()
}
