//! The application layer: every use case of Portcullis, one module per area. A use case takes
//! the acting principal (or the operator, for the command line and jobs) and typed input,
//! runs its named permission checks first, then does all its work in one transaction: the
//! change, its audit entry and the jobs it starts commit together or not at all.
//!
//! Routes call one use case each and never reach storage; storage never reaches up here.

pub mod access_requests;
pub mod accounts;
pub mod audit;
pub mod auth;
pub mod commissions;
pub mod dashboard;
pub mod deals;
pub mod documents;
pub mod invitations;
pub mod jobs;
pub mod me;
pub mod meetings;
pub mod notifications;
pub mod permissions;
pub mod portals;
pub mod receipts;
pub mod referrals;
pub mod registrations;
pub mod requests;
pub mod scope;
pub mod threads;
pub mod tiers;
pub mod users;

use std::ops::{Deref, DerefMut};
use std::sync::Arc;

use sqlx::{Any, AnyConnection, Transaction};
use tokio::sync::Notify;

use crate::auth::Principal;
use crate::config::Settings;
use crate::db::Db;
use crate::error::ApiError;
use crate::storage::audit::{NewEntry, Outcome};
use crate::storage::jobs::NewJob;
use crate::storage::objects::Objects;

/// What every use case runs against: the database, the settings, and the wake-ups of the
/// background workers that follow a commit.
#[derive(Clone)]
pub struct App {
    pub db: Db,
    pub settings: Arc<Settings>,
    wake: Arc<Wake>,
    /// The encrypted file store; absent where no files are served (most commands, jobs).
    objects: Option<Arc<Objects>>,
}

/// Wake-ups for the background workers, so committed work starts at once rather than at
/// the next poll.
#[derive(Default)]
pub struct Wake {
    pub sealer: Notify,
    pub jobs: Notify,
}

impl App {
    pub fn new(db: Db, settings: Settings) -> App {
        App {
            db,
            settings: Arc::new(settings),
            wake: Arc::new(Wake::default()),
            objects: None,
        }
    }

    /// The same, serving files from `objects`.
    pub fn with_objects(mut self, objects: Objects) -> App {
        self.objects = Some(Arc::new(objects));
        self
    }

    /// The file store.
    pub fn objects(&self) -> Result<&Objects, ApiError> {
        self.objects
            .as_deref()
            .ok_or_else(|| ApiError::Internal(anyhow::anyhow!("no object store configured")))
    }

    /// The workers' wake-ups.
    pub fn wake(&self) -> &Arc<Wake> {
        &self.wake
    }

    /// Starts a use case's transaction.
    pub async fn begin(&self) -> Result<Tx, ApiError> {
        Ok(Tx {
            inner: self.db.begin().await?,
            wake: self.wake.clone(),
            audited: false,
            enqueued: false,
        })
    }

    /// A connection for reads that need no transaction.
    pub async fn read(&self) -> Result<sqlx::pool::PoolConnection<Any>, ApiError> {
        Ok(self.db.pool.acquire().await?)
    }
}

/// A use case's transaction. Audit entries and jobs go through it, so they commit with the
/// change; dropping it without `commit` rolls everything back.
pub struct Tx {
    inner: Transaction<'static, Any>,
    wake: Arc<Wake>,
    audited: bool,
    enqueued: bool,
}

impl Deref for Tx {
    type Target = AnyConnection;
    fn deref(&self) -> &AnyConnection {
        &self.inner
    }
}

impl DerefMut for Tx {
    fn deref_mut(&mut self) -> &mut AnyConnection {
        &mut self.inner
    }
}

impl Tx {
    /// Records what this transaction does, in the same transaction.
    pub async fn audit(&mut self, entry: Audit) -> Result<(), ApiError> {
        crate::storage::audit::record(&mut self.inner, entry.0).await?;
        self.audited = true;
        Ok(())
    }

    /// Enqueues a job that starts only if this transaction commits.
    pub async fn enqueue(&mut self, job: NewJob) -> Result<bool, ApiError> {
        let added = crate::storage::jobs::enqueue(&mut self.inner, &job).await?;
        self.enqueued |= added;
        Ok(added)
    }

    /// Notes that this transaction makes a job runnable, so the worker wakes on commit.
    pub fn mark_enqueued(&mut self) {
        self.enqueued = true;
    }

