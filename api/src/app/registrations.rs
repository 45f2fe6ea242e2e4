//! Deal registration: a partner claims an opportunity, is told at once whether anyone got
//! there first, receives a signed receipt, and the company decides.
//!
//! Conflicts are found through blocking keys (`domain::matching`): the prospect's keys are
//! looked up in `match_keys` (an index lookup, never a scan), the few candidates are compared
//! in full, and each match is kept with its reason and score for reviewers. What the partner
//! is told is one verdict that never names another partner. A submission first takes the row
//! locks of its keys, so of two submissions of one prospect exactly one is first.

use chrono::Utc;
use portcullis_shared::deals::{DealEventKind, DealSource, PartnerRole, StageCategory};
use portcullis_shared::partners::{
    AppealInput, BulkApproveInput, BulkApproveResult, BulkSkip, ConflictKind, ConflictQuery,
    ConflictVerdict, ConversionModel, MatchReason, ProgrammeSettings, Registration,
    RegistrationInput, RegistrationMatch, RegistrationPage, RegistrationReview, RegistrationStatus,
    RegistrationSubmitted, RejectInput, check_registration,
};
use portcullis_shared::{FieldCode, FieldError, Money, PortalKind};
use serde_json::json;
use sha2::{Digest, Sha256};

use crate::app::notifications::{self, Notice, Topic};
use crate::app::scope::require;
use crate::app::{Actor, App, Audit, Tx, page, page_limit};
use crate::auth::Principal;
use crate::domain::matching::{self, Reason, Subject};
use crate::error::ApiError;
use crate::storage::accounts::{self, NewAccount};
use crate::storage::deals::{self, DealFields, NewEvent};
use crate::storage::partners::{
    self as store, Claim, ProgrammeScope, RegistrationFilter, RegistrationRow, SubjectKind,
};
use crate::time::{self, Micros};

const DAY: Micros = 24 * 3600 * 1_000_000;
/// How many candidates a check compares in full, at most.
const CANDIDATES: i64 = 200;

// ---------------------------------------------------------------------------------------
// Assessment: what a prospect conflicts with

/// Something a prospect matched.
#[derive(Debug, Clone)]
pub struct Found {
    pub kind: &'static str,
    pub id: String,
    pub name: String,
    pub domain: Option<String>,
    pub partner_account: Option<String>,
    pub partner_name: Option<String>,
    pub submitted_by: Option<String>,
    pub status: Option<String>,
    pub protected_until: Option<Micros>,
    pub reason: Reason,
    pub score: f64,
}

/// A prospect, normalised, with its keys, its matches and the partner's verdict.
#[derive(Debug, Clone)]
pub struct Assessment {
    pub name_key: String,
    pub domain: Option<String>,
    pub keys: Vec<String>,
    pub matches: Vec<Found>,
}

impl Assessment {
    /// The verdict for the partner organisation `account`: another partner's claim first,
    /// then an existing customer, then the partner's own earlier claim.
    pub fn verdict(&self, account: &str) -> ConflictVerdict {
        let others: Vec<&Found> = self
            .matches
            .iter()
            .filter(|m| m.partner_account.as_deref().is_some_and(|a| a != account))
            .collect();
        if !others.is_empty() {
            let until = others.iter().filter_map(|m| m.protected_until).max();
            let message = match until {
                Some(u) => format!(
                    "Already registered by another partner and protected until {}.",
                    date_of(u)
                ),
                None => "Already registered by another partner; that registration awaits review."
                    .to_owned(),
            };
            return ConflictVerdict {
                conflict: ConflictKind::OtherPartner,
                own_registration_id: None,
                protected_until: until.map(time::to_rfc3339),
                message,
            };
        }
        if self.matches.iter().any(|m| m.kind == "account") {
            return ConflictVerdict {
                conflict: ConflictKind::ExistingCustomer,
                own_registration_id: None,
                protected_until: None,
                message: "An existing customer of ours: a channel manager will review the registration with the account team.".to_owned(),
            };
        }
        if let Some(own) = self
            .matches
            .iter()
            .find(|m| m.partner_account.as_deref() == Some(account))
        {
            let what = if own.kind == "referral" {
                "referral"
            } else {
                "registration"
            };
            return ConflictVerdict {
                conflict: ConflictKind::OwnDuplicate,
                own_registration_id: Some(own.id.clone()),
                protected_until: None,
                message: format!(
                    "Possibly a duplicate of your {what} of \u{201c}{}\u{201d}.",
                    own.name
                ),
            };
        }
        ConflictVerdict {
            conflict: ConflictKind::None,
            own_registration_id: None,
            protected_until: None,
            message: "No conflict found.".to_owned(),
        }
    }
}

fn date_of(micros: Micros) -> String {
    time::to_rfc3339(micros).chars().take(10).collect()
}

/// Normalises a prospect and computes its blocking keys.
pub fn subject_of(company: &str, website: Option<&str>) -> (String, Option<String>, Vec<String>) {
    let name_key = matching::normalise_company(company);
    let domain = website.and_then(matching::registrable_domain);
    let keys = matching::blocking_keys(&Subject {
        name: &name_key,
        domain: domain.as_deref(),
    });
    (name_key, domain, keys)
}

