//! The audit log: every sign-in and state change, append-only and chained.

use portcullis::seed::DEMO_PASSWORD;
use portcullis::storage::audit;
use portcullis_tests::{TestApp, on_both_backends};

async fn entries(app: &TestApp) -> Vec<audit::Entry> {
    audit::seal(&app.db).await.expect("seal");
    let mut e = audit::list(
        &mut *app.conn().await,
        portcullis::storage::CompanyScope::All,
        &audit::Filter::default(),
        1000,
    )
    .await
    .expect("list");
    e.reverse();
    e
}

async fn sign_ins_are_recorded_whether_they_succeed_or_fail(app: TestApp) {
    app.seed_demo().await;
    app.login_demo("admin@portcullis.example").await;
    app.try_login("admin@portcullis.example", "wrong-password-here", None)
        .await;
    app.try_login("ghost@portcullis.example", DEMO_PASSWORD, None)
        .await;
    let log = entries(&app).await;
    let logins: Vec<_> = log.iter().filter(|e| e.action == "auth.login").collect();
    assert_eq!(logins.len(), 3);
    assert_eq!(logins[0].outcome, "success");
    assert!(logins[0].actor_id.is_some());
    assert_eq!(logins[1].outcome, "denied");
    assert_eq!(logins[1].actor_id, logins[0].actor_id);
    assert_eq!(logins[2].outcome, "denied");
    assert!(logins[2].actor_id.is_none());
    assert!(logins[2].details.contains("ghost@portcullis.example"));
    assert!(logins.iter().all(|e| e.ip.as_deref() == Some("127.0.0.1")));
}

async fn state_changes_name_their_actor(app: TestApp) {
    app.seed_demo().await;
    let s = app.login_demo("partner@northwind.example").await;
    app.client
        .post(app.url("/api/v1/auth/logout"))
        .bearer_auth(&s.token)
        .send()
        .await
        .expect("sent");
    let log = entries(&app).await;
    let logout = log.last().expect("an entry");
    assert_eq!(logout.action, "auth.logout");
    assert_eq!(logout.outcome, "success");
    assert_eq!(logout.actor_id, log[0].actor_id);
    assert!(logout.portal_id.is_some());
}

async fn reads_are_not_recorded(app: TestApp) {
    app.seed_demo().await;
    app.get("/api/v1/portals/acme/public").await;
    assert!(entries(&app).await.is_empty());
}

async fn an_intact_chain_verifies(app: TestApp) {
    app.seed_demo().await;
    for _ in 0..5 {
        app.try_login("admin@portcullis.example", "wrong-password-here", None)
            .await;
    }
    audit::seal(&app.db).await.expect("seal");
    let v = audit::verify(&mut *app.conn().await).await.expect("verify");
    assert_eq!(v.checked, 5);
    assert_eq!(v.pending, 0);
    assert_eq!(v.first_broken_seq, None);
}

async fn the_log_refuses_updates_and_deletes(app: TestApp) {
    app.seed_demo().await;
    app.try_login("admin@portcullis.example", "wrong-password-here", None)
        .await;
    audit::seal(&app.db).await.expect("seal");
    assert!(
        sqlx::query("UPDATE audit_log SET outcome = 'success'")
            .execute(&app.db.pool)
            .await
            .is_err()
    );
    assert!(
        sqlx::query("DELETE FROM audit_log")
            .execute(&app.db.pool)
            .await
            .is_err()
    );
}

async fn tampering_is_found_at_the_first_altered_entry(app: TestApp) {
    app.seed_demo().await;
    for _ in 0..4 {
        app.try_login("admin@portcullis.example", "wrong-password-here", None)
            .await;
    }
    audit::seal(&app.db).await.expect("seal");
    // Someone with raw database access drops the guard and rewrites history.
    let drop_guard = match app.backend {
        portcullis_tests::Backend::Sqlite => "DROP TRIGGER audit_log_no_update",
        portcullis_tests::Backend::Postgres => "DROP TRIGGER audit_log_no_change ON audit_log",
    };
    sqlx::query(drop_guard)
        .execute(&app.db.pool)
        .await
        .expect("drop trigger");
    sqlx::query("UPDATE audit_log SET outcome = 'success' WHERE seq = 3")
        .execute(&app.db.pool)
        .await
        .expect("tamper");
    let v = audit::verify(&mut *app.conn().await).await.expect("verify");
    assert_eq!(v.first_broken_seq, Some(3));
}

on_both_backends!(
    sign_ins_are_recorded_whether_they_succeed_or_fail,
    state_changes_name_their_actor,
    reads_are_not_recorded,
    an_intact_chain_verifies,
    the_log_refuses_updates_and_deletes,
    tampering_is_found_at_the_first_altered_entry,
);
