//! Sending (§5.1–5.3): `POST /json/send`, `POST /json/validate` (every check
//! and price, nothing stored, sent or charged) and `GET /get/send`.
//!
//! Checks in order, the first failure answering for the whole request:
//! credentials (1000), sending enabled (2001), sender (1012), text length
//! (1013), client ids (1014), MSISDNs numeric (1010), destination network
//! (1011, when no recipient may be reached), credit and daily limit (2002).
//! Then each recipient gets `ok` (stored, with a `bsmsId`), `blacklist`,
//! `network_disabled` or `error` (not a plausible number); only `ok` ones
//! are sent, charged and counted.

use std::sync::atomic::{AtomicU64, Ordering};

use axum::extract::{RawQuery, State};
use axum::http::{Extensions, StatusCode};
use axum::response::Response;
use chrono::{DateTime, NaiveDateTime, TimeDelta, TimeZone, Utc};
use chrono_tz::Europe::Bratislava;
use serde_json::{Value, json};

use super::auth::{GetCaller, body_caller};
use super::body::ViaBody;
use super::error::ViaError;
use super::{local_date, msisdn_text};
use crate::domain::encoding::Datacoding;
use crate::domain::lifecycle::MagicNumber;
use crate::domain::message::{DeliveryWindow, SmsType};
use crate::domain::money::{Currency, Money};
use crate::domain::network::operator_code;
use crate::domain::phone::{is_plausible_msisdn, strip_international_prefix};
use crate::domain::pricing::message_price;
use crate::domain::send::{Recipient, SendContext, SendRequest, create_batch, render};
use crate::domain::sender::normalize_viamobile_sender;
use crate::http::json;
use crate::scheduler::schedule_new_batch;
use crate::state::AppState;
use crate::store::ViamobileAccount;

/// Longest text, in characters (`message.text` is String(480)).
pub const MAX_TEXT: usize = 480;

/// Viamobile's own message ids, one sequence for the whole emulator.
static NEXT_BSMS_ID: AtomicU64 = AtomicU64::new(1_000_000);

/// Makes sure new `bsmsId`s come after `id` (after a restore).
pub fn bsms_ids_after(id: u64) {
    NEXT_BSMS_ID.fetch_max(id + 1, Ordering::Relaxed);
}

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

fn text_of(value: Option<&Value>) -> Option<String> {
    match value? {
        Value::String(text) => Some(text.clone()),
        Value::Null => None,
        other => Some(other.to_string()),
    }
}

pub(super) fn coding_of(value: Option<&str>) -> Result<Datacoding, ViaError> {
    match value.map(|t| t.trim().to_ascii_lowercase()).as_deref() {
        None | Some("") | Some("gsm") => Ok(Datacoding::Gsm),
        Some("utf8" | "utf-8" | "unicode") => Ok(Datacoding::Ucs),
        Some(_) => Err(ViaError::bad_request()),
    }
}

/// Reads the JSON body: `recipients` as an array or an object keyed by id.
fn parse_json(body: &Value) -> Result<SendInput, ViaError> {
    let message = body.get("message").filter(|m| !m.is_null());
    if message.is_some_and(|m| !m.is_object()) {
        return Err(ViaError::bad_request());
    }
    let field = |name: &str| message.and_then(|m| m.get(name));
    let recipients: Vec<&Value> = match body.get("recipients") {
        Some(Value::Array(items)) => items.iter().collect(),
        Some(Value::Object(map)) => map.values().collect(),
        _ => return Err(ViaError::bad_request()),
    };
    let recipients = recipients
        .into_iter()
        .map(|r| {
            let r = r.as_object().ok_or(ViaError::bad_request())?;
            Ok(RecipientInput {
                msisdn: r.get("msisdn").cloned().unwrap_or(Value::Null),
                id: r.get("id").filter(|v| !v.is_null()).cloned(),
                text: text_of(r.get("text")).filter(|t| !t.is_empty()),
            })
        })
        .collect::<Result<Vec<_>, ViaError>>()?;
    let flash = match field("flash") {
        None | Some(Value::Null) => false,
        Some(Value::Bool(flag)) => *flag,
        Some(value) => value
            .as_u64()
            .map(|n| n == 1)
            .or_else(|| value.as_str().map(|s| s == "1"))
            .ok_or(ViaError::bad_request())?,
    };
    Ok(SendInput {
        sender: text_of(field("sender")).unwrap_or_default(),
        coding: coding_of(field("type").and_then(Value::as_str))?,
        flash,
        time_to_send: text_of(field("time_to_send")).filter(|t| !t.trim().is_empty()),
        text: text_of(field("text")).filter(|t| !t.is_empty()),
        recipients,
    })
}

