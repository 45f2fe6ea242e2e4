//! Deals, their stages, contacts, team, partner links and timeline.
//!
//! Who may see a deal is kept beside it in `deal_reach` (see migration 0008): one row per
//! audience, carrying the deal's sort keys, rewritten by `sync_reach` whenever the deal or
//! its team, partners or sharing change. A `DealScope` names the audiences a caller belongs
//! to; a list scans one audience's range of an index in sort order, and a single read checks
//! the same rows, so a deal outside the scope is invisible everywhere.

use portcullis_shared::deals::{DealEventKind, DealSort, DealSource, PartnerRole, StageCategory};
use portcullis_shared::{AccountId, UserId};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use crate::storage::Sql;
use crate::time::{self, Micros};

/// The deals a caller may reach. Built in `app::scope` from the caller's role, permissions,
/// regions and organisation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DealScope {
    /// Every deal (administrators and managers; the operator).
    All,
    /// Deals of accounts in these regions (region-limited administrators, managers and
    /// channel managers).
    InRegions(Vec<String>),
    /// Deals with a partner link (channel managers).
    Partnered,
    /// Deals the user owns or is on the team of, within `regions` when set (sales reps).
    OwnedOrTeam {
        user: UserId,
        regions: Option<Vec<String>>,
    },
    /// The account's deals shared to its portal (customer users).
    SharedToAccount(AccountId),
    /// Deals the partner organisation is linked to (partner users and administrators).
    PartnerOrganisation(AccountId),
    /// Deals the partner user is responsible for (organisations set to "own deals only").
    ResponsiblePartnerUser(UserId),
    /// None.
    None,
}

impl DealScope {
    /// The `deal_reach` audiences this scope consists of; `None` for every deal.
    fn reach(&self) -> Option<Vec<String>> {
        match self {
            DealScope::All => None,
            DealScope::InRegions(regions) => Some(regions.iter().map(|r| key("r:", r)).collect()),
            DealScope::Partnered => Some(vec!["partnered".to_owned()]),
            DealScope::OwnedOrTeam { user, .. } => Some(vec![key("u:", user)]),
            DealScope::SharedToAccount(a) => Some(vec![key("c:", a)]),
            DealScope::PartnerOrganisation(a) => Some(vec![key("p:", a)]),
            DealScope::ResponsiblePartnerUser(u) => Some(vec![key("pu:", u)]),
            DealScope::None => Some(Vec::new()),
        }
    }

    /// Regions the deal's account must be in, beyond the audiences.
    fn regions(&self) -> Option<&[String]> {
        match self {
            DealScope::OwnedOrTeam {
                regions: Some(r), ..
            } => Some(r),
            _ => None,
        }
    }

    /// Appends ` AND <predicate>` limiting the deal aliased `d` to this scope.
    pub fn restrict(&self, sql: &mut Sql) {
        match self.reach() {
            None => {}
            Some(keys) if keys.is_empty() => {
                sql.push(" AND 1 = 0");
            }
            Some(keys) => {
                sql.push(
                    " AND EXISTS (SELECT 1 FROM deal_reach sx WHERE sx.deal_id = d.id AND sx.reach IN ",
                )
                .bind_list(&keys)
                .push(")");
            }
        }
        if let Some(regions) = self.regions() {
            if regions.is_empty() {
                sql.push(" AND 1 = 0");
            } else {
                sql.push(" AND d.region IN ").bind_list(regions);
            }
        }
    }
}

fn key(prefix: &str, id: &str) -> String {
    let mut k = String::with_capacity(prefix.len() + id.len());
    k.push_str(prefix);
    k.push_str(id);
    k
}

// ---------------------------------------------------------------------------------------
// Stages

/// A pipeline stage as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StageRow {
    pub id: String,
    pub name: String,
    pub position: i64,
    pub probability: i64,
    pub category: StageCategory,
    pub locks_contract: bool,
}

fn stage_row(r: &AnyRow) -> Result<StageRow, sqlx::Error> {
    Ok(StageRow {
        id: r.try_get("id")?,
        name: r.try_get("name")?,
        position: r.try_get("position")?,
        probability: r.try_get("probability")?,
        category: StageCategory::parse(&r.try_get::<String, _>("category")?)
            .unwrap_or(StageCategory::Open),
        locks_contract: r.try_get::<i64, _>("locks_contract")? != 0,
    })
}

/// Every stage, in order.
pub async fn stages(conn: &mut AnyConnection) -> Result<Vec<StageRow>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT id, name, position, probability, category, locks_contract \
         FROM pipeline_stages ORDER BY position, id",
    )
    .fetch_all(&mut *conn)
    .await?;
    rows.iter().map(stage_row).collect()
}

