//! Commissions: the lifecycle that follows a deal's stage (pending → earned → paid → clawed
//! back) through real API calls, the rounding rule, rate resolution, projection, payouts and
//! their validation, statements, and who may call each commission and programme endpoint.

use portcullis_shared::Role;
use portcullis_tests::{TestApp, assert_problem, on_both_backends};
use reqwest::Method;
use serde_json::{Value, json};

/// The demo user who plays each role.
pub(crate) fn caller(role: Role) -> &'static str {
    match role {
        Role::Admin => "admin@portcullis.example",
        Role::Manager => "manager@portcullis.example",
        Role::ChannelManager => "channel@portcullis.example",
        Role::SalesRep => "rep@portcullis.example",
        Role::CustomerUser => "customer@globex.example",
        Role::PartnerUser => "partner@northwind.example",
        Role::PartnerAdmin => "partner-admin@northwind.example",
    }
}

pub(crate) async fn send(
    app: &TestApp,
    method: Method,
    token: Option<&str>,
    path: &str,
    body: Option<Value>,
    if_match: Option<&str>,
) -> reqwest::Response {
    let mut req = app.client.request(method, app.url(path));
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    if let Some(b) = body {
        req = req.json(&b);
    }
    if let Some(m) = if_match {
        req = req.header("if-match", m);
    }
    req.send().await.expect("sent")
}

pub(crate) async fn json_of(res: reqwest::Response) -> Value {
    let status = res.status();
    let url = res.url().to_string();
    let body = res.text().await.expect("body");
    assert!(status.is_success(), "{url}: {status} {body}");
    serde_json::from_str(&body).expect("json")
}

pub(crate) async fn get_json(app: &TestApp, token: &str, path: &str) -> Value {
    json_of(app.get_as(token, path).await).await
}

/// A pipeline stage's id, by name.
pub(crate) async fn stage_id(app: &TestApp, token: &str, name: &str) -> String {
    let stages = get_json(app, token, "/api/v1/pipeline/stages").await;
    stages["stages"]
        .as_array()
        .expect("stages")
        .iter()
        .find(|s| s["name"] == name)
        .and_then(|s| s["id"].as_str())
        .expect("the stage")
        .to_owned()
}

/// Creates a deal of Globex at `stage` with `amount` minor units of `currency`.
pub(crate) async fn new_deal(
    app: &TestApp,
    admin: &str,
    name: &str,
    stage: &str,
    amount: i64,
    currency: &str,
) -> String {
    let globex = app.account_id("Globex Corporation").await;
    let stage = stage_id(app, admin, stage).await;
    let deal = json_of(
        app.post_as(
            admin,
            "/api/v1/deals",
            &json!({"account_id": globex, "name": name, "stage_id": stage,
                    "amount": {"minor": amount, "currency": currency}}),
        )
        .await,
    )
    .await;
    deal["id"].as_str().expect("deal id").to_owned()
}

/// Links a partner account to a deal in `role`.
pub(crate) async fn link(app: &TestApp, admin: &str, deal: &str, partner: &str, role: &str) {
    json_of(
        app.post_as(
            admin,
            &format!("/api/v1/deals/{deal}/partners"),
            &json!({"account_id": partner, "role": role}),
        )
        .await,
    )
    .await;
}

/// Changes a deal as an administrator, with the ETag of a fresh read.
pub(crate) async fn patch_deal(app: &TestApp, admin: &str, deal: &str, body: Value) -> Value {
    let res = app.get_as(admin, &format!("/api/v1/deals/{deal}")).await;
    let tag = res
        .headers()
        .get("etag")
        .and_then(|v| v.to_str().ok())
        .expect("an ETag")
        .to_owned();
    json_of(
        send(
            app,
            Method::PATCH,
            Some(admin),
            &format!("/api/v1/deals/{deal}"),
            Some(body),
            Some(&tag),
        )
        .await,
    )
    .await
}

/// Moves a deal to the stage named `stage`.
pub(crate) async fn move_to(app: &TestApp, admin: &str, deal: &str, stage: &str) {
    let stage = stage_id(app, admin, stage).await;
    patch_deal(app, admin, deal, json!({"stage_id": stage})).await;
}