/// Finds what a prospect matches: customer accounts (and their open deals), live
/// registrations and live referrals. `skip` leaves out the subject itself.
pub async fn assess(
    conn: &mut sqlx::AnyConnection,
    company: &str,
    website: Option<&str>,
    skip: Option<&str>,
) -> Result<Assessment, ApiError> {
    let (name_key, domain, keys) = subject_of(company, website);
    let me = Subject {
        name: &name_key,
        domain: domain.as_deref(),
    };
    let mut account_ids = Vec::new();
    let mut registration_ids = Vec::new();
    let mut referral_ids = Vec::new();
    for (kind, id) in store::candidates(conn, &keys, CANDIDATES).await? {
        if Some(id.as_str()) == skip {
            continue;
        }
        match kind.as_str() {
            "account" => account_ids.push(id),
            "registration" => registration_ids.push(id),
            "referral" => referral_ids.push(id),
            _ => {}
        }
    }
    let mut matches = Vec::new();
    let mut matched_accounts = Vec::new();
    for a in store::account_subjects(conn, &account_ids).await? {
        let domain = a.domain.as_deref().and_then(matching::registrable_domain);
        let them = Subject {
            name: &a.name_key,
            domain: domain.as_deref(),
        };
        if let Some(m) = matching::compare(&me, &them) {
            matched_accounts.push(a.id.clone());
            matches.push(Found {
                kind: "account",
                id: a.id,
                name: a.name,
                domain,
                partner_account: None,
                partner_name: None,
                submitted_by: None,
                status: None,
                protected_until: None,
                reason: m.reason,
                score: m.score,
            });
        }
    }
    let deal_reasons: Vec<(String, Reason, f64)> = matches
        .iter()
        .map(|m| (m.id.clone(), m.reason, m.score))
        .collect();
    for d in store::open_deals_of(conn, &matched_accounts).await? {
        let (_, reason, score) = deal_reasons
            .iter()
            .find(|(a, _, _)| *a == d.account_id)
            .cloned()
            .unwrap_or((String::new(), Reason::SameName, 1.0));
        matches.push(Found {
            kind: "deal",
            id: d.id,
            name: d.name,
            domain: None,
            partner_account: None,
            partner_name: None,
            submitted_by: None,
            status: Some(d.stage),
            protected_until: None,
            reason,
            score,
        });
    }
    let claims = store::registration_subjects(conn, &registration_ids)
        .await?
        .into_iter()
        .map(|c| ("registration", c))
        .chain(
            store::referral_subjects(conn, &referral_ids)
                .await?
                .into_iter()
                .map(|c| ("referral", c)),
        );
    for (kind, c) in claims {
        let them = Subject {
            name: &c.company_key,
            domain: c.domain.as_deref(),
        };
        if let Some(m) = matching::compare(&me, &them) {
            matches.push(Found {
                kind,
                id: c.id,
                name: c.company,
                domain: c.domain,
                partner_account: Some(c.account_id),
                partner_name: Some(c.account_name),
                submitted_by: Some(c.submitted_by),
                status: Some(c.status),
                protected_until: c.protected_until,
                reason: m.reason,
                score: m.score,
            });
        }
    }
    matches.sort_by(|a, b| b.score.total_cmp(&a.score).then_with(|| a.id.cmp(&b.id)));
    Ok(Assessment {
        name_key,
        domain,
        keys,
        matches,
    })
}

fn reason_dto(r: Reason) -> MatchReason {
    match r {
        Reason::SameDomain => MatchReason::SameDomain,
        Reason::SameName => MatchReason::SameName,
        Reason::SimilarName => MatchReason::SimilarName,
    }
}

fn match_dto(f: &Found) -> RegistrationMatch {
    RegistrationMatch {
        kind: f.kind.to_owned(),
        id: f.id.clone(),
        name: f.name.clone(),
        domain: f.domain.clone(),
        partner: f.partner_name.clone(),
        status: f.status.clone(),
        reason: reason_dto(f.reason),
        score: (f.score * 1000.0).round() / 1000.0,
    }
}

/// The live check, while a partner types: the same verdict submission would give.
pub async fn check(
    app: &App,
    p: &Principal,
    q: ConflictQuery,
) -> Result<ConflictVerdict, ApiError> {
    let account = require::register_deals(p)?;
    let mut errors = Vec::new();
    if q.company.trim().is_empty() && q.website.as_deref().is_none_or(|w| w.trim().is_empty()) {
        errors.push(FieldError::new(
            "company",
            FieldCode::Required,
            "give a company name or a website",
        ));
    }
    if q.company.chars().count() > 200 {
        errors.push(FieldError::new(
            "company",
            FieldCode::TooLong,
            "must be at most 200 characters",
        ));
    }
    if q.website.as_deref().is_some_and(|w| w.len() > 253) {
        errors.push(FieldError::new(
            "website",
            FieldCode::TooLong,
            "must be at most 253 characters",
        ));
    }
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let mut conn = app.read().await?;
    let a = assess(&mut conn, &q.company, q.website.as_deref(), None).await?;
    Ok(a.verdict(account.as_str()))
}

// ---------------------------------------------------------------------------------------
// Submission

fn today() -> String {
    Utc::now().date_naive().format("%Y-%m-%d").to_string()
}

