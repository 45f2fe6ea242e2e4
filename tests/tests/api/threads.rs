//! Deal threads and the co-selling workspace: who reads which thread, mentions and their
//! notices, read state, internal notes that never leave the company, strategy notes, joint
//! tasks, and the authorization matrix of every collaboration operation (requests included).

use portcullis_shared::Role;
use portcullis_tests::demo::{
    ADMIN, CUSTOMER, OTHER_CUSTOMER, PARTNER, PARTNER_ADMIN, REP, caller,
};
use portcullis_tests::{TestApp, on_both_backends};
use reqwest::Method;
use serde_json::{Value, json};

/// The demo data, with Northwind (which co-sells the Globex rollout) given the co-selling
/// workspace.
pub async fn seeded(app: &TestApp) {
    app.seed_demo().await;
    let northwind = app.account_id("Northwind Partners").await;
    sqlx::query(
        "INSERT INTO permission_overrides (scope_kind, scope_id, permission, allowed, updated_at) \
         VALUES ('account', $1, 'access_co_sell_workspace', 1, 0)",
    )
    .bind(&northwind)
    .execute(&app.db.pool)
    .await
    .expect("grant the co-selling workspace");
}

pub async fn send(
    app: &TestApp,
    method: Method,
    token: Option<&str>,
    path: &str,
    body: Option<Value>,
) -> reqwest::Response {
    let mut req = app.client.request(method, app.url(path));
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    if let Some(b) = body {
        req = req.json(&b);
    }
    req.send().await.expect("sent")
}

pub async fn json_of(res: reqwest::Response) -> Value {
    let status = res.status();
    let url = res.url().to_string();
    let body = res.text().await.expect("body");
    assert!(status.is_success(), "{url}: {status} {body}");
    if body.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&body).expect("json")
    }
}

pub async fn token(app: &TestApp, email: &str) -> String {
    app.session_for(email).await.token
}

pub async fn count(app: &TestApp, sql: &str, bind: &str) -> i64 {
    sqlx::query_scalar(sqlx::AssertSqlSafe(sql.to_owned()))
        .bind(bind.to_owned())
        .fetch_one(&app.db.pool)
        .await
        .expect("count")
}

fn thread<'a>(list: &'a Value, audience: &str) -> &'a Value {
    list.as_array()
        .expect("threads")
        .iter()
        .find(|t| t["audience"] == audience)
        .unwrap_or(&Value::Null)
}