/// Every commission of `account` on `deal`, newest first, as `token` lists them.
pub(crate) async fn commissions_on(
    app: &TestApp,
    token: &str,
    account: &str,
    deal: &str,
) -> Vec<Value> {
    let page = get_json(
        app,
        token,
        &format!("/api/v1/commissions?account={account}&limit=200"),
    )
    .await;
    page["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter(|c| c["deal_id"] == deal)
        .cloned()
        .collect()
}

/// The live (not clawed back) commission of `account` on `deal`.
pub(crate) async fn live_on(
    app: &TestApp,
    token: &str,
    account: &str,
    deal: &str,
) -> Option<Value> {
    commissions_on(app, token, account, deal)
        .await
        .into_iter()
        .find(|c| c["status"] != "clawed_back")
}

/// The totals of one currency in a summary.
fn totals(summary: &Value, currency: &str) -> Value {
    summary["totals"]
        .as_array()
        .expect("totals")
        .iter()
        .find(|t| t["currency"] == currency)
        .cloned()
        .unwrap_or(Value::Null)
}

/// A new partner account with no deals.
async fn new_partner(app: &TestApp, admin: &str, name: &str) -> String {
    json_of(
        app.post_as(
            admin,
            "/api/v1/admin/accounts",
            &json!({"type": "partner", "name": name}),
        )
        .await,
    )
    .await["id"]
        .as_str()
        .expect("account id")
        .to_owned()
}

async fn a_commission_goes_pending_earned_paid_and_is_clawed_back(app: TestApp) {
    app.seed_demo().await;
    let admin = app.session_for(caller(Role::Admin)).await.token;
    let partner = app.session_for(caller(Role::PartnerUser)).await.token;
    let northwind = app.account_id("Northwind Partners").await;
    let deal = new_deal(&app, &admin, "Lifecycle deal", "Proposal", 1_234_500, "EUR").await;
    link(&app, &admin, &deal, &northwind, "registered").await;
    // An earlier open stage: nothing is expected yet.
    assert!(live_on(&app, &partner, &northwind, &deal).await.is_none());

    // The final open stage: pending at the registered rate (10 %), kept at the current amount.
    move_to(&app, &admin, &deal, "Negotiation").await;
    let c = live_on(&app, &partner, &northwind, &deal)
        .await
        .expect("pending");
    assert_eq!(c["status"], "pending");
    assert_eq!(c["rate_bps"], 1000);
    assert_eq!(c["amount"], json!({"minor": 123_450, "currency": "EUR"}));
    assert_eq!(c["deal_name"], "Lifecycle deal");
    patch_deal(
        &app,
        &admin,
        &deal,
        json!({"amount": {"minor": 2_000_000, "currency": "EUR"}}),
    )
    .await;
    let c = live_on(&app, &partner, &northwind, &deal)
        .await
        .expect("pending");
    assert_eq!(c["amount"]["minor"], 200_000);
    let summary = get_json(&app, &partner, "/api/v1/commissions/summary").await;
    assert_eq!(totals(&summary, "EUR")["pending"], 200_000);

    // Back to an earlier stage: the pending commission goes; forward again: it returns.
    move_to(&app, &admin, &deal, "Proposal").await;
    assert!(live_on(&app, &partner, &northwind, &deal).await.is_none());
    move_to(&app, &admin, &deal, "Negotiation").await;

    // Won: earned, and the partner is told.
    move_to(&app, &admin, &deal, "Closed won").await;
    let c = live_on(&app, &partner, &northwind, &deal)
        .await
        .expect("earned");
    assert_eq!(c["status"], "earned");
    assert!(c["earned_at"].is_string());
    let id = c["id"].as_str().expect("id").to_owned();
    let ned = app.user_id(caller(Role::PartnerAdmin)).await;
    let told: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM notifications WHERE user_id = $1 AND kind = 'commission.earned'",
    )
    .bind(&ned)
    .fetch_one(&app.db.pool)
    .await
    .expect("notifications");
    assert_eq!(told, 1);
    let summary = get_json(&app, &partner, "/api/v1/commissions/summary").await;
    let eur = totals(&summary, "EUR");
    assert_eq!(
        (eur["pending"].as_i64(), eur["earned"].as_i64()),
        (Some(0), Some(200_000))
    );
    // Idempotent: linking again with the same role changes nothing.
    link(&app, &admin, &deal, &northwind, "registered").await;
    let again = live_on(&app, &partner, &northwind, &deal)
        .await
        .expect("earned");
    assert_eq!(again, c);

    // Paid by a payout the administrator records.
    let payout = json_of(
        app.post_as(
            &admin,
            "/api/v1/admin/commission-payouts",
            &json!({"account_id": northwind, "amount": {"minor": 200_000, "currency": "EUR"},
                    "paid_on": "2026-11-20", "reference": "WIRE-0001", "commission_ids": [id]}),
        )
        .await,
    )
    .await;
    assert_eq!(payout["commissions"][0]["deal_name"], "Lifecycle deal");
    let c = live_on(&app, &partner, &northwind, &deal)
        .await
        .expect("paid");
    assert_eq!(c["status"], "paid");
    assert_eq!(c["payout_id"], payout["id"]);
    let history = get_json(&app, &partner, "/api/v1/commissions/payouts").await;
    assert_eq!(history["items"][0]["paid_on"], "2026-11-20");
    assert_eq!(history["items"][0]["reference"], "WIRE-0001");
    assert_eq!(
        history["items"][0]["commissions"][0]["deal_id"],
        deal.as_str()
    );
    let one = get_json(
        &app,
        &partner,
        &format!(
            "/api/v1/commissions/payouts/{}",
            payout["id"].as_str().expect("id")
        ),
    )
    .await;
    assert_eq!(one["amount"]["minor"], 200_000);

    // Reopened: the paid commission is clawed back (owed back), and a new one is pending.
    move_to(&app, &admin, &deal, "Negotiation").await;
    let all = commissions_on(&app, &partner, &northwind, &deal).await;
    let clawed = all
        .iter()
        .find(|c| c["id"] == id.as_str())
        .expect("the old one");
    assert_eq!(clawed["status"], "clawed_back");
    assert!(clawed["clawed_back_at"].is_string());
    let pending = live_on(&app, &partner, &northwind, &deal)
        .await
        .expect("pending again");
    assert_eq!(pending["status"], "pending");
    let eur = totals(
        &get_json(&app, &partner, "/api/v1/commissions/summary").await,
        "EUR",
    );
    assert_eq!(eur["paid"], 200_000);
    assert_eq!(eur["clawed_back"], 200_000);
    assert_eq!(eur["recoverable"], 200_000);
    assert_eq!(eur["pending"], 200_000);
    assert_eq!(eur["balance"], -200_000);

    // Won again then lost: the new earned commission is clawed back too.
    move_to(&app, &admin, &deal, "Closed won").await;
    move_to(&app, &admin, &deal, "Closed lost").await;
    let all = commissions_on(&app, &partner, &northwind, &deal).await;
    assert_eq!(all.len(), 2);
    assert!(all.iter().all(|c| c["status"] == "clawed_back"));
    let eur = totals(
        &get_json(&app, &partner, "/api/v1/commissions/summary").await,
        "EUR",
    );
    assert_eq!(eur["earned"], 0);
    assert_eq!(eur["clawed_back"], 400_000);
    assert_eq!(eur["recoverable"], 200_000);

    // Unlinking removes a pending commission.
    let other = new_deal(&app, &admin, "Unlinked deal", "Negotiation", 100_000, "EUR").await;
    link(&app, &admin, &other, &northwind, "co_sell").await;
    assert_eq!(
        live_on(&app, &partner, &northwind, &other)
            .await
            .expect("pending")["amount"]["minor"],
        5_000
    );
    let res = send(
        &app,
        Method::DELETE,
        Some(&admin),
        &format!("/api/v1/deals/{other}/partners/{northwind}"),
        None,
        None,
    )
    .await;
    assert_eq!(res.status(), 204);
    assert!(live_on(&app, &partner, &northwind, &other).await.is_none());
    let actions: Vec<String> = app
        .audit_trail()
        .await
        .into_iter()
        .map(|(a, _)| a)
        .collect();
    for action in [
        "commission.earn",
        "commission.claw_back",
        "commission.payout.record",
    ] {
        assert!(actions.iter().any(|a| a == action), "{action} audited");
    }
}

