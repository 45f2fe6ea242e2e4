//! A partner's screens in their portal: register a deal, the organisation's registrations
//! (one with its receipt and, when rejected, the one appeal), and referrals.

use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::A;
use portcullis_shared::partners::{
    ConflictKind, ConflictVerdict, ReferralInput, Registration, RegistrationInput,
    RegistrationStatus, check_referral, check_registration,
};
use portcullis_shared::{Currency, FieldCode, FieldError, Money};

use super::{
    FieldErrors, conflict_class, idempotency_key, referral_label, save_file, status_badge, today,
};
use crate::api;
use crate::pages::admin::{Loaded, Notice, NoticeView, failed, optional, when};
use crate::pages::deals::{day, money};

/// "Register a deal": the shared rules checked as the partner types, a conflict hint from the
/// server while the company or website changes, and on success the registration and its
/// receipt.
#[component]
pub fn RegisterDeal(base: String) -> impl IntoView {
    let company = RwSignal::new(String::new());
    let website = RwSignal::new(String::new());
    let contact_name = RwSignal::new(String::new());
    let contact_email = RwSignal::new(String::new());
    let contact_phone = RwSignal::new(String::new());
    let amount = RwSignal::new(String::new());
    let currency = RwSignal::new(Currency::USD);
    let product = RwSignal::new(String::new());
    let close = RwSignal::new(String::new());
    let description = RwSignal::new(String::new());
    let touched = RwSignal::new(Vec::<&'static str>::new());
    let server_errors = RwSignal::new(Vec::<FieldError>::new());
    let notice: Notice = RwSignal::new(None);
    let sending = RwSignal::new(false);
    let done = RwSignal::new(None::<Registration>);
    // One key per filling of the form: a second click sends the same key.
    let key = StoredValue::new(idempotency_key());
    let today = today();

    let amount_money = move || {
        let text = amount.get().replace(',', "");
        if text.trim().is_empty() {
            return Ok(Money {
                minor: 0,
                currency: currency.get(),
            });
        }
        Money::parse(text.trim(), currency.get()).map_err(|_| ())
    };
    let input = move || RegistrationInput {
        company: company.get(),
        website: optional(website.get()),
        contact_name: contact_name.get(),
        contact_email: contact_email.get(),
        contact_phone: optional(contact_phone.get()),
        amount: amount_money().unwrap_or(Money {
            minor: 1,
            currency: currency.get(),
        }),
        product_interest: product.get(),
        expected_close_date: close.get(),
        description: description.get(),
    };
    let all_errors = Memo::new(move |_| {
        let mut errors = check_registration(&input(), &today);
        if amount_money().is_err() {
            errors.push(FieldError::new(
                "amount",
                FieldCode::InvalidFormat,
                "must be a number such as 12500.00",
            ));
        }
        errors
    });
    let shown = Signal::derive(move || {
        let mut errors: Vec<FieldError> = all_errors.with(|es| {
            touched.with(|t| {
                es.iter()
                    .filter(|e| t.contains(&e.field.as_str()))
                    .cloned()
                    .collect()
            })
        });
        let extra: Vec<FieldError> = server_errors.with(|s| {
            s.iter()
                .filter(|e| !errors.iter().any(|x| x.field == e.field))
                .cloned()
                .collect()
        });
        errors.extend(extra);
        errors
    });
    let errors = FieldErrors {
        prefix: "reg",
        errors: shown,
        touched,
    };

    // The conflict hint: asked ~300 ms after the company or website last changed; an answer
    // to an earlier question is ignored.
    let verdict = RwSignal::new(None::<ConflictVerdict>);
    let asked = StoredValue::new(0u32);
    let timer = StoredValue::new(None::<TimeoutHandle>);
    let owner = Owner::current();
    Effect::new(move |_| {
        let (c, w) = (company.get(), website.get());
        if let Some(t) = timer.get_value() {
            t.clear();
        }
        asked.update_value(|n| *n += 1);
        let n = asked.get_value();
        if c.trim().chars().count() < 2 && w.trim().is_empty() {
            verdict.set(None);
            return;
        }
        let owner = owner.clone();
        let handle = set_timeout_with_handle(
            move || {
                let check = match &owner {
                    Some(o) => o.with(|| api::partners::check(c, w)),
                    None => api::partners::check(c, w),
                };
                spawn_local(async move {
                    if let Ok(v) = check.await
                        && asked.get_value() == n
                    {
                        verdict.set(Some(v));
                    }
                });
            },
            std::time::Duration::from_millis(300),
        );
        timer.set_value(handle.ok());
    });

    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if sending.get_untracked() {
            return;
        }
        touched.set(vec![
            "company",
            "website",
            "contact_name",
            "contact_email",
            "contact_phone",
            "amount",
            "product_interest",
            "expected_close_date",
            "description",
        ]);
        server_errors.set(Vec::new());
        if !all_errors.get_untracked().is_empty() {
            notice.set(Some(Err(
                "Nothing was sent yet: please correct the marked fields.".into(),
            )));
            focus_first_invalid();
            return;
        }
        let body = untrack(input);
        let call = api::partners::submit(&body, key.get_value());
        sending.set(true);
        spawn_local(async move {
            match call.await {
                Ok(s) => {
                    notice.set(None);
                    done.set(Some(s.registration));
                    focus_on("#registration-title");
                }
                Err(e) => {
                    let text = if e.0.errors.is_empty() {
                        e.message()
                    } else {
                        format!(
                            "{} Nothing was saved; see the fields marked below.",
                            e.0.title
                        )
                    };
                    server_errors.set(e.0.errors);
                    notice.set(Some(Err(text)));
                }
            }
            sending.set(false);
        });
    };
    let again = move |_| {
        for s in [
            company,
            website,
            contact_name,
            contact_email,
            contact_phone,
            amount,
            product,
            close,
            description,
        ] {
            s.set(String::new());
        }
        touched.set(Vec::new());
        server_errors.set(Vec::new());
        key.set_value(idempotency_key());
        done.set(None);
    };
    let base = StoredValue::new(base);
    view! {
        <section class="card" aria-labelledby="register-title">
            <h2 id="register-title" tabindex="-1">"Register a deal"</h2>
            {move || match done.get() {
                Some(r) => view! {
                    <p class="notice" role="status">"Registration received. We will tell you when it has been reviewed."</p>
                    <RegistrationCard registration=r base=base.get_value() level=3/>
                    <div class="actions">
                        <button type="button" class="button" on:click=again>"Register another deal"</button>
                        <A href=format!("{}/registrations", base.get_value()) attr:class="button">"My registrations"</A>
                    </div>
                }.into_any(),
                None => view! {
                    <p class="muted">"Tell us about the opportunity. Once approved, it is protected for you."</p>
                    <form class="register" on:submit=on_submit novalidate>
                        {errors.input("reg-company", "company", "Company", "text", company)}
                        {errors.input("reg-website", "website", "Website", "text", website)}
                        <div class=move || verdict.with(|v| v.as_ref().map(|v| conflict_class(v.conflict)).unwrap_or("conflict"))
                            role="status" aria-live="polite">
                            {move || verdict.get().filter(|v| v.conflict != ConflictKind::None || !v.message.is_empty()).map(|v| v.message)}
                        </div>
                        <div class="row">
                            {errors.input("reg-contact", "contact_name", "Contact name", "text", contact_name)}
                            {errors.input("reg-email", "contact_email", "Contact email", "email", contact_email)}
                        </div>
                        {errors.input("reg-phone", "contact_phone", "Contact phone (optional)", "tel", contact_phone)}
                        <div class="row">
                            <div class="field">
                                <label for="reg-amount">"Estimated amount"</label>
                                <input id="reg-amount" inputmode="decimal" prop:value=move || amount.get()
                                    aria-invalid=errors.invalid("amount") aria-describedby=errors.described("amount")
                                    on:input=move |ev| { amount.set(event_target_value(&ev)); errors.touch("amount"); }/>
                                {errors.show("amount", "Estimated amount")}
                            </div>
                            <div class="field">
                                <label for="reg-currency">"Currency"</label>
                                <select id="reg-currency" on:change=move |ev| {
                                    if let Some(c) = Currency::parse(&event_target_value(&ev)) { currency.set(c) }
                                }>
                                    {Currency::ALL.iter().map(|c| view! {
                                        <option value=c.code() selected=move || currency.get() == *c>{c.code()}</option>
                                    }).collect_view()}
                                </select>
                            </div>
                        </div>
                        <div class="row">
                            {errors.input("reg-product", "product_interest", "Product interest", "text", product)}
                            {errors.input("reg-close", "expected_close_date", "Expected close date", "date", close)}
                        </div>
                        <div class="field">
                            <label for="reg-description">"Description"</label>
                            <textarea id="reg-description" rows="4" prop:value=move || description.get()
                                aria-invalid=errors.invalid("description") aria-describedby=errors.described("description")
                                on:input=move |ev| { description.set(event_target_value(&ev)); errors.touch("description"); }></textarea>
                            {errors.show("description", "Description")}
                        </div>
                        <NoticeView notice=notice/>
                        <button type="submit" class="button primary" disabled=move || sending.get()>
                            {move || if sending.get() { "Sending…" } else { "Register deal" }}
                        </button>
                    </form>
                }.into_any(),
            }}
        </section>
    }
}

