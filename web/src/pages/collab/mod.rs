//! A deal's shared work, beneath its summary: documents, the conversation with each external
//! side, requests, meetings and, on co-sold deals, the co-selling workspace. Each side sees
//! the sections its permissions open; what each section lists is the server's decision.

pub mod availability;
pub mod documents;
pub mod meetings;
pub mod requests;
pub mod thread;
pub mod workspace;

use leptos::prelude::*;
use leptos::task::spawn_local;
use portcullis_shared::collab::{Audience, Side};
use portcullis_shared::deals::{Deal, PartnerRole, Person};
use portcullis_shared::threads::ThreadSummary;
use portcullis_shared::{Permission, Role};

use crate::api;
use crate::session::{Caller, can};

/// The caller's side of a deal, from their role.
pub fn my_side() -> Side {
    let role = use_context::<Caller>()
        .and_then(|c| c.0.with_untracked(|m| m.as_ref().map(|m| m.user.role)));
    match role {
        Some(Role::CustomerUser) => Side::Customer,
        Some(Role::PartnerUser | Role::PartnerAdmin) => Side::Partner,
        _ => Side::Company,
    }
}

/// `change_order` as `Change order`.
pub fn words(s: &str) -> String {
    let s = s.replace(['_', '.'], " ");
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
        None => s,
    }
}

/// Who an audience reaches, in words.
pub fn audience_label(a: Audience) -> &'static str {
    match a {
        Audience::Internal => "Internal",
        Audience::Customer => "Customer",
        Audience::Partner => "Partner",
        Audience::Both => "Customer and partner",
    }
}

/// The audience choices staff have for an item, with the default first.
pub const AUDIENCES: [Audience; 4] = [
    Audience::Internal,
    Audience::Customer,
    Audience::Partner,
    Audience::Both,
];

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Tab {
    Documents,
    Customer,
    Partner,
    Requests,
    Meetings,
    CoSell,
}

impl Tab {
    fn label(self, side: Side) -> &'static str {
        match (self, side) {
            (Tab::Documents, _) => "Documents",
            (Tab::Customer, Side::Company) => "Customer thread",
            (Tab::Partner, Side::Company) => "Partner thread",
            (Tab::Customer | Tab::Partner, _) => "Conversation",
            (Tab::Requests, _) => "Requests",
            (Tab::Meetings, _) => "Meetings",
            (Tab::CoSell, Side::Partner) => "Co-selling workspace",
            (Tab::CoSell, _) => "Co-selling",
        }
    }
}

/// The deal's collaboration sections, one shown at a time.
#[component]
pub fn Collaboration(deal: Deal) -> impl IntoView {
    let side = my_side();
    let co_sold = deal.partners.iter().any(|p| p.role == PartnerRole::CoSell);
    let tabs: Vec<Tab> = match side {
        Side::Company => {
            let mut t = vec![Tab::Documents, Tab::Customer];
            if co_sold {
                t.push(Tab::Partner);
            }
            t.extend([Tab::Requests, Tab::Meetings]);
            if co_sold {
                t.push(Tab::CoSell);
            }
            t
        }
        Side::Customer => [
            (Tab::Documents, Permission::ViewSharedDocuments),
            (Tab::Customer, Permission::PostMessages),
            (Tab::Requests, Permission::SubmitRequests),
            (Tab::Meetings, Permission::ScheduleMeetings),
        ]
        .into_iter()
        .filter(|(_, p)| can(*p))
        .map(|(t, _)| t)
        .collect(),
        Side::Partner => {
            if co_sold && can(Permission::AccessCoSellWorkspace) {
                vec![
                    Tab::CoSell,
                    Tab::Documents,
                    Tab::Partner,
                    Tab::Requests,
                    Tab::Meetings,
                ]
            } else {
                Vec::new()
            }
        }
    };
    if tabs.is_empty() {
        return ().into_any();
    }
    let current = RwSignal::new(tabs[0]);
    let deal_id = StoredValue::new(deal.id.to_string());
    // The company's people on the deal, whom a message may mention.
    let mut people: Vec<Person> = deal.owner.iter().cloned().collect();
    for p in deal.team.iter().flatten() {
        if !people.iter().any(|x| x.id == p.id) {
            people.push(p.clone());
        }
    }
    let people = StoredValue::new(people);
    // Unread counts arrive on their own, outside the page's loading boundary (a resource
    // read here would make the deal page render again, and its title lose focus).
    let threads = RwSignal::new(Vec::<ThreadSummary>::new());
    let call = api::collab::threads(&deal_id.get_value());
    spawn_local(async move {
        if let Ok(list) = call.await {
            let _ = threads.try_set(list);
        }
    });
    let unread = move |a: Audience| {
        threads
            .get()
            .into_iter()
            .find(|t| t.audience == a)
            .map(|t| t.unread)
            .filter(|n| *n > 0)
    };

    view! {
        <section class="card collab" aria-labelledby="collab-title">
            <h2 id="collab-title">{if side == Side::Company { "Working with the customer and partners" } else { "Working together" }}</h2>
            <nav class="tabs" aria-label="Deal sections">
                {tabs.iter().map(|&t| view! {
                    <button type="button" class="button small tab" aria-pressed=move || (current.get() == t).to_string()
                        on:click=move |_| current.set(t)>{t.label(side)}
                        {move || match t {
                            Tab::Customer => unread(Audience::Customer),
                            Tab::Partner => unread(Audience::Partner),
                            _ => None,
                        }.map(|n| view! { " " <span class="count">{n}<span class="sr-only">" unread"</span></span> })}
                    </button>
                }).collect_view()}
            </nav>
            {move || {
                let id = deal_id.get_value();
                match current.get() {
                    Tab::Documents => view! { <documents::DealDocuments deal=id side=side/> }.into_any(),
                    Tab::Customer => view! { <thread::Thread deal=id audience=Audience::Customer side=side people=people.get_value()/> }.into_any(),
                    Tab::Partner => view! { <thread::Thread deal=id audience=Audience::Partner side=side people=people.get_value()/> }.into_any(),
                    Tab::Requests => view! { <requests::DealRequests deal=id side=side/> }.into_any(),
                    Tab::Meetings => view! { <meetings::DealMeetings deal=id side=side/> }.into_any(),
                    Tab::CoSell => view! { <workspace::CoSelling deal=id side=side/> }.into_any(),
                }
            }}
        </section>
    }
    .into_any()
}
