//! The `portcullis` command line.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::{Parser, Subcommand};
use portcullis_shared::receipts::ReceiptKeySet;

use crate::app::{App, Operator};
use crate::domain::receipts::{self, KeySet, VerifiedReceipt, VerifyError};

use crate::config::Settings;
use crate::db::Db;
use crate::startup::Application;
use crate::{admin, bench_seed, openapi, seed, telemetry};

/// Deal registrations in the benchmark workload.
const REGISTRATIONS: usize = 100_000;

/// Portcullis: the self-hostable customer & partner portal for a CRM.
#[derive(Debug, Parser)]
#[command(name = "portcullis", version, about)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the API and the web app (the default).
    Serve,
    /// Apply pending database migrations and exit.
    Migrate,
    /// Create the demo company, portals and users (idempotent).
    SeedDemo,
    /// Fill an empty database with the benchmark workload: 20,000 accounts, 100,000 users,
    /// 1,000,000 deals with their reach and 3,000,000 timeline events (`make bench` uses it).
    SeedBench {
        /// Divide every count by this (quick trials and tests).
        #[arg(long, default_value_t = 1, hide = true)]
        scale_down: usize,
    },
    /// Add the partner programme's benchmark data (100,000 deal registrations) to a database
    /// `seed-bench` filled earlier (idempotent).
    #[command(hide = true)]
    SeedBenchRegistrations {
        #[arg(long, default_value_t = 1, hide = true)]
        scale_down: usize,
    },
    /// Print the OpenAPI document.
    Openapi,
    /// Audit log tools.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// Signed receipts: verify one, rotate the signing key.
    Receipt {
        #[command(subcommand)]
        command: ReceiptCommand,
    },
    /// Re-wrap every document file's key with a new master key, without re-encrypting the
    /// files. The current key (PORTCULLIS_MASTER_KEY or the key file) must still be the
    /// old one; the new one comes from PORTCULLIS_NEW_MASTER_KEY, or is generated into
    /// `master.key.new` in the data directory. Resumable: a rerun continues with the keys
    /// left. Start the server with the new key afterwards.
    RotateMasterKey,
    /// Create an administrator (the first one, typically). Reads the password from standard
    /// input when --password is not given.
    CreateAdmin {
        /// The administrator's email address.
        #[arg(long)]
        email: String,
        /// The password (at least 12 characters, not a common one).
        #[arg(long)]
        password: Option<String>,
        /// Display name.
        #[arg(long, default_value = "Administrator")]
        name: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Recompute the hash chain and report the first entry where it breaks (exit 1 if any).
    Verify,
}

#[derive(Debug, Subcommand)]
pub enum ReceiptCommand {
    /// Verify a receipt file (exit 0 valid, 1 invalid): against a key set file when --keys
    /// is given (the JSON served at /api/v1/receipt-keys; no database or network needed),
    /// otherwise against the database's keys.
    Verify {
        /// The receipt, as JSON.
        file: PathBuf,
        /// The key set, as JSON (saved from /api/v1/receipt-keys).
        #[arg(long)]
        keys: Option<PathBuf>,
    },
    /// Retire the current signing key (it keeps verifying what it signed) and make a new one.
    RotateKey,
}

/// Verifies the receipt in `file` against the key set in `keys_file`, offline.
pub fn verify_receipt_offline(
    file: &Path,
    keys_file: &Path,
) -> anyhow::Result<Result<VerifiedReceipt, VerifyError>> {
    let published: ReceiptKeySet = serde_json::from_slice(
        &std::fs::read(keys_file)
            .with_context(|| format!("Failed to read the key set {}", keys_file.display()))?,
    )
    .with_context(|| format!("{} is not a receipt key set", keys_file.display()))?;
    let keys = KeySet::from_published(&published)?;
    let receipt = std::fs::read(file)
        .with_context(|| format!("Failed to read the receipt {}", file.display()))?;
    Ok(receipts::verify_bytes(&receipt, &keys))
}

