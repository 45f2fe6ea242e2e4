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
    }
}
