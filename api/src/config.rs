//! Configuration from the environment, validated once at start-up.

use std::net::SocketAddr;
use std::path::PathBuf;

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    /// Human-readable, coloured when attached to a terminal.
    Pretty,
    /// One JSON object per line, for log shippers.
    Json,
}

/// Everything Portcullis needs to start.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Address to listen on; port 0 picks a free port.
    pub addr: SocketAddr,
    /// `sqlite:` or `postgres:` URL; defaults to a SQLite file in `data_dir`.
    pub database_url: String,
    /// Where SQLite and other local state live.
    pub data_dir: PathBuf,
    /// Log line format.
    pub log_format: LogFormat,
    /// Largest accepted JSON request body, in bytes.
    pub max_json_bytes: usize,
    /// Maximum database connections in the pool.
    pub db_max_connections: u32,
    /// Sign-in and invitation-acceptance attempts allowed per client IP per minute.
    pub auth_attempts_per_ip_per_minute: u32,
    /// The address people reach Portcullis at, for links in emails.
    pub public_url: String,
    /// `smtp://user:pass@host:587` (STARTTLS) or `smtps://…` (TLS); unset keeps mail in the outbox.
    pub smtp_url: Option<String>,
    /// The sender of every email.
    pub smtp_from: String,
    /// How long an access token lives, in seconds (the refresh cookie renews it).
    pub access_token_ttl_secs: i64,
    /// How long a worker holds a claimed job before another node may take it over.
    pub job_lease_secs: i64,
    /// Where document files are kept (encrypted).
    pub object_store: ObjectStoreSettings,
    /// Largest accepted document upload, in bytes.
    pub max_upload_bytes: u64,
    /// The master key wrapping every file's data key, as configured (base64 or hex of 32
    /// bytes); when unset, a key file generated in `data_dir` on first start is used.
    pub master_key: Option<Secret>,
}

/// Where document files are kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ObjectStoreSettings {
    /// Files under `<data_dir>/objects` (the default).
    Local,
    /// An S3-compatible bucket; credentials come from `AWS_ACCESS_KEY_ID` and
    /// `AWS_SECRET_ACCESS_KEY`.
    S3 {
        bucket: String,
        /// A custom endpoint (MinIO, moto, R2, …); AWS itself when absent.
        endpoint: Option<String>,
        region: String,
    },
}

/// A configured secret: kept out of `Debug` output and logs.
#[derive(Clone)]
pub struct Secret(pub String);

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(***)")
    }
}

/// A configuration value that cannot be used, named after its variable.
#[derive(Debug, thiserror::Error)]
#[error("{var}={value:?}: {reason}")]
pub struct ConfigError {
    pub var: &'static str,
    pub value: String,
    pub reason: String,
}

impl Settings {
    /// Reads the `PORTCULLIS_*` and `DATABASE_URL` variables from the process environment.
    pub fn from_env() -> Result<Settings, ConfigError> {
        Self::from_lookup(|k| std::env::var(k).ok())
    }

    /// Reads settings through `lookup`, so tests can pass a map instead of the environment.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Settings, ConfigError> {
        let get = |var: &'static str| lookup(var).filter(|v| !v.trim().is_empty());

        let addr = match get("PORTCULLIS_ADDR") {
            None => SocketAddr::from(([127, 0, 0, 1], 8080)),
            Some(v) => v.trim().parse().map_err(|_| ConfigError {
                var: "PORTCULLIS_ADDR",
                value: v.clone(),
                reason: "expected host:port, e.g. 127.0.0.1:8080".into(),
            })?,
        };

        let data_dir = PathBuf::from(get("PORTCULLIS_DATA_DIR").unwrap_or_else(|| "./data".into()));

        let database_url = match get("DATABASE_URL") {
            None => format!("sqlite://{}", data_dir.join("portcullis.db").display()),
            Some(v) => {
                let v = v.trim().to_owned();
                if !(v.starts_with("sqlite:")
                    || v.starts_with("postgres://")
                    || v.starts_with("postgresql://"))
                {
                    return Err(ConfigError {
                        var: "DATABASE_URL",
                        value: redact_url(&v),
                        reason: "expected a sqlite: or postgres:// URL".into(),
                    });
                }
                v
            }
        };

