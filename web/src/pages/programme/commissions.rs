//! A partner's commissions: totals, the commissions deal by deal, payments received, the rates
//! that apply, projected earnings, and statements to download (with "Export reports").

use leptos::prelude::*;
use leptos::task::spawn_local;
use portcullis_shared::Permission;
use portcullis_shared::commissions::{
    CommissionPage, CommissionStatus, PayoutList, Projection, RateSource, RateTable,
};

use super::{percent, role_label, status_badge, status_label, total};
use crate::api;
use crate::pages::admin::{Loaded, Notice, NoticeView, Pager, failed, save_as};
use crate::pages::deals::{day, money};
use crate::session::can;

#[component]
pub fn Commissions() -> impl IntoView {
    if !can(Permission::ViewCommissions) {
        return view! {
            <section class="card" aria-labelledby="commissions-title">
                <h2 id="commissions-title">"Commissions"</h2>
                <p>"Your organisation has not opened commissions to you. Ask your partner administrator."</p>
            </section>
        }
        .into_any();
    }
    let summary = LocalResource::new(|| api::commissions::summary(String::new()));
    view! {
        <section class="card" aria-labelledby="commissions-title">
            <h2 id="commissions-title" tabindex="-1">"Commissions"</h2>
            <Loaded label="Loading your totals…">
            {move || Suspend::new(async move { summary.await.map(|s| {
                if s.totals.is_empty() {
                    return view! { <p class="muted">"No commissions yet: they appear when a deal you are linked to reaches its final stage."</p> }.into_any();
                }
                view! {
                    <div class="table-wrap"><table class="stack figures">
                        <caption class="sr-only">"Totals by currency"</caption>
                        <thead><tr>
                            <th scope="col">"Currency"</th><th scope="col">"Pending"</th><th scope="col">"Earned"</th>
                            <th scope="col">"Paid"</th><th scope="col">"Clawed back"</th><th scope="col">"Balance owed"</th>
                        </tr></thead>
                        <tbody>{s.totals.into_iter().map(|t| view! { <tr>
                            <td data-label="Currency">{t.currency.code()}</td>
                            <td data-label="Pending">{total(&t, |t| t.pending)}</td>
                            <td data-label="Earned">{total(&t, |t| t.earned)}</td>
                            <td data-label="Paid">{total(&t, |t| t.paid)}</td>
                            <td data-label="Clawed back">{total(&t, |t| t.clawed_back)}</td>
                            <td data-label="Balance owed"><strong>{total(&t, |t| t.balance)}</strong></td>
                        </tr> }).collect_view()}</tbody>
                    </table></div>
                }.into_any()
            }) })}
            </Loaded>
            {if can(Permission::ExportReports) {
                view! { <Statement/> }.into_any()
            } else {
                view! { <p class="muted">"Statements to download need the \"Export reports\" permission: ask your partner administrator."</p> }.into_any()
            }}
        </section>
        <CommissionList/>
        <Payments/>
        <Rates/>
        <ProjectionCard/>
    }
    .into_any()
}

/// Today as `YYYY-MM-DD` (UTC).
pub fn today() -> String {
    js_sys::Date::new_0()
        .to_iso_string()
        .as_string()
        .unwrap_or_default()
        .chars()
        .take(10)
        .collect()
}

/// A statement for a period, as CSV or PDF.
#[component]
fn Statement() -> impl IntoView {
    let to = RwSignal::new(today());
    let from = RwSignal::new(format!(
        "{}-01-01",
        to.with_untracked(|t| t.get(..4).unwrap_or("2026").to_owned())
    ));
    let notice: Notice = RwSignal::new(None);
    let download = move |format: &'static str| {
        let (f, t) = (from.get_untracked(), to.get_untracked());
        let name = format!("commission-statement-{f}-to-{t}.{format}");
        let call = api::commissions::statement(format, f, t);
        spawn_local(async move {
            match call.await {
                Ok(url) => {
                    save_as(&name, &url);
                    notice.set(Some(Ok(format!("{name} was saved to your downloads."))));
                }
                Err(e) => failed(notice, e),
            }
        });
    };
    view! {
        <form class="inline" on:submit=|ev| ev.prevent_default()>
            <h3>"Statement"</h3>
            <div class="row">
                <div>
                    <label for="statement-from">"From"</label>
                    <input id="statement-from" type="date" prop:value=move || from.get() on:change=move |ev| from.set(event_target_value(&ev))/>
                </div>
                <div>
                    <label for="statement-to">"To"</label>
                    <input id="statement-to" type="date" prop:value=move || to.get() on:change=move |ev| to.set(event_target_value(&ev))/>
                </div>
            </div>
            <div class="actions">
                <button type="button" class="button" on:click=move |_| download("csv")>"Download CSV"</button>
                <button type="button" class="button" on:click=move |_| download("pdf")>"Download PDF"</button>
            </div>
            <NoticeView notice=notice/>
        </form>
    }
}

