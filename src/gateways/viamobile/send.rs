//! Sending: `POST /json/send`, `POST /json/validate` (every check
//! and price, nothing stored, sent or charged) and `GET /get/send`.
//!
//! Checks in order, the first failure answering for the whole request:
//! credentials (1000), sending enabled (2001), sender (1012), text length
//! (1013), client ids (1014), MSISDNs numeric (1010), destination network
//! (1011, when no recipient may be reached), credit and daily limit (2002).
//! Then each recipient gets `ok` (stored, with a `bsmsId`), `blacklist`,
//! `network_disabled` or `error` (not a plausible number); only `ok` ones
//! are sent, charged and counted.

use axum::extract::{RawQuery, State};
use axum::http::Extensions;
use axum::response::Response;
use chrono::{DateTime, NaiveDateTime, TimeDelta, TimeZone, Utc};
use chrono_tz::Europe::Bratislava;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

use super::answer::Answer;
use super::auth::GetCaller;
use super::body::{ListOrById, Text, ViaBody, read_authenticated, with_credentials};
use super::error::{ViaError, ViaErrorEnvelope};
use super::msisdn_text;
use super::schemas::{RecipientRequests, any_value, client_id_schema, coding, flash, time_to_send};
use super::whole_number;
use crate::domain::account::ViamobileProfile;
use crate::domain::encoding::Datacoding;
use crate::domain::message::{DeliveryWindow, SmsType};
use crate::domain::msisdn::Msisdn;
use crate::domain::send::{Recipient, SendRequest};
use crate::domain::time::{in_range, later};
use crate::engine::submit::{Mode, Receipt, Screening, Submission};
use crate::http::query_value;
use crate::openapi::{IntegerOrString, VIAMOBILE_TAG};
use crate::state::AppState;
use crate::store::ViamobileAccount;

/// Longest text, in characters (`message.text` is String(480)).
pub const MAX_TEXT: usize = 480;

/// A send request as given, before the checks.
pub(super) struct SendInput {
    pub(super) sender: String,
    pub(super) coding: Datacoding,
    pub(super) flash: bool,
    pub(super) time_to_send: Option<String>,
    pub(super) text: Option<String>,
    pub(super) recipients: Vec<RecipientInput>,
}

pub(super) struct RecipientInput {
    pub(super) msisdn: Value,
    pub(super) id: Option<Value>,
    pub(super) text: Option<String>,
}

pub(super) fn coding_of(value: Option<&str>) -> Result<Datacoding, ViaError> {
    match value.map(|t| t.trim().to_ascii_lowercase()).as_deref() {
        None | Some("") | Some("gsm") => Ok(Datacoding::Gsm),
        Some("utf8" | "utf-8" | "unicode") => Ok(Datacoding::Ucs),
        Some(_) => Err(ViaError::bad_request()),
    }
}

/// The body of `POST /json/send` and `/json/validate`.
#[derive(Deserialize, ToSchema)]
#[schema(examples(json!({
    "username": "test",
    "password": "test",
    "message": {"sender": "InfoSMS", "text": "Your code is 123456"},
    "recipients": [{"msisdn": 421900000000_u64, "id": 1}]
})))]
pub struct JsonSendRequest {
    #[schema(value_type = String)]
    username: Option<Value>,
    #[schema(value_type = String)]
    password: Option<Value>,
    message: Option<MessageRequest>,
    #[schema(value_type = RecipientRequests)]
    recipients: Option<Recipients>,
}

with_credentials!(JsonSendRequest);

/// The message of a send: what its recipients share.
#[derive(Deserialize, ToSchema)]
pub struct MessageRequest {
    /// One of the account's senders; `InfoSMS` when none is given.
    #[schema(value_type = Option<String>)]
    sender: Option<Text>,
    /// The text for recipients without their own; at most 480 characters.
    /// A value that is not a string is sent as its JSON.
    #[schema(schema_with = any_value, required = false)]
    text: Option<Text>,
    /// `gsm` (default) or `utf8`; a value that is not a string counts as none.
    #[serde(rename = "type")]
    #[schema(schema_with = coding, required = false)]
    coding: Option<Value>,
    /// `true`, 1 or `"1"` for a flash SMS.
    #[schema(schema_with = flash, required = false)]
    flash: Option<Flash>,
    /// `YYYY-MM-DD HH:mm:ss`, Bratislava time.
    #[schema(schema_with = time_to_send, required = false)]
    time_to_send: Option<Text>,
}