/// One stage.
pub async fn stage(conn: &mut AnyConnection, id: &str) -> Result<Option<StageRow>, sqlx::Error> {
    let row = sqlx::query(
        "SELECT id, name, position, probability, category, locks_contract \
         FROM pipeline_stages WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?;
    row.as_ref().map(stage_row).transpose()
}

/// Stores a new stage at `position`, moving later stages down one.
pub async fn insert_stage(conn: &mut AnyConnection, s: &StageRow) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE pipeline_stages SET position = position + 1 WHERE position >= $1")
        .bind(s.position)
        .execute(&mut *conn)
        .await?;
    let now = time::now();
    sqlx::query(
        "INSERT INTO pipeline_stages (id, name, position, probability, category, locks_contract, \
         created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $7)",
    )
    .bind(&s.id)
    .bind(&s.name)
    .bind(s.position)
    .bind(s.probability)
    .bind(s.category.as_str())
    .bind(i64::from(s.locks_contract))
    .bind(now)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Stores a changed stage; a new position shifts the stages between the old and new one.
pub async fn update_stage(
    conn: &mut AnyConnection,
    before: &StageRow,
    after: &StageRow,
) -> Result<(), sqlx::Error> {
    if after.position != before.position {
        // Park the stage out of the way, close the gap, open the new one.
        sqlx::query("UPDATE pipeline_stages SET position = position - 1 WHERE position > $1")
            .bind(before.position)
            .execute(&mut *conn)
            .await?;
        sqlx::query(
            "UPDATE pipeline_stages SET position = position + 1 WHERE position >= $1 AND id <> $2",
        )
        .bind(after.position)
        .bind(&after.id)
        .execute(&mut *conn)
        .await?;
    }
    sqlx::query(
        "UPDATE pipeline_stages SET name = $1, position = $2, probability = $3, category = $4, \
         locks_contract = $5, updated_at = $6 WHERE id = $7",
    )
    .bind(&after.name)
    .bind(after.position)
    .bind(after.probability)
    .bind(after.category.as_str())
    .bind(i64::from(after.locks_contract))
    .bind(time::now())
    .bind(&after.id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// How many deals are at a stage.
pub async fn deals_at_stage(conn: &mut AnyConnection, id: &str) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT COUNT(*) FROM deals WHERE stage_id = $1")
        .bind(id)
        .fetch_one(&mut *conn)
        .await
}

/// Removes a stage no deal uses and closes the gap it leaves.
pub async fn delete_stage(conn: &mut AnyConnection, s: &StageRow) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM pipeline_stages WHERE id = $1")
        .bind(&s.id)
        .execute(&mut *conn)
        .await?;
    sqlx::query("UPDATE pipeline_stages SET position = position - 1 WHERE position > $1")
        .bind(s.position)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Contacts

/// A contact as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContactRow {
    pub id: String,
    pub account_id: String,
    pub name: String,
    pub email: String,
    pub title: Option<String>,
    pub phone: Option<String>,
    pub has_portal_account: bool,
}

fn contact_row(r: &AnyRow) -> Result<ContactRow, sqlx::Error> {
    Ok(ContactRow {
        id: r.try_get("id")?,
        account_id: r.try_get("account_id")?,
        name: r.try_get("name")?,
        email: r.try_get("email")?,
        title: r.try_get("title")?,
        phone: r.try_get("phone")?,
        has_portal_account: r.try_get::<i64, _>("has_user")? != 0,
    })
}

const CONTACT_SELECT: &str = "SELECT c.id, c.account_id, c.name, c.email, c.title, c.phone, \
     CASE WHEN EXISTS (SELECT 1 FROM users u WHERE u.email_normalized = c.email_normalized) \
     THEN 1 ELSE 0 END AS has_user FROM contacts c";

/// A contact to store.
#[derive(Debug, Clone)]
pub struct NewContact {
    pub account_id: String,
    pub name: String,
    pub email: String,
    pub email_normalized: String,
    pub title: Option<String>,
    pub phone: Option<String>,
}

/// Stores a contact; returns its id.
pub async fn insert_contact(
    conn: &mut AnyConnection,
    c: &NewContact,
) -> Result<String, sqlx::Error> {
    let id = uuid::Uuid::now_v7().to_string();
    sqlx::query(
        "INSERT INTO contacts (id, account_id, name, email, email_normalized, title, phone, \
         created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)",
    )
    .bind(&id)
    .bind(&c.account_id)
    .bind(&c.name)
    .bind(&c.email)
    .bind(&c.email_normalized)
    .bind(&c.title)
    .bind(&c.phone)
    .bind(time::now())
    .execute(&mut *conn)
    .await?;
    Ok(id)
}

/// One contact.
pub async fn contact(
    conn: &mut AnyConnection,
    id: &str,
) -> Result<Option<ContactRow>, sqlx::Error> {
    let mut sql = Sql::new(CONTACT_SELECT);
    sql.push(" WHERE c.id = ").bind(id);
    let row = sql.query().fetch_optional(&mut *conn).await?;
    row.as_ref().map(contact_row).transpose()
}

/// An account's contacts, by name.
pub async fn contacts_of_account(
    conn: &mut AnyConnection,
    account_id: &str,
) -> Result<Vec<ContactRow>, sqlx::Error> {
    let mut sql = Sql::new(CONTACT_SELECT);
    sql.push(" WHERE c.account_id = ")
        .bind(account_id)
        .push(" ORDER BY c.name, c.id LIMIT 500");
    let rows = sql.query().fetch_all(&mut *conn).await?;
    rows.iter().map(contact_row).collect()
}

/// A deal's contacts, by name.
pub async fn contacts_of_deal(
    conn: &mut AnyConnection,
    deal_id: &str,
) -> Result<Vec<ContactRow>, sqlx::Error> {
    let mut sql = Sql::new(CONTACT_SELECT);
    sql.push(" JOIN deal_contacts dc ON dc.contact_id = c.id WHERE dc.deal_id = ")
        .bind(deal_id)
        .push(" ORDER BY c.name, c.id");
    let rows = sql.query().fetch_all(&mut *conn).await?;
    rows.iter().map(contact_row).collect()
}

/// Links a contact to a deal; `false` when it already was.
pub async fn add_contact(
    conn: &mut AnyConnection,
    deal_id: &str,
    contact_id: &str,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "INSERT INTO deal_contacts (deal_id, contact_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
    )
    .bind(deal_id)
    .bind(contact_id)
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected() > 0)
}

