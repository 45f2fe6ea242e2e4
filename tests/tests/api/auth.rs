//! Sign-in, sessions, revocation and tokens.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use portcullis::seed::DEMO_PASSWORD;
use portcullis::storage::{sessions, users};
use portcullis_tests::{Session, TestApp, assert_problem, on_both_backends, session_from};

const ADMIN: &str = "admin@portcullis.example";
const CUSTOMER: &str = "customer@globex.example";
const PARTNER: &str = "partner@northwind.example";

async fn refresh(app: &TestApp, cookie: &str) -> reqwest::Response {
    app.client
        .post(app.url("/api/v1/auth/refresh"))
        .header("cookie", cookie)
        .send()
        .await
        .expect("sent")
}

async fn an_admin_signs_in_and_sees_themself(app: TestApp) {
    app.seed_demo().await;
    let res = app.try_login(ADMIN, DEMO_PASSWORD, None).await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["cache-control"], "no-store");
    let cookie = res.headers()["set-cookie"]
        .to_str()
        .expect("ascii")
        .to_owned();
    for attr in ["HttpOnly", "Secure", "SameSite=Strict", "Path=/api/v1/auth"] {
        assert!(cookie.contains(attr), "{cookie}");
    }
    let body: serde_json::Value = res.json().await.expect("json");
    assert_eq!(body["token_type"], "Bearer");
    assert!(body["expires_in"].as_u64().is_some_and(|s| s <= 900));
    let token = body["access_token"].as_str().expect("token");
    let me: serde_json::Value = app
        .get_as(token, "/api/v1/me")
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(me["user"]["email"], ADMIN);
    assert_eq!(me["user"]["role"], "admin");
    assert!(me["account"].is_null());
    assert_eq!(me["permissions"], serde_json::json!([]));
}

async fn emails_are_matched_case_insensitively(app: TestApp) {
    app.seed_demo().await;
    app.login("ADMIN@Portcullis.Example", DEMO_PASSWORD, None)
        .await;
}

async fn a_customer_signs_in_at_their_portal_with_the_default_permissions(app: TestApp) {
    app.seed_demo().await;
    let s = app.login_demo(CUSTOMER).await;
    let me: serde_json::Value = app
        .get_as(&s.token, "/api/v1/me")
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(me["user"]["role"], "customer_user");
    assert_eq!(me["account"]["name"], "Globex Corporation");
    assert_eq!(me["portal"]["slug"], "acme");
    // The portal's defaults, and deal values, which the demo grants the Globex account.
    assert_eq!(
        me["permissions"],
        serde_json::json!([
            "view_deal_status",
            "view_deal_value",
            "view_shared_documents",
            "post_messages",
            "submit_requests",
            "view_team_members"
        ])
    );
}

async fn overrides_resolve_user_over_account_over_portal(app: TestApp) {
    app.seed_demo().await;
    let partner = users::find_by_email(&mut *app.conn().await, PARTNER)
        .await
        .expect("db")
        .expect("user");
    let (account, portal) = (
        partner.account_id.expect("account"),
        partner.portal_id.expect("portal"),
    );
    for (kind, id, permission, allowed) in [
        ("portal", portal.as_str(), "export_reports", 1),
        ("account", account.as_str(), "export_reports", 0),
        ("user", partner.id.as_str(), "access_co_sell_workspace", 1),
        ("account", account.as_str(), "view_commissions", 0),
    ] {
        sqlx::query("INSERT INTO permission_overrides (scope_kind, scope_id, permission, allowed, updated_at) VALUES ($1, $2, $3, $4, 0)")
            .bind(kind)
            .bind(id)
            .bind(permission)
            .bind(allowed as i64)
            .execute(&app.db.pool)
            .await
            .expect("insert");
    }
    let s = app.login_demo(PARTNER).await;
    let me: serde_json::Value = app
        .get_as(&s.token, "/api/v1/me")
        .await
        .json()
        .await
        .expect("json");
    let perms: Vec<&str> = me["permissions"]
        .as_array()
        .expect("array")
        .iter()
        .map(|p| p.as_str().expect("str"))
        .collect();
    assert!(perms.contains(&"access_co_sell_workspace"));
    assert!(
        !perms.contains(&"export_reports"),
        "the account override beats the portal's"
    );
    assert!(!perms.contains(&"view_commissions"));
    assert!(perms.contains(&"register_deals"));
}

