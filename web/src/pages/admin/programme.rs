//! Running the partner programme: commission plans and their rates, an account's plan,
//! own rates and tier, every partner's commissions, payouts (recorded by administrators) and
//! the tiers with their recompute.

use leptos::prelude::*;
use leptos::task::spawn_local;
use portcullis_shared::commissions::{
    AccountPlanInput, Commission, CommissionPlan, CommissionPlanInput, CommissionPlanPatch,
    CommissionStatus, PayoutInput, PlanRate, PlanRatesInput,
};
use portcullis_shared::deals::PartnerRole;
use portcullis_shared::tiers::{Tier, TierInput, TierPatch};
use portcullis_shared::{Currency, FieldCode, FieldError, Money, PortalKind, Role};

use super::{Loaded, Notice, NoticeView, failed};
use crate::api::{self, ApiError};
use crate::pages::deals::money;
use crate::pages::programme::commissions::{commission_table, payout_table, rate_table};
use crate::pages::programme::tier::standing;
use crate::pages::programme::{
    Errors, error_for, invalid, parse_percent, percent, percent_number, role_label, status_label,
};

const TABS: [(&str, &str); 5] = [
    ("plans", "Plans and rates"),
    ("account", "A partner's terms"),
    ("commissions", "Commissions"),
    ("payouts", "Payouts"),
    ("tiers", "Tiers"),
];

/// Partner accounts as (id, name), for pickers and names in lists.
type Names = Vec<(String, String)>;

async fn partner_names() -> Result<Names, ApiError> {
    let accounts = api::accounts::choices(Some(PortalKind::Partner)).await?;
    Ok(accounts.into_iter().map(|a| (a.id, a.name)).collect())
}

#[component]
pub fn Programme(role: Role) -> impl IntoView {
    let tab = RwSignal::new("plans");
    view! {
        <section class="programme" aria-labelledby="programme-title">
            <h1 id="programme-title">"Partner programme"</h1>
            <div class="tabs" role="group" aria-label="Programme screens">
                {TABS.into_iter().map(|(value, label)| view! {
                    <button type="button" class="button small" aria-pressed=move || (tab.get() == value).to_string()
                        on:click=move |_| tab.set(value)>{label}</button>
                }).collect_view()}
            </div>
            {move || match tab.get() {
                "account" => view! { <AccountTerms/> }.into_any(),
                "commissions" => view! { <AllCommissions/> }.into_any(),
                "payouts" => view! { <Payouts admin=role == Role::Admin/> }.into_any(),
                "tiers" => view! { <Tiers/> }.into_any(),
                _ => view! { <Plans/> }.into_any(),
            }}
        </section>
    }
}

/// A select of partner accounts bound to `value` (an id; empty: `none`).
fn partner_select(
    id: &'static str,
    label: &'static str,
    none: &'static str,
    names: Names,
    value: RwSignal<String>,
) -> impl IntoView {
    view! {
        <div>
            <label for=id>{label}</label>
            <select id=id on:change=move |ev| value.set(event_target_value(&ev))>
                <option value="">{none}</option>
                {names.into_iter().map(|(i, n)| {
                    let selected = value.get_untracked() == i;
                    view! { <option value=i selected=selected>{n}</option> }
                }).collect_view()}
            </select>
        </div>
    }
}

/// The problem of a failed save: per field when the server named them.
fn report(notice: Notice, errors: Errors, e: ApiError) {
    if e.0.errors.is_empty() {
        errors.set(Vec::new());
        failed(notice, e);
    } else {
        notice.set(Some(Err(format!(
            "{} Nothing was saved; see the fields marked below.",
            e.0.title
        ))));
        errors.set(e.0.errors);
    }
}

#[component]
fn Plans() -> impl IntoView {
    let version = RwSignal::new(0u32);
    let notice: Notice = RwSignal::new(None);
    let data = LocalResource::new(move || {
        version.track();
        let (plans, tiers) = (api::commissions::plans(), api::commissions::tiers());
        async move { Ok::<_, ApiError>((plans.await?.items, tiers.await?.items)) }
    });
    let changed = Callback::new(move |m: String| {
        notice.set(Some(Ok(m)));
        version.update(|v| *v += 1);
    });
    view! {
        <NoticeView notice=notice/>
        <Loaded label="Loading the plans…">
        {move || Suspend::new(async move { data.await.map(|(plans, tiers)| {
            plans.into_iter().map(|p| view! { <PlanCard plan=p tiers=tiers.clone() notice=notice changed=changed/> }).collect_view()
        }) })}
        </Loaded>
        <NewPlan changed=changed/>
    }
}

