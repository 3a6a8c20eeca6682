//! `POST /_mock/inbound`: an SMS from a handset to an account's virtual
//! number (§8). It is stored as a batch with direction `mo` and status 201
//! Incoming (so it shows in batches, messages and conversations), POSTed
//! to the account's `IncomingCallbackUrl` with the same retries, failure
//! scripts and journal as delivery reports, and a body of `STOP` (trimmed,
//! any case) blacklists the sender. For a Viamobile account it is pushed
//! to the account's incoming URL with its HMAC-SHA1 `hash` (§5.9). What is
//! due is run before answering.

use std::sync::Arc;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use serde::Deserialize;
use serde_json::json;
use sha1::Sha1;

use super::error::{ControlError, ControlJson};
use crate::domain::blacklist::normalize_msisdn;
use crate::domain::encoding::segment;
use crate::domain::lifecycle::{Fate, Outcome};
use crate::domain::message::{Batch, Direction, Message, SmsType, StatusEvent};
use crate::domain::money::Money;
use crate::domain::network::operator_code;
use crate::domain::status;
use crate::domain::time::parse_iso;
use crate::engine::run::{Pass, Reports, enqueue_callback, run_until};
use crate::engine::sequences::Sequences;
use crate::gateways::ip1::documents::{MessageDocument, Owner};
use crate::http::json;
use crate::openapi::CONTROL_TAG;
use crate::state::AppState;
use crate::store::{AnyAccount, Shard, ViamobileAccount};
use crate::webhooks::CallbackJob;
use crate::webhooks::journal::CallbackKind;

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
    let sender = normalize_msisdn(&inbound.sender).ok_or_else(|| {
        ControlError::bad_request(format!("sender {:?} is not an MSISDN", inbound.sender))
    })?;
    let recipient = match inbound.recipient.as_deref() {
        Some(raw) => Some(normalize_msisdn(raw).ok_or_else(|| {
            ControlError::bad_request(format!("recipient {raw:?} is not an MSISDN"))
        })?),
        None => None,
    };
    let account = match (&inbound.account, &recipient) {
        (Some(name), _) => match state.engine.store().find(name) {
            Some(AnyAccount::Viamobile(_)) if inbound.gateway.as_deref() == Some("ip1") => {
                return Err(ControlError::bad_request(format!("{name} is a Viamobile account")));
            }
            Some(AnyAccount::Ip1(_)) if inbound.gateway.as_deref() == Some("viamobile") => {
                return Err(ControlError::bad_request(format!("{name} is an iP.1 account")));
            }
            Some(AnyAccount::Ip1(account)) => account,
            Some(AnyAccount::Viamobile(account)) => {
                let recipient = recipient.ok_or_else(|| {
                    ControlError::bad_request("give `recipient`: the number the SMS was sent to")
                })?;
                let time = inbound.time.as_deref();
                return viamobile(&state, &account, sender, recipient, inbound.body, time).await;
            }
            None => return Err(ControlError::unknown_account(name)),
        },
        (None, Some(number)) => state
            .engine
            .store()
            .ip1_list()
            .into_iter()
            .find(|a| a.read(|d| d.profile.virtual_number.as_deref() == Some(number.as_str())))
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
    let recipient =
        recipient.or_else(|| account.read(|d| d.profile.virtual_number.clone())).ok_or_else(
            || ControlError::bad_request("the account has no virtual number: give `recipient`"),
        )?;
    let at = arrival(account.clock().now(), inbound.time.as_deref())?;
    let batch = incoming_batch(&state.engine.sequences, &sender, &recipient, &inbound.body, at);
    let stop = inbound.body.trim().eq_ignore_ascii_case("STOP");
    let message = account.write(|data| {
        let position = data.messaging.insert(batch);
        let batch = data.messaging.batch_at(position).expect("the batch just stored");
        let owner = Owner { id: &data.profile.id, currency: data.profile.currency };
        let document =
            serde_json::to_value(MessageDocument::new(batch, 0, owner, true)).unwrap_or_default();
        let job = data.profile.incoming_callback_url.as_deref().map(|url| {
            incoming_job(
                &state.engine.sequences,
                CallbackKind::IncomingSms,
                url,
                document.to_string(),
                batch,
            )
        });
        if let Some(job) = job {
            enqueue_callback(data, job, at);
        }
        if stop {
            data.blacklist.add(&sender, at);
        }
        document
    });
    let pass = run_now(&state, &account).await;
    Ok(json(StatusCode::CREATED, &Delivered { message, blacklisted: stop, pass }))
}