async fn customers_and_the_company_talk_in_the_customer_thread(app: TestApp) {
    seeded(&app).await;
    let deal = app.demo_deal("demo-globex-rollout").await;
    let rep_id = app.user_id(REP).await;
    let customer_id = app.user_id(CUSTOMER).await;
    let (rep, customer, partner) = (
        token(&app, REP).await,
        token(&app, CUSTOMER).await,
        token(&app, PARTNER).await,
    );
    let rep_name: String = sqlx::query_scalar("SELECT name FROM users WHERE id = $1")
        .bind(&rep_id)
        .fetch_one(&app.db.pool)
        .await
        .expect("name");
    let posts = format!("/api/v1/deals/{deal}/threads/customer/posts");

    // The customer mentions the rep: the rep is told, in the app and by email.
    let body = format!(
        "Hello **team**, @[Rita](user:{rep_id}) can you send the quote? <script>alert(1)</script>"
    );
    let res = app
        .post_as(&customer, &posts, &json!({ "body": body }))
        .await;
    assert_eq!(res.status(), 201);
    let post = json_of(res).await;
    let text = post.to_string();
    assert!(
        !text.contains(&rep_id),
        "an external response names an internal id: {text}"
    );
    assert_eq!(
        post["author"]["id"],
        customer_id.as_str(),
        "authors see their own id"
    );
    assert_eq!(post["author_side"], "customer");
    assert_eq!(post["mentions"], json!([{ "name": rep_name }]));
    assert!(
        post["body"]
            .as_str()
            .expect("body")
            .contains(&format!("@{rep_name}"))
    );
    let html = post["body_html"].as_str().expect("html");
    assert!(html.contains("<strong>team</strong>"), "{html}");
    assert!(!html.contains("<script"), "{html}");
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM notifications WHERE user_id = $1 AND kind = 'thread.mention'",
            &rep_id
        )
        .await,
        1
    );
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM notifications WHERE user_id = $1 AND kind = 'thread.post'",
            &rep_id
        )
        .await,
        0,
        "one notice per post"
    );
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM outbox WHERE to_email = $1 AND subject LIKE '%mentioned you%'",
            REP
        )
        .await,
        1
    );
    // The team sees the customer's engagement on the internal timeline, the customer does not.
    let timeline = json_of(
        app.get_as(&rep, &format!("/api/v1/deals/{deal}/timeline"))
            .await,
    )
    .await;
    assert!(timeline.to_string().contains("thread.posted"));
    let timeline = json_of(
        app.get_as(&customer, &format!("/api/v1/deals/{deal}/timeline"))
            .await,
    )
    .await;
    assert!(!timeline.to_string().contains("thread.posted"));

    // The company reads the mention as written, with ids, and has one unread post.
    let threads = json_of(
        app.get_as(&rep, &format!("/api/v1/deals/{deal}/threads"))
            .await,
    )
    .await;
    assert_eq!(threads.as_array().expect("threads").len(), 2);
    assert_eq!(thread(&threads, "customer")["unread"], 1);
    assert_eq!(thread(&threads, "customer")["post_count"], 1);
    assert_eq!(thread(&threads, "partner")["post_count"], 0);
    let page = json_of(app.get_as(&rep, &posts).await).await;
    assert_eq!(page["items"][0]["mentions"][0]["id"], rep_id.as_str());
    assert!(
        page["items"][0]["body"]
            .as_str()
            .expect("body")
            .contains(&rep_id)
    );
    let res = app
        .post_as(
            &rep,
            &format!("/api/v1/deals/{deal}/threads/customer/read"),
            &json!({}),
        )
        .await;
    assert_eq!(res.status(), 204);
    let threads = json_of(
        app.get_as(&rep, &format!("/api/v1/deals/{deal}/threads"))
            .await,
    )
    .await;
    assert_eq!(thread(&threads, "customer")["unread"], 0);

    // The rep answers and writes an internal note; the customer is told of the answer only,
    // and never receives the note.
    sqlx::query("UPDATE users SET notification_prefs = $1 WHERE id = $2")
        .bind(r#"{"deal_updates":true,"new_messages":false,"shared_documents":true,"request_updates":true,"weekly_digest":false}"#)
        .bind(&customer_id)
        .execute(&app.db.pool)
        .await
        .expect("prefs");
    let res = app
        .post_as(&rep, &posts, &json!({ "body": "The quote is on its way." }))
        .await;
    assert_eq!(res.status(), 201);
    let res = app
        .post_as(
            &rep,
            &posts,
            &json!({ "body": "Discount ceiling is 12% INTERNAL-THREAD-NOTE", "internal": true }),
        )
        .await;
    assert_eq!(res.status(), 201);
    assert_eq!(json_of(res).await["internal"], true);
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM notifications WHERE user_id = $1 AND kind = 'thread.post'",
            &customer_id
        )
        .await,
        1,
        "told of the answer, not of the note"
    );
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM outbox WHERE to_email = $1",
            CUSTOMER
        )
        .await,
        0,
        "the customer turned message emails off"
    );
    let page = json_of(app.get_as(&customer, &posts).await).await;
    assert_eq!(page["items"].as_array().expect("items").len(), 2);
    assert!(!page.to_string().contains("INTERNAL-THREAD-NOTE"));
    let threads = json_of(
        app.get_as(&customer, &format!("/api/v1/deals/{deal}/threads"))
            .await,
    )
    .await;
    assert_eq!(
        threads.as_array().expect("threads").len(),
        1,
        "the customer thread only"
    );
    assert_eq!(thread(&threads, "customer")["post_count"], 2);
    assert_eq!(thread(&threads, "customer")["unread"], 1);
    let page = json_of(app.get_as(&rep, &posts).await).await;
    assert_eq!(page["items"].as_array().expect("items").len(), 3);
    // Paging: newest first, one at a time, every post once.
    let mut seen = Vec::new();
    let mut before: Option<String> = None;
    loop {
        let path = match &before {
            Some(b) => format!("{posts}?limit=1&before={b}"),
            None => format!("{posts}?limit=1"),
        };
        let page = json_of(app.get_as(&rep, &path).await).await;
        for p in page["items"].as_array().expect("items") {
            seen.push(p["id"].as_str().expect("id").to_owned());
        }
        match page["next"].as_str() {
            Some(n) => before = Some(n.to_owned()),
            None => break,
        }
    }
    assert_eq!(seen.len(), 3);

    // The co-selling partner has no way into the customer thread.
    assert_eq!(app.get_as(&partner, &posts).await.status(), 404);
    assert_eq!(
        app.post_as(&partner, &posts, &json!({ "body": "hi" }))
            .await
            .status(),
        404
    );

    // Bad input names every bad field and writes nothing.
    let before_posts = count(
        &app,
        "SELECT COUNT(*) FROM thread_posts WHERE deal_id = $1",
        &deal,
    )
    .await;
    let res = app
        .post_as(
            &customer,
            &posts,
            &json!({ "body": "  ", "internal": true }),
        )
        .await;
    let problem = portcullis_tests::assert_problem(res, 422, "validation_failed").await;
    let fields: Vec<&str> = problem["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .map(|e| e["field"].as_str().expect("field"))
        .collect();
    assert!(
        fields.contains(&"body") && fields.contains(&"internal"),
        "{problem}"
    );
    let res = app
        .post_as(
            &rep,
            &posts,
            &json!({ "body": format!("@[Cus](user:{customer_id}) hi") }),
        )
        .await;
    portcullis_tests::assert_problem(res, 422, "validation_failed").await;
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM thread_posts WHERE deal_id = $1",
            &deal
        )
        .await,
        before_posts
    );
    let res = app
        .post_as(
            &rep,
            &format!("/api/v1/deals/{deal}/threads/internal/posts"),
            &json!({ "body": "x" }),
        )
        .await;
    assert_eq!(res.status(), 404);
}

