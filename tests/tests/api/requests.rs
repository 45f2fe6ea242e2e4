//! Requests → tasks with SLAs: the owner's task and its due time, status and answer seen by
//! the requester's side only, per-portal SLAs, the task list's filters, and escalation of
//! overdue tasks exactly once however many runs and nodes try.

use portcullis_shared::Role;
use portcullis_tests::{TestApp, assert_problem, on_both_backends};
use reqwest::Method;
use serde_json::{Value, json};

use portcullis_tests::demo::{ADMIN, CUSTOMER, OTHER_CUSTOMER, PARTNER, REP};

use crate::threads::{
    Case, count, internal, json_of, none, operations_of, partner, seeded, send, token,
};

const HOUR: i64 = 3_600_000_000;

fn micros(rfc3339: &str) -> i64 {
    chrono::DateTime::parse_from_rfc3339(rfc3339)
        .expect("a time")
        .timestamp_micros()
}

/// The request, SLA and task cases of the collaboration matrix (run in `threads.rs`).
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
            "/api/v1/deals/{deal}/requests",
            none as fn() -> Option<Value>,
            (|_| 200) as fn(Role) -> u16,
        ),
        c(
            Method::POST,
            "/api/v1/deals/{deal}/requests",
            || Some(json!({"kind": "quote", "title": "matrix"})),
            |r| if internal(r) { 403 } else { 201 },
        ),
        c(Method::GET, "/api/v1/requests", none, |_| 200),
        c(Method::GET, "/api/v1/requests/{request}", none, |r| {
            if partner(r) { 404 } else { 200 }
        }),
        c(
            Method::PATCH,
            "/api/v1/requests/{request}",
            || Some(json!({"status": "in_progress"})),
            |r| if internal(r) { 200 } else { 403 },
        ),
        c(
            Method::GET,
            "/api/v1/portals/{portal}/request-slas",
            none,
            |r| {
                if matches!(r, Role::Admin | Role::Manager) {
                    200
                } else {
                    403
                }
            },
        ),
        c(
            Method::PUT,
            "/api/v1/portals/{portal}/request-slas",
            || Some(json!({"items": [{"kind": "quote", "hours": 24}]})),
            |r| {
                if matches!(r, Role::Admin | Role::Manager) {
                    200
                } else {
                    403
                }
            },
        ),
        c(Method::GET, "/api/v1/tasks", none, |r| {
            if internal(r) { 200 } else { 403 }
        }),
        c(
            Method::GET,
            "/api/v1/tasks?view=overdue&source=request",
            none,
            |r| if internal(r) { 200 } else { 403 },
        ),
        // A joint task assigned to the partner user: the company and its assignee move it.
        c(
            Method::PATCH,
            "/api/v1/tasks/{task}",
            || Some(json!({"status": "in_progress"})),
            |r| {
                if internal(r) || r == Role::PartnerUser {
                    200
                } else {
                    404
                }
            },
        ),
        c(
            Method::PUT,
            "/api/v1/admin/users/{user}/manager",
            || Some(json!({"manager_id": null})),
            |r| if r == Role::Admin { 200 } else { 403 },
        ),
    ]
}

/// The request, SLA and task operations, as (method, path) for the API-wide coverage check.
pub fn operations() -> Vec<(String, String)> {
    operations_of(cases())
}

