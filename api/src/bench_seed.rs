//! `portcullis seed-bench`: the reference workload of DESIGN.md's performance targets, on an
//! empty database of either backend: 20,000 accounts (2,000 partners), 100,000 users,
//! 1,000,000 deals with their partner links, team, reach and 3,000,000 timeline events.
//!
//! The data are made up by a small deterministic generator (the same seed gives the same
//! shape on every run and backend) and written in multi-row INSERTs inside large
//! transactions. Partner links are skewed as real channels are: the busiest partner is linked
//! to about 13,500 deals, the median partner to about 200. Each deal's `deal_reach` rows are
//! written set-wise, one statement per audience kind, exactly as `storage::deals::sync_reach`
//! writes them for one deal. The secondary indexes of the three big tables are dropped for the
//! load and built again at the end (their definitions are read from the catalogue, so they are
//! the migrations' own), which is many times faster than maintaining them row by row.

use std::fmt::Write as _;
use std::io::Write as _;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use portcullis_shared::deals::StageCategory;
use portcullis_shared::{PortalKind, Role};
use sqlx::{AnyConnection, Connection, Executor, Row};

use crate::auth::password::Hasher;
use crate::db::{Backend, Db};
use crate::storage::deals as deal_store;
use crate::storage::portals;
use crate::time;

/// The password of every bench user (printed by the command).
pub const BENCH_PASSWORD: &str = "portcullis-bench-2026";

/// Every bench user's email ends with this, so the bench finds them and a second seed is
/// refused.
pub const EMAIL_DOMAIN: &str = "bench.example";

/// How much to create.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Size {
    pub partners: usize,
    pub customers: usize,
    pub admins: usize,
    pub managers: usize,
    pub channel_managers: usize,
    pub sales_reps: usize,
    /// Every user, internal and external.
    pub users: usize,
    pub deals: usize,
    /// Share of deals with a partner link, in percent.
    pub partnered_percent: usize,
    pub events: usize,
}

impl Size {
    /// The reference workload of DESIGN.md.
    pub const FULL: Size = Size {
        partners: 2_000,
        customers: 18_000,
        admins: 5,
        managers: 10,
        channel_managers: 40,
        sales_reps: 400,
        users: 100_000,
        deals: 1_000_000,
        partnered_percent: 60,
        events: 3_000_000,
    };

    /// The reference workload divided by `divisor` (at least one of each kind of user), for
    /// quick trials and tests.
    pub fn scaled_down(divisor: usize) -> Size {
        let d = divisor.max(1);
        let f = Size::FULL;
        Size {
            partners: (f.partners / d).max(2),
            customers: (f.customers / d).max(2),
            admins: (f.admins / d).max(1),
            managers: (f.managers / d).max(1),
            channel_managers: (f.channel_managers / d).max(1),
            sales_reps: (f.sales_reps / d).max(2),
            users: (f.users / d).max(40),
            deals: (f.deals / d).max(20),
            partnered_percent: f.partnered_percent,
            events: (f.events / d).max(40),
        }
    }

    fn internal(&self) -> usize {
        self.admins + self.managers + self.channel_managers + self.sales_reps
    }
}

/// What seeding made, and how long it took.
#[derive(Debug, Clone)]
pub struct SeedReport {
    pub accounts: usize,
    pub users: usize,
    pub deals: usize,
    pub partner_links: usize,
    pub reach_rows: i64,
    pub events: usize,
    /// Deals of the busiest partner and of the median one.
    pub busiest_partner_deals: usize,
    pub median_partner_deals: usize,
    pub elapsed: Duration,
}

// ---------------------------------------------------------------------------------------
// A small deterministic generator (xorshift64*): no dependency, the same data every run.

struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Rng {
        Rng(seed.max(1))
    }

    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// Uniform in `0..n`.
    fn below(&mut self, n: usize) -> usize {
        ((u128::from(self.next()) * n as u128) >> 64) as usize
    }

    /// Uniform in `[0, 1)`.
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }

    fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    /// An index drawn with the given weights.
    fn weighted(&mut self, weights: &[u32]) -> usize {
        let total: u32 = weights.iter().sum();
        let mut r = self.below(total as usize) as u32;
        for (i, w) in weights.iter().enumerate() {
            if r < *w {
                return i;
            }
            r -= w;
        }
        weights.len() - 1
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }

    /// A UUIDv7 string for `micros`, its random part from this generator.
    fn uuid_v7(&mut self, micros: i64) -> String {
        let mut bytes = [0u8; 10];
        bytes[..8].copy_from_slice(&self.next().to_le_bytes());
        bytes[8..].copy_from_slice(&self.next().to_le_bytes()[..2]);
        uuid::Builder::from_unix_timestamp_millis((micros / 1000).max(0) as u64, &bytes)
            .into_uuid()
            .to_string()
    }

    fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            let j = self.below(i + 1);
            items.swap(i, j);
        }
    }
}

// ---------------------------------------------------------------------------------------
// Multi-row INSERTs

/// A bound value.
enum V {
    Text(String),
    OptText(Option<String>),
    Int(i64),
    OptInt(Option<i64>),
}

fn t(s: impl Into<String>) -> V {
    V::Text(s.into())
}

/// Rows for one table, sent as `INSERT … VALUES (…), (…), …` of `per_statement` rows.
///
/// PostgreSQL gets bound parameters, one prepared statement for every full batch. SQLite
/// gets the values written into the statement: the `$n` placeholders the `Any` driver uses
/// are named parameters to SQLite, which it looks up by a linear search, so binding
/// thousands of them costs time quadratic in their number (seconds a statement), while
/// literals parse in linear time. The values are the generator's own (numbers and plain
/// text), quoted as SQL string literals all the same.
struct Batch {
    table: &'static str,
    columns: &'static [&'static str],
    backend: Backend,
    per_statement: usize,
    full_sql: String,
    values: Vec<V>,
    rows: usize,
    written: usize,
}

