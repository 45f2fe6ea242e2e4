//! Invitations from the outbox to a signed-in, onboarded user.

use portcullis_tests::{TestApp, assert_problem, on_both_backends, session_from};
use serde_json::json;

const ADMIN: &str = "admin@portcullis.example";
const NEW_PASSWORD: &str = "velvet-harbour-lantern-93";

async fn invite(
    app: &TestApp,
    token: &str,
    emails: &[&str],
    role: &str,
    account: &str,
    portal: &str,
) -> reqwest::Response {
    app.post_as(
        token,
        "/api/v1/admin/invitations",
        &json!({"emails": emails, "role": role, "account_id": account, "portal_id": portal}),
    )
    .await
}

async fn ids(app: &TestApp) -> (String, String) {
    let account = app.account_id("Northwind Partners").await;
    let portal = app.portal_id("partners").await;
    (account, portal)
}

/// The invitation link's token, read from the outbox as an administrator would.
async fn token_from_outbox(app: &TestApp, admin: &str, to: &str) -> String {
    let page: serde_json::Value = app
        .get_as(admin, &format!("/api/v1/admin/outbox?to={to}"))
        .await
        .json()
        .await
        .expect("json");
    let text = page["items"][0]["body_text"]
        .as_str()
        .expect("an email")
        .to_owned();
    let link = text
        .split_whitespace()
        .find(|w| w.contains("/invite/"))
        .expect("a link")
        .to_owned();
    link.rsplit('/').next().expect("token").to_owned()
}

async fn an_invitee_accepts_from_the_outbox_and_is_signed_in(app: TestApp) {
    app.seed_demo().await;
    let admin = app.login_demo(ADMIN).await;
    let (account, portal) = ids(&app).await;
    let res = invite(
        &app,
        &admin.token,
        &["dana@northwind.example"],
        "partner_user",
        &account,
        &portal,
    )
    .await;
    assert_eq!(res.status(), 200);
    let body: serde_json::Value = res.json().await.expect("json");
    assert_eq!(body["results"][0]["status"], "invited");

    let page: serde_json::Value = app
        .get_as(
            &admin.token,
            "/api/v1/admin/outbox?to=dana@northwind.example",
        )
        .await
        .json()
        .await
        .expect("json");
    let email = &page["items"][0];
    assert_eq!(email["subject"], "You're invited to Partner Central");
    assert!(
        email["body_html"]
            .as_str()
            .expect("html")
            .contains("#0f766e"),
        "the portal's colour brands the email"
    );
    assert!(
        email["body_text"]
            .as_str()
            .expect("text")
            .contains("/p/partners/invite/")
    );

    let token = token_from_outbox(&app, &admin.token, "dana@northwind.example").await;
    let info: serde_json::Value = app
        .get(&format!("/api/v1/invitations/{token}"))
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(info["email"], "dana@northwind.example");
    assert_eq!(info["portal"]["name"], "Partner Central");

    let res = app
        .client
        .post(app.url(&format!("/api/v1/invitations/{token}/accept")))
        .json(&json!({"password": NEW_PASSWORD, "name": "Dana Scully"}))
        .send()
        .await
        .expect("sent");
    assert_eq!(res.status(), 200);
    let s = session_from(res).await;
    let me: serde_json::Value = app
        .get_as(&s.token, "/api/v1/me")
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(me["user"]["name"], "Dana Scully");
    assert_eq!(me["portal"]["slug"], "partners");
    assert_eq!(me["onboarding_complete"], false);
    app.login("dana@northwind.example", NEW_PASSWORD, Some("partners"))
        .await;
}

