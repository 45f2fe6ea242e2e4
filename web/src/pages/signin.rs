//! The email and password form, shared by the portals' sign-in and the console's.

use leptos::prelude::*;
use leptos::task::spawn_local;
use portcullis_shared::LoginRequest;

use crate::api;
use crate::session::use_session;

/// Signs in, at `portal` for customers and partners or without one for staff; shows the
/// session's notice (such as "your session has ended") and any failure.
#[component]
pub fn SignInForm(portal: Option<String>) -> impl IntoView {
    let session = use_session();
    let email = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        error.set(None);
        let body = LoginRequest {
            email: email.get_untracked(),
            password: password.get_untracked(),
            portal: portal.clone(),
        };
        spawn_local(async move {
            match api::auth::login(&body).await {
                Ok(t) => {
                    password.set(String::new());
                    session.started(t);
                }
                Err(e) => error.set(Some(e.message())),
            }
            busy.set(false);
        });
    };
    view! {
        {move || session.notice.get().map(|m| view! { <p class="notice" role="status">{m}</p> })}
        <form on:submit=on_submit novalidate>
            <label for="email">"Email"</label>
            <input id="email" name="email" type="email" autocomplete="username" required
                prop:value=move || email.get() on:input=move |ev| email.set(event_target_value(&ev))/>
            <label for="password">"Password"</label>
            <input id="password" name="password" type="password" autocomplete="current-password" required
                prop:value=move || password.get() on:input=move |ev| password.set(event_target_value(&ev))/>
            {move || error.get().map(|m| view! { <p class="error" role="alert">{m}</p> })}
            <button type="submit" class="button primary" prop:disabled=move || busy.get()>
                {move || if busy.get() { "Signing in…" } else { "Sign in" }}
            </button>
        </form>
    }
}
