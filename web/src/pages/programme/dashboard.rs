//! A partner organisation's programme at a glance, on its portal's home: registrations and
//! the approval rate (with a chart), pipeline, wins, commissions, tier, the latest
//! notifications and what to do next.

use leptos::prelude::*;
use leptos_router::components::A;
use portcullis_shared::Permission;
use portcullis_shared::partners::{DealTotal, PartnerDashboard, RegistrationStatus};

use super::{Meter, total};
use crate::api;
use crate::pages::admin::{Loaded, when};
use crate::pages::deals::money;
use crate::pages::deals::pipeline::bars;
use crate::session::can;

pub fn registration_label(s: RegistrationStatus) -> &'static str {
    match s {
        RegistrationStatus::Submitted => "Submitted",
        RegistrationStatus::Approved => "Approved",
        RegistrationStatus::Rejected => "Rejected",
        RegistrationStatus::Won => "Won",
        RegistrationStatus::Lost => "Lost",
        RegistrationStatus::Expired => "Expired",
    }
}

/// The dashboard; `home` is the portal's address.
#[component]
pub fn Dashboard(home: String) -> impl IntoView {
    let data = LocalResource::new(api::commissions::dashboard);
    let home = StoredValue::new(home);
    view! {
        <section class="card dashboard" aria-labelledby="dashboard-title">
            <h2 id="dashboard-title">"Your programme"</h2>
            <Loaded label="Loading your dashboard…">
            {move || Suspend::new(async move { data.await.map(|d| body(d, home.get_value())) })}
            </Loaded>
        </section>
    }
}

/// Amounts per currency, one a line; "None yet" without any.
fn amounts(totals: &[DealTotal]) -> impl IntoView + use<> {
    let deals: i64 = totals.iter().map(|t| t.deals).sum();
    let lines = totals
        .iter()
        .map(|t| view! { <span class="tile-value">{money(&t.amount)}</span> })
        .collect_view();
    view! {
        {if totals.is_empty() { Some(view! { <span class="tile-value">"None yet"</span> }) } else { None }}
        {lines}
        <span class="muted small">{format!("{deals} deal{}", if deals == 1 { "" } else { "s" })}</span>
    }
}

fn body(d: PartnerDashboard, home: String) -> impl IntoView {
    let registered: i64 = d.registrations.iter().map(|s| s.count).sum();
    let rate = d
        .approval_rate_percent
        .map(|p| format!("{p} % approved"))
        .unwrap_or_else(|| "No decisions yet".into());
    let rows = d
        .registrations
        .iter()
        .map(|s| {
            let class = match s.status {
                RegistrationStatus::Approved | RegistrationStatus::Won => "won",
                RegistrationStatus::Rejected
                | RegistrationStatus::Lost
                | RegistrationStatus::Expired => "lost",
                RegistrationStatus::Submitted => "open",
            };
            (
                registration_label(s.status).to_owned(),
                class,
                s.count,
                s.count.to_string(),
            )
        })
        .collect();
    let commissions = d.commissions.map(|c| {
        let lines = c
            .totals
            .iter()
            .map(|t| {
                view! {
                    <dl class="tile-figures">
                        <div><dt>"Earned"</dt><dd>{total(t, |t| t.earned)}</dd></div>
                        <div><dt>"Pending"</dt><dd>{total(t, |t| t.pending)}</dd></div>
                        <div><dt>"Paid"</dt><dd>{total(t, |t| t.paid)}</dd></div>
                    </dl>
                }
            })
            .collect_view();
        let none = c
            .totals
            .is_empty()
            .then(|| view! { <span class="tile-value">"None yet"</span> });
        view! { <li class="tile"><h3>"Commissions"</h3>{none}{lines}</li> }
    });
    let tier = d.tier.map(|t| {
        let name = t
            .tier
            .as_ref()
            .map(|t| t.name.clone())
            .unwrap_or_else(|| "Not ranked yet".into());
        let progress = t.next.as_ref().map(|next| {
            let pct = t.revenue_progress_pct.min(t.deals_progress_pct);
            view! { <Meter label=format!("Progress to {}", next.name) percent=pct text=format!("{pct} %")/> }
        });
        let top = (t.next.is_none() && t.tier.is_some())
            .then(|| view! { <span class="muted small">"The highest tier"</span> });
        view! { <li class="tile"><h3>"Tier"</h3><span class="tile-value">{name}</span>{progress}{top}</li> }
    });
    let unread = d.unread_notifications;
    let notifications = d.notifications;
    let home_link = home.clone();
    let mut actions = vec![("Register a deal", format!("{home}/register"))];
    if can(Permission::ViewCommissions) {
        actions.push(("Your commissions", format!("{home}/commissions")));
    }
    if can(Permission::ViewPartnerTierStatus) {
        actions.push(("Your tier and progress", format!("{home}/tier")));
    }
    view! {
        <ul class="tiles">
            <li class="tile">
                <h3>"Registrations"</h3>
                <span class="tile-value">{registered}</span>
                <span class="muted small">{rate}</span>
            </li>
            <li class="tile"><h3>"Open pipeline"</h3>{amounts(&d.pipeline)}</li>
            <li class="tile"><h3>"Won, last 12 months"</h3>{amounts(&d.won_last_12_months)}</li>
            {commissions}
            {tier}
        </ul>
        <div class="charts">
            {bars("chart-registrations", "Registrations by status".to_owned(), rows)}
            <div>
                <h3>{format!("Notifications ({unread} unread)")}</h3>
                {if notifications.is_empty() {
                    view! { <p class="muted">"Nothing new."</p> }.into_any()
                } else {
                    view! { <ul class="plain notifications">
                        {notifications.into_iter().map(|n| {
                            let title = match n.link {
                                Some(l) => view! { <A href=format!("{home_link}{l}")>{n.title}</A> }.into_any(),
                                None => view! { <strong>{n.title}</strong> }.into_any(),
                            };
                            view! { <li class:unread=!n.read>
                                <p>{title}{(!n.read).then(|| view! { " " <span class="badge pending">"New"</span> })}</p>
                                <p class="muted small">{n.body}" · "{when(&n.created_at)}" UTC"</p>
                            </li> }
                        }).collect_view()}
                    </ul> }.into_any()
                }}
                <h3>"Programme actions"</h3>
                <ul class="quick-actions">
                    {actions.into_iter().map(|(label, href)| view! { <li><A href=href>{label}</A></li> }).collect_view()}
                </ul>
            </div>
        </div>
    }
}