/// What a submission answered: a fresh one (201) or the replay of an earlier one with the
/// same `Idempotency-Key` (200).
pub struct Submitted {
    pub created: bool,
    pub body: RegistrationSubmitted,
}

/// Submits a registration. With an `Idempotency-Key`, the same key and body return the first
/// result; the same key with another body is 422.
pub async fn submit(
    app: &App,
    p: &Principal,
    input: RegistrationInput,
    idempotency_key: Option<&str>,
) -> Result<Submitted, ApiError> {
    let account = require::register_deals(p)?;
    let mut errors = check_registration(&input, &today());
    let website = check_registrable(input.website.as_deref(), &mut errors);
    if let Some(k) = idempotency_key
        && (k.is_empty() || k.len() > 255)
    {
        errors.push(FieldError::new(
            "Idempotency-Key",
            FieldCode::InvalidLength,
            "must be 1-255 characters",
        ));
    }
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let submitted = serde_json::to_value(&input).map_err(|e| ApiError::Internal(e.into()))?;
    let mut tx = app.begin().await?;
    if let Some(key) = idempotency_key {
        let hash = hex(&Sha256::digest(submitted.to_string().as_bytes()));
        match store::claim_idempotency(&mut tx, &p.user_id, "registration.submit", key, &hash)
            .await?
        {
            Claim::Fresh => {}
            Claim::Replay { response, .. } => {
                let body =
                    serde_json::from_str(&response).map_err(|e| ApiError::Internal(e.into()))?;
                return Ok(Submitted {
                    created: false,
                    body,
                });
            }
            Claim::Mismatch => {
                return Err(ApiError::Validation(vec![FieldError::new(
                    "Idempotency-Key",
                    FieldCode::Taken,
                    "was already used for a different registration",
                )]));
            }
        }
    }
    let (_, _, keys) = subject_of(&input.company, website);
    store::lock_keys(&mut tx, &keys).await?;
    let assessment = assess(&mut tx, &input.company, website, None).await?;
    let verdict = assessment.verdict(account.as_str());
    let id = uuid::Uuid::now_v7().to_string();
    let now = time::now();
    let receipt =
        crate::app::receipts::issue(&mut tx, "deal_registration", &id, &submitted).await?;
    let receipt = serde_json::to_value(&receipt).map_err(|e| ApiError::Internal(e.into()))?;
    let region = accounts::region_of(&mut tx, account.as_str()).await?;
    store::insert_registration(
        &mut tx,
        &store::NewRegistration {
            id: id.clone(),
            account_id: account.to_string(),
            submitted_by: p.user_id.to_string(),
            company: input.company.trim().to_owned(),
            company_key: assessment.name_key.clone(),
            website: website.map(str::to_owned),
            domain: assessment.domain.clone(),
            contact_name: input.contact_name.trim().to_owned(),
            contact_email: input.contact_email.trim().to_owned(),
            contact_phone: input
                .contact_phone
                .as_deref()
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned),
            amount_minor: input.amount.minor,
            currency: input.amount.currency.code().to_owned(),
            product_interest: input.product_interest.trim().to_owned(),
            expected_close_date: input.expected_close_date.trim().to_owned(),
            description: input.description.trim().to_owned(),
            region,
            conflict: verdict.conflict,
            receipt: receipt.to_string(),
            submitted_at: now,
        },
    )
    .await?;
    store::set_keys(&mut tx, SubjectKind::Registration, &id, &assessment.keys).await?;
    for m in &assessment.matches {
        sqlx::query(
            "INSERT INTO registration_matches (registration_id, match_kind, match_id, reason, score) \
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
        )
        .bind(&id)
        .bind(m.kind)
        .bind(&m.id)
        .bind(reason_dto(m.reason).as_str())
        .bind((m.score * 1000.0).round() as i64)
        .execute(&mut *tx)
        .await?;
    }
    let mut row = store::registration_in(&mut tx, &ProgrammeScope::All, &id)
        .await?
        .ok_or(ApiError::NotFound)?;
    if conversion_of(&mut tx, &row).await? == ConversionModel::OnSubmit {
        let deal = convert(app, &mut tx, Actor::User(p), &row, &assessment).await?;
        row.deal_id = Some(deal);
        store::save_registration(&mut tx, &row).await?;
        row.version += 1;
    }
    tx.audit(
        Audit::new(Actor::User(p), "registration.submit")
            .object("registration", id.clone())
            .details(json!({
                "company": row.company,
                "conflict": verdict.conflict.as_str(),
                "matches": assessment.matches.len(),
                "digest": receipt.get("digest"),
            })),
    )
    .await?;
    notifications::to_partner(
        app,
        &mut tx,
        account.as_str(),
        Some(&p.user_id),
        &Notice {
            kind: "registration.submitted",
            topic: Topic::DealUpdates,
            title: format!("Registration of {} received", row.company),
            body: format!(
                "{} {}",
                "It is waiting for a channel manager's decision.", verdict.message
            ),
            link: format!("/registrations/{id}"),
        },
    )
    .await?;
    let body = RegistrationSubmitted {
        registration: dto(row, verdict),
        receipt,
    };
    if let Some(key) = idempotency_key {
        let response = serde_json::to_string(&body).map_err(|e| ApiError::Internal(e.into()))?;
        store::remember_idempotency(
            &mut tx,
            &p.user_id,
            "registration.submit",
            key,
            201,
            &response,
        )
        .await?;
    }
    tx.commit().await?;
    Ok(Submitted {
        created: true,
        body,
    })
}

