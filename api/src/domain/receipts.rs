//! Signed receipts: the canonical JSON they are signed over, signing, and verification.
//! Pure: keys come in as values, the time as an argument.
//!
//! # Canonical JSON
//! A value has one canonical form, the bytes that are hashed and signed:
//! - objects: members sorted by key, comparing the keys' UTF-8 bytes (Rust's `str` order),
//!   recursively; arrays keep their order;
//! - no whitespace outside strings: `{"a":[1,2],"b":null}`;
//! - strings and keys as `serde_json` writes them: UTF-8 as is, with `\"`, `\\`, `\b`, `\f`,
//!   `\n`, `\r`, `\t` and `\u00XX` (lowercase hex) for the other control characters;
//! - numbers must be integers within `i64`/`u64` and are written in plain decimal. Fractions
//!   and exponents are refused: their text differs between JSON implementations, and two
//!   texts that parse to the same float would verify the same. (Money is integer minor units
//!   everywhere in Portcullis, so a submission never needs one.)
//!
//! A verifier parses the receipt and recomputes the canonical form, so whitespace added
//! between tokens, members reordered or escapes written differently (a pretty-printed file)
//! still verify: they carry the same meaning. A change to any value, key or number does not.
//!
//! # Receipt
//! `digest` is `sha256:` and the hex SHA-256 of the canonical `submitted`; `signature` is
//! Ed25519 (RFC 8032, verified strictly) over the canonical JSON of the receipt without its
//! `signature` member, base64url without padding.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use portcullis_shared::receipts::{RECEIPT_VERSION, Receipt, ReceiptKeySet};
use serde::Deserialize;
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::time::{self, Micros};

/// A value that has no canonical form: a number that is not an integer, at `path`
/// (dotted members, `[i]` for array items; empty for the value itself).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{path}: only whole numbers can be signed")]
pub struct NotCanonical {
    pub path: String,
}

/// The canonical JSON of `value` (see the module documentation).
pub fn canonical_json(value: &Value) -> Result<Vec<u8>, NotCanonical> {
    let mut out = Vec::with_capacity(256);
    let mut path = String::new();
    write_canonical(value, &mut out, &mut path)?;
    Ok(out)
}

fn write_canonical(
    value: &Value,
    out: &mut Vec<u8>,
    path: &mut String,
) -> Result<(), NotCanonical> {
    match value {
        Value::Null => out.extend_from_slice(b"null"),
        Value::Bool(true) => out.extend_from_slice(b"true"),
        Value::Bool(false) => out.extend_from_slice(b"false"),
        Value::Number(n) => {
            if n.is_f64() {
                return Err(NotCanonical { path: path.clone() });
            }
            out.extend_from_slice(n.to_string().as_bytes());
        }
        Value::String(s) => write_string(s, out),
        Value::Array(items) => {
            out.push(b'[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                let len = path.len();
                path.push_str(&format!("[{i}]"));
                write_canonical(item, out, path)?;
                path.truncate(len);
            }
            out.push(b']');
        }
        Value::Object(members) => {
            let mut sorted: Vec<(&String, &Value)> = members.iter().collect();
            sorted.sort_unstable_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
            out.push(b'{');
            for (i, (key, item)) in sorted.into_iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_string(key, out);
                out.push(b':');
                let len = path.len();
                if len > 0 {
                    path.push('.');
                }
                path.push_str(key);
                write_canonical(item, out, path)?;
                path.truncate(len);
            }
            out.push(b'}');
        }
    }
    Ok(())
}

/// A JSON string as `serde_json` writes it.
fn write_string(s: &str, out: &mut Vec<u8>) {
    out.push(b'"');
    let mut start = 0;
    for (i, b) in s.bytes().enumerate() {
        let escape: &[u8] = match b {
            b'"' => b"\\\"",
            b'\\' => b"\\\\",
            0x08 => b"\\b",
            0x0c => b"\\f",
            b'\n' => b"\\n",
            b'\r' => b"\\r",
            b'\t' => b"\\t",
            0x00..=0x1f => b"",
            _ => continue,
        };
        out.extend_from_slice(&s.as_bytes()[start..i]);
        if escape.is_empty() {
            const HEX: &[u8; 16] = b"0123456789abcdef";
            out.extend_from_slice(b"\\u00");
            out.push(HEX[usize::from(b >> 4)]);
            out.push(HEX[usize::from(b & 0xf)]);
        } else {
            out.extend_from_slice(escape);
        }
        start = i + 1;
    }
    out.extend_from_slice(&s.as_bytes()[start..]);
    out.push(b'"');
}

