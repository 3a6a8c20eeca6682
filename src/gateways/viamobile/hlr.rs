//! `GET /json/hlr?msisdn=`: a synchronous HLR
//! lookup. `INVALID-NUMBER` for a number that is not plausible, the magic
//! numbers' outcomes as their HLR status (undeliverable → `ABSENT-NUMBER`,
//! rejected → `INVALID-NUMBER`, blacklisted → `CALL-BARRED`), else `VALID`.

use axum::extract::{RawQuery, State};
use axum::response::Response;
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;

use super::answer::Answer;
use super::auth::GetCaller;
use super::error::ViaError;
use crate::domain::lifecycle::Outcome;
use crate::domain::msisdn::Msisdn;
use crate::domain::network::operator_code;
use crate::http::query_value;
use crate::openapi::{IntegerOrString, VIAMOBILE_TAG};
use crate::state::AppState;

/// `GET /json/hlr?msisdn=` with HTTP Basic or `jwt`.
#[utoipa::path(get, path = "/json/hlr", tag = VIAMOBILE_TAG, security(("viamobileBasic" = []), ()),
    params(("msisdn" = String, Query, description = "The number to look up."), ("jwt" = Option<String>, Query, description = "A token from /token/create, instead of HTTP Basic.")),
    responses((status = OK, description = "The number's HLR status.", body = Answer<HlrStatus>)))]
pub async fn lookup(
    state: State<AppState>,
    caller: GetCaller,
    query: RawQuery,
) -> Result<Response, ViaError> {
    look_up(state, caller, query)
}

/// `GET /hlr/json?msisdn=`: the same lookup under its other documented path.
#[utoipa::path(get, path = "/hlr/json", tag = VIAMOBILE_TAG, security(("viamobileBasic" = []), ()),
    params(("msisdn" = String, Query, description = "The number to look up."), ("jwt" = Option<String>, Query, description = "A token from /token/create, instead of HTTP Basic.")),
    responses((status = OK, description = "The number's HLR status.", body = Answer<HlrStatus>)))]
pub async fn lookup_legacy(
    state: State<AppState>,
    caller: GetCaller,
    query: RawQuery,
) -> Result<Response, ViaError> {
    look_up(state, caller, query)
}

fn look_up(
    State(state): State<AppState>,
    GetCaller(account): GetCaller,
    RawQuery(query): RawQuery,
) -> Result<Response, ViaError> {
    let raw = query_value(query.as_deref(), "msisdn").ok_or(ViaError::bad_request())?;
    let number = Msisdn::lenient(&raw).ok();
    let status = match number.as_ref().filter(|number| number.is_plausible()) {
        None => "INVALID-NUMBER",
        Some(number) => {
            match state.engine.store().magic_numbers().fate_for(number).map(|f| f.outcome) {
                Some(Outcome::Undeliverable | Outcome::Expired | Outcome::Pending) => {
                    "ABSENT-NUMBER"
                }
                Some(Outcome::RecipientRejected | Outcome::SenderRejected) => "INVALID-NUMBER",
                Some(Outcome::Blacklisted) => "CALL-BARRED",
                Some(Outcome::Delivered) | None => "VALID",
            }
        }
    };
    let mccmnc = number.as_deref().map_or(0, operator_code);
    let msisdn = number.and_then(|n| n.parse::<u64>().ok()).map_or(Value::String(raw), Value::from);
    let body = HlrStatus { hlr_status: status, msisdn, mccmnc };
    let as_string = account.read(|data| data.profile.status_as_string);
    Ok(Answer::with_status_text(body, as_string).into_response())
}

#[derive(Serialize, ToSchema)]
pub struct HlrStatus {
    /// `VALID`, `ABSENT-NUMBER`, `INVALID-NUMBER` or `CALL-BARRED`.
    #[serde(rename = "hlr-status")]
    hlr_status: &'static str,
    /// A number when the MSISDN is digits, else as given.
    #[schema(value_type = IntegerOrString)]
    msisdn: Value,
    /// The operator's MCC+MNC.
    mccmnc: u32,
}
