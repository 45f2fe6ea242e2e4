//! Background jobs: what is queued, running, waiting to retry or dead, with the last error,
//! and a retry for a dead job.

use leptos::prelude::*;
use leptos::task::spawn_local;
use portcullis_shared::admin::{Job, JobState};

use super::{Loaded, Notice, NoticeView, Pager, failed, when};
use crate::api;

fn state_label(state: JobState) -> &'static str {
    match state {
        JobState::Queued => "Queued",
        JobState::Running => "Running",
        JobState::Done => "Done",
        JobState::Failed => "Waiting to retry",
        JobState::Dead => "Dead",
    }
}

/// When a job ran, runs next, or holds its lease until.
fn timing(j: &Job) -> String {
    match j.state {
        JobState::Queued => format!("runs {}", when(&j.run_at)),
        JobState::Failed => format!("retries {}", when(&j.run_at)),
        JobState::Running => format!("leased until {}", when(&j.run_at)),
        JobState::Done => format!("finished {}", when(&j.updated_at)),
        JobState::Dead => format!("stopped {}", when(&j.updated_at)),
    }
}

#[component]
pub fn Jobs() -> impl IntoView {
    let state = RwSignal::new(String::new());
    let kind = RwSignal::new(String::new());
    let cursor = RwSignal::new(String::new());
    let reload = RwSignal::new(0u32);
    let notice: Notice = RwSignal::new(None);
    let page = LocalResource::new(move || {
        reload.track();
        api::jobs::list(state.get(), kind.get(), cursor.get())
    });
    let retry = move |id: String| {
        spawn_local(async move {
            match api::jobs::retry(&id).await {
                Ok(job) => {
                    notice.set(Some(Ok(format!("{} queued again.", job.kind))));
                    reload.update(|n| *n += 1);
                }
                Err(e) => failed(notice, e),
            }
        });
    };
    view! {
        <section aria-labelledby="jobs-title">
            <h1 id="jobs-title">"Jobs"</h1>
            <p class="muted">"Background work: email delivery, access reviews and other scheduled tasks. A job that failed every attempt is dead until you retry it."</p>
            <form class="filters" on:submit=|ev| ev.prevent_default()>
                <div>
                    <label for="jobs-state">"State"</label>
                    <select id="jobs-state" on:change=move |ev| { state.set(event_target_value(&ev)); cursor.set(String::new()); }>
                        <option value="">"Any"</option>
                        {JobState::ALL.iter().map(|s| view! {
                            <option value=s.as_str()>{state_label(*s)}</option>
                        }).collect_view()}
                    </select>
                </div>
                <div>
                    <label for="jobs-kind">"Kind"</label>
                    <input id="jobs-kind" type="search" placeholder="email.send"
                        on:input=move |ev| { kind.set(event_target_value(&ev)); cursor.set(String::new()); }/>
                </div>
            </form>
            <NoticeView notice=notice/>
            <Loaded label="Loading jobs…">
            {move || Suspend::new(async move { page.await.map(|p| {
                if p.items.is_empty() {
                    return view! { <p class="muted">"No jobs."</p> }.into_any();
                }
                let next = p.next_cursor.clone();
                view! {
                    <div class="table-wrap"><table class="stack">
                        <caption class="sr-only">"Jobs, newest first"</caption>
                        <thead><tr>
                            <th scope="col">"Kind"</th><th scope="col">"State"</th>
                            <th scope="col">"Attempts"</th><th scope="col">"When"</th>
                            <th scope="col">"Last error"</th><th scope="col"><span class="sr-only">"Actions"</span></th>
                        </tr></thead>
                        <tbody>
                        {p.items.into_iter().map(|j| {
                            let id = j.id.clone();
                            let dead = j.state == JobState::Dead;
                            view! { <tr>
                                <td data-label="Kind"><code>{j.kind.clone()}</code></td>
                                <td data-label="State"><span class=format!("badge {}", j.state)>{state_label(j.state)}</span></td>
                                <td data-label="Attempts">{format!("{} of {}", j.attempts, j.max_attempts)}</td>
                                <td data-label="When">{timing(&j)}</td>
                                <td data-label="Last error">{j.last_error.clone().unwrap_or_default()}</td>
                                <td>{dead.then(|| view! {
                                    <button class="button small" on:click=move |_| retry(id.clone())>"Retry"</button>
                                })}</td>
                            </tr> }
                        }).collect_view()}
                        </tbody>
                    </table></div>
                    <div class="actions">
                        <Pager cursor=cursor next=next first_label="Newest" next_label="Older"/>
                    </div>
                }.into_any()
            }) })}
            </Loaded>
        </section>
    }
}
