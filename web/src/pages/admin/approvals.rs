//! Self-registration requests: approve into an account with a role (which sends the
//! invitation), or reject with a reason.

use leptos::prelude::*;
use leptos::task::spawn_local;
use portcullis_shared::Role;
use portcullis_shared::admin::{AccessRequest, Account, ApproveAccess, Portal, RejectAccess};

use super::{Loaded, Notice, NoticeView, failed, when};
use crate::api;
use crate::pages::portal::role_label;

#[component]
pub fn Approvals() -> impl IntoView {
    let status = RwSignal::new("pending".to_owned());
    let version = RwSignal::new(0u32);
    let notice: Notice = RwSignal::new(None);
    // Three loads at once: the requests, and the portals and accounts they are decided into.
    let requests = LocalResource::new(move || {
        version.track();
        api::access_requests::list(status.get())
    });
    let portals = LocalResource::new(api::portals::list);
    let accounts = LocalResource::new(|| api::accounts::choices(None));
    let done = Callback::new(move |message: String| {
        notice.set(Some(Ok(message)));
        version.update(|v| *v += 1);
    });
    view! {
        <section aria-labelledby="approvals-title">
            <h1 id="approvals-title">"Access requests"</h1>
            <p class="muted">"People who asked to join a portal with self-registration switched on."</p>
            <div class="filters">
                <div>
                    <label for="ar-status">"Status"</label>
                    <select id="ar-status" on:change=move |ev| status.set(event_target_value(&ev))>
                        <option value="pending">"Waiting for a decision"</option>
                        <option value="approved">"Approved"</option>
                        <option value="rejected">"Rejected"</option>
                        <option value="">"All"</option>
                    </select>
                </div>
            </div>
            <NoticeView notice=notice/>
            <Loaded label="Loading requests…">
            {move || Suspend::new(async move {
                let items = requests.await?.items;
                let portals = portals.await?.items;
                let accounts = accounts.await?;
                if items.is_empty() {
                    return Ok::<_, api::ApiError>(view! { <p class="muted">"No requests here."</p> }.into_any());
                }
                Ok(view! {
                    <ul class="cards">
                        {items.into_iter().map(|r| {
                            let portal = portals.iter().find(|p| p.id == r.portal_id).cloned();
                            view! { <li><RequestCard request=r portal=portal accounts=accounts.clone() done=done/></li> }
                        }).collect_view()}
                    </ul>
                }.into_any())
            })}
            </Loaded>
        </section>
    }
}

#[component]
fn RequestCard(
    request: AccessRequest,
    portal: Option<Portal>,
    accounts: Vec<Account>,
    done: Callback<String>,
) -> impl IntoView {
    let notice: Notice = RwSignal::new(None);
    let kind = portal.as_ref().map(|p| p.kind);
    let accounts: Vec<Account> = accounts
        .into_iter()
        .filter(|a| Some(a.kind) == kind)
        .collect();
    let roles: Vec<Role> = Role::ALL
        .into_iter()
        .filter(|r| r.portal_kind().is_some() && r.portal_kind() == kind)
        .collect();
    let account = RwSignal::new(accounts.first().map(|a| a.id.clone()).unwrap_or_default());
    let role = RwSignal::new(roles.first().copied());
    let reason = RwSignal::new(String::new());
    let id = StoredValue::new(request.id.clone());
    let email = StoredValue::new(request.email.clone());
    let approve = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some(role) = role.get_untracked() else {
            return;
        };
        let approve = api::access_requests::approve(
            &id.get_value(),
            &ApproveAccess {
                account_id: account.get_untracked(),
                role,
            },
        );
        spawn_local(async move {
            match approve.await {
                Ok(()) => done.run(format!(
                    "Approved {}; their invitation is on its way.",
                    email.get_value()
                )),
                Err(e) => failed(notice, e),
            }
        });
    };
    let reject = move |_| {
        let reject = api::access_requests::reject(
            &id.get_value(),
            &RejectAccess {
                reason: reason.get_untracked(),
            },
        );
        spawn_local(async move {
            match reject.await {
                Ok(()) => done.run(format!("Rejected {}.", email.get_value())),
                Err(e) => failed(notice, e),
            }
        });
    };
    let pending = request.status == portcullis_shared::admin::AccessRequestStatus::Pending;
    let sfx = request.id.clone();
    let (acc_id, role_id, reason_id) = (
        format!("ar-acc-{sfx}"),
        format!("ar-role-{sfx}"),
        format!("ar-reason-{sfx}"),
    );
    view! {
        <article class="card" aria-label=format!("Request from {}", request.email)>
            <h2>{request.name.clone()} " · " {request.company.clone()}</h2>
            <p class="muted">{request.email.clone()} " · " {portal.map(|p| p.name).unwrap_or_default()} " · " {when(&request.created_at)}</p>
            {request.message.clone().map(|m| view! { <blockquote>{m}</blockquote> })}
            {(!pending).then(|| view! { <p><span class=format!("badge {}", request.status)>{request.status.to_string()}</span> " " {request.reason.clone().unwrap_or_default()}</p> })}
            <NoticeView notice=notice/>
            {pending.then(|| view! {
                <form class="inline" on:submit=approve>
                    <div class="row">
                        <div>
                            <label for=acc_id.clone()>"Account"</label>
                            <select id=acc_id on:change=move |ev| account.set(event_target_value(&ev))>
                                {accounts.into_iter().map(|a| view! { <option value=a.id.clone()>{a.name.clone()}</option> }).collect_view()}
                            </select>
                        </div>
                        <div>
                            <label for=role_id.clone()>"Role"</label>
                            <select id=role_id on:change=move |ev| role.set(Role::parse(&event_target_value(&ev)))>
                                {roles.into_iter().map(|r| view! { <option value=r.as_str()>{role_label(r)}</option> }).collect_view()}
                            </select>
                        </div>
                        <button type="submit" class="button primary">"Approve"</button>
                    </div>
                </form>
                <form class="inline" on:submit=|ev| ev.prevent_default()>
                    <label for=reason_id.clone()>"Reason for rejecting"</label>
                    <div class="row">
                        <input id=reason_id prop:value=move || reason.get() on:input=move |ev| reason.set(event_target_value(&ev))/>
                        <button type="button" class="button danger" on:click=reject>"Reject"</button>
                    </div>
                </form>
            })}
        </article>
    }
}