/// Moves the keyboard to the first field with an error.
fn focus_first_invalid() {
    focus_on("[aria-invalid='true']");
}

/// Moves the keyboard to the first element matching `selector` once it is drawn.
fn focus_on(selector: &'static str) {
    request_animation_frame(move || {
        let target = web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.query_selector(selector).ok().flatten())
            .and_then(|e| wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlElement>(e).ok());
        if let Some(target) = target {
            let _ = target.focus();
        }
    });
}

/// Downloads a registration's receipt (the call needs the session's token, so the file is
/// fetched and handed to the browser as a Blob).
#[component]
pub fn ReceiptButton(id: String) -> impl IntoView {
    let notice: Notice = RwSignal::new(None);
    let id = StoredValue::new(id);
    let download = move |_| {
        let call = api::partners::receipt(&id.get_value());
        spawn_local(async move {
            match call.await {
                Ok(url) => save_file(
                    &url,
                    &format!("registration-receipt-{}.json", id.get_value()),
                ),
                Err(e) => failed(notice, e),
            }
        });
    };
    view! {
        <button type="button" class="button" on:click=download>"Download receipt"</button>
        <NoticeView notice=notice/>
    }
}

/// One registration as its partner sees it: where it stands, what they submitted, the receipt,
/// and when rejected the reason and the one appeal.
#[component]
pub fn RegistrationCard(registration: Registration, base: String, level: u8) -> impl IntoView {
    let r = RwSignal::new(registration);
    let title = move || r.with(|r| r.company.clone());
    let heading = match level {
        2 => view! { <h2 id="registration-title" tabindex="-1">{title}</h2> }.into_any(),
        _ => view! { <h3 id="registration-title" tabindex="-1">{title}</h3> }.into_any(),
    };
    view! {
        <article class="registration" aria-labelledby="registration-title">
            {heading}
            {move || {
                let reg = r.get();
                let deal = reg.deal_id.clone().map(|d| format!("{base}/deals/{d}"));
                view! {
                    <p class="status-line">{status_badge(reg.status)}" "{status_sentence(&reg)}</p>
                    <dl class="facts">
                        <div><dt>"Estimated amount"</dt><dd>{money(&reg.amount)}</dd></div>
                        <div><dt>"Expected close"</dt><dd>{day(&reg.expected_close_date)}</dd></div>
                        <div><dt>"Contact"</dt><dd>{reg.contact_name.clone()}<br/><span class="muted small">{reg.contact_email.clone()}</span></dd></div>
                        <div><dt>"Product interest"</dt><dd>{reg.product_interest.clone()}</dd></div>
                        <div><dt>"Submitted"</dt><dd>{when(&reg.submitted_at)}" UTC by "{reg.submitted_by_name.clone()}</dd></div>
                        {reg.protected_until.clone().map(|p| view! { <div><dt>"Protected until"</dt><dd>{day(&p)}</dd></div> })}
                    </dl>
                    {(reg.conflict.conflict != ConflictKind::None).then(|| view! {
                        <p class=conflict_class(reg.conflict.conflict)>{reg.conflict.message.clone()}</p>
                    })}
                    {reg.rejection_reason.clone().map(|why| view! { <p class="reason"><strong>"Reason: "</strong>{why}</p> })}
                    {reg.appeal.clone().map(|a| view! { <p class="reason"><strong>"Your appeal: "</strong>{a}</p> })}
                    <div class="actions">
                        <ReceiptButton id=reg.id.clone()/>
                        {deal.map(|href| view! { <A href=href attr:class="button">"Open the deal"</A> })}
                    </div>
                    {(reg.status == RegistrationStatus::Rejected && reg.appeal.is_none())
                        .then(|| view! { <Appeal id=reg.id.clone() updated=r/> })}
                }
            }}
        </article>
    }
}

