//! Portals: branding, publication, embedding, sessions and self-registration. Edits carry the
//! portal's ETag, so two administrators cannot overwrite each other's changes unseen.

use leptos::prelude::*;
use leptos::task::spawn_local;
use portcullis_shared::admin::{Portal, PortalInput, PortalPatch};
use portcullis_shared::{Branding, PortalKind, Role};

use super::{Loaded, Notice, NoticeView, failed, kind_label, optional};
use crate::api;

#[component]
pub fn Portals(role: Role) -> impl IntoView {
    let may_edit = matches!(role, Role::Admin | Role::Manager);
    let version = RwSignal::new(0u32);
    let notice: Notice = RwSignal::new(None);
    let editing = RwSignal::new(None::<String>);
    let list = LocalResource::new(move || {
        version.track();
        api::portals::list()
    });
    let saved = Callback::new(move |message: String| {
        notice.set(Some(Ok(message)));
        editing.set(None);
        version.update(|v| *v += 1);
    });
    view! {
        <section aria-labelledby="portals-title">
            <h1 id="portals-title">"Portals"</h1>
            <NoticeView notice=notice/>
            <Loaded label="Loading portals…">
            {move || Suspend::new(async move { list.await.map(|l| view! {
                    <ul class="cards">
                        {l.items.into_iter().map(|p| {
                            let id = p.id.clone();
                            let swatch = format!("background: {}; border-color: {};", p.branding.background_color, p.branding.primary_color);
                            let dot = format!("background: {};", p.branding.primary_color);
                            let edit_label = format!("Edit {}", p.name);
                            let href = format!("/p/{}", p.slug);
                            view! { <li class="card portal-card">
                                <div class="swatch" style=swatch aria-hidden="true"><span style=dot></span></div>
                                <div>
                                    <h2>{p.name.clone()}</h2>
                                    <p class="muted">{kind_label(p.kind)} " portal · " <a href=href.clone()>{href.clone()}</a></p>
                                    <p>
                                        <span class=if p.published { "badge active" } else { "badge deactivated" }>{if p.published { "published" } else { "unpublished" }}</span>
                                        {p.self_registration.then(|| view! { " " <span class="badge invited">"self-registration"</span> })}
                                        {p.custom_domain.clone().map(|d| view! { " " <span class="badge">{d}</span> })}
                                    </p>
                                    {may_edit.then(|| view! { <button class="button small" aria-label=edit_label on:click=move |_| editing.set(Some(id.clone()))>"Edit"</button> })}
                                </div>
                            </li> }
                        }).collect_view()}
                    </ul>
                }) })}
            </Loaded>
            {move || editing.get().map(|id| view! {
                <PortalEditor id=id saved=saved cancel=Callback::new(move |()| editing.set(None))/>
            })}
            {may_edit.then(|| view! { <NewPortal saved=saved/> })}
        </section>
    }
}

/// The brand's two colours, side by side.
#[component]
fn Colours(
    prefix: &'static str,
    primary: RwSignal<String>,
    background: RwSignal<String>,
) -> impl IntoView {
    let picker = move |id: String, label: &'static str, sig: RwSignal<String>| {
        view! {
            <div>
                <label for=id.clone()>{label}</label>
                <input id=id type="color" class="color" prop:value=move || sig.get()
                    on:input=move |ev| sig.set(event_target_value(&ev))/>
            </div>
        }
    };
    view! {
        <div class="row">
            {picker(format!("{prefix}-primary"), "Primary colour", primary)}
            {picker(format!("{prefix}-background"), "Background colour", background)}
        </div>
    }
}

/// Loads a portal with its ETag and edits it.
#[component]
fn PortalEditor(id: String, saved: Callback<String>, cancel: Callback<()>) -> impl IntoView {
    let loaded = LocalResource::new(move || api::portals::get(&id));
    view! {
        <Loaded label="Loading…">
            {move || Suspend::new(async move {
                loaded.await.map(|(p, etag)| view! {
                    <PortalForm portal=p etag=etag.unwrap_or_default() saved=saved cancel=cancel/>
                })
            })}
        </Loaded>
    }
}

