//! The Viamobile BSMS gateway (reference: `viamobile-bsms-api.md`), served
//! both at the root and under the legacy base `/bsms/rest/v2`.

pub mod answer;
pub mod auth;
pub mod body;
pub mod callbacks;
pub mod delivery;
pub mod error;
pub mod hlr;
pub mod msisdn;
pub mod send;
pub mod soap;
pub mod stats;
pub mod token;

use serde_json::Value;

use crate::route;
use crate::routes::Routes;

use crate::http::VIAMOBILE_LEGACY_BASE;

/// Every Viamobile route, under both bases; each handler's
/// `#[utoipa::path]` gives its path.
pub fn routes() -> Routes {
    let api = Routes::new()
        .route(route!(stats::limit))
        .route(route!(msisdn::status))
        .route(route!(send::send))
        .route(route!(send::validate))
        .route(route!(send::get_send))
        .route(route!(delivery::pull))
        .route(route!(delivery::get))
        .route(route!(token::create))
        .route(route!(hlr::lookup))
        .route(route!(hlr::lookup_legacy))
        .route(route!(soap::wsdl, soap::call));
    Routes::new().nest(VIAMOBILE_LEGACY_BASE, &api).merge(api)
}

/// An MSISDN sent as a JSON number or string (clients do both), as text.
pub fn msisdn_text(value: &Value) -> Option<String> {
    match value {
        Value::String(text) => Some(text.trim().to_owned()),
        Value::Number(number) if number.is_u64() => Some(number.to_string()),
        _ => None,
    }
}