/// The website as given (trimmed, if any), with an error when it has no registrable domain
/// and no other error was found in it already.
pub fn check_registrable<'a>(
    website: Option<&'a str>,
    errors: &mut Vec<FieldError>,
) -> Option<&'a str> {
    let website = website.map(str::trim).filter(|w| !w.is_empty());
    if let Some(w) = website
        && errors.iter().all(|e| e.field != "website")
        && matching::registrable_domain(w).is_none()
    {
        errors.push(FieldError::new(
            "website",
            FieldCode::InvalidValue,
            "must be a public web address (a registrable domain)",
        ));
    }
    website
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

async fn conversion_of(
    conn: &mut sqlx::AnyConnection,
    r: &RegistrationRow,
) -> Result<ConversionModel, ApiError> {
    let Some(portal) = &r.portal_id else {
        return Ok(ConversionModel::OnApproval);
    };
    Ok(store::programme_settings(conn, portal)
        .await?
        .and_then(|(_, c)| ConversionModel::parse(&c))
        .unwrap_or(ConversionModel::OnApproval))
}

async fn protection_days(
    conn: &mut sqlx::AnyConnection,
    r: &RegistrationRow,
) -> Result<i64, ApiError> {
    if let Some(days) = store::tier_protection_days(conn, &r.account_id).await? {
        return Ok(days.clamp(1, 3650));
    }
    Ok(match &r.portal_id {
        Some(portal) => store::programme_settings(conn, portal)
            .await?
            .map_or(90, |(d, _)| d),
        None => 90,
    })
}

/// Turns a registration into a deal: at the matched customer account, or a new one, owned
/// by that account's owner, else the next sales rep in turn; in the first open stage, linked
/// to the partner as `registered` with the submitter responsible.
async fn convert(
    app: &App,
    tx: &mut Tx,
    actor: Actor<'_>,
    r: &RegistrationRow,
    assessment: &Assessment,
) -> Result<String, ApiError> {
    let account_id = match assessment.matches.iter().find(|m| m.kind == "account") {
        Some(a) => a.id.clone(),
        None => {
            let id = accounts::insert(
                tx,
                &NewAccount {
                    kind: PortalKind::Customer,
                    name: r.company.clone(),
                    domain: r.domain.clone(),
                    region: r.region.clone(),
                    parent_id: None,
                    owner_user_id: None,
                    partner_deal_visibility:
                        portcullis_shared::deals::PartnerDealVisibility::Organisation,
                },
            )
            .await?;
            index_account(
                tx,
                &id,
                &r.company,
                r.domain.as_deref(),
                PortalKind::Customer,
            )
            .await?;
            id
        }
    };
    let owner = match store::account_owner(tx, &account_id).await? {
        Some(o) => o,
        None => match store::next_rep(tx, "deal_owner").await? {
            Some(o) => o,
            None => first_manager(tx).await?,
        },
    };
    let stages = deals::stages(tx).await?;
    let stage = stages
        .iter()
        .find(|s| s.category == StageCategory::Open)
        .or(stages.first())
        .ok_or_else(|| ApiError::Conflict("The pipeline has no stages.".into()))?;
    let region = accounts::region_of(tx, &account_id).await?;
    let deal_id = deals::insert(
        tx,
        &DealFields {
            account_id,
            name: format!("{} — {}", r.company, r.product_interest),
            stage_id: stage.id.clone(),
            amount_minor: Some(r.amount_minor),
            currency: Some(r.currency.clone()),
            amount_shared: false,
            expected_close_date: Some(r.expected_close_date.clone()),
            owner_id: owner,
            source: DealSource::Partner,
            shared: false,
            next_steps: None,
            internal_tags: None,
            region,
            external_id: None,
            closed_at: None,
        },
    )
    .await?;
    deals::link_partner(
        tx,
        &deal_id,
        &r.account_id,
        PartnerRole::Registered,
        Some(&r.submitted_by),
    )
    .await?;
    crate::app::commissions::on_deal_changed(app, tx, &deal_id).await?;
    let actor_id = match actor {
        Actor::User(p) => Some(p.user_id.to_string()),
        _ => None,
    };
    deals::record(
        tx,
        &NewEvent {
            deal_id: &deal_id,
            kind: DealEventKind::Created,
            shared: false,
            actor_id: actor_id.as_deref(),
            body: None,
            details: json!({ "stage": stage.name, "registration_id": r.id }),
        },
    )
    .await?;
    tx.audit(
        Audit::new(actor, "deal.create")
            .object("deal", deal_id.clone())
            .details(json!({ "registration_id": r.id })),
    )
    .await?;
    Ok(deal_id)
}

async fn first_manager(conn: &mut sqlx::AnyConnection) -> Result<String, ApiError> {
    let id: Option<String> = sqlx::query_scalar(
        "SELECT id FROM users WHERE role IN ('manager', 'admin') AND status = 'active' ORDER BY role DESC, id LIMIT 1",
    )
    .fetch_optional(&mut *conn)
    .await?;
    id.ok_or_else(|| ApiError::Conflict("No sales rep or manager can own the deal.".into()))
}

