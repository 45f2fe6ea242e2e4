//! The partner programme's storage: registrations, referrals, the blocking keys conflicts
//! are found by (and the row locks that order two submissions of one prospect), tasks,
//! round-robin cursors and idempotent creates.

use portcullis_shared::partners::{ConflictKind, ReferralStatus, RegistrationStatus, TaskStatus};
use portcullis_shared::{AccountId, UserId};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use crate::storage::Sql;
use crate::time::{self, Micros};

// ---------------------------------------------------------------------------------------
// Scopes

/// Whose registrations and referrals a caller reaches.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProgrammeScope {
    /// Everyone's: the people who run the programme.
    All,
    /// A partner organisation's.
    Organisation(AccountId),
    /// One partner user's own, within their organisation.
    Submitter(AccountId, UserId),
    /// The referrals assigned to one internal user (a sales rep); referrals only, as only
    /// they are assigned.
    AssignedTo(UserId),
    None,
}

impl ProgrammeScope {
    /// Restricts a query whose table is aliased `r`.
    pub fn restrict(&self, sql: &mut Sql) {
        match self {
            ProgrammeScope::All => {}
            ProgrammeScope::Organisation(a) => {
                sql.push(" AND r.account_id = ").bind(a.as_str());
            }
            ProgrammeScope::Submitter(a, u) => {
                sql.push(" AND r.account_id = ")
                    .bind(a.as_str())
                    .push(" AND r.submitted_by = ")
                    .bind(u.as_str());
            }
            ProgrammeScope::AssignedTo(u) => {
                sql.push(" AND r.assignee_id = ").bind(u.as_str());
            }
            ProgrammeScope::None => {
                sql.push(" AND 1 = 0");
            }
        }
    }
}

// ---------------------------------------------------------------------------------------
// Blocking keys and locks

/// What a blocking key points at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SubjectKind {
    Account,
    Registration,
    Referral,
}

impl SubjectKind {
    pub fn as_str(self) -> &'static str {
        match self {
            SubjectKind::Account => "account",
            SubjectKind::Registration => "registration",
            SubjectKind::Referral => "referral",
        }
    }
}

