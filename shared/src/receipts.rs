//! Signed receipts: the server's proof of what was submitted (a deal registration) and when
//! it was received, and the public keys that verify them. The signing rules live in the API's
//! `domain::receipts`; these are the shapes on the wire and in files.

use serde::{Deserialize, Serialize};

/// The receipt format this version of Portcullis issues and verifies.
pub const RECEIPT_VERSION: u32 = 1;

/// The signature algorithm of every receipt key.
pub const RECEIPT_ALGORITHM: &str = "Ed25519";

/// A signed receipt. The signature covers every other field: it is Ed25519 over the canonical
/// JSON of this object without `signature` (keys sorted, no whitespace; see the API's
/// documentation of `POST /api/v1/receipts/verify`). Unknown fields make a receipt malformed,
/// so nothing unsigned can ride along.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Receipt {
    /// The receipt format: 1.
    #[cfg_attr(feature = "server", schema(example = 1))]
    pub version: u32,
    /// What was submitted.
    #[cfg_attr(feature = "server", schema(example = "deal_registration"))]
    pub kind: String,
    /// The id of what the submission created.
    #[cfg_attr(
        feature = "server",
        schema(example = "01937a52-3c1e-7d4a-9f00-2b6c8e1d5a10")
    )]
    pub subject_id: String,
    /// When the server received the submission: RFC 3339 UTC with microseconds.
    #[cfg_attr(feature = "server", schema(example = "2026-11-26T20:01:02.123456Z"))]
    pub issued_at: String,
    /// Exactly the fields that were submitted.
    #[cfg_attr(feature = "server", schema(value_type = Object))]
    pub submitted: serde_json::Value,
    /// `sha256:` and the lowercase hex SHA-256 of the canonical JSON of `submitted`.
    #[cfg_attr(
        feature = "server",
        schema(
            example = "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a"
        )
    )]
    pub digest: String,
    /// The id of the key that signed, as listed at `/api/v1/receipt-keys`.
    #[cfg_attr(feature = "server", schema(example = "rk-000001"))]
    pub key_id: String,
    /// The Ed25519 signature, base64url without padding.
    pub signature: String,
}

/// A public key that verifies receipts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct ReceiptKey {
    /// The id receipts name in `key_id`.
    #[cfg_attr(feature = "server", schema(example = "rk-000001"))]
    pub id: String,
    /// Always `Ed25519`.
    #[cfg_attr(feature = "server", schema(example = "Ed25519"))]
    pub algorithm: String,
    /// The 32-byte public key, base64url without padding.
    pub public_key: String,
    /// When the key was made (RFC 3339 UTC, microseconds).
    pub created_at: String,
    /// When it stopped signing, if it has; it still verifies what it signed.
    pub retired_at: Option<String>,
}

/// Every receipt key, current and retired: the JSON served at `/api/v1/receipt-keys`, and the
/// file `portcullis receipt verify --keys` reads.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct ReceiptKeySet {
    /// Newest first; the one without `retired_at` signs new receipts.
    pub keys: Vec<ReceiptKey>,
}

/// A receipt that verified.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct ReceiptVerification {
    /// Always true: an invalid receipt answers 422 naming the reason.
    pub valid: bool,
    pub key_id: String,
    pub issued_at: String,
    pub digest: String,
    pub kind: String,
    pub subject_id: String,
}
