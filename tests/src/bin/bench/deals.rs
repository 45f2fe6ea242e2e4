//! Deals at the reference workload of DESIGN.md (1,000,000 deals, 20,000 accounts, 100,000
//! users, made by `portcullis seed-bench`), through the release server under wrk, beside the
//! database alone running the same first-page list query for the same users: pgbench with
//! prepared statements on PostgreSQL, an in-process loop of prepared statements on SQLite.
//! Then the plan of every list query variant.
//!
//! The seeded databases are kept under `~/.cache/portcullis/bench` (SQLite) and in the
//! PostgreSQL database `portcullis_bench`, so a second run starts measuring at once. Delete
//! the folder or drop the database to seed again.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use portcullis::bench_seed::{BENCH_PASSWORD, EMAIL_DOMAIN};
use portcullis::storage::DealScope;
use portcullis::storage::deals::{self, DealFilter};
use portcullis_shared::deals::DealSort;
use portcullis_shared::{AccountId, UserId};
use portcullis_tests::{Backend, eventually, free_port};
use sqlx::any::AnyPoolOptions;
use sqlx::{AnyPool, Executor, Row};

/// Users per kind whose sessions the load rotates through.
const USERS_PER_KIND: usize = 20;
/// The page size a "my deals" page asks for; storage reads one more to know if more follow.
const PAGE: i64 = 50;

/// How long each measurement runs, after its warm-up (`PORTCULLIS_BENCH_SECS`,
/// `PORTCULLIS_BENCH_WARMUP_SECS`; 30 s and 10 s).
fn durations() -> (u64, u64) {
    let secs = |var: &str, default: u64| {
        std::env::var(var)
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(default)
    };
    (
        secs("PORTCULLIS_BENCH_SECS", 30),
        secs("PORTCULLIS_BENCH_WARMUP_SECS", 10),
    )
}

fn cache_dir() -> PathBuf {
    match std::env::var("PORTCULLIS_BENCH_DIR") {
        Ok(d) if !d.trim().is_empty() => PathBuf::from(d),
        _ => PathBuf::from(std::env::var("HOME").unwrap_or_else(|_| ".".into()))
            .join(".cache/portcullis/bench"),
    }
}

/// The release `portcullis` binary: `PORTCULLIS_BIN`, or the one beside this bench.
pub fn server_binary() -> PathBuf {
    let bin = std::env::var("PORTCULLIS_BIN")
        .ok()
        .filter(|b| !b.trim().is_empty())
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            std::env::current_exe()
                .expect("the bench binary")
                .with_file_name("portcullis")
        });
    assert!(
        bin.exists(),
        "{} is missing: build it with `cargo build --release -p portcullis-api` (make bench does)",
        bin.display()
    );
    bin
}

/// One measurement: requests (or queries) per second and latency percentiles.
#[derive(Debug, Clone, Default)]
pub struct Measure {
    pub rate: f64,
    pub p50: Duration,
    pub p99: Duration,
    pub errors: u64,
}

/// A row of the final table.
#[derive(Debug, Clone)]
pub struct Line {
    pub backend: &'static str,
    pub scenario: String,
    pub app: Measure,
    /// The server's peak resident size during this measurement.
    pub rss_peak_kib: u64,
    pub db: Option<Measure>,
    /// The machine's one-minute load average at the end of the measurement.
    pub load: f64,
}

/// What a backend's run produced, for the summary printed at the end.
#[derive(Debug, Default)]
pub struct Outcome {
    pub lines: Vec<Line>,
    pub notes: Vec<String>,
}

// ---------------------------------------------------------------------------------------
// The SQL text storage emits, as sqlx logs it.

static CAPTURING: AtomicBool = AtomicBool::new(false);
static CAPTURED: Mutex<Vec<String>> = Mutex::new(Vec::new());

struct StatementLog;

impl<S: tracing::Subscriber> tracing_subscriber::Layer<S> for StatementLog {
    fn on_event(&self, event: &tracing::Event<'_>, _: tracing_subscriber::layer::Context<'_, S>) {
        if !CAPTURING.load(Ordering::Relaxed) || event.metadata().target() != "sqlx::query" {
            return;
        }
        struct Statement(Option<String>);
        impl tracing::field::Visit for Statement {
            fn record_str(&mut self, field: &tracing::field::Field, value: &str) {
                if field.name() == "db.statement" {
                    self.0 = Some(value.trim().to_owned());
                }
            }
            fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
                if field.name() == "db.statement" {
                    self.0 = Some(format!("{value:?}").trim().to_owned());
                }
            }
        }
        let mut s = Statement(None);
        event.record(&mut s);
        if let Some(sql) = s.0.filter(|s| !s.is_empty()) {
            CAPTURED.lock().expect("capture").push(sql);
        }
    }
}

/// Installs the statement log (once per process).
pub fn install_statement_log() {
    use tracing_subscriber::layer::SubscriberExt;
    let subscriber = tracing_subscriber::registry().with(
        StatementLog.with_filter(
            tracing_subscriber::filter::Targets::new()
                .with_target("sqlx::query", tracing::Level::TRACE),
        ),
    );
    let _ = tracing::subscriber::set_global_default(subscriber);
}

use tracing_subscriber::Layer as _;