/// Replaces a subject's blocking keys.
pub async fn set_keys(
    conn: &mut AnyConnection,
    kind: SubjectKind,
    id: &str,
    keys: &[String],
) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM match_keys WHERE subject_id = $1 AND subject_kind = $2")
        .bind(id)
        .bind(kind.as_str())
        .execute(&mut *conn)
        .await?;
    for k in keys {
        sqlx::query(
            "INSERT INTO match_keys (match_key, subject_kind, subject_id) VALUES ($1, $2, $3) \
             ON CONFLICT DO NOTHING",
        )
        .bind(k)
        .bind(kind.as_str())
        .bind(id)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// Takes the row locks of `keys` for the rest of the transaction, in sorted order (so two
/// submissions never wait on each other in a cycle). A second submission sharing a key
/// waits here until the first commits, then sees it.
pub async fn lock_keys(conn: &mut AnyConnection, keys: &[String]) -> Result<(), sqlx::Error> {
    let mut sorted: Vec<&String> = keys.iter().collect();
    sorted.sort();
    sorted.dedup();
    let now = time::now();
    for k in sorted {
        sqlx::query(
            "INSERT INTO match_locks (match_key, touched_at) VALUES ($1, $2) \
             ON CONFLICT (match_key) DO UPDATE SET touched_at = excluded.touched_at",
        )
        .bind(k)
        .bind(now)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// Everything sharing a key with `keys`, by kind: `(kind, id)`. Exact keys (domain, whole
/// name) are looked up first and in full; the fuzzy ones (prefixes, skeletons) add at most
/// `limit` more, so a common prefix can never crowd out an exact match.
pub async fn candidates(
    conn: &mut AnyConnection,
    keys: &[String],
    limit: i64,
) -> Result<Vec<(String, String)>, sqlx::Error> {
    let (exact, fuzzy): (Vec<&String>, Vec<&String>) = keys
        .iter()
        .partition(|k| k.starts_with("d:") || k.starts_with("n:"));
    let mut found = Vec::new();
    for (group, cap) in [(exact, 1000), (fuzzy, limit)] {
        if group.is_empty() {
            continue;
        }
        let mut sql = Sql::new(
            "SELECT DISTINCT subject_kind, subject_id FROM match_keys WHERE match_key IN ",
        );
        let group: Vec<String> = group.into_iter().cloned().collect();
        sql.bind_list(&group).push(" LIMIT ").bind(cap);
        for r in sql.query().fetch_all(&mut *conn).await? {
            let pair: (String, String) = (r.try_get("subject_kind")?, r.try_get("subject_id")?);
            if !found.contains(&pair) {
                found.push(pair);
            }
        }
    }
    Ok(found)
}

/// A customer account as a conflict candidate.
#[derive(Debug, Clone)]
pub struct AccountSubject {
    pub id: String,
    pub name: String,
    pub name_key: String,
    pub domain: Option<String>,
}

/// The customer accounts among `ids`.
pub async fn account_subjects(
    conn: &mut AnyConnection,
    ids: &[String],
) -> Result<Vec<AccountSubject>, sqlx::Error> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut sql = Sql::new(
        "SELECT id, name, name_key, domain FROM accounts WHERE kind = 'customer' AND name_key IS NOT NULL AND id IN ",
    );
    sql.bind_list(ids);
    let rows = sql.query().fetch_all(&mut *conn).await?;
    rows.iter()
        .map(|r| {
            Ok(AccountSubject {
                id: r.try_get("id")?,
                name: r.try_get("name")?,
                name_key: r.try_get("name_key")?,
                domain: r.try_get("domain")?,
            })
        })
        .collect()
}

/// An open deal of a matched account, for reviewers.
#[derive(Debug, Clone)]
pub struct OpenDeal {
    pub id: String,
    pub name: String,
    pub stage: String,
    pub account_id: String,
}

/// The open deals of `account_ids` (at most 50).
pub async fn open_deals_of(
    conn: &mut AnyConnection,
    account_ids: &[String],
) -> Result<Vec<OpenDeal>, sqlx::Error> {
    if account_ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut sql = Sql::new(
        "SELECT d.id, d.name, s.name AS stage, d.account_id FROM deals d \
         JOIN pipeline_stages s ON s.id = d.stage_id WHERE s.category = 'open' AND d.account_id IN ",
    );
    sql.bind_list(account_ids).push(" ORDER BY d.id LIMIT 50");
    let rows = sql.query().fetch_all(&mut *conn).await?;
    rows.iter()
        .map(|r| {
            Ok(OpenDeal {
                id: r.try_get("id")?,
                name: r.try_get("name")?,
                stage: r.try_get("stage")?,
                account_id: r.try_get("account_id")?,
            })
        })
        .collect()
}

/// A registration or referral as a conflict candidate.
#[derive(Debug, Clone)]
pub struct ClaimSubject {
    pub id: String,
    pub account_id: String,
    pub account_name: String,
    pub submitted_by: String,
    pub company: String,
    pub company_key: String,
    pub domain: Option<String>,
    pub status: String,
    pub protected_until: Option<Micros>,
}

/// The live registrations (submitted or approved) among `ids`.
pub async fn registration_subjects(
    conn: &mut AnyConnection,
    ids: &[String],
) -> Result<Vec<ClaimSubject>, sqlx::Error> {
    claim_subjects(
        conn,
        "SELECT r.id, r.account_id, a.name AS account_name, r.submitted_by, r.company, r.company_key, \
         r.domain, r.status, r.protected_until FROM registrations r JOIN accounts a ON a.id = r.account_id \
         WHERE r.status IN ('submitted', 'approved') AND r.id IN ",
        ids,
    )
    .await
}

/// The live referrals (not yet won or lost) among `ids`.
pub async fn referral_subjects(
    conn: &mut AnyConnection,
    ids: &[String],
) -> Result<Vec<ClaimSubject>, sqlx::Error> {
    claim_subjects(
        conn,
        "SELECT r.id, r.account_id, a.name AS account_name, r.submitted_by, r.company, r.company_key, \
         r.domain, r.status, NULL AS protected_until FROM referrals r JOIN accounts a ON a.id = r.account_id \
         WHERE r.status IN ('submitted', 'accepted', 'in_pipeline') AND r.id IN ",
        ids,
    )
    .await
}

async fn claim_subjects(
    conn: &mut AnyConnection,
    select: &'static str,
    ids: &[String],
) -> Result<Vec<ClaimSubject>, sqlx::Error> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut sql = Sql::new(select);
    sql.bind_list(ids);
    let rows = sql.query().fetch_all(&mut *conn).await?;
    rows.iter()
        .map(|r| {
            Ok(ClaimSubject {
                id: r.try_get("id")?,
                account_id: r.try_get("account_id")?,
                account_name: r.try_get("account_name")?,
                submitted_by: r.try_get("submitted_by")?,
                company: r.try_get("company")?,
                company_key: r.try_get("company_key")?,
                domain: r.try_get("domain")?,
                status: r.try_get("status")?,
                protected_until: r.try_get("protected_until")?,
            })
        })
        .collect()
}

/// Accounts whose normalised name has not been computed yet (created before the partner
/// programme, or by a bulk load), a batch at a time.
pub async fn unindexed_accounts(
    conn: &mut AnyConnection,
    limit: i64,
) -> Result<Vec<(String, String, Option<String>, String)>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT id, name, domain, kind FROM accounts WHERE name_key IS NULL ORDER BY id LIMIT $1",
    )
    .bind(limit)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|r| {
            Ok((
                r.try_get("id")?,
                r.try_get("name")?,
                r.try_get("domain")?,
                r.try_get("kind")?,
            ))
        })
        .collect()
}

