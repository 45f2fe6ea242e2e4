//! The pipeline: deals and amounts by stage as charts, and its stages, which administrators
//! and managers add, rename, reorder and delete (a stage deals still use cannot be deleted;
//! the server says how many there are).

use leptos::prelude::*;
use leptos::task::spawn_local;
use portcullis_shared::deals::{PipelineSummary, Stage, StageCategory, StageInput, StagePatch};

use super::{category_label, money};
use crate::api;
use crate::pages::admin::{Loaded, Notice, NoticeView, failed};

/// Deals and amount by stage, within the caller's reach.
#[component]
pub fn PipelineChart() -> impl IntoView {
    let summary = LocalResource::new(api::pipeline::summary);
    view! {
        <section class="card" aria-labelledby="chart-title">
            <h2 id="chart-title">"Pipeline by stage"</h2>
            <Loaded label="Loading the pipeline…">
            {move || Suspend::new(async move { summary.await.map(charts) })}
            </Loaded>
        </section>
    }
}

fn charts(s: PipelineSummary) -> impl IntoView {
    // Amounts are not converted between currencies: the chart shows the main one.
    let currency = s
        .stages
        .iter()
        .filter_map(|t| t.amounts.first())
        .max_by_key(|m| m.minor)
        .map(|m| m.currency);
    let deals: Vec<_> = s
        .stages
        .iter()
        .map(|t| {
            let n = t.deals;
            (
                t.stage.name.clone(),
                t.stage.category.as_str(),
                n,
                format!("{n} deal{}", if n == 1 { "" } else { "s" }),
            )
        })
        .collect();
    let amounts: Vec<_> = s
        .stages
        .iter()
        .map(|t| {
            let m = t
                .amounts
                .iter()
                .find(|m| Some(m.currency) == currency)
                .copied();
            let others = t.amounts.len() - usize::from(m.is_some());
            let mut label = m.map(|m| money(&m)).unwrap_or_else(|| "none".into());
            if others > 0 {
                label.push_str(&format!(" (+{others} other currencies)"));
            }
            (
                t.stage.name.clone(),
                t.stage.category.as_str(),
                m.map_or(0, |m| m.minor),
                label,
            )
        })
        .collect();
    let amount_title = match currency {
        Some(c) => format!("Amount by stage ({})", c.code()),
        None => "Amount by stage".to_owned(),
    };
    view! {
        <div class="charts">
            {bars("chart-deals", "Deals by stage".to_owned(), deals)}
            {bars("chart-amount", amount_title, amounts)}
        </div>
    }
}

