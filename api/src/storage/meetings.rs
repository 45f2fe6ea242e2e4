//! Meetings on deals, the availability their hosts publish, and the holds that keep two
//! meetings off one host's time (see migration 0014).
//!
//! Reads of meetings take the caller's `CollabScope`: the meeting is joined to its deal as
//! `d`, and the scope limits both the deal and the meeting's audience in the query.

use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use crate::storage::{CollabScope, Sql};
use crate::time::{self, Micros};

// ---------------------------------------------------------------------------------------
// Availability

/// A published availability as stored: the windows and exceptions are JSON arrays.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AvailabilityRow {
    pub user_id: String,
    pub time_zone: String,
    pub weekly: String,
    pub exceptions: String,
}

fn availability_row(r: &AnyRow) -> Result<AvailabilityRow, sqlx::Error> {
    Ok(AvailabilityRow {
        user_id: r.try_get("user_id")?,
        time_zone: r.try_get("time_zone")?,
        weekly: r.try_get("weekly")?,
        exceptions: r.try_get("exceptions")?,
    })
}

/// The availability the given people published (those who did not are absent).
pub async fn availabilities(
    conn: &mut AnyConnection,
    user_ids: &[String],
) -> Result<Vec<AvailabilityRow>, sqlx::Error> {
    if user_ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut sql = Sql::new(
        "SELECT user_id, time_zone, weekly, exceptions FROM availability WHERE user_id IN ",
    );
    sql.bind_list(user_ids).push(" ORDER BY user_id");
    sql.query()
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(availability_row)
        .collect()
}

/// Publishes (or replaces) a user's availability.
pub async fn put_availability(
    conn: &mut AnyConnection,
    a: &AvailabilityRow,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO availability (user_id, time_zone, weekly, exceptions, updated_at) \
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (user_id) DO UPDATE SET \
         time_zone = excluded.time_zone, weekly = excluded.weekly, \
         exceptions = excluded.exceptions, updated_at = excluded.updated_at",
    )
    .bind(&a.user_id)
    .bind(&a.time_zone)
    .bind(&a.weekly)
    .bind(&a.exceptions)
    .bind(time::now())
    .execute(&mut *conn)
    .await?;
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Deals and people

/// What booking needs of a deal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DealBrief {
    pub id: String,
    pub name: String,
    pub owner_id: String,
}

/// A deal within `scope` (the deal-level rule; audiences do not apply to the deal itself).
pub async fn deal(
    conn: &mut AnyConnection,
    scope: &CollabScope,
    id: &str,
) -> Result<Option<DealBrief>, sqlx::Error> {
    let mut sql = Sql::new("SELECT d.id, d.name, d.owner_id FROM deals d WHERE d.id = ");
    sql.bind(id);
    scope.restrict_deal(&mut sql);
    sql.query()
        .fetch_optional(&mut *conn)
        .await?
        .map(|r| {
            Ok(DealBrief {
                id: r.try_get("id")?,
                name: r.try_get("name")?,
                owner_id: r.try_get("owner_id")?,
            })
        })
        .transpose()
}

/// The company's people on a deal: its owner first, then its team, active users only.
pub async fn company_team(
    conn: &mut AnyConnection,
    deal_id: &str,
) -> Result<Vec<String>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT u.id, CASE WHEN u.id = d.owner_id THEN 0 ELSE 1 END AS rank FROM deals d \
         JOIN users u ON u.id = d.owner_id OR u.id IN (SELECT t.user_id FROM deal_team t WHERE t.deal_id = d.id) \
         WHERE d.id = $1 AND u.status = 'active' ORDER BY rank, u.id",
    )
    .bind(deal_id)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter().map(|r| r.try_get("id")).collect()
}

/// The co-selling organisation's people on a deal: the user it made responsible and the
/// given caller, when they belong to it and are active.
pub async fn co_sellers_on_deal(
    conn: &mut AnyConnection,
    deal_id: &str,
    organisation: &str,
    caller: Option<&str>,
) -> Result<Vec<String>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT u.id FROM users u WHERE u.account_id = $1 AND u.status = 'active' \
         AND (u.id = $2 OR u.id IN (SELECT p.partner_user_id FROM deal_partners p \
              WHERE p.deal_id = $3 AND p.account_id = $1 AND p.role = 'co_sell')) \
         ORDER BY u.id",
    )
    .bind(organisation)
    .bind(caller.unwrap_or(""))
    .bind(deal_id)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter().map(|r| r.try_get("id")).collect()
}

/// The organisations co-selling a deal.
pub async fn co_selling_organisations(
    conn: &mut AnyConnection,
    deal_id: &str,
) -> Result<Vec<String>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT account_id FROM deal_partners WHERE deal_id = $1 AND role = 'co_sell' \
         ORDER BY account_id",
    )
    .bind(deal_id)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter().map(|r| r.try_get("account_id")).collect()
}

