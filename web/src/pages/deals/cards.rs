//! A customer's home: the account's deals shared to the portal, one card each, active deals
//! first; closed ones (won or lost) after them.

use leptos::prelude::*;
use leptos_router::components::A;
use portcullis_shared::deals::{DealSummary, Stage, StageCategory};

use super::{Changes, Rep, StageTrack, day, money};
use crate::api;
use crate::api::deals::DealFilter;
use crate::pages::admin::Loaded;

/// The customer's deals, as cards linking to each deal's page under `base`.
#[component]
pub fn CustomerDeals(base: String) -> impl IntoView {
    let data = LocalResource::new(|| {
        let stages = api::pipeline::stages();
        let deals = api::deals::list(&DealFilter::default());
        async move { Ok::<_, api::ApiError>((stages.await?.stages, deals.await?.items)) }
    });
    let base = StoredValue::new(base);
    view! {
        <section class="card" aria-labelledby="deals-title">
            <h2 id="deals-title">"Your deals"</h2>
            <Loaded label="Loading your deals…">
            {move || Suspend::new(async move { data.await.map(|(stages, deals)| {
                if deals.is_empty() {
                    return view! { <p class="muted">"Your account team has not shared a deal with you yet."</p> }.into_any();
                }
                let (open, closed): (Vec<_>, Vec<_>) = deals.into_iter().partition(|d| d.stage.category == StageCategory::Open);
                let group = |title: &'static str, deals: Vec<DealSummary>| (!deals.is_empty()).then(|| view! {
                    <h3>{title}</h3>
                    <ul class="deal-cards">
                        {deals.into_iter().map(|d| view! { <DealCard deal=d stages=stages.clone() base=base.get_value()/> }).collect_view()}
                    </ul>
                });
                view! {
                    {group("Active", open)}
                    {group("Closed", closed)}
                }.into_any()
            }) })}
            </Loaded>
        </section>
    }
}

#[component]
fn DealCard(deal: DealSummary, stages: Vec<Stage>, base: String) -> impl IntoView {
    let href = format!("{base}/{}", deal.id);
    let id = deal.id.to_string();
    view! {
        <li class="deal-card">
            <h4><A href=href>{deal.name}</A></h4>
            <StageTrack stages=stages current=deal.stage/>
            <dl class="facts">
                <div><dt>"Expected close"</dt><dd>{deal.expected_close_date.as_deref().map(day).unwrap_or_else(|| "Not set".into())}</dd></div>
                {deal.amount.map(|a| view! { <div><dt>"Amount"</dt><dd>{money(&a)}</dd></div> })}
                {deal.owner.map(|p| view! { <div><dt>"Your contact"</dt><dd><Rep deal_id=id.clone() person=p/></dd></div> })}
            </dl>
            {deal.next_steps.map(|s| view! { <p class="next-steps"><strong>"Next steps: "</strong>{s}</p> })}
            <Changes changes=deal.changes/>
        </li>
    }
}
