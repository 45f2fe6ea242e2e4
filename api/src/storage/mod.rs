//! Storage: every SQL statement Portcullis runs, written once for both backends.

pub mod portals;

/// Reads a `BIGINT` 0/1 flag.
pub fn flag(v: i64) -> bool {
    v != 0
}
