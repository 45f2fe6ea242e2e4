//! Documents: a deal's files by category, each with its versions, signing status and
//! comments; uploads (staff choose who sees them), new versions, downloads, and a customer's
//! request for a revision. The portal's documents tab lists them across deals.

use leptos::prelude::*;
use leptos::task::spawn_local;
use portcullis_shared::collab::{Audience, Side};
use portcullis_shared::documents::{Document, DocumentCategory, DocumentPatch, SigningStatus};
use wasm_bindgen::JsCast;

use super::{AUDIENCES, audience_label, words};
use crate::api;
use crate::pages::admin::{Notice, NoticeView, failed, when};
use crate::pages::partners::save_file;

fn category_label(c: DocumentCategory) -> &'static str {
    match c {
        DocumentCategory::Proposal => "Proposal",
        DocumentCategory::Quote => "Quote",
        DocumentCategory::Contract => "Contract",
        DocumentCategory::Sow => "Statement of work",
        DocumentCategory::Technical => "Technical",
        DocumentCategory::Presentation => "Presentation",
        DocumentCategory::Other => "Other",
    }
}

/// `1536` as `1.5 KB`.
pub fn size(bytes: i64) -> String {
    let b = bytes as f64;
    if b >= 1024.0 * 1024.0 {
        format!("{:.1} MB", b / 1024.0 / 1024.0)
    } else if b >= 1024.0 {
        format!("{:.1} KB", b / 1024.0)
    } else {
        format!("{bytes} bytes")
    }
}

pub fn picked_file(id: &str) -> Option<web_sys::File> {
    web_sys::window()?
        .document()?
        .get_element_by_id(id)?
        .dyn_into::<web_sys::HtmlInputElement>()
        .ok()?
        .files()?
        .get(0)
}

pub fn clear_file(id: &str) {
    if let Some(input) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.get_element_by_id(id))
        .and_then(|e| e.dyn_into::<web_sys::HtmlInputElement>().ok())
    {
        input.set_value("");
    }
}

/// Downloads a version (the latest when `None`) and saves it under its file name.
pub fn download(doc: &Document, version: Option<i64>, notice: Notice) {
    let name = version
        .and_then(|v| doc.versions.iter().find(|x| x.version == v))
        .map(|v| v.file_name.clone())
        .unwrap_or_else(|| doc.file_name.clone());
    let call = api::collab::download(doc.id.as_str(), version);
    spawn_local(async move {
        match call.await {
            Ok(url) => {
                save_file(&url, &name);
                notice.set(Some(Ok(format!("{name} was saved to your downloads."))));
            }
            Err(e) => failed(notice, e),
        }
    });
}

/// A deal's documents, for every side.
#[component]
pub fn DealDocuments(deal: String, side: Side) -> impl IntoView {
    let reload = RwSignal::new(0u32);
    let category = RwSignal::new(String::new());
    let deal = StoredValue::new(deal);
    let list = LocalResource::new(move || {
        reload.track();
        api::collab::deal_documents(&deal.get_value(), category.get())
    });
    let open = RwSignal::new(None::<String>);
    view! {
        <div class="panel">
            <Upload deal=deal.get_value() side=side reload=reload/>
            <div class="filters">
                <label for="doc-category">"Category"</label>
                <select id="doc-category" on:change=move |ev| category.set(event_target_value(&ev))>
                    <option value="">"All categories"</option>
                    {DocumentCategory::ALL.iter().map(|c| view! { <option value=c.as_str()>{category_label(*c)}</option> }).collect_view()}
                </select>
            </div>
            <Transition fallback=|| view! { <p class="loading" aria-busy="true">"Loading documents…"</p> }>
            {move || Suspend::new(async move { match list.await {
                Err(e) => view! { <p class="error" role="alert">{e.message()}</p> }.into_any(),
                Ok(l) if l.items.is_empty() => view! { <p class="muted">"No documents yet."</p> }.into_any(),
                Ok(l) => view! { <DocumentTable items=l.items side=side open=open reload=reload show_deal=false/> }.into_any(),
            } })}
            </Transition>
        </div>
    }
}