/// `sha256:` and the lowercase hex SHA-256 of the canonical JSON of `submitted`.
pub fn digest(submitted: &Value) -> Result<String, NotCanonical> {
    let hash = Sha256::digest(canonical_json(submitted)?);
    let mut s = String::with_capacity(7 + 64);
    s.push_str("sha256:");
    for b in hash {
        s.push_str(&format!("{b:02x}"));
    }
    Ok(s)
}

/// The bytes a receipt's signature covers: its canonical JSON without `signature`.
fn signed_bytes(r: &Receipt) -> Result<Vec<u8>, NotCanonical> {
    canonical_json(&serde_json::json!({
        "version": r.version,
        "kind": r.kind,
        "subject_id": r.subject_id,
        "issued_at": r.issued_at,
        "submitted": r.submitted,
        "digest": r.digest,
        "key_id": r.key_id,
    }))
}

/// A key that signs receipts: its id and its Ed25519 secret.
pub struct ReceiptSigner {
    id: String,
    key: SigningKey,
}

impl std::fmt::Debug for ReceiptSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReceiptSigner")
            .field("id", &self.id)
            .finish_non_exhaustive()
    }
}

/// A stored key that cannot be read back.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("receipt key {id}: {reason}")]
pub struct BadKey {
    pub id: String,
    pub reason: &'static str,
}

impl ReceiptSigner {
    /// The key with this id made from 32 random bytes.
    pub fn from_seed(id: impl Into<String>, seed: [u8; 32]) -> ReceiptSigner {
        ReceiptSigner {
            id: id.into(),
            key: SigningKey::from_bytes(&seed),
        }
    }

    /// The key as stored: its secret seed in base64url.
    pub fn from_encoded(id: impl Into<String>, secret: &str) -> Result<ReceiptSigner, BadKey> {
        let id = id.into();
        let seed: [u8; 32] = URL_SAFE_NO_PAD
            .decode(secret)
            .ok()
            .and_then(|b| b.try_into().ok())
            .ok_or(BadKey {
                id: id.clone(),
                reason: "the secret is not 32 bytes of base64url",
            })?;
        Ok(ReceiptSigner::from_seed(id, seed))
    }

    pub fn id(&self) -> &str {
        &self.id
    }

    /// The secret seed, base64url without padding, as stored.
    pub fn encoded_secret(&self) -> String {
        URL_SAFE_NO_PAD.encode(self.key.to_bytes())
    }

    /// The public key, base64url without padding, as published.
    pub fn encoded_public(&self) -> String {
        URL_SAFE_NO_PAD.encode(self.key.verifying_key().to_bytes())
    }
}

/// Signs a receipt for `submitted`, received at `issued_at`.
pub fn sign(
    key: &ReceiptSigner,
    kind: &str,
    subject_id: &str,
    issued_at: Micros,
    submitted: &Value,
) -> Result<Receipt, NotCanonical> {
    let mut receipt = Receipt {
        version: RECEIPT_VERSION,
        kind: kind.to_owned(),
        subject_id: subject_id.to_owned(),
        issued_at: time::to_rfc3339_micros(issued_at),
        submitted: submitted.clone(),
        digest: digest(submitted)?,
        key_id: key.id.clone(),
        signature: String::new(),
    };
    let signature = key.key.sign(&signed_bytes(&receipt)?);
    receipt.signature = URL_SAFE_NO_PAD.encode(signature.to_bytes());
    Ok(receipt)
}

/// The public keys receipts are verified with, current and retired.
#[derive(Debug, Clone, Default)]
pub struct KeySet {
    keys: Vec<(String, VerifyingKey)>,
}

impl KeySet {
    /// Adds a key given as published (base64url of the 32-byte public key).
    pub fn add(&mut self, id: &str, public_key: &str) -> Result<(), BadKey> {
        let bad = |reason| BadKey {
            id: id.to_owned(),
            reason,
        };
        let bytes: [u8; 32] = URL_SAFE_NO_PAD
            .decode(public_key)
            .ok()
            .and_then(|b| b.try_into().ok())
            .ok_or_else(|| bad("the public key is not 32 bytes of base64url"))?;
        let key = VerifyingKey::from_bytes(&bytes)
            .map_err(|_| bad("the public key is not a point of Ed25519"))?;
        self.keys.push((id.to_owned(), key));
        Ok(())
    }

    /// The keys of a published key set (the JSON of `/api/v1/receipt-keys`).
    pub fn from_published(set: &ReceiptKeySet) -> Result<KeySet, BadKey> {
        let mut keys = KeySet::default();
        for k in &set.keys {
            if k.algorithm != portcullis_shared::receipts::RECEIPT_ALGORITHM {
                return Err(BadKey {
                    id: k.id.clone(),
                    reason: "the algorithm is not Ed25519",
                });
            }
            keys.add(&k.id, &k.public_key)?;
        }
        Ok(keys)
    }

    fn get(&self, id: &str) -> Option<&VerifyingKey> {
        self.keys.iter().find(|(k, _)| k == id).map(|(_, key)| key)
    }
}