/// Whether a message is a flash SMS: `true`/`false`, 1 (or any other
/// number for no), or the string `"1"` (any other string for no).
pub struct Flash(bool);

impl<'de> Deserialize<'de> for Flash {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Flash, D::Error> {
        match Value::deserialize(deserializer)? {
            Value::Bool(flag) => Ok(Flash(flag)),
            number @ Value::Number(_) if whole_number(&number).is_some_and(|n| n >= 0) => {
                Ok(Flash(whole_number(&number) == Some(1)))
            }
            Value::String(text) => Ok(Flash(text == "1")),
            other => Err(serde::de::Error::custom(format!("{other} is not a flash flag"))),
        }
    }
}

/// The recipients of a send, as an array or an object keyed by id.
pub type Recipients = ListOrById<RecipientRequest>;

/// One recipient of a send.
#[derive(Deserialize, ToSchema)]
pub struct RecipientRequest {
    /// A number or a string.
    #[schema(value_type = IntegerOrString)]
    msisdn: Option<Value>,
    /// The client's id: an integer or a string of digits.
    #[schema(schema_with = client_id_schema, required = false)]
    id: Option<Value>,
    /// Its own text, instead of the message's (a value that is not a string
    /// is sent as its JSON).
    #[schema(schema_with = any_value, required = false)]
    text: Option<Text>,
}

impl JsonSendRequest {
    /// The request as the checks take it; 400 without recipients or with a
    /// `type` that is not a coding.
    fn into_input(self) -> Result<SendInput, ViaError> {
        let Some(ListOrById(recipients)) = self.recipients else {
            return Err(ViaError::bad_request());
        };
        let message = self.message;
        let text = |field: Option<Text>| field.map(|Text(text)| text);
        let (sender, body, coding, flash, time_to_send) = match message {
            Some(m) => (text(m.sender), text(m.text), m.coding, m.flash, text(m.time_to_send)),
            None => (None, None, None, None, None),
        };
        Ok(SendInput {
            sender: sender.unwrap_or_default(),
            coding: coding_of(coding.as_ref().and_then(Value::as_str))?,
            flash: flash.is_some_and(|Flash(flag)| flag),
            time_to_send: time_to_send.filter(|t| !t.trim().is_empty()),
            text: body.filter(|t| !t.is_empty()),
            recipients: recipients
                .into_iter()
                .map(|r| RecipientInput {
                    msisdn: r.msisdn.unwrap_or(Value::Null),
                    id: r.id,
                    text: text(r.text).filter(|t| !t.is_empty()),
                })
                .collect(),
        })
    }
}

/// Reads `GET /get/send` parameters: `id`, `msisdn`, `text`, `sender`,
/// `type`, `time_to_send`.
fn parse_query(query: Option<&str>) -> Result<SendInput, ViaError> {
    let get = |name: &str| query_value(query, name);
    let (Some(id), Some(msisdn), Some(text)) = (get("id"), get("msisdn"), get("text")) else {
        return Err(ViaError::bad_request());
    };
    Ok(SendInput {
        sender: get("sender").unwrap_or_default(),
        coding: coding_of(get("type").as_deref())?,
        flash: get("flash").as_deref() == Some("1"),
        time_to_send: get("time_to_send").filter(|t| !t.trim().is_empty()),
        text: Some(text),
        recipients: vec![RecipientInput {
            msisdn: Value::String(msisdn),
            id: Some(Value::String(id)),
            text: None,
        }],
    })
}

/// `time_to_send`: `YYYY-MM-DD HH:mm:ss` (or with `T`), Bratislava time.
fn parse_time_to_send(text: &str) -> Result<DateTime<Utc>, ViaError> {
    let text = text.trim();
    ["%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M"]
        .iter()
        .find_map(|format| NaiveDateTime::parse_from_str(text, format).ok())
        .and_then(|naive| Bratislava.from_local_datetime(&naive).earliest())
        .map(|local| local.with_timezone(&Utc))
        .filter(|at| in_range(*at))
        .ok_or(ViaError::bad_request())
}

/// A client id: an integer, or a string of digits.
fn client_id(value: &Value) -> Result<i64, ViaError> {
    whole_number(value).ok_or(ViaError::id_not_integer())
}

