//! Meeting scheduling on deals: people publish their weekly availability; a deal's customer,
//! its co-selling partner or the company books a slot of the deal's hosts; the meeting can
//! be moved or cancelled.
//!
//! Whose time a meeting takes (its hosts): for the customer, the deal's owner; for a
//! co-selling partner, the company's deal team who published availability together with the
//! partner's people on the deal who did (a slot must suit all of them). A booking holds each
//! host's 30-minute cells in its transaction (`meeting_holds`, one primary key per host and
//! cell), so the database itself refuses a second meeting in the same time, however many
//! requests race for it. Every attendee gets an email with a calendar invitation, written to
//! the outbox in the same transaction; a customer's or partner's booking, move or cancel is
//! also an internal event on the deal's timeline.

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;
use portcullis_shared::collab::{Audience, Side};
use portcullis_shared::deals::{DealEventKind, Person};
use portcullis_shared::meetings::{
    Availability, AvailabilityException, HORIZON_DAYS, MAX_SLOT_DAYS, Meeting, MeetingInput,
    MeetingList, MeetingReschedule, MeetingStatus, Slot, SlotList, WeeklyWindow,
};
use portcullis_shared::{FieldCode, FieldError, Permission, Role};
use serde_json::json;

use crate::app::jobs::queue_email;
use crate::app::scope::require;
use crate::app::{Actor, App, Audit, Tx};
use crate::auth::Principal;
use crate::domain::meetings::{self as rules, Interval, MINUTE, Schedule};
use crate::email::{self, CalendarEvent, CalendarPerson};
use crate::error::ApiError;
use crate::storage::deals::{self as deal_store, NewEvent};
use crate::storage::meetings::{
    self as store, AvailabilityRow, DealBrief, MeetingFilter, MeetingRow, NewMeeting,
};
use crate::storage::{CollabScope, notifications, portals};
use crate::time;

const MAX_SUBJECT: usize = 200;
const MAX_NOTES: usize = 4000;
const MAX_LIST: i64 = 200;
const DEFAULT_SLOT_DAYS: i64 = 7;
const DEFAULT_DURATION: i64 = 30;

// ---------------------------------------------------------------------------------------
// Availability

/// Publishes availability: internal users, who host meetings, and partner users, whose
/// hours count when they co-sell. Customers book; they publish nothing.
fn check_may_host(p: &Principal) -> Result<(), ApiError> {
    if p.role.is_internal() || matches!(p.role, Role::PartnerUser | Role::PartnerAdmin) {
        Ok(())
    } else {
        Err(ApiError::Forbidden)
    }
}

fn availability_dto(row: Option<AvailabilityRow>) -> Availability {
    match row {
        Some(r) => Availability {
            time_zone: r.time_zone,
            weekly: serde_json::from_str(&r.weekly).unwrap_or_default(),
            exceptions: serde_json::from_str(&r.exceptions).unwrap_or_default(),
        },
        None => Availability {
            time_zone: "UTC".to_owned(),
            weekly: Vec::new(),
            exceptions: Vec::new(),
        },
    }
}

/// The caller's published availability (UTC and no windows when none is).
pub async fn my_availability(app: &App, p: &Principal) -> Result<Availability, ApiError> {
    check_may_host(p)?;
    let mut conn = app.read().await?;
    let row = store::availabilities(&mut conn, &[p.user_id.to_string()])
        .await?
        .pop();
    Ok(availability_dto(row))
}

/// Publishes the caller's availability, replacing what was there.
pub async fn set_availability(
    app: &App,
    p: &Principal,
    input: Availability,
) -> Result<Availability, ApiError> {
    check_may_host(p)?;
    Schedule::parse(&input).map_err(ApiError::Validation)?;
    let mut weekly: Vec<WeeklyWindow> = input.weekly;
    weekly.sort_by(|a, b| (a.weekday, &a.start).cmp(&(b.weekday, &b.start)));
    let mut exceptions: Vec<AvailabilityException> = input.exceptions;
    exceptions.sort_by(|a, b| (&a.date, &a.start).cmp(&(&b.date, &b.start)));
    let row = AvailabilityRow {
        user_id: p.user_id.to_string(),
        time_zone: input.time_zone.trim().to_owned(),
        weekly: serde_json::to_string(&weekly).map_err(|e| ApiError::Internal(e.into()))?,
        exceptions: serde_json::to_string(&exceptions).map_err(|e| ApiError::Internal(e.into()))?,
    };
    let mut tx = app.begin().await?;
    store::put_availability(&mut tx, &row).await?;
    tx.audit(
        Audit::new(Actor::User(p), "availability.set")
            .object("user", p.user_id.to_string())
            .details(json!({ "time_zone": row.time_zone, "windows": weekly.len(),
                             "exceptions": exceptions.len() })),
    )
    .await?;
    tx.commit().await?;
    Ok(availability_dto(Some(row)))
}

