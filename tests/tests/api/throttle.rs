//! Abuse limits on sign-in: a per-IP rate and per-account growing delays.

use portcullis::seed::DEMO_PASSWORD;
use portcullis_tests::{Backend, TestApp, assert_problem};

const ADMIN: &str = "admin@portcullis.example";

async fn too_many_attempts_from_one_address_get_429_with_retry_after(backend: Backend) {
    let Some(app) = TestApp::spawn_with(
        backend,
        &[("PORTCULLIS_AUTH_ATTEMPTS_PER_IP_PER_MINUTE", "3")],
    )
    .await
    else {
        return;
    };
    app.seed_demo().await;
    for _ in 0..3 {
        assert_eq!(
            app.try_login("nobody@acme.example", "wrong-password-here", None)
                .await
                .status(),
            401
        );
    }
    let res = app.try_login(ADMIN, DEMO_PASSWORD, None).await;
    let retry: u64 = res.headers()["retry-after"]
        .to_str()
        .expect("ascii")
        .parse()
        .expect("seconds");
    assert!((1..=60).contains(&retry));
    assert_problem(res, 429, "rate_limited").await;
}

async fn repeated_failures_slow_an_account_down_without_locking_it(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    app.seed_demo().await;
    for _ in 0..5 {
        assert_eq!(
            app.try_login(ADMIN, "wrong-password-here", None)
                .await
                .status(),
            401
        );
    }
    // Even the right password must wait now: the attacker cannot keep guessing at full speed.
    let res = app.try_login(ADMIN, DEMO_PASSWORD, None).await;
    assert!(res.headers().contains_key("retry-after"));
    assert_problem(res, 429, "rate_limited").await;
    // Other accounts are unaffected.
    app.login_demo("manager@portcullis.example").await;
    // Once the delay has passed, the owner signs in and the count starts over.
    sqlx::query("UPDATE auth_throttle SET last_failure_at = last_failure_at - 5000000")
        .execute(&app.db.pool)
        .await
        .expect("update");
    app.login(ADMIN, DEMO_PASSWORD, None).await;
    let left: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM auth_throttle")
        .fetch_one(&app.db.pool)
        .await
        .expect("count");
    assert_eq!(left, 0);
}

mod sqlite {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn too_many_attempts_from_one_address_get_429_with_retry_after() {
        super::too_many_attempts_from_one_address_get_429_with_retry_after(Backend::Sqlite).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn repeated_failures_slow_an_account_down_without_locking_it() {
        super::repeated_failures_slow_an_account_down_without_locking_it(Backend::Sqlite).await;
    }
}

mod postgres {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn too_many_attempts_from_one_address_get_429_with_retry_after() {
        super::too_many_attempts_from_one_address_get_429_with_retry_after(Backend::Postgres).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn repeated_failures_slow_an_account_down_without_locking_it() {
        super::repeated_failures_slow_an_account_down_without_locking_it(Backend::Postgres).await;
    }
}
