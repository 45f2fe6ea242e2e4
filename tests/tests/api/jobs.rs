//! The job queue: email delivery through a real SMTP server, retries with backoff, dead
//! letters with their last error and an administrator's retry, a job taken over after its
//! worker's lease ran out, and the console's view of it all.

use portcullis::storage::jobs::{self, NewJob};
use portcullis_tests::{
    Backend, SmtpServer, TestApp, eventually, free_port, on_both_backends,
    on_both_backends_starting,
};
use serde_json::json;

const ADMIN: &str = "admin@portcullis.example";

async fn invite_one(app: &TestApp, token: &str, email: &str) {
    let account = app.account_id("Northwind Partners").await;
    let portal = app.portal_id("partners").await;
    let res = app
        .post_as(
            token,
            "/api/v1/admin/invitations",
            &json!({"emails": [email], "role": "partner_user", "account_id": account, "portal_id": portal}),
        )
        .await;
    assert_eq!(res.status(), 200);
}

async fn jobs_of(app: &TestApp, token: &str, query: &str) -> Vec<serde_json::Value> {
    let page: serde_json::Value = app
        .get_as(token, &format!("/api/v1/admin/jobs{query}"))
        .await
        .json()
        .await
        .expect("json");
    page["items"].as_array().expect("items").clone()
}

/// An app that delivers email by SMTP to 127.0.0.1:`port`, with the demo data.
async fn with_smtp(backend: Backend, port: u16) -> TestApp {
    let url = format!("smtp://127.0.0.1:{port}");
    let app = TestApp::spawn_with(backend, &[("PORTCULLIS_SMTP_URL", &url)])
        .await
        .expect("an app");
    app.seed_demo().await;
    app
}

async fn an_invitation_arrives_by_smtp_with_the_portals_branding(backend: Backend) {
    let port = free_port();
    let smtp = SmtpServer::start(port).await;
    let app = with_smtp(backend, port).await;
    let node = &app;
    let admin = node.login_demo(ADMIN).await;
    invite_one(node, &admin.token, "new.partner@northwind.example").await;
    eventually(60, "the invitation is delivered", || async {
        smtp.messages().len() == 1
    })
    .await;
    let message = &smtp.messages()[0];
    assert!(
        message.contains("To: new.partner@northwind.example"),
        "{message}"
    );
    assert!(
        message.contains("Partner Central"),
        "the portal's name: {message}"
    );
    // The partner portal's colour on the call to action, in the HTML part.
    let colour = sqlx::query_scalar::<_, String>(
        "SELECT primary_color FROM portals WHERE slug = 'partners'",
    )
    .fetch_one(&app.db.pool)
    .await
    .expect("colour");
    assert!(message.contains(&colour), "{colour} in {message}");
    let done = jobs_of(node, &admin.token, "?kind=email.send&state=done").await;
    assert_eq!(done.len(), 1);
    assert_eq!(done[0]["attempts"], 1);
    // The outbox records the delivery.
    let outbox: serde_json::Value = node
        .get_as(
            &admin.token,
            "/api/v1/admin/outbox?to=new.partner@northwind.example",
        )
        .await
        .json()
        .await
        .expect("json");
    assert!(outbox["items"][0]["sent_at"].is_string());
}

async fn a_refused_delivery_is_retried_until_the_server_accepts(backend: Backend) {
    let port = free_port();
    // Nothing listens yet: the first attempts are refused.
    let app = with_smtp(backend, port).await;
    let node = &app;
    let admin = node.login_demo(ADMIN).await;
    invite_one(node, &admin.token, "later@northwind.example").await;
    eventually(60, "the first attempt fails", || async {
        !jobs_of(node, &admin.token, "?kind=email.send&state=failed")
            .await
            .is_empty()
    })
    .await;
    let failed = jobs_of(node, &admin.token, "?kind=email.send&state=failed").await;
    assert!(
        failed[0]["last_error"]
            .as_str()
            .is_some_and(|e| !e.is_empty())
    );
    let smtp = SmtpServer::start(port).await;
    eventually(60, "a retry delivers it", || async {
        smtp.messages().len() == 1
    })
    .await;
    eventually(60, "the job is done", || async {
        jobs_of(node, &admin.token, "?kind=email.send&state=done")
            .await
            .len()
            == 1
    })
    .await;
    let done = jobs_of(node, &admin.token, "?kind=email.send&state=done").await;
    assert!(done[0]["attempts"].as_i64().expect("attempts") >= 2);
}