/// Stores an account's normalised name and (registrable) domain.
pub async fn set_account_key(
    conn: &mut AnyConnection,
    id: &str,
    name_key: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE accounts SET name_key = $1 WHERE id = $2")
        .bind(name_key)
        .bind(id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Registrations

/// A registration as stored.
#[derive(Debug, Clone)]
pub struct RegistrationRow {
    pub id: String,
    pub account_id: String,
    pub account_name: String,
    pub submitted_by: String,
    pub submitted_by_name: String,
    pub portal_id: Option<String>,
    pub company: String,
    pub company_key: String,
    pub website: Option<String>,
    pub domain: Option<String>,
    pub contact_name: String,
    pub contact_email: String,
    pub contact_phone: Option<String>,
    pub amount_minor: i64,
    pub currency: String,
    pub product_interest: String,
    pub expected_close_date: String,
    pub description: String,
    pub region: Option<String>,
    pub status: RegistrationStatus,
    pub conflict: ConflictKind,
    pub rejection_reason: Option<String>,
    pub appeal: Option<String>,
    pub appealed_at: Option<Micros>,
    pub decided_by: Option<String>,
    pub decided_at: Option<Micros>,
    pub protected_until: Option<Micros>,
    pub reminders_sent: i64,
    pub deal_id: Option<String>,
    pub receipt: String,
    pub submitted_at: Micros,
    pub updated_at: Micros,
    pub version: i64,
}

const REGISTRATION_COLUMNS: &str = "SELECT r.id, r.account_id, a.name AS account_name, r.submitted_by, \
     u.name AS submitted_by_name, u.portal_id, r.company, r.company_key, r.website, r.domain, \
     r.contact_name, r.contact_email, r.contact_phone, r.amount_minor, r.currency, r.product_interest, \
     r.expected_close_date, r.description, r.region, r.status, r.conflict, r.rejection_reason, r.appeal, \
     r.appealed_at, r.decided_by, r.decided_at, r.protected_until, r.reminders_sent, r.deal_id, r.receipt, \
     r.submitted_at, r.updated_at, r.version \
     FROM registrations r JOIN accounts a ON a.id = r.account_id JOIN users u ON u.id = r.submitted_by \
     WHERE 1 = 1";

fn registration(r: &AnyRow) -> Result<RegistrationRow, sqlx::Error> {
    let status: String = r.try_get("status")?;
    let conflict: String = r.try_get("conflict")?;
    Ok(RegistrationRow {
        id: r.try_get("id")?,
        account_id: r.try_get("account_id")?,
        account_name: r.try_get("account_name")?,
        submitted_by: r.try_get("submitted_by")?,
        submitted_by_name: r.try_get("submitted_by_name")?,
        portal_id: r.try_get("portal_id")?,
        company: r.try_get("company")?,
        company_key: r.try_get("company_key")?,
        website: r.try_get("website")?,
        domain: r.try_get("domain")?,
        contact_name: r.try_get("contact_name")?,
        contact_email: r.try_get("contact_email")?,
        contact_phone: r.try_get("contact_phone")?,
        amount_minor: r.try_get("amount_minor")?,
        currency: r.try_get("currency")?,
        product_interest: r.try_get("product_interest")?,
        expected_close_date: r.try_get("expected_close_date")?,
        description: r.try_get("description")?,
        region: r.try_get("region")?,
        status: RegistrationStatus::parse(&status).unwrap_or(RegistrationStatus::Submitted),
        conflict: ConflictKind::parse(&conflict).unwrap_or(ConflictKind::None),
        rejection_reason: r.try_get("rejection_reason")?,
        appeal: r.try_get("appeal")?,
        appealed_at: r.try_get("appealed_at")?,
        decided_by: r.try_get("decided_by")?,
        decided_at: r.try_get("decided_at")?,
        protected_until: r.try_get("protected_until")?,
        reminders_sent: r.try_get("reminders_sent")?,
        deal_id: r.try_get("deal_id")?,
        receipt: r.try_get("receipt")?,
        submitted_at: r.try_get("submitted_at")?,
        updated_at: r.try_get("updated_at")?,
        version: r.try_get("version")?,
    })
}

/// A registration to store.
#[derive(Debug, Clone)]
pub struct NewRegistration {
    pub id: String,
    pub account_id: String,
    pub submitted_by: String,
    pub company: String,
    pub company_key: String,
    pub website: Option<String>,
    pub domain: Option<String>,
    pub contact_name: String,
    pub contact_email: String,
    pub contact_phone: Option<String>,
    pub amount_minor: i64,
    pub currency: String,
    pub product_interest: String,
    pub expected_close_date: String,
    pub description: String,
    pub region: Option<String>,
    pub conflict: ConflictKind,
    pub receipt: String,
    pub submitted_at: Micros,
}

pub async fn insert_registration(
    conn: &mut AnyConnection,
    r: &NewRegistration,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO registrations (id, account_id, submitted_by, company, company_key, website, domain, \
         contact_name, contact_email, contact_phone, amount_minor, currency, product_interest, \
         expected_close_date, description, region, status, conflict, receipt, submitted_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, 'submitted', $17, $18, $19, $19)",
    )
    .bind(&r.id)
    .bind(&r.account_id)
    .bind(&r.submitted_by)
    .bind(&r.company)
    .bind(&r.company_key)
    .bind(&r.website)
    .bind(&r.domain)
    .bind(&r.contact_name)
    .bind(&r.contact_email)
    .bind(&r.contact_phone)
    .bind(r.amount_minor)
    .bind(&r.currency)
    .bind(&r.product_interest)
    .bind(&r.expected_close_date)
    .bind(&r.description)
    .bind(&r.region)
    .bind(r.conflict.as_str())
    .bind(&r.receipt)
    .bind(r.submitted_at)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// One registration within `scope`.
pub async fn registration_in(
    conn: &mut AnyConnection,
    scope: &ProgrammeScope,
    id: &str,
) -> Result<Option<RegistrationRow>, sqlx::Error> {
    let mut sql = Sql::new(REGISTRATION_COLUMNS);
    scope.restrict(&mut sql);
    sql.push(" AND r.id = ").bind(id);
    let row = sql.query().fetch_optional(&mut *conn).await?;
    row.as_ref().map(registration).transpose()
}

/// What the approval queue and the registration lists filter by.
#[derive(Debug, Clone, Default)]
pub struct RegistrationFilter {
    pub statuses: Vec<RegistrationStatus>,
    pub account_id: Option<String>,
    pub region: Option<String>,
    /// Submitted at or before this time (older than an age).
    pub submitted_before: Option<Micros>,
    pub conflicted: Option<bool>,
}

/// Registrations within `scope` matching `f`: oldest first for the queue (`oldest_first`),
/// else newest first; keyset-paged by id (ids are time-ordered).
pub async fn registrations(
    conn: &mut AnyConnection,
    scope: &ProgrammeScope,
    f: &RegistrationFilter,
    oldest_first: bool,
    cursor: Option<&str>,
    limit: i64,
) -> Result<Vec<RegistrationRow>, sqlx::Error> {
    let mut sql = Sql::new(REGISTRATION_COLUMNS);
    scope.restrict(&mut sql);
    if !f.statuses.is_empty() {
        let s: Vec<&str> = f.statuses.iter().map(|s| s.as_str()).collect();
        sql.push(" AND r.status IN ").bind_list(&s);
    }
    if let Some(a) = &f.account_id {
        sql.push(" AND r.account_id = ").bind(a.as_str());
    }
    if let Some(region) = &f.region {
        sql.push(" AND r.region = ").bind(region.as_str());
    }
    if let Some(before) = f.submitted_before {
        sql.push(" AND r.submitted_at <= ").bind(before);
    }
    match f.conflicted {
        Some(true) => {
            sql.push(" AND r.conflict <> 'none'");
        }
        Some(false) => {
            sql.push(" AND r.conflict = 'none'");
        }
        None => {}
    }
    if let Some(c) = cursor {
        sql.push(if oldest_first {
            " AND r.id > "
        } else {
            " AND r.id < "
        })
        .bind(c);
    }
    sql.push(if oldest_first {
        " ORDER BY r.id ASC LIMIT "
    } else {
        " ORDER BY r.id DESC LIMIT "
    })
    .bind(limit);
    let rows = sql.query().fetch_all(&mut *conn).await?;
    rows.iter().map(registration).collect()
}

/// Writes a registration's workflow fields back if it is still at `version`.
pub async fn save_registration(
    conn: &mut AnyConnection,
    r: &RegistrationRow,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE registrations SET status = $1, rejection_reason = $2, appeal = $3, appealed_at = $4, \
         decided_by = $5, decided_at = $6, protected_until = $7, reminders_sent = $8, deal_id = $9, \
         updated_at = $10, version = version + 1 WHERE id = $11 AND version = $12",
    )
    .bind(r.status.as_str())
    .bind(&r.rejection_reason)
    .bind(&r.appeal)
    .bind(r.appealed_at)
    .bind(&r.decided_by)
    .bind(r.decided_at)
    .bind(r.protected_until)
    .bind(r.reminders_sent)
    .bind(&r.deal_id)
    .bind(time::now())
    .bind(&r.id)
    .bind(r.version)
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Approved registrations of a deal (to close them with it).
pub async fn registrations_of_deal(
    conn: &mut AnyConnection,
    deal_id: &str,
) -> Result<Vec<RegistrationRow>, sqlx::Error> {
    let mut sql = Sql::new(REGISTRATION_COLUMNS);
    sql.push(" AND r.deal_id = ").bind(deal_id);
    let rows = sql.query().fetch_all(&mut *conn).await?;
    rows.iter().map(registration).collect()
}

/// Approved registrations whose protection ends before `until` (expiry and reminders).
pub async fn protection_ending(
    conn: &mut AnyConnection,
    until: Micros,
    limit: i64,
) -> Result<Vec<RegistrationRow>, sqlx::Error> {
    let mut sql = Sql::new(REGISTRATION_COLUMNS);
    sql.push(" AND r.status = 'approved' AND r.protected_until < ")
        .bind(until)
        .push(" ORDER BY r.protected_until, r.id LIMIT ")
        .bind(limit);
    let rows = sql.query().fetch_all(&mut *conn).await?;
    rows.iter().map(registration).collect()
}

/// Counts of a partner organisation's registrations by status (all, when `account` is None).
pub async fn registration_counts(
    conn: &mut AnyConnection,
    scope: &ProgrammeScope,
) -> Result<Vec<(String, i64)>, sqlx::Error> {
    let mut sql = Sql::new("SELECT r.status, COUNT(*) AS n FROM registrations r WHERE 1 = 1");
    scope.restrict(&mut sql);
    sql.push(" GROUP BY r.status");
    let rows = sql.query().fetch_all(&mut *conn).await?;
    rows.iter()
        .map(|r| Ok((r.try_get("status")?, r.try_get("n")?)))
        .collect()
}

// ---------------------------------------------------------------------------------------
// Referrals

#[derive(Debug, Clone)]
pub struct ReferralRow {
    pub id: String,
    pub account_id: String,
    pub account_name: String,
    pub submitted_by: String,
    pub company: String,
    pub company_key: String,
    pub website: Option<String>,
    pub domain: Option<String>,
    pub contact_name: String,
    pub contact_email: String,
    pub contact_phone: Option<String>,
    pub notes: String,
    pub status: ReferralStatus,
    pub conflict: ConflictKind,
    pub assignee_id: Option<String>,
    pub task_id: Option<String>,
    pub matched_account_id: Option<String>,
    pub deal_id: Option<String>,
    pub credited_at: Option<Micros>,
    pub submitted_at: Micros,
    pub updated_at: Micros,
}

const REFERRAL_COLUMNS: &str = "SELECT r.id, r.account_id, a.name AS account_name, r.submitted_by, r.company, \
     r.company_key, r.website, r.domain, r.contact_name, r.contact_email, r.contact_phone, r.notes, r.status, \
     r.conflict, r.assignee_id, r.task_id, r.matched_account_id, r.deal_id, r.credited_at, r.submitted_at, \
     r.updated_at FROM referrals r JOIN accounts a ON a.id = r.account_id WHERE 1 = 1";

fn referral(r: &AnyRow) -> Result<ReferralRow, sqlx::Error> {
    let status: String = r.try_get("status")?;
    let conflict: String = r.try_get("conflict")?;
    Ok(ReferralRow {
        id: r.try_get("id")?,
        account_id: r.try_get("account_id")?,
        account_name: r.try_get("account_name")?,
        submitted_by: r.try_get("submitted_by")?,
        company: r.try_get("company")?,
        company_key: r.try_get("company_key")?,
        website: r.try_get("website")?,
        domain: r.try_get("domain")?,
        contact_name: r.try_get("contact_name")?,
        contact_email: r.try_get("contact_email")?,
        contact_phone: r.try_get("contact_phone")?,
        notes: r.try_get("notes")?,
        status: ReferralStatus::parse(&status).unwrap_or(ReferralStatus::Submitted),
        conflict: ConflictKind::parse(&conflict).unwrap_or(ConflictKind::None),
        assignee_id: r.try_get("assignee_id")?,
        task_id: r.try_get("task_id")?,
        matched_account_id: r.try_get("matched_account_id")?,
        deal_id: r.try_get("deal_id")?,
        credited_at: r.try_get("credited_at")?,
        submitted_at: r.try_get("submitted_at")?,
        updated_at: r.try_get("updated_at")?,
    })
}

pub async fn insert_referral(conn: &mut AnyConnection, r: &ReferralRow) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO referrals (id, account_id, submitted_by, company, company_key, website, domain, \
         contact_name, contact_email, contact_phone, notes, status, conflict, assignee_id, task_id, \
         matched_account_id, deal_id, credited_at, submitted_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20)",
    )
    .bind(&r.id)
    .bind(&r.account_id)
    .bind(&r.submitted_by)
    .bind(&r.company)
    .bind(&r.company_key)
    .bind(&r.website)
    .bind(&r.domain)
    .bind(&r.contact_name)
    .bind(&r.contact_email)
    .bind(&r.contact_phone)
    .bind(&r.notes)
    .bind(r.status.as_str())
    .bind(r.conflict.as_str())
    .bind(&r.assignee_id)
    .bind(&r.task_id)
    .bind(&r.matched_account_id)
    .bind(&r.deal_id)
    .bind(r.credited_at)
    .bind(r.submitted_at)
    .bind(r.updated_at)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Writes a referral's moving parts back.
pub async fn save_referral(conn: &mut AnyConnection, r: &ReferralRow) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE referrals SET status = $1, assignee_id = $2, task_id = $3, matched_account_id = $4, \
         deal_id = $5, credited_at = $6, updated_at = $7 WHERE id = $8",
    )
    .bind(r.status.as_str())
    .bind(&r.assignee_id)
    .bind(&r.task_id)
    .bind(&r.matched_account_id)
    .bind(&r.deal_id)
    .bind(r.credited_at)
    .bind(time::now())
    .bind(&r.id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

pub async fn referral_in(
    conn: &mut AnyConnection,
    scope: &ProgrammeScope,
    id: &str,
) -> Result<Option<ReferralRow>, sqlx::Error> {
    let mut sql = Sql::new(REFERRAL_COLUMNS);
    scope.restrict(&mut sql);
    sql.push(" AND r.id = ").bind(id);
    let row = sql.query().fetch_optional(&mut *conn).await?;
    row.as_ref().map(referral).transpose()
}

/// Referrals within `scope`, newest first.
pub async fn referrals(
    conn: &mut AnyConnection,
    scope: &ProgrammeScope,
    status: Option<ReferralStatus>,
    cursor: Option<&str>,
    limit: i64,
) -> Result<Vec<ReferralRow>, sqlx::Error> {
    let mut sql = Sql::new(REFERRAL_COLUMNS);
    scope.restrict(&mut sql);
    if let Some(s) = status {
        sql.push(" AND r.status = ").bind(s.as_str());
    }
    if let Some(c) = cursor {
        sql.push(" AND r.id < ").bind(c);
    }
    sql.push(" ORDER BY r.id DESC LIMIT ").bind(limit);
    let rows = sql.query().fetch_all(&mut *conn).await?;
    rows.iter().map(referral).collect()
}

/// Referrals of a deal.
pub async fn referrals_of_deal(
    conn: &mut AnyConnection,
    deal_id: &str,
) -> Result<Vec<ReferralRow>, sqlx::Error> {
    let mut sql = Sql::new(REFERRAL_COLUMNS);
    sql.push(" AND r.deal_id = ").bind(deal_id);
    let rows = sql.query().fetch_all(&mut *conn).await?;
    rows.iter().map(referral).collect()
}

/// Open referrals (not yet linked to a deal) among `ids`.
pub async fn open_referrals(
    conn: &mut AnyConnection,
    ids: &[String],
) -> Result<Vec<ReferralRow>, sqlx::Error> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut sql = Sql::new(REFERRAL_COLUMNS);
    sql.push(" AND r.deal_id IS NULL AND r.status IN ('submitted', 'accepted') AND r.id IN ")
        .bind_list(ids)
        .push(" ORDER BY r.id");
    let rows = sql.query().fetch_all(&mut *conn).await?;
    rows.iter().map(referral).collect()
}

