//! The outbox: every email Portcullis has queued, with its delivery state, readable here so
//! that invitations work with no mail server.

use super::{Loaded, Pager, when};
use crate::api;
use leptos::prelude::*;

#[component]
pub fn Outbox() -> impl IntoView {
    let to = RwSignal::new(String::new());
    let cursor = RwSignal::new(String::new());
    let page = LocalResource::new(move || api::outbox::list(to.get(), cursor.get()));
    view! {
        <section aria-labelledby="outbox-title">
            <h1 id="outbox-title">"Outbox"</h1>
            <form class="filters" on:submit=|ev| ev.prevent_default()>
                <div>
                    <label for="ob-to">"Recipient"</label>
                    <input id="ob-to" type="search" placeholder="someone@example.com"
                        on:input=move |ev| { to.set(event_target_value(&ev)); cursor.set(String::new()); }/>
                </div>
            </form>
            <Loaded label="Loading emails…">
            {move || Suspend::new(async move { page.await.map(|p| {
                if p.items.is_empty() {
                    return view! { <p class="muted">"No emails."</p> }.into_any();
                }
                {
                    let next = p.next_cursor.clone();
                    view! {
                        <ul class="cards">
                            {p.items.into_iter().map(|m| {
                                let state = match (&m.sent_at, &m.last_error) {
                                    (Some(at), _) => format!("sent {}", when(at)),
                                    (None, Some(err)) => format!("not delivered after {} attempt(s): {err}", m.attempts),
                                    (None, None) => "queued".to_owned(),
                                };
                                view! { <li class="card email">
                                    <details>
                                        <summary>
                                            <strong>{m.subject.clone()}</strong>
                                            <span class="muted">{format!(" to {} · {} · {state}", m.to, when(&m.created_at))}</span>
                                        </summary>
                                        <pre class="email-body">{m.body_text.clone()}</pre>
                                    </details>
                                </li> }
                            }).collect_view()}
                        </ul>
                        <div class="actions">
                            <Pager cursor=cursor next=next first_label="Newest" next_label="Older"/>
                        </div>
                    }.into_any()
                }
            }) })}
            </Loaded>
        </section>
    }
}