impl Batch {
    fn new(table: &'static str, columns: &'static [&'static str], backend: Backend) -> Batch {
        let per_statement = 1000.min(30_000 / columns.len());
        Batch {
            table,
            columns,
            backend,
            per_statement,
            full_sql: insert_sql(table, columns, per_statement),
            values: Vec::with_capacity(per_statement * columns.len()),
            rows: 0,
            written: 0,
        }
    }

    async fn row(
        &mut self,
        conn: &mut AnyConnection,
        values: impl IntoIterator<Item = V>,
    ) -> Result<(), sqlx::Error> {
        let before = self.values.len();
        self.values.extend(values);
        debug_assert_eq!(self.values.len() - before, self.columns.len());
        self.rows += 1;
        if self.rows == self.per_statement {
            self.flush(conn).await?;
        }
        Ok(())
    }

    async fn flush(&mut self, conn: &mut AnyConnection) -> Result<(), sqlx::Error> {
        if self.rows == 0 {
            return Ok(());
        }
        if self.backend == Backend::Sqlite {
            let mut sql = String::with_capacity(self.values.len() * 24 + 100);
            let _ = write!(
                sql,
                "INSERT INTO {} ({}) VALUES ",
                self.table,
                self.columns.join(", ")
            );
            for (i, v) in self.values.drain(..).enumerate() {
                let column = i % self.columns.len();
                sql.push_str(match (i, column) {
                    (0, _) => "(",
                    (_, 0) => "), (",
                    _ => ", ",
                });
                match v {
                    V::Text(s) | V::OptText(Some(s)) => {
                        sql.push('\'');
                        sql.push_str(&s.replace('\'', "''"));
                        sql.push('\'');
                    }
                    V::Int(n) | V::OptInt(Some(n)) => {
                        let _ = write!(sql, "{n}");
                    }
                    V::OptText(None) | V::OptInt(None) => sql.push_str("NULL"),
                }
            }
            sql.push(')');
            sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
                .execute(&mut *conn)
                .await?;
        } else {
            let sql = if self.rows == self.per_statement {
                self.full_sql.clone()
            } else {
                insert_sql(self.table, self.columns, self.rows)
            };
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
            for v in self.values.drain(..) {
                q = match v {
                    V::Text(s) => q.bind(s),
                    V::OptText(s) => q.bind(s),
                    V::Int(n) => q.bind(n),
                    V::OptInt(n) => q.bind(n),
                };
            }
            q.execute(&mut *conn).await?;
        }
        self.written += self.rows;
        self.rows = 0;
        Ok(())
    }
}

fn insert_sql(table: &str, columns: &[&str], rows: usize) -> String {
    let mut sql = format!("INSERT INTO {table} ({}) VALUES ", columns.join(", "));
    let mut n = 0;
    for r in 0..rows {
        sql.push_str(if r == 0 { "(" } else { ", (" });
        for c in 0..columns.len() {
            n += 1;
            let _ = write!(sql, "{}${n}", if c == 0 { "" } else { ", " });
        }
        sql.push(')');
    }
    sql
}

/// Progress lines, at most one every two seconds per stage (and its last).
struct Progress {
    started: Instant,
    last: Instant,
}

impl Progress {
    fn since(started: Instant) -> Progress {
        Progress {
            started,
            last: Instant::now() - Duration::from_secs(10),
        }
    }

    fn show(&mut self, stage: &str, done: usize, total: usize) {
        if done < total && self.last.elapsed() < Duration::from_secs(2) {
            return;
        }
        self.last = Instant::now();
        let width = 40;
        let filled = (done * width).checked_div(total).unwrap_or(width);
        let mut out = std::io::stdout().lock();
        let _ = writeln!(
            out,
            "  [{}{}] {stage:<22} {done:>9} / {total:<9} {:>7.1} s",
            "#".repeat(filled),
            "-".repeat(width - filled),
            self.started.elapsed().as_secs_f64()
        );
    }

