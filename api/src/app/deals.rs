//! Deals and the pipeline: what each audience may read of a deal, and how staff change it.
//!
//! Every read builds the caller's `DealScope` once and passes it to storage, so a list, a
//! single deal and every sub-resource agree on what the caller may see; anything outside
//! answers 404. What an external caller receives is cut down here, in one place (`Lens`):
//! shared events only, no team, tags or external id, the amount only with "View deal value"
//! and the deal's amount-shared flag, the rep only with "View team members".

use chrono::NaiveDate;
use portcullis_shared::admin::UserStatus;
use portcullis_shared::deals::{
    AccountRef, Contact, ContactInput, ContactList, Deal, DealChange, DealContactInput, DealEvent,
    DealEventKind, DealInput, DealPage, DealPartner, DealPartnerInput, DealPatch, DealSort,
    DealSource, DealSummary, DealView, NoteInput, Person, Pipeline, PipelineSummary, ShareInput,
    ShareOutcome, Stage, StageCategory, StageInput, StagePatch, StageRef, StageTotal,
    TeamMemberInput, TimelinePage,
};
use portcullis_shared::validate::is_plausible_email;
use portcullis_shared::{Currency, FieldCode, FieldError, Money, Permission, Role};
use serde_json::json;

use crate::app::invitations::send_invitation;
use crate::app::scope::require;
use crate::app::{Actor, App, Audit, Tx, page_limit};
use crate::auth::Principal;
use crate::error::ApiError;
use crate::storage::DealScope;
use crate::storage::deals::{
    self, ContactRow, DealCursor, DealFields, DealFilter, DealRow, EventRow, NewContact, NewEvent,
    PersonRow, StageRow,
};
use crate::storage::users::{self, NewUser, normalize_email};
use crate::time;

const MAX_NAME: usize = 200;
const MAX_TEXT: usize = 4000;
const MAX_TAGS: usize = 20;

/// What a caller may see of the deals in their scope.
struct Lens {
    internal: bool,
    /// A customer with "View deal value".
    customer_values: bool,
    /// Customers need "View team members" to see the rep; everyone else sees them.
    team: bool,
    /// External users: changes since this time are marked.
    since: Option<i64>,
    customer: bool,
}

impl Lens {
    fn of(p: &Principal) -> Lens {
        let internal = p.role.is_internal();
        let customer = p.role == Role::CustomerUser;
        Lens {
            internal,
            customer_values: customer && p.granted(Permission::ViewDealValue),
            team: !customer || p.granted(Permission::ViewTeamMembers),
            since: if internal {
                None
            } else {
                p.previous_sign_in_at
            },
            customer,
        }
    }

    fn amount(&self, d: &DealRow) -> Option<Money> {
        let visible = !self.customer || (self.customer_values && d.amount_shared);
        match (
            visible,
            d.amount_minor,
            d.currency.as_deref().and_then(Currency::parse),
        ) {
            (true, Some(minor), Some(currency)) => Some(Money::new(minor, currency)),
            _ => None,
        }
    }

    fn owner(&self, d: &DealRow) -> Option<Person> {
        self.team.then(|| Person {
            id: d.owner_id.clone().into(),
            name: d.owner_name.clone(),
            photo_url: d
                .owner_has_photo
                .then(|| format!("/api/v1/deals/{}/owner/photo", d.id)),
        })
    }

    /// Whether an event reaches this caller.
    fn sees(&self, e: &EventRow) -> bool {
        if self.internal {
            return true;
        }
        if !e.shared {
            return false;
        }
        // An amount change tells the amount.
        !(e.kind == DealEventKind::AmountChanged && self.customer && !self.customer_values)
    }
}

fn stage_ref(s: &StageRow) -> StageRef {
    StageRef {
        id: s.id.clone().into(),
        name: s.name.clone(),
        position: s.position,
        category: s.category,
    }
}

fn stage_dto(s: StageRow) -> Stage {
    Stage {
        id: s.id.into(),
        name: s.name,
        position: s.position,
        probability: s.probability,
        category: s.category,
        locks_contract: s.locks_contract,
    }
}

fn person(p: PersonRow) -> Person {
    Person {
        photo_url: None,
        id: p.id.into(),
        name: p.name,
    }
}

fn contact_dto(c: ContactRow) -> Contact {
    Contact {
        id: c.id.into(),
        account_id: c.account_id.into(),
        name: c.name,
        email: c.email,
        title: c.title,
        phone: c.phone,
        has_portal_account: c.has_portal_account,
    }
}

fn or_someone(name: Option<&str>) -> &str {
    name.filter(|n| !n.is_empty()).unwrap_or("Someone")
}

/// An event in words.
pub(crate) fn summary(e: &EventRow) -> String {
    let text = |k: &str| e.details.get(k).and_then(|v| v.as_str()).unwrap_or("");
    let or_none = |s: &str| {
        if s.is_empty() {
            "none".to_owned()
        } else {
            s.to_owned()
        }
    };
    match e.kind {
        DealEventKind::Created => "Deal created".to_owned(),
        DealEventKind::StageChanged => {
            format!("Stage moved from {} to {}", text("from"), text("to"))
        }
        DealEventKind::CloseDateChanged => format!(
            "Expected close date moved from {} to {}",
            or_none(text("from")),
            or_none(text("to"))
        ),
        DealEventKind::AmountChanged => format!(
            "Amount changed from {} to {}",
            or_none(text("from")),
            or_none(text("to"))
        ),
        DealEventKind::Note => {
            if e.shared {
                "Shared note".to_owned()
            } else {
                "Internal note".to_owned()
            }
        }
        DealEventKind::NextStepsChanged => "Next steps updated".to_owned(),
        DealEventKind::Shared => "Shared to the portal".to_owned(),
        DealEventKind::Unshared => "No longer shared to the portal".to_owned(),
        DealEventKind::AmountShared => "Amount shared with the customer".to_owned(),
        DealEventKind::ContactAdded => format!("Contact {} added", text("name")),
        DealEventKind::ContactRemoved => format!("Contact {} removed", text("name")),
        DealEventKind::PartnerLinked => format!("Partner {} linked", text("name")),
        DealEventKind::PartnerUnlinked => format!("Partner {} unlinked", text("name")),
        DealEventKind::OwnerChanged => format!("Owner changed to {}", text("to")),
        DealEventKind::TeamChanged => text("summary").to_owned(),
        DealEventKind::Renamed => format!("Renamed from {} to {}", text("from"), text("to")),
        DealEventKind::AccountChanged => "Account changed".to_owned(),
        DealEventKind::ThreadPosted => {
            format!("{} posted in the {} thread", text("by"), text("thread"))
        }
        DealEventKind::RequestSubmitted => {
            format!("{} submitted a {} request", text("by"), text("kind"))
        }
        DealEventKind::MeetingBooked => format!("Meeting booked: {}", text("subject")),
        DealEventKind::MeetingRescheduled => format!("Meeting rescheduled: {}", text("subject")),
        DealEventKind::MeetingCancelled => format!("Meeting cancelled: {}", text("subject")),
        DealEventKind::DocumentUploaded => format!(
            "{} uploaded {} (version {})",
            or_someone(e.actor_name.as_deref()),
            text("title"),
            e.details
                .get("version")
                .and_then(|v| v.as_i64())
                .unwrap_or(1)
        ),
        DealEventKind::DocumentDownloaded => format!(
            "{} downloaded {}",
            or_someone(e.actor_name.as_deref()),
            text("title")
        ),
    }
}

