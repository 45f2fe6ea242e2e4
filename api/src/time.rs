//! Time as stored: `BIGINT` microseconds since the Unix epoch, always UTC.

use chrono::{DateTime, SecondsFormat, Utc};

/// Microseconds since the Unix epoch.
pub type Micros = i64;

/// Now, as stored.
pub fn now() -> Micros {
    Utc::now().timestamp_micros()
}

/// A stored time as an RFC 3339 UTC string, as the API speaks it.
pub fn to_rfc3339(micros: Micros) -> String {
    DateTime::<Utc>::from_timestamp_micros(micros)
        .unwrap_or(DateTime::<Utc>::UNIX_EPOCH)
        .to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// A stored time as RFC 3339 UTC with every stored digit (microseconds), for records whose
/// exact time is the point, such as signed receipts.
pub fn to_rfc3339_micros(micros: Micros) -> String {
    DateTime::<Utc>::from_timestamp_micros(micros)
        .unwrap_or(DateTime::<Utc>::UNIX_EPOCH)
        .to_rfc3339_opts(SecondsFormat::Micros, true)
}

/// Reads an RFC 3339 time (any offset) as stored; `None` when it is not one.
pub fn parse_rfc3339(s: &str) -> Option<Micros> {
    DateTime::parse_from_rfc3339(s)
        .ok()
        .map(|t| t.with_timezone(&Utc).timestamp_micros())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_times_print_as_rfc3339_utc() {
        assert_eq!(to_rfc3339(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(
            to_rfc3339(1_700_000_000_123_000),
            "2023-11-14T22:13:20.123Z"
        );
        assert_eq!(
            to_rfc3339_micros(1_700_000_000_123_456),
            "2023-11-14T22:13:20.123456Z"
        );
        assert_eq!(
            parse_rfc3339("2023-11-14T22:13:20.123456Z"),
            Some(1_700_000_000_123_456)
        );
        assert_eq!(parse_rfc3339("yesterday"), None);
    }
}
