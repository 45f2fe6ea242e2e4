//! Documents on deals: versions round-trip through the encrypted store; each side reads only
//! its audiences (anything else is 404, and nothing internal leaks into their lists); stored
//! bytes hold no plaintext and any tampering fails the download; oversized uploads leave
//! nothing behind; the master key rotates without re-encrypting files, on the local store
//! and on S3 (moto).

use std::path::{Path, PathBuf};

use portcullis_shared::Role;
use portcullis_tests::demo::{ADMIN, CUSTOMER, OTHER_CUSTOMER, PARTNER, REP, caller};
use portcullis_tests::{Node, TestApp, assert_problem, free_port, on_both_backends};
use reqwest::Method;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

/// A unique marker planted in internal documents (and their comments).
const MARKER: &str = "QZDOC-PLANTED-5521";
/// A unique marker planted in partner-only documents: customers never see it.
const PARTNER_MARKER: &str = "QZDOC-PARTNER-8830";

/// Lets a partner user into the co-sell workspace ("Access co-sell workspace" is off by
/// default).
async fn grant_co_sell(app: &TestApp, email: &str) {
    let user = app.user_id(email).await;
    sqlx::query(
        "INSERT INTO permission_overrides (scope_kind, scope_id, permission, allowed, updated_at) \
         VALUES ('user', $1, 'access_co_sell_workspace', 1, 0)",
    )
    .bind(user)
    .execute(&app.db.pool)
    .await
    .expect("granted");
}

async fn upload_to(
    client: &reqwest::Client,
    base: &str,
    token: &str,
    deal: &str,
    query: &str,
    body: Vec<u8>,
) -> reqwest::Response {
    client
        .post(format!("{base}/api/v1/deals/{deal}/documents?{query}"))
        .bearer_auth(token)
        .header("content-type", "application/octet-stream")
        .body(body)
        .send()
        .await
        .expect("sent")
}

async fn upload(
    app: &TestApp,
    token: &str,
    deal: &str,
    query: &str,
    body: Vec<u8>,
) -> reqwest::Response {
    upload_to(&app.client, &app.address, token, deal, query, body).await
}

async fn json_of(res: reqwest::Response) -> Value {
    let status = res.status();
    let url = res.url().to_string();
    let body = res.text().await.expect("body");
    assert!(status.is_success(), "{url}: {status} {body}");
    serde_json::from_str(&body).expect("json")
}

async fn created(res: reqwest::Response) -> Value {
    assert_eq!(res.status(), 201, "{:?}", res.url().to_string());
    json_of(res).await
}

async fn send(
    app: &TestApp,
    method: Method,
    token: &str,
    path: &str,
    body: Option<Value>,
) -> reqwest::Response {
    let mut req = app.client.request(method, app.url(path)).bearer_auth(token);
    if let Some(b) = body {
        req = req.json(&b);
    }
    req.send().await.expect("sent")
}

fn sha256_hex(data: &[u8]) -> String {
    Sha256::digest(data)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Downloads a document's content in full; `Err` when the download fails at any point.
async fn download_from(
    client: &reqwest::Client,
    url: &str,
    token: &str,
) -> Result<(reqwest::header::HeaderMap, Vec<u8>), String> {
    let res = client
        .get(url)
        .bearer_auth(token)
        .send()
        .await
        .map_err(|e| format!("request failed: {e}"))?;
    let status = res.status();
    let headers = res.headers().clone();
    if !status.is_success() {
        return Err(format!(
            "status {status}: {}",
            res.text().await.unwrap_or_default()
        ));
    }
    let body = res.bytes().await.map_err(|e| format!("body failed: {e}"))?;
    Ok((headers, body.to_vec()))
}

async fn download(app: &TestApp, token: &str, path: &str) -> Result<Vec<u8>, String> {
    download_from(&app.client, &app.url(path), token)
        .await
        .map(|(_, b)| b)
}

/// Every file under `dir`, recursively.
fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return out;
    };
    for e in entries.flatten() {
        let path = e.path();
        if path.is_dir() {
            out.extend(files_under(&path));
        } else {
            out.push(path);
        }
    }
    out
}

async fn object_key(app: &TestApp, document: &str, version: i64) -> String {
    sqlx::query_scalar(
        "SELECT object_key FROM document_versions WHERE document_id = $1 AND version = $2",
    )
    .bind(document)
    .bind(version)
    .fetch_one(&app.db.pool)
    .await
    .expect("the version")
}

async fn count(app: &TestApp, sql: &str) -> i64 {
    sqlx::query_scalar(sqlx::AssertSqlSafe(sql.to_owned()))
        .fetch_one(&app.db.pool)
        .await
        .expect("a count")
}

/// Recognisable text of `len` bytes.
fn canary_text(len: usize) -> Vec<u8> {
    let line = b"PORTCULLIS-CANARY plaintext line of a confidential proposal\n";
    line.iter().copied().cycle().take(len).collect()
}