async fn an_invitation_link_works_once(app: TestApp) {
    app.seed_demo().await;
    let admin = app.login_demo(ADMIN).await;
    let (account, portal) = ids(&app).await;
    invite(
        &app,
        &admin.token,
        &["once@northwind.example"],
        "partner_user",
        &account,
        &portal,
    )
    .await;
    let token = token_from_outbox(&app, &admin.token, "once@northwind.example").await;
    let accept = || {
        app.client
            .post(app.url(&format!("/api/v1/invitations/{token}/accept")))
            .json(&json!({"password": NEW_PASSWORD, "name": "Once"}))
            .send()
    };
    assert_eq!(accept().await.expect("sent").status(), 200);
    assert_problem(accept().await.expect("sent"), 404, "not_found").await;
    assert_problem(
        app.get(&format!("/api/v1/invitations/{token}")).await,
        404,
        "not_found",
    )
    .await;
}

async fn resending_replaces_the_link(app: TestApp) {
    app.seed_demo().await;
    let admin = app.login_demo(ADMIN).await;
    let (account, portal) = ids(&app).await;
    let body: serde_json::Value = invite(
        &app,
        &admin.token,
        &["slow@northwind.example"],
        "partner_user",
        &account,
        &portal,
    )
    .await
    .json()
    .await
    .expect("json");
    let old = token_from_outbox(&app, &admin.token, "slow@northwind.example").await;
    let user_id = body["results"][0]["user_id"]
        .as_str()
        .expect("id")
        .to_owned();
    let res = app
        .post_as(
            &admin.token,
            &format!("/api/v1/admin/users/{user_id}/resend-invitation"),
            &json!({}),
        )
        .await;
    assert_eq!(res.status(), 204);
    let new = token_from_outbox(&app, &admin.token, "slow@northwind.example").await;
    assert_ne!(old, new);
    assert_eq!(
        app.get(&format!("/api/v1/invitations/{old}"))
            .await
            .status(),
        404
    );
    assert_eq!(
        app.get(&format!("/api/v1/invitations/{new}"))
            .await
            .status(),
        200
    );
}

async fn an_expired_invitation_is_not_found(app: TestApp) {
    app.seed_demo().await;
    let admin = app.login_demo(ADMIN).await;
    let (account, portal) = ids(&app).await;
    invite(
        &app,
        &admin.token,
        &["late@northwind.example"],
        "partner_user",
        &account,
        &portal,
    )
    .await;
    let token = token_from_outbox(&app, &admin.token, "late@northwind.example").await;
    sqlx::query("UPDATE invitations SET expires_at = 1")
        .execute(&app.db.pool)
        .await
        .expect("update");
    assert_problem(
        app.get(&format!("/api/v1/invitations/{token}")).await,
        404,
        "not_found",
    )
    .await;
}

async fn only_hashes_of_invitation_tokens_are_stored(app: TestApp) {
    app.seed_demo().await;
    let admin = app.login_demo(ADMIN).await;
    let (account, portal) = ids(&app).await;
    invite(
        &app,
        &admin.token,
        &["hash@northwind.example"],
        "partner_user",
        &account,
        &portal,
    )
    .await;
    let token = token_from_outbox(&app, &admin.token, "hash@northwind.example").await;
    let stored: String = sqlx::query_scalar("SELECT token_hash FROM invitations")
        .fetch_one(&app.db.pool)
        .await
        .expect("row");
    assert_ne!(stored, token);
    assert!(!stored.contains(&token));
}

