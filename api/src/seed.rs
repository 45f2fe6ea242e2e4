//! Demo data: a company with a branded customer portal and partner portal. Idempotent, so
//! `make run` can seed every time it starts.

use std::collections::HashMap;

use base64::Engine;
use portcullis_shared::{Branding, PortalKind, Role};

use crate::auth::password::Hasher;
use crate::db::Db;
use crate::domain::portal::{NewPortal, Slug};
use crate::storage::{accounts, portals, users};
use crate::time;

/// The password of every demo user (printed by `portcullis seed-demo`).
pub const DEMO_PASSWORD: &str = "portcullis-demo-2026";

/// What seeding did.
#[derive(Debug, Default)]
pub struct SeedReport {
    pub portals_created: Vec<String>,
    pub users_created: Vec<String>,
}

/// A demo user: email, name, role, and for external users their account and portal slug.
pub struct DemoUser {
    pub email: &'static str,
    pub name: &'static str,
    pub role: Role,
    pub account: Option<&'static str>,
    pub portal: Option<&'static str>,
}

const fn demo_user(
    email: &'static str,
    name: &'static str,
    role: Role,
    account: Option<&'static str>,
    portal: Option<&'static str>,
) -> DemoUser {
    DemoUser {
        email,
        name,
        role,
        account,
        portal,
    }
}

/// The demo accounts: two customers and two partners, so that every feature can show one
/// organisation's data beside another's.
pub const DEMO_ACCOUNTS: [(&str, PortalKind, &str, &str); 4] = [
    (
        "Globex Corporation",
        PortalKind::Customer,
        "globex.example",
        "EMEA",
    ),
    ("Initech", PortalKind::Customer, "initech.example", "NA"),
    (
        "Northwind Partners",
        PortalKind::Partner,
        "northwind.example",
        "EMEA",
    ),
    (
        "Contoso Resellers",
        PortalKind::Partner,
        "contoso.example",
        "NA",
    ),
];

/// One user per role, plus users of a second customer and partner account.
pub const DEMO_USERS: [DemoUser; 9] = [
    demo_user(
        "admin@portcullis.example",
        "Ada Admin",
        Role::Admin,
        None,
        None,
    ),
    demo_user(
        "manager@portcullis.example",
        "Max Manager",
        Role::Manager,
        None,
        None,
    ),
    demo_user(
        "channel@portcullis.example",
        "Chan Nell",
        Role::ChannelManager,
        None,
        None,
    ),
    demo_user(
        "rep@portcullis.example",
        "Remy Rep",
        Role::SalesRep,
        None,
        None,
    ),
    demo_user(
        "customer@globex.example",
        "Gloria Globex",
        Role::CustomerUser,
        Some("Globex Corporation"),
        Some("acme"),
    ),
    demo_user(
        "customer@initech.example",
        "Ian Initech",
        Role::CustomerUser,
        Some("Initech"),
        Some("acme"),
    ),
    demo_user(
        "partner@northwind.example",
        "Nora Northwind",
        Role::PartnerUser,
        Some("Northwind Partners"),
        Some("partners"),
    ),
    demo_user(
        "partner-admin@northwind.example",
        "Ned Northwind",
        Role::PartnerAdmin,
        Some("Northwind Partners"),
        Some("partners"),
    ),
    demo_user(
        "partner@contoso.example",
        "Connie Contoso",
        Role::PartnerUser,
        Some("Contoso Resellers"),
        Some("partners"),
    ),
];

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
            idle_timeout_secs: 30 * 60,
            absolute_lifetime_secs: 12 * 3600,
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
            idle_timeout_secs: 30 * 60,
            absolute_lifetime_secs: 12 * 3600,
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
    // Hashed before the transaction: every demo user shares one password.
    let hash = Hasher::new()?.hash(DEMO_PASSWORD.to_owned()).await?;
    let mut tx = db.pool.begin().await?;
    sqlx::query(
        "INSERT INTO company (id, name, created_at) VALUES ($1, $2, $3) ON CONFLICT (id) DO NOTHING",
    )
    .bind("demo")
    .bind("Acme Corporation")
    .bind(time::now())
    .execute(&mut *tx)
    .await?;
    let mut portal_ids = HashMap::new();
    for portal in demo_portals() {
        if portals::insert_if_absent(&mut tx, &portal).await? {
            report.portals_created.push(portal.slug.as_str().to_owned());
        }
        if let Some(p) = portals::find_published(&mut tx, portal.slug.as_str()).await? {
            portal_ids.insert(p.slug.clone(), p.id);
        }
    }
    let mut account_ids = HashMap::new();
    for (name, kind, domain, region) in DEMO_ACCOUNTS {
        let id = match accounts::find_id_by_name(&mut tx, name).await? {
            Some(id) => id,
            None => {
                accounts::insert(
                    &mut tx,
                    &accounts::NewAccount {
                        kind,
                        name: name.into(),
                        domain: Some(domain.into()),
                        region: Some(region.into()),
                        parent_id: None,
                        owner_user_id: None,
                    },
                )
                .await?
            }
        };
        account_ids.insert(name, id);
    }
    for u in &DEMO_USERS {
        let created = users::insert_if_absent(
            &mut tx,
            &users::NewUser {
                email: u.email.into(),
                name: u.name.into(),
                role: u.role,
                account_id: u.account.and_then(|a| account_ids.get(a).cloned()),
                portal_id: u.portal.and_then(|p| portal_ids.get(p).cloned()),
                status: users::UserStatus::Active,
                password_hash: Some(hash.clone()),
            },
        )
        .await?;
        if created.is_some() {
            report.users_created.push(u.email.to_owned());
        }
    }
    tx.commit().await?;
    Ok(report)
}
