//! The signed-in session: the access token lives in memory only (never in storage a script
//! could read later); a reload restores it from the HttpOnly refresh cookie.

use leptos::prelude::*;

/// The current access token, if signed in.
#[derive(Clone, Copy)]
pub struct Session(pub RwSignal<Option<String>>);

/// Puts an empty session in context.
pub fn provide() {
    provide_context(Session(RwSignal::new(None)));
}

/// The session from context.
pub fn use_session() -> Session {
    expect_context::<Session>()
}