async fn a_job_that_always_fails_ends_dead_and_an_admin_can_retry_it(app: TestApp) {
    app.seed_demo().await;
    let admin = app.login_demo(ADMIN).await;
    let now = portcullis::time::now();
    jobs::enqueue(
        &mut *app.conn().await,
        &NewJob {
            kind: "report.unknown",
            payload: json!({}),
            run_at: now,
            max_attempts: 3,
            dedupe_key: None,
        },
    )
    .await
    .expect("enqueued");
    // Attempts at 0 s, 2 s and 6 s (2 s, then 4 s of backoff).
    eventually(60, "the job is dead", || async {
        !jobs_of(&app, &admin.token, "?state=dead").await.is_empty()
    })
    .await;
    let dead = jobs_of(&app, &admin.token, "?state=dead").await;
    assert_eq!(dead.len(), 1);
    assert_eq!(dead[0]["attempts"], 3);
    assert!(
        dead[0]["last_error"]
            .as_str()
            .expect("an error")
            .contains("no handler"),
        "{}",
        dead[0]
    );
    // /metrics counts it.
    let metrics = app.get("/metrics").await.text().await.expect("text");
    assert!(
        metrics.contains("portcullis_jobs{kind=\"report.unknown\",state=\"dead\"} 1"),
        "{metrics}"
    );
    let id = dead[0]["id"].as_str().expect("id");
    let res = app
        .post_as(
            &admin.token,
            &format!("/api/v1/admin/jobs/{id}/retry"),
            &json!({}),
        )
        .await;
    assert_eq!(res.status(), 200);
    let retried: serde_json::Value = res.json().await.expect("json");
    assert_eq!(retried["attempts"], 0);
    // A job that is not dead cannot be retried.
    let res = app
        .post_as(
            &admin.token,
            &format!("/api/v1/admin/jobs/{id}/retry"),
            &json!({}),
        )
        .await;
    assert!(matches!(res.status().as_u16(), 200 | 409));
    let audit: serde_json::Value = app
        .get_as(&admin.token, "/api/v1/admin/audit?action=job.retry")
        .await
        .json()
        .await
        .expect("json");
    assert!(!audit["items"].as_array().expect("items").is_empty());
}

async fn a_job_whose_worker_died_runs_again_after_its_lease(backend: Backend) {
    let app = TestApp::spawn_with(backend, &[("PORTCULLIS_JOB_LEASE_SECS", "1")])
        .await
        .expect("an app");
    app.seed_demo().await;
    let node = &app;
    let admin = node.login_demo(ADMIN).await;
    let now = portcullis::time::now();
    let mut conn = app.conn().await;
    jobs::enqueue(
        &mut conn,
        &NewJob {
            kind: "access.review",
            payload: json!({}),
            run_at: now + 3_600_000_000,
            max_attempts: 3,
            dedupe_key: Some("lease-test".into()),
        },
    )
    .await
    .expect("enqueued");
    // A worker claims it and dies: its lease runs out two seconds from now.
    let later = now + 3_600_000_000;
    let claimed = jobs::claim(&mut conn, "a-worker-that-died", later, now + 2_000_000)
        .await
        .expect("claim")
        .expect("the job");
    assert_eq!(claimed.attempts, 1);
    drop(conn);
    eventually(60, "another worker finishes it", || async {
        jobs_of(node, &admin.token, "?kind=access.review&state=done")
            .await
            .iter()
            .any(|j| j["id"] == claimed.id.as_str())
    })
    .await;
    let done = jobs_of(node, &admin.token, "?kind=access.review&state=done").await;
    let job = done
        .iter()
        .find(|j| j["id"] == claimed.id.as_str())
        .expect("the job");
    assert_eq!(job["attempts"], 2);
}

async fn only_administrators_see_the_queue(app: TestApp) {
    app.seed_demo().await;
    for who in ["manager@portcullis.example", "partner@northwind.example"] {
        let s = app.login_demo(who).await;
        assert_eq!(
            app.get_as(&s.token, "/api/v1/admin/jobs").await.status(),
            403
        );
    }
    let admin = app.login_demo(ADMIN).await;
    let res = app
        .post_as(
            &admin.token,
            "/api/v1/admin/jobs/01900000-0000-7000-8000-000000000000/retry",
            &json!({}),
        )
        .await;
    assert_eq!(res.status(), 404);
    let res = app
        .get_as(&admin.token, "/api/v1/admin/jobs?state=sideways")
        .await;
    assert_eq!(res.status(), 400);
}

mod own_app {
    use super::*;
    on_both_backends_starting!(
        an_invitation_arrives_by_smtp_with_the_portals_branding,
        a_refused_delivery_is_retried_until_the_server_accepts,
        a_job_whose_worker_died_runs_again_after_its_lease,
    );
}

on_both_backends!(
    a_job_that_always_fails_ends_dead_and_an_admin_can_retry_it,
    only_administrators_see_the_queue,
);
