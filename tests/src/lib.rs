//! The test harness: `TestApp` starts the real Portcullis on port 0 against a fresh, migrated
//! database — a SQLite file always, and a new PostgreSQL database when
//! `PORTCULLIS_TEST_PG_URL` is set (required when `CI=true`).

use std::collections::HashMap;
use std::sync::Once;

use portcullis::config::Settings;
use portcullis::db::Db;
use portcullis::startup::Application;
use sqlx::Executor;
use sqlx::any::AnyPoolOptions;

/// The database engine a test runs against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A running app and what a test needs to talk to it.
pub struct TestApp {
    pub address: String,
    pub port: u16,
    pub db: Db,
    /// The use cases, on the same database, for tests that act as the operator.
    pub core: portcullis::app::App,
    pub client: reqwest::Client,
    pub backend: Backend,
    /// The database the app runs on, for other nodes to share.
    pub database_url: String,
    _dir: tempfile::TempDir,
    pg_drop: Option<PgDatabase>,
}

struct PgDatabase {
    admin_url: String,
    name: String,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(pg) = self.pg_drop.take() {
            // The test's runtime is shutting down; drop the database from a runtime of our own.
            let _ = std::thread::spawn(move || {
                let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                else {
                    return;
                };
                rt.block_on(async move {
                    sqlx::any::install_default_drivers();
                    if let Ok(pool) = AnyPoolOptions::new()
                        .max_connections(1)
                        .connect(&pg.admin_url)
                        .await
                    {
                        let sql = format!("DROP DATABASE IF EXISTS \"{}\" WITH (FORCE)", pg.name);
                        let _ = pool.execute(sqlx::AssertSqlSafe(sql)).await;
                        pool.close().await;
                    }
                });
            })
            .join();
        }
    }
}

/// The PostgreSQL server for tests, if configured.
pub fn pg_url() -> Option<String> {
    let url = std::env::var("PORTCULLIS_TEST_PG_URL")
        .ok()
        .filter(|u| !u.trim().is_empty());
    if url.is_none() {
        if std::env::var("CI").is_ok_and(|v| v == "true") {
            panic!("CI=true but PORTCULLIS_TEST_PG_URL is not set: CI must cover PostgreSQL");
        }
        static SKIP: Once = Once::new();
        SKIP.call_once(|| {
            eprintln!("PostgreSQL suite skipped: PORTCULLIS_TEST_PG_URL is not set");
        });
    }
    url
}

fn database_url_with_name(admin_url: &str, name: &str) -> String {
    let mut url = url_parse(admin_url);
    url.set_path(&format!("/{name}"));
    url.to_string()
}

fn url_parse(s: &str) -> reqwest::Url {
    reqwest::Url::parse(s).expect("PORTCULLIS_TEST_PG_URL is a valid URL")
}

impl TestApp {
    /// Starts the app on `backend`; `None` for PostgreSQL when it is not configured.
    pub async fn spawn(backend: Backend) -> Option<TestApp> {
        Self::spawn_with(backend, &[]).await
    }

    /// Starts the app with extra environment settings.
    pub async fn spawn_with(backend: Backend, extra: &[(&str, &str)]) -> Option<TestApp> {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let mut vars: HashMap<String, String> = HashMap::new();
        vars.insert("PORTCULLIS_ADDR".into(), "127.0.0.1:0".into());
        // Every test signs in from 127.0.0.1; rate-limit tests set their own figure.
        vars.insert(
            "PORTCULLIS_AUTH_ATTEMPTS_PER_IP_PER_MINUTE".into(),
            "1000000".into(),
        );
        vars.insert(
            "PORTCULLIS_DATA_DIR".into(),
            dir.path().to_string_lossy().into_owned(),
        );
        let mut pg_drop = None;
        if backend == Backend::Postgres {
            let admin_url = pg_url()?;
            let name = format!("portcullis_test_{}", uuid::Uuid::new_v4().simple());
            sqlx::any::install_default_drivers();
            let admin = AnyPoolOptions::new()
                .max_connections(1)
                .connect(&admin_url)
                .await
                .expect("the PostgreSQL test server is reachable");
            admin
                .execute(sqlx::AssertSqlSafe(format!("CREATE DATABASE \"{name}\"")))
                .await
                .expect("a fresh test database");
            admin.close().await;
            vars.insert(
                "DATABASE_URL".into(),
                database_url_with_name(&admin_url, &name),
            );
            pg_drop = Some(PgDatabase { admin_url, name });
        }
        for (k, v) in extra {
            vars.insert((*k).into(), (*v).into());
        }
        let settings = Settings::from_lookup(|k| vars.get(k).cloned()).expect("valid settings");
        let database_url = settings.database_url.clone();
        let db = Db::connect(&settings).await.expect("database connects");
        db.migrate().await.expect("migrations apply");
        let core = portcullis::app::App::new(db.clone(), settings.clone());
        let app = Application::build_with_db(settings, db.clone())
            .await
            .expect("the app builds");
        let port = app.port();
        tokio::spawn(app.run_until_stopped());
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .cookie_store(true)
            // The server closes idle connections after 5 s; reusing one as it closes fails
            // the request. Idle connections are dropped on this side well before that.
            .pool_idle_timeout(std::time::Duration::from_secs(2))
            .build()
            .expect("an HTTP client");
        Some(TestApp {
            address: format!("http://127.0.0.1:{port}"),
            port,
            db,
            core,
            client,
            backend,
            database_url,
            _dir: dir,
            pg_drop,
        })
    }