    fn note(&self, what: &str) {
        let _ = writeln!(
            std::io::stdout().lock(),
            "  {what:<65} {:>7.1} s",
            self.started.elapsed().as_secs_f64()
        );
    }
}

// ---------------------------------------------------------------------------------------
// The made-up world

const SYLLABLES: [&str; 24] = [
    "al", "bar", "cor", "dex", "el", "fin", "gra", "hal", "ion", "jor", "kel", "lum", "mar", "nor",
    "ost", "pra", "qui", "ros", "sol", "tor", "ul", "vex", "wen", "zan",
];
const TRADES: [&str; 10] = [
    "Dynamics",
    "Logistics",
    "Foods",
    "Energy",
    "Systems",
    "Health",
    "Robotics",
    "Textiles",
    "Analytics",
    "Marine",
];
const LEGAL_FORMS: [&str; 8] = ["Inc", "GmbH", "Ltd", "S.A.", "LLC", "AG", "K.K.", "Corp."];
const TLDS: [&str; 6] = ["com", "de", "co.uk", "fr", "io", "com.au"];

/// The `i`-th generated company name, the same every run: three syllables, a trade and a
/// legal form ("Dexmarsol Logistics GmbH"), so names spread over the conflict check's keys
/// as real ones do.
pub fn company_name(i: usize) -> String {
    let mut rng = Rng::new(0xC0_4A_17 ^ (i as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15));
    let mut name = String::new();
    for _ in 0..3 {
        name.push_str(SYLLABLES[rng.below(SYLLABLES.len())]);
    }
    let mut word = name[..1].to_uppercase();
    word.push_str(&name[1..]);
    format!("{word} {} {}", rng.pick(&TRADES), rng.pick(&LEGAL_FORMS))
}

/// A website for a generated company name.
fn website_of(name: &str, i: usize) -> String {
    let slug: String = name
        .split(' ')
        .take(2)
        .collect::<Vec<_>>()
        .join("-")
        .to_lowercase();
    format!("https://www.{slug}.{}/", TLDS[i % TLDS.len()])
}

const REGIONS: [&str; 4] = ["EMEA", "NA", "APAC", "LATAM"];
const REGION_WEIGHTS: [u32; 4] = [35, 35, 20, 10];
const FIRST_NAMES: [&str; 16] = [
    "Ada", "Bruno", "Chiara", "Dmitri", "Elena", "Farid", "Grace", "Hiro", "Ines", "Jonas", "Kemi",
    "Lars", "Mei", "Nadia", "Omar", "Priya",
];
const LAST_NAMES: [&str; 16] = [
    "Alvarez", "Becker", "Chen", "Dubois", "Eriksen", "Fischer", "Garcia", "Haddad", "Ito",
    "Jansen", "Kowalski", "Lopez", "Moreau", "Novak", "Okafor", "Patel",
];
const PRODUCTS: [&str; 8] = [
    "Platform licence",
    "Renewal",
    "Expansion",
    "Professional services",
    "Support upgrade",
    "Pilot",
    "Migration",
    "Enterprise agreement",
];
const CURRENCIES: [&str; 5] = ["USD", "EUR", "GBP", "CAD", "AUD"];
const CURRENCY_WEIGHTS: [u32; 5] = [55, 25, 10, 5, 5];
const NEXT_STEPS: [&str; 5] = [
    "Schedule the technical review with the customer's IT team.",
    "Send the revised proposal and pricing.",
    "Agree the rollout plan and dates.",
    "Security questionnaire due back next week.",
    "Legal review of the order form.",
];
const NOTES: [&str; 4] = [
    "Call went well; the buying committee meets on Thursday.",
    "Shared the case study they asked for.",
    "Budget confirmed for this quarter.",
    "Procurement asked for a discount; holding firm.",
];
/// How often each stage (in pipeline order) is a deal's current stage.
const STAGE_WEIGHTS: [u32; 6] = [18, 14, 12, 8, 26, 22];

/// Deals per partner: a Zipf-like curve, `a + k^-s` for the partner of rank k, fitted so that
/// of 600,000 partnered deals over 2,000 partners the busiest has about 13,500 and the median
/// about 200. Largest remainders make the counts add up to `total` exactly.
fn partner_deal_counts(partners: usize, total: usize) -> Vec<usize> {
    const S: f64 = 0.677;
    const FLOOR: f64 = 0.005_588;
    let weights: Vec<f64> = (1..=partners)
        .map(|k| FLOOR + (k as f64).powf(-S))
        .collect();
    let sum: f64 = weights.iter().sum();
    let exact: Vec<f64> = weights.iter().map(|w| w / sum * total as f64).collect();
    let mut counts: Vec<usize> = exact.iter().map(|e| e.floor() as usize).collect();
    let mut short = total - counts.iter().sum::<usize>();
    let mut order: Vec<usize> = (0..partners).collect();
    order.sort_by(|&a, &b| {
        (exact[b] - exact[b].floor())
            .partial_cmp(&(exact[a] - exact[a].floor()))
            .unwrap_or(std::cmp::Ordering::Equal)
    });
    for i in order {
        if short == 0 {
            break;
        }
        counts[i] += 1;
        short -= 1;
    }
    counts
}

fn date_of(micros: i64) -> String {
    chrono::DateTime::from_timestamp_micros(micros)
        .map(|d| d.date_naive().format("%Y-%m-%d").to_string())
        .unwrap_or_else(|| "2026-01-01".into())
}

const DAY: i64 = 86_400 * 1_000_000;

/// A user to write: (id, email, name, role, account index, regions).
struct NewUser {
    id: String,
    email: String,
    name: String,
    role: Role,
    account: Option<usize>,
    regions: Option<String>,
}

/// An event to write, before its id is drawn (events are written in time order, so that
/// their UUIDv7 keys arrive in order as they would in life).
struct Ev {
    at: i64,
    deal: u32,
    kind: u8,
    actor: u32,
}

/// Refuses a database that already has deals or bench users.
async fn check_empty(conn: &mut AnyConnection) -> anyhow::Result<()> {
    let deals: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM deals")
        .fetch_one(&mut *conn)
        .await?;
    if deals > 0 {
        bail!(
            "the database already has {deals} deals; seed-bench fills an empty database \
             (drop it, or point DATABASE_URL at a new one)"
        );
    }
    let bench_users: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM users WHERE email_normalized LIKE $1")
            .bind(format!("%@{EMAIL_DOMAIN}"))
            .fetch_one(&mut *conn)
            .await?;
    if bench_users > 0 {
        bail!(
            "the database already has {bench_users} bench users from an earlier, unfinished \
             seed; drop it and seed again"
        );
    }
    Ok(())
}

async fn published_portal(
    conn: &mut AnyConnection,
    kind: PortalKind,
) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT id FROM portals WHERE kind = $1 AND published = 1 ORDER BY created_at, id LIMIT 1",
    )
    .bind(kind.as_str())
    .fetch_optional(&mut *conn)
    .await
}

/// The first published portal of a kind, created from the demo's when there is none.
async fn portal_of_kind(conn: &mut AnyConnection, kind: PortalKind) -> anyhow::Result<String> {
    if let Some(id) = published_portal(conn, kind).await? {
        return Ok(id);
    }
    for portal in crate::seed::demo_portals()
        .into_iter()
        .filter(|p| p.kind == kind)
    {
        portals::insert_if_absent(conn, &portal).await?;
    }
    published_portal(conn, kind)
        .await?
        .with_context(|| format!("no published {} portal could be created", kind.as_str()))
}

