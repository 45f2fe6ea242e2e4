//! Signed receipts: issuing one inside another use case's transaction (a deal registration
//! proves what the partner submitted and when), publishing the keys, verifying a receipt,
//! and rotating the signing key.

use portcullis_shared::receipts::{
    RECEIPT_ALGORITHM, Receipt, ReceiptKey, ReceiptKeySet, ReceiptVerification,
};
use portcullis_shared::{FieldCode, FieldError};
use rand::RngCore;
use serde::Serialize;

use crate::app::{Actor, App, Audit, Operator, Tx};
use crate::domain::receipts::{self, KeySet, ReceiptSigner, VerifyError};
use crate::error::ApiError;
use crate::storage::receipt_keys::{self, ReceiptKeyRow};
use crate::time;

/// Signs a receipt for `submitted` (exactly the fields the caller sent) with the current key,
/// timed now. Runs in the caller's transaction `tx` and nothing else, so the receipt exists
/// only if what it proves commits. Makes the first key when there is none yet.
///
/// A number in `submitted` that is not a whole number cannot be signed (see
/// `domain::receipts`) and is refused as an invalid field.
pub async fn issue(
    tx: &mut Tx,
    kind: &str,
    subject_id: &str,
    submitted: &serde_json::Value,
) -> Result<Receipt, ApiError> {
    let signer = current_signer(tx).await?;
    receipts::sign(&signer, kind, subject_id, time::now(), submitted).map_err(|e| {
        // The path within the submission is the field's wire name; empty for the body itself.
        let field = if e.path.is_empty() { "body" } else { &e.path };
        ApiError::field(field, FieldCode::InvalidValue, "must be a whole number")
    })
}

/// The current key, made (as the next generation) when there is none. Two transactions that
/// make it at once insert the same id; the loser's insert does nothing and it reads the
/// winner's key back.
async fn current_signer(tx: &mut Tx) -> Result<ReceiptSigner, ApiError> {
    let row = match receipt_keys::newest(tx).await? {
        Some(row) if row.retired_at.is_none() => row,
        newest => {
            let generation = newest
                .as_ref()
                .and_then(|r| receipt_keys::generation_of(&r.id))
                .unwrap_or(0)
                + 1;
            receipt_keys::insert_if_absent(tx, &new_key(generation)).await?;
            receipt_keys::current(tx).await?.ok_or_else(|| {
                ApiError::Internal(anyhow::anyhow!("no current receipt key after making one"))
            })?
        }
    };
    ReceiptSigner::from_encoded(row.id, &row.secret_key).map_err(|e| ApiError::Internal(e.into()))
}

/// A fresh key of generation `generation`, as stored.
fn new_key(generation: u32) -> ReceiptKeyRow {
    let mut seed = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut seed);
    let signer = ReceiptSigner::from_seed(receipt_keys::generation_id(generation), seed);
    ReceiptKeyRow {
        id: signer.id().to_owned(),
        public_key: signer.encoded_public(),
        secret_key: signer.encoded_secret(),
        created_at: time::now(),
        retired_at: None,
    }
}

fn published(row: &ReceiptKeyRow) -> ReceiptKey {
    ReceiptKey {
        id: row.id.clone(),
        algorithm: RECEIPT_ALGORITHM.to_owned(),
        public_key: row.public_key.clone(),
        created_at: time::to_rfc3339_micros(row.created_at),
        retired_at: row.retired_at.map(time::to_rfc3339_micros),
    }
}

/// Every public key, current and retired, newest first. Public: anyone holding a receipt
/// may check it.
pub async fn keys(app: &App) -> Result<ReceiptKeySet, ApiError> {
    let mut conn = app.read().await?;
    let rows = receipt_keys::published(&mut conn).await?;
    Ok(ReceiptKeySet {
        keys: rows.iter().map(published).collect(),
    })
}

/// The key set receipts are verified against: every key this server has made.
pub async fn key_set(app: &App) -> Result<KeySet, ApiError> {
    let mut conn = app.read().await?;
    let mut keys = KeySet::default();
    for row in receipt_keys::published(&mut conn).await? {
        keys.add(&row.id, &row.public_key)
            .map_err(|e| ApiError::Internal(e.into()))?;
    }
    Ok(keys)
}

/// Verifies a receipt against this server's keys. Public. An invalid receipt is a 422 whose
/// one field error names the member at fault (`key_id`, `digest`, `signature`, or the
/// malformed one) and whose code says why.
pub async fn verify(
    app: &App,
    receipt: &serde_json::Value,
) -> Result<ReceiptVerification, ApiError> {
    let keys = key_set(app).await?;
    let v = receipts::verify(receipt, &keys).map_err(invalid)?;
    Ok(ReceiptVerification {
        valid: true,
        key_id: v.key_id,
        issued_at: v.issued_at,
        digest: v.digest,
        kind: v.kind,
        subject_id: v.subject_id,
    })
}

/// A receipt that does not verify, as a validation failure naming the member at fault.
fn invalid(e: VerifyError) -> ApiError {
    let code = match e {
        VerifyError::Malformed { .. } => FieldCode::InvalidFormat,
        VerifyError::UnknownKey(_) => FieldCode::NotFound,
        VerifyError::DigestMismatch | VerifyError::BadSignature => FieldCode::InvalidValue,
    };
    let message = format!("{}: {e}", e.reason());
    ApiError::Validation(vec![FieldError::new(e.field(), code, message)])
}

/// What a rotation did.
#[derive(Debug, Clone, Serialize)]
pub struct Rotation {
    /// The key that stopped signing (it still verifies), if there was one.
    pub retired: Option<String>,
    /// The key that signs from now on.
    pub current: ReceiptKey,
}

/// Retires the current key, which keeps verifying what it signed, and makes the next one,
/// audited. A rotation that races another one answers a conflict rather than rotating twice.
pub async fn rotate(app: &App, operator: &Operator) -> Result<Rotation, ApiError> {
    let now = time::now();
    let mut tx = app.begin().await?;
    let retired = match receipt_keys::current(&mut tx).await? {
        Some(old) => {
            if !receipt_keys::retire(&mut tx, &old.id, now).await? {
                return Err(rotated_meanwhile());
            }
            Some(old.id)
        }
        None => None,
    };
    let generation = receipt_keys::newest_generation(&mut tx).await? + 1;
    let row = new_key(generation);
    if !receipt_keys::insert_if_absent(&mut tx, &row).await? {
        return Err(rotated_meanwhile());
    }
    tx.audit(
        Audit::new(Actor::Operator(operator), "receipt_key.rotate")
            .object("receipt_key", row.id.clone())
            .details(serde_json::json!({ "retired": retired })),
    )
    .await?;
    tx.commit().await?;
    Ok(Rotation {
        retired,
        current: published(&row),
    })
}

fn rotated_meanwhile() -> ApiError {
    ApiError::Conflict("Another process rotated the receipt key at the same time.".to_owned())
}
