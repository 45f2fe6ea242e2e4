//! Availability and free time, without I/O: a published availability read into a
//! [`Schedule`] (every field checked), the hours it opens between two instants in UTC, the
//! intersection of several people's hours, the removal of held time, and the 30-minute grid
//! that slots and holds share.
//!
//! Instants are microseconds since the Unix epoch (UTC), as stored; an interval is
//! half-open, `[start, end)`.

use chrono::{Datelike, LocalResult, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;
use portcullis_shared::meetings::{
    Availability, DURATION_STEP_MINUTES, MAX_DURATION_MINUTES, SLOT_GRID_MINUTES,
};
use portcullis_shared::{FieldCode, FieldError};

/// Microseconds in a minute.
pub const MINUTE: i64 = 60_000_000;
/// The grid cell, in microseconds.
pub const CELL: i64 = SLOT_GRID_MINUTES * MINUTE;

const MAX_WINDOWS: usize = 70;
const MAX_EXCEPTIONS: usize = 366;

/// A time interval in UTC microseconds, `[start, end)`.
pub type Interval = (i64, i64);

/// Hours within one local day, in minutes after midnight (`end` may be 1440).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    pub start: u32,
    pub end: u32,
}

/// A checked availability: a time zone, weekly windows and dated exceptions.
#[derive(Debug, Clone, PartialEq)]
pub struct Schedule {
    pub tz: Tz,
    /// Windows by weekday, Monday first.
    weekly: [Vec<Window>; 7],
    /// Dates that do not follow the week: no windows means unavailable all day.
    exceptions: Vec<(NaiveDate, Vec<Window>)>,
}

/// `HH:MM` as minutes after midnight; `24:00` only where `midnight_ok`.
fn clock(s: &str, midnight_ok: bool) -> Option<u32> {
    let (h, m) = s.split_once(':')?;
    if h.len() != 2 || m.len() != 2 {
        return None;
    }
    let (h, m): (u32, u32) = (h.parse().ok()?, m.parse().ok()?);
    match (h, m) {
        (24, 0) if midnight_ok => Some(1440),
        (0..=23, 0..=59) => Some(h * 60 + m),
        _ => None,
    }
}

/// Reads `HH:MM`–`HH:MM` at `field`, recording what is wrong.
fn window(field: &str, start: &str, end: &str, errors: &mut Vec<FieldError>) -> Option<Window> {
    let s = clock(start, false);
    let e = clock(end, true);
    if s.is_none() {
        errors.push(FieldError::new(
            format!("{field}.start"),
            FieldCode::InvalidFormat,
            "must be a time HH:MM",
        ));
    }
    if e.is_none() {
        errors.push(FieldError::new(
            format!("{field}.end"),
            FieldCode::InvalidFormat,
            "must be a time HH:MM (24:00 for midnight)",
        ));
    }
    let (s, e) = (s?, e?);
    if e <= s {
        errors.push(FieldError::new(
            format!("{field}.end"),
            FieldCode::OutOfRange,
            "must be after the start",
        ));
        return None;
    }
    Some(Window { start: s, end: e })
}

/// Records an error at every window (named by `fields`) that overlaps an earlier one.
fn overlaps(windows: &[NamedWindow], errors: &mut Vec<FieldError>) {
    for (i, (field, w)) in windows.iter().enumerate() {
        if let Some((other, _)) = windows[..i]
            .iter()
            .find(|(_, o)| w.start < o.end && o.start < w.end)
        {
            errors.push(FieldError::new(
                field.clone(),
                FieldCode::InvalidValue,
                format!("overlaps {other}"),
            ));
        }
    }
}

/// A window as given, with the field that named it (for errors).
type NamedWindow = (String, Window);

/// The exceptions given for one date: windows, or the field that made it a day off.
struct Dated {
    date: NaiveDate,
    windows: Vec<NamedWindow>,
    day_off: Option<String>,
}

/// An IANA time zone by name.
pub fn time_zone(name: &str) -> Option<Tz> {
    name.parse::<Tz>().ok()
}