/// The exact statement `storage::deals::list` runs for the first page of `scope` in `sort`
/// order, as the deals endpoint asks for it; its parameters are the audience key ($1) and the
/// row limit ($2).
async fn list_sql(pool: &AnyPool, scope: &DealScope, sort: DealSort) -> String {
    let mut conn = pool.acquire().await.expect("a connection");
    CAPTURED.lock().expect("capture").clear();
    CAPTURING.store(true, Ordering::Relaxed);
    let rows = deals::list(
        &mut conn,
        scope,
        &DealFilter::default(),
        sort,
        None,
        PAGE + 1,
    )
    .await;
    CAPTURING.store(false, Ordering::Relaxed);
    rows.expect("the list query runs");
    let captured = std::mem::take(&mut *CAPTURED.lock().expect("capture"));
    let sql = captured
        .into_iter()
        .rfind(|s| s.contains("FROM deal_reach x"))
        .expect("sqlx logged the list statement");
    assert!(
        sql.contains("$2") && !sql.contains("$3"),
        "the list statement binds the audience and the limit only: {sql}"
    );
    sql
}

// ---------------------------------------------------------------------------------------
// The database and the server

struct Target {
    backend: Backend,
    name: &'static str,
    database_url: String,
    data_dir: PathBuf,
    /// PostgreSQL: the server's maintenance database, to create and drop the bench database.
    admin_url: Option<String>,
}

fn pg_admin_url() -> Option<String> {
    ["PORTCULLIS_BENCH_PG_URL", "PORTCULLIS_TEST_PG_URL"]
        .iter()
        .find_map(|v| std::env::var(v).ok().filter(|u| !u.trim().is_empty()))
}

fn target(backend: Backend) -> Option<Target> {
    let dir = cache_dir();
    match backend {
        Backend::Sqlite => {
            let data_dir = dir.join("sqlite");
            Some(Target {
                backend,
                name: "SQLite",
                database_url: format!("sqlite://{}", data_dir.join("portcullis.db").display()),
                data_dir,
                admin_url: None,
            })
        }
        Backend::Postgres => {
            let admin = pg_admin_url()?;
            let mut url = reqwest::Url::parse(&admin).expect("a PostgreSQL URL");
            url.set_path("/portcullis_bench");
            Some(Target {
                backend,
                name: "PostgreSQL",
                database_url: url.to_string(),
                data_dir: dir.join("postgres"),
                admin_url: Some(admin),
            })
        }
    }
}

async fn connect(url: &str, max: u32) -> AnyPool {
    sqlx::any::install_default_drivers();
    AnyPoolOptions::new()
        .max_connections(max)
        .connect(url)
        .await
        .unwrap_or_else(|e| panic!("connect to {url}: {e}"))
}

/// Creates (or, with `fresh`, recreates) the PostgreSQL bench database.
async fn prepare_pg(t: &Target, fresh: bool) {
    let Some(admin) = &t.admin_url else { return };
    let pool = connect(admin, 1).await;
    if fresh {
        pool.execute("DROP DATABASE IF EXISTS portcullis_bench WITH (FORCE)")
            .await
            .expect("drop the bench database");
    }
    let exists: Option<i32> =
        sqlx::query_scalar("SELECT 1 FROM pg_database WHERE datname = 'portcullis_bench'")
            .fetch_optional(&pool)
            .await
            .expect("pg_database");
    if exists.is_none() {
        pool.execute("CREATE DATABASE portcullis_bench")
            .await
            .expect("create the bench database");
    }
    pool.close().await;
}

/// (deals, bench users) in the bench database; zeros before it has tables.
async fn seeded(t: &Target) -> (i64, i64) {
    if t.backend == Backend::Sqlite && !t.data_dir.join("portcullis.db").exists() {
        return (0, 0);
    }
    let pool = connect(&t.database_url, 1).await;
    let deals: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM deals")
        .fetch_one(&pool)
        .await
        .unwrap_or(0);
    let users: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM users WHERE email_normalized LIKE $1")
            .bind(format!("%@{EMAIL_DOMAIN}"))
            .fetch_one(&pool)
            .await
            .unwrap_or(0);
    pool.close().await;
    (deals, users)
}

