//! Signed receipts: issued inside a use case's transaction, verified by anyone through the
//! public verifier or offline with the command line, tamper-evident to the byte, and still
//! verifiable after the key that signed them is rotated out.

use clap::Parser;
use portcullis::app::{Operator, receipts};
use portcullis::cli::{self, Cli};
use portcullis::domain::receipts::{KeySet, canonical_json, verify_bytes};
use portcullis_shared::receipts::{Receipt, ReceiptKeySet};
use portcullis_tests::{TestApp, assert_problem, on_both_backends};
use serde_json::{Value, json};

/// A registration as a partner might submit it: nested members, a non-ASCII name, a string
/// that needs escapes, whole numbers of both signs.
fn submitted() -> Value {
    json!({
        "prospect": {"company": "Initech Société", "domain": "initech.example"},
        "amount": {"minor": 4_200_000, "currency": "EUR"},
        "expected_close": "2027-03-31",
        "notes": "Met at \"Partner Day\"\nBudget approved\\signed",
        "seats": 120,
        "adjustment": -5,
        "products": ["core", "analytics"],
        "co_sell": false,
    })
}

/// Issues a receipt the way a registration does: inside its own transaction, committed.
async fn issue(app: &TestApp, subject_id: &str) -> Receipt {
    let mut tx = app.core.begin().await.expect("a transaction");
    let receipt = receipts::issue(&mut tx, "deal_registration", subject_id, &submitted())
        .await
        .expect("a receipt");
    tx.commit().await.expect("committed");
    receipt
}

async fn post_verify(app: &TestApp, body: Vec<u8>) -> reqwest::Response {
    app.client
        .post(app.url("/api/v1/receipts/verify"))
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .expect("sent")
}

async fn published_keys(app: &TestApp) -> ReceiptKeySet {
    let res = app.get("/api/v1/receipt-keys").await;
    assert_eq!(res.status(), 200);
    res.json().await.expect("a key set")
}

/// The exact bytes a receipt is signed as: its canonical JSON.
fn canonical(receipt: &Receipt) -> Vec<u8> {
    canonical_json(&serde_json::to_value(receipt).expect("json")).expect("canonical")
}

async fn an_issued_receipt_verifies_through_the_public_endpoint(app: TestApp) {
    assert!(published_keys(&app).await.keys.is_empty());
    let subject = uuid::Uuid::new_v4().to_string();
    let receipt = issue(&app, &subject).await;
    assert_eq!(receipt.version, 1);
    assert_eq!(receipt.kind, "deal_registration");
    assert_eq!(receipt.submitted, submitted());
    assert!(receipt.digest.starts_with("sha256:"));

    let res = post_verify(&app, serde_json::to_vec(&receipt).expect("json")).await;
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.expect("json");
    assert_eq!(body["valid"], true);
    assert_eq!(body["key_id"], receipt.key_id.as_str());
    assert_eq!(body["issued_at"], receipt.issued_at.as_str());
    assert_eq!(body["digest"], receipt.digest.as_str());
    assert_eq!(body["subject_id"], subject.as_str());

    let keys = published_keys(&app).await;
    assert_eq!(keys.keys.len(), 1);
    assert_eq!(keys.keys[0].id, receipt.key_id);
    assert_eq!(keys.keys[0].algorithm, "Ed25519");
    assert_eq!(keys.keys[0].retired_at, None);
    let raw: Value = app
        .get("/api/v1/receipt-keys")
        .await
        .json()
        .await
        .expect("json");
    assert!(
        raw.to_string().find("secret").is_none(),
        "the key set publishes no secret: {raw}"
    );
}

async fn a_receipt_issued_in_a_transaction_that_rolls_back_leaves_nothing(app: TestApp) {
    let mut tx = app.core.begin().await.expect("a transaction");
    receipts::issue(
        &mut tx,
        "deal_registration",
        "never-registered",
        &submitted(),
    )
    .await
    .expect("a receipt");
    drop(tx);
    assert!(published_keys(&app).await.keys.is_empty());
}

async fn a_submission_with_a_fraction_gets_no_receipt(app: TestApp) {
    let mut tx = app.core.begin().await.expect("a transaction");
    let err = receipts::issue(
        &mut tx,
        "deal_registration",
        "fractional",
        &json!({"amount": {"minor": 10.5, "currency": "EUR"}}),
    )
    .await
    .expect_err("a fraction has no canonical form");
    match err {
        portcullis::error::ApiError::Validation(errors) => {
            assert_eq!(errors[0].field, "amount.minor");
        }
        other => panic!("a validation error, not {other:?}"),
    }
}