fn event_dto(e: EventRow) -> DealEvent {
    DealEvent {
        summary: summary(&e),
        id: e.id,
        at: time::to_rfc3339(e.at),
        kind: e.kind,
        shared: e.shared,
        actor: e.actor_name,
        body: e.body,
    }
}

fn change_dto(e: &EventRow) -> DealChange {
    let summary = match (e.kind, e.body.as_deref()) {
        (DealEventKind::Note, Some(body)) => {
            let mut short: String = body.chars().take(80).collect();
            if body.chars().count() > 80 {
                short.push('…');
            }
            format!("New note: {short}")
        }
        _ => summary(e),
    };
    DealChange {
        kind: e.kind,
        summary,
        at: time::to_rfc3339(e.at),
    }
}

/// The kinds of shared event marked as "changed since your last visit".
fn is_change(kind: DealEventKind) -> bool {
    matches!(
        kind,
        DealEventKind::StageChanged
            | DealEventKind::CloseDateChanged
            | DealEventKind::AmountChanged
            | DealEventKind::Note
            | DealEventKind::NextStepsChanged
            | DealEventKind::Shared
            | DealEventKind::Renamed
    )
}

/// What changed on each of `rows` since the caller's previous visit, in one query, and only
/// for deals whose last shared change is that recent.
async fn changes_of(
    conn: &mut sqlx::AnyConnection,
    lens: &Lens,
    rows: &[&DealRow],
) -> Result<Vec<Vec<DealChange>>, ApiError> {
    let mut out = vec![Vec::new(); rows.len()];
    let Some(since) = lens.since else {
        return Ok(out);
    };
    let ids: Vec<String> = rows
        .iter()
        .filter(|d| d.shared_changed_at.is_some_and(|t| t > since))
        .map(|d| d.id.clone())
        .collect();
    if ids.is_empty() {
        return Ok(out);
    }
    for e in deals::shared_events_since(conn, &ids, since).await? {
        if !is_change(e.kind) || !lens.sees(&e) {
            continue;
        }
        if let Some(i) = rows.iter().position(|d| d.id == e.deal_id) {
            out[i].push(change_dto(&e));
        }
    }
    Ok(out)
}

fn summary_dto(lens: &Lens, d: DealRow, changes: Vec<DealChange>) -> DealSummary {
    DealSummary {
        amount: lens.amount(&d),
        owner: lens.owner(&d),
        stage: stage_ref(&d.stage),
        account: AccountRef {
            id: d.account_id.into(),
            name: d.account_name,
        },
        id: d.id.into(),
        name: d.name,
        expected_close_date: d.expected_close_date,
        shared: d.shared,
        next_steps: d.next_steps,
        updated_at: time::to_rfc3339(d.updated_at),
        changes,
    }
}

/// The fields a locking stage keeps from callers other than administrators and managers.
fn locked_fields(p: &Principal, d: &DealRow) -> Vec<String> {
    if d.stage.locks_contract
        && !matches!(p.role, Role::Admin | Role::Manager)
        && p.role.is_internal()
    {
        ["amount", "currency", "expected_close_date", "account_id"]
            .map(String::from)
            .to_vec()
    } else {
        Vec::new()
    }
}

/// A whole deal as `p` may see it.
async fn deal_dto(
    conn: &mut sqlx::AnyConnection,
    p: &Principal,
    d: DealRow,
) -> Result<Deal, ApiError> {
    let lens = Lens::of(p);
    let changes = changes_of(conn, &lens, &[&d])
        .await?
        .pop()
        .unwrap_or_default();
    let mut partners = deals::partners(conn, &d.id).await?;
    let contacts = if lens.internal {
        deals::contacts_of_deal(conn, &d.id).await?
    } else {
        Vec::new()
    };
    if !lens.internal {
        // A partner sees its own organisation's link; a customer none.
        partners.retain(|l| Some(l.account_id.as_str()) == p.account_id.as_deref());
    }
    let team = if lens.internal {
        Some(
            deals::team(conn, &d.id)
                .await?
                .into_iter()
                .map(person)
                .collect(),
        )
    } else {
        None
    };
    Ok(Deal {
        amount: lens.amount(&d),
        owner: lens.owner(&d),
        stage: stage_ref(&d.stage),
        locked_fields: locked_fields(p, &d),
        account: AccountRef {
            id: d.account_id.into(),
            name: d.account_name,
        },
        amount_shared: d.amount_shared,
        expected_close_date: d.expected_close_date,
        source: d.source,
        shared: d.shared,
        next_steps: d.next_steps,
        contacts: contacts.into_iter().map(contact_dto).collect(),
        partners: partners
            .into_iter()
            .map(|l| DealPartner {
                account: AccountRef {
                    id: l.account_id.into(),
                    name: l.account_name,
                },
                role: l.role,
                partner_user: l.partner_user.map(person),
            })
            .collect(),
        team,
        internal_tags: lens
            .internal
            .then(|| split_tags(d.internal_tags.as_deref())),
        external_id: if lens.internal { d.external_id } else { None },
        region: if lens.internal { d.region } else { None },
        changes,
        created_at: time::to_rfc3339(d.created_at),
        updated_at: time::to_rfc3339(d.updated_at),
        closed_at: d.closed_at.map(time::to_rfc3339),
        version: d.version,
        id: d.id.into(),
        name: d.name,
    })
}

fn split_tags(stored: Option<&str>) -> Vec<String> {
    stored
        .unwrap_or("")
        .split(',')
        .filter(|t| !t.is_empty())
        .map(str::to_owned)
        .collect()
}

// ---------------------------------------------------------------------------------------
// Pipeline

/// The pipeline's stages, for every signed-in user (a customer's deal card shows where the
/// deal is among them).
pub async fn pipeline(app: &App, _p: &Principal) -> Result<Pipeline, ApiError> {
    let mut conn = app.read().await?;
    Ok(Pipeline {
        stages: deals::stages(&mut conn)
            .await?
            .into_iter()
            .map(stage_dto)
            .collect(),
    })
}