    /// An absolute URL for a path on the app.
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    /// The app's data directory (its key files and local object store).
    pub fn data_dir(&self) -> &std::path::Path {
        self._dir.path()
    }

    /// GET a path.
    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(self.url(path))
            .send()
            .await
            .expect("request sent")
    }

    /// A connection to the app's database, for fixture lookups and fault injection.
    pub async fn conn(&self) -> sqlx::pool::PoolConnection<sqlx::Any> {
        self.db.pool.acquire().await.expect("a database connection")
    }

    /// The id of a demo account, by name.
    pub async fn account_id(&self, name: &str) -> String {
        sqlx::query_scalar("SELECT id FROM accounts WHERE name = $1")
            .bind(name)
            .fetch_one(&self.db.pool)
            .await
            .expect("the account exists")
    }

    /// The id of a portal, by slug.
    pub async fn portal_id(&self, slug: &str) -> String {
        sqlx::query_scalar("SELECT id FROM portals WHERE slug = $1")
            .bind(slug)
            .fetch_one(&self.db.pool)
            .await
            .expect("the portal exists")
    }

    /// The id of a user, by email.
    pub async fn user_id(&self, email: &str) -> String {
        sqlx::query_scalar("SELECT id FROM users WHERE email_normalized = $1")
            .bind(email.to_lowercase())
            .fetch_one(&self.db.pool)
            .await
            .expect("the user exists")
    }

    /// Rows in each table a use case may write, and the audit entries (sealed or pending).
    pub async fn row_counts(&self) -> Vec<(&'static str, i64)> {
        let mut counts = Vec::new();
        for table in [
            "users",
            "invitations",
            "outbox",
            "jobs",
            "sessions",
            "access_requests",
            "accounts",
            "portals",
            "permission_overrides",
            "deals",
            "deal_reach",
            "deal_events",
            "deal_contacts",
            "deal_partners",
            "deal_team",
            "contacts",
            "pipeline_stages",
            "registrations",
            "registration_matches",
            "match_keys",
            "referrals",
            "tasks",
            "notifications",
            "idempotency_keys",
            "receipt_keys",
        ] {
            let n: i64 =
                sqlx::query_scalar(sqlx::AssertSqlSafe(format!("SELECT COUNT(*) FROM {table}")))
                    .fetch_one(&self.db.pool)
                    .await
                    .expect("a count");
            counts.push((table, n));
        }
        counts
    }

    /// Makes the audit entry of `action` fail to be written: the last step of its use case
    /// fails, as a full disk or a lost connection would. A test-only trigger on both backends.
    pub async fn fail_audit_of(&self, action: &str) {
        assert!(
            action
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '_'),
            "a plain action name"
        );
        let statements = match self.backend {
            Backend::Sqlite => vec![format!(
                "CREATE TRIGGER inject_failure BEFORE INSERT ON audit_pending \
                 WHEN NEW.action = '{action}' BEGIN SELECT RAISE(ABORT, 'injected failure'); END"
            )],
            Backend::Postgres => vec![
                format!(
                    "CREATE FUNCTION inject_failure() RETURNS trigger AS $$ BEGIN \
                     IF NEW.action = '{action}' THEN RAISE EXCEPTION 'injected failure'; END IF; \
                     RETURN NEW; END; $$ LANGUAGE plpgsql"
                ),
                "CREATE TRIGGER inject_failure BEFORE INSERT ON audit_pending \
                 FOR EACH ROW EXECUTE FUNCTION inject_failure()"
                    .to_owned(),
            ],
        };
        for sql in statements {
            self.db
                .pool
                .execute(sqlx::AssertSqlSafe(sql))
                .await
                .expect("the failure trigger");
        }
    }

    /// Removes the failure `fail_audit_of` injected.
    pub async fn heal(&self) {
        let statements = match self.backend {
            Backend::Sqlite => vec!["DROP TRIGGER inject_failure"],
            Backend::Postgres => vec![
                "DROP TRIGGER inject_failure ON audit_pending",
                "DROP FUNCTION inject_failure()",
            ],
        };
        for sql in statements {
            self.db.pool.execute(sql).await.expect("drop the trigger");
        }
    }

    /// Every audit entry, sealed first, oldest first: (action, outcome).
    pub async fn audit_trail(&self) -> Vec<(String, String)> {
        portcullis::storage::audit::seal(&self.db)
            .await
            .expect("seal");
        sqlx::query_as("SELECT action, outcome FROM audit_log ORDER BY seq")
            .fetch_all(&self.db.pool)
            .await
            .expect("the audit log")
    }

    /// Seeds the demo data.
    pub async fn seed_demo(&self) {
        portcullis::seed::seed_demo(&self.db)
            .await
            .expect("demo data seeds");
    }
}