#[component]
fn PlanCard(
    plan: CommissionPlan,
    tiers: Vec<Tier>,
    notice: Notice,
    changed: Callback<String>,
) -> impl IntoView {
    let id = StoredValue::new(plan.id.to_string());
    let name = plan.name.clone();
    // One field per role and tier ("any tier" first), holding the rate in percent.
    let columns: Vec<Option<Tier>> = std::iter::once(None)
        .chain(tiers.into_iter().map(Some))
        .collect();
    let cells: Vec<(PartnerRole, Option<Tier>, RwSignal<String>)> = PartnerRole::ALL
        .iter()
        .flat_map(|role| {
            let rates = &plan.rates;
            columns.iter().map(move |t| {
                let tier_id = t.as_ref().map(|t| t.id.clone());
                let current = rates
                    .iter()
                    .find(|r| r.role == *role && r.tier_id == tier_id)
                    .map(|r| percent_number(r.rate_bps))
                    .unwrap_or_default();
                (*role, t.clone(), RwSignal::new(current))
            })
        })
        .collect();
    let cells = StoredValue::new(cells);
    let save = move |_| {
        let mut rates = Vec::new();
        for (role, tier, text) in cells.get_value() {
            let text = text.get_untracked();
            if text.trim().is_empty() {
                continue;
            }
            let Some(rate_bps) = parse_percent(&text) else {
                notice.set(Some(Err(format!(
                    "The {} rate{} must be a percentage from 0 to 100, such as 2.5.",
                    role_label(role),
                    tier.map(|t| format!(" at {}", t.name)).unwrap_or_default()
                ))));
                return;
            };
            rates.push(PlanRate {
                role,
                tier_id: tier.map(|t| t.id),
                rate_bps,
            });
        }
        let call = api::commissions::set_plan_rates(&id.get_value(), &PlanRatesInput { rates });
        spawn_local(async move {
            match call.await {
                Ok(p) => changed.run(format!("The rates of {} were saved.", p.name)),
                Err(e) => failed(notice, e),
            }
        });
    };
    let make_default = move |_| {
        let call = api::commissions::update_plan(
            &id.get_value(),
            &CommissionPlanPatch {
                is_default: Some(true),
                ..Default::default()
            },
        );
        spawn_local(async move {
            match call.await {
                Ok(p) => changed.run(format!("{} is now the default plan.", p.name)),
                Err(e) => failed(notice, e),
            }
        });
    };
    let heads = columns
        .iter()
        .map(|t| {
            let label = t
                .as_ref()
                .map(|t| t.name.clone())
                .unwrap_or_else(|| "Any tier".into());
            view! { <th scope="col">{label}</th> }
        })
        .collect_view();
    let n = columns.len();
    view! {
        <section class="card" aria-labelledby=format!("plan-{}", plan.id)>
            <div class="panel-head">
                <h2 id=format!("plan-{}", plan.id)>{name.clone()}
                    {plan.is_default.then(|| view! { " " <span class="badge active">"Default"</span> })}</h2>
                {(!plan.is_default).then(|| view! {
                    <button type="button" class="button small" on:click=make_default>"Make default"</button>
                })}
            </div>
            <p class="muted">"Rates in percent. A tier's rate applies to partners at that tier; \"Any tier\" to the others. Leave a field empty for no rate."</p>
            <div class="table-wrap"><table class="rate-grid">
                <caption class="sr-only">{format!("Rates of {name}")}</caption>
                <thead><tr><th scope="col">"Deal type"</th>{heads}</tr></thead>
                <tbody>{PartnerRole::ALL.iter().enumerate().map(|(r, role)| {
                    let row = cells.with_value(|c| c[r * n..(r + 1) * n].to_vec());
                    view! { <tr>
                        <th scope="row">{role_label(*role)}</th>
                        {row.into_iter().map(|(role, tier, text)| {
                            let label = format!("{} rate, {} (%)", role_label(role), tier.map(|t| t.name).unwrap_or_else(|| "any tier".into()));
                            view! { <td><input class="rate" inputmode="decimal" aria-label=label
                                prop:value=move || text.get() on:input=move |ev| text.set(event_target_value(&ev))/></td> }
                        }).collect_view()}
                    </tr> }
                }).collect_view()}</tbody>
            </table></div>
            <div class="actions"><button type="button" class="button primary" aria-label=format!("Save rates of {name}") on:click=save>"Save rates"</button></div>
        </section>
    }
}