#[component]
fn PortalForm(
    portal: Portal,
    etag: String,
    saved: Callback<String>,
    cancel: Callback<()>,
) -> impl IntoView {
    let notice: Notice = RwSignal::new(None);
    let b = &portal.branding;
    let name = RwSignal::new(portal.name.clone());
    let primary = RwSignal::new(b.primary_color.clone());
    let background = RwSignal::new(b.background_color.clone());
    let logo = RwSignal::new(b.logo_url.clone().unwrap_or_default());
    let favicon = RwSignal::new(b.favicon_url.clone().unwrap_or_default());
    let login_image = RwSignal::new(b.login_image_url.clone().unwrap_or_default());
    let email_header = RwSignal::new(b.email_header_url.clone().unwrap_or_default());
    let domain = RwSignal::new(portal.custom_domain.clone().unwrap_or_default());
    let embedders = RwSignal::new(portal.frame_ancestors.clone().unwrap_or_default());
    let published = RwSignal::new(portal.published);
    let idle = RwSignal::new(portal.idle_timeout_minutes.to_string());
    let lifetime = RwSignal::new(portal.session_lifetime_hours.to_string());
    let self_reg = RwSignal::new(portal.self_registration);
    let reg_domains = RwSignal::new(portal.registration_domains.join(", "));
    let id = portal.id.clone();
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let number = |sig: RwSignal<String>, field: &str| {
            sig.get_untracked()
                .trim()
                .parse::<i64>()
                .map_err(|_| format!("{field} must be a whole number."))
        };
        let (idle, lifetime) = match (
            number(idle, "Idle timeout"),
            number(lifetime, "Session lifetime"),
        ) {
            (Ok(i), Ok(l)) => (i, l),
            (Err(m), _) | (_, Err(m)) => return notice.set(Some(Err(m))),
        };
        let save = api::portals::update(
            &id,
            etag.clone(),
            &PortalPatch {
                name: Some(name.get_untracked()),
                branding: Some(Branding {
                    primary_color: primary.get_untracked(),
                    background_color: background.get_untracked(),
                    logo_url: optional(logo.get_untracked()),
                    favicon_url: optional(favicon.get_untracked()),
                    login_image_url: optional(login_image.get_untracked()),
                    email_header_url: optional(email_header.get_untracked()),
                }),
                custom_domain: Some(optional(domain.get_untracked())),
                frame_ancestors: Some(optional(embedders.get_untracked())),
                published: Some(published.get_untracked()),
                idle_timeout_minutes: Some(idle),
                session_lifetime_hours: Some(lifetime),
                self_registration: Some(self_reg.get_untracked()),
                registration_domains: Some(
                    reg_domains
                        .get_untracked()
                        .split(',')
                        .map(str::trim)
                        .filter(|d| !d.is_empty())
                        .map(str::to_owned)
                        .collect(),
                ),
            },
        );
        spawn_local(async move {
            match save.await {
                Ok(p) => saved.run(format!("Saved {}.", p.name)),
                Err(err) if err.is_stale() => notice.set(Some(Err(
                    "Someone else changed this portal while you were editing. Close and open it again to see their changes.".into(),
                ))),
                Err(err) => failed(notice, err),
            }
        });
    };
    let field = |id: &'static str,
                 label: &'static str,
                 sig: RwSignal<String>,
                 hint: Option<&'static str>| {
        let hint_id = format!("{id}-hint");
        view! {
            <label for=id>{label}</label>
            <input id=id aria-describedby=hint.map(|_| hint_id.clone()) prop:value=move || sig.get() on:input=move |ev| sig.set(event_target_value(&ev))/>
            {hint.map(|h| view! { <p id=hint_id class="hint">{h}</p> })}
        }
    };
    view! {
        <form class="card" on:submit=on_submit aria-labelledby="portal-form-title">
            <h2 id="portal-form-title">{format!("Edit {}", portal.name)}</h2>
            {field("p-name", "Name", name, None)}
            <Colours prefix="p" primary=primary background=background/>
            {field("p-logo", "Logo URL", logo, None)}
            {field("p-favicon", "Favicon URL", favicon, None)}
            {field("p-login-image", "Login image URL", login_image, None)}
            {field("p-email-header", "Email header image URL", email_header, None)}
            {field("p-domain", "Custom domain", domain, Some("Point a CNAME at this server, then enter the host name."))}
            {field("p-embed", "Sites allowed to embed the portal", embedders, Some("Space-separated origins such as https://intranet.example; empty means no embedding."))}
            <div class="row">
                <div>{field("p-idle", "Idle timeout (minutes)", idle, None)}</div>
                <div>{field("p-lifetime", "Session lifetime (hours)", lifetime, None)}</div>
            </div>
            <label class="check"><input type="checkbox" prop:checked=move || published.get() on:change=move |ev| published.set(event_target_checked(&ev))/>"Published"</label>
            <label class="check"><input type="checkbox" prop:checked=move || self_reg.get() on:change=move |ev| self_reg.set(event_target_checked(&ev))/>"Let people ask to join (self-registration)"</label>
            {field("p-reg-domains", "Only from these email domains", reg_domains, Some("Comma-separated; empty accepts any domain."))}
            <NoticeView notice=notice/>
            <div class="actions">
                <button type="submit" class="button primary">"Save portal"</button>
                <button type="button" class="button" on:click=move |_| cancel.run(())>"Close"</button>
            </div>
        </form>
    }
}