/// The secondary (non-constraint) indexes of the big tables: (name, definition).
async fn secondary_indexes(
    conn: &mut AnyConnection,
    backend: Backend,
) -> Result<Vec<(String, String)>, sqlx::Error> {
    let sql = match backend {
        Backend::Postgres => {
            "SELECT indexname::text, indexdef FROM pg_indexes WHERE schemaname = current_schema() \
             AND tablename IN ('deals', 'deal_reach', 'deal_events') \
             AND indexname NOT IN (SELECT conname FROM pg_constraint) ORDER BY indexname"
        }
        Backend::Sqlite => {
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' \
             AND tbl_name IN ('deals', 'deal_reach', 'deal_events') AND sql IS NOT NULL \
             ORDER BY name"
        }
    };
    let rows = sqlx::query(sql).fetch_all(&mut *conn).await?;
    rows.iter()
        .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
        .collect()
}

async fn create_indexes(
    conn: &mut AnyConnection,
    indexes: &[(String, String)],
) -> Result<(), sqlx::Error> {
    for (_, def) in indexes {
        conn.execute(sqlx::AssertSqlSafe(def.clone())).await?;
    }
    Ok(())
}

/// Fills an empty database with the reference workload.
pub async fn seed_bench(db: &Db, size: Size) -> anyhow::Result<SeedReport> {
    let started = Instant::now();
    // A connection of its own, closed at the end: the bulk-load settings below never reach
    // the pool.
    let mut conn = db.pool.acquire().await?.detach();
    check_empty(&mut conn).await?;
    // One hash for every user, computed once.
    let hash = Hasher::new()?.hash(BENCH_PASSWORD.to_owned()).await?;

    // Bulk-load settings for this connection only.
    match db.backend {
        Backend::Sqlite => {
            conn.execute(
                "PRAGMA foreign_keys = OFF; PRAGMA synchronous = OFF; \
                 PRAGMA cache_size = -1048576; PRAGMA temp_store = MEMORY;",
            )
            .await?;
        }
        Backend::Postgres => {
            conn.execute(
                "SET synchronous_commit = off; SET maintenance_work_mem = '512MB'; \
                 SET work_mem = '256MB'",
            )
            .await?;
            // Foreign keys are checked by triggers, one query per row; the rows are
            // consistent by construction, so a superuser skips them. Others just wait longer.
            let _ = conn.execute("SET session_replication_role = replica").await;
        }
    }
    let indexes = secondary_indexes(&mut conn, db.backend).await?;
    {
        let mut tx = conn.begin().await?;
        for (name, _) in &indexes {
            tx.execute(sqlx::AssertSqlSafe(format!("DROP INDEX \"{name}\"")))
                .await?;
        }
        tx.commit().await?;
    }
    let loaded = load(&mut conn, db.backend, size, &hash, started).await;
    if loaded.is_err() {
        // Leave the schema whole even when the data are not.
        let _ = create_indexes(&mut conn, &indexes).await;
        return loaded;
    }
    let mut report = loaded?;
    let progress = Progress::since(started);
    progress.note(&format!(
        "building {} indexes dropped for the load",
        indexes.len()
    ));
    create_indexes(&mut conn, &indexes).await?;
    // Partner organisations start at the entry tier, as the app creates them.
    conn.execute(
        "UPDATE accounts SET tier_id = (SELECT id FROM partner_tiers ORDER BY rank LIMIT 1) \
         WHERE kind = 'partner' AND tier_id IS NULL",
    )
    .await?;
    progress.note("ANALYZE");
    conn.execute("ANALYZE").await?;
    if db.backend == Backend::Sqlite {
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").await?;
    }
    conn.close().await?;
    progress.note("conflict-check keys of the accounts");
    crate::app::registrations::index_unindexed_accounts(db)
        .await
        .map_err(|e| anyhow::anyhow!("indexing accounts: {e}"))?;
    report.elapsed = started.elapsed();
    Ok(report)
}