async fn uploads_version_and_download_round_trip(app: TestApp) {
    app.seed_demo().await;
    let admin = app.session_for(ADMIN).await.token;
    let customer = app.session_for(CUSTOMER).await.token;
    let deal = app.demo_deal("demo-globex-rollout").await;
    let first = canary_text(150_000);
    let doc = created(
        upload(
            &app,
            &admin,
            &deal,
            "name=..%2F..%2Fetc%2FPricing%20sheet.csv&category=quote&audience=customer&title=Pricing",
            first.clone(),
        )
        .await,
    )
    .await;
    let id = doc["id"].as_str().expect("id").to_owned();
    assert_eq!(doc["file_name"], "Pricing sheet.csv");
    assert_eq!(doc["content_type"], "text/plain; charset=utf-8");
    assert_eq!(doc["size"], 150_000);
    assert_eq!(doc["sha256"], sha256_hex(&first).as_str());
    assert_eq!(doc["version"], 1);
    assert_eq!(doc["category"], "quote");
    assert_eq!(doc["audience"], "customer");
    assert_eq!(doc["deal_id"], deal.as_str());
    assert_eq!(doc["deal_name"], "Globex platform rollout");
    assert_eq!(doc["download_count"], 0);
    assert!(doc["signing_status"].is_null());

    // The customer downloads it: typed by content, named safely, never sniffed.
    let (headers, body) = download_from(
        &app.client,
        &app.url(&format!("/api/v1/documents/{id}/content")),
        &customer,
    )
    .await
    .expect("downloads");
    assert_eq!(body, first);
    assert_eq!(headers["content-type"], "text/plain; charset=utf-8");
    assert_eq!(headers["x-content-type-options"], "nosniff");
    assert_eq!(
        headers["content-disposition"],
        "attachment; filename*=UTF-8''Pricing%20sheet.csv"
    );

    // A second version, a PDF: the type comes from the content, not the name.
    let mut second = b"%PDF-1.7\n".to_vec();
    second.extend_from_slice(&[0u8, 1, 2, 3, 255].repeat(40_000));
    let res = app
        .client
        .post(app.url(&format!("/api/v1/documents/{id}/versions?name=pricing.txt")))
        .bearer_auth(&admin)
        .header("content-type", "text/plain")
        .body(second.clone())
        .send()
        .await
        .expect("sent");
    let doc = created(res).await;
    assert_eq!(doc["version"], 2);
    assert_eq!(doc["content_type"], "application/pdf");
    assert_eq!(doc["file_name"], "pricing.txt");
    let full = json_of(
        app.get_as(&customer, &format!("/api/v1/documents/{id}"))
            .await,
    )
    .await;
    let versions: Vec<i64> = full["versions"]
        .as_array()
        .expect("versions")
        .iter()
        .map(|v| v["version"].as_i64().expect("n"))
        .collect();
    assert_eq!(versions, [2, 1]);
    assert_eq!(full["versions"][1]["sha256"], sha256_hex(&first).as_str());
    assert!(full["download_count"].is_null(), "externals get no count");

    // Every version stays downloadable.
    assert_eq!(
        download(&app, &customer, &format!("/api/v1/documents/{id}/content"))
            .await
            .expect("current"),
        second
    );
    assert_eq!(
        download(
            &app,
            &customer,
            &format!("/api/v1/documents/{id}/versions/1/content")
        )
        .await
        .expect("first"),
        first
    );
    assert!(
        download(
            &app,
            &customer,
            &format!("/api/v1/documents/{id}/versions/3/content")
        )
        .await
        .is_err()
    );
    // A rep downloads too: counted and audited, but not a timeline event.
    assert_eq!(
        download(&app, &admin, &format!("/api/v1/documents/{id}/content"))
            .await
            .expect("staff download"),
        second
    );
    let doc = json_of(app.get_as(&admin, &format!("/api/v1/documents/{id}")).await).await;
    assert_eq!(doc["download_count"], 4);
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM audit_log WHERE action = 'document.download'"
        )
        .await,
        4
    );
    // The customer's downloads are on the deal's internal timeline only.
    let inside = app
        .get_as(&admin, &format!("/api/v1/deals/{deal}/timeline?limit=100"))
        .await
        .text()
        .await
        .expect("timeline");
    assert_eq!(inside.matches("document.downloaded").count(), 3, "{inside}");
    assert!(inside.contains("document.uploaded"));
    let outside = app
        .get_as(
            &customer,
            &format!("/api/v1/deals/{deal}/timeline?limit=100"),
        )
        .await
        .text()
        .await
        .expect("timeline");
    assert!(!outside.contains("document."), "{outside}");

    // The customer's documents tab: every document across their deals, with its deal.
    let list = json_of(
        app.get_as(&customer, "/api/v1/documents?category=quote")
            .await,
    )
    .await;
    assert_eq!(list["items"].as_array().expect("items").len(), 1);
    assert_eq!(list["items"][0]["deal_name"], "Globex platform rollout");
    let none = json_of(
        app.get_as(&customer, "/api/v1/documents?category=contract")
            .await,
    )
    .await;
    assert!(none["items"].as_array().expect("items").is_empty());
}

