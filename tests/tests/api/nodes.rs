//! Several server processes on one database: revocation reaches every node on the next
//! request, each queued email is delivered once (not once per node), and a node killed with
//! `kill -9` in the middle of a burst of writes leaves every committed change with its audit
//! entry and the chain intact.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use portcullis_tests::{
    Backend, Node, SmtpServer, TestApp, eventually, free_port, on_both_backends_starting,
    server_binary,
};
use serde_json::json;

const ADMIN: &str = "admin@portcullis.example";
const PARTNER: &str = "partner@northwind.example";

async fn count(app: &TestApp, sql: &'static str) -> i64 {
    sqlx::query_scalar::<_, i64>(sql)
        .fetch_one(&app.db.pool)
        .await
        .expect("a count")
}

async fn app_with(backend: Backend, extra: &[(&str, &str)]) -> TestApp {
    let app = TestApp::spawn_with(backend, extra).await.expect("an app");
    app.seed_demo().await;
    app
}

async fn a_user_deactivated_on_one_node_is_refused_on_the_other(backend: Backend) {
    let app = app_with(backend, &[]).await;
    let a = Node::start(&app.database_url, &[]).await;
    let b = Node::start(&app.database_url, &[]).await;
    let admin = app.login_demo(ADMIN).await;
    let partner = app.login_demo(PARTNER).await;
    let client = reqwest::Client::new();
    let me_on_b = || {
        client
            .get(b.url("/api/v1/me"))
            .bearer_auth(&partner.token)
            .send()
    };
    assert_eq!(me_on_b().await.expect("sent").status(), 200);
    let id = app.user_id(PARTNER).await;
    let res = client
        .post(a.url(&format!("/api/v1/admin/users/{id}/deactivate")))
        .bearer_auth(&admin.token)
        .send()
        .await
        .expect("sent");
    assert_eq!(res.status(), 200);
    // The very next request on the other node is refused.
    assert_eq!(me_on_b().await.expect("sent").status(), 401);
}

async fn an_email_queued_once_is_delivered_once(backend: Backend) {
    let port = free_port();
    let smtp = SmtpServer::start(port).await;
    let url = format!("smtp://127.0.0.1:{port}");
    // Three nodes deliver: this app and two server processes.
    let app = app_with(backend, &[("PORTCULLIS_SMTP_URL", &url)]).await;
    let a = Node::start(&app.database_url, &[("PORTCULLIS_SMTP_URL", &url)]).await;
    let _b = Node::start(&app.database_url, &[("PORTCULLIS_SMTP_URL", &url)]).await;
    let admin = app.login_demo(ADMIN).await;
    let account = app.account_id("Northwind Partners").await;
    let portal = app.portal_id("partners").await;
    let emails: Vec<String> = (0..30)
        .map(|i| format!("once{i}@northwind.example"))
        .collect();
    let res = reqwest::Client::new()
        .post(a.url("/api/v1/admin/invitations"))
        .bearer_auth(&admin.token)
        .json(&json!({"emails": emails, "role": "partner_user", "account_id": account, "portal_id": portal}))
        .send()
        .await
        .expect("sent");
    assert_eq!(res.status(), 200);
    eventually(60, "every invitation is delivered", || async {
        smtp.messages().len() >= 30
    })
    .await;
    // Time for any duplicate to arrive, then count again.
    tokio::time::sleep(std::time::Duration::from_secs(2)).await;
    assert_eq!(smtp.messages().len(), 30, "each email exactly once");
    let attempts: Vec<i64> =
        sqlx::query_scalar("SELECT attempts FROM jobs WHERE kind = 'email.send'")
            .fetch_all(&app.db.pool)
            .await
            .expect("jobs");
    assert_eq!(attempts.len(), 30);
    assert!(attempts.iter().all(|&n| n == 1), "{attempts:?}");
}

async fn a_node_killed_mid_burst_leaves_every_change_audited(backend: Backend) {
    let app = app_with(backend, &[]).await;
    let mut node = Node::start(&app.database_url, &[]).await;
    let admin = app.login_demo(ADMIN).await;
    let account = app.account_id("Northwind Partners").await;
    let portal = app.portal_id("partners").await;
    let client = reqwest::Client::new();
    let accepted = Arc::new(AtomicUsize::new(0));
    let url = node.url("/api/v1/admin/invitations");
    let mut writers = Vec::new();
    for w in 0..8 {
        let (client, url, token) = (client.clone(), url.clone(), admin.token.clone());
        let (account, portal, accepted) = (account.clone(), portal.clone(), accepted.clone());
        writers.push(tokio::spawn(async move {
            for i in 0.. {
                let body = json!({"emails": [format!("burst-{w}-{i}@northwind.example")],
                    "role": "partner_user", "account_id": account, "portal_id": portal});
                match client
                    .post(&url)
                    .bearer_auth(&token)
                    .json(&body)
                    .send()
                    .await
                {
                    Ok(r) if r.status().is_success() => {
                        accepted.fetch_add(1, Ordering::SeqCst);
                    }
                    _ => break,
                }
            }
        }));
    }
    eventually(30, "a burst under way", || async {
        accepted.load(Ordering::SeqCst) >= 40
    })
    .await;
    node.kill();
    for w in writers {
        w.await.expect("a writer");
    }
    let accepted = accepted.load(Ordering::SeqCst) as i64;
    // Every committed invitation has its entry; nothing answered 200 without committing.
    let invited = count(
        &app,
        "SELECT COUNT(*) FROM users WHERE email LIKE 'burst-%'",
    )
    .await;
    assert!(
        invited >= accepted,
        "{invited} committed, {accepted} answered"
    );
    let entries = || {
        count(
            &app,
            "SELECT (SELECT COUNT(*) FROM audit_log WHERE action = 'user.invite') \
             + (SELECT COUNT(*) FROM audit_pending WHERE action = 'user.invite')",
        )
    };
    assert_eq!(
        entries().await,
        invited,
        "one entry per committed invitation"
    );
    // The surviving node seals what the killed one left pending; the chain verifies.
    eventually(60, "pending entries are sealed", || async {
        count(&app, "SELECT COUNT(*) FROM audit_pending").await == 0
    })
    .await;
    let out = std::process::Command::new(server_binary())
        .args(["audit", "verify"])
        .env("DATABASE_URL", &app.database_url)
        .env("PORTCULLIS_DATA_DIR", std::env::temp_dir())
        .output()
        .expect("audit verify runs");
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("Audit chain intact"));
}

on_both_backends_starting!(
    a_user_deactivated_on_one_node_is_refused_on_the_other,
    an_email_queued_once_is_delivered_once,
    a_node_killed_mid_burst_leaves_every_change_audited,
);
