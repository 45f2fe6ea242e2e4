//! Administration behaviour beyond who may call it: validation, conflicts, lost-update
//! protection, and the effect of each action.

use portcullis::storage::users;
use portcullis_tests::{TestApp, assert_problem, on_both_backends};
use serde_json::json;

const ADMIN: &str = "admin@portcullis.example";

fn portal_body(slug: &str) -> serde_json::Value {
    json!({
        "slug": slug, "name": "Reseller Hub", "type": "partner", "published": true,
        "branding": {"primary_color": "#7c3aed", "background_color": "#faf5ff", "logo_url": null,
                     "favicon_url": null, "login_image_url": null, "email_header_url": null}
    })
}

fn fields(problem: &serde_json::Value) -> Vec<String> {
    problem["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .map(|e| e["field"].as_str().expect("field").to_owned())
        .collect()
}

async fn a_created_portal_is_served_publicly_once_published(app: TestApp) {
    app.seed_demo().await;
    let s = app.login_demo(ADMIN).await;
    let res = app
        .post_as(&s.token, "/api/v1/admin/portals", &portal_body("resellers"))
        .await;
    assert_eq!(res.status(), 201);
    assert!(
        res.headers()["location"]
            .to_str()
            .expect("ascii")
            .starts_with("/api/v1/admin/portals/")
    );
    let created: serde_json::Value = res.json().await.expect("json");
    assert_eq!(created["idle_timeout_minutes"], 30);
    let public: serde_json::Value = app
        .get("/api/v1/portals/resellers/public")
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(public["name"], "Reseller Hub");
    assert_eq!(public["type"], "partner");
}

async fn a_bad_portal_names_every_bad_field_and_writes_nothing(app: TestApp) {
    app.seed_demo().await;
    let s = app.login_demo(ADMIN).await;
    let mut body = portal_body("Bad Slug");
    body["name"] = json!("  ");
    body["branding"]["primary_color"] = json!("blue");
    body["branding"]["logo_url"] = json!("javascript:alert(1)");
    body["frame_ancestors"] = json!("https://a.example; script-src *");
    body["idle_timeout_minutes"] = json!(1);
    let problem = assert_problem(
        app.post_as(&s.token, "/api/v1/admin/portals", &body).await,
        422,
        "validation_failed",
    )
    .await;
    assert_eq!(
        fields(&problem),
        [
            "slug",
            "name",
            "branding.primary_color",
            "branding.logo_url",
            "frame_ancestors",
            "idle_timeout_minutes"
        ]
    );
    let list: serde_json::Value = app
        .get_as(&s.token, "/api/v1/admin/portals")
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(list["items"].as_array().expect("items").len(), 2);
}

async fn a_taken_slug_is_a_409(app: TestApp) {
    app.seed_demo().await;
    let s = app.login_demo(ADMIN).await;
    assert_problem(
        app.post_as(&s.token, "/api/v1/admin/portals", &portal_body("acme"))
            .await,
        409,
        "conflict",
    )
    .await;
}

/// A value the database's unique index refuses is a 409 naming the field, on both backends,
/// and changes nothing.
async fn a_custom_domain_taken_by_another_portal_is_a_409_naming_it(app: TestApp) {
    app.seed_demo().await;
    let s = app.login_demo(ADMIN).await;
    let acme = app.portal_id("acme").await;
    let partners = app.portal_id("partners").await;
    let patch = |id: String| {
        app.client
            .patch(app.url(&format!("/api/v1/admin/portals/{id}")))
            .bearer_auth(&s.token)
            .json(&json!({"custom_domain": "portal.acme.example"}))
            .send()
    };
    assert_eq!(patch(acme).await.expect("sent").status(), 200);
    let body = assert_problem(
        patch(partners.clone()).await.expect("sent"),
        409,
        "conflict",
    )
    .await;
    assert_eq!(body["errors"][0]["field"], "custom_domain", "{body}");
    assert_eq!(body["errors"][0]["code"], "taken");
    let domain: Option<String> =
        sqlx::query_scalar("SELECT custom_domain FROM portals WHERE id = $1")
            .bind(&partners)
            .fetch_one(&app.db.pool)
            .await
            .expect("portal");
    assert_eq!(domain, None);
}

async fn an_update_with_a_stale_etag_is_refused(app: TestApp) {
    app.seed_demo().await;
    let s = app.login_demo(ADMIN).await;
    let acme = app.portal_id("acme").await;
    let path = format!("/api/v1/admin/portals/{}", acme);
    let res = app.get_as(&s.token, &path).await;
    let etag = res.headers()["etag"].to_str().expect("ascii").to_owned();
    let first = app
        .client
        .patch(app.url(&path))
        .bearer_auth(&s.token)
        .header("if-match", &etag)
        .json(&json!({"name": "Acme Hub"}))
        .send()
        .await
        .expect("sent");
    assert_eq!(first.status(), 200);
    assert_ne!(first.headers()["etag"].to_str().expect("ascii"), etag);
    let second = app
        .client
        .patch(app.url(&path))
        .bearer_auth(&s.token)
        .header("if-match", &etag)
        .json(&json!({"name": "Lost Update"}))
        .send()
        .await
        .expect("sent");
    assert_problem(second, 412, "precondition_failed").await;
    let now: serde_json::Value = app
        .get_as(&s.token, &path)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(now["name"], "Acme Hub");
}

async fn unpublishing_hides_the_portal_at_once(app: TestApp) {
    app.seed_demo().await;
    let s = app.login_demo(ADMIN).await;
    let acme = app.portal_id("acme").await;
    let res = app
        .client
        .patch(app.url(&format!("/api/v1/admin/portals/{}", acme)))
        .bearer_auth(&s.token)
        .json(&json!({"published": false}))
        .send()
        .await
        .expect("sent");
    assert_eq!(res.status(), 200);
    assert_problem(
        app.get("/api/v1/portals/acme/public").await,
        404,
        "not_found",
    )
    .await;
}

async fn an_embeddable_portal_names_its_embedders_in_frame_ancestors(app: TestApp) {
    app.seed_demo().await;
    let s = app.login_demo(ADMIN).await;
    let acme = app.portal_id("acme").await;
    app.client
        .patch(app.url(&format!("/api/v1/admin/portals/{}", acme)))
        .bearer_auth(&s.token)
        .json(&json!({"frame_ancestors": "https://crm.acme.example"}))
        .send()
        .await
        .expect("sent");
    let csp = app.get("/p/acme").await.headers()["content-security-policy"]
        .to_str()
        .expect("ascii")
        .to_owned();
    assert!(
        csp.ends_with("frame-ancestors https://crm.acme.example"),
        "{csp}"
    );
    let other = app.get("/p/partners").await.headers()["content-security-policy"]
        .to_str()
        .expect("ascii")
        .to_owned();
    assert!(other.ends_with("frame-ancestors 'none'"), "{other}");
}

async fn deactivation_ends_sessions_and_reactivation_restores_sign_in(app: TestApp) {
    app.seed_demo().await;
    let admin = app.login_demo(ADMIN).await;
    let partner = app.login_demo("partner@northwind.example").await;
    let id = users::find_by_email(&mut *app.conn().await, "partner@northwind.example")
        .await
        .expect("db")
        .expect("user")
        .id;
    let res = app
        .post_as(
            &admin.token,
            &format!("/api/v1/admin/users/{id}/deactivate"),
            &json!({}),
        )
        .await;
    assert_eq!(res.status(), 200);
    let body: serde_json::Value = res.json().await.expect("json");
    assert_eq!(body["status"], "deactivated");
    assert_eq!(app.get_as(&partner.token, "/api/v1/me").await.status(), 401);
    let sessions: serde_json::Value = app
        .get_as(&admin.token, &format!("/api/v1/admin/users/{id}/sessions"))
        .await
        .json()
        .await
        .expect("json");
    let first = &sessions["items"][0];
    assert_eq!(first["live"], false);
    assert_eq!(first["end_reason"], "deactivated");
    assert_eq!(first["ip"], "127.0.0.1");
    assert_eq!(
        app.post_as(
            &admin.token,
            &format!("/api/v1/admin/users/{id}/reactivate"),
            &json!({})
        )
        .await
        .status(),
        200
    );
    app.login_demo("partner@northwind.example").await;
}

async fn admins_cannot_deactivate_themselves(app: TestApp) {
    app.seed_demo().await;
    let admin = app.login_demo(ADMIN).await;
    let id = users::find_by_email(&mut *app.conn().await, ADMIN)
        .await
        .expect("db")
        .expect("user")
        .id;
    assert_problem(
        app.post_as(
            &admin.token,
            &format!("/api/v1/admin/users/{id}/deactivate"),
            &json!({}),
        )
        .await,
        409,
        "conflict",
    )
    .await;
}

async fn a_transfer_moves_the_user_and_ends_their_sessions(app: TestApp) {
    app.seed_demo().await;
    let admin = app.login_demo(ADMIN).await;
    let customer = app.login_demo("customer@globex.example").await;
    let user = users::find_by_email(&mut *app.conn().await, "customer@globex.example")
        .await
        .expect("db")
        .expect("user");
    let initech = app.account_id("Initech").await;
    let northwind = app.account_id("Northwind Partners").await;
    let path = format!("/api/v1/admin/users/{}/transfer", user.id);
    let problem = assert_problem(
        app.post_as(&admin.token, &path, &json!({"account_id": northwind}))
            .await,
        422,
        "validation_failed",
    )
    .await;
    assert_eq!(fields(&problem), ["account_id"]);
    let res = app
        .post_as(&admin.token, &path, &json!({"account_id": initech}))
        .await;
    assert_eq!(res.status(), 200);
    assert_eq!(
        app.get_as(&customer.token, "/api/v1/me").await.status(),
        401
    );
    let again = app.login_demo("customer@globex.example").await;
    let me: serde_json::Value = app
        .get_as(&again.token, "/api/v1/me")
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(me["account"]["name"], "Initech");
}

async fn an_access_expiry_in_the_past_ends_access_now(app: TestApp) {
    app.seed_demo().await;
    let admin = app.login_demo(ADMIN).await;
    let partner = app.login_demo("partner@contoso.example").await;
    let id = users::find_by_email(&mut *app.conn().await, "partner@contoso.example")
        .await
        .expect("db")
        .expect("user")
        .id;
    let path = format!("/api/v1/admin/users/{id}/access-expiry");
    let bad = app
        .client
        .put(app.url(&path))
        .bearer_auth(&admin.token)
        .json(&json!({"access_expires_at": "next tuesday"}))
        .send()
        .await
        .expect("sent");
    assert_eq!(
        fields(&assert_problem(bad, 422, "validation_failed").await),
        ["access_expires_at"]
    );
    let res = app
        .client
        .put(app.url(&path))
        .bearer_auth(&admin.token)
        .json(&json!({"access_expires_at": "2020-01-01T00:00:00Z"}))
        .send()
        .await
        .expect("sent");
    assert_eq!(res.status(), 200);
    assert_eq!(app.get_as(&partner.token, "/api/v1/me").await.status(), 401);
    assert_eq!(
        app.try_login(
            "partner@contoso.example",
            portcullis::seed::DEMO_PASSWORD,
            Some("partners")
        )
        .await
        .status(),
        401
    );
}

async fn an_admin_ends_one_session_of_a_user(app: TestApp) {
    app.seed_demo().await;
    let admin = app.login_demo(ADMIN).await;
    let phone = app.login_demo("partner@northwind.example").await;
    let laptop = app.login_demo("partner@northwind.example").await;
    let id = users::find_by_email(&mut *app.conn().await, "partner@northwind.example")
        .await
        .expect("db")
        .expect("user")
        .id;
    let sessions: serde_json::Value = app
        .get_as(&admin.token, &format!("/api/v1/admin/users/{id}/sessions"))
        .await
        .json()
        .await
        .expect("json");
    let newest = sessions["items"][0]["id"].as_str().expect("id").to_owned();
    let res = app
        .client
        .delete(app.url(&format!("/api/v1/admin/users/{id}/sessions/{newest}")))
        .bearer_auth(&admin.token)
        .send()
        .await
        .expect("sent");
    assert_eq!(res.status(), 204);
    assert_eq!(app.get_as(&laptop.token, "/api/v1/me").await.status(), 401);
    assert_eq!(app.get_as(&phone.token, "/api/v1/me").await.status(), 200);
    // Another user's session id under this user is not found.
    let admin_id = users::find_by_email(&mut *app.conn().await, ADMIN)
        .await
        .expect("db")
        .expect("user")
        .id;
    let res = app
        .client
        .delete(app.url(&format!("/api/v1/admin/users/{admin_id}/sessions/{newest}")))
        .bearer_auth(&admin.token)
        .send()
        .await
        .expect("sent");
    assert_problem(res, 404, "not_found").await;
}

async fn users_filter_by_portal_type_status_and_account(app: TestApp) {
    app.seed_demo().await;
    let admin = app.login_demo(ADMIN).await;
    let count = |v: serde_json::Value| v["items"].as_array().expect("items").len();
    let all: serde_json::Value = app
        .get_as(&admin.token, "/api/v1/admin/users")
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(count(all), 9);
    let partners: serde_json::Value = app
        .get_as(&admin.token, "/api/v1/admin/users?portal_type=partner")
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(count(partners), 3);
    let internal: serde_json::Value = app
        .get_as(
            &admin.token,
            "/api/v1/admin/users?portal_type=internal&role=admin",
        )
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(count(internal), 1);
    let globex = app.account_id("Globex Corporation").await;
    let of_globex: serde_json::Value = app
        .get_as(
            &admin.token,
            &format!("/api/v1/admin/users?account_id={globex}"),
        )
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(count(of_globex), 1);
    let page: serde_json::Value = app
        .get_as(&admin.token, "/api/v1/admin/users?limit=4")
        .await
        .json()
        .await
        .expect("json");
    let cursor = page["next_cursor"].as_str().expect("more pages").to_owned();
    let next: serde_json::Value = app
        .get_as(
            &admin.token,
            &format!("/api/v1/admin/users?limit=4&cursor={cursor}"),
        )
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(count(next.clone()), 4);
    assert_ne!(page["items"][0]["id"], next["items"][0]["id"]);
    let bad = app
        .get_as(
            &admin.token,
            "/api/v1/admin/users?status=sleeping&portal_type=robots",
        )
        .await;
    assert_eq!(
        fields(&assert_problem(bad, 422, "validation_failed").await),
        ["portal_type", "status"]
    );
}

async fn overrides_set_through_the_api_reach_the_users_permissions(app: TestApp) {
    app.seed_demo().await;
    let admin = app.login_demo(ADMIN).await;
    let globex = app.account_id("Globex Corporation").await;
    let res = app.client.put(app.url("/api/v1/admin/permissions")).bearer_auth(&admin.token)
        .json(&json!({"scope": "account", "scope_id": globex, "permission": "view_deal_value", "allowed": true})).send().await.expect("sent");
    assert_eq!(res.status(), 200);
    let matrix: serde_json::Value = res.json().await.expect("json");
    let row = matrix["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .find(|r| r["permission"] == "view_deal_value")
        .expect("row")
        .clone();
    assert_eq!(row["default"], false);
    assert_eq!(row["accounts"][&globex], true);
    let customer = app.login_demo("customer@globex.example").await;
    let me: serde_json::Value = app
        .get_as(&customer.token, "/api/v1/me")
        .await
        .json()
        .await
        .expect("json");
    assert!(
        me["permissions"]
            .as_array()
            .expect("perms")
            .contains(&json!("view_deal_value"))
    );
    let other = app.login_demo("customer@initech.example").await;
    let me: serde_json::Value = app
        .get_as(&other.token, "/api/v1/me")
        .await
        .json()
        .await
        .expect("json");
    assert!(
        !me["permissions"]
            .as_array()
            .expect("perms")
            .contains(&json!("view_deal_value")),
        "another account is unaffected"
    );
    // A partner permission cannot be set on a customer account.
    let res = app.client.put(app.url("/api/v1/admin/permissions")).bearer_auth(&admin.token)
        .json(&json!({"scope": "account", "scope_id": globex, "permission": "register_deals", "allowed": false})).send().await.expect("sent");
    assert_eq!(
        fields(&assert_problem(res, 422, "validation_failed").await),
        ["scope_id"]
    );
}

async fn the_audit_log_reads_filters_exports_and_verifies(app: TestApp) {
    app.seed_demo().await;
    app.try_login(ADMIN, "wrong-password-here", None).await;
    let admin = app.login_demo(ADMIN).await;
    let page: serde_json::Value = app
        .get_as(
            &admin.token,
            "/api/v1/admin/audit?action=auth.login&outcome=denied",
        )
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(page["items"].as_array().expect("items").len(), 1);
    let res = app
        .get_as(&admin.token, "/api/v1/admin/audit/export.csv")
        .await;
    assert!(
        res.headers()["content-type"]
            .to_str()
            .expect("ascii")
            .starts_with("text/csv")
    );
    let csv = res.text().await.expect("csv");
    assert!(csv.starts_with("seq,at,actor_id,actor_email,ip,user_agent,action"));
    assert_eq!(csv.lines().count(), 3, "{csv}");
    // The successful sign-in names its actor by email, in the list and in the export.
    assert!(csv.contains(&format!(",{ADMIN},")), "{csv}");
    let page: serde_json::Value = app
        .get_as(
            &admin.token,
            "/api/v1/admin/audit?action=auth.login&outcome=success",
        )
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(page["items"][0]["actor_email"], ADMIN);
    let v: serde_json::Value = app
        .get_as(&admin.token, "/api/v1/admin/audit/verify")
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(v["intact"], true);
    assert_eq!(v["checked"], 2);
    let bad = app
        .get_as(&admin.token, "/api/v1/admin/audit?since=yesterday")
        .await;
    assert_eq!(
        fields(&assert_problem(bad, 422, "validation_failed").await),
        ["since"]
    );
}

async fn an_account_edit_changes_only_what_it_names_and_checks_every_field(app: TestApp) {
    app.seed_demo().await;
    let admin = app.login_demo(ADMIN).await;
    let globex = app.account_id("Globex Corporation").await;
    let path = format!("/api/v1/admin/accounts/{globex}");
    let before: serde_json::Value = app
        .get_as(&admin.token, &path)
        .await
        .json()
        .await
        .expect("json");
    let res = app
        .client
        .patch(app.url(&path))
        .bearer_auth(&admin.token)
        .json(&json!({"region": "APAC", "domain": null}))
        .send()
        .await
        .expect("sent");
    assert_eq!(res.status(), 200);
    let after: serde_json::Value = res.json().await.expect("json");
    assert_eq!(after["region"], "APAC");
    assert_eq!(after["domain"], serde_json::Value::Null);
    assert_eq!(after["name"], before["name"], "untouched fields stay");
    // Every bad field is named and nothing is written.
    let res = app
        .client
        .patch(app.url(&path))
        .bearer_auth(&admin.token)
        .json(&json!({"name": " ", "domain": "Not A Domain", "parent_id": globex, "owner_user_id": "nobody"}))
        .send()
        .await
        .expect("sent");
    let problem = assert_problem(res, 422, "validation_failed").await;
    let mut named = fields(&problem);
    named.sort();
    named.dedup();
    assert_eq!(named, ["domain", "name", "owner_user_id", "parent_id"]);
    let unchanged: serde_json::Value = app
        .get_as(&admin.token, &path)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(unchanged, after);
    let missing = app
        .client
        .patch(app.url("/api/v1/admin/accounts/01900000-0000-7000-8000-000000000000"))
        .bearer_auth(&admin.token)
        .json(&json!({"region": "EMEA"}))
        .send()
        .await
        .expect("sent");
    assert_problem(missing, 404, "not_found").await;
}

async fn users_are_found_by_part_of_their_email_or_name(app: TestApp) {
    app.seed_demo().await;
    let admin = app.login_demo(ADMIN).await;
    let emails = |page: serde_json::Value| -> Vec<String> {
        page["items"]
            .as_array()
            .expect("items")
            .iter()
            .map(|u| u["email"].as_str().expect("email").to_owned())
            .collect()
    };
    let find = |q: &str| {
        let path = format!("/api/v1/admin/users?q={q}");
        let app = &app;
        let token = admin.token.clone();
        async move {
            app.get_as(&token, &path)
                .await
                .json::<serde_json::Value>()
                .await
                .expect("json")
        }
    };
    assert_eq!(
        emails(find("NORTHWIND").await),
        [
            "partner@northwind.example",
            "partner-admin@northwind.example"
        ]
    );
    assert_eq!(emails(find("gloria").await), ["customer@globex.example"]);
    // Wildcards are text, not patterns.
    assert_eq!(emails(find("%25").await), Vec::<String>::new());
    assert_eq!(emails(find("_").await), Vec::<String>::new());
}

on_both_backends!(
    a_created_portal_is_served_publicly_once_published,
    a_bad_portal_names_every_bad_field_and_writes_nothing,
    a_taken_slug_is_a_409,
    a_custom_domain_taken_by_another_portal_is_a_409_naming_it,
    an_update_with_a_stale_etag_is_refused,
    unpublishing_hides_the_portal_at_once,
    an_embeddable_portal_names_its_embedders_in_frame_ancestors,
    deactivation_ends_sessions_and_reactivation_restores_sign_in,
    admins_cannot_deactivate_themselves,
    a_transfer_moves_the_user_and_ends_their_sessions,
    an_access_expiry_in_the_past_ends_access_now,
    an_admin_ends_one_session_of_a_user,
    users_filter_by_portal_type_status_and_account,
    overrides_set_through_the_api_reach_the_users_permissions,
    the_audit_log_reads_filters_exports_and_verifies,
    an_account_edit_changes_only_what_it_names_and_checks_every_field,
    users_are_found_by_part_of_their_email_or_name,
);
