//! Users: filter, select for bulk deactivation, and manage one user (status, invitation,
//! transfer, access expiry, sessions, view as).

use std::collections::BTreeSet;

use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::use_navigate;
use portcullis_shared::Role;
use portcullis_shared::admin::{User, UserStatus};

use super::{Loaded, Notice, NoticeView, Pager, failed, when};
use crate::api;
use crate::api::users::UserFilter;
use crate::pages::portal::role_label;
use crate::session::use_session;

#[component]
pub fn Users(role: Role) -> impl IntoView {
    let is_admin = role == Role::Admin;
    let portal_type = RwSignal::new(String::new());
    let status = RwSignal::new(String::new());
    let role_filter = RwSignal::new(String::new());
    let stale = RwSignal::new(false);
    let text = RwSignal::new(String::new());
    let cursor = RwSignal::new(String::new());
    let version = RwSignal::new(0u32);
    let selected = RwSignal::new(BTreeSet::<String>::new());
    let open = RwSignal::new(None::<User>);
    let notice: Notice = RwSignal::new(None);
    // Account names for the list (partner administrators see only their own).
    let names = LocalResource::new(move || {
        let accounts = is_admin.then(|| api::accounts::choices(None));
        async move {
            match accounts {
                Some(accounts) => accounts.await.unwrap_or_default(),
                None => Vec::new(),
            }
        }
    });
    let account_name = move |id: Option<&str>| -> String {
        id.and_then(|id| {
            names
                .get()
                .and_then(|l| l.into_iter().find(|a| a.id == id).map(|a| a.name))
        })
        .unwrap_or_default()
    };
    let page = LocalResource::new(move || {
        version.track();
        api::users::list(&UserFilter {
            portal_type: portal_type.get(),
            status: status.get(),
            role: role_filter.get(),
            stale: stale.get(),
            text: text.get(),
            limit: None,
            cursor: cursor.get(),
        })
    });
    let refresh = Callback::new(move |()| {
        selected.set(BTreeSet::new());
        version.update(|v| *v += 1);
    });
    let bulk = move |_| {
        let ids: Vec<String> = selected.get_untracked().into_iter().collect();
        if ids.is_empty() {
            return;
        }
        let deactivate = api::users::deactivate_many(ids);
        spawn_local(async move {
            match deactivate.await {
                Ok(r) => {
                    notice.set(Some(Ok(format!(
                        "Deactivated {} user(s); {} skipped.",
                        r.deactivated,
                        r.skipped.len()
                    ))));
                    refresh.run(());
                }
                Err(e) => failed(notice, e),
            }
        });
    };
    let reset_page = move || cursor.set(String::new());
    view! {
        <section aria-labelledby="users-title">
            <h1 id="users-title">"Users"</h1>
            <form class="filters" on:submit=|ev| ev.prevent_default()>
                <div>
                    <label for="f-text">"Name or email"</label>
                    <input id="f-text" type="search" on:input=move |ev| { text.set(event_target_value(&ev)); reset_page(); }/>
                </div>
                <div>
                    <label for="f-type">"Portal type"</label>
                    <select id="f-type" on:change=move |ev| { portal_type.set(event_target_value(&ev)); reset_page(); }>
                        <option value="">"All"</option>
                        <option value="customer">"Customer"</option>
                        <option value="partner">"Partner"</option>
                        {is_admin.then(|| view! { <option value="internal">"Internal"</option> })}
                    </select>
                </div>
                <div>
                    <label for="f-status">"Status"</label>
                    <select id="f-status" on:change=move |ev| { status.set(event_target_value(&ev)); reset_page(); }>
                        <option value="">"Any"</option>
                        <option value="invited">"Invited"</option>
                        <option value="active">"Active"</option>
                        <option value="deactivated">"Deactivated"</option>
                    </select>
                </div>
                <div>
                    <label for="f-role">"Role"</label>
                    <select id="f-role" on:change=move |ev| { role_filter.set(event_target_value(&ev)); reset_page(); }>
                        <option value="">"Any"</option>
                        {Role::ALL.into_iter().filter(|r| is_admin || r.portal_kind() == Some(portcullis_shared::PortalKind::Partner)).map(|r| view! {
                            <option value=r.as_str()>{role_label(r)}</option>
                        }).collect_view()}
                    </select>
                </div>
                <label class="check">
                    <input type="checkbox" prop:checked=move || stale.get()
                        on:change=move |ev| { stale.set(event_target_checked(&ev)); reset_page(); }/>
                    "Not signed in for 90 days"
                </label>
            </form>
            <NoticeView notice=notice/>
            <Loaded label="Loading users…">
            {move || Suspend::new(async move {
                page.await.map(|p| {
                    let next = p.next_cursor.clone();
                    let empty = p.items.is_empty();
                    view! {
                        {empty.then(|| view! { <p class="muted">"No users match these filters."</p> })}
                        <div class="table-wrap">
                            <table class="stack">
                                <caption class="sr-only">"Users"</caption>
                                <thead><tr>
                                    {is_admin.then(|| view! { <th scope="col"><span class="sr-only">"Select"</span></th> })}
                                    <th scope="col">"User"</th>
                                    {is_admin.then(|| view! { <th scope="col">"Account"</th> })}
                                    <th scope="col">"Role"</th>
                                    <th scope="col">"Status"</th><th scope="col">"Last sign-in"</th><th scope="col"><span class="sr-only">"Actions"</span></th>
                                </tr></thead>
                                <tbody>
                                    {p.items.into_iter().map(|u| {
                                        let id = u.id.clone();
                                        let id2 = u.id.clone();
                                        let label = format!("Select {}", u.email);
                                        let manage_label = format!("Manage {}", u.email);
                                        let user = u.clone();
                                        view! {
                                            <tr>
                                                {is_admin.then(|| view! {
                                                    <td><input type="checkbox" aria-label=label
                                                        prop:checked=move || selected.with(|s| s.contains(&id))
                                                        on:change=move |ev| {
                                                            let on = event_target_checked(&ev);
                                                            let id = id2.clone();
                                                            selected.update(|s| { if on { s.insert(id); } else { s.remove(&id); } });
                                                        }/></td>
                                                })}
                                                <td><strong>{if u.name.is_empty() { "—".to_owned() } else { u.name.clone() }}</strong><br/><span class="muted">{u.email.clone()}</span></td>
                                                {is_admin.then(|| view! { <td>{account_name(u.account_id.as_deref())}</td> })}
                                                <td>{role_label(u.role)}</td>
                                                <td><span class=format!("badge {}", u.status)>{u.status.to_string()}</span>
                                                    {u.stale.then(|| view! { " " <span class="badge stale">"stale"</span> })}</td>
                                                <td>{u.last_sign_in_at.as_deref().map(when).unwrap_or_else(|| "never signed in".into())}</td>
                                                <td><button class="button small" aria-label=manage_label
                                                    on:click=move |_| open.set(Some(user.clone()))>"Manage"</button></td>
                                            </tr>
                                        }
                                    }).collect_view()}
                                </tbody>
                            </table>
                        </div>
                        <div class="actions">
                            {is_admin.then(|| view! {
                                <button class="button danger" on:click=bulk
                                    prop:disabled=move || selected.with(|s| s.is_empty())>
                                    {move || format!("Deactivate selected ({})", selected.with(|s| s.len()))}
                                </button>
                            })}
                            <Pager cursor=cursor next=next/>
                        </div>
                    }
                })
            })}
            </Loaded>
            {move || open.get().map(|u| view! {
                <UserPanel user=u role=role notice=notice
                    changed=Callback::new(move |u: Option<User>| { open.set(u); refresh.run(()); })/>
            })}
        </section>
    }
}