async fn load(
    conn: &mut AnyConnection,
    backend: Backend,
    size: Size,
    hash: &str,
    started: Instant,
) -> anyhow::Result<SeedReport> {
    let mut progress = Progress::since(started);
    let mut rng = Rng::new(0x5EED_BE4C_2026);
    let now = time::now();
    let year = 365 * DAY;

    let customer_portal = portal_of_kind(conn, PortalKind::Customer).await?;
    let partner_portal = portal_of_kind(conn, PortalKind::Partner).await?;
    let stages = deal_store::stages(conn).await?;
    if stages.is_empty() {
        bail!("the pipeline has no stages");
    }
    let stage_weights: Vec<u32> = (0..stages.len())
        .map(|i| STAGE_WEIGHTS.get(i).copied().unwrap_or(10))
        .collect();

    // ---- accounts
    let partnered_deals = size.deals * size.partnered_percent / 100;
    let partner_counts = partner_deal_counts(size.partners, partnered_deals);
    let accounts_total = size.partners + size.customers;
    let mut account_ids = Vec::with_capacity(accounts_total);
    let mut account_regions = Vec::with_capacity(accounts_total);
    let mut account_names = Vec::with_capacity(accounts_total);
    for i in 0..accounts_total {
        let created = now - 5 * year + (i as i64) * (2 * year / accounts_total as i64);
        account_ids.push(rng.uuid_v7(created));
        account_regions.push(REGIONS[rng.weighted(&REGION_WEIGHTS)]);
        account_names.push(if i < size.partners {
            format!("Partner {:04} Solutions", i + 1)
        } else {
            company_name(i - size.partners)
        });
    }
    // Internal users first: customer accounts name their owning rep.
    let mut users: Vec<NewUser> = Vec::with_capacity(size.users);
    let person = |rng: &mut Rng| format!("{} {}", rng.pick(&FIRST_NAMES), rng.pick(&LAST_NAMES));
    for (role, count, prefix) in [
        (Role::Admin, size.admins, "admin"),
        (Role::Manager, size.managers, "manager"),
        (Role::ChannelManager, size.channel_managers, "channel"),
        (Role::SalesRep, size.sales_reps, "rep"),
    ] {
        for n in 0..count {
            // A quarter of channel managers look after one region.
            let regions = (role == Role::ChannelManager && n % 4 == 3)
                .then(|| REGIONS[n / 4 % REGIONS.len()].to_owned());
            users.push(NewUser {
                id: rng.uuid_v7(now - 4 * year + users.len() as i64 * DAY),
                email: format!("{prefix}{n:05}@{EMAIL_DOMAIN}"),
                name: person(&mut rng),
                role,
                account: None,
                regions,
            });
        }
    }
    let reps: Vec<usize> =
        (size.admins + size.managers + size.channel_managers..size.internal()).collect();
    let customer_owner: Vec<usize> = (0..size.customers).map(|_| *rng.pick(&reps)).collect();
    // Partner organisations: one administrator each, and users in proportion to their deals.
    let mut partner_users: Vec<Vec<u32>> = vec![Vec::new(); size.partners];
    let mut external = 0;
    for (p, users_of) in partner_users.iter_mut().enumerate() {
        let n = 1 + (partner_counts[p] / 40).max(2);
        for k in 0..n {
            users_of.push(users.len() as u32);
            users.push(NewUser {
                id: rng.uuid_v7(now - 3 * year + external * 60_000_000),
                email: format!("partner{external:06}@{EMAIL_DOMAIN}"),
                name: person(&mut rng),
                role: if k == 0 {
                    Role::PartnerAdmin
                } else {
                    Role::PartnerUser
                },
                account: Some(p),
                regions: None,
            });
            external += 1;
        }
    }
    // Customer accounts: one user each, the rest spread at random.
    let customer_users = size.users.saturating_sub(users.len()).max(size.customers);
    let mut per_customer = vec![1usize; size.customers];
    for _ in size.customers..customer_users {
        per_customer[rng.below(size.customers)] += 1;
    }
    for (c, n) in per_customer.iter().enumerate() {
        for _ in 0..*n {
            users.push(NewUser {
                id: rng.uuid_v7(now - 3 * year + external * 60_000_000),
                email: format!("customer{external:06}@{EMAIL_DOMAIN}"),
                name: person(&mut rng),
                role: Role::CustomerUser,
                account: Some(size.partners + c),
                regions: None,
            });
            external += 1;
        }
    }

    let mut tx = conn.begin().await?;
    let mut accounts = Batch::new(
        "accounts",
        &[
            "id",
            "kind",
            "name",
            "domain",
            "region",
            "owner_user_id",
            "partner_deal_visibility",
            "created_at",
            "updated_at",
        ],
        backend,
    );
    for i in 0..accounts_total {
        let partner = i < size.partners;
        let created = now - 5 * year + (i as i64) * (2 * year / accounts_total as i64);
        // Some smaller partner organisations show their users only their own deals.
        let own = partner && i >= 20 && rng.chance(0.05);
        accounts
            .row(
                &mut tx,
                [
                    t(account_ids[i].clone()),
                    t(if partner { "partner" } else { "customer" }),
                    t(account_names[i].clone()),
                    t(format!("a{i:05}.{EMAIL_DOMAIN}")),
                    t(account_regions[i]),
                    V::OptText(
                        (!partner).then(|| users[customer_owner[i - size.partners]].id.clone()),
                    ),
                    t(if own { "own" } else { "organisation" }),
                    V::Int(created),
                    V::Int(created),
                ],
            )
            .await?;
    }
    accounts.flush(&mut tx).await?;
    progress.show("accounts", accounts_total, accounts_total);
    let mut user_batch = Batch::new(
        "users",
        &[
            "id",
            "email",
            "email_normalized",
            "name",
            "role",
            "account_id",
            "portal_id",
            "status",
            "password_hash",
            "regions",
            "created_at",
            "updated_at",
        ],
        backend,
    );
    for (i, u) in users.iter().enumerate() {
        let created = now - 3 * year + (i as i64) * 600_000_000;
        let portal = match u.role {
            Role::CustomerUser => Some(customer_portal.clone()),
            Role::PartnerUser | Role::PartnerAdmin => Some(partner_portal.clone()),
            _ => None,
        };
        user_batch
            .row(
                &mut tx,
                [
                    t(u.id.clone()),
                    t(u.email.clone()),
                    t(u.email.clone()),
                    t(u.name.clone()),
                    t(u.role.as_str()),
                    V::OptText(u.account.map(|a| account_ids[a].clone())),
                    V::OptText(portal),
                    t("active"),
                    t(hash),
                    V::OptText(u.regions.clone()),
                    V::Int(created),
                    V::Int(created),
                ],
            )
            .await?;
        if i % 10_000 == 0 {
            progress.show("users", i, users.len());
        }
    }
    user_batch.flush(&mut tx).await?;
    tx.commit().await?;
    progress.show("users", users.len(), users.len());

    // ---- deals, their partner links and team
    // Which deals are partnered, and with whom: every partner's exact count, shuffled.
    let mut slots: Vec<u32> = Vec::with_capacity(size.deals);
    for (p, n) in partner_counts.iter().enumerate() {
        slots.extend(std::iter::repeat_n(p as u32, *n));
    }
    slots.resize(size.deals, u32::MAX);
    rng.shuffle(&mut slots);
    // Extra timeline events beyond each deal's "created", spread at random.
    let mut extra_events = vec![0u8; size.deals];
    for _ in 0..size.events.saturating_sub(size.deals) {
        let d = rng.below(size.deals);
        extra_events[d] = extra_events[d].saturating_add(1);
    }
    let mut deal_ids: Vec<String> = Vec::with_capacity(size.deals);
    let mut events: Vec<Ev> = Vec::with_capacity(size.events);
    let mut deals = Batch::new(
        "deals",
        &[
            "id",
            "account_id",
            "name",
            "stage_id",
            "amount_minor",
            "currency",
            "amount_shared",
            "expected_close_date",
            "owner_id",
            "source",
            "shared",
            "next_steps",
            "internal_tags",
            "region",
            "external_id",
            "created_at",
            "updated_at",
            "closed_at",
            "shared_changed_at",
            "version",
        ],
        backend,
    );
    let mut links = Batch::new(
        "deal_partners",
        &[
            "deal_id",
            "account_id",
            "role",
            "partner_user_id",
            "created_at",
        ],
        backend,
    );
    let mut team = Batch::new("deal_team", &["deal_id", "user_id"], backend);
    let span = 3 * year;
    let step = (span / size.deals as i64).max(1);
    let chunk = 50_000;
    let mut tx = conn.begin().await?;
    for d in 0..size.deals {
        // Created in order over three years, so ids arrive in key order.
        let created = now - span + d as i64 * step + rng.below(step as usize) as i64;
        let id = rng.uuid_v7(created);
        let updated = created + ((now - created) as f64 * rng.unit().sqrt()) as i64;
        let c = (size.customers as f64 * rng.unit().powf(1.6)) as usize;
        let account = size.partners + c.min(size.customers - 1);
        let owner = if rng.chance(0.85) {
            customer_owner[c.min(size.customers - 1)]
        } else {
            *rng.pick(&reps)
        };
        let stage_i = rng.weighted(&stage_weights);
        let stage = &stages[stage_i];
        let closed = stage.category != StageCategory::Open;
        let close_date = if closed {
            Some(date_of(updated))
        } else if rng.chance(0.97) {
            Some(date_of(now + rng.below(365) as i64 * DAY))
        } else {
            None
        };
        let (amount, currency) = if rng.chance(0.96) {
            let units = 1000.0 * 10f64.powf(rng.unit() * 2.7);
            (
                Some((units as i64 / 100) * 100 * 100),
                Some(CURRENCIES[rng.weighted(&CURRENCY_WEIGHTS)]),
            )
        } else {
            (None, None)
        };
        let shared = rng.chance(0.3);
        let amount_shared = shared && amount.is_some() && rng.chance(0.5);
        let partner = (slots[d] != u32::MAX).then_some(slots[d] as usize);
        let (source, role) = match partner {
            None => ("direct", ""),
            Some(_) => match rng.below(100) {
                0..65 => ("partner", "registered"),
                65..85 => ("referral", "referral"),
                85..93 => ("direct", "co_sell"),
                _ => ("direct", "influenced"),
            },
        };
        deals
            .row(
                &mut tx,
                [
                    t(id.clone()),
                    t(account_ids[account].clone()),
                    t(format!(
                        "{} - {}",
                        account_names[account],
                        rng.pick(&PRODUCTS)
                    )),
                    t(stage.id.clone()),
                    V::OptInt(amount),
                    V::OptText(currency.map(str::to_owned)),
                    V::Int(i64::from(amount_shared)),
                    V::OptText(close_date),
                    t(users[owner].id.clone()),
                    t(source),
                    V::Int(i64::from(shared)),
                    V::OptText(rng.chance(0.4).then(|| rng.pick(&NEXT_STEPS).to_string())),
                    V::OptText(rng.chance(0.15).then(|| {
                        if rng.chance(0.5) {
                            "strategic".to_owned()
                        } else {
                            "renewal,expansion".to_owned()
                        }
                    })),
                    t(account_regions[account]),
                    V::OptText(rng.chance(0.7).then(|| format!("CRM-{d:07}"))),
                    V::Int(created),
                    V::Int(updated),
                    V::OptInt(closed.then_some(updated)),
                    V::OptInt(shared.then_some(updated)),
                    V::Int(1),
                ],
            )
            .await?;
        if let Some(p) = partner {
            let responsible = *rng.pick(&partner_users[p]) as usize;
            links
                .row(
                    &mut tx,
                    [
                        t(id.clone()),
                        t(account_ids[p].clone()),
                        t(role),
                        V::OptText(Some(users[responsible].id.clone())),
                        V::Int(created),
                    ],
                )
                .await?;
        }
        if rng.chance(0.1) {
            let mut member = *rng.pick(&reps);
            if member == owner {
                member =
                    reps[(reps.iter().position(|r| *r == owner).unwrap_or(0) + 1) % reps.len()];
            }
            if member != owner {
                team.row(&mut tx, [t(id.clone()), t(users[member].id.clone())])
                    .await?;
            }
        }
        // The timeline: "created", then changes between creation and the last update.
        let deal = d as u32;
        events.push(Ev {
            at: created,
            deal,
            kind: 0,
            actor: owner as u32,
        });
        for _ in 0..extra_events[d] {
            events.push(Ev {
                at: created + ((updated - created) as f64 * rng.unit()) as i64,
                deal,
                kind: 1 + rng.below(8) as u8,
                actor: if partner.is_some() && rng.chance(0.2) {
                    *rng.pick(&partner_users[partner.unwrap_or(0)])
                } else {
                    owner as u32
                },
            });
        }
        deal_ids.push(id);
        if (d + 1) % chunk == 0 || d + 1 == size.deals {
            deals.flush(&mut tx).await?;
            links.flush(&mut tx).await?;
            team.flush(&mut tx).await?;
            tx.commit().await?;
            tx = conn.begin().await?;
            progress.show("deals", d + 1, size.deals);
        }
    }
    tx.commit().await?;

    // ---- reach: what sync_reach writes for each deal, one audience kind at a time
    // (what, the audience, the rows it is drawn from): the nine parts of sync_reach's union.
    let reach_parts: [(&str, &str, &str); 9] = [
        ("all", "'all'", "FROM deals d"),
        ("owners", "'u:' || d.owner_id", "FROM deals d"),
        (
            "deal teams",
            "'u:' || t.user_id",
            "FROM deal_team t JOIN deals d ON d.id = t.deal_id",
        ),
        ("accounts", "'a:' || d.account_id", "FROM deals d"),
        (
            "shared to customers",
            "'c:' || d.account_id",
            "FROM deals d WHERE d.shared = 1",
        ),
        (
            "regions",
            "'r:' || d.region",
            "FROM deals d WHERE d.region IS NOT NULL",
        ),
        (
            "partner organisations",
            "'p:' || p.account_id",
            "FROM deal_partners p JOIN deals d ON d.id = p.deal_id",
        ),
        (
            "responsible partners",
            "'pu:' || p.partner_user_id",
            "FROM deal_partners p JOIN deals d ON d.id = p.deal_id \
             WHERE p.partner_user_id IS NOT NULL",
        ),
        (
            "partnered",
            "'partnered'",
            "FROM deals d WHERE EXISTS (SELECT 1 FROM deal_partners p WHERE p.deal_id = d.id)",
        ),
    ];
    for (i, (what, audience, rows)) in reach_parts.iter().enumerate() {
        // In key order, so the primary key grows at its end.
        let sql = format!(
            "INSERT INTO deal_reach (reach, deal_id, updated_at, close_on, amount_minor) \
             SELECT {audience}, d.id, d.updated_at, COALESCE(d.expected_close_date, '9999-12-31'), \
             COALESCE(d.amount_minor, -1) {rows} ORDER BY 1, 2"
        );
        let mut tx = conn.begin().await?;
        tx.execute(sqlx::AssertSqlSafe(sql)).await?;
        tx.commit().await?;
        progress.show(&format!("reach: {what}"), i + 1, reach_parts.len());
    }
    let reach_rows: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM deal_reach")
        .fetch_one(&mut *conn)
        .await?;

    // ---- the timeline, in time order
    events.sort_unstable_by_key(|e| (e.at, e.deal));
    let mut batch = Batch::new(
        "deal_events",
        &[
            "id", "deal_id", "at", "kind", "shared", "actor_id", "body", "details",
        ],
        backend,
    );
    let stage_names: Vec<&str> = stages.iter().map(|s| s.name.as_str()).collect();
    let mut tx = conn.begin().await?;
    let total = events.len();
    for (i, e) in events.iter().enumerate() {
        let (kind, shared, body, details) = match e.kind {
            0 => (
                "created",
                0,
                None,
                serde_json::json!({ "stage": stage_names[0] }).to_string(),
            ),
            1 | 2 => {
                let from = rng.below(stage_names.len().saturating_sub(1).max(1));
                (
                    "stage_changed",
                    1,
                    None,
                    serde_json::json!({ "from": stage_names[from], "to": stage_names[(from + 1).min(stage_names.len() - 1)] })
                        .to_string(),
                )
            }
            3 => (
                "note",
                1,
                Some(rng.pick(&NOTES).to_string()),
                "{}".to_owned(),
            ),
            4 => (
                "note",
                0,
                Some(rng.pick(&NOTES).to_string()),
                "{}".to_owned(),
            ),
            5 => (
                "close_date_changed",
                1,
                None,
                serde_json::json!({ "from": date_of(e.at + 30 * DAY), "to": date_of(e.at + 60 * DAY) })
                    .to_string(),
            ),
            6 => ("next_steps_changed", 1, None, "{}".to_owned()),
            7 => (
                "amount_changed",
                0,
                None,
                serde_json::json!({ "from": "USD 40000.00", "to": "USD 45000.00" }).to_string(),
            ),
            _ => ("note", 0, Some(rng.pick(&NOTES).to_string()), "{}".to_owned()),
        };
        batch
            .row(
                &mut tx,
                [
                    t(rng.uuid_v7(e.at)),
                    t(deal_ids[e.deal as usize].clone()),
                    V::Int(e.at),
                    t(kind),
                    V::Int(shared),
                    V::OptText(Some(users[e.actor as usize].id.clone())),
                    V::OptText(body),
                    t(details),
                ],
            )
            .await?;
        if (i + 1) % (chunk * 2) == 0 {
            batch.flush(&mut tx).await?;
            tx.commit().await?;
            tx = conn.begin().await?;
            progress.show("timeline events", i + 1, total);
        }
    }
    batch.flush(&mut tx).await?;
    tx.commit().await?;
    progress.show("timeline events", total, total);

    let mut sorted = partner_counts.clone();
    sorted.sort_unstable();
    Ok(SeedReport {
        accounts: accounts_total,
        users: users.len(),
        deals: size.deals,
        partner_links: links.written,
        reach_rows,
        events: batch.written,
        busiest_partner_deals: sorted.last().copied().unwrap_or(0),
        median_partner_deals: sorted.get(sorted.len() / 2).copied().unwrap_or(0),
        elapsed: started.elapsed(),
    })
}

