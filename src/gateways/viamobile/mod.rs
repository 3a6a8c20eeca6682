//! The Viamobile BSMS gateway (reference: `viamobile-bsms-api.md`), served
//! both at the root and under the legacy base `/bsms/rest/v2`.

pub mod auth;
pub mod body;
pub mod error;
pub mod msisdn;
pub mod stats;

use axum::Router;
use axum::routing::{get, post};
use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Europe::Bratislava;
use serde_json::Value;

use std::sync::Arc;

use crate::domain::account::ViamobileProfile;
use crate::domain::message::{Batch, StatusEvent};
use crate::http::VIAMOBILE_LEGACY_BASE;
use crate::scheduler::Reports;
use crate::state::AppState;

/// Viamobile's delivery push needs a per-account push URL, which comes with
/// the Viamobile sending endpoints; until then its messages report nothing.
impl Reports for ViamobileProfile {
    fn delivery_report(&self, _: &Batch, _: usize, _: StatusEvent) -> Option<(Arc<str>, Arc<str>)> {
        None
    }
}

/// Every Viamobile route, under both bases.
pub fn routes() -> Router<AppState> {
    let api = Router::new()
        .route("/stats/limit", get(stats::limit))
        .route("/json/msisdnstatus", post(msisdn::status));
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
