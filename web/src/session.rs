//! The signed-in session and the signed-in user. The access token lives in memory only (never
//! in storage a script could read later) and in context, where the API client reads it; a
//! reload restores it from the HttpOnly refresh cookie. What a screen offers follows from the
//! user's effective permissions ([`can`]).

use leptos::prelude::*;
use leptos::task::spawn_local;
use portcullis_shared::{Me, Permission, TokenResponse};

use crate::api;

/// The access token of the session.
#[derive(Clone, Debug, PartialEq)]
pub struct Token {
    pub access: String,
    /// A read-only "view as" session, which has no refresh cookie of its own.
    pub view_as: bool,
    /// When to renew it (browser clock, ms): shortly before it expires, counted from when it
    /// arrived so that a skewed clock does not matter.
    renew_at: f64,
}

impl Token {
    fn new(t: TokenResponse, view_as: bool) -> Token {
        let lifetime = t.expires_in as f64 * 1000.0;
        Token {
            access: t.access_token,
            view_as,
            renew_at: js_sys::Date::now() + lifetime - (lifetime / 10.0).min(30_000.0),
        }
    }

    /// Whether it is about to expire (and can be renewed), so that a call renews it first
    /// instead of being refused.
    pub fn expiring(&self) -> bool {
        !self.view_as && js_sys::Date::now() >= self.renew_at
    }
}

/// The session in context: its token, and a notice for the sign-in screen (such as "your
/// session has ended").
#[derive(Clone, Copy)]
pub struct Session {
    token: RwSignal<Option<Token>>,
    signed_in: Memo<bool>,
    /// Counts sign-ins, sign-outs and views as someone else, so that a refresh that was
    /// under way meanwhile does not bring back the session it renewed.
    changes: StoredValue<u32>,
    pub notice: RwSignal<Option<String>>,
}

/// Puts an empty session in context.
pub fn provide() {
    let token = RwSignal::new(None::<Token>);
    provide_context(Session {
        token,
        signed_in: Memo::new(move |_| token.with(Option::is_some)),
        changes: StoredValue::new(0),
        notice: RwSignal::new(None),
    });
}

/// The session from context.
pub fn use_session() -> Session {
    expect_context::<Session>()
}

impl Session {
    /// Whether someone is signed in (tracked; a renewed token does not count as a change).
    pub fn signed_in(&self) -> bool {
        self.signed_in.get()
    }

    /// The current token, untracked: calls read it when they are sent.
    pub fn token(&self) -> Option<Token> {
        self.token.get_untracked()
    }

    /// Whether this is a read-only "view as" session.
    pub fn viewing_as(&self) -> bool {
        self.token().is_some_and(|t| t.view_as)
    }

    /// Where the session stands: pass it to [`Session::renewed`].
    pub fn sign_ins(&self) -> u32 {
        self.changes.get_value()
    }

    fn change(&self) {
        self.changes.update_value(|n| *n += 1);
    }

    /// A session just opened by signing in or accepting an invitation.
    pub fn started(&self, t: TokenResponse) {
        self.change();
        remember_signed_in(true);
        self.notice.set(None);
        self.token.set(Some(Token::new(t, false)));
    }

    /// A read-only session as another user, opened by an administrator.
    pub fn view_as(&self, t: TokenResponse) {
        self.change();
        self.token.set(Some(Token::new(t, true)));
    }

    /// The same session with a new access token from a refresh started at `sign_ins`,
    /// unless the user signed out (or in again) meanwhile.
    pub fn renewed(&self, t: TokenResponse, sign_ins: u32) {
        if self.sign_ins() == sign_ins {
            self.token.set(Some(Token::new(t, false)));
        }
    }

    /// Signed out by the user.
    pub fn signed_out(&self) {
        self.change();
        remember_signed_in(false);
        self.token.set(None);
    }

    /// Forgets the session because the server ended it, telling the user why.
    pub fn ended(&self) {
        if self.token.with_untracked(Option::is_none) {
            return;
        }
        self.change();
        remember_signed_in(false);
        self.notice
            .set(Some("Your session has ended. Please sign in again.".into()));
        self.token.set(None);
    }

    /// The read-only view expired: back to the administrator's own session, which a fresh
    /// load of the console restores from the refresh cookie.
    pub fn view_ended(&self) {
        self.token.set(None);
        if let Some(w) = web_sys::window() {
            let _ = w.location().assign("/admin/users");
        }
    }
}

/// Ends this session, or with `everywhere` every session of the user on every device.
pub fn sign_out(everywhere: bool) {
    let session = use_session();
    let (here, all) = (api::auth::logout(), api::auth::logout_everywhere());
    spawn_local(async move {
        let _ = if everywhere { all.await } else { here.await };
        session.signed_out();
    });
}

const HINT: &str = "portcullis.signed-in";

fn storage() -> Option<web_sys::Storage> {
    web_sys::window().and_then(|w| w.local_storage().ok().flatten())
}

/// Whether this browser signed in before (a hint, not a secret: the refresh cookie is
/// HttpOnly, so the app cannot see it and would otherwise ask the server on every visit).
fn probably_signed_in() -> bool {
    storage()
        .and_then(|s| s.get_item(HINT).ok().flatten())
        .is_some()
}

/// Records whether a session is open in this browser.
fn remember_signed_in(signed_in: bool) {
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
    let restoring = RwSignal::new(session.token().is_none() && probably_signed_in());
    if restoring.get_untracked() {
        spawn_local(async move {
            if api::renew(session).await.is_err() {
                remember_signed_in(false);
            }
            restoring.set(false);
        });
    }
    restoring
}

/// The signed-in user as `/me` describes them, in context for the screens beneath.
#[derive(Clone, Copy)]
pub struct Caller(pub Signal<Option<Me>>);

/// Whether the signed-in user holds a portal permission (their effective permissions: user
/// override, else account override, else the portal's setting). Tracked.
pub fn can(permission: Permission) -> bool {
    use_context::<Caller>().is_some_and(|c| {
        c.0.with(|me| {
            me.as_ref()
                .is_some_and(|m| m.permissions.contains(&permission))
        })
    })
}