async fn nodes_issuing_their_first_receipts_at_once_share_one_key(app: TestApp) {
    let app = std::sync::Arc::new(app);
    let mut tasks = Vec::new();
    for i in 0..6 {
        let app = app.clone();
        tasks.push(tokio::spawn(async move {
            issue(&app, &format!("subject-{i}")).await.key_id
        }));
    }
    let mut ids = Vec::new();
    for t in tasks {
        ids.push(t.await.expect("the task"));
    }
    let keys = published_keys(&app).await;
    assert_eq!(keys.keys.len(), 1, "one key: {keys:?}");
    assert!(ids.iter().all(|id| *id == keys.keys[0].id), "{ids:?}");
}

async fn changing_any_byte_of_a_receipt_makes_it_fail(app: TestApp) {
    let receipt = issue(&app, "01937a52-3c1e-7d4a-9f00-2b6c8e1d5a10").await;
    let bytes = canonical(&receipt);
    let keys = KeySet::from_published(&published_keys(&app).await).expect("keys");
    assert!(verify_bytes(&bytes, &keys).is_ok());
    let res = post_verify(&app, bytes.clone()).await;
    assert_eq!(res.status(), 200, "the canonical bytes verify");

    // Every position, with replacements that keep the JSON well-formed where they can
    // (another digit or letter, a space, a quote, a backslash) and ones that do not. The
    // canonical form has no insignificant byte: each change either breaks the JSON or
    // changes a value, a key or a number, and so the digest or the signature.
    for i in 0..bytes.len() {
        for replacement in [
            bytes[i] ^ 0x01,
            bytes[i] ^ 0x20,
            b'0',
            b' ',
            b'"',
            b'\\',
            0xff,
        ] {
            if replacement == bytes[i] {
                continue;
            }
            let mut tampered = bytes.clone();
            tampered[i] = replacement;
            assert!(
                verify_bytes(&tampered, &keys).is_err(),
                "byte {i} changed to {replacement:#04x} still verifies: {}",
                String::from_utf8_lossy(&tampered)
            );
        }
    }
    // Through the public verifier: every position, answered with a problem, never a 200 or
    // a server error.
    for i in 0..bytes.len() {
        let mut tampered = bytes.clone();
        tampered[i] ^= 0x01;
        let res = post_verify(&app, tampered).await;
        let status = res.status().as_u16();
        assert!(
            status == 400 || status == 422,
            "byte {i}: answered {status}"
        );
        assert_eq!(
            res.headers()
                .get("content-type")
                .and_then(|v| v.to_str().ok()),
            Some("application/problem+json")
        );
    }

    // Insignificant whitespace is not part of what is signed: a pretty-printed copy of the
    // receipt carries the same members and values, so it verifies.
    let pretty = serde_json::to_vec_pretty(&receipt).expect("json");
    assert_eq!(post_verify(&app, pretty).await.status(), 200);
}