async fn contracts_comments_and_revision_requests(app: TestApp) {
    app.seed_demo().await;
    let admin = app.session_for(ADMIN).await.token;
    let customer = app.session_for(CUSTOMER).await.token;
    let deal = app.demo_deal("demo-globex-rollout").await;
    let contract = created(
        upload(
            &app,
            &admin,
            &deal,
            "name=msa.pdf&category=contract&audience=both&title=Master%20agreement",
            b"%PDF-1.4 master agreement".to_vec(),
        )
        .await,
    )
    .await;
    let id = contract["id"].as_str().expect("id").to_owned();
    assert_eq!(contract["signing_status"], "draft");
    assert!(contract["signing_changed_by"].is_null());

    let sent = json_of(
        send(
            &app,
            Method::PATCH,
            &admin,
            &format!("/api/v1/documents/{id}"),
            Some(json!({"signing_status": "sent"})),
        )
        .await,
    )
    .await;
    assert_eq!(sent["signing_status"], "sent");
    assert_eq!(
        sent["signing_changed_by"]["id"],
        app.user_id(ADMIN).await.as_str()
    );
    assert!(sent["signing_changed_at"].is_string());
    // Customers read the status but may not move it.
    let seen = json_of(
        app.get_as(&customer, &format!("/api/v1/documents/{id}"))
            .await,
    )
    .await;
    assert_eq!(seen["signing_status"], "sent");
    let res = send(
        &app,
        Method::PATCH,
        &customer,
        &format!("/api/v1/documents/{id}"),
        Some(json!({"signing_status": "signed"})),
    )
    .await;
    assert_problem(res, 403, "forbidden").await;

    // Signing status belongs to contracts; bad values name every field.
    let quote = created(
        upload(
            &app,
            &admin,
            &deal,
            "name=quote.txt&category=quote&audience=customer",
            b"quote".to_vec(),
        )
        .await,
    )
    .await;
    let quote_id = quote["id"].as_str().expect("id");
    let res = send(
        &app,
        Method::PATCH,
        &admin,
        &format!("/api/v1/documents/{quote_id}"),
        Some(json!({"signing_status": "signed", "title": ""})),
    )
    .await;
    let problem = assert_problem(res, 422, "validation_failed").await;
    let fields: Vec<&str> = problem["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .map(|e| e["field"].as_str().expect("field"))
        .collect();
    assert!(
        fields.contains(&"signing_status") && fields.contains(&"title"),
        "{problem}"
    );

    // Comments are read by the document's audience.
    let comment = created(
        app.post_as(
            &customer,
            &format!("/api/v1/documents/{id}/comments"),
            &json!({"body": "Clause 7 needs our legal team's wording."}),
        )
        .await,
    )
    .await;
    assert_eq!(
        comment["author"]["id"],
        app.user_id(CUSTOMER).await.as_str()
    );
    let res = app
        .post_as(
            &customer,
            &format!("/api/v1/documents/{id}/comments"),
            &json!({"body": "   "}),
        )
        .await;
    assert_problem(res, 422, "validation_failed").await;
    let comments = json_of(
        app.get_as(&admin, &format!("/api/v1/documents/{id}/comments"))
            .await,
    )
    .await;
    assert_eq!(comments["items"].as_array().expect("items").len(), 1);

    // A revision request becomes the deal owner's task, with a notification.
    let request = created(
        app.post_as(
            &customer,
            &format!("/api/v1/documents/{id}/revision-requests"),
            &json!({"body": "Please add the data processing addendum."}),
        )
        .await,
    )
    .await;
    let task_id = request["task_id"].as_str().expect("task");
    let (assignee, source, source_id): (String, String, String) =
        sqlx::query_as("SELECT assignee_id, source, source_id FROM tasks WHERE id = $1")
            .bind(task_id)
            .fetch_one(&app.db.pool)
            .await
            .expect("the task");
    assert_eq!(assignee, app.user_id(REP).await);
    assert_eq!(source, "document_revision");
    assert_eq!(source_id, id);
    let rep = app.session_for(REP).await.token;
    let tasks = app
        .get_as(&rep, "/api/v1/tasks")
        .await
        .text()
        .await
        .expect("tasks");
    assert!(tasks.contains("Master agreement"), "{tasks}");
    let notified = count(
        &app,
        "SELECT COUNT(*) FROM notifications WHERE kind = 'document.revision_requested'",
    )
    .await;
    assert_eq!(notified, 1);
    // Only customers ask for revisions.
    let res = app
        .post_as(
            &admin,
            &format!("/api/v1/documents/{id}/revision-requests"),
            &json!({"body": "x"}),
        )
        .await;
    assert_problem(res, 403, "forbidden").await;

    // Deleting is the company's; the files go with the rows.
    let before = files_under(&app.data_dir().join("objects")).len();
    let res = send(
        &app,
        Method::DELETE,
        &admin,
        &format!("/api/v1/documents/{quote_id}"),
        None,
    )
    .await;
    assert_eq!(res.status(), 204);
    assert_eq!(
        files_under(&app.data_dir().join("objects")).len(),
        before - 1
    );
    let res = app
        .get_as(&admin, &format!("/api/v1/documents/{quote_id}"))
        .await;
    assert_problem(res, 404, "not_found").await;
}

async fn bad_uploads_are_refused_naming_every_field_and_store_nothing(app: TestApp) {
    app.seed_demo().await;
    let admin = app.session_for(ADMIN).await.token;
    let customer = app.session_for(CUSTOMER).await.token;
    let deal = app.demo_deal("demo-globex-rollout").await;
    let res = upload(
        &app,
        &admin,
        &deal,
        "category=memo&audience=everyone",
        b"x".to_vec(),
    )
    .await;
    let problem = assert_problem(res, 422, "validation_failed").await;
    let mut fields: Vec<&str> = problem["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .map(|e| e["field"].as_str().expect("field"))
        .collect();
    fields.sort();
    assert_eq!(fields, ["audience", "category", "name"]);
    // A customer may share only with their own side (and the company).
    let res = upload(
        &app,
        &customer,
        &deal,
        "name=a.txt&audience=internal",
        b"x".to_vec(),
    )
    .await;
    assert_problem(res, 422, "validation_failed").await;
    let res = upload(
        &app,
        &customer,
        &deal,
        "name=a.txt&audience=partner",
        b"x".to_vec(),
    )
    .await;
    assert_problem(res, 422, "validation_failed").await;
    let res = upload(&app, &admin, &deal, "name=..%2F..", b"x".to_vec()).await;
    assert_problem(res, 422, "validation_failed").await;
    assert_eq!(count(&app, "SELECT COUNT(*) FROM documents").await, 0);
    assert!(files_under(&app.data_dir().join("objects")).is_empty());
    // The customer's own upload is for their side.
    let mine = created(
        upload(
            &app,
            &customer,
            &deal,
            "name=po.txt",
            b"purchase order".to_vec(),
        )
        .await,
    )
    .await;
    assert_eq!(mine["audience"], "customer");
    assert_eq!(mine["category"], "other");
}

async fn an_upload_over_the_limit_is_413_and_leaves_nothing(app: TestApp) {
    app.seed_demo().await;
    let admin = app.session_for(ADMIN).await.token;
    let deal = app.demo_deal("demo-globex-rollout").await;
    let rows_before = count(&app, "SELECT COUNT(*) FROM document_versions").await;
    let big = vec![b'a'; 60 * 1024 * 1024];
    let started = std::time::Instant::now();
    let res = upload(&app, &admin, &deal, "name=huge.txt", big).await;
    eprintln!("413 after {:?}", started.elapsed());
    let problem = assert_problem(res, 413, "payload_too_large").await;
    assert!(
        problem["detail"]
            .as_str()
            .is_some_and(|d| d.contains("50 MiB")),
        "{problem}"
    );
    assert_eq!(count(&app, "SELECT COUNT(*) FROM documents").await, 0);
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM document_versions").await,
        rows_before
    );
    let left = files_under(&app.data_dir().join("objects"));
    assert!(left.is_empty(), "objects left behind: {left:?}");
    // Just under the limit is fine.
    let res = upload(
        &app,
        &admin,
        &deal,
        "name=fits.txt",
        vec![b'b'; 50 * 1024 * 1024],
    )
    .await;
    assert_eq!(res.status(), 201);
}

async fn stored_bytes_hold_no_plaintext_and_tampering_fails_the_download(app: TestApp) {
    app.seed_demo().await;
    let admin = app.session_for(ADMIN).await.token;
    let deal = app.demo_deal("demo-globex-rollout").await;
    let text = canary_text(4 * 64 * 1024 + 1000);
    let doc = created(upload(&app, &admin, &deal, "name=canary.txt", text.clone()).await).await;
    let id = doc["id"].as_str().expect("id").to_owned();
    let path = app
        .data_dir()
        .join("objects")
        .join(object_key(&app, &id, 1).await);
    let original = std::fs::read(&path).expect("the stored object");
    assert!(
        !original
            .windows(b"PORTCULLIS-CANARY".len())
            .any(|w| w == b"PORTCULLIS-CANARY"),
        "the stored object holds plaintext"
    );
    let url = format!("/api/v1/documents/{id}/content");
    assert_eq!(download(&app, &admin, &url).await.expect("intact"), text);

    // Layout: an 11-byte header, then chunks of 64 KiB + a 16-byte tag.
    let header = 11;
    let sealed = 64 * 1024 + 16;
    let chunk = |n: usize| header + n * sealed..header + (n + 1) * sealed;
    let mut flipped_late = original.clone();
    flipped_late[chunk(2).start + 100] ^= 0x01;
    let mut flipped_first = original.clone();
    flipped_first[chunk(0).start + 5] ^= 0x80;
    let mut flipped_tag = original.clone();
    let last = original.len() - 1;
    flipped_tag[last] ^= 0x01;
    let truncated_at_boundary = original[..chunk(3).end].to_vec();
    let truncated_mid = original[..original.len() - 500].to_vec();
    let mut swapped = original.clone();
    let (one, two) = (original[chunk(1)].to_vec(), original[chunk(2)].to_vec());
    swapped[chunk(1)].copy_from_slice(&two);
    swapped[chunk(2)].copy_from_slice(&one);
    let mut appended = original.clone();
    appended.extend_from_slice(&original[chunk(0)]);
    for (what, bytes) in [
        ("a flipped byte in a middle chunk", flipped_late),
        ("a flipped byte in the first chunk", flipped_first),
        ("a flipped byte in the last tag", flipped_tag),
        ("truncated at a chunk boundary", truncated_at_boundary),
        ("truncated mid-chunk", truncated_mid),
        ("two chunks swapped", swapped),
        ("a chunk appended", appended),
    ] {
        std::fs::write(&path, &bytes).expect("tampered");
        match download(&app, &admin, &url).await {
            Ok(body) => panic!(
                "{what}: the client received a complete, successful body of {} bytes",
                body.len()
            ),
            Err(why) => eprintln!("{what}: download failed as it must ({why})"),
        }
    }
    // Damage at the start is caught before any byte is sent: a problem, not a stream.
    let mut first = original.clone();
    first[header + 1] ^= 0x01;
    std::fs::write(&path, &first).expect("tampered");
    let res = app.get_as(&admin, &url).await;
    assert_problem(res, 500, "internal").await;
    std::fs::write(&path, &original).expect("restored");
    assert_eq!(download(&app, &admin, &url).await.expect("restored"), text);
}

/// Who may call a document operation.
#[derive(Clone, Copy, PartialEq)]
enum Allowed {
    /// Anyone whose collaboration scope reaches the document.
    Readers,
    /// The company's people.
    Company,
    /// Customers.
    Customers,
}

struct DocCase {
    method: Method,
    /// `{deal}` and `{doc}` are replaced.
    path: &'static str,
    allowed: Allowed,
    ok: u16,
    body: Option<fn() -> Value>,
    raw: bool,
}

fn doc_cases() -> Vec<DocCase> {
    use Allowed::*;
    let case = |method, path, allowed, ok| DocCase {
        method,
        path,
        allowed,
        ok,
        body: None,
        raw: false,
    };
    vec![
        case(Method::GET, "/api/v1/deals/{deal}/documents", Readers, 200),
        DocCase {
            raw: true,
            ..case(
                Method::POST,
                "/api/v1/deals/{deal}/documents?name=matrix.txt",
                Readers,
                201,
            )
        },
        case(Method::GET, "/api/v1/documents?deal={deal}", Readers, 200),
        case(Method::GET, "/api/v1/documents/{doc}", Readers, 200),
        DocCase {
            body: Some(|| json!({"title": "Matrix title"})),
            ..case(Method::PATCH, "/api/v1/documents/{doc}", Company, 200)
        },
        DocCase {
            raw: true,
            ..case(
                Method::POST,
                "/api/v1/documents/{doc}/versions?name=v.txt",
                Readers,
                201,
            )
        },
        case(Method::GET, "/api/v1/documents/{doc}/content", Readers, 200),
        case(
            Method::GET,
            "/api/v1/documents/{doc}/versions/1/content",
            Readers,
            200,
        ),
        case(
            Method::GET,
            "/api/v1/documents/{doc}/comments",
            Readers,
            200,
        ),
        DocCase {
            body: Some(|| json!({"body": "Matrix comment"})),
            ..case(
                Method::POST,
                "/api/v1/documents/{doc}/comments",
                Readers,
                201,
            )
        },
        DocCase {
            body: Some(|| json!({"body": "Matrix revision"})),
            ..case(
                Method::POST,
                "/api/v1/documents/{doc}/revision-requests",
                Customers,
                201,
            )
        },
        case(Method::DELETE, "/api/v1/documents/{doc}", Company, 204),
    ]
}

/// The document operations, for the API-wide coverage check in `authz_matrix.rs`.
pub fn operations() -> Vec<(String, String)> {
    doc_cases()
        .into_iter()
        .map(|c| {
            (
                c.method.as_str().to_owned(),
                c.path
                    .split('?')
                    .next()
                    .unwrap_or("")
                    .replace("{deal}", "{id}")
                    .replace("{doc}", "{id}")
                    .replace("/versions/1/", "/versions/{version}/"),
            )
        })
        .collect()
}

/// Which object a case names.
#[derive(Clone, Copy, PartialEq, Debug)]
enum Object {
    /// A document the caller's side reads, on a deal they reach.
    Own,
    /// Another account's document (Initech's, on a deal shared to Initech).
    Foreign,
    /// Nothing.
    Missing,
}

async fn every_document_endpoint_answers_every_role_and_object(app: TestApp) {
    app.seed_demo().await;
    let admin = app.session_for(ADMIN).await.token;
    let globex_deal = app.demo_deal("demo-globex-rollout").await;
    let initech_deal = app.demo_deal("demo-initech-migration").await;
    let mut checked = 0;
    let mut failures = Vec::new();
    for role in [
        Role::Admin,
        Role::Manager,
        Role::ChannelManager,
        Role::SalesRep,
        Role::CustomerUser,
        Role::PartnerUser,
        Role::PartnerAdmin,
    ] {
        let email = caller(role);
        let token = app.session_for(email).await.token;
        // Partners reach documents only through the co-sell workspace, off by default.
        let reaches = !matches!(role, Role::PartnerUser | Role::PartnerAdmin);
        for object in [Object::Own, Object::Foreign, Object::Missing] {
            for case in doc_cases() {
                // Fresh documents per case: a delete must not starve the next one.
                let (deal, audience) = match object {
                    Object::Own => (globex_deal.clone(), "customer"),
                    Object::Foreign => (initech_deal.clone(), "customer"),
                    Object::Missing => ("019a0000-0000-7000-8000-00000000dead".to_owned(), ""),
                };
                let doc = if object == Object::Missing {
                    "019a0000-0000-7000-8000-00000000beef".to_owned()
                } else {
                    created(
                        upload(
                            &app,
                            &admin,
                            &deal,
                            &format!("name=m.txt&audience={audience}"),
                            b"matrix".to_vec(),
                        )
                        .await,
                    )
                    .await["id"]
                        .as_str()
                        .expect("id")
                        .to_owned()
                };
                let path = case.path.replace("{deal}", &deal).replace("{doc}", &doc);
                let mut req = app
                    .client
                    .request(case.method.clone(), app.url(&path))
                    .bearer_auth(&token);
                if case.raw {
                    req = req.body(b"matrix upload".to_vec());
                } else if let Some(body) = case.body {
                    req = req.json(&body());
                }
                let res = req.send().await.expect("sent");
                let status = res.status().as_u16();
                // Permission checks come first (403), then reach (404).
                let permitted = reaches
                    && match case.allowed {
                        Allowed::Readers => true,
                        Allowed::Company => role.is_internal(),
                        Allowed::Customers => role == Role::CustomerUser,
                    };
                // Staff reach both deals (the rep owns every demo deal, both are partnered
                // for the channel manager); Globex's customer never reaches Initech's.
                let visible = match object {
                    Object::Own => true,
                    Object::Foreign => role.is_internal(),
                    Object::Missing => false,
                };
                let expected = match (permitted, visible) {
                    (false, _) => 403,
                    (true, false) => 404,
                    (true, true) => case.ok,
                };
                checked += 1;
                if status != expected {
                    failures.push(format!(
                        "{} {} as {email} on {object:?}: {status}, expected {expected}",
                        case.method, case.path
                    ));
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {checked} document cases failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
    eprintln!("document authorization matrix: {checked} cases");
}

async fn each_side_reads_only_its_audiences_and_nothing_internal_leaks(app: TestApp) {
    app.seed_demo().await;
    grant_co_sell(&app, PARTNER).await;
    let admin = app.session_for(ADMIN).await.token;
    let customer = app.session_for(CUSTOMER).await.token;
    let other = app.session_for(OTHER_CUSTOMER).await.token;
    let partner = app.session_for(PARTNER).await.token;
    let deal = app.demo_deal("demo-globex-rollout").await;
    let mut ids = std::collections::HashMap::new();
    for audience in ["internal", "customer", "partner", "both"] {
        let marker = match audience {
            "internal" => Some(MARKER),
            "partner" => Some(PARTNER_MARKER),
            _ => None,
        };
        let (title, name) = match marker {
            Some(m) => (format!("{audience} {m}"), format!("{audience}-{m}.txt")),
            None => (audience.to_owned(), format!("{audience}.txt")),
        };
        let doc = created(
            upload(
                &app,
                &admin,
                &deal,
                &format!(
                    "name={name}&audience={audience}&title={}",
                    title.replace(' ', "%20")
                ),
                format!("{audience} body").into_bytes(),
            )
            .await,
        )
        .await;
        ids.insert(audience, doc["id"].as_str().expect("id").to_owned());
    }
    // A comment on the internal document carries the marker too.
    created(
        app.post_as(
            &admin,
            &format!("/api/v1/documents/{}/comments", ids["internal"]),
            &json!({"body": format!("Floor price {MARKER}")}),
        )
        .await,
    )
    .await;

    let titles = |v: &Value| -> Vec<String> {
        let mut t: Vec<String> = v["items"]
            .as_array()
            .expect("items")
            .iter()
            .map(|d| d["audience"].as_str().expect("audience").to_owned())
            .collect();
        t.sort();
        t
    };
    let list = format!("/api/v1/deals/{deal}/documents");
    assert_eq!(
        titles(&json_of(app.get_as(&admin, &list).await).await),
        ["both", "customer", "internal", "partner"]
    );
    assert_eq!(
        titles(&json_of(app.get_as(&customer, &list).await).await),
        ["both", "customer"]
    );
    assert_eq!(
        titles(&json_of(app.get_as(&partner, &list).await).await),
        ["both", "partner"]
    );
    assert_eq!(
        titles(&json_of(app.get_as(&partner, "/api/v1/documents").await).await),
        ["both", "partner"]
    );

    // Direct ids outside one's side or account: 404 on the document, its versions and
    // contents, and its comments.
    let hidden = [
        (&customer, ids["internal"].clone()),
        (&customer, ids["partner"].clone()),
        (&partner, ids["internal"].clone()),
        (&partner, ids["customer"].clone()),
        (&other, ids["customer"].clone()),
        (&other, ids["both"].clone()),
    ];
    for (token, id) in &hidden {
        for path in [
            format!("/api/v1/documents/{id}"),
            format!("/api/v1/documents/{id}/content"),
            format!("/api/v1/documents/{id}/versions/1/content"),
            format!("/api/v1/documents/{id}/comments"),
        ] {
            let res = app.get_as(token, &path).await;
            assert_problem(res, 404, "not_found").await;
        }
        let res = app
            .post_as(
                token,
                &format!("/api/v1/documents/{id}/comments"),
                &json!({"body": "hi"}),
            )
            .await;
        assert_problem(res, 404, "not_found").await;
    }
    // Initech's customer does not reach Globex's deal at all.
    let res = app.get_as(&other, &list).await;
    assert_problem(res, 404, "not_found").await;
    let all = json_of(app.get_as(&other, "/api/v1/documents").await).await;
    assert!(all["items"].as_array().expect("items").is_empty());
    let res = upload(&app, &other, &deal, "name=x.txt", b"x".to_vec()).await;
    assert_problem(res, 404, "not_found").await;

    // Partners upload for their side; their uploads stay out of the customer's view.
    let theirs = created(
        upload(
            &app,
            &partner,
            &deal,
            "name=deck.txt&category=presentation",
            b"deck".to_vec(),
        )
        .await,
    )
    .await;
    assert_eq!(theirs["audience"], "partner");
    let res = app
        .get_as(
            &customer,
            &format!("/api/v1/documents/{}", theirs["id"].as_str().expect("id")),
        )
        .await;
    assert_problem(res, 404, "not_found").await;
    // An external caller adds versions only to their side's documents.
    let res = app
        .client
        .post(app.url(&format!("/api/v1/documents/{}/versions", ids["both"])))
        .bearer_auth(&customer)
        .body(b"v2".to_vec())
        .send()
        .await
        .expect("sent");
    assert_problem(res, 403, "forbidden").await;

    // Planted markers: nothing a customer or partner can list or open carries them.
    let mut searched = 0;
    for (token, who, markers) in [
        (&customer, "customer", &[MARKER, PARTNER_MARKER][..]),
        (&partner, "partner", &[MARKER][..]),
        (&other, "other customer", &[MARKER, PARTNER_MARKER][..]),
    ] {
        let mut paths = vec![
            "/api/v1/documents".to_owned(),
            format!("/api/v1/documents?deal={deal}"),
            list.clone(),
            format!("/api/v1/deals/{deal}/timeline?limit=200"),
        ];
        for id in ids.values() {
            paths.push(format!("/api/v1/documents/{id}"));
            paths.push(format!("/api/v1/documents/{id}/comments"));
        }
        for path in &paths {
            let res = app.get_as(token, path).await;
            let status = res.status().as_u16();
            let body = res.text().await.expect("body");
            assert!(status < 500, "{path} as {who}: {status}");
            for marker in markers {
                assert!(
                    !body.contains(marker),
                    "{path} as {who} leaked {marker}: {body}"
                );
            }
            searched += 1;
        }
    }
    let inside = app.get_as(&admin, &list).await.text().await.expect("body");
    assert!(
        inside.contains(MARKER),
        "the company sees its internal documents"
    );
    let shared = app
        .get_as(&partner, &list)
        .await
        .text()
        .await
        .expect("body");
    assert!(
        shared.contains(PARTNER_MARKER),
        "the co-selling partner sees its side's documents"
    );
    eprintln!("planted marker: {searched} document responses searched, no hit");
}

/// `portcullis rotate-master-key` against an app's database and data directory.
fn rotate(database_url: &str, data_dir: &Path, extra: &[(&str, &str)]) -> String {
    let mut cmd = std::process::Command::new(portcullis_tests::server_binary());
    cmd.arg("rotate-master-key")
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("DATABASE_URL", database_url)
        .env("PORTCULLIS_DATA_DIR", data_dir)
        .env("RUST_LOG", "warn");
    for (k, v) in extra {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("the command runs");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "rotate-master-key failed: {stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

/// Uploads a few documents, rotates the master key (twice: the second run continues with
/// what was uploaded meanwhile), and reads every file through a node started with the new
/// key; the old key no longer opens them.
async fn rotation_keeps_every_file_readable(
    app: &TestApp,
    upload_base: &str,
    node_env: &[(&str, &str)],
    old_key: &str,
    new_key: &str,
) {
    let admin = app.session_for(ADMIN).await.token;
    let deal = app.demo_deal("demo-globex-rollout").await;
    let existing = count(app, "SELECT COUNT(*) FROM document_versions").await;
    let mut files = Vec::new();
    let put = async |n: usize| {
        let body = canary_text(70_000 + n * 1000);
        let doc = created(
            upload_to(
                &app.client,
                upload_base,
                &admin,
                &deal,
                &format!("name=f{n}.txt"),
                body.clone(),
            )
            .await,
        )
        .await;
        (doc["id"].as_str().expect("id").to_owned(), body)
    };
    for n in 0..3 {
        files.push(put(n).await);
    }
    let mut env: Vec<(&str, &str)> = node_env.to_vec();
    env.push(("PORTCULLIS_MASTER_KEY", old_key));
    env.push(("PORTCULLIS_NEW_MASTER_KEY", new_key));
    let out = rotate(&app.database_url, app.data_dir(), &env);
    assert!(
        out.contains(&format!("Re-wrapped {} file keys", existing + 3)),
        "{out}"
    );
    // Uploaded under the old key after the first run: a rerun re-wraps only these.
    for n in 3..5 {
        files.push(put(n).await);
    }
    let out = rotate(&app.database_url, app.data_dir(), &env);
    assert!(out.contains("Re-wrapped 2 file keys"), "{out}");
    let out = rotate(&app.database_url, app.data_dir(), &env);
    assert!(out.contains("Re-wrapped 0 file keys"), "{out}");

    let mut env: Vec<(&str, &str)> = node_env.to_vec();
    let data_dir = app.data_dir().to_string_lossy().into_owned();
    env.push(("PORTCULLIS_DATA_DIR", &data_dir));
    env.push(("PORTCULLIS_MASTER_KEY", new_key));
    let node = Node::start(&app.database_url, &env).await;
    for (id, body) in &files {
        let got = download_from(
            &app.client,
            &node.url(&format!("/api/v1/documents/{id}/content")),
            &admin,
        )
        .await
        .expect("readable with the new key");
        assert_eq!(&got.1, body);
    }
    // The server still holding the old key cannot open them any more.
    let res = app
        .client
        .get(format!(
            "{upload_base}/api/v1/documents/{}/content",
            files[0].0
        ))
        .bearer_auth(&admin)
        .send()
        .await
        .expect("sent");
    assert_eq!(res.status(), 500);
}

const OLD_KEY: &str = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
const NEW_KEY: &str = "1f1e1d1c1b1a191817161514131211100f0e0d0c0b0a09080706050403020100";

async fn the_master_key_rotates_without_reencrypting_files(backend: portcullis_tests::Backend) {
    let Some(app) = TestApp::spawn_with(backend, &[("PORTCULLIS_MASTER_KEY", OLD_KEY)]).await
    else {
        return;
    };
    app.seed_demo().await;
    let objects = app.data_dir().join("objects");
    rotation_keeps_every_file_readable(&app, &app.address.clone(), &[], OLD_KEY, NEW_KEY).await;
    // The files themselves were never rewritten: five objects, as uploaded.
    assert_eq!(files_under(&objects).len(), 5);
}

async fn a_generated_key_file_is_private_and_rotates_in_place(app: TestApp) {
    app.seed_demo().await;
    let admin = app.session_for(ADMIN).await.token;
    let key_file = app.data_dir().join("master.key");
    let mode = {
        use std::os::unix::fs::PermissionsExt;
        std::fs::metadata(&key_file)
            .expect("the generated key file")
            .permissions()
            .mode()
            & 0o777
    };
    assert_eq!(mode, 0o600);
    let deal = app.demo_deal("demo-globex-rollout").await;
    let body = canary_text(10_000);
    let doc = created(upload(&app, &admin, &deal, "name=k.txt", body.clone()).await).await;
    let old = std::fs::read_to_string(&key_file).expect("key");
    let out = rotate(&app.database_url, app.data_dir(), &[]);
    assert!(out.contains("Re-wrapped 1 file keys"), "{out}");
    let new = std::fs::read_to_string(&key_file).expect("key");
    assert_ne!(old, new);
    assert!(!app.data_dir().join("master.key.new").exists());
    let data_dir = app.data_dir().to_string_lossy().into_owned();
    let node = Node::start(&app.database_url, &[("PORTCULLIS_DATA_DIR", &data_dir)]).await;
    let got = download_from(
        &app.client,
        &node.url(&format!(
            "/api/v1/documents/{}/content",
            doc["id"].as_str().expect("id")
        )),
        &admin,
    )
    .await
    .expect("readable after rotation");
    assert_eq!(got.1, body);
}

/// A moto S3 server on a free port.
struct Moto {
    url: String,
    child: std::process::Child,
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts moto from the test tools' environment; `None` (with a message) when it is not
/// installed outside CI. In CI it must run.
async fn start_moto() -> Option<Moto> {
    let home = std::env::var("HOME").expect("HOME");
    let bin = Path::new(&home).join(".cache/portcullis/venv/bin/moto_server");
    if !bin.exists() {
        if std::env::var("CI").is_ok() {
            panic!(
                "{} is missing: `make test-tools` installs moto",
                bin.display()
            );
        }
        eprintln!(
            "S3 document tests skipped: moto is not installed ({} missing; `make test-tools` installs it)",
            bin.display()
        );
        return None;
    }
    let port = free_port();
    let child = std::process::Command::new(bin)
        .args(["-H", "127.0.0.1", "-p", &port.to_string()])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("moto starts");
    let moto = Moto {
        url: format!("http://127.0.0.1:{port}"),
        child,
    };
    let client = reqwest::Client::new();
    portcullis_tests::eventually(30, "moto listens", || {
        let client = client.clone();
        let url = moto.url.clone();
        async move { client.get(&url).send().await.is_ok() }
    })
    .await;
    let res = client
        .put(format!("{}/portcullis-docs", moto.url))
        .send()
        .await
        .expect("bucket created");
    assert!(
        res.status().is_success(),
        "creating the bucket: {}",
        res.status()
    );
    Some(moto)
}

async fn documents_live_encrypted_on_s3_and_rotate_there(backend: portcullis_tests::Backend) {
    let Some(moto) = start_moto().await else {
        return;
    };
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    app.seed_demo().await;
    let s3: Vec<(&str, &str)> = vec![
        ("PORTCULLIS_OBJECT_STORE", "s3"),
        ("PORTCULLIS_S3_BUCKET", "portcullis-docs"),
        ("PORTCULLIS_S3_ENDPOINT", &moto.url),
        ("PORTCULLIS_S3_REGION", "us-east-1"),
        ("AWS_ACCESS_KEY_ID", "testing"),
        ("AWS_SECRET_ACCESS_KEY", "testing"),
    ];
    let mut env = s3.clone();
    env.push(("PORTCULLIS_MASTER_KEY", OLD_KEY));
    let writer = Node::start(&app.database_url, &env).await;
    // A file over the 5 MiB part size goes up in several parts.
    let admin = app.session_for(ADMIN).await.token;
    let deal = app.demo_deal("demo-globex-rollout").await;
    let big = canary_text(6 * 1024 * 1024 + 77);
    let doc = created(
        upload_to(
            &app.client,
            &writer.address,
            &admin,
            &deal,
            "name=big.txt",
            big.clone(),
        )
        .await,
    )
    .await;
    let got = download_from(
        &app.client,
        &writer.url(&format!(
            "/api/v1/documents/{}/content",
            doc["id"].as_str().expect("id")
        )),
        &admin,
    )
    .await
    .expect("downloads from S3");
    assert_eq!(got.1, big);
    // What moto holds is ciphertext.
    let key = object_key(&app, doc["id"].as_str().expect("id"), 1).await;
    let stored = app
        .client
        .get(format!("{}/portcullis-docs/{key}", moto.url))
        .send()
        .await
        .expect("read from moto")
        .bytes()
        .await
        .expect("bytes");
    assert!(stored.len() > big.len());
    assert!(
        !stored
            .windows(b"PORTCULLIS-CANARY".len())
            .any(|w| w == b"PORTCULLIS-CANARY")
    );
    rotation_keeps_every_file_readable(&app, &writer.address, &s3, OLD_KEY, NEW_KEY).await;
}

mod s3 {
    portcullis_tests::on_both_backends_starting!(documents_live_encrypted_on_s3_and_rotate_there);
    use super::documents_live_encrypted_on_s3_and_rotate_there;
}

mod rotation {
    portcullis_tests::on_both_backends_starting!(the_master_key_rotates_without_reencrypting_files);
    use super::the_master_key_rotates_without_reencrypting_files;
}

on_both_backends!(
    uploads_version_and_download_round_trip,
    contracts_comments_and_revision_requests,
    bad_uploads_are_refused_naming_every_field_and_store_nothing,
    an_upload_over_the_limit_is_413_and_leaves_nothing,
    stored_bytes_hold_no_plaintext_and_tampering_fails_the_download,
    every_document_endpoint_answers_every_role_and_object,
    each_side_reads_only_its_audiences_and_nothing_internal_leaks,
    a_generated_key_file_is_private_and_rotates_in_place,
);
