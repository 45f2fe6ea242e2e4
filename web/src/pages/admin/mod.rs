//! The administration console at `/admin`: internal users run portals, accounts, users,
//! invitations, approvals, permissions, the outbox and the audit log; partner administrators
//! manage their own organisation's users. The caller's role decides which screens exist for
//! them, and the server checks every call again.

mod accounts;
mod approvals;
mod audit;
mod invite;
mod jobs;
mod outbox;
mod permissions;
mod portals;
mod programme;
mod users;

use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::A;
use leptos_router::hooks::use_params_map;
use portcullis_shared::{Me, PortalKind, Role};

use crate::api::{self, ApiError};
use crate::pages::deals::edit::NewDeal;
use crate::pages::deals::list::DealList;
use crate::pages::deals::page::DealPage;
use crate::pages::deals::pipeline::{PipelineChart, StageSettings};
use crate::pages::partners::console::{Queue, Review, Tasks};
use crate::pages::partners::notifications::{Bell, Notifications, provide_inbox};
use crate::pages::portal::{problem, role_label};
use crate::pages::signin::SignInForm;
use crate::session::{restore, sign_out, use_session};

/// A screen of the console.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Section {
    Users,
    Invite,
    Deals,
    Pipeline,
    Registrations,
    Tasks,
    Availability,
    Notifications,
    Programme,
    Approvals,
    Accounts,
    Portals,
    Permissions,
    Outbox,
    Jobs,
    Audit,
}

impl Section {
    const ALL: [Section; 16] = [
        Section::Users,
        Section::Invite,
        Section::Deals,
        Section::Pipeline,
        Section::Registrations,
        Section::Tasks,
        Section::Availability,
        Section::Notifications,
        Section::Programme,
        Section::Approvals,
        Section::Accounts,
        Section::Portals,
        Section::Permissions,
        Section::Outbox,
        Section::Jobs,
        Section::Audit,
    ];

    fn path(self) -> &'static str {
        match self {
            Section::Users => "users",
            Section::Invite => "invite",
            Section::Deals => "deals",
            Section::Pipeline => "pipeline",
            Section::Registrations => "registrations",
            Section::Tasks => "tasks",
            Section::Availability => "availability",
            Section::Notifications => "notifications",
            Section::Programme => "programme",
            Section::Approvals => "approvals",
            Section::Accounts => "accounts",
            Section::Portals => "portals",
            Section::Permissions => "permissions",
            Section::Outbox => "outbox",
            Section::Jobs => "jobs",
            Section::Audit => "audit",
        }
    }

    fn label(self) -> &'static str {
        match self {
            Section::Users => "Users",
            Section::Invite => "Invite",
            Section::Deals => "Deals",
            Section::Pipeline => "Pipeline",
            Section::Registrations => "Registrations",
            Section::Tasks => "Tasks",
            Section::Availability => "Availability",
            Section::Notifications => "Notifications",
            Section::Programme => "Programme",
            Section::Approvals => "Approvals",
            Section::Accounts => "Accounts",
            Section::Portals => "Portals",
            Section::Permissions => "Permissions",
            Section::Outbox => "Outbox",
            Section::Jobs => "Jobs",
            Section::Audit => "Audit log",
        }
    }

    /// Whether a role may use this screen (the server enforces the same rules).
    pub fn open_to(self, role: Role) -> bool {
        match self {
            Section::Users | Section::Invite => matches!(role, Role::Admin | Role::PartnerAdmin),
            Section::Deals
            | Section::Pipeline
            | Section::Tasks
            | Section::Availability
            | Section::Notifications
            | Section::Accounts
            | Section::Portals => role.is_internal(),
            Section::Registrations => {
                matches!(role, Role::Admin | Role::Manager | Role::ChannelManager)
            }
            Section::Programme => {
                matches!(role, Role::Admin | Role::Manager | Role::ChannelManager)
            }
            Section::Approvals
            | Section::Permissions
            | Section::Outbox
            | Section::Jobs
            | Section::Audit => role == Role::Admin,
        }
    }
}

/// A message shown after an action: `Ok` for confirmations, `Err` for failures.
pub type Notice = RwSignal<Option<Result<String, String>>>;

/// Shows a notice: a polite status or an alert.
#[component]
pub fn NoticeView(notice: Notice) -> impl IntoView {
    move || {
        notice.get().map(|n| match n {
            Ok(m) => view! { <p class="notice" role="status">{m}</p> }.into_any(),
            Err(m) => view! { <p class="error" role="alert">{m}</p> }.into_any(),
        })
    }
}