impl Schedule {
    /// Checks a published availability; every bad field is named.
    pub fn parse(a: &Availability) -> Result<Schedule, Vec<FieldError>> {
        let mut errors = Vec::new();
        let tz = time_zone(a.time_zone.trim());
        if tz.is_none() {
            errors.push(FieldError::new(
                "time_zone",
                FieldCode::InvalidValue,
                "must be an IANA time zone such as Europe/Berlin",
            ));
        }
        if a.weekly.len() > MAX_WINDOWS {
            errors.push(FieldError::new(
                "weekly",
                FieldCode::InvalidLength,
                format!("must have at most {MAX_WINDOWS} windows"),
            ));
        }
        if a.exceptions.len() > MAX_EXCEPTIONS {
            errors.push(FieldError::new(
                "exceptions",
                FieldCode::InvalidLength,
                format!("must have at most {MAX_EXCEPTIONS} entries"),
            ));
        }
        let mut by_day: [Vec<NamedWindow>; 7] = Default::default();
        for (i, w) in a.weekly.iter().enumerate() {
            let field = format!("weekly[{i}]");
            if !(1..=7).contains(&w.weekday) {
                errors.push(FieldError::new(
                    format!("{field}.weekday"),
                    FieldCode::OutOfRange,
                    "must be 1 (Monday) to 7 (Sunday)",
                ));
            }
            let win = window(&field, &w.start, &w.end, &mut errors);
            if let (Some(win), true) = (win, (1..=7).contains(&w.weekday)) {
                by_day[usize::from(w.weekday) - 1].push((field, win));
            }
        }
        for day in &by_day {
            overlaps(day, &mut errors);
        }
        let mut dated: Vec<Dated> = Vec::new();
        for (i, x) in a.exceptions.iter().enumerate() {
            let field = format!("exceptions[{i}]");
            let date = NaiveDate::parse_from_str(&x.date, "%Y-%m-%d").ok();
            if date.is_none() {
                errors.push(FieldError::new(
                    format!("{field}.date"),
                    FieldCode::InvalidFormat,
                    "must be a date YYYY-MM-DD",
                ));
            }
            let hours = match (&x.start, &x.end) {
                (None, None) => None,
                (Some(s), Some(e)) => match window(&field, s, e, &mut errors) {
                    Some(w) => Some(w),
                    None => continue,
                },
                (Some(_), None) | (None, Some(_)) => {
                    errors.push(FieldError::new(
                        if x.start.is_none() {
                            format!("{field}.start")
                        } else {
                            format!("{field}.end")
                        },
                        FieldCode::Required,
                        "give both start and end, or neither for a day off",
                    ));
                    continue;
                }
            };
            let Some(date) = date else { continue };
            let entry = match dated.iter_mut().position(|d| d.date == date) {
                Some(at) => &mut dated[at],
                None => {
                    dated.push(Dated {
                        date,
                        windows: Vec::new(),
                        day_off: None,
                    });
                    let last = dated.len() - 1;
                    &mut dated[last]
                }
            };
            match hours {
                Some(w) => {
                    if let Some(off) = &entry.day_off {
                        errors.push(FieldError::new(
                            field.clone(),
                            FieldCode::InvalidValue,
                            format!("{off} already makes this day unavailable"),
                        ));
                    }
                    entry.windows.push((field, w));
                }
                None => {
                    if entry.day_off.is_some() || !entry.windows.is_empty() {
                        errors.push(FieldError::new(
                            field.clone(),
                            FieldCode::InvalidValue,
                            "the date is already listed",
                        ));
                    }
                    entry.day_off = Some(field);
                }
            }
        }
        for d in &dated {
            overlaps(&d.windows, &mut errors);
        }
        match tz {
            Some(tz) if errors.is_empty() => {
                let strip = |ws: &[NamedWindow]| {
                    let mut v: Vec<Window> = ws.iter().map(|(_, w)| *w).collect();
                    v.sort_by_key(|w| w.start);
                    v
                };
                Ok(Schedule {
                    tz,
                    weekly: by_day.map(|d| strip(&d)),
                    exceptions: dated
                        .into_iter()
                        .map(|d| (d.date, strip(&d.windows)))
                        .collect(),
                })
            }
            _ => Err(errors),
        }
    }

    /// The windows of one local date.
    fn windows_on(&self, date: NaiveDate) -> &[Window] {
        match self.exceptions.iter().find(|(d, _)| *d == date) {
            Some((_, ws)) => ws,
            None => &self.weekly[date.weekday().num_days_from_monday() as usize],
        }
    }

