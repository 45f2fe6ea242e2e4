//! The public face of portals.

use portcullis::domain::portal::Slug;
use portcullis::storage::portals;
use portcullis_tests::{TestApp, assert_problem, on_both_backends};

async fn a_published_customer_portal_shows_its_name_type_and_branding(app: TestApp) {
    app.seed_demo().await;
    let res = app.get("/api/v1/portals/acme/public").await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "application/json");
    let body: serde_json::Value = res.json().await.expect("json");
    assert_eq!(body["name"], "Acme Customer Hub");
    assert_eq!(body["type"], "customer");
    assert_eq!(body["slug"], "acme");
    assert_eq!(body["branding"]["primary_color"], "#1d4ed8");
    assert_eq!(body["branding"]["background_color"], "#f8fafc");
    assert!(
        body["branding"]["logo_url"]
            .as_str()
            .is_some_and(|u| u.starts_with("data:image/svg+xml"))
    );
}

async fn the_partner_portal_has_its_own_type_and_colours(app: TestApp) {
    app.seed_demo().await;
    let body: serde_json::Value = app
        .get("/api/v1/portals/partners/public")
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(body["name"], "Partner Central");
    assert_eq!(body["type"], "partner");
    assert_eq!(body["branding"]["primary_color"], "#0f766e");
}

async fn an_unknown_portal_is_a_problem_404(app: TestApp) {
    app.seed_demo().await;
    let body = assert_problem(
        app.get("/api/v1/portals/nope/public").await,
        404,
        "not_found",
    )
    .await;
    assert!(body["detail"].is_string());
}

async fn an_unpublished_portal_is_indistinguishable_from_a_missing_one(app: TestApp) {
    let mut draft = portcullis::seed::demo_portals().remove(0);
    draft.slug = Slug::parse("draft").expect("valid slug");
    draft.published = false;
    assert!(
        portals::insert_if_absent(&mut *app.conn().await, &draft)
            .await
            .expect("insert")
    );
    let hidden = assert_problem(
        app.get("/api/v1/portals/draft/public").await,
        404,
        "not_found",
    )
    .await;
    let missing = assert_problem(
        app.get("/api/v1/portals/ghost/public").await,
        404,
        "not_found",
    )
    .await;
    assert_eq!(hidden, missing);
}

async fn seeding_twice_creates_nothing_new(app: TestApp) {
    let first = portcullis::seed::seed_demo(&app.db).await.expect("seed");
    let second = portcullis::seed::seed_demo(&app.db)
        .await
        .expect("seed again");
    assert_eq!(first.portals_created, ["acme", "partners"]);
    assert!(second.portals_created.is_empty());
}

on_both_backends!(
    a_published_customer_portal_shows_its_name_type_and_branding,
    the_partner_portal_has_its_own_type_and_colours,
    an_unknown_portal_is_a_problem_404,
    an_unpublished_portal_is_indistinguishable_from_a_missing_one,
    seeding_twice_creates_nothing_new,
);
