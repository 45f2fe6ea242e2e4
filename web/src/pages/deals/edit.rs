//! Staff's changes to a deal: its stage and fields (sent with `If-Match`, so that nobody
//! overwrites a colleague's change unseen; fields the stage locks are shown read-only),
//! sharing to the customer's portal, its contacts, and notes, internal or shared.

use leptos::prelude::*;
use leptos::task::spawn_local;
use portcullis_shared::deals::{
    ContactInput, Deal, DealInput, DealPatch, DealSource, NoteInput, ShareInput, Stage,
};
use portcullis_shared::{Currency, FieldCode, FieldError, Money, PortalKind};

use crate::api;
use crate::pages::admin::{Notice, NoticeView, failed, optional};

/// The deal on screen, replaced by each answer; `events` counts changes, for the timeline.
#[derive(Clone, Copy)]
pub struct Live {
    pub deal: RwSignal<Deal>,
    pub events: RwSignal<u32>,
    /// The page's owner: a call made after another has finished (outside any event handler)
    /// reads the session from its context.
    pub owner: StoredValue<Option<Owner>>,
}

impl Live {
    pub fn id(&self) -> String {
        self.deal.with_untracked(|d| d.id.to_string())
    }

    /// Runs `f` as part of the page, wherever it is called from.
    fn within<T>(&self, f: impl FnOnce() -> T) -> T {
        match self.owner.get_value() {
            Some(owner) => owner.with(f),
            None => f(),
        }
    }

    fn changed(&self, deal: Deal) {
        self.deal.set(deal);
        self.events.update(|n| *n += 1);
    }

    /// Reads the deal again after a change that answers without it.
    fn refresh(self, notice: Notice, done: String) {
        let get = self.within(|| api::deals::get(&self.id()));
        spawn_local(async move {
            match get.await {
                Ok(d) => {
                    notice.set(Some(Ok(done)));
                    self.changed(d);
                }
                Err(e) => failed(notice, e),
            }
        });
    }
}

const STALE: &str = "Someone else changed this deal since you opened it, so your change was not saved. Reload the deal to see what they changed, then make your change again.";

/// Everything staff change on the deal.
#[component]
pub fn Editor(live: Live, stages: Vec<Stage>) -> impl IntoView {
    view! {
        <Fields live=live stages=stages/>
        <Sharing live=live/>
        <Contacts live=live/>
        <Notes live=live/>
    }
}

