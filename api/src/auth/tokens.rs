//! Access tokens (short-lived HS256 JWTs bound to a session) and the random secrets behind
//! sessions and refresh cookies, of which only SHA-256 hashes are stored.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::db::Db;
use crate::time;

/// Issuer and audience of every access token.
pub const ISSUER: &str = "portcullis";
pub const AUDIENCE: &str = "portcullis-api";

/// The claims of an access token. `sid` names the server-side session every request checks.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Claims {
    pub sub: String,
    pub sid: String,
    pub role: String,
    pub portal: Option<String>,
    pub iss: String,
    pub aud: String,
    pub iat: i64,
    pub exp: i64,
}

/// The signing keys and the validation rules (HS256 only; `iss`, `aud`, `exp` required).
pub struct Keys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    ttl_secs: i64,
}

impl Keys {
    pub fn from_secret(secret: &[u8], ttl_secs: i64) -> Keys {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.algorithms = vec![Algorithm::HS256];
        validation.set_issuer(&[ISSUER]);
        validation.set_audience(&[AUDIENCE]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        // Clocks of the nodes agree closely; a short token lifetime must stay short.
        validation.leeway = 1;
        Keys {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            validation,
            ttl_secs,
        }
    }

    /// Loads the installation's signing secret, creating it on first start. Every node reads
    /// the same row, so tokens verify on any of them.
    pub async fn load_or_create(db: &Db, ttl_secs: i64) -> anyhow::Result<Keys> {
        let fresh = URL_SAFE_NO_PAD.encode(random_bytes::<32>());
        sqlx::query(
            "INSERT INTO server_secrets (name, value, created_at) VALUES ('jwt_hs256', $1, $2) \
             ON CONFLICT (name) DO NOTHING",
        )
        .bind(&fresh)
        .bind(time::now())
        .execute(&db.pool)
        .await?;
        let value: String =
            sqlx::query_scalar("SELECT value FROM server_secrets WHERE name = 'jwt_hs256'")
                .fetch_one(&db.pool)
                .await?;
        let secret = URL_SAFE_NO_PAD.decode(value.as_bytes())?;
        Ok(Keys::from_secret(&secret, ttl_secs))
    }

    /// Signs claims into a JWT.
    pub fn sign(&self, claims: &Claims) -> anyhow::Result<String> {
        Ok(jsonwebtoken::encode(
            &Header::new(Algorithm::HS256),
            claims,
            &self.encoding,
        )?)
    }

    /// Verifies a JWT's signature, algorithm, issuer, audience and expiry.
    pub fn verify(&self, token: &str) -> Option<Claims> {
        jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation)
            .ok()
            .map(|d| d.claims)
    }
}

/// Cryptographically random bytes.
pub fn random_bytes<const N: usize>() -> [u8; N] {
    let mut b = [0u8; N];
    rand::rngs::OsRng.fill_bytes(&mut b);
    b
}

/// A random 256-bit token, URL-safe.
pub fn random_token() -> String {
    URL_SAFE_NO_PAD.encode(random_bytes::<32>())
}

/// The stored form of a secret token.
pub fn hash_token(token: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(token.as_bytes()))
}

impl Keys {
    /// How long the access tokens these keys sign live, in seconds.
    pub fn ttl_secs(&self) -> i64 {
        self.ttl_secs
    }

    /// Claims for a new access token.
    pub fn claims_for(
        &self,
        user_id: &str,
        sid: &str,
        role: &str,
        portal: Option<String>,
    ) -> Claims {
        let iat = time::now() / 1_000_000;
        Claims {
            sub: user_id.to_owned(),
            sid: sid.to_owned(),
            role: role.to_owned(),
            portal,
            iss: ISSUER.to_owned(),
            aud: AUDIENCE.to_owned(),
            iat,
            exp: iat + self.ttl_secs,
        }
    }
}