#[component]
fn NewPlan(changed: Callback<String>) -> impl IntoView {
    let name = RwSignal::new(String::new());
    let default = RwSignal::new(false);
    let notice: Notice = RwSignal::new(None);
    let errors: Errors = RwSignal::new(Vec::new());
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let call = api::commissions::create_plan(&CommissionPlanInput {
            name: name.get_untracked().trim().to_owned(),
            is_default: default.get_untracked(),
            rates: Vec::new(),
        });
        spawn_local(async move {
            match call.await {
                Ok(p) => {
                    name.set(String::new());
                    errors.set(Vec::new());
                    notice.set(None);
                    changed.run(format!("Plan {} added.", p.name));
                }
                Err(e) => report(notice, errors, e),
            }
        });
    };
    view! {
        <section class="card" aria-labelledby="new-plan-title">
            <h2 id="new-plan-title">"Add a plan"</h2>
            <form on:submit=on_submit novalidate>
                <label for="plan-name">"Name"</label>
                <input id="plan-name" required aria-invalid=invalid(errors, "name") aria-describedby="plan-name-error"
                    prop:value=move || name.get() on:input=move |ev| name.set(event_target_value(&ev))/>
                {error_for(errors, "plan-name-error", "name")}
                <label class="check"><input type="checkbox" prop:checked=move || default.get()
                    on:change=move |ev| default.set(event_target_checked(&ev))/>"Make it the default plan"</label>
                <NoticeView notice=notice/>
                <div class="actions"><button type="submit" class="button primary">"Add plan"</button></div>
            </form>
        </section>
    }
}

/// One partner account's plan, own rates and tier.
#[component]
fn AccountTerms() -> impl IntoView {
    let account = RwSignal::new(String::new());
    let names = LocalResource::new(partner_names);
    view! {
        <Loaded label="Loading partners…">
        {move || Suspend::new(async move { names.await.map(|n| view! {
            <div class="filters spaced">{partner_select("terms-account", "Partner", "Choose a partner", n, account)}</div>
        }) })}
        </Loaded>
        {move || {
            let a = account.get();
            (!a.is_empty()).then(|| view! { <Terms account=a/> })
        }}
    }
}