/// Unlinks a contact from a deal; `false` when it was not linked.
pub async fn remove_contact(
    conn: &mut AnyConnection,
    deal_id: &str,
    contact_id: &str,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query("DELETE FROM deal_contacts WHERE deal_id = $1 AND contact_id = $2")
        .bind(deal_id)
        .bind(contact_id)
        .execute(&mut *conn)
        .await?;
    Ok(done.rows_affected() > 0)
}

// ---------------------------------------------------------------------------------------
// Deals

/// A deal as stored, with the names it shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DealRow {
    pub id: String,
    pub name: String,
    pub account_id: String,
    pub account_name: String,
    pub stage: StageRow,
    pub amount_minor: Option<i64>,
    pub currency: Option<String>,
    pub amount_shared: bool,
    pub expected_close_date: Option<String>,
    pub owner_id: String,
    pub owner_name: String,
    pub owner_has_photo: bool,
    pub source: DealSource,
    pub shared: bool,
    pub next_steps: Option<String>,
    pub internal_tags: Option<String>,
    pub region: Option<String>,
    pub external_id: Option<String>,
    pub created_at: Micros,
    pub updated_at: Micros,
    pub closed_at: Option<Micros>,
    pub shared_changed_at: Option<Micros>,
    pub version: i64,
}

const DEAL_COLUMNS: &str = "d.id, d.name, d.account_id, a.name AS account_name, \
     d.stage_id, s.name AS stage_name, s.position AS stage_position, \
     s.probability AS stage_probability, s.category AS stage_category, \
     s.locks_contract AS stage_locks, d.amount_minor, d.currency, d.amount_shared, \
     d.expected_close_date, d.owner_id, o.name AS owner_name, \
     CASE WHEN EXISTS (SELECT 1 FROM user_photos ph WHERE ph.user_id = d.owner_id) \
     THEN 1 ELSE 0 END AS owner_photo, d.source, d.shared, d.next_steps, d.internal_tags, \
     d.region, d.external_id, d.created_at, d.updated_at, d.closed_at, d.shared_changed_at, \
     d.version";

const DEAL_JOINS: &str = " JOIN accounts a ON a.id = d.account_id \
     JOIN pipeline_stages s ON s.id = d.stage_id JOIN users o ON o.id = d.owner_id";

fn deal_row(r: &AnyRow) -> Result<DealRow, sqlx::Error> {
    Ok(DealRow {
        id: r.try_get("id")?,
        name: r.try_get("name")?,
        account_id: r.try_get("account_id")?,
        account_name: r.try_get("account_name")?,
        stage: StageRow {
            id: r.try_get("stage_id")?,
            name: r.try_get("stage_name")?,
            position: r.try_get("stage_position")?,
            probability: r.try_get("stage_probability")?,
            category: StageCategory::parse(&r.try_get::<String, _>("stage_category")?)
                .unwrap_or(StageCategory::Open),
            locks_contract: r.try_get::<i64, _>("stage_locks")? != 0,
        },
        amount_minor: r.try_get("amount_minor")?,
        currency: r.try_get("currency")?,
        amount_shared: r.try_get::<i64, _>("amount_shared")? != 0,
        expected_close_date: r.try_get("expected_close_date")?,
        owner_id: r.try_get("owner_id")?,
        owner_name: r.try_get("owner_name")?,
        owner_has_photo: r.try_get::<i64, _>("owner_photo")? != 0,
        source: DealSource::parse(&r.try_get::<String, _>("source")?).unwrap_or(DealSource::Direct),
        shared: r.try_get::<i64, _>("shared")? != 0,
        next_steps: r.try_get("next_steps")?,
        internal_tags: r.try_get("internal_tags")?,
        region: r.try_get("region")?,
        external_id: r.try_get("external_id")?,
        created_at: r.try_get("created_at")?,
        updated_at: r.try_get("updated_at")?,
        closed_at: r.try_get("closed_at")?,
        shared_changed_at: r.try_get("shared_changed_at")?,
        version: r.try_get("version")?,
    })
}

/// A deal's stored fields, to create or replace.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DealFields {
    pub account_id: String,
    pub name: String,
    pub stage_id: String,
    pub amount_minor: Option<i64>,
    pub currency: Option<String>,
    pub amount_shared: bool,
    pub expected_close_date: Option<String>,
    pub owner_id: String,
    pub source: DealSource,
    pub shared: bool,
    pub next_steps: Option<String>,
    pub internal_tags: Option<String>,
    pub region: Option<String>,
    pub external_id: Option<String>,
    pub closed_at: Option<Micros>,
}

impl DealRow {
    /// The row's fields, to change some and store them back.
    pub fn fields(&self) -> DealFields {
        DealFields {
            account_id: self.account_id.clone(),
            name: self.name.clone(),
            stage_id: self.stage.id.clone(),
            amount_minor: self.amount_minor,
            currency: self.currency.clone(),
            amount_shared: self.amount_shared,
            expected_close_date: self.expected_close_date.clone(),
            owner_id: self.owner_id.clone(),
            source: self.source,
            shared: self.shared,
            next_steps: self.next_steps.clone(),
            internal_tags: self.internal_tags.clone(),
            region: self.region.clone(),
            external_id: self.external_id.clone(),
            closed_at: self.closed_at,
        }
    }
}

