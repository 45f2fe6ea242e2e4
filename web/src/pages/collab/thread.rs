//! A deal's thread with one external side: posts oldest first, the newest at the bottom
//! beside the composer; staff may add internal notes the other side never receives, and
//! anyone may mention the company's people on the deal, who are notified.

use leptos::prelude::*;
use leptos::task::spawn_local;
use portcullis_shared::collab::{Audience, Side};
use portcullis_shared::deals::Person;
use portcullis_shared::threads::Post;

use super::documents::{clear_file, download, picked_file, size};
use crate::api;
use crate::pages::admin::{Notice, NoticeView, failed, when};

/// An attached document: its name, and a button that downloads it.
#[component]
fn Attachment(id: String, notice: Notice) -> impl IntoView {
    let doc = LocalResource::new(move || api::collab::document(&id));
    view! {
        <Transition fallback=|| ()>
        {move || Suspend::new(async move { match doc.await {
            Ok(d) => {
                let label = format!("{} ({})", d.file_name, size(d.size));
                let d = StoredValue::new(d);
                view! { <li><button type="button" class="button small" on:click=move |_| download(&d.get_value(), None, notice)>
                    "📎 "{label}</button></li> }.into_any()
            }
            // Gone from reach since (made internal, say): nothing to show.
            Err(_) => ().into_any(),
        } })}
        </Transition>
    }
}