/// Adds the partner programme's share of the reference workload to a seeded bench database:
/// `n` deal registrations by the bench partners (a tenth of them of existing customers, a
/// twentieth duplicates of another registration), in every status, with their conflict-check
/// keys. Idempotent: does nothing when the registrations are there. Returns how many it made.
pub async fn seed_registrations(db: &Db, n: usize) -> anyhow::Result<usize> {
    use crate::storage::partners::SubjectKind;
    let mut conn = db.pool.acquire().await?.detach();
    let have: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM registrations")
        .fetch_one(&mut conn)
        .await?;
    if have as usize >= n {
        return Ok(0);
    }
    // Customers seeded with numbered names get generated ones (a database made before the
    // names were generated).
    let numbered: Vec<String> = sqlx::query_scalar(
        "SELECT id FROM accounts WHERE kind = 'customer' AND name LIKE 'Customer %' ORDER BY id",
    )
    .fetch_all(&mut conn)
    .await?;
    for (i, id) in numbered.iter().enumerate() {
        let name = company_name(i);
        sqlx::query("UPDATE accounts SET name = $1, domain = $2, name_key = NULL WHERE id = $3")
            .bind(&name)
            .bind(
                website_of(&name, i)
                    .trim_start_matches("https://www.")
                    .trim_end_matches('/'),
            )
            .bind(id)
            .execute(&mut conn)
            .await?;
    }
    drop(conn);
    crate::app::registrations::index_unindexed_accounts(db)
        .await
        .map_err(|e| anyhow::anyhow!("indexing accounts: {e}"))?;
    let mut conn = db.pool.acquire().await?.detach();
    let partners: Vec<(String, String)> = {
        let rows = sqlx::query(
            "SELECT u.account_id, u.id FROM users u WHERE u.role IN ('partner_user', 'partner_admin') \
             AND u.email_normalized LIKE $1 ORDER BY u.id",
        )
        .bind(format!("%@{EMAIL_DOMAIN}"))
        .fetch_all(&mut conn)
        .await?;
        rows.iter()
            .map(|r| Ok((r.try_get("account_id")?, r.try_get("id")?)))
            .collect::<Result<_, sqlx::Error>>()?
    };
    if partners.is_empty() {
        bail!("seed the bench first: there are no bench partners");
    }
    let customers: Vec<(String, Option<String>)> = {
        let rows =
            sqlx::query("SELECT name, domain FROM accounts WHERE kind = 'customer' ORDER BY id")
                .fetch_all(&mut conn)
                .await?;
        rows.iter()
            .map(|r| Ok((r.try_get("name")?, r.try_get("domain")?)))
            .collect::<Result<_, sqlx::Error>>()?
    };
    let mut rng = Rng::new(0x4E61_5354_2026);
    let now = time::now();
    let mut registrations = Batch::new(
        "registrations",
        &[
            "id",
            "account_id",
            "submitted_by",
            "company",
            "company_key",
            "website",
            "domain",
            "contact_name",
            "contact_email",
            "amount_minor",
            "currency",
            "product_interest",
            "expected_close_date",
            "description",
            "status",
            "conflict",
            "protected_until",
            "receipt",
            "submitted_at",
            "updated_at",
        ],
        db.backend,
    );
    let mut keys = Batch::new(
        "match_keys",
        &["match_key", "subject_kind", "subject_id"],
        db.backend,
    );
    let statuses = [
        "submitted",
        "approved",
        "rejected",
        "won",
        "lost",
        "expired",
    ];
    let status_weights = [25, 35, 10, 12, 8, 10];
    for i in have as usize..n {
        let (company, website) = if rng.chance(0.1) && !customers.is_empty() {
            let (name, domain) = rng.pick(&customers).clone();
            (name, domain.map(|d| format!("https://{d}/")))
        } else if i > 0 && rng.chance(0.05) {
            let j = rng.below(i);
            let name = company_name(100_000 + j);
            (name.clone(), Some(website_of(&name, j)))
        } else {
            let name = company_name(100_000 + i);
            (name.clone(), Some(website_of(&name, i)))
        };
        let (name_key, domain, subject_keys) =
            crate::app::registrations::subject_of(&company, website.as_deref());
        let (account, user) = rng.pick(&partners).clone();
        let submitted_at =
            now - (rng.below(400) as i64) * DAY - rng.below(86_400) as i64 * 1_000_000;
        let id = rng.uuid_v7(submitted_at);
        let status = statuses[rng.weighted(&status_weights)];
        let protected_until =
            (status == "approved").then(|| now + (1 + rng.below(90) as i64) * DAY);
        registrations
            .row(
                &mut conn,
                [
                    t(id.clone()),
                    t(account),
                    t(user),
                    t(company),
                    t(name_key),
                    V::OptText(website),
                    V::OptText(domain),
                    t(format!(
                        "{} {}",
                        rng.pick(&FIRST_NAMES),
                        rng.pick(&LAST_NAMES)
                    )),
                    t(format!("buyer{i}@prospect.example")),
                    V::Int((5_000 + rng.below(500_000) as i64) * 100),
                    t(*rng.pick(&CURRENCIES)),
                    t(*rng.pick(&PRODUCTS)),
                    t("2027-06-30"),
                    t("Seeded for the benchmark."),
                    t(status),
                    t("none"),
                    V::OptInt(protected_until),
                    t("{}"),
                    V::Int(submitted_at),
                    V::Int(submitted_at),
                ],
            )
            .await?;
        for k in subject_keys {
            keys.row(
                &mut conn,
                [t(k), t(SubjectKind::Registration.as_str()), t(id.clone())],
            )
            .await?;
        }
    }
    registrations.flush(&mut conn).await?;
    keys.flush(&mut conn).await?;
    conn.execute("ANALYZE").await?;
    conn.close().await?;
    Ok(n - have as usize)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partner_deals_follow_the_reference_skew() {
        let counts = partner_deal_counts(2_000, 600_000);
        assert_eq!(counts.iter().sum::<usize>(), 600_000);
        let mut sorted = counts.clone();
        sorted.sort_unstable();
        let busiest = *sorted.last().expect("partners");
        let median = sorted[1_000];
        assert!((13_000..=14_000).contains(&busiest), "busiest {busiest}");
        assert!((180..=220).contains(&median), "median {median}");
    }

    #[test]
    fn the_generator_is_deterministic_and_in_range() {
        let (mut a, mut b) = (Rng::new(7), Rng::new(7));
        for _ in 0..1000 {
            assert_eq!(a.next(), b.next());
            assert!(a.below(10) < 10);
            b.below(10);
        }
        let id = a.uuid_v7(1_700_000_000_000_000);
        assert_eq!(
            uuid::Uuid::parse_str(&id).map(|u| u.get_version_num()).ok(),
            Some(7)
        );
    }

    #[test]
    fn inserts_number_their_placeholders() {
        assert_eq!(
            insert_sql("t", &["a", "b"], 2),
            "INSERT INTO t (a, b) VALUES ($1, $2), ($3, $4)"
        );
    }
}