/// Stores an account's normalised name and, for customer accounts, its blocking keys.
pub async fn index_account(
    conn: &mut sqlx::AnyConnection,
    id: &str,
    name: &str,
    domain: Option<&str>,
    kind: PortalKind,
) -> Result<(), ApiError> {
    let (name_key, _, keys) = subject_of(name, domain);
    store::set_account_key(conn, id, &name_key).await?;
    if kind == PortalKind::Customer {
        store::set_keys(conn, SubjectKind::Account, id, &keys).await?;
    }
    Ok(())
}

/// Indexes the accounts that predate the partner programme or were bulk-loaded (the demo and
/// benchmark seeds), a batch per transaction; returns how many. Runs at start-up.
pub async fn index_unindexed_accounts(db: &crate::db::Db) -> Result<usize, ApiError> {
    let mut done = 0;
    loop {
        let mut tx = db.begin().await?;
        let batch = store::unindexed_accounts(&mut tx, 500).await?;
        if batch.is_empty() {
            return Ok(done);
        }
        for (id, name, domain, kind) in &batch {
            let kind = PortalKind::parse(kind).unwrap_or(PortalKind::Customer);
            index_account(&mut tx, id, name, domain.as_deref(), kind).await?;
        }
        done += batch.len();
        tx.commit().await?;
    }
}

// ---------------------------------------------------------------------------------------
// Reading

fn stored_verdict(r: &RegistrationRow) -> ConflictVerdict {
    ConflictVerdict {
        conflict: r.conflict,
        own_registration_id: None,
        protected_until: None,
        message: match r.conflict {
            ConflictKind::None => "No conflict found.",
            ConflictKind::OwnDuplicate => "Possibly a duplicate of one of your registrations.",
            ConflictKind::OtherPartner => "Already registered by another partner.",
            ConflictKind::ExistingCustomer => "An existing customer of ours.",
        }
        .to_owned(),
    }
}

fn dto(r: RegistrationRow, verdict: ConflictVerdict) -> Registration {
    let currency =
        portcullis_shared::Currency::parse(&r.currency).unwrap_or(portcullis_shared::Currency::USD);
    Registration {
        id: r.id,
        account_id: r.account_id.into(),
        account_name: r.account_name,
        submitted_by: r.submitted_by.into(),
        submitted_by_name: r.submitted_by_name,
        company: r.company,
        website: r.website,
        domain: r.domain,
        contact_name: r.contact_name,
        contact_email: r.contact_email,
        contact_phone: r.contact_phone,
        amount: Money::new(r.amount_minor, currency),
        product_interest: r.product_interest,
        expected_close_date: r.expected_close_date,
        description: r.description,
        region: r.region,
        status: r.status,
        conflict: verdict,
        rejection_reason: r.rejection_reason,
        appeal: r.appeal,
        appealed_at: r.appealed_at.map(time::to_rfc3339),
        decided_at: r.decided_at.map(time::to_rfc3339),
        protected_until: r.protected_until.map(time::to_rfc3339),
        deal_id: r.deal_id.map(Into::into),
        submitted_at: time::to_rfc3339(r.submitted_at),
        updated_at: time::to_rfc3339(r.updated_at),
    }
}

fn out(r: RegistrationRow) -> Registration {
    let v = stored_verdict(&r);
    dto(r, v)
}

/// One registration within the caller's scope (404 outside it).
pub async fn get(app: &App, p: &Principal, id: &str) -> Result<Registration, ApiError> {
    let scope = require::view_programme(p)?;
    let mut conn = app.read().await?;
    let r = store::registration_in(&mut conn, &scope, id)
        .await?
        .ok_or(ApiError::NotFound)?;
    Ok(out(r))
}

/// A registration's signed receipt, as issued.
pub async fn receipt(app: &App, p: &Principal, id: &str) -> Result<serde_json::Value, ApiError> {
    let scope = require::view_programme(p)?;
    let mut conn = app.read().await?;
    let r = store::registration_in(&mut conn, &scope, id)
        .await?
        .ok_or(ApiError::NotFound)?;
    serde_json::from_str(&r.receipt).map_err(|e| ApiError::Internal(e.into()))
}

/// What the lists filter by.
#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::IntoParams)]
pub struct RegistrationQuery {
    pub status: Option<RegistrationStatus>,
    pub account_id: Option<String>,
    pub region: Option<String>,
    /// Only registrations submitted at least this many days ago.
    pub min_age_days: Option<i64>,
    /// Only registrations with (true) or without (false) a conflict.
    pub conflicted: Option<bool>,
    pub cursor: Option<String>,
    pub limit: Option<i64>,
}

fn filter_of(
    q: &RegistrationQuery,
    default_status: Option<RegistrationStatus>,
) -> RegistrationFilter {
    RegistrationFilter {
        statuses: q.status.or(default_status).into_iter().collect(),
        account_id: q.account_id.clone(),
        region: q.region.clone(),
        submitted_before: q
            .min_age_days
            .map(|d| time::now() - d.clamp(0, 36_500) * DAY),
        conflicted: q.conflicted,
    }
}

