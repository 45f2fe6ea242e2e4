//! The database: one `sqlx::Any` pool over SQLite (embedded default) or PostgreSQL.
//!
//! Queries are written once in the SQL both backends share, with `$n` placeholders. Column
//! types are chosen so that the `Any` driver decodes them the same on both: ids are UUIDv7
//! text, times are `BIGINT` microseconds since the Unix epoch (UTC), money is `BIGINT` minor
//! units beside a `TEXT` ISO 4217 code, and flags are `BIGINT` 0/1. Each backend has its own
//! migration folder because DDL is where the two really differ.

use std::str::FromStr;
use std::time::Duration;

use anyhow::Context;
use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyPool, Executor};

use crate::config::{Settings, redact_url};

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("../migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("../migrations/postgres");

/// Which database engine is behind the pool.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// The connection pool and the backend it talks to.
#[derive(Debug, Clone)]
pub struct Db {
    pub pool: AnyPool,
    pub backend: Backend,
}

impl Db {
    /// Connects to the configured database, creating the SQLite file and its folder if needed.
    pub async fn connect(settings: &Settings) -> anyhow::Result<Db> {
        sqlx::any::install_default_drivers();
        let (url, backend) = if settings.is_sqlite() {
            std::fs::create_dir_all(&settings.data_dir).with_context(|| {
                format!(
                    "Failed to create the data directory {}",
                    settings.data_dir.display()
                )
            })?;
            let mut url = settings.database_url.clone();
            if !url.contains("mode=") {
                url.push_str(if url.contains('?') {
                    "&mode=rwc"
                } else {
                    "?mode=rwc"
                });
            }
            (url, Backend::Sqlite)
        } else {
            (settings.database_url.clone(), Backend::Postgres)
        };
        let options = AnyConnectOptions::from_str(&url)
            .with_context(|| format!("Invalid DATABASE_URL {}", redact_url(&url)))?;
        let pool = AnyPoolOptions::new()
            .max_connections(match backend {
                // One writer at a time is all SQLite allows; a few readers share WAL.
                Backend::Sqlite => settings.db_max_connections.min(8),
                Backend::Postgres => settings.db_max_connections,
            })
            .acquire_timeout(Duration::from_secs(5))
            // No ping before handing out a pooled connection: it would double the round trips
            // of every request. A connection that broke while idle fails its query instead,
            // answers 503 and is dropped from the pool; idle ones are recycled after a while.
            .test_before_acquire(false)
            .idle_timeout(Duration::from_secs(300))
            .after_connect(move |conn, _meta| {
                Box::pin(async move {
                    if backend == Backend::Sqlite {
                        conn.execute(
                            "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; \
                             PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 5000;",
                        )
                        .await?;
                    }
                    Ok(())
                })
            })
            .connect_with(options)
            .await
            .with_context(|| format!("Failed to connect to {}", redact_url(&url)))?;
        Ok(Db { pool, backend })
    }

    /// Applies every pending migration of this backend.
    pub async fn migrate(&self) -> anyhow::Result<()> {
        let migrator = match self.backend {
            Backend::Sqlite => &SQLITE_MIGRATIONS,
            Backend::Postgres => &POSTGRES_MIGRATIONS,
        };
        migrator
            .run(&self.pool)
            .await
            .context("Failed to apply database migrations")
    }

    /// Begins a write transaction. On SQLite it takes the write lock at once (`BEGIN
    /// IMMEDIATE`): a transaction that reads and then writes would otherwise fail outright,
    /// rather than wait, when another writer committed in between. PostgreSQL row locks need
    /// no such care.
    pub async fn begin(&self) -> Result<sqlx::Transaction<'static, sqlx::Any>, sqlx::Error> {
        match self.backend {
            Backend::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await,
            Backend::Postgres => self.pool.begin().await,
        }
    }

    /// Whether the database answers a trivial query.
    pub async fn ping(&self) -> bool {
        sqlx::query("SELECT 1").execute(&self.pool).await.is_ok()
    }
}