/// The send request of `input`, checked in Viamobile's order: no
/// recipients or no text (400), a text too long (1013), a client id that
/// is not an integer (1014), an MSISDN that is not a number (1010), a bad
/// `time_to_send` (400). The sender is left to the account's checks.
fn request_of(
    input: SendInput,
    now: DateTime<Utc>,
    validity: TimeDelta,
) -> Result<SendRequest, ViaError> {
    if input.recipients.is_empty() {
        return Err(ViaError::bad_request());
    }
    let mut texts = Vec::with_capacity(input.recipients.len());
    for recipient in &input.recipients {
        let text =
            recipient.text.clone().or_else(|| input.text.clone()).ok_or(ViaError::bad_request())?;
        if text.chars().count() > MAX_TEXT {
            return Err(ViaError::message_too_long());
        }
        texts.push(text);
    }
    let ids = input
        .recipients
        .iter()
        .map(|r| r.id.as_ref().map(client_id).transpose())
        .collect::<Result<Vec<_>, _>>()?;
    let msisdns = input
        .recipients
        .iter()
        .map(|r| {
            let raw = msisdn_text(&r.msisdn).ok_or(ViaError::unknown_prefix())?;
            Msisdn::lenient(&raw).map_err(|_| ViaError::unknown_prefix())
        })
        .collect::<Result<Vec<_>, _>>()?;
    let delivery_windows =
        match input.time_to_send.as_deref().map(parse_time_to_send).transpose()? {
            Some(at) if at > now => vec![DeliveryWindow { opens: at, closes: later(at, validity) }],
            _ => Vec::new(),
        };
    let recipients = msisdns
        .into_iter()
        .zip(texts)
        .zip(ids)
        .map(|((msisdn, text), client_id)| Recipient {
            text: Some(text),
            client_id,
            ..Recipient::new(msisdn)
        })
        .collect();
    Ok(SendRequest {
        sender: String::new(),
        recipients,
        body: input.text.unwrap_or_default(),
        template_defaults: None,
        sms_type: if input.flash { SmsType::Flash } else { SmsType::Sms },
        datacoding: input.coding,
        priority: 1,
        delivery_windows,
        delivery_report_url: None,
        reference: None,
        tags: Vec::new(),
        fixed_coding: Some(input.coding),
    })
}

/// Runs every check and, in [`Mode::Send`], sends. Returns the answer.
pub(super) fn execute(
    state: &AppState,
    account: &ViamobileAccount,
    input: SendInput,
    mode: Mode,
) -> Result<Answer<SendAnswer>, ViaError> {
    let now = account.clock().now();
    let validity =
        TimeDelta::seconds(i64::from(state.engine.store().timing().expires_after_seconds));
    let submission = Submission {
        sender: input.sender.clone(),
        request: request_of(input, now, validity),
        shortfall: None,
    };
    state.engine.submit(account, submission, mode, answer)
}

/// The answer of a send: one status per recipient, in request order.
fn answer(receipt: &Receipt<'_, ViamobileProfile>) -> Answer<SendAnswer> {
    let recipients = receipt
        .recipients
        .iter()
        .zip(receipt.screened)
        .map(|(recipient, screened)| {
            let ok = screened.screening == Screening::Accepted;
            let msisdn = &recipient.msisdn;
            RecipientStatus {
                id: recipient.client_id,
                msisdn: msisdn
                    .parse::<u64>()
                    .map_or_else(|_| Value::from(msisdn.as_str()), Value::from),
                status: match screened.screening {
                    Screening::Accepted => "ok",
                    Screening::Implausible => "error",
                    Screening::Unreachable => "network_disabled",
                    Screening::Blacklisted => "blacklist",
                },
                bsms_id: screened
                    .message
                    .and_then(|index| Some(receipt.batch?.messages.get(index)?.bsms_id)),
                parts: screened.parts,
                price: (receipt.profile.prices_enabled && ok).then(|| screened.price.units()),
            }
        })
        .collect();
    Answer::with_status_text(SendAnswer { recipients }, receipt.profile.status_as_string)
}

