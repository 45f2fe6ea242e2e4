//! A partner's tier: which, how it was set, and the trailing-12-month results against what
//! the next tier takes.

use leptos::prelude::*;
use portcullis_shared::Permission;
use portcullis_shared::tiers::TierStatus;
use portcullis_shared::{Currency, Money};

use super::Meter;
use crate::api;
use crate::pages::admin::Loaded;
use crate::pages::deals::{day, money};
use crate::session::can;

#[component]
pub fn TierPage() -> impl IntoView {
    if !can(Permission::ViewPartnerTierStatus) {
        return view! {
            <section class="card" aria-labelledby="tier-title">
                <h2 id="tier-title">"Your tier"</h2>
                <p>"Your organisation has not opened tier status to you. Ask your partner administrator."</p>
            </section>
        }
        .into_any();
    }
    let status = LocalResource::new(|| api::commissions::tier_status(String::new()));
    view! {
        <section class="card" aria-labelledby="tier-title">
            <h2 id="tier-title" tabindex="-1">"Your tier"</h2>
            <Loaded label="Loading your tier…">
            {move || Suspend::new(async move { status.await.map(|s| standing(s, true)) })}
            </Loaded>
        </section>
    }
    .into_any()
}

fn amount(minor: i64, currency: Currency) -> String {
    money(&Money::new(minor, currency))
}

/// Where an account stands, and what the next tier takes; `own` speaks to the partner.
pub fn standing(s: TierStatus, own: bool) -> impl IntoView {
    let name = s
        .tier
        .as_ref()
        .map(|t| t.name.clone())
        .unwrap_or_else(|| "Not ranked yet".into());
    let how = match (s.manual_override, s.tier.is_some(), own) {
        (true, _, true) => "Set by your programme manager, whatever the results.",
        (true, _, false) => "Held at this tier by hand, whatever the results.",
        (false, true, true) => "Earned by your results over the last 12 months; checked every day.",
        (false, true, false) => {
            "Earned by the partner's results over the last 12 months; checked every day."
        }
        (false, false, _) => "The tier is set at the next daily check.",
    };
    let since = s
        .tier_changed_at
        .as_deref()
        .map(|at| format!(" Since {}.", day(at)));
    let won = amount(s.won_minor, s.currency);
    let next = match s.next {
        Some(n) => view! {
            <h3>{format!("Next: {}", n.name)}</h3>
            <Meter label="Won revenue".to_owned() percent=s.revenue_progress_pct
                text=format!("{won} of {} ({} %)", amount(n.min_won_minor, n.currency), s.revenue_progress_pct)/>
            <Meter label="Won deals".to_owned() percent=s.deals_progress_pct
                text=format!("{} of {} ({} %)", s.won_deals, n.min_won_deals, s.deals_progress_pct)/>
        }
        .into_any(),
        None => view! { <p class="notice">"You are at the highest tier."</p> }.into_any(),
    };
    view! {
        <p class="tier-name">{name}</p>
        <p class="muted">{how}{since}</p>
        <dl class="facts">
            <div><dt>"Won revenue, last 12 months"</dt><dd>{won}</dd></div>
            <div><dt>"Won deals, last 12 months"</dt><dd>{s.won_deals}</dd></div>
            {s.tier.and_then(|t| t.protection_days).map(|d| view! {
                <div><dt>"Registration protection"</dt><dd>{format!("{d} days")}</dd></div>
            })}
        </dl>
        {next}
    }
}
