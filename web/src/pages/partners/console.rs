//! The programme's people in the console: the approval queue (oldest first, filtered, bulk
//! approval), one registration's review beside its matches, and staff's tasks.

use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::A;
use portcullis_shared::PortalKind;
use portcullis_shared::partners::{
    ConflictKind, Registration, RegistrationMatch, RegistrationStatus, TaskStatus,
};

use super::{age_days, conflict_class, status_badge};
use crate::api;
use crate::api::partners::QueueFilter;
use crate::pages::admin::{Loaded, Notice, NoticeView, failed, when};
use crate::pages::deals::{day, money};

/// The approval queue.
#[component]
pub fn Queue() -> impl IntoView {
    let account = RwSignal::new(String::new());
    let region = RwSignal::new(String::new());
    let min_age = RwSignal::new(String::new());
    let conflicted = RwSignal::new(false);
    let version = RwSignal::new(0u32);
    let selected = RwSignal::new(Vec::<String>::new());
    let notice: Notice = RwSignal::new(None);
    let accounts = LocalResource::new(|| api::accounts::choices(Some(PortalKind::Partner)));
    let page = LocalResource::new(move || {
        version.track();
        api::partners::queue(QueueFilter {
            account_id: account.get(),
            region: region.get(),
            min_age_days: min_age.get(),
            conflicted: if conflicted.get() {
                "true".into()
            } else {
                String::new()
            },
        })
    });
    let set = move |sig: RwSignal<String>| {
        move |ev: leptos::ev::Event| {
            sig.set(event_target_value(&ev));
            selected.set(Vec::new());
        }
    };
    let approve = move |_| {
        let ids = selected.get_untracked();
        if ids.is_empty() {
            notice.set(Some(Err(
                "Select the registrations to approve first.".into()
            )));
            return;
        }
        let call = api::partners::approve_many(ids);
        spawn_local(async move {
            match call.await {
                Ok(r) => {
                    let mut text = format!(
                        "Approved {} registration{}.",
                        r.approved.len(),
                        if r.approved.len() == 1 { "" } else { "s" }
                    );
                    for s in r.skipped {
                        text.push_str(&format!(" Not approved: {} ({}).", s.id, s.reason));
                    }
                    notice.set(Some(Ok(text)));
                    selected.set(Vec::new());
                    version.update(|v| *v += 1);
                }
                Err(e) => failed(notice, e),
            }
        });
    };
    view! {
        <section aria-labelledby="queue-title">
            <h1 id="queue-title">"Registrations"</h1>
            <p class="muted">"Deal registrations waiting for a decision, oldest first."</p>
            <form class="filters" on:submit=|ev| ev.prevent_default()>
                <div>
                    <label for="queue-account">"Partner"</label>
                    <select id="queue-account" on:change=set(account)>
                        <option value="">"Every partner"</option>
                        {move || accounts.get().and_then(Result::ok).map(|list| list.into_iter().map(|a| view! {
                            <option value=a.id>{a.name}</option>
                        }).collect_view())}
                    </select>
                </div>
                <div>
                    <label for="queue-region">"Region"</label>
                    <input id="queue-region" type="search" on:change=set(region)/>
                </div>
                <div>
                    <label for="queue-age">"Waiting at least (days)"</label>
                    <input id="queue-age" type="number" min="0" inputmode="numeric" on:change=set(min_age)/>
                </div>
                <div>
                    <label class="check">
                        <input type="checkbox" prop:checked=move || conflicted.get()
                            on:change=move |ev| { conflicted.set(event_target_checked(&ev)); selected.set(Vec::new()); }/>
                        "Conflicts only"
                    </label>
                </div>
            </form>
            <NoticeView notice=notice/>
            <div class="actions">
                <button type="button" class="button primary" on:click=approve>
                    {move || match selected.with(Vec::len) {
                        0 => "Approve selected".to_owned(),
                        n => format!("Approve selected ({n})"),
                    }}
                </button>
            </div>
            <Loaded label="Loading the queue…">
            {move || Suspend::new(async move { page.await.map(|p| rows(p.items, selected)) })}
            </Loaded>
        </section>
    }
}

