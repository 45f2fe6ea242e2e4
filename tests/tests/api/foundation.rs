//! The platform every feature stands on: health, metrics, errors, headers, the SPA and the
//! OpenAPI document.

use portcullis_tests::{TestApp, assert_problem, on_both_backends};

async fn healthz_answers_ok(app: TestApp) {
    let res = app.get("/healthz").await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.text().await.expect("body"), "ok");
}

async fn readyz_answers_ready_when_the_database_does(app: TestApp) {
    let res = app.get("/readyz").await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.text().await.expect("body"), "ready");
}

async fn readyz_answers_503_problem_when_the_database_is_gone(app: TestApp) {
    app.db.pool.close().await;
    assert_problem(app.get("/readyz").await, 503, "service_unavailable").await;
}

async fn metrics_count_requests_by_route_pattern_and_status(app: TestApp) {
    app.seed_demo().await;
    app.get("/api/v1/portals/acme/public").await;
    app.get("/api/v1/portals/nope/public").await;
    let res = app.get("/metrics").await;
    assert_eq!(res.status(), 200);
    assert!(
        res.headers()["content-type"]
            .to_str()
            .expect("ascii")
            .starts_with("text/plain; version=0.0.4")
    );
    let text = res.text().await.expect("body");
    assert!(text.contains(
        r#"portcullis_http_requests_total{method="GET",route="/api/v1/portals/{slug}/public",status="200"} 1"#
    ), "{text}");
    assert!(text.contains(
        r#"portcullis_http_requests_total{method="GET",route="/api/v1/portals/{slug}/public",status="404"} 1"#
    ));
    assert!(text.contains("portcullis_http_request_duration_seconds_bucket{"));
    assert!(!text.contains("/nope/"), "raw paths never become labels");
}

async fn an_unknown_api_route_is_a_problem_404_not_the_spa(app: TestApp) {
    for path in ["/api/v1/nothing-here", "/api/v2/portals", "/api", "/api/"] {
        assert_problem(app.get(path).await, 404, "not_found").await;
    }
}

async fn a_wrong_method_is_a_problem_405_with_allow(app: TestApp) {
    app.seed_demo().await;
    let res = app
        .client
        .delete(app.url("/api/v1/portals/acme/public"))
        .send()
        .await
        .expect("sent");
    assert_eq!(res.headers()["allow"], "GET");
    assert_problem(res, 405, "method_not_allowed").await;
    let res = app
        .client
        .post(app.url("/healthz"))
        .send()
        .await
        .expect("sent");
    assert_problem(res, 405, "method_not_allowed").await;
}

async fn every_response_carries_the_security_headers(app: TestApp) {
    app.seed_demo().await;
    for path in [
        "/healthz",
        "/api/v1/portals/acme/public",
        "/api/v1/nothing",
        "/p/acme",
        "/api/docs/",
    ] {
        let res = app.get(path).await;
        let h = res.headers();
        assert_eq!(h["x-content-type-options"], "nosniff", "{path}");
        assert_eq!(
            h["referrer-policy"], "strict-origin-when-cross-origin",
            "{path}"
        );
        assert!(h.contains_key("x-request-id"), "{path}");
        let csp = h["content-security-policy"].to_str().expect("ascii");
        let script_src = csp
            .split(';')
            .find(|d| d.trim().starts_with("script-src"))
            .expect("script-src");
        assert!(!script_src.contains("'unsafe-inline'"), "{path}: {csp}");
        assert!(script_src.contains("'wasm-unsafe-eval'"), "{path}: {csp}");
        assert!(csp.contains("frame-ancestors 'none'"), "{path}: {csp}");
        assert!(csp.contains("object-src 'none'"), "{path}: {csp}");
    }
}

async fn the_spa_inline_loader_is_allowed_by_hash_and_nothing_else_inline(app: TestApp) {
    let res = app.get("/p/acme").await;
    let csp = res.headers()["content-security-policy"]
        .to_str()
        .expect("ascii")
        .to_owned();
    let html = res.text().await.expect("html");
    let inline_scripts = html.matches("<script").count() - html.matches("<script src=").count();
    let hashes = csp.matches("'sha256-").count();
    assert_eq!(hashes, inline_scripts, "one hash per inline script: {csp}");
}