#[component]
fn Terms(account: String) -> impl IntoView {
    let version = RwSignal::new(0u32);
    let notice: Notice = RwSignal::new(None);
    let account = StoredValue::new(account);
    let data = LocalResource::new(move || {
        version.track();
        let a = account.get_value();
        let rates = api::commissions::rates(a.clone());
        let status = api::commissions::tier_status(a);
        let (plans, tiers) = (api::commissions::plans(), api::commissions::tiers());
        async move {
            Ok::<_, ApiError>((
                rates.await?,
                status.await?,
                plans.await?.items,
                tiers.await?.items,
            ))
        }
    });
    let done = move |r: Result<String, ApiError>| match r {
        Ok(m) => {
            notice.set(Some(Ok(m)));
            version.update(|v| *v += 1);
        }
        Err(e) => failed(notice, e),
    };
    view! {
        <NoticeView notice=notice/>
        <Loaded label="Loading the partner's terms…">
        {move || Suspend::new(async move { data.await.map(|(rates, status, plans, tiers)| {
            let plan = RwSignal::new(rates.plan_id.to_string());
            let save_plan = move |_| {
                let p = plan.get_untracked();
                let chosen = plans_default(&p);
                let call = api::commissions::set_account_plan(&account.get_value(), &AccountPlanInput { plan_id: chosen.map(Into::into) });
                spawn_local(async move { done(call.await.map(|r| format!("Now on plan {}.", r.plan_name))) });
            };
            let overrides = rates.rates.clone().into_iter().map(|a| {
                let text = RwSignal::new(String::new());
                let role = a.role;
                let set = move |_| {
                    let Some(bps) = parse_percent(&text.get_untracked()) else {
                        notice.set(Some(Err(format!("The {} rate must be a percentage from 0 to 100.", role_label(role)))));
                        return;
                    };
                    let call = api::commissions::set_override(&account.get_value(), role.as_str(), Some(bps));
                    spawn_local(async move { done(call.await.map(|_| format!("Own {} rate set to {}.", role_label(role), percent(bps)))) });
                };
                let clear = move |_| {
                    let call = api::commissions::set_override(&account.get_value(), role.as_str(), None);
                    spawn_local(async move { done(call.await.map(|_| format!("Own {} rate cleared.", role_label(role)))) });
                };
                let own = a.source == portcullis_shared::commissions::RateSource::Override;
                view! { <tr>
                    <th scope="row">{role_label(role)}</th>
                    <td data-label="Now">{percent(a.rate_bps)}</td>
                    <td><div class="actions">
                        <input class="rate" inputmode="decimal" aria-label=format!("Own {} rate (%)", role_label(role))
                            prop:value=move || text.get() on:input=move |ev| text.set(event_target_value(&ev))/>
                        <button type="button" class="button small" on:click=set>{format!("Set own {} rate", role_label(role).to_lowercase())}</button>
                        {own.then(|| view! { <button type="button" class="button small danger" on:click=clear>"Clear"</button> })}
                    </div></td>
                </tr> }
            }).collect_view();
            let tier = RwSignal::new(status.tier.as_ref().map(|t| t.id.to_string()).unwrap_or_default());
            let hold = move |_| {
                let t = tier.get_untracked();
                if t.is_empty() {
                    notice.set(Some(Err("Choose the tier to hold the partner at.".into())));
                    return;
                }
                let call = api::commissions::set_tier_override(&account.get_value(), Some(t));
                spawn_local(async move { done(call.await.map(|s| format!("Held at {}.", s.tier.map(|t| t.name).unwrap_or_default()))) });
            };
            let release = move |_| {
                let call = api::commissions::set_tier_override(&account.get_value(), None);
                spawn_local(async move { done(call.await.map(|_| "The partner's results decide its tier again.".to_owned())) });
            };
            let manual = status.manual_override;
            view! {
                <section class="card" aria-labelledby="terms-rates-title">
                    <h2 id="terms-rates-title">"Plan and rates"</h2>
                    <div class="row">
                        <div>
                            <label for="terms-plan">"Plan"</label>
                            <select id="terms-plan" on:change=move |ev| plan.set(event_target_value(&ev))>
                                {plans.into_iter().map(|p| {
                                    let selected = p.id == rates.plan_id;
                                    let label = if p.is_default { format!("{} (default)", p.name) } else { p.name };
                                    let value = if p.is_default { String::new() } else { p.id.to_string() };
                                    view! { <option value=value selected=selected>{label}</option> }
                                }).collect_view()}
                            </select>
                        </div>
                        <div class="fit"><button type="button" class="button" on:click=save_plan>"Save plan"</button></div>
                    </div>
                    {rate_table(rates)}
                    <h3>"Own rates"</h3>
                    <div class="table-wrap"><table class="stack figures">
                        <caption class="sr-only">"The partner's own rates"</caption>
                        <thead><tr><th scope="col">"Deal type"</th><th scope="col">"Now"</th><th scope="col">"Own rate"</th></tr></thead>
                        <tbody>{overrides}</tbody>
                    </table></div>
                </section>
                <section class="card" aria-labelledby="terms-tier-title">
                    <h2 id="terms-tier-title">"Tier"</h2>
                    {standing(status, false)}
                    <div class="row">
                        <div>
                            <label for="terms-tier">"Hold at tier"</label>
                            <select id="terms-tier" on:change=move |ev| tier.set(event_target_value(&ev))>
                                <option value="">"Choose a tier"</option>
                                {tiers.into_iter().map(|t| {
                                    let selected = tier.get_untracked() == t.id.as_str();
                                    view! { <option value=t.id.to_string() selected=selected>{t.name}</option> }
                                }).collect_view()}
                            </select>
                        </div>
                        <div class="actions fit">
                            <button type="button" class="button" on:click=hold>"Hold at this tier"</button>
                            {manual.then(|| view! { <button type="button" class="button" on:click=release>"Let results decide"</button> })}
                        </div>
                    </div>
                </section>
            }
        }) })}
        </Loaded>
    }
}