    /// Commits, then wakes the workers that have something new to do.
    pub async fn commit(self) -> Result<(), ApiError> {
        self.inner.commit().await?;
        if self.audited {
            self.wake.sealer.notify_one();
        }
        if self.enqueued {
            self.wake.jobs.notify_one();
        }
        Ok(())
    }
}

/// The command line, a background job or a test acting for the company as a whole. Its
/// scopes are unlimited, so it is made only where no request is being served: an
/// architecture test keeps `Operator::new` out of `routes/`.
#[derive(Debug, Clone)]
pub struct Operator {
    name: &'static str,
}

impl Operator {
    /// The operator identity of a command or a job (the name is recorded in the audit log).
    pub fn new(name: &'static str) -> Operator {
        Operator { name }
    }
}

/// Where a request came from, for the audit log of callers who are not signed in.
#[derive(Debug, Clone, Default)]
pub struct Origin {
    pub ip: Option<String>,
    pub user_agent: Option<String>,
}

/// Who acts in a use case.
#[derive(Debug, Clone, Copy)]
pub enum Actor<'a> {
    User(&'a Principal),
    Operator(&'a Operator),
    /// Someone not signed in (sign-in, invitation acceptance, access requests).
    Anonymous(&'a Origin),
}

/// An audit entry under construction.
#[derive(Debug, Clone)]
pub struct Audit(NewEntry);

impl Audit {
    /// A successful `action` by `actor`.
    pub fn new(actor: Actor<'_>, action: &str) -> Audit {
        let mut e = NewEntry {
            action: action.to_owned(),
            outcome: Some(Outcome::Success),
            details: serde_json::Value::Null,
            ..NewEntry::default()
        };
        match actor {
            Actor::User(p) => {
                e.actor_id = Some(p.user_id.to_string());
                e.portal_id = p.portal_id.clone().map(String::from);
                e.ip = p.origin.ip.clone();
                e.user_agent = p.origin.user_agent.clone();
            }
            Actor::Operator(o) => {
                e.details = serde_json::json!({ "operator": o.name });
            }
            Actor::Anonymous(origin) => {
                e.ip = origin.ip.clone();
                e.user_agent = origin.user_agent.clone();
            }
        }
        Audit(e)
    }

    /// The object acted on.
    pub fn object(mut self, kind: &str, id: impl Into<String>) -> Audit {
        self.0.object_type = Some(kind.to_owned());
        self.0.object_id = Some(id.into());
        self
    }

    /// The actor, when the use case learns it (a sign-in names its user).
    pub fn actor(mut self, user_id: impl Into<String>) -> Audit {
        self.0.actor_id = Some(user_id.into());
        self
    }

    /// The portal the action happened in.
    pub fn portal(mut self, portal_id: Option<String>) -> Audit {
        if portal_id.is_some() {
            self.0.portal_id = portal_id;
        }
        self
    }

    /// Details worth keeping; merged with the operator's name for operator actions.
    pub fn details(mut self, details: serde_json::Value) -> Audit {
        self.0.details = match (self.0.details.take(), details) {
            (serde_json::Value::Object(mut a), serde_json::Value::Object(b)) => {
                a.extend(b);
                serde_json::Value::Object(a)
            }
            (_, b) => b,
        };
        self
    }

    /// Marks the entry as a refused or failed attempt.
    pub fn outcome(mut self, outcome: Outcome) -> Audit {
        self.0.outcome = Some(outcome);
        self
    }
}

/// A requested page size within the bounds of every list (1-200, default 50).
pub fn page_limit(limit: Option<i64>) -> i64 {
    limit.unwrap_or(50).clamp(1, 200)
}

/// A page of results and the cursor of the next one.
pub struct Page<T> {
    pub items: Vec<T>,
    pub next_cursor: Option<String>,
}

/// Cuts one extra fetched row off `items` and names the cursor after the last kept one.
pub fn page<T>(mut items: Vec<T>, limit: i64, cursor_of: impl Fn(&T) -> String) -> Page<T> {
    let next_cursor = if items.len() as i64 > limit {
        items.truncate(limit as usize);
        items.last().map(&cursor_of)
    } else {
        None
    };
    Page { items, next_cursor }
}