fn check_stage(
    name: &str,
    probability: i64,
    position: Option<i64>,
    last: i64,
    errors: &mut Vec<FieldError>,
) {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 60 {
        errors.push(FieldError::new(
            "name",
            FieldCode::InvalidLength,
            "must be 1 to 60 characters",
        ));
    }
    if !(0..=100).contains(&probability) {
        errors.push(FieldError::new(
            "probability",
            FieldCode::OutOfRange,
            "must be 0 to 100",
        ));
    }
    if position.is_some_and(|pos| pos < 1 || pos > last) {
        errors.push(FieldError::new(
            "position",
            FieldCode::OutOfRange,
            format!("must be 1 to {last}"),
        ));
    }
}

/// Adds a stage.
pub async fn create_stage(app: &App, p: &Principal, input: StageInput) -> Result<Stage, ApiError> {
    require::manage_pipeline(p)?;
    let mut tx = app.begin().await?;
    let count = deals::stages(&mut tx).await?.len() as i64;
    let mut errors = Vec::new();
    check_stage(
        &input.name,
        input.probability,
        input.position,
        count + 1,
        &mut errors,
    );
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let row = StageRow {
        id: uuid::Uuid::now_v7().to_string(),
        name: input.name.trim().to_owned(),
        position: input.position.unwrap_or(count + 1),
        probability: input.probability,
        category: input.category,
        locks_contract: input.locks_contract,
    };
    deals::insert_stage(&mut tx, &row).await?;
    tx.audit(
        Audit::new(Actor::User(p), "stage.create")
            .object("stage", row.id.clone())
            .details(json!({ "name": row.name })),
    )
    .await?;
    tx.commit().await?;
    Ok(stage_dto(row))
}

/// Renames, reorders or reconfigures a stage.
pub async fn update_stage(
    app: &App,
    p: &Principal,
    id: &str,
    patch: StagePatch,
) -> Result<Stage, ApiError> {
    require::manage_pipeline(p)?;
    let mut tx = app.begin().await?;
    let before = deals::stage(&mut tx, id).await?.ok_or(ApiError::NotFound)?;
    let count = deals::stages(&mut tx).await?.len() as i64;
    let after = StageRow {
        id: before.id.clone(),
        name: patch
            .name
            .map(|n| n.trim().to_owned())
            .unwrap_or(before.name.clone()),
        position: patch.position.unwrap_or(before.position),
        probability: patch.probability.unwrap_or(before.probability),
        category: patch.category.unwrap_or(before.category),
        locks_contract: patch.locks_contract.unwrap_or(before.locks_contract),
    };
    let mut errors = Vec::new();
    check_stage(
        &after.name,
        after.probability,
        patch.position,
        count,
        &mut errors,
    );
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    deals::update_stage(&mut tx, &before, &after).await?;
    tx.audit(
        Audit::new(Actor::User(p), "stage.update")
            .object("stage", id)
            .details(json!({ "name": after.name, "position": after.position })),
    )
    .await?;
    tx.commit().await?;
    Ok(stage_dto(after))
}

/// Deletes a stage no deal uses; one in use answers 409 saying how many deals are at it.
pub async fn delete_stage(app: &App, p: &Principal, id: &str) -> Result<(), ApiError> {
    require::manage_pipeline(p)?;
    let mut tx = app.begin().await?;
    let stage = deals::stage(&mut tx, id).await?.ok_or(ApiError::NotFound)?;
    let used = deals::deals_at_stage(&mut tx, id).await?;
    if used > 0 {
        return Err(ApiError::Conflict(format!(
            "{used} deal{} at the stage \"{}\"; move {} to another stage first.",
            if used == 1 { " is" } else { "s are" },
            stage.name,
            if used == 1 { "it" } else { "them" }
        )));
    }
    deals::delete_stage(&mut tx, &stage).await?;
    tx.audit(
        Audit::new(Actor::User(p), "stage.delete")
            .object("stage", id)
            .details(json!({ "name": stage.name })),
    )
    .await?;
    tx.commit().await
}

/// Deals and amounts by stage within the caller's scope.
pub async fn summary_by_stage(app: &App, p: &Principal) -> Result<PipelineSummary, ApiError> {
    let scope = require::sell(p)?;
    let mut conn = app.read().await?;
    let stages = deals::stages(&mut conn).await?;
    let totals = deals::totals_by_stage(&mut conn, &scope).await?;
    Ok(PipelineSummary {
        stages: stages
            .iter()
            .map(|s| {
                let mine = totals.iter().filter(|t| t.0 == s.id);
                let mut amounts: Vec<Money> = mine
                    .clone()
                    .filter_map(|t| Some(Money::new(t.3, Currency::parse(t.2.as_deref()?)?)))
                    .collect();
                amounts.sort_by_key(|m| std::cmp::Reverse(m.minor));
                StageTotal {
                    stage: stage_ref(s),
                    deals: mine.map(|t| t.1).sum(),
                    amounts,
                }
            })
            .collect(),
    })
}

// ---------------------------------------------------------------------------------------
// Deals

/// How a deal list is asked for.
#[derive(Debug, Clone, Default)]
pub struct DealQuery {
    pub view: Option<DealView>,
    pub stage: Option<String>,
    pub owner: Option<String>,
    pub account: Option<String>,
    pub partner: Option<String>,
    pub region: Option<String>,
    pub close_from: Option<String>,
    pub close_to: Option<String>,
    pub q: Option<String>,
    pub sort: Option<DealSort>,
    pub cursor: Option<String>,
    pub limit: Option<i64>,
}

fn check_date(field: &str, value: Option<&str>, errors: &mut Vec<FieldError>) {
    if let Some(v) = value
        && (v.len() != 10 || NaiveDate::parse_from_str(v, "%Y-%m-%d").is_err())
    {
        errors.push(FieldError::new(
            field,
            FieldCode::InvalidFormat,
            "must be a date as YYYY-MM-DD",
        ));
    }
}