/// The callback of an incoming SMS stored as `batch`.
fn incoming_job(
    sequences: &Sequences,
    kind: CallbackKind,
    url: &str,
    payload: String,
    batch: &Batch,
) -> CallbackJob {
    CallbackJob {
        id: sequences.callback_job(),
        kind,
        url: Arc::from(url),
        payload: Arc::from(payload),
        batch_id: batch.id,
        message_id: batch.message_id(0),
        code: status::DELIVERED_TO_HANDSET,
        reference: None,
        attempts: 0,
    }
}

/// When the SMS arrived: `time` if given (not in the future), else now.
fn arrival(now: DateTime<Utc>, time: Option<&str>) -> Result<DateTime<Utc>, ControlError> {
    let Some(text) = time else { return Ok(now) };
    let at = parse_iso(text)
        .ok_or_else(|| ControlError::bad_request(format!("{text:?} is not an ISO-8601 time")))?;
    if at > now {
        return Err(ControlError::bad_request("an incoming SMS cannot arrive in the future"));
    }
    Ok(at)
}

/// Runs what is due on the account's clock now, so the callback has been
/// tried before the control call answers.
async fn run_now<P: Reports + Clone>(state: &AppState, account: &Shard<P>) -> Pass {
    let runner = account.runner();
    let _running = runner.lock().await;
    let until = account.clock().now();
    run_until(&state.engine, account, until, 1000).await
}

/// An incoming SMS as a batch of one message: direction `mo`, status 201.
fn incoming_batch(
    sequences: &Sequences,
    sender: &str,
    recipient: &str,
    body: &str,
    at: DateTime<Utc>,
) -> Batch {
    let segmentation = segment(body);
    let event = StatusEvent { code: status::DELIVERED_TO_HANDSET, at };
    Batch {
        id: sequences.object_ids.next(at),
        first_message_id: sequences.object_ids.next(at),
        created: at,
        sender: sender.to_owned(),
        body: body.to_owned(),
        direction: Direction::Mo,
        sms_type: SmsType::Sms,
        datacoding: segmentation.datacoding,
        priority: 1,
        templated: false,
        delivery_windows: Vec::new(),
        delivery_report_url: None,
        reference: None,
        tags: Vec::new(),
        canceled: false,
        deleted: false,
        messages: vec![Message {
            recipient: recipient.into(),
            body: Arc::from(body),
            segments: segmentation.segments.min(u32::from(u16::MAX)) as u16,
            datacoding: segmentation.datacoding,
            price: Money::ZERO,
            statuses: vec![event],
            fate: Fate::of(Outcome::Delivered),
            client_id: None,
            bsms_id: 0,
        }],
    }
}

/// HMAC-SHA1 of `id + msisdn + address + gtw + message`, as lowercase hex.
pub fn viamobile_hash(
    key: &str,
    id: u64,
    msisdn: &str,
    address: &str,
    gtw: u32,
    message: &str,
) -> String {
    let mut mac =
        Hmac::<Sha1>::new_from_slice(key.as_bytes()).expect("HMAC takes keys of any length");
    mac.update(format!("{id}{msisdn}{address}{gtw}{message}").as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

/// A Viamobile incoming SMS: stored, and pushed to the account's incoming
/// URL with the HMAC-SHA1 `hash` (§5.9); the receiver must answer 200 `OK`.
async fn viamobile(
    state: &AppState,
    account: &Arc<ViamobileAccount>,
    sender: String,
    recipient: String,
    body: String,
    time: Option<&str>,
) -> Result<Response, ControlError> {
    let at = arrival(account.clock().now(), time)?;
    let batch = incoming_batch(&state.engine.sequences, &sender, &recipient, &body, at);
    let stop = body.trim().eq_ignore_ascii_case("STOP");
    let push = account.write(|data| {
        if stop {
            data.blacklist.add(&sender, at);
        }
        let id = state.engine.sequences.incoming_id();
        let (msisdn, address, gtw) = (format!("+{sender}"), format!("+{recipient}"), operator_code(&sender));
        let hash = viamobile_hash(&data.profile.hmac_key, id, &msisdn, &address, gtw, &body);
        let push = json!({"id": id, "msisdn": msisdn, "address": address, "gtw": gtw, "message": body, "hash": hash});
        let position = data.messaging.insert(batch);
        let batch = data.messaging.batch_at(position).expect("the batch just stored");
        let job = data.profile.incoming_push_url.as_deref().map(|url| {
            incoming_job(&state.engine.sequences, CallbackKind::ViamobileIncoming, url, push.to_string(), batch)
        });
        if let Some(job) = job {
            enqueue_callback(data, job, at);
        }
        push
    });
    let pass = run_now(state, account).await;
    Ok(json(StatusCode::CREATED, &Delivered { message: push, blacklisted: stop, pass }))
}