        let log_format = match get("PORTCULLIS_LOG_FORMAT").as_deref().map(str::trim) {
            None | Some("pretty") => LogFormat::Pretty,
            Some("json") => LogFormat::Json,
            Some(other) => {
                return Err(ConfigError {
                    var: "PORTCULLIS_LOG_FORMAT",
                    value: other.into(),
                    reason: "expected pretty or json".into(),
                });
            }
        };

        let max_json_bytes = parse_number(
            get("PORTCULLIS_MAX_JSON_BYTES"),
            "PORTCULLIS_MAX_JSON_BYTES",
            64 * 1024,
            1024..=64 * 1024 * 1024,
        )?;
        let db_max_connections = parse_number(
            get("PORTCULLIS_DB_MAX_CONNECTIONS"),
            "PORTCULLIS_DB_MAX_CONNECTIONS",
            16,
            1..=1024,
        )?;

        let auth_attempts_per_ip_per_minute = parse_number(
            get("PORTCULLIS_AUTH_ATTEMPTS_PER_IP_PER_MINUTE"),
            "PORTCULLIS_AUTH_ATTEMPTS_PER_IP_PER_MINUTE",
            20,
            1..=1_000_000,
        )?;

        let public_url = match get("PORTCULLIS_PUBLIC_URL") {
            None => format!("http://{addr}"),
            Some(v) => {
                let v = v.trim().trim_end_matches('/').to_owned();
                match url::Url::parse(&v) {
                    Ok(u) if matches!(u.scheme(), "http" | "https") && u.host().is_some() => v,
                    _ => {
                        return Err(ConfigError {
                            var: "PORTCULLIS_PUBLIC_URL",
                            value: v,
                            reason: "expected an http(s) URL such as https://portal.acme.example"
                                .into(),
                        });
                    }
                }
            }
        };
        let smtp_url = match get("PORTCULLIS_SMTP_URL") {
            None => None,
            Some(v) if v.starts_with("smtp://") || v.starts_with("smtps://") => {
                Some(v.trim().to_owned())
            }
            Some(v) => {
                return Err(ConfigError {
                    var: "PORTCULLIS_SMTP_URL",
                    value: redact_url(&v),
                    reason: "expected smtp://user:pass@host:587 or smtps://user:pass@host:465"
                        .into(),
                });
            }
        };
        let access_token_ttl_secs = parse_number(
            get("PORTCULLIS_ACCESS_TOKEN_TTL_SECS"),
            "PORTCULLIS_ACCESS_TOKEN_TTL_SECS",
            900,
            5..=86_400,
        )?;
        let job_lease_secs = parse_number(
            get("PORTCULLIS_JOB_LEASE_SECS"),
            "PORTCULLIS_JOB_LEASE_SECS",
            60,
            1..=3600,
        )?;
        let smtp_from =
            get("PORTCULLIS_SMTP_FROM").unwrap_or_else(|| "Portcullis <no-reply@localhost>".into());

