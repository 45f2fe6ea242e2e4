//! The audit log: every sign-in and change, newest first, filtered by action, outcome and
//! time; exported as CSV; and its hash chain verified on demand.

use leptos::prelude::*;
use leptos::task::spawn_local;
use portcullis_shared::admin::AuditVerification;

use super::{Loaded, Notice, NoticeView, Pager, failed, when};
use crate::api;
use crate::api::audit::AuditFilter;

/// Saves text as a file through the browser's download.
fn download(name: &str, mime: &str, text: &str) -> Option<()> {
    let parts = js_sys::Array::of1(&wasm_bindgen::JsValue::from_str(text));
    let options = web_sys::BlobPropertyBag::new();
    options.set_type(mime);
    let blob = web_sys::Blob::new_with_str_sequence_and_options(&parts, &options).ok()?;
    let url = web_sys::Url::create_object_url_with_blob(&blob).ok()?;
    super::save_as(name, &url)
}

#[component]
pub fn Audit() -> impl IntoView {
    let action = RwSignal::new(String::new());
    let outcome = RwSignal::new(String::new());
    let since = RwSignal::new(String::new());
    let until = RwSignal::new(String::new());
    let cursor = RwSignal::new(String::new());
    let notice: Notice = RwSignal::new(None);
    let verification = RwSignal::new(None::<AuditVerification>);
    let query = move || {
        let day = |d: String, time: &str| {
            if d.is_empty() {
                d
            } else {
                format!("{d}T{time}Z")
            }
        };
        AuditFilter {
            action: action.get(),
            outcome: outcome.get(),
            since: day(since.get(), "00:00:00"),
            until: day(until.get(), "23:59:59.999999"),
        }
    };
    let page = LocalResource::new(move || api::audit::list(&query(), cursor.get()));
    let export = move |_| {
        let export = api::audit::export_csv(&query());
        spawn_local(async move {
            match export.await {
                Ok(csv) => {
                    download("portcullis-audit.csv", "text/csv", &csv);
                    notice.set(Some(Ok("The CSV file was saved to your downloads.".into())));
                }
                Err(e) => failed(notice, e),
            }
        });
    };
    let verify = move |_| {
        let verify = api::audit::verify();
        spawn_local(async move {
            match verify.await {
                Ok(v) => verification.set(Some(v)),
                Err(e) => failed(notice, e),
            }
        });
    };
    let filter_input = move |sig: RwSignal<String>| {
        move |ev: leptos::ev::Event| {
            sig.set(event_target_value(&ev));
            cursor.set(String::new());
        }
    };
    view! {
        <section aria-labelledby="audit-title">
            <h1 id="audit-title">"Audit log"</h1>
            <form class="filters" on:submit=|ev| ev.prevent_default()>
                <div>
                    <label for="au-action">"Action"</label>
                    <input id="au-action" type="search" placeholder="auth.login" on:input=filter_input(action)/>
                </div>
                <div>
                    <label for="au-outcome">"Outcome"</label>
                    <select id="au-outcome" on:change=filter_input(outcome)>
                        <option value="">"Any"</option>
                        <option value="success">"Success"</option>
                        <option value="failure">"Failure"</option>
                        <option value="denied">"Denied"</option>
                    </select>
                </div>
                <div>
                    <label for="au-since">"From"</label>
                    <input id="au-since" type="date" on:change=filter_input(since)/>
                </div>
                <div>
                    <label for="au-until">"To"</label>
                    <input id="au-until" type="date" on:change=filter_input(until)/>
                </div>
            </form>
            <div class="actions">
                <button class="button" on:click=export>"Export CSV"</button>
                <button class="button" on:click=verify>"Verify the chain"</button>
            </div>
            {move || verification.get().map(|v| if v.intact {
                view! { <p class="notice" role="status">{format!("The chain is intact: {} entries checked.", v.checked)}</p> }.into_any()
            } else {
                view! { <p class="error" role="alert">{format!("The chain breaks at entry {}: the log was altered there.", v.first_broken_seq.unwrap_or_default())}</p> }.into_any()
            })}
            <NoticeView notice=notice/>
            <Loaded label="Loading entries…">
            {move || Suspend::new(async move { page.await.map(|p| {
                if p.items.is_empty() {
                    return view! { <p class="muted">"No entries match."</p> }.into_any();
                }
                {
                    let next = p.next_cursor.clone();
                    view! {
                        <div class="table-wrap"><table class="stack">
                            <caption class="sr-only">"Audit entries"</caption>
                            <thead><tr><th scope="col">"#"</th><th scope="col">"Time (UTC)"</th><th scope="col">"Action"</th><th scope="col">"Object"</th>
                                <th scope="col">"Outcome"</th><th scope="col">"Actor"</th><th scope="col">"From"</th></tr></thead>
                            <tbody>{p.items.into_iter().map(|e| view! { <tr>
                                <td>{e.seq}</td>
                                <td>{when(&e.at)}</td>
                                <td><code>{e.action.clone()}</code></td>
                                <td>{e.object_type.clone().unwrap_or_default()} " " <span class="muted small">{e.object_id.clone().unwrap_or_default()}</span></td>
                                <td><span class=format!("badge {}", e.outcome)>{e.outcome.clone()}</span></td>
                                <td class="small">{e.actor_email.clone().or(e.actor_id.clone()).unwrap_or_else(|| "anonymous".into())}</td>
                                <td>{e.ip.clone().unwrap_or_default()}</td>
                            </tr> }).collect_view()}</tbody>
                        </table></div>
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