/// Whether `portcullis migrate` accepts the kept database (it refuses one made with a
/// migration that has since changed).
fn migrates(t: &Target) -> bool {
    Command::new(server_binary())
        .arg("migrate")
        .env("DATABASE_URL", &t.database_url)
        .env("PORTCULLIS_DATA_DIR", &t.data_dir)
        .env("RUST_LOG", "error")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// Removes the bench database, to seed it again.
async fn wipe(t: &Target) {
    match t.backend {
        Backend::Sqlite => {
            for f in ["portcullis.db", "portcullis.db-wal", "portcullis.db-shm"] {
                let _ = std::fs::remove_file(t.data_dir.join(f));
            }
        }
        Backend::Postgres => prepare_pg(t, true).await,
    }
}

/// Seeds the bench database unless an earlier run did; returns the seed time when it seeded.
async fn ensure_seeded(t: &Target) -> Option<Duration> {
    std::fs::create_dir_all(&t.data_dir).expect("the bench data folder");
    prepare_pg(t, false).await;
    let (mut deals, mut users) = seeded(t).await;
    if deals > 0 && !migrates(t) {
        // A migration the kept database was made with has changed since: make it again.
        println!(
            "{}: the kept database no longer matches the migrations; seeding again",
            t.name
        );
        wipe(t).await;
        (deals, users) = (0, 0);
    }
    if deals > 0 {
        println!(
            "{}: {deals} deals seeded by an earlier run (delete {} or drop portcullis_bench to seed again)",
            t.name,
            cache_dir().display()
        );
        // Data added to the workload since (idempotent).
        let status = Command::new(server_binary())
            .arg("seed-bench-registrations")
            .env("DATABASE_URL", &t.database_url)
            .env("PORTCULLIS_DATA_DIR", &t.data_dir)
            .env("RUST_LOG", "warn,sqlx::query=error")
            .status()
            .expect("portcullis seed-bench-registrations runs");
        assert!(
            status.success(),
            "seeding registrations failed on {}",
            t.name
        );
        return None;
    }
    if users > 0 {
        println!(
            "{}: an unfinished seed is in the way; starting again",
            t.name
        );
        wipe(t).await;
    }
    println!(
        "{}: seeding the reference workload (portcullis seed-bench)",
        t.name
    );
    let started = Instant::now();
    let status = Command::new(server_binary())
        .arg("seed-bench")
        .env("DATABASE_URL", &t.database_url)
        .env("PORTCULLIS_DATA_DIR", &t.data_dir)
        // Its bulk statements are slow by design; sqlx need not say so.
        .env("RUST_LOG", "warn,sqlx::query=error")
        .status()
        .expect("portcullis seed-bench runs");
    assert!(
        status.success(),
        "portcullis seed-bench failed on {}",
        t.name
    );
    Some(started.elapsed())
}

struct Server {
    child: Child,
    address: String,
}

impl Server {
    async fn start(t: &Target) -> Server {
        let port = free_port();
        let log = std::fs::File::create(t.data_dir.join("server.log")).expect("the server log");
        let child = Command::new(server_binary())
            .arg("serve")
            .env("DATABASE_URL", &t.database_url)
            .env("PORTCULLIS_DATA_DIR", &t.data_dir)
            .env("PORTCULLIS_ADDR", format!("127.0.0.1:{port}"))
            .env("PORTCULLIS_AUTH_ATTEMPTS_PER_IP_PER_MINUTE", "1000000")
            // Sessions outlive the whole run.
            .env("PORTCULLIS_ACCESS_TOKEN_TTL_SECS", "7200")
            .env("PORTCULLIS_LOG_FORMAT", "json")
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("the server starts");
        let server = Server {
            child,
            address: format!("http://127.0.0.1:{port}"),
        };
        let client = reqwest::Client::new();
        let health = format!("{}/readyz", server.address);
        eventually(120, "the bench server is up", || {
            let (client, health) = (client.clone(), health.clone());
            async move {
                client
                    .get(&health)
                    .send()
                    .await
                    .is_ok_and(|r| r.status().is_success())
            }
        })
        .await;
        server
    }

    /// A memory figure of the server process from /proc (`VmRSS`, `VmHWM`), in KiB.
    fn memory_kib(&self, field: &str) -> u64 {
        std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))
            .ok()
            .and_then(|s| {
                s.lines()
                    .find(|l| l.starts_with(field))
                    .and_then(|l| l.split_whitespace().nth(1))
                    .and_then(|n| n.parse().ok())
            })
            .unwrap_or(0)
    }

    /// Starts a new peak (`VmHWM`) from the present resident size, where the kernel allows.
    fn reset_peak(&self) {
        let _ = std::fs::write(format!("/proc/{}/clear_refs", self.child.id()), "5");
    }
}

/// The one-minute load average: how busy the machine was besides.
fn load_average() -> f64 {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse().ok())
        .unwrap_or(0.0)
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

// ---------------------------------------------------------------------------------------
// Who signs in

#[derive(Debug, Clone)]
struct BenchUser {
    email: String,
    portal: Option<String>,
    user_id: String,
    account_id: Option<String>,
}

async fn users_where(pool: &AnyPool, sql: &'static str, bind: Option<&str>) -> Vec<BenchUser> {
    let mut q = sqlx::query(sql);
    if let Some(b) = bind {
        q = q.bind(b.to_owned());
    }
    q.fetch_all(pool)
        .await
        .expect("bench users")
        .iter()
        .map(|r| BenchUser {
            email: r.get("email"),
            portal: r.get("slug"),
            user_id: r.get("id"),
            account_id: r.get("account_id"),
        })
        .collect()
}

/// `n` items spread evenly over `all`.
fn spread<T: Clone>(all: &[T], n: usize) -> Vec<T> {
    if all.len() <= n {
        return all.to_vec();
    }
    (0..n).map(|i| all[i * all.len() / n].clone()).collect()
}

/// Active users matching a condition, with their portal's slug.
macro_rules! users_sql {
    ($condition:literal) => {
        concat!(
            "SELECT u.email, p.slug, u.id, u.account_id FROM users u ",
            "LEFT JOIN portals p ON p.id = u.portal_id WHERE u.status = 'active' AND ",
            $condition
        )
    };
}

