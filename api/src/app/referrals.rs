//! Referrals: a partner hands over a prospect; the right account executive gets a task; and
//! when the prospect turns up as an account or a deal — through the API, the console or an
//! import — the referral is linked and the partner credited, automatically.

use portcullis_shared::Role;
use portcullis_shared::deals::{PartnerRole, StageCategory};
use portcullis_shared::partners::{
    Referral, ReferralInput, ReferralPage, ReferralStatus, ReferralStatusInput, TaskStatus,
    check_referral,
};
use serde_json::json;

use crate::app::notifications::{self, Notice, Topic};
use crate::app::registrations::{assess, subject_of};
use crate::app::scope::{self, require};
use crate::app::{Actor, App, Audit, Tx, page, page_limit};
use crate::auth::Principal;
use crate::domain::matching::{self, Subject};
use crate::error::ApiError;
use crate::storage::deals;
use crate::storage::partners::{self as store, ProgrammeScope, ReferralRow, SubjectKind, TaskRow};
use crate::time::{self, Micros};

const DAY: Micros = 24 * 3600 * 1_000_000;
/// How long an account executive has to follow a referral up.
const FOLLOW_UP: Micros = 2 * DAY;

fn dto(r: ReferralRow) -> Referral {
    Referral {
        conflict: portcullis_shared::partners::ConflictVerdict {
            conflict: r.conflict,
            own_registration_id: None,
            protected_until: None,
            message: String::new(),
        },
        id: r.id,
        account_id: r.account_id.into(),
        account_name: r.account_name,
        company: r.company,
        website: r.website,
        domain: r.domain,
        contact_name: r.contact_name,
        contact_email: r.contact_email,
        contact_phone: r.contact_phone,
        notes: r.notes,
        status: r.status,
        deal_id: r.deal_id.map(Into::into),
        credited_at: r.credited_at.map(time::to_rfc3339),
        submitted_at: time::to_rfc3339(r.submitted_at),
        updated_at: time::to_rfc3339(r.updated_at),
    }
}

/// Refers a prospect: the same duplicate check as a registration, then a task for the owner
/// of the matching account, else the next sales rep in turn, who is notified.
pub async fn submit(app: &App, p: &Principal, input: ReferralInput) -> Result<Referral, ApiError> {
    let account = require::register_deals(p)?;
    let mut errors = check_referral(&input);
    let website =
        crate::app::registrations::check_registrable(input.website.as_deref(), &mut errors);
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let mut tx = app.begin().await?;
    let (_, _, keys) = subject_of(&input.company, website);
    store::lock_keys(&mut tx, &keys).await?;
    let a = assess(&mut tx, &input.company, website, None).await?;
    let verdict = a.verdict(account.as_str());
    let matched_account = a
        .matches
        .iter()
        .find(|m| m.kind == "account")
        .map(|m| m.id.clone());
    let owner = match &matched_account {
        Some(acc) => store::account_owner(&mut tx, acc).await?,
        None => None,
    };
    let assignee = match owner {
        Some(o) => Some(o),
        None => store::next_rep(&mut tx, "referrals").await?,
    };
    let id = uuid::Uuid::now_v7().to_string();
    let now = time::now();
    let mut task_id = None;
    if let Some(user) = &assignee {
        let t = TaskRow {
            id: uuid::Uuid::now_v7().to_string(),
            assignee_id: user.clone(),
            title: format!("Follow up the referral of {}", input.company.trim()),
            body: Some(format!(
                "Referred by {} — contact {} <{}>. {}",
                crate::storage::accounts::name_of(&mut tx, account.as_str())
                    .await?
                    .unwrap_or_default(),
                input.contact_name.trim(),
                input.contact_email.trim(),
                input.notes.trim()
            )),
            source: "referral".into(),
            source_id: Some(id.clone()),
            deal_id: None,
            account_id: matched_account.clone(),
            status: TaskStatus::Open,
            due_at: Some(now + FOLLOW_UP),
            created_at: now,
        };
        store::insert_task(&mut tx, &t).await?;
        task_id = Some(t.id);
    }
    let row = ReferralRow {
        id: id.clone(),
        account_id: account.to_string(),
        account_name: String::new(),
        submitted_by: p.user_id.to_string(),
        company: input.company.trim().to_owned(),
        company_key: a.name_key.clone(),
        website: website.map(str::to_owned),
        domain: a.domain.clone(),
        contact_name: input.contact_name.trim().to_owned(),
        contact_email: input.contact_email.trim().to_owned(),
        contact_phone: input
            .contact_phone
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned),
        notes: input.notes.trim().to_owned(),
        status: ReferralStatus::Submitted,
        conflict: verdict.conflict,
        assignee_id: assignee.clone(),
        task_id,
        matched_account_id: matched_account,
        deal_id: None,
        credited_at: None,
        submitted_at: now,
        updated_at: now,
    };
    store::insert_referral(&mut tx, &row).await?;
    store::set_keys(&mut tx, SubjectKind::Referral, &id, &a.keys).await?;
    tx.audit(
        Audit::new(Actor::User(p), "referral.submit")
            .object("referral", id.clone())
            .details(json!({ "company": row.company, "conflict": verdict.conflict.as_str(), "assignee_id": assignee })),
    )
    .await?;
    if let Some(user) = &assignee {
        notifications::to_user(
            app,
            &mut tx,
            user,
            &Notice {
                kind: "referral.assigned",
                topic: Topic::DealUpdates,
                title: format!("New referral: {}", row.company),
                body: format!(
                    "A partner referred {}; follow it up within two days.",
                    row.company
                ),
                link: "/admin/tasks".to_owned(),
            },
        )
        .await?;
    }
    let stored = store::referral_in(&mut tx, &ProgrammeScope::All, &id)
        .await?
        .ok_or(ApiError::NotFound)?;
    tx.commit().await?;
    let mut out = dto(stored);
    out.conflict = verdict;
    Ok(out)
}