/// The plan chosen in the select: empty is the default plan.
fn plans_default(value: &str) -> Option<String> {
    (!value.is_empty()).then(|| value.to_owned())
}

#[component]
fn AllCommissions() -> impl IntoView {
    let account = RwSignal::new(String::new());
    let status = RwSignal::new(String::new());
    let cursor = RwSignal::new(String::new());
    let names = LocalResource::new(partner_names);
    let page = LocalResource::new(move || {
        api::commissions::list(true, account.get(), status.get(), cursor.get())
    });
    Effect::new(move |_| {
        account.track();
        status.track();
        cursor.set(String::new());
    });
    view! {
        <section class="card" aria-labelledby="all-commissions-title">
            <h2 id="all-commissions-title">"Commissions"</h2>
            <Loaded label="Loading partners…">
            {move || Suspend::new(async move { names.await.map(|n| view! {
                <div class="filters spaced">
                    {partner_select("commissions-account", "Partner", "Every partner", n, account)}
                    <div>
                        <label for="commissions-status">"Status"</label>
                        <select id="commissions-status" on:change=move |ev| status.set(event_target_value(&ev))>
                            <option value="">"Any status"</option>
                            {CommissionStatus::ALL.iter().map(|s| view! { <option value=s.as_str()>{status_label(*s)}</option> }).collect_view()}
                        </select>
                    </div>
                </div>
            }) })}
            </Loaded>
            <Loaded label="Loading commissions…">
            {move || Suspend::new(async move {
                let (n, list) = (names.await?, page.await?);
                Ok::<_, ApiError>(commission_table(list, Some(n), cursor))
            })}
            </Loaded>
        </section>
    }
}

#[component]
fn Payouts(admin: bool) -> impl IntoView {
    let version = RwSignal::new(0u32);
    let account = RwSignal::new(String::new());
    let names = LocalResource::new(partner_names);
    let list = LocalResource::new(move || {
        version.track();
        api::commissions::payouts(true, account.get())
    });
    view! {
        <Loaded label="Loading partners…">
        {move || Suspend::new(async move { names.await.map(|n| view! {
            {admin.then(|| view! { <RecordPayout names=n.clone() recorded=version/> })}
            <section class="card" aria-labelledby="payouts-title">
                <h2 id="payouts-title">"Payouts"</h2>
                <div class="filters spaced">{partner_select("payouts-account", "Partner", "Every partner", n.clone(), account)}</div>
                <Loaded label="Loading payouts…">
                {move || { let n = n.clone(); Suspend::new(async move { list.await.map(|l| payout_table(l, Some(n))) }) }}
                </Loaded>
            </section>
        }) })}
        </Loaded>
    }
}