// ---------------------------------------------------------------------------------------
// Hosts and free time

/// Whose time a meeting for `audience`, booked by `p` from `side`, takes.
async fn hosts_for(
    conn: &mut sqlx::AnyConnection,
    p: &Principal,
    scope: &CollabScope,
    deal: &DealBrief,
    audience: Audience,
) -> Result<Vec<String>, ApiError> {
    let organisations = match scope.side() {
        Side::Customer => Vec::new(),
        Side::Partner => scope
            .co_selling_organisation()
            .map(|o| vec![o.to_string()])
            .unwrap_or_default(),
        // The company books the partner's time only for a meeting the partner is part of.
        Side::Company if matches!(audience, Audience::Partner | Audience::Both) => {
            store::co_selling_organisations(conn, &deal.id).await?
        }
        Side::Company => Vec::new(),
    };
    if organisations.is_empty() {
        return Ok(vec![deal.owner_id.clone()]);
    }
    let team = store::company_team(conn, &deal.id).await?;
    let caller = (scope.side() == Side::Partner).then(|| p.user_id.as_str());
    let mut partners = Vec::new();
    for org in &organisations {
        partners.extend(store::co_sellers_on_deal(conn, &deal.id, org, caller).await?);
    }
    let everyone: Vec<String> = team.iter().chain(partners.iter()).cloned().collect();
    let published: Vec<String> = store::availabilities(conn, &everyone)
        .await?
        .into_iter()
        .map(|a| a.user_id)
        .collect();
    let mut hosts: Vec<String> = team.into_iter().filter(|u| published.contains(u)).collect();
    if hosts.is_empty() {
        // Nobody on the team published: the owner's (empty) hours decide.
        hosts.push(deal.owner_id.clone());
    }
    for u in partners {
        if published.contains(&u) && !hosts.contains(&u) {
            hosts.push(u);
        }
    }
    Ok(hosts)
}

/// The time within `[from, to)` that suits every host: their published hours, minus the
/// cells their meetings hold. A host without availability has no free time.
async fn free_time(
    conn: &mut sqlx::AnyConnection,
    hosts: &[String],
    from: i64,
    to: i64,
) -> Result<Vec<Interval>, ApiError> {
    let published = store::availabilities(conn, hosts).await?;
    let held = store::held(conn, hosts, from - rules::CELL, to).await?;
    let mut free = vec![(from, to)];
    for host in hosts {
        let Some(row) = published.iter().find(|a| a.user_id == *host) else {
            return Ok(Vec::new());
        };
        let Ok(schedule) = Schedule::parse(&availability_dto(Some(row.clone()))) else {
            return Ok(Vec::new());
        };
        let cells: Vec<i64> = held
            .iter()
            .filter(|(h, _)| h == host)
            .map(|(_, c)| *c)
            .collect();
        let open = rules::without_cells(&schedule.open(from, to), &cells);
        free = rules::intersect(&free, &open);
        if free.is_empty() {
            break;
        }
    }
    Ok(free)
}

/// The people named by `ids`, as the caller may see them: a customer without "View team
/// members" sees no names of the company's people.
async fn persons(
    conn: &mut sqlx::AnyConnection,
    p: &Principal,
    ids: &[String],
) -> Result<Vec<Person>, ApiError> {
    if p.role == Role::CustomerUser && !p.granted(Permission::ViewTeamMembers) {
        return Ok(Vec::new());
    }
    Ok(store::people(conn, ids)
        .await?
        .into_iter()
        .map(|u| Person {
            id: u.id.into(),
            name: u.name,
            photo_url: None,
        })
        .collect())
}

// ---------------------------------------------------------------------------------------
// Slots

