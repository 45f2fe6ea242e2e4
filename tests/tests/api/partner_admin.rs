//! Partner administrators manage their own organisation's portal users, and only those.

use portcullis::storage::users;
use portcullis_tests::{TestApp, assert_problem, on_both_backends};
use serde_json::{Value, json};

const PARTNER_ADMIN: &str = "partner-admin@northwind.example";
const COLLEAGUE: &str = "partner@northwind.example";
const OTHER_PARTNER: &str = "partner@contoso.example";

async fn id_of(app: &TestApp, email: &str) -> String {
    users::find_by_email(&mut *app.conn().await, email)
        .await
        .expect("db")
        .expect("user")
        .id
}

async fn a_partner_admin_lists_only_their_organisation(app: TestApp) {
    app.seed_demo().await;
    let admin = app.login_demo(PARTNER_ADMIN).await;
    let page: Value = app
        .get_as(&admin.token, "/api/v1/admin/users")
        .await
        .json()
        .await
        .expect("json");
    let own_account = users::find_by_email(&mut *app.conn().await, PARTNER_ADMIN)
        .await
        .expect("db")
        .expect("user")
        .account_id;
    let items = page["items"].as_array().expect("items");
    let emails: Vec<&str> = items.iter().filter_map(|u| u["email"].as_str()).collect();
    assert!(emails.contains(&COLLEAGUE) && emails.contains(&PARTNER_ADMIN));
    assert!(!emails.contains(&OTHER_PARTNER), "{emails:?}");
    assert!(
        items
            .iter()
            .all(|u| u["account_id"].as_str() == own_account.as_deref()),
        "every listed user is in the caller's organisation"
    );
    // Asking for another organisation by filter still finds no one outside their own.
    let contoso = users::find_by_email(&mut *app.conn().await, OTHER_PARTNER)
        .await
        .expect("db")
        .expect("user")
        .account_id
        .expect("account");
    let page: Value = app
        .get_as(
            &admin.token,
            &format!("/api/v1/admin/users?account_id={contoso}"),
        )
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(page["items"], json!([]));
    // Another organisation's user is not there at all.
    let other = id_of(&app, OTHER_PARTNER).await;
    for path in [
        format!("/api/v1/admin/users/{other}"),
        format!("/api/v1/admin/users/{other}/sessions"),
    ] {
        assert_problem(app.get_as(&admin.token, &path).await, 404, "not_found").await;
    }
    let res = app
        .post_as(
            &admin.token,
            &format!("/api/v1/admin/users/{other}/deactivate"),
            &json!({}),
        )
        .await;
    assert_problem(res, 404, "not_found").await;
    let other_row = users::find_by_id(&mut *app.conn().await, &other)
        .await
        .expect("db")
        .expect("user");
    assert_eq!(
        other_row.status,
        users::UserStatus::Active,
        "nothing written"
    );
}

async fn a_partner_admin_deactivates_a_colleague_who_loses_access_at_once(app: TestApp) {
    app.seed_demo().await;
    let admin = app.login_demo(PARTNER_ADMIN).await;
    let colleague = app.login_demo(COLLEAGUE).await;
    assert_eq!(
        app.get_as(&colleague.token, "/api/v1/me").await.status(),
        200
    );
    let id = id_of(&app, COLLEAGUE).await;
    let res = app
        .post_as(
            &admin.token,
            &format!("/api/v1/admin/users/{id}/deactivate"),
            &json!({}),
        )
        .await;
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.expect("json");
    assert_eq!(body["status"], "deactivated");
    assert_eq!(
        app.get_as(&colleague.token, "/api/v1/me").await.status(),
        401
    );
    let res = app
        .post_as(
            &admin.token,
            &format!("/api/v1/admin/users/{id}/reactivate"),
            &json!({}),
        )
        .await;
    assert_eq!(res.status(), 200);
    // Administration beyond their organisation's users stays closed to them.
    for path in [
        format!("/api/v1/admin/users/{id}/view-as"),
        format!("/api/v1/admin/users/{id}/transfer"),
    ] {
        let res = app
            .post_as(&admin.token, &path, &json!({"account_id": "x"}))
            .await;
        assert_problem(res, 403, "forbidden").await;
    }
}

async fn a_partner_admin_invites_only_partner_users_into_their_organisation(app: TestApp) {
    app.seed_demo().await;
    let admin = app.login_demo(PARTNER_ADMIN).await;
    let me = users::find_by_email(&mut *app.conn().await, PARTNER_ADMIN)
        .await
        .expect("db")
        .expect("user");
    let res = app
        .post_as(
            &admin.token,
            "/api/v1/admin/invitations",
            &json!({"emails": ["new.rep@northwind.example"], "role": "partner_user"}),
        )
        .await;
    assert_eq!(res.status(), 200);
    let invited = users::find_by_email(&mut *app.conn().await, "new.rep@northwind.example")
        .await
        .expect("db")
        .expect("user");
    assert_eq!(
        invited.account_id, me.account_id,
        "joins the caller's organisation"
    );
    assert_eq!(invited.portal_id, me.portal_id, "at the caller's portal");
    assert_eq!(invited.status, users::UserStatus::Invited);
    // A customer role, or someone else's organisation, is refused and writes nothing.
    let contoso = users::find_by_email(&mut *app.conn().await, OTHER_PARTNER)
        .await
        .expect("db")
        .expect("user")
        .account_id;
    let res = app
        .post_as(
            &admin.token,
            "/api/v1/admin/invitations",
            &json!({"emails": ["sneaky@contoso.example"], "role": "admin", "account_id": contoso}),
        )
        .await;
    let body = assert_problem(res, 422, "validation_failed").await;
    let fields: Vec<&str> = body["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .filter_map(|e| e["field"].as_str())
        .collect();
    assert_eq!(fields, ["role", "account_id"]);
    assert!(
        users::find_by_email(&mut *app.conn().await, "sneaky@contoso.example")
            .await
            .expect("db")
            .is_none()
    );
    // An address that belongs to another organisation is reported without naming its user.
    let res = app
        .post_as(
            &admin.token,
            "/api/v1/admin/invitations",
            &json!({"emails": [OTHER_PARTNER], "role": "partner_user"}),
        )
        .await;
    let body: Value = res.json().await.expect("json");
    assert_eq!(body["results"][0]["status"], "already_exists");
    assert_eq!(body["results"][0]["user_id"], "");
}

on_both_backends!(
    a_partner_admin_lists_only_their_organisation,
    a_partner_admin_deactivates_a_colleague_who_loses_access_at_once,
    a_partner_admin_invites_only_partner_users_into_their_organisation,
);