async fn amounts_round_half_away_from_zero_and_rates_resolve_override_tier_plan(app: TestApp) {
    app.seed_demo().await;
    let admin = app.session_for(caller(Role::Admin)).await.token;
    let fabrikam = new_partner(&app, &admin, "Fabrikam Partners").await;
    let rates = |t: &Value, role: &str| {
        t["rates"]
            .as_array()
            .expect("rates")
            .iter()
            .find(|r| r["role"] == role)
            .map(|r| {
                (
                    r["rate_bps"].as_i64().unwrap_or(-1),
                    r["source"].as_str().unwrap_or("").to_owned(),
                )
            })
            .expect("the role")
    };
    let path = format!("/api/v1/commissions/rates?account={fabrikam}");
    let table = get_json(&app, &admin, &path).await;
    assert_eq!(table["plan_name"], "Standard");
    assert_eq!(rates(&table, "registered"), (1000, "plan".to_owned()));
    assert_eq!(rates(&table, "influenced"), (200, "plan".to_owned()));

    // A pending commission follows the rate in force.
    let deal = new_deal(&app, &admin, "Rounding deal", "Negotiation", 12_345, "USD").await;
    link(&app, &admin, &deal, &fabrikam, "registered").await;
    let c = live_on(&app, &admin, &fabrikam, &deal)
        .await
        .expect("pending");
    assert_eq!(c["amount"]["minor"], 1_235); // 1234.5 → 1235

    // The tier's rate (Gold) beats the plan's any-tier rate.
    let gold = "019a0000-0000-7000-8000-000000000103";
    json_of(
        send(
            &app,
            Method::PUT,
            Some(&admin),
            &format!("/api/v1/admin/accounts/{fabrikam}/tier-override"),
            Some(json!({"tier_id": gold})),
            None,
        )
        .await,
    )
    .await;
    let table = get_json(&app, &admin, &path).await;
    assert_eq!(table["tier_name"], "Gold");
    assert_eq!(rates(&table, "registered"), (1200, "tier".to_owned()));
    let c = live_on(&app, &admin, &fabrikam, &deal)
        .await
        .expect("pending");
    assert_eq!(c["rate_bps"], 1200);
    assert_eq!(c["amount"]["minor"], 1_481); // 1481.4 → 1481

    // The account's override beats both: 12 345 × 333 bps = 411.0885 → 411.
    let table = json_of(
        send(
            &app,
            Method::PUT,
            Some(&admin),
            &format!("/api/v1/admin/accounts/{fabrikam}/commission-overrides/registered"),
            Some(json!({"rate_bps": 333})),
            None,
        )
        .await,
    )
    .await;
    assert_eq!(rates(&table, "registered"), (333, "override".to_owned()));
    assert_eq!(rates(&table, "co_sell"), (600, "tier".to_owned()));
    let c = live_on(&app, &admin, &fabrikam, &deal)
        .await
        .expect("pending");
    assert_eq!(c["amount"]["minor"], 411);
    // 150 × 100 bps = 1.5 → 2 (half away from zero).
    patch_deal(
        &app,
        &admin,
        &deal,
        json!({"amount": {"minor": 150, "currency": "USD"}}),
    )
    .await;
    json_of(
        send(
            &app,
            Method::PUT,
            Some(&admin),
            &format!("/api/v1/admin/accounts/{fabrikam}/commission-overrides/registered"),
            Some(json!({"rate_bps": 100})),
            None,
        )
        .await,
    )
    .await;
    assert_eq!(
        live_on(&app, &admin, &fabrikam, &deal)
            .await
            .expect("pending")["amount"]["minor"],
        2
    );
    let res = send(
        &app,
        Method::PUT,
        Some(&admin),
        &format!("/api/v1/admin/accounts/{fabrikam}/commission-overrides/registered"),
        Some(json!({"rate_bps": 10_001})),
        None,
    )
    .await;
    assert_problem(res, 422, "validation_failed").await;

    // Cleared: back to the tier's rate; the override of the tier cleared: the plan's.
    let table = json_of(
        send(
            &app,
            Method::DELETE,
            Some(&admin),
            &format!("/api/v1/admin/accounts/{fabrikam}/commission-overrides/registered"),
            None,
            None,
        )
        .await,
    )
    .await;
    assert_eq!(rates(&table, "registered"), (1200, "tier".to_owned()));
    json_of(
        send(
            &app,
            Method::DELETE,
            Some(&admin),
            &format!("/api/v1/admin/accounts/{fabrikam}/tier-override"),
            None,
            None,
        )
        .await,
    )
    .await;
    assert_eq!(
        rates(&get_json(&app, &admin, &path).await, "registered"),
        (1000, "plan".to_owned())
    );

    // A plan of its own, with its rates replaced.
    let plan = json_of(
        app.post_as(
            &admin,
            "/api/v1/admin/commission-plans",
            &json!({"name": "Resellers", "rates": [{"role": "registered", "rate_bps": 1500}]}),
        )
        .await,
    )
    .await;
    let plan_id = plan["id"].as_str().expect("plan").to_owned();
    let table = json_of(
        send(
            &app,
            Method::PUT,
            Some(&admin),
            &format!("/api/v1/admin/accounts/{fabrikam}/commission-plan"),
            Some(json!({"plan_id": plan_id})),
            None,
        )
        .await,
    )
    .await;
    assert_eq!(table["plan_name"], "Resellers");
    assert_eq!(rates(&table, "registered"), (1500, "plan".to_owned()));
    assert_eq!(rates(&table, "co_sell"), (0, "none".to_owned()));
    let res = send(&app, Method::PUT, Some(&admin), &format!("/api/v1/admin/commission-plans/{plan_id}/rates"),
        Some(json!({"rates": [{"role": "registered", "rate_bps": 700}, {"role": "registered", "rate_bps": 800}]})), None).await;
    let body = assert_problem(res, 422, "validation_failed").await;
    assert_eq!(body["errors"][0]["field"], "rates[1]");
    let res = app
        .post_as(
            &admin,
            "/api/v1/admin/commission-plans",
            &json!({"name": "Resellers"}),
        )
        .await;
    assert_problem(res, 409, "conflict").await;
}