/// How slots are asked for.
#[derive(Debug, Clone, Default)]
pub struct SlotQuery {
    /// `YYYY-MM-DD` in `tz`; today when absent.
    pub from: Option<String>,
    pub days: Option<i64>,
    pub duration: Option<i64>,
    /// IANA; UTC when absent.
    pub tz: Option<String>,
    /// For the company: whose meeting (a partner or both-sides one takes the co-seller's
    /// time too).
    pub audience: Option<Audience>,
}

/// The free slots of a deal's hosts, from the caller's side.
pub async fn slots(
    app: &App,
    p: &Principal,
    deal_id: &str,
    q: SlotQuery,
) -> Result<SlotList, ApiError> {
    let scope = require::collaborate(p, Permission::ScheduleMeetings)?;
    let mut conn = app.read().await?;
    let deal = store::deal(&mut conn, &scope, deal_id)
        .await?
        .ok_or(ApiError::NotFound)?;
    let mut errors = Vec::new();
    let tz_name = q.tz.as_deref().unwrap_or("UTC").trim();
    let tz = rules::time_zone(tz_name);
    if tz.is_none() {
        errors.push(FieldError::new(
            "tz",
            FieldCode::InvalidValue,
            "must be an IANA time zone such as America/New_York",
        ));
    }
    let days = q.days.unwrap_or(DEFAULT_SLOT_DAYS);
    if !(1..=MAX_SLOT_DAYS).contains(&days) {
        errors.push(FieldError::new(
            "days",
            FieldCode::OutOfRange,
            format!("must be 1 to {MAX_SLOT_DAYS}"),
        ));
    }
    let minutes = q.duration.unwrap_or(DEFAULT_DURATION);
    let duration = rules::check_duration(minutes)
        .map_err(|m| errors.push(FieldError::new("duration", FieldCode::OutOfRange, m)))
        .ok();
    let today = Utc::now().date_naive();
    let from = match &q.from {
        Some(d) => match NaiveDate::parse_from_str(d, "%Y-%m-%d") {
            Err(_) => {
                errors.push(FieldError::new(
                    "from",
                    FieldCode::InvalidFormat,
                    "must be a date YYYY-MM-DD",
                ));
                None
            }
            Ok(d) if (d - today).num_days().abs() > HORIZON_DAYS => {
                errors.push(FieldError::new(
                    "from",
                    FieldCode::OutOfRange,
                    format!("must be within {HORIZON_DAYS} days of today"),
                ));
                None
            }
            Ok(d) => Some(d),
        },
        None => tz.map(|tz| Utc::now().with_timezone(&tz).date_naive()),
    };
    let audience = audience_of(&scope, q.audience, "audience", &mut errors);
    let (Some(tz), Some(duration), Some(from), Some(audience), true) =
        (tz, duration, from, audience, errors.is_empty())
    else {
        return Err(ApiError::Validation(errors));
    };
    let start = rules::start_of_day(tz, from);
    let end = rules::start_of_day(tz, from + chrono::Days::new(days.unsigned_abs()));
    let hosts = hosts_for(&mut conn, p, &scope, &deal, audience).await?;
    let free = free_time(&mut conn, &hosts, start, end).await?;
    let not_before = start.max(time::now());
    let slots = rules::slot_starts(&free, not_before, end, duration)
        .into_iter()
        .map(|s| Slot {
            start: utc_text(s),
            end: utc_text(s + duration),
            local_start: local_text(tz, s),
            local_end: local_text(tz, s + duration),
        })
        .collect();
    Ok(SlotList {
        time_zone: tz.name().to_owned(),
        duration_minutes: minutes,
        hosts: persons(&mut conn, p, &hosts).await?,
        slots,
    })
}

fn utc_text(at: i64) -> String {
    DateTime::<Utc>::from_timestamp_micros(at)
        .unwrap_or_default()
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

fn local_text(tz: Tz, at: i64) -> String {
    DateTime::<Utc>::from_timestamp_micros(at)
        .unwrap_or_default()
        .with_timezone(&tz)
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, false)
}