/// Paging through a cursor-paginated list: back to the start, and on to `next`.
#[component]
pub fn Pager(
    cursor: RwSignal<String>,
    next: Option<String>,
    #[prop(default = "First page")] first_label: &'static str,
    #[prop(default = "Next page")] next_label: &'static str,
) -> impl IntoView {
    view! {
        {move || (!cursor.get().is_empty()).then(|| view! {
            <button class="button" on:click=move |_| cursor.set(String::new())>{first_label}</button>
        })}
        {next.map(|n| view! {
            <button class="button" on:click=move |_| cursor.set(n.clone())>{next_label}</button>
        })}
    }
}

/// A screen's data: a loading state until it first arrives (while a filter changes, the
/// previous result stays), and the failure in its place if it cannot be loaded.
#[component]
pub fn Loaded(label: &'static str, children: Children) -> impl IntoView {
    view! {
        <ErrorBoundary fallback=problem>
            <Transition fallback=move || view! { <p class="loading" aria-busy="true">{label}</p> }>
                {children()}
            </Transition>
        </ErrorBoundary>
    }
}

/// Reports a failed action (an ended session has already gone back to sign-in).
pub fn failed(notice: Notice, e: ApiError) {
    notice.set(Some(Err(e.message())));
}

/// Saves what an object URL holds as a file through the browser's download, and releases it.
pub fn save_as(name: &str, url: &str) -> Option<()> {
    use wasm_bindgen::JsCast;
    let document = web_sys::window()?.document()?;
    let a: web_sys::HtmlAnchorElement = document.create_element("a").ok()?.dyn_into().ok()?;
    a.set_href(url);
    a.set_download(name);
    a.click();
    web_sys::Url::revoke_object_url(url).ok()
}

/// `2026-11-25T13:02:11.123Z` as `2026-11-25 13:02` (UTC).
pub fn when(rfc3339: &str) -> String {
    rfc3339.get(..16).unwrap_or(rfc3339).replace('T', " ")
}

/// A form's text, trimmed; `None` when empty (which clears an optional field).
pub fn optional(s: String) -> Option<String> {
    let s = s.trim().to_owned();
    (!s.is_empty()).then_some(s)
}

pub fn kind_label(kind: PortalKind) -> &'static str {
    match kind {
        PortalKind::Customer => "Customer",
        PortalKind::Partner => "Partner",
    }
}

/// Staff's deals: the list (their own, their team's, or every deal they reach), or one deal
/// at `/admin/deals/{id}`.
#[component]
fn Deals(role: Role) -> impl IntoView {
    let params = use_params_map();
    let deal = Memo::new(move |_| {
        params.with(|p| {
            p.get("rest")
                .and_then(|r| r.strip_prefix("deals/").map(str::to_owned))
                .filter(|id| !id.is_empty())
        })
    });
    let views = if role == Role::SalesRep {
        vec![("mine", "My deals"), ("team", "My team's deals")]
    } else {
        vec![
            ("all", "All deals"),
            ("mine", "My deals"),
            ("team", "My team's deals"),
        ]
    };
    move || {
        match deal.get() {
        Some(id) => view! { <DealPage id=id back="/admin/deals".to_owned() internal=true level=1/> }.into_any(),
        None => view! {
            <DealList base="/admin/deals".to_owned() title="Deals" level=1 views=views.clone() internal=true/>
            <NewDeal/>
        }
        .into_any(),
    }
    }
}

/// `/admin` and everything under it.
#[component]
pub fn AdminPage() -> impl IntoView {
    let session = use_session();
    let restoring = restore();
    // Back from "view as": end the read-only session and return to the administrator's own.
    let returning = RwSignal::new(session.viewing_as());
    if returning.get_untracked() {
        let end_view = api::auth::logout();
        spawn_local(async move {
            let _ = end_view.await;
            if api::renew(session).await.is_err() {
                session.ended();
            }
            returning.set(false);
        });
    }
    if let Some(doc) = web_sys::window().and_then(|w| w.document()) {
        doc.set_title("Portcullis administration");
    }
    view! {
        <div class="admin">
            {move || {
                if restoring.get() || returning.get() {
                    view! { <main class="centered"><p class="loading" aria-busy="true">"Checking your session…"</p></main> }.into_any()
                } else if session.signed_in() {
                    view! { <Console/> }.into_any()
                } else {
                    view! { <AdminSignIn/> }.into_any()
                }
            }}
        </div>
    }
}

/// Sign-in for staff (no portal).
#[component]
fn AdminSignIn() -> impl IntoView {
    view! {
        <main class="centered">
            <section class="card narrow" aria-labelledby="admin-signin-title">
                <h1 id="admin-signin-title">"Portcullis administration"</h1>
                <p class="muted">"Sign in with your company account. Customers and partners sign in at their portal."</p>
                <SignInForm portal=None/>
            </section>
        </main>
    }
}