// ---------------------------------------------------------------------------------------
// Tasks and assignment

#[derive(Debug, Clone)]
pub struct TaskRow {
    pub id: String,
    pub assignee_id: String,
    pub title: String,
    pub body: Option<String>,
    pub source: String,
    pub source_id: Option<String>,
    pub deal_id: Option<String>,
    pub account_id: Option<String>,
    pub status: TaskStatus,
    pub due_at: Option<Micros>,
    pub created_at: Micros,
}

pub async fn insert_task(conn: &mut AnyConnection, t: &TaskRow) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO tasks (id, assignee_id, title, body, source, source_id, deal_id, account_id, status, \
         due_at, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11)",
    )
    .bind(&t.id)
    .bind(&t.assignee_id)
    .bind(&t.title)
    .bind(&t.body)
    .bind(&t.source)
    .bind(&t.source_id)
    .bind(&t.deal_id)
    .bind(&t.account_id)
    .bind(t.status.as_str())
    .bind(t.due_at)
    .bind(t.created_at)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

fn task(r: &AnyRow) -> Result<TaskRow, sqlx::Error> {
    let status: String = r.try_get("status")?;
    Ok(TaskRow {
        id: r.try_get("id")?,
        assignee_id: r.try_get("assignee_id")?,
        title: r.try_get("title")?,
        body: r.try_get("body")?,
        source: r.try_get("source")?,
        source_id: r.try_get("source_id")?,
        deal_id: r.try_get("deal_id")?,
        account_id: r.try_get("account_id")?,
        status: TaskStatus::parse(&status).unwrap_or(TaskStatus::Open),
        due_at: r.try_get("due_at")?,
        created_at: r.try_get("created_at")?,
    })
}

