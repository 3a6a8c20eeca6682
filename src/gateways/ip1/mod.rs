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

use axum::Router;
use axum::routing::{delete, get, post};

use crate::state::AppState;

/// The settings routes, served under both documented prefixes.
fn settings_routes() -> Router<AppState> {
    Router::new().route("/sms/settings", get(settings::list)).route(
        "/sms/settings/{setting}",
        get(settings::get).put(settings::put).delete(settings::delete),
    )
}

/// Every iP.1 route.
pub fn routes() -> Router<AppState> {
    Router::new()
        .nest("/v2/me", settings_routes())
        .nest("/me", settings_routes())
        .route("/api/me", get(account::me))
        .route("/api/me/account", get(account::account))
        .route("/api/me/children", get(account::children).post(account::create_child))
        .route("/api/me/children/{child}", get(account::child).put(account::update_child))
        .route("/v2/me/senders", get(senders::list).put(senders::put_body))
        .route(
            "/v2/me/senders/{sender}",
            get(senders::get).put(senders::put).delete(senders::delete),
        )
        .route("/v2/landings", get(landings::list).post(landings::create))
        .route(
            "/v2/landings/{landing}",
            get(landings::get).put(landings::update).delete(landings::delete),
        )
        .route(
            "/v2/landings/{landing}/elements",
            get(landings::elements).post(landings::add_element),
        )
        .route(
            "/v2/landings/{landing}/elements/{element}",
            get(landings::element).put(landings::update_element),
        )
        .route("/v2/batches", get(batches::list).post(batches::send))
        .route("/v2/batches/{batch}", get(batches::get).delete(batches::delete))
        .route("/v2/batches/{batch}/messages", get(batches::messages))
        .route("/v2/batches/{batch}/messages/{message}", get(batches::message))
        .route("/v2/conversations/{participant}", get(conversations::all))
        .route("/v2/conversations/{participant}/mt", get(conversations::mobile_terminated))
        .route("/v2/conversations/{participant}/mo", get(conversations::mobile_originated))
        .route("/v2/conversations/{participant}/summary", get(conversations::summary))
        .route(
            "/v2/contacts",
            get(contacts::list).post(contacts::create).delete(contacts::delete_matching),
        )
        .route("/v2/contacts/meta", get(contacts::meta))
        .route(
            "/v2/contacts/{contact}",
            get(contacts::get)
                .put(contacts::replace)
                .patch(contacts::patch)
                .delete(contacts::delete),
        )
        .route("/v2/labels/{label}/contacts", post(contacts::add_label))
        .route("/v2/labels/{label}", delete(contacts::remove_label))
        .route("/v2/blacklist", get(blacklist::list).post(blacklist::create))
        .route(
            "/v2/blacklist/{msisdn}",
            get(blacklist::get).put(blacklist::put).delete(blacklist::delete),
        )
}