/// Stores a new deal (and its reach); returns its id.
pub async fn insert(conn: &mut AnyConnection, f: &DealFields) -> Result<String, sqlx::Error> {
    let id = uuid::Uuid::now_v7().to_string();
    let now = time::now();
    sqlx::query(
        "INSERT INTO deals (id, account_id, name, stage_id, amount_minor, currency, amount_shared, \
         expected_close_date, owner_id, source, shared, next_steps, internal_tags, region, \
         external_id, created_at, updated_at, closed_at, version) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $16, $17, 1)",
    )
    .bind(&id)
    .bind(&f.account_id)
    .bind(&f.name)
    .bind(&f.stage_id)
    .bind(f.amount_minor)
    .bind(&f.currency)
    .bind(i64::from(f.amount_shared))
    .bind(&f.expected_close_date)
    .bind(&f.owner_id)
    .bind(f.source.as_str())
    .bind(i64::from(f.shared))
    .bind(&f.next_steps)
    .bind(&f.internal_tags)
    .bind(&f.region)
    .bind(&f.external_id)
    .bind(now)
    .bind(f.closed_at)
    .execute(&mut *conn)
    .await?;
    sync_reach(conn, &id).await?;
    Ok(id)
}

/// Replaces a deal's fields if it is still at `version`; bumps the version and the update
/// time and rewrites its reach. `false` when someone changed it first.
pub async fn update(
    conn: &mut AnyConnection,
    id: &str,
    version: i64,
    f: &DealFields,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE deals SET account_id = $1, name = $2, stage_id = $3, amount_minor = $4, \
         currency = $5, amount_shared = $6, expected_close_date = $7, owner_id = $8, source = $9, \
         shared = $10, next_steps = $11, internal_tags = $12, region = $13, external_id = $14, \
         closed_at = $15, updated_at = $16, version = version + 1 \
         WHERE id = $17 AND version = $18",
    )
    .bind(&f.account_id)
    .bind(&f.name)
    .bind(&f.stage_id)
    .bind(f.amount_minor)
    .bind(&f.currency)
    .bind(i64::from(f.amount_shared))
    .bind(&f.expected_close_date)
    .bind(&f.owner_id)
    .bind(f.source.as_str())
    .bind(i64::from(f.shared))
    .bind(&f.next_steps)
    .bind(&f.internal_tags)
    .bind(&f.region)
    .bind(&f.external_id)
    .bind(f.closed_at)
    .bind(time::now())
    .bind(id)
    .bind(version)
    .execute(&mut *conn)
    .await?;
    if done.rows_affected() == 0 {
        return Ok(false);
    }
    sync_reach(conn, id).await?;
    Ok(true)
}

