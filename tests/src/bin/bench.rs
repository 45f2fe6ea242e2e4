//! `make bench`: measures Portcullis through its HTTP API on this machine, on SQLite (and on
//! PostgreSQL when `PORTCULLIS_TEST_PG_URL` is set). Figures, not assertions: targets live
//! here, never in timed tests.
//!
//! - sign-in: latency (median, p99) and throughput with concurrent clients (argon2id bound);
//! - `/me` with a live-session check on every request: latency and throughput;
//! - a burst of profile updates (each with its audit entry) and how far sealing trails it;
//! - importing 10,000 invitations from CSV in one request;
//! - deals at the reference workload (1M deals, 100k users; `deals.rs`): "my deals" of
//!   partner, customer and rep users and a deal page with its timeline through the release
//!   server under wrk, beside the database alone running the same list query, and the plan
//!   of every list query.
//!
//! - documents: a 40 MiB upload and download through the release server, on the local store
//!   and on S3 (moto), with MiB/s and the server's peak RSS (`documents.rs`).
//!
//! `bench deals` runs only the deals; `bench documents` only the documents; `bench quick`
//! all but the deals.

#[path = "bench/deals.rs"]
mod deals;
#[path = "bench/documents.rs"]
mod documents;

use std::time::{Duration, Instant};

use portcullis::seed::DEMO_PASSWORD;
use portcullis_tests::{Backend, TestApp};

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let idx = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[idx]
}

async fn load<F, Fut>(clients: usize, per_client: usize, f: F) -> (Vec<Duration>, Duration)
where
    F: Fn() -> Fut + Clone + Send + 'static,
    Fut: std::future::Future<Output = bool> + Send,
{
    let started = Instant::now();
    let mut handles = Vec::new();
    for _ in 0..clients {
        let f = f.clone();
        handles.push(tokio::spawn(async move {
            let mut times = Vec::with_capacity(per_client);
            for _ in 0..per_client {
                let t = Instant::now();
                assert!(f().await, "request failed during the benchmark");
                times.push(t.elapsed());
            }
            times
        }));
    }
    let mut all = Vec::new();
    for h in handles {
        all.extend(h.await.expect("client task"));
    }
    let wall = started.elapsed();
    all.sort();
    (all, wall)
}

fn report(name: &str, times: &[Duration], wall: Duration) {
    println!(
        "{name:<44} n={:<6} median={:>8.2?} p99={:>8.2?} throughput={:>8.1}/s",
        times.len(),
        percentile(times, 0.5),
        percentile(times, 0.99),
        times.len() as f64 / wall.as_secs_f64()
    );
}

