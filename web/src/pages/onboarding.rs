//! First sign-in: profile and photo, notification preferences, then a short tour that can be
//! skipped. Finishing (or skipping) is recorded, so it shows once.

use leptos::prelude::*;
use leptos::task::spawn_local;
use portcullis_shared::auth::{NotificationPrefs, ProfilePatch};
use portcullis_shared::{Me, Permission, PortalKind};
use wasm_bindgen::JsCast;

use crate::api;
use crate::session::can;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Step {
    Profile,
    Notifications,
    Tour,
}

/// The onboarding steps; `done` receives the updated user when finished.
#[component]
pub fn Onboarding(me: Me, kind: PortalKind, done: Callback<Me>) -> impl IntoView {
    let step = RwSignal::new(Step::Profile);
    let error = RwSignal::new(None::<String>);
    // While a step is being saved its buttons wait, so a second press does not save twice.
    let busy = RwSignal::new(false);
    let name = RwSignal::new(me.user.name.clone());
    let title = RwSignal::new(me.user.title.clone().unwrap_or_default());
    let phone = RwSignal::new(me.user.phone.clone().unwrap_or_default());
    let prefs = RwSignal::new(me.notifications.clone());

    let save_profile = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        error.set(None);
        busy.set(true);
        let body = ProfilePatch {
            name: Some(name.get_untracked()),
            title: Some(title.get_untracked()),
            phone: Some(phone.get_untracked()),
        };
        let photo = web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.get_element_by_id("photo"))
            .and_then(|e| e.dyn_into::<web_sys::HtmlInputElement>().ok())
            .and_then(|i| i.files())
            .and_then(|f| f.get(0));
        let save = api::me::update_profile(&body);
        let upload = photo.map(api::me::upload_photo);
        spawn_local(async move {
            let result = match save.await {
                Ok(_) => match upload {
                    Some(upload) => upload.await,
                    None => Ok(()),
                },
                Err(e) => Err(e),
            };
            match result {
                Ok(()) => step.set(Step::Notifications),
                Err(e) => error.set(Some(e.message())),
            }
            busy.set(false);
        });
    };
    let save_prefs = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        error.set(None);
        busy.set(true);
        let save = api::me::set_notifications(&prefs.get_untracked());
        spawn_local(async move {
            match save.await {
                Ok(_) => step.set(Step::Tour),
                Err(e) => error.set(Some(e.message())),
            }
            busy.set(false);
        });
    };
    let finish = move |skipped: bool| {
        busy.set(true);
        let finish = api::me::complete_onboarding(skipped);
        spawn_local(async move {
            match finish.await {
                Ok(me) => done.run(me),
                Err(e) => {
                    error.set(Some(e.message()));
                    busy.set(false);
                }
            }
        });
    };
    let toggle = move |label: &'static str,
                       id: &'static str,
                       get: fn(&NotificationPrefs) -> bool,
                       set: fn(&mut NotificationPrefs, bool)| {
        view! {
            <label class="check" for=id>
                <input type="checkbox" id=id prop:checked=move || get(&prefs.get())
                    on:change=move |ev| prefs.update(|p| set(p, event_target_checked(&ev)))/>
                {label}
            </label>
        }
    };
    // Each stop of the tour shows a part of the portal the user may use.
    let tour = match kind {
        PortalKind::Customer => [
            (
                Permission::ViewDealStatus,
                "Your deals",
                "Follow each deal's stage, close date and next steps, and see what changed since your last visit.",
            ),
            (
                Permission::ViewSharedDocuments,
                "Documents",
                "Proposals, contracts and technical documents shared with you, with versions and comments.",
            ),
            (
                Permission::PostMessages,
                "Talk to your team",
                "Each deal has a thread with your account team, and you can submit requests.",
            ),
        ],
        PortalKind::Partner => [
            (
                Permission::RegisterDeals,
                "Register deals",
                "Claim an opportunity before anyone else; we tell you at once if a claim already exists.",
            ),
            (
                Permission::ViewDealPipeline,
                "Track your pipeline",
                "Follow registrations from submitted to won, and your referrals to the pipeline.",
            ),
            (
                Permission::ViewCommissions,
                "Commissions and tier",
                "See earned, pending and paid commissions, and your progress to the next tier.",
            ),
        ],
    };
    view! {
        <section class="card" aria-labelledby="onb-title">
            <h2 id="onb-title">"Welcome! Let's set up your account"</h2>
            <ol class="steps" aria-label="Onboarding steps">
                <li aria-current=move || (step.get() == Step::Profile).then_some("step")>"Profile"</li>
                <li aria-current=move || (step.get() == Step::Notifications).then_some("step")>"Notifications"</li>
                <li aria-current=move || (step.get() == Step::Tour).then_some("step")>"Tour"</li>
            </ol>
            {move || error.get().map(|m| view! { <p class="error" role="alert">{m}</p> })}
            {move || match step.get() {
                Step::Profile => view! {
                    <form on:submit=save_profile>
                        <label for="profile-name">"Name"</label>
                        <input id="profile-name" autocomplete="name" prop:value=move || name.get() on:input=move |ev| name.set(event_target_value(&ev))/>
                        <label for="profile-title">"Job title"</label>
                        <input id="profile-title" autocomplete="organization-title" prop:value=move || title.get() on:input=move |ev| title.set(event_target_value(&ev))/>
                        <label for="profile-phone">"Phone"</label>
                        <input id="profile-phone" type="tel" autocomplete="tel" prop:value=move || phone.get() on:input=move |ev| phone.set(event_target_value(&ev))/>
                        <label for="photo">"Profile photo (PNG, JPEG or WebP, up to 2 MB)"</label>
                        <input id="photo" type="file" accept="image/png,image/jpeg,image/webp"/>
                        <button type="submit" class="button primary" prop:disabled=move || busy.get()>"Continue"</button>
                    </form>
                }.into_any(),
                Step::Notifications => view! {
                    <form on:submit=save_prefs>
                        <fieldset>
                            <legend>"Email me when…"</legend>
                            {toggle("A deal I follow changes", "n-deals", |p| p.deal_updates, |p, v| p.deal_updates = v)}
                            {toggle("Someone writes to me", "n-messages", |p| p.new_messages, |p, v| p.new_messages = v)}
                            {toggle("A document is shared with me", "n-docs", |p| p.shared_documents, |p, v| p.shared_documents = v)}
                            {toggle("One of my requests is updated", "n-requests", |p| p.request_updates, |p, v| p.request_updates = v)}
                            {toggle("Send me a weekly digest", "n-digest", |p| p.weekly_digest, |p, v| p.weekly_digest = v)}
                        </fieldset>
                        <button type="submit" class="button primary" prop:disabled=move || busy.get()>"Continue"</button>
                    </form>
                }.into_any(),
                Step::Tour => view! {
                    <div class="tour">
                        <ul class="tour-cards">
                            {tour.into_iter().filter(|(p, _, _)| can(*p)).map(|(_, h, t)| view! { <li><h3>{h}</h3><p>{t}</p></li> }).collect_view()}
                        </ul>
                        <div class="actions">
                            <button class="button primary" prop:disabled=move || busy.get() on:click=move |_| finish(false)>"Finish tour"</button>
                            <button class="button" prop:disabled=move || busy.get() on:click=move |_| finish(true)>"Skip tour"</button>
                        </div>
                    </div>
                }.into_any(),
            }}
        </section>
    }
}
