//! Deals as each audience meets them: a customer's cards, a partner's and staff's lists, one
//! deal's page with its timeline, staff's editing, and the pipeline (chart and settings).
//! What a caller may see is the server's decision; these screens show what arrives.

pub mod cards;
pub mod edit;
pub mod list;
pub mod page;
pub mod pipeline;

use leptos::prelude::*;
use portcullis_shared::Money;
use portcullis_shared::deals::{DealChange, Person, Stage, StageCategory, StageRef};

use crate::api;

/// `EUR 1234567.5` as `EUR 1,234,567.50`.
pub fn money(m: &Money) -> String {
    let decimal = m.decimal();
    let (sign, digits) = match decimal.strip_prefix('-') {
        Some(rest) => ("-", rest),
        None => ("", decimal.as_str()),
    };
    let (whole, frac) = digits.split_once('.').unwrap_or((digits, ""));
    let mut grouped = String::new();
    for (i, c) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(c);
    }
    let frac = if frac.is_empty() {
        String::new()
    } else {
        format!(".{frac}")
    };
    format!("{} {sign}{grouped}{frac}", m.currency.code())
}

/// `2026-12-15` (or the start of an RFC 3339 time) as `15 Dec 2026`.
pub fn day(date: &str) -> String {
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let parts: Vec<&str> = date.get(..10).unwrap_or(date).split('-').collect();
    match parts[..] {
        [y, m, d] => match m
            .parse::<usize>()
            .ok()
            .and_then(|m| MONTHS.get(m.wrapping_sub(1)))
        {
            Some(month) => format!("{} {month} {y}", d.trim_start_matches('0')),
            None => date.to_owned(),
        },
        _ => date.to_owned(),
    }
}

pub fn category_label(c: StageCategory) -> &'static str {
    match c {
        StageCategory::Open => "Open",
        StageCategory::Won => "Won",
        StageCategory::Lost => "Lost",
    }
}

/// Where a deal stands: one step per open stage, the current one highlighted; a won deal
/// fills every step, a lost one greys them, and both say so in words.
#[component]
pub fn StageTrack(stages: Vec<Stage>, current: StageRef) -> impl IntoView {
    let open: Vec<Stage> = stages
        .into_iter()
        .filter(|s| s.category == StageCategory::Open)
        .collect();
    let at = open.iter().position(|s| s.id == current.id);
    let caption = match (current.category, at) {
        (StageCategory::Open, Some(i)) => {
            format!("Stage {} of {}: {}", i + 1, open.len(), current.name)
        }
        (StageCategory::Open, None) => current.name.clone(),
        (c, _) => format!("{}: {}", category_label(c), current.name),
    };
    let won = current.category == StageCategory::Won;
    view! {
        <div class=format!("track {}", current.category)>
            <ol aria-label="Pipeline stages">
                {open.into_iter().enumerate().map(|(i, s)| {
                    let state = match at {
                        Some(a) if i < a => "done",
                        Some(a) if i == a => "current",
                        _ if won => "done",
                        _ => "",
                    };
                    let spoken = match state {
                        "done" => format!("{} (done)", s.name),
                        "current" => format!("{} (current stage)", s.name),
                        _ => s.name,
                    };
                    let tip = spoken.clone();
                    view! { <li class=state title=tip><span class="sr-only">{spoken}</span></li> }
                }).collect_view()}
            </ol>
            <p class="track-caption">
                {(current.category != StageCategory::Open).then(|| view! {
                    <span class=format!("badge {}", current.category)>{category_label(current.category)}</span>" "
                })}
                {caption}
            </p>
        </div>
    }
}

/// The first letters of a name's first and last words.
fn initials(name: &str) -> String {
    let words: Vec<&str> = name.split_whitespace().collect();
    [words.first(), words.last().filter(|_| words.len() > 1)]
        .into_iter()
        .flatten()
        .filter_map(|w| w.chars().next())
        .flat_map(char::to_uppercase)
        .collect()
}

/// The rep of a deal: their photo (fetched with the session's token) or initials, and name.
#[component]
pub fn Rep(deal_id: String, person: Person) -> impl IntoView {
    let photo = RwSignal::new(None::<String>);
    if person.photo_url.is_some() {
        let fetch = api::deals::owner_photo(&deal_id);
        leptos::task::spawn_local(async move {
            if let Ok(url) = fetch.await {
                photo.set(Some(url));
            }
        });
        on_cleanup(move || {
            if let Some(url) = photo.try_get_untracked().flatten() {
                let _ = web_sys::Url::revoke_object_url(&url);
            }
        });
    }
    let letters = initials(&person.name);
    view! {
        <span class="rep">
            {move || match photo.get() {
                Some(src) => view! { <img class="avatar" src=src alt="" width="36" height="36"/> }.into_any(),
                None => view! { <span class="avatar" aria-hidden="true">{letters.clone()}</span> }.into_any(),
            }}
            <span>{person.name}</span>
        </span>
    }
}

/// What changed since the caller's previous visit.
#[component]
pub fn Changes(changes: Vec<DealChange>) -> impl IntoView {
    (!changes.is_empty()).then(|| {
        view! {
            <div class="changes">
                <p class="changes-title">"Since your last visit"</p>
                <ul>
                    {changes.into_iter().map(|c| view! {
                        <li>{c.summary}" "<span class="muted small">{day(&c.at)}</span></li>
                    }).collect_view()}
                </ul>
            </div>
        }
    })
}

/// A heading at a level that fits where the screen sits (the console's screens start at 1,
/// a portal's below its name at 2).
pub fn heading(level: u8, id: &'static str, text: String) -> AnyView {
    match level {
        1 => view! { <h1 id=id tabindex="-1">{text}</h1> }.into_any(),
        2 => view! { <h2 id=id tabindex="-1">{text}</h2> }.into_any(),
        _ => view! { <h3 id=id tabindex="-1">{text}</h3> }.into_any(),
    }
}