/// Registrations in the caller's scope, newest first.
pub async fn list(
    app: &App,
    p: &Principal,
    q: RegistrationQuery,
) -> Result<RegistrationPage, ApiError> {
    let scope = require::view_programme(p)?;
    let limit = page_limit(q.limit);
    let mut conn = app.read().await?;
    let rows = store::registrations(
        &mut conn,
        &scope,
        &filter_of(&q, None),
        false,
        q.cursor.as_deref(),
        limit + 1,
    )
    .await?;
    let page = page(rows, limit, |r| r.id.clone());
    Ok(RegistrationPage {
        items: page.items.into_iter().map(out).collect(),
        next_cursor: page.next_cursor,
    })
}

/// The approval queue: submitted registrations (or another status), oldest first.
pub async fn queue(
    app: &App,
    p: &Principal,
    q: RegistrationQuery,
) -> Result<RegistrationPage, ApiError> {
    require::run_programme(p)?;
    let limit = page_limit(q.limit);
    let mut conn = app.read().await?;
    let f = filter_of(&q, Some(RegistrationStatus::Submitted));
    let rows = store::registrations(
        &mut conn,
        &ProgrammeScope::All,
        &f,
        true,
        q.cursor.as_deref(),
        limit + 1,
    )
    .await?;
    let page = page(rows, limit, |r| r.id.clone());
    Ok(RegistrationPage {
        items: page.items.into_iter().map(out).collect(),
        next_cursor: page.next_cursor,
    })
}

/// A registration beside everything it matches now, with reasons and scores.
pub async fn review(app: &App, p: &Principal, id: &str) -> Result<RegistrationReview, ApiError> {
    require::run_programme(p)?;
    let mut conn = app.read().await?;
    let r = store::registration_in(&mut conn, &ProgrammeScope::All, id)
        .await?
        .ok_or(ApiError::NotFound)?;
    let a = assess(&mut conn, &r.company, r.website.as_deref(), Some(&r.id)).await?;
    let mut matches: Vec<RegistrationMatch> = a.matches.iter().map(match_dto).collect();
    // A deal made from this registration is not a conflict with it.
    if let Some(deal) = &r.deal_id {
        matches.retain(|m| &m.id != deal);
    }
    Ok(RegistrationReview {
        registration: out(r),
        matches,
    })
}

// ---------------------------------------------------------------------------------------
// Decisions

fn illegal(from: RegistrationStatus, action: &str) -> ApiError {
    ApiError::Conflict(format!(
        "A registration that is {} cannot be {action}.",
        from.as_str()
    ))
}

async fn approve_in(
    app: &App,
    tx: &mut Tx,
    p: &Principal,
    mut r: RegistrationRow,
) -> Result<RegistrationRow, ApiError> {
    if r.status != RegistrationStatus::Submitted {
        return Err(illegal(r.status, "approved"));
    }
    let days = protection_days(tx, &r).await?;
    let now = time::now();
    if r.deal_id.is_none() {
        let a = assess(tx, &r.company, r.website.as_deref(), Some(&r.id)).await?;
        r.deal_id = Some(convert(app, tx, Actor::User(p), &r, &a).await?);
    }
    r.status = RegistrationStatus::Approved;
    r.decided_by = Some(p.user_id.to_string());
    r.decided_at = Some(now);
    r.protected_until = Some(now + days * DAY);
    r.reminders_sent = 0;
    if !store::save_registration(tx, &r).await? {
        return Err(ApiError::Conflict(
            "The registration changed meanwhile; try again.".into(),
        ));
    }
    r.version += 1;
    tx.audit(
        Audit::new(Actor::User(p), "registration.approve")
            .object("registration", r.id.clone())
            .details(json!({ "deal_id": r.deal_id, "protection_days": days })),
    )
    .await?;
    tell_partner(
        app,
        tx,
        &r,
        "registration.approved",
        format!("Registration of {} approved", r.company),
        format!(
            "It is protected for you until {}.",
            date_of(now + days * DAY)
        ),
    )
    .await?;
    Ok(r)
}

/// Approves a submitted registration: protection starts, and the deal is created (unless
/// submission created it already).
pub async fn approve(app: &App, p: &Principal, id: &str) -> Result<Registration, ApiError> {
    require::run_programme(p)?;
    let mut tx = app.begin().await?;
    let r = store::registration_in(&mut tx, &ProgrammeScope::All, id)
        .await?
        .ok_or(ApiError::NotFound)?;
    let r = approve_in(app, &mut tx, p, r).await?;
    let r = store::registration_in(&mut tx, &ProgrammeScope::All, &r.id)
        .await?
        .ok_or(ApiError::NotFound)?;
    tx.commit().await?;
    Ok(out(r))
}