async fn a_request_becomes_the_owners_task_due_within_its_sla(app: TestApp) {
    seeded(&app).await;
    let deal = app.demo_deal("demo-globex-rollout").await;
    let rep_id = app.user_id(REP).await;
    let (admin, rep, customer, partner, other) = (
        token(&app, ADMIN).await,
        token(&app, REP).await,
        token(&app, CUSTOMER).await,
        token(&app, PARTNER).await,
        token(&app, OTHER_CUSTOMER).await,
    );
    let path = format!("/api/v1/deals/{deal}/requests");
    let started = portcullis::time::now();
    let res = app
        .post_as(
            &customer,
            &path,
            &json!({"kind": "quote", "title": "Quote for 50 seats", "body": "Annual billing"}),
        )
        .await;
    assert_eq!(res.status(), 201);
    let quote = json_of(res).await;
    assert_eq!(quote["status"], "submitted");
    assert_eq!(quote["side"], "customer");
    assert!(quote.get("task_id").is_none(), "the task is the company's");
    let due = micros(quote["due_at"].as_str().expect("due"));
    assert!(
        (due - started - 48 * HOUR).abs() < 60_000_000,
        "quote: 48 hours by default"
    );
    let id = quote["id"].as_str().expect("id").to_owned();

    // The owner has the task, with its deal, source and due time.
    let tasks = json_of(app.get_as(&rep, "/api/v1/tasks?source=request").await).await;
    let task = &tasks["items"][0];
    assert_eq!(task["assignee_id"], rep_id.as_str());
    assert_eq!(task["source_id"], id.as_str());
    assert_eq!(task["deal_name"], "Globex platform rollout");
    assert_eq!(task["overdue"], false);
    assert_eq!(task["due_at"], quote["due_at"]);
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM notifications WHERE user_id = $1 AND kind = 'request.submitted'",
            &rep_id
        )
        .await,
        1
    );
    let timeline = json_of(
        app.get_as(&rep, &format!("/api/v1/deals/{deal}/timeline"))
            .await,
    )
    .await;
    assert!(
        timeline.to_string().contains("request.submitted"),
        "{timeline}"
    );

    // The portal's own SLA for meetings: 2 hours.
    let portal = app.portal_id("acme").await;
    let slas_path = format!("/api/v1/portals/{portal}/request-slas");
    let slas = json_of(
        send(
            &app,
            Method::PUT,
            Some(&admin),
            &slas_path,
            Some(json!({"items": [{"kind": "meeting", "hours": 2}]})),
        )
        .await,
    )
    .await;
    let meeting_sla = slas["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|s| s["kind"] == "meeting")
        .expect("meeting")["hours"]
        .clone();
    assert_eq!(meeting_sla, 2);
    let res = send(
        &app,
        Method::PUT,
        Some(&admin),
        &slas_path,
        Some(json!({"items": [{"kind": "quote", "hours": 0}, {"kind": "quote", "hours": 9999}]})),
    )
    .await;
    let problem = assert_problem(res, 422, "validation_failed").await;
    assert_eq!(
        problem["errors"].as_array().expect("errors").len(),
        3,
        "{problem}"
    );
    let started = portcullis::time::now();
    let meeting = json_of(
        app.post_as(
            &customer,
            &path,
            &json!({"kind": "meeting", "title": "Kick-off"}),
        )
        .await,
    )
    .await;
    let due = micros(meeting["due_at"].as_str().expect("due"));
    assert!(
        (due - started - 2 * HOUR).abs() < 60_000_000,
        "the portal's SLA"
    );

    // The company answers; the customer sees status and answer; the task follows.
    let res = send(
        &app,
        Method::PATCH,
        Some(&rep),
        &format!("/api/v1/requests/{id}"),
        Some(json!({"status": "in_progress", "answer": "Sending it Friday."})),
    )
    .await;
    let updated = json_of(res).await;
    assert_eq!(updated["status"], "in_progress");
    let seen = json_of(
        app.get_as(&customer, &format!("/api/v1/requests/{id}"))
            .await,
    )
    .await;
    assert_eq!(seen["status"], "in_progress");
    assert_eq!(seen["answer"], "Sending it Friday.");
    let customer_id = app.user_id(CUSTOMER).await;
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM notifications WHERE user_id = $1 AND kind = 'request.updated'",
            &customer_id
        )
        .await,
        1
    );
    let task_id = updated["task_id"].as_str().expect("task").to_owned();
    let res = send(
        &app,
        Method::PATCH,
        Some(&rep),
        &format!("/api/v1/tasks/{task_id}"),
        Some(json!({"status": "done"})),
    )
    .await;
    assert_eq!(json_of(res).await["status"], "done");
    let seen = json_of(
        app.get_as(&customer, &format!("/api/v1/requests/{id}"))
            .await,
    )
    .await;
    assert_eq!(seen["status"], "done", "the request follows its task");
    // Customers do not update requests.
    let res = send(
        &app,
        Method::PATCH,
        Some(&customer),
        &format!("/api/v1/requests/{id}"),
        Some(json!({"status": "done"})),
    )
    .await;
    assert_eq!(res.status(), 403);

    // Each side sees its own requests only; another account's customer none of them.
    let partner_request = json_of(
        app.post_as(
            &partner,
            &path,
            &json!({"kind": "support_escalation", "title": "Outage at the pilot site"}),
        )
        .await,
    )
    .await;
    assert_eq!(partner_request["side"], "partner");
    let customer_list = json_of(app.get_as(&customer, &path).await).await;
    assert_eq!(customer_list["items"].as_array().expect("items").len(), 2);
    let partner_list = json_of(app.get_as(&partner, "/api/v1/requests").await).await;
    assert_eq!(partner_list["items"].as_array().expect("items").len(), 1);
    assert_eq!(
        app.get_as(&partner, &format!("/api/v1/requests/{id}"))
            .await
            .status(),
        404
    );
    assert_eq!(
        app.get_as(
            &customer,
            &format!(
                "/api/v1/requests/{}",
                partner_request["id"].as_str().expect("id")
            )
        )
        .await
        .status(),
        404
    );
    assert_eq!(
        app.get_as(&other, &format!("/api/v1/requests/{id}"))
            .await
            .status(),
        404
    );
    assert_eq!(
        json_of(app.get_as(&other, "/api/v1/requests").await).await["items"]
            .as_array()
            .expect("items")
            .len(),
        0
    );
    let company_list = json_of(app.get_as(&rep, &path).await).await;
    assert_eq!(company_list["items"].as_array().expect("items").len(), 3);

    // Bad input names every bad field and writes nothing.
    let before = count(
        &app,
        "SELECT COUNT(*) FROM requests WHERE deal_id = $1",
        &deal,
    )
    .await;
    let res = app
        .post_as(
            &customer,
            &path,
            &json!({"kind": "quote", "title": " ", "body": "x".repeat(20_001)}),
        )
        .await;
    let problem = assert_problem(res, 422, "validation_failed").await;
    assert_eq!(
        problem["errors"].as_array().expect("errors").len(),
        2,
        "{problem}"
    );
    let res = app
        .post_as(&customer, &path, &json!({"kind": "gift", "title": "x"}))
        .await;
    assert!(res.status().is_client_error());
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM requests WHERE deal_id = $1",
            &deal
        )
        .await,
        before
    );
}