/// Referrals in the caller's scope (their organisation's, or all for the programme's
/// people; a sales rep sees those assigned to them).
pub async fn list(
    app: &App,
    p: &Principal,
    status: Option<ReferralStatus>,
    cursor: Option<&str>,
    limit: Option<i64>,
) -> Result<ReferralPage, ApiError> {
    let scope = scope_of(p)?;
    let limit = page_limit(limit);
    let mut conn = app.read().await?;
    let rows = store::referrals(&mut conn, &scope, status, cursor, limit + 1).await?;
    let page = page(rows, limit, |r| r.id.clone());
    Ok(ReferralPage {
        items: page.items.into_iter().map(dto).collect(),
        next_cursor: page.next_cursor,
    })
}

fn scope_of(p: &Principal) -> Result<ProgrammeScope, ApiError> {
    match scope::referrals(p) {
        ProgrammeScope::None => Err(ApiError::Forbidden),
        scope => Ok(scope),
    }
}

async fn find(
    conn: &mut sqlx::AnyConnection,
    p: &Principal,
    id: &str,
) -> Result<ReferralRow, ApiError> {
    let scope = scope_of(p)?;
    store::referral_in(conn, &scope, id)
        .await?
        .ok_or(ApiError::NotFound)
}

/// One referral in the caller's scope.
pub async fn get(app: &App, p: &Principal, id: &str) -> Result<Referral, ApiError> {
    let mut conn = app.read().await?;
    Ok(dto(find(&mut conn, p, id).await?))
}

fn allowed(from: ReferralStatus, to: ReferralStatus) -> bool {
    use ReferralStatus::*;
    matches!(
        (from, to),
        (Submitted, Accepted)
            | (Submitted, Lost)
            | (Accepted, InPipeline)
            | (Accepted, Lost)
            | (InPipeline, Won)
            | (InPipeline, Lost)
    )
}

/// Moves a referral on: the programme's people, or the sales rep it is assigned to.
/// Illegal moves are 409.
pub async fn set_status(
    app: &App,
    p: &Principal,
    id: &str,
    input: ReferralStatusInput,
) -> Result<Referral, ApiError> {
    if !(p.role == Role::SalesRep || require::run_programme(p).is_ok()) {
        return Err(ApiError::Forbidden);
    }
    let mut tx = app.begin().await?;
    let mut r = find(&mut tx, p, id).await?;
    if !allowed(r.status, input.status) {
        return Err(ApiError::Conflict(format!(
            "A referral that is {} cannot become {}.",
            r.status.as_str(),
            input.status.as_str()
        )));
    }
    let from = r.status;
    r.status = input.status;
    store::save_referral(&mut tx, &r).await?;
    tx.audit(
        Audit::new(Actor::User(p), "referral.status")
            .object("referral", r.id.clone())
            .details(json!({ "from": from.as_str(), "to": r.status.as_str() })),
    )
    .await?;
    notify_partner(app, &mut tx, &r).await?;
    let r = store::referral_in(&mut tx, &ProgrammeScope::All, id)
        .await?
        .ok_or(ApiError::NotFound)?;
    tx.commit().await?;
    Ok(dto(r))
}

async fn notify_partner(app: &App, tx: &mut Tx, r: &ReferralRow) -> Result<(), ApiError> {
    let status = match r.status {
        ReferralStatus::Submitted => "submitted",
        ReferralStatus::Accepted => "accepted",
        ReferralStatus::InPipeline => "in the pipeline",
        ReferralStatus::Won => "won",
        ReferralStatus::Lost => "lost",
    };
    notifications::to_partner(
        app,
        tx,
        &r.account_id,
        Some(&r.submitted_by),
        &Notice {
            kind: "referral.status",
            topic: Topic::DealUpdates,
            title: format!("Referral of {} is {status}", r.company),
            body: format!("Your referral of {} is now {status}.", r.company),
            link: "/referrals".to_owned(),
        },
    )
    .await
}

