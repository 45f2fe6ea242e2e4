//! The signed-in user's notifications: a link with the unread count in the navigation, and
//! the list, where one or all are marked read.

use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::A;
use leptos_router::hooks::use_location;
use portcullis_shared::notifications::Notification;

use crate::api;
use crate::pages::admin::{Loaded, Notice, NoticeView, failed, when};

/// Counts changes to the notifications, so that the count in the navigation follows.
#[derive(Clone, Copy)]
pub struct Inbox(RwSignal<u32>);

impl Inbox {
    fn changed(self) {
        self.0.update(|n| *n += 1);
    }
}

/// Puts the inbox in context for the navigation and the list beneath.
pub fn provide_inbox() {
    provide_context(Inbox(RwSignal::new(0)));
}

/// "Notifications" with the unread count, asked again on every move within the app.
#[component]
pub fn Bell(href: String) -> impl IntoView {
    let inbox = expect_context::<Inbox>();
    let location = use_location();
    let page = LocalResource::new(move || {
        inbox.0.track();
        location.pathname.track();
        api::notifications::unread()
    });
    let unread = move || {
        page.get()
            .and_then(Result::ok)
            .map(|p| p.unread)
            .unwrap_or(0)
    };
    view! {
        <A href=href attr:class="bell">
            "Notifications"
            {move || (unread() > 0).then(|| view! {
                " "<span class="count">{unread()}<span class="sr-only">" unread"</span></span>
            })}
        </A>
    }
}

/// Where a notification's link leads in this app, under `base` (`/p/{slug}` or `/admin`).
fn target(link: &str, base: &str) -> String {
    if link.starts_with("/console/referrals/") {
        format!("{base}/tasks")
    } else if link.starts_with("/referrals/") {
        format!("{base}/referrals")
    } else {
        format!("{base}{link}")
    }
}

/// The notifications, newest first.
#[component]
pub fn Notifications(base: String, level: u8) -> impl IntoView {
    let inbox = expect_context::<Inbox>();
    let notice: Notice = RwSignal::new(None);
    let page = LocalResource::new(move || {
        inbox.0.track();
        api::notifications::list()
    });
    let all = move |_| {
        let call = api::notifications::read_all();
        spawn_local(async move {
            match call.await {
                Ok(()) => {
                    notice.set(Some(Ok("All notifications marked read.".into())));
                    inbox.changed();
                }
                Err(e) => failed(notice, e),
            }
        });
    };
    let base = StoredValue::new(base);
    let title = match level {
        1 => view! { <h1 id="notifications-title" tabindex="-1">"Notifications"</h1> }.into_any(),
        _ => view! { <h2 id="notifications-title" tabindex="-1">"Notifications"</h2> }.into_any(),
    };
    view! {
        <section class="card notifications" aria-labelledby="notifications-title">
            <div class="panel-head">
                {title}
                <button type="button" class="button small" on:click=all>"Mark all read"</button>
            </div>
            <NoticeView notice=notice/>
            <Loaded label="Loading notifications…">
            {move || Suspend::new(async move { page.await.map(|p| {
                if p.items.is_empty() {
                    return view! { <p class="muted">"Nothing new."</p> }.into_any();
                }
                view! {
                    <p class="muted">{format!("{} unread", p.unread)}</p>
                    <ul class="inbox">
                        {p.items.into_iter().map(|n| view! { <Item n=n base=base.get_value() notice=notice/> }).collect_view()}
                    </ul>
                }.into_any()
            }) })}
            </Loaded>
        </section>
    }
}

#[component]
fn Item(n: Notification, base: String, notice: Notice) -> impl IntoView {
    let inbox = expect_context::<Inbox>();
    let id = StoredValue::new(n.id.clone());
    let unread = !n.read;
    let about = format!(": {}", n.title);
    let mark = move || {
        let call = api::notifications::read(&id.get_value());
        spawn_local(async move {
            match call.await {
                Ok(()) => inbox.changed(),
                Err(e) => failed(notice, e),
            }
        });
    };
    view! {
        <li class:unread=unread>
            <p class="event-title">
                {unread.then(|| view! { <span class="badge pending">"New"</span>" " })}
                {n.title}
            </p>
            <p>{n.body}</p>
            <p class="muted small">{when(&n.created_at)}" UTC"</p>
            <div class="actions">
                {n.link.map(|l| view! {
                    <a href=target(&l, &base) on:click=move |_| if unread { mark() }>"Open"<span class="sr-only">{about}</span></a>
                })}
                {unread.then(|| view! {
                    <button type="button" class="button small" on:click=move |_| mark()>"Mark read"</button>
                })}
            </div>
        </li>
    }
}
