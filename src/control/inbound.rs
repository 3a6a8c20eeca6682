//! `POST /_mock/inbound`: an SMS from a handset to an account's virtual
//! number (§8). It is stored as a batch with direction `mo` and status 201
//! Incoming (so it shows in batches, messages and conversations), POSTed
//! to the account's `IncomingCallbackUrl` with the same retries, failure
//! scripts and journal as delivery reports, and a body of `STOP` (trimmed,
//! any case) blacklists the sender. What is due is run before answering.

use std::sync::Arc;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use serde_json::json;

use super::error::{ControlError, ControlJson};
use crate::domain::blacklist::normalize_msisdn;
use crate::domain::encoding::segment;
use crate::domain::id::ObjectId;
use crate::domain::lifecycle::{Fate, Outcome};
use crate::domain::message::{Batch, Direction, Message, SmsType, StatusEvent};
use crate::domain::money::Money;
use crate::domain::status;
use crate::domain::time::parse_iso;
use crate::gateways::ip1::documents::{MessageDocument, Owner};
use crate::http::json;
use crate::scheduler::{enqueue_callback, run_until};
use crate::state::AppState;
use crate::store::AnyAccount;
use crate::webhooks::CallbackJob;
use crate::webhooks::journal::CallbackKind;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Inbound {
    /// `ip1` (the default); Viamobile's incoming push is not emulated yet.
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

pub async fn inject(
    State(state): State<AppState>,
    ControlJson(inbound): ControlJson<Inbound>,
) -> Result<Response, ControlError> {
    if inbound.gateway.as_deref().is_some_and(|g| g != "ip1") {
        return Err(ControlError::bad_request(
            "incoming SMS are emulated for iP.1 accounts (gateway \"ip1\")",
        ));
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
        (Some(name), _) => match state.store.find(name) {
            Some(AnyAccount::Ip1(account)) => account,
            Some(AnyAccount::Viamobile(_)) => {
                return Err(ControlError::bad_request(
                    "incoming SMS are emulated for iP.1 accounts",
                ));
            }
            None => return Err(ControlError::unknown_account(name)),
        },
        (None, Some(number)) => state
            .store
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
    let now = account.clock().now();
    let at = match inbound.time.as_deref() {
        None => now,
        Some(text) => {
            let at = parse_iso(text).ok_or_else(|| {
                ControlError::bad_request(format!("{text:?} is not an ISO-8601 time"))
            })?;
            if at > now {
                return Err(ControlError::bad_request(
                    "an incoming SMS cannot arrive in the future",
                ));
            }
            at
        }
    };

    let segmentation = segment(&inbound.body);
    let event = StatusEvent { code: status::DELIVERED_TO_HANDSET, at };
    let batch = Batch {
        id: ObjectId::new(at),
        first_message_id: ObjectId::new(at),
        created: at,
        sender: sender.clone(),
        body: inbound.body.clone(),
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
            recipient: recipient.as_str().into(),
            body: Arc::from(inbound.body.as_str()),
            segments: segmentation.segments.min(u32::from(u16::MAX)) as u16,
            datacoding: segmentation.datacoding,
            price: Money::ZERO,
            statuses: vec![event],
            fate: Fate::of(Outcome::Delivered),
        }],
    };
    let stop = inbound.body.trim().eq_ignore_ascii_case("STOP");
    let dispatcher = &state.dispatcher;
    let message = account.write(|data| {
        let position = data.messaging.insert(batch);
        let batch = data.messaging.batch_at(position).expect("the batch just stored");
        let owner = Owner { id: &data.profile.id, currency: data.profile.currency };
        let document =
            serde_json::to_value(MessageDocument::new(batch, 0, owner, true)).unwrap_or_default();
        let job = data.profile.incoming_callback_url.as_deref().map(|url| CallbackJob {
            id: dispatcher.next_job_id(),
            kind: CallbackKind::IncomingSms,
            url: Arc::from(url),
            payload: Arc::from(document.to_string()),
            batch_id: batch.id,
            message_id: batch.message_id(0),
            code: status::DELIVERED_TO_HANDSET,
            reference: None,
            attempts: 0,
        });
        if let Some(job) = job {
            enqueue_callback(data, job, at);
        }
        if stop {
            data.blacklist.add(&sender, at);
        }
        document
    });
    let runner = account.runner();
    let pass = {
        let _running = runner.lock().await;
        let until = account.clock().now();
        run_until(&state, &account, until, 1000).await
    };
    let body = json!({ "message": message, "blacklisted": stop, "pass": pass });
    Ok(json(StatusCode::CREATED, &body))
}
