//! Building and running the server: load fixtures, bind, serve until a
//! shutdown signal, then finish the requests in flight.

use std::future::Future;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{Method, Uri};
use axum::response::Response;
use axum::routing::get;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

use crate::config::ServeConfig;
use crate::engine::snapshot::SnapshotError;
use crate::engine::{Engine, run};
use crate::fixtures::{Fixtures, FixturesError, load_faults};
use crate::gateways::{ip1, viamobile};
use crate::http::Surface;
use crate::http::pipeline::Pipeline;
use crate::openapi;
use crate::routes::Routes;
use crate::server::{self, Limits};
use crate::state::{AppState, Shared};
use crate::state_file::StateFile;
use crate::supervisor::supervise;

/// How long shutdown waits for the background tasks (the passes in
/// flight, with their callback attempts) to stop.
const BACKGROUND_GRACE: Duration = Duration::from_secs(1);

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error(transparent)]
    Fixtures(#[from] FixturesError),
    #[error(transparent)]
    State(#[from] SnapshotError),
    #[error("cannot listen on {address}: {source}")]
    Bind { address: SocketAddr, source: std::io::Error },
    #[error("cannot listen on {host:?}: {problem}")]
    Host { host: String, problem: String },
}

/// Where to listen: an address as given, or the first a name resolves to,
/// IPv4 first.
async fn resolve(host: &str, port: u16) -> Result<SocketAddr, StartupError> {
    let unresolved = |problem: String| StartupError::Host { host: host.to_owned(), problem };
    let addresses: Vec<SocketAddr> = tokio::net::lookup_host((host, port))
        .await
        .map_err(|err| unresolved(format!("not an address, and the name does not resolve: {err}")))?
        .collect();
    let first_v4 = addresses.iter().find(|a| a.is_ipv4());
    first_v4
        .or(addresses.first())
        .copied()
        .ok_or_else(|| unresolved("it resolves to no address".to_owned()))
}

/// A bound, ready-to-run emulator.
pub struct App {
    listener: TcpListener,
    app: Pipeline,
    state: AppState,
    limits: Limits,
    /// Between periodic saves of the state file (zero: none).
    save_interval: Duration,
}

impl App {
    /// Loads the fixtures and binds the port; nothing is served yet.
    pub async fn build(config: &ServeConfig) -> Result<App, StartupError> {
        let (mut fixtures, path) = match &config.fixtures {
            Some(path) => (Fixtures::load(path)?, path.as_path()),
            None => (Fixtures::builtin(), Path::new("fixtures/default.json")),
        };
        let lifecycle = &mut fixtures.lifecycle;
        lifecycle.queued_after_seconds =
            config.queued_after.unwrap_or(lifecycle.queued_after_seconds);
        lifecycle.delivered_after_seconds =
            config.delivered_after.unwrap_or(lifecycle.delivered_after_seconds);
        lifecycle.expires_after_seconds =
            config.expires_after.unwrap_or(lifecycle.expires_after_seconds);
        lifecycle.detailed_statuses |= config.detailed_statuses;
        let viamobile = &mut fixtures.new_accounts.viamobile;
        viamobile.status_as_string |= config.viamobile_status_as_string;
        viamobile.push_waiting |= config.viamobile_push_waiting;
        let mut faults = std::mem::take(&mut fixtures.faults);
        if let Some(path) = &config.faults {
            faults.extend(load_faults(path)?);
        }
        let engine = Engine::new(fixtures, config, faults).map_err(|err| {
            FixturesError::Invalid { path: path.to_owned(), problem: err.to_string() }
        })?;
        let state_file = config.state_file.clone().map(|path| Arc::new(StateFile::new(path)));
        if let Some(file) = &state_file {
            file.check_writable()?;
        }
        if let Some(file) = &state_file
            && let Some(snapshot) = file.load()?
        {
            engine.import(snapshot).map_err(|problem| SnapshotError::Invalid {
                path: file.path().to_owned(),
                problem,
            })?;
        }
        let state = AppState::new(Shared {
            engine: Arc::new(engine),
            body_limit: config.body_limit,
            state_file,
            started: Instant::now(),
            control_token: config.control_token.clone().filter(|token| !token.is_empty()),
            ip1_v2_basic_auth: config.ip1_v2_basic_auth,
        });
        let address = resolve(&config.host, config.port).await?;
        if !address.ip().is_loopback() && state.control_token.is_none() {
            tracing::warn!(
                host = %config.host,
                "listening beyond loopback without --control-token: anyone who reaches the port can read every key and replace all state"
            );
        }
        let listener =
            server::listen(address).map_err(|source| StartupError::Bind { address, source })?;
        let limits = Limits {
            max_connections: connection_limit(config.max_connections as usize),
            header_timeout: Duration::from_secs(config.header_timeout),
            shutdown_grace: Duration::from_secs(config.shutdown_timeout),
        };
        Ok(App {
            listener,
            app: app(state.clone(), config.body_limit),
            state,
            limits,
            save_interval: Duration::from_secs(config.state_save_interval),
        })
    }

    /// The port actually bound (useful with port 0).
    pub fn port(&self) -> u16 {
        self.listener.local_addr().map(|a| a.port()).unwrap_or_default()
    }

    pub fn state(&self) -> AppState {
        self.state.clone()
    }

    /// Serves until `shutdown` completes, then stops accepting connections,
    /// gives the requests in flight the shutdown grace, stops the
    /// background tasks (the realtime ticker and the passes it started),
    /// and writes the state file. An error when the state file could not be
    /// written.
    pub async fn run_until_stopped(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        let stop = CancellationToken::new();
        let engine = self.state.engine.clone();
        let tasks = engine.background.clone();
        let health = engine.health.clone();
        let ticker_tasks = tasks.clone();
        let ticker_stop = stop.clone();
        tasks.spawn(async move {
            supervise("ticker", &health.clone(), || {
                run::ticker(
                    engine.clone(),
                    health.clone(),
                    ticker_stop.clone(),
                    ticker_tasks.clone(),
                )
            })
            .await
        });
        if let Some(file) = self.state.state_file.clone()
            && !self.save_interval.is_zero()
        {
            let (engine, stop) = (self.state.engine.clone(), stop.clone());
            tasks.spawn(file.save_periodically(engine, self.save_interval, stop));
        }
        server::serve(self.listener, self.app, self.limits, shutdown).await;
        stop.cancel();
        tasks.close();
        if tokio::time::timeout(BACKGROUND_GRACE, tasks.wait()).await.is_err() {
            tracing::warn!(
                "background tasks still running after {BACKGROUND_GRACE:?}; leaving them"
            );
        }
        if let Some(file) = &self.state.state_file {
            let bytes = file.save(&self.state.engine).map_err(|err| {
                tracing::error!(%err, "state not saved");
                std::io::Error::other(err)
            })?;
            tracing::info!(path = %file.path().display(), bytes, "state saved");
        }
        Ok(())
    }
}

/// The connection limit, below what the limit of open files leaves room
/// for (raised to the hard limit first).
fn connection_limit(configured: usize) -> usize {
    match server::room_for_connections() {
        Some(room) if room < configured => {
            tracing::warn!(
                configured,
                room,
                "fewer files may be open than --max-connections asks for; the limit is lowered"
            );
            room.max(1)
        }
        _ => configured,
    }
}

/// Every route of both gateways and the control API.
pub fn routes() -> Routes {
    Routes::new()
        .merge(ip1::routes())
        .merge(ip1::v1::routes())
        .merge(viamobile::routes())
        .merge(crate::control::routes())
}

/// The whole HTTP surface: both gateways, the control API, and
/// `GET /_mock/openapi.json`, behind the layers every request goes through.
pub fn app(state: AppState, body_limit: usize) -> Pipeline {
    Pipeline::new(state.clone(), router(state), DefaultBodyLimit::max(body_limit))
}

fn router(state: AppState) -> Router {
    let routes = routes();
    let document = Arc::new(openapi::Document::new(routes.documentation()));
    routes
        .router()
        .route("/_mock/openapi.json", get(move || openapi::serve(document.clone())))
        .merge(crate::ui::routes())
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .with_state(state)
}

/// Unknown routes answer 404 in the format of the surface they fall under.
async fn not_found(uri: Uri) -> Response {
    (Surface::of_path(uri.path()).errors().not_found)(uri.path())
}

/// Known routes with the wrong method answer 405 (axum adds `Allow`).
async fn method_not_allowed(method: Method, uri: Uri) -> Response {
    (Surface::of_path(uri.path()).errors().method_not_allowed)(&method, uri.path())
}

/// Completes on Ctrl-C or SIGTERM (what `docker stop` sends). The handlers
/// are installed when this is called, not when the future is first polled:
/// called before the port answers, a signal sent as soon as it does is
/// never taken by the default action (which would stop without a save).
pub fn shutdown_signal() -> impl Future<Output = ()> {
    #[cfg(unix)]
    let (interrupt, terminate) = {
        use tokio::signal::unix::{SignalKind, signal};
        (signal(SignalKind::interrupt()).ok(), signal(SignalKind::terminate()).ok())
    };
    async move {
        #[cfg(unix)]
        {
            async fn received(signal: Option<tokio::signal::unix::Signal>) {
                match signal {
                    Some(mut signal) => {
                        signal.recv().await;
                    }
                    None => std::future::pending::<()>().await,
                }
            }
            tokio::select! {
                () = received(interrupt) => {},
                () = received(terminate) => {},
            }
        }
        #[cfg(not(unix))]
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
        tracing::info!("shutting down: finishing requests in flight");
    }
}