async fn another_accounts_customer_reaches_nothing_of_the_deal(app: TestApp) {
    seeded(&app).await;
    let deal = app.demo_deal("demo-globex-rollout").await;
    let other = token(&app, OTHER_CUSTOMER).await;
    for path in [
        format!("/api/v1/deals/{deal}/threads"),
        format!("/api/v1/deals/{deal}/threads/customer/posts"),
        format!("/api/v1/deals/{deal}/requests"),
        format!("/api/v1/deals/{deal}/workspace"),
        format!("/api/v1/deals/{deal}/strategy-notes"),
    ] {
        assert_eq!(app.get_as(&other, &path).await.status(), 404, "{path}");
    }
    for path in [
        format!("/api/v1/deals/{deal}/threads/customer/posts"),
        format!("/api/v1/deals/{deal}/threads/customer/read"),
        format!("/api/v1/deals/{deal}/requests"),
    ] {
        let res = app
            .post_as(
                &other,
                &path,
                &json!({ "body": "x", "kind": "quote", "title": "x" }),
            )
            .await;
        assert_eq!(res.status(), 404, "{path}");
    }
}

async fn the_co_selling_workspace_is_shared_with_the_partner_only(app: TestApp) {
    seeded(&app).await;
    let deal = app.demo_deal("demo-globex-rollout").await;
    let partner_id = app.user_id(PARTNER).await;
    let (rep, customer, partner, partner_admin) = (
        token(&app, REP).await,
        token(&app, CUSTOMER).await,
        token(&app, PARTNER).await,
        token(&app, PARTNER_ADMIN).await,
    );
    let notes = format!("/api/v1/deals/{deal}/strategy-notes");
    let tasks = format!("/api/v1/deals/{deal}/joint-tasks");
    let res = app
        .post_as(
            &partner,
            &notes,
            &json!({ "body": "Their CFO decides; lead with TCO." }),
        )
        .await;
    assert_eq!(res.status(), 201);
    let note = json_of(res).await;
    assert_eq!(note["author_side"], "partner");
    let res = app
        .post_as(
            &rep,
            &notes,
            &json!({ "body": "Agreed, we bring the case study." }),
        )
        .await;
    assert_eq!(res.status(), 201);
    let res = app
        .post_as(
            &rep,
            &tasks,
            &json!({ "title": "Joint call with the CFO", "assignee_id": partner_id,
                                        "due_at": "2030-01-01T10:00:00Z" }),
        )
        .await;
    assert_eq!(res.status(), 201);
    let task = json_of(res).await;
    assert_eq!(task["audience"], "partner");
    assert_eq!(task["deal_name"], "Globex platform rollout");
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM notifications WHERE user_id = $1 AND kind = 'task.assigned'",
            &partner_id
        )
        .await,
        1
    );
    // Someone outside the deal cannot be given a joint task.
    let stranger = app.user_id(OTHER_CUSTOMER).await;
    let res = app
        .post_as(
            &rep,
            &tasks,
            &json!({ "title": "", "assignee_id": stranger, "due_at": "soon" }),
        )
        .await;
    let problem = portcullis_tests::assert_problem(res, 422, "validation_failed").await;
    assert_eq!(
        problem["errors"].as_array().expect("errors").len(),
        3,
        "{problem}"
    );

    let ws = json_of(
        app.get_as(&partner, &format!("/api/v1/deals/{deal}/workspace"))
            .await,
    )
    .await;
    assert_eq!(ws["name"], "Globex platform rollout");
    assert!(!ws["company_team"].as_array().expect("team").is_empty());
    assert!(
        !ws["partner_participants"]
            .as_array()
            .expect("participants")
            .is_empty()
    );
    let kinds: Vec<&str> = ws["timeline"]
        .as_array()
        .expect("timeline")
        .iter()
        .map(|i| i["kind"].as_str().expect("kind"))
        .collect();
    assert!(
        kinds.contains(&"strategy_note")
            && kinds.contains(&"joint_task")
            && kinds.contains(&"event"),
        "{kinds:?}"
    );
    assert_eq!(
        json_of(app.get_as(&partner, &notes).await).await["items"]
            .as_array()
            .expect("notes")
            .len(),
        2
    );
    assert_eq!(
        json_of(app.get_as(&partner_admin, &tasks).await).await["items"]
            .as_array()
            .expect("tasks")
            .len(),
        1
    );

    // The customer never learns the workspace exists.
    for path in [&notes, &tasks, &format!("/api/v1/deals/{deal}/workspace")] {
        assert_eq!(app.get_as(&customer, path).await.status(), 404, "{path}");
    }
    assert_eq!(
        app.post_as(&customer, &notes, &json!({ "body": "x" }))
            .await
            .status(),
        404
    );
    // Nor the partner thread; the partner has it.
    let partner_posts = format!("/api/v1/deals/{deal}/threads/partner/posts");
    assert_eq!(app.get_as(&customer, &partner_posts).await.status(), 404);
    assert_eq!(
        app.post_as(
            &partner,
            &partner_posts,
            &json!({ "body": "Ready when you are" })
        )
        .await
        .status(),
        201
    );
    let threads = json_of(
        app.get_as(&partner, &format!("/api/v1/deals/{deal}/threads"))
            .await,
    )
    .await;
    assert_eq!(threads.as_array().expect("threads").len(), 1);
    assert_eq!(thread(&threads, "partner")["post_count"], 1);

    // The company's answer reaches the partner users who may read the thread only.
    let partner_admin_id = app.user_id(PARTNER_ADMIN).await;
    sqlx::query(
        "INSERT INTO permission_overrides (scope_kind, scope_id, permission, allowed, updated_at) \
         VALUES ('user', $1, 'access_co_sell_workspace', 0, 0)",
    )
    .bind(&partner_admin_id)
    .execute(&app.db.pool)
    .await
    .expect("revoke");
    let res = app
        .post_as(
            &rep,
            &partner_posts,
            &json!({ "body": "Great, Thursday then" }),
        )
        .await;
    assert_eq!(res.status(), 201);
    let told = "SELECT COUNT(*) FROM notifications WHERE user_id = $1 AND kind = 'thread.post'";
    assert_eq!(count(&app, told, &partner_id).await, 1);
    assert_eq!(count(&app, told, &partner_admin_id).await, 0);
    assert_eq!(
        count(&app, told, &app.user_id(CUSTOMER).await).await,
        0,
        "the customer hears nothing of the partner thread"
    );

    // The assignee moves the joint task; another partner user may not.
    let task_path = format!("/api/v1/tasks/{}", task["id"].as_str().expect("id"));
    let res = send(
        &app,
        Method::PATCH,
        Some(&partner_admin),
        &task_path,
        Some(json!({"status": "done"})),
    )
    .await;
    assert_eq!(res.status(), 404);
    let res = send(
        &app,
        Method::PATCH,
        Some(&partner),
        &task_path,
        Some(json!({"status": "in_progress"})),
    )
    .await;
    assert_eq!(json_of(res).await["status"], "in_progress");
    let res = send(
        &app,
        Method::PATCH,
        Some(&rep),
        &task_path,
        Some(json!({"status": "done"})),
    )
    .await;
    assert_eq!(json_of(res).await["status"], "done");

    // A deal Northwind does not co-sell has no workspace.
    let unlinked = app.demo_deal("demo-globex-support").await;
    let admin = token(&app, ADMIN).await;
    assert_eq!(
        app.get_as(&admin, &format!("/api/v1/deals/{unlinked}/workspace"))
            .await
            .status(),
        404
    );
    assert_eq!(
        app.get_as(&partner, &format!("/api/v1/deals/{unlinked}/workspace"))
            .await
            .status(),
        404
    );
}