/// The signed-in console: who is here, the screens they may use, and the current screen.
#[component]
fn Console() -> impl IntoView {
    let me = LocalResource::new(api::me::get);
    view! {
        <ErrorBoundary fallback=|errors| view! { <main class="centered">{problem(errors)}</main> }>
            <Suspense fallback=|| view! { <main class="centered"><p class="loading" aria-busy="true">"Loading…"</p></main> }>
                {move || Suspend::new(async move {
                    me.await.map(|m| view! { <Shell me=m/> })
                })}
            </Suspense>
        </ErrorBoundary>
    }
}

#[component]
fn Shell(me: Me) -> impl IntoView {
    let params = use_params_map();
    let role = me.user.role;
    let sections: Vec<Section> = Section::ALL
        .into_iter()
        .filter(|s| s.open_to(role))
        .collect();
    if sections.is_empty() {
        let portal = me.portal.clone().map(|p| format!("/p/{}", p.slug));
        return view! {
            <main class="centered">
                <section class="card narrow">
                    <h1>"This area is for administrators"</h1>
                    <p>"Your account has nothing to manage here."</p>
                    {portal.map(|href| view! { <A href=href attr:class="button">"Go to your portal"</A> })}
                </section>
            </main>
        }
        .into_any();
    }
    let first = sections[0];
    let available = StoredValue::new(sections.clone());
    let current = Memo::new(move |_| {
        let rest = params.read().get("rest").unwrap_or_default();
        let wanted = rest.split('/').next().unwrap_or_default().to_owned();
        available
            .get_value()
            .into_iter()
            .find(|s| s.path() == wanted)
            .unwrap_or(first)
    });
    provide_inbox();
    let bell = Section::Notifications
        .open_to(role)
        .then(|| view! { <Bell href="/admin/notifications".to_owned()/> });
    let review = Memo::new(move |_| {
        params.with(|p| {
            p.get("rest")
                .and_then(|r| r.strip_prefix("registrations/").map(str::to_owned))
                .filter(|id| !id.is_empty())
        })
    });
    let who = format!("{} · {}", me.user.email, role_label(role));
    let home = me.portal.as_ref().map(|p| format!("/p/{}", p.slug));
    view! {
        <header class="admin-header">
            <div class="admin-brand">
                <strong>"Portcullis"</strong>
                <span class="muted">{who}</span>
            </div>
            <div class="actions">
                {bell}
                {home.map(|href| view! { <A href=href attr:class="button">"Your portal"</A> })}
                <button class="button" on:click=move |_| sign_out(false)>"Sign out"</button>
                <button class="button" on:click=move |_| sign_out(true)>"Sign out everywhere"</button>
            </div>
        </header>
        <nav class="admin-nav" aria-label="Administration">
            <ul>
                {sections.into_iter().filter(|s| *s != Section::Notifications).map(|s| {
                    let href = format!("/admin/{}", s.path());
                    view! {
                        <li><A href=href attr:aria-current=move || (current.get() == s).then_some("page")>{s.label()}</A></li>
                    }
                }).collect_view()}
            </ul>
        </nav>
        <main class="admin-main">
            {move || match current.get() {
                Section::Users => view! { <users::Users role=role/> }.into_any(),
                Section::Invite => view! { <invite::Invite role=role/> }.into_any(),
                Section::Deals => view! { <Deals role=role/> }.into_any(),
                Section::Pipeline => view! {
                    <section aria-labelledby="pipeline-title">
                        <h1 id="pipeline-title">"Pipeline"</h1>
                        <PipelineChart/>
                        {matches!(role, Role::Admin | Role::Manager).then(|| view! { <StageSettings/> })}
                    </section>
                }.into_any(),
                Section::Registrations => match review.get() {
                    Some(id) => view! { <Review id=id/> }.into_any(),
                    None => view! { <Queue/> }.into_any(),
                },
                Section::Tasks => view! { <Tasks/> }.into_any(),
                Section::Availability => view! { <crate::pages::collab::availability::AvailabilityEditor/> }.into_any(),
                Section::Notifications => view! { <Notifications base="/admin".to_owned() level=1/> }.into_any(),
                Section::Programme => view! { <programme::Programme role=role/> }.into_any(),
                Section::Approvals => view! { <approvals::Approvals/> }.into_any(),
                Section::Accounts => view! { <accounts::Accounts role=role/> }.into_any(),
                Section::Portals => view! { <portals::Portals role=role/> }.into_any(),
                Section::Permissions => view! { <permissions::Permissions/> }.into_any(),
                Section::Outbox => view! { <outbox::Outbox/> }.into_any(),
                Section::Jobs => view! { <jobs::Jobs/> }.into_any(),
                Section::Audit => view! { <audit::Audit/> }.into_any(),
            }}
        </main>
    }
    .into_any()
}