/// Someone taking part in a meeting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonRow {
    pub id: String,
    pub name: String,
    pub email: String,
}

/// People by id, in the order of `ids`.
pub async fn people(
    conn: &mut AnyConnection,
    ids: &[String],
) -> Result<Vec<PersonRow>, sqlx::Error> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut sql = Sql::new("SELECT id, name, email FROM users WHERE id IN ");
    sql.bind_list(ids);
    let mut found: Vec<PersonRow> = sql
        .query()
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(|r| {
            Ok(PersonRow {
                id: r.try_get("id")?,
                name: r.try_get("name")?,
                email: r.try_get("email")?,
            })
        })
        .collect::<Result<_, sqlx::Error>>()?;
    found.sort_by_key(|p| ids.iter().position(|i| *i == p.id));
    Ok(found)
}

// ---------------------------------------------------------------------------------------
// Holds

/// The grid cells held for the given hosts within `[from, to)`, as (host, cell start).
pub async fn held(
    conn: &mut AnyConnection,
    hosts: &[String],
    from: Micros,
    to: Micros,
) -> Result<Vec<(String, Micros)>, sqlx::Error> {
    if hosts.is_empty() {
        return Ok(Vec::new());
    }
    let mut sql =
        Sql::new("SELECT host_user_id, slot_start FROM meeting_holds WHERE slot_start >= ");
    sql.bind(from)
        .push(" AND slot_start < ")
        .bind(to)
        .push(" AND host_user_id IN ")
        .bind_list(hosts)
        .push(" ORDER BY host_user_id, slot_start");
    sql.query()
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(|r| Ok((r.try_get("host_user_id")?, r.try_get("slot_start")?)))
        .collect()
}

/// Holds every cell for every host for `meeting_id`, in one statement and in key order (so
/// concurrent bookings wait on each other rather than deadlock). `false` when any of them
/// is held already: the caller must roll back.
pub async fn hold(
    conn: &mut AnyConnection,
    meeting_id: &str,
    hosts: &[String],
    cells: &[Micros],
) -> Result<bool, sqlx::Error> {
    let mut keys: Vec<(&String, Micros)> = hosts
        .iter()
        .flat_map(|h| cells.iter().map(move |c| (h, *c)))
        .collect();
    keys.sort();
    keys.dedup();
    if keys.is_empty() {
        return Ok(true);
    }
    let mut sql =
        Sql::new("INSERT INTO meeting_holds (host_user_id, slot_start, meeting_id) VALUES ");
    for (i, (host, cell)) in keys.iter().enumerate() {
        if i > 0 {
            sql.push(", ");
        }
        sql.push("(")
            .bind(host.as_str())
            .push(", ")
            .bind(*cell)
            .push(", ")
            .bind(meeting_id)
            .push(")");
    }
    sql.push(" ON CONFLICT (host_user_id, slot_start) DO NOTHING");
    let done = sql.query().execute(&mut *conn).await?;
    Ok(done.rows_affected() == keys.len() as u64)
}

/// Gives a meeting's cells back.
pub async fn release(conn: &mut AnyConnection, meeting_id: &str) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM meeting_holds WHERE meeting_id = $1")
        .bind(meeting_id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Meetings

/// A meeting to store.
#[derive(Debug, Clone)]
pub struct NewMeeting<'a> {
    pub id: &'a str,
    pub deal_id: &'a str,
    pub audience: &'a str,
    pub subject: &'a str,
    pub notes: Option<&'a str>,
    pub starts_at: Micros,
    pub ends_at: Micros,
    pub booked_by: &'a str,
    pub hosts: &'a [String],
}

