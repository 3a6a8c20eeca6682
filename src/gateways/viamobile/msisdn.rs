//! `POST /json/msisdnstatus`: is each number in service?
//!
//! The emulator answers `ACTIVE` for a plausible MSISDN (8 to 15 digits,
//! not starting with 0, after a leading `+` or `00`) and `INVALID` for
//! anything else; numbers are echoed as the client sent them, as strings.

use axum::extract::State;
use axum::http::Extensions;
use axum::response::Response;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

use super::answer::Answer;
use super::body::{ViaBody, read_authenticated, with_credentials};
use super::error::ViaError;
use super::msisdn_text;
use crate::domain::msisdn::Msisdn;
use crate::openapi::VIAMOBILE_TAG;
use crate::state::AppState;

/// `POST /json/msisdnstatus`.
#[utoipa::path(post, path = "/json/msisdnstatus", tag = VIAMOBILE_TAG, request_body = MsisdnStatusRequest,
    responses((status = OK, description = "Each number's status.", body = Answer<MsisdnStatuses>)))]
pub async fn status(
    State(state): State<AppState>,
    extensions: Extensions,
    ViaBody(body): ViaBody,
) -> Result<Response, ViaError> {
    let (account, request) = read_authenticated::<MsisdnStatusRequest>(&state, &extensions, &body)?;
    if !account.read(|data| data.profile.msisdn_status_enabled) {
        return Err(ViaError::msisdn_status_not_permitted());
    }
    let msisdns =
        request.msisdns.as_ref().and_then(Value::as_array).ok_or(ViaError::bad_request())?;
    let statuses = msisdns
        .iter()
        .map(|value| {
            let msisdn = msisdn_text(value).ok_or(ViaError::bad_request())?;
            let active = Msisdn::lenient(&msisdn).is_ok_and(|number| number.is_plausible());
            let status = if active { "ACTIVE" } else { "INVALID" };
            Ok(MsisdnStatus { msisdn, status })
        })
        .collect::<Result<Vec<_>, ViaError>>()?;
    Ok(Answer::new(MsisdnStatuses { msisdns: statuses }).into_response())
}

#[derive(Serialize, ToSchema)]
pub struct MsisdnStatuses {
    msisdns: Vec<MsisdnStatus>,
}

#[derive(Serialize, ToSchema)]
pub struct MsisdnStatus {
    /// As the client sent it.
    msisdn: String,
    /// `ACTIVE` or `INVALID`.
    status: &'static str,
}

/// The body of `POST /json/msisdnstatus`.
#[derive(Deserialize, ToSchema)]
pub struct MsisdnStatusRequest {
    #[schema(value_type = String)]
    username: Option<Value>,
    #[schema(value_type = String)]
    password: Option<Value>,
    /// Numbers or strings; anything else answers 400, after the account's
    /// permission is checked.
    #[schema(schema_with = super::schemas::msisdn_values, required = true)]
    msisdns: Option<Value>,
}

with_credentials!(MsisdnStatusRequest);
