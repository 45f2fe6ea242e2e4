//! Demo data: a company with a branded customer portal and partner portal. Idempotent, so
//! `make run` can seed every time it starts.

use base64::Engine;
use portcullis_shared::{Branding, PortalKind};

use crate::db::Db;
use crate::domain::portal::{NewPortal, Slug};
use crate::storage::portals;
use crate::time;

/// What seeding did.
#[derive(Debug, Default)]
pub struct SeedReport {
    pub portals_created: Vec<String>,
}

fn svg_data_uri(svg: &str) -> String {
    format!(
        "data:image/svg+xml;base64,{}",
        base64::engine::general_purpose::STANDARD.encode(svg)
    )
}

fn logo(initial: &str, color: &str) -> String {
    svg_data_uri(&format!(
        r##"<svg xmlns="http://www.w3.org/2000/svg" width="96" height="96" viewBox="0 0 96 96"><rect width="96" height="96" rx="22" fill="{color}"/><text x="48" y="64" font-family="Helvetica,Arial,sans-serif" font-size="48" font-weight="700" fill="#ffffff" text-anchor="middle">{initial}</text></svg>"##
    ))
}

fn login_image(from: &str, to: &str) -> String {
    svg_data_uri(&format!(
        r##"<svg xmlns="http://www.w3.org/2000/svg" width="800" height="1000" viewBox="0 0 800 1000"><defs><linearGradient id="g" x1="0" y1="0" x2="1" y2="1"><stop offset="0" stop-color="{from}"/><stop offset="1" stop-color="{to}"/></linearGradient></defs><rect width="800" height="1000" fill="url(#g)"/><g fill="#ffffff" fill-opacity="0.12"><circle cx="640" cy="180" r="220"/><circle cx="120" cy="860" r="260"/><rect x="180" y="380" width="440" height="260" rx="28"/></g><g fill="#ffffff" fill-opacity="0.5"><rect x="230" y="430" width="200" height="18" rx="9"/><rect x="230" y="470" width="320" height="14" rx="7"/><rect x="230" y="500" width="280" height="14" rx="7"/><rect x="230" y="560" width="120" height="36" rx="18"/></g></svg>"##
    ))
}

/// The two demo portals.
pub fn demo_portals() -> Vec<NewPortal> {
    let slug = |s: &str| Slug::parse(s).expect("demo slugs are valid");
    vec![
        NewPortal {
            slug: slug("acme"),
            name: "Acme Customer Hub".into(),
            kind: PortalKind::Customer,
            branding: Branding {
                logo_url: Some(logo("A", "#1d4ed8")),
                primary_color: "#1d4ed8".into(),
                background_color: "#f8fafc".into(),
                favicon_url: Some(logo("A", "#1d4ed8")),
                login_image_url: Some(login_image("#1d4ed8", "#60a5fa")),
                email_header_url: Some(logo("A", "#1d4ed8")),
            },
            custom_domain: None,
            frame_ancestors: None,
            published: true,
        },
        NewPortal {
            slug: slug("partners"),
            name: "Partner Central".into(),
            kind: PortalKind::Partner,
            branding: Branding {
                logo_url: Some(logo("P", "#0f766e")),
                primary_color: "#0f766e".into(),
                background_color: "#f0fdfa".into(),
                favicon_url: Some(logo("P", "#0f766e")),
                login_image_url: Some(login_image("#0f766e", "#5eead4")),
                email_header_url: Some(logo("P", "#0f766e")),
            },
            custom_domain: None,
            frame_ancestors: None,
            published: true,
        },
    ]
}

/// Creates whatever part of the demo data is missing.
pub async fn seed_demo(db: &Db) -> anyhow::Result<SeedReport> {
    let mut report = SeedReport::default();
    sqlx::query(
        "INSERT INTO company (id, name, created_at) VALUES ($1, $2, $3) ON CONFLICT (id) DO NOTHING",
    )
    .bind("demo")
    .bind("Acme Corporation")
    .bind(time::now())
    .execute(&db.pool)
    .await?;
    for portal in demo_portals() {
        if portals::insert_if_absent(db, &portal).await? {
            report.portals_created.push(portal.slug.as_str().to_owned());
        }
    }
    Ok(report)
}