/// Stores a scheduled meeting and its hosts.
pub async fn insert(conn: &mut AnyConnection, m: &NewMeeting<'_>) -> Result<(), sqlx::Error> {
    let now = time::now();
    sqlx::query(
        "INSERT INTO meetings (id, deal_id, audience, subject, notes, starts_at, ends_at, status, \
         sequence, booked_by, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, 'scheduled', 0, $8, $9, $9)",
    )
    .bind(m.id)
    .bind(m.deal_id)
    .bind(m.audience)
    .bind(m.subject)
    .bind(m.notes)
    .bind(m.starts_at)
    .bind(m.ends_at)
    .bind(m.booked_by)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    for host in m.hosts {
        sqlx::query("INSERT INTO meeting_hosts (meeting_id, user_id) VALUES ($1, $2)")
            .bind(m.id)
            .bind(host)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// Moves a meeting, one calendar revision on.
pub async fn reschedule(
    conn: &mut AnyConnection,
    id: &str,
    starts_at: Micros,
    ends_at: Micros,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE meetings SET starts_at = $1, ends_at = $2, sequence = sequence + 1, updated_at = $3 \
         WHERE id = $4",
    )
    .bind(starts_at)
    .bind(ends_at)
    .bind(time::now())
    .bind(id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Cancels a scheduled meeting, one calendar revision on; `false` when it was not
/// scheduled (cancelled already, perhaps concurrently).
pub async fn cancel(conn: &mut AnyConnection, id: &str) -> Result<bool, sqlx::Error> {
    let now = time::now();
    let done = sqlx::query(
        "UPDATE meetings SET status = 'cancelled', sequence = sequence + 1, updated_at = $1, \
         cancelled_at = $1 WHERE id = $2 AND status = 'scheduled'",
    )
    .bind(now)
    .bind(id)
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// A meeting as stored, with its deal's name and its booker.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MeetingRow {
    pub id: String,
    pub deal_id: String,
    pub deal_name: String,
    pub audience: String,
    pub subject: String,
    pub notes: Option<String>,
    pub starts_at: Micros,
    pub ends_at: Micros,
    pub status: String,
    pub sequence: i64,
    pub booked_by: String,
    pub created_at: Micros,
    pub updated_at: Micros,
    pub cancelled_at: Option<Micros>,
}

const COLUMNS: &str = "SELECT m.id, m.deal_id, d.name AS deal_name, m.audience, m.subject, \
     m.notes, m.starts_at, m.ends_at, m.status, m.sequence, m.booked_by, m.created_at, \
     m.updated_at, m.cancelled_at FROM meetings m JOIN deals d ON d.id = m.deal_id WHERE 1 = 1";

fn meeting_row(r: &AnyRow) -> Result<MeetingRow, sqlx::Error> {
    Ok(MeetingRow {
        id: r.try_get("id")?,
        deal_id: r.try_get("deal_id")?,
        deal_name: r.try_get("deal_name")?,
        audience: r.try_get("audience")?,
        subject: r.try_get("subject")?,
        notes: r.try_get("notes")?,
        starts_at: r.try_get("starts_at")?,
        ends_at: r.try_get("ends_at")?,
        status: r.try_get("status")?,
        sequence: r.try_get("sequence")?,
        booked_by: r.try_get("booked_by")?,
        created_at: r.try_get("created_at")?,
        updated_at: r.try_get("updated_at")?,
        cancelled_at: r.try_get("cancelled_at")?,
    })
}

/// One meeting within `scope`.
pub async fn get(
    conn: &mut AnyConnection,
    scope: &CollabScope,
    id: &str,
) -> Result<Option<MeetingRow>, sqlx::Error> {
    let mut sql = Sql::new(COLUMNS);
    sql.push(" AND m.id = ").bind(id);
    scope.restrict(&mut sql, "m.audience");
    sql.query()
        .fetch_optional(&mut *conn)
        .await?
        .as_ref()
        .map(meeting_row)
        .transpose()
}

/// Which meetings a list asks for.
#[derive(Debug, Clone, Default)]
pub struct MeetingFilter<'a> {
    /// One deal's.
    pub deal_id: Option<&'a str>,
    /// Scheduled ones that have not ended by this time.
    pub upcoming_at: Option<Micros>,
}

/// Meetings within `scope`, earliest first.
pub async fn list(
    conn: &mut AnyConnection,
    scope: &CollabScope,
    filter: &MeetingFilter<'_>,
    limit: i64,
) -> Result<Vec<MeetingRow>, sqlx::Error> {
    let mut sql = Sql::new(COLUMNS);
    if let Some(deal) = filter.deal_id {
        sql.push(" AND m.deal_id = ").bind(deal);
    }
    if let Some(now) = filter.upcoming_at {
        sql.push(" AND m.status = 'scheduled' AND m.ends_at > ")
            .bind(now);
    }
    scope.restrict(&mut sql, "m.audience");
    sql.push(" ORDER BY m.starts_at, m.id LIMIT ").bind(limit);
    sql.query()
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(meeting_row)
        .collect()
}

/// The hosts of the given meetings, as (meeting, host).
pub async fn hosts(
    conn: &mut AnyConnection,
    meeting_ids: &[String],
) -> Result<Vec<(String, String)>, sqlx::Error> {
    if meeting_ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut sql = Sql::new("SELECT meeting_id, user_id FROM meeting_hosts WHERE meeting_id IN ");
    sql.bind_list(meeting_ids)
        .push(" ORDER BY meeting_id, user_id");
    sql.query()
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(|r| Ok((r.try_get("meeting_id")?, r.try_get("user_id")?)))
        .collect()
}