/// A user's tasks, newest first; only unfinished ones unless `all`.
pub async fn tasks_of(
    conn: &mut AnyConnection,
    assignee: &str,
    all: bool,
    cursor: Option<&str>,
    limit: i64,
) -> Result<Vec<TaskRow>, sqlx::Error> {
    let mut sql = Sql::new(
        "SELECT id, assignee_id, title, body, source, source_id, deal_id, account_id, status, due_at, created_at \
         FROM tasks WHERE assignee_id = ",
    );
    sql.bind(assignee);
    if !all {
        sql.push(" AND status <> 'done'");
    }
    if let Some(c) = cursor {
        sql.push(" AND id < ").bind(c);
    }
    sql.push(" ORDER BY id DESC LIMIT ").bind(limit);
    let rows = sql.query().fetch_all(&mut *conn).await?;
    rows.iter().map(task).collect()
}

/// The next sales rep after the pool's cursor (active reps in id order, wrapping), and
/// moves the cursor to them. `None` when there are no active reps.
pub async fn next_rep(conn: &mut AnyConnection, pool: &str) -> Result<Option<String>, sqlx::Error> {
    let last: Option<String> =
        sqlx::query_scalar("SELECT last_user_id FROM assignment_cursors WHERE pool = $1")
            .bind(pool)
            .fetch_optional(&mut *conn)
            .await?;
    let after = last.unwrap_or_default();
    let next: Option<String> = sqlx::query_scalar(
        "SELECT id FROM users WHERE role = 'sales_rep' AND status = 'active' AND id > $1 ORDER BY id LIMIT 1",
    )
    .bind(&after)
    .fetch_optional(&mut *conn)
    .await?;
    let next = match next {
        Some(n) => Some(n),
        None => {
            sqlx::query_scalar("SELECT id FROM users WHERE role = 'sales_rep' AND status = 'active' ORDER BY id LIMIT 1")
                .fetch_optional(&mut *conn)
                .await?
        }
    };
    if let Some(n) = &next {
        sqlx::query(
            "INSERT INTO assignment_cursors (pool, last_user_id) VALUES ($1, $2) \
             ON CONFLICT (pool) DO UPDATE SET last_user_id = excluded.last_user_id",
        )
        .bind(pool)
        .bind(n)
        .execute(&mut *conn)
        .await?;
    }
    Ok(next)
}

