//! The co-selling workspace of a deal: the shared timeline with both organisations'
//! activity, strategy notes only the company and the partner read, and joint tasks for
//! people of either organisation.

use leptos::prelude::*;
use leptos::task::spawn_local;
use portcullis_shared::UserId;
use portcullis_shared::collab::Side;
use portcullis_shared::partners::TaskStatus;
use portcullis_shared::threads::JointTaskInput;

use super::words;
use crate::api;
use crate::pages::admin::{Notice, NoticeView, failed, optional, when};

/// The workspace, for the company and the co-selling partner.
#[component]
pub fn CoSelling(deal: String, side: Side) -> impl IntoView {
    let _ = side;
    let deal = StoredValue::new(deal);
    let reload = RwSignal::new(0u32);
    let notice: Notice = RwSignal::new(None);
    let ws = LocalResource::new(move || {
        reload.track();
        api::collab::workspace(&deal.get_value())
    });
    let tasks = LocalResource::new(move || {
        reload.track();
        api::collab::joint_tasks(&deal.get_value())
    });
    let note = RwSignal::new(String::new());
    let title = RwSignal::new(String::new());
    let assignee = RwSignal::new(String::new());
    let due = RwSignal::new(String::new());
    let on_note = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let call = api::collab::add_strategy_note(&deal.get_value(), note.get_untracked());
        spawn_local(async move {
            match call.await {
                Ok(_) => {
                    note.set(String::new());
                    notice.set(Some(Ok("Strategy note added.".into())));
                    reload.update(|n| *n += 1);
                }
                Err(e) => failed(notice, e),
            }
        });
    };
    let on_task = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let call = api::collab::add_joint_task(
            &deal.get_value(),
            &JointTaskInput {
                title: title.get_untracked(),
                body: None,
                assignee_id: UserId::new(assignee.get_untracked()),
                due_at: optional(due.get_untracked()).map(|d| format!("{d}T17:00:00Z")),
            },
        );
        spawn_local(async move {
            match call.await {
                Ok(t) => {
                    title.set(String::new());
                    notice.set(Some(Ok(format!("Task for {} added.", t.assignee_name))));
                    reload.update(|n| *n += 1);
                }
                Err(e) => failed(notice, e),
            }
        });
    };
    let set_status = move |id: String, status: TaskStatus| {
        let call = api::collab::set_task_status(&id, status);
        spawn_local(async move {
            match call.await {
                Ok(_) => reload.update(|n| *n += 1),
                Err(e) => failed(notice, e),
            }
        });
    };
    view! {
        <div class="panel workspace">
            <NoticeView notice=notice/>
            <Transition fallback=|| view! { <p class="loading" aria-busy="true">"Loading the workspace…"</p> }>
            {move || Suspend::new(async move { match ws.await {
                Err(e) => view! { <p class="error" role="alert">{e.message()}</p> }.into_any(),
                Ok(w) => {
                    let people = w.people.clone();
                    view! {
                        <dl class="facts">
                            <div><dt>"Stage"</dt><dd>{w.stage.clone()}</dd></div>
                            <div><dt>"Expected close"</dt><dd>{w.expected_close_date.clone().map(|d| crate::pages::deals::day(&d)).unwrap_or_else(|| "Not set".into())}</dd></div>
                            <div><dt>"Company team"</dt><dd>{w.company_team.join(", ")}</dd></div>
                            <div><dt>"Partner team"</dt><dd>{w.partner_participants.join(", ")}</dd></div>
                        </dl>
                        <h3>"Joint tasks"</h3>
                        <form class="inline-form" on:submit=on_task>
                            <label for="joint-title">"Task"</label>
                            <input id="joint-title" required prop:value=move || title.get() on:input=move |ev| title.set(event_target_value(&ev))/>
                            <label for="joint-assignee">"For"</label>
                            <select id="joint-assignee" required on:change=move |ev| assignee.set(event_target_value(&ev))>
                                <option value="">"Choose a person…"</option>
                                {people.into_iter().map(|p| view! { <option value=p.id.to_string()>{p.name}</option> }).collect_view()}
                            </select>
                            <label for="joint-due">"Due"</label>
                            <input id="joint-due" type="date" prop:value=move || due.get() on:change=move |ev| due.set(event_target_value(&ev))/>
                            <div class="actions"><button type="submit" class="button">"Add task"</button></div>
                        </form>
                        <h3>"Shared timeline"</h3>
                        {if w.timeline.is_empty() {
                            view! { <p class="muted">"Nothing shared yet."</p> }.into_any()
                        } else {
                            view! { <ol class="timeline">{w.timeline.into_iter().map(|i| view! {
                                <li><p class="event-title">{i.summary}</p>
                                    {i.body.map(|b| view! { <p class="note-body">{b}</p> })}
                                    <p class="muted small">{i.actor.map(|a| format!("{a} · "))}{when(&i.at)}" UTC"</p></li>
                            }).collect_view()}</ol> }.into_any()
                        }}
                    }.into_any()
                }
            } })}
            </Transition>
            <Transition fallback=|| ()>
            {move || Suspend::new(async move { tasks.await.map(|p| if p.items.is_empty() {
                view! { <p class="muted">"No joint tasks yet."</p> }.into_any()
            } else {
                view! { <ul class="joint-tasks">{p.items.into_iter().map(|t| {
                    let id = t.id.clone();
                    let done = t.status == TaskStatus::Done;
                    view! { <li class:overdue=t.overdue>
                        <strong>{t.title.clone()}</strong>
                        <span class="muted small">{format!(" · {} · {}", t.assignee_name, words(t.status.as_str()))}
                            {t.due_at.as_deref().map(|d| format!(" · due {} UTC", when(d)))}</span>
                        {(!done).then(|| view! { " " <button type="button" class="button small" on:click=move |_| set_status(id.clone(), TaskStatus::Done)>
                            "Mark done"<span class="sr-only">" "{t.title.clone()}</span></button> })}
                    </li> }
                }).collect_view()}</ul> }.into_any()
            }) })}
            </Transition>
            <h3>"Strategy notes"</h3>
            <p class="hint">"Seen by your company and the co-selling partner only, never by the customer."</p>
            <StrategyNotes deal=deal.get_value() reload=reload/>
            <form on:submit=on_note>
                <label for="strategy-note">"Add a strategy note"</label>
                <textarea id="strategy-note" rows="3" required prop:value=move || note.get() on:input=move |ev| note.set(event_target_value(&ev))></textarea>
                <div class="actions"><button type="submit" class="button primary">"Add note"</button></div>
            </form>
        </div>
    }
}

#[component]
fn StrategyNotes(deal: String, reload: RwSignal<u32>) -> impl IntoView {
    let deal = StoredValue::new(deal);
    let notes = LocalResource::new(move || {
        reload.track();
        api::collab::strategy_notes(&deal.get_value())
    });
    view! {
        <Transition fallback=|| ()>
        {move || Suspend::new(async move { notes.await.map(|l| if l.items.is_empty() {
            view! { <p class="muted">"No strategy notes yet."</p> }.into_any()
        } else {
            view! { <ul class="strategy-notes">{l.items.into_iter().map(|n| view! {
                <li><p>{n.body}</p><p class="muted small">{format!("{} · {} UTC", n.author.name, when(&n.created_at))}</p></li>
            }).collect_view()}</ul> }.into_any()
        }) })}
        </Transition>
    }
}
