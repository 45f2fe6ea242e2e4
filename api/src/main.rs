//! The `portcullis` binary: parse the command line and configuration, then run.

use std::process::ExitCode;

use clap::Parser;
use portcullis::cli::{self, Cli};
use portcullis::config::Settings;

#[actix_web::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    let settings = match Settings::from_env() {
        Ok(s) => s,
        Err(e) => {
            eprintln!("portcullis: invalid configuration: {e}");
            return ExitCode::from(2);
        }
    };
    match cli::run(cli, settings).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("portcullis: {e:#}");
            ExitCode::FAILURE
        }
    }
}