async fn overdue_tasks_escalate_once_to_the_managers(app: TestApp) {
    seeded(&app).await;
    let deal = app.demo_deal("demo-globex-rollout").await;
    let rep_id = app.user_id(REP).await;
    let manager_id = app.user_id("manager@portcullis.example").await;
    let (rep, customer) = (token(&app, REP).await, token(&app, CUSTOMER).await);
    let path = format!("/api/v1/deals/{deal}/requests");
    let first = json_of(
        app.post_as(
            &customer,
            &path,
            &json!({"kind": "support_escalation", "title": "Down"}),
        )
        .await,
    )
    .await;
    let second = json_of(
        app.post_as(
            &customer,
            &path,
            &json!({"kind": "document", "title": "W-9"}),
        )
        .await,
    )
    .await;
    // The first is overdue; the second not yet.
    sqlx::query("UPDATE tasks SET due_at = $1 WHERE source_id = $2")
        .bind(portcullis::time::now() - HOUR)
        .bind(first["id"].as_str().expect("id"))
        .execute(&app.db.pool)
        .await
        .expect("overdue");
    let admin = token(&app, ADMIN).await;
    let manager_path = format!("/api/v1/admin/users/{rep_id}/manager");
    let customer_id = app.user_id(CUSTOMER).await;
    let res = send(
        &app,
        Method::PUT,
        Some(&admin),
        &manager_path,
        Some(json!({"manager_id": customer_id})),
    )
    .await;
    assert_problem(res, 422, "validation_failed").await;
    let res = send(
        &app,
        Method::PUT,
        Some(&admin),
        &manager_path,
        Some(json!({"manager_id": rep_id})),
    )
    .await;
    assert_problem(res, 422, "validation_failed").await;
    let res = send(
        &app,
        Method::PUT,
        Some(&admin),
        &manager_path,
        Some(json!({"manager_id": manager_id})),
    )
    .await;
    assert_eq!(res.status(), 200);
    let overdue = json_of(app.get_as(&rep, "/api/v1/tasks?view=overdue").await).await;
    let items = overdue["items"].as_array().expect("items");
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["overdue"], true);
    assert_eq!(items[0]["source_id"], first["id"]);
    let deal_tasks = json_of(
        app.get_as(&rep, &format!("/api/v1/tasks?deal={deal}&source=request"))
            .await,
    )
    .await;
    assert_eq!(deal_tasks["items"].as_array().expect("items").len(), 2);
    let none = json_of(app.get_as(&rep, "/api/v1/tasks?source=referral").await).await;
    assert!(
        none["items"]
            .as_array()
            .expect("items")
            .iter()
            .all(|t| t["source"] == "referral")
    );

    // Two nodes and a second run: one escalation.
    let op = portcullis::app::Operator::new("test");
    let now = portcullis::time::now();
    let (a, b) = tokio::join!(
        portcullis::app::requests::escalate_overdue(&app.core, &op, now),
        portcullis::app::requests::escalate_overdue(&app.core, &op, now),
    );
    let again = portcullis::app::requests::escalate_overdue(&app.core, &op, now)
        .await
        .expect("run");
    assert_eq!(a.expect("run") + b.expect("run") + again, 1);
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM notifications WHERE user_id = $1 AND kind = 'task.escalated'",
            &manager_id
        )
        .await,
        1
    );
    let escalations = app
        .audit_trail()
        .await
        .into_iter()
        .filter(|(action, _)| action == "task.escalate")
        .count();
    assert_eq!(escalations, 1);
    let overdue = json_of(app.get_as(&rep, "/api/v1/tasks?view=overdue").await).await;
    assert!(overdue["items"][0]["escalated_at"].is_string());

    // Without a manager, the administrators and managers hear of it.
    let res = send(
        &app,
        Method::PUT,
        Some(&admin),
        &manager_path,
        Some(json!({"manager_id": null})),
    )
    .await;
    assert_eq!(res.status(), 200);
    sqlx::query("UPDATE tasks SET due_at = $1 WHERE source_id = $2")
        .bind(portcullis::time::now() - HOUR)
        .bind(second["id"].as_str().expect("id"))
        .execute(&app.db.pool)
        .await
        .expect("overdue");
    let n = portcullis::app::requests::escalate_overdue(&app.core, &op, portcullis::time::now())
        .await
        .expect("run");
    assert_eq!(n, 1);
    let admin_id = app.user_id(ADMIN).await;
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM notifications WHERE user_id = $1 AND kind = 'task.escalated'",
            &admin_id
        )
        .await,
        1
    );
    // The recurring job is scheduled like the others.
    portcullis::jobs::schedule_recurring(&app.core, portcullis::time::now())
        .await
        .expect("scheduled");
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM jobs WHERE kind = $1",
            "tasks.escalate"
        )
        .await,
        1
    );
}