async fn the_projection_is_open_pipeline_times_probability_times_rate(app: TestApp) {
    app.seed_demo().await;
    let admin = app.session_for(caller(Role::Admin)).await.token;
    let fabrikam = new_partner(&app, &admin, "Fabrikam Partners").await;
    // Negotiation 75 %, Proposal 50 %; registered 10 %, referral 8 %.
    let a = new_deal(&app, &admin, "Projected A", "Negotiation", 1_000_001, "USD").await;
    link(&app, &admin, &a, &fabrikam, "registered").await;
    let b = new_deal(&app, &admin, "Projected B", "Proposal", 333, "USD").await;
    link(&app, &admin, &b, &fabrikam, "referral").await;
    let c = new_deal(&app, &admin, "Projected C", "Proposal", 200_000, "EUR").await;
    link(&app, &admin, &c, &fabrikam, "influenced").await;
    // Won and lost deals are not pipeline.
    let won = new_deal(&app, &admin, "Already won", "Closed won", 999_999, "USD").await;
    link(&app, &admin, &won, &fabrikam, "registered").await;
    let p = get_json(
        &app,
        &admin,
        &format!("/api/v1/commissions/projection?account={fabrikam}"),
    )
    .await;
    let line = |deal: &str| {
        p["deals"]
            .as_array()
            .expect("deals")
            .iter()
            .find(|d| d["deal_id"] == deal)
            .cloned()
    };
    // 1 000 001 × 75 % × 10 % = 75 000.075 → 75 000.
    assert_eq!(line(&a).expect("A")["projected"]["minor"], 75_000);
    // 333 × 50 % × 8 % = 13.32 → 13.
    assert_eq!(line(&b).expect("B")["projected"]["minor"], 13);
    // 200 000 × 50 % × 2 % = 2 000.
    assert_eq!(line(&c).expect("C")["projected"]["minor"], 2_000);
    assert!(line(&won).is_none());
    let total = |cur: &str| {
        p["totals"]
            .as_array()
            .expect("totals")
            .iter()
            .find(|t| t["currency"] == cur)
            .map(|t| t["minor"].clone())
    };
    assert_eq!(total("USD"), Some(json!(75_013)));
    assert_eq!(total("EUR"), Some(json!(2_000)));
    // Staff must name the account.
    let res = app.get_as(&admin, "/api/v1/commissions/projection").await;
    let body = assert_problem(res, 422, "validation_failed").await;
    assert_eq!(body["errors"][0]["field"], "account");
}

/// An earned commission of `partner` on a new won deal of `amount` minor units.
async fn earned_commission(
    app: &TestApp,
    admin: &str,
    partner: &str,
    name: &str,
    amount: i64,
    currency: &str,
) -> String {
    let deal = new_deal(app, admin, name, "Negotiation", amount, currency).await;
    link(app, admin, &deal, partner, "registered").await;
    move_to(app, admin, &deal, "Closed won").await;
    live_on(app, admin, partner, &deal).await.expect("earned")["id"]
        .as_str()
        .expect("id")
        .to_owned()
}