async fn client_routes_fall_back_to_index_html(app: TestApp) {
    for path in ["/", "/p/acme", "/p/partners/deals/123", "/anything/else"] {
        let res = app.get(path).await;
        assert_eq!(res.status(), 200, "{path}");
        assert_eq!(res.headers()["content-type"], "text/html", "{path}");
        assert_eq!(res.headers()["cache-control"], "no-cache", "{path}");
        let html = res.text().await.expect("html");
        assert!(html.contains("<html"), "{path}");
        assert!(
            html.contains("_bg.wasm"),
            "{path}: the Trunk build is served"
        );
    }
}

async fn a_missing_static_file_is_404_not_the_spa(app: TestApp) {
    let res = app.get("/no-such-file.png").await;
    assert_eq!(res.status(), 404);
}

async fn a_post_to_a_spa_path_is_405(app: TestApp) {
    let res = app
        .client
        .post(app.url("/p/acme"))
        .send()
        .await
        .expect("sent");
    assert_problem(res, 405, "method_not_allowed").await;
}

/// The hashed asset names Trunk writes into index.html.
async fn assets(app: &TestApp) -> Vec<String> {
    let html = app.get("/").await.text().await.expect("html");
    html.split(['"', '\''])
        .filter(|s| {
            s.starts_with('/')
                && (s.ends_with(".js") || s.ends_with(".wasm") || s.ends_with(".css"))
        })
        .map(str::to_owned)
        .collect()
}

async fn hashed_assets_are_cached_for_a_year_and_compressed(app: TestApp) {
    let assets = assets(&app).await;
    assert!(assets.iter().any(|a| a.ends_with(".wasm")), "{assets:?}");
    for asset in &assets {
        for (accept, encoding) in [
            ("br, gzip", Some("br")),
            ("gzip", Some("gzip")),
            ("identity", None),
        ] {
            let res = app
                .client
                .get(app.url(asset))
                .header("accept-encoding", accept)
                .send()
                .await
                .expect("sent");
            assert_eq!(res.status(), 200, "{asset}");
            assert_eq!(
                res.headers()["cache-control"],
                "public, max-age=31536000, immutable"
            );
            assert_eq!(res.headers()["vary"], "Accept-Encoding");
            assert_eq!(
                res.headers()
                    .get("content-encoding")
                    .map(|v| v.to_str().expect("ascii")),
                encoding,
                "{asset} with {accept}"
            );
        }
    }
    let wasm = assets.iter().find(|a| a.ends_with(".wasm")).expect("wasm");
    let res = app.get(wasm).await;
    assert_eq!(res.headers()["content-type"], "application/wasm");
    let etag = res.headers()["etag"].clone();
    let res = app
        .client
        .get(app.url(wasm))
        .header("if-none-match", etag)
        .send()
        .await
        .expect("sent");
    assert_eq!(res.status(), 304);
}

async fn malformed_json_is_a_400_with_the_parsers_message(app: TestApp) {
    let res = app
        .client
        .post(app.url("/api/v1/auth/login"))
        .header("content-type", "application/json")
        .body("{\"email\": ")
        .send()
        .await
        .expect("sent");
    let body = assert_problem(res, 400, "malformed_request").await;
    let detail = body["detail"].as_str().expect("detail");
    assert!(
        detail.contains("EOF") || detail.contains("line 1"),
        "{detail}"
    );
}

async fn an_oversize_body_is_a_413(app: TestApp) {
    let big = format!("{{\"email\":\"{}\"}}", "a".repeat(200 * 1024));
    let res = app
        .client
        .post(app.url("/api/v1/auth/login"))
        .header("content-type", "application/json")
        .body(big)
        .send()
        .await
        .expect("sent");
    assert_problem(res, 413, "payload_too_large").await;
}

async fn a_non_json_body_is_a_415(app: TestApp) {
    let res = app
        .client
        .post(app.url("/api/v1/auth/login"))
        .header("content-type", "text/plain")
        .body("hello")
        .send()
        .await
        .expect("sent");
    assert_problem(res, 415, "unsupported_media_type").await;
}

