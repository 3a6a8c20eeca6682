//! What the `smsmock` binary does: parse the command line, start logging,
//! serve until Ctrl-C or SIGTERM (or run the `healthcheck` and `ctl`
//! commands).
//!
//! It lives in the library, not in `src/main.rs`, so that its code is
//! compiled once. The binary calls [`main`], which is never inlined: had
//! the binary's own `main` awaited the server, the compiler would have
//! built much of the server's generic code again for the binary, which
//! took some 11 s of every release build.

use std::path::Path;
use std::process::ExitCode;

use clap::Parser;

use crate::config::{Cli, Command, ServeConfig};
use crate::http::pacing;
use crate::startup::{App, shutdown_signal};
use crate::{ctl, healthcheck, telemetry};

/// Runs the command the command line names; the serving one by default.
#[inline(never)]
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Some(Command::Healthcheck(args)) => match current_thread_runtime() {
            Ok(runtime) => runtime.block_on(healthcheck::run(&args, cli.serve.port)),
            Err(err) => fail(&err),
        },
        Some(Command::Ctl(args)) => match current_thread_runtime() {
            Ok(runtime) => runtime.block_on(ctl::run(&args, cli.serve.port)),
            Err(err) => fail(&err),
        },
        None => match tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .on_thread_unpark(pacing::worker_ran_out_of_work)
            .build()
        {
            Ok(runtime) => runtime.block_on(serve(cli.serve)),
            Err(err) => fail(&err),
        },
    }
}

fn current_thread_runtime() -> std::io::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread().enable_all().build()
}

/// Writes the port whole: to a temporary file renamed over the path, so a
/// script polling for the file never reads half of it.
fn write_port_file(path: &Path, port: u16) -> std::io::Result<()> {
    let temporary = path.with_extension(format!("tmp{}", std::process::id()));
    std::fs::write(&temporary, format!("{port}\n"))?;
    std::fs::rename(&temporary, path)
}

fn fail(err: &dyn std::fmt::Display) -> ExitCode {
    eprintln!("smsmock: {err}");
    ExitCode::FAILURE
}

async fn serve(config: ServeConfig) -> ExitCode {
    let _log = telemetry::init(config.log_format, &config.log_level);
    // Before the port is bound, so a stop sent as soon as it answers is ours.
    let stop = shutdown_signal();
    let app = match App::build(&config).await {
        Ok(app) => app,
        Err(err) => return fail(&err),
    };
    tracing::info!(host = %config.host, port = app.port(), "smsmock listening");
    if let Some(path) = &config.port_file
        && let Err(err) = write_port_file(path, app.port())
    {
        return fail(&format!("cannot write the port file {}: {err}", path.display()));
    }
    match app.run_until_stopped(stop).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => fail(&err),
    }
}