async fn external_users_sign_in_only_at_their_own_portal(app: TestApp) {
    app.seed_demo().await;
    for portal in [None, Some("partners"), Some("nope")] {
        assert_problem(
            app.try_login(CUSTOMER, DEMO_PASSWORD, portal).await,
            401,
            "unauthenticated",
        )
        .await;
    }
}

async fn a_wrong_password_and_an_unknown_email_get_the_same_answer(app: TestApp) {
    app.seed_demo().await;
    let wrong = assert_problem(
        app.try_login(ADMIN, "not-the-password", None).await,
        401,
        "unauthenticated",
    )
    .await;
    let unknown = assert_problem(
        app.try_login("ghost@portcullis.example", DEMO_PASSWORD, None)
            .await,
        401,
        "unauthenticated",
    )
    .await;
    assert_eq!(wrong, unknown);
}

async fn a_request_without_a_token_is_401_with_a_challenge(app: TestApp) {
    let res = app.get("/api/v1/me").await;
    assert_eq!(
        res.headers()["www-authenticate"],
        "Bearer realm=\"portcullis\""
    );
    assert_problem(res, 401, "unauthenticated").await;
}

fn forge(header: serde_json::Value, claims: serde_json::Value, signature: &str) -> String {
    format!(
        "{}.{}.{}",
        URL_SAFE_NO_PAD.encode(header.to_string()),
        URL_SAFE_NO_PAD.encode(claims.to_string()),
        signature
    )
}

fn claims_of(token: &str) -> serde_json::Value {
    let payload = token.split('.').nth(1).expect("payload");
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).expect("base64")).expect("json")
}

async fn forged_and_tampered_tokens_are_refused(app: TestApp) {
    app.seed_demo().await;
    let s = app.login_demo(ADMIN).await;
    let claims = claims_of(&s.token);
    let sign = |claims: &serde_json::Value, key: &[u8], alg: jsonwebtoken::Algorithm| {
        jsonwebtoken::encode(
            &jsonwebtoken::Header::new(alg),
            claims,
            &jsonwebtoken::EncodingKey::from_secret(key),
        )
        .expect("sign")
    };
    let mut expired = claims.clone();
    expired["exp"] = serde_json::json!(1_000_000);
    let mut wrong_aud = claims.clone();
    wrong_aud["aud"] = serde_json::json!("someone-else");
    let mut wrong_iss = claims.clone();
    wrong_iss["iss"] = serde_json::json!("evil");
    let signature = s.token.rsplit('.').next().expect("sig").to_owned();
    let cases = [
        (
            "alg none",
            forge(
                serde_json::json!({"alg": "none", "typ": "JWT"}),
                claims.clone(),
                "",
            ),
        ),
        (
            "alg none with the real signature",
            forge(
                serde_json::json!({"alg": "none", "typ": "JWT"}),
                claims.clone(),
                &signature,
            ),
        ),
        (
            "wrong key",
            sign(
                &claims,
                b"not-the-server-key-not-the-server-key",
                jsonwebtoken::Algorithm::HS256,
            ),
        ),
        (
            "other algorithm",
            sign(
                &claims,
                b"not-the-server-key-not-the-server-key",
                jsonwebtoken::Algorithm::HS512,
            ),
        ),
        ("garbage", "not.a.token".to_owned()),
    ];
    for (what, token) in cases {
        let res = app.get_as(&token, "/api/v1/me").await;
        assert_eq!(res.status(), 401, "{what}");
    }
    // Valid signatures with bad claims: sign with the server's own key.
    let secret: String =
        sqlx::query_scalar("SELECT value FROM server_secrets WHERE name = 'jwt_hs256'")
            .fetch_one(&app.db.pool)
            .await
            .expect("secret");
    let key = URL_SAFE_NO_PAD.decode(secret).expect("base64");
    assert_eq!(
        app.get_as(
            &sign(&claims, &key, jsonwebtoken::Algorithm::HS256),
            "/api/v1/me"
        )
        .await
        .status(),
        200,
        "control: a well-signed token works"
    );
    for (what, c) in [
        ("expired", expired),
        ("wrong audience", wrong_aud),
        ("wrong issuer", wrong_iss),
    ] {
        let res = app
            .get_as(
                &sign(&c, &key, jsonwebtoken::Algorithm::HS256),
                "/api/v1/me",
            )
            .await;
        assert_eq!(res.status(), 401, "{what}");
    }
}