/// Marks a deal as changed now (a note, a contact, a team member), keeping its version.
pub async fn touch(conn: &mut AnyConnection, id: &str) -> Result<(), sqlx::Error> {
    let now = time::now();
    sqlx::query("UPDATE deals SET updated_at = $1 WHERE id = $2")
        .bind(now)
        .bind(id)
        .execute(&mut *conn)
        .await?;
    sqlx::query("UPDATE deal_reach SET updated_at = $1 WHERE deal_id = $2")
        .bind(now)
        .bind(id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Rewrites the audiences a deal is visible to, with its current sort keys.
pub async fn sync_reach(conn: &mut AnyConnection, id: &str) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM deal_reach WHERE deal_id = $1")
        .bind(id)
        .execute(&mut *conn)
        .await?;
    sqlx::query(
        "INSERT INTO deal_reach (reach, deal_id, updated_at, close_on, amount_minor) \
         SELECT k.reach, d.id, d.updated_at, COALESCE(d.expected_close_date, '9999-12-31'), \
         COALESCE(d.amount_minor, -1) FROM deals d JOIN ( \
           SELECT 'all' AS reach \
           UNION SELECT 'u:' || owner_id FROM deals WHERE id = $1 \
           UNION SELECT 'u:' || user_id FROM deal_team WHERE deal_id = $1 \
           UNION SELECT 'a:' || account_id FROM deals WHERE id = $1 \
           UNION SELECT 'c:' || account_id FROM deals WHERE id = $1 AND shared = 1 \
           UNION SELECT 'r:' || region FROM deals WHERE id = $1 AND region IS NOT NULL \
           UNION SELECT 'p:' || account_id FROM deal_partners WHERE deal_id = $1 \
           UNION SELECT 'pu:' || partner_user_id FROM deal_partners \
                 WHERE deal_id = $1 AND partner_user_id IS NOT NULL \
           UNION SELECT 'partnered' FROM deal_partners WHERE deal_id = $1 \
         ) k ON 1 = 1 WHERE d.id = $1",
    )
    .bind(id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Files an account's deals under its new region.
pub async fn move_account_region(
    conn: &mut AnyConnection,
    account_id: &str,
    region: Option<&str>,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE deals SET region = $1 WHERE account_id = $2")
        .bind(region)
        .bind(account_id)
        .execute(&mut *conn)
        .await?;
    sqlx::query(
        "DELETE FROM deal_reach WHERE reach LIKE 'r:%' \
         AND deal_id IN (SELECT id FROM deals WHERE account_id = $1)",
    )
    .bind(account_id)
    .execute(&mut *conn)
    .await?;
    sqlx::query(
        "INSERT INTO deal_reach (reach, deal_id, updated_at, close_on, amount_minor) \
         SELECT 'r:' || d.region, d.id, d.updated_at, COALESCE(d.expected_close_date, '9999-12-31'), \
         COALESCE(d.amount_minor, -1) FROM deals d WHERE d.account_id = $1 AND d.region IS NOT NULL",
    )
    .bind(account_id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// One deal within `scope`.
pub async fn get(
    conn: &mut AnyConnection,
    scope: &DealScope,
    id: &str,
) -> Result<Option<DealRow>, sqlx::Error> {
    let mut sql = Sql::new("SELECT ");
    sql.push(DEAL_COLUMNS)
        .push(" FROM deals d")
        .push(DEAL_JOINS)
        .push(" WHERE d.id = ")
        .bind(id);
    scope.restrict(&mut sql);
    let row = sql.query().fetch_optional(&mut *conn).await?;
    row.as_ref().map(deal_row).transpose()
}

/// The deal carrying `external_id`.
pub async fn id_by_external_id(
    conn: &mut AnyConnection,
    external_id: &str,
) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar("SELECT id FROM deals WHERE external_id = $1")
        .bind(external_id)
        .fetch_optional(&mut *conn)
        .await
}

/// Whether another deal already carries `external_id`.
pub async fn external_id_taken(
    conn: &mut AnyConnection,
    external_id: &str,
    except: Option<&str>,
) -> Result<bool, sqlx::Error> {
    let found: Option<String> = sqlx::query_scalar("SELECT id FROM deals WHERE external_id = $1")
        .bind(external_id)
        .fetch_optional(&mut *conn)
        .await?;
    Ok(found.is_some_and(|f| Some(f.as_str()) != except))
}

/// Where a page of deals continues: the last row's sort key and id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DealCursor {
    Updated(Micros, String),
    CloseDate(String, String),
    Amount(i64, String),
}

impl DealCursor {
    /// The cursor as sent: `u.<micros>.<id>`, `c.<date>.<id>` or `a.<minor>.<id>`.
    pub fn encode(&self) -> String {
        match self {
            DealCursor::Updated(t, id) => format!("u.{t}.{id}"),
            DealCursor::CloseDate(d, id) => format!("c.{d}.{id}"),
            DealCursor::Amount(a, id) => format!("a.{a}.{id}"),
        }
    }

    /// Reads a cursor made for `sort`.
    pub fn decode(s: &str, sort: DealSort) -> Option<DealCursor> {
        let (kind, rest) = s.split_once('.')?;
        let (value, id) = rest.split_once('.')?;
        if id.is_empty() || id.len() > 64 {
            return None;
        }
        match (kind, sort) {
            ("u", DealSort::Updated) => Some(DealCursor::Updated(value.parse().ok()?, id.into())),
            ("c", DealSort::CloseDate)
                if value.len() == 10 && value.bytes().all(|b| b.is_ascii_digit() || b == b'-') =>
            {
                Some(DealCursor::CloseDate(value.into(), id.into()))
            }
            ("a", DealSort::Amount) => Some(DealCursor::Amount(value.parse().ok()?, id.into())),
            _ => None,
        }
    }
}

/// What a deal list is narrowed to, beyond the scope.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DealFilter {
    /// Only deals this user owns.
    pub owner: Option<String>,
    /// Only deals this user owns or is on the team of.
    pub member: Option<String>,
    pub account: Option<String>,
    pub partner: Option<String>,
    pub region: Option<String>,
    pub stage: Option<String>,
    /// YYYY-MM-DD, inclusive.
    pub close_from: Option<String>,
    pub close_to: Option<String>,
    /// A piece of the deal's name.
    pub name: Option<String>,
}

/// A deal in a list, with the key it sorts by.
#[derive(Debug, Clone)]
pub struct ListedDeal {
    pub deal: DealRow,
    pub cursor: DealCursor,
}

/// A page of deals within `scope`, narrowed by `filter`, in `sort` order after `after`.
///
/// The scan is driven by one audience of `deal_reach` (the narrowest the filter or scope
/// names) in index order; every other condition filters that range. So the first page of a
/// partner's 13,500 deals reads 50 index entries, not 13,500.
pub async fn list(
    conn: &mut AnyConnection,
    scope: &DealScope,
    filter: &DealFilter,
    sort: DealSort,
    after: Option<&DealCursor>,
    limit: i64,
) -> Result<Vec<ListedDeal>, sqlx::Error> {
    // The audience to scan: a filter naming one narrows the most; else the scope's own.
    #[derive(PartialEq)]
    enum Drive {
        Partner,
        Account,
        Member,
        Region,
        Scope,
    }
    let member = filter.owner.as_ref().or(filter.member.as_ref());
    let (drive, keys): (Drive, Vec<String>) = if let Some(p) = &filter.partner {
        (Drive::Partner, vec![key("p:", p)])
    } else if let Some(a) = &filter.account {
        (Drive::Account, vec![key("a:", a)])
    } else if let Some(u) = member {
        (Drive::Member, vec![key("u:", u)])
    } else if let Some(r) = &filter.region {
        (Drive::Region, vec![key("r:", r)])
    } else {
        match scope.reach() {
            Some(keys) => (Drive::Scope, keys),
            None => (Drive::Scope, vec!["all".to_owned()]),
        }
    };
    if keys.is_empty() {
        return Ok(Vec::new());
    }
    let mut sql = Sql::new("SELECT ");
    sql.push(DEAL_COLUMNS).push(
        ", x.updated_at AS k_updated, x.close_on AS k_close, x.amount_minor AS k_amount \
         FROM deal_reach x JOIN deals d ON d.id = x.deal_id",
    );
    sql.push(DEAL_JOINS);
    if keys.len() == 1 {
        sql.push(" WHERE x.reach = ").bind(keys[0].as_str());
    } else {
        sql.push(" WHERE x.reach IN ").bind_list(&keys);
    }
    // Row-value comparisons, so both backends seek straight to the cursor in the index.
    match after {
        Some(DealCursor::Updated(t, id)) => {
            sql.push(" AND (x.updated_at, x.deal_id) < (")
                .bind(*t)
                .push(", ")
                .bind(id.as_str())
                .push(")");
        }
        Some(DealCursor::CloseDate(c, id)) => {
            sql.push(" AND (x.close_on, x.deal_id) > (")
                .bind(c.as_str())
                .push(", ")
                .bind(id.as_str())
                .push(")");
        }
        Some(DealCursor::Amount(a, id)) => {
            sql.push(" AND (x.amount_minor, x.deal_id) < (")
                .bind(*a)
                .push(", ")
                .bind(id.as_str())
                .push(")");
        }
        None => {}
    }
    if drive == Drive::Scope {
        // The scan is the scope; only its region limit remains.
        if let Some(regions) = scope.regions() {
            sql.push(" AND d.region IN ").bind_list(regions);
        }
    } else {
        scope.restrict(&mut sql);
    }
    if let Some(p) = filter.partner.as_ref().filter(|_| drive != Drive::Partner) {
        sql.push(
            " AND EXISTS (SELECT 1 FROM deal_reach px WHERE px.deal_id = d.id AND px.reach = ",
        )
        .bind(key("p:", p))
        .push(")");
    }
    if let Some(account) = filter.account.as_ref().filter(|_| drive != Drive::Account) {
        sql.push(" AND d.account_id = ").bind(account.as_str());
    }
    if let Some(owner) = &filter.owner {
        sql.push(" AND d.owner_id = ").bind(owner.as_str());
    }
    if let Some(m) = filter
        .member
        .as_ref()
        .filter(|_| drive != Drive::Member || filter.owner.is_some())
    {
        sql.push(
            " AND EXISTS (SELECT 1 FROM deal_reach mx WHERE mx.deal_id = d.id AND mx.reach = ",
        )
        .bind(key("u:", m))
        .push(")");
    }
    if let Some(region) = filter.region.as_ref().filter(|_| drive != Drive::Region) {
        sql.push(" AND d.region = ").bind(region.as_str());
    }
    if let Some(stage) = &filter.stage {
        sql.push(" AND d.stage_id = ").bind(stage.as_str());
    }
    if let Some(from) = &filter.close_from {
        sql.push(" AND d.expected_close_date >= ")
            .bind(from.as_str());
    }
    if let Some(to) = &filter.close_to {
        sql.push(" AND d.expected_close_date <= ").bind(to.as_str());
    }
    if let Some(name) = &filter.name {
        sql.push(" AND LOWER(d.name) LIKE ")
            .bind(like_pattern(name))
            .push(" ESCAPE '\\'");
    }
    sql.push(match sort {
        DealSort::Updated => " ORDER BY x.updated_at DESC, x.deal_id DESC LIMIT ",
        DealSort::CloseDate => " ORDER BY x.close_on, x.deal_id LIMIT ",
        DealSort::Amount => " ORDER BY x.amount_minor DESC, x.deal_id DESC LIMIT ",
    })
    .bind(limit);
    let rows = sql.query().fetch_all(&mut *conn).await?;
    rows.iter()
        .map(|r| {
            let deal = deal_row(r)?;
            let cursor = match sort {
                DealSort::Updated => DealCursor::Updated(r.try_get("k_updated")?, deal.id.clone()),
                DealSort::CloseDate => {
                    DealCursor::CloseDate(r.try_get("k_close")?, deal.id.clone())
                }
                DealSort::Amount => DealCursor::Amount(r.try_get("k_amount")?, deal.id.clone()),
            };
            Ok(ListedDeal { deal, cursor })
        })
        .collect()
}

/// `%piece%`, lowercased, with `%`, `_` and `\` taken literally.
fn like_pattern(piece: &str) -> String {
    let mut p = String::with_capacity(piece.len() + 2);
    p.push('%');
    for c in piece.to_lowercase().chars() {
        if matches!(c, '%' | '_' | '\\') {
            p.push('\\');
        }
        p.push(c);
    }
    p.push('%');
    p
}

/// Deals and amounts by stage and currency within `scope`.
pub async fn totals_by_stage(
    conn: &mut AnyConnection,
    scope: &DealScope,
) -> Result<Vec<(String, i64, Option<String>, i64)>, sqlx::Error> {
    let mut sql = Sql::new(
        "SELECT d.stage_id, COUNT(*) AS deals, d.currency, CAST(COALESCE(SUM(d.amount_minor), 0) AS BIGINT) AS total \
         FROM deals d WHERE 1 = 1",
    );
    scope.restrict(&mut sql);
    sql.push(" GROUP BY d.stage_id, d.currency");
    let rows = sql.query().fetch_all(&mut *conn).await?;
    rows.iter()
        .map(|r| {
            Ok((
                r.try_get("stage_id")?,
                r.try_get("deals")?,
                r.try_get("currency")?,
                r.try_get("total")?,
            ))
        })
        .collect()
}

// ---------------------------------------------------------------------------------------
// Team and partners

/// A person on a deal: id, name, whether they have a photo.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonRow {
    pub id: String,
    pub name: String,
    pub has_photo: bool,
}

/// The deal team (beyond the owner), by name.
pub async fn team(conn: &mut AnyConnection, deal_id: &str) -> Result<Vec<PersonRow>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT u.id, u.name, CASE WHEN EXISTS (SELECT 1 FROM user_photos ph \
         WHERE ph.user_id = u.id) THEN 1 ELSE 0 END AS photo \
         FROM deal_team t JOIN users u ON u.id = t.user_id WHERE t.deal_id = $1 ORDER BY u.name, u.id",
    )
    .bind(deal_id)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(PersonRow {
                id: r.try_get("id")?,
                name: r.try_get("name")?,
                has_photo: r.try_get::<i64, _>("photo")? != 0,
            })
        })
        .collect()
}

