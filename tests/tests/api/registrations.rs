//! The partner programme through the API: registering with the live conflict check and a
//! signed receipt, idempotent submission, the decisions and their rules, what a partner is
//! (and is never) told about another partner, two submissions of one prospect at once,
//! referrals and their automatic attribution, the protection sweep, and who may call what.

use portcullis::app::Operator;
use portcullis_shared::Role;
use portcullis_tests::demo::caller;
use portcullis_tests::{TestApp, assert_problem, on_both_backends};
use reqwest::Method;
use serde_json::{Value, json};

const NORTHWIND: &str = "partner@northwind.example";
const CONTOSO: &str = "partner@contoso.example";
const CHANNEL: &str = "channel@portcullis.example";
const ADMIN: &str = "admin@portcullis.example";

fn prospect(company: &str, website: &str) -> Value {
    json!({
        "company": company,
        "website": website,
        "contact_name": "Pat Buyer",
        "contact_email": "pat@buyer.example",
        "contact_phone": "+44 20 7946 0000",
        "amount": {"minor": 4_500_000, "currency": "EUR"},
        "product_interest": "Portal Enterprise",
        "expected_close_date": "2030-06-30",
        "description": "Replacing their spreadsheet-based partner process."
    })
}

async fn send(
    app: &TestApp,
    method: Method,
    token: Option<&str>,
    path: &str,
    body: Option<&Value>,
) -> reqwest::Response {
    let mut req = app.client.request(method, app.url(path));
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    if let Some(b) = body {
        req = req.json(b);
    }
    req.send().await.expect("sent")
}

async fn ok_json(res: reqwest::Response) -> Value {
    let status = res.status();
    let url = res.url().to_string();
    let body = res.text().await.expect("body");
    assert!(status.is_success(), "{url}: {status} {body}");
    serde_json::from_str(&body).expect("json")
}

async fn token(app: &TestApp, email: &str) -> String {
    app.session_for(email).await.token
}

/// Submits a registration as `email`; returns the answer.
async fn register(app: &TestApp, email: &str, company: &str, website: &str) -> Value {
    let t = token(app, email).await;
    ok_json(
        app.post_as(&t, "/api/v1/registrations", &prospect(company, website))
            .await,
    )
    .await
}