fn rows(items: Vec<Registration>, selected: RwSignal<Vec<String>>) -> AnyView {
    if items.is_empty() {
        return view! { <p class="muted">"Nothing is waiting."</p> }.into_any();
    }
    view! {
        <div class="table-wrap"><table class="stack deal-table queue">
            <caption class="sr-only">"Registrations waiting for a decision"</caption>
            <thead><tr>
                <th scope="col"><span class="sr-only">"Select"</span></th>
                <th scope="col">"Prospect"</th><th scope="col">"Partner"</th>
                <th scope="col">"Waiting"</th><th scope="col">"Amount"</th><th scope="col">"Conflict"</th>
            </tr></thead>
            <tbody>
            {items.into_iter().map(|r| {
                let id = r.id.clone();
                let checked = {
                    let id = id.clone();
                    move || selected.with(|s| s.contains(&id))
                };
                let toggle = {
                    let id = id.clone();
                    move |ev: leptos::ev::Event| {
                        let on = event_target_checked(&ev);
                        selected.update(|s| {
                            s.retain(|x| x != &id);
                            if on { s.push(id.clone()); }
                        });
                    }
                };
                let days = age_days(&r.submitted_at);
                let box_id = format!("select-{id}");
                view! { <tr>
                    <td data-label="Select">
                        <input type="checkbox" id=box_id.clone() prop:checked=checked on:change=toggle/>
                        <label for=box_id class="sr-only">{format!("Select {} from {}", r.company, r.account_name)}</label>
                    </td>
                    <td data-label="Prospect">
                        <A href=format!("/admin/registrations/{id}")>{r.company.clone()}</A>
                        {r.domain.clone().map(|d| view! { <br/><span class="muted small">{d}</span> })}
                        {r.appeal.is_some().then(|| view! { " " <span class="badge stale">"Appealed"</span> })}
                    </td>
                    <td data-label="Partner">{r.account_name.clone()}{r.region.clone().map(|g| view! { <br/><span class="muted small">{g}</span> })}</td>
                    <td data-label="Waiting">{format!("{days} day{}", if days == 1 { "" } else { "s" })}</td>
                    <td data-label="Amount">{money(&r.amount)}</td>
                    <td data-label="Conflict">{conflict_badge(r.conflict.conflict)}</td>
                </tr> }
            }).collect_view()}
            </tbody>
        </table></div>
    }
    .into_any()
}

fn conflict_badge(c: ConflictKind) -> impl IntoView {
    let text = match c {
        ConflictKind::None => "None",
        ConflictKind::OwnDuplicate => "Possible duplicate",
        ConflictKind::OtherPartner => "Another partner",
        ConflictKind::ExistingCustomer => "Existing customer",
    };
    view! { <span class=format!("badge {}", conflict_class(c))>{text}</span> }
}

/// One registration beside what it matches, with the decision.
#[component]
pub fn Review(id: String) -> impl IntoView {
    let data = LocalResource::new(move || api::partners::review(&id));
    view! {
        <section class="review-page" aria-labelledby="registration-title">
            <p><A href="/admin/registrations">"← Approval queue"</A></p>
            <Loaded label="Loading the registration…">
            {move || Suspend::new(async move { data.await.map(|r| view! {
                <Reviewed registration=r.registration matches=r.matches/>
            }) })}
            </Loaded>
        </section>
    }
}