async fn payouts_refuse_what_they_cannot_pay(app: TestApp) {
    app.seed_demo().await;
    let admin = app.session_for(caller(Role::Admin)).await.token;
    let northwind = app.account_id("Northwind Partners").await;
    let contoso = app.account_id("Contoso Resellers").await;
    let earned = earned_commission(&app, &admin, &northwind, "Paid deal", 100_000, "EUR").await; // 10 000
    let dollars = earned_commission(&app, &admin, &northwind, "Dollar deal", 50_000, "USD").await; // 5 000
    let theirs = earned_commission(&app, &admin, &contoso, "Contoso deal", 70_000, "EUR").await;
    let pending_deal = new_deal(&app, &admin, "Pending deal", "Negotiation", 10_000, "EUR").await;
    link(&app, &admin, &pending_deal, &northwind, "registered").await;
    let pending = live_on(&app, &admin, &northwind, &pending_deal)
        .await
        .expect("pending")["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let pay = |amount: i64, ids: Vec<&str>| {
        json!({"account_id": northwind, "amount": {"minor": amount, "currency": "EUR"},
               "paid_on": "2026-11-21", "reference": "WIRE-7", "commission_ids": ids})
    };
    let field_of = |body: &Value| body["errors"][0]["field"].as_str().unwrap_or("").to_owned();
    // Not the sum.
    let res = app
        .post_as(
            &admin,
            "/api/v1/admin/commission-payouts",
            &pay(9_999, vec![&earned]),
        )
        .await;
    assert_eq!(
        field_of(&assert_problem(res, 422, "validation_failed").await),
        "amount"
    );
    // Not earned (pending), not the account's, another currency.
    for (id, code) in [
        (&pending, "not_allowed"),
        (&theirs, "not_found"),
        (&dollars, "invalid_value"),
    ] {
        let res = app
            .post_as(
                &admin,
                "/api/v1/admin/commission-payouts",
                &pay(10_000, vec![&earned, id]),
            )
            .await;
        let body = assert_problem(res, 422, "validation_failed").await;
        assert_eq!(body["errors"][0]["field"], "commission_ids[1]");
        assert_eq!(body["errors"][0]["code"], code);
    }
    // A bad date, an empty reference, no commissions.
    let res = app
        .post_as(
            &admin,
            "/api/v1/admin/commission-payouts",
            &json!({"account_id": northwind, "amount": {"minor": 10_000, "currency": "EUR"},
                "paid_on": "21/11/2026", "reference": " ", "commission_ids": []}),
        )
        .await;
    let body = assert_problem(res, 422, "validation_failed").await;
    let fields: Vec<&str> = body["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .filter_map(|e| e["field"].as_str())
        .collect();
    for f in ["paid_on", "reference", "commission_ids"] {
        assert!(fields.contains(&f), "{f} in {fields:?}");
    }
    // Only administrators record payouts; managers read them.
    let manager = app.session_for(caller(Role::Manager)).await.token;
    let res = app
        .post_as(
            &manager,
            "/api/v1/admin/commission-payouts",
            &pay(10_000, vec![&earned]),
        )
        .await;
    assert_problem(res, 403, "forbidden").await;
    // Nothing was written by the refusals.
    assert_eq!(
        get_json(&app, &manager, "/api/v1/admin/commission-payouts").await["items"],
        json!([])
    );
    // Paid once; paying it again is refused.
    json_of(
        app.post_as(
            &admin,
            "/api/v1/admin/commission-payouts",
            &pay(10_000, vec![&earned]),
        )
        .await,
    )
    .await;
    let res = app
        .post_as(
            &admin,
            "/api/v1/admin/commission-payouts",
            &pay(10_000, vec![&earned]),
        )
        .await;
    let body = assert_problem(res, 422, "validation_failed").await;
    assert_eq!(body["errors"][0]["code"], "not_allowed");
    assert_eq!(
        get_json(&app, &manager, "/api/v1/admin/commission-payouts").await["items"]
            .as_array()
            .map(Vec::len),
        Some(1)
    );
    let paid = get_json(
        &app,
        &manager,
        &format!("/api/v1/admin/commissions?account={northwind}&status=paid"),
    )
    .await;
    assert_eq!(paid["items"].as_array().map(Vec::len), Some(1));
}

async fn statements_export_as_csv_and_pdf_with_the_permission(app: TestApp) {
    app.seed_demo().await;
    let admin = app.session_for(caller(Role::Admin)).await.token;
    let partner = app.session_for(caller(Role::PartnerUser)).await.token;
    let northwind = app.account_id("Northwind Partners").await;
    let id = earned_commission(
        &app,
        &admin,
        &northwind,
        "Statement, deal",
        1_234_500,
        "EUR",
    )
    .await;
    json_of(
        app.post_as(
            &admin,
            "/api/v1/admin/commission-payouts",
            &json!({"account_id": northwind, "amount": {"minor": 123_450, "currency": "EUR"},
                "paid_on": "2026-01-15", "reference": "WIRE-42", "commission_ids": [id]}),
        )
        .await,
    )
    .await;
    let day = |micros: i64| portcullis::time::to_rfc3339(micros)[..10].to_owned();
    let today = day(portcullis::time::now());
    let range = format!(
        "from=2026-01-01&to={}",
        day(portcullis::time::now() + 86_400_000_000)
    );
    // "Export reports" is off by default.
    let res = app
        .get_as(
            &partner,
            &format!("/api/v1/commissions/statement.csv?{range}"),
        )
        .await;
    assert_problem(res, 403, "forbidden").await;
    let res = app
        .get_as(
            &partner,
            &format!("/api/v1/commissions/statement.pdf?{range}"),
        )
        .await;
    assert_problem(res, 403, "forbidden").await;
    json_of(send(&app, Method::PUT, Some(&admin), "/api/v1/admin/permissions",
        Some(json!({"scope": "account", "scope_id": northwind, "permission": "export_reports", "allowed": true})), None).await).await;
    let partner = app.session_for(caller(Role::PartnerUser)).await.token;
    let res = app
        .get_as(
            &partner,
            &format!("/api/v1/commissions/statement.csv?{range}"),
        )
        .await;
    assert_eq!(res.status(), 200);
    assert!(
        res.headers()["content-type"]
            .to_str()
            .unwrap_or("")
            .starts_with("text/csv")
    );
    let csv = res.text().await.expect("csv");
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(
        lines[0],
        "date,type,deal,role,rate_bps,currency,amount,amount_minor,reference"
    );
    assert_eq!(lines[1], "2026-01-15,payout,,,,EUR,1234.50,123450,WIRE-42");
    assert_eq!(
        lines[2],
        format!("{today},earned,\"Statement, deal\",registered,1000,EUR,1234.50,123450,")
    );
    assert_eq!(lines.len(), 3);
    let res = app
        .get_as(
            &partner,
            &format!("/api/v1/commissions/statement.pdf?{range}"),
        )
        .await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "application/pdf");
    let pdf = res.bytes().await.expect("pdf");
    assert!(pdf.starts_with(b"%PDF"));
    // A period before anything happened has the header only; a reversed one is refused.
    let csv = app
        .get_as(
            &partner,
            "/api/v1/commissions/statement.csv?from=2025-01-01&to=2025-12-31",
        )
        .await
        .text()
        .await
        .expect("csv");
    assert_eq!(csv.lines().count(), 1);
    let res = app
        .get_as(
            &partner,
            "/api/v1/commissions/statement.csv?from=2026-02-01&to=2026-01-01",
        )
        .await;
    let body = assert_problem(res, 422, "validation_failed").await;
    assert_eq!(body["errors"][0]["field"], "to");
    let res = app
        .get_as(
            &partner,
            "/api/v1/commissions/statement.csv?from=yesterday&to=2026-01-01",
        )
        .await;
    assert_problem(res, 422, "validation_failed").await;
    let actions: Vec<String> = app
        .audit_trail()
        .await
        .into_iter()
        .map(|(a, _)| a)
        .collect();
    assert!(actions.iter().any(|a| a == "commission.statement.export"));
}

/// Commissions and payouts as stored: (id, status, payout) and the payout count.
async fn stored(app: &TestApp) -> (Vec<(String, String, Option<String>)>, i64) {
    let rows = sqlx::query_as("SELECT id, status, payout_id FROM commissions ORDER BY id")
        .fetch_all(&app.db.pool)
        .await
        .expect("commissions");
    let payouts: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM commission_payouts")
        .fetch_one(&app.db.pool)
        .await
        .expect("payouts");
    (rows, payouts)
}