/// The audience of a meeting booked from the caller's side: an external caller's is their
/// own side (naming another is refused); the company picks, `internal` by default.
fn audience_of(
    scope: &CollabScope,
    asked: Option<Audience>,
    field: &str,
    errors: &mut Vec<FieldError>,
) -> Option<Audience> {
    match (scope.side(), asked) {
        (Side::Company, a) => Some(a.unwrap_or(Audience::Internal)),
        (side, None) => Some(Audience::of_side(side)),
        (_, Some(a)) if scope.may_address(a) => Some(a),
        (_, Some(_)) => {
            errors.push(FieldError::new(
                field,
                FieldCode::NotAllowed,
                "an external booking is for your own side",
            ));
            None
        }
    }
}

// ---------------------------------------------------------------------------------------
// Meetings

/// A start time and length, checked: on the grid, in the future.
fn check_time(start: &str, minutes: i64, errors: &mut Vec<FieldError>) -> Option<(i64, i64)> {
    let duration = rules::check_duration(minutes)
        .map_err(|m| {
            errors.push(FieldError::new(
                "duration_minutes",
                FieldCode::OutOfRange,
                m,
            ))
        })
        .ok();
    let at = match time::parse_rfc3339(start) {
        None => {
            errors.push(FieldError::new(
                "start",
                FieldCode::InvalidFormat,
                "must be an RFC 3339 time",
            ));
            None
        }
        Some(t) if !rules::on_grid(t) => {
            errors.push(FieldError::new(
                "start",
                FieldCode::InvalidValue,
                "must start on the hour or the half hour",
            ));
            None
        }
        Some(t) if t < time::now() => {
            errors.push(FieldError::new(
                "start",
                FieldCode::OutOfRange,
                "must be in the future",
            ));
            None
        }
        Some(t) if t > time::now() + HORIZON_DAYS * 24 * 60 * MINUTE => {
            errors.push(FieldError::new(
                "start",
                FieldCode::OutOfRange,
                format!("must be within {HORIZON_DAYS} days"),
            ));
            None
        }
        Some(t) => Some(t),
    };
    Some((at?, at? + duration?))
}

fn not_free() -> ApiError {
    ApiError::Conflict("That time is no longer free; pick another slot.".to_owned())
}

/// Holds `[start, end)` of every host for `meeting_id`, after checking it is free per
/// their availability and meetings; 409 otherwise.
async fn take_time(
    tx: &mut Tx,
    meeting_id: &str,
    hosts: &[String],
    start: i64,
    end: i64,
) -> Result<(), ApiError> {
    let free = free_time(tx, hosts, start, end).await?;
    if !rules::covers(&free, start, end) {
        return Err(not_free());
    }
    if !store::hold(tx, meeting_id, hosts, &rules::cells(start, end)).await? {
        return Err(not_free());
    }
    Ok(())
}

/// Books a meeting on a deal: a customer with "Schedule meetings", a co-selling partner, or
/// the company.
pub async fn book(
    app: &App,
    p: &Principal,
    deal_id: &str,
    input: MeetingInput,
) -> Result<Meeting, ApiError> {
    let scope = require::collaborate(p, Permission::ScheduleMeetings)?;
    let mut errors = Vec::new();
    let times = check_time(&input.start, input.duration_minutes, &mut errors);
    let subject = input.subject.trim();
    if subject.is_empty() || subject.chars().count() > MAX_SUBJECT {
        errors.push(FieldError::new(
            "subject",
            FieldCode::InvalidLength,
            format!("must be 1 to {MAX_SUBJECT} characters"),
        ));
    }
    let notes = input
        .notes
        .as_deref()
        .map(str::trim)
        .filter(|n| !n.is_empty());
    if notes.is_some_and(|n| n.chars().count() > MAX_NOTES) {
        errors.push(FieldError::new(
            "notes",
            FieldCode::TooLong,
            format!("must be at most {MAX_NOTES} characters"),
        ));
    }
    let audience = audience_of(&scope, input.audience, "audience", &mut errors);
    let mut tx = app.begin().await?;
    let deal = store::deal(&mut tx, &scope, deal_id)
        .await?
        .ok_or(ApiError::NotFound)?;
    let (Some((start, end)), Some(audience), true) = (times, audience, errors.is_empty()) else {
        return Err(ApiError::Validation(errors));
    };
    let hosts = hosts_for(&mut tx, p, &scope, &deal, audience).await?;
    let id = uuid::Uuid::now_v7().to_string();
    store::insert(
        &mut tx,
        &NewMeeting {
            id: &id,
            deal_id: &deal.id,
            audience: audience.as_str(),
            subject,
            notes,
            starts_at: start,
            ends_at: end,
            booked_by: &p.user_id,
            hosts: &hosts,
        },
    )
    .await?;
    take_time(&mut tx, &id, &hosts, start, end).await?;
    let meeting = store::get(&mut tx, &scope, &id)
        .await?
        .ok_or(ApiError::NotFound)?;
    record(&mut tx, p, &scope, &meeting, DealEventKind::MeetingBooked).await?;
    tx.audit(
        Audit::new(Actor::User(p), "meeting.book")
            .object("meeting", id.clone())
            .details(json!({ "deal_id": deal.id, "start": utc_text(start),
                             "duration_minutes": input.duration_minutes,
                             "audience": audience.as_str(), "hosts": hosts })),
    )
    .await?;
    notify(app, &mut tx, &meeting, &hosts, Change::Booked).await?;
    answer(tx, p, meeting).await
}