struct Cast {
    /// The partner organisation with the most deals, and its deal count.
    busiest: (String, i64),
    busiest_users: Vec<BenchUser>,
    /// Partner organisations around the median deal count, one user each, and that count.
    typical_users: Vec<BenchUser>,
    typical_deals: i64,
    customers: Vec<BenchUser>,
    reps: Vec<BenchUser>,
    admin: BenchUser,
}

async fn cast(pool: &AnyPool) -> Cast {
    // Partner organisations that show their users every linked deal, busiest first.
    let partners: Vec<(String, i64)> = sqlx::query(
        "SELECT p.account_id, COUNT(*) AS n FROM deal_partners p \
         JOIN accounts a ON a.id = p.account_id \
         WHERE a.partner_deal_visibility = 'organisation' \
         GROUP BY p.account_id ORDER BY n DESC, p.account_id",
    )
    .fetch_all(pool)
    .await
    .expect("partners by deals")
    .iter()
    .map(|r| (r.get("account_id"), r.get("n")))
    .collect();
    let busiest = partners.first().cloned().expect("a partner with deals");
    let sql_partner = users_sql!(
        "u.role IN ('partner_user', 'partner_admin') AND u.account_id = $1 ORDER BY u.email"
    );
    let busiest_users = users_where(pool, sql_partner, Some(&busiest.0)).await;
    let mid = partners.len() / 2;
    let around = &partners
        [mid.saturating_sub(USERS_PER_KIND / 2)..(mid + USERS_PER_KIND / 2).min(partners.len())];
    let mut typical_users = Vec::new();
    for (account, _) in around {
        if let Some(u) = users_where(pool, sql_partner, Some(account)).await.pop() {
            typical_users.push(u);
        }
    }
    let customers = users_where(
        pool,
        users_sql!(
            "u.role = 'customer_user' AND EXISTS (SELECT 1 FROM deal_reach r WHERE r.reach = 'c:' || u.account_id) ORDER BY u.email"
        ),
        None,
    )
    .await;
    let reps = users_where(
        pool,
        users_sql!("u.role = 'sales_rep' AND u.regions IS NULL ORDER BY u.email"),
        None,
    )
    .await;
    let admin = users_where(
        pool,
        users_sql!("u.role = 'admin' AND u.regions IS NULL ORDER BY u.email"),
        None,
    )
    .await
    .into_iter()
    .next()
    .expect("an administrator");
    Cast {
        typical_deals: around.get(around.len() / 2).map_or(0, |p| p.1),
        busiest,
        busiest_users: spread(&busiest_users, USERS_PER_KIND),
        typical_users,
        customers: spread(&customers, USERS_PER_KIND),
        reps: spread(&reps, USERS_PER_KIND),
        admin,
    }
}

/// Signs in through the API, as the web app does; returns the access token.
async fn sign_in(client: &reqwest::Client, server: &Server, u: &BenchUser) -> String {
    let res = client
        .post(format!("{}/api/v1/auth/login", server.address))
        .json(
            &serde_json::json!({"email": u.email, "password": BENCH_PASSWORD, "portal": u.portal}),
        )
        .send()
        .await
        .expect("sign-in sent");
    assert_eq!(res.status(), 200, "sign-in of {}", u.email);
    let body: serde_json::Value = res.json().await.expect("a token");
    body["access_token"]
        .as_str()
        .expect("an access token")
        .to_owned()
}

// ---------------------------------------------------------------------------------------
// Load through the server: wrk

/// (path, token) pairs the load rotates through, each thread from its own starting point.
fn wrk_script(dir: &Path, name: &str, requests: &[(String, String)]) -> PathBuf {
    let mut lua = String::from("local reqs = {\n");
    for (path, token) in requests {
        let _ = writeln!(lua, "  {{\"{path}\", \"Bearer {token}\"}},");
    }
    lua.push_str(
        "}\n\
         local next_thread = 0\n\
         function setup(thread)\n\
           thread:set(\"first\", next_thread * 7)\n\
           next_thread = next_thread + 1\n\
         end\n\
         local formatted = {}\n\
         local n = 0\n\
         function init(args)\n\
           for i, r in ipairs(reqs) do\n\
             formatted[i] = wrk.format(\"GET\", r[1], { [\"Authorization\"] = r[2] })\n\
           end\n\
           n = first or 0\n\
         end\n\
         function request()\n\
           n = n + 1\n\
           return formatted[(n % #formatted) + 1]\n\
         end\n",
    );
    let path = dir.join(format!("{name}.lua"));
    std::fs::write(&path, lua).expect("the wrk script");
    path
}

fn parse_duration(s: &str) -> Duration {
    let s = s.trim();
    let (num, unit) = s
        .find(|c: char| c.is_ascii_alphabetic())
        .map_or((s, "s"), |i| s.split_at(i));
    let v: f64 = num.parse().unwrap_or(0.0);
    Duration::from_secs_f64(match unit {
        "us" => v / 1e6,
        "ms" => v / 1e3,
        "m" => v * 60.0,
        _ => v,
    })
}

