//! Accepting an invitation: choose a name and password, and be signed in.

use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::{use_navigate, use_params_map};
use portcullis_shared::auth::{AcceptInvitation, InvitationInfo};

use crate::api;
use crate::session::use_session;

/// `/p/{slug}/invite/{token}` and `/invite/{token}`.
#[component]
pub fn InvitePage() -> impl IntoView {
    let params = use_params_map();
    let token = move || params.read().get("token").unwrap_or_default();
    let info = LocalResource::new(move || {
        let t = token();
        async move { api::invitations::info(&t).await }
    });
    view! {
        <main class="centered">
            <Suspense fallback=|| view! { <p class="loading" aria-busy="true">"Opening your invitation…"</p> }>
                {move || Suspend::new(async move {
                    match info.await {
                        Ok(i) => view! { <AcceptForm info=i token=token()/> }.into_any(),
                        Err(e) if e.is_not_found() => view! {
                            <section class="card narrow" aria-labelledby="inv-title">
                                <h1 id="inv-title">"This invitation can't be used"</h1>
                                <p>"It may have been used already, replaced by a newer one, or expired after 7 days. Ask the person who invited you to send it again."</p>
                            </section>
                        }.into_any(),
                        Err(e) => view! { <section class="card narrow" role="alert"><p>{e.message()}</p></section> }.into_any(),
                    }
                })}
            </Suspense>
        </main>
    }
}

#[component]
fn AcceptForm(info: InvitationInfo, token: String) -> impl IntoView {
    let session = use_session();
    let navigate = use_navigate();
    let name = RwSignal::new(info.name.clone());
    let password = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let place = info
        .portal
        .as_ref()
        .map_or("Portcullis".to_owned(), |p| p.name.clone());
    let home = info
        .portal
        .as_ref()
        .map_or("/".to_owned(), |p| format!("/p/{}", p.slug));
    let style = info.portal.as_ref().map(|p| {
        format!(
            "--brand-primary: {}; --brand-bg: {};",
            p.branding.primary_color, p.branding.background_color
        )
    });
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        error.set(None);
        let body = AcceptInvitation {
            password: password.get_untracked(),
            name: name.get_untracked(),
        };
        let token = token.clone();
        let home = home.clone();
        let navigate = navigate.clone();
        spawn_local(async move {
            match api::invitations::accept(&token, &body).await {
                Ok(t) => {
                    session.started(t);
                    navigate(&home, Default::default());
                }
                Err(e) => error.set(Some(e.message())),
            }
            busy.set(false);
        });
    };
    view! {
        <section class="card narrow invite" style=style aria-labelledby="accept-title">
            <h1 id="accept-title">{format!("Join {place}")}</h1>
            <p class="muted">{format!("You were invited as {}. Choose your name and a password to get started.", info.email)}</p>
            <form on:submit=on_submit novalidate>
                <label for="name">"Your name"</label>
                <input id="name" name="name" autocomplete="name" required
                    prop:value=move || name.get() on:input=move |ev| name.set(event_target_value(&ev))/>
                <label for="new-password">"Password"</label>
                <input id="new-password" name="new-password" type="password" autocomplete="new-password" required minlength="12"
                    aria-describedby="pw-hint"
                    prop:value=move || password.get() on:input=move |ev| password.set(event_target_value(&ev))/>
                <p id="pw-hint" class="hint">"At least 12 characters. Common passwords are refused."</p>
                {move || error.get().map(|m| view! { <p class="error" role="alert">{m}</p> })}
                <button type="submit" class="button primary" prop:disabled=move || busy.get()>
                    {move || if busy.get() { "Setting up…" } else { "Accept invitation" }}
                </button>
            </form>
        </section>
    }
}
