//! One deal's page: where it stands, its facts and what changed, its timeline (external users
//! see shared events only; staff see every event, internal ones marked), and for staff the
//! editing, sharing, contacts and notes beneath.

use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::A;
use portcullis_shared::deals::{Deal, DealEvent, DealEventKind, DealSource, Stage};

use super::{Changes, Rep, StageTrack, day, edit, heading, money};
use crate::api;
use crate::pages::admin::{Loaded, when};

/// The deal `id`; `back` is the list it was opened from, `level` the level of its heading.
#[component]
pub fn DealPage(id: String, back: String, internal: bool, level: u8) -> impl IntoView {
    let data = LocalResource::new(move || {
        let stages = api::pipeline::stages();
        let deal = api::deals::get(&id);
        async move { Ok::<_, api::ApiError>((stages.await?.stages, deal.await?)) }
    });
    view! {
        <div class="deal-page">
            <p><A href=back>"← All deals"</A></p>
            <Loaded label="Loading the deal…">
            {move || Suspend::new(async move { data.await.map(|(stages, deal)| view! {
                <Opened deal=deal stages=stages internal=internal level=level/>
            }) })}
            </Loaded>
        </div>
    }
}

/// A loaded deal. Changes answer with the deal as stored, which replaces it here in place,
/// so that the form being used (and the keyboard focus in it) stays where it is.
#[component]
fn Opened(deal: Deal, stages: Vec<Stage>, internal: bool, level: u8) -> impl IntoView {
    let live = edit::Live {
        deal: RwSignal::new(deal),
        events: RwSignal::new(0),
        owner: StoredValue::new(Owner::current()),
    };
    let id = StoredValue::new(live.id());
    let track = StoredValue::new(stages.clone());
    // Opening a deal from a list moves keyboard and screen reader users to its title.
    Effect::new(|_| {
        request_animation_frame(|| {
            let title = web_sys::window()
                .and_then(|w| w.document())
                .and_then(|d| d.get_element_by_id("deal-title"))
                .and_then(|e| wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlElement>(e).ok());
            if let Some(title) = title {
                let _ = title.focus();
            }
        })
    });
    view! {
        {move || view! { <Summary deal=live.deal.get() stages=track.get_value() internal=internal level=level/> }}
        <crate::pages::collab::Collaboration deal=live.deal.get_untracked()/>
        {internal.then(|| view! { <edit::Editor live=live stages=stages/> })}
        <Timeline id=id internal=internal reload=live.events/>
    }
}

pub fn source_label(s: DealSource) -> &'static str {
    match s {
        DealSource::Direct => "Direct",
        DealSource::Partner => "Partner",
        DealSource::Referral => "Referral",
    }
}

#[component]
fn Summary(deal: Deal, stages: Vec<Stage>, internal: bool, level: u8) -> impl IntoView {
    let id = deal.id.to_string();
    let partners = deal
        .partners
        .iter()
        .map(|p| format!("{} ({})", p.account.name, p.role.as_str().replace('_', "-")))
        .collect::<Vec<_>>()
        .join(", ");
    view! {
        <section class="card deal-summary" aria-labelledby="deal-title">
            {heading(level, "deal-title", deal.name.clone())}
            <p class="muted">{deal.account.name.clone()}
                {internal.then(|| format!(" · {} deal", source_label(deal.source)))}
            </p>
            <StageTrack stages=stages current=deal.stage.clone()/>
            <dl class="facts">
                <div><dt>"Expected close"</dt><dd>{deal.expected_close_date.as_deref().map(day).unwrap_or_else(|| "Not set".into())}</dd></div>
                {deal.amount.map(|a| view! { <div><dt>"Amount"</dt><dd>{money(&a)}</dd></div> })}
                {deal.owner.clone().map(|p| view! { <div><dt>{if internal { "Owner" } else { "Your contact" }}</dt><dd><Rep deal_id=id.clone() person=p/></dd></div> })}
                {(!partners.is_empty()).then(|| view! { <div><dt>"Partners"</dt><dd>{partners}</dd></div> })}
                {internal.then(|| view! {
                    <div><dt>"Portal"</dt><dd>{match (deal.shared, deal.amount_shared) {
                        (true, true) => "Shared, with the amount",
                        (true, false) => "Shared, amount hidden",
                        (false, _) => "Not shared",
                    }}</dd></div>
                })}
            </dl>
            {deal.next_steps.clone().map(|s| view! { <p class="next-steps"><strong>"Next steps: "</strong>{s}</p> })}
            <Changes changes=deal.changes.clone()/>
        </section>
    }
}

/// The deal's timeline, newest first, a page at a time.
#[component]
fn Timeline(id: StoredValue<String>, internal: bool, reload: RwSignal<u32>) -> impl IntoView {
    let items = RwSignal::new(None::<Vec<DealEvent>>);
    let next = RwSignal::new(None::<String>);
    let error = RwSignal::new(None::<String>);
    let load = move |cursor: Option<String>| {
        let more = cursor.is_some();
        let call = api::deals::timeline(&id.get_value(), cursor.unwrap_or_default());
        spawn_local(async move {
            match call.await {
                Ok(p) => {
                    if more {
                        items.update(|i| i.get_or_insert_default().extend(p.items));
                    } else {
                        items.set(Some(p.items));
                    }
                    next.set(p.next_cursor);
                    error.set(None);
                }
                Err(e) => error.set(Some(e.message())),
            }
        });
    };
    Effect::new(move |_| {
        reload.track();
        load(None);
    });
    view! {
        <section class="card" aria-labelledby="timeline-title">
            <h2 id="timeline-title">"Timeline"</h2>
            {move || error.get().map(|m| view! { <p class="error" role="alert">{m}</p> })}
            {move || match items.get() {
                None => view! { <p class="loading" aria-busy="true">"Loading the timeline…"</p> }.into_any(),
                Some(list) if list.is_empty() => view! { <p class="muted">"Nothing has happened yet."</p> }.into_any(),
                Some(list) => view! {
                    <ol class="timeline">
                        {list.into_iter().map(|e| {
                            let summary = if e.kind == DealEventKind::Note && !internal { "Note".to_owned() } else { e.summary };
                            view! {
                                <li class:internal=!e.shared>
                                    <p class="event-title">
                                        {summary}
                                        {(internal && !e.shared).then(|| view! { " " <span class="badge stale">"Internal"</span> })}
                                    </p>
                                    {e.body.map(|b| view! { <p class="note-body">{b}</p> })}
                                    <p class="muted small">{e.actor.map(|a| format!("{a} · "))}{when(&e.at)}" UTC"</p>
                                </li>
                            }
                        }).collect_view()}
                    </ol>
                }.into_any(),
            }}
            {move || next.get().map(|n| view! {
                <button type="button" class="button" on:click=move |_| load(Some(n.clone()))>"Show older events"</button>
            })}
        </section>
    }
}
