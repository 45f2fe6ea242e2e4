//! Documents: a 40 MiB upload and download through the release server, on the local store
//! and on S3 (moto, when installed), with throughput and the server's peak memory. The file
//! streams through encryption both ways, so the peak should stay far below the file's size.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use portcullis_tests::{Backend, TestApp, free_port};

const SIZE: usize = 40 * 1024 * 1024;
const ROUNDS: usize = 3;

struct Server {
    child: Child,
    base: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// What streaming promises: the server's peak memory while a 40 MiB file goes in and out
/// rises by less than half the file over its peak before (a server that held the file, or
/// its ciphertext, would rise by at least the whole of it).
const RISE_BOUND_MIB: f64 = 20.0;

impl Server {
    fn peak_rss_mib(&self) -> f64 {
        self.status_mib("VmHWM:")
    }

    fn status_mib(&self, field: &str) -> f64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))
            .unwrap_or_default();
        status
            .lines()
            .find(|l| l.starts_with(field))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|kib| kib.parse::<f64>().ok())
            .unwrap_or(0.0)
            / 1024.0
    }
}

async fn start(database_url: &str, data_dir: &Path, extra: &[(&str, String)]) -> Server {
    let port = free_port();
    let mut cmd = Command::new(super::deals::server_binary());
    cmd.arg("serve")
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("DATABASE_URL", database_url)
        .env("PORTCULLIS_ADDR", format!("127.0.0.1:{port}"))
        .env("PORTCULLIS_DATA_DIR", data_dir)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::inherit());
    for (k, v) in extra {
        cmd.env(k, v);
    }
    let server = Server {
        child: cmd.spawn().expect("the release server starts"),
        base: format!("http://127.0.0.1:{port}"),
    };
    let client = reqwest::Client::new();
    portcullis_tests::eventually(30, "the release server is ready", || {
        let client = client.clone();
        let url = format!("{}/readyz", server.base);
        async move {
            client
                .get(&url)
                .send()
                .await
                .is_ok_and(|r| r.status().is_success())
        }
    })
    .await;
    server
}

/// Starts moto and creates the bucket; `None` when moto is not installed.
async fn moto() -> Option<(Child, String)> {
    let home = std::env::var("HOME").ok()?;
    let bin = Path::new(&home).join(".cache/portcullis/venv/bin/moto_server");
    if !bin.exists() {
        return None;
    }
    let port = free_port();
    let child = Command::new(bin)
        .args(["-H", "127.0.0.1", "-p", &port.to_string()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .ok()?;
    let url = format!("http://127.0.0.1:{port}");
    let client = reqwest::Client::new();
    portcullis_tests::eventually(30, "moto listens", || {
        let client = client.clone();
        let url = url.clone();
        async move { client.get(&url).send().await.is_ok() }
    })
    .await;
    client.put(format!("{url}/bench-docs")).send().await.ok()?;
    Some((child, url))
}

fn mib_s(bytes: usize, d: Duration) -> f64 {
    bytes as f64 / (1024.0 * 1024.0) / d.as_secs_f64()
}

async fn scenario(name: &str, extra: &[(&str, String)]) {
    let Some(app) = TestApp::spawn(Backend::Sqlite).await else {
        return;
    };
    app.seed_demo().await;
    let data = tempfile::tempdir().expect("a data directory");
    let server = start(&app.database_url, data.path(), extra).await;
    let token = app.session_for("admin@portcullis.example").await.token;
    let deal: String =
        sqlx::query_scalar("SELECT id FROM deals WHERE external_id = 'demo-globex-rollout'")
            .fetch_one(&app.db.pool)
            .await
            .expect("the demo deal");
    // Incompressible-looking bytes: a simple generator, so no format is sniffed.
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    let file: Vec<u8> = (0..SIZE)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect();
    let client = reqwest::Client::new();
    // The server warms up first: the web app's files compressed (what a first visit costs)
    // and one small file through, so the baseline is a working server's.
    let index = client
        .get(format!("{}/", server.base))
        .send()
        .await
        .expect("index");
    let html = index.text().await.unwrap_or_default();
    for asset in html
        .split('"')
        .filter(|s| s.starts_with('/') && s.ends_with(".wasm"))
    {
        let _ = client
            .get(format!("{}{asset}", server.base))
            .header("accept-encoding", "br")
            .send()
            .await
            .map(|r| r.bytes());
    }
    let warm = client
        .post(format!(
            "{}/api/v1/deals/{deal}/documents?name=warm.bin",
            server.base
        ))
        .bearer_auth(&token)
        .body(file[..1 << 20].to_vec())
        .send()
        .await
        .expect("warm-up upload");
    assert_eq!(warm.status(), 201);
    let before = server.peak_rss_mib();
    let (mut up, mut down) = (Vec::new(), Vec::new());
    for round in 0..ROUNDS {
        let started = Instant::now();
        let res = client
            .post(format!(
                "{}/api/v1/deals/{deal}/documents?name=bench-{round}.bin",
                server.base
            ))
            .bearer_auth(&token)
            .body(file.clone())
            .send()
            .await
            .expect("uploaded");
        assert_eq!(
            res.status(),
            201,
            "upload: {}",
            res.text().await.unwrap_or_default()
        );
        let doc: serde_json::Value = res.json().await.expect("json");
        up.push(started.elapsed());
        let id = doc["id"].as_str().expect("id").to_owned();
        let started = Instant::now();
        let res = client
            .get(format!("{}/api/v1/documents/{id}/content", server.base))
            .bearer_auth(&token)
            .send()
            .await
            .expect("downloading");
        assert_eq!(res.status(), 200);
        let mut body = res.bytes_stream();
        let mut received = 0usize;
        while let Some(piece) = body.next().await {
            received += piece.expect("the download completes").len();
        }
        down.push(started.elapsed());
        assert_eq!(received, SIZE);
    }
    up.sort();
    down.sort();
    let median = |v: &[Duration]| v[v.len() / 2];
    let peak = server.peak_rss_mib();
    println!(
        "{:<44} upload {:>7.1} MiB/s, download {:>7.1} MiB/s (median of {ROUNDS}), server peak RSS {:.1} MiB (+{:.1} MiB while transferring; bound +{RISE_BOUND_MIB} MiB)",
        format!("documents, 40 MiB, {name}"),
        mib_s(SIZE, median(&up)),
        mib_s(SIZE, median(&down)),
        peak,
        peak - before
    );
    assert!(
        peak - before < RISE_BOUND_MIB,
        "{name}: the server's peak memory rose {:.1} MiB moving a 40 MiB file; streaming keeps it under {RISE_BOUND_MIB} MiB",
        peak - before
    );
}

/// Runs the scenario on the local store, then on moto's S3 when moto is installed.
pub async fn run() {
    scenario("local store", &[]).await;
    match moto().await {
        Some((mut child, url)) => {
            scenario(
                "S3 (moto)",
                &[
                    ("PORTCULLIS_OBJECT_STORE", "s3".to_owned()),
                    ("PORTCULLIS_S3_BUCKET", "bench-docs".to_owned()),
                    ("PORTCULLIS_S3_ENDPOINT", url),
                    ("AWS_ACCESS_KEY_ID", "bench".to_owned()),
                    ("AWS_SECRET_ACCESS_KEY", "bench".to_owned()),
                ],
            )
            .await;
            let _ = child.kill();
            let _ = child.wait();
        }
        None => println!(
            "{:<44} skipped: moto is not installed (`make test-tools`)",
            "documents, 40 MiB, S3 (moto)"
        ),
    }
}