/// Reads `GET /get/send` parameters: `id`, `msisdn`, `text`, `sender`,
/// `type`, `time_to_send`.
fn parse_query(query: Option<&str>) -> Result<SendInput, ViaError> {
    let pairs: Vec<(String, String)> =
        url::form_urlencoded::parse(query.unwrap_or("").as_bytes()).into_owned().collect();
    let get = |name: &str| pairs.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone());
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
        .ok_or(ViaError::bad_request())
}

/// A client id: an integer, or a string of digits.
fn client_id(value: &Value) -> Result<i64, ViaError> {
    match value {
        Value::Number(n) => n.as_i64().ok_or(ViaError::id_not_integer()),
        Value::String(text) => text.trim().parse().map_err(|_| ViaError::id_not_integer()),
        _ => Err(ViaError::id_not_integer()),
    }
}

/// What happens to one recipient.
struct Outcome {
    client_id: Option<i64>,
    msisdn: String,
    text: String,
    status: &'static str,
    parts: u32,
    price: Money,
}

/// Runs every check and, when `store` is set, sends. Returns the answer.
pub(super) fn execute(
    state: &AppState,
    account: &ViamobileAccount,
    input: SendInput,
    store: bool,
) -> Result<Value, ViaError> {
    let now = account.clock().now();
    let (enabled, allowed, allowed_networks, prices_enabled) = account.read(|data| {
        let p = &data.profile;
        (p.sending_enabled, p.senders.clone(), p.allowed_networks.clone(), p.prices_enabled)
    });
    if !enabled {
        return Err(ViaError::sending_disabled());
    }
    let sender =
        normalize_viamobile_sender(input.sender.trim()).map_err(|_| ViaError::unknown_sender())?;
    if !allowed.contains(&sender) {
        return Err(ViaError::unknown_sender());
    }
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
            let digits = strip_international_prefix(&raw).to_owned();
            if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
                return Err(ViaError::unknown_prefix());
            }
            Ok(digits)
        })
        .collect::<Result<Vec<_>, _>>()?;
    let network_allowed = |msisdn: &str| {
        allowed_networks.as_ref().is_none_or(|list| list.contains(&operator_code(msisdn)))
    };
    if !msisdns.iter().any(|m| network_allowed(m)) {
        return Err(ViaError::unknown_network());
    }
    let prices = state.store.prices();
    let mut outcomes: Vec<Outcome> = Vec::with_capacity(msisdns.len());
    account.read(|data| {
        for ((msisdn, text), client_id) in msisdns.into_iter().zip(texts).zip(ids) {
            let parts =
                crate::domain::encoding::segment_as(input.coding, text.chars().count()).segments;
            let status = if !is_plausible_msisdn(&msisdn) {
                "error"
            } else if !network_allowed(&msisdn) {
                "network_disabled"
            } else if data.blacklist.contains(&msisdn) {
                "blacklist"
            } else {
                "ok"
            };
            let price = if status == "ok" {
                message_price(prices, Currency::Eur, &msisdn, parts, 1)
            } else {
                Money::ZERO
            };
            outcomes.push(Outcome { client_id, msisdn, text, status, parts, price });
        }
    });
    let ok = || outcomes.iter().filter(|o| o.status == "ok");
    let total_price = ok().fold(Money::ZERO, |sum, o| sum + o.price);
    let total_parts: u32 = ok().map(|o| o.parts).sum();
    let today = local_date(now);
    let (credit, limit_left) = account.read(|data| {
        let p = &data.profile;
        (p.credit, p.daily_limit.saturating_sub(p.usage.sent_on(today)))
    });
    if total_price > credit || total_parts > limit_left {
        return Err(ViaError::not_enough_credit());
    }
    let mut bsms_ids = vec![None; outcomes.len()];
    if store && ok().next().is_some() {
        let first = NEXT_BSMS_ID.fetch_add(ok().count() as u64, Ordering::Relaxed);
        let windows = match input.time_to_send.as_deref().map(parse_time_to_send).transpose()? {
            Some(at) if at > now => {
                let validity =
                    TimeDelta::seconds(i64::from(state.store.timing().expires_after_seconds));
                vec![DeliveryWindow { opens: at, closes: at + validity }]
            }
            _ => Vec::new(),
        };
        let positions: Vec<usize> =
            outcomes.iter().enumerate().filter(|(_, o)| o.status == "ok").map(|(i, _)| i).collect();
        let request = SendRequest {
            sender: sender.clone(),
            recipients: positions
                .iter()
                .map(|&i| Recipient {
                    text: Some(outcomes[i].text.clone()),
                    client_id: outcomes[i].client_id,
                    ..Recipient::new(outcomes[i].msisdn.clone())
                })
                .collect(),
            body: input.text.clone().unwrap_or_default(),
            template_defaults: None,
            sms_type: if input.flash { SmsType::Flash } else { SmsType::Sms },
            datacoding: input.coding,
            priority: 1,
            delivery_windows: windows,
            delivery_report_url: None,
            reference: None,
            tags: Vec::new(),
            fixed_coding: Some(input.coding),
        };
        let rendered = render(&request).map_err(|_| ViaError::bad_request())?;
        let account_id = account.id();
        account.write(|data| {
            let fate = |recipient: &str, text: &str| {
                state
                    .rules
                    .fate_for(account_id, recipient, &sender, text)
                    .or_else(|| MagicNumber::fate_for(state.store.magic_numbers(), recipient))
            };
            let context = SendContext {
                now,
                currency: Currency::Eur,
                balance: data.profile.credit,
                prices,
                sender_rejected: false,
                fate: &fate,
            };
            let (mut batch, charge) = create_batch(request, rendered, &context);
            for (offset, message) in batch.messages.iter_mut().enumerate() {
                message.bsms_id = first + offset as u64;
            }
            data.profile.credit = data.profile.credit - charge;
            data.profile.usage.record(today, total_parts);
            let position = data.messaging.insert(batch);
            schedule_new_batch(data, position, state.store.timing(), &state.dispatcher);
        });
        for (offset, &i) in positions.iter().enumerate() {
            bsms_ids[i] = Some(first + offset as u64);
        }
    }
    let recipients: Vec<Value> = outcomes
        .iter()
        .zip(bsms_ids)
        .map(|(o, bsms_id)| {
            let msisdn: Value = o.msisdn.parse::<u64>().map(Value::from).unwrap_or_else(|_| Value::from(o.msisdn.clone()));
            let price = (prices_enabled && o.status == "ok").then(|| o.price.units());
            json!({"id": o.client_id, "msisdn": msisdn, "status": o.status, "bsmsId": bsms_id, "parts": o.parts, "price": price})
        })
        .collect();
    Ok(json!({ "response": { "status": 200, "recipients": recipients } }))
}