async fn a_token_is_dead_right_after_logout(app: TestApp) {
    app.seed_demo().await;
    let s = app.login_demo(ADMIN).await;
    let res = app
        .client
        .post(app.url("/api/v1/auth/logout"))
        .bearer_auth(&s.token)
        .send()
        .await
        .expect("sent");
    assert_eq!(res.status(), 204);
    assert_problem(
        app.get_as(&s.token, "/api/v1/me").await,
        401,
        "unauthenticated",
    )
    .await;
    assert_eq!(refresh(&app, &s.refresh_cookie).await.status(), 401);
}

async fn logout_everywhere_ends_every_session_of_the_user(app: TestApp) {
    app.seed_demo().await;
    let a = app.login_demo(PARTNER).await;
    let b = app.login_demo(PARTNER).await;
    let other = app.login_demo("partner-admin@northwind.example").await;
    let res = app
        .client
        .post(app.url("/api/v1/auth/logout-all"))
        .bearer_auth(&a.token)
        .send()
        .await
        .expect("sent");
    assert_eq!(res.status(), 204);
    assert_eq!(app.get_as(&a.token, "/api/v1/me").await.status(), 401);
    assert_eq!(app.get_as(&b.token, "/api/v1/me").await.status(), 401);
    assert_eq!(
        app.get_as(&other.token, "/api/v1/me").await.status(),
        200,
        "other users keep their sessions"
    );
}

async fn deactivation_takes_effect_on_the_next_request(app: TestApp) {
    app.seed_demo().await;
    let s = app.login_demo(CUSTOMER).await;
    assert_eq!(app.get_as(&s.token, "/api/v1/me").await.status(), 200);
    let user = users::find_by_email(&mut *app.conn().await, CUSTOMER)
        .await
        .expect("db")
        .expect("user");
    users::set_status(
        &mut *app.conn().await,
        &portcullis::storage::UserScope::All,
        &user.id,
        users::UserStatus::Deactivated,
    )
    .await
    .expect("deactivate");
    assert_eq!(app.get_as(&s.token, "/api/v1/me").await.status(), 401);
    assert_eq!(refresh(&app, &s.refresh_cookie).await.status(), 401);
    assert_eq!(
        app.try_login(CUSTOMER, DEMO_PASSWORD, Some("acme"))
            .await
            .status(),
        401
    );
}

async fn access_expiry_ends_access(app: TestApp) {
    app.seed_demo().await;
    let s = app.login_demo(PARTNER).await;
    sqlx::query("UPDATE users SET access_expires_at = 1 WHERE email_normalized = $1")
        .bind(PARTNER)
        .execute(&app.db.pool)
        .await
        .expect("update");
    assert_eq!(app.get_as(&s.token, "/api/v1/me").await.status(), 401);
}

async fn an_idle_session_times_out(app: TestApp) {
    app.seed_demo().await;
    let s = app.login_demo(CUSTOMER).await;
    // 31 minutes of silence, against the portal's default 30-minute idle timeout.
    sqlx::query("UPDATE sessions SET last_seen_at = last_seen_at - 1860000000")
        .execute(&app.db.pool)
        .await
        .expect("update");
    assert_eq!(app.get_as(&s.token, "/api/v1/me").await.status(), 401);
}

