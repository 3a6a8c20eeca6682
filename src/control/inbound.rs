//! `POST /_mock/inbound`: an SMS from a handset to an account's number.
//! This finds the account (by name, or by its virtual number) and hands the
//! SMS to the engine ([`crate::engine::Engine::receive`]), which stores it
//! (direction `mo`, status 201), pushes it in the account's gateway's
//! format, blacklists the sender on `STOP`, and runs what is due before
//! this answers.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;

use super::error::{ControlError, ControlJson};
use crate::domain::msisdn::Msisdn;
use crate::domain::time::parse_iso;
use crate::engine::receive::{IncomingSms, Received};
use crate::engine::run::Pass;
use crate::http::json;
use crate::openapi::CONTROL_TAG;
use crate::state::AppState;
use crate::store::AnyAccount;

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Inbound {
    /// `ip1` or `viamobile`; the account decides, this only checks.
    #[serde(default)]
    gateway: Option<String>,
    /// The account; without it, the account whose virtual number is `recipient`.
    #[serde(default)]
    account: Option<String>,
    /// The handset's MSISDN.
    sender: String,
    /// The virtual number; defaults to the account's.
    #[serde(default)]
    recipient: Option<String>,
    body: String,
    /// When it arrived (virtual time, not in the future); default now.
    #[serde(default)]
    time: Option<String>,
}

/// The answer of `POST /_mock/inbound`.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct Delivered {
    /// iP.1's message document, or the Viamobile push.
    #[schema(value_type = Object)]
    message: serde_json::Value,
    /// True when the body was `STOP` and the sender is now blacklisted.
    blacklisted: bool,
    /// What ran: the callback attempt among others.
    pass: Pass,
}

/// `POST /_mock/inbound`.
#[utoipa::path(post, path = "/_mock/inbound", tag = CONTROL_TAG, request_body = Inbound,
    responses((status = CREATED, description = "The stored message (iP.1's message document, or the pushed Viamobile message), whether a `STOP` blacklisted the sender, and what ran.", body = Delivered)))]
pub async fn inject(
    State(state): State<AppState>,
    ControlJson(inbound): ControlJson<Inbound>,
) -> Result<Response, ControlError> {
    if inbound.gateway.as_deref().is_some_and(|g| g != "ip1" && g != "viamobile") {
        return Err(ControlError::bad_request("gateway is \"ip1\" or \"viamobile\""));
    }
    let sender = Msisdn::plausible(&inbound.sender).map_err(|_| {
        ControlError::bad_request(format!("sender {:?} is not an MSISDN", inbound.sender))
    })?;
    let recipient = match inbound.recipient.as_deref() {
        Some(raw) => Some(Msisdn::plausible(raw).map_err(|_| {
            ControlError::bad_request(format!("recipient {raw:?} is not an MSISDN"))
        })?),
        None => None,
    };
    let at = match inbound.time.as_deref() {
        Some(text) => Some(parse_iso(text).ok_or_else(|| {
            ControlError::bad_request(format!("{text:?} is not an ISO-8601 time"))
        })?),
        None => None,
    };
    let engine = &state.engine;
    let account = match (&inbound.account, &recipient) {
        (Some(name), _) => {
            engine.store().find(name).ok_or_else(|| ControlError::unknown_account(name))?
        }
        (None, Some(number)) => engine
            .store()
            .ip1_list()
            .into_iter()
            .find(|a| a.read(|d| d.profile.virtual_number.as_deref() == Some(number.as_str())))
            .map(AnyAccount::Ip1)
            .ok_or_else(|| {
                ControlError::new(
                    StatusCode::NOT_FOUND,
                    format!("no account has the virtual number {number}"),
                )
            })?,
        (None, None) => {
            return Err(ControlError::bad_request(
                "give `account` or the `recipient` virtual number",
            ));
        }
    };
    let sms = |recipient| IncomingSms { sender, recipient, body: inbound.body, at };
    let received = match (&account, inbound.gateway.as_deref()) {
        (AnyAccount::Viamobile(_), Some("ip1")) => {
            return Err(ControlError::bad_request(format!(
                "{} is a Viamobile account",
                account.id()
            )));
        }
        (AnyAccount::Ip1(_), Some("viamobile")) => {
            return Err(ControlError::bad_request(format!("{} is an iP.1 account", account.id())));
        }
        (AnyAccount::Ip1(shard), _) => {
            let recipient = recipient
                .or_else(|| shard.read(|d| d.profile.virtual_number.clone()))
                .ok_or_else(|| {
                    ControlError::bad_request("the account has no virtual number: give `recipient`")
                })?;
            engine.receive(shard, sms(recipient)).await
        }
        (AnyAccount::Viamobile(shard), _) => {
            let recipient = recipient.ok_or_else(|| {
                ControlError::bad_request("give `recipient`: the number the SMS was sent to")
            })?;
            engine.receive(shard, sms(recipient)).await
        }
    }
    .map_err(|err| ControlError::bad_request(err.to_string()))?;
    let Received { payload, blacklisted, pass } = received;
    Ok(json(StatusCode::CREATED, &Delivered { message: payload, blacklisted, pass }))
}
