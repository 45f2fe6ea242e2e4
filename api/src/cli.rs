//! The `portcullis` command line.

use std::io::Write;

use clap::{Parser, Subcommand};

use crate::config::Settings;
use crate::db::Db;
use crate::startup::Application;
use crate::{openapi, seed, telemetry};

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
    /// Print the OpenAPI document.
    Openapi,
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
