//! The signed-in session: the access token lives in memory only (never in storage a script
//! could read later); a reload restores it from the HttpOnly refresh cookie.

use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api;

/// The current access token, if signed in, and a notice for the sign-in screen (such as
/// "your session has ended").
#[derive(Clone, Copy)]
pub struct Session(pub RwSignal<Option<String>>, pub RwSignal<Option<String>>);

/// Puts an empty session in context.
pub fn provide() {
    provide_context(Session(RwSignal::new(None), RwSignal::new(None)));
}

impl Session {
    /// Forgets the session because the server ended it, telling the user why.
    pub fn ended(&self) {
        remember_signed_in(false);
        self.1
            .set(Some("Your session has ended. Please sign in again.".into()));
        self.0.set(None);
    }
}

/// The session from context.
pub fn use_session() -> Session {
    expect_context::<Session>()
}

const HINT: &str = "portcullis.signed-in";

fn storage() -> Option<web_sys::Storage> {
    web_sys::window().and_then(|w| w.local_storage().ok().flatten())
}

/// Whether this browser signed in before (a hint, not a secret: the refresh cookie is
/// HttpOnly, so the app cannot see it and would otherwise ask the server on every visit).
pub fn probably_signed_in() -> bool {
    storage()
        .and_then(|s| s.get_item(HINT).ok().flatten())
        .is_some()
}

/// Records whether a session is open in this browser.
pub fn remember_signed_in(signed_in: bool) {
    if let Some(s) = storage() {
        let _ = if signed_in {
            s.set_item(HINT, "1")
        } else {
            s.remove_item(HINT)
        };
    }
}

/// On a fresh page load, brings the session back from the refresh cookie when this browser
/// signed in before; the signal is true while that is under way.
pub fn restore() -> RwSignal<bool> {
    let session = use_session();
    let restoring = RwSignal::new(session.0.get_untracked().is_none() && probably_signed_in());
    if restoring.get_untracked() {
        spawn_local(async move {
            match api::refresh().await {
                Ok(t) => session.0.set(Some(t.access_token)),
                Err(_) => remember_signed_in(false),
            }
            restoring.set(false);
        });
    }
    restoring
}