/// A page of the deals in the caller's scope. Internal users may narrow it to their own
/// (`view=mine`) or their team's (`view=team`) and filter by owner, account, partner and
/// region; everyone may filter by stage, close dates and name.
pub async fn list(app: &App, p: &Principal, q: DealQuery) -> Result<DealPage, ApiError> {
    let scope = require::view_deals(p)?;
    let sort = q.sort.unwrap_or(DealSort::Updated);
    let limit = page_limit(q.limit);
    let mut errors = Vec::new();
    check_date("close_from", q.close_from.as_deref(), &mut errors);
    check_date("close_to", q.close_to.as_deref(), &mut errors);
    let after = match q.cursor.as_deref() {
        Some(c) => match DealCursor::decode(c, sort) {
            Some(c) => Some(c),
            None => {
                errors.push(FieldError::new(
                    "cursor",
                    FieldCode::InvalidFormat,
                    "is not a cursor of this list and sort",
                ));
                None
            }
        },
        None => None,
    };
    if q.q.as_deref().is_some_and(|s| s.chars().count() > 100) {
        errors.push(FieldError::new(
            "q",
            FieldCode::TooLong,
            "must be at most 100 characters",
        ));
    }
    let internal = p.role.is_internal();
    for (field, given) in [
        ("owner", q.owner.is_some()),
        ("account", q.account.is_some()),
        ("partner", q.partner.is_some()),
        ("region", q.region.is_some()),
    ] {
        if given && !internal {
            errors.push(FieldError::new(
                field,
                FieldCode::NotAllowed,
                "is a filter for internal users",
            ));
        }
    }
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let me = p.user_id.to_string();
    let filter = DealFilter {
        owner: match q.view {
            Some(DealView::Mine) if internal => Some(me.clone()),
            _ => q.owner.filter(|o| !o.is_empty()),
        },
        member: match q.view {
            Some(DealView::Team) if internal => Some(me),
            _ => None,
        },
        account: q.account.filter(|a| !a.is_empty()),
        partner: q.partner.filter(|a| !a.is_empty()),
        region: q.region.filter(|a| !a.is_empty()),
        stage: q.stage.filter(|a| !a.is_empty()),
        close_from: q.close_from,
        close_to: q.close_to,
        name: q.q.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty()),
    };
    let mut conn = app.read().await?;
    let mut rows = deals::list(&mut conn, &scope, &filter, sort, after.as_ref(), limit + 1).await?;
    let next_cursor = if rows.len() as i64 > limit {
        rows.truncate(limit as usize);
        rows.last().map(|r| r.cursor.encode())
    } else {
        None
    };
    let lens = Lens::of(p);
    let refs: Vec<&DealRow> = rows.iter().map(|r| &r.deal).collect();
    let changes = changes_of(&mut conn, &lens, &refs).await?;
    Ok(DealPage {
        items: rows
            .into_iter()
            .zip(changes)
            .map(|(r, c)| summary_dto(&lens, r.deal, c))
            .collect(),
        next_cursor,
    })
}

/// One deal the caller may see.
pub async fn get(app: &App, p: &Principal, id: &str) -> Result<Deal, ApiError> {
    let scope = require::view_deals(p)?;
    let mut conn = app.read().await?;
    let row = deals::get(&mut conn, &scope, id)
        .await?
        .ok_or(ApiError::NotFound)?;
    deal_dto(&mut conn, p, row).await
}

/// The deal's owner's photo, for callers who may see the team.
pub async fn owner_photo(
    app: &App,
    p: &Principal,
    id: &str,
) -> Result<(String, Vec<u8>), ApiError> {
    let scope = require::view_deals(p)?;
    let mut conn = app.read().await?;
    let row = deals::get(&mut conn, &scope, id)
        .await?
        .ok_or(ApiError::NotFound)?;
    if !Lens::of(p).team {
        return Err(ApiError::NotFound);
    }
    users::photo(&mut conn, &row.owner_id)
        .await?
        .ok_or(ApiError::NotFound)
}

/// A page of the deal's timeline, newest first: external callers see shared events only.
pub async fn timeline(
    app: &App,
    p: &Principal,
    id: &str,
    cursor: Option<&str>,
    limit: Option<i64>,
) -> Result<TimelinePage, ApiError> {
    let scope = require::view_deals(p)?;
    let limit = page_limit(limit);
    let before = match cursor {
        Some(c) => Some(
            c.split_once('.')
                .and_then(|(at, id)| Some((at.parse::<i64>().ok()?, id)))
                .filter(|(_, id)| !id.is_empty() && id.len() <= 64)
                .ok_or_else(|| {
                    ApiError::field(
                        "cursor",
                        FieldCode::InvalidFormat,
                        "is not a timeline cursor",
                    )
                })?,
        ),
        None => None,
    };
    let mut conn = app.read().await?;
    deals::get(&mut conn, &scope, id)
        .await?
        .ok_or(ApiError::NotFound)?;
    let lens = Lens::of(p);
    let mut rows = deals::events(&mut conn, id, !lens.internal, before, limit + 1).await?;
    let next_cursor = if rows.len() as i64 > limit {
        rows.truncate(limit as usize);
        rows.last().map(|e| format!("{}.{}", e.at, e.id))
    } else {
        None
    };
    Ok(TimelinePage {
        items: rows
            .into_iter()
            .filter(|e| lens.sees(e))
            .map(event_dto)
            .collect(),
        next_cursor,
    })
}

fn check_text(field: &str, value: Option<&str>, max: usize, errors: &mut Vec<FieldError>) {
    if value.is_some_and(|v| v.chars().count() > max) {
        errors.push(FieldError::new(
            field,
            FieldCode::TooLong,
            format!("must be at most {max} characters"),
        ));
    }
}

fn check_tags(tags: &[String], errors: &mut Vec<FieldError>) -> Option<String> {
    let mut clean: Vec<String> = Vec::new();
    if tags.len() > MAX_TAGS {
        errors.push(FieldError::new(
            "internal_tags",
            FieldCode::InvalidLength,
            format!("must list at most {MAX_TAGS} tags"),
        ));
    }
    for (i, t) in tags.iter().enumerate() {
        let t = t.trim();
        if t.is_empty() || t.chars().count() > 40 || t.contains(',') {
            errors.push(FieldError::new(
                format!("internal_tags[{i}]"),
                FieldCode::InvalidFormat,
                "must be 1 to 40 characters without commas",
            ));
        } else if !clean.iter().any(|c| c == t) {
            clean.push(t.to_owned());
        }
    }
    (!clean.is_empty()).then(|| clean.join(","))
}

/// Checks a deal's fields against the database: the account is a customer account, the
/// stage and owner exist, the external id is free. Returns the account's region.
async fn check_references(
    tx: &mut Tx,
    f: &DealFields,
    except: Option<&str>,
    errors: &mut Vec<FieldError>,
) -> Result<Option<String>, ApiError> {
    let mut region = None;
    match deals::account_brief(tx, &f.account_id).await? {
        Some((kind, r)) if kind == "customer" => region = r,
        Some(_) => errors.push(FieldError::new(
            "account_id",
            FieldCode::NotAllowed,
            "must be a customer account",
        )),
        None => errors.push(FieldError::new(
            "account_id",
            FieldCode::NotFound,
            "must name an existing account",
        )),
    }
    if deals::stage(tx, &f.stage_id).await?.is_none() {
        errors.push(FieldError::new(
            "stage_id",
            FieldCode::NotFound,
            "must name a stage of the pipeline",
        ));
    }
    match deals::user_brief(tx, &f.owner_id).await? {
        Some((_, role, _, status))
            if Role::parse(&role).is_some_and(|r| r.is_internal())
                && status == UserStatus::Active.as_str() => {}
        _ => errors.push(FieldError::new(
            "owner_id",
            FieldCode::NotAllowed,
            "must be an active internal user",
        )),
    }
    if let Some(ext) = &f.external_id
        && deals::external_id_taken(tx, ext, except).await?
    {
        errors.push(FieldError::new(
            "external_id",
            FieldCode::Taken,
            "is already in use",
        ));
    }
    Ok(region)
}