#[component]
fn Reviewed(registration: Registration, matches: Vec<RegistrationMatch>) -> impl IntoView {
    let r = RwSignal::new(registration);
    let notice: Notice = RwSignal::new(None);
    let reason = RwSignal::new(String::new());
    let reason_error = RwSignal::new(false);
    let id = StoredValue::new(r.with_untracked(|r| r.id.clone()));
    let approve = move |_| {
        let call = api::partners::approve(&id.get_value());
        spawn_local(async move {
            match call.await {
                Ok(reg) => {
                    let until = reg
                        .protected_until
                        .as_deref()
                        .map(|p| format!(" Protected until {}.", day(p)))
                        .unwrap_or_default();
                    notice.set(Some(Ok(format!("Approved.{until}"))));
                    r.set(reg);
                }
                Err(e) => failed(notice, e),
            }
        });
    };
    let reject = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let why = reason.get_untracked();
        if why.trim().is_empty() {
            reason_error.set(true);
            return;
        }
        reason_error.set(false);
        let call = api::partners::reject(&id.get_value(), why.trim().to_owned());
        spawn_local(async move {
            match call.await {
                Ok(reg) => {
                    notice.set(Some(Ok("Rejected; the partner has been told why.".into())));
                    r.set(reg);
                }
                Err(e) => failed(notice, e),
            }
        });
    };
    view! {
        <h1 id="registration-title">{move || r.with(|r| r.company.clone())}</h1>
        <div class="side-by-side">
            <section class="card" aria-labelledby="reg-facts-title">
                <h2 id="reg-facts-title">"Registration"</h2>
                {move || {
                    let reg = r.get();
                    view! {
                        <p>{status_badge(reg.status)}" "{format!("by {} ({})", reg.account_name, reg.submitted_by_name)}</p>
                        <dl class="facts">
                            <div><dt>"Website"</dt><dd>{reg.domain.clone().or(reg.website.clone()).unwrap_or_else(|| "—".into())}</dd></div>
                            <div><dt>"Amount"</dt><dd>{money(&reg.amount)}</dd></div>
                            <div><dt>"Expected close"</dt><dd>{day(&reg.expected_close_date)}</dd></div>
                            <div><dt>"Region"</dt><dd>{reg.region.clone().unwrap_or_else(|| "—".into())}</dd></div>
                            <div><dt>"Contact"</dt><dd>{reg.contact_name.clone()}<br/><span class="muted small">{reg.contact_email.clone()}</span></dd></div>
                            <div><dt>"Product interest"</dt><dd>{reg.product_interest.clone()}</dd></div>
                            <div><dt>"Submitted"</dt><dd>{when(&reg.submitted_at)}" UTC"</dd></div>
                            {reg.protected_until.clone().map(|p| view! { <div><dt>"Protected until"</dt><dd>{day(&p)}</dd></div> })}
                        </dl>
                        <p class="label">"Description"</p>
                        <p class="note-body">{reg.description.clone()}</p>
                        {reg.rejection_reason.clone().map(|why| view! { <p class="reason"><strong>"Rejected: "</strong>{why}</p> })}
                        {reg.appeal.clone().map(|a| view! { <p class="reason"><strong>"Appeal: "</strong>{a}</p> })}
                        {reg.deal_id.map(|d| view! { <p><A href=format!("/admin/deals/{d}") attr:class="button">"Open the deal"</A></p> })}
                    }
                }}
            </section>
            <section class="card" aria-labelledby="matches-title">
                <h2 id="matches-title">"Matches"</h2>
                {if matches.is_empty() {
                    view! { <p class="muted">"Nothing else matches this prospect."</p> }.into_any()
                } else {
                    view! {
                        <div class="table-wrap"><table class="stack deal-table">
                            <caption class="sr-only">"What this registration matches"</caption>
                            <thead><tr>
                                <th scope="col">"Kind"</th><th scope="col">"Name"</th><th scope="col">"Partner"</th>
                                <th scope="col">"Reason"</th><th scope="col">"Score"</th>
                            </tr></thead>
                            <tbody>
                            {matches.into_iter().map(|m| view! { <tr>
                                <td data-label="Kind">{words(&m.kind)}{m.status.map(|s| view! { <br/><span class="muted small">{words(&s)}</span> })}</td>
                                <td data-label="Name">{m.name}{m.domain.map(|d| view! { <br/><span class="muted small">{d}</span> })}</td>
                                <td data-label="Partner">{m.partner.unwrap_or_else(|| "—".into())}</td>
                                <td data-label="Reason">{reason_label(m.reason)}</td>
                                <td data-label="Score">{format!("{:.0}%", m.score * 100.0)}</td>
                            </tr> }).collect_view()}
                            </tbody>
                        </table></div>
                    }.into_any()
                }}
            </section>
        </div>
        <NoticeView notice=notice/>
        {move || (r.with(|r| r.status) == RegistrationStatus::Submitted).then(|| view! {
            <section class="card" aria-labelledby="decide-title">
                <h2 id="decide-title">"Decision"</h2>
                <div class="actions">
                    <button type="button" class="button primary" on:click=approve>"Approve"</button>
                </div>
                <form class="inline" on:submit=reject novalidate>
                    <label for="reject-reason">"Reason for rejecting (the partner sees it)"</label>
                    <textarea id="reject-reason" rows="2" prop:value=move || reason.get()
                        aria-invalid=move || reason_error.get().then_some("true")
                        aria-describedby=move || reason_error.get().then_some("reject-reason-error")
                        on:input=move |ev| reason.set(event_target_value(&ev))></textarea>
                    {move || reason_error.get().then(|| view! { <p class="error field-error" id="reject-reason-error">"A reason is required to reject."</p> })}
                    <div class="actions"><button type="submit" class="button danger">"Reject"</button></div>
                </form>
            </section>
        })}
    }
}

/// `in_progress` as `In progress`.
fn words(code: &str) -> String {
    let text = code.replace('_', " ");
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => text,
    }
}

fn reason_label(r: portcullis_shared::partners::MatchReason) -> &'static str {
    use portcullis_shared::partners::MatchReason;
    match r {
        MatchReason::SameDomain => "Same domain",
        MatchReason::SameName => "Same name",
        MatchReason::SimilarName => "Similar name",
    }
}

