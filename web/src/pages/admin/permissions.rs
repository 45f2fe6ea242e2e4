//! The permission matrix of one portal: each permission's shipped default, the portal's
//! setting, and overrides for one account and one user, with the result for that user
//! (user override, else account override, else portal setting).

use leptos::prelude::*;
use leptos::task::spawn_local;
use portcullis_shared::admin::{OverrideInput, OverrideScope, User};

use super::{Loaded, Notice, NoticeView, failed};
use crate::api;
use crate::api::users::UserFilter;

fn choice(v: Option<bool>) -> &'static str {
    match v {
        None => "inherit",
        Some(true) => "allow",
        Some(false) => "deny",
    }
}

#[component]
pub fn Permissions() -> impl IntoView {
    let notice: Notice = RwSignal::new(None);
    // The portal chosen; empty until someone chooses, which means the first.
    let chosen = RwSignal::new(String::new());
    let account = RwSignal::new(String::new());
    let user = RwSignal::new(String::new());
    let version = RwSignal::new(0u32);
    let portals = LocalResource::new(|| async { api::portals::list().await.map(|l| l.items) });
    let listed = move || portals.get().and_then(Result::ok).unwrap_or_default();
    let portal = Memo::new(move |_| {
        let id = chosen.get();
        if id.is_empty() {
            listed().first().map(|p| p.id.clone()).unwrap_or_default()
        } else {
            id
        }
    });
    let kind = Memo::new(move |_| {
        let id = portal.get();
        listed().into_iter().find(|p| p.id == id).map(|p| p.kind)
    });
    // The accounts and users of the portal's kind, to pick whose overrides to see.
    let people = LocalResource::new(move || {
        let calls = kind.get().map(|k| {
            (
                api::accounts::choices(Some(k)),
                api::users::list(&UserFilter {
                    portal_type: k.as_str().to_owned(),
                    limit: Some(200),
                    ..UserFilter::default()
                }),
            )
        });
        async move {
            let Some((accounts, users)) = calls else {
                return Ok((Vec::new(), Vec::new()));
            };
            Ok::<_, api::ApiError>((accounts.await?, users.await?.items))
        }
    });
    let matrix = LocalResource::new(move || {
        version.track();
        let p = portal.get();
        let load = (!p.is_empty()).then(|| api::permissions::matrix(p));
        async move {
            match load {
                Some(load) => load.await.map(Some),
                None => Ok(None),
            }
        }
    });
    let set = move |scope: OverrideScope,
                    scope_id: String,
                    permission: portcullis_shared::Permission,
                    value: String| {
        let save = api::permissions::set(&OverrideInput {
            scope,
            scope_id,
            permission,
            allowed: match value.as_str() {
                "allow" => Some(true),
                "deny" => Some(false),
                _ => None,
            },
        });
        spawn_local(async move {
            match save.await {
                Ok(()) => {
                    notice.set(Some(Ok("Saved; it applies from the next request.".into())));
                    version.update(|v| *v += 1);
                }
                Err(e) => failed(notice, e),
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
                    <select id="perm-portal" on:change=move |ev| { chosen.set(event_target_value(&ev)); account.set(String::new()); user.set(String::new()); }>
                        {move || listed().into_iter().map(|p| {
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
            <Loaded label="Loading the matrix…">
            {move || {
                let acc = account.get();
                let usr = user.get();
                let user_account = selected_user.get().and_then(|u| u.account_id);
                Suspend::new(async move { matrix.await.map(|m| m.map(|m| {
                    let portal_id = m.portal_id.clone();
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
                                        on:change=move |ev| set(OverrideScope::Portal, pid.clone(), perm, event_target_value(&ev))>
                                        <option value="allow" selected=r.portal>"Allow"</option>
                                        <option value="deny" selected=!r.portal>"Deny"</option>
                                    </select></td>
                                    <td>{(!aid.is_empty()).then(|| { let aid = aid.clone(); view! {
                                        <select aria-label=format!("{label}: account override")
                                            on:change=move |ev| set(OverrideScope::Account, aid.clone(), perm, event_target_value(&ev))>
                                            {["inherit", "allow", "deny"].into_iter().map(|c| view! {
                                                <option value=c selected=choice(account_value) == c>{c}</option>
                                            }).collect_view()}
                                        </select>
                                    }})}</td>
                                    <td>{(!uid.is_empty()).then(|| { let uid = uid.clone(); view! {
                                        <select aria-label=format!("{label}: user override")
                                            on:change=move |ev| set(OverrideScope::User, uid.clone(), perm, event_target_value(&ev))>
                                            {["inherit", "allow", "deny"].into_iter().map(|c| view! {
                                                <option value=c selected=choice(user_value) == c>{c}</option>
                                            }).collect_view()}
                                        </select>
                                    }})}</td>
                                    <td>{result.map(|ok| if ok { "Allowed" } else { "Denied" })}</td>
                                </tr> }
                            }).collect_view()}</tbody>
                        </table></div>
                    }
                })) })
            }}
            </Loaded>
        </section>
    }
}