/// The stage stepper and the deal's fields.
#[component]
fn Fields(live: Live, stages: Vec<Stage>) -> impl IntoView {
    let notice: Notice = RwSignal::new(None);
    let stale = RwSignal::new(false);
    let errors = RwSignal::new(Vec::<FieldError>::new());
    let name = RwSignal::new(String::new());
    let amount = RwSignal::new(String::new());
    let currency = RwSignal::new(Currency::USD);
    let close = RwSignal::new(String::new());
    let next_steps = RwSignal::new(String::new());
    let source = RwSignal::new(DealSource::Direct);
    let fill = move |d: &Deal| {
        name.set(d.name.clone());
        amount.set(d.amount.map(|m| m.decimal()).unwrap_or_default());
        if let Some(m) = d.amount {
            currency.set(m.currency);
        }
        close.set(d.expected_close_date.clone().unwrap_or_default());
        next_steps.set(d.next_steps.clone().unwrap_or_default());
        source.set(d.source);
    };
    live.deal.with_untracked(fill);
    let locked = move |field: &'static str| {
        live.deal
            .with(|d| d.locked_fields.iter().any(|f| f == field))
    };
    let send = move |patch: DealPatch, done: &'static str| {
        let call = api::deals::update(&live.id(), live.deal.with_untracked(|d| d.version), &patch);
        spawn_local(async move {
            match call.await {
                Ok(d) => {
                    errors.set(Vec::new());
                    stale.set(false);
                    notice.set(Some(Ok(done.into())));
                    live.changed(d);
                }
                Err(e) => {
                    stale.set(e.is_stale());
                    let text = if e.is_stale() {
                        STALE.to_owned()
                    } else if e.0.errors.is_empty() {
                        e.message()
                    } else {
                        format!(
                            "{} Nothing was saved; see the fields marked below.",
                            e.0.title
                        )
                    };
                    errors.set(e.0.errors);
                    notice.set(Some(Err(text)));
                }
            }
        });
    };
    let reload = move |_| {
        let get = api::deals::get(&live.id());
        spawn_local(async move {
            match get.await {
                Ok(d) => {
                    fill(&d);
                    stale.set(false);
                    errors.set(Vec::new());
                    notice.set(Some(Ok("Reloaded: you now see the latest version.".into())));
                    live.changed(d);
                }
                Err(e) => failed(notice, e),
            }
        });
    };
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let mut patch = DealPatch {
            name: Some(name.get_untracked().trim().to_owned()),
            next_steps: Some(optional(next_steps.get_untracked())),
            source: Some(source.get_untracked()),
            ..Default::default()
        };
        if !live
            .deal
            .with_untracked(|d| d.locked_fields.iter().any(|f| f == "amount"))
        {
            let text = amount.get_untracked();
            patch.amount = Some(if text.trim().is_empty() {
                None
            } else {
                match Money::parse(&text.replace(',', ""), currency.get_untracked()) {
                    Ok(m) => Some(m),
                    Err(_) => {
                        errors.set(vec![FieldError::new(
                            "amount",
                            FieldCode::InvalidFormat,
                            "must be a number such as 12500.00, with no more decimals than the currency has",
                        )]);
                        notice.set(Some(Err(
                            "Nothing was saved; see the fields marked below.".into()
                        )));
                        return;
                    }
                }
            });
        }
        if !live
            .deal
            .with_untracked(|d| d.locked_fields.iter().any(|f| f == "expected_close_date"))
        {
            patch.expected_close_date = Some(optional(close.get_untracked()));
        }
        send(patch, "Saved.");
    };
    let error_for = move |field: &'static str| {
        move || {
            errors.with(|es| {
                es.iter()
                    .find(|e| e.field == field || (field == "amount" && e.field == "currency"))
                    .map(|e| view! { <p class="error" id=format!("deal-{field}-error")>{e.message.clone()}</p> })
            })
        }
    };
    let invalid = move |field: &'static str| {
        move || {
            errors
                .with(|es| es.iter().any(|e| e.field == field))
                .then_some("true")
        }
    };
    let lock_note = |what: String| {
        view! {
            <p class="locked"><span>{what}</span><span class="lock-note">"Locked at this stage: only an administrator or a manager can change it."</span></p>
        }
    };
    view! {
        <section class="card" aria-labelledby="edit-title">
            <h2 id="edit-title">"Stage and details"</h2>
            <div role="group" aria-labelledby="stepper-label">
                <p id="stepper-label" class="label">"Move to stage"</p>
                <ol class="stepper">
                    {stages.into_iter().map(|s| {
                        let sid = s.id.clone();
                        let here = move || live.deal.with(|d| d.stage.id == sid);
                        let target = s.id.clone();
                        view! { <li><button type="button" class=format!("step {}", s.category)
                            aria-current=move || here().then_some("step")
                            on:click=move |_| if live.deal.with_untracked(|d| d.stage.id != target) {
                                send(DealPatch { stage_id: Some(target.clone()), ..Default::default() }, "Stage moved.");
                            }>
                            {format!("{}. {}", s.position, s.name)}
                        </button></li> }
                    }).collect_view()}
                </ol>
            </div>
            <NoticeView notice=notice/>
            {move || stale.get().then(|| view! { <button type="button" class="button" on:click=reload>"Reload the deal"</button> })}
            <form on:submit=on_submit novalidate>
                <label for="deal-name">"Name"</label>
                <input id="deal-name" required prop:value=move || name.get() aria-invalid=invalid("name")
                    on:input=move |ev| name.set(event_target_value(&ev))/>
                {error_for("name")}
                {move || if locked("amount") {
                    view! {
                        <span class="label">"Amount"</span>
                        {lock_note(live.deal.with(|d| d.amount.map(|m| super::money(&m)).unwrap_or_else(|| "Not set".into())))}
                    }.into_any()
                } else {
                    view! {
                        <div class="row">
                            <div>
                                <label for="deal-amount">"Amount"</label>
                                <input id="deal-amount" inputmode="decimal" prop:value=move || amount.get() aria-invalid=invalid("amount")
                                    on:input=move |ev| amount.set(event_target_value(&ev))/>
                            </div>
                            <div>
                                <label for="deal-currency">"Currency"</label>
                                <select id="deal-currency" on:change=move |ev| {
                                    if let Some(c) = Currency::parse(&event_target_value(&ev)) { currency.set(c) }
                                }>
                                    {Currency::ALL.iter().map(|c| view! {
                                        <option value=c.code() selected=move || currency.get() == *c>{format!("{} – {}", c.code(), c.name())}</option>
                                    }).collect_view()}
                                </select>
                            </div>
                        </div>
                    }.into_any()
                }}
                {error_for("amount")}
                {move || if locked("expected_close_date") {
                    view! {
                        <span class="label">"Expected close date"</span>
                        {lock_note(live.deal.with(|d| d.expected_close_date.as_deref().map(super::day).unwrap_or_else(|| "Not set".into())))}
                    }.into_any()
                } else {
                    view! {
                        <label for="deal-close">"Expected close date"</label>
                        <input id="deal-close" type="date" prop:value=move || close.get() aria-invalid=invalid("expected_close_date")
                            on:input=move |ev| close.set(event_target_value(&ev))/>
                    }.into_any()
                }}
                {error_for("expected_close_date")}
                <label for="deal-source">"Source"</label>
                <select id="deal-source" on:change=move |ev| {
                    if let Some(s) = DealSource::parse(&event_target_value(&ev)) { source.set(s) }
                }>
                    {DealSource::ALL.iter().map(|s| view! {
                        <option value=s.as_str() selected=move || source.get() == *s>{super::page::source_label(*s)}</option>
                    }).collect_view()}
                </select>
                <label for="deal-next">"Next steps (the customer sees these when the deal is shared)"</label>
                <textarea id="deal-next" rows="3" prop:value=move || next_steps.get() aria-invalid=invalid("next_steps")
                    on:input=move |ev| next_steps.set(event_target_value(&ev))></textarea>
                {error_for("next_steps")}
                <div class="actions"><button type="submit" class="button primary">"Save changes"</button></div>
            </form>
        </section>
    }
}