/// What the status means for the partner, in a sentence.
fn status_sentence(r: &Registration) -> String {
    match r.status {
        RegistrationStatus::Submitted if r.appeal.is_some() => {
            "Your appeal is being reviewed.".into()
        }
        RegistrationStatus::Submitted => "A channel manager will review it.".into(),
        RegistrationStatus::Approved => match &r.protected_until {
            Some(p) => format!("Protected for you until {}.", day(p)),
            None => "Protected for you.".into(),
        },
        RegistrationStatus::Rejected => "Not approved.".into(),
        RegistrationStatus::Won => "The deal was won.".into(),
        RegistrationStatus::Lost => "The deal was lost.".into(),
        RegistrationStatus::Expired => "Its protection has ended.".into(),
    }
}

/// The partner's one appeal of a rejection.
#[component]
fn Appeal(id: String, updated: RwSignal<Registration>) -> impl IntoView {
    let statement = RwSignal::new(String::new());
    let notice: Notice = RwSignal::new(None);
    let field_id = format!("appeal-{id}");
    let id = StoredValue::new(id);
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let text = statement.get_untracked();
        if text.trim().is_empty() {
            notice.set(Some(Err(
                "Please say why the decision should change.".into()
            )));
            return;
        }
        let call = api::partners::appeal(&id.get_value(), text);
        spawn_local(async move {
            match call.await {
                Ok(r) => updated.set(r),
                Err(e) => failed(notice, e),
            }
        });
    };
    view! {
        <details class="appeal">
            <summary>"Appeal this decision"</summary>
            <form on:submit=on_submit novalidate>
                <label for=field_id.clone()>"Why should it be approved? (you can appeal once)"</label>
                <textarea id=field_id rows="3" prop:value=move || statement.get() on:input=move |ev| statement.set(event_target_value(&ev))></textarea>
                <NoticeView notice=notice/>
                <div class="actions"><button type="submit" class="button primary">"Send appeal"</button></div>
            </form>
        </details>
    }
}

