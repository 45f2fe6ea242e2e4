//! A portal: its branded sign-in screen, and once signed in, the user's home.

use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::A;
use leptos_router::hooks::use_params_map;
use portcullis_shared::auth::{AccessRequestInput, ProfilePatch};
use portcullis_shared::collab::Side;
use portcullis_shared::{Me, Permission, PortalKind, PortalPublic, Role};
use wasm_bindgen::JsCast;

use crate::api;
use crate::pages::admin::Section;
use crate::pages::collab::documents::AllDocuments;
use crate::pages::deals::cards::CustomerDeals;
use crate::pages::deals::list::DealList;
use crate::pages::deals::page::DealPage;
use crate::pages::onboarding::Onboarding;
use crate::pages::partners::notifications::{Bell, Notifications, provide_inbox};
use crate::pages::partners::portal::{
    MyRegistrations, Referrals, RegisterDeal, RegistrationDetail,
};
use crate::pages::programme::dashboard::Dashboard;
use crate::pages::programme::{PartnerScreen, Screen as ProgrammeScreen};
use crate::pages::signin::SignInForm;
use crate::session::{Caller, can, restore, sign_out, use_session};

/// Loads the portal named in the address and shows it, or a not-found or error state.
#[component]
pub fn PortalPage() -> impl IntoView {
    let params = use_params_map();
    let slug = move || params.read().get("slug").unwrap_or_default();
    let portal = LocalResource::new(move || {
        let slug = slug();
        async move { api::portals::public_face(&slug).await }
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
        <div class="portal" class:signed-in=move || session.signed_in() style=style>
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
                        } else if session.signed_in() {
                            view! { <SignedIn portal=p.get_value()/> }.into_any()
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
            match api::access_requests::submit(&slug, &body).await {
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

/// Suggested next steps, only to screens that exist: the profile below, and for partner
/// administrators the console's screens their role opens.
fn quick_actions(role: Role) -> Vec<(&'static str, &'static str)> {
    let mut actions = vec![("Update your profile", "#profile-title")];
    if Section::Users.open_to(role) {
        actions.push(("Manage your organisation's users", "/admin/users"));
    }
    if Section::Invite.open_to(role) {
        actions.push(("Invite people to your organisation", "/admin/invite"));
    }
    actions
}

/// After following a link within the page, keyboard and screen reader users continue from
/// the section it leads to (the router only scrolls there).
pub fn focus_section(href: &str) {
    let section = href
        .strip_prefix('#')
        .and_then(|id| web_sys::window()?.document()?.get_element_by_id(id))
        .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok());
    if let Some(section) = section {
        let _ = section.focus();
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
fn SignedIn(portal: PortalPublic) -> impl IntoView {
    let me = LocalResource::new(api::me::get);
    // Onboarding and profile edits answer with the updated user: no second round trip.
    let updated = RwSignal::new(None::<Me>);
    let current = Signal::derive(move || updated.get().or_else(|| me.get().and_then(Result::ok)));
    provide_context(Caller(current));
    let kind = portal.kind;
    let portal_name = StoredValue::new(portal.name.clone());
    let slug = StoredValue::new(portal.slug.clone());
    let params = use_params_map();
    let screen =
        Memo::new(move |_| params.with(|p| Screen::of(&p.get("rest").unwrap_or_default())));
    provide_inbox();
    view! {
        <ErrorBoundary fallback=problem>
            <Suspense fallback=|| view! { <p class="loading" aria-busy="true">"Loading your home…"</p> }>
                {move || Suspend::new(async move {
                    me.await?;
                    Ok::<_, api::ApiError>(move || current.get().map(|m| {
                        let banner = m.viewed_by.clone().map(|admin| view! {
                            <p class="banner" role="status">
                                {format!("Read-only view as {} (opened by {admin}). ", m.user.email)}
                                <A href="/admin/users">"Back to administration"</A>
                            </p>
                        });
                        let own = m.viewed_by.is_none();
                        let body = if m.onboarding_complete {
                            let home = format!("/p/{}", slug.get_value());
                            let partner = matches!(m.user.role, Role::PartnerUser | Role::PartnerAdmin);
                            view! {
                                {partner.then(|| view! { <PartnerNav base=home.clone()/> })}
                                {(!partner).then(|| view! { <CustomerNav base=home.clone()/> })}
                                {move || match screen.get() {
                                    Screen::Deal(id) => view! { <DealPage id=id back=home.clone() internal=false level=2/> }.into_any(),
                                    Screen::Register if partner => view! { <RegisterDeal base=home.clone()/> }.into_any(),
                                    Screen::Registrations if partner => view! { <MyRegistrations base=home.clone()/> }.into_any(),
                                    Screen::Registration(id) if partner => view! { <RegistrationDetail id=id base=home.clone()/> }.into_any(),
                                    Screen::Referrals if partner => view! { <Referrals/> }.into_any(),
                                    Screen::Documents => view! { <AllDocuments side=if partner { Side::Partner } else { Side::Customer }/> }.into_any(),
                                    Screen::Notifications => view! { <Notifications base=home.clone() level=2/> }.into_any(),
                                    Screen::Commissions if partner => view! { <PartnerScreen screen=ProgrammeScreen::Commissions home=home.clone()/> }.into_any(),
                                    Screen::Tier if partner => view! { <PartnerScreen screen=ProgrammeScreen::Tier home=home.clone()/> }.into_any(),
                                    _ => view! {
                                        <Welcome me=m.clone() portal_name=portal_name.get_value()/>
                                        {partner.then(|| view! { <Dashboard home=home.clone()/> })}
                                        {deals_home(m.user.role, format!("{home}/deals"))}
                                        <Profile me=m.clone() updated=updated/>
                                    }.into_any(),
                                }}
                            }.into_any()
                        } else {
                            view! { <Onboarding me=m kind=kind done=Callback::new(move |m| updated.set(Some(m)))/> }.into_any()
                        };
                        view! {
                            {banner}
                            {body}
                            {own.then(|| view! {
                                <div class="actions signout">
                                    <button class="button" on:click=move |_| sign_out(false)>"Sign out"</button>
                                    <button class="button" on:click=move |_| sign_out(true)>"Sign out everywhere"</button>
                                </div>
                            })}
                        }
                    }))
                })}
            </Suspense>
        </ErrorBoundary>
    }
}

/// Where in a portal the address leads, below `/p/{slug}`.
#[derive(Clone, Debug, PartialEq)]
enum Screen {
    Home,
    Deal(String),
    Documents,
    Register,
    Registrations,
    Registration(String),
    Referrals,
    Notifications,
    Commissions,
    Tier,
}

impl Screen {
    fn of(rest: &str) -> Screen {
        let parts: Vec<&str> = rest.trim_matches('/').split('/').collect();
        match parts[..] {
            ["deals", id] if !id.is_empty() => Screen::Deal(id.to_owned()),
            ["documents"] => Screen::Documents,
            ["register"] => Screen::Register,
            ["registrations"] => Screen::Registrations,
            ["registrations", id] if !id.is_empty() => Screen::Registration(id.to_owned()),
            ["referrals"] => Screen::Referrals,
            ["notifications"] => Screen::Notifications,
            ["commissions"] => Screen::Commissions,
            ["tier"] => Screen::Tier,
            _ => Screen::Home,
        }
    }
}

/// A customer's way around their portal: their home and their deals' shared documents.
#[component]
fn CustomerNav(base: String) -> impl IntoView {
    let documents = format!("{base}/documents");
    let notifications = format!("{base}/notifications");
    view! {
        <nav class="portal-nav" aria-label="Customer portal">
            <ul>
                <li><A href=base.clone() exact=true>"Home"</A></li>
                {move || can(Permission::ViewSharedDocuments).then(|| view! {
                    <li><A href=documents.clone()>"Documents"</A></li>
                })}
                <li><Bell href=notifications/></li>
            </ul>
        </nav>
    }
}

/// A partner's way around their portal; the link to where they are is marked current.
#[component]
fn PartnerNav(base: String) -> impl IntoView {
    let to = |rest: &str| format!("{base}{rest}");
    let (register, registrations, referrals, notifications) = (
        to("/register"),
        to("/registrations"),
        to("/referrals"),
        to("/notifications"),
    );
    let (commissions, tier) = (to("/commissions"), to("/tier"));
    view! {
        <nav class="portal-nav" aria-label="Partner portal">
            <ul>
                <li><A href=base.clone() exact=true>"Home"</A></li>
                {move || can(Permission::RegisterDeals).then(|| view! {
                    <li><A href=register.clone()>"Register a deal"</A></li>
                })}
                <li><A href=registrations>"My registrations"</A></li>
                {move || can(Permission::RegisterDeals).then(|| view! {
                    <li><A href=referrals.clone()>"Referrals"</A></li>
                })}
                {move || can(Permission::ViewCommissions).then(|| view! {
                    <li><A href=commissions.clone()>"Commissions"</A></li>
                })}
                {move || can(Permission::ViewPartnerTierStatus).then(|| view! {
                    <li><A href=tier.clone()>"Tier"</A></li>
                })}
                <li><Bell href=notifications/></li>
            </ul>
        </nav>
    }
}

/// The deals on a portal's home: a customer's cards, or a partner organisation's list, for
/// users whose permissions show them deals.
fn deals_home(role: Role, base: String) -> impl IntoView {
    move || match role {
        Role::CustomerUser if can(Permission::ViewDealStatus) => {
            view! { <CustomerDeals base=base.clone()/> }.into_any()
        }
        Role::PartnerUser | Role::PartnerAdmin if can(Permission::ViewDealPipeline) => view! {
            <div class="card"><DealList base=base.clone() title="My deals" level=2/></div>
        }
        .into_any(),
        _ => ().into_any(),
    }
}

/// A failed load, in place of what could not be shown.
pub fn problem(errors: ArcRwSignal<leptos::error::Errors>) -> impl IntoView {
    view! {
        <p class="error" role="alert">
            {move || errors.with(|e| e.iter().map(|(_, e)| e.to_string()).collect::<Vec<_>>().join(" "))}
        </p>
    }
}

/// The user's profile, editable.
#[component]
fn Profile(me: Me, updated: RwSignal<Option<Me>>) -> impl IntoView {
    let title = RwSignal::new(me.user.title.clone().unwrap_or_default());
    let phone = RwSignal::new(me.user.phone.clone().unwrap_or_default());
    let status = RwSignal::new(None::<String>);
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let save = api::me::update_profile(&ProfilePatch {
            name: None,
            title: Some(title.get_untracked()),
            phone: Some(phone.get_untracked()),
        });
        spawn_local(async move {
            match save.await {
                Ok(m) => {
                    status.set(Some("Saved.".into()));
                    updated.set(Some(m));
                }
                Err(e) => status.set(Some(e.message())),
            }
        });
    };
    view! {
        <section class="card" aria-labelledby="profile-title">
            <h2 id="profile-title" tabindex="-1">"Your profile"</h2>
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
fn Welcome(me: Me, portal_name: String) -> impl IntoView {
    let first = me
        .user
        .name
        .split_whitespace()
        .next()
        .unwrap_or("")
        .to_owned();
    let kind = me.portal.as_ref().map(|p| p.kind);
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
                {quick_actions(me.user.role).into_iter().map(|(label, href)| {
                    view! { <li><a href=href on:click=move |_| focus_section(href)>{label}</a></li> }
                }).collect_view()}
            </ul>
            {move || {
                let held: Vec<_> = kind.into_iter().flat_map(Permission::for_kind).filter(|p| can(*p)).collect();
                (!held.is_empty()).then(|| view! {
                    <h3>"What you can do here"</h3>
                    <ul class="permissions">
                        {held.into_iter().map(|p| view! { <li>{p.spec().label}</li> }).collect_view()}
                    </ul>
                })
            }}
        </section>
    }
}