/// Reports a change to a user and hands the changed user back.
fn after(
    notice: Notice,
    changed: Callback<Option<User>>,
    done: &'static str,
    call: impl Future<Output = Result<User, api::ApiError>> + 'static,
) {
    spawn_local(async move {
        match call.await {
            Ok(u) => {
                notice.set(Some(Ok(done.into())));
                changed.run(Some(u));
            }
            Err(e) => failed(notice, e),
        }
    });
}

/// One user: actions that fit their state and the caller's role.
#[component]
fn UserPanel(
    user: User,
    role: Role,
    /// The list's notice, so that a confirmation outlives the panel it came from.
    notice: Notice,
    changed: Callback<Option<User>>,
) -> impl IntoView {
    let session = use_session();
    let navigate = use_navigate();
    let is_admin = role == Role::Admin;
    let id = StoredValue::new(user.id.clone());
    let resend = move |_| {
        let resend = api::users::resend_invitation(&id.get_value());
        spawn_local(async move {
            match resend.await {
                Ok(()) => notice.set(Some(Ok(
                    "A new invitation is on its way; the old link no longer works.".into(),
                ))),
                Err(e) => failed(notice, e),
            }
        });
    };
    let portal_id = user.portal_id.clone();
    let view_as = move |_| {
        let navigate = navigate.clone();
        let portal_id = portal_id.clone();
        let portals = api::portals::list();
        let open = api::users::view_as(&id.get_value());
        spawn_local(async move {
            // Where the user works: their portal's address.
            let home = portals.await.ok().and_then(|list| {
                list.items
                    .into_iter()
                    .find(|p| Some(&p.id) == portal_id.as_ref())
                    .map(|p| format!("/p/{}", p.slug))
            });
            match open.await {
                Ok(view) => {
                    session.view_as(view);
                    navigate(&home.unwrap_or_else(|| "/".into()), Default::default());
                }
                Err(e) => failed(notice, e),
            }
        });
    };
    // Transfer.
    let kind = user.role.portal_kind();
    let transfer_to = RwSignal::new(String::new());
    let accounts = LocalResource::new(move || {
        let accounts = kind
            .filter(|_| is_admin)
            .map(|k| api::accounts::choices(Some(k)));
        async move {
            match accounts {
                Some(accounts) => accounts.await,
                None => Ok(Vec::new()),
            }
        }
    });
    let transfer = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        after(
            notice,
            changed,
            "Transferred; the user's sessions were ended.",
            api::users::transfer(&id.get_value(), transfer_to.get_untracked()),
        );
    };
    // Access expiry.
    let expiry = RwSignal::new(
        user.access_expires_at
            .as_deref()
            .map(|s| s.get(..10).unwrap_or(s).to_owned())
            .unwrap_or_default(),
    );
    let set_expiry = move |clear: bool| {
        let date = expiry.get_untracked();
        let at = (!clear && !date.is_empty()).then(|| format!("{date}T23:59:59Z"));
        after(
            notice,
            changed,
            "Access expiry saved.",
            api::users::set_access_expiry(&id.get_value(), at),
        );
    };
    // Sessions.
    let sessions_version = RwSignal::new(0u32);
    let sessions = LocalResource::new(move || {
        sessions_version.track();
        api::users::sessions(&id.get_value())
    });
    let end_session = move |sid: String| {
        let end = api::users::end_session(&id.get_value(), &sid);
        spawn_local(async move {
            match end.await {
                Ok(()) => {
                    notice.set(Some(Ok("Session ended.".into())));
                    sessions_version.update(|v| *v += 1);
                }
                Err(e) => failed(notice, e),
            }
        });
    };
    let external = !user.role.is_internal();
    let status = user.status;
    let title = if user.name.is_empty() {
        user.email.clone()
    } else {
        format!("{} ({})", user.name, user.email)
    };
    view! {
        <section class="card panel" aria-labelledby="user-panel-title">
            <div class="panel-head">
                <h2 id="user-panel-title">{title}</h2>
                <button class="button small" on:click=move |_| changed.run(None)>"Close"</button>
            </div>
            <p class="muted">
                {role_label(user.role)} " · " {status.to_string()}
                {user.access_expires_at.as_deref().map(|a| format!(" · access until {}", when(a)))}
                {format!(" · created {}", when(&user.created_at))}
            </p>
            <div class="actions">
                {(status != UserStatus::Deactivated).then(|| view! {
                    <button class="button danger" on:click=move |_| after(notice, changed, "Deactivated; every session of this user has ended.", api::users::deactivate(&id.get_value()))>"Deactivate"</button>
                })}
                {(status == UserStatus::Deactivated).then(|| view! {
                    <button class="button" on:click=move |_| after(notice, changed, "Reactivated.", api::users::reactivate(&id.get_value()))>"Reactivate"</button>
                })}
                {(status == UserStatus::Invited).then(|| view! {
                    <button class="button" on:click=resend>"Resend invitation"</button>
                })}
                {(is_admin && external && status == UserStatus::Active).then(|| view! {
                    <button class="button" on:click=view_as.clone()>"View as this user"</button>
                })}
            </div>
            {(is_admin && external).then(|| view! {
                <form class="inline" on:submit=transfer>
                    <label for="transfer-to">"Transfer to account"</label>
                    <div class="row">
                        <select id="transfer-to" on:change=move |ev| transfer_to.set(event_target_value(&ev))>
                            <option value="">"Choose an account"</option>
                            {move || accounts.get().and_then(Result::ok).unwrap_or_default().into_iter().map(|a| view! {
                                <option value=a.id.clone()>{a.name.clone()}</option>
                            }).collect_view()}
                        </select>
                        <button type="submit" class="button">"Transfer"</button>
                    </div>
                </form>
            })}
            {is_admin.then(|| view! {
                <form class="inline" on:submit=move |ev| { ev.prevent_default(); set_expiry(false); }>
                    <label for="expiry">"Access expires on (end of day, UTC)"</label>
                    <div class="row">
                        <input id="expiry" type="date" prop:value=move || expiry.get()
                            on:input=move |ev| expiry.set(event_target_value(&ev))/>
                        <button type="submit" class="button">"Save expiry"</button>
                        <button type="button" class="button" on:click=move |_| set_expiry(true)>"No expiry"</button>
                    </div>
                </form>
            })}
            <h3>"Sessions"</h3>
            <Loaded label="Loading sessions…">
            {move || Suspend::new(async move { sessions.await.map(|list| if list.items.is_empty() {
                view! { <p class="muted">"No sessions yet."</p> }.into_any()
            } else {
                view! {
                    <div class="table-wrap"><table>
                        <caption class="sr-only">"Sessions"</caption>
                        <thead><tr><th scope="col">"Started"</th><th scope="col">"Last seen"</th><th scope="col">"From"</th><th scope="col">"State"</th><th scope="col"><span class="sr-only">"Actions"</span></th></tr></thead>
                        <tbody>
                            {list.items.into_iter().map(|s| {
                                let sid = s.id.clone();
                                view! { <tr>
                                    <td>{when(&s.created_at)}</td>
                                    <td>{when(&s.last_seen_at)}</td>
                                    <td>{s.ip.clone().unwrap_or_default()}<br/><span class="muted small">{s.user_agent.clone().unwrap_or_default()}</span></td>
                                    <td>{if s.live { "live".to_owned() } else { s.end_reason.clone().unwrap_or_else(|| "ended".into()) }}</td>
                                    <td>{s.live.then(|| view! { <button class="button small" on:click=move |_| end_session(sid.clone())>"End"</button> })}</td>
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