fn wrk(address: &str, script: &Path, secs: u64) -> Measure {
    let out = Command::new("wrk")
        .args(["-t2", "-c32", "--latency", "--timeout", "10s"])
        .arg(format!("-d{secs}s"))
        .arg("-s")
        .arg(script)
        .arg(address)
        .output()
        .expect("wrk runs (make bench installs it)");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "wrk failed: {text}");
    let mut m = Measure::default();
    for line in text.lines().map(str::trim) {
        if let Some(v) = line.strip_prefix("Requests/sec:") {
            m.rate = v.trim().parse().unwrap_or(0.0);
        } else if let Some(v) = line.strip_prefix("50%") {
            m.p50 = parse_duration(v);
        } else if let Some(v) = line.strip_prefix("99%") {
            m.p99 = parse_duration(v);
        } else if let Some(v) = line.strip_prefix("Non-2xx or 3xx responses:") {
            m.errors += v.trim().parse::<u64>().unwrap_or(0);
        } else if let Some(v) = line.strip_prefix("Socket errors:") {
            m.errors += v
                .split(',')
                .filter_map(|p| p.split_whitespace().last()?.parse::<u64>().ok())
                .sum::<u64>();
        }
    }
    m
}

// ---------------------------------------------------------------------------------------
// The database alone

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

/// pgbench, 32 clients on 2 threads, prepared statements: the list statement's text with
/// `$1` the audience of a user picked at random per transaction (one script file per user)
/// and `$2` the row limit.
fn pgbench(url: &str, sql: &str, keys: &[String], dir: &Path, secs: u64) -> Measure {
    let run_dir = dir.join("pgbench");
    let _ = std::fs::remove_dir_all(&run_dir);
    std::fs::create_dir_all(&run_dir).expect("the pgbench folder");
    let mut cmd = Command::new("pgbench");
    cmd.args(["-n", "-M", "prepared", "-c", "32", "-j", "2"])
        .arg(format!("-T{secs}"))
        .arg("-D")
        .arg(format!("limit={}", PAGE + 1));
    for (i, key) in keys.iter().enumerate() {
        let script = run_dir.join(format!("user{i}.sql"));
        let text = sql
            .replace("$2", ":limit")
            .replace("$1", &format!(":key{i}"));
        std::fs::write(&script, format!("{}\n", text.replace('\n', " "))).expect("a script");
        cmd.arg("-D").arg(format!("key{i}={key}"));
        cmd.arg("-f").arg(&script);
    }
    cmd.arg("-l")
        .arg("--log-prefix")
        .arg(run_dir.join("tx"))
        .arg(url)
        .current_dir(&run_dir);
    let out = cmd.output().expect("pgbench runs");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "pgbench failed: {text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut m = Measure::default();
    for line in text.lines() {
        if let Some(v) = line.strip_prefix("tps = ") {
            m.rate = v
                .split_whitespace()
                .next()
                .and_then(|n| n.parse().ok())
                .unwrap_or(0.0);
        }
        if let Some(v) = line.strip_prefix("number of failed transactions: ") {
            m.errors = v
                .split_whitespace()
                .next()
                .and_then(|n| n.parse().ok())
                .unwrap_or(0);
        }
    }
    // Per-transaction logs: "client tx_no time_us script epoch epoch_us".
    let mut lat = Vec::new();
    for entry in std::fs::read_dir(&run_dir).expect("pgbench logs").flatten() {
        if !entry.file_name().to_string_lossy().starts_with("tx") {
            continue;
        }
        let log = std::fs::read_to_string(entry.path()).unwrap_or_default();
        lat.extend(log.lines().filter_map(|l| {
            l.split_whitespace()
                .nth(2)
                .and_then(|us| us.parse::<u64>().ok())
                .map(Duration::from_micros)
        }));
    }
    lat.sort();
    m.p50 = percentile(&lat, 0.5);
    m.p99 = percentile(&lat, 0.99);
    m
}

/// One SQLite connection per core, each stepping the prepared list statement for the users
/// in turn and reading every column, as a client would.
fn sqlite_loop(path: &Path, sql: &str, keys: &[String], secs: u64) -> Measure {
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
    let deadline = Instant::now() + Duration::from_secs(secs);
    let started = Instant::now();
    let handles: Vec<_> = (0..threads)
        .map(|t| {
            let (path, sql, keys) = (path.to_owned(), sql.to_owned(), keys.to_vec());
            std::thread::spawn(move || sqlite_worker(&path, &sql, &keys, t * 7, deadline))
        })
        .collect();
    let mut lat = Vec::new();
    for h in handles {
        lat.extend(h.join().expect("a SQLite worker"));
    }
    let wall = started.elapsed();
    lat.sort();
    Measure {
        rate: lat.len() as f64 / wall.as_secs_f64(),
        p50: percentile(&lat, 0.5),
        p99: percentile(&lat, 0.99),
        errors: 0,
    }
}