async fn inviting_is_idempotent_by_email_and_checks_every_address(app: TestApp) {
    app.seed_demo().await;
    let admin = app.login_demo(ADMIN).await;
    let (account, portal) = ids(&app).await;
    let body: serde_json::Value = invite(
        &app,
        &admin.token,
        &["PARTNER@northwind.example", "new@northwind.example"],
        "partner_user",
        &account,
        &portal,
    )
    .await
    .json()
    .await
    .expect("json");
    assert_eq!(body["results"][0]["status"], "already_exists");
    assert_eq!(body["results"][1]["status"], "invited");
    let res = invite(
        &app,
        &admin.token,
        &["ok@northwind.example", "nope", "also bad@x.example"],
        "partner_user",
        &account,
        &portal,
    )
    .await;
    let problem = assert_problem(res, 422, "validation_failed").await;
    let fields: Vec<&str> = problem["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .map(|e| e["field"].as_str().expect("field"))
        .collect();
    assert_eq!(fields, ["emails[1]", "emails[2]"]);
    let count: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM users WHERE email_normalized = 'ok@northwind.example'",
    )
    .fetch_one(&app.db.pool)
    .await
    .expect("count");
    assert_eq!(count, 0, "a rejected request writes nothing");
    // A partner role with a customer account and portal is refused.
    let globex = app.account_id("Globex Corporation").await;
    let acme = app.portal_id("acme").await;
    let res = invite(
        &app,
        &admin.token,
        &["x@globex.example"],
        "partner_user",
        &globex,
        &acme,
    )
    .await;
    let problem = assert_problem(res, 422, "validation_failed").await;
    assert_eq!(problem["errors"].as_array().expect("errors").len(), 2);
}