/// An account's owner, if it has one who is an active internal user.
pub async fn account_owner(
    conn: &mut AnyConnection,
    account_id: &str,
) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT u.id FROM accounts a JOIN users u ON u.id = a.owner_user_id \
         WHERE a.id = $1 AND u.status = 'active' AND u.account_id IS NULL",
    )
    .bind(account_id)
    .fetch_optional(&mut *conn)
    .await
}

/// The protection days a partner organisation's tier grants, if its tier sets any.
pub async fn tier_protection_days(
    conn: &mut AnyConnection,
    account_id: &str,
) -> Result<Option<i64>, sqlx::Error> {
    let days: Option<Option<i64>> = sqlx::query_scalar(
        "SELECT t.protection_days FROM accounts a \
         JOIN partner_tiers t ON t.id = COALESCE(a.tier_override_id, a.tier_id) WHERE a.id = $1",
    )
    .bind(account_id)
    .fetch_optional(&mut *conn)
    .await?;
    Ok(days.flatten())
}

/// A portal's programme settings: protection days and conversion model.
pub async fn programme_settings(
    conn: &mut AnyConnection,
    portal_id: &str,
) -> Result<Option<(i64, String)>, sqlx::Error> {
    let row =
        sqlx::query("SELECT protection_days, registration_conversion FROM portals WHERE id = $1")
            .bind(portal_id)
            .fetch_optional(&mut *conn)
            .await?;
    row.map(|r| {
        Ok((
            r.try_get("protection_days")?,
            r.try_get("registration_conversion")?,
        ))
    })
    .transpose()
}