fn check_basics(
    name: &str,
    close: Option<&str>,
    amount: Option<&Money>,
    next_steps: Option<&str>,
    external_id: Option<&str>,
    errors: &mut Vec<FieldError>,
) {
    let n = name.trim().chars().count();
    if n == 0 || n > MAX_NAME {
        errors.push(FieldError::new(
            "name",
            FieldCode::InvalidLength,
            format!("must be 1 to {MAX_NAME} characters"),
        ));
    }
    check_date("expected_close_date", close, errors);
    if amount.is_some_and(|m| m.minor < 0) {
        errors.push(FieldError::new(
            "amount",
            FieldCode::OutOfRange,
            "must not be negative",
        ));
    }
    check_text("next_steps", next_steps, MAX_TEXT, errors);
    if external_id.is_some_and(|e| e.trim().is_empty() || e.chars().count() > 100) {
        errors.push(FieldError::new(
            "external_id",
            FieldCode::InvalidLength,
            "must be 1 to 100 characters",
        ));
    }
}

fn money_text(m: Option<Money>) -> String {
    m.map(|m| format!("{} {}", m.currency.code(), m.decimal()))
        .unwrap_or_default()
}

/// Creates a deal in the caller's name (or for another owner), with its first event.
pub async fn create(app: &App, p: &Principal, input: DealInput) -> Result<Deal, ApiError> {
    let scope = require::sell(p)?;
    let mut errors = Vec::new();
    check_basics(
        &input.name,
        input.expected_close_date.as_deref(),
        input.amount.as_ref(),
        input.next_steps.as_deref(),
        input.external_id.as_deref(),
        &mut errors,
    );
    let tags = check_tags(&input.internal_tags, &mut errors);
    let mut tx = app.begin().await?;
    let stages = deals::stages(&mut tx).await?;
    let stage_id = match &input.stage_id {
        Some(s) => s.to_string(),
        None => stages.first().map(|s| s.id.clone()).unwrap_or_default(),
    };
    let stage = stages.iter().find(|s| s.id == stage_id);
    let owner_id = input
        .owner_id
        .as_ref()
        .map(|o| o.to_string())
        .unwrap_or_else(|| p.user_id.to_string());
    let mut fields = DealFields {
        account_id: input.account_id.to_string(),
        name: input.name.trim().to_owned(),
        stage_id,
        amount_minor: input.amount.map(|m| m.minor),
        currency: input.amount.map(|m| m.currency.code().to_owned()),
        amount_shared: false,
        expected_close_date: input.expected_close_date.clone(),
        owner_id,
        source: input.source.unwrap_or(DealSource::Direct),
        shared: false,
        next_steps: input.next_steps.clone().filter(|s| !s.trim().is_empty()),
        internal_tags: tags,
        region: None,
        external_id: input.external_id.as_ref().map(|e| e.trim().to_owned()),
        closed_at: stage
            .filter(|s| s.category != StageCategory::Open)
            .map(|_| time::now()),
    };
    fields.region = check_references(&mut tx, &fields, None, &mut errors).await?;
    // A sales rep creates deals they can see: their own, or ones whose team they join.
    let mut contacts = Vec::new();
    for (i, c) in input.contact_ids.iter().enumerate() {
        match deals::contact(&mut tx, c).await? {
            Some(row) if row.account_id == fields.account_id => contacts.push(row),
            _ => errors.push(FieldError::new(
                format!("contact_ids[{i}]"),
                FieldCode::NotFound,
                "must name a contact of the deal's account",
            )),
        }
    }
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let id = deals::insert(&mut tx, &fields).await?;
    if matches!(scope, DealScope::OwnedOrTeam { .. }) && fields.owner_id != p.user_id.as_str() {
        deals::add_member(&mut tx, &id, &p.user_id).await?;
    }
    for c in &contacts {
        deals::add_contact(&mut tx, &id, &c.id).await?;
    }
    deals::record(
        &mut tx,
        &NewEvent {
            deal_id: &id,
            kind: DealEventKind::Created,
            shared: false,
            actor_id: Some(&p.user_id),
            body: None,
            details: json!({ "stage": stage.map(|s| s.name.clone()) }),
        },
    )
    .await?;
    tx.audit(
        Audit::new(Actor::User(p), "deal.create")
            .object("deal", id.clone())
            .details(json!({ "name": fields.name, "account_id": fields.account_id })),
    )
    .await?;
    // A deal at a referred prospect credits the referring partner.
    crate::app::referrals::attribute_deal(app, &mut tx, Actor::User(p), &id, &fields.account_id)
        .await?;
    crate::app::commissions::on_deal_changed(app, &mut tx, &id).await?;
    let row = deals::get(&mut tx, &DealScope::All, &id)
        .await?
        .ok_or(ApiError::NotFound)?;
    let deal = deal_dto(&mut tx, p, row).await?;
    tx.commit().await?;
    Ok(deal)
}

