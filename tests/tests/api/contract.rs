//! Behaviour the contract run (`make contract`: schemathesis against the served spec) pinned
//! down, kept here so that it holds without the fuzzer.

use portcullis::storage::users;
use portcullis_tests::{TestApp, assert_problem, on_both_backends};
use serde_json::json;

const ADMIN: &str = "admin@portcullis.example";

async fn administrators_cannot_set_an_expiry_on_their_own_access(app: TestApp) {
    app.seed_demo().await;
    let admin = app.login_demo(ADMIN).await;
    let id = users::find_by_email(&mut *app.conn().await, ADMIN)
        .await
        .expect("db")
        .expect("user")
        .id;
    let res = app
        .client
        .put(app.url(&format!("/api/v1/admin/users/{id}/access-expiry")))
        .bearer_auth(&admin.token)
        .json(&json!({"access_expires_at": "2020-01-01T00:00:00Z"}))
        .send()
        .await
        .expect("sent");
    assert_problem(res, 409, "conflict").await;
    assert_eq!(app.get_as(&admin.token, "/api/v1/me").await.status(), 200);
}

async fn the_audit_export_rejects_an_unknown_outcome_as_documented(app: TestApp) {
    app.seed_demo().await;
    let admin = app.login_demo(ADMIN).await;
    let res = app
        .get_as(&admin.token, "/api/v1/admin/audit/export.csv?outcome=maybe")
        .await;
    assert_problem(res, 422, "validation_failed").await;
    let spec = serde_json::to_value(portcullis::openapi::spec()).expect("spec");
    assert!(
        spec["paths"]["/api/v1/admin/audit/export.csv"]["get"]["responses"]
            .get("422")
            .is_some()
    );
}

on_both_backends!(
    administrators_cannot_set_an_expiry_on_their_own_access,
    the_audit_export_rejects_an_unknown_outcome_as_documented,
);
