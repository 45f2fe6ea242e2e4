//! Self-registration, "view as", and the 90-day access review.

use portcullis::storage::users;
use portcullis_tests::{TestApp, assert_problem, on_both_backends};
use serde_json::json;

const ADMIN: &str = "admin@portcullis.example";

async fn open_registration(app: &TestApp, admin: &str, domains: &[&str]) {
    let partners = app.portal_id("partners").await;
    let res = app
        .client
        .patch(app.url(&format!("/api/v1/admin/portals/{}", partners)))
        .bearer_auth(admin)
        .json(&json!({"self_registration": true, "registration_domains": domains}))
        .send()
        .await
        .expect("sent");
    assert_eq!(res.status(), 200);
}

fn request(email: &str) -> serde_json::Value {
    json!({"email": email, "name": "Rae Request", "company": "Fabrikam", "message": "We resell your product in Nordics."})
}

async fn self_registration_is_off_by_default(app: TestApp) {
    app.seed_demo().await;
    let res = app
        .client
        .post(app.url("/api/v1/portals/partners/access-requests"))
        .json(&request("rae@fabrikam.example"))
        .send()
        .await
        .expect("sent");
    assert_problem(res, 404, "not_found").await;
}

async fn a_request_is_approved_into_an_invitation(app: TestApp) {
    app.seed_demo().await;
    let admin = app.login_demo(ADMIN).await;
    open_registration(&app, &admin.token, &[]).await;
    let res = app
        .client
        .post(app.url("/api/v1/portals/partners/access-requests"))
        .json(&request("rae@fabrikam.example"))
        .send()
        .await
        .expect("sent");
    assert_eq!(res.status(), 202);
    let list: serde_json::Value = app
        .get_as(&admin.token, "/api/v1/admin/access-requests")
        .await
        .json()
        .await
        .expect("json");
    let item = &list["items"][0];
    assert_eq!(item["email"], "rae@fabrikam.example");
    assert_eq!(item["company"], "Fabrikam");
    let id = item["id"].as_str().expect("id").to_owned();
    let contoso = app.account_id("Contoso Resellers").await;
    let bad = app
        .post_as(
            &admin.token,
            &format!("/api/v1/admin/access-requests/{id}/approve"),
            &json!({"account_id": contoso, "role": "customer_user"}),
        )
        .await;
    assert_problem(bad, 422, "validation_failed").await;
    let res = app
        .post_as(
            &admin.token,
            &format!("/api/v1/admin/access-requests/{id}/approve"),
            &json!({"account_id": contoso, "role": "partner_user"}),
        )
        .await;
    assert_eq!(res.status(), 200);
    let user = users::find_by_email(&mut *app.conn().await, "rae@fabrikam.example")
        .await
        .expect("db")
        .expect("user");
    assert_eq!(user.status, users::UserStatus::Invited);
    let outbox: serde_json::Value = app
        .get_as(&admin.token, "/api/v1/admin/outbox?to=rae@fabrikam.example")
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(outbox["items"].as_array().expect("items").len(), 1);
    let again = app
        .post_as(
            &admin.token,
            &format!("/api/v1/admin/access-requests/{id}/approve"),
            &json!({"account_id": contoso, "role": "partner_user"}),
        )
        .await;
    assert_problem(again, 409, "conflict").await;
}

async fn approved_domains_limit_who_may_ask(app: TestApp) {
    app.seed_demo().await;
    let admin = app.login_demo(ADMIN).await;
    open_registration(&app, &admin.token, &["fabrikam.example"]).await;
    let res = app
        .client
        .post(app.url("/api/v1/portals/partners/access-requests"))
        .json(&request("eve@gmail.example"))
        .send()
        .await
        .expect("sent");
    let problem = assert_problem(res, 422, "validation_failed").await;
    assert_eq!(problem["errors"][0]["field"], "email");
    let res = app
        .client
        .post(app.url("/api/v1/portals/partners/access-requests"))
        .json(&request("rae@fabrikam.example"))
        .send()
        .await
        .expect("sent");
    assert_eq!(res.status(), 202);
}

async fn requests_reveal_nothing_about_existing_users(app: TestApp) {
    app.seed_demo().await;
    let admin = app.login_demo(ADMIN).await;
    open_registration(&app, &admin.token, &[]).await;
    let res = app
        .client
        .post(app.url("/api/v1/portals/partners/access-requests"))
        .json(&request("partner@northwind.example"))
        .send()
        .await
        .expect("sent");
    assert_eq!(res.status(), 202);
    let list: serde_json::Value = app
        .get_as(&admin.token, "/api/v1/admin/access-requests")
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(list["items"].as_array().expect("items").len(), 0);
}

async fn a_rejection_keeps_its_reason(app: TestApp) {
    app.seed_demo().await;
    let admin = app.login_demo(ADMIN).await;
    open_registration(&app, &admin.token, &[]).await;
    app.client
        .post(app.url("/api/v1/portals/partners/access-requests"))
        .json(&request("no@fabrikam.example"))
        .send()
        .await
        .expect("sent");
    let list: serde_json::Value = app
        .get_as(&admin.token, "/api/v1/admin/access-requests")
        .await
        .json()
        .await
        .expect("json");
    let id = list["items"][0]["id"].as_str().expect("id").to_owned();
    let empty = app
        .post_as(
            &admin.token,
            &format!("/api/v1/admin/access-requests/{id}/reject"),
            &json!({"reason": " "}),
        )
        .await;
    assert_problem(empty, 422, "validation_failed").await;
    let res = app
        .post_as(
            &admin.token,
            &format!("/api/v1/admin/access-requests/{id}/reject"),
            &json!({"reason": "Not a partner yet"}),
        )
        .await;
    let body: serde_json::Value = res.json().await.expect("json");
    assert_eq!(body["status"], "rejected");
    assert_eq!(body["reason"], "Not a partner yet");
}

