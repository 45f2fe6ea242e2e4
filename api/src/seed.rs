//! Demo data: a company with a branded customer portal and partner portal. Idempotent, so
//! `make run` can seed every time it starts.

use std::collections::HashMap;

use base64::Engine;
use portcullis_shared::deals::{DealEventKind, DealSource, PartnerRole, StageCategory};
use portcullis_shared::{Branding, PortalKind, Role};

use crate::auth::password::Hasher;
use crate::db::Db;
use crate::domain::portal::{NewPortal, Slug};
use crate::storage::{accounts, deals, portals, users};
use crate::time;

/// The password of every demo user (printed by `portcullis seed-demo`).
pub const DEMO_PASSWORD: &str = "portcullis-demo-2026";

/// What seeding did.
#[derive(Debug, Default)]
pub struct SeedReport {
    pub portals_created: Vec<String>,
    pub users_created: Vec<String>,
    pub deals_created: usize,
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
                        partner_deal_visibility:
                            portcullis_shared::deals::PartnerDealVisibility::Organisation,
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
    report.deals_created = seed_deals(&mut tx, &account_ids).await?;
    seed_availability(&mut tx).await?;
    tx.commit().await?;
    crate::app::registrations::index_unindexed_accounts(db)
        .await
        .map_err(|e| anyhow::anyhow!("indexing accounts: {e}"))?;
    Ok(report)
}

/// The demo rep works 09:00-17:00 London time on weekdays, so the demo deals have slots to
/// book; availability published since is kept.
async fn seed_availability(conn: &mut sqlx::AnyConnection) -> anyhow::Result<()> {
    use crate::storage::meetings::{self, AvailabilityRow};
    use portcullis_shared::meetings::WeeklyWindow;
    let Some(rep) = users::find_by_email(conn, "rep@portcullis.example").await? else {
        return Ok(());
    };
    let id = rep.id.to_string();
    if !meetings::availabilities(conn, std::slice::from_ref(&id))
        .await?
        .is_empty()
    {
        return Ok(());
    }
    let weekly: Vec<WeeklyWindow> = (1..=5)
        .map(|weekday| WeeklyWindow {
            weekday,
            start: "09:00".into(),
            end: "17:00".into(),
        })
        .collect();
    meetings::put_availability(
        conn,
        &AvailabilityRow {
            user_id: id,
            time_zone: "Europe/London".into(),
            weekly: serde_json::to_string(&weekly)?,
            exceptions: "[]".into(),
        },
    )
    .await?;
    Ok(())
}

