//! The iP.1 gateway: REST API v2 under `/v2` and the account endpoints
//! under `/api/me` (reference: `ip1-v2-api.md`).

pub mod account;
pub mod auth;
pub mod error;

use axum::Router;
use axum::routing::get;

use crate::state::AppState;

/// Every iP.1 route.
pub fn routes() -> Router<AppState> {
    Router::new().route("/api/me", get(account::me)).route("/api/me/account", get(account::account))
}
