//! Password hashing (argon2id, OWASP parameters) off the request threads with bounded
//! concurrency, and the password policy.

use portcullis_shared::FieldCode;
use std::collections::HashSet;
use std::io::Read;
use std::sync::{Arc, OnceLock};

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use portcullis_shared::FieldError;
use portcullis_shared::validate::{MAX_PASSWORD_BYTES, MIN_PASSWORD_CHARS};
use tokio::sync::Semaphore;

use crate::error::ApiError;

/// Common passwords (SecLists: the top 10,000 plus every entry of 12+ characters of the top
/// million), lowercased, gzipped.
static COMMON_PASSWORDS_GZ: &[u8] = include_bytes!("../../data/common-passwords.txt.gz");

fn common_passwords() -> &'static HashSet<String> {
    static SET: OnceLock<HashSet<String>> = OnceLock::new();
    SET.get_or_init(|| {
        let mut text = String::new();
        let _ = flate2::read::GzDecoder::new(COMMON_PASSWORDS_GZ).read_to_string(&mut text);
        text.lines().map(str::to_owned).collect()
    })
}

/// How many common passwords are refused.
pub fn common_password_count() -> usize {
    common_passwords().len()
}

/// Checks a new password against the policy; the error names `field`.
pub fn check_policy(field: &str, password: &str) -> Result<(), FieldError> {
    let fail = |code: FieldCode, message: String| FieldError {
        field: field.to_owned(),
        code,
        message,
    };
    if password.chars().count() < MIN_PASSWORD_CHARS {
        return Err(fail(
            FieldCode::TooShort,
            format!("must be at least {MIN_PASSWORD_CHARS} characters"),
        ));
    }
    if password.len() > MAX_PASSWORD_BYTES {
        return Err(fail(
            FieldCode::TooLong,
            format!("must be at most {MAX_PASSWORD_BYTES} bytes"),
        ));
    }
    if common_passwords().contains(&password.to_lowercase()) {
        return Err(fail(
            FieldCode::TooCommon,
            "is one of the most common passwords; choose another".to_owned(),
        ));
    }
    Ok(())
}

fn argon2() -> Argon2<'static> {
    // OWASP: argon2id, m = 19 MiB, t = 2, p = 1.
    let params = Params::new(19 * 1024, 2, 1, None).expect("static argon2 parameters are valid");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// Hashes and verifies passwords on the blocking pool, at most one per core at a time, so a
/// sign-in storm queues here instead of starving other requests.
#[derive(Clone)]
pub struct Hasher {
    permits: Arc<Semaphore>,
    dummy_hash: Arc<String>,
}

impl Hasher {
    pub fn new() -> anyhow::Result<Hasher> {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        let salt = SaltString::generate(&mut OsRng);
        let dummy = argon2()
            .hash_password(b"portcullis timing equaliser", &salt)
            .map_err(|e| anyhow::anyhow!("Failed to hash the timing equaliser: {e}"))?
            .to_string();
        Ok(Hasher {
            permits: Arc::new(Semaphore::new(cores.max(1))),
            dummy_hash: Arc::new(dummy),
        })
    }

    /// An argon2id PHC string for `password`.
    pub async fn hash(&self, password: String) -> Result<String, ApiError> {
        let _permit = self
            .permits
            .acquire()
            .await
            .map_err(|e| ApiError::Internal(e.into()))?;
        actix_web::web::block(move || {
            let salt = SaltString::generate(&mut OsRng);
            argon2()
                .hash_password(password.as_bytes(), &salt)
                .map(|h| h.to_string())
                .map_err(|e| anyhow::anyhow!("Failed to hash a password: {e}"))
        })
        .await
        .map_err(|e| ApiError::Internal(anyhow::anyhow!("{e}")))?
        .map_err(ApiError::Internal)
    }

    /// Whether `password` matches `hash`. With no hash (unknown user, no password set) a
    /// dummy hash is checked instead so that the answer takes the same time.
    pub async fn verify(&self, password: String, hash: Option<String>) -> Result<bool, ApiError> {
        let _permit = self
            .permits
            .acquire()
            .await
            .map_err(|e| ApiError::Internal(e.into()))?;
        let real = hash.is_some();
        let hash = hash.unwrap_or_else(|| (*self.dummy_hash).clone());
        let ok = actix_web::web::block(move || {
            PasswordHash::new(&hash)
                .map(|parsed| {
                    argon2()
                        .verify_password(password.as_bytes(), &parsed)
                        .is_ok()
                })
                .unwrap_or(false)
        })
        .await
        .map_err(|e| ApiError::Internal(anyhow::anyhow!("{e}")))?;
        Ok(real && ok)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_list_holds_at_least_ten_thousand_passwords() {
        assert!(common_password_count() >= 10_000);
    }

    #[test]
    fn short_and_common_passwords_are_refused() {
        assert_eq!(
            check_policy("password", "short").unwrap_err().code,
            FieldCode::TooShort
        );
        assert_eq!(
            check_policy("password", "Password1234").unwrap_err().code,
            FieldCode::TooCommon
        );
        assert!(check_policy("password", "lantern-orbit-quietly-47").is_ok());
    }
}