/// The signed-in user's open tasks, overdue ones marked.
#[component]
pub fn Tasks() -> impl IntoView {
    let view_kind = RwSignal::new("mine".to_owned());
    let source = RwSignal::new(String::new());
    let reload = RwSignal::new(0u32);
    let notice: Notice = RwSignal::new(None);
    let page = LocalResource::new(move || {
        reload.track();
        api::collab::tasks(view_kind.get(), source.get(), String::new())
    });
    let set_status = move |id: String, status: TaskStatus| {
        let call = api::collab::set_task_status(&id, status);
        spawn_local(async move {
            match call.await {
                Ok(t) => {
                    notice.set(Some(Ok(format!(
                        "“{}” is {}.",
                        t.title,
                        words(t.status.as_str()).to_lowercase()
                    ))));
                    reload.update(|n| *n += 1);
                }
                Err(e) => failed(notice, e),
            }
        });
    };
    view! {
        <section aria-labelledby="tasks-title">
            <h1 id="tasks-title">"Tasks"</h1>
            <p class="muted">"Your open tasks: customers' requests, revision requests, referrals to follow up, joint tasks."</p>
            <div class="filters">
                <label for="tasks-view">"Show"</label>
                <select id="tasks-view" on:change=move |ev| view_kind.set(event_target_value(&ev))>
                    <option value="mine">"All my open tasks"</option>
                    <option value="overdue">"Overdue"</option>
                </select>
                <label for="tasks-source">"From"</label>
                <select id="tasks-source" on:change=move |ev| source.set(event_target_value(&ev))>
                    <option value="">"Any source"</option>
                    <option value="request">"Requests"</option>
                    <option value="document_revision">"Revision requests"</option>
                    <option value="referral">"Referrals"</option>
                    <option value="joint">"Joint tasks"</option>
                </select>
            </div>
            <NoticeView notice=notice/>
            <Loaded label="Loading tasks…">
            {move || Suspend::new(async move { page.await.map(|p| {
                if p.items.is_empty() {
                    return view! { <p class="muted">"No open tasks."</p> }.into_any();
                }
                view! {
                    <div class="table-wrap"><table class="stack deal-table">
                        <caption class="sr-only">"Your open tasks"</caption>
                        <thead><tr>
                            <th scope="col">"Task"</th><th scope="col">"Deal"</th><th scope="col">"Due"</th><th scope="col">"Status"</th><th scope="col">"Actions"</th>
                        </tr></thead>
                        <tbody>
                        {p.items.into_iter().map(|t| {
                            let (id, id2) = (t.id.clone(), t.id.clone());
                            view! { <tr class:overdue=t.overdue>
                            <td data-label="Task">
                                <strong>{t.title.clone()}</strong>
                                <br/><span class="muted small">{words(&t.source)}</span>
                                {t.body.map(|b| view! { <br/><span class="muted small">{b}</span> })}
                            </td>
                            <td data-label="Deal">{match (t.deal_id, t.deal_name) {
                                (Some(d), name) => view! { <A href=format!("/admin/deals/{d}")>{name.unwrap_or_else(|| "Open the deal".into())}</A> }.into_any(),
                                _ => view! { "—" }.into_any(),
                            }}</td>
                            <td data-label="Due">
                                {t.due_at.as_deref().map(|d| format!("{} UTC", when(d))).unwrap_or_else(|| "—".into())}
                                {t.overdue.then(|| view! { " " <span class="badge rejected">"Overdue"</span> })}
                                {t.escalated_at.map(|_| view! { " " <span class="badge stale">"Escalated"</span> })}
                            </td>
                            <td data-label="Status">{words(t.status.as_str())}</td>
                            <td data-label="Actions" class="actions">
                                {(t.status == TaskStatus::Open).then(|| view! {
                                    <button type="button" class="button small" on:click=move |_| set_status(id.clone(), TaskStatus::InProgress)>"Start"<span class="sr-only">" "{t.title.clone()}</span></button>
                                })}
                                {(t.status != TaskStatus::Done).then(|| view! {
                                    <button type="button" class="button small" on:click=move |_| set_status(id2.clone(), TaskStatus::Done)>"Done"<span class="sr-only">" "{t.title.clone()}</span></button>
                                })}
                            </td>
                        </tr> }
                        }).collect_view()}
                        </tbody>
                    </table></div>
                }.into_any()
            }) })}
            </Loaded>
        </section>
    }
}