async fn bench(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    app.seed_demo().await;
    println!("== {backend:?}");

    let sign_in = |clients: usize, per_client: usize| {
        let client = app.client.clone();
        let url = app.url("/api/v1/auth/login");
        load(clients, per_client, move || {
            let client = client.clone();
            let url = url.clone();
            async move {
                client
                    .post(&url)
                    .json(&serde_json::json!({"email": "admin@portcullis.example", "password": DEMO_PASSWORD}))
                    .send()
                    .await
                    .is_ok_and(|r| r.status() == 200)
            }
        })
    };
    let (times, wall) = sign_in(1, 50).await;
    report("sign-in, one client at a time", &times, wall);
    let (times, wall) = sign_in(8, 25).await;
    report("sign-in, 8 concurrent clients", &times, wall);

    let token = app.login_demo("partner@northwind.example").await.token;
    let client = app.client.clone();
    let url = app.url("/api/v1/me");
    let (times, wall) = load(16, 500, move || {
        let client = client.clone();
        let url = url.clone();
        let token = token.clone();
        async move {
            client
                .get(&url)
                .bearer_auth(&token)
                .send()
                .await
                .is_ok_and(|r| r.status() == 200)
        }
    })
    .await;
    report("/me (token + live session), 16 clients", &times, wall);

    // A burst of writes, each a use case committing its change with its audit entry, and how
    // far the sealing of those entries into the chain trails the burst.
    let token = app.login_demo("customer@globex.example").await.token;
    let pending = |pool: sqlx::AnyPool| async move {
        sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM audit_pending")
            .fetch_one(&pool)
            .await
            .unwrap_or(0)
    };
    let sampling = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(true));
    let sampler = {
        let (pool, sampling) = (app.db.pool.clone(), sampling.clone());
        tokio::spawn(async move {
            let mut most = 0;
            while sampling.load(std::sync::atomic::Ordering::Relaxed) {
                most = most.max(pending(pool.clone()).await);
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
            most
        })
    };
    let client = app.client.clone();
    let url = app.url("/api/v1/me/profile");
    let (times, wall) = load(16, 100, move || {
        let client = client.clone();
        let url = url.clone();
        let token = token.clone();
        async move {
            client
                .patch(&url)
                .bearer_auth(&token)
                .json(&serde_json::json!({"title": "Procurement lead"}))
                .send()
                .await
                .is_ok_and(|r| r.status() == 200)
        }
    })
    .await;
    let burst_end = Instant::now();
    sampling.store(false, std::sync::atomic::Ordering::Relaxed);
    let most_pending = sampler.await.unwrap_or(0);
    while pending(app.db.pool.clone()).await > 0 {
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    report("profile update (write + audit), 16 clients", &times, wall);
    println!(
        "{:<44} most awaiting sealing={most_pending} all sealed {:?} after the burst",
        "audit sealing during that burst",
        burst_end.elapsed()
    );

    let admin = app.login_demo("admin@portcullis.example").await.token;
    let account = app.account_id("Northwind Partners").await;
    let portal = app.portal_id("partners").await;
    let mut csv = String::from("email,name\n");
    for i in 0..10_000 {
        csv.push_str(&format!("bench{i}@northwind.example,Contact {i}\n"));
    }
    let started = Instant::now();
    let res = app
        .client
        .post(app.url(&format!("/api/v1/admin/invitations/import?role=partner_user&account_id={account}&portal_id={portal}")))
        .bearer_auth(&admin)
        .header("content-type", "text/csv")
        .body(csv)
        .send()
        .await
        .expect("sent");
    assert_eq!(res.status(), 200);
    println!(
        "{:<44} {:?}",
        "import 10,000 invitations (CSV)",
        started.elapsed()
    );
}

/// What a first visit downloads, as served (brotli): the page, its script, WebAssembly and
/// styles. The design's budget is 300 KB.
async fn spa_weight() {
    let Some(app) = TestApp::spawn(Backend::Sqlite).await else {
        return;
    };
    let fetch = |path: String| {
        let client = app.client.clone();
        let url = app.url(&path);
        async move {
            let res = client
                .get(&url)
                .header("accept-encoding", "br")
                .send()
                .await
                .expect("sent");
            assert_eq!(res.status(), 200, "{url}");
            res.bytes().await.expect("body")
        }
    };
    let index = fetch("/p/acme".into()).await;
    // The page as text (compressed above, so read it again plainly to find its assets).
    let html = app.get("/p/acme").await.text().await.expect("page");
    if !html.contains(".wasm") && !html.contains(".js") {
        println!(
            "{:<44} not built (run `make spa` first)",
            "web app, first visit (brotli)"
        );
        return;
    }
    let mut assets: Vec<String> = html
        .split(['"', '\''])
        .filter(|s| {
            s.starts_with('/')
                && (s.ends_with(".js") || s.ends_with(".wasm") || s.ends_with(".css"))
        })
        .map(str::to_owned)
        .collect();
    assets.sort();
    assets.dedup();
    let mut total = index.len();
    let mut parts = Vec::new();
    for a in assets {
        let n = fetch(a.clone()).await.len();
        parts.push(format!("{} {n}", a.rsplit('.').next().unwrap_or("")));
        total += n;
    }
    println!(
        "{:<44} {} bytes ({}; html {}), budget 300 KB",
        "web app, first visit (brotli)",
        total,
        parts.join(", "),
        index.len()
    );
}

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    let only = std::env::args().nth(1).unwrap_or_default();
    if only == "documents" {
        documents::run().await;
        return;
    }
    if only != "deals" {
        spa_weight().await;
        bench(Backend::Sqlite).await;
        bench(Backend::Postgres).await;
        documents::run().await;
    }
    if only != "quick" {
        deals::install_statement_log();
        let mut outcomes = Vec::new();
        // `PORTCULLIS_BENCH_BACKEND=sqlite|postgres` measures one backend only.
        let one = std::env::var("PORTCULLIS_BENCH_BACKEND").unwrap_or_default();
        for backend in [Backend::Sqlite, Backend::Postgres] {
            let name = match backend {
                Backend::Sqlite => "sqlite",
                Backend::Postgres => "postgres",
            };
            if !one.is_empty() && one != name {
                continue;
            }
            outcomes.extend(deals::run(backend).await);
        }
        println!("== Deals at the reference workload: summary");
        println!(
            "   wrk -t2 -c32 through the release server; DB alone: the same first-page query for the \
             same users (pgbench -M prepared -c 32 -j 2 on PostgreSQL, one prepared statement per \
             core in-process on SQLite); RSS: the server's peak during the measurement; load: the \
             machine's 1-minute load average after it. Targets on PostgreSQL: partner app/DB >= 50%, \
             p99 <= 10 ms, RSS <= 150 MiB"
        );
        deals::header();
        for o in &outcomes {
            for l in &o.lines {
                deals::print_line(l);
            }
        }
        for o in &outcomes {
            for n in &o.notes {
                println!("   {n}");
            }
        }
    }
}
