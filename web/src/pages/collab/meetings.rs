//! Meetings on a deal: the ones booked, and booking a free slot of the deal's hosts shown in
//! the caller's own time zone; a booked meeting can be moved to another slot or cancelled.
//! Staff publish their weekly availability in the console.

use leptos::prelude::*;
use leptos::task::spawn_local;
use portcullis_shared::collab::{Audience, Side};
use portcullis_shared::meetings::{Meeting, MeetingInput, MeetingReschedule, MeetingStatus, Slot};

use crate::api;
use crate::pages::admin::{Notice, NoticeView, failed, when};

/// The browser's IANA time zone, `UTC` when it cannot tell.
pub fn browser_time_zone() -> String {
    let options = js_sys::Intl::DateTimeFormat::new(&js_sys::Array::new(), &js_sys::Object::new())
        .resolved_options();
    js_sys::Reflect::get(&options, &"timeZone".into())
        .ok()
        .and_then(|v| v.as_string())
        .unwrap_or_else(|| "UTC".into())
}

/// Today's date (UTC), `YYYY-MM-DD`.
pub fn today() -> String {
    String::from(js_sys::Date::new_0().to_iso_string())
        .get(..10)
        .unwrap_or("")
        .to_owned()
}

/// `2026-12-01T09:00:00+01:00` as `09:00`.
fn clock(local: &str) -> String {
    local.get(11..16).unwrap_or(local).to_owned()
}

/// A deal's meetings and the booking of a new one.
#[component]
pub fn DealMeetings(deal: String, side: Side) -> impl IntoView {
    let deal = StoredValue::new(deal);
    let reload = RwSignal::new(0u32);
    let notice: Notice = RwSignal::new(None);
    let moving = RwSignal::new(None::<Meeting>);
    let list = LocalResource::new(move || {
        reload.track();
        api::collab::deal_meetings(&deal.get_value())
    });
    let cancel = move |id: String| {
        let call = api::collab::cancel_meeting(&id);
        spawn_local(async move {
            match call.await {
                Ok(_) => {
                    notice.set(Some(Ok(
                        "The meeting was cancelled; everyone was told by email.".into(),
                    )));
                    reload.update(|n| *n += 1);
                }
                Err(e) => failed(notice, e),
            }
        });
    };
    let tz = browser_time_zone();
    view! {
        <div class="panel meetings">
            <h3>"Meetings"</h3>
            <NoticeView notice=notice/>
            <Transition fallback=|| view! { <p class="loading" aria-busy="true">"Loading meetings…"</p> }>
            {move || Suspend::new(async move { match list.await {
                Err(e) => view! { <p class="error" role="alert">{e.message()}</p> }.into_any(),
                Ok(l) if l.items.is_empty() => view! { <p class="muted">"No meetings booked yet."</p> }.into_any(),
                Ok(l) => view! { <ul class="meeting-list">{l.items.into_iter().map(|m| {
                    let id = m.id.to_string();
                    let scheduled = m.status == MeetingStatus::Scheduled;
                    let stored = StoredValue::new(m.clone());
                    view! { <li class:cancelled=!scheduled>
                        <p><strong>{m.subject.clone()}</strong>{(!scheduled).then(|| view! { " " <span class="badge rejected">"Cancelled"</span> })}</p>
                        <p class="muted small">{format!("{} – {} UTC · with {}", when(&m.start), clock(&m.end), m.hosts.iter().map(|h| h.name.clone()).collect::<Vec<_>>().join(", "))}</p>
                        {scheduled.then(|| view! { <div class="actions">
                            <button type="button" class="button" on:click=move |_| moving.set(Some(stored.get_value()))>"Move"<span class="sr-only">" "{m.subject.clone()}</span></button>
                            <button type="button" class="button danger" on:click=move |_| cancel(id.clone())>"Cancel"<span class="sr-only">" "{m.subject.clone()}</span></button>
                        </div> })}
                    </li> }
                }).collect_view()}</ul> }.into_any(),
            } })}
            </Transition>
            <Booking deal=deal.get_value() tz=tz side=side moving=moving reload=reload notice=notice/>
        </div>
    }
}