/// Runs a command; errors are returned for `main` to print as one line.
pub async fn run(cli: Cli, settings: Settings) -> anyhow::Result<()> {
    match cli.command.unwrap_or(Command::Serve) {
        Command::Openapi => {
            let json = openapi::to_pretty_json(&openapi::spec())?;
            std::io::stdout().write_all(json.as_bytes())?;
        }
        Command::Migrate => {
            telemetry::init(settings.log_format);
            let db = Db::connect(&settings).await?;
            db.migrate().await?;
            tracing::info!("migrations applied");
        }
        Command::SeedDemo => {
            telemetry::init(settings.log_format);
            let db = Db::connect(&settings).await?;
            db.migrate().await?;
            let report = seed::seed_demo(&db).await?;
            let mut out = std::io::stdout().lock();
            if report.portals_created.is_empty() {
                writeln!(out, "Demo data already present.")?;
            } else {
                writeln!(
                    out,
                    "Demo portals created: {}",
                    report.portals_created.join(", ")
                )?;
            }
            for portal in seed::demo_portals() {
                writeln!(
                    out,
                    "  {:<20} http://{}/p/{}",
                    portal.name,
                    settings.addr,
                    portal.slug.as_str()
                )?;
            }
            writeln!(out, "Demo users (password: {}):", seed::DEMO_PASSWORD)?;
            for u in &seed::DEMO_USERS {
                let place = u
                    .portal
                    .map_or_else(String::new, |p| format!("sign in at /p/{p}"));
                writeln!(out, "  {:<34} {:<16} {place}", u.email, u.role.as_str())?;
            }
        }
        Command::SeedBench { scale_down } => {
            telemetry::init(settings.log_format);
            let db = Db::connect(&settings).await?;
            db.migrate().await?;
            let size = bench_seed::Size::scaled_down(scale_down);
            let mut out = std::io::stdout().lock();
            writeln!(
                out,
                "Seeding the benchmark workload into {}: {} accounts, {} users, {} deals, {} events",
                crate::config::redact_url(&settings.database_url),
                size.partners + size.customers,
                size.users,
                size.deals,
                size.events
            )?;
            drop(out);
            let r = bench_seed::seed_bench(&db, size).await?;
            let mut out = std::io::stdout().lock();
            writeln!(
                out,
                "Seeded in {:.1} s: {} accounts, {} users, {} deals ({} partner links; busiest \
                 partner {} deals, median {}), {} reach rows, {} timeline events.",
                r.elapsed.as_secs_f64(),
                r.accounts,
                r.users,
                r.deals,
                r.partner_links,
                r.busiest_partner_deals,
                r.median_partner_deals,
                r.reach_rows,
                r.events
            )?;
            writeln!(
                out,
                "Every bench user (…@{}) signs in with the password: {}",
                bench_seed::EMAIL_DOMAIN,
                bench_seed::BENCH_PASSWORD
            )?;
            drop(out);
            let made =
                bench_seed::seed_registrations(&db, REGISTRATIONS / scale_down.max(1)).await?;
            writeln!(
                std::io::stdout().lock(),
                "Seeded {made} deal registrations."
            )?;
        }
        Command::SeedBenchRegistrations { scale_down } => {
            telemetry::init(settings.log_format);
            let db = Db::connect(&settings).await?;
            db.migrate().await?;
            let made =
                bench_seed::seed_registrations(&db, REGISTRATIONS / scale_down.max(1)).await?;
            writeln!(
                std::io::stdout().lock(),
                "Seeded {made} deal registrations."
            )?;
        }
        Command::Receipt {
            command: ReceiptCommand::Verify { file, keys },
        } => {
            let verdict = match keys {
                Some(keys) => verify_receipt_offline(&file, &keys)?,
                None => {
                    telemetry::init(settings.log_format);
                    let db = Db::connect(&settings).await?;
                    db.migrate().await?;
                    let app = App::new(db, settings);
                    let keys = crate::app::receipts::key_set(&app).await?;
                    let receipt = std::fs::read(&file).with_context(|| {
                        format!("Failed to read the receipt {}", file.display())
                    })?;
                    receipts::verify_bytes(&receipt, &keys)
                }
            };
            match verdict {
                Ok(v) => writeln!(
                    std::io::stdout(),
                    "Receipt valid: {} {} issued at {}, digest {}, signed by key {}.",
                    v.kind,
                    v.subject_id,
                    v.issued_at,
                    v.digest,
                    v.key_id
                )?,
                Err(e) => anyhow::bail!("receipt invalid ({}): {e}", e.reason()),
            }
        }
        Command::Receipt {
            command: ReceiptCommand::RotateKey,
        } => {
            telemetry::init(settings.log_format);
            let db = Db::connect(&settings).await?;
            db.migrate().await?;
            let app = App::new(db, settings);
            let r = crate::app::receipts::rotate(&app, &Operator::new("cli")).await?;
            let mut out = std::io::stdout().lock();
            if let Some(old) = &r.retired {
                writeln!(
                    out,
                    "Receipt key {old} retired; it still verifies what it signed."
                )?;
            }
            writeln!(out, "Receipt key {} signs from now on.", r.current.id)?;
        }
        Command::RotateMasterKey => {
            telemetry::init(settings.log_format);
            rotate_master_key(settings).await?;
        }
        Command::CreateAdmin {
            email,
            password,
            name,
        } => {
            telemetry::init(settings.log_format);
            let password = match password {
                Some(p) => p,
                None => {
                    let mut line = String::new();
                    std::io::stdin().read_line(&mut line)?;
                    line.trim_end_matches(['\r', '\n']).to_owned()
                }
            };
            let db = Db::connect(&settings).await?;
            db.migrate().await?;
            let id = admin::create_admin(&db, &email, &name, &password).await?;
            writeln!(
                std::io::stdout(),
                "Administrator {email} created (id {id})."
            )?;
        }
        Command::Audit {
            command: AuditCommand::Verify,
        } => {
            telemetry::init(settings.log_format);
            let db = Db::connect(&settings).await?;
            db.migrate().await?;
            // Entries committed by a process that stopped before sealing them are sealed
            // now, so the chain covers every committed change.
            let sealed = crate::storage::audit::seal(&db).await?;
            let mut conn = db.pool.acquire().await?;
            let v = crate::storage::audit::verify(&mut conn).await?;
            match v.first_broken_seq {
                None => writeln!(
                    std::io::stdout(),
                    "Audit chain intact: {} entries verified ({sealed} sealed just now, {} awaiting sealing).",
                    v.checked,
                    v.pending
                )?,
                Some(seq) => anyhow::bail!(
                    "audit chain broken at entry {seq} ({} entries checked)",
                    v.checked
                ),
            }
        }
        Command::Serve => {
            telemetry::init(settings.log_format);
            let addr = settings.addr;
            let app = Application::build(settings).await?;
            tracing::info!(
                %addr,
                port = app.port(),
                "Portcullis is serving: web app at /, API reference at /api/docs"
            );
            app.run_until_stopped().await?;
        }
    }
    Ok(())
}

