//! `GET /json/hlr?msisdn=` (also `/hlr/json`, §5.10): a synchronous HLR
//! lookup. `INVALID-NUMBER` for a number that is not plausible, the magic
//! numbers' outcomes as their HLR status (undeliverable → `ABSENT-NUMBER`,
//! rejected → `INVALID-NUMBER`, blacklisted → `CALL-BARRED`), else `VALID`.

use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{Value, json};

use super::auth::GetCaller;
use super::error::ViaError;
use crate::domain::lifecycle::{MagicNumber, Outcome};
use crate::domain::network::operator_code;
use crate::domain::phone::{is_plausible_msisdn, strip_international_prefix};
use crate::http::json;
use crate::state::AppState;

pub async fn lookup(
    State(state): State<AppState>,
    GetCaller(_): GetCaller,
    RawQuery(query): RawQuery,
) -> Result<Response, ViaError> {
    let raw = url::form_urlencoded::parse(query.unwrap_or_default().as_bytes())
        .find(|(name, _)| name == "msisdn")
        .map(|(_, value)| value.into_owned())
        .ok_or(ViaError::bad_request())?;
    let digits = strip_international_prefix(&raw).to_owned();
    let status = if !is_plausible_msisdn(&digits) {
        "INVALID-NUMBER"
    } else {
        match MagicNumber::fate_for(state.store.magic_numbers(), &digits).map(|f| f.outcome) {
            Some(Outcome::Undeliverable | Outcome::Expired | Outcome::Pending) => "ABSENT-NUMBER",
            Some(Outcome::RecipientRejected | Outcome::SenderRejected) => "INVALID-NUMBER",
            Some(Outcome::Blacklisted) => "CALL-BARRED",
            Some(Outcome::Delivered) | None => "VALID",
        }
    };
    let msisdn: Value = digits.parse::<u64>().map(Value::from).unwrap_or(Value::String(raw));
    let body = json!({"response": {"status": 200, "hlr-status": status, "msisdn": msisdn, "mccmnc": operator_code(&digits)}});
    Ok(json(StatusCode::OK, &body))
}