pub async fn set_programme_settings(
    conn: &mut AnyConnection,
    portal_id: &str,
    protection_days: i64,
    conversion: &str,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE portals SET protection_days = $1, registration_conversion = $2, updated_at = $3 WHERE id = $4",
    )
    .bind(protection_days)
    .bind(conversion)
    .bind(time::now())
    .bind(portal_id)
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

// ---------------------------------------------------------------------------------------
// Idempotency keys

/// What an `Idempotency-Key` claim found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Claim {
    /// First use: do the work, then `remember` the result.
    Fresh,
    /// Used before with the same request: the first response.
    Replay { status: i64, response: String },
    /// Used before with another request.
    Mismatch,
}

/// Claims `key` for `(user, operation)`. A concurrent request with the same key waits for
/// the first one's transaction and then replays it.
pub async fn claim_idempotency(
    conn: &mut AnyConnection,
    user_id: &str,
    operation: &str,
    key: &str,
    request_hash: &str,
) -> Result<Claim, sqlx::Error> {
    let inserted = sqlx::query(
        "INSERT INTO idempotency_keys (user_id, operation, idem_key, request_hash, status, response, created_at) \
         VALUES ($1, $2, $3, $4, 0, '', $5) ON CONFLICT DO NOTHING",
    )
    .bind(user_id)
    .bind(operation)
    .bind(key)
    .bind(request_hash)
    .bind(time::now())
    .execute(&mut *conn)
    .await?;
    if inserted.rows_affected() == 1 {
        return Ok(Claim::Fresh);
    }
    let row = sqlx::query(
        "SELECT request_hash, status, response FROM idempotency_keys WHERE user_id = $1 AND operation = $2 AND idem_key = $3",
    )
    .bind(user_id)
    .bind(operation)
    .bind(key)
    .fetch_one(&mut *conn)
    .await?;
    let hash: String = row.try_get("request_hash")?;
    if hash != request_hash {
        return Ok(Claim::Mismatch);
    }
    Ok(Claim::Replay {
        status: row.try_get("status")?,
        response: row.try_get("response")?,
    })
}