/// A JSON send request: authenticated, parsed, and sent when `store`.
fn json_send(
    state: &AppState,
    extensions: &Extensions,
    body: &Value,
    store: bool,
) -> Result<Response, ViaError> {
    let account = body_caller(state, extensions, body)?;
    let input = parse_json(body)?;
    Ok(json(StatusCode::OK, &execute(state, &account, input, store)?))
}

/// `POST /json/send`.
pub async fn send(
    State(state): State<AppState>,
    extensions: Extensions,
    ViaBody(body): ViaBody,
) -> Result<Response, ViaError> {
    json_send(&state, &extensions, &body, true)
}

/// `POST /json/validate`: the same checks and answer; nothing is stored.
pub async fn validate(
    State(state): State<AppState>,
    extensions: Extensions,
    ViaBody(body): ViaBody,
) -> Result<Response, ViaError> {
    json_send(&state, &extensions, &body, false)
}

/// `GET /get/send?id=&msisdn=&text=` with HTTP Basic or `jwt`.
pub async fn get_send(
    State(state): State<AppState>,
    GetCaller(account): GetCaller,
    RawQuery(query): RawQuery,
) -> Result<Response, ViaError> {
    let input = parse_query(query.as_deref())?;
    Ok(json(StatusCode::OK, &execute(&state, &account, input, true)?))
}