/// Changes a deal read at `if_match` (its version). Without `If-Match` 428; changed since
/// 412. A locking stage keeps the amount, currency, close date and account from everyone
/// but administrators and managers (409 `field_locked`, naming each).
pub async fn update(
    app: &App,
    p: &Principal,
    id: &str,
    if_match: Option<i64>,
    patch: DealPatch,
) -> Result<Deal, ApiError> {
    let scope = require::sell(p)?;
    let mut tx = app.begin().await?;
    let before = deals::get(&mut tx, &scope, id)
        .await?
        .ok_or(ApiError::NotFound)?;
    let Some(version) = if_match else {
        return Err(ApiError::PreconditionRequired);
    };
    if version != before.version {
        return Err(ApiError::PreconditionFailed);
    }
    let mut errors = Vec::new();
    let mut f = before.fields();
    if let Some(name) = &patch.name {
        f.name = name.trim().to_owned();
    }
    if let Some(a) = &patch.account_id {
        f.account_id = a.to_string();
    }
    if let Some(s) = &patch.stage_id {
        f.stage_id = s.to_string();
    }
    if let Some(amount) = patch.amount {
        f.amount_minor = amount.map(|m| m.minor);
        f.currency = amount.map(|m| m.currency.code().to_owned());
    }
    if let Some(close) = &patch.expected_close_date {
        f.expected_close_date = close.clone();
    }
    if let Some(owner) = &patch.owner_id {
        f.owner_id = owner.to_string();
    }
    if let Some(source) = patch.source {
        f.source = source;
    }
    if let Some(steps) = &patch.next_steps {
        f.next_steps = steps.clone().filter(|s| !s.trim().is_empty());
    }
    if let Some(shared) = patch.amount_shared {
        f.amount_shared = shared;
    }
    if let Some(ext) = &patch.external_id {
        f.external_id = ext.as_ref().map(|e| e.trim().to_owned());
    }
    if let Some(tags) = &patch.internal_tags {
        f.internal_tags = check_tags(tags, &mut errors);
    }
    // Locked fields first: the attempt is refused (and audited) whatever else is wrong.
    let old = before.fields();
    let locked = locked_fields(p, &before);
    let mut refused = Vec::new();
    for field in &locked {
        let changed = match field.as_str() {
            "amount" => f.amount_minor != old.amount_minor,
            "currency" => f.currency != old.currency,
            "expected_close_date" => f.expected_close_date != old.expected_close_date,
            "account_id" => f.account_id != old.account_id,
            _ => false,
        };
        if changed {
            refused.push(FieldError::new(
                field.as_str(),
                FieldCode::Locked,
                format!("is locked at the stage \"{}\"", before.stage.name),
            ));
        }
    }
    if !refused.is_empty() {
        return Err(ApiError::FieldLocked(refused));
    }
    check_basics(
        &f.name,
        f.expected_close_date.as_deref(),
        patch.amount.flatten().as_ref(),
        f.next_steps.as_deref(),
        patch.external_id.as_ref().and_then(|e| e.as_deref()),
        &mut errors,
    );
    f.region = check_references(&mut tx, &f, Some(id), &mut errors).await?;
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let stage = deals::stage(&mut tx, &f.stage_id)
        .await?
        .ok_or(ApiError::NotFound)?;
    f.closed_at = match (stage.category, before.stage.category) {
        (StageCategory::Open, _) => None,
        (_, StageCategory::Open) => Some(time::now()),
        _ => before.closed_at,
    };
    if f == old {
        tx.commit().await?;
        return get(app, p, id).await;
    }
    if !deals::update(&mut tx, id, version, &f).await? {
        return Err(ApiError::PreconditionFailed);
    }
    let actor = Some(p.user_id.as_str());
    let mut events: Vec<(DealEventKind, bool, serde_json::Value)> = Vec::new();
    if f.stage_id != old.stage_id {
        events.push((
            DealEventKind::StageChanged,
            true,
            json!({ "from": before.stage.name, "to": stage.name }),
        ));
    }
    if f.expected_close_date != old.expected_close_date {
        events.push((
            DealEventKind::CloseDateChanged,
            true,
            json!({ "from": old.expected_close_date, "to": f.expected_close_date }),
        ));
    }
    let money = |minor: Option<i64>, cur: &Option<String>| {
        Some(Money::new(minor?, Currency::parse(cur.as_deref()?)?))
    };
    if f.amount_minor != old.amount_minor || f.currency != old.currency {
        events.push((
            DealEventKind::AmountChanged,
            f.amount_shared,
            json!({
                "from": money_text(money(old.amount_minor, &old.currency)),
                "to": money_text(money(f.amount_minor, &f.currency)),
            }),
        ));
    }
    if f.amount_shared && !old.amount_shared {
        events.push((DealEventKind::AmountShared, false, json!({})));
    }
    if f.next_steps != old.next_steps {
        events.push((DealEventKind::NextStepsChanged, true, json!({})));
    }
    if f.name != old.name {
        events.push((
            DealEventKind::Renamed,
            true,
            json!({ "from": old.name, "to": f.name }),
        ));
    }
    if f.owner_id != old.owner_id {
        let to = deals::get(&mut tx, &DealScope::All, id)
            .await?
            .map(|d| d.owner_name)
            .unwrap_or_default();
        events.push((DealEventKind::OwnerChanged, false, json!({ "to": to })));
    }
    if f.account_id != old.account_id {
        events.push((DealEventKind::AccountChanged, false, json!({})));
    }
    for (kind, shared, details) in events {
        deals::record(
            &mut tx,
            &NewEvent {
                deal_id: id,
                kind,
                shared,
                actor_id: actor,
                body: None,
                details,
            },
        )
        .await?;
    }
    tx.audit(
        Audit::new(Actor::User(p), "deal.update")
            .object("deal", id)
            .details(json!({ "version": version + 1 })),
    )
    .await?;
    if stage.category != before.stage.category {
        // Registrations and referrals close (or reopen) with their deal.
        crate::app::registrations::deal_closed(app, &mut tx, Actor::User(p), id, stage.category)
            .await?;
        crate::app::referrals::deal_closed(app, &mut tx, Actor::User(p), id, stage.category)
            .await?;
    }
    if f.stage_id != old.stage_id
        || f.amount_minor != old.amount_minor
        || f.currency != old.currency
    {
        crate::app::commissions::on_deal_changed(app, &mut tx, id).await?;
    }
    answer(tx, p, id).await
}

/// The deal as stored, as `p` may see it, once a change to it is done; commits `tx`. Read in
/// full scope: the change may have taken it out of the caller's (a new owner).
async fn answer(mut tx: Tx, p: &Principal, id: &str) -> Result<Deal, ApiError> {
    let row = deals::get(&mut tx, &DealScope::All, id)
        .await?
        .ok_or(ApiError::NotFound)?;
    let deal = deal_dto(&mut tx, p, row).await?;
    tx.commit().await?;
    Ok(deal)
}

/// A deal within the seller's scope, for a change in `tx`.
async fn deal_for_change(tx: &mut Tx, p: &Principal, id: &str) -> Result<DealRow, ApiError> {
    let scope = require::sell(p)?;
    deals::get(tx, &scope, id).await?.ok_or(ApiError::NotFound)
}

/// Writes a note on a deal, internal or shared.
pub async fn add_note(
    app: &App,
    p: &Principal,
    id: &str,
    input: NoteInput,
) -> Result<DealEvent, ApiError> {
    require::sell(p)?;
    let body = input.body.trim();
    if body.is_empty() || body.chars().count() > MAX_TEXT {
        return Err(ApiError::field(
            "body",
            FieldCode::InvalidLength,
            format!("must be 1 to {MAX_TEXT} characters"),
        ));
    }
    let mut tx = app.begin().await?;
    deal_for_change(&mut tx, p, id).await?;
    deals::record(
        &mut tx,
        &NewEvent {
            deal_id: id,
            kind: DealEventKind::Note,
            shared: input.shared,
            actor_id: Some(&p.user_id),
            body: Some(body),
            details: json!({}),
        },
    )
    .await?;
    deals::touch(&mut tx, id).await?;
    tx.audit(
        Audit::new(Actor::User(p), "deal.note")
            .object("deal", id)
            .details(json!({ "shared": input.shared })),
    )
    .await?;
    let event = deals::events(&mut tx, id, false, None, 1)
        .await?
        .pop()
        .ok_or(ApiError::NotFound)?;
    tx.commit().await?;
    Ok(event_dto(event))
}