/// Approves several registrations, each in its own transaction; reports what was skipped.
pub async fn bulk_approve(
    app: &App,
    p: &Principal,
    input: BulkApproveInput,
) -> Result<BulkApproveResult, ApiError> {
    require::run_programme(p)?;
    if input.ids.is_empty() || input.ids.len() > 100 {
        return Err(ApiError::Validation(vec![FieldError::new(
            "ids",
            FieldCode::InvalidLength,
            "must list 1-100 registrations",
        )]));
    }
    let mut result = BulkApproveResult {
        approved: Vec::new(),
        skipped: Vec::new(),
    };
    for id in input.ids {
        let mut tx = app.begin().await?;
        let Some(r) = store::registration_in(&mut tx, &ProgrammeScope::All, &id).await? else {
            result.skipped.push(BulkSkip {
                id,
                reason: "not found".into(),
            });
            continue;
        };
        match approve_in(app, &mut tx, p, r).await {
            Ok(_) => {
                tx.commit().await?;
                result.approved.push(id);
            }
            Err(ApiError::Conflict(reason)) => result.skipped.push(BulkSkip { id, reason }),
            Err(e) => return Err(e),
        }
    }
    Ok(result)
}

/// Rejects a submitted registration with a reason the partner sees.
pub async fn reject(
    app: &App,
    p: &Principal,
    id: &str,
    input: RejectInput,
) -> Result<Registration, ApiError> {
    require::run_programme(p)?;
    let reason = input.reason.trim();
    if reason.is_empty() || reason.chars().count() > 2000 {
        return Err(ApiError::Validation(vec![FieldError::new(
            "reason",
            FieldCode::InvalidLength,
            "must be 1-2000 characters",
        )]));
    }
    let mut tx = app.begin().await?;
    let mut r = store::registration_in(&mut tx, &ProgrammeScope::All, id)
        .await?
        .ok_or(ApiError::NotFound)?;
    if r.status != RegistrationStatus::Submitted {
        return Err(illegal(r.status, "rejected"));
    }
    r.status = RegistrationStatus::Rejected;
    r.rejection_reason = Some(reason.to_owned());
    r.decided_by = Some(p.user_id.to_string());
    r.decided_at = Some(time::now());
    if let Some(deal) = &r.deal_id {
        // Submission made the deal; the partner's claim on it ends with the rejection.
        deals::unlink_partner(&mut tx, deal, &r.account_id).await?;
        crate::app::commissions::on_deal_changed(app, &mut tx, deal).await?;
    }
    if !store::save_registration(&mut tx, &r).await? {
        return Err(ApiError::Conflict(
            "The registration changed meanwhile; try again.".into(),
        ));
    }
    tx.audit(
        Audit::new(Actor::User(p), "registration.reject")
            .object("registration", r.id.clone())
            .details(json!({ "reason": reason })),
    )
    .await?;
    tell_partner(
        app,
        &mut tx,
        &r,
        "registration.rejected",
        format!("Registration of {} rejected", r.company),
        format!("Reason: {reason} You may appeal once."),
    )
    .await?;
    let r = store::registration_in(&mut tx, &ProgrammeScope::All, id)
        .await?
        .ok_or(ApiError::NotFound)?;
    tx.commit().await?;
    Ok(out(r))
}

/// The partner's one appeal: a rejected registration returns to review with a statement.
pub async fn appeal(
    app: &App,
    p: &Principal,
    id: &str,
    input: AppealInput,
) -> Result<Registration, ApiError> {
    require::register_deals(p)?;
    let scope = require::view_programme(p)?;
    let statement = input.statement.trim();
    if statement.is_empty() || statement.chars().count() > 4000 {
        return Err(ApiError::Validation(vec![FieldError::new(
            "statement",
            FieldCode::InvalidLength,
            "must be 1-4000 characters",
        )]));
    }
    let mut tx = app.begin().await?;
    let mut r = store::registration_in(&mut tx, &scope, id)
        .await?
        .ok_or(ApiError::NotFound)?;
    if r.status != RegistrationStatus::Rejected {
        return Err(illegal(r.status, "appealed"));
    }
    if r.appeal.is_some() {
        return Err(ApiError::Conflict(
            "This registration was appealed already; an appeal is possible once.".into(),
        ));
    }
    r.status = RegistrationStatus::Submitted;
    r.appeal = Some(statement.to_owned());
    r.appealed_at = Some(time::now());
    if !store::save_registration(&mut tx, &r).await? {
        return Err(ApiError::Conflict(
            "The registration changed meanwhile; try again.".into(),
        ));
    }
    tx.audit(
        Audit::new(Actor::User(p), "registration.appeal")
            .object("registration", r.id.clone())
            .details(json!({ "statement": statement })),
    )
    .await?;
    tell_partner(
        app,
        &mut tx,
        &r,
        "registration.appealed",
        format!("Appeal for {} received", r.company),
        "The registration is back in review.".into(),
    )
    .await?;
    let r = store::registration_in(&mut tx, &scope, id)
        .await?
        .ok_or(ApiError::NotFound)?;
    tx.commit().await?;
    Ok(out(r))
}