async fn a_weak_password_is_refused_and_the_link_stays_usable(app: TestApp) {
    app.seed_demo().await;
    let admin = app.login_demo(ADMIN).await;
    let (account, portal) = ids(&app).await;
    invite(
        &app,
        &admin.token,
        &["weak@northwind.example"],
        "partner_user",
        &account,
        &portal,
    )
    .await;
    let token = token_from_outbox(&app, &admin.token, "weak@northwind.example").await;
    let res = app
        .client
        .post(app.url(&format!("/api/v1/invitations/{token}/accept")))
        .json(&json!({"password": "password1234", "name": ""}))
        .send()
        .await
        .expect("sent");
    let problem = assert_problem(res, 422, "validation_failed").await;
    let fields: Vec<&str> = problem["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .map(|e| e["field"].as_str().expect("field"))
        .collect();
    assert_eq!(fields, ["password", "name"]);
    assert_eq!(
        app.get(&format!("/api/v1/invitations/{token}"))
            .await
            .status(),
        200
    );
}

async fn onboarding_sets_profile_photo_preferences_and_finishes(app: TestApp) {
    app.seed_demo().await;
    let s = app.login_demo("partner@northwind.example").await;
    let res = app
        .client
        .patch(app.url("/api/v1/me/profile"))
        .bearer_auth(&s.token)
        .json(&json!({"name": "Nora N.", "title": "Channel lead", "phone": "+44 20 7946 0000"}))
        .send()
        .await
        .expect("sent");
    assert_eq!(res.status(), 200);
    let bad = app
        .client
        .patch(app.url("/api/v1/me/profile"))
        .bearer_auth(&s.token)
        .json(&json!({"name": "", "phone": "call me"}))
        .send()
        .await
        .expect("sent");
    let problem = assert_problem(bad, 422, "validation_failed").await;
    assert_eq!(problem["errors"].as_array().expect("errors").len(), 2);

    let png: Vec<u8> = [
        &[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A][..],
        &[0u8; 64][..],
    ]
    .concat();
    let res = app
        .client
        .put(app.url("/api/v1/me/photo"))
        .bearer_auth(&s.token)
        .body(png.clone())
        .send()
        .await
        .expect("sent");
    assert_eq!(res.status(), 204);
    let res = app.get_as(&s.token, "/api/v1/me/photo").await;
    assert_eq!(res.headers()["content-type"], "image/png");
    assert_eq!(res.bytes().await.expect("bytes").to_vec(), png);
    let fake = app
        .client
        .put(app.url("/api/v1/me/photo"))
        .bearer_auth(&s.token)
        .header("content-type", "image/png")
        .body("<svg onload=alert(1)>")
        .send()
        .await
        .expect("sent");
    assert_problem(fake, 422, "validation_failed").await;
    let huge = app
        .client
        .put(app.url("/api/v1/me/photo"))
        .bearer_auth(&s.token)
        .body(vec![0xFFu8; 3 * 1024 * 1024])
        .send()
        .await
        .expect("sent");
    assert_eq!(huge.status(), 413);

    let res = app.client.put(app.url("/api/v1/me/notifications")).bearer_auth(&s.token)
        .json(&json!({"deal_updates": false, "new_messages": true, "shared_documents": true, "request_updates": false, "weekly_digest": true})).send().await.expect("sent");
    assert_eq!(res.status(), 200);
    let res = app
        .post_as(
            &s.token,
            "/api/v1/me/onboarding",
            &json!({"tour_skipped": true}),
        )
        .await;
    let me: serde_json::Value = res.json().await.expect("json");
    assert_eq!(me["onboarding_complete"], true);
    assert_eq!(me["has_photo"], true);
    assert_eq!(me["notifications"]["weekly_digest"], true);
    assert_eq!(me["notifications"]["deal_updates"], false);
    assert_eq!(me["user"]["title"], "Channel lead");
}

on_both_backends!(
    an_invitee_accepts_from_the_outbox_and_is_signed_in,
    an_invitation_link_works_once,
    resending_replaces_the_link,
    an_expired_invitation_is_not_found,
    only_hashes_of_invitation_tokens_are_stored,
    inviting_is_idempotent_by_email_and_checks_every_address,
    a_weak_password_is_refused_and_the_link_stays_usable,
    onboarding_sets_profile_photo_preferences_and_finishes,
);

async fn import(app: &TestApp, token: &str, csv: String) -> reqwest::Response {
    let (account, portal) = ids(app).await;
    app.client
        .post(app.url(&format!("/api/v1/admin/invitations/import?role=partner_user&account_id={account}&portal_id={portal}")))
        .bearer_auth(token)
        .header("content-type", "text/csv")
        .body(csv)
        .send()
        .await
        .expect("sent")
}

async fn a_csv_import_reports_bad_rows_by_line_and_imports_the_rest(app: TestApp) {
    app.seed_demo().await;
    let admin = app.login_demo(ADMIN).await;
    let csv = "email,name\nann@northwind.example,Ann\nnot-an-email,Bob\npartner@northwind.example,Nora\nANN@northwind.example,Ann again\ncy@northwind.example,\n".to_owned();
    let res = import(&app, &admin.token, csv.clone()).await;
    assert_eq!(res.status(), 200);
    let report: serde_json::Value = res.json().await.expect("json");
    assert_eq!(report["invited"], 2);
    assert_eq!(report["already_existing"], 1);
    assert_eq!(report["rejected"], 2);
    let lines: Vec<u64> = report["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .map(|e| e["line"].as_u64().expect("line"))
        .collect();
    assert_eq!(lines, [3, 5]);
    // Importing the same file again changes nothing.
    let again: serde_json::Value = import(&app, &admin.token, csv)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(again["invited"], 0);
    assert_eq!(again["already_existing"], 3);
    let res = import(&app, &admin.token, "name\nAnn\n".into()).await;
    assert_problem(res, 422, "validation_failed").await;
}

async fn ten_thousand_invitations_import_in_one_request(app: TestApp) {
    app.seed_demo().await;
    let admin = app.login_demo(ADMIN).await;
    let mut csv = String::from("email,name\n");
    for i in 0..10_000 {
        csv.push_str(&format!("contact{i}@northwind.example,Contact {i}\n"));
    }
    let started = std::time::Instant::now();
    let res = import(&app, &admin.token, csv).await;
    let elapsed = started.elapsed();
    assert_eq!(res.status(), 200);
    let report: serde_json::Value = res.json().await.expect("json");
    assert_eq!(report["invited"], 10_000);
    eprintln!(
        "imported 10,000 invitations on {:?} in {elapsed:?}",
        app.backend
    );
    let emails: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM outbox")
        .fetch_one(&app.db.pool)
        .await
        .expect("count");
    assert_eq!(emails, 10_000);
}

mod import_tests {
    use super::*;
    on_both_backends!(
        a_csv_import_reports_bad_rows_by_line_and_imports_the_rest,
        ten_thousand_invitations_import_in_one_request,
    );
}