/// Recording a payment of a partner's earned commissions: the amount is what the chosen
/// commissions add up to, in their currency.
#[component]
fn RecordPayout(names: Names, recorded: RwSignal<u32>) -> impl IntoView {
    let account = RwSignal::new(String::new());
    let chosen = RwSignal::new(Vec::<Commission>::new());
    let paid_on = RwSignal::new(crate::pages::programme::commissions::today());
    let reference = RwSignal::new(String::new());
    let notice: Notice = RwSignal::new(None);
    let errors: Errors = RwSignal::new(Vec::new());
    let earned = LocalResource::new(move || {
        recorded.track();
        let a = account.get();
        let call = api::commissions::list(true, a.clone(), "earned".into(), String::new());
        async move {
            if a.is_empty() {
                Ok(Vec::new())
            } else {
                call.await.map(|p| p.items)
            }
        }
    });
    Effect::new(move |_| {
        account.track();
        chosen.set(Vec::new());
    });
    let sum = move || {
        chosen.with(|c| {
            let currency = c.first()?.amount.currency;
            c.iter()
                .try_fold(Money::new(0, currency), |acc, c| acc.checked_add(c.amount))
        })
    };
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some(amount) = sum() else {
            errors.set(vec![FieldError::new(
                "commission_ids",
                FieldCode::Required,
                "choose the earned commissions this payment settles, all in one currency",
            )]);
            notice.set(Some(Err(
                "Nothing was recorded; see the fields marked below.".into(),
            )));
            return;
        };
        let body = PayoutInput {
            account_id: account.get_untracked().into(),
            amount,
            paid_on: paid_on.get_untracked(),
            reference: reference.get_untracked().trim().to_owned(),
            commission_ids: chosen.with_untracked(|c| c.iter().map(|c| c.id.clone()).collect()),
        };
        let call = api::commissions::record_payout(&body);
        spawn_local(async move {
            match call.await {
                Ok(p) => {
                    errors.set(Vec::new());
                    chosen.set(Vec::new());
                    reference.set(String::new());
                    notice.set(Some(Ok(format!(
                        "Payout {} of {} recorded.",
                        p.reference,
                        money(&p.amount)
                    ))));
                    recorded.update(|v| *v += 1);
                }
                Err(e) => report(notice, errors, e),
            }
        });
    };
    view! {
        <section class="card" aria-labelledby="record-payout-title">
            <h2 id="record-payout-title">"Record a payout"</h2>
            <form on:submit=on_submit novalidate>
                <div class="filters spaced">{partner_select("payout-account", "Partner", "Choose a partner", names, account)}</div>
                {error_for(errors, "payout-account-error", "account_id")}
                <fieldset aria-describedby="payout-commissions-error">
                    <legend>"Earned commissions it settles"</legend>
                    <Loaded label="Loading earned commissions…">
                    {move || Suspend::new(async move { earned.await.map(|items| {
                        if items.is_empty() {
                            let text = if account.get_untracked().is_empty() {
                                "Choose a partner to see its earned commissions."
                            } else {
                                "This partner has no earned commissions to pay."
                            };
                            return view! { <p class="muted">{text}</p> }.into_any();
                        }
                        items.into_iter().map(|c| {
                            let label = format!("{} ({}): {}", c.deal_name, role_label(c.role), money(&c.amount));
                            let id = c.id.clone();
                            view! { <label class="check"><input type="checkbox"
                                prop:checked=move || chosen.with(|v| v.iter().any(|x| x.id == id))
                                on:change=move |ev| {
                                    let on = event_target_checked(&ev);
                                    chosen.update(|v| {
                                        v.retain(|x| x.id != c.id);
                                        if on { v.push(c.clone()); }
                                    });
                                }/>{label}</label> }
                        }).collect_view().into_any()
                    }) })}
                    </Loaded>
                </fieldset>
                {error_for(errors, "payout-commissions-error", "commission_ids")}
                <p>"Amount: "<strong>{move || sum().map(|m| money(&m)).unwrap_or_else(|| "—".into())}</strong></p>
                {error_for(errors, "payout-amount-error", "amount")}
                <div class="row">
                    <div>
                        <label for="payout-date">"Paid on"</label>
                        <input id="payout-date" type="date" aria-invalid=invalid(errors, "paid_on") aria-describedby="payout-date-error"
                            prop:value=move || paid_on.get() on:change=move |ev| paid_on.set(event_target_value(&ev))/>
                        {error_for(errors, "payout-date-error", "paid_on")}
                    </div>
                    <div>
                        <label for="payout-reference">"Reference"</label>
                        <input id="payout-reference" aria-invalid=invalid(errors, "reference") aria-describedby="payout-reference-error"
                            prop:value=move || reference.get() on:input=move |ev| reference.set(event_target_value(&ev))/>
                        {error_for(errors, "payout-reference-error", "reference")}
                    </div>
                </div>
                <NoticeView notice=notice/>
                <div class="actions"><button type="submit" class="button primary">"Record payout"</button></div>
            </form>
        </section>
    }
}