        let object_store = match get("PORTCULLIS_OBJECT_STORE").as_deref().map(str::trim) {
            None | Some("local") => ObjectStoreSettings::Local,
            Some("s3") => ObjectStoreSettings::S3 {
                bucket: get("PORTCULLIS_S3_BUCKET")
                    .map(|b| b.trim().to_owned())
                    .ok_or_else(|| ConfigError {
                        var: "PORTCULLIS_S3_BUCKET",
                        value: String::new(),
                        reason: "required when PORTCULLIS_OBJECT_STORE=s3".into(),
                    })?,
                endpoint: match get("PORTCULLIS_S3_ENDPOINT") {
                    None => None,
                    Some(v) => match url::Url::parse(v.trim()) {
                        Ok(u) if matches!(u.scheme(), "http" | "https") => {
                            Some(v.trim().trim_end_matches('/').to_owned())
                        }
                        _ => {
                            return Err(ConfigError {
                                var: "PORTCULLIS_S3_ENDPOINT",
                                value: v,
                                reason: "expected an http(s) URL such as http://127.0.0.1:9000"
                                    .into(),
                            });
                        }
                    },
                },
                region: get("PORTCULLIS_S3_REGION")
                    .map(|r| r.trim().to_owned())
                    .unwrap_or_else(|| "us-east-1".into()),
            },
            Some(other) => {
                return Err(ConfigError {
                    var: "PORTCULLIS_OBJECT_STORE",
                    value: other.into(),
                    reason: "expected local or s3".into(),
                });
            }
        };
        let max_upload_bytes = parse_number(
            get("PORTCULLIS_MAX_UPLOAD_BYTES"),
            "PORTCULLIS_MAX_UPLOAD_BYTES",
            50 * 1024 * 1024,
            1..=1024 * 1024 * 1024 * 1024,
        )?;
        let master_key = get("PORTCULLIS_MASTER_KEY").map(|k| Secret(k.trim().to_owned()));

        Ok(Settings {
            object_store,
            max_upload_bytes,
            master_key,
            addr,
            database_url,
            data_dir,
            log_format,
            max_json_bytes,
            db_max_connections,
            auth_attempts_per_ip_per_minute,
            public_url,
            smtp_url,
            smtp_from,
            access_token_ttl_secs,
            job_lease_secs,
        })
    }

    /// Whether the database is SQLite (the embedded default).
    pub fn is_sqlite(&self) -> bool {
        self.database_url.starts_with("sqlite:")
    }
}

fn parse_number<T>(
    raw: Option<String>,
    var: &'static str,
    default: T,
    range: std::ops::RangeInclusive<T>,
) -> Result<T, ConfigError>
where
    T: std::str::FromStr + PartialOrd + std::fmt::Display + Copy,
{
    let Some(raw) = raw else { return Ok(default) };
    match raw.trim().parse::<T>() {
        Ok(n) if range.contains(&n) => Ok(n),
        _ => Err(ConfigError {
            var,
            value: raw,
            reason: format!(
                "expected a whole number from {} to {}",
                range.start(),
                range.end()
            ),
        }),
    }
}

/// Hides the password of a database URL so that it can be logged.
pub fn redact_url(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut u) if u.password().is_some() => {
            let _ = u.set_password(Some("***"));
            u.to_string()
        }
        _ => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn settings(vars: &[(&str, &str)]) -> Result<Settings, ConfigError> {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Settings::from_lookup(|k| map.get(k).cloned())
    }

    #[test]
    fn defaults_need_no_environment() {
        let s = settings(&[]).expect("defaults are valid");
        assert_eq!(s.addr.to_string(), "127.0.0.1:8080");
        assert_eq!(s.database_url, "sqlite://./data/portcullis.db");
        assert_eq!(s.log_format, LogFormat::Pretty);
        assert!(s.is_sqlite());
    }

    #[test]
    fn a_bad_address_names_the_variable() {
        let err = settings(&[("PORTCULLIS_ADDR", "nowhere")]).unwrap_err();
        assert_eq!(err.var, "PORTCULLIS_ADDR");
    }

    #[test]
    fn an_unknown_database_scheme_is_refused_without_leaking_the_password() {
        let err = settings(&[("DATABASE_URL", "mysql://u:secret@h/db")]).unwrap_err();
        assert_eq!(err.var, "DATABASE_URL");
        assert!(!err.to_string().contains("secret"));
    }

    #[test]
    fn log_format_must_be_pretty_or_json() {
        assert!(settings(&[("PORTCULLIS_LOG_FORMAT", "xml")]).is_err());
        let s = settings(&[("PORTCULLIS_LOG_FORMAT", "json")]).expect("json is valid");
        assert_eq!(s.log_format, LogFormat::Json);
    }
}