/// Markers planted in each audience's items: no customer response carries an internal or a
/// partner marker, no partner response an internal or a customer one.
async fn no_response_carries_another_audiences_marker(app: TestApp) {
    seeded(&app).await;
    let deal = app.demo_deal("demo-globex-rollout").await;
    let (rep, customer, partner) = (
        token(&app, REP).await,
        token(&app, CUSTOMER).await,
        token(&app, PARTNER).await,
    );
    const INTERNAL: &str = "MARK-INTERNAL-7f3a";
    const PARTNER_MARK: &str = "MARK-PARTNER-91c2";
    const CUSTOMER_MARK: &str = "MARK-CUSTOMER-4d8e";
    let base = format!("/api/v1/deals/{deal}");
    for (token, path, body) in [
        (
            &rep,
            format!("{base}/threads/customer/posts"),
            json!({"body": format!("note {INTERNAL}"), "internal": true}),
        ),
        (
            &rep,
            format!("{base}/threads/partner/posts"),
            json!({"body": format!("note {INTERNAL}"), "internal": true}),
        ),
        (
            &customer,
            format!("{base}/threads/customer/posts"),
            json!({"body": format!("hello {CUSTOMER_MARK}")}),
        ),
        (
            &customer,
            format!("{base}/requests"),
            json!({"kind": "quote", "title": format!("quote {CUSTOMER_MARK}"), "body": CUSTOMER_MARK}),
        ),
        (
            &partner,
            format!("{base}/threads/partner/posts"),
            json!({"body": format!("hello {PARTNER_MARK}")}),
        ),
        (
            &partner,
            format!("{base}/strategy-notes"),
            json!({"body": format!("plan {PARTNER_MARK}")}),
        ),
        (
            &partner,
            format!("{base}/requests"),
            json!({"kind": "meeting", "title": format!("sync {PARTNER_MARK}")}),
        ),
        (
            &rep,
            format!("{base}/strategy-notes"),
            json!({"body": format!("plan {PARTNER_MARK}")}),
        ),
    ] {
        let res = app.post_as(token, &path, &body).await;
        assert_eq!(
            res.status(),
            201,
            "{path}: {}",
            res.text().await.unwrap_or_default()
        );
    }
    let partner_id = app.user_id(PARTNER).await;
    let res = app
        .post_as(
            &rep,
            &format!("{base}/joint-tasks"),
            &json!({"title": format!("call {PARTNER_MARK}"), "assignee_id": partner_id}),
        )
        .await;
    assert_eq!(res.status(), 201);
    // The company answers the customer's request in the customer's audience.
    let requests = json_of(app.get_as(&rep, "/api/v1/requests").await).await;
    for r in requests["items"].as_array().expect("requests") {
        let res = send(
            &app,
            Method::PATCH,
            Some(&rep),
            &format!("/api/v1/requests/{}", r["id"].as_str().expect("id")),
            Some(json!({"status": "in_progress"})),
        )
        .await;
        assert_eq!(res.status(), 200);
    }
    let paths = [
        base.clone(),
        format!("{base}/timeline"),
        format!("{base}/threads"),
        format!("{base}/threads/customer/posts"),
        format!("{base}/threads/partner/posts"),
        format!("{base}/requests"),
        format!("{base}/strategy-notes"),
        format!("{base}/joint-tasks"),
        format!("{base}/workspace"),
        "/api/v1/requests".to_owned(),
        "/api/v1/deals".to_owned(),
        "/api/v1/notifications".to_owned(),
        "/api/v1/me".to_owned(),
    ];
    let mut searched = 0;
    for (who, token, forbidden) in [
        ("customer", &customer, [INTERNAL, PARTNER_MARK]),
        ("partner", &partner, [INTERNAL, CUSTOMER_MARK]),
    ] {
        for path in &paths {
            let res = app.get_as(token, path).await;
            let body = res.text().await.expect("body");
            searched += 1;
            for m in forbidden {
                assert!(!body.contains(m), "{path} as {who} leaked {m}: {body}");
            }
        }
    }
    // The markers are there for those who may read them.
    let own = app
        .get_as(&partner, &format!("{base}/threads/partner/posts"))
        .await
        .text()
        .await
        .expect("body");
    assert!(own.contains(PARTNER_MARK));
    let company = app
        .get_as(&rep, &format!("{base}/threads/customer/posts"))
        .await
        .text()
        .await
        .expect("body");
    assert!(company.contains(INTERNAL) && company.contains(CUSTOMER_MARK));
    // And the emails the outbox sends each side carry nothing of another audience.
    let mails: Vec<(String, String)> = sqlx::query_as("SELECT to_email, body_text FROM outbox")
        .fetch_all(&app.db.pool)
        .await
        .expect("outbox");
    for (to, body) in mails {
        if to == CUSTOMER {
            assert!(
                !body.contains(INTERNAL) && !body.contains(PARTNER_MARK),
                "{body}"
            );
        }
        if to == PARTNER || to == PARTNER_ADMIN {
            assert!(
                !body.contains(INTERNAL) && !body.contains(CUSTOMER_MARK),
                "{body}"
            );
        }
    }
    eprintln!("planted markers: {searched} responses searched, no hit");
}