/// Adds a team member; `false` when already there.
pub async fn add_member(
    conn: &mut AnyConnection,
    deal_id: &str,
    user_id: &str,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "INSERT INTO deal_team (deal_id, user_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
    )
    .bind(deal_id)
    .bind(user_id)
    .execute(&mut *conn)
    .await?;
    if done.rows_affected() == 0 {
        return Ok(false);
    }
    sync_reach(conn, deal_id).await?;
    Ok(true)
}

/// Removes a team member; `false` when not there.
pub async fn remove_member(
    conn: &mut AnyConnection,
    deal_id: &str,
    user_id: &str,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query("DELETE FROM deal_team WHERE deal_id = $1 AND user_id = $2")
        .bind(deal_id)
        .bind(user_id)
        .execute(&mut *conn)
        .await?;
    if done.rows_affected() == 0 {
        return Ok(false);
    }
    sync_reach(conn, deal_id).await?;
    Ok(true)
}

/// A partner organisation linked to a deal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartnerLinkRow {
    pub account_id: String,
    pub account_name: String,
    pub role: PartnerRole,
    pub partner_user: Option<PersonRow>,
}

/// The partner organisations linked to a deal, by name.
pub async fn partners(
    conn: &mut AnyConnection,
    deal_id: &str,
) -> Result<Vec<PartnerLinkRow>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT p.account_id, a.name AS account_name, p.role, p.partner_user_id, u.name AS user_name, \
         CASE WHEN EXISTS (SELECT 1 FROM user_photos ph WHERE ph.user_id = p.partner_user_id) \
         THEN 1 ELSE 0 END AS photo \
         FROM deal_partners p JOIN accounts a ON a.id = p.account_id \
         LEFT JOIN users u ON u.id = p.partner_user_id WHERE p.deal_id = $1 ORDER BY a.name, a.id",
    )
    .bind(deal_id)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|r| {
            let user: Option<String> = r.try_get("partner_user_id")?;
            Ok(PartnerLinkRow {
                account_id: r.try_get("account_id")?,
                account_name: r.try_get("account_name")?,
                role: PartnerRole::parse(&r.try_get::<String, _>("role")?)
                    .unwrap_or(PartnerRole::Influenced),
                partner_user: match user {
                    Some(id) => Some(PersonRow {
                        id,
                        name: r
                            .try_get::<Option<String>, _>("user_name")?
                            .unwrap_or_default(),
                        has_photo: r.try_get::<i64, _>("photo")? != 0,
                    }),
                    None => None,
                },
            })
        })
        .collect()
}