/// `portcullis rotate-master-key`: see the command's help.
async fn rotate_master_key(settings: Settings) -> anyhow::Result<()> {
    use crate::storage::objects::{
        MASTER_KEY_FILE, MasterKey, SecretKey, read_key_file, write_key_file,
    };
    let old = MasterKey::load(&settings)?;
    let pending = settings.data_dir.join(format!("{MASTER_KEY_FILE}.new"));
    let (new, from_file) = match std::env::var("PORTCULLIS_NEW_MASTER_KEY")
        .ok()
        .filter(|k| !k.trim().is_empty())
    {
        Some(text) => (
            MasterKey::new(SecretKey::parse(&text).context("PORTCULLIS_NEW_MASTER_KEY")?),
            false,
        ),
        None if pending.exists() => (read_key_file(&pending)?, true),
        None => {
            write_key_file(&pending, &SecretKey::generate())?;
            (read_key_file(&pending)?, true)
        }
    };
    let db = Db::connect(&settings).await?;
    db.migrate().await?;
    let app = App::new(db, settings.clone());
    let done = crate::app::documents::rewrap_keys(&app, &Operator::new("cli"), &old, &new).await?;
    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "Re-wrapped {} file keys from master key {} to {}.",
        done.rewrapped,
        old.id(),
        new.id()
    )?;
    if done.unknown > 0 {
        anyhow::bail!(
            "{} file keys are wrapped by neither key; run again with the key that wraps them as the current one",
            done.unknown
        );
    }
    match (from_file, settings.master_key.is_some()) {
        (true, false) => {
            let current = settings.data_dir.join(MASTER_KEY_FILE);
            let retired = settings
                .data_dir
                .join(format!("{MASTER_KEY_FILE}.{}.retired", old.id()));
            std::fs::rename(&current, &retired)
                .with_context(|| format!("Failed to retire {}", current.display()))?;
            std::fs::rename(&pending, &current)
                .with_context(|| format!("Failed to install {}", current.display()))?;
            writeln!(
                out,
                "The new key is now {}; the old one is kept as {} for backups made before today.",
                current.display(),
                retired.display()
            )?;
        }
        (true, true) => writeln!(
            out,
            "The new key is in {}: start the server with PORTCULLIS_MASTER_KEY set to it.",
            pending.display()
        )?,
        (false, _) => writeln!(
            out,
            "Start the server with PORTCULLIS_MASTER_KEY set to the new key."
        )?,
    }
    Ok(())
}