/// What a valid receipt proves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedReceipt {
    pub kind: String,
    pub subject_id: String,
    pub issued_at: String,
    pub digest: String,
    pub key_id: String,
}

/// Why a receipt does not verify.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VerifyError {
    /// Not a receipt: not JSON, a missing or unknown member, a member of the wrong type or
    /// shape, or a version this server does not know.
    #[error("malformed receipt: {field}: {message}")]
    Malformed { field: String, message: String },
    /// Signed by a key that is not in the key set.
    #[error("unknown key {0:?}")]
    UnknownKey(String),
    /// `digest` is not the digest of `submitted`.
    #[error("the digest does not match the submitted fields")]
    DigestMismatch,
    /// The signature is not the key's over the receipt.
    #[error("the signature does not match the receipt")]
    BadSignature,
}

impl VerifyError {
    /// A stable name of the reason: `malformed`, `unknown_key`, `digest_mismatch` or
    /// `bad_signature`.
    pub fn reason(&self) -> &'static str {
        match self {
            VerifyError::Malformed { .. } => "malformed",
            VerifyError::UnknownKey(_) => "unknown_key",
            VerifyError::DigestMismatch => "digest_mismatch",
            VerifyError::BadSignature => "bad_signature",
        }
    }

    /// The receipt member at fault.
    pub fn field(&self) -> &str {
        match self {
            VerifyError::Malformed { field, .. } => field,
            VerifyError::UnknownKey(_) => "key_id",
            VerifyError::DigestMismatch => "digest",
            VerifyError::BadSignature => "signature",
        }
    }
}

fn malformed(field: &str, message: impl Into<String>) -> VerifyError {
    VerifyError::Malformed {
        field: field.to_owned(),
        message: message.into(),
    }
}

/// Verifies a receipt file's bytes.
pub fn verify_bytes(bytes: &[u8], keys: &KeySet) -> Result<VerifiedReceipt, VerifyError> {
    let value: Value = serde_json::from_slice(bytes)
        .map_err(|e| malformed("receipt", format!("not JSON: {e}")))?;
    verify(&value, keys)
}