/// Sharing the deal to the customer's portal, its amount, and inviting its contacts.
#[component]
fn Sharing(live: Live) -> impl IntoView {
    let notice: Notice = RwSignal::new(None);
    let with_amount = RwSignal::new(live.deal.with_untracked(|d| d.amount_shared));
    let invite = RwSignal::new(false);
    let shared = move || live.deal.with(|d| d.shared);
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let (id, amount_was_shared, version) = live
            .deal
            .with_untracked(|d| (d.id.to_string(), d.amount_shared, d.version));
        if amount_was_shared && !with_amount.get_untracked() {
            let hide = api::deals::update(
                &id,
                version,
                &DealPatch {
                    amount_shared: Some(false),
                    ..Default::default()
                },
            );
            spawn_local(async move {
                match hide.await {
                    Ok(d) => {
                        notice.set(Some(Ok(
                            "The amount is no longer shown to the customer.".into()
                        )));
                        live.changed(d);
                    }
                    Err(e) if e.is_stale() => notice.set(Some(Err(STALE.into()))),
                    Err(e) => failed(notice, e),
                }
            });
            return;
        }
        let share = api::deals::share(
            &id,
            &ShareInput {
                amount_shared: with_amount.get_untracked(),
                invite_contacts: invite.get_untracked(),
            },
        );
        spawn_local(async move {
            match share.await {
                Ok(out) => {
                    let invited = if out.invited.is_empty() {
                        String::new()
                    } else {
                        format!(" Invited {}.", out.invited.join(", "))
                    };
                    notice.set(Some(Ok(format!(
                        "Shared to the customer's portal.{invited}"
                    ))));
                    invite.set(false);
                    live.changed(out.deal);
                }
                Err(e) => failed(notice, e),
            }
        });
    };
    let stop = move |_| {
        let unshare = api::deals::unshare(&live.id());
        spawn_local(async move {
            match unshare.await {
                Ok(d) => {
                    with_amount.set(false);
                    notice.set(Some(Ok(
                        "The deal is no longer shared to the portal.".into()
                    )));
                    live.changed(d);
                }
                Err(e) => failed(notice, e),
            }
        });
    };
    view! {
        <section class="card" aria-labelledby="share-title">
            <h2 id="share-title">"Sharing"</h2>
            <p>{move || live.deal.with(|d| if d.shared {
                format!("Shared to {}'s portal: their users see the stage, close date, next steps and shared notes.", d.account.name)
            } else {
                "Not shared: only your company sees this deal.".to_owned()
            })}</p>
            <NoticeView notice=notice/>
            <form on:submit=on_submit>
                <label class="check"><input type="checkbox" prop:checked=move || with_amount.get()
                    on:change=move |ev| with_amount.set(event_target_checked(&ev))/>"Show the amount to customers allowed to see deal values"</label>
                <label class="check"><input type="checkbox" prop:checked=move || invite.get()
                    on:change=move |ev| invite.set(event_target_checked(&ev))/>"Invite the deal's contacts who have no portal account"</label>
                <div class="actions">
                    <button type="submit" class="button primary">{move || if shared() { "Save sharing" } else { "Share to the portal" }}</button>
                    {move || shared().then(|| view! { <button type="button" class="button danger" on:click=stop>"Stop sharing"</button> })}
                </div>
            </form>
        </section>
    }
}