fn sqlite_worker(
    path: &Path,
    sql: &str,
    keys: &[String],
    first: usize,
    deadline: Instant,
) -> Vec<Duration> {
    use libsqlite3_sys as ffi;
    use std::ffi::CString;
    let c_path = CString::new(path.to_string_lossy().as_bytes()).expect("a path");
    let c_sql = CString::new(sql).expect("SQL");
    let mut times = Vec::with_capacity(1 << 20);
    // SAFETY: one connection and statement per thread, used only here and finalised before
    // return; every pointer passed to SQLite outlives the call that takes it.
    unsafe {
        let mut db = std::ptr::null_mut();
        let rc = ffi::sqlite3_open_v2(
            c_path.as_ptr(),
            &mut db,
            ffi::SQLITE_OPEN_READONLY | ffi::SQLITE_OPEN_NOMUTEX,
            std::ptr::null(),
        );
        assert_eq!(rc, ffi::SQLITE_OK, "open {}", path.display());
        let mut stmt = std::ptr::null_mut();
        let rc = ffi::sqlite3_prepare_v3(
            db,
            c_sql.as_ptr(),
            -1,
            ffi::SQLITE_PREPARE_PERSISTENT,
            &mut stmt,
            std::ptr::null_mut(),
        );
        assert_eq!(rc, ffi::SQLITE_OK, "prepare the list statement");
        let key_at = ffi::sqlite3_bind_parameter_index(stmt, c"$1".as_ptr());
        let limit_at = ffi::sqlite3_bind_parameter_index(stmt, c"$2".as_ptr());
        let columns = ffi::sqlite3_column_count(stmt);
        let mut n = first;
        let mut checksum = 0u64;
        while Instant::now() < deadline {
            let key = &keys[n % keys.len()];
            n += 1;
            let t = Instant::now();
            ffi::sqlite3_bind_text(stmt, key_at, key.as_ptr().cast(), key.len() as i32, None);
            ffi::sqlite3_bind_int64(stmt, limit_at, PAGE + 1);
            loop {
                match ffi::sqlite3_step(stmt) {
                    ffi::SQLITE_ROW => {
                        for c in 0..columns {
                            checksum =
                                checksum.wrapping_add(match ffi::sqlite3_column_type(stmt, c) {
                                    ffi::SQLITE_INTEGER => {
                                        ffi::sqlite3_column_int64(stmt, c) as u64
                                    }
                                    ffi::SQLITE_TEXT => {
                                        let p = ffi::sqlite3_column_text(stmt, c);
                                        let len = ffi::sqlite3_column_bytes(stmt, c);
                                        if p.is_null() {
                                            0
                                        } else {
                                            u64::from(*p) + len as u64
                                        }
                                    }
                                    _ => 1,
                                });
                        }
                    }
                    ffi::SQLITE_DONE => break,
                    rc => panic!("sqlite3_step: {rc}"),
                }
            }
            ffi::sqlite3_reset(stmt);
            times.push(t.elapsed());
        }
        ffi::sqlite3_finalize(stmt);
        ffi::sqlite3_close(db);
        std::hint::black_box(checksum);
    }
    times
}

// ---------------------------------------------------------------------------------------
// Plans

async fn explain(pool: &AnyPool, backend: Backend, sql: &str, key: &str) -> String {
    let text = match backend {
        Backend::Postgres => format!("EXPLAIN (ANALYZE, BUFFERS) {sql}"),
        Backend::Sqlite => format!("EXPLAIN QUERY PLAN {sql}"),
    };
    let rows = sqlx::query(sqlx::AssertSqlSafe(text))
        .bind(key.to_owned())
        .bind(PAGE + 1)
        .fetch_all(pool)
        .await
        .expect("EXPLAIN runs");
    let mut out = String::new();
    for r in &rows {
        match backend {
            Backend::Postgres => {
                let line: String = r.get(0);
                let _ = writeln!(out, "    {line}");
            }
            Backend::Sqlite => {
                let parent: i64 = r.get(1);
                let detail: String = r.get(3);
                let indent = if parent == 0 { "" } else { "  " };
                let _ = writeln!(out, "    {indent}{detail}");
            }
        }
    }
    out
}

// ---------------------------------------------------------------------------------------
// One backend

/// A measurement: its name, the (path, token) requests wrk rotates through, and the list
/// statement with each user's audience key for the database alone (none for deal pages).
type Scenario<'a> = (
    String,
    Vec<(String, String)>,
    Option<(&'a String, Vec<String>)>,
);

fn scope_key(scope: &DealScope) -> String {
    match scope {
        DealScope::All => "all".into(),
        DealScope::PartnerOrganisation(a) => format!("p:{a}"),
        DealScope::SharedToAccount(a) => format!("c:{a}"),
        DealScope::OwnedOrTeam { user, .. } => format!("u:{user}"),
        other => panic!("not a benched scope: {other:?}"),
    }
}