async fn a_failing_step_leaves_no_commission_change_behind(app: TestApp) {
    app.seed_demo().await;
    let admin = app.session_for(caller(Role::Admin)).await.token;
    let northwind = app.account_id("Northwind Partners").await;
    let deal = new_deal(&app, &admin, "Atomic deal", "Negotiation", 100_000, "EUR").await;
    link(&app, &admin, &deal, &northwind, "registered").await;
    // The commission becomes earned in the deal's own transaction: when its audit entry
    // cannot be written, neither the stage nor the commission changes.
    let before = stored(&app).await;
    app.fail_audit_of("commission.earn").await;
    let won = stage_id(&app, &admin, "Closed won").await;
    let tag = app
        .get_as(&admin, &format!("/api/v1/deals/{deal}"))
        .await
        .headers()["etag"]
        .to_str()
        .expect("etag")
        .to_owned();
    let res = send(
        &app,
        Method::PATCH,
        Some(&admin),
        &format!("/api/v1/deals/{deal}"),
        Some(json!({"stage_id": won})),
        Some(&tag),
    )
    .await;
    assert_eq!(res.status(), 500);
    assert_eq!(stored(&app).await, before);
    let after = get_json(&app, &admin, &format!("/api/v1/deals/{deal}")).await;
    assert_eq!(after["stage"]["name"], "Negotiation");
    app.heal().await;
    move_to(&app, &admin, &deal, "Closed won").await;
    let id = live_on(&app, &admin, &northwind, &deal)
        .await
        .expect("earned")["id"]
        .as_str()
        .expect("id")
        .to_owned();
    // A payout whose audit entry fails pays nothing.
    let before = stored(&app).await;
    app.fail_audit_of("commission.payout.record").await;
    let body = json!({"account_id": northwind, "amount": {"minor": 10_000, "currency": "EUR"},
                      "paid_on": "2026-11-23", "reference": "ATOMIC", "commission_ids": [id]});
    let res = app
        .post_as(&admin, "/api/v1/admin/commission-payouts", &body)
        .await;
    assert_eq!(res.status(), 500);
    assert_eq!(stored(&app).await, before);
    app.heal().await;
    assert_eq!(
        app.post_as(&admin, "/api/v1/admin/commission-payouts", &body)
            .await
            .status(),
        201
    );
}

async fn a_partner_user_limited_to_own_deals_sees_only_their_commissions(app: TestApp) {
    app.seed_demo().await;
    let admin = app.session_for(caller(Role::Admin)).await.token;
    let northwind = app.account_id("Northwind Partners").await;
    let nora_id = app.user_id(caller(Role::PartnerUser)).await;
    let mine = new_deal(&app, &admin, "Nora's deal", "Negotiation", 100_000, "EUR").await;
    json_of(
        app.post_as(
            &admin,
            &format!("/api/v1/deals/{mine}/partners"),
            &json!({"account_id": northwind, "role": "registered", "partner_user_id": nora_id}),
        )
        .await,
    )
    .await;
    let theirs = new_deal(
        &app,
        &admin,
        "Someone else's deal",
        "Negotiation",
        300_000,
        "EUR",
    )
    .await;
    link(&app, &admin, &theirs, &northwind, "registered").await;
    json_of(
        send(
            &app,
            Method::PATCH,
            Some(&admin),
            &format!("/api/v1/admin/accounts/{northwind}"),
            Some(json!({"partner_deal_visibility": "own"})),
            None,
        )
        .await,
    )
    .await;
    let nora = app.session_for(caller(Role::PartnerUser)).await.token;
    let ned = app.session_for(caller(Role::PartnerAdmin)).await.token;
    let listed = |page: &Value| -> Vec<String> {
        page["items"]
            .as_array()
            .expect("items")
            .iter()
            .filter_map(|c| c["deal_name"].as_str().map(str::to_owned))
            .collect()
    };
    assert_eq!(
        listed(&get_json(&app, &nora, "/api/v1/commissions").await),
        ["Nora's deal"]
    );
    assert_eq!(
        listed(&get_json(&app, &ned, "/api/v1/commissions").await).len(),
        2
    );
    let eur = totals(
        &get_json(&app, &nora, "/api/v1/commissions/summary").await,
        "EUR",
    );
    assert_eq!(eur["pending"], 10_000);
    let eur = totals(
        &get_json(&app, &ned, "/api/v1/commissions/summary").await,
        "EUR",
    );
    assert_eq!(eur["pending"], 40_000);
    let other = live_on(&app, &ned, &northwind, &theirs)
        .await
        .expect("pending")["id"]
        .as_str()
        .expect("id")
        .to_owned();
    assert_problem(
        app.get_as(&nora, &format!("/api/v1/commissions/{other}"))
            .await,
        404,
        "not_found",
    )
    .await;
    let projected = get_json(&app, &nora, "/api/v1/commissions/projection").await;
    let names: Vec<&str> = projected["deals"]
        .as_array()
        .expect("deals")
        .iter()
        .filter_map(|d| d["deal_name"].as_str())
        .collect();
    // Her demo deals too, never another user's.
    assert!(names.contains(&"Nora's deal"));
    assert!(!names.contains(&"Someone else's deal"));
    let all = get_json(&app, &ned, "/api/v1/commissions/projection").await;
    assert_eq!(all["deals"].as_array().map(Vec::len), Some(names.len() + 1));
}

// ---------------------------------------------------------------------------------------
// Authorization

/// Who may call a commission or programme operation.
#[derive(Clone, Copy, PartialEq)]
enum Allowed {
    /// Partner users and administrators (with "View commissions" / "View partner tier
    /// status", on by default) and internal users; not customers.
    PartnersAndStaff,
    /// Internal users (partners need "Export reports", off by default).
    Staff,
    /// Administrators, managers and channel managers.
    Programme,
    /// Administrators.
    Admins,
}

impl Allowed {
    fn admits(self, role: Role) -> bool {
        match self {
            Allowed::PartnersAndStaff => role != Role::CustomerUser,
            Allowed::Staff => role.is_internal(),
            Allowed::Programme => {
                matches!(role, Role::Admin | Role::Manager | Role::ChannelManager)
            }
            Allowed::Admins => role == Role::Admin,
        }
    }
}