/// A change to a valid receipt, and the field, field code and reason the verifier answers.
struct Failure(fn(&mut Value), &'static str, &'static str, &'static str);

async fn the_verifier_names_why_a_receipt_fails(app: TestApp) {
    let receipt = issue(&app, "subject").await;
    let good = serde_json::to_value(&receipt).expect("json");
    let case = |f: fn(&mut Value)| {
        let mut v = good.clone();
        f(&mut v);
        serde_json::to_vec(&v).expect("json")
    };
    let cases: [Failure; 6] = [
        Failure(
            |v| v["key_id"] = json!("rk-999999"),
            "key_id",
            "not_found",
            "unknown_key",
        ),
        Failure(
            |v| v["submitted"]["seats"] = json!(121),
            "digest",
            "invalid_value",
            "digest_mismatch",
        ),
        Failure(
            |v| v["issued_at"] = json!("2020-01-01T00:00:00.000000Z"),
            "signature",
            "invalid_value",
            "bad_signature",
        ),
        Failure(
            |v| v["signature"] = json!("not base64!"),
            "signature",
            "invalid_format",
            "malformed",
        ),
        Failure(
            |v| v["submitted"]["seats"] = json!(120.5),
            "submitted.seats",
            "invalid_format",
            "malformed",
        ),
        Failure(
            |v| v["proof"] = json!("trust me"),
            "receipt",
            "invalid_format",
            "malformed",
        ),
    ];
    for Failure(change, field, code, reason) in cases {
        let body = assert_problem(
            post_verify(&app, case(change)).await,
            422,
            "validation_failed",
        )
        .await;
        assert_eq!(body["errors"][0]["field"], field, "{body}");
        assert_eq!(body["errors"][0]["code"], code, "{body}");
        assert!(
            body["errors"][0]["message"]
                .as_str()
                .is_some_and(|m| m.starts_with(reason)),
            "{body}"
        );
    }
    for body in [&b"[1, 2]"[..], b"\"a receipt\"", b"{}", b"null"] {
        assert_problem(
            post_verify(&app, body.to_vec()).await,
            422,
            "validation_failed",
        )
        .await;
    }
    assert_problem(
        post_verify(&app, b"{not json".to_vec()).await,
        400,
        "malformed_request",
    )
    .await;
}

async fn a_receipt_signed_by_a_rotated_key_still_verifies(app: TestApp) {
    let old = issue(&app, "before-rotation").await;
    let rotation = receipts::rotate(&app.core, &Operator::new("test"))
        .await
        .expect("rotated");
    assert_eq!(rotation.retired.as_deref(), Some(old.key_id.as_str()));
    let new = issue(&app, "after-rotation").await;
    assert_eq!(new.key_id, rotation.current.id);
    assert_ne!(new.key_id, old.key_id);

    for receipt in [&old, &new] {
        let res = post_verify(&app, serde_json::to_vec(receipt).expect("json")).await;
        assert_eq!(res.status(), 200, "{} verifies", receipt.key_id);
    }
    let keys = published_keys(&app).await;
    let ids: Vec<&str> = keys.keys.iter().map(|k| k.id.as_str()).collect();
    assert_eq!(ids, [new.key_id.as_str(), old.key_id.as_str()]);
    assert!(keys.keys[0].retired_at.is_none());
    assert!(keys.keys[1].retired_at.is_some());
    assert!(
        app.audit_trail()
            .await
            .iter()
            .any(|(action, outcome)| action == "receipt_key.rotate" && outcome == "success")
    );
}

/// Runs a `portcullis` command as `main` does; `Ok` is exit 0, `Err` exit 1.
async fn run_cli(app: &TestApp, args: &[&str]) -> anyhow::Result<()> {
    let cli = Cli::try_parse_from(std::iter::once("portcullis").chain(args.iter().copied()))
        .expect("valid arguments");
    cli::run(cli, (*app.core.settings).clone()).await
}

async fn the_command_line_verifies_a_receipt_offline_with_a_saved_key_set(app: TestApp) {
    let old = issue(&app, "offline").await;
    run_cli(&app, &["receipt", "rotate-key"])
        .await
        .expect("rotated");
    let new = issue(&app, "offline-2").await;
    assert_ne!(old.key_id, new.key_id);

    let dir = tempfile::tempdir().expect("a directory");
    let keys_file = dir.path().join("keys.json");
    let keys_json = app
        .get("/api/v1/receipt-keys")
        .await
        .bytes()
        .await
        .expect("the key set");
    std::fs::write(&keys_file, &keys_json).expect("written");
    let keys_path = keys_file.to_str().expect("a path");
    for (name, receipt) in [("old.json", &old), ("new.json", &new)] {
        let file = dir.path().join(name);
        std::fs::write(&file, serde_json::to_vec_pretty(receipt).expect("json")).expect("written");
        let path = file.to_str().expect("a path");
        let verdict = cli::verify_receipt_offline(&file, &keys_file).expect("files read");
        assert_eq!(verdict.expect("valid").key_id, receipt.key_id);
        run_cli(&app, &["receipt", "verify", path, "--keys", keys_path])
            .await
            .expect("exit 0 with the saved key set");
        run_cli(&app, &["receipt", "verify", path])
            .await
            .expect("exit 0 with the database's keys");
    }

    let mut tampered = serde_json::to_value(&old).expect("json");
    tampered["submitted"]["amount"]["minor"] = json!(4_200_001);
    let file = dir.path().join("tampered.json");
    std::fs::write(&file, serde_json::to_vec(&tampered).expect("json")).expect("written");
    let verdict = cli::verify_receipt_offline(&file, &keys_file).expect("files read");
    assert_eq!(verdict.map_err(|e| e.reason()), Err("digest_mismatch"));
    let path = file.to_str().expect("a path");
    let err = run_cli(&app, &["receipt", "verify", path, "--keys", keys_path])
        .await
        .expect_err("exit 1");
    assert!(err.to_string().contains("digest_mismatch"), "{err}");

    // A key set that lacks the signing key: offline verification cannot vouch for it.
    let mut only_new: ReceiptKeySet = serde_json::from_slice(&keys_json).expect("a key set");
    only_new.keys.retain(|k| k.id == new.key_id);
    std::fs::write(&keys_file, serde_json::to_vec(&only_new).expect("json")).expect("written");
    let file = dir.path().join("old.json");
    let verdict = cli::verify_receipt_offline(&file, &keys_file).expect("files read");
    assert_eq!(verdict.map_err(|e| e.reason()), Err("unknown_key"));
}

on_both_backends!(
    an_issued_receipt_verifies_through_the_public_endpoint,
    a_receipt_issued_in_a_transaction_that_rolls_back_leaves_nothing,
    a_submission_with_a_fraction_gets_no_receipt,
    nodes_issuing_their_first_receipts_at_once_share_one_key,
    changing_any_byte_of_a_receipt_makes_it_fail,
    the_verifier_names_why_a_receipt_fails,
    a_receipt_signed_by_a_rotated_key_still_verifies,
    the_command_line_verifies_a_receipt_offline_with_a_saved_key_set,
);
