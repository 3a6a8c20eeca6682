//! The control API under `/_mock`: what tests use to set up, inspect and
//! reset the emulator. Not part of either gateway.

pub mod accounts;
pub mod callbacks;
pub mod clock;
pub mod error;
pub mod events;
pub mod faults;
pub mod inbound;
pub mod messages;
pub mod rules;
pub mod state;
pub mod token;
pub mod verification;

use crate::route;
use crate::routes::Routes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde::Serialize;
use utoipa::{IntoParams, ToSchema};

use crate::http::json;
use crate::openapi::CONTROL_TAG;
use crate::state::AppState;
use crate::supervisor::Failure;

/// `?account=`: an iP.1 account id or API key, or a Viamobile username.
#[derive(serde::Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AccountQuery {
    /// An iP.1 account id or API key, or a Viamobile username; none =
    /// every account.
    pub account: Option<String>,
}

/// Every control route; each handler's `#[utoipa::path]` gives its path.
pub fn routes() -> Routes {
    Routes::new()
        .route(route!(self::health))
        .route(route!(accounts::list, accounts::create))
        .route(route!(accounts::reset))
        .route(route!(clock::get, clock::configure))
        .route(route!(clock::advance))
        .route(route!(clock::set))
        .route(route!(rules::list, rules::add, rules::clear))
        .route(route!(rules::remove))
        .route(route!(inbound::inject))
        .route(route!(faults::list, faults::add, faults::remove))
        .route(route!(verification::requests))
        .route(route!(verification::request))
        .route(route!(messages::messages))
        .route(route!(messages::message))
        .route(route!(messages::latest_to_phone))
        .route(route!(verification::verify))
        .route(route!(events::stream))
        .route(route!(state::get, state::put))
        .route(route!(state::save))
        .route(route!(callbacks::list))
        .route(route!(callbacks::redeliver))
        .route(route!(callbacks::list_failures, callbacks::add_failure, callbacks::remove_failures))
}

/// `{"removed": N}`: how many entries a DELETE removed.
#[derive(Serialize, ToSchema)]
pub struct Removed {
    pub removed: usize,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
struct Health {
    /// `ok`, or `degraded` once a background task or a request panicked.
    status: &'static str,
    version: &'static str,
    uptime_seconds: f64,
    /// Panics since start, in all.
    panics: u64,
    /// The newest of them.
    failures: Vec<Failure>,
}

/// `GET /_mock/health`: liveness for Docker, CI and `smsmock healthcheck`.
/// 503 once anything panicked: the emulator went on (a background task is
/// started again, a request answered 500), but a test run should know.
#[utoipa::path(get, path = "/_mock/health", tag = CONTROL_TAG,
    responses(
        (status = OK, description = "The emulator is up and nothing has panicked.", body = Health),
        (status = SERVICE_UNAVAILABLE, description = "Something panicked; `failures` says what.", body = Health),
    ))]
async fn health(State(state): State<AppState>) -> Response {
    let (panics, failures) = state.engine.health.failures();
    let body = Health {
        status: if panics == 0 { "ok" } else { "degraded" },
        version: env!("CARGO_PKG_VERSION"),
        uptime_seconds: state.started.elapsed().as_secs_f64(),
        panics,
        failures,
    };
    let status = if panics == 0 { StatusCode::OK } else { StatusCode::SERVICE_UNAVAILABLE };
    json(status, &body)
}