/// Links (or re-links) a partner organisation to a deal.
pub async fn link_partner(
    conn: &mut AnyConnection,
    deal_id: &str,
    account_id: &str,
    role: PartnerRole,
    partner_user_id: Option<&str>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO deal_partners (deal_id, account_id, role, partner_user_id, created_at) \
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (deal_id, account_id) \
         DO UPDATE SET role = excluded.role, partner_user_id = excluded.partner_user_id",
    )
    .bind(deal_id)
    .bind(account_id)
    .bind(role.as_str())
    .bind(partner_user_id)
    .bind(time::now())
    .execute(&mut *conn)
    .await?;
    sync_reach(conn, deal_id).await
}

/// Unlinks a partner organisation; `false` when it was not linked.
pub async fn unlink_partner(
    conn: &mut AnyConnection,
    deal_id: &str,
    account_id: &str,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query("DELETE FROM deal_partners WHERE deal_id = $1 AND account_id = $2")
        .bind(deal_id)
        .bind(account_id)
        .execute(&mut *conn)
        .await?;
    if done.rows_affected() == 0 {
        return Ok(false);
    }
    sync_reach(conn, deal_id).await?;
    Ok(true)
}

// ---------------------------------------------------------------------------------------
// Timeline

/// An event to record.
#[derive(Debug, Clone)]
pub struct NewEvent<'a> {
    pub deal_id: &'a str,
    pub kind: DealEventKind,
    pub shared: bool,
    pub actor_id: Option<&'a str>,
    pub body: Option<&'a str>,
    /// JSON: `{"from": …, "to": …}` or names.
    pub details: serde_json::Value,
}

/// An event as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct EventRow {
    pub id: String,
    pub deal_id: String,
    pub at: Micros,
    pub kind: DealEventKind,
    pub shared: bool,
    pub actor_name: Option<String>,
    pub body: Option<String>,
    pub details: serde_json::Value,
}

/// Records an event now; a shared one also marks when the deal last changed for its
/// customers.
pub async fn record(conn: &mut AnyConnection, e: &NewEvent<'_>) -> Result<(), sqlx::Error> {
    record_at(conn, e, time::now()).await
}