#[component]
fn CommissionList() -> impl IntoView {
    let status = RwSignal::new(String::new());
    let cursor = RwSignal::new(String::new());
    let page = LocalResource::new(move || {
        api::commissions::list(false, String::new(), status.get(), cursor.get())
    });
    view! {
        <section class="card" aria-labelledby="commission-list-title">
            <h2 id="commission-list-title">"Deal by deal"</h2>
            <div class="filters spaced">
                <div>
                    <label for="commission-status">"Status"</label>
                    <select id="commission-status" on:change=move |ev| { status.set(event_target_value(&ev)); cursor.set(String::new()); }>
                        <option value="">"Any status"</option>
                        {CommissionStatus::ALL.iter().map(|s| view! { <option value=s.as_str()>{status_label(*s)}</option> }).collect_view()}
                    </select>
                </div>
            </div>
            <Loaded label="Loading commissions…">
            {move || Suspend::new(async move { page.await.map(|p| commission_table(p, None, cursor)) })}
            </Loaded>
        </section>
    }
}

/// Commissions as a table; `accounts` names the partner of each (staff).
pub fn commission_table(
    p: CommissionPage,
    accounts: Option<Vec<(String, String)>>,
    cursor: RwSignal<String>,
) -> AnyView {
    if p.items.is_empty() {
        return view! { <p class="muted">"No commissions match."</p> }.into_any();
    }
    let name = move |id: &str| {
        accounts.as_ref().map(|a| {
            a.iter()
                .find(|(i, _)| i == id)
                .map(|(_, n)| n.clone())
                .unwrap_or_default()
        })
    };
    view! {
        <div class="table-wrap"><table class="stack figures">
            <caption class="sr-only">"Commissions"</caption>
            <thead><tr>
                <th scope="col">"Deal"</th><th scope="col">"Role"</th><th scope="col">"Status"</th>
                <th scope="col">"Amount"</th><th scope="col">"Rate and base"</th>
            </tr></thead>
            <tbody>{p.items.into_iter().map(|c| view! { <tr>
                <td data-label="Deal">{c.deal_name}{name(c.account_id.as_str()).map(|n| view! { <br/><span class="muted small">{n}</span> })}</td>
                <td data-label="Role">{role_label(c.role)}</td>
                <td data-label="Status">{status_badge(c.status)}
                    {c.paid_at.or(c.earned_at).map(|at| view! { <br/><span class="muted small">{day(&at)}</span> })}</td>
                <td data-label="Amount"><strong>{money(&c.amount)}</strong></td>
                <td data-label="Rate and base">{format!("{} of {}", percent(c.rate_bps), money(&c.base))}</td>
            </tr> }).collect_view()}</tbody>
        </table></div>
        <div class="actions"><Pager cursor=cursor next=p.next_cursor/></div>
    }
    .into_any()
}

#[component]
fn Payments() -> impl IntoView {
    let list = LocalResource::new(|| api::commissions::payouts(false, String::new()));
    view! {
        <section class="card" aria-labelledby="payments-title">
            <h2 id="payments-title">"Payment history"</h2>
            <Loaded label="Loading payments…">
            {move || Suspend::new(async move { list.await.map(|l| payout_table(l, None)) })}
            </Loaded>
        </section>
    }
}