async fn view_as_shows_the_users_view_and_changes_nothing(app: TestApp) {
    app.seed_demo().await;
    let admin = app.login_demo(ADMIN).await;
    let partner = users::find_by_email(&mut *app.conn().await, "partner@northwind.example")
        .await
        .expect("db")
        .expect("user");
    let res = app
        .post_as(
            &admin.token,
            &format!("/api/v1/admin/users/{}/view-as", partner.id),
            &json!({}),
        )
        .await;
    assert_eq!(res.status(), 200);
    let token = res.json::<serde_json::Value>().await.expect("json")["access_token"]
        .as_str()
        .expect("token")
        .to_owned();
    let me: serde_json::Value = app
        .get_as(&token, "/api/v1/me")
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(me["user"]["email"], "partner@northwind.example");
    assert_eq!(me["account"]["name"], "Northwind Partners");
    assert_eq!(me["viewed_by"], ADMIN);
    // Read-only: no change goes through, not even the user's own profile.
    let res = app
        .client
        .patch(app.url("/api/v1/me/profile"))
        .bearer_auth(&token)
        .json(&json!({"title": "Hacked"}))
        .send()
        .await
        .expect("sent");
    assert_problem(res, 403, "forbidden").await;
    // The user's own sessions are unaffected, and the view was audited.
    let own = app.login_demo("partner@northwind.example").await;
    let me: serde_json::Value = app
        .get_as(&own.token, "/api/v1/me")
        .await
        .json()
        .await
        .expect("json");
    assert!(me["viewed_by"].is_null());
    let log: serde_json::Value = app
        .get_as(&admin.token, "/api/v1/admin/audit?action=user.view_as")
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(log["items"].as_array().expect("items").len(), 1);
    // The view can end itself, and is then gone; the administrator's session stays.
    let res = app.post_as(&token, "/api/v1/auth/logout", &json!({})).await;
    assert_eq!(res.status(), 204);
    assert!(
        res.headers().get("set-cookie").is_none(),
        "the administrator's refresh cookie is left alone"
    );
    assert_eq!(app.get_as(&token, "/api/v1/me").await.status(), 401);
    assert_eq!(app.get_as(&admin.token, "/api/v1/me").await.status(), 200);
    // Internal users cannot be viewed as.
    let rep = users::find_by_email(&mut *app.conn().await, "rep@portcullis.example")
        .await
        .expect("db")
        .expect("user");
    assert_problem(
        app.post_as(
            &admin.token,
            &format!("/api/v1/admin/users/{}/view-as", rep.id),
            &json!({}),
        )
        .await,
        422,
        "validation_failed",
    )
    .await;
}

async fn the_access_review_flags_stale_external_users_for_bulk_deactivation(app: TestApp) {
    app.seed_demo().await;
    let admin = app.login_demo(ADMIN).await;
    // Nora signed in 100 days ago; Connie never did, and was created 100 days ago.
    let long_ago = portcullis::time::now() - 100 * 24 * 3600 * 1_000_000;
    sqlx::query("UPDATE users SET last_sign_in_at = $1 WHERE email_normalized = 'partner@northwind.example'")
        .bind(long_ago).execute(&app.db.pool).await.expect("update");
    sqlx::query("UPDATE users SET created_at = $1, last_sign_in_at = NULL WHERE email_normalized IN ('partner@contoso.example', 'rep@portcullis.example')")
        .bind(long_ago).execute(&app.db.pool).await.expect("update");
    let flagged = portcullis::app::users::review_stale_access(
        &app.core,
        &portcullis::app::Operator::new("test"),
    )
    .await
    .expect("job");
    assert_eq!(
        flagged, 2,
        "internal staff are not part of the external access review"
    );
    let stale: serde_json::Value = app
        .get_as(&admin.token, "/api/v1/admin/users?stale=true")
        .await
        .json()
        .await
        .expect("json");
    let ids: Vec<String> = stale["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|u| u["id"].as_str().expect("id").to_owned())
        .collect();
    assert_eq!(ids.len(), 2);
    let res = app
        .post_as(
            &admin.token,
            "/api/v1/admin/users/deactivate",
            &json!({"user_ids": ids}),
        )
        .await;
    let body: serde_json::Value = res.json().await.expect("json");
    assert_eq!(body["deactivated"], 2);
    assert_eq!(
        portcullis::app::users::review_stale_access(
            &app.core,
            &portcullis::app::Operator::new("test")
        )
        .await
        .expect("job"),
        0
    );
    assert_eq!(
        app.try_login(
            "partner@northwind.example",
            portcullis::seed::DEMO_PASSWORD,
            Some("partners")
        )
        .await
        .status(),
        401
    );
}

on_both_backends!(
    self_registration_is_off_by_default,
    a_request_is_approved_into_an_invitation,
    approved_domains_limit_who_may_ask,
    requests_reveal_nothing_about_existing_users,
    a_rejection_keeps_its_reason,
    view_as_shows_the_users_view_and_changes_nothing,
    the_access_review_flags_stale_external_users_for_bulk_deactivation,
);