/// Row counts of everything a post or a request writes.
async fn collaboration_rows(app: &TestApp) -> Vec<i64> {
    let mut counts = Vec::new();
    for table in [
        "thread_posts",
        "post_mentions",
        "requests",
        "tasks",
        "deal_events",
        "notifications",
        "outbox",
        "jobs",
    ] {
        let n: i64 =
            sqlx::query_scalar(sqlx::AssertSqlSafe(format!("SELECT COUNT(*) FROM {table}")))
                .fetch_one(&app.db.pool)
                .await
                .expect("a count");
        counts.push(n);
    }
    counts
}

async fn a_post_or_request_whose_audit_entry_fails_leaves_nothing(app: TestApp) {
    seeded(&app).await;
    let deal = app.demo_deal("demo-globex-rollout").await;
    let rep_id = app.user_id(REP).await;
    let customer = token(&app, CUSTOMER).await;
    for (action, path, body) in [
        (
            "thread.post",
            format!("/api/v1/deals/{deal}/threads/customer/posts"),
            json!({"body": format!("Ping @[Rep](user:{rep_id})")}),
        ),
        (
            "request.submit",
            format!("/api/v1/deals/{deal}/requests"),
            json!({"kind": "quote", "title": "Quote please"}),
        ),
    ] {
        let before = collaboration_rows(&app).await;
        app.fail_audit_of(action).await;
        let res = app.post_as(&customer, &path, &body).await;
        assert_eq!(res.status(), 500, "{action} with its audit entry failing");
        assert_eq!(
            collaboration_rows(&app).await,
            before,
            "{action} left a partial write"
        );
        app.heal().await;
        let res = app.post_as(&customer, &path, &body).await;
        assert_eq!(res.status(), 201, "{action} once healed");
    }
}