struct ProgrammeCase {
    method: Method,
    /// `{partner}`, `{commission}`, `{payout}`, `{plan}`, `{tier}`, `{tier_to_delete}`,
    /// `{role}` and (in bodies) `{earned}` are replaced.
    path: &'static str,
    allowed: Allowed,
    ok: u16,
    body: fn(&str) -> Option<Value>,
}

fn none(_: &str) -> Option<Value> {
    None
}

fn pc(
    method: Method,
    path: &'static str,
    allowed: Allowed,
    ok: u16,
    body: fn(&str) -> Option<Value>,
) -> ProgrammeCase {
    ProgrammeCase {
        method,
        path,
        allowed,
        ok,
        body,
    }
}

/// A rank no other case's tier takes.
fn rank_of(who: &str) -> i64 {
    who.bytes()
        .fold(1_000_i64, |h, b| (h * 31 + i64::from(b)) % 1_000_000_007)
        + 10
}

fn programme_cases() -> Vec<ProgrammeCase> {
    use Allowed::*;
    vec![
        pc(
            Method::GET,
            "/api/v1/commissions/summary?account={partner}",
            PartnersAndStaff,
            200,
            none,
        ),
        pc(
            Method::GET,
            "/api/v1/commissions?account={partner}",
            PartnersAndStaff,
            200,
            none,
        ),
        pc(
            Method::GET,
            "/api/v1/commissions/payouts?account={partner}",
            PartnersAndStaff,
            200,
            none,
        ),
        pc(
            Method::GET,
            "/api/v1/commissions/payouts/{payout}",
            PartnersAndStaff,
            200,
            none,
        ),
        pc(
            Method::GET,
            "/api/v1/commissions/rates?account={partner}",
            PartnersAndStaff,
            200,
            none,
        ),
        pc(
            Method::GET,
            "/api/v1/commissions/projection?account={partner}",
            PartnersAndStaff,
            200,
            none,
        ),
        pc(
            Method::GET,
            "/api/v1/commissions/{commission}",
            PartnersAndStaff,
            200,
            none,
        ),
        pc(
            Method::GET,
            "/api/v1/tier/status?account={partner}",
            PartnersAndStaff,
            200,
            none,
        ),
        pc(
            Method::GET,
            "/api/v1/commissions/statement.csv?account={partner}&from=2026-01-01&to=2026-12-31",
            Staff,
            200,
            none,
        ),
        pc(
            Method::GET,
            "/api/v1/commissions/statement.pdf?account={partner}&from=2026-01-01&to=2026-12-31",
            Staff,
            200,
            none,
        ),
        pc(
            Method::GET,
            "/api/v1/admin/commission-plans",
            Programme,
            200,
            none,
        ),
        pc(
            Method::POST,
            "/api/v1/admin/commission-plans",
            Programme,
            201,
            |who| {
                Some(
                    json!({"name": format!("Plan {who}"), "rates": [{"role": "referral", "rate_bps": 900}]}),
                )
            },
        ),
        pc(
            Method::PATCH,
            "/api/v1/admin/commission-plans/{plan}",
            Programme,
            200,
            |who| Some(json!({"name": format!("Renamed by {who}")})),
        ),
        pc(
            Method::PUT,
            "/api/v1/admin/commission-plans/{plan}/rates",
            Programme,
            200,
            |_| Some(json!({"rates": [{"role": "registered", "rate_bps": 1100}]})),
        ),
        pc(
            Method::PUT,
            "/api/v1/admin/accounts/{partner}/commission-plan",
            Programme,
            200,
            |_| Some(json!({"plan_id": null})),
        ),
        pc(
            Method::PUT,
            "/api/v1/admin/accounts/{partner}/commission-overrides/{role}",
            Programme,
            200,
            |_| Some(json!({"rate_bps": 900})),
        ),
        pc(
            Method::DELETE,
            "/api/v1/admin/accounts/{partner}/commission-overrides/{role}",
            Programme,
            200,
            none,
        ),
        pc(
            Method::GET,
            "/api/v1/admin/commissions?status=earned",
            Programme,
            200,
            none,
        ),
        pc(
            Method::GET,
            "/api/v1/admin/commission-payouts",
            Programme,
            200,
            none,
        ),
        pc(
            Method::POST,
            "/api/v1/admin/commission-payouts",
            Admins,
            201,
            |_| {
                Some(
                    json!({"account_id": "{partner}", "amount": {"minor": 10_000, "currency": "EUR"},
                        "paid_on": "2026-11-22", "reference": "MATRIX", "commission_ids": ["{earned}"]}),
                )
            },
        ),
        pc(Method::GET, "/api/v1/admin/tiers", Programme, 200, none),
        pc(Method::POST, "/api/v1/admin/tiers", Programme, 201, |who| {
            Some(
                json!({"name": format!("Tier {who}"), "rank": rank_of(who), "min_won_minor": 1,
                        "min_won_deals": 1, "currency": "USD"}),
            )
        }),
        pc(
            Method::PATCH,
            "/api/v1/admin/tiers/{tier}",
            Programme,
            200,
            |_| Some(json!({"protection_days": 100})),
        ),
        pc(
            Method::DELETE,
            "/api/v1/admin/tiers/{tier_to_delete}",
            Programme,
            204,
            none,
        ),
        pc(
            Method::POST,
            "/api/v1/admin/tiers/recompute",
            Programme,
            200,
            none,
        ),
        pc(
            Method::PUT,
            "/api/v1/admin/accounts/{partner}/tier-override",
            Programme,
            200,
            |_| Some(json!({"tier_id": "{tier}"})),
        ),
        pc(
            Method::DELETE,
            "/api/v1/admin/accounts/{partner}/tier-override",
            Programme,
            200,
            none,
        ),
    ]
}

/// The commission and programme operations, as (method, path) for the API-wide check.
pub fn operations() -> Vec<(String, String)> {
    programme_cases()
        .into_iter()
        .map(|c| (c.method.as_str().to_owned(), c.path.to_owned()))
        .collect()
}