/// The deal's contacts at the customer: add one of the account's, or a new one.
#[component]
fn Contacts(live: Live) -> impl IntoView {
    let notice: Notice = RwSignal::new(None);
    let account = live.deal.with_untracked(|d| d.account.id.to_string());
    let known = RwSignal::new(0u32);
    let account_id = StoredValue::new(account);
    let choices = LocalResource::new(move || {
        known.track();
        api::contacts::list(&account_id.get_value())
    });
    let chosen = RwSignal::new(String::new());
    let name = RwSignal::new(String::new());
    let email = RwSignal::new(String::new());
    let add = move |contact_id: String, label: String| {
        let add = api::deals::add_contact(&live.id(), &contact_id);
        spawn_local(async move {
            match add.await {
                Ok(()) => {
                    chosen.set(String::new());
                    live.refresh(notice, format!("{label} added to the deal."));
                }
                Err(e) => failed(notice, e),
            }
        });
    };
    let add_chosen = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let id = chosen.get_untracked();
        if !id.is_empty() {
            add(id, "The contact".into());
        }
    };
    let create = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let body = ContactInput {
            account_id: account_id.get_value().into(),
            name: name.get_untracked().trim().to_owned(),
            email: email.get_untracked().trim().to_owned(),
            title: None,
            phone: None,
        };
        let create = api::contacts::create(&body);
        spawn_local(async move {
            match create.await {
                Ok(c) => {
                    name.set(String::new());
                    email.set(String::new());
                    known.update(|n| *n += 1);
                    live.within(|| add(c.id.to_string(), c.name));
                }
                Err(e) => failed(notice, e),
            }
        });
    };
    let remove = move |contact_id: String, label: String| {
        let remove = api::deals::remove_contact(&live.id(), &contact_id);
        spawn_local(async move {
            match remove.await {
                Ok(()) => live.refresh(notice, format!("{label} removed from the deal.")),
                Err(e) => failed(notice, e),
            }
        });
    };
    view! {
        <section class="card" aria-labelledby="contacts-title">
            <h2 id="contacts-title">"Contacts"</h2>
            <NoticeView notice=notice/>
            {move || {
                let contacts = live.deal.with(|d| d.contacts.clone());
                if contacts.is_empty() {
                    view! { <p class="muted">"No contacts on this deal yet."</p> }.into_any()
                } else {
                    view! { <ul class="contacts">
                        {contacts.into_iter().map(|c| {
                            let label = format!("Remove {}", c.name);
                            let (id, who) = (c.id.to_string(), c.name.clone());
                            view! { <li>
                                <div>
                                    <strong>{c.name}</strong>{c.title.map(|t| format!(", {t}"))}<br/>
                                    <span class="muted small">{c.email}" · "{if c.has_portal_account { "has a portal account" } else { "no portal account yet" }}</span>
                                </div>
                                <button type="button" class="button small" aria-label=label on:click=move |_| remove(id.clone(), who.clone())>"Remove"</button>
                            </li> }
                        }).collect_view()}
                    </ul> }.into_any()
                }
            }}
            <form class="inline" on:submit=add_chosen>
                <label for="contact-pick">"Add a contact of the account"</label>
                <div class="row">
                    <select id="contact-pick" prop:value=move || chosen.get() on:change=move |ev| chosen.set(event_target_value(&ev))>
                        <option value="">"Choose a contact"</option>
                        {move || {
                            let on_deal: Vec<String> = live.deal.with(|d| d.contacts.iter().map(|c| c.id.to_string()).collect());
                            choices.get().and_then(Result::ok).map(|l| l.items.into_iter()
                                .filter(|c| !on_deal.contains(&c.id.to_string()))
                                .map(|c| view! { <option value=c.id.to_string()>{format!("{} ({})", c.name, c.email)}</option> })
                                .collect_view())
                        }}
                    </select>
                    <button type="submit" class="button">"Add contact"</button>
                </div>
            </form>
            <details class="new-contact">
                <summary>"A new contact"</summary>
                <form on:submit=create>
                    <label for="contact-name">"Name"</label>
                    <input id="contact-name" required autocomplete="off" prop:value=move || name.get() on:input=move |ev| name.set(event_target_value(&ev))/>
                    <label for="contact-email">"Email"</label>
                    <input id="contact-email" type="email" required autocomplete="off" prop:value=move || email.get() on:input=move |ev| email.set(event_target_value(&ev))/>
                    <div class="actions"><button type="submit" class="button">"Create and add"</button></div>
                </form>
            </details>
        </section>
    }
}

