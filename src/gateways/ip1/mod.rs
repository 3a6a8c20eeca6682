//! The iP.1 gateway: REST API v2 under `/v2` and the account endpoints
//! under `/api/me` (reference: `ip1-v2-api.md`).

pub mod account;
pub mod auth;
pub mod batches;
pub mod blacklist;
pub mod callbacks;
pub mod contacts;
pub mod conversations;
pub mod documents;
pub mod error;
pub mod json;
pub mod landings;
pub mod pagination;
pub mod send_request;
pub mod senders;
pub mod settings;

use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::state::AppState;

/// The settings routes, served under both documented prefixes.
fn settings_routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(settings::list)).routes(routes!(
        settings::get,
        settings::put,
        settings::delete
    ))
}

/// Every iP.1 route; each handler's `#[utoipa::path]` gives its path.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .nest("/v2/me", settings_routes())
        .nest("/me", settings_routes())
        .routes(routes!(account::me))
        .routes(routes!(account::account))
        .routes(routes!(account::children, account::create_child))
        .routes(routes!(account::child, account::update_child))
        .routes(routes!(senders::list, senders::put_body))
        .routes(routes!(senders::get, senders::put, senders::delete))
        .routes(routes!(landings::list, landings::create))
        .routes(routes!(landings::get, landings::update, landings::delete))
        .routes(routes!(landings::elements, landings::add_element))
        .routes(routes!(landings::element, landings::update_element))
        .routes(routes!(batches::list, batches::send))
        .routes(routes!(batches::get, batches::delete))
        .routes(routes!(batches::messages))
        .routes(routes!(batches::message))
        .routes(routes!(conversations::all))
        .routes(routes!(conversations::mobile_terminated))
        .routes(routes!(conversations::mobile_originated))
        .routes(routes!(conversations::summary))
        .routes(routes!(contacts::list, contacts::create, contacts::delete_matching))
        .routes(routes!(contacts::meta))
        .routes(routes!(contacts::get, contacts::replace, contacts::patch, contacts::delete))
        .routes(routes!(contacts::add_label))
        .routes(routes!(contacts::remove_label))
        .routes(routes!(blacklist::list, blacklist::create))
        .routes(routes!(blacklist::get, blacklist::put, blacklist::delete))
}