/// Shares a deal to the customer's portal, optionally with its amount, and invites its
/// contacts who have no portal account, all in one change.
pub async fn share(
    app: &App,
    p: &Principal,
    id: &str,
    input: ShareInput,
) -> Result<ShareOutcome, ApiError> {
    let mut tx = app.begin().await?;
    let before = deal_for_change(&mut tx, p, id).await?;
    let mut f = before.fields();
    f.shared = true;
    f.amount_shared = input.amount_shared || before.amount_shared;
    let mut invited = Vec::new();
    if f != before.fields() {
        if !deals::update(&mut tx, id, before.version, &f).await? {
            return Err(ApiError::PreconditionFailed);
        }
        if !before.shared {
            deals::record(
                &mut tx,
                &NewEvent {
                    deal_id: id,
                    kind: DealEventKind::Shared,
                    shared: true,
                    actor_id: Some(&p.user_id),
                    body: None,
                    details: json!({}),
                },
            )
            .await?;
        }
        if f.amount_shared && !before.amount_shared {
            deals::record(
                &mut tx,
                &NewEvent {
                    deal_id: id,
                    kind: DealEventKind::AmountShared,
                    shared: false,
                    actor_id: Some(&p.user_id),
                    body: None,
                    details: json!({}),
                },
            )
            .await?;
        }
    }
    if input.invite_contacts {
        let portal = users::customer_portal_for(&mut tx, &before.account_id).await?;
        for c in deals::contacts_of_deal(&mut tx, id).await? {
            if c.has_portal_account || !is_plausible_email(&c.email) {
                continue;
            }
            let Some(portal) = &portal else { break };
            let created = users::insert_if_absent(
                &mut tx,
                &NewUser {
                    email: c.email.clone(),
                    name: c.name.clone(),
                    role: Role::CustomerUser,
                    account_id: Some(before.account_id.clone()),
                    portal_id: Some(portal.clone()),
                    status: UserStatus::Invited,
                    password_hash: None,
                },
            )
            .await?;
            if created.is_some() {
                let user = users::find_by_email(&mut tx, &c.email)
                    .await?
                    .ok_or(ApiError::NotFound)?;
                send_invitation(app, &mut tx, &user, Some(&p.user_id)).await?;
                invited.push(c.email);
            }
        }
    }
    tx.audit(
        Audit::new(Actor::User(p), "deal.share")
            .object("deal", id)
            .details(json!({ "amount_shared": f.amount_shared, "invited": invited })),
    )
    .await?;
    let deal = answer(tx, p, id).await?;
    Ok(ShareOutcome { deal, invited })
}

/// Stops sharing a deal to the portal (and its amount).
pub async fn unshare(app: &App, p: &Principal, id: &str) -> Result<Deal, ApiError> {
    let mut tx = app.begin().await?;
    let before = deal_for_change(&mut tx, p, id).await?;
    if before.shared || before.amount_shared {
        let mut f = before.fields();
        f.shared = false;
        f.amount_shared = false;
        if !deals::update(&mut tx, id, before.version, &f).await? {
            return Err(ApiError::PreconditionFailed);
        }
        deals::record(
            &mut tx,
            &NewEvent {
                deal_id: id,
                kind: DealEventKind::Unshared,
                shared: false,
                actor_id: Some(&p.user_id),
                body: None,
                details: json!({}),
            },
        )
        .await?;
        tx.audit(Audit::new(Actor::User(p), "deal.unshare").object("deal", id))
            .await?;
    }
    answer(tx, p, id).await
}

async fn record_internal(
    tx: &mut Tx,
    p: &Principal,
    id: &str,
    kind: DealEventKind,
    details: serde_json::Value,
) -> Result<(), ApiError> {
    deals::record(
        tx,
        &NewEvent {
            deal_id: id,
            kind,
            shared: false,
            actor_id: Some(&p.user_id),
            body: None,
            details,
        },
    )
    .await?;
    deals::touch(tx, id).await?;
    Ok(())
}

/// Links one of the account's contacts to a deal.
pub async fn add_contact(
    app: &App,
    p: &Principal,
    id: &str,
    input: DealContactInput,
) -> Result<Deal, ApiError> {
    let mut tx = app.begin().await?;
    let deal = deal_for_change(&mut tx, p, id).await?;
    let contact = match deals::contact(&mut tx, &input.contact_id).await? {
        Some(c) if c.account_id == deal.account_id => c,
        _ => {
            return Err(ApiError::field(
                "contact_id",
                FieldCode::NotFound,
                "must name a contact of the deal's account",
            ));
        }
    };
    if deals::add_contact(&mut tx, id, &contact.id).await? {
        record_internal(
            &mut tx,
            p,
            id,
            DealEventKind::ContactAdded,
            json!({ "name": contact.name }),
        )
        .await?;
        tx.audit(
            Audit::new(Actor::User(p), "deal.contact.add")
                .object("deal", id)
                .details(json!({ "contact_id": contact.id })),
        )
        .await?;
    }
    answer(tx, p, id).await
}

/// Unlinks a contact from a deal.
pub async fn remove_contact(
    app: &App,
    p: &Principal,
    id: &str,
    contact_id: &str,
) -> Result<(), ApiError> {
    let mut tx = app.begin().await?;
    deal_for_change(&mut tx, p, id).await?;
    // Unlinking what is not linked changes nothing and succeeds: DELETE is idempotent.
    let Some(contact) = deals::contact(&mut tx, contact_id).await? else {
        return Ok(());
    };
    if !deals::remove_contact(&mut tx, id, contact_id).await? {
        return Ok(());
    }
    record_internal(
        &mut tx,
        p,
        id,
        DealEventKind::ContactRemoved,
        json!({ "name": contact.name }),
    )
    .await?;
    tx.audit(
        Audit::new(Actor::User(p), "deal.contact.remove")
            .object("deal", id)
            .details(json!({ "contact_id": contact_id })),
    )
    .await?;
    tx.commit().await
}

/// Adds an internal user to the deal team.
pub async fn add_member(
    app: &App,
    p: &Principal,
    id: &str,
    input: TeamMemberInput,
) -> Result<Deal, ApiError> {
    let mut tx = app.begin().await?;
    deal_for_change(&mut tx, p, id).await?;
    match deals::user_brief(&mut tx, &input.user_id).await? {
        Some((_, role, _, status))
            if Role::parse(&role).is_some_and(|r| r.is_internal())
                && status == UserStatus::Active.as_str() => {}
        _ => {
            return Err(ApiError::field(
                "user_id",
                FieldCode::NotAllowed,
                "must be an active internal user",
            ));
        }
    }
    if deals::add_member(&mut tx, id, &input.user_id).await? {
        record_internal(
            &mut tx,
            p,
            id,
            DealEventKind::TeamChanged,
            json!({ "summary": "Team member added" }),
        )
        .await?;
        tx.audit(
            Audit::new(Actor::User(p), "deal.team.add")
                .object("deal", id)
                .details(json!({ "user_id": input.user_id })),
        )
        .await?;
    }
    answer(tx, p, id).await
}

