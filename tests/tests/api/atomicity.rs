//! Every multi-step use case is one transaction: when its last step (the audit entry) fails,
//! nothing of it remains — no user, invitation, email, job, status change or ended session —
//! and the refused attempt itself is still audited.

use portcullis_tests::{TestApp, on_both_backends};
use serde_json::json;

const ADMIN: &str = "admin@portcullis.example";

/// Everything a use case may have changed: row counts, and who is active where with how many
/// live sessions.
async fn state(
    app: &TestApp,
) -> (
    Vec<(&'static str, i64)>,
    Vec<(String, String, Option<String>)>,
    i64,
) {
    let users: Vec<(String, String, Option<String>)> =
        sqlx::query_as("SELECT id, status, account_id FROM users ORDER BY id")
            .fetch_all(&app.db.pool)
            .await
            .expect("users");
    let live: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM sessions WHERE ended_at IS NULL")
        .fetch_one(&app.db.pool)
        .await
        .expect("sessions");
    (app.row_counts().await, users, live)
}

/// Runs `attempt` with the audit entry of `action` failing: the answer is a 500, the state
/// is exactly as before, and the only new audit entry records the failed request. Then,
/// healed, the same attempt succeeds.
async fn leaves_nothing_behind<F, Fut>(app: &TestApp, action: &str, attempt: F)
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = reqwest::Response>,
{
    let before = state(app).await;
    let trail_before = app.audit_trail().await;
    app.fail_audit_of(action).await;
    let res = attempt().await;
    assert_eq!(res.status(), 500, "{action} with its audit entry failing");
    assert_eq!(state(app).await, before, "{action} left a partial write");
    let trail = app.audit_trail().await;
    let added = &trail[trail_before.len()..];
    assert_eq!(added.len(), 1, "{action}: {added:?}");
    assert_eq!(added[0].1, "failure");
    assert!(
        !trail.iter().any(|(a, _)| a == action),
        "{action} was recorded"
    );
    app.heal().await;
    let res = attempt().await;
    assert!(
        res.status().is_success(),
        "{action} once healed: {}",
        res.status()
    );
    assert!(
        app.audit_trail()
            .await
            .iter()
            .any(|(a, o)| a == action && o == "success")
    );
}

async fn bulk_invitations_commit_whole_or_not_at_all(app: TestApp) {
    app.seed_demo().await;
    let admin = app.login_demo(ADMIN).await;
    let account = app.account_id("Northwind Partners").await;
    let portal = app.portal_id("partners").await;
    let body = json!({
        "emails": ["one@northwind.example", "two@northwind.example", "three@northwind.example"],
        "role": "partner_user", "account_id": account, "portal_id": portal
    });
    leaves_nothing_behind(&app, "user.invite", || {
        app.post_as(&admin.token, "/api/v1/admin/invitations", &body)
    })
    .await;
}

async fn a_csv_import_commits_whole_or_not_at_all(app: TestApp) {
    app.seed_demo().await;
    let admin = app.login_demo(ADMIN).await;
    let account = app.account_id("Northwind Partners").await;
    let portal = app.portal_id("partners").await;
    let url = app.url(&format!(
        "/api/v1/admin/invitations/import?role=partner_user&account_id={account}&portal_id={portal}"
    ));
    let csv = "email,name\nann@northwind.example,Ann\nbob@northwind.example,Bob\nnot-an-email,X\n";
    leaves_nothing_behind(&app, "user.import", || async {
        app.client
            .post(&url)
            .bearer_auth(&admin.token)
            .header("content-type", "text/csv")
            .body(csv)
            .send()
            .await
            .expect("sent")
    })
    .await;
}

async fn approving_an_access_request_commits_whole_or_not_at_all(app: TestApp) {
    app.seed_demo().await;
    let admin = app.login_demo(ADMIN).await;
    let portal = app.portal_id("partners").await;
    let res = app
        .client
        .patch(app.url(&format!("/api/v1/admin/portals/{portal}")))
        .bearer_auth(&admin.token)
        .json(&json!({"self_registration": true}))
        .send()
        .await
        .expect("sent");
    assert_eq!(res.status(), 200);
    let res = app
        .client
        .post(app.url("/api/v1/portals/partners/access-requests"))
        .json(&json!({"email": "rae@fabrikam.example", "name": "Rae", "company": "Fabrikam"}))
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
    let id = list["items"][0]["id"]
        .as_str()
        .expect("a request")
        .to_owned();
    let account = app.account_id("Northwind Partners").await;
    let body = json!({"role": "partner_user", "account_id": account});
    let path = format!("/api/v1/admin/access-requests/{id}/approve");
    leaves_nothing_behind(&app, "access_request.approve", || {
        app.post_as(&admin.token, &path, &body)
    })
    .await;
}

async fn bulk_deactivation_commits_whole_or_not_at_all(app: TestApp) {
    app.seed_demo().await;
    let admin = app.login_demo(ADMIN).await;
    // Both have live sessions, which a deactivation would end.
    app.login_demo("partner@northwind.example").await;
    app.login_demo("customer@globex.example").await;
    let ids = json!({"user_ids": [
        app.user_id("partner@northwind.example").await,
        app.user_id("customer@globex.example").await,
    ]});
    leaves_nothing_behind(&app, "user.bulk_deactivate", || {
        app.post_as(&admin.token, "/api/v1/admin/users/deactivate", &ids)
    })
    .await;
}

async fn a_transfer_commits_whole_or_not_at_all(app: TestApp) {
    app.seed_demo().await;
    let admin = app.login_demo(ADMIN).await;
    app.login_demo("customer@globex.example").await;
    let user = app.user_id("customer@globex.example").await;
    let target = json!({"account_id": app.account_id("Initech").await});
    let path = format!("/api/v1/admin/users/{user}/transfer");
    leaves_nothing_behind(&app, "user.transfer", || {
        app.post_as(&admin.token, &path, &target)
    })
    .await;
}

/// Everything about a deal a change may touch, beyond row counts.
async fn deal_state(app: &TestApp, id: &str) -> (i64, i64, i64, i64) {
    sqlx::query_as("SELECT shared, amount_shared, version, updated_at FROM deals WHERE id = $1")
        .bind(id)
        .fetch_one(&app.db.pool)
        .await
        .expect("the deal")
}

async fn sharing_a_deal_and_inviting_its_contacts_commits_whole_or_not_at_all(app: TestApp) {
    app.seed_demo().await;
    let rep = app.login_demo("rep@portcullis.example").await;
    let id: String =
        sqlx::query_scalar("SELECT id FROM deals WHERE external_id = 'demo-initech-security'")
            .fetch_one(&app.db.pool)
            .await
            .expect("the deal");
    let initech = app.account_id("Initech").await;
    let contact: String = sqlx::query_scalar(
        "SELECT id FROM contacts WHERE account_id = $1 AND email = 'peter@initech.example'",
    )
    .bind(&initech)
    .fetch_one(&app.db.pool)
    .await
    .expect("the contact");
    let res = app
        .post_as(
            &rep.token,
            &format!("/api/v1/deals/{id}/contacts"),
            &json!({"contact_id": contact}),
        )
        .await;
    assert_eq!(res.status(), 200);
    let before = deal_state(&app, &id).await;
    let path = format!("/api/v1/deals/{id}/share");
    let body = json!({"amount_shared": true, "invite_contacts": true});
    leaves_nothing_behind(&app, "deal.share", || app.post_as(&rep.token, &path, &body)).await;
    // Once healed it went through: shared, with a new version, and the contact invited.
    let after = deal_state(&app, &id).await;
    assert_eq!((after.0, after.1), (1, 1));
    assert_eq!(after.2, before.2 + 1);
}

async fn a_deal_edit_commits_whole_or_not_at_all(app: TestApp) {
    app.seed_demo().await;
    let admin = app.login_demo(ADMIN).await;
    let id: String =
        sqlx::query_scalar("SELECT id FROM deals WHERE external_id = 'demo-globex-support'")
            .fetch_one(&app.db.pool)
            .await
            .expect("the deal");
    let before = deal_state(&app, &id).await;
    let path = format!("/api/v1/deals/{id}");
    let attempt = || {
        app.client
            .patch(app.url(&path))
            .bearer_auth(&admin.token)
            .header("if-match", format!("\"v{}\"", before.2))
            .json(&json!({"expected_close_date": "2027-03-31", "next_steps": "Board approval"}))
            .send()
    };
    leaves_nothing_behind(&app, "deal.update", || async {
        attempt().await.expect("sent")
    })
    .await;
    assert_eq!(deal_state(&app, &id).await.2, before.2 + 1);
}

fn prospect(company: &str, website: &str) -> serde_json::Value {
    json!({
        "company": company, "website": website, "contact_name": "Pat Buyer",
        "contact_email": "pat@buyer.example", "amount": {"minor": 990_000, "currency": "USD"},
        "product_interest": "Portal", "expected_close_date": "2031-01-31", "description": "A prospect."
    })
}

/// A registration submitted with a receipt, keys, notice and email — and, with conversion on
/// submit, a new customer account and deal — is all there or none of it is.
async fn a_registration_commits_whole_or_not_at_all(app: TestApp) {
    app.seed_demo().await;
    let admin = app.login_demo(ADMIN).await;
    let portal = app.portal_id("partners").await;
    let res = app
        .client
        .put(app.url(&format!("/api/v1/portals/{portal}/programme")))
        .bearer_auth(&admin.token)
        .json(&json!({"protection_days": 60, "conversion": "on_submit"}))
        .send()
        .await
        .expect("sent");
    assert_eq!(res.status(), 200);
    let partner = app.login_demo("partner@northwind.example").await;
    let body = prospect("Atomic Widgets GmbH", "atomic-widgets.de");
    leaves_nothing_behind(&app, "registration.submit", || async {
        app.client
            .post(app.url("/api/v1/registrations"))
            .bearer_auth(&partner.token)
            .header("Idempotency-Key", "atomic-1")
            .json(&body)
            .send()
            .await
            .expect("sent")
    })
    .await;
}

/// An approval that creates the account and the deal, links the partner, starts protection
/// and notifies is all there or none of it is.
async fn approving_a_registration_commits_whole_or_not_at_all(app: TestApp) {
    app.seed_demo().await;
    let partner = app.login_demo("partner@northwind.example").await;
    let res = app
        .post_as(
            &partner.token,
            "/api/v1/registrations",
            &prospect("Atomic Approvals Ltd", "atomic-approvals.co.uk"),
        )
        .await;
    assert_eq!(res.status(), 201);
    let id = res.json::<serde_json::Value>().await.expect("json")["registration"]["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let channel = app.login_demo("channel@portcullis.example").await;
    leaves_nothing_behind(&app, "registration.approve", || async {
        app.post_as(
            &channel.token,
            &format!("/api/v1/registrations/{id}/approve"),
            &json!({}),
        )
        .await
    })
    .await;
}

on_both_backends!(
    a_registration_commits_whole_or_not_at_all,
    approving_a_registration_commits_whole_or_not_at_all,
    sharing_a_deal_and_inviting_its_contacts_commits_whole_or_not_at_all,
    a_deal_edit_commits_whole_or_not_at_all,
    bulk_invitations_commit_whole_or_not_at_all,
    a_csv_import_commits_whole_or_not_at_all,
    approving_an_access_request_commits_whole_or_not_at_all,
    bulk_deactivation_commits_whole_or_not_at_all,
    a_transfer_commits_whole_or_not_at_all,
);