/// A meeting the caller may change: in their reach and for their side (the company changes
/// any). Another side's meeting they can read answers 403.
async fn meeting_for_change(
    tx: &mut Tx,
    scope: &CollabScope,
    id: &str,
) -> Result<MeetingRow, ApiError> {
    let m = store::get(tx, scope, id).await?.ok_or(ApiError::NotFound)?;
    let audience = Audience::parse(&m.audience).unwrap_or(Audience::Internal);
    if !scope.may_address(audience) {
        return Err(ApiError::Forbidden);
    }
    if m.status != MeetingStatus::Scheduled.as_str() {
        return Err(ApiError::Conflict(
            "The meeting is cancelled; book a new one.".to_owned(),
        ));
    }
    Ok(m)
}

/// Moves a meeting to a new time (and length): its hosts' old time is given back and the
/// new time held in the same transaction.
pub async fn reschedule(
    app: &App,
    p: &Principal,
    id: &str,
    input: MeetingReschedule,
) -> Result<Meeting, ApiError> {
    let scope = require::collaborate(p, Permission::ScheduleMeetings)?;
    let mut tx = app.begin().await?;
    let before = meeting_for_change(&mut tx, &scope, id).await?;
    let minutes = input
        .duration_minutes
        .unwrap_or((before.ends_at - before.starts_at) / MINUTE);
    let mut errors = Vec::new();
    let Some((start, end)) = check_time(&input.start, minutes, &mut errors) else {
        return Err(ApiError::Validation(errors));
    };
    let hosts: Vec<String> = store::hosts(&mut tx, std::slice::from_ref(&before.id))
        .await?
        .into_iter()
        .map(|(_, h)| h)
        .collect();
    store::release(&mut tx, id).await?;
    take_time(&mut tx, id, &hosts, start, end).await?;
    store::reschedule(&mut tx, id, start, end).await?;
    let meeting = store::get(&mut tx, &scope, id)
        .await?
        .ok_or(ApiError::NotFound)?;
    record(
        &mut tx,
        p,
        &scope,
        &meeting,
        DealEventKind::MeetingRescheduled,
    )
    .await?;
    tx.audit(
        Audit::new(Actor::User(p), "meeting.reschedule")
            .object("meeting", id)
            .details(
                json!({ "from": utc_text(before.starts_at), "to": utc_text(start),
                             "duration_minutes": minutes, "sequence": meeting.sequence }),
            ),
    )
    .await?;
    notify(app, &mut tx, &meeting, &hosts, Change::Moved).await?;
    answer(tx, p, meeting).await
}

/// Cancels a meeting and gives its time back.
pub async fn cancel(app: &App, p: &Principal, id: &str) -> Result<Meeting, ApiError> {
    let scope = require::collaborate(p, Permission::ScheduleMeetings)?;
    let mut tx = app.begin().await?;
    meeting_for_change(&mut tx, &scope, id).await?;
    if !store::cancel(&mut tx, id).await? {
        return Err(ApiError::Conflict(
            "The meeting is cancelled already.".to_owned(),
        ));
    }
    store::release(&mut tx, id).await?;
    let meeting = store::get(&mut tx, &scope, id)
        .await?
        .ok_or(ApiError::NotFound)?;
    let hosts: Vec<String> = store::hosts(&mut tx, std::slice::from_ref(&meeting.id))
        .await?
        .into_iter()
        .map(|(_, h)| h)
        .collect();
    record(
        &mut tx,
        p,
        &scope,
        &meeting,
        DealEventKind::MeetingCancelled,
    )
    .await?;
    tx.audit(
        Audit::new(Actor::User(p), "meeting.cancel")
            .object("meeting", id)
            .details(json!({ "start": utc_text(meeting.starts_at), "sequence": meeting.sequence })),
    )
    .await?;
    notify(app, &mut tx, &meeting, &hosts, Change::Cancelled).await?;
    answer(tx, p, meeting).await
}

