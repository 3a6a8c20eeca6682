//! The control API under `/_mock`: what tests use to set up, inspect and
//! reset the emulator. Not part of either gateway.

pub mod accounts;
pub mod error;

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{delete, get};
use serde_json::json;

use crate::http::json;
use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/_mock/health", get(health))
        .route("/_mock/accounts", get(accounts::list).post(accounts::create))
        .route("/_mock/reset", delete(accounts::reset))
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