pub async fn run(backend: Backend) -> Option<Outcome> {
    let Some(t) = target(backend) else {
        println!(
            "== Deals at 1M: PostgreSQL skipped (set PORTCULLIS_TEST_PG_URL or PORTCULLIS_BENCH_PG_URL)"
        );
        return None;
    };
    let (secs, warmup) = durations();
    println!("== Deals at the reference workload, {}", t.name);
    let mut outcome = Outcome::default();
    match ensure_seeded(&t).await {
        Some(took) => {
            outcome
                .notes
                .push(format!("{}: seeded in {:.1} s", t.name, took.as_secs_f64()))
        }
        None => outcome
            .notes
            .push(format!("{}: seeded by an earlier run", t.name)),
    }
    let pool = connect(&t.database_url, 2).await;
    let cast = cast(&pool).await;
    println!(
        "  busiest partner: {} deals; typical partners: about {} deals; {} customer, {} rep users",
        cast.busiest.1,
        cast.typical_deals,
        cast.customers.len(),
        cast.reps.len()
    );

    // The statements, and their plans.
    let partner_scope = DealScope::PartnerOrganisation(AccountId::new(cast.busiest.0.clone()));
    let customer = &cast.customers[0];
    let customer_scope = DealScope::SharedToAccount(AccountId::new(
        customer.account_id.clone().expect("a customer account"),
    ));
    let rep_scope = DealScope::OwnedOrTeam {
        user: UserId::new(cast.reps[0].user_id.clone()),
        regions: None,
    };
    let _ = &cast.admin;
    println!(
        "  plans of the first page of each list ({}):",
        match backend {
            Backend::Postgres => "EXPLAIN (ANALYZE, BUFFERS)",
            Backend::Sqlite => "EXPLAIN QUERY PLAN",
        }
    );
    let mut partner_sql = String::new();
    let mut customer_sql = String::new();
    let mut rep_sql = String::new();
    for (who, scope) in [
        ("partner (busiest organisation)", &partner_scope),
        ("customer", &customer_scope),
        ("sales rep", &rep_scope),
        ("administrator (all deals)", &DealScope::All),
    ] {
        for sort in [DealSort::Updated, DealSort::CloseDate, DealSort::Amount] {
            let sql = list_sql(&pool, scope, sort).await;
            if sort == DealSort::Updated {
                match scope {
                    DealScope::PartnerOrganisation(_) => partner_sql = sql.clone(),
                    DealScope::SharedToAccount(_) => customer_sql = sql.clone(),
                    DealScope::OwnedOrTeam { .. } => rep_sql = sql.clone(),
                    _ => {}
                }
            }
            println!("  -- {who}, sort={}", sort.as_str());
            print!("{}", explain(&pool, backend, &sql, &scope_key(scope)).await);
        }
    }
    println!("  list statement (partner, sort=updated; $1 audience, $2 limit):\n    {partner_sql}");

    // The server, and sessions through the real sign-in.
    let server = Server::start(&t).await;
    let rss_start = server.memory_kib("VmRSS:");
    let client = reqwest::Client::new();
    let mut tokens = std::collections::HashMap::new();
    let everyone = cast
        .busiest_users
        .iter()
        .chain(&cast.typical_users)
        .chain(&cast.customers)
        .chain(&cast.reps);
    for u in everyone {
        let token = sign_in(&client, &server, u).await;
        tokens.insert(u.email.clone(), token);
    }
    let signed_in = tokens.len();
    outcome.notes.push(format!(
        "{}: server RSS {:.1} MiB at start, {:.1} MiB after {signed_in} sign-ins (peak so far {:.1} MiB)",
        t.name,
        rss_start as f64 / 1024.0,
        server.memory_kib("VmRSS:") as f64 / 1024.0,
        server.memory_kib("VmHWM:") as f64 / 1024.0,
    ));
    let my_deals = |users: &[BenchUser]| -> Vec<(String, String)> {
        users
            .iter()
            .map(|u| {
                (
                    format!("/api/v1/deals?limit={PAGE}"),
                    tokens[&u.email].clone(),
                )
            })
            .collect()
    };
    // Deal pages: deals each user sees on their first page, with their timelines.
    let mut pages = Vec::new();
    for u in cast
        .typical_users
        .iter()
        .chain(&cast.busiest_users)
        .chain(&cast.customers)
        .chain(&cast.reps)
    {
        let res = client
            .get(format!("{}/api/v1/deals?limit=5", server.address))
            .bearer_auth(&tokens[&u.email])
            .send()
            .await
            .expect("a first page");
        assert_eq!(res.status(), 200, "first page of {}", u.email);
        let page: serde_json::Value = res.json().await.expect("a page");
        for d in page["items"].as_array().into_iter().flatten() {
            let id = d["id"].as_str().expect("a deal id");
            pages.push((format!("/api/v1/deals/{id}"), tokens[&u.email].clone()));
            pages.push((
                format!("/api/v1/deals/{id}/timeline"),
                tokens[&u.email].clone(),
            ));
        }
    }
    let scripts = t.data_dir.join("wrk");
    std::fs::create_dir_all(&scripts).expect("the wrk folder");
    let keys = |users: &[BenchUser], f: &dyn Fn(&BenchUser) -> String| -> Vec<String> {
        users.iter().map(f).collect()
    };
    let partner_key = |u: &BenchUser| format!("p:{}", u.account_id.clone().unwrap_or_default());
    let scenarios: Vec<Scenario> = vec![
        (
            format!("partner my deals, busiest org ({} deals)", cast.busiest.1),
            my_deals(&cast.busiest_users),
            Some((&partner_sql, keys(&cast.busiest_users, &partner_key))),
        ),
        (
            format!(
                "partner my deals, typical orgs (~{} deals)",
                cast.typical_deals
            ),
            my_deals(&cast.typical_users),
            Some((&partner_sql, keys(&cast.typical_users, &partner_key))),
        ),
        (
            "customer my deals".to_owned(),
            my_deals(&cast.customers),
            Some((
                &customer_sql,
                keys(&cast.customers, &|u| {
                    format!("c:{}", u.account_id.clone().unwrap_or_default())
                }),
            )),
        ),
        (
            "rep my deals".to_owned(),
            my_deals(&cast.reps),
            Some((&rep_sql, keys(&cast.reps, &|u| format!("u:{}", u.user_id)))),
        ),
        ("deal page + timeline (2 requests)".to_owned(), pages, None),
        (
            "registration conflict check (partner typing)".to_owned(),
            conflict_checks(&pool, &cast, &tokens).await,
            None,
        ),
    ];
    for (i, (name, requests, db_alone)) in scenarios.into_iter().enumerate() {
        let script = wrk_script(&scripts, &format!("s{i}"), &requests);
        server.reset_peak();
        if warmup > 0 {
            wrk(&server.address, &script, warmup);
        }
        let app = wrk(&server.address, &script, secs);
        let rss = server.memory_kib("VmHWM:");
        let load = load_average();
        let db = db_alone.map(|(sql, keys)| {
            // The same warm-up, then the measurement.
            match backend {
                Backend::Postgres => {
                    if warmup > 0 {
                        pgbench(&t.database_url, sql, &keys, &t.data_dir, warmup);
                    }
                    pgbench(&t.database_url, sql, &keys, &t.data_dir, secs)
                }
                Backend::Sqlite => {
                    let file = t.data_dir.join("portcullis.db");
                    if warmup > 0 {
                        sqlite_loop(&file, sql, &keys, warmup);
                    }
                    sqlite_loop(&file, sql, &keys, secs)
                }
            }
        });
        let line = Line {
            backend: t.name,
            scenario: name,
            app,
            rss_peak_kib: rss,
            db,
            load,
        };
        print_line(&line);
        outcome.lines.push(line);
    }
    drop(server);
    pool.close().await;
    Some(outcome)
}

