//! The `smsmock` binary: parse the command line, start logging, serve
//! until Ctrl-C or SIGTERM. Everything else lives in the library.

use std::path::Path;
use std::process::ExitCode;

use clap::Parser;
use smsmock::config::{Cli, Command, ServeConfig};
use smsmock::startup::{App, shutdown_signal};
use smsmock::{ctl, healthcheck, telemetry};

/// jemalloc, in every build: the allocators of the C libraries are slow when
/// one thread frees what another allocated, which a work-stealing runtime
/// does on every request. glibc's made the threads wait on its arena locks
/// (jemalloc answered a fifth more sends); musl's answered under half the
/// sends of a glibc build. mimalloc answered fewer sends, took more memory
/// at idle and kept the memory of a burst of connections after they closed.
#[cfg(not(target_env = "msvc"))]
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

/// jemalloc's settings, read when it starts: a thread of its own returns
/// freed memory to the system within about a second (its default waits
/// ten), so the memory of a burst of connections is given back.
#[cfg(not(target_env = "msvc"))]
#[allow(non_upper_case_globals, unsafe_code)]
// SAFETY: jemalloc reads this symbol as a `const char *` to a
// NUL-terminated string; a `&u8` is a thin pointer to the first byte of
// one that lives for the whole program, and nothing writes it.
#[unsafe(export_name = "_rjem_malloc_conf")]
pub static malloc_conf: Option<&'static u8> =
    Some(&b"background_thread:true,dirty_decay_ms:1000,muzzy_decay_ms:0\0"[0]);

fn main() -> ExitCode {
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
        None => match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
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