/// A note on the deal: internal unless shared with the customer and partners.
#[component]
fn Notes(live: Live) -> impl IntoView {
    let notice: Notice = RwSignal::new(None);
    let body = RwSignal::new(String::new());
    let shared = RwSignal::new(false);
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let add = api::deals::add_note(
            &live.id(),
            &NoteInput {
                body: body.get_untracked(),
                shared: shared.get_untracked(),
            },
        );
        spawn_local(async move {
            match add.await {
                Ok(e) => {
                    body.set(String::new());
                    notice.set(Some(Ok(if e.shared {
                        "Shared note added."
                    } else {
                        "Internal note added."
                    }
                    .into())));
                    live.events.update(|n| *n += 1);
                }
                Err(e) => failed(notice, e),
            }
        });
    };
    view! {
        <section class="card" aria-labelledby="notes-title">
            <h2 id="notes-title">"Add a note"</h2>
            <form on:submit=on_submit>
                <label for="note-body">"Note"</label>
                <textarea id="note-body" rows="3" required prop:value=move || body.get() on:input=move |ev| body.set(event_target_value(&ev))></textarea>
                <label class="check"><input type="checkbox" role="switch" prop:checked=move || shared.get()
                    aria-describedby="note-audience" on:change=move |ev| shared.set(event_target_checked(&ev))/>"Share with the customer and partners"</label>
                <p id="note-audience" class="hint">{move || if shared.get() {
                    "Shared: the customer and partners on this deal see it in their timeline."
                } else {
                    "Internal: only your company sees it."
                }}</p>
                <NoticeView notice=notice/>
                <div class="actions"><button type="submit" class="button primary">"Add note"</button></div>
            </form>
        </section>
    }
}

/// A new deal for one of the customer accounts; it opens once created.
#[component]
pub fn NewDeal() -> impl IntoView {
    let navigate = leptos_router::hooks::use_navigate();
    let notice: Notice = RwSignal::new(None);
    let accounts = LocalResource::new(|| api::accounts::choices(Some(PortalKind::Customer)));
    let account = RwSignal::new(String::new());
    let name = RwSignal::new(String::new());
    let close = RwSignal::new(String::new());
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let body = DealInput {
            account_id: account.get_untracked().into(),
            name: name.get_untracked().trim().to_owned(),
            stage_id: None,
            amount: None,
            expected_close_date: optional(close.get_untracked()),
            owner_id: None,
            source: None,
            next_steps: None,
            external_id: None,
            internal_tags: Vec::new(),
            contact_ids: Vec::new(),
        };
        let create = api::deals::create(&body);
        let navigate = navigate.clone();
        spawn_local(async move {
            match create.await {
                Ok(d) => navigate(&format!("/admin/deals/{}", d.id), Default::default()),
                Err(e) => failed(notice, e),
            }
        });
    };
    view! {
        <details class="card new-deal">
            <summary>"New deal"</summary>
            <form on:submit=on_submit>
                <label for="new-deal-account">"Customer account"</label>
                <select id="new-deal-account" required on:change=move |ev| account.set(event_target_value(&ev))>
                    <option value="">"Choose an account"</option>
                    {move || accounts.get().and_then(Result::ok).map(|l| l.into_iter().map(|a| view! {
                        <option value=a.id.clone()>{a.name.clone()}</option>
                    }).collect_view())}
                </select>
                <label for="new-deal-name">"Name"</label>
                <input id="new-deal-name" required prop:value=move || name.get() on:input=move |ev| name.set(event_target_value(&ev))/>
                <label for="new-deal-close">"Expected close date (optional)"</label>
                <input id="new-deal-close" type="date" prop:value=move || close.get() on:input=move |ev| close.set(event_target_value(&ev))/>
                <NoticeView notice=notice/>
                <div class="actions"><button type="submit" class="button primary">"Create deal"</button></div>
            </form>
        </details>
    }
}