    /// The hours this schedule opens within `[from, to)`, in order and merged.
    pub fn open(&self, from: i64, to: i64) -> Vec<Interval> {
        let (Some(first), Some(last)) = (local_date(self.tz, from), local_date(self.tz, to)) else {
            return Vec::new();
        };
        let mut out = Vec::new();
        let mut date = first.pred_opt().unwrap_or(first);
        let end_date = last.succ_opt().unwrap_or(last);
        while date <= end_date {
            for w in self.windows_on(date) {
                let s = instant(self.tz, date, w.start);
                let e = instant(self.tz, date, w.end);
                let (s, e) = (s.max(from), e.min(to));
                if s < e {
                    out.push((s, e));
                }
            }
            match date.succ_opt() {
                Some(next) => date = next,
                None => break,
            }
        }
        merge(out)
    }
}

/// The local date of an instant in `tz`.
fn local_date(tz: Tz, at: i64) -> Option<NaiveDate> {
    Some(
        Utc.timestamp_micros(at)
            .single()?
            .with_timezone(&tz)
            .date_naive(),
    )
}

/// The instant of a local date and minute of the day in `tz`. A time skipped by a clock
/// change counts from the end of the gap; a repeated one is its first occurrence.
pub fn instant(tz: Tz, date: NaiveDate, minute: u32) -> i64 {
    let base = NaiveDateTime::new(date, NaiveTime::MIN) + chrono::Duration::minutes(minute.into());
    let mut local = base;
    for _ in 0..=4 {
        match tz.from_local_datetime(&local) {
            LocalResult::Single(t) | LocalResult::Ambiguous(t, _) => {
                return t.with_timezone(&Utc).timestamp_micros();
            }
            // Inside a gap: move on until the clock exists again.
            LocalResult::None => local += chrono::Duration::minutes(30),
        }
    }
    base.and_utc().timestamp_micros()
}

/// The start of a local date in `tz`, as an instant.
pub fn start_of_day(tz: Tz, date: NaiveDate) -> i64 {
    instant(tz, date, 0)
}

/// Sorts and joins touching or overlapping intervals.
pub fn merge(mut v: Vec<Interval>) -> Vec<Interval> {
    v.sort_unstable();
    let mut out: Vec<Interval> = Vec::with_capacity(v.len());
    for (s, e) in v {
        match out.last_mut() {
            Some(last) if s <= last.1 => last.1 = last.1.max(e),
            _ => out.push((s, e)),
        }
    }
    out
}

/// The time both sorted, merged lists cover.
pub fn intersect(a: &[Interval], b: &[Interval]) -> Vec<Interval> {
    let (mut i, mut j) = (0, 0);
    let mut out = Vec::new();
    while i < a.len() && j < b.len() {
        let s = a[i].0.max(b[j].0);
        let e = a[i].1.min(b[j].1);
        if s < e {
            out.push((s, e));
        }
        if a[i].1 < b[j].1 {
            i += 1;
        } else {
            j += 1;
        }
    }
    out
}

/// `free` without the grid cells starting at `held`.
pub fn without_cells(free: &[Interval], held: &[i64]) -> Vec<Interval> {
    let busy = merge(held.iter().map(|c| (*c, c + CELL)).collect());
    let mut out = Vec::new();
    for &(s, e) in free {
        let mut cur = s;
        for &(bs, be) in busy.iter().filter(|(bs, be)| *bs < e && *be > s) {
            if bs > cur {
                out.push((cur, bs));
            }
            cur = cur.max(be);
        }
        if cur < e {
            out.push((cur, e));
        }
    }
    out
}

/// Whether `[start, end)` lies inside one of the intervals.
pub fn covers(free: &[Interval], start: i64, end: i64) -> bool {
    free.iter().any(|&(s, e)| s <= start && end <= e)
}

/// The first grid point at or after `t`.
pub fn grid_ceil(t: i64) -> i64 {
    t.div_euclid(CELL) * CELL + if t.rem_euclid(CELL) == 0 { 0 } else { CELL }
}

/// Whether `t` lies on the grid.
pub fn on_grid(t: i64) -> bool {
    t.rem_euclid(CELL) == 0
}

/// The grid cells a meeting `[start, end)` takes (every cell it touches).
pub fn cells(start: i64, end: i64) -> Vec<i64> {
    let first = start.div_euclid(CELL) * CELL;
    (0..)
        .map(|k| first + k * CELL)
        .take_while(|c| *c < end)
        .collect()
}

