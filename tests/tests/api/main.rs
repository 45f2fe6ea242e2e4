//! Black-box tests of the HTTP API, each on SQLite and on PostgreSQL.

mod foundation;
mod portals;