#[component]
fn Tiers() -> impl IntoView {
    let version = RwSignal::new(0u32);
    let notice: Notice = RwSignal::new(None);
    let tiers = LocalResource::new(move || {
        version.track();
        api::commissions::tiers()
    });
    let changed = Callback::new(move |m: String| {
        notice.set(Some(Ok(m)));
        version.update(|v| *v += 1);
    });
    let recompute = move |_| {
        let call = api::commissions::recompute_tiers();
        spawn_local(async move {
            match call.await {
                Ok(r) => notice.set(Some(Ok(format!(
                    "Recomputed {} partners: {} changed tier.",
                    r.accounts,
                    r.changes.len()
                )))),
                Err(e) => failed(notice, e),
            }
        });
    };
    view! {
        <section class="card" aria-labelledby="tiers-title">
            <div class="panel-head">
                <h2 id="tiers-title">"Tiers"</h2>
                <button type="button" class="button" on:click=recompute>"Recompute now"</button>
            </div>
            <p class="muted">"A partner reaches the highest tier whose won revenue and won deals over the last 12 months it meets. Changes apply at the next recompute (daily, or now)."</p>
            <NoticeView notice=notice/>
            <Loaded label="Loading the tiers…">
            {move || Suspend::new(async move { tiers.await.map(|l| view! {
                <div class="table-wrap"><table class="stack stage-table">
                    <caption class="sr-only">"Tiers, lowest first"</caption>
                    <thead><tr>
                        <th scope="col">"Name"</th><th scope="col">"Rank"</th><th scope="col">"Won revenue"</th>
                        <th scope="col">"Currency"</th><th scope="col">"Won deals"</th><th scope="col">"Protection days"</th>
                        <th scope="col"><span class="sr-only">"Actions"</span></th>
                    </tr></thead>
                    <tbody>{l.items.into_iter().map(|t| view! { <TierRow tier=t notice=notice changed=changed/> }).collect_view()}</tbody>
                </table></div>
            }) })}
            </Loaded>
            <NewTier changed=changed/>
        </section>
    }
}

/// A tier's fields as a form keeps them.
#[derive(Clone, Copy)]
struct TierFields {
    name: RwSignal<String>,
    rank: RwSignal<String>,
    revenue: RwSignal<String>,
    currency: RwSignal<Currency>,
    deals: RwSignal<String>,
    protection: RwSignal<String>,
}

impl TierFields {
    fn new(t: Option<&Tier>) -> TierFields {
        TierFields {
            name: RwSignal::new(t.map(|t| t.name.clone()).unwrap_or_default()),
            rank: RwSignal::new(t.map(|t| t.rank.to_string()).unwrap_or_default()),
            revenue: RwSignal::new(
                t.map(|t| Money::new(t.min_won_minor, t.currency).decimal())
                    .unwrap_or_default(),
            ),
            currency: RwSignal::new(t.map_or(Currency::EUR, |t| t.currency)),
            deals: RwSignal::new(t.map(|t| t.min_won_deals.to_string()).unwrap_or_default()),
            protection: RwSignal::new(
                t.and_then(|t| t.protection_days)
                    .map(|d| d.to_string())
                    .unwrap_or_default(),
            ),
        }
    }

    /// The fields as a new tier, or which one is not a number.
    fn read(&self) -> Result<TierInput, String> {
        let whole = |s: RwSignal<String>, what: &str| {
            s.get_untracked()
                .trim()
                .parse::<i64>()
                .map_err(|_| format!("{what} must be a whole number."))
        };
        let currency = self.currency.get_untracked();
        let protection = self.protection.get_untracked();
        Ok(TierInput {
            name: self.name.get_untracked().trim().to_owned(),
            rank: whole(self.rank, "Rank")?,
            min_won_minor: Money::parse(&self.revenue.get_untracked().replace(',', ""), currency)
                .map_err(|_| "Won revenue must be an amount such as 250000.".to_owned())?
                .minor,
            min_won_deals: whole(self.deals, "Won deals")?,
            currency,
            protection_days: if protection.trim().is_empty() {
                None
            } else {
                Some(whole(self.protection, "Protection days")?)
            },
        })
    }