/// Documents as a table; a row opens its versions and comments beneath.
#[component]
pub fn DocumentTable(
    items: Vec<Document>,
    side: Side,
    open: RwSignal<Option<String>>,
    reload: RwSignal<u32>,
    show_deal: bool,
) -> impl IntoView {
    let notice: Notice = RwSignal::new(None);
    view! {
        <NoticeView notice=notice/>
        <div class="table-wrap"><table class="stack deal-table documents">
            <caption class="sr-only">"Documents"</caption>
            <thead><tr>
                <th scope="col">"Document"</th>
                {show_deal.then(|| view! { <th scope="col">"Deal"</th> })}
                <th scope="col">"Category"</th>
                <th scope="col">"Version"</th>
                {(side == Side::Company).then(|| view! { <th scope="col">"Shared with"</th> })}
                <th scope="col">"Updated"</th>
                <th scope="col">"Actions"</th>
            </tr></thead>
            <tbody>
            {items.into_iter().map(|d| {
                let doc = StoredValue::new(d.clone());
                let id = d.id.to_string();
                let id2 = id.clone();
                view! {
                    <tr>
                        <td data-label="Document">
                            <strong>{d.title.clone()}</strong><br/>
                            <span class="muted small">{d.file_name.clone()}" · "{size(d.size)}</span>
                            {d.signing_status.map(|s| view! { <br/><span class=format!("badge {}", s.as_str())>{words(s.as_str())}</span> })}
                        </td>
                        {show_deal.then(|| view! { <td data-label="Deal">{d.deal_name.clone()}</td> })}
                        <td data-label="Category">{category_label(d.category)}</td>
                        <td data-label="Version">{d.version}</td>
                        {(side == Side::Company).then(|| view! { <td data-label="Shared with">{audience_label(d.audience)}
                            {d.download_count.map(|n| view! { <br/><span class="muted small">{format!("{n} downloads")}</span> })}</td> })}
                        <td data-label="Updated">{when(&d.updated_at)}" UTC"</td>
                        <td data-label="Actions" class="actions">
                            <button type="button" class="button" on:click=move |_| download(&doc.get_value(), None, notice)>
                                "Download"<span class="sr-only">" "{d.title.clone()}</span></button>
                            <button type="button" class="button" aria-expanded=move || (open.get().as_deref() == Some(id.as_str())).to_string()
                                on:click=move |_| open.update(|o| *o = if o.as_deref() == Some(id2.as_str()) { None } else { Some(id2.clone()) })>
                                "Details"<span class="sr-only">" of "{d.title.clone()}</span></button>
                        </td>
                    </tr>
                    {move || (open.get().as_deref() == Some(doc.get_value().id.as_str())).then(|| view! {
                        <tr class="detail-row"><td colspan="7"><Details id=doc.get_value().id.to_string() side=side reload=reload/></td></tr>
                    })}
                }
            }).collect_view()}
            </tbody>
        </table></div>
    }
}