/// An external caller's booking, move or cancel, on the deal's internal timeline.
async fn record(
    tx: &mut Tx,
    p: &Principal,
    scope: &CollabScope,
    m: &MeetingRow,
    kind: DealEventKind,
) -> Result<(), ApiError> {
    if scope.side() == Side::Company {
        return Ok(());
    }
    deal_store::record(
        tx,
        &NewEvent {
            deal_id: &m.deal_id,
            kind,
            shared: false,
            actor_id: Some(&p.user_id),
            body: None,
            details: json!({ "subject": m.subject, "meeting_id": m.id,
                             "start": utc_text(m.starts_at), "side": scope.side() }),
        },
    )
    .await?;
    Ok(())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Change {
    Booked,
    Moved,
    Cancelled,
}

/// Emails every attendee (the booker and the hosts) the meeting with its calendar entry.
async fn notify(
    app: &App,
    tx: &mut Tx,
    m: &MeetingRow,
    hosts: &[String],
    change: Change,
) -> Result<(), ApiError> {
    let mut ids: Vec<String> = hosts.to_vec();
    if !ids.contains(&m.booked_by) {
        ids.push(m.booked_by.clone());
    }
    let people = store::people(tx, &ids).await?;
    let person = |u: &store::PersonRow| CalendarPerson {
        name: u.name.clone(),
        email: u.email.clone(),
    };
    let Some(organizer) = people.iter().find(|u| hosts.contains(&u.id)).map(person) else {
        return Ok(());
    };
    let when = format!(
        "{} – {} UTC",
        DateTime::<Utc>::from_timestamp_micros(m.starts_at)
            .unwrap_or_default()
            .format("%A %-d %B %Y, %H:%M"),
        DateTime::<Utc>::from_timestamp_micros(m.ends_at)
            .unwrap_or_default()
            .format("%H:%M"),
    );
    let event = CalendarEvent {
        uid: format!("meeting-{}@portcullis", m.id),
        sequence: u32::try_from(m.sequence).unwrap_or(0),
        start: DateTime::<Utc>::from_timestamp_micros(m.starts_at).unwrap_or_default(),
        end: DateTime::<Utc>::from_timestamp_micros(m.ends_at).unwrap_or_default(),
        summary: m.subject.clone(),
        description: match &m.notes {
            Some(n) => format!("{}\n\n{n}", m.deal_name),
            None => m.deal_name.clone(),
        },
        organizer,
        attendees: people.iter().map(person).collect(),
        cancelled: change == Change::Cancelled,
    };
    let (title, body) = match change {
        Change::Booked => (
            format!("Meeting booked: {}", m.subject),
            format!(
                "the meeting \"{}\" on {} is booked for {when}.",
                m.subject, m.deal_name
            ),
        ),
        Change::Moved => (
            format!("Meeting moved: {}", m.subject),
            format!(
                "the meeting \"{}\" on {} now takes place {when}.",
                m.subject, m.deal_name
            ),
        ),
        Change::Cancelled => (
            format!("Meeting cancelled: {}", m.subject),
            format!(
                "the meeting \"{}\" on {} ({when}) is cancelled.",
                m.subject, m.deal_name
            ),
        ),
    };
    for u in &people {
        let Some(r) = notifications::recipient_by_id(tx, &u.id).await? else {
            continue;
        };
        let portal = match &r.portal_id {
            Some(id) => portals::find_by_id(tx, id).await?,
            None => None,
        };
        let path = format!("/deals/{}", m.deal_id);
        let link = match &portal {
            Some(pr) => format!("{}/p/{}{path}", app.settings.public_url, pr.slug),
            None => format!("{}{path}", app.settings.public_url),
        };
        let mail = email::meeting(
            &r.email,
            &r.name,
            portal.as_ref(),
            &title,
            &body,
            &link,
            &event,
        );
        queue_email(tx, &mail).await?;
    }
    Ok(())
}

/// The meeting as the caller sees it, once the change commits.
async fn answer(mut tx: Tx, p: &Principal, m: MeetingRow) -> Result<Meeting, ApiError> {
    let mut out = dtos(&mut tx, p, vec![m]).await?;
    tx.commit().await?;
    out.pop().ok_or(ApiError::NotFound)
}

async fn dtos(
    conn: &mut sqlx::AnyConnection,
    p: &Principal,
    rows: Vec<MeetingRow>,
) -> Result<Vec<Meeting>, ApiError> {
    let ids: Vec<String> = rows.iter().map(|m| m.id.clone()).collect();
    let hosts = store::hosts(conn, &ids).await?;
    let mut people_ids: Vec<String> = hosts.iter().map(|(_, h)| h.clone()).collect();
    people_ids.extend(rows.iter().map(|m| m.booked_by.clone()));
    people_ids.sort();
    people_ids.dedup();
    let people = store::people(conn, &people_ids).await?;
    let hide_team = p.role == Role::CustomerUser && !p.granted(Permission::ViewTeamMembers);
    let person = |id: &str| Person {
        id: id.to_owned().into(),
        name: people
            .iter()
            .find(|u| u.id == id)
            .map(|u| u.name.clone())
            .unwrap_or_default(),
        photo_url: None,
    };
    Ok(rows
        .into_iter()
        .map(|m| Meeting {
            hosts: if hide_team {
                Vec::new()
            } else {
                hosts
                    .iter()
                    .filter(|(mid, _)| *mid == m.id)
                    .map(|(_, h)| person(h))
                    .collect()
            },
            booked_by: person(&m.booked_by),
            duration_minutes: (m.ends_at - m.starts_at) / MINUTE,
            start: utc_text(m.starts_at),
            end: utc_text(m.ends_at),
            status: MeetingStatus::parse(&m.status).unwrap_or(MeetingStatus::Scheduled),
            audience: Audience::parse(&m.audience).unwrap_or(Audience::Internal),
            created_at: time::to_rfc3339(m.created_at),
            updated_at: time::to_rfc3339(m.updated_at),
            cancelled_at: m.cancelled_at.map(time::to_rfc3339),
            id: m.id.into(),
            deal_id: m.deal_id.into(),
            deal_name: m.deal_name,
            subject: m.subject,
            notes: m.notes,
            sequence: m.sequence,
        })
        .collect())
}

/// One meeting the caller reaches.
pub async fn get(app: &App, p: &Principal, id: &str) -> Result<Meeting, ApiError> {
    let scope = require::collaborate(p, Permission::ScheduleMeetings)?;
    let mut conn = app.read().await?;
    let m = store::get(&mut conn, &scope, id)
        .await?
        .ok_or(ApiError::NotFound)?;
    dtos(&mut conn, p, vec![m])
        .await?
        .pop()
        .ok_or(ApiError::NotFound)
}

/// A deal's meetings the caller may see, earliest first.
pub async fn of_deal(app: &App, p: &Principal, deal_id: &str) -> Result<MeetingList, ApiError> {
    let scope = require::collaborate(p, Permission::ScheduleMeetings)?;
    let mut conn = app.read().await?;
    store::deal(&mut conn, &scope, deal_id)
        .await?
        .ok_or(ApiError::NotFound)?;
    let rows = store::list(
        &mut conn,
        &scope,
        &MeetingFilter {
            deal_id: Some(deal_id),
            upcoming_at: None,
        },
        MAX_LIST,
    )
    .await?;
    Ok(MeetingList {
        items: dtos(&mut conn, p, rows).await?,
    })
}

/// Every meeting the caller reaches, earliest first; only those still to come when
/// `upcoming`.
pub async fn list(app: &App, p: &Principal, upcoming: bool) -> Result<MeetingList, ApiError> {
    let scope = require::collaborate(p, Permission::ScheduleMeetings)?;
    let mut conn = app.read().await?;
    let rows = store::list(
        &mut conn,
        &scope,
        &MeetingFilter {
            deal_id: None,
            upcoming_at: upcoming.then(time::now),
        },
        MAX_LIST,
    )
    .await?;
    Ok(MeetingList {
        items: dtos(&mut conn, p, rows).await?,
    })
}