/// "My registrations": the organisation's registrations, newest first.
#[component]
pub fn MyRegistrations(base: String) -> impl IntoView {
    let page = LocalResource::new(api::partners::list);
    let base = StoredValue::new(base);
    view! {
        <section class="card" aria-labelledby="registrations-title">
            <div class="panel-head">
                <h2 id="registrations-title" tabindex="-1">"My registrations"</h2>
                <A href=format!("{}/register", base.get_value()) attr:class="button">"Register a deal"</A>
            </div>
            <Loaded label="Loading registrations…">
            {move || Suspend::new(async move { page.await.map(|p| {
                if p.items.is_empty() {
                    return view! { <p class="muted">"You have not registered any deals yet."</p> }.into_any();
                }
                let base = base.get_value();
                view! {
                    <div class="table-wrap"><table class="stack deal-table">
                        <caption class="sr-only">"My registrations"</caption>
                        <thead><tr>
                            <th scope="col">"Prospect"</th><th scope="col">"Status"</th><th scope="col">"Amount"</th>
                            <th scope="col">"Submitted"</th><th scope="col">"Details"</th>
                        </tr></thead>
                        <tbody>
                        {p.items.into_iter().map(|r| {
                            let href = format!("{base}/registrations/{}", r.id);
                            let details = match r.status {
                                RegistrationStatus::Approved => r.protected_until.as_deref().map(|p| format!("Protected until {}", day(p))),
                                RegistrationStatus::Rejected => r.rejection_reason.clone().map(|why| format!("Reason: {why}")),
                                RegistrationStatus::Submitted if r.appeal.is_some() => Some("Appeal under review".into()),
                                _ => None,
                            };
                            let appealable = r.status == RegistrationStatus::Rejected && r.appeal.is_none();
                            view! { <tr>
                                <td data-label="Prospect"><A href=href.clone()>{r.company.clone()}</A></td>
                                <td data-label="Status">{status_badge(r.status)}</td>
                                <td data-label="Amount">{money(&r.amount)}</td>
                                <td data-label="Submitted">{day(&r.submitted_at)}</td>
                                <td data-label="Details">
                                    {details}
                                    {appealable.then(|| view! { " " <A href=href>"Appeal"</A> })}
                                </td>
                            </tr> }
                        }).collect_view()}
                        </tbody>
                    </table></div>
                }.into_any()
            }) })}
            </Loaded>
        </section>
    }
}