/// A document's versions, signing status, comments and (for customers) a revision request.
#[component]
fn Details(id: String, side: Side, reload: RwSignal<u32>) -> impl IntoView {
    let id = StoredValue::new(id);
    let refresh = RwSignal::new(0u32);
    let doc = LocalResource::new(move || {
        refresh.track();
        api::collab::document(&id.get_value())
    });
    let comments = LocalResource::new(move || {
        refresh.track();
        api::collab::comments(&id.get_value())
    });
    let notice: Notice = RwSignal::new(None);
    let comment = RwSignal::new(String::new());
    let revision = RwSignal::new(String::new());
    let file_input = format!("version-file-{}", id.get_value());
    let file_input2 = file_input.clone();
    let on_comment = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let call = api::collab::comment(&id.get_value(), comment.get_untracked());
        spawn_local(async move {
            match call.await {
                Ok(_) => {
                    comment.set(String::new());
                    refresh.update(|n| *n += 1);
                }
                Err(e) => failed(notice, e),
            }
        });
    };
    let on_revision = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let call = api::collab::request_revision(&id.get_value(), revision.get_untracked());
        spawn_local(async move {
            match call.await {
                Ok(_) => {
                    revision.set(String::new());
                    notice.set(Some(Ok(
                        "Your revision request was sent to your contact.".into()
                    )));
                }
                Err(e) => failed(notice, e),
            }
        });
    };
    let on_version = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some(file) = picked_file(&file_input) else {
            notice.set(Some(Err("Choose a file first.".into())));
            return;
        };
        let call = api::collab::upload_version(&id.get_value(), file);
        let input = file_input.clone();
        spawn_local(async move {
            match call.await {
                Ok(d) => {
                    clear_file(&input);
                    notice.set(Some(Ok(format!("Version {} uploaded.", d.version))));
                    refresh.update(|n| *n += 1);
                    reload.update(|n| *n += 1);
                }
                Err(e) => failed(notice, e),
            }
        });
    };
    view! {
        <div class="document-details">
            <NoticeView notice=notice/>
            <Transition fallback=|| view! { <p class="loading" aria-busy="true">"Loading…"</p> }>
            {move || Suspend::new(async move { doc.await.map(|d| {
                let stored = StoredValue::new(d.clone());
                view! {
                    {(side == Side::Company).then(|| view! {
                        <ShareWith id=d.id.to_string() audience=d.audience notice=notice refresh=refresh reload=reload/>
                    })}
                    {(side == Side::Company && d.category == DocumentCategory::Contract).then(|| view! {
                        <Signing id=d.id.to_string() status=d.signing_status notice=notice refresh=refresh/>
                    })}
                    {d.signing_changed_at.clone().map(|at| view! {
                        <p class="muted small">{format!("Signing status set by {} on {} UTC",
                            d.signing_changed_by.clone().map(|p| p.name).unwrap_or_else(|| "someone".into()), when(&at))}</p>
                    })}
                    <h3>"Versions"</h3>
                    <ol class="versions" reversed>
                        {d.versions.iter().rev().map(|v| {
                            let n = v.version;
                            view! { <li>
                                {format!("Version {n}: {} ({}), {} UTC", v.file_name, size(v.size), when(&v.created_at))}
                                {v.uploaded_by.clone().map(|p| format!(" by {}", p.name))}
                                " "<button type="button" class="button small" on:click=move |_| download(&stored.get_value(), Some(n), notice)>
                                    "Download"<span class="sr-only">{format!(" version {n}")}</span></button>
                            </li> }
                        }).collect_view()}
                    </ol>
                }
            }) })}
            </Transition>
            {(side == Side::Company || side == Side::Partner || side == Side::Customer).then(|| view! {
                <form class="inline-form" on:submit=on_version>
                    <label for=file_input2.clone()>"Upload a new version"</label>
                    <input type="file" id=file_input2.clone()/>
                    <button type="submit" class="button">"Upload version"</button>
                </form>
            })}
            <h3>"Comments"</h3>
            <Transition fallback=|| ()>
            {move || Suspend::new(async move { comments.await.map(|c| if c.items.is_empty() {
                view! { <p class="muted">"No comments yet."</p> }.into_any()
            } else {
                view! { <ul class="comments">{c.items.into_iter().map(|c| view! {
                    <li><strong>{c.author.map(|p| p.name).unwrap_or_else(|| "Someone".into())}</strong>
                        <span class="muted small">{format!(" · {} UTC", when(&c.created_at))}</span><p>{c.body}</p></li>
                }).collect_view()}</ul> }.into_any()
            }) })}
            </Transition>
            <form on:submit=on_comment>
                <label for=format!("comment-{}", id.get_value())>"Add a comment"</label>
                <textarea id=format!("comment-{}", id.get_value()) rows="2" required prop:value=move || comment.get()
                    on:input=move |ev| comment.set(event_target_value(&ev))></textarea>
                <div class="actions"><button type="submit" class="button">"Comment"</button></div>
            </form>
            {(side == Side::Customer).then(|| view! {
                <form on:submit=on_revision>
                    <label for=format!("revision-{}", id.get_value())>"Ask for a revision"</label>
                    <textarea id=format!("revision-{}", id.get_value()) rows="2" required placeholder="What should change?"
                        prop:value=move || revision.get() on:input=move |ev| revision.set(event_target_value(&ev))></textarea>
                    <div class="actions"><button type="submit" class="button">"Request a revision"</button></div>
                </form>
            })}
        </div>
    }
}