/// The thread of `deal` with the `audience` side.
#[component]
pub fn Thread(deal: String, audience: Audience, side: Side, people: Vec<Person>) -> impl IntoView {
    let deal = StoredValue::new(deal);
    let posts = RwSignal::new(None::<Vec<Post>>);
    let older = RwSignal::new(None::<String>);
    let notice: Notice = RwSignal::new(None);
    let body = RwSignal::new(String::new());
    let internal = RwSignal::new(false);
    let busy = RwSignal::new(false);
    let load = move |before: Option<String>| {
        let more = before.is_some();
        let call = api::collab::posts(&deal.get_value(), audience, before.unwrap_or_default());
        let read = api::collab::mark_read(&deal.get_value(), audience);
        spawn_local(async move {
            match call.await {
                Ok(p) => {
                    let mut items = p.items;
                    items.reverse();
                    if more {
                        posts.update(|old| {
                            let mut all = items;
                            all.extend(old.take().unwrap_or_default());
                            *old = Some(all);
                        });
                    } else {
                        posts.set(Some(items));
                    }
                    older.set(p.next);
                    let _ = read.await;
                }
                Err(e) => failed(notice, e),
            }
        });
    };
    load(None);
    let file_id = format!("thread-{}-file", audience.as_str());
    let file_input = file_id.clone();
    // The post is made after an attachment's upload answers, outside this component's
    // setup: the call is built under its owner, where the session is.
    let owner = StoredValue::new(Owner::current());
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        busy.set(true);
        let internal_note = internal.get_untracked();
        // An attachment is a document of the deal for this thread's readers (the company's
        // alone for an internal note), uploaded first.
        let upload = picked_file(&file_input).map(|f| {
            let doc_audience = match (side, internal_note) {
                (Side::Company, true) => Audience::Internal,
                (Side::Company, false) => audience,
                _ => Audience::of_side(side),
            };
            api::collab::upload(
                &deal.get_value(),
                f,
                String::new(),
                "other".into(),
                (side == Side::Company).then_some(doc_audience),
            )
        });
        let deal_id = deal.get_value();
        let text = body.get_untracked();
        let input = file_input.clone();
        spawn_local(async move {
            let mut attachments = Vec::new();
            if let Some(upload) = upload {
                match upload.await {
                    Ok(d) => attachments.push(d.id.to_string()),
                    Err(e) => {
                        failed(notice, e);
                        busy.set(false);
                        return;
                    }
                }
            }
            let make = || api::collab::post(&deal_id, audience, text, internal_note, attachments);
            let call = match owner.get_value() {
                Some(o) => o.with(make),
                None => make(),
            };
            match call.await {
                Ok(p) => {
                    body.set(String::new());
                    clear_file(&input);
                    posts.update(|l| l.get_or_insert_default().push(p));
                    notice.set(Some(Ok("Posted.".into())));
                }
                Err(e) => failed(notice, e),
            }
            busy.set(false);
        });
    };
    let has_people = !people.is_empty();
    let people = StoredValue::new(people);
    let mention = move |ev: leptos::ev::Event| {
        let value = event_target_value(&ev);
        if let Some(p) = people.get_value().iter().find(|p| p.id.as_str() == value) {
            body.update(|b| {
                if !b.is_empty() && !b.ends_with(' ') {
                    b.push(' ');
                }
                b.push_str(&format!("@[{}](user:{}) ", p.name, p.id));
            });
        }
    };
    let title = match (side, audience) {
        (Side::Company, Audience::Customer) => "Conversation with the customer",
        (Side::Company, _) => "Conversation with the co-selling partner",
        _ => "Conversation with your team",
    };
    let box_id = format!("thread-{}", audience.as_str());
    view! {
        <div class="panel thread">
            <h3>{title}</h3>
            {move || older.get().map(|n| view! {
                <button type="button" class="button" on:click=move |_| load(Some(n.clone()))>"Show older messages"</button>
            })}
            {move || match posts.get() {
                None => view! { <p class="loading" aria-busy="true">"Loading messages…"</p> }.into_any(),
                Some(l) if l.is_empty() => view! { <p class="muted">"No messages yet. Start the conversation below."</p> }.into_any(),
                Some(l) => view! {
                    <ol class="posts" aria-live="polite">
                        {l.into_iter().map(|p| view! {
                            <li class="post" class:internal=p.internal class:mine=p.author_side == side>
                                <p class="post-meta"><strong>{p.author.name.clone()}</strong>
                                    {p.internal.then(|| view! { " " <span class="badge stale">"Internal note"</span> })}
                                    <span class="muted small">{format!(" · {} UTC", when(&p.created_at))}</span></p>
                                <div class="post-body" inner_html=p.body_html.clone()></div>
                                {(!p.attachment_ids.is_empty()).then(|| view! {
                                    <ul class="attachments">{p.attachment_ids.iter().map(|id| view! { <Attachment id=id.clone() notice=notice/> }).collect_view()}</ul>
                                })}
                            </li>
                        }).collect_view()}
                    </ol>
                }.into_any(),
            }}
            <form on:submit=on_submit>
                <label for=box_id.clone()>"Message " <span class="muted small">"(Markdown: **bold**, lists, links)"</span></label>
                <textarea id=box_id.clone() rows="3" required prop:value=move || body.get()
                    on:input=move |ev| body.set(event_target_value(&ev))></textarea>
                {has_people.then(|| view! {
                    <label for=format!("{box_id}-mention")>"Mention someone"</label>
                    <select id=format!("{box_id}-mention") on:change=mention>
                        <option value="">"Choose a person…"</option>
                        {people.get_value().into_iter().map(|p| view! { <option value=p.id.to_string()>{p.name}</option> }).collect_view()}
                    </select>
                })}
                <label for=file_id.clone()>"Attach a file " <span class="muted small">"(optional; it is added to the deal's documents)"</span></label>
                <input type="file" id=file_id.clone()/>
                {(side == Side::Company).then(|| view! {
                    <label class="check"><input type="checkbox" role="switch" prop:checked=move || internal.get()
                        on:change=move |ev| internal.set(event_target_checked(&ev))/>"Internal note (only your company sees it)"</label>
                })}
                <NoticeView notice=notice/>
                <div class="actions"><button type="submit" class="button primary" prop:disabled=move || busy.get()>
                    {move || if internal.get() { "Add internal note" } else { "Send" }}</button></div>
            </form>
        </div>
    }
}
