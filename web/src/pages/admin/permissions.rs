//! The permission matrix of one portal: each permission's shipped default, the portal's
//! setting, and overrides for one account and one user, with the result for that user
//! (user override, else account override, else portal setting).

use gloo_net::http::Method;
use leptos::prelude::*;
use leptos::task::spawn_local;
use portcullis_shared::admin::{PermissionMatrix, User, UserPage};
use serde_json::json;

use super::{Notice, NoticeView, failed, load_accounts, load_portals};
use crate::api;
use crate::session::use_session;

fn choice(v: Option<bool>) -> &'static str {
    match v {
        None => "inherit",
        Some(true) => "allow",
        Some(false) => "deny",
    }
}

#[component]
pub fn Permissions(token: String) -> impl IntoView {
    let session = use_session();
    let token = StoredValue::new(token);
    let notice: Notice = RwSignal::new(None);
    let portal = RwSignal::new(String::new());
    let account = RwSignal::new(String::new());
    let user = RwSignal::new(String::new());
    let version = RwSignal::new(0u32);
    let portals = LocalResource::new(move || {
        let t = token.get_value();
        async move { load_portals(&t).await.map(|l| l.items) }
    });
    Effect::new(move |_| {
        if portal.get_untracked().is_empty()
            && let Some(Ok(list)) = portals.get()
            && let Some(first) = list.first()
        {
            portal.set(first.id.clone());
        }
    });
    let kind = Memo::new(move |_| {
        let id = portal.get();
        portals
            .get()
            .and_then(Result::ok)
            .and_then(|l| l.into_iter().find(|p| p.id == id).map(|p| p.kind))
    });
    // The accounts and users of the portal's kind, to pick whose overrides to see.
    let people = LocalResource::new(move || {
        let k = kind.get();
        let t = token.get_value();
        async move {
            let Some(k) = k else {
                return Ok((Vec::new(), Vec::new()));
            };
            let accounts = load_accounts(&t, Some(k)).await?.items;
            let users: UserPage = api::get(
                &t,
                "/api/v1/admin/users",
                &[
                    ("portal_type", k.as_str().to_owned()),
                    ("limit", "200".into()),
                ],
            )
            .await?;
            Ok::<_, api::ApiError>((accounts, users.items))
        }
    });
    let matrix = LocalResource::new(move || {
        version.track();
        let p = portal.get();
        let t = token.get_value();
        async move {
            if p.is_empty() {
                return Ok(None);
            }
            api::get::<PermissionMatrix>(&t, "/api/v1/admin/permissions", &[("portal_id", p)])
                .await
                .map(Some)
        }
    });
    let set = move |scope: &'static str,
                    scope_id: String,
                    permission: portcullis_shared::Permission,
                    value: String| {
        let allowed = match value.as_str() {
            "allow" => json!(true),
            "deny" => json!(false),
            _ => serde_json::Value::Null,
        };
        let body = json!({ "scope": scope, "scope_id": scope_id, "permission": permission, "allowed": allowed });
        let t = token.get_value();
        spawn_local(async move {
            match api::act(Method::PUT, &t, "/api/v1/admin/permissions", Some(&body)).await {
                Ok(()) => {
                    notice.set(Some(Ok("Saved; it applies from the next request.".into())));
                    version.update(|v| *v += 1);
                }
                Err(e) => failed(session, notice, e),
            }
        });
    };
    let selected_user = Memo::new(move |_| {
        let id = user.get();
        people
            .get()
            .and_then(Result::ok)
            .and_then(|(_, users)| users.into_iter().find(|u: &User| u.id == id))
    });
    view! {
        <section aria-labelledby="perm-title">
            <h1 id="perm-title">"Permissions"</h1>
            <p class="muted">"A user's permission is their own override if set, else their account's, else the portal's setting."</p>
            <div class="filters">
                <div>
                    <label for="perm-portal">"Portal"</label>
                    <select id="perm-portal" on:change=move |ev| { portal.set(event_target_value(&ev)); account.set(String::new()); user.set(String::new()); }>
                        {move || portals.get().and_then(Result::ok).unwrap_or_default().into_iter().map(|p| {
                            let id = p.id.clone();
                            view! { <option value=p.id.clone() selected=move || portal.get() == id>{p.name.clone()}</option> }
                        }).collect_view()}
                    </select>
                </div>
                <div>
                    <label for="perm-account">"Account"</label>
                    <select id="perm-account" on:change=move |ev| account.set(event_target_value(&ev))>
                        <option value="">"None chosen"</option>
                        {move || people.get().and_then(Result::ok).map(|(accounts, _)| accounts.into_iter().map(|a| {
                            view! { <option value=a.id.clone()>{a.name.clone()}</option> }
                        }).collect_view())}
                    </select>
                </div>
                <div>
                    <label for="perm-user">"User"</label>
                    <select id="perm-user" on:change=move |ev| user.set(event_target_value(&ev))>
                        <option value="">"None chosen"</option>
                        {move || people.get().and_then(Result::ok).map(|(_, users)| users.into_iter().map(|u| {
                            view! { <option value=u.id.clone()>{u.email.clone()}</option> }
                        }).collect_view())}
                    </select>
                </div>
            </div>
            <NoticeView notice=notice/>
            {move || match matrix.get() {
                None | Some(Ok(None)) => view! { <p class="loading">"Loading the matrix…"</p> }.into_any(),
                Some(Err(e)) => { failed(session, notice, e); ().into_any() }
                Some(Ok(Some(m))) => {
                    let portal_id = m.portal_id.clone();
                    let acc = account.get();
                    let usr = user.get();
                    let user_account = selected_user.get().and_then(|u| u.account_id);
                    view! {
                        <div class="table-wrap"><table class="matrix">
                            <caption class="sr-only">"Permission matrix"</caption>
                            <thead><tr>
                                <th scope="col">"Permission"</th><th scope="col">"Shipped default"</th><th scope="col">"Portal"</th>
                                <th scope="col">"Account override"</th><th scope="col">"User override"</th><th scope="col">"User's result"</th>
                            </tr></thead>
                            <tbody>{m.rows.into_iter().map(|r| {
                                let perm = r.permission;
                                let account_value = (!acc.is_empty()).then(|| r.accounts.get(&acc).copied()).flatten();
                                let user_value = (!usr.is_empty()).then(|| r.users.get(&usr).copied()).flatten();
                                let via_account = user_account.as_ref().and_then(|a| r.accounts.get(a).copied());
                                let result = (!usr.is_empty()).then(|| user_value.or(via_account).unwrap_or(r.portal));
                                let (pid, aid, uid) = (portal_id.clone(), acc.clone(), usr.clone());
                                let label = r.label.clone();
                                view! { <tr>
                                    <th scope="row">{r.label.clone()}</th>
                                    <td>{if r.default { "Allowed" } else { "Denied" }}</td>
                                    <td><select aria-label=format!("{label}: portal setting")
                                        on:change=move |ev| set("portal", pid.clone(), perm, event_target_value(&ev))>
                                        <option value="allow" selected=r.portal>"Allow"</option>
                                        <option value="deny" selected=!r.portal>"Deny"</option>
                                    </select></td>
                                    <td>{(!aid.is_empty()).then(|| { let aid = aid.clone(); view! {
                                        <select aria-label=format!("{label}: account override")
                                            on:change=move |ev| set("account", aid.clone(), perm, event_target_value(&ev))>
                                            {["inherit", "allow", "deny"].into_iter().map(|c| view! {
                                                <option value=c selected=choice(account_value) == c>{c}</option>
                                            }).collect_view()}
                                        </select>
                                    }})}</td>
                                    <td>{(!uid.is_empty()).then(|| { let uid = uid.clone(); view! {
                                        <select aria-label=format!("{label}: user override")
                                            on:change=move |ev| set("user", uid.clone(), perm, event_target_value(&ev))>
                                            {["inherit", "allow", "deny"].into_iter().map(|c| view! {
                                                <option value=c selected=choice(user_value) == c>{c}</option>
                                            }).collect_view()}
                                        </select>
                                    }})}</td>
                                    <td>{result.map(|ok| if ok { "Allowed" } else { "Denied" })}</td>
                                </tr> }
                            }).collect_view()}</tbody>
                        </table></div>
                    }.into_any()
                }
            }}
        </section>
    }
}
