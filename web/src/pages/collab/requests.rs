//! Requests on a deal: a customer or co-selling partner asks for a quote, a change, a
//! meeting, an escalation or a document and follows it to its answer; staff move each along
//! and answer it (each is also a task on the owner's list, due within the portal's SLA).

use leptos::prelude::*;
use leptos::task::spawn_local;
use portcullis_shared::collab::Side;
use portcullis_shared::requests::{
    Request, RequestInput, RequestKind, RequestPatch, RequestStatus,
};

use super::words;
use crate::api;
use crate::pages::admin::{Notice, NoticeView, failed, when};

fn kind_label(k: RequestKind) -> &'static str {
    match k {
        RequestKind::Quote => "Quote",
        RequestKind::ChangeOrder => "Change order",
        RequestKind::Meeting => "Meeting",
        RequestKind::SupportEscalation => "Support escalation",
        RequestKind::Document => "Document",
    }
}

/// A deal's requests, and the form to add one (external sides).
#[component]
pub fn DealRequests(deal: String, side: Side) -> impl IntoView {
    let deal = StoredValue::new(deal);
    let reload = RwSignal::new(0u32);
    let list = LocalResource::new(move || {
        reload.track();
        api::collab::deal_requests(&deal.get_value())
    });
    view! {
        <div class="panel">
            {(side != Side::Company).then(|| view! { <NewRequest deal=deal.get_value() reload=reload/> })}
            <h3>"Requests"</h3>
            <Transition fallback=|| view! { <p class="loading" aria-busy="true">"Loading requests…"</p> }>
            {move || Suspend::new(async move { match list.await {
                Err(e) => view! { <p class="error" role="alert">{e.message()}</p> }.into_any(),
                Ok(p) if p.items.is_empty() => view! { <p class="muted">"No requests on this deal."</p> }.into_any(),
                Ok(p) => view! { <ul class="requests">{p.items.into_iter().map(|r| view! { <RequestItem r=r side=side reload=reload/> }).collect_view()}</ul> }.into_any(),
            } })}
            </Transition>
        </div>
    }
}

#[component]
fn RequestItem(r: Request, side: Side, reload: RwSignal<u32>) -> impl IntoView {
    let notice: Notice = RwSignal::new(None);
    let answer = RwSignal::new(r.answer.clone().unwrap_or_default());
    let status = RwSignal::new(r.status);
    let id = StoredValue::new(r.id.clone());
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let a = answer.get_untracked();
        let call = api::collab::answer_request(
            &id.get_value(),
            &RequestPatch {
                status: Some(status.get_untracked()),
                answer: (!a.trim().is_empty()).then_some(a),
            },
        );
        spawn_local(async move {
            match call.await {
                Ok(_) => {
                    notice.set(Some(Ok("Request updated.".into())));
                    reload.update(|n| *n += 1);
                }
                Err(e) => failed(notice, e),
            }
        });
    };
    view! {
        <li class="request">
            <p><strong>{r.title.clone()}</strong>" "<span class=format!("badge {}", r.status.as_str())>{words(r.status.as_str())}</span></p>
            <p class="muted small">{format!("{} · asked by {} on {} UTC · due {} UTC", kind_label(r.kind), r.requested_by, when(&r.created_at), when(&r.due_at))}</p>
            {(!r.body.is_empty()).then(|| view! { <p>{r.body.clone()}</p> })}
            {r.answer.clone().map(|a| view! { <p class="answer"><strong>"Answer: "</strong>{a}</p> })}
            {(side == Side::Company).then(|| {
                let sid = format!("req-status-{}", r.id);
                let aid = format!("req-answer-{}", r.id);
                view! {
                    <form class="inline-form" on:submit=on_submit>
                        <label for=sid.clone()>"Status"</label>
                        <select id=sid on:change=move |ev| if let Some(s) = RequestStatus::parse(&event_target_value(&ev)) { status.set(s) }>
                            {RequestStatus::ALL.iter().map(|s| view! { <option value=s.as_str() selected=*s == r.status>{words(s.as_str())}</option> }).collect_view()}
                        </select>
                        <label for=aid.clone()>"Answer"</label>
                        <textarea id=aid rows="2" prop:value=move || answer.get() on:input=move |ev| answer.set(event_target_value(&ev))></textarea>
                        <NoticeView notice=notice/>
                        <div class="actions"><button type="submit" class="button">"Save"</button></div>
                    </form>
                }
            })}
        </li>
    }
}

#[component]
fn NewRequest(deal: String, reload: RwSignal<u32>) -> impl IntoView {
    let deal = StoredValue::new(deal);
    let notice: Notice = RwSignal::new(None);
    let kind = RwSignal::new(RequestKind::Quote);
    let title = RwSignal::new(String::new());
    let body = RwSignal::new(String::new());
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let call = api::collab::submit_request(
            &deal.get_value(),
            &RequestInput {
                kind: kind.get_untracked(),
                title: title.get_untracked(),
                body: body.get_untracked(),
            },
        );
        spawn_local(async move {
            match call.await {
                Ok(r) => {
                    title.set(String::new());
                    body.set(String::new());
                    notice.set(Some(Ok(format!(
                        "Request sent. Expect an answer by {} UTC.",
                        when(&r.due_at)
                    ))));
                    reload.update(|n| *n += 1);
                }
                Err(e) => failed(notice, e),
            }
        });
    };
    view! {
        <form class="new-request" on:submit=on_submit>
            <h3>"Ask for something"</h3>
            <label for="request-kind">"What do you need?"</label>
            <select id="request-kind" on:change=move |ev| if let Some(k) = RequestKind::parse(&event_target_value(&ev)) { kind.set(k) }>
                {RequestKind::ALL.iter().map(|k| view! { <option value=k.as_str()>{kind_label(*k)}</option> }).collect_view()}
            </select>
            <label for="request-title">"Subject"</label>
            <input id="request-title" required prop:value=move || title.get() on:input=move |ev| title.set(event_target_value(&ev))/>
            <label for="request-body">"Details"</label>
            <textarea id="request-body" rows="3" prop:value=move || body.get() on:input=move |ev| body.set(event_target_value(&ev))></textarea>
            <NoticeView notice=notice/>
            <div class="actions"><button type="submit" class="button primary">"Send request"</button></div>
        </form>
    }
}
