//! Users: filter, select for bulk deactivation, and manage one user (status, invitation,
//! transfer, access expiry, sessions, view as).

use std::collections::BTreeSet;

use gloo_net::http::Method;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::use_navigate;
use portcullis_shared::admin::{BulkResult, SessionList, User, UserPage, UserStatus};
use portcullis_shared::{Role, TokenResponse};
use serde_json::json;

use super::{Notice, NoticeView, Pager, failed, load_accounts, load_portals, when};
use crate::api;
use crate::pages::portal::role_label;
use crate::session::use_session;

#[component]
pub fn Users(token: String, role: Role) -> impl IntoView {
    let session = use_session();
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
    let token = StoredValue::new(token);
    // Account names for the list (partner administrators see only their own).
    let names = LocalResource::new(move || {
        let t = token.get_value();
        async move {
            if is_admin {
                load_accounts(&t, None)
                    .await
                    .map(|p| p.items)
                    .unwrap_or_default()
            } else {
                Vec::new()
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
        let q = vec![
            ("portal_type", portal_type.get()),
            ("status", status.get()),
            ("role", role_filter.get()),
            (
                "stale",
                if stale.get() {
                    "true".into()
                } else {
                    String::new()
                },
            ),
            ("q", text.get()),
            ("cursor", cursor.get()),
        ];
        let t = token.get_value();
        async move { api::get::<UserPage>(&t, "/api/v1/admin/users", &q).await }
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
        let t = token.get_value();
        spawn_local(async move {
            match api::call::<BulkResult>(
                Method::POST,
                &t,
                "/api/v1/admin/users/deactivate",
                &[],
                Some(&json!({ "user_ids": ids })),
            )
            .await
            {
                Ok(r) => {
                    notice.set(Some(Ok(format!(
                        "Deactivated {} user(s); {} skipped.",
                        r.deactivated,
                        r.skipped.len()
                    ))));
                    refresh.run(());
                }
                Err(e) => failed(session, notice, e),
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
            {move || match page.get() {
                None => view! { <p class="loading" aria-busy="true">"Loading users…"</p> }.into_any(),
                Some(Err(e)) => {
                    failed(session, notice, e);
                    ().into_any()
                }
                Some(Ok(p)) => {
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
                    }.into_any()
                }
            }}
            {move || open.get().map(|u| view! {
                <UserPanel token=token.get_value() user=u role=role notice=notice
                    changed=Callback::new(move |u: Option<User>| { open.set(u); refresh.run(()); })/>
            })}
        </section>
    }
}

/// One user: actions that fit their state and the caller's role.
#[component]
fn UserPanel(
    token: String,
    user: User,
    role: Role,
    /// The list's notice, so that a confirmation outlives the panel it came from.
    notice: Notice,
    changed: Callback<Option<User>>,
) -> impl IntoView {
    let session = use_session();
    let navigate = use_navigate();
    let is_admin = role == Role::Admin;
    let token = StoredValue::new(token);
    let base = format!("/api/v1/admin/users/{}", user.id);
    let base = StoredValue::new(base);
    let user_action = move |path: &'static str, done: &'static str| {
        let t = token.get_value();
        let url = format!("{}/{path}", base.get_value());
        spawn_local(async move {
            match api::call::<User>(Method::POST, &t, &url, &[], Some(&json!({}))).await {
                Ok(u) => {
                    notice.set(Some(Ok(done.into())));
                    changed.run(Some(u));
                }
                Err(e) => failed(session, notice, e),
            }
        });
    };
    let resend = move |_| {
        let t = token.get_value();
        let url = format!("{}/resend-invitation", base.get_value());
        spawn_local(async move {
            match api::act(Method::POST, &t, &url, None).await {
                Ok(()) => notice.set(Some(Ok(
                    "A new invitation is on its way; the old link no longer works.".into(),
                ))),
                Err(e) => failed(session, notice, e),
            }
        });
    };
    let portal_id = user.portal_id.clone();
    let view_as = move |_| {
        let t = token.get_value();
        let url = format!("{}/view-as", base.get_value());
        let navigate = navigate.clone();
        let portal_id = portal_id.clone();
        spawn_local(async move {
            // Where the user works: their portal's address.
            let home = match load_portals(&t).await {
                Ok(list) => list
                    .items
                    .into_iter()
                    .find(|p| Some(&p.id) == portal_id.as_ref())
                    .map(|p| format!("/p/{}", p.slug)),
                Err(_) => None,
            };
            match api::call::<TokenResponse>(Method::POST, &t, &url, &[], None).await {
                Ok(view) => {
                    session.0.set(Some(view.access_token));
                    navigate(&home.unwrap_or_else(|| "/".into()), Default::default());
                }
                Err(e) => failed(session, notice, e),
            }
        });
    };
    // Transfer.
    let kind = user.role.portal_kind();
    let transfer_to = RwSignal::new(String::new());
    let accounts = LocalResource::new(move || {
        let t = token.get_value();
        async move {
            match kind {
                Some(k) if is_admin => load_accounts(&t, Some(k)).await.map(|p| p.items),
                _ => Ok(Vec::new()),
            }
        }
    });
    let transfer = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let t = token.get_value();
        let url = format!("{}/transfer", base.get_value());
        let to = transfer_to.get_untracked();
        spawn_local(async move {
            match api::call::<User>(
                Method::POST,
                &t,
                &url,
                &[],
                Some(&json!({ "account_id": to })),
            )
            .await
            {
                Ok(u) => {
                    notice.set(Some(Ok(
                        "Transferred; the user's sessions were ended.".into()
                    )));
                    changed.run(Some(u));
                }
                Err(e) => failed(session, notice, e),
            }
        });
    };
    // Access expiry.
    let expiry = RwSignal::new(
        user.access_expires_at
            .as_deref()
            .map(|s| s.get(..10).unwrap_or(s).to_owned())
            .unwrap_or_default(),
    );
    let set_expiry = move |clear: bool| {
        let t = token.get_value();
        let url = format!("{}/access-expiry", base.get_value());
        let date = expiry.get_untracked();
        let at = if clear || date.is_empty() {
            serde_json::Value::Null
        } else {
            json!(format!("{date}T23:59:59Z"))
        };
        spawn_local(async move {
            match api::call::<User>(
                Method::PUT,
                &t,
                &url,
                &[],
                Some(&json!({ "access_expires_at": at })),
            )
            .await
            {
                Ok(u) => {
                    notice.set(Some(Ok("Access expiry saved.".into())));
                    changed.run(Some(u));
                }
                Err(e) => failed(session, notice, e),
            }
        });
    };
    // Sessions.
    let sessions_version = RwSignal::new(0u32);
    let sessions = LocalResource::new(move || {
        sessions_version.track();
        let t = token.get_value();
        let url = format!("{}/sessions", base.get_value());
        async move { api::get::<SessionList>(&t, &url, &[]).await }
    });
    let end_session = move |sid: String| {
        let t = token.get_value();
        let url = format!("{}/sessions/{sid}", base.get_value());
        spawn_local(async move {
            match api::act(Method::DELETE, &t, &url, None).await {
                Ok(()) => {
                    notice.set(Some(Ok("Session ended.".into())));
                    sessions_version.update(|v| *v += 1);
                }
                Err(e) => failed(session, notice, e),
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
                    <button class="button danger" on:click=move |_| user_action("deactivate", "Deactivated; every session of this user has ended.")>"Deactivate"</button>
                })}
                {(status == UserStatus::Deactivated).then(|| view! {
                    <button class="button" on:click=move |_| user_action("reactivate", "Reactivated.")>"Reactivate"</button>
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
            {move || match sessions.get() {
                None => view! { <p class="loading">"Loading sessions…"</p> }.into_any(),
                Some(Err(e)) => view! { <p class="error" role="alert">{e.message()}</p> }.into_any(),
                Some(Ok(list)) if list.items.is_empty() => view! { <p class="muted">"No sessions yet."</p> }.into_any(),
                Some(Ok(list)) => view! {
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
                }.into_any(),
            }}
        </section>
    }
}
