//! Accounts: the customer and partner organisations. Everyone internal can read them;
//! administrators and managers create and edit them.

use leptos::prelude::*;
use leptos::task::spawn_local;
use portcullis_shared::admin::{Account, AccountInput, AccountPatch};
use portcullis_shared::{PortalKind, Role};

use super::{Loaded, Notice, NoticeView, Pager, failed, kind_label, optional};
use crate::api;

#[component]
pub fn Accounts(role: Role) -> impl IntoView {
    let may_edit = matches!(role, Role::Admin | Role::Manager);
    let kind = RwSignal::new(String::new());
    let cursor = RwSignal::new(String::new());
    let version = RwSignal::new(0u32);
    let notice: Notice = RwSignal::new(None);
    let editing = RwSignal::new(None::<Account>);
    let page = LocalResource::new(move || {
        version.track();
        api::accounts::list(PortalKind::parse(&kind.get()), cursor.get())
    });
    let saved = Callback::new(move |message: String| {
        notice.set(Some(Ok(message)));
        editing.set(None);
        version.update(|v| *v += 1);
    });
    view! {
        <section aria-labelledby="accounts-title">
            <h1 id="accounts-title">"Accounts"</h1>
            <div class="filters">
                <div>
                    <label for="acc-type">"Type"</label>
                    <select id="acc-type" on:change=move |ev| { kind.set(event_target_value(&ev)); cursor.set(String::new()); }>
                        <option value="">"All"</option>
                        <option value="customer">"Customers"</option>
                        <option value="partner">"Partners"</option>
                    </select>
                </div>
            </div>
            <NoticeView notice=notice/>
            <Loaded label="Loading accounts…">
            {move || Suspend::new(async move {
                page.await.map(|p| {
                    let next = p.next_cursor.clone();
                    view! {
                        <div class="table-wrap"><table class="stack">
                            <caption class="sr-only">"Accounts"</caption>
                            <thead><tr><th scope="col">"Name"</th><th scope="col">"Type"</th><th scope="col">"Domain"</th><th scope="col">"Region"</th>
                                {may_edit.then(|| view! { <th scope="col"><span class="sr-only">"Actions"</span></th> })}</tr></thead>
                            <tbody>{p.items.into_iter().map(|a| {
                                let edit_label = format!("Edit {}", a.name);
                                let account = a.clone();
                                view! { <tr>
                                    <td>{a.name.clone()}</td><td>{kind_label(a.kind)}</td>
                                    <td>{a.domain.clone().unwrap_or_default()}</td><td>{a.region.clone().unwrap_or_default()}</td>
                                    {may_edit.then(|| view! { <td><button class="button small" aria-label=edit_label on:click=move |_| editing.set(Some(account.clone()))>"Edit"</button></td> })}
                                </tr> }
                            }).collect_view()}</tbody>
                        </table></div>
                        <div class="actions">
                            <Pager cursor=cursor next=next/>
                        </div>
                    }
                })
            })}
            </Loaded>
            {move || may_edit.then(|| view! {
                <AccountForm account=editing.get() saved=saved cancel=Callback::new(move |()| editing.set(None))/>
            })}
        </section>
    }
}

/// Creates an account, or edits `account`.
#[component]
fn AccountForm(
    account: Option<Account>,
    saved: Callback<String>,
    cancel: Callback<()>,
) -> impl IntoView {
    let notice: Notice = RwSignal::new(None);
    let editing = account.is_some();
    let id = account.as_ref().map(|a| a.id.clone());
    let kind = RwSignal::new(account.as_ref().map_or(PortalKind::Customer, |a| a.kind));
    let name = RwSignal::new(account.as_ref().map(|a| a.name.clone()).unwrap_or_default());
    let domain = RwSignal::new(
        account
            .as_ref()
            .and_then(|a| a.domain.clone())
            .unwrap_or_default(),
    );
    let region = RwSignal::new(
        account
            .as_ref()
            .and_then(|a| a.region.clone())
            .unwrap_or_default(),
    );
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let (domain, region) = (
            optional(domain.get_untracked()),
            optional(region.get_untracked()),
        );
        let save: std::pin::Pin<Box<dyn Future<Output = _>>> = match &id {
            Some(id) => Box::pin(api::accounts::update(
                id,
                &AccountPatch {
                    name: Some(name.get_untracked()),
                    domain: Some(domain),
                    region: Some(region),
                    ..AccountPatch::default()
                },
            )),
            None => Box::pin(api::accounts::create(&AccountInput {
                kind: kind.get_untracked(),
                name: name.get_untracked(),
                domain,
                region,
                parent_id: None,
                owner_user_id: None,
                partner_deal_visibility: None,
            })),
        };
        spawn_local(async move {
            let result = save.await;
            match result {
                Ok(a) => saved.run(format!("Saved {}.", a.name)),
                Err(e) => failed(notice, e),
            }
        });
    };
    view! {
        <form class="card" on:submit=on_submit aria-labelledby="account-form-title">
            <h2 id="account-form-title">{if editing { "Edit account" } else { "New account" }}</h2>
            {(!editing).then(|| view! {
                <label for="acc-kind">"Type"</label>
                <select id="acc-kind" on:change=move |ev| kind.set(PortalKind::parse(&event_target_value(&ev)).unwrap_or(PortalKind::Customer))>
                    <option value="customer">"Customer"</option>
                    <option value="partner">"Partner"</option>
                </select>
            })}
            <label for="acc-name">"Name"</label>
            <input id="acc-name" required prop:value=move || name.get() on:input=move |ev| name.set(event_target_value(&ev))/>
            <label for="acc-domain">"Email domain"</label>
            <input id="acc-domain" placeholder="example.com" prop:value=move || domain.get() on:input=move |ev| domain.set(event_target_value(&ev))/>
            <label for="acc-region">"Region or territory"</label>
            <input id="acc-region" prop:value=move || region.get() on:input=move |ev| region.set(event_target_value(&ev))/>
            <NoticeView notice=notice/>
            <div class="actions">
                <button type="submit" class="button primary">{if editing { "Save account" } else { "Create account" }}</button>
                {editing.then(|| view! { <button type="button" class="button" on:click=move |_| cancel.run(())>"Cancel"</button> })}
            </div>
        </form>
    }
}
