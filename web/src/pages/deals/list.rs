//! A list of deals with filters (stage, close dates, name), a sort and paging: a partner's
//! "My deals" and staff's deal list (with views of their own, their team's or every deal).
//! On a phone each row becomes a card.

use leptos::prelude::*;
use leptos_router::components::A;
use portcullis_shared::deals::{DealPage, StageCategory};

use super::{category_label, day, heading, money};
use crate::api;
use crate::api::deals::DealFilter;
use crate::pages::admin::Loaded;

/// The deals in the caller's reach. `views` are the internal views offered (value, label),
/// the first one selected; `internal` adds the account and owner columns, otherwise what
/// changed since the previous visit.
#[component]
pub fn DealList(
    base: String,
    title: &'static str,
    level: u8,
    #[prop(default = Vec::new())] views: Vec<(&'static str, &'static str)>,
    #[prop(default = false)] internal: bool,
) -> impl IntoView {
    let view_choice = RwSignal::new(views.first().map(|v| v.0).unwrap_or("").to_owned());
    let stage = RwSignal::new(String::new());
    let text = RwSignal::new(String::new());
    let close_from = RwSignal::new(String::new());
    let close_to = RwSignal::new(String::new());
    let sort = RwSignal::new(String::new());
    // The cursors of the pages before this one, so that "Previous" can go back.
    let cursors = RwSignal::new(Vec::<String>::new());
    let stages = LocalResource::new(api::pipeline::stages);
    let page = LocalResource::new(move || {
        api::deals::list(&DealFilter {
            view: view_choice.get(),
            stage: stage.get(),
            close_from: close_from.get(),
            close_to: close_to.get(),
            text: text.get(),
            sort: sort.get(),
            cursor: cursors.with(|c| c.last().cloned().unwrap_or_default()),
        })
    });
    let set = move |sig: RwSignal<String>| {
        move |ev: leptos::ev::Event| {
            sig.set(event_target_value(&ev));
            cursors.set(Vec::new());
        }
    };
    let base = StoredValue::new(base);
    view! {
        <section class="deal-list" aria-labelledby="deal-list-title">
            {heading(level, "deal-list-title", title.to_owned())}
            {(views.len() > 1).then(|| view! {
                <div class="tabs" role="group" aria-label="Which deals">
                    {views.into_iter().map(|(value, label)| view! {
                        <button type="button" class="button small"
                            aria-pressed=move || (view_choice.get() == value).to_string()
                            on:click=move |_| { view_choice.set(value.to_owned()); cursors.set(Vec::new()); }>{label}</button>
                    }).collect_view()}
                </div>
            })}
            <form class="filters" on:submit=|ev| ev.prevent_default()>
                <div>
                    <label for="deals-q">"Deal name"</label>
                    <input id="deals-q" type="search" on:input=set(text)/>
                </div>
                <div>
                    <label for="deals-stage">"Stage"</label>
                    <select id="deals-stage" on:change=set(stage)>
                        <option value="">"Any stage"</option>
                        {move || stages.get().and_then(Result::ok).map(|p| p.stages.into_iter().map(|s| view! {
                            <option value=s.id.to_string()>{s.name}</option>
                        }).collect_view())}
                    </select>
                </div>
                <div>
                    <label for="deals-from">"Closing from"</label>
                    <input id="deals-from" type="date" on:change=set(close_from)/>
                </div>
                <div>
                    <label for="deals-to">"Closing by"</label>
                    <input id="deals-to" type="date" on:change=set(close_to)/>
                </div>
                <div>
                    <label for="deals-sort">"Sort by"</label>
                    <select id="deals-sort" on:change=set(sort)>
                        <option value="updated">"Recently updated"</option>
                        <option value="close_date">"Closing soonest"</option>
                        <option value="amount">"Largest amount"</option>
                    </select>
                </div>
            </form>
            <Loaded label="Loading deals…">
            {move || Suspend::new(async move { page.await.map(|p| rows(p, &base.get_value(), internal, cursors)) })}
            </Loaded>
        </section>
    }
}

fn rows(p: DealPage, base: &str, internal: bool, cursors: RwSignal<Vec<String>>) -> AnyView {
    if p.items.is_empty() {
        return view! { <p class="muted">"No deals match."</p> }.into_any();
    }
    let next = p.next_cursor;
    view! {
        <div class="table-wrap"><table class="stack deal-table">
            <caption class="sr-only">"Deals"</caption>
            <thead><tr>
                <th scope="col">"Deal"</th><th scope="col">"Stage"</th><th scope="col">"Amount"</th>
                <th scope="col">"Expected close"</th>
                <th scope="col">{if internal { "Owner" } else { "Since your last visit" }}</th>
            </tr></thead>
            <tbody>
            {p.items.into_iter().map(|d| {
                let href = format!("{base}/{}", d.id);
                let category = d.stage.category;
                let last = if internal {
                    view! {
                        {d.owner.map(|o| o.name)}
                        {d.shared.then(|| view! { " " <span class="badge invited">"shared"</span> })}
                    }.into_any()
                } else if d.changes.is_empty() {
                    view! { <span class="muted">"No changes"</span> }.into_any()
                } else {
                    view! { <ul class="plain">{d.changes.into_iter().map(|c| view! { <li>{c.summary}</li> }).collect_view()}</ul> }.into_any()
                };
                view! { <tr>
                    <td data-label="Deal"><A href=href>{d.name}</A>{internal.then(|| view! { <br/><span class="muted small">{d.account.name}</span> })}</td>
                    <td data-label="Stage">{d.stage.name}{(category != StageCategory::Open).then(|| view! { " " <span class=format!("badge {category}")>{category_label(category)}</span> })}</td>
                    <td data-label="Amount">{d.amount.map(|a| money(&a)).unwrap_or_else(|| "—".into())}</td>
                    <td data-label="Expected close">{d.expected_close_date.as_deref().map(day).unwrap_or_else(|| "—".into())}</td>
                    <td data-label=if internal { "Owner" } else { "Changes" }>{last}</td>
                </tr> }
            }).collect_view()}
            </tbody>
        </table></div>
        <div class="actions">
            {move || (!cursors.with(Vec::is_empty)).then(|| view! {
                <button type="button" class="button" on:click=move |_| cursors.update(|c| { c.pop(); })>"Previous page"</button>
            })}
            {next.map(|n| view! {
                <button type="button" class="button" on:click=move |_| cursors.update(|c| c.push(n.clone()))>"Next page"</button>
            })}
        </div>
    }
    .into_any()
}
