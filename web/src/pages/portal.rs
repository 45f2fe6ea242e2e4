//! A portal: its branded sign-in screen, and once signed in, the user's home.

use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::A;
use leptos_router::hooks::use_params_map;
use portcullis_shared::auth::{AccessRequestInput, ProfilePatch};
use portcullis_shared::permission::PERMISSION_TABLE;
use portcullis_shared::{Me, PortalKind, PortalPublic, Role};

use crate::api;
use crate::pages::onboarding::Onboarding;
use crate::pages::signin::SignInForm;
use crate::session::{remember_signed_in, restore, use_session};

/// Loads the portal named in the address and shows it, or a not-found or error state.
#[component]
pub fn PortalPage() -> impl IntoView {
    let params = use_params_map();
    let slug = move || params.read().get("slug").unwrap_or_default();
    let portal = LocalResource::new(move || {
        let slug = slug();
        async move { api::portal(&slug).await }
    });
    view! {
        <Suspense fallback=|| view! {
            <main class="centered" aria-busy="true"><p class="loading">"Loading the portal…"</p></main>
        }>
            {move || Suspend::new(async move {
                match portal.await {
                    Ok(p) => view! { <Branded portal=p/> }.into_any(),
                    Err(e) if e.is_not_found() => view! { <PortalNotFound/> }.into_any(),
                    Err(e) => view! {
                        <main class="centered">
                            <section class="card narrow" role="alert">
                                <h1>"The portal could not be loaded"</h1>
                                <p>{e.message()}</p>
                                <button class="button" on:click=move |_| portal.refetch()>"Try again"</button>
                            </section>
                        </main>
                    }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// An unknown or unpublished portal.
#[component]
fn PortalNotFound() -> impl IntoView {
    set_title("Portal not found");
    view! {
        <main class="centered">
            <section class="card narrow" aria-labelledby="pnf-title">
                <h1 id="pnf-title">"We couldn't find that portal"</h1>
                <p>"The link may be mistyped, or the portal is no longer available. Check the address with your contact, or start from the home page."</p>
                <A href="/" attr:class="button">"Go to the home page"</A>
            </section>
        </main>
    }
}

fn set_title(title: &str) {
    if let Some(doc) = web_sys::window().and_then(|w| w.document()) {
        doc.set_title(title);
    }
}

fn set_favicon(href: &str) {
    let link = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.query_selector("link[rel~='icon']").ok().flatten());
    if let Some(link) = link {
        let _ = link.set_attribute("href", href);
    }
}

/// The portal's colours, logo and images around whatever the user sees.
#[component]
fn Branded(portal: PortalPublic) -> impl IntoView {
    set_title(&portal.name);
    if let Some(icon) = &portal.branding.favicon_url {
        set_favicon(icon);
    }
    let style = format!(
        "--brand-primary: {}; --brand-bg: {};",
        portal.branding.primary_color, portal.branding.background_color
    );
    let session = use_session();
    let restoring = restore();
    let kind_label = match portal.kind {
        PortalKind::Customer => "Customer portal",
        PortalKind::Partner => "Partner portal",
    };
    let hero = portal.branding.login_image_url.clone();
    let logo = portal.branding.logo_url.clone();
    let name = portal.name.clone();
    let p = StoredValue::new(portal);
    view! {
        <div class="portal" style=style>
            <div class="portal-main">
                <header class="portal-header">
                    {logo.map(|src| view! { <img class="logo" src=src alt="" width="48" height="48"/> })}
                    <div>
                        <h1>{name}</h1>
                        <p class="kind">{kind_label}</p>
                    </div>
                </header>
                <main>
                    {move || {
                        if restoring.get() {
                            view! { <p class="loading" aria-busy="true">"Checking your session…"</p> }.into_any()
                        } else if let Some(token) = session.0.get() {
                            view! { <SignedIn token=token portal=p.get_value()/> }.into_any()
                        } else {
                            view! { <SignIn portal=p.get_value()/> }.into_any()
                        }
                    }}
                </main>
            </div>
            {hero.map(|src| view! { <div class="hero" aria-hidden="true"><img src=src alt=""/></div> })}
        </div>
    }
}

/// The sign-in card.
#[component]
fn SignIn(portal: PortalPublic) -> impl IntoView {
    let intro = match portal.kind {
        PortalKind::Customer => "Follow your deals, documents and requests with your account team.",
        PortalKind::Partner => {
            "Register deals, track referrals and commissions, and co-sell with our team."
        }
    };
    let asking = RwSignal::new(false);
    let open = portal.self_registration;
    let slug = portal.slug.clone();
    view! {
        <section class="card" aria-labelledby="signin-title">
            <h2 id="signin-title">"Sign in"</h2>
            <p class="muted">{intro}</p>
            <SignInForm portal=Some(portal.slug.clone())/>
        </section>
        {open.then(|| view! {
            {move || (!asking.get()).then(|| view! {
                <p class="request-link">"New here? "
                    <button type="button" class="link" on:click=move |_| asking.set(true)>"Request access"</button>
                </p>
            })}
            {move || asking.get().then(|| view! { <RequestAccess slug=slug.clone()/> })}
        })}
    }
}

/// Asking to join: an administrator approves the request and the invitation follows by email.
#[component]
fn RequestAccess(slug: String) -> impl IntoView {
    let email = RwSignal::new(String::new());
    let name = RwSignal::new(String::new());
    let company = RwSignal::new(String::new());
    let message = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let sent = RwSignal::new(false);
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let body = AccessRequestInput {
            email: email.get_untracked(),
            name: name.get_untracked(),
            company: company.get_untracked(),
            message: Some(message.get_untracked()).filter(|m| !m.trim().is_empty()),
        };
        let slug = slug.clone();
        spawn_local(async move {
            match api::request_access(&slug, &body).await {
                Ok(()) => sent.set(true),
                Err(e) => error.set(Some(e.message())),
            }
        });
    };
    let field = |id: &'static str,
                 label: &'static str,
                 kind: &'static str,
                 auto: &'static str,
                 sig: RwSignal<String>| {
        view! {
            <label for=id>{label}</label>
            <input id=id type=kind autocomplete=auto required prop:value=move || sig.get() on:input=move |ev| sig.set(event_target_value(&ev))/>
        }
    };
    view! {
        <section class="card" aria-labelledby="request-title">
            <h2 id="request-title">"Request access"</h2>
            {move || if sent.get() {
                view! { <p class="notice" role="status">"Thank you. We will email you an invitation once your request is approved."</p> }.into_any()
            } else {
                let on_submit = on_submit.clone();
                view! {
                    <form on:submit=on_submit novalidate>
                        {field("ra-email", "Work email", "email", "email", email)}
                        {field("ra-name", "Your name", "text", "name", name)}
                        {field("ra-company", "Company", "text", "organization", company)}
                        <label for="ra-message">"Anything we should know (optional)"</label>
                        <textarea id="ra-message" rows="3" prop:value=move || message.get() on:input=move |ev| message.set(event_target_value(&ev))></textarea>
                        {move || error.get().map(|m| view! { <p class="error" role="alert">{m}</p> })}
                        <button type="submit" class="button primary">"Send request"</button>
                    </form>
                }.into_any()
            }}
        </section>
    }
}

/// Suggested first steps by role.
fn quick_actions(role: Role) -> Vec<(&'static str, &'static str)> {
    match role {
        Role::CustomerUser => vec![
            ("View your active deals", "deals"),
            ("Open shared documents", "documents"),
        ],
        Role::PartnerUser => vec![
            ("Register your first deal", "registrations/new"),
            ("View your pipeline", "deals"),
        ],
        Role::PartnerAdmin => vec![
            ("Register your first deal", "registrations/new"),
            ("View your pipeline", "deals"),
            ("Manage your organisation's users", "/admin/users"),
        ],
        _ => vec![("Open the deal pipeline", "deals")],
    }
}

pub fn role_label(role: Role) -> &'static str {
    match role {
        Role::Admin => "Administrator",
        Role::Manager => "Manager",
        Role::ChannelManager => "Channel manager",
        Role::SalesRep => "Sales rep",
        Role::CustomerUser => "Customer",
        Role::PartnerUser => "Partner",
        Role::PartnerAdmin => "Partner administrator",
    }
}

/// The signed-in user's home: onboarding the first time, then who they are, what they may
/// do here, and their profile.
#[component]
fn SignedIn(token: String, portal: PortalPublic) -> impl IntoView {
    let session = use_session();
    let t = token.clone();
    let me = LocalResource::new(move || {
        let t = t.clone();
        async move { api::me(&t).await }
    });
    // Updated by onboarding and profile edits without another round trip.
    let current = RwSignal::new(None::<Me>);
    let sign_out = {
        let token = token.clone();
        move |_| {
            let token = token.clone();
            spawn_local(async move {
                let _ = api::logout(&token).await;
                remember_signed_in(false);
                session.0.set(None);
            });
        }
    };
    let kind = portal.kind;
    let portal_name = portal.name.clone();
    let slug = portal.slug.clone();
    let token = StoredValue::new(token);
    view! {
        <Suspense fallback=|| view! { <p class="loading" aria-busy="true">"Loading your home…"</p> }>
            {move || {
                let sign_out = sign_out.clone();
                let portal_name = portal_name.clone();
                let slug = slug.clone();
                Suspend::new(async move {
                    let loaded = match me.await {
                        Ok(m) => m,
                        Err(e) if e.is_unauthenticated() => {
                            // The session ended elsewhere (signed out, deactivated): back to sign-in.
                            session.ended();
                            return view! { <p class="loading">"Your session has ended."</p> }.into_any();
                        }
                        Err(e) => return view! { <p class="error" role="alert">{e.message()}</p> }.into_any(),
                    };
                    if current.get_untracked().is_none() {
                        current.set(Some(loaded));
                    }
                    view! {
                        {move || current.get().map(|m| {
                            let banner = m.viewed_by.clone().map(|admin| view! {
                                <p class="banner" role="status">
                                    {format!("Read-only view as {} (opened by {admin}). ", m.user.email)}
                                    <A href="/admin/users">"Back to administration"</A>
                                </p>
                            });
                            let body = if m.onboarding_complete {
                                view! {
                                    <Welcome me=m.clone() portal_name=portal_name.clone() slug=slug.clone()/>
                                    <Profile token=token.get_value() me=m current=current/>
                                }.into_any()
                            } else {
                                view! { <Onboarding token=token.get_value() me=m kind=kind done=Callback::new(move |m| current.set(Some(m)))/> }.into_any()
                            };
                            view! { {banner} {body} }
                        })}
                        {move || current.get().is_some_and(|m| m.viewed_by.is_none()).then(|| {
                            let sign_out = sign_out.clone();
                            view! { <button class="button signout" on:click=sign_out>"Sign out"</button> }
                        })}
                    }.into_any()
                })
            }}
        </Suspense>
    }
}

/// The user's profile, editable; a refused save because the session ended leads to sign-in.
#[component]
fn Profile(token: String, me: Me, current: RwSignal<Option<Me>>) -> impl IntoView {
    let session = use_session();
    let title = RwSignal::new(me.user.title.clone().unwrap_or_default());
    let phone = RwSignal::new(me.user.phone.clone().unwrap_or_default());
    let status = RwSignal::new(None::<String>);
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let token = token.clone();
        let body = ProfilePatch {
            name: None,
            title: Some(title.get_untracked()),
            phone: Some(phone.get_untracked()),
        };
        spawn_local(async move {
            match api::update_profile(&token, &body).await {
                Ok(m) => {
                    status.set(Some("Saved.".into()));
                    current.set(Some(m));
                }
                Err(e) if e.is_unauthenticated() => session.ended(),
                Err(e) => status.set(Some(e.message())),
            }
        });
    };
    view! {
        <section class="card" aria-labelledby="profile-title">
            <h2 id="profile-title">"Your profile"</h2>
            <form on:submit=on_submit>
                <label for="home-title">"Job title"</label>
                <input id="home-title" prop:value=move || title.get() on:input=move |ev| title.set(event_target_value(&ev))/>
                <label for="home-phone">"Phone"</label>
                <input id="home-phone" type="tel" prop:value=move || phone.get() on:input=move |ev| phone.set(event_target_value(&ev))/>
                <p role="status" class="muted">{move || status.get()}</p>
                <button type="submit" class="button primary">"Save profile"</button>
            </form>
        </section>
    }
}

#[component]
fn Welcome(me: Me, portal_name: String, slug: String) -> impl IntoView {
    let first = me
        .user
        .name
        .split_whitespace()
        .next()
        .unwrap_or("")
        .to_owned();
    let labels: Vec<&'static str> = me
        .permissions
        .iter()
        .filter_map(|p| {
            PERMISSION_TABLE
                .iter()
                .find(|s| s.permission == *p)
                .map(|s| s.label)
        })
        .collect();
    view! {
        <section class="card" aria-labelledby="welcome-title">
            <h2 id="welcome-title">{format!("Welcome, {first}")}</h2>
            <p class="muted">
                {role_label(me.user.role)}
                {me.account.map(|a| format!(" at {}", a.name))}
                {format!(" · {portal_name}")}
            </p>
            <h3>"Quick actions"</h3>
            <ul class="quick-actions">
                {quick_actions(me.user.role).into_iter().map(|(label, path)| {
                    let href = if path.starts_with('/') { path.to_owned() } else { format!("/p/{slug}/{path}") };
                    view! { <li><a href=href>{label}</a></li> }
                }).collect_view()}
            </ul>
            {(!labels.is_empty()).then(|| view! {
                <h3>"What you can do here"</h3>
                <ul class="permissions">
                    {labels.into_iter().map(|l| view! { <li>{l}</li> }).collect_view()}
                </ul>
            })}
        </section>
    }
}