// ---------------------------------------------------------------------------------------
// The authorization matrix of every collaboration operation

/// What a role gets from an operation on a deal (or object) it may reach.
pub struct Case {
    pub method: Method,
    /// `{deal}`, `{owner}`, `{user}` (the owner, or a missing user), `{request}`, `{task}`,
    /// `{portal}` are replaced.
    pub path: &'static str,
    pub body: fn() -> Option<Value>,
    pub expect: fn(Role) -> u16,
}

pub fn none() -> Option<Value> {
    None
}

pub fn internal(role: Role) -> bool {
    role.is_internal()
}

pub fn partner(role: Role) -> bool {
    matches!(role, Role::PartnerUser | Role::PartnerAdmin)
}

/// The thread and workspace cases; `requests::cases` adds the request and task ones.
pub fn cases() -> Vec<Case> {
    let c = |method, path, body, expect| Case {
        method,
        path,
        body,
        expect,
    };
    vec![
        c(
            Method::GET,
            "/api/v1/deals/{deal}/threads",
            none as fn() -> Option<Value>,
            (|_| 200) as fn(Role) -> u16,
        ),
        c(
            Method::GET,
            "/api/v1/deals/{deal}/threads/customer/posts",
            none,
            |r| if partner(r) { 404 } else { 200 },
        ),
        c(
            Method::GET,
            "/api/v1/deals/{deal}/threads/partner/posts",
            none,
            |r| if r == Role::CustomerUser { 404 } else { 200 },
        ),
        c(
            Method::POST,
            "/api/v1/deals/{deal}/threads/customer/posts",
            || Some(json!({"body": "matrix"})),
            |r| if partner(r) { 404 } else { 201 },
        ),
        c(
            Method::POST,
            "/api/v1/deals/{deal}/threads/partner/posts",
            || Some(json!({"body": "matrix"})),
            |r| if r == Role::CustomerUser { 404 } else { 201 },
        ),
        c(
            Method::POST,
            "/api/v1/deals/{deal}/threads/customer/read",
            none,
            |r| if partner(r) { 404 } else { 204 },
        ),
        c(
            Method::POST,
            "/api/v1/deals/{deal}/threads/partner/read",
            none,
            |r| if r == Role::CustomerUser { 404 } else { 204 },
        ),
        c(
            Method::GET,
            "/api/v1/deals/{deal}/strategy-notes",
            none,
            |r| if r == Role::CustomerUser { 404 } else { 200 },
        ),
        c(
            Method::POST,
            "/api/v1/deals/{deal}/strategy-notes",
            || Some(json!({"body": "matrix"})),
            |r| if r == Role::CustomerUser { 404 } else { 201 },
        ),
        c(Method::GET, "/api/v1/deals/{deal}/joint-tasks", none, |r| {
            if r == Role::CustomerUser { 404 } else { 200 }
        }),
        c(
            Method::POST,
            "/api/v1/deals/{deal}/joint-tasks",
            || Some(json!({"title": "matrix", "assignee_id": "{owner}"})),
            |r| if r == Role::CustomerUser { 404 } else { 201 },
        ),
        c(Method::GET, "/api/v1/deals/{deal}/workspace", none, |r| {
            if r == Role::CustomerUser { 404 } else { 200 }
        }),
    ]
}