/// The answer of the send endpoints: one status per recipient.
#[derive(Serialize, ToSchema)]
pub struct SendAnswer {
    pub recipients: Vec<RecipientStatus>,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RecipientStatus {
    /// The client's id of the message.
    pub id: Option<i64>,
    /// A number when the MSISDN is digits, else as given.
    #[schema(value_type = IntegerOrString)]
    pub msisdn: Value,
    /// `ok`, `blacklist`, `network_disabled` or `error`.
    pub status: &'static str,
    /// Viamobile's id, for `ok` recipients that were sent.
    pub bsms_id: Option<u64>,
    pub parts: u32,
    /// In EUR, for `ok` recipients of accounts that see prices.
    pub price: Option<f64>,
}

/// A JSON send request: authenticated, parsed, and sent or validated.
fn json_send(
    state: &AppState,
    extensions: &Extensions,
    body: &Value,
    mode: Mode,
) -> Result<Response, ViaError> {
    let (account, request) = read_authenticated::<JsonSendRequest>(state, extensions, body)?;
    Ok(execute(state, &account, request.into_input()?, mode)?.into_response())
}

/// `POST /json/send`.
#[utoipa::path(post, path = "/json/send", tag = VIAMOBILE_TAG, request_body = JsonSendRequest,
    responses(
        (status = OK, description = "One status per recipient.", body = Answer<SendAnswer>),
        (status = PAYMENT_REQUIRED, description = "2002: not enough credit, or the daily limit is used up.", body = ViaErrorEnvelope),
        (status = FORBIDDEN, description = "2001: sending is switched off.", body = ViaErrorEnvelope),
    ))]
pub async fn send(
    State(state): State<AppState>,
    extensions: Extensions,
    ViaBody(body): ViaBody,
) -> Result<Response, ViaError> {
    json_send(&state, &extensions, &body, Mode::Send)
}

/// `POST /json/validate`: the same checks and answer; nothing is stored.
#[utoipa::path(post, path = "/json/validate", tag = VIAMOBILE_TAG, request_body = JsonSendRequest,
    responses(
        (status = OK, description = "One status per recipient; nothing is sent.", body = Answer<SendAnswer>),
        (status = PAYMENT_REQUIRED, description = "2002: not enough credit, or the daily limit is used up.", body = ViaErrorEnvelope),
        (status = FORBIDDEN, description = "2001: sending is switched off.", body = ViaErrorEnvelope),
    ))]
pub async fn validate(
    State(state): State<AppState>,
    extensions: Extensions,
    ViaBody(body): ViaBody,
) -> Result<Response, ViaError> {
    json_send(&state, &extensions, &body, Mode::Validate)
}

/// `GET /get/send?id=&msisdn=&text=` with HTTP Basic or `jwt`.
#[utoipa::path(get, path = "/get/send", tag = VIAMOBILE_TAG, security(("viamobileBasic" = []), ()),
    params(
        ("id" = i64, Query, description = "The client's message id."),
        ("msisdn" = String, Query, pattern = r"^(\+|00)?[1-9][0-9]{7,14}$", description = "The recipient."),
        ("text" = String, Query, description = "At most 480 characters."),
        ("sender" = Option<String>, Query),
        ("type" = Option<String>, Query, pattern = r"^\s*([Gg][Ss][Mm]|[Uu][Tt][Ff]-?8|[Uu][Nn][Ii][Cc][Oo][Dd][Ee])?\s*$", description = "`gsm` (default) or `utf8`."),
        ("flash" = Option<String>, Query, description = "1 for a flash SMS."),
        ("time_to_send" = Option<String>, Query, pattern = r"^\s*([1-9][0-9]{3}-(0[1-9]|1[0-2])-(0[1-9]|1[0-9]|2[0-8])[ T]([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9])?)?\s*$", description = "`YYYY-MM-DD HH:mm:ss`, Bratislava time."),
        ("jwt" = Option<String>, Query, description = "A token from /token/create, instead of HTTP Basic."),
    ),
    responses(
        (status = OK, description = "The recipient's status.", body = Answer<SendAnswer>),
        (status = PAYMENT_REQUIRED, description = "2002: not enough credit, or the daily limit is used up.", body = ViaErrorEnvelope),
        (status = FORBIDDEN, description = "2001: sending is switched off.", body = ViaErrorEnvelope),
    ))]
pub async fn get_send(
    State(state): State<AppState>,
    GetCaller(account): GetCaller,
    RawQuery(query): RawQuery,
) -> Result<Response, ViaError> {
    let input = parse_query(query.as_deref())?;
    Ok(execute(&state, &account, input, Mode::Send)?.into_response())
}