/// A horizontal bar chart: a row per stage (name above its bar, the value beside it; the
/// bar's class says its kind, `open`, `won` or `lost`). The picture is one image to assistive
/// technology, described in words by its `desc`.
pub fn bars(
    id: &'static str,
    title: String,
    rows: Vec<(String, &'static str, i64, String)>,
) -> impl IntoView {
    const WIDTH: i64 = 400;
    const ROW: i64 = 46;
    let max = rows.iter().map(|r| r.2).max().unwrap_or(0).max(1);
    let desc = rows
        .iter()
        .map(|(name, _, _, label)| format!("{name}: {label}"))
        .collect::<Vec<_>>()
        .join("; ");
    let height = (rows.len() as i64 * ROW).max(ROW);
    let (title_id, desc_id) = (format!("{id}-title"), format!("{id}-desc"));
    let labelled_by = format!("{title_id} {desc_id}");
    view! {
        <figure class="chart">
            <svg role="img" aria-labelledby=labelled_by viewBox=format!("0 0 {WIDTH} {height}") width="100%">
                <title id=title_id>{title.clone()}</title>
                <desc id=desc_id>{desc}</desc>
                {rows.into_iter().enumerate().map(|(i, (name, category, value, label))| {
                    let y = i as i64 * ROW;
                    let w = if value <= 0 { 0 } else { (value * (WIDTH - 150) / max).max(2) };
                    view! {
                        <text x="0" y=y + 15 class="chart-name">{name}</text>
                        <rect x="0" y=y + 21 width=w height="16" rx="3" class=format!("bar {category}")/>
                        <text x=w + 6 y=y + 34 class="chart-value">{label}</text>
                    }
                }).collect_view()}
            </svg>
            <figcaption>{title}</figcaption>
        </figure>
    }
}

/// The stages, editable by administrators and managers.
#[component]
pub fn StageSettings() -> impl IntoView {
    let version = RwSignal::new(0u32);
    let notice: Notice = RwSignal::new(None);
    let stages = LocalResource::new(move || {
        version.track();
        api::pipeline::stages()
    });
    let changed = Callback::new(move |message: String| {
        notice.set(Some(Ok(message)));
        version.update(|v| *v += 1);
    });
    view! {
        <section class="card" aria-labelledby="stages-title">
            <h2 id="stages-title">"Stages"</h2>
            <p class="muted">"Deals move through the open stages in order and end at a won or lost stage. A stage that locks the contract keeps the amount, currency, close date and account from changes by anyone but administrators and managers."</p>
            <NoticeView notice=notice/>
            <Loaded label="Loading the stages…">
            {move || Suspend::new(async move { stages.await.map(|p| {
                let last = p.stages.len() as i64;
                view! {
                    <div class="table-wrap"><table class="stack stage-table">
                        <caption class="sr-only">"Pipeline stages, in order"</caption>
                        <thead><tr>
                            <th scope="col">"#"</th><th scope="col">"Name"</th><th scope="col">"Win %"</th>
                            <th scope="col">"Kind"</th><th scope="col">"Locks contract"</th><th scope="col"><span class="sr-only">"Actions"</span></th>
                        </tr></thead>
                        <tbody>
                            {p.stages.into_iter().map(|s| view! { <StageRow stage=s last=last notice=notice changed=changed/> }).collect_view()}
                        </tbody>
                    </table></div>
                }
            }) })}
            </Loaded>
            <NewStage notice=notice changed=changed/>
        </section>
    }
}

fn category_options(current: StageCategory) -> impl IntoView {
    StageCategory::ALL
        .iter()
        .map(|c| view! { <option value=c.as_str() selected=*c == current>{category_label(*c)}</option> })
        .collect_view()
}

#[component]
fn StageRow(stage: Stage, last: i64, notice: Notice, changed: Callback<String>) -> impl IntoView {
    let id = StoredValue::new(stage.id.to_string());
    let name = RwSignal::new(stage.name.clone());
    let probability = RwSignal::new(stage.probability.to_string());
    let category = RwSignal::new(stage.category);
    let locks = RwSignal::new(stage.locks_contract);
    let pos = stage.position;
    let apply = move |patch: StagePatch, done: String| {
        let call = api::pipeline::update_stage(&id.get_value(), &patch);
        spawn_local(async move {
            match call.await {
                Ok(_) => changed.run(done),
                Err(e) => failed(notice, e),
            }
        });
    };
    let save = move |_| {
        let Ok(p) = probability.get_untracked().trim().parse::<i64>() else {
            notice.set(Some(Err(
                "Win % must be a whole number from 0 to 100.".into()
            )));
            return;
        };
        apply(
            StagePatch {
                name: Some(name.get_untracked().trim().to_owned()),
                probability: Some(p),
                category: Some(category.get_untracked()),
                locks_contract: Some(locks.get_untracked()),
                position: None,
            },
            format!("Stage \"{}\" saved.", name.get_untracked().trim()),
        );
    };
    let label = stage.name.clone();
    let move_to = move |to: i64| {
        apply(
            StagePatch {
                position: Some(to),
                ..Default::default()
            },
            format!("Stage \"{label}\" moved to position {to}."),
        )
    };
    let move_up = move_to.clone();
    let gone = stage.name.clone();
    let delete = move |_| {
        let call = api::pipeline::delete_stage(&id.get_value());
        let gone = gone.clone();
        spawn_local(async move {
            match call.await {
                Ok(()) => changed.run(format!("Stage \"{gone}\" deleted.")),
                Err(e) => failed(notice, e),
            }
        });
    };
    let n = &stage.name;
    view! {
        <tr>
            <td data-label="Position">{pos}</td>
            <td data-label="Name"><input aria-label=format!("Name of stage {pos}") prop:value=move || name.get() on:input=move |ev| name.set(event_target_value(&ev))/></td>
            <td data-label="Win %"><input class="narrow-input" type="number" min="0" max="100" aria-label=format!("Win probability of {n}, percent")
                prop:value=move || probability.get() on:input=move |ev| probability.set(event_target_value(&ev))/></td>
            <td data-label="Kind"><select aria-label=format!("Kind of {n}") on:change=move |ev| {
                if let Some(c) = StageCategory::parse(&event_target_value(&ev)) { category.set(c) }
            }>{category_options(stage.category)}</select></td>
            <td data-label="Locks contract"><input type="checkbox" aria-label=format!("{n} locks the contract") prop:checked=move || locks.get()
                on:change=move |ev| locks.set(event_target_checked(&ev))/></td>
            <td><div class="actions">
                <button type="button" class="button small" aria-label=format!("Save {n}") on:click=save>"Save"</button>
                {(pos > 1).then(|| view! { <button type="button" class="button small" aria-label=format!("Move {n} up") on:click=move |_| move_up(pos - 1)>"Up"</button> })}
                {(pos < last).then(|| view! { <button type="button" class="button small" aria-label=format!("Move {n} down") on:click=move |_| move_to(pos + 1)>"Down"</button> })}
                <button type="button" class="button small danger" aria-label=format!("Delete {n}") on:click=delete>"Delete"</button>
            </div></td>
        </tr>
    }
}

#[component]
fn NewStage(notice: Notice, changed: Callback<String>) -> impl IntoView {
    let name = RwSignal::new(String::new());
    let probability = RwSignal::new("50".to_owned());
    let category = RwSignal::new(StageCategory::Open);
    let locks = RwSignal::new(false);
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Ok(p) = probability.get_untracked().trim().parse::<i64>() else {
            notice.set(Some(Err(
                "Win % must be a whole number from 0 to 100.".into()
            )));
            return;
        };
        let body = StageInput {
            name: name.get_untracked().trim().to_owned(),
            probability: p,
            category: category.get_untracked(),
            locks_contract: locks.get_untracked(),
            position: None,
        };
        let call = api::pipeline::create_stage(&body);
        spawn_local(async move {
            match call.await {
                Ok(s) => {
                    name.set(String::new());
                    changed.run(format!("Stage \"{}\" added.", s.name));
                }
                Err(e) => failed(notice, e),
            }
        });
    };
    view! {
        <form class="inline" on:submit=on_submit>
            <h3>"Add a stage"</h3>
            <div class="row">
                <div>
                    <label for="stage-name">"Name"</label>
                    <input id="stage-name" required prop:value=move || name.get() on:input=move |ev| name.set(event_target_value(&ev))/>
                </div>
                <div>
                    <label for="stage-probability">"Win %"</label>
                    <input id="stage-probability" type="number" min="0" max="100" prop:value=move || probability.get()
                        on:input=move |ev| probability.set(event_target_value(&ev))/>
                </div>
                <div>
                    <label for="stage-category">"Kind"</label>
                    <select id="stage-category" on:change=move |ev| {
                        if let Some(c) = StageCategory::parse(&event_target_value(&ev)) { category.set(c) }
                    }>{category_options(StageCategory::Open)}</select>
                </div>
            </div>
            <label class="check"><input type="checkbox" prop:checked=move || locks.get()
                on:change=move |ev| locks.set(event_target_checked(&ev))/>"Reaching this stage locks the contract"</label>
            <div class="actions"><button type="submit" class="button primary">"Add stage"</button></div>
        </form>
    }
}