/// Removes a member from the deal team.
pub async fn remove_member(
    app: &App,
    p: &Principal,
    id: &str,
    user_id: &str,
) -> Result<(), ApiError> {
    let mut tx = app.begin().await?;
    deal_for_change(&mut tx, p, id).await?;
    if !deals::remove_member(&mut tx, id, user_id).await? {
        return Ok(());
    }
    record_internal(
        &mut tx,
        p,
        id,
        DealEventKind::TeamChanged,
        json!({ "summary": "Team member removed" }),
    )
    .await?;
    tx.audit(
        Audit::new(Actor::User(p), "deal.team.remove")
            .object("deal", id)
            .details(json!({ "user_id": user_id })),
    )
    .await?;
    tx.commit().await
}

/// Links a partner organisation to a deal with a role and the partner user responsible.
pub async fn link_partner(
    app: &App,
    p: &Principal,
    id: &str,
    input: DealPartnerInput,
) -> Result<Deal, ApiError> {
    let mut tx = app.begin().await?;
    deal_for_change(&mut tx, p, id).await?;
    let mut errors = Vec::new();
    let name = match deals::account_brief(&mut tx, &input.account_id).await? {
        Some((kind, _)) if kind == "partner" => {
            crate::storage::accounts::name_of(&mut tx, &input.account_id).await?
        }
        _ => {
            errors.push(FieldError::new(
                "account_id",
                FieldCode::NotFound,
                "must name a partner account",
            ));
            None
        }
    };
    if let Some(u) = &input.partner_user_id {
        let ok = matches!(
            deals::user_brief(&mut tx, u).await?,
            Some((_, role, Some(account), _))
                if account == input.account_id.as_str()
                    && matches!(Role::parse(&role), Some(Role::PartnerUser | Role::PartnerAdmin))
        );
        if !ok {
            errors.push(FieldError::new(
                "partner_user_id",
                FieldCode::NotAllowed,
                "must be a user of the partner account",
            ));
        }
    }
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    deals::link_partner(
        &mut tx,
        id,
        &input.account_id,
        input.role,
        input.partner_user_id.as_deref(),
    )
    .await?;
    record_internal(
        &mut tx,
        p,
        id,
        DealEventKind::PartnerLinked,
        json!({ "name": name, "role": input.role.as_str() }),
    )
    .await?;
    tx.audit(
        Audit::new(Actor::User(p), "deal.partner.link")
            .object("deal", id)
            .details(json!({ "account_id": input.account_id, "role": input.role.as_str() })),
    )
    .await?;
    crate::app::commissions::on_deal_changed(app, &mut tx, id).await?;
    answer(tx, p, id).await
}

/// Unlinks a partner organisation from a deal.
pub async fn unlink_partner(
    app: &App,
    p: &Principal,
    id: &str,
    account_id: &str,
) -> Result<(), ApiError> {
    let mut tx = app.begin().await?;
    deal_for_change(&mut tx, p, id).await?;
    let name = crate::storage::accounts::name_of(&mut tx, account_id).await?;
    if !deals::unlink_partner(&mut tx, id, account_id).await? {
        return Ok(());
    }
    record_internal(
        &mut tx,
        p,
        id,
        DealEventKind::PartnerUnlinked,
        json!({ "name": name }),
    )
    .await?;
    tx.audit(
        Audit::new(Actor::User(p), "deal.partner.unlink")
            .object("deal", id)
            .details(json!({ "account_id": account_id })),
    )
    .await?;
    crate::app::commissions::on_deal_changed(app, &mut tx, id).await?;
    tx.commit().await
}

// ---------------------------------------------------------------------------------------
// Contacts

/// A customer account's contacts (internal users).
pub async fn contacts(app: &App, p: &Principal, account_id: &str) -> Result<ContactList, ApiError> {
    require::sell(p)?;
    let mut conn = app.read().await?;
    if deals::account_brief(&mut conn, account_id).await?.is_none() {
        return Err(ApiError::NotFound);
    }
    Ok(ContactList {
        items: deals::contacts_of_account(&mut conn, account_id)
            .await?
            .into_iter()
            .map(contact_dto)
            .collect(),
    })
}

/// Adds a contact to a customer account.
pub async fn create_contact(
    app: &App,
    p: &Principal,
    input: ContactInput,
) -> Result<Contact, ApiError> {
    require::sell(p)?;
    let mut errors = Vec::new();
    let n = input.name.trim().chars().count();
    if n == 0 || n > MAX_NAME {
        errors.push(FieldError::new(
            "name",
            FieldCode::InvalidLength,
            format!("must be 1 to {MAX_NAME} characters"),
        ));
    }
    if !is_plausible_email(input.email.trim()) {
        errors.push(FieldError::new(
            "email",
            FieldCode::InvalidFormat,
            "must be an email address",
        ));
    }
    check_text("title", input.title.as_deref(), 100, &mut errors);
    check_text("phone", input.phone.as_deref(), 40, &mut errors);
    let mut tx = app.begin().await?;
    match deals::account_brief(&mut tx, &input.account_id).await? {
        Some((kind, _)) if kind == "customer" => {}
        _ => errors.push(FieldError::new(
            "account_id",
            FieldCode::NotFound,
            "must name a customer account",
        )),
    }
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let email = input.email.trim().to_owned();
    let id = deals::insert_contact(
        &mut tx,
        &NewContact {
            account_id: input.account_id.to_string(),
            name: input.name.trim().to_owned(),
            email_normalized: normalize_email(&email),
            email,
            title: input
                .title
                .map(|t| t.trim().to_owned())
                .filter(|t| !t.is_empty()),
            phone: input
                .phone
                .map(|t| t.trim().to_owned())
                .filter(|t| !t.is_empty()),
        },
    )
    .await?;
    tx.audit(
        Audit::new(Actor::User(p), "contact.create")
            .object("contact", id.clone())
            .details(json!({ "account_id": input.account_id })),
    )
    .await?;
    let c = deals::contact(&mut tx, &id)
        .await?
        .ok_or(ApiError::NotFound)?;
    tx.commit().await?;
    Ok(contact_dto(c))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_read_as_sentences() {
        let e = EventRow {
            id: "e".into(),
            deal_id: "d".into(),
            at: 0,
            kind: DealEventKind::StageChanged,
            shared: true,
            actor_name: None,
            body: None,
            details: json!({ "from": "Proposal", "to": "Negotiation" }),
        };
        assert_eq!(summary(&e), "Stage moved from Proposal to Negotiation");
    }
}
