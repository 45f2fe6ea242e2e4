//! The partner programme as a partner meets it: the dashboard on the portal's home, and the
//! commissions and tier screens (`/p/{slug}/commissions`, `/p/{slug}/tier`). The console's
//! side of the programme is `admin::programme`; both share the labels and pieces here.

pub mod commissions;
pub mod dashboard;
pub mod tier;

use leptos::prelude::*;
use leptos_router::components::A;
use portcullis_shared::commissions::{CommissionStatus, CommissionTotals};
use portcullis_shared::deals::PartnerRole;
use portcullis_shared::{Currency, FieldError, Money};

use crate::pages::portal::focus_section;

/// A partner screen of the portal, from the address below `/p/{slug}/`.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Screen {
    Commissions,
    Tier,
}

/// The screen `screen` under the portal's home `home`.
#[component]
pub fn PartnerScreen(screen: Screen, home: String) -> impl IntoView {
    // Keyboard and screen reader users continue from the screen's title.
    let title = match screen {
        Screen::Commissions => "#commissions-title",
        Screen::Tier => "#tier-title",
    };
    Effect::new(move |_| request_animation_frame(move || focus_section(title)));
    view! {
        <div class="deal-page">
            <p><A href=home>"← Home"</A></p>
            {match screen {
                Screen::Commissions => view! { <commissions::Commissions/> }.into_any(),
                Screen::Tier => view! { <tier::TierPage/> }.into_any(),
            }}
        </div>
    }
}

pub fn role_label(r: PartnerRole) -> &'static str {
    match r {
        PartnerRole::Registered => "Registered",
        PartnerRole::CoSell => "Co-sell",
        PartnerRole::Referral => "Referral",
        PartnerRole::Influenced => "Influenced",
    }
}

pub fn status_label(s: CommissionStatus) -> &'static str {
    match s {
        CommissionStatus::Pending => "Pending",
        CommissionStatus::Earned => "Earned",
        CommissionStatus::Paid => "Paid",
        CommissionStatus::ClawedBack => "Clawed back",
    }
}

/// A commission's status as a badge.
pub fn status_badge(s: CommissionStatus) -> impl IntoView {
    view! { <span class=format!("badge {}", s.as_str())>{status_label(s)}</span> }
}

/// Basis points as a percentage: 1000 as `10 %`, 250 as `2.5 %`.
pub fn percent(bps: i64) -> String {
    format!("{} %", percent_number(bps))
}

/// Basis points as the number a rate field shows: 250 as `2.5`.
pub fn percent_number(bps: i64) -> String {
    let text = Money::new(bps, Currency::EUR).decimal();
    match text.split_once('.') {
        Some((whole, frac)) => {
            let frac = frac.trim_end_matches('0');
            if frac.is_empty() {
                whole.to_owned()
            } else {
                format!("{whole}.{frac}")
            }
        }
        None => text,
    }
}

/// A percentage typed by a person (`2.5`) in basis points, exactly.
pub fn parse_percent(text: &str) -> Option<i64> {
    Money::parse(text.trim().trim_end_matches('%'), Currency::EUR)
        .ok()
        .map(|m| m.minor)
        .filter(|bps| (0..=10_000).contains(bps))
}

/// The money of one column of a currency's totals.
pub fn total(t: &CommissionTotals, minor: impl Fn(&CommissionTotals) -> i64) -> String {
    crate::pages::deals::money(&Money::new(minor(t), t.currency))
}

/// Progress towards a goal as a bar with its words beside it.
#[component]
pub fn Meter(label: String, percent: i64, text: String) -> impl IntoView {
    view! {
        <div class="meter">
            <p class="meter-label"><span>{label.clone()}</span><span class="muted">{text}</span></p>
            <progress max="100" value=percent.clamp(0, 100) aria-label=label></progress>
        </div>
    }
}

/// Per-field errors of a form from the server's problem document.
pub type Errors = RwSignal<Vec<FieldError>>;

/// The message of `field`'s error, shown beneath it.
pub fn error_for(errors: Errors, id: &'static str, field: &'static str) -> impl IntoView {
    move || {
        errors.with(|es| {
            es.iter()
                .find(|e| e.field == field)
                .map(|e| view! { <p class="error" id=id>{e.message.clone()}</p> })
        })
    }
}

/// `aria-invalid` for `field`.
pub fn invalid(errors: Errors, field: &'static str) -> impl Fn() -> Option<&'static str> {
    move || {
        errors
            .with(|es| es.iter().any(|e| e.field == field))
            .then_some("true")
    }
}