/// Stores the response of a claimed key.
pub async fn remember_idempotency(
    conn: &mut AnyConnection,
    user_id: &str,
    operation: &str,
    key: &str,
    status: i64,
    response: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE idempotency_keys SET status = $1, response = $2 WHERE user_id = $3 AND operation = $4 AND idem_key = $5",
    )
    .bind(status)
    .bind(response)
    .bind(user_id)
    .bind(operation)
    .bind(key)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

// ---------------------------------------------------------------------------------------
// The partner dashboard

/// Deals linked to a partner organisation (or to one partner user of it) in stages of
/// `category`, closed since `since` when given: `(currency, deals, total minor units)`.
pub async fn linked_deal_totals(
    conn: &mut AnyConnection,
    account_id: &str,
    user_id: Option<&str>,
    category: &'static str,
    since: Option<Micros>,
) -> Result<Vec<(String, i64, i64)>, sqlx::Error> {
    let mut sql = Sql::new(
        "SELECT d.currency, COUNT(*) AS n, CAST(SUM(d.amount_minor) AS BIGINT) AS total FROM deals d \
         JOIN pipeline_stages s ON s.id = d.stage_id \
         JOIN deal_partners dp ON dp.deal_id = d.id AND dp.account_id = ",
    );
    sql.bind(account_id);
    if let Some(u) = user_id {
        sql.push(" AND dp.partner_user_id = ").bind(u);
    }
    sql.push(" WHERE d.currency IS NOT NULL AND s.category = ")
        .bind(category);
    if let Some(t) = since {
        sql.push(" AND d.closed_at >= ").bind(t);
    }
    sql.push(" GROUP BY d.currency ORDER BY d.currency");
    let rows = sql.query().fetch_all(&mut *conn).await?;
    rows.iter()
        .map(|r| Ok((r.try_get("currency")?, r.try_get("n")?, r.try_get("total")?)))
        .collect()
}