/// Payouts as a table; `accounts` names the account of each (staff).
pub fn payout_table(l: PayoutList, accounts: Option<Vec<(String, String)>>) -> AnyView {
    if l.items.is_empty() {
        return view! { <p class="muted">"No payments yet."</p> }.into_any();
    }
    let staff = accounts.is_some();
    let accounts = accounts.unwrap_or_default();
    view! {
        <div class="table-wrap"><table class="stack figures">
            <caption class="sr-only">"Payments"</caption>
            <thead><tr>
                <th scope="col">"Paid on"</th>{staff.then(|| view! { <th scope="col">"Partner"</th> })}
                <th scope="col">"Reference"</th><th scope="col">"Amount"</th><th scope="col">"Deals"</th>
            </tr></thead>
            <tbody>{l.items.into_iter().map(|p| {
                let partner = staff.then(|| {
                    let name = accounts.iter().find(|(id, _)| *id == p.account_id.as_str()).map(|a| a.1.clone()).unwrap_or_default();
                    view! { <td data-label="Partner">{name}</td> }
                });
                view! { <tr>
                    <td data-label="Paid on">{day(&p.paid_on)}</td>
                    {partner}
                    <td data-label="Reference">{p.reference}</td>
                    <td data-label="Amount"><strong>{money(&p.amount)}</strong></td>
                    <td data-label="Deals"><ul class="plain">{p.commissions.into_iter().map(|c| view! {
                        <li>{format!("{}: {}", c.deal_name, money(&c.amount))}</li>
                    }).collect_view()}</ul></td>
                </tr> }
            }).collect_view()}</tbody>
        </table></div>
    }
    .into_any()
}

fn source_label(s: RateSource) -> &'static str {
    match s {
        RateSource::Override => "Your own rate",
        RateSource::Tier => "Your tier's rate",
        RateSource::Plan => "The plan's rate",
        RateSource::None => "No rate",
    }
}

/// The rate table that applies to an account.
pub fn rate_table(r: RateTable) -> impl IntoView {
    let plan = match &r.tier_name {
        Some(t) => format!("Plan {} at tier {t}", r.plan_name),
        None => format!("Plan {}", r.plan_name),
    };
    view! {
        <p class="muted">{plan}</p>
        <div class="table-wrap"><table class="figures">
            <caption class="sr-only">"Rates by deal type"</caption>
            <thead><tr><th scope="col">"Deal type"</th><th scope="col">"Rate"</th><th scope="col">"From"</th></tr></thead>
            <tbody>{r.rates.into_iter().map(|a| view! { <tr>
                <th scope="row">{role_label(a.role)}</th><td>{percent(a.rate_bps)}</td><td>{source_label(a.source)}</td>
            </tr> }).collect_view()}</tbody>
        </table></div>
    }
}

#[component]
fn Rates() -> impl IntoView {
    let rates = LocalResource::new(|| api::commissions::rates(String::new()));
    view! {
        <section class="card" aria-labelledby="rates-title">
            <h2 id="rates-title">"Your rates"</h2>
            <Loaded label="Loading your rates…">
            {move || Suspend::new(async move { rates.await.map(rate_table) })}
            </Loaded>
        </section>
    }
}

fn projection(p: Projection) -> AnyView {
    if p.deals.is_empty() {
        return view! { <p class="muted">"No open deals with an amount."</p> }.into_any();
    }
    let totals = p.totals.iter().map(money).collect::<Vec<_>>().join(" · ");
    view! {
        <p>"Expected in all: "<strong>{totals}</strong></p>
        <div class="table-wrap"><table class="stack figures">
            <caption class="sr-only">"Projected commission per open deal"</caption>
            <thead><tr>
                <th scope="col">"Deal"</th><th scope="col">"Stage"</th><th scope="col">"Amount"</th>
                <th scope="col">"Rate"</th><th scope="col">"Expected"</th>
            </tr></thead>
            <tbody>{p.deals.into_iter().map(|d| view! { <tr>
                <td data-label="Deal">{d.deal_name}<br/><span class="muted small">{role_label(d.role)}</span></td>
                <td data-label="Stage">{format!("{} ({} % likely)", d.stage, d.probability)}</td>
                <td data-label="Amount">{money(&d.amount)}</td>
                <td data-label="Rate">{percent(d.rate_bps)}</td>
                <td data-label="Expected"><strong>{money(&d.projected)}</strong></td>
            </tr> }).collect_view()}</tbody>
        </table></div>
    }
    .into_any()
}

#[component]
fn ProjectionCard() -> impl IntoView {
    let data = LocalResource::new(|| api::commissions::projection(String::new()));
    view! {
        <section class="card" aria-labelledby="projection-title">
            <h2 id="projection-title">"Projected earnings"</h2>
            <p class="muted">"Open deals × the stage's win probability × your rate."</p>
            <Loaded label="Loading the projection…">
            {move || Suspend::new(async move { data.await.map(projection) })}
            </Loaded>
        </section>
    }
}
