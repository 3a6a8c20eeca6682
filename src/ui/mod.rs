//! The web inbox at `/_mock/ui/`: pages served by the emulator itself,
//! their assets compiled into the binary (no build step, nothing fetched
//! from elsewhere). The pages are clients of the documented control API
//! and its event stream, so everything they show a test can get too.
//! `GET /` leads there.

use axum::Router;
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE, LOCATION};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use crate::state::AppState;

const INDEX: &str = include_str!("assets/index.html");
const SCRIPT: &str = include_str!("assets/app.js");
const STYLE: &str = include_str!("assets/app.css");
const PHONE: &str = include_str!("assets/phone.html");
const PHONE_SCRIPT: &str = include_str!("assets/phone.js");
const ACCOUNTS: &str = include_str!("assets/accounts.html");
const ACCOUNTS_SCRIPT: &str = include_str!("assets/accounts.js");

/// Where the inbox is.
pub const HOME: &str = "/_mock/ui/";

/// The inbox's routes (not in the OpenAPI document: they are pages).
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(to_home))
        .route("/_mock/ui", get(to_home))
        .route(HOME, get(|| async { asset(INDEX, "text/html; charset=utf-8") }))
        .route(
            "/_mock/ui/app.js",
            get(|| async { asset(SCRIPT, "text/javascript; charset=utf-8") }),
        )
        .route("/_mock/ui/app.css", get(|| async { asset(STYLE, "text/css; charset=utf-8") }))
        .route("/_mock/ui/phone", get(|| async { asset(PHONE, "text/html; charset=utf-8") }))
        .route(
            "/_mock/ui/phone.js",
            get(|| async { asset(PHONE_SCRIPT, "text/javascript; charset=utf-8") }),
        )
        .route("/_mock/ui/accounts", get(|| async { asset(ACCOUNTS, "text/html; charset=utf-8") }))
        .route(
            "/_mock/ui/accounts.js",
            get(|| async { asset(ACCOUNTS_SCRIPT, "text/javascript; charset=utf-8") }),
        )
}

async fn to_home() -> Response {
    (StatusCode::FOUND, [(LOCATION, HeaderValue::from_static(HOME))]).into_response()
}

/// An asset, checked again on each load (a new emulator may serve new
/// pages on the same address).
fn asset(body: &'static str, content_type: &'static str) -> Response {
    (
        [
            (CONTENT_TYPE, HeaderValue::from_static(content_type)),
            (CACHE_CONTROL, HeaderValue::from_static("no-cache")),
        ],
        body,
    )
        .into_response()
}