async fn registration_flow(app: TestApp) {
    app.seed_demo().await;
    let northwind = token(&app, NORTHWIND).await;
    let contoso = token(&app, CONTOSO).await;
    let channel = token(&app, CHANNEL).await;

    // Typing a new prospect: nothing known.
    let v = ok_json(app.get_as(&northwind, "/api/v1/registrations/check?company=Umbrella%20Holdings%20GmbH&website=https://www.umbrella-corp.de/").await).await;
    assert_eq!(v["conflict"], "none", "{v}");

    // Submitting: 201, the registration, and a receipt that verifies.
    let res = app
        .client
        .post(app.url("/api/v1/registrations"))
        .bearer_auth(&northwind)
        .header("Idempotency-Key", "nw-umbrella-1")
        .json(&prospect(
            "Umbrella Holdings GmbH",
            "https://www.umbrella-holdings.de/",
        ))
        .send()
        .await
        .expect("sent");
    assert_eq!(res.status(), 201);
    let first = ok_json(res).await;
    let id = first["registration"]["id"].as_str().expect("id").to_owned();
    assert_eq!(first["registration"]["status"], "submitted");
    assert_eq!(first["registration"]["domain"], "umbrella-holdings.de");
    assert_eq!(first["registration"]["conflict"]["conflict"], "none");
    let verified = ok_json(
        app.client
            .post(app.url("/api/v1/receipts/verify"))
            .json(&first["receipt"])
            .send()
            .await
            .expect("sent"),
    )
    .await;
    assert_eq!(verified["valid"], true, "{verified}");
    assert_eq!(first["receipt"]["subject_id"], id.as_str());

    // The same key and body: the first result again (200), nothing new written.
    let res = app
        .client
        .post(app.url("/api/v1/registrations"))
        .bearer_auth(&northwind)
        .header("Idempotency-Key", "nw-umbrella-1")
        .json(&prospect(
            "Umbrella Holdings GmbH",
            "https://www.umbrella-holdings.de/",
        ))
        .send()
        .await
        .expect("sent");
    assert_eq!(res.status(), 200);
    let replay = ok_json(res).await;
    assert_eq!(replay["registration"]["id"], id.as_str());
    assert_eq!(replay["receipt"], first["receipt"]);
    // The same key with another body: 422.
    let res = app
        .client
        .post(app.url("/api/v1/registrations"))
        .bearer_auth(&northwind)
        .header("Idempotency-Key", "nw-umbrella-1")
        .json(&prospect("Umbrella Retail", "umbrella-retail.de"))
        .send()
        .await
        .expect("sent");
    let problem = assert_problem(res, 422, "validation_failed").await;
    assert_eq!(problem["errors"][0]["field"], "Idempotency-Key");
    let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM registrations")
        .fetch_one(&app.db.pool)
        .await
        .expect("count");
    assert_eq!(count, 1);

    // Northwind again, same prospect: its own earlier registration.
    let v = ok_json(
        app.get_as(
            &northwind,
            "/api/v1/registrations/check?company=Umbrella%20Holdings&website=umbrella-holdings.de",
        )
        .await,
    )
    .await;
    assert_eq!(v["conflict"], "own_duplicate", "{v}");
    assert_eq!(v["own_registration_id"], id.as_str());

    // Contoso, same prospect under another spelling: another partner's claim, awaiting
    // review; nothing about who.
    let res = app
        .get_as(
            &contoso,
            "/api/v1/registrations/check?company=The%20Umbrella%20Holding%20AG&website=",
        )
        .await;
    let text = res.text().await.expect("body");
    let v: Value = serde_json::from_str(&text).expect("json");
    assert_eq!(v["conflict"], "other_partner", "{v}");
    assert!(v["protected_until"].is_null());
    for leak in [
        "Northwind",
        "northwind",
        &id,
        "Pat Buyer",
        "Portal Enterprise",
    ] {
        assert!(
            !text.contains(leak),
            "the check told Contoso {leak:?}: {text}"
        );
    }
    let theirs = register(
        &app,
        CONTOSO,
        "The Umbrella Holding AG",
        "shop.umbrella-holdings.de",
    )
    .await;
    let theirs_id = theirs["registration"]["id"]
        .as_str()
        .expect("id")
        .to_owned();
    assert_eq!(
        theirs["registration"]["conflict"]["conflict"],
        "other_partner"
    );
    // Contoso cannot read Northwind's registration, nor its receipt, nor find it listed.
    for path in [
        format!("/api/v1/registrations/{id}"),
        format!("/api/v1/registrations/{id}/receipt"),
    ] {
        assert_problem(app.get_as(&contoso, &path).await, 404, "not_found").await;
    }
    let list = ok_json(app.get_as(&contoso, "/api/v1/registrations").await).await;
    let ids: Vec<&str> = list["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|r| r["id"].as_str())
        .collect();
    assert_eq!(ids, vec![theirs_id.as_str()]);

    // An existing customer.
    let v = ok_json(
        app.get_as(
            &contoso,
            "/api/v1/registrations/check?company=Globex%20Corp.&website=",
        )
        .await,
    )
    .await;
    assert_eq!(v["conflict"], "existing_customer", "{v}");

    // The queue, oldest first, and the side-by-side review with reasons and scores.
    let queue = ok_json(app.get_as(&channel, "/api/v1/registration-queue").await).await;
    let ids: Vec<&str> = queue["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|r| r["id"].as_str())
        .collect();
    assert_eq!(ids, vec![id.as_str(), theirs_id.as_str()]);
    let conflicted = ok_json(
        app.get_as(&channel, "/api/v1/registration-queue?conflicted=true")
            .await,
    )
    .await;
    assert_eq!(conflicted["items"].as_array().expect("items").len(), 1);
    let review = ok_json(
        app.get_as(
            &channel,
            &format!("/api/v1/registrations/{theirs_id}/review"),
        )
        .await,
    )
    .await;
    let m = &review["matches"][0];
    assert_eq!(m["kind"], "registration");
    assert_eq!(m["id"], id.as_str());
    assert_eq!(m["partner"], "Northwind Partners");
    assert_eq!(m["reason"], "same_domain");
    assert_eq!(m["score"], 1.0);

    // Approve Northwind's: protected 90 days, a deal linked to Northwind as `registered`.
    let approved = ok_json(
        app.post_as(
            &channel,
            &format!("/api/v1/registrations/{id}/approve"),
            &json!({}),
        )
        .await,
    )
    .await;
    assert_eq!(approved["status"], "approved");
    let until = approved["protected_until"]
        .as_str()
        .expect("protected until");
    let expected = (chrono::Utc::now() + chrono::Duration::days(90))
        .format("%Y-%m-%d")
        .to_string();
    assert!(until.starts_with(&expected), "{until} vs {expected}");
    let deal_id = approved["deal_id"].as_str().expect("a deal").to_owned();
    let deal = ok_json(
        app.get_as(&northwind, &format!("/api/v1/deals/{deal_id}"))
            .await,
    )
    .await;
    assert_eq!(deal["partners"][0]["role"], "registered", "{deal}");
    // Approving twice is illegal.
    assert_problem(
        app.post_as(
            &channel,
            &format!("/api/v1/registrations/{id}/approve"),
            &json!({}),
        )
        .await,
        409,
        "conflict",
    )
    .await;
    // Contoso is now told until when it is protected.
    let v = ok_json(
        app.get_as(
            &contoso,
            "/api/v1/registrations/check?company=Umbrella&website=umbrella-holdings.de",
        )
        .await,
    )
    .await;
    assert_eq!(v["conflict"], "other_partner");
    assert!(
        v["protected_until"]
            .as_str()
            .is_some_and(|u| u.starts_with(&expected)),
        "{v}"
    );

    // Reject Contoso's with a reason (required), appeal once, not twice.
    let res = app
        .post_as(
            &channel,
            &format!("/api/v1/registrations/{theirs_id}/reject"),
            &json!({"reason": "  "}),
        )
        .await;
    assert_problem(res, 422, "validation_failed").await;
    let rejected = ok_json(
        app.post_as(
            &channel,
            &format!("/api/v1/registrations/{theirs_id}/reject"),
            &json!({"reason": "Registered earlier by another partner."}),
        )
        .await,
    )
    .await;
    assert_eq!(rejected["status"], "rejected");
    assert_eq!(
        rejected["rejection_reason"],
        "Registered earlier by another partner."
    );
    let appealed = ok_json(
        app.post_as(
            &contoso,
            &format!("/api/v1/registrations/{theirs_id}/appeal"),
            &json!({"statement": "We met them first, at a trade fair."}),
        )
        .await,
    )
    .await;
    assert_eq!(appealed["status"], "submitted");
    ok_json(
        app.post_as(
            &channel,
            &format!("/api/v1/registrations/{theirs_id}/reject"),
            &json!({"reason": "Still earlier elsewhere."}),
        )
        .await,
    )
    .await;
    assert_problem(
        app.post_as(
            &contoso,
            &format!("/api/v1/registrations/{theirs_id}/appeal"),
            &json!({"statement": "Again."}),
        )
        .await,
        409,
        "conflict",
    )
    .await;

    // The deal closes won: so does the registration, and Northwind hears of it.
    let admin = token(&app, ADMIN).await;
    let won_stage = "019a0000-0000-7000-8000-000000000005";
    let res = app
        .get_as(&admin, &format!("/api/v1/deals/{deal_id}"))
        .await;
    let etag = res
        .headers()
        .get("etag")
        .and_then(|v| v.to_str().ok())
        .expect("etag")
        .to_owned();
    let res = app
        .client
        .patch(app.url(&format!("/api/v1/deals/{deal_id}")))
        .bearer_auth(&admin)
        .header("if-match", etag)
        .json(&json!({"stage_id": won_stage}))
        .send()
        .await
        .expect("sent");
    ok_json(res).await;
    let r = ok_json(
        app.get_as(&northwind, &format!("/api/v1/registrations/{id}"))
            .await,
    )
    .await;
    assert_eq!(r["status"], "won");
    let notes = ok_json(app.get_as(&northwind, "/api/v1/me/notifications").await).await;
    let kinds: Vec<&str> = notes["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|n| n["kind"].as_str())
        .collect();
    for k in [
        "registration.submitted",
        "registration.approved",
        "registration.won",
    ] {
        assert!(kinds.contains(&k), "{k} missing from {kinds:?}");
    }
    assert!(notes["unread"].as_i64().expect("unread") >= 3);
    // Contoso's notifications say nothing of Northwind's registration.
    let theirs = app
        .get_as(&contoso, "/api/v1/me/notifications")
        .await
        .text()
        .await
        .expect("body");
    assert!(
        !theirs.contains("Northwind") && !theirs.contains(&id),
        "{theirs}"
    );
    // Marking read: one, then all; someone else's notification is 404.
    let first_note = notes["items"][0]["id"].as_str().expect("id").to_owned();
    assert_problem(
        app.post_as(
            &contoso,
            &format!("/api/v1/me/notifications/{first_note}/read"),
            &json!({}),
        )
        .await,
        404,
        "not_found",
    )
    .await;
    assert_eq!(
        app.post_as(
            &northwind,
            &format!("/api/v1/me/notifications/{first_note}/read"),
            &json!({})
        )
        .await
        .status(),
        204
    );
    assert_eq!(
        app.post_as(&northwind, "/api/v1/me/notifications/read", &json!({}))
            .await
            .status(),
        204
    );
    let notes = ok_json(
        app.get_as(&northwind, "/api/v1/me/notifications?unread=true")
            .await,
    )
    .await;
    assert_eq!(notes["unread"], 0);
    assert_eq!(notes["items"].as_array().expect("items").len(), 0);
    // The dashboard: one won registration (approval rate 100 %), the win, the commission.
    let dash = ok_json(app.get_as(&northwind, "/api/v1/partner/dashboard").await).await;
    let won = dash["registrations"]
        .as_array()
        .expect("counts")
        .iter()
        .find(|c| c["status"] == "won")
        .expect("won")
        .clone();
    assert_eq!(won["count"], 1, "{dash}");
    assert_eq!(dash["approval_rate_percent"], 100);
    let wins = dash["won_last_12_months"].as_array().expect("wins");
    assert!(
        wins.iter().any(|t| t["amount"]["currency"] == "EUR"
            && t["amount"]["minor"].as_i64() >= Some(4_500_000)),
        "{dash}"
    );
    assert!(
        dash["commissions"]["totals"]
            .as_array()
            .is_some_and(|t| !t.is_empty()),
        "{dash}"
    );
    assert!(dash["tier"].is_object(), "{dash}");
    // Contoso's dashboard knows nothing of it; Northwind's is not Contoso's to read.
    let theirs = app
        .get_as(&contoso, "/api/v1/partner/dashboard")
        .await
        .text()
        .await
        .expect("body");
    assert!(
        !theirs.contains("Northwind") && !theirs.contains("EUR"),
        "{theirs}"
    );
    let northwind_account = app.account_id("Northwind Partners").await;
    assert_problem(
        app.get_as(
            &contoso,
            &format!("/api/v1/partner/dashboard?account={northwind_account}"),
        )
        .await,
        404,
        "not_found",
    )
    .await;
    // Every decision is in the audit log.
    let trail: Vec<String> = app
        .audit_trail()
        .await
        .into_iter()
        .map(|(a, _)| a)
        .collect();
    for action in [
        "registration.submit",
        "registration.approve",
        "registration.reject",
        "registration.appeal",
        "registration.won",
    ] {
        assert!(
            trail.iter().any(|a| a == action),
            "{action} not audited: {trail:?}"
        );
    }
}

async fn bad_registrations_name_each_field_and_write_nothing(app: TestApp) {
    app.seed_demo().await;
    let northwind = token(&app, NORTHWIND).await;
    let before = app.row_counts().await;
    let res = app
        .post_as(
            &northwind,
            "/api/v1/registrations",
            &json!({
                "company": " ",
                "website": "not a site",
                "contact_name": "",
                "contact_email": "nobody",
                "contact_phone": "call me",
                "amount": {"minor": 0, "currency": "EUR"},
                "product_interest": "",
                "expected_close_date": "2020-01-01",
                "description": ""
            }),
        )
        .await;
    let problem = assert_problem(res, 422, "validation_failed").await;
    let mut fields: Vec<&str> = problem["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .filter_map(|e| e["field"].as_str())
        .collect();
    fields.sort();
    assert_eq!(
        fields,
        vec![
            "amount",
            "company",
            "contact_email",
            "contact_name",
            "contact_phone",
            "description",
            "expected_close_date",
            "product_interest",
            "website"
        ]
    );
    // A website with no registrable domain.
    let res = app
        .post_as(
            &northwind,
            "/api/v1/registrations",
            &prospect("Acme", "localhost.invalid"),
        )
        .await;
    let problem = assert_problem(res, 422, "validation_failed").await;
    assert_eq!(problem["errors"][0]["field"], "website");
    // Malformed JSON and a wrong type: 400s, never 500.
    let res = app
        .client
        .post(app.url("/api/v1/registrations"))
        .bearer_auth(&northwind)
        .header("content-type", "application/json")
        .body("{")
        .send()
        .await
        .expect("sent");
    assert_eq!(res.status().as_u16() / 100, 4);
    let mut wrong = prospect("Acme", "acme-widgets.com");
    wrong["amount"] = json!("lots");
    let res = app
        .post_as(&northwind, "/api/v1/registrations", &wrong)
        .await;
    assert_eq!(res.status().as_u16() / 100, 4);
    // A check without anything to check.
    assert_problem(
        app.get_as(&northwind, "/api/v1/registrations/check?company=")
            .await,
        422,
        "validation_failed",
    )
    .await;
    assert_eq!(app.row_counts().await, before);
}

/// Two partners submit one prospect at the same moment, many times over: each time exactly
/// one is first (no conflict) and the other is told of the conflict.
async fn simultaneous_submissions_have_exactly_one_first(app: TestApp) {
    app.seed_demo().await;
    let northwind = token(&app, NORTHWIND).await;
    let contoso = token(&app, CONTOSO).await;
    for round in 0..12 {
        let company = format!("Simultaneous Prospect {round} Ltd");
        let site = format!("prospect-{round}.co.uk");
        let body = prospect(&company, &site);
        let a = app.post_as(&northwind, "/api/v1/registrations", &body);
        let b = app.post_as(&contoso, "/api/v1/registrations", &body);
        let (a, b) = tokio::join!(a, b);
        let (a, b) = (ok_json(a).await, ok_json(b).await);
        let mut verdicts = vec![
            a["registration"]["conflict"]["conflict"]
                .as_str()
                .expect("verdict")
                .to_owned(),
            b["registration"]["conflict"]["conflict"]
                .as_str()
                .expect("verdict")
                .to_owned(),
        ];
        verdicts.sort();
        assert_eq!(verdicts, vec!["none", "other_partner"], "round {round}");
    }
}

/// Referrals: a task for an account executive, then automatic attribution when the prospect
/// becomes an account and a deal.
async fn referrals_are_assigned_and_attributed(app: TestApp) {
    app.seed_demo().await;
    let northwind = token(&app, NORTHWIND).await;
    let admin = token(&app, ADMIN).await;
    let rep = token(&app, "rep@portcullis.example").await;
    let referral = ok_json(
        app.post_as(
            &northwind,
            "/api/v1/referrals",
            &json!({"company": "Soylent Corporation", "website": "https://soylent.net", "contact_name": "Sol Green",
                    "contact_email": "sol@soylent.net", "notes": "Looking for a partner portal this quarter."}),
        )
        .await,
    )
    .await;
    let rid = referral["id"].as_str().expect("id").to_owned();
    assert_eq!(referral["status"], "submitted");
    // The only sales rep gets the task and a notification.
    let tasks = ok_json(app.get_as(&rep, "/api/v1/tasks").await).await;
    let task = tasks["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|t| t["source_id"] == rid.as_str())
        .expect("a task")
        .clone();
    assert_eq!(task["source"], "referral");
    assert!(task["due_at"].is_string());
    let notes = ok_json(app.get_as(&rep, "/api/v1/me/notifications").await).await;
    assert!(
        notes["items"]
            .as_array()
            .expect("items")
            .iter()
            .any(|n| n["kind"] == "referral.assigned")
    );
    // The account is created in the console: the referral is linked and accepted.
    let account = ok_json(
        app.post_as(
            &admin,
            "/api/v1/admin/accounts",
            &json!({"type": "customer", "name": "Soylent Corp.", "domain": "soylent.net"}),
        )
        .await,
    )
    .await;
    let account_id = account["id"].as_str().expect("id").to_owned();
    let r = ok_json(
        app.get_as(&northwind, &format!("/api/v1/referrals/{rid}"))
            .await,
    )
    .await;
    assert_eq!(r["status"], "accepted", "{r}");
    // Its first deal credits Northwind: in the pipeline, with a `referral` partner link.
    let deal = ok_json(
        app.post_as(
            &admin,
            "/api/v1/deals",
            &json!({"account_id": account_id, "name": "Soylent portal"}),
        )
        .await,
    )
    .await;
    let deal_id = deal["id"].as_str().expect("id").to_owned();
    let r = ok_json(
        app.get_as(&northwind, &format!("/api/v1/referrals/{rid}"))
            .await,
    )
    .await;
    assert_eq!(r["status"], "in_pipeline");
    assert_eq!(r["deal_id"], deal_id.as_str());
    assert!(r["credited_at"].is_string());
    let deal = ok_json(
        app.get_as(&admin, &format!("/api/v1/deals/{deal_id}"))
            .await,
    )
    .await;
    let partners = deal["partners"].as_array().expect("partners");
    assert!(
        partners
            .iter()
            .any(|l| l["role"] == "referral" && l["account"]["name"] == "Northwind Partners"),
        "{deal}"
    );
    // Illegal moves are 409; the audit log has the attribution.
    assert_problem(
        app.post_as(
            &rep,
            &format!("/api/v1/referrals/{rid}/status"),
            &json!({"status": "submitted"}),
        )
        .await,
        409,
        "conflict",
    )
    .await;
    let trail: Vec<String> = app
        .audit_trail()
        .await
        .into_iter()
        .map(|(a, _)| a)
        .collect();
    assert!(
        trail.iter().filter(|a| *a == "referral.attribute").count() >= 2,
        "{trail:?}"
    );
    // Contoso sees none of it.
    let contoso = token(&app, CONTOSO).await;
    assert_problem(
        app.get_as(&contoso, &format!("/api/v1/referrals/{rid}"))
            .await,
        404,
        "not_found",
    )
    .await;
    let list = ok_json(app.get_as(&contoso, "/api/v1/referrals").await).await;
    assert_eq!(list["items"].as_array().expect("items").len(), 0);
    // Nor does another sales rep: a rep reaches the referrals assigned to them.
    let now = portcullis::time::now();
    sqlx::query(
        "INSERT INTO users (id, email, email_normalized, name, role, status, created_at, updated_at) \
         VALUES ($1, 'rep2@portcullis.example', 'rep2@portcullis.example', 'Second Rep', 'sales_rep', 'active', $2, $2)",
    )
    .bind(uuid::Uuid::new_v4().to_string())
    .bind(now)
    .execute(&app.db.pool)
    .await
    .expect("a second rep");
    let other_rep = token(&app, "rep2@portcullis.example").await;
    assert_problem(
        app.get_as(&other_rep, &format!("/api/v1/referrals/{rid}"))
            .await,
        404,
        "not_found",
    )
    .await;
    assert_problem(
        app.post_as(
            &other_rep,
            &format!("/api/v1/referrals/{rid}/status"),
            &json!({"status": "won"}),
        )
        .await,
        404,
        "not_found",
    )
    .await;
    let list = ok_json(app.get_as(&other_rep, "/api/v1/referrals").await).await;
    assert_eq!(list["items"].as_array().expect("items").len(), 0);
    let list = ok_json(app.get_as(&rep, "/api/v1/referrals").await).await;
    assert!(
        list["items"]
            .as_array()
            .expect("items")
            .iter()
            .any(|r| r["id"] == rid.as_str())
    );
}

/// The protection sweep: reminders 14 and 3 days before, expiry after; a second run (or a
/// second node) changes nothing.
async fn protection_reminds_then_expires_once(app: TestApp) {
    app.seed_demo().await;
    let channel = token(&app, CHANNEL).await;
    let northwind = token(&app, NORTHWIND).await;
    let id =
        register(&app, NORTHWIND, "Tyrell Corporation", "tyrell.com").await["registration"]["id"]
            .as_str()
            .expect("id")
            .to_owned();
    ok_json(
        app.post_as(
            &channel,
            &format!("/api/v1/registrations/{id}/approve"),
            &json!({}),
        )
        .await,
    )
    .await;
    let day: i64 = 24 * 3600 * 1_000_000;
    let now = portcullis::time::now();
    let set_until = |until: i64| {
        let pool = app.db.pool.clone();
        let id = id.clone();
        async move {
            sqlx::query("UPDATE registrations SET protected_until = $1 WHERE id = $2")
                .bind(until)
                .bind(&id)
                .execute(&pool)
                .await
                .expect("moved");
        }
    };
    let op = Operator::new("test");
    let reminders = |app: &TestApp| {
        let pool = app.db.pool.clone();
        async move {
            let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM notifications WHERE kind = 'registration.reminder' AND user_id IN (SELECT id FROM users WHERE email = 'partner@northwind.example')")
                .fetch_one(&pool)
                .await
                .expect("count");
            n
        }
    };
    set_until(now + 10 * day).await;
    portcullis::app::registrations::sweep_protection(&app.core, &op)
        .await
        .expect("sweep");
    portcullis::app::registrations::sweep_protection(&app.core, &op)
        .await
        .expect("sweep");
    assert_eq!(reminders(&app).await, 1);
    set_until(now + 2 * day).await;
    portcullis::app::registrations::sweep_protection(&app.core, &op)
        .await
        .expect("sweep");
    portcullis::app::registrations::sweep_protection(&app.core, &op)
        .await
        .expect("sweep");
    assert_eq!(reminders(&app).await, 2);
    set_until(now - day).await;
    portcullis::app::registrations::sweep_protection(&app.core, &op)
        .await
        .expect("sweep");
    assert_eq!(
        portcullis::app::registrations::sweep_protection(&app.core, &op)
            .await
            .expect("sweep"),
        0
    );
    let r = ok_json(
        app.get_as(&northwind, &format!("/api/v1/registrations/{id}"))
            .await,
    )
    .await;
    assert_eq!(r["status"], "expired");
    // An expired registration cannot be approved or appealed.
    assert_problem(
        app.post_as(
            &channel,
            &format!("/api/v1/registrations/{id}/approve"),
            &json!({}),
        )
        .await,
        409,
        "conflict",
    )
    .await;
}

/// Per portal: submission creates the deal at once (in triage) when so configured.
async fn conversion_on_submit_creates_the_deal_at_once(app: TestApp) {
    app.seed_demo().await;
    let admin = token(&app, ADMIN).await;
    let portal = app.portal_id("partners").await;
    let res = send(
        &app,
        Method::PUT,
        Some(&admin),
        &format!("/api/v1/portals/{portal}/programme"),
        Some(&json!({"protection_days": 30, "conversion": "on_submit"})),
    )
    .await;
    ok_json(res).await;
    let res = send(
        &app,
        Method::PUT,
        Some(&admin),
        &format!("/api/v1/portals/{portal}/programme"),
        Some(&json!({"protection_days": 0, "conversion": "on_submit"})),
    )
    .await;
    let problem = assert_problem(res, 422, "validation_failed").await;
    assert_eq!(problem["errors"][0]["field"], "protection_days");
    let r = register(&app, NORTHWIND, "Cyberdyne Systems", "cyberdyne.com").await;
    let deal = r["registration"]["deal_id"]
        .as_str()
        .expect("a deal at once")
        .to_owned();
    let channel = token(&app, CHANNEL).await;
    let approved = ok_json(
        app.post_as(
            &channel,
            &format!(
                "/api/v1/registrations/{}/approve",
                r["registration"]["id"].as_str().expect("id")
            ),
            &json!({}),
        )
        .await,
    )
    .await;
    assert_eq!(approved["deal_id"], deal.as_str());
    let expected = (chrono::Utc::now() + chrono::Duration::days(30))
        .format("%Y-%m-%d")
        .to_string();
    assert!(
        approved["protected_until"]
            .as_str()
            .expect("until")
            .starts_with(&expected)
    );
}

// ---------------------------------------------------------------------------------------
// Who may call what

#[derive(Clone, Copy, PartialEq, Debug)]
enum Who {
    /// Partner users and administrators with "Register deals".
    Registrants,
    /// The programme's people and partners.
    Viewers,
    /// Viewers, and the sales rep a referral is assigned to.
    ViewersAndRep,
    /// Administrators, managers, channel managers.
    Runners,
    /// Runners and sales reps (the assignee).
    RunnersAndRep,
    /// Administrators and managers.
    PortalManagers,
    /// Partners (their own organisation) and internal users.
    PartnersAndStaff,
    Staff,
    Anyone,
}

impl Who {
    fn admits(self, role: Role) -> bool {
        let runner = matches!(role, Role::Admin | Role::Manager | Role::ChannelManager);
        let partner = matches!(role, Role::PartnerUser | Role::PartnerAdmin);
        match self {
            Who::Registrants => partner,
            Who::Viewers => runner || partner,
            Who::ViewersAndRep => runner || partner || role == Role::SalesRep,
            Who::Runners => runner,
            Who::RunnersAndRep => runner || role == Role::SalesRep,
            Who::PortalManagers => matches!(role, Role::Admin | Role::Manager),
            Who::PartnersAndStaff => partner || role.is_internal(),
            Who::Staff => role.is_internal(),
            Who::Anyone => true,
        }
    }
}

struct Case {
    method: Method,
    /// `{registration}` (Northwind's), `{fresh}` (a new submitted one of Northwind's, per
    /// call), `{rejected}` (a new rejected one, per call), `{referral}`, `{fresh_referral}`,
    /// `{portal}` are filled in.
    path: &'static str,
    who: Who,
    ok: u16,
    body: fn() -> Option<Value>,
}

fn none() -> Option<Value> {
    None
}

fn cases() -> Vec<Case> {
    use Who::*;
    let c =
        |method: Method, path: &'static str, who: Who, ok: u16, body: fn() -> Option<Value>| Case {
            method,
            path,
            who,
            ok,
            body,
        };
    vec![
        c(
            Method::GET,
            "/api/v1/registrations/check?company=Matrix%20Prospect",
            Registrants,
            200,
            none,
        ),
        c(
            Method::POST,
            "/api/v1/registrations",
            Registrants,
            201,
            || Some(prospect("Matrix Prospect", "matrix-prospect.com")),
        ),
        c(Method::GET, "/api/v1/registrations", Viewers, 200, none),
        c(
            Method::GET,
            "/api/v1/registration-queue",
            Runners,
            200,
            none,
        ),
        c(
            Method::POST,
            "/api/v1/registration-queue/approve",
            Runners,
            200,
            || Some(json!({"ids": ["{fresh}"]})),
        ),
        c(
            Method::GET,
            "/api/v1/registrations/{registration}",
            Viewers,
            200,
            none,
        ),
        c(
            Method::GET,
            "/api/v1/registrations/{registration}/receipt",
            Viewers,
            200,
            none,
        ),
        c(
            Method::GET,
            "/api/v1/registrations/{registration}/review",
            Runners,
            200,
            none,
        ),
        c(
            Method::POST,
            "/api/v1/registrations/{fresh}/approve",
            Runners,
            200,
            || Some(json!({})),
        ),
        c(
            Method::POST,
            "/api/v1/registrations/{fresh}/reject",
            Runners,
            200,
            || Some(json!({"reason": "Out of territory."})),
        ),
        c(
            Method::POST,
            "/api/v1/registrations/{rejected}/appeal",
            Registrants,
            200,
            || Some(json!({"statement": "It is in our territory."})),
        ),
        c(
            Method::GET,
            "/api/v1/portals/{portal}/programme",
            Runners,
            200,
            none,
        ),
        c(
            Method::PUT,
            "/api/v1/portals/{portal}/programme",
            PortalManagers,
            200,
            || Some(json!({"protection_days": 90, "conversion": "on_approval"})),
        ),
        c(Method::POST, "/api/v1/referrals", Registrants, 201, || {
            Some(
                json!({"company": "Matrix Referral", "contact_name": "R", "contact_email": "r@matrix-referral.example.com"}),
            )
        }),
        c(Method::GET, "/api/v1/referrals", ViewersAndRep, 200, none),
        c(
            Method::GET,
            "/api/v1/referrals/{referral}",
            ViewersAndRep,
            200,
            none,
        ),
        c(
            Method::POST,
            "/api/v1/referrals/{fresh_referral}/status",
            RunnersAndRep,
            200,
            || Some(json!({"status": "accepted"})),
        ),
        c(Method::GET, "/api/v1/tasks", Staff, 200, none),
        c(Method::GET, "/api/v1/me/notifications", Anyone, 200, none),
        c(
            Method::GET,
            "/api/v1/partner/dashboard?account={partner_account}",
            PartnersAndStaff,
            200,
            none,
        ),
        c(
            Method::POST,
            "/api/v1/me/notifications/read",
            Anyone,
            204,
            || Some(json!({})),
        ),
    ]
}

/// The partner-programme operations, as (method, path) for the API-wide coverage check.
pub fn operations() -> Vec<(String, String)> {
    cases()
        .into_iter()
        .map(|c| {
            (
                c.method.as_str().to_owned(),
                c.path.split('?').next().unwrap_or("").to_owned(),
            )
        })
        .chain(std::iter::once((
            "POST".to_owned(),
            "/api/v1/me/notifications/{id}/read".to_owned(),
        )))
        .collect()
}

#[derive(Clone, Copy, PartialEq, Debug)]
enum Object {
    Own,
    /// Contoso's, for Northwind's partner users.
    Foreign,
    Missing,
}

async fn fresh(app: &TestApp, email: &str, n: usize) -> String {
    register(
        app,
        email,
        &format!("Matrix Fresh {n}"),
        &format!("matrix-fresh-{n}.com"),
    )
    .await["registration"]["id"]
        .as_str()
        .expect("id")
        .to_owned()
}

async fn rejected(app: &TestApp, email: &str, n: usize) -> String {
    let id = fresh(app, email, n).await;
    let channel = token(app, CHANNEL).await;
    ok_json(
        app.post_as(
            &channel,
            &format!("/api/v1/registrations/{id}/reject"),
            &json!({"reason": "Matrix."}),
        )
        .await,
    )
    .await;
    id
}

async fn fresh_referral(app: &TestApp, email: &str, n: usize) -> String {
    let t = token(app, email).await;
    ok_json(app.post_as(&t, "/api/v1/referrals", &json!({"company": format!("Matrix Ref {n}"), "contact_name": "R", "contact_email": "r@ref.example.com"})).await).await["id"]
        .as_str()
        .expect("id")
        .to_owned()
}

async fn every_programme_endpoint_answers_every_role_and_object(app: TestApp) {
    app.seed_demo().await;
    let portal = app.portal_id("partners").await;
    let northwind_account = app.account_id("Northwind Partners").await;
    let contoso_account = app.account_id("Contoso Resellers").await;
    let registration = fresh(&app, NORTHWIND, 0).await;
    let foreign_registration = fresh(&app, CONTOSO, 1).await;
    let referral = fresh_referral(&app, NORTHWIND, 0).await;
    let foreign_referral = fresh_referral(&app, CONTOSO, 1).await;
    let ghost = "01900000-0000-7000-8000-000000000000";
    let mut n = 10;
    let mut failures = Vec::new();
    let mut checked = 0;
    for c in cases() {
        for who in std::iter::once(None).chain(Role::ALL.into_iter().map(Some)) {
            let partner = matches!(who, Some(Role::PartnerUser | Role::PartnerAdmin));
            let names_object = c.path.contains('{') && !c.path.contains("{portal}");
            let mut objects = vec![Object::Own];
            if names_object && who.is_some() {
                objects.push(Object::Missing);
                if partner {
                    objects.push(Object::Foreign);
                }
            }
            for object in objects {
                n += 1;
                let owner = if object == Object::Foreign {
                    CONTOSO
                } else {
                    NORTHWIND
                };
                let mut path = c.path.to_owned();
                let mut body = (c.body)().map(|b| b.to_string()).unwrap_or_default();
                let missing = object == Object::Missing;
                let pick = |real: String| if missing { ghost.to_owned() } else { real };
                if path.contains("{registration}") {
                    let r = if object == Object::Foreign {
                        foreign_registration.clone()
                    } else {
                        registration.clone()
                    };
                    path = path.replace("{registration}", &pick(r));
                }
                if path.contains("{fresh}") || body.contains("{fresh}") {
                    let r = pick(fresh(&app, owner, n).await);
                    path = path.replace("{fresh}", &r);
                    body = body.replace("{fresh}", &r);
                }
                if path.contains("{rejected}") {
                    path = path.replace("{rejected}", &pick(rejected(&app, owner, n).await));
                }
                if path.contains("{fresh_referral}") {
                    path = path.replace(
                        "{fresh_referral}",
                        &pick(fresh_referral(&app, owner, n).await),
                    );
                }
                if path.contains("{referral}") {
                    let r = if object == Object::Foreign {
                        foreign_referral.clone()
                    } else {
                        referral.clone()
                    };
                    path = path.replace("{referral}", &pick(r));
                }
                path = path.replace("{portal}", &portal);
                if path.contains("{partner_account}") {
                    let a = match object {
                        Object::Foreign => contoso_account.clone(),
                        Object::Missing => ghost.to_owned(),
                        Object::Own => northwind_account.clone(),
                    };
                    path = path.replace("{partner_account}", &a);
                }
                let token = match who {
                    Some(role) => Some(token(&app, caller(role)).await),
                    None => None,
                };
                let mut req = app.client.request(c.method.clone(), app.url(&path));
                if let Some(t) = &token {
                    req = req.bearer_auth(t);
                }
                if !body.is_empty() {
                    req = req
                        .header("content-type", "application/json")
                        .body(body.clone());
                }
                let status = req.send().await.expect("sent").status().as_u16();
                let expected = match who {
                    None => 401,
                    Some(role) if !c.who.admits(role) => 403,
                    Some(_) if object != Object::Own => 404,
                    // The bulk approval reports a missing registration as skipped.
                    Some(_) => c.ok,
                };
                // Bulk approval of a missing or foreign id answers 200 with it skipped.
                let expected = if c.path.ends_with("/approve")
                    && c.path.starts_with("/api/v1/registration-queue")
                    && expected == 404
                {
                    200
                } else {
                    expected
                };
                checked += 1;
                if status != expected {
                    failures.push(format!(
                        "{} {path} as {who:?} ({object:?}): {status}, expected {expected}",
                        c.method
                    ));
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {checked} checks failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
    // Notifications by id: only their owner may mark them read.
    let northwind = token(&app, NORTHWIND).await;
    let notes = ok_json(app.get_as(&northwind, "/api/v1/me/notifications").await).await;
    let note = notes["items"][0]["id"]
        .as_str()
        .expect("a notification")
        .to_owned();
    for role in Role::ALL {
        let t = token(&app, caller(role)).await;
        let status = app
            .post_as(
                &t,
                &format!("/api/v1/me/notifications/{note}/read"),
                &json!({}),
            )
            .await
            .status()
            .as_u16();
        let expected = if role == Role::PartnerUser { 204 } else { 404 };
        assert_eq!(
            status, expected,
            "{role:?} marking Northwind's notification read"
        );
    }
    assert_eq!(
        app.client
            .post(app.url(&format!("/api/v1/me/notifications/{note}/read")))
            .send()
            .await
            .expect("sent")
            .status(),
        401
    );
}

/// A partner user without "Register deals" cannot register or check.
async fn registering_needs_the_permission(app: TestApp) {
    app.seed_demo().await;
    let admin = token(&app, ADMIN).await;
    let user = app.user_id(NORTHWIND).await;
    let res = send(&app, Method::PUT, Some(&admin), "/api/v1/admin/permissions", Some(&json!({"scope": "user", "scope_id": user, "permission": "register_deals", "allowed": false}))).await;
    assert!(res.status().is_success(), "{}", res.status());
    let northwind = token(&app, NORTHWIND).await;
    assert_problem(
        app.post_as(
            &northwind,
            "/api/v1/registrations",
            &prospect("Acme", "acme-widgets.com"),
        )
        .await,
        403,
        "forbidden",
    )
    .await;
    assert_problem(
        app.get_as(&northwind, "/api/v1/registrations/check?company=Acme")
            .await,
        403,
        "forbidden",
    )
    .await;
}

on_both_backends!(
    registration_flow,
    bad_registrations_name_each_field_and_write_nothing,
    simultaneous_submissions_have_exactly_one_first,
    referrals_are_assigned_and_attributed,
    protection_reminds_then_expires_once,
    conversion_on_submit_creates_the_deal_at_once,
    every_programme_endpoint_answers_every_role_and_object,
    registering_needs_the_permission,
);