#[component]
fn NewPortal(saved: Callback<String>) -> impl IntoView {
    let notice: Notice = RwSignal::new(None);
    let slug = RwSignal::new(String::new());
    let name = RwSignal::new(String::new());
    let kind = RwSignal::new(PortalKind::Customer);
    let primary = RwSignal::new("#1d4ed8".to_owned());
    let background = RwSignal::new("#f8fafc".to_owned());
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let create = api::portals::create(&PortalInput {
            slug: slug.get_untracked(),
            name: name.get_untracked(),
            kind: kind.get_untracked(),
            branding: Branding {
                primary_color: primary.get_untracked(),
                background_color: background.get_untracked(),
                logo_url: None,
                favicon_url: None,
                login_image_url: None,
                email_header_url: None,
            },
            custom_domain: None,
            frame_ancestors: None,
            published: false,
            idle_timeout_minutes: None,
            session_lifetime_hours: None,
        });
        spawn_local(async move {
            match create.await {
                Ok(p) => {
                    slug.set(String::new());
                    name.set(String::new());
                    saved.run(format!("Created {}; publish it when it is ready.", p.name));
                }
                Err(e) => failed(notice, e),
            }
        });
    };
    view! {
        <form class="card" on:submit=on_submit aria-labelledby="new-portal-title">
            <h2 id="new-portal-title">"New portal"</h2>
            <label for="np-name">"Name"</label>
            <input id="np-name" prop:value=move || name.get() on:input=move |ev| name.set(event_target_value(&ev))/>
            <label for="np-slug">"Address"</label>
            <input id="np-slug" aria-describedby="np-slug-hint" prop:value=move || slug.get() on:input=move |ev| slug.set(event_target_value(&ev))/>
            <p id="np-slug-hint" class="hint">"Lowercase letters, digits and hyphens: the portal lives at /p/your-address."</p>
            <label for="np-kind">"Type"</label>
            <select id="np-kind" on:change=move |ev| kind.set(PortalKind::parse(&event_target_value(&ev)).unwrap_or(PortalKind::Customer))>
                <option value="customer">"Customer portal"</option>
                <option value="partner">"Partner portal"</option>
            </select>
            <Colours prefix="np" primary=primary background=background/>
            <NoticeView notice=notice/>
            <button type="submit" class="button primary">"Create portal"</button>
        </form>
    }
}
