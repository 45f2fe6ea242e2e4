//! The `portcullis` binary: parse the command line and configuration, then run.

use std::process::ExitCode;

use clap::Parser;
use portcullis::cli::{self, Cli};
use portcullis::config::Settings;

/// Memory allocations above 1 MiB are mapped and unmapped on their own. Each password hash
/// takes 19 MiB (argon2id's memory cost) on one of the blocking threads; glibc would otherwise
/// raise its threshold after the first such free and keep the buffers in per-thread arenas, so
/// a burst of sign-ins would leave the server hundreds of MiB larger for good.
fn return_large_allocations_to_the_system() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only changes the allocator's tuning; it is called before any thread
    // starts.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 1 << 20);
    }
}

fn main() -> ExitCode {
    return_large_allocations_to_the_system();
    run()
}

#[actix_web::main]
async fn run() -> ExitCode {
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
