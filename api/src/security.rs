//! Security headers on every response, and the Content-Security-Policy the SPA runs under.

use actix_web::HttpMessage;
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::middleware::Next;

/// Builds the CSP: scripts only from us plus the hashed inline loader, WASM compilation
/// allowed (`'wasm-unsafe-eval'`), no plugins, and framing as `frame_ancestors` says.
pub fn content_security_policy(script_hashes: &[String], frame_ancestors: &str) -> String {
    let mut script_src = String::from("'self' 'wasm-unsafe-eval'");
    for h in script_hashes {
        script_src.push(' ');
        script_src.push_str(h);
    }
    format!(
        "default-src 'self'; script-src {script_src}; style-src 'self' 'unsafe-inline'; \
         img-src 'self' data: https:; font-src 'self'; connect-src 'self'; object-src 'none'; \
         base-uri 'self'; form-action 'self'; frame-ancestors {frame_ancestors}"
    )
}

/// The default CSP for responses that do not set their own.
#[derive(Clone)]
pub struct DefaultCsp(pub HeaderValue);

/// Adds the security headers a response does not already carry.
pub async fn headers(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let csp = req
        .app_data::<actix_web::web::Data<DefaultCsp>>()
        .map(|c| c.0.clone());
    let request_id = req
        .extensions()
        .get::<tracing_actix_web::RequestId>()
        .and_then(|id| HeaderValue::from_str(&id.to_string()).ok());
    let mut res = next.call(req).await?;
    let h = res.headers_mut();
    if let Some(id) = request_id {
        h.insert(HeaderName::from_static("x-request-id"), id);
    }
    if let Some(csp) = csp
        && !h.contains_key(header::CONTENT_SECURITY_POLICY)
    {
        h.insert(header::CONTENT_SECURITY_POLICY, csp);
    }
    let fixed: [(HeaderName, &'static str); 4] = [
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::REFERRER_POLICY, "strict-origin-when-cross-origin"),
        (
            HeaderName::from_static("cross-origin-opener-policy"),
            "same-origin",
        ),
        (
            HeaderName::from_static("permissions-policy"),
            "camera=(), microphone=(), geolocation=(), payment=()",
        ),
    ];
    for (name, value) in fixed {
        if !h.contains_key(&name) {
            h.insert(name, HeaderValue::from_static(value));
        }
    }
    Ok(res)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_policy_allows_wasm_and_hashed_scripts_but_no_inline_scripts() {
        let csp = content_security_policy(&["'sha256-abc'".into()], "'none'");
        let script = csp
            .split(';')
            .find(|d| d.trim().starts_with("script-src"))
            .expect("script-src present");
        assert!(script.contains("'wasm-unsafe-eval'"));
        assert!(script.contains("'sha256-abc'"));
        assert!(!script.contains("unsafe-inline"));
        assert!(csp.ends_with("frame-ancestors 'none'"));
    }
}