/// Who besides the company sees a document, for staff.
#[component]
fn ShareWith(
    id: String,
    audience: Audience,
    notice: Notice,
    refresh: RwSignal<u32>,
    reload: RwSignal<u32>,
) -> impl IntoView {
    let id = StoredValue::new(id);
    let on_change = move |ev: leptos::ev::Event| {
        let Some(a) = Audience::parse(&event_target_value(&ev)) else {
            return;
        };
        let call = api::collab::patch_document(
            &id.get_value(),
            &DocumentPatch {
                audience: Some(a),
                ..Default::default()
            },
        );
        spawn_local(async move {
            match call.await {
                Ok(_) => {
                    notice.set(Some(Ok(format!("Now shared with: {}.", audience_label(a)))));
                    refresh.update(|n| *n += 1);
                    reload.update(|n| *n += 1);
                }
                Err(e) => failed(notice, e),
            }
        });
    };
    view! {
        <label for=format!("share-{}", id.get_value())>"Shared with"</label>
        <select id=format!("share-{}", id.get_value()) on:change=on_change>
            {AUDIENCES.iter().map(|a| view! {
                <option value=a.as_str() selected=*a == audience>{audience_label(*a)}</option>
            }).collect_view()}
        </select>
    }
}

/// A contract's signing status, for staff.
#[component]
fn Signing(
    id: String,
    status: Option<SigningStatus>,
    notice: Notice,
    refresh: RwSignal<u32>,
) -> impl IntoView {
    let id = StoredValue::new(id);
    let on_change = move |ev: leptos::ev::Event| {
        let Some(s) = SigningStatus::parse(&event_target_value(&ev)) else {
            return;
        };
        let call = api::collab::patch_document(
            &id.get_value(),
            &DocumentPatch {
                signing_status: Some(s),
                ..Default::default()
            },
        );
        spawn_local(async move {
            match call.await {
                Ok(_) => {
                    notice.set(Some(Ok(format!("Signing status: {}.", words(s.as_str())))));
                    refresh.update(|n| *n += 1);
                }
                Err(e) => failed(notice, e),
            }
        });
    };
    view! {
        <label for=format!("signing-{}", id.get_value())>"Signing status"</label>
        <select id=format!("signing-{}", id.get_value()) on:change=on_change>
            {(status.is_none()).then(|| view! { <option value="" selected>"Not set"</option> })}
            {SigningStatus::ALL.iter().map(|s| view! {
                <option value=s.as_str() selected=status == Some(*s)>{words(s.as_str())}</option>
            }).collect_view()}
        </select>
    }
}