/// Automatic attribution when a deal is created: an open referral whose prospect matches
/// the deal's account (by name or domain) is linked to the deal, the deal gets a `referral`
/// partner link, and the partner is credited and told. In the deal's transaction.
pub async fn attribute_deal(
    app: &App,
    tx: &mut Tx,
    actor: Actor<'_>,
    deal_id: &str,
    account_id: &str,
) -> Result<(), ApiError> {
    for (mut r, similar) in open_referrals_like(tx, account_id).await? {
        let linked = r.matched_account_id.as_deref() == Some(account_id);
        if !(linked || similar) {
            continue;
        }
        r.deal_id = Some(deal_id.to_owned());
        r.matched_account_id = Some(account_id.to_owned());
        r.status = ReferralStatus::InPipeline;
        r.credited_at = Some(time::now());
        store::save_referral(tx, &r).await?;
        let already = deals::partners(tx, deal_id)
            .await?
            .iter()
            .any(|l| l.account_id == r.account_id);
        if !already {
            deals::link_partner(
                tx,
                deal_id,
                &r.account_id,
                PartnerRole::Referral,
                Some(&r.submitted_by),
            )
            .await?;
            crate::app::commissions::on_deal_changed(app, tx, deal_id).await?;
        }
        tx.audit(
            Audit::new(actor, "referral.attribute")
                .object("referral", r.id.clone())
                .details(json!({ "deal_id": deal_id, "account_id": account_id })),
        )
        .await?;
        notify_partner(app, tx, &r).await?;
        // One prospect, one credit: the earliest open referral wins.
        break;
    }
    Ok(())
}

/// Automatic attribution when an account is created or renamed: open referrals matching it
/// are linked to it (accepted), so its first deal credits the partner.
pub async fn attribute_account(
    app: &App,
    tx: &mut Tx,
    actor: Actor<'_>,
    account_id: &str,
) -> Result<(), ApiError> {
    for (mut r, similar) in open_referrals_like(tx, account_id).await? {
        if r.matched_account_id.is_some() || !similar {
            continue;
        }
        r.matched_account_id = Some(account_id.to_owned());
        if r.status == ReferralStatus::Submitted {
            r.status = ReferralStatus::Accepted;
        }
        store::save_referral(tx, &r).await?;
        tx.audit(
            Audit::new(actor, "referral.attribute")
                .object("referral", r.id.clone())
                .details(json!({ "account_id": account_id })),
        )
        .await?;
        notify_partner(app, tx, &r).await?;
        break;
    }
    Ok(())
}

/// Open referrals sharing a key with an account, each with whether its prospect matches the
/// account by name or domain.
async fn open_referrals_like(
    conn: &mut sqlx::AnyConnection,
    account_id: &str,
) -> Result<Vec<(ReferralRow, bool)>, ApiError> {
    let Some((name, domain)) = account_subject(conn, account_id).await? else {
        return Ok(Vec::new());
    };
    let (name_key, domain, keys) = subject_of(&name, domain.as_deref());
    let me = Subject {
        name: &name_key,
        domain: domain.as_deref(),
    };
    let ids: Vec<String> = store::candidates(conn, &keys, 200)
        .await?
        .into_iter()
        .filter(|(k, _)| k == "referral")
        .map(|(_, id)| id)
        .collect();
    Ok(store::open_referrals(conn, &ids)
        .await?
        .into_iter()
        .map(|r| {
            let them = Subject {
                name: &r.company_key,
                domain: r.domain.as_deref(),
            };
            let similar = matching::compare(&me, &them).is_some();
            (r, similar)
        })
        .collect())
}

async fn account_subject(
    conn: &mut sqlx::AnyConnection,
    account_id: &str,
) -> Result<Option<(String, Option<String>)>, ApiError> {
    use sqlx::Row;
    let row = sqlx::query("SELECT name, domain FROM accounts WHERE id = $1 AND kind = 'customer'")
        .bind(account_id)
        .fetch_optional(&mut *conn)
        .await?;
    Ok(match row {
        Some(r) => Some((r.try_get("name")?, r.try_get("domain")?)),
        None => None,
    })
}

/// A deal closed (or reopened): referrals credited with it follow.
pub async fn deal_closed(
    app: &App,
    tx: &mut Tx,
    actor: Actor<'_>,
    deal_id: &str,
    category: StageCategory,
) -> Result<(), ApiError> {
    let to = match category {
        StageCategory::Won => ReferralStatus::Won,
        StageCategory::Lost => ReferralStatus::Lost,
        StageCategory::Open => ReferralStatus::InPipeline,
    };
    for mut r in store::referrals_of_deal(tx, deal_id).await? {
        if r.status == to {
            continue;
        }
        r.status = to;
        store::save_referral(tx, &r).await?;
        tx.audit(
            Audit::new(actor, "referral.status")
                .object("referral", r.id.clone())
                .details(json!({ "to": to.as_str(), "deal_id": deal_id })),
        )
        .await?;
        notify_partner(app, tx, &r).await?;
    }
    Ok(())
}
