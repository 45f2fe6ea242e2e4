//! Partner tiers: the recompute from trailing-12-month results (and that a second run
//! changes nothing), manual overrides, the status and progress a partner sees, the tier
//! CRUD, and the daily job.

use portcullis_shared::Role;
use portcullis_tests::{TestApp, assert_problem, on_both_backends};
use reqwest::Method;
use serde_json::{Value, json};

use crate::commissions::{caller, get_json, json_of, link, new_deal, send};

const SILVER: &str = "019a0000-0000-7000-8000-000000000102";
const GOLD: &str = "019a0000-0000-7000-8000-000000000103";
const PLATINUM: &str = "019a0000-0000-7000-8000-000000000104";

async fn recompute(app: &TestApp, token: &str) -> Value {
    json_of(
        app.post_as(token, "/api/v1/admin/tiers/recompute", &json!({}))
            .await,
    )
    .await
}

async fn tiers_follow_won_results_and_a_second_recompute_changes_nothing(app: TestApp) {
    app.seed_demo().await;
    let admin = app.session_for(caller(Role::Admin)).await.token;
    let channel = app.session_for(caller(Role::ChannelManager)).await.token;
    let partner = app.session_for(caller(Role::PartnerUser)).await.token;
    let northwind = app.account_id("Northwind Partners").await;
    // Nothing won yet: every partner reaches Registered on the first run.
    let first = recompute(&app, &channel).await;
    assert!(first["accounts"].as_i64().unwrap_or(0) >= 2);
    let status = get_json(&app, &partner, "/api/v1/tier/status").await;
    assert_eq!(status["tier"]["name"], "Registered");
    assert_eq!(status["next"]["name"], "Silver");
    assert_eq!(status["manual_override"], false);
    assert_eq!(recompute(&app, &channel).await["changes"], json!([]));

    // Two won deals of USD 30 000 (any role) and a won EUR one that does not count as revenue.
    for (name, amount, currency, role) in [
        ("Won one", 3_000_000, "USD", "registered"),
        ("Won two", 3_000_000, "USD", "influenced"),
        ("Won in euros", 9_000_000, "EUR", "co_sell"),
    ] {
        let deal = new_deal(&app, &admin, name, "Closed won", amount, currency).await;
        link(&app, &admin, &deal, &northwind, role).await;
    }
    // An open deal counts for nothing.
    let open = new_deal(&app, &admin, "Still open", "Negotiation", 90_000_000, "USD").await;
    link(&app, &admin, &open, &northwind, "registered").await;
    let run = recompute(&app, &admin).await;
    let changes = run["changes"].as_array().expect("changes");
    assert_eq!(changes.len(), 1, "{run}");
    assert_eq!(changes[0]["account_id"], northwind.as_str());
    assert_eq!(changes[0]["to"], SILVER);
    // Idempotent.
    assert_eq!(recompute(&app, &admin).await["changes"], json!([]));

    let status = get_json(&app, &partner, "/api/v1/tier/status").await;
    assert_eq!(status["tier"]["name"], "Silver");
    assert_eq!(status["won_minor"], 6_000_000);
    assert_eq!(status["currency"], "USD");
    assert_eq!(status["won_deals"], 3);
    assert_eq!(status["next"]["name"], "Gold");
    // Gold: USD 250 000 and 5 deals → 24 % and 60 %.
    assert_eq!(status["revenue_progress_pct"], 24);
    assert_eq!(status["deals_progress_pct"], 60);
    assert!(status["tier_changed_at"].is_string());

    // Audited, and the partner's administrators told.
    let actions: Vec<String> = app
        .audit_trail()
        .await
        .into_iter()
        .map(|(a, _)| a)
        .collect();
    assert!(actions.iter().any(|a| a == "tier.change"));
    let ned = app.user_id(caller(Role::PartnerAdmin)).await;
    let told: Vec<String> = sqlx::query_scalar(
        "SELECT title FROM notifications WHERE user_id = $1 AND kind = 'tier.changed' ORDER BY id",
    )
    .bind(&ned)
    .fetch_all(&app.db.pool)
    .await
    .expect("notifications");
    // The first placement at Registered was not announced; the move to Silver was.
    assert_eq!(told, ["Welcome to Silver"]);

    // The tier's rates apply from now on: Gold has its own, Silver does not.
    let rates = get_json(&app, &partner, "/api/v1/commissions/rates").await;
    assert_eq!(rates["tier_name"], "Silver");

    // A manual override holds the account whatever its results; cleared, results decide.
    let held = json_of(
        send(
            &app,
            Method::PUT,
            Some(&admin),
            &format!("/api/v1/admin/accounts/{northwind}/tier-override"),
            Some(json!({"tier_id": PLATINUM})),
            None,
        )
        .await,
    )
    .await;
    assert_eq!(held["tier"]["name"], "Platinum");
    assert_eq!(held["manual_override"], true);
    assert!(held["next"].is_null());
    assert_eq!(held["revenue_progress_pct"], 100);
    assert_eq!(recompute(&app, &admin).await["changes"], json!([]));
    let rates = get_json(&app, &partner, "/api/v1/commissions/rates").await;
    assert_eq!(rates["tier_name"], "Platinum");
    let cleared = json_of(
        send(
            &app,
            Method::DELETE,
            Some(&admin),
            &format!("/api/v1/admin/accounts/{northwind}/tier-override"),
            None,
            None,
        )
        .await,
    )
    .await;
    assert_eq!(cleared["tier"]["name"], "Silver");
    assert_eq!(cleared["manual_override"], false);
    let res = send(
        &app,
        Method::PUT,
        Some(&admin),
        &format!("/api/v1/admin/accounts/{northwind}/tier-override"),
        Some(json!({"tier_id": "01900000-0000-7000-8000-000000000000"})),
        None,
    )
    .await;
    let body = assert_problem(res, 422, "validation_failed").await;
    assert_eq!(body["errors"][0]["field"], "tier_id");
    // A customer account has no tier.
    let globex = app.account_id("Globex Corporation").await;
    let res = app
        .get_as(&admin, &format!("/api/v1/tier/status?account={globex}"))
        .await;
    assert_problem(res, 404, "not_found").await;
}