/// Uploading a document to a deal; staff choose who sees it, others share with the company.
#[component]
fn Upload(deal: String, side: Side, reload: RwSignal<u32>) -> impl IntoView {
    let notice: Notice = RwSignal::new(None);
    let title = RwSignal::new(String::new());
    let category = RwSignal::new(DocumentCategory::Proposal.as_str().to_owned());
    let audience = RwSignal::new(Audience::Internal);
    let deal = StoredValue::new(deal);
    let busy = RwSignal::new(false);
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some(file) = picked_file("doc-file") else {
            notice.set(Some(Err("Choose a file to upload.".into())));
            return;
        };
        busy.set(true);
        let call = api::collab::upload(
            &deal.get_value(),
            file,
            title.get_untracked(),
            category.get_untracked(),
            (side == Side::Company).then(|| audience.get_untracked()),
        );
        spawn_local(async move {
            match call.await {
                Ok(d) => {
                    clear_file("doc-file");
                    title.set(String::new());
                    notice.set(Some(Ok(format!("{} uploaded.", d.title))));
                    reload.update(|n| *n += 1);
                }
                Err(e) => failed(notice, e),
            }
            busy.set(false);
        });
    };
    view! {
        <details class="upload">
            <summary>"Upload a document"</summary>
            <form on:submit=on_submit>
                <label for="doc-file">"File"</label>
                <input type="file" id="doc-file" required/>
                <label for="doc-title">"Title " <span class="muted small">"(optional: the file name otherwise)"</span></label>
                <input id="doc-title" prop:value=move || title.get() on:input=move |ev| title.set(event_target_value(&ev))/>
                <label for="doc-upload-category">"Category"</label>
                <select id="doc-upload-category" on:change=move |ev| category.set(event_target_value(&ev))>
                    {DocumentCategory::ALL.iter().map(|c| view! { <option value=c.as_str()>{category_label(*c)}</option> }).collect_view()}
                </select>
                {(side == Side::Company).then(|| view! {
                    <label for="doc-audience">"Shared with"</label>
                    <select id="doc-audience" on:change=move |ev| if let Some(a) = Audience::parse(&event_target_value(&ev)) { audience.set(a) }>
                        {AUDIENCES.iter().map(|a| view! { <option value=a.as_str()>{audience_label(*a)}</option> }).collect_view()}
                    </select>
                    <p class="hint">"Internal documents are seen by your company only."</p>
                })}
                {(side != Side::Company).then(|| view! { <p class="hint">"Shared with the company's team on this deal."</p> })}
                <NoticeView notice=notice/>
                <div class="actions"><button type="submit" class="button primary" prop:disabled=move || busy.get()>
                    {move || if busy.get() { "Uploading…" } else { "Upload" }}</button></div>
            </form>
        </details>
    }
}

/// The portal's documents tab: every shared document, by deal and category.
#[component]
pub fn AllDocuments(side: Side) -> impl IntoView {
    let reload = RwSignal::new(0u32);
    let category = RwSignal::new(String::new());
    let list = LocalResource::new(move || {
        reload.track();
        api::collab::documents(category.get())
    });
    let open = RwSignal::new(None::<String>);
    view! {
        <section aria-labelledby="documents-title">
            <h2 id="documents-title">"Documents"</h2>
            <div class="filters">
                <label for="all-doc-category">"Category"</label>
                <select id="all-doc-category" on:change=move |ev| category.set(event_target_value(&ev))>
                    <option value="">"All categories"</option>
                    {DocumentCategory::ALL.iter().map(|c| view! { <option value=c.as_str()>{category_label(*c)}</option> }).collect_view()}
                </select>
            </div>
            <Transition fallback=|| view! { <p class="loading" aria-busy="true">"Loading documents…"</p> }>
            {move || Suspend::new(async move { match list.await {
                Err(e) => view! { <p class="error" role="alert">{e.message()}</p> }.into_any(),
                Ok(l) if l.items.is_empty() => view! { <p class="muted">"No documents have been shared with you yet."</p> }.into_any(),
                Ok(l) => {
                    let mut items = l.items;
                    items.sort_by(|a, b| (a.deal_name.as_str(), a.category.as_str()).cmp(&(b.deal_name.as_str(), b.category.as_str())));
                    let mut deals: Vec<(String, Vec<Document>)> = Vec::new();
                    for d in items {
                        match deals.last_mut() {
                            Some((name, list)) if *name == d.deal_name => list.push(d),
                            _ => deals.push((d.deal_name.clone(), vec![d])),
                        }
                    }
                    deals.into_iter().map(|(name, docs)| view! {
                        <h3>{name}</h3>
                        <DocumentTable items=docs side=side open=open reload=reload show_deal=false/>
                    }).collect_view().into_any()
                }
            } })}
            </Transition>
        </section>
    }
}