/// A demo deal: account, name, stage, amount (major units, currency), close in days, shared,
/// amount shared, next steps, partner (account, role, user email).
struct DemoDeal {
    key: &'static str,
    account: &'static str,
    name: &'static str,
    stage: &'static str,
    amount: (i64, &'static str),
    close_in_days: i64,
    shared: bool,
    amount_shared: bool,
    next_steps: Option<&'static str>,
    partner: Option<(&'static str, PartnerRole, &'static str)>,
}

const DEMO_DEALS: [DemoDeal; 7] = [
    DemoDeal {
        key: "demo-globex-rollout",
        account: "Globex Corporation",
        name: "Globex platform rollout",
        stage: "Negotiation",
        amount: (120_000, "EUR"),
        close_in_days: 30,
        shared: true,
        amount_shared: true,
        next_steps: Some("Legal review of the master agreement; signature expected by month end."),
        partner: Some((
            "Northwind Partners",
            PartnerRole::CoSell,
            "partner@northwind.example",
        )),
    },
    DemoDeal {
        key: "demo-globex-support",
        account: "Globex Corporation",
        name: "Globex support renewal",
        stage: "Proposal",
        amount: (18_000, "EUR"),
        close_in_days: 45,
        shared: true,
        amount_shared: false,
        next_steps: Some("Choose between the standard and premium support plans."),
        partner: None,
    },
    DemoDeal {
        key: "demo-globex-analytics",
        account: "Globex Corporation",
        name: "Globex analytics add-on",
        stage: "Qualification",
        amount: (36_000, "EUR"),
        close_in_days: 90,
        shared: false,
        amount_shared: false,
        next_steps: None,
        partner: Some((
            "Northwind Partners",
            PartnerRole::Registered,
            "partner@northwind.example",
        )),
    },
    DemoDeal {
        key: "demo-initech-migration",
        account: "Initech",
        name: "Initech data migration",
        stage: "Proposal",
        amount: (45_000, "USD"),
        close_in_days: 21,
        shared: true,
        amount_shared: true,
        next_steps: Some("Migration plan workshop with the Initech IT team."),
        partner: Some((
            "Contoso Resellers",
            PartnerRole::Registered,
            "partner@contoso.example",
        )),
    },
    DemoDeal {
        key: "demo-initech-training",
        account: "Initech",
        name: "Initech training package",
        stage: "Closed won",
        amount: (8_000, "USD"),
        close_in_days: -10,
        shared: true,
        amount_shared: false,
        next_steps: None,
        partner: None,
    },
    DemoDeal {
        key: "demo-initech-expansion",
        account: "Initech",
        name: "Initech expansion",
        stage: "Prospecting",
        amount: (150_000, "USD"),
        close_in_days: 180,
        shared: false,
        amount_shared: false,
        next_steps: None,
        partner: Some((
            "Contoso Resellers",
            PartnerRole::Referral,
            "partner@contoso.example",
        )),
    },
    DemoDeal {
        key: "demo-initech-security",
        account: "Initech",
        name: "Initech security review",
        stage: "Qualification",
        amount: (22_500, "USD"),
        close_in_days: 60,
        shared: false,
        amount_shared: false,
        next_steps: None,
        partner: Some((
            "Northwind Partners",
            PartnerRole::Influenced,
            "partner@northwind.example",
        )),
    },
];

/// The demo pipeline: deals for both customers and both partners at several stages, with
/// timelines. The demo customers' previous visit is set three days back, so signing in shows
/// what changed since.
async fn seed_deals(
    conn: &mut sqlx::AnyConnection,
    account_ids: &HashMap<&str, String>,
) -> anyhow::Result<usize> {
    let day = 86_400_000_000_i64;
    let now = time::now();
    let Some(rep) = users::find_by_email(conn, "rep@portcullis.example").await? else {
        return Ok(0);
    };
    let manager = users::find_by_email(conn, "manager@portcullis.example").await?;
    let stages = deals::stages(conn).await?;
    let stage = |name: &str| stages.iter().find(|s| s.name == name).cloned();
    let mut created = 0;
    for d in &DEMO_DEALS {
        if deals::external_id_taken(conn, d.key, None).await? {
            continue;
        }
        let (Some(account_id), Some(st)) = (account_ids.get(d.account), stage(d.stage)) else {
            continue;
        };
        let region = accounts::region_of(conn, account_id).await?;
        let close = chrono::Utc::now().date_naive() + chrono::Duration::days(d.close_in_days);
        let id = deals::insert(
            conn,
            &deals::DealFields {
                account_id: account_id.clone(),
                name: d.name.into(),
                stage_id: st.id.clone(),
                amount_minor: Some(d.amount.0 * 100),
                currency: Some(d.amount.1.into()),
                amount_shared: d.amount_shared,
                expected_close_date: Some(close.format("%Y-%m-%d").to_string()),
                owner_id: rep.id.clone(),
                source: if d.partner.is_some() {
                    DealSource::Partner
                } else {
                    DealSource::Direct
                },
                shared: d.shared,
                next_steps: d.next_steps.map(Into::into),
                internal_tags: Some("demo".into()),
                region,
                external_id: Some(d.key.into()),
                closed_at: (st.category != StageCategory::Open).then_some(now),
            },
        )
        .await?;
        created += 1;
        if let Some(m) = &manager {
            deals::add_member(conn, &id, &m.id).await?;
        }
        if let Some((partner, role, email)) = d.partner
            && let Some(partner_id) = account_ids.get(partner)
        {
            let user = users::find_by_email(conn, email).await?.map(|u| u.id);
            deals::link_partner(conn, &id, partner_id, role, user.as_deref()).await?;
        }
        let event = |kind, shared, body: Option<&'static str>, details, ago: i64| {
            (kind, shared, body, details, now - ago)
        };
        let mut events = vec![event(
            DealEventKind::Created,
            false,
            None,
            serde_json::json!({}),
            20 * day,
        )];
        if d.shared {
            events.push(event(
                DealEventKind::Shared,
                true,
                None,
                serde_json::json!({}),
                14 * day,
            ));
        }
        if st.position > 1 {
            let before = stages.iter().find(|s| s.position == st.position - 1);
            events.push(event(
                DealEventKind::StageChanged,
                true,
                None,
                serde_json::json!({ "from": before.map(|s| s.name.clone()), "to": st.name }),
                day,
            ));
        }
        events.push(event(
            DealEventKind::Note,
            false,
            Some("Internal: the champion worries about budget; keep the discount in reserve."),
            serde_json::json!({}),
            2 * day,
        ));
        if d.shared {
            events.push(event(
                DealEventKind::Note,
                true,
                Some("Thanks for the call today. The updated proposal is on its way."),
                serde_json::json!({}),
                day / 2,
            ));
        }
        for (kind, shared, body, details, at) in events {
            deals::record_at(
                conn,
                &deals::NewEvent {
                    deal_id: &id,
                    kind,
                    shared,
                    actor_id: Some(&rep.id),
                    body,
                    details,
                },
                at,
            )
            .await?;
        }
    }
    // Contacts: one with a portal account, one without (to invite from a shared deal).
    for (account, name, email, title) in [
        (
            "Globex Corporation",
            "Gloria Globex",
            "customer@globex.example",
            "Head of Operations",
        ),
        (
            "Globex Corporation",
            "Hans Gruber",
            "hans@globex.example",
            "Procurement lead",
        ),
        (
            "Initech",
            "Ian Initech",
            "customer@initech.example",
            "IT Director",
        ),
        (
            "Initech",
            "Peter Gibbons",
            "peter@initech.example",
            "Software engineer",
        ),
    ] {
        let Some(account_id) = account_ids.get(account) else {
            continue;
        };
        if deals::contacts_of_account(conn, account_id)
            .await?
            .iter()
            .any(|c| c.email == email)
        {
            continue;
        }
        deals::insert_contact(
            conn,
            &deals::NewContact {
                account_id: account_id.clone(),
                name: name.into(),
                email: email.into(),
                email_normalized: users::normalize_email(email),
                title: Some(title.into()),
                phone: None,
            },
        )
        .await?;
    }
    if created > 0 {
        // Link each account's contacts to its shared deals.
        for d in DEMO_DEALS.iter().filter(|d| d.shared) {
            let Some(account_id) = account_ids.get(d.account) else {
                continue;
            };
            let Some(deal) = deals::id_by_external_id(conn, d.key).await? else {
                continue;
            };
            for c in deals::contacts_of_account(conn, account_id).await? {
                deals::add_contact(conn, &deal, &c.id).await?;
            }
        }
        // Globex's users see deal values shared with them; Initech's do not.
        if let Some(globex) = account_ids.get("Globex Corporation") {
            crate::storage::permissions::set(
                conn,
                crate::domain::permissions::OverrideLevel::Account,
                globex,
                portcullis_shared::Permission::ViewDealValue,
                Some(true),
            )
            .await?;
        }
        // The demo customers last visited three days ago.
        for email in ["customer@globex.example", "customer@initech.example"] {
            sqlx::query("UPDATE users SET last_sign_in_at = $1 WHERE email_normalized = $2")
                .bind(now - 3 * day)
                .bind(users::normalize_email(email))
                .execute(&mut *conn)
                .await?;
        }
    }
    Ok(created)
}
