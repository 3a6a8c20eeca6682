//! The control API under `/_mock`: what tests use to set up, inspect and
//! reset the emulator. Not part of either gateway.

pub mod accounts;
pub mod callbacks;
pub mod clock;
pub mod error;
pub mod faults;
pub mod inbound;
pub mod rules;
pub mod state;
pub mod verification;

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{delete, get, post};
use serde_json::json;

use crate::http::json;
use crate::state::AppState;

/// `?account=`: an iP.1 account id or a Viamobile username.
#[derive(serde::Deserialize)]
pub struct AccountQuery {
    pub account: Option<String>,
}

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/_mock/health", get(health))
        .route("/_mock/accounts", get(accounts::list).post(accounts::create))
        .route("/_mock/reset", delete(accounts::reset))
        .route("/_mock/clock", get(clock::get).put(clock::configure))
        .route("/_mock/clock/advance", post(clock::advance))
        .route("/_mock/clock/set", post(clock::set))
        .route("/_mock/rules", get(rules::list).post(rules::add).delete(rules::clear))
        .route("/_mock/rules/{id}", delete(rules::remove))
        .route("/_mock/inbound", post(inbound::inject))
        .route("/_mock/faults", get(faults::list).post(faults::add).delete(faults::remove))
        .route("/_mock/requests", get(verification::requests))
        .route("/_mock/messages", get(verification::messages))
        .route("/_mock/phones/{msisdn}/messages/latest", get(verification::latest_to_phone))
        .route("/_mock/verify", post(verification::verify))
        .route("/_mock/state", get(state::get).put(state::put))
        .route("/_mock/state/save", post(state::save))
        .route("/_mock/callbacks", get(callbacks::list))
        .route("/_mock/callbacks/{id}/redeliver", post(callbacks::redeliver))
        .route(
            "/_mock/callbacks/failures",
            get(callbacks::list_failures)
                .post(callbacks::add_failure)
                .delete(callbacks::remove_failures),
        )
}

/// `GET /_mock/health`: liveness for Docker, CI and `smsmock healthcheck`.
async fn health(State(state): State<AppState>) -> Response {
    let body = json!({
        "status": "ok",
        "version": env!("CARGO_PKG_VERSION"),
        "uptimeSeconds": state.started.elapsed().as_secs_f64(),
    });
    json(StatusCode::OK, &body)
}