/// One registration, opened from the list or a notification.
#[component]
pub fn RegistrationDetail(id: String, base: String) -> impl IntoView {
    let reg = LocalResource::new(move || api::partners::get(&id));
    let back = format!("{base}/registrations");
    let base = StoredValue::new(base);
    view! {
        <section class="card">
            <p><A href=back>"← My registrations"</A></p>
            <Loaded label="Loading the registration…">
            {move || Suspend::new(async move { reg.await.map(|r| view! {
                <RegistrationCard registration=r base=base.get_value() level=2/>
            }) })}
            </Loaded>
        </section>
    }
}

/// Referrals: refer a prospect, and follow what became of the ones referred.
#[component]
pub fn Referrals() -> impl IntoView {
    let company = RwSignal::new(String::new());
    let website = RwSignal::new(String::new());
    let contact_name = RwSignal::new(String::new());
    let contact_email = RwSignal::new(String::new());
    let contact_phone = RwSignal::new(String::new());
    let notes = RwSignal::new(String::new());
    let touched = RwSignal::new(Vec::<&'static str>::new());
    let server_errors = RwSignal::new(Vec::<FieldError>::new());
    let notice: Notice = RwSignal::new(None);
    let version = RwSignal::new(0u32);
    let list = LocalResource::new(move || {
        version.track();
        api::partners::referrals()
    });
    let input = move || ReferralInput {
        company: company.get(),
        website: optional(website.get()),
        contact_name: contact_name.get(),
        contact_email: contact_email.get(),
        contact_phone: optional(contact_phone.get()),
        notes: notes.get(),
    };
    let all_errors = Memo::new(move |_| check_referral(&input()));
    let shown = Signal::derive(move || {
        let mut errors: Vec<FieldError> = all_errors.with(|es| {
            touched.with(|t| {
                es.iter()
                    .filter(|e| t.contains(&e.field.as_str()))
                    .cloned()
                    .collect()
            })
        });
        errors.extend(server_errors.get());
        errors
    });
    let errors = FieldErrors {
        prefix: "ref",
        errors: shown,
        touched,
    };
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        touched.set(vec![
            "company",
            "website",
            "contact_name",
            "contact_email",
            "contact_phone",
            "notes",
        ]);
        server_errors.set(Vec::new());
        if !all_errors.get_untracked().is_empty() {
            notice.set(Some(Err(
                "Nothing was sent yet: please correct the marked fields.".into(),
            )));
            focus_first_invalid();
            return;
        }
        let call = api::partners::refer(&untrack(input));
        spawn_local(async move {
            match call.await {
                Ok(r) => {
                    notice.set(Some(Ok(format!(
                        "Thank you: {} was referred. {}",
                        r.company, r.conflict.message
                    ))));
                    for s in [
                        company,
                        website,
                        contact_name,
                        contact_email,
                        contact_phone,
                        notes,
                    ] {
                        s.set(String::new());
                    }
                    touched.set(Vec::new());
                    version.update(|v| *v += 1);
                }
                Err(e) => {
                    server_errors.set(e.0.errors.clone());
                    failed(notice, e);
                }
            }
        });
    };
    view! {
        <section class="card" aria-labelledby="refer-title">
            <h2 id="refer-title" tabindex="-1">"Refer a prospect"</h2>
            <p class="muted">"Know a company that needs us? Our team takes it from here and credits you if it becomes a deal."</p>
            <form on:submit=on_submit novalidate>
                {errors.input("ref-company", "company", "Company", "text", company)}
                {errors.input("ref-website", "website", "Website (optional)", "text", website)}
                <div class="row">
                    {errors.input("ref-contact", "contact_name", "Contact name", "text", contact_name)}
                    {errors.input("ref-email", "contact_email", "Contact email", "email", contact_email)}
                </div>
                {errors.input("ref-phone", "contact_phone", "Contact phone (optional)", "tel", contact_phone)}
                <div class="field">
                    <label for="ref-notes">"Notes (optional)"</label>
                    <textarea id="ref-notes" rows="3" prop:value=move || notes.get()
                        aria-invalid=errors.invalid("notes") aria-describedby=errors.described("notes")
                        on:input=move |ev| { notes.set(event_target_value(&ev)); errors.touch("notes"); }></textarea>
                    {errors.show("notes", "Notes")}
                </div>
                <NoticeView notice=notice/>
                <div class="actions"><button type="submit" class="button primary">"Send referral"</button></div>
            </form>
        </section>
        <section class="card" aria-labelledby="referrals-title">
            <h2 id="referrals-title">"My referrals"</h2>
            <Loaded label="Loading referrals…">
            {move || Suspend::new(async move { list.await.map(|p| {
                if p.items.is_empty() {
                    return view! { <p class="muted">"No referrals yet."</p> }.into_any();
                }
                view! {
                    <div class="table-wrap"><table class="stack deal-table">
                        <caption class="sr-only">"My referrals"</caption>
                        <thead><tr>
                            <th scope="col">"Prospect"</th><th scope="col">"Contact"</th>
                            <th scope="col">"Status"</th><th scope="col">"Referred"</th>
                        </tr></thead>
                        <tbody>
                        {p.items.into_iter().map(|r| view! { <tr>
                            <td data-label="Prospect">{r.company}{r.domain.map(|d| view! { <br/><span class="muted small">{d}</span> })}</td>
                            <td data-label="Contact">{r.contact_name}<br/><span class="muted small">{r.contact_email}</span></td>
                            <td data-label="Status"><span class=format!("badge {}", r.status)>{referral_label(r.status)}</span></td>
                            <td data-label="Referred">{day(&r.submitted_at)}</td>
                        </tr> }).collect_view()}
                        </tbody>
                    </table></div>
                }.into_any()
            }) })}
            </Loaded>
        </section>
    }
}