/// Free slots, by day, in the caller's time zone; choosing one books (or moves) a meeting.
#[component]
fn Booking(
    deal: String,
    tz: String,
    side: Side,
    moving: RwSignal<Option<Meeting>>,
    reload: RwSignal<u32>,
    notice: Notice,
) -> impl IntoView {
    let deal = StoredValue::new(deal);
    let tz = StoredValue::new(tz);
    // Staff choose who the meeting is with; customers and partners book for their own side.
    let audience = RwSignal::new(Audience::Customer);
    let from = RwSignal::new(today());
    let duration = RwSignal::new(30u32);
    let subject = RwSignal::new(String::new());
    let chosen = RwSignal::new(None::<Slot>);
    let day = RwSignal::new(String::new());
    let slots = LocalResource::new(move || {
        reload.track();
        api::collab::slots(
            &deal.get_value(),
            from.get(),
            7,
            duration.get(),
            tz.get_value(),
        )
    });
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some(slot) = chosen.get_untracked() else {
            notice.set(Some(Err("Choose a time first.".into())));
            return;
        };
        let done = move |r: Result<Meeting, api::ApiError>, what: &str| match r {
            Ok(m) => {
                notice.set(Some(Ok(format!(
                    "{what}: {} at {} UTC. A calendar invitation is on its way by email.",
                    m.subject,
                    when(&m.start)
                ))));
                chosen.set(None);
                subject.set(String::new());
                moving.set(None);
                reload.update(|n| *n += 1);
            }
            Err(e) => {
                failed(notice, e);
                reload.update(|n| *n += 1);
            }
        };
        match moving.get_untracked() {
            Some(m) => {
                let call = api::collab::reschedule(
                    m.id.as_str(),
                    &MeetingReschedule {
                        start: slot.start.clone(),
                        duration_minutes: Some(duration.get_untracked() as i64),
                    },
                );
                spawn_local(async move { done(call.await, "Moved") });
            }
            None => {
                let call = api::collab::book(
                    &deal.get_value(),
                    &MeetingInput {
                        start: slot.start.clone(),
                        duration_minutes: duration.get_untracked() as i64,
                        subject: subject.get_untracked(),
                        notes: None,
                        audience: (side == Side::Company).then(|| audience.get_untracked()),
                    },
                );
                spawn_local(async move { done(call.await, "Booked") });
            }
        }
    };
    view! {
        <form class="booking" on:submit=on_submit>
            <h3>{move || match moving.get() {
                Some(m) => format!("Move “{}” to another time", m.subject),
                None => "Book a meeting".to_owned(),
            }}</h3>
            {move || moving.get().map(|_| view! {
                <button type="button" class="button" on:click=move |_| moving.set(None)>"Keep the meeting where it is"</button>
            })}
            <div class="filters">
                <label for="slots-from">"From"</label>
                <input type="date" id="slots-from" prop:value=move || from.get() on:change=move |ev| from.set(event_target_value(&ev))/>
                <label for="slots-duration">"Length"</label>
                <select id="slots-duration" on:change=move |ev| duration.set(event_target_value(&ev).parse().unwrap_or(30))>
                    <option value="30">"30 minutes"</option>
                    <option value="60">"1 hour"</option>
                </select>
            </div>
            <p class="hint">{format!("Times are shown in your time zone ({}).", tz.get_value())}</p>
            <Transition fallback=|| view! { <p class="loading" aria-busy="true">"Finding free times…"</p> }>
            {move || Suspend::new(async move { match slots.await {
                Err(e) => view! { <p class="error" role="alert">{e.message()}</p> }.into_any(),
                Ok(l) if l.slots.is_empty() => view! { <p class="muted">"No free times in this week. Try a later date."</p> }.into_any(),
                Ok(l) => {
                    let mut days: Vec<(String, Vec<Slot>)> = Vec::new();
                    for s in l.slots {
                        let day = s.local_start.get(..10).unwrap_or("").to_owned();
                        match days.last_mut() {
                            Some((d, v)) if *d == day => v.push(s),
                            _ => days.push((day, vec![s])),
                        }
                    }
                    let hosts = l.hosts.iter().map(|h| h.name.clone()).collect::<Vec<_>>().join(", ");
                    let first = days.first().map(|(d, _)| d.clone()).unwrap_or_default();
                    if !days.iter().any(|(d, _)| *d == day.get_untracked()) {
                        day.set(first);
                    }
                    // Plain data in the closures: a reload disposes this view while its last
                    // closures may still run.
                    let options: Vec<(String, usize)> = days.iter().map(|(d, v)| (d.clone(), v.len())).collect();
                    view! {
                        <fieldset class="slots">
                            <legend>{format!("Free times with {hosts}")}</legend>
                            <label for="slot-day">"Day"</label>
                            <select id="slot-day" on:change=move |ev| day.set(event_target_value(&ev))>
                                {options.into_iter().map(|(d, n)| {
                                    let selected = d == day.get_untracked();
                                    view! { <option value=d.clone() selected=selected>{format!("{} ({n} free)", crate::pages::deals::day(&d))}</option> }
                                }).collect_view()}
                            </select>
                            <div class="slot-times" role="radiogroup" aria-label="Start time">
                            {move || days.iter().find(|(d, _)| *d == day.get()).map(|(_, slots)| slots.clone().into_iter().map(|s| {
                                let s2 = s.clone();
                                let start = s.start.clone();
                                view! { <label class="slot"><input type="radio" name="slot" value=s.start.clone()
                                    prop:checked=move || chosen.get().is_some_and(|c| c.start == start)
                                    on:change=move |_| chosen.set(Some(s2.clone()))/>{clock(&s.local_start)}</label> }
                            }).collect_view())}
                            </div>
                        </fieldset>
                    }.into_any()
                }
            } })}
            </Transition>
            {move || (moving.get().is_none() && side == Side::Company).then(|| view! {
                <label for="meeting-audience">"With"</label>
                <select id="meeting-audience" on:change=move |ev| if let Some(a) = Audience::parse(&event_target_value(&ev)) { audience.set(a) }>
                    {super::AUDIENCES.iter().map(|a| view! {
                        <option value=a.as_str() selected=*a == audience.get_untracked()>{match a {
                            Audience::Internal => "Our team only",
                            Audience::Customer => "The customer",
                            Audience::Partner => "The co-selling partner",
                            Audience::Both => "The customer and the partner",
                        }}</option>
                    }).collect_view()}
                </select>
            })}
            {move || moving.get().is_none().then(|| view! {
                <label for="meeting-subject">"Subject"</label>
                <input id="meeting-subject" required prop:value=move || subject.get() on:input=move |ev| subject.set(event_target_value(&ev))/>
            })}
            <div class="actions"><button type="submit" class="button primary">{move || if moving.get().is_some() { "Move the meeting" } else { "Book" }}</button></div>
        </form>
    }
}