async fn every_programme_endpoint_answers_every_role_and_object(app: TestApp) {
    app.seed_demo().await;
    let admin = app.session_for(caller(Role::Admin)).await.token;
    let northwind = app.account_id("Northwind Partners").await;
    let contoso = app.account_id("Contoso Resellers").await;
    let own_commission =
        earned_commission(&app, &admin, &northwind, "Matrix Northwind", 100_000, "EUR").await;
    let earned =
        earned_commission(&app, &admin, &northwind, "Matrix payable", 100_000, "EUR").await;
    let foreign_commission =
        earned_commission(&app, &admin, &contoso, "Matrix Contoso", 100_000, "EUR").await;
    let payout_for = |account: &str, id: &str| {
        json!({"account_id": account, "amount": {"minor": 10_000, "currency": "EUR"},
               "paid_on": "2026-11-01", "reference": "SETUP", "commission_ids": [id]})
    };
    let own_payout = json_of(
        app.post_as(
            &admin,
            "/api/v1/admin/commission-payouts",
            &payout_for(&northwind, &own_commission),
        )
        .await,
    )
    .await["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let foreign_payout = json_of(
        app.post_as(
            &admin,
            "/api/v1/admin/commission-payouts",
            &payout_for(&contoso, &foreign_commission),
        )
        .await,
    )
    .await["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let plan = json_of(
        app.post_as(
            &admin,
            "/api/v1/admin/commission-plans",
            &json!({"name": "Matrix plan"}),
        )
        .await,
    )
    .await["id"]
        .as_str()
        .expect("plan")
        .to_owned();
    let tier = "019a0000-0000-7000-8000-000000000102";
    let ghost = "01900000-0000-7000-8000-000000000000";
    let mut checked = 0;
    let mut failures = Vec::new();
    for c in programme_cases() {
        for who in std::iter::once(None).chain(Role::ALL.into_iter().map(Some)) {
            let name = who.map_or("anonymous", |r| r.as_str());
            let partner_caller = matches!(who, Some(Role::PartnerUser | Role::PartnerAdmin));
            let names_object = c.path.contains('{');
            let mut objects = vec!["own"];
            if who.is_some() && names_object {
                objects.push("missing");
            }
            let foreign_kind = ["{partner}", "{commission}", "{payout}"]
                .iter()
                .any(|k| c.path.contains(k));
            if partner_caller && foreign_kind && c.allowed == Allowed::PartnersAndStaff {
                objects.push("foreign");
            }
            for object in objects {
                let token = match who {
                    Some(role) => Some(app.session_for(caller(role)).await.token),
                    None => None,
                };
                let tier_to_delete = if c.path.contains("{tier_to_delete}") {
                    json_of(app.post_as(&admin, "/api/v1/admin/tiers", &json!({
                        "name": format!("Doomed {name} {object}"), "rank": rank_of(&format!("doomed-{name}-{object}")),
                        "min_won_minor": 0, "min_won_deals": 0, "currency": "USD"})).await).await["id"].as_str().expect("tier").to_owned()
                } else {
                    String::new()
                };
                let pick = |own: &str, foreign: &str| match object {
                    "missing" => ghost.to_owned(),
                    "foreign" => foreign.to_owned(),
                    _ => own.to_owned(),
                };
                let fill = |t: &str| {
                    t.replace("{partner}", &pick(&northwind, &contoso))
                        .replace("{commission}", &pick(&own_commission, &foreign_commission))
                        .replace("{payout}", &pick(&own_payout, &foreign_payout))
                        .replace("{plan}", &pick(&plan, &plan))
                        .replace("{tier_to_delete}", &pick(&tier_to_delete, &tier_to_delete))
                        .replace("{tier}", &pick(tier, tier))
                        .replace("{role}", "registered")
                        .replace("{earned}", &earned)
                };
                let body = (c.body)(&format!("{name}-{object}"))
                    .map(|b| serde_json::from_str::<Value>(&fill(&b.to_string())).expect("json"));
                let res = send(
                    &app,
                    c.method.clone(),
                    token.as_deref(),
                    &fill(c.path),
                    body,
                    None,
                )
                .await;
                let status = res.status().as_u16();
                let expected = match who {
                    None => 401,
                    Some(role) if !c.allowed.admits(role) => 403,
                    Some(_) if object != "own" => 404,
                    Some(_) => c.ok,
                };
                checked += 1;
                if status != expected {
                    let text = res.text().await.unwrap_or_default();
                    failures.push(format!(
                        "{} {} as {name} ({object}): {status}, expected {expected}: {}",
                        c.method,
                        c.path,
                        text.chars().take(200).collect::<String>()
                    ));
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {checked} programme cases failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

async fn partners_without_the_permission_see_no_commissions(app: TestApp) {
    app.seed_demo().await;
    let admin = app.session_for(caller(Role::Admin)).await.token;
    let northwind = app.account_id("Northwind Partners").await;
    json_of(send(&app, Method::PUT, Some(&admin), "/api/v1/admin/permissions",
        Some(json!({"scope": "account", "scope_id": northwind, "permission": "view_commissions", "allowed": false})), None).await).await;
    let partner = app.session_for(caller(Role::PartnerUser)).await.token;
    for path in [
        "/api/v1/commissions",
        "/api/v1/commissions/summary",
        "/api/v1/commissions/rates",
        "/api/v1/commissions/projection",
        "/api/v1/commissions/payouts",
    ] {
        assert_problem(app.get_as(&partner, path).await, 403, "forbidden").await;
    }
    // Tier status is a permission of its own.
    assert_eq!(
        app.get_as(&partner, "/api/v1/tier/status").await.status(),
        200
    );
}

on_both_backends!(
    a_commission_goes_pending_earned_paid_and_is_clawed_back,
    amounts_round_half_away_from_zero_and_rates_resolve_override_tier_plan,
    the_projection_is_open_pipeline_times_probability_times_rate,
    payouts_refuse_what_they_cannot_pay,
    statements_export_as_csv_and_pdf_with_the_permission,
    every_programme_endpoint_answers_every_role_and_object,
    partners_without_the_permission_see_no_commissions,
    a_failing_step_leaves_no_commission_change_behind,
    a_partner_user_limited_to_own_deals_sees_only_their_commissions,
);