/// Method and path template of each case (without its query; a named thread stands for
/// `{audience}`).
pub fn operations_of(cases: Vec<Case>) -> Vec<(String, String)> {
    cases
        .into_iter()
        .map(|c| {
            let path = c.path.split('?').next().unwrap_or(c.path);
            (
                c.method.as_str().to_owned(),
                path.replace("/threads/customer/", "/threads/{audience}/")
                    .replace("/threads/partner/", "/threads/{audience}/"),
            )
        })
        .collect()
}

/// The thread and workspace operations, as (method, path) for the API-wide coverage check.
pub fn operations() -> Vec<(String, String)> {
    operations_of(cases())
}

/// A deal each role may not reach (administrators and managers reach every deal).
fn foreign(role: Role) -> Option<&'static str> {
    match role {
        Role::Admin | Role::Manager | Role::SalesRep => None,
        Role::ChannelManager => Some("demo-globex-support"),
        _ => Some("demo-initech-migration"),
    }
}

async fn every_collaboration_operation_answers_every_role_and_object(app: TestApp) {
    seeded(&app).await;
    let deal = app.demo_deal("demo-globex-rollout").await;
    let owner = app.user_id(REP).await;
    let partner_user = app.user_id(PARTNER).await;
    let portal = app.portal_id("acme").await;
    let customer = token(&app, CUSTOMER).await;
    let rep = token(&app, REP).await;
    let request = json_of(
        app.post_as(
            &customer,
            &format!("/api/v1/deals/{deal}/requests"),
            &json!({"kind": "document", "title": "W-9"}),
        )
        .await,
    )
    .await["id"]
        .as_str()
        .expect("request")
        .to_owned();
    let task = json_of(
        app.post_as(
            &rep,
            &format!("/api/v1/deals/{deal}/joint-tasks"),
            &json!({"title": "Matrix task", "assignee_id": partner_user}),
        )
        .await,
    )
    .await["id"]
        .as_str()
        .expect("task")
        .to_owned();
    let ghost = "01900000-0000-7000-8000-000000000000";
    let mut failures = Vec::new();
    let mut checked = 0;
    let all: Vec<Case> = cases()
        .into_iter()
        .chain(crate::requests::cases())
        .collect();
    let operations = all.len();
    for c in all {
        for who in std::iter::once(None).chain(Role::ALL.into_iter().map(Some)) {
            let names_object = c.path.contains('{');
            let mut objects = vec!["own"];
            if names_object && who.is_some() {
                objects.push("missing");
                if c.path.contains("{deal}") && who.and_then(foreign).is_some() {
                    objects.push("foreign");
                }
            }
            for object in objects {
                let tok = match who {
                    Some(role) => Some(token(&app, caller(role)).await),
                    None => None,
                };
                let the_deal = match (object, who) {
                    ("missing", _) => ghost.to_owned(),
                    ("foreign", Some(role)) => app.demo_deal(foreign(role).expect("foreign")).await,
                    _ => deal.clone(),
                };
                let other = |real: &str| {
                    if object == "missing" {
                        ghost.to_owned()
                    } else {
                        real.to_owned()
                    }
                };
                let fill = |t: &str| {
                    t.replace("{deal}", &the_deal)
                        .replace("{owner}", &owner)
                        .replace("{request}", &other(&request))
                        .replace("{task}", &other(&task))
                        .replace("{portal}", &other(&portal))
                        .replace("{user}", &other(&owner))
                };
                let body = (c.body)()
                    .map(|b| serde_json::from_str::<Value>(&fill(&b.to_string())).expect("json"));
                let res = send(&app, c.method.clone(), tok.as_deref(), &fill(c.path), body).await;
                let status = res.status().as_u16();
                let expected = match who {
                    None => 401,
                    Some(role) => {
                        let own = (c.expect)(role);
                        if object == "own" || own == 403 {
                            own
                        } else {
                            404
                        }
                    }
                };
                checked += 1;
                if status != expected {
                    let text = res.text().await.unwrap_or_default();
                    failures.push(format!(
                        "{} {} as {} ({object}): {status}, expected {expected}: {}",
                        c.method,
                        c.path,
                        who.map_or("anonymous", |r| r.as_str()),
                        text.chars().take(200).collect::<String>()
                    ));
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {checked} collaboration cases failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
    eprintln!("collaboration authorization matrix: {operations} operations, {checked} cases");
}

/// Uploads `text` to a deal as a document for `audience` (the caller's side when `None`).
async fn upload(
    app: &TestApp,
    token: &str,
    deal: &str,
    audience: Option<&str>,
    text: &str,
) -> String {
    let mut url = format!("/api/v1/deals/{deal}/documents?name=note.txt&category=other");
    if let Some(a) = audience {
        url.push_str(&format!("&audience={a}"));
    }
    let res = app
        .client
        .post(app.url(&url))
        .bearer_auth(token)
        .header("content-type", "application/octet-stream")
        .body(text.to_owned())
        .send()
        .await
        .expect("sent");
    json_of(res).await["id"].as_str().expect("id").to_owned()
}

async fn a_post_carries_only_documents_its_readers_may_open(app: TestApp) {
    seeded(&app).await;
    let rep = token(&app, REP).await;
    let customer = token(&app, CUSTOMER).await;
    let deal = app.demo_deal("demo-globex-rollout").await;
    let shared = upload(&app, &rep, &deal, Some("customer"), "for the customer").await;
    let internal = upload(&app, &rep, &deal, Some("internal"), "for us").await;
    let partners = upload(&app, &rep, &deal, Some("partner"), "for the partner").await;
    let posts = format!("/api/v1/deals/{deal}/threads/customer/posts");
    let before = count(
        &app,
        "SELECT COUNT(*) FROM thread_posts WHERE deal_id = $1",
        &deal,
    )
    .await;
    for (bad, why) in [
        (internal.as_str(), "an internal document"),
        (partners.as_str(), "the partner's document"),
        ("01a00000-0000-7000-8000-000000000000", "no document at all"),
    ] {
        let res = send(
            &app,
            Method::POST,
            Some(&rep),
            &posts,
            Some(json!({ "body": "See attached", "attachment_ids": [shared, bad] })),
        )
        .await;
        assert_eq!(res.status(), 422, "{why}");
        let problem: Value = res.json().await.expect("problem");
        let fields: Vec<&str> = problem["errors"]
            .as_array()
            .expect("errors")
            .iter()
            .filter_map(|e| e["field"].as_str())
            .collect();
        assert_eq!(fields.len(), 1, "{why}: {problem}");
        assert!(fields[0].starts_with("attachment_ids["), "{why}: {problem}");
    }
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM thread_posts WHERE deal_id = $1",
            &deal
        )
        .await,
        before,
        "refused posts write nothing"
    );
    let post = json_of(
        send(
            &app,
            Method::POST,
            Some(&rep),
            &posts,
            Some(json!({ "body": "The proposal, attached", "attachment_ids": [shared] })),
        )
        .await,
    )
    .await;
    assert_eq!(post["attachment_ids"], json!([shared]));
    // An internal note may carry an internal document; the customer never sees either.
    json_of(
        send(
            &app,
            Method::POST,
            Some(&rep),
            &posts,
            Some(json!({ "body": "Our floor", "internal": true, "attachment_ids": [internal] })),
        )
        .await,
    )
    .await;
    // A customer attaches what they uploaded themselves (their side's document).
    let own = upload(&app, &customer, &deal, None, "signed page").await;
    let mine = json_of(
        send(
            &app,
            Method::POST,
            Some(&customer),
            &posts,
            Some(json!({ "body": "Signed page attached", "attachment_ids": [own] })),
        )
        .await,
    )
    .await;
    assert_eq!(mine["attachment_ids"], json!([own]));
    let seen = json_of(send(&app, Method::GET, Some(&customer), &posts, None).await).await;
    let text = seen.to_string();
    assert!(text.contains(&shared) && text.contains(&own), "{text}");
    assert!(
        !text.contains(&internal) && !text.contains("Our floor"),
        "{text}"
    );
    // A document made internal later drops out of the customer's posts.
    json_of(
        send(
            &app,
            Method::PATCH,
            Some(&rep),
            &format!("/api/v1/documents/{shared}"),
            Some(json!({ "audience": "internal" })),
        )
        .await,
    )
    .await;
    let seen = json_of(send(&app, Method::GET, Some(&customer), &posts, None).await).await;
    assert!(!seen.to_string().contains(&shared), "{seen}");
}

on_both_backends!(
    a_post_carries_only_documents_its_readers_may_open,
    customers_and_the_company_talk_in_the_customer_thread,
    a_post_or_request_whose_audit_entry_fails_leaves_nothing,
    another_accounts_customer_reaches_nothing_of_the_deal,
    the_co_selling_workspace_is_shared_with_the_partner_only,
    no_response_carries_another_audiences_marker,
    every_collaboration_operation_answers_every_role_and_object,
);