/// A signed-in session: the access token and the raw refresh cookie (`name=value`).
#[derive(Debug, Clone)]
pub struct Session {
    pub token: String,
    pub refresh_cookie: String,
}

impl TestApp {
    /// Signs in; panics unless the answer is 200.
    pub async fn login(&self, email: &str, password: &str, portal: Option<&str>) -> Session {
        let res = self.try_login(email, password, portal).await;
        assert_eq!(res.status(), 200, "sign-in of {email}");
        session_from(res).await
    }

    /// Attempts a sign-in.
    pub async fn try_login(
        &self,
        email: &str,
        password: &str,
        portal: Option<&str>,
    ) -> reqwest::Response {
        self.client
            .post(self.url("/api/v1/auth/login"))
            .json(&serde_json::json!({"email": email, "password": password, "portal": portal}))
            .send()
            .await
            .expect("sent")
    }

    /// Signs in as a demo user with the demo password, at their portal.
    pub async fn login_demo(&self, email: &str) -> Session {
        let user = portcullis::seed::DEMO_USERS
            .iter()
            .find(|u| u.email == email)
            .expect("a demo user");
        self.login(email, portcullis::seed::DEMO_PASSWORD, user.portal)
            .await
    }

    /// A ready session for a user, opened the way a sign-in opens one but without checking a
    /// password (no argon2 per case): for tests about what a signed-in caller may do, not
    /// about signing in.
    pub async fn session_for(&self, email: &str) -> Session {
        use portcullis::storage::{portals, users};
        let keys = portcullis::auth::tokens::Keys::load_or_create(
            &self.db,
            self.core.settings.access_token_ttl_secs,
        )
        .await
        .expect("the signing keys");
        let mut tx = self.db.begin().await.expect("a transaction");
        let user = users::find_by_email(&mut tx, email)
            .await
            .expect("db")
            .expect("the user exists");
        let portal = match &user.portal_id {
            Some(id) => portals::find_by_id(&mut tx, id).await.expect("db"),
            None => None,
        };
        let opened = portcullis::app::auth::open_session(
            &mut tx,
            &keys,
            &portcullis::app::Origin::default(),
            &user,
            portal,
            None,
        )
        .await
        .expect("a session");
        tx.commit().await.expect("commit");
        Session {
            token: opened.token.access_token,
            refresh_cookie: format!(
                "portcullis_refresh={}.{}",
                opened.sid, opened.refresh_secret
            ),
        }
    }

    /// GET with a bearer token.
    pub async fn get_as(&self, token: &str, path: &str) -> reqwest::Response {
        self.client
            .get(self.url(path))
            .bearer_auth(token)
            .send()
            .await
            .expect("sent")
    }

    /// POST JSON with a bearer token.
    pub async fn post_as(
        &self,
        token: &str,
        path: &str,
        body: &serde_json::Value,
    ) -> reqwest::Response {
        self.client
            .post(self.url(path))
            .bearer_auth(token)
            .json(body)
            .send()
            .await
            .expect("sent")
    }
}