/// Verifies a receipt: its shape, its key, its digest, then its signature.
pub fn verify(receipt: &Value, keys: &KeySet) -> Result<VerifiedReceipt, VerifyError> {
    let r = Receipt::deserialize(receipt).map_err(|e| malformed("receipt", e.to_string()))?;
    if r.version != RECEIPT_VERSION {
        return Err(malformed(
            "version",
            format!(
                "version {} is not known; this server reads version {RECEIPT_VERSION}",
                r.version
            ),
        ));
    }
    if time::parse_rfc3339(&r.issued_at).is_none() {
        return Err(malformed("issued_at", "is not an RFC 3339 time"));
    }
    let hex = r.digest.strip_prefix("sha256:").unwrap_or_default();
    if hex.len() != 64 || !hex.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
        return Err(malformed(
            "digest",
            "is not \"sha256:\" and 64 lowercase hex digits",
        ));
    }
    let signature: [u8; 64] = URL_SAFE_NO_PAD
        .decode(&r.signature)
        .ok()
        .and_then(|b| b.try_into().ok())
        .ok_or_else(|| malformed("signature", "is not 64 bytes of base64url without padding"))?;
    let key = keys
        .get(&r.key_id)
        .ok_or_else(|| VerifyError::UnknownKey(r.key_id.clone()))?;
    let expected = digest(&r.submitted).map_err(|e| {
        let field = if e.path.is_empty() {
            "submitted".to_owned()
        } else {
            format!("submitted.{}", e.path)
        };
        malformed(&field, "only whole numbers can be signed")
    })?;
    if expected != r.digest {
        return Err(VerifyError::DigestMismatch);
    }
    let signed = signed_bytes(&r).map_err(|_| malformed("receipt", "is not canonical"))?;
    key.verify_strict(&signed, &Signature::from_bytes(&signature))
        .map_err(|_| VerifyError::BadSignature)?;
    Ok(VerifiedReceipt {
        kind: r.kind,
        subject_id: r.subject_id,
        issued_at: r.issued_at,
        digest: r.digest,
        key_id: r.key_id,
    })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn signer(id: &str, byte: u8) -> ReceiptSigner {
        ReceiptSigner::from_seed(id, [byte; 32])
    }

    fn keys_of(signers: &[&ReceiptSigner]) -> KeySet {
        let mut keys = KeySet::default();
        for s in signers {
            keys.add(s.id(), &s.encoded_public()).expect("a valid key");
        }
        keys
    }

    fn canon(v: Value) -> String {
        String::from_utf8(canonical_json(&v).expect("canonical")).expect("utf-8")
    }

    #[test]
    fn canonical_json_sorts_keys_at_every_depth_and_drops_whitespace() {
        assert_eq!(
            canon(json!({"b": 1, "a": {"z": [3, {"y": null, "x": true}], "c": "d"}})),
            r#"{"a":{"c":"d","z":[3,{"x":true,"y":null}]},"b":1}"#
        );
        assert_eq!(
            canon(json!({"é": 1, "z": 2, "Z": 3})),
            r#"{"Z":3,"z":2,"é":1}"#
        );
        assert_eq!(
            canon(json!([-7, 18446744073709551615u64])),
            "[-7,18446744073709551615]"
        );
    }

    #[test]
    fn canonical_strings_are_written_as_serde_json_writes_them() {
        for s in [
            "plain",
            "quote \" back \\ slash",
            "\u{0}\u{1f}\u{7f}\n\r\t\u{8}\u{c}",
            "Grüße 🎉 </script>",
        ] {
            let expected = serde_json::to_string(s).expect("json");
            assert_eq!(canon(json!(s)), expected);
        }
    }

    #[test]
    fn fractions_have_no_canonical_form() {
        assert_eq!(
            canonical_json(&json!({"deal": {"amounts": [1, 2.5]}})),
            Err(NotCanonical {
                path: "deal.amounts[1]".to_owned()
            })
        );
    }

    #[test]
    fn a_signed_receipt_verifies_and_names_what_it_proves() {
        let key = signer("rk-000001", 7);
        let submitted =
            json!({"company": "Initech", "amount": {"minor": 120000, "currency": "EUR"}});
        let r = sign(
            &key,
            "deal_registration",
            "d-1",
            1_700_000_000_123_456,
            &submitted,
        )
        .expect("signed");
        assert_eq!(r.issued_at, "2023-11-14T22:13:20.123456Z");
        assert_eq!(r.digest, digest(&submitted).expect("digest"));
        let v = verify(&serde_json::to_value(&r).expect("json"), &keys_of(&[&key])).expect("valid");
        assert_eq!(v.key_id, "rk-000001");
        assert_eq!(v.subject_id, "d-1");
        assert_eq!(v.kind, "deal_registration");
    }

    #[test]
    fn each_kind_of_tampering_is_named() {
        let key = signer("rk-000001", 7);
        let other = signer("rk-000002", 8);
        let keys = keys_of(&[&key, &other]);
        let r = sign(
            &key,
            "deal_registration",
            "d-1",
            1_700_000_000_000_000,
            &json!({"a": 1}),
        )
        .expect("signed");
        let good = serde_json::to_value(&r).expect("json");
        let with = |f: &dyn Fn(&mut Value)| {
            let mut v = good.clone();
            f(&mut v);
            verify(&v, &keys).map(|_| ()).map_err(|e| e.reason())
        };
        assert_eq!(
            with(&|v| v["submitted"]["a"] = json!(2)),
            Err("digest_mismatch")
        );
        assert_eq!(
            with(&|v| v["subject_id"] = json!("d-2")),
            Err("bad_signature")
        );
        assert_eq!(
            with(&|v| v["key_id"] = json!("rk-000002")),
            Err("bad_signature")
        );
        assert_eq!(with(&|v| v["key_id"] = json!("rk-9")), Err("unknown_key"));
        assert_eq!(with(&|v| v["extra"] = json!(1)), Err("malformed"));
        assert_eq!(with(&|v| v["version"] = json!(2)), Err("malformed"));
        assert_eq!(with(&|v| v["signature"] = json!("AAAA")), Err("malformed"));
        assert_eq!(
            with(&|v| v["submitted"]["a"] = json!(1.0)),
            Err("malformed")
        );
        assert_eq!(with(&|_| {}), Ok(()));
        assert_eq!(
            verify_bytes(b"{not json", &keys).map_err(|e| e.reason()),
            Err("malformed")
        );
    }

    #[test]
    fn whitespace_and_member_order_do_not_change_a_receipt() {
        let key = signer("rk-000001", 7);
        let r = sign(
            &key,
            "deal_registration",
            "d-1",
            0,
            &json!({"b": [1, 2], "a": "x"}),
        )
        .expect("signed");
        let pretty = serde_json::to_string_pretty(&r).expect("json");
        assert!(verify_bytes(pretty.as_bytes(), &keys_of(&[&key])).is_ok());
    }

    #[test]
    fn stored_and_published_keys_read_back() {
        let key = signer("rk-000001", 9);
        let again = ReceiptSigner::from_encoded("rk-000001", &key.encoded_secret()).expect("read");
        assert_eq!(again.encoded_public(), key.encoded_public());
        assert!(ReceiptSigner::from_encoded("x", "short").is_err());
        assert!(KeySet::default().add("x", "AAAA").is_err());
    }
}
