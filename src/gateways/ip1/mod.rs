//! The iP.1 gateway: REST API v2 under `/v2`, the account endpoints under
//! `/api/me`, and the older REST API 1.0 under `/api/...` ([`v1`]).

pub mod account;
pub mod auth;
pub mod batches;
pub mod blacklist;
pub mod callbacks;
pub mod contact_schemas;
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
pub mod v1;

use crate::route;
use crate::routes::Routes;

/// The settings routes, served under both documented prefixes.
fn settings_routes() -> Routes {
    let all = route!(settings::list);
    let one = route!(settings::get, settings::put, settings::delete);
    Routes::new().route(all).route(one)
}

/// Every iP.1 route; each handler's `#[utoipa::path]` gives its path.
pub fn routes() -> Routes {
    Routes::new()
        .nest("/v2/me", &settings_routes())
        .nest("/me", &settings_routes())
        .route(route!(account::me))
        .route(route!(account::account))
        .route(route!(account::children, account::create_child))
        .route(route!(account::child, account::update_child))
        .route(route!(senders::list, senders::put_body))
        .route(route!(senders::get, senders::put, senders::delete))
        .route(route!(landings::list, landings::create))
        .route(route!(landings::get, landings::update, landings::delete))
        .route(route!(landings::elements, landings::add_element))
        .route(route!(landings::element, landings::update_element))
        .route(route!(batches::list, batches::send))
        .route(route!(batches::get, batches::delete))
        .route(route!(batches::messages))
        .route(route!(batches::message))
        .route(route!(conversations::all))
        .route(route!(conversations::mobile_terminated))
        .route(route!(conversations::mobile_originated))
        .route(route!(conversations::summary))
        .route(route!(contacts::list, contacts::create, contacts::delete_matching))
        .route(route!(contacts::meta))
        .route(route!(contacts::get, contacts::replace, contacts::patch, contacts::delete))
        .route(route!(contacts::add_label))
        .route(route!(contacts::remove_label))
        .route(route!(blacklist::list, blacklist::create))
        .route(route!(blacklist::get, blacklist::put, blacklist::delete))
}