/// Reads the access token and refresh cookie of a sign-in or refresh answer.
pub async fn session_from(res: reqwest::Response) -> Session {
    let refresh_cookie = res
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("portcullis_refresh="))
        .and_then(|c| c.split(';').next())
        .expect("a refresh cookie")
        .to_owned();
    let body: serde_json::Value = res.json().await.expect("json");
    Session {
        token: body["access_token"]
            .as_str()
            .expect("access_token")
            .to_owned(),
        refresh_cookie,
    }
}

/// Asserts a problem+json response with this status and code, and returns its body.
pub async fn assert_problem(res: reqwest::Response, status: u16, code: &str) -> serde_json::Value {
    assert_eq!(res.status().as_u16(), status, "status of {}", res.url());
    let ct = res
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    assert_eq!(
        ct,
        "application/problem+json",
        "content type of {}",
        res.url()
    );
    let body: serde_json::Value = res.json().await.expect("a JSON problem body");
    assert_eq!(body["status"], status);
    assert_eq!(body["code"], code);
    assert!(body["type"].as_str().is_some_and(|t| t.ends_with(code)));
    assert!(body["title"].is_string());
    body
}

/// Generates one `#[tokio::test]` per backend for each named async test function taking a
/// `TestApp`: `sqlite::<name>` always, `postgres::<name>` against `PORTCULLIS_TEST_PG_URL`.
/// Without PostgreSQL the `postgres::` cases are compiled as ignored, so the run reports them
/// as skipped rather than passed.
#[macro_export]
macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    let app = $crate::TestApp::spawn($crate::Backend::Sqlite).await.expect("sqlite app");
                    super::$name(app).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                #[cfg_attr(not(pg_tests), ignore = "PORTCULLIS_TEST_PG_URL is not set")]
                async fn $name() {
                    let app = $crate::TestApp::spawn($crate::Backend::Postgres).await.expect("postgres app");
                    super::$name(app).await;
                }
            )*
        }
    };
}

/// As `on_both_backends!`, for test functions that start their own app (with settings of
/// their own): each takes the `Backend` to start it on.
#[macro_export]
macro_rules! on_both_backends_starting {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name($crate::Backend::Sqlite).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                #[cfg_attr(not(pg_tests), ignore = "PORTCULLIS_TEST_PG_URL is not set")]
                async fn $name() {
                    super::$name($crate::Backend::Postgres).await;
                }
            )*
        }
    };
}

/// Binds a free port on 127.0.0.1 and releases it for a server to take.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .expect("a free port")
        .local_addr()
        .expect("an address")
        .port()
}