/// Slot starts on the grid within `[from, to)` whose whole duration is free.
pub fn slot_starts(free: &[Interval], from: i64, to: i64, duration: i64) -> Vec<i64> {
    let mut out = Vec::new();
    let mut s = grid_ceil(from);
    while s < to {
        if covers(free, s, s + duration) {
            out.push(s);
        }
        s += CELL;
    }
    out
}

/// Checks a meeting length in minutes; the message names the rule.
pub fn check_duration(minutes: i64) -> Result<i64, String> {
    if (DURATION_STEP_MINUTES..=MAX_DURATION_MINUTES).contains(&minutes)
        && minutes % DURATION_STEP_MINUTES == 0
    {
        Ok(minutes * MINUTE)
    } else {
        Err(format!(
            "must be {DURATION_STEP_MINUTES} to {MAX_DURATION_MINUTES} minutes, in steps of {DURATION_STEP_MINUTES}"
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use portcullis_shared::meetings::{AvailabilityException, WeeklyWindow};

    fn weekly(weekday: u8, start: &str, end: &str) -> WeeklyWindow {
        WeeklyWindow {
            weekday,
            start: start.into(),
            end: end.into(),
        }
    }

    fn at(s: &str) -> i64 {
        crate::time::parse_rfc3339(s).expect("a time")
    }

    #[test]
    fn every_bad_field_is_named() {
        let a = Availability {
            time_zone: "Mars/Olympus".into(),
            weekly: vec![
                weekly(1, "09:00", "12:00"),
                weekly(1, "11:00", "13:00"),
                weekly(8, "09:00", "10:00"),
                weekly(2, "17:00", "09:00"),
                weekly(3, "9am", "25:00"),
            ],
            exceptions: vec![
                AvailabilityException {
                    date: "2026-02-30".into(),
                    start: None,
                    end: None,
                },
                AvailabilityException {
                    date: "2026-03-02".into(),
                    start: Some("10:00".into()),
                    end: None,
                },
            ],
        };
        let errors = Schedule::parse(&a).expect_err("refused");
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "time_zone",
                "weekly[2].weekday",
                "weekly[3].end",
                "weekly[4].start",
                "weekly[4].end",
                "weekly[1]",
                "exceptions[0].date",
                "exceptions[1].end",
            ]
        );
    }

    #[test]
    fn open_hours_follow_the_clock_change() {
        let a = Availability {
            time_zone: "Europe/Berlin".into(),
            weekly: (1..=5).map(|d| weekly(d, "09:00", "17:00")).collect(),
            exceptions: vec![AvailabilityException {
                date: "2027-03-30".into(),
                start: None,
                end: None,
            }],
        };
        let s = Schedule::parse(&a).expect("valid");
        let open = s.open(at("2027-03-26T00:00:00Z"), at("2027-03-31T00:00:00Z"));
        // Friday in winter time, Monday in summer time, Tuesday off.
        assert_eq!(
            open,
            vec![
                (at("2027-03-26T08:00:00Z"), at("2027-03-26T16:00:00Z")),
                (at("2027-03-29T07:00:00Z"), at("2027-03-29T15:00:00Z")),
            ]
        );
    }

    #[test]
    fn held_cells_and_other_people_narrow_the_slots() {
        let a = vec![(at("2027-01-04T09:00:00Z"), at("2027-01-04T12:00:00Z"))];
        let b = vec![(at("2027-01-04T10:00:00Z"), at("2027-01-04T13:00:00Z"))];
        let both = intersect(&a, &b);
        assert_eq!(
            both,
            vec![(at("2027-01-04T10:00:00Z"), at("2027-01-04T12:00:00Z"))]
        );
        let free = without_cells(&both, &[at("2027-01-04T10:30:00Z")]);
        let starts = slot_starts(&free, both[0].0, both[0].1, 30 * MINUTE);
        assert_eq!(
            starts,
            vec![
                at("2027-01-04T10:00:00Z"),
                at("2027-01-04T11:00:00Z"),
                at("2027-01-04T11:30:00Z")
            ]
        );
        assert_eq!(
            cells(at("2027-01-04T10:00:00Z"), at("2027-01-04T11:15:00Z")).len(),
            3
        );
        assert!(check_duration(45).is_ok());
        assert!(check_duration(50).is_err());
    }
}