fn ms(d: Duration) -> String {
    format!("{:.2}", d.as_secs_f64() * 1000.0)
}

pub fn header() {
    println!(
        "{:<11} {:<44} {:>9} {:>7} {:>7} {:>8} {:>6} | {:>9} {:>7} {:>7} | {:>6} {:>5}",
        "backend",
        "scenario",
        "req/s",
        "p50 ms",
        "p99 ms",
        "RSS MiB",
        "errors",
        "DB q/s",
        "p50 ms",
        "p99 ms",
        "app/DB",
        "load"
    );
}

pub fn print_line(l: &Line) {
    let (db_rate, db_p50, db_p99, ratio) = match &l.db {
        Some(db) => (
            format!("{:.0}", db.rate),
            ms(db.p50),
            ms(db.p99),
            format!("{:.0}%", 100.0 * l.app.rate / db.rate.max(1e-9)),
        ),
        None => ("-".into(), "-".into(), "-".into(), "-".into()),
    };
    println!(
        "{:<11} {:<44} {:>9.0} {:>7} {:>7} {:>8.1} {:>6} | {:>9} {:>7} {:>7} | {:>6} {:>5.1}",
        l.backend,
        l.scenario,
        l.app.rate,
        ms(l.app.p50),
        ms(l.app.p99),
        l.rss_peak_kib as f64 / 1024.0,
        l.app.errors,
        db_rate,
        db_p50,
        db_p99,
        ratio,
        l.load
    );
}

/// Conflict checks as partners type: prefixes and whole names of existing customers and of
/// other registrations, with and without a website, and names nobody has.
async fn conflict_checks(
    pool: &AnyPool,
    cast: &Cast,
    tokens: &std::collections::HashMap<String, String>,
) -> Vec<(String, String)> {
    let registrations: Vec<(String, Option<String>)> =
        sqlx::query("SELECT company, website FROM registrations ORDER BY id LIMIT 400")
            .fetch_all(pool)
            .await
            .expect("registrations")
            .iter()
            .map(|r| (r.get("company"), r.get("website")))
            .collect();
    let customers: Vec<String> = sqlx::query_scalar(
        "SELECT name FROM accounts WHERE kind = 'customer' ORDER BY id LIMIT 200",
    )
    .fetch_all(pool)
    .await
    .expect("customers");
    assert!(!registrations.is_empty(), "the bench has no registrations");
    let partners: Vec<&BenchUser> = cast
        .busiest_users
        .iter()
        .chain(&cast.typical_users)
        .collect();
    let enc = |s: &str| -> String {
        s.bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' => {
                    (b as char).to_string()
                }
                _ => format!("%{b:02X}"),
            })
            .collect()
    };
    let mut out = Vec::new();
    for (i, (company, website)) in registrations.iter().enumerate() {
        let token = tokens[&partners[i % partners.len()].email].clone();
        // As typed: the first letters, then the whole name with its website.
        let prefix: String = company.chars().take(4 + i % 5).collect();
        out.push((
            format!("/api/v1/registrations/check?company={}", enc(&prefix)),
            token.clone(),
        ));
        out.push((
            format!(
                "/api/v1/registrations/check?company={}&website={}",
                enc(company),
                enc(website.as_deref().unwrap_or(""))
            ),
            token.clone(),
        ));
        let customer = &customers[i % customers.len()];
        out.push((
            format!("/api/v1/registrations/check?company={}", enc(customer)),
            token.clone(),
        ));
        out.push((
            format!("/api/v1/registrations/check?company=Brand%20New%20Prospect%20{i}%20Ltd&website=new-prospect-{i}.com"),
            token,
        ));
    }
    out
}
