//! `portcullis seed-bench` at a small scale: an empty database only, users who can sign in,
//! consistent rows, and for every deal exactly the reach rows `sync_reach` writes.

use portcullis::bench_seed::{self, BENCH_PASSWORD, EMAIL_DOMAIN, Size};
use portcullis::storage::deals;
use portcullis_tests::{Backend, TestApp, on_both_backends};
use sqlx::Row;

type Reach = Vec<(String, i64, String, i64)>;

async fn reach_of(conn: &mut sqlx::AnyConnection, deal: &str) -> Reach {
    sqlx::query(
        "SELECT reach, updated_at, close_on, amount_minor FROM deal_reach \
         WHERE deal_id = $1 ORDER BY reach",
    )
    .bind(deal)
    .fetch_all(&mut *conn)
    .await
    .expect("reach rows")
    .iter()
    .map(|r| (r.get(0), r.get(1), r.get(2), r.get(3)))
    .collect()
}

async fn the_bench_seed_fills_an_empty_database_as_the_app_would(app: TestApp) {
    let size = Size::scaled_down(2_000);
    let report = bench_seed::seed_bench(&app.db, size)
        .await
        .expect("the bench data seed");
    assert_eq!(report.deals, size.deals);
    assert_eq!(report.events, size.events);
    assert_eq!(report.users, size.users);
    assert_eq!(
        report.partner_links,
        size.deals * size.partnered_percent / 100
    );

    // Each deal's audiences are exactly those sync_reach writes for it.
    let mut conn = app.conn().await;
    let ids: Vec<String> = sqlx::query_scalar("SELECT id FROM deals ORDER BY id")
        .fetch_all(&mut *conn)
        .await
        .expect("deal ids");
    assert_eq!(ids.len(), size.deals);
    for id in &ids {
        let seeded = reach_of(&mut conn, id).await;
        deals::sync_reach(&mut conn, id).await.expect("sync_reach");
        assert_eq!(seeded, reach_of(&mut conn, id).await, "reach of deal {id}");
    }
    if app.backend == Backend::Sqlite {
        let broken = sqlx::query("PRAGMA foreign_key_check")
            .fetch_all(&mut *conn)
            .await
            .expect("foreign key check");
        assert!(
            broken.is_empty(),
            "{} rows break a foreign key",
            broken.len()
        );
    }
    // The indexes dropped for the load are back.
    let missing: Vec<String> = ["deal_reach_updated", "deal_reach_close", "deal_events_deal"]
        .into_iter()
        .map(str::to_owned)
        .collect();
    for index in missing {
        let sql = match app.backend {
            Backend::Sqlite => {
                "SELECT COUNT(*) FROM sqlite_master WHERE type = 'index' AND name = $1"
            }
            Backend::Postgres => "SELECT COUNT(*) FROM pg_indexes WHERE indexname = $1",
        };
        let n: i64 = sqlx::query_scalar(sql)
            .bind(&index)
            .fetch_one(&mut *conn)
            .await
            .expect("the catalogue");
        assert_eq!(n, 1, "index {index}");
    }
    drop(conn);

    // A partner user signs in at their portal with the printed password, and sees deals.
    let (email, slug): (String, String) = sqlx::query_as(
        "SELECT u.email, p.slug FROM users u JOIN portals p ON p.id = u.portal_id \
         WHERE u.role = 'partner_user' AND u.email_normalized LIKE $1 ORDER BY u.email LIMIT 1",
    )
    .bind(format!("%@{EMAIL_DOMAIN}"))
    .fetch_one(&app.db.pool)
    .await
    .expect("a partner user");
    let session = app.login(&email, BENCH_PASSWORD, Some(&slug)).await;
    let page: serde_json::Value = app
        .get_as(&session.token, "/api/v1/deals?limit=5")
        .await
        .json()
        .await
        .expect("a page of deals");
    assert!(!page["items"].as_array().expect("items").is_empty());

    // A database with deals is refused.
    assert!(bench_seed::seed_bench(&app.db, size).await.is_err());

    // The partner programme's share: registrations with their keys, once; a bench partner
    // checking an existing registration's prospect is told of it.
    assert_eq!(
        bench_seed::seed_registrations(&app.db, 300)
            .await
            .expect("registrations"),
        300
    );
    assert_eq!(
        bench_seed::seed_registrations(&app.db, 300)
            .await
            .expect("registrations"),
        0
    );
    let (company, website): (String, String) = sqlx::query_as(
        "SELECT company, website FROM registrations WHERE status = 'approved' AND website IS NOT NULL ORDER BY id LIMIT 1",
    )
    .fetch_one(&app.db.pool)
    .await
    .expect("an approved registration");
    let partner: String = sqlx::query_scalar(
        "SELECT email FROM users WHERE role = 'partner_user' AND email_normalized LIKE '%@bench.example' ORDER BY id DESC LIMIT 1",
    )
    .fetch_one(&app.db.pool)
    .await
    .expect("a bench partner");
    let token = app.session_for(&partner).await.token;
    let verdict: serde_json::Value = app
        .client
        .get(app.url("/api/v1/registrations/check"))
        .query(&[("company", company.as_str()), ("website", website.as_str())])
        .bearer_auth(&token)
        .send()
        .await
        .expect("sent")
        .json()
        .await
        .expect("a verdict");
    assert_ne!(
        verdict["conflict"], "none",
        "{company} {website}: {verdict}"
    );
}

on_both_backends!(the_bench_seed_fills_an_empty_database_as_the_app_would);