/// A deal reached a won or lost stage (or left one): its approved registrations close with
/// it, and the partner hears of it. Called in the deal change's transaction.
pub async fn deal_closed(
    app: &App,
    tx: &mut Tx,
    actor: Actor<'_>,
    deal_id: &str,
    category: StageCategory,
) -> Result<(), ApiError> {
    let to = match category {
        StageCategory::Won => RegistrationStatus::Won,
        StageCategory::Lost => RegistrationStatus::Lost,
        StageCategory::Open => return Ok(()),
    };
    for mut r in store::registrations_of_deal(tx, deal_id).await? {
        if r.status != RegistrationStatus::Approved {
            continue;
        }
        r.status = to;
        store::save_registration(tx, &r).await?;
        tx.audit(
            Audit::new(actor, &format!("registration.{}", to.as_str()))
                .object("registration", r.id.clone())
                .details(json!({ "deal_id": deal_id })),
        )
        .await?;
        tell_partner(
            app,
            tx,
            &r,
            if to == RegistrationStatus::Won {
                "registration.won"
            } else {
                "registration.lost"
            },
            format!(
                "{} {}",
                r.company,
                if to == RegistrationStatus::Won {
                    "won"
                } else {
                    "lost"
                }
            ),
            format!(
                "The deal from your registration of {} closed {}.",
                r.company,
                to.as_str()
            ),
        )
        .await?;
    }
    Ok(())
}

/// The protection sweep (a recurring job): registrations whose protection elapsed without a
/// close expire; partners are reminded 14 and 3 days before. Each registration changes in
/// its own transaction under its version, so two nodes never send a reminder twice.
pub async fn sweep_protection(
    app: &App,
    operator: &crate::app::Operator,
) -> Result<usize, ApiError> {
    let now = time::now();
    let mut changed = 0;
    let due = {
        let mut conn = app.read().await?;
        store::protection_ending(&mut conn, now + 14 * DAY, 1000).await?
    };
    for mut r in due {
        let Some(until) = r.protected_until else {
            continue;
        };
        let (action, notice) = if until <= now {
            r.status = RegistrationStatus::Expired;
            (
                "registration.expired",
                Notice {
                    kind: "registration.expired",
                    topic: Topic::DealUpdates,
                    title: format!("Protection of {} expired", r.company),
                    body: "The protection period ended without the deal closing.".into(),
                    link: format!("/registrations/{}", r.id),
                },
            )
        } else if until <= now + 3 * DAY && r.reminders_sent & 2 == 0 {
            r.reminders_sent |= 3;
            ("registration.reminder", reminder(&r, until))
        } else if r.reminders_sent & 1 == 0 && until > now + 3 * DAY {
            r.reminders_sent |= 1;
            ("registration.reminder", reminder(&r, until))
        } else {
            continue;
        };
        let mut tx = app.begin().await?;
        if !store::save_registration(&mut tx, &r).await? {
            continue;
        }
        tx.audit(
            Audit::new(Actor::Operator(operator), action)
                .object("registration", r.id.clone())
                .details(json!({ "protected_until": time::to_rfc3339(until) })),
        )
        .await?;
        notifications::to_partner(app, &mut tx, &r.account_id, Some(&r.submitted_by), &notice)
            .await?;
        tx.commit().await?;
        changed += 1;
    }
    Ok(changed)
}

/// Tells the registration's partner (its administrators and the submitter) what happened.
async fn tell_partner(
    app: &App,
    tx: &mut Tx,
    r: &RegistrationRow,
    kind: &'static str,
    title: String,
    body: String,
) -> Result<(), ApiError> {
    let notice = Notice {
        kind,
        topic: Topic::DealUpdates,
        title,
        body,
        link: format!("/registrations/{}", r.id),
    };
    notifications::to_partner(app, tx, &r.account_id, Some(&r.submitted_by), &notice).await
}

fn reminder(r: &RegistrationRow, until: Micros) -> Notice {
    Notice {
        kind: "registration.reminder",
        topic: Topic::DealUpdates,
        title: format!("Protection of {} ends {}", r.company, date_of(until)),
        body: format!(
            "Your registration of {} is protected until {}; close the deal before then.",
            r.company,
            date_of(until)
        ),
        link: format!("/registrations/{}", r.id),
    }
}

// ---------------------------------------------------------------------------------------
// Settings

/// A portal's programme settings (internal users).
pub async fn settings(
    app: &App,
    p: &Principal,
    portal_id: &str,
) -> Result<ProgrammeSettings, ApiError> {
    require::run_programme(p)?;
    let mut conn = app.read().await?;
    let (days, conversion) = store::programme_settings(&mut conn, portal_id)
        .await?
        .ok_or(ApiError::NotFound)?;
    Ok(ProgrammeSettings {
        protection_days: days,
        conversion: ConversionModel::parse(&conversion).unwrap_or(ConversionModel::OnApproval),
    })
}

/// Changes a portal's programme settings: administrators and managers.
pub async fn set_settings(
    app: &App,
    p: &Principal,
    portal_id: &str,
    s: ProgrammeSettings,
) -> Result<ProgrammeSettings, ApiError> {
    require::manage_portals(p)?;
    if !(1..=3650).contains(&s.protection_days) {
        return Err(ApiError::Validation(vec![FieldError::new(
            "protection_days",
            FieldCode::OutOfRange,
            "must be 1-3650 days",
        )]));
    }
    let mut tx = app.begin().await?;
    if !store::set_programme_settings(&mut tx, portal_id, s.protection_days, s.conversion.as_str())
        .await?
    {
        return Err(ApiError::NotFound);
    }
    tx.audit(
        Audit::new(Actor::User(p), "portal.programme.update")
            .object("portal", portal_id)
            .details(json!({ "protection_days": s.protection_days, "conversion": s.conversion.as_str() })),
    )
    .await?;
    tx.commit().await?;
    Ok(s)
}