    /// The inputs, labelled for the row `of` (a tier's name) or as a form's fields.
    fn inputs(self, of: Option<String>) -> impl IntoView {
        let label = move |what: &str| match &of {
            Some(n) => format!("{what} of {n}"),
            None => what.to_owned(),
        };
        let text = |sig: RwSignal<String>, l: String, kind: &'static str, class: &'static str| {
            view! { <input type=kind class=class aria-label=l prop:value=move || sig.get() on:input=move |ev| sig.set(event_target_value(&ev))/> }
        };
        let currency = self.currency;
        view! {
            <td data-label="Name">{text(self.name, label("Name"), "text", "")}</td>
            <td data-label="Rank">{text(self.rank, label("Rank"), "number", "narrow-input")}</td>
            <td data-label="Won revenue">{text(self.revenue, label("Won revenue"), "text", "")}</td>
            <td data-label="Currency"><select aria-label=label("Currency") on:change=move |ev| {
                if let Some(c) = Currency::parse(&event_target_value(&ev)) { currency.set(c) }
            }>{Currency::ALL.iter().map(|c| view! {
                <option value=c.code() selected=currency.get_untracked() == *c>{c.code()}</option>
            }).collect_view()}</select></td>
            <td data-label="Won deals">{text(self.deals, label("Won deals"), "number", "narrow-input")}</td>
            <td data-label="Protection days">{text(self.protection, label("Protection days"), "number", "narrow-input")}</td>
        }
    }
}

#[component]
fn TierRow(tier: Tier, notice: Notice, changed: Callback<String>) -> impl IntoView {
    let fields = TierFields::new(Some(&tier));
    let id = StoredValue::new(tier.id.to_string());
    let n = tier.name.clone();
    let save = move |_| {
        let t = match fields.read() {
            Ok(t) => t,
            Err(m) => {
                notice.set(Some(Err(m)));
                return;
            }
        };
        let call = api::commissions::update_tier(
            &id.get_value(),
            &TierPatch {
                name: Some(t.name),
                rank: Some(t.rank),
                min_won_minor: Some(t.min_won_minor),
                min_won_deals: Some(t.min_won_deals),
                currency: Some(t.currency),
                protection_days: Some(t.protection_days),
            },
        );
        spawn_local(async move {
            match call.await {
                Ok(t) => changed.run(format!("Tier {} saved.", t.name)),
                Err(e) => failed(notice, e),
            }
        });
    };
    let gone = n.clone();
    let delete = move |_| {
        let call = api::commissions::delete_tier(&id.get_value());
        let gone = gone.clone();
        spawn_local(async move {
            match call.await {
                Ok(()) => changed.run(format!("Tier {gone} deleted.")),
                Err(e) => failed(notice, e),
            }
        });
    };
    view! {
        <tr>
            {fields.inputs(Some(n.clone()))}
            <td><div class="actions">
                <button type="button" class="button small" aria-label=format!("Save {n}") on:click=save>"Save"</button>
                <button type="button" class="button small danger" aria-label=format!("Delete {n}") on:click=delete>"Delete"</button>
            </div></td>
        </tr>
    }
}

#[component]
fn NewTier(changed: Callback<String>) -> impl IntoView {
    let fields = TierFields::new(None);
    let notice: Notice = RwSignal::new(None);
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let input = match fields.read() {
            Ok(t) => t,
            Err(m) => {
                notice.set(Some(Err(m)));
                return;
            }
        };
        let call = api::commissions::create_tier(&input);
        spawn_local(async move {
            match call.await {
                Ok(t) => {
                    notice.set(None);
                    fields.name.set(String::new());
                    changed.run(format!("Tier {} added.", t.name));
                }
                Err(e) => failed(notice, e),
            }
        });
    };
    view! {
        <form class="inline" on:submit=on_submit novalidate>
            <h3>"Add a tier"</h3>
            <div class="table-wrap"><table class="stack stage-table">
                <caption class="sr-only">"The new tier"</caption>
                <thead><tr>
                    <th scope="col">"Name"</th><th scope="col">"Rank"</th><th scope="col">"Won revenue"</th>
                    <th scope="col">"Currency"</th><th scope="col">"Won deals"</th><th scope="col">"Protection days"</th>
                </tr></thead>
                <tbody><tr>{fields.inputs(None)}</tr></tbody>
            </table></div>
            <NoticeView notice=notice/>
            <div class="actions"><button type="submit" class="button primary">"Add tier"</button></div>
        </form>
    }
}
