//! The Viamobile BSMS gateway (reference: `viamobile-bsms-api.md`), served
//! both at the root and under the legacy base `/bsms/rest/v2`.

pub mod auth;
pub mod body;
pub mod delivery;
pub mod error;
pub mod hlr;
pub mod msisdn;
pub mod send;
pub mod soap;
pub mod stats;
pub mod token;

use axum::Router;
use axum::routing::{get, post};
use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Europe::Bratislava;
use serde_json::Value;

use crate::http::VIAMOBILE_LEGACY_BASE;
use crate::state::AppState;

/// Every Viamobile route, under both bases.
pub fn routes() -> Router<AppState> {
    let api = Router::new()
        .route("/stats/limit", get(stats::limit))
        .route("/json/msisdnstatus", post(msisdn::status))
        .route("/json/send", post(send::send))
        .route("/json/validate", post(send::validate))
        .route("/get/send", get(send::get_send))
        .route("/json/delivery", post(delivery::pull))
        .route("/get/delivery", get(delivery::get))
        .route("/token/create", get(token::create))
        .route("/json/hlr", get(hlr::lookup))
        .route("/hlr/json", get(hlr::lookup))
        .route("/soap", get(soap::wsdl).post(soap::call));
    Router::new().nest(VIAMOBILE_LEGACY_BASE, api.clone()).merge(api)
}

/// The local (Europe/Bratislava) date of a moment: Viamobile's days, and
/// so its daily limits, run from local midnight.
pub fn local_date(moment: DateTime<Utc>) -> NaiveDate {
    moment.with_timezone(&Bratislava).date_naive()
}

/// An MSISDN sent as a JSON number or string (clients do both), as text.
pub fn msisdn_text(value: &Value) -> Option<String> {
    match value {
        Value::String(text) => Some(text.trim().to_owned()),
        Value::Number(number) if number.is_u64() => Some(number.to_string()),
        _ => None,
    }
}