async fn tiers_are_created_changed_and_deleted_when_unused(app: TestApp) {
    app.seed_demo().await;
    let admin = app.session_for(caller(Role::Admin)).await.token;
    let list = get_json(&app, &admin, "/api/v1/admin/tiers").await;
    let names: Vec<&str> = list["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|t| t["name"].as_str())
        .collect();
    assert_eq!(names, ["Registered", "Silver", "Gold", "Platinum"]);
    let diamond = json_of(
        app.post_as(&admin, "/api/v1/admin/tiers", &json!({"name": "Diamond", "rank": 4,
            "min_won_minor": 500_000_000, "min_won_deals": 25, "currency": "USD", "protection_days": 365})).await,
    )
    .await;
    let id = diamond["id"].as_str().expect("id").to_owned();
    let res = app
        .post_as(
            &admin,
            "/api/v1/admin/tiers",
            &json!({"name": "Diamond", "rank": 4,
        "min_won_minor": 0, "min_won_deals": 0, "currency": "USD"}),
        )
        .await;
    let body = assert_problem(res, 409, "conflict").await;
    assert_eq!(body["errors"].as_array().map(Vec::len), Some(2));
    let res = app
        .post_as(
            &admin,
            "/api/v1/admin/tiers",
            &json!({"name": "", "rank": -1,
        "min_won_minor": -5, "min_won_deals": 0, "currency": "USD", "protection_days": 0}),
        )
        .await;
    let body = assert_problem(res, 422, "validation_failed").await;
    assert_eq!(body["errors"].as_array().map(Vec::len), Some(4));
    let changed = json_of(
        send(
            &app,
            Method::PATCH,
            Some(&admin),
            &format!("/api/v1/admin/tiers/{id}"),
            Some(json!({"min_won_deals": 30, "protection_days": null})),
            None,
        )
        .await,
    )
    .await;
    assert_eq!(changed["min_won_deals"], 30);
    assert!(changed["protection_days"].is_null());
    let res = send(
        &app,
        Method::DELETE,
        Some(&admin),
        &format!("/api/v1/admin/tiers/{id}"),
        None,
        None,
    )
    .await;
    assert_eq!(res.status(), 204);
    // Gold has rates of its own: in use.
    let res = send(
        &app,
        Method::DELETE,
        Some(&admin),
        &format!("/api/v1/admin/tiers/{GOLD}"),
        None,
        None,
    )
    .await;
    assert_problem(res, 409, "conflict").await;
    // Sales reps do not run the programme.
    let rep = app.session_for(caller(Role::SalesRep)).await.token;
    assert_problem(
        app.get_as(&rep, "/api/v1/admin/tiers").await,
        403,
        "forbidden",
    )
    .await;
    assert_problem(
        app.post_as(&rep, "/api/v1/admin/tiers/recompute", &json!({}))
            .await,
        403,
        "forbidden",
    )
    .await;
}

async fn the_daily_job_recomputes_tiers(app: TestApp) {
    app.seed_demo().await;
    let now = portcullis::time::now();
    portcullis::jobs::schedule_recurring(&app.core, now)
        .await
        .expect("scheduled");
    let queued: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM jobs WHERE kind = 'tiers.recompute'")
            .fetch_one(&app.db.pool)
            .await
            .expect("jobs");
    assert_eq!(queued, 1);
    let report = portcullis::app::tiers::recompute(
        &app.core,
        portcullis::app::Actor::Operator(&portcullis::app::Operator::new("test")),
    )
    .await
    .expect("recomputed");
    assert!(report.accounts >= 2);
    let tiered: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM accounts WHERE kind = 'partner' AND tier_id IS NOT NULL",
    )
    .fetch_one(&app.db.pool)
    .await
    .expect("accounts");
    assert_eq!(tiered, report.accounts);
}

on_both_backends!(
    tiers_follow_won_results_and_a_second_recompute_changes_nothing,
    tiers_are_created_changed_and_deleted_when_unused,
    the_daily_job_recomputes_tiers,
);