async fn refresh_rotates_and_reuse_ends_the_session(app: TestApp) {
    app.seed_demo().await;
    let first: Session = app.login_demo(ADMIN).await;
    let res = refresh(&app, &first.refresh_cookie).await;
    assert_eq!(res.status(), 200);
    let second = session_from(res).await;
    assert_ne!(second.refresh_cookie, first.refresh_cookie);
    assert_eq!(app.get_as(&second.token, "/api/v1/me").await.status(), 200);
    // The old refresh token again: theft is assumed and the whole session ends.
    assert_eq!(refresh(&app, &first.refresh_cookie).await.status(), 401);
    assert_eq!(app.get_as(&second.token, "/api/v1/me").await.status(), 401);
    assert_eq!(refresh(&app, &second.refresh_cookie).await.status(), 401);
}

async fn refresh_without_a_cookie_is_401(app: TestApp) {
    assert_problem(
        refresh(&app, "portcullis_refresh=garbage").await,
        401,
        "unauthenticated",
    )
    .await;
    let res = app
        .client
        .post(app.url("/api/v1/auth/refresh"))
        .send()
        .await
        .expect("sent");
    assert_problem(res, 401, "unauthenticated").await;
}

async fn only_hashes_of_session_secrets_are_stored(app: TestApp) {
    app.seed_demo().await;
    let s = app.login_demo(ADMIN).await;
    let sid = claims_of(&s.token)["sid"].as_str().expect("sid").to_owned();
    assert!(
        URL_SAFE_NO_PAD.decode(&sid).expect("base64").len() >= 16,
        "at least 128 bits"
    );
    let stored: Vec<String> = sqlx::query_scalar("SELECT token_hash FROM sessions")
        .fetch_all(&app.db.pool)
        .await
        .expect("rows");
    assert_eq!(stored.len(), 1);
    assert_ne!(stored[0], sid);
    let live = sessions::live(
        &mut *app.conn().await,
        &portcullis::auth::tokens::hash_token(&sid),
        portcullis::time::now(),
    )
    .await
    .expect("db");
    assert!(live.is_some());
}

async fn create_admin_refuses_weak_passwords_and_duplicates(app: TestApp) {
    use portcullis::admin::create_admin;
    assert!(
        create_admin(&app.db, "root@acme.example", "Root", "short")
            .await
            .is_err()
    );
    assert!(
        create_admin(&app.db, "root@acme.example", "Root", "password1234")
            .await
            .is_err()
    );
    assert!(
        create_admin(&app.db, "not-an-email", "Root", "lantern-orbit-quietly-47")
            .await
            .is_err()
    );
    create_admin(
        &app.db,
        "root@acme.example",
        "Root",
        "lantern-orbit-quietly-47",
    )
    .await
    .expect("created");
    assert!(
        create_admin(
            &app.db,
            "ROOT@acme.example",
            "Root",
            "lantern-orbit-quietly-47"
        )
        .await
        .is_err()
    );
    app.login("root@acme.example", "lantern-orbit-quietly-47", None)
        .await;
}

on_both_backends!(
    an_admin_signs_in_and_sees_themself,
    emails_are_matched_case_insensitively,
    a_customer_signs_in_at_their_portal_with_the_default_permissions,
    overrides_resolve_user_over_account_over_portal,
    external_users_sign_in_only_at_their_own_portal,
    a_wrong_password_and_an_unknown_email_get_the_same_answer,
    a_request_without_a_token_is_401_with_a_challenge,
    forged_and_tampered_tokens_are_refused,
    a_token_is_dead_right_after_logout,
    logout_everywhere_ends_every_session_of_the_user,
    deactivation_takes_effect_on_the_next_request,
    access_expiry_ends_access,
    an_idle_session_times_out,
    refresh_rotates_and_reuse_ends_the_session,
    refresh_without_a_cookie_is_401,
    only_hashes_of_session_secrets_are_stored,
    create_admin_refuses_weak_passwords_and_duplicates,
);
