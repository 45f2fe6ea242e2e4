//! Meeting scheduling on deals: the weekly availability people publish, the free slots a
//! deal's customer or co-selling partner may book, and the meetings booked.
//!
//! Routes (all under `/api/v1`):
//! - `GET /me/availability`, `PUT /me/availability`: the caller's weekly availability;
//! - `GET /deals/{id}/slots?from=&days=&duration=&tz=`: free slots of the deal's hosts;
//! - `GET /deals/{id}/meetings`, `POST /deals/{id}/meetings`: a deal's meetings, booking one;
//! - `GET /meetings?upcoming=true`: every meeting the caller reaches;
//! - `GET /meetings/{id}`, `PATCH /meetings/{id}` (reschedule), `POST /meetings/{id}/cancel`.

use serde::{Deserialize, Serialize};

use crate::collab::Audience;
use crate::deals::Person;
use crate::ids::{DealId, MeetingId};

/// The longest meeting, in minutes.
pub const MAX_DURATION_MINUTES: i64 = 480;
/// Meetings last a multiple of this many minutes.
pub const DURATION_STEP_MINUTES: i64 = 15;
/// Slots start on a grid of this many minutes (in UTC).
pub const SLOT_GRID_MINUTES: i64 = 30;
/// The most days one slot search covers.
pub const MAX_SLOT_DAYS: i64 = 31;
/// How far ahead meetings are booked and slots searched, in days.
pub const HORIZON_DAYS: i64 = 5 * 366;

/// Hours someone is available every week on one weekday, in their own time zone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct WeeklyWindow {
    /// 1 = Monday … 7 = Sunday.
    #[cfg_attr(feature = "server", schema(example = 1, minimum = 1, maximum = 7))]
    pub weekday: u8,
    /// `HH:MM`, local time.
    #[cfg_attr(feature = "server", schema(example = "09:00"))]
    pub start: String,
    /// `HH:MM`, local time, after `start` (`24:00` for midnight).
    #[cfg_attr(feature = "server", schema(example = "17:00"))]
    pub end: String,
}

/// A date that does not follow the weekly pattern: without hours, unavailable all day; with
/// hours, available only then (several entries for one date give several windows).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct AvailabilityException {
    /// `YYYY-MM-DD`, in the person's time zone.
    #[cfg_attr(feature = "server", schema(example = "2026-12-24"))]
    pub date: String,
    #[serde(default)]
    pub start: Option<String>,
    #[serde(default)]
    pub end: Option<String>,
}

/// Someone's published availability (the body of `PUT /me/availability` and the answer of
/// both methods). Nothing published reads as UTC with no windows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct Availability {
    /// An IANA time zone.
    #[cfg_attr(feature = "server", schema(example = "Europe/Berlin"))]
    pub time_zone: String,
    #[serde(default)]
    pub weekly: Vec<WeeklyWindow>,
    #[serde(default)]
    pub exceptions: Vec<AvailabilityException>,
}

/// A free slot.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct Slot {
    /// RFC 3339, UTC.
    #[cfg_attr(feature = "server", schema(example = "2026-12-01T08:00:00Z"))]
    pub start: String,
    /// RFC 3339, UTC.
    pub end: String,
    /// The start in the requested time zone, RFC 3339 with its offset.
    #[cfg_attr(feature = "server", schema(example = "2026-12-01T09:00:00+01:00"))]
    pub local_start: String,
    /// The end in the requested time zone.
    pub local_end: String,
}

/// The free slots of a deal's hosts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct SlotList {
    /// The time zone `local_start` is shown in.
    pub time_zone: String,
    pub duration_minutes: i64,
    /// Whose availability the slots combine (the deal's owner for a customer; the deal team
    /// and the partner's people for a co-selling partner).
    pub hosts: Vec<Person>,
    pub slots: Vec<Slot>,
}

/// A meeting to book.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct MeetingInput {
    /// RFC 3339; on the 30-minute grid.
    #[cfg_attr(feature = "server", schema(example = "2026-12-01T08:00:00Z"))]
    pub start: String,
    /// 15 to 480, a multiple of 15.
    #[cfg_attr(feature = "server", schema(example = 30))]
    pub duration_minutes: i64,
    #[cfg_attr(feature = "server", schema(example = "Contract walkthrough"))]
    pub subject: String,
    #[serde(default)]
    pub notes: Option<String>,
    /// Who the meeting is for: the company picks (default `internal`); an external booker's
    /// meeting is always for their side, and naming another audience is refused.
    #[serde(default)]
    pub audience: Option<Audience>,
}

/// A new time for a meeting.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct MeetingReschedule {
    /// RFC 3339; on the 30-minute grid.
    pub start: String,
    /// Unchanged when absent.
    #[serde(default)]
    pub duration_minutes: Option<i64>,
}

named_enum!(
    /// Where a meeting stands.
    MeetingStatus {
        /// Booked (possibly rescheduled).
        Scheduled = "scheduled",
        /// Cancelled; its time is free again.
        Cancelled = "cancelled",
    }
);

/// A meeting on a deal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct Meeting {
    pub id: MeetingId,
    pub deal_id: DealId,
    pub deal_name: String,
    pub subject: String,
    pub notes: Option<String>,
    /// RFC 3339, UTC.
    pub start: String,
    /// RFC 3339, UTC.
    pub end: String,
    pub duration_minutes: i64,
    pub status: MeetingStatus,
    pub audience: Audience,
    /// Who booked it.
    pub booked_by: Person,
    /// Whose time it takes.
    pub hosts: Vec<Person>,
    /// The calendar revision: 0 when booked, one more for each reschedule or the cancel.
    pub sequence: i64,
    pub created_at: String,
    pub updated_at: String,
    pub cancelled_at: Option<String>,
}

/// Meetings, earliest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct MeetingList {
    pub items: Vec<Meeting>,
}