async fn validation_failures_are_422_naming_every_field(app: TestApp) {
    let res = app
        .client
        .post(app.url("/api/v1/auth/login"))
        .json(&serde_json::json!({"email": "not-an-email", "password": ""}))
        .send()
        .await
        .expect("sent");
    let body = assert_problem(res, 422, "validation_failed").await;
    let fields: Vec<&str> = body["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .map(|e| e["field"].as_str().expect("field"))
        .collect();
    assert_eq!(fields, ["email", "password"]);
}

async fn the_served_openapi_document_matches_the_committed_one(app: TestApp) {
    let served: serde_json::Value = app
        .get("/api/openapi.json")
        .await
        .json()
        .await
        .expect("json");
    let committed_text =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../openapi.json"))
            .expect("openapi.json is committed at the repository root");
    let committed: serde_json::Value = serde_json::from_str(&committed_text).expect("valid JSON");
    assert!(
        served == committed,
        "openapi.json is out of date: run `make openapi` and commit the result"
    );
    assert_eq!(
        committed_text,
        portcullis::openapi::to_pretty_json(&portcullis::openapi::spec()).expect("spec")
    );
}

/// Generated clients name their functions after operation ids: two operations with one id
/// collide, and a bare verb (`list`, `get`) says nothing about what it acts on.
#[test]
fn every_operation_has_its_own_descriptive_id() {
    let spec = serde_json::to_value(portcullis::openapi::spec()).expect("spec as JSON");
    let mut seen = std::collections::BTreeMap::new();
    for (path, item) in spec["paths"].as_object().expect("paths") {
        for (method, op) in item.as_object().expect("path item") {
            let Some(id) = op.get("operationId") else {
                continue;
            };
            let id = id.as_str().expect("operationId is a string");
            let here = format!("{} {path}", method.to_uppercase());
            let bare_verb = [
                "list", "get", "create", "update", "delete", "set", "approve", "reject",
            ]
            .contains(&id);
            assert!(
                !bare_verb && id.chars().all(|c| c.is_ascii_lowercase() || c == '_'),
                "{here}: operationId `{id}` should be snake_case and name its object, like `list_users`"
            );
            if let Some(before) = seen.insert(id.to_owned(), here.clone()) {
                panic!("operationId `{id}` is used by both {before} and {here}");
            }
        }
    }
    assert!(seen.len() > 40, "only {} operations found", seen.len());
}

async fn every_documented_path_is_routed(app: TestApp) {
    let spec = portcullis::openapi::spec();
    for path in spec.paths.paths.keys() {
        let concrete = path.replace("{slug}", "acme");
        let res = app.get(&concrete).await;
        assert_ne!(
            res.headers().get("content-type").map(|v| v.as_bytes()),
            Some(&b"text/html"[..]),
            "{path} fell through to the SPA"
        );
    }
}

async fn the_api_reference_page_is_served_from_the_binary(app: TestApp) {
    let res = app.get("/api/docs").await;
    assert!(res.status().is_redirection());
    let res = app.get("/api/docs/").await;
    assert_eq!(res.status(), 200);
    let html = res.text().await.expect("html");
    assert!(html.contains("swagger-ui"));
    for asset in [
        "/api/docs/swagger-ui.css",
        "/api/docs/swagger-ui-bundle.js",
        "/api/docs/swagger-initializer.js",
    ] {
        assert_eq!(app.get(asset).await.status(), 200, "{asset}");
    }
    let init = app
        .get("/api/docs/swagger-initializer.js")
        .await
        .text()
        .await
        .expect("js");
    assert!(init.contains("/api/openapi.json"));
}

on_both_backends!(
    healthz_answers_ok,
    readyz_answers_ready_when_the_database_does,
    readyz_answers_503_problem_when_the_database_is_gone,
    metrics_count_requests_by_route_pattern_and_status,
    an_unknown_api_route_is_a_problem_404_not_the_spa,
    a_wrong_method_is_a_problem_405_with_allow,
    every_response_carries_the_security_headers,
    the_spa_inline_loader_is_allowed_by_hash_and_nothing_else_inline,
    client_routes_fall_back_to_index_html,
    a_missing_static_file_is_404_not_the_spa,
    a_post_to_a_spa_path_is_405,
    hashed_assets_are_cached_for_a_year_and_compressed,
    malformed_json_is_a_400_with_the_parsers_message,
    an_oversize_body_is_a_413,
    a_non_json_body_is_a_415,
    validation_failures_are_422_naming_every_field,
    the_served_openapi_document_matches_the_committed_one,
    every_documented_path_is_routed,
    the_api_reference_page_is_served_from_the_binary,
);
