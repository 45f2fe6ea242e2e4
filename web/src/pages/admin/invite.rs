//! Invitations: one or many addresses by hand, or a CSV file of thousands; either way the
//! invitees get a branded email (readable in the outbox when no mail server is configured).

use leptos::prelude::*;
use leptos::task::spawn_local;
use portcullis_shared::Role;
use portcullis_shared::admin::{
    Account, ImportReport, InvitationRequest, InvitationResults, Portal,
};

use super::{Notice, NoticeView, failed};
use crate::api;
use crate::pages::portal::role_label;

/// The accounts and portals an administrator invites external users into.
type Choices = (Vec<Account>, Vec<Portal>);

#[component]
pub fn Invite(role: Role) -> impl IntoView {
    let is_admin = role == Role::Admin;
    let new_role = RwSignal::new(if is_admin {
        Role::CustomerUser
    } else {
        Role::PartnerUser
    });
    let account = RwSignal::new(String::new());
    let portal = RwSignal::new(String::new());
    let emails = RwSignal::new(String::new());
    let notice: Notice = RwSignal::new(None);
    let results = RwSignal::new(None::<InvitationResults>);
    let report = RwSignal::new(None::<ImportReport>);
    let busy = RwSignal::new(false);
    let kind = Memo::new(move |_| new_role.get().portal_kind());
    // Administrators choose where external users go; partner administrators invite into
    // their own organisation, which the server fills in.
    let choices = LocalResource::new(move || {
        let calls = kind
            .get()
            .filter(|_| is_admin)
            .map(|k| (k, api::accounts::choices(Some(k)), api::portals::list()));
        async move {
            let Some((k, accounts, portals)) = calls else {
                return Ok((Vec::new(), Vec::new()));
            };
            let accounts = accounts.await?;
            let portals = portals.await?.items;
            let portals = portals
                .into_iter()
                .filter(|p| p.kind == k)
                .collect::<Vec<_>>();
            Ok::<_, api::ApiError>((accounts, portals))
        }
    });
    // What was chosen, else the first of each (a new role means a new kind of account and
    // portal, and a choice of the old kind no longer applies).
    let chosen = move |sig: RwSignal<String>, pick: fn(&Choices) -> Vec<String>| {
        let ids = choices
            .get()
            .and_then(Result::ok)
            .map(|c| pick(&c))
            .unwrap_or_default();
        let id = sig.get();
        if ids.contains(&id) {
            id
        } else {
            ids.into_iter().next().unwrap_or_default()
        }
    };
    let account_id =
        Memo::new(move |_| chosen(account, |c| c.0.iter().map(|a| a.id.clone()).collect()));
    let portal_id =
        Memo::new(move |_| chosen(portal, |c| c.1.iter().map(|p| p.id.clone()).collect()));
    let target = move || {
        if is_admin && kind.get_untracked().is_some() {
            (
                Some(account_id.get_untracked()),
                Some(portal_id.get_untracked()),
            )
        } else {
            (None, None)
        }
    };
    let on_invite = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        let list: Vec<String> = emails
            .get_untracked()
            .split(|c: char| c == ',' || c == ';' || c.is_whitespace())
            .filter(|e| !e.is_empty())
            .map(str::to_owned)
            .collect();
        let (account_id, portal_id) = target();
        let invite = api::invitations::invite(&InvitationRequest {
            emails: list,
            role: new_role.get_untracked(),
            account_id,
            portal_id,
        });
        busy.set(true);
        notice.set(None);
        spawn_local(async move {
            match invite.await {
                Ok(r) => {
                    let invited = r
                        .results
                        .iter()
                        .filter(|x| {
                            x.status == portcullis_shared::admin::InvitationOutcome::Invited
                        })
                        .count();
                    notice.set(Some(Ok(format!(
                        "{invited} invitation(s) sent; {} already had an account.",
                        r.results.len() - invited
                    ))));
                    emails.set(String::new());
                    results.set(Some(r));
                }
                Err(e) => failed(notice, e),
            }
            busy.set(false);
        });
    };
    let file_input = NodeRef::<leptos::html::Input>::new();
    let on_import = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some(file) = file_input
            .get_untracked()
            .and_then(|i| i.files())
            .and_then(|f| f.get(0))
        else {
            notice.set(Some(Err("Choose a CSV file first.".into())));
            return;
        };
        let (account_id, portal_id) = target();
        let import =
            api::invitations::import_csv(file, new_role.get_untracked(), account_id, portal_id);
        busy.set(true);
        notice.set(None);
        spawn_local(async move {
            match import.await {
                Ok(r) => {
                    notice.set(Some(Ok(format!(
                        "Imported: {} invited, {} already had an account, {} rejected.",
                        r.invited, r.already_existing, r.rejected
                    ))));
                    report.set(Some(r));
                }
                Err(e) => failed(notice, e),
            }
            busy.set(false);
        });
    };
    let roles: Vec<Role> = Role::ALL
        .into_iter()
        .filter(|r| is_admin || matches!(r, Role::PartnerUser | Role::PartnerAdmin))
        .collect();
    view! {
        <section aria-labelledby="invite-title">
            <h1 id="invite-title">"Invite people"</h1>
            <div class="card">
                <fieldset>
                    <legend>"Who they will be"</legend>
                    <label for="inv-role">"Role"</label>
                    <select id="inv-role" on:change=move |ev| {
                        if let Some(r) = Role::parse(&event_target_value(&ev)) { new_role.set(r); }
                    }>
                        {roles.into_iter().map(|r| view! {
                            <option value=r.as_str() selected=move || new_role.get() == r>{role_label(r)}</option>
                        }).collect_view()}
                    </select>
                    {move || (is_admin && kind.get().is_some()).then(|| view! {
                        <label for="inv-account">"Account"</label>
                        <select id="inv-account" on:change=move |ev| account.set(event_target_value(&ev))>
                            {move || choices.get().and_then(Result::ok).map(|(accounts, _)| accounts.into_iter().map(|a| {
                                let id = a.id.clone();
                                view! { <option value=a.id.clone() selected=move || account_id.get() == id>{a.name.clone()}</option> }
                            }).collect_view())}
                        </select>
                        <label for="inv-portal">"Portal"</label>
                        <select id="inv-portal" on:change=move |ev| portal.set(event_target_value(&ev))>
                            {move || choices.get().and_then(Result::ok).map(|(_, portals)| portals.into_iter().map(|p| {
                                let id = p.id.clone();
                                view! { <option value=p.id.clone() selected=move || portal_id.get() == id>{p.name.clone()}</option> }
                            }).collect_view())}
                        </select>
                    })}
                    {move || (!is_admin).then(|| view! {
                        <p class="hint">"They join your organisation and your portal."</p>
                    })}
                </fieldset>
            </div>
            <NoticeView notice=notice/>
            <form class="card" on:submit=on_invite>
                <h2>"By email"</h2>
                <label for="inv-emails">"Email addresses"</label>
                <textarea id="inv-emails" rows="4" aria-describedby="inv-emails-hint"
                    prop:value=move || emails.get() on:input=move |ev| emails.set(event_target_value(&ev))></textarea>
                <p id="inv-emails-hint" class="hint">"Separate addresses with commas or new lines (up to 100). Existing users are left as they are."</p>
                <button type="submit" class="button primary" prop:disabled=move || busy.get()>"Send invitations"</button>
            </form>
            {move || results.get().map(|r| view! {
                <div class="table-wrap"><table>
                    <caption>"Invitation results"</caption>
                    <thead><tr><th scope="col">"Email"</th><th scope="col">"Result"</th></tr></thead>
                    <tbody>{r.results.into_iter().map(|x| view! {
                        <tr><td>{x.email}</td><td>{if x.status == portcullis_shared::admin::InvitationOutcome::Invited { "Invited" } else { "Already has an account" }}</td></tr>
                    }).collect_view()}</tbody>
                </table></div>
            })}
            {is_admin.then(|| view! {
                <form class="card" on:submit=on_import>
                    <h2>"From a CSV file"</h2>
                    <label for="inv-file">"CSV file with the columns email,name"</label>
                    <input id="inv-file" type="file" accept=".csv,text/csv" node_ref=file_input/>
                    <p class="hint">"Up to 10,000 rows at a time. Bad rows are listed by line and skipped; addresses that already have an account are left as they are."</p>
                    <button type="submit" class="button primary" prop:disabled=move || busy.get()>"Import"</button>
                </form>
            })}
            {move || report.get().filter(|r| !r.errors.is_empty()).map(|r| view! {
                <div class="table-wrap"><table>
                    <caption>"Rows that were not imported"</caption>
                    <thead><tr><th scope="col">"Line"</th><th scope="col">"Field"</th><th scope="col">"Problem"</th></tr></thead>
                    <tbody>{r.errors.into_iter().map(|e| view! {
                        <tr><td>{e.line}</td><td>{e.field}</td><td>{e.message}</td></tr>
                    }).collect_view()}</tbody>
                </table></div>
            })}
        </section>
    }
}
