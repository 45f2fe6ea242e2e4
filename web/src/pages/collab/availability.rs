//! A staff member's weekly availability for meetings, in their own time zone: windows per
//! weekday and dated exceptions (a day off, or different hours that day).

use leptos::prelude::*;
use leptos::task::spawn_local;
use portcullis_shared::meetings::{Availability, AvailabilityException, WeeklyWindow};

use super::meetings::browser_time_zone;
use crate::api;
use crate::pages::admin::{Notice, NoticeView, failed, optional};

const WEEKDAYS: [&str; 7] = [
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
];

/// Editing the caller's availability.
#[component]
pub fn AvailabilityEditor() -> impl IntoView {
    let loaded = LocalResource::new(api::collab::availability);
    view! {
        <section aria-labelledby="availability-title">
            <h1 id="availability-title">"Availability"</h1>
            <p class="muted">"When customers and co-selling partners may book meetings with you, in your time zone."</p>
            <Transition fallback=|| view! { <p class="loading" aria-busy="true">"Loading your availability…"</p> }>
            {move || Suspend::new(async move { match loaded.await {
                Ok(a) => view! { <Editor initial=a/> }.into_any(),
                Err(e) if e.is_not_found() => view! { <Editor initial=Availability { time_zone: browser_time_zone(), weekly: Vec::new(), exceptions: Vec::new() }/> }.into_any(),
                Err(e) => view! { <p class="error" role="alert">{e.message()}</p> }.into_any(),
            } })}
            </Transition>
        </section>
    }
}

#[component]
fn Editor(initial: Availability) -> impl IntoView {
    let notice: Notice = RwSignal::new(None);
    let tz = RwSignal::new(initial.time_zone.clone());
    let weekly = RwSignal::new(initial.weekly.clone());
    let exceptions = RwSignal::new(initial.exceptions.clone());
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let body = Availability {
            time_zone: tz.get_untracked(),
            weekly: weekly.get_untracked(),
            exceptions: exceptions.get_untracked(),
        };
        let call = api::collab::set_availability(&body);
        spawn_local(async move {
            match call.await {
                Ok(a) => {
                    weekly.set(a.weekly);
                    exceptions.set(a.exceptions);
                    notice.set(Some(Ok("Availability saved.".into())));
                }
                Err(e) => failed(notice, e),
            }
        });
    };
    let set_window = move |i: usize, f: fn(&mut WeeklyWindow, String), v: String| {
        weekly.update(|w| {
            if let Some(x) = w.get_mut(i) {
                f(x, v)
            }
        });
    };
    let set_exception = move |i: usize, f: fn(&mut AvailabilityException, String), v: String| {
        exceptions.update(|w| {
            if let Some(x) = w.get_mut(i) {
                f(x, v)
            }
        });
    };
    view! {
        <form class="availability" on:submit=on_submit>
            <label for="availability-tz">"Time zone"</label>
            <input id="availability-tz" required prop:value=move || tz.get() on:input=move |ev| tz.set(event_target_value(&ev))/>
            <p class="hint">"An IANA name such as Europe/Berlin or America/New_York."</p>
            <fieldset>
                <legend>"Weekly hours"</legend>
                {move || weekly.get().into_iter().enumerate().map(|(i, w)| view! {
                    <div class="window-row">
                        <label for=format!("w-day-{i}")>"Day"</label>
                        <select id=format!("w-day-{i}") on:change=move |ev| set_window(i, |x, v| x.weekday = v.parse().unwrap_or(1), event_target_value(&ev))>
                            {WEEKDAYS.iter().enumerate().map(|(d, name)| view! { <option value=(d + 1).to_string() selected=w.weekday as usize == d + 1>{*name}</option> }).collect_view()}
                        </select>
                        <label for=format!("w-start-{i}")>"From"</label>
                        <input type="time" id=format!("w-start-{i}") prop:value=w.start.clone() on:change=move |ev| set_window(i, |x, v| x.start = v, event_target_value(&ev))/>
                        <label for=format!("w-end-{i}")>"To"</label>
                        <input type="time" id=format!("w-end-{i}") prop:value=w.end.clone() on:change=move |ev| set_window(i, |x, v| x.end = v, event_target_value(&ev))/>
                        <button type="button" class="button small" on:click=move |_| weekly.update(|w| { w.remove(i); })>"Remove"<span class="sr-only">{format!(" {} window", WEEKDAYS[(w.weekday as usize).clamp(1, 7) - 1])}</span></button>
                    </div>
                }).collect_view()}
                <button type="button" class="button" on:click=move |_| weekly.update(|w| {
                    let day = w.last().map(|x| x.weekday % 7 + 1).unwrap_or(1);
                    w.push(WeeklyWindow { weekday: day, start: "09:00".into(), end: "17:00".into() });
                })>"Add hours"</button>
            </fieldset>
            <fieldset>
                <legend>"Exceptions"</legend>
                <p class="hint">"A date without hours is a day off; with hours, they replace that day's."</p>
                {move || exceptions.get().into_iter().enumerate().map(|(i, x)| view! {
                    <div class="window-row">
                        <label for=format!("x-date-{i}")>"Date"</label>
                        <input type="date" id=format!("x-date-{i}") prop:value=x.date.clone() on:change=move |ev| set_exception(i, |x, v| x.date = v, event_target_value(&ev))/>
                        <label for=format!("x-start-{i}")>"From"</label>
                        <input type="time" id=format!("x-start-{i}") prop:value=x.start.clone().unwrap_or_default() on:change=move |ev| set_exception(i, |x, v| x.start = optional(v), event_target_value(&ev))/>
                        <label for=format!("x-end-{i}")>"To"</label>
                        <input type="time" id=format!("x-end-{i}") prop:value=x.end.clone().unwrap_or_default() on:change=move |ev| set_exception(i, |x, v| x.end = optional(v), event_target_value(&ev))/>
                        <button type="button" class="button small" on:click=move |_| exceptions.update(|w| { w.remove(i); })>"Remove"<span class="sr-only">{format!(" the exception on {}", x.date)}</span></button>
                    </div>
                }).collect_view()}
                <button type="button" class="button" on:click=move |_| exceptions.update(|w| w.push(AvailabilityException {
                    date: super::meetings::today(), start: None, end: None,
                }))>"Add an exception"</button>
            </fieldset>
            <NoticeView notice=notice/>
            <div class="actions"><button type="submit" class="button primary">"Save availability"</button></div>
        </form>
    }
}