async fn without_an_active_deal_owner_the_account_owner_gets_the_task(app: TestApp) {
    seeded(&app).await;
    let deal = app.demo_deal("demo-globex-rollout").await;
    let rep_id = app.user_id(REP).await;
    let manager_id = app.user_id("manager@portcullis.example").await;
    let globex = app.account_id("Globex Corporation").await;
    let customer = token(&app, CUSTOMER).await;
    sqlx::query("UPDATE users SET status = 'deactivated' WHERE id = $1")
        .bind(&rep_id)
        .execute(&app.db.pool)
        .await
        .expect("deactivate");
    sqlx::query("UPDATE accounts SET owner_user_id = $1 WHERE id = $2")
        .bind(&manager_id)
        .bind(&globex)
        .execute(&app.db.pool)
        .await
        .expect("account owner");
    let request = json_of(
        app.post_as(
            &customer,
            &format!("/api/v1/deals/{deal}/requests"),
            &json!({"kind": "change_order", "title": "Add 10 seats"}),
        )
        .await,
    )
    .await;
    let assignee: String = sqlx::query_scalar("SELECT assignee_id FROM tasks WHERE source_id = $1")
        .bind(request["id"].as_str().expect("id"))
        .fetch_one(&app.db.pool)
        .await
        .expect("the task");
    assert_eq!(assignee, manager_id);
}

on_both_backends!(
    a_request_becomes_the_owners_task_due_within_its_sla,
    without_an_active_deal_owner_the_account_owner_gets_the_task,
    overdue_tasks_escalate_once_to_the_managers,
);