/// Waits until `check` holds, polling every 100 ms, for at most `secs` seconds.
pub async fn eventually<F, Fut>(secs: u64, what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(secs);
    while std::time::Instant::now() < deadline {
        if check().await {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("{what}: not within {secs} s");
}

/// The `portcullis` binary built beside this test (`cargo build -p portcullis-api`, which
/// `make test` runs first).
pub fn server_binary() -> std::path::PathBuf {
    let exe = std::env::current_exe().expect("the test binary");
    let dir = exe
        .parent()
        .and_then(|deps| deps.parent())
        .expect("target/<profile>");
    let bin = dir.join("portcullis");
    assert!(
        bin.exists(),
        "{} is missing: build it with `cargo build -p portcullis-api` (make test does)",
        bin.display()
    );
    bin
}

/// A Portcullis server process (a node), on a database shared with a `TestApp`.
pub struct Node {
    pub address: String,
    child: std::process::Child,
    _dir: tempfile::TempDir,
}

impl Node {
    /// Starts `portcullis serve` on `database_url` with extra settings; waits until ready.
    pub async fn start(database_url: &str, extra: &[(&str, &str)]) -> Node {
        let dir = tempfile::tempdir().expect("a data directory");
        let port = free_port();
        let mut cmd = std::process::Command::new(server_binary());
        cmd.arg("serve")
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("DATABASE_URL", database_url)
            .env("PORTCULLIS_ADDR", format!("127.0.0.1:{port}"))
            .env("PORTCULLIS_DATA_DIR", dir.path())
            .env("PORTCULLIS_AUTH_ATTEMPTS_PER_IP_PER_MINUTE", "1000000")
            .env("RUST_LOG", "warn")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::inherit());
        for (k, v) in extra {
            cmd.env(k, v);
        }
        let child = cmd.spawn().expect("the server starts");
        let node = Node {
            address: format!("http://127.0.0.1:{port}"),
            child,
            _dir: dir,
        };
        let client = reqwest::Client::new();
        let ready = format!("{}/readyz", node.address);
        eventually(30, "the node is ready", || {
            let client = client.clone();
            let ready = ready.clone();
            async move {
                client
                    .get(&ready)
                    .send()
                    .await
                    .is_ok_and(|r| r.status().is_success())
            }
        })
        .await;
        node
    }

    /// An absolute URL on this node.
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    /// Stops the process at once, as `kill -9` does: no shutdown, no cleanup.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Node {
    fn drop(&mut self) {
        self.kill();
    }
}

/// The Python of the test tools' virtual environment (aiosmtpd), which `make test` creates.
pub fn tools_python() -> std::path::PathBuf {
    let home = std::env::var("HOME").expect("HOME");
    let py = std::path::Path::new(&home).join(".cache/portcullis/venv/bin/python");
    assert!(
        py.exists(),
        "{} is missing: `make test-tools` creates it",
        py.display()
    );
    py
}

/// A real SMTP server on 127.0.0.1 (aiosmtpd), storing every message it accepts in a
/// Maildir.
pub struct SmtpServer {
    pub port: u16,
    maildir: tempfile::TempDir,
    child: std::process::Child,
}

impl SmtpServer {
    /// Starts the server on `port`; waits until it accepts connections.
    pub async fn start(port: u16) -> SmtpServer {
        let maildir = tempfile::tempdir().expect("a maildir");
        let child = std::process::Command::new(tools_python())
            .args(["-m", "aiosmtpd", "-n", "-l"])
            .arg(format!("127.0.0.1:{port}"))
            .args(["-c", "aiosmtpd.handlers.Mailbox"])
            // The handler creates its Maildir only when the folder does not exist yet.
            .arg(maildir.path().join("mail"))
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("aiosmtpd starts");
        let server = SmtpServer {
            port,
            maildir,
            child,
        };
        eventually(20, "the SMTP server listens", || async move {
            tokio::net::TcpStream::connect(("127.0.0.1", port))
                .await
                .is_ok()
        })
        .await;
        server
    }

    /// The messages received so far, raw.
    pub fn messages(&self) -> Vec<String> {
        let new = self.maildir.path().join("mail").join("new");
        let Ok(entries) = std::fs::read_dir(new) else {
            return Vec::new();
        };
        entries
            .filter_map(|e| e.ok())
            .filter_map(|e| std::fs::read_to_string(e.path()).ok())
            .collect()
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The demo data's people (`portcullis seed-demo`), one per role and a few more.
pub mod demo {
    use portcullis_shared::Role;

    pub const ADMIN: &str = "admin@portcullis.example";
    pub const MANAGER: &str = "manager@portcullis.example";
    pub const CHANNEL: &str = "channel@portcullis.example";
    pub const REP: &str = "rep@portcullis.example";
    /// Globex's customer user.
    pub const CUSTOMER: &str = "customer@globex.example";
    /// Initech's customer user: another account.
    pub const OTHER_CUSTOMER: &str = "customer@initech.example";
    /// Northwind's partner user (Northwind co-sells the Globex rollout).
    pub const PARTNER: &str = "partner@northwind.example";
    pub const PARTNER_ADMIN: &str = "partner-admin@northwind.example";
    /// Contoso's partner user: another partner organisation.
    pub const OTHER_PARTNER: &str = "partner@contoso.example";

    /// The demo user who plays each role.
    pub fn caller(role: Role) -> &'static str {
        match role {
            Role::Admin => ADMIN,
            Role::Manager => MANAGER,
            Role::ChannelManager => CHANNEL,
            Role::SalesRep => REP,
            Role::CustomerUser => CUSTOMER,
            Role::PartnerUser => PARTNER,
            Role::PartnerAdmin => PARTNER_ADMIN,
        }
    }
}

impl TestApp {
    /// The id of a demo deal, by its external id (`demo-globex-rollout`, …).
    pub async fn demo_deal(&self, external_id: &str) -> String {
        sqlx::query_scalar("SELECT id FROM deals WHERE external_id = $1")
            .bind(external_id)
            .fetch_one(&self.db.pool)
            .await
            .expect("the demo deal")
    }
}
