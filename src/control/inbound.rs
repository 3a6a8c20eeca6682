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
use serde_json::Value;
use utoipa::openapi::RefOr;
use utoipa::openapi::schema::{
    AdditionalProperties, KnownFormat, ObjectBuilder, OneOfBuilder, Schema, SchemaFormat,
    SchemaType, Type,
};

use super::error::{ControlError, ControlErrorBody, ControlJson};
use crate::domain::msisdn::Msisdn;
use crate::domain::time::parse_iso;
use crate::engine::receive::{IncomingSms, Received};
use crate::engine::run::Pass;
use crate::http::json;
use crate::openapi::CONTROL_TAG;
use crate::state::AppState;
use crate::store::AnyAccount;

#[derive(Deserialize)]
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

/// A phone number as the emulator takes it here (the document keeps to
/// the plain form; blanks and a `00` prefix are read too).
const MSISDN_PATTERN: &str = r"^\+?[1-9][0-9]{7,14}$";

impl utoipa::PartialSchema for Inbound {
    /// `sender` and `body`, and `account` or `recipient` (or both).
    fn schema() -> RefOr<Schema> {
        let text = |kind: SchemaType| ObjectBuilder::new().schema_type(kind);
        let optional = || SchemaType::from_iter([Type::String, Type::Null]);
        let gateway = || {
            text(optional())
                .enum_values(Some([Value::from("ip1"), Value::from("viamobile"), Value::Null]))
                .description(Some("`ip1` or `viamobile`: checked against the account's gateway."))
        };
        let properties = || {
            ObjectBuilder::new()
                .property("gateway", gateway())
                .property(
                    "sender",
                    text(SchemaType::Type(Type::String))
                        .pattern(Some(MSISDN_PATTERN))
                        .description(Some("The handset's MSISDN.")),
                )
                .property("body", text(SchemaType::Type(Type::String)))
                .property(
                    "time",
                    text(optional())
                        .format(Some(SchemaFormat::KnownFormat(KnownFormat::DateTime)))
                        .description(Some(
                            "When it arrived (virtual time; not after the account's clock, \
                             else 409); default now.",
                        )),
                )
                .required("sender")
                .required("body")
                .additional_properties(Some(AdditionalProperties::FreeForm(false)))
        };
        let account = text(SchemaType::Type(Type::String)).description(Some(
            "The account; without it, the account whose virtual number is `recipient`.",
        ));
        let recipient = text(SchemaType::Type(Type::String))
            .pattern(Some(MSISDN_PATTERN))
            .description(Some("The virtual number; defaults to the account's."));
        let by_account = properties()
            .property("account", account)
            .property("recipient", text(optional()).pattern(Some(MSISDN_PATTERN)))
            .required("account");
        let by_recipient = properties()
            .property("account", ObjectBuilder::new().schema_type(Type::Null))
            .property("recipient", recipient)
            .required("recipient");
        let one_of = OneOfBuilder::new().item(by_account).item(by_recipient).description(Some(
            "An SMS from a handset: `sender`, `body`, and `account` or the `recipient` virtual \
             number (or both).",
        ));
        RefOr::T(Schema::OneOf(one_of.build()))
    }
}

impl utoipa::ToSchema for Inbound {}

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
    responses(
        (status = CREATED, description = "The stored message (iP.1's message document, or the pushed Viamobile message), whether a `STOP` blacklisted the sender, and what ran.", body = Delivered),
        (status = NOT_FOUND, description = "No such account, or no account has that virtual number.", body = ControlErrorBody),
        (status = CONFLICT, description = "The account is of the other gateway, or its clock has not reached `time`.", body = ControlErrorBody),
    ))]
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
        (None, Some(number)) => engine.store().number_owner(number).ok_or_else(|| {
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
        // The request is fine; the account is of the other gateway.
        (AnyAccount::Viamobile(_), Some("ip1")) => {
            let message = format!("{} is a Viamobile account", account.id());
            return Err(ControlError::new(StatusCode::CONFLICT, message));
        }
        (AnyAccount::Ip1(_), Some("viamobile")) => {
            let message = format!("{} is an iP.1 account", account.id());
            return Err(ControlError::new(StatusCode::CONFLICT, message));
        }
        // Without `recipient`, the SMS goes to the account's virtual
        // number; an account without one gets one.
        (AnyAccount::Ip1(shard), _) => {
            let recipient = recipient.unwrap_or_else(|| engine.virtual_number(&account));
            engine.receive(shard, sms(recipient)).await
        }
        (AnyAccount::Viamobile(shard), _) => {
            let recipient = recipient.unwrap_or_else(|| engine.virtual_number(&account));
            engine.receive(shard, sms(recipient)).await
        }
    }
    // The time is fine; the account's clock has not reached it.
    .map_err(|err| ControlError::new(StatusCode::CONFLICT, err.to_string()))?;
    let Received { payload, blacklisted, pass } = received;
    Ok(json(StatusCode::CREATED, &Delivered { message: payload, blacklisted, pass }))
}
