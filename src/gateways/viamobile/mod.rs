//! The Viamobile BSMS gateway, served
//! both at the root and under the legacy base `/bsms/rest/v2`.

pub mod answer;
pub mod auth;
pub mod body;
pub mod callbacks;
pub mod delivery;
pub mod error;
pub mod hlr;
pub mod msisdn;
pub mod schemas;
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
        Value::Number(number) => number
            .as_u64()
            .or_else(|| whole_number(value).and_then(|n| u64::try_from(n).ok()))
            .map(|n| n.to_string()),
        _ => None,
    }
}

/// A whole number sent as a JSON number (`5` or `5.0`: JSON Schema counts
/// both as integers) or a string of digits (blanks around, a sign
/// allowed), as Viamobile reads ids.
pub fn whole_number(value: &Value) -> Option<i64> {
    match value {
        Value::Number(number) => number.as_i64().or_else(|| {
            let float = number.as_f64()?;
            // Within ±2^53 every whole float is exact.
            (float.fract() == 0.0 && float.abs() <= 9_007_199_254_740_992.0).then_some(float as i64)
        }),
        Value::String(text) => text.trim().parse().ok(),
        _ => None,
    }
}