/// Records an event that happened at `now` (demo and imported history).
pub async fn record_at(
    conn: &mut AnyConnection,
    e: &NewEvent<'_>,
    now: Micros,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO deal_events (id, deal_id, at, kind, shared, actor_id, body, details) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(uuid::Uuid::now_v7().to_string())
    .bind(e.deal_id)
    .bind(now)
    .bind(e.kind.as_str())
    .bind(i64::from(e.shared))
    .bind(e.actor_id)
    .bind(e.body)
    .bind(e.details.to_string())
    .execute(&mut *conn)
    .await?;
    if e.shared {
        sqlx::query(
            "UPDATE deals SET shared_changed_at = $1 WHERE id = $2 \
             AND (shared_changed_at IS NULL OR shared_changed_at < $1)",
        )
        .bind(now)
        .bind(e.deal_id)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

pub fn event_row(r: &AnyRow) -> Result<EventRow, sqlx::Error> {
    Ok(EventRow {
        id: r.try_get("id")?,
        deal_id: r.try_get("deal_id")?,
        at: r.try_get("at")?,
        kind: DealEventKind::parse(&r.try_get::<String, _>("kind")?).unwrap_or(DealEventKind::Note),
        shared: r.try_get::<i64, _>("shared")? != 0,
        actor_name: r.try_get("actor_name")?,
        body: r.try_get("body")?,
        details: serde_json::from_str(&r.try_get::<String, _>("details")?)
            .unwrap_or(serde_json::Value::Null),
    })
}

/// A page of a deal's timeline, newest first; `shared_only` for external callers.
pub async fn events(
    conn: &mut AnyConnection,
    deal_id: &str,
    shared_only: bool,
    before: Option<(Micros, &str)>,
    limit: i64,
) -> Result<Vec<EventRow>, sqlx::Error> {
    let mut sql = Sql::new(
        "SELECT e.id, e.deal_id, e.at, e.kind, e.shared, u.name AS actor_name, e.body, e.details \
         FROM deal_events e LEFT JOIN users u ON u.id = e.actor_id WHERE e.deal_id = ",
    );
    sql.bind(deal_id);
    if shared_only {
        sql.push(" AND e.shared = 1");
    }
    if let Some((at, id)) = before {
        sql.push(" AND (e.at, e.id) < (")
            .bind(at)
            .push(", ")
            .bind(id)
            .push(")");
    }
    sql.push(" ORDER BY e.at DESC, e.id DESC LIMIT ")
        .bind(limit);
    let rows = sql.query().fetch_all(&mut *conn).await?;
    rows.iter().map(event_row).collect()
}

/// The shared events of some deals after `since`, oldest first: what changed since a visit.
pub async fn shared_events_since(
    conn: &mut AnyConnection,
    deal_ids: &[String],
    since: Micros,
) -> Result<Vec<EventRow>, sqlx::Error> {
    if deal_ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut sql = Sql::new(
        "SELECT e.id, e.deal_id, e.at, e.kind, e.shared, NULL AS actor_name, e.body, e.details \
         FROM deal_events e WHERE e.shared = 1 AND e.at > ",
    );
    sql.bind(since)
        .push(" AND e.deal_id IN ")
        .bind_list(deal_ids);
    sql.push(" ORDER BY e.at, e.id LIMIT 1000");
    let rows = sql.query().fetch_all(&mut *conn).await?;
    rows.iter().map(event_row).collect()
}

/// Users by id, for checks: (id, role, account_id, status).
pub async fn user_brief(
    conn: &mut AnyConnection,
    id: &str,
) -> Result<Option<(String, String, Option<String>, String)>, sqlx::Error> {
    let row = sqlx::query("SELECT id, role, account_id, status FROM users WHERE id = $1")
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?;
    row.map(|r| {
        Ok((
            r.try_get("id")?,
            r.try_get("role")?,
            r.try_get("account_id")?,
            r.try_get("status")?,
        ))
    })
    .transpose()
}

/// An account's kind and region, for checks.
pub async fn account_brief(
    conn: &mut AnyConnection,
    id: &str,
) -> Result<Option<(String, Option<String>)>, sqlx::Error> {
    let row = sqlx::query("SELECT kind, region FROM accounts WHERE id = $1")
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?;
    row.map(|r| Ok((r.try_get("kind")?, r.try_get("region")?)))
        .transpose()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_render_their_audiences() {
        let mut sql = Sql::new("SELECT d.id FROM deals d WHERE d.id = ");
        sql.bind("x");
        DealScope::PartnerOrganisation(AccountId::new("p1")).restrict(&mut sql);
        assert_eq!(
            sql.text(),
            "SELECT d.id FROM deals d WHERE d.id = $1 AND EXISTS (SELECT 1 FROM deal_reach sx \
             WHERE sx.deal_id = d.id AND sx.reach IN ($2))"
        );
        let mut sql = Sql::new("SELECT 1 WHERE 1 = 1");
        DealScope::OwnedOrTeam {
            user: UserId::new("u1"),
            regions: Some(vec!["EMEA".into()]),
        }
        .restrict(&mut sql);
        assert!(sql.text().ends_with("AND d.region IN ($2)"));
        let mut sql = Sql::new("SELECT 1 WHERE 1 = 1");
        DealScope::None.restrict(&mut sql);
        assert_eq!(sql.text(), "SELECT 1 WHERE 1 = 1 AND 1 = 0");
        let mut sql = Sql::new("SELECT 1 WHERE 1 = 1");
        DealScope::All.restrict(&mut sql);
        assert_eq!(sql.text(), "SELECT 1 WHERE 1 = 1");
    }

    #[test]
    fn cursors_round_trip_and_belong_to_their_sort() {
        for (c, sort) in [
            (DealCursor::Updated(17, "d1".into()), DealSort::Updated),
            (
                DealCursor::CloseDate("2026-12-01".into(), "d2".into()),
                DealSort::CloseDate,
            ),
            (DealCursor::Amount(-1, "d3".into()), DealSort::Amount),
        ] {
            assert_eq!(DealCursor::decode(&c.encode(), sort), Some(c.clone()));
        }
        assert_eq!(DealCursor::decode("u.17.d1", DealSort::Amount), None);
        assert_eq!(DealCursor::decode("u.x.d1", DealSort::Updated), None);
        assert_eq!(
            DealCursor::decode("c.2026-12-01'--.d1", DealSort::CloseDate),
            None
        );
        assert_eq!(DealCursor::decode("garbage", DealSort::Updated), None);
    }

    #[test]
    fn name_search_takes_wildcards_literally() {
        assert_eq!(like_pattern("50%_Off\\"), "%50\\%\\_off\\\\%");
    }
}
