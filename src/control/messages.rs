//! Every message of both gateways (`/_mock/messages`), one message with
//! its history (`/_mock/messages/{id}`), and the latest message to a phone
//! (for one-time codes); the lookups may wait for a first match.

use std::time::Duration;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::error::{ControlError, ControlPath, ControlQuery};
use crate::domain::account::Gateway;
use crate::domain::id::ObjectId;
use crate::domain::message::{Batch, Direction};
use crate::domain::time::serialize_iso;
use crate::http::json;
use crate::openapi::CONTROL_TAG;
use crate::state::AppState;
use crate::store::participant_key;

/// Messages listed unless `limit` says otherwise.
const DEFAULT_LIMIT: usize = 100;

/// A message of either gateway, as the control API shows it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MessageView {
    account: String,
    gateway: Gateway,
    direction: Direction,
    batch_id: ObjectId,
    message_id: ObjectId,
    #[serde(skip_serializing_if = "Option::is_none")]
    bsms_id: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    client_id: Option<i64>,
    sender: String,
    recipient: String,
    text: String,
    /// The latest status code.
    status: u16,
    #[serde(serialize_with = "serialize_iso")]
    created: DateTime<Utc>,
}

#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct MessageFilter {
    account: Option<String>,
    recipient: Option<String>,
    sender: Option<String>,
    /// Matches when the text contains this.
    text: Option<String>,
    #[schema(maximum = 65535)]
    status: Option<u16>,
}

impl MessageFilter {
    pub fn score(&self, message: &MessageView) -> (usize, usize) {
        let checks = [
            self.account.as_ref().map(|a| *a == message.account),
            self.recipient.as_ref().map(|r| participant_key(r) == message.recipient),
            self.sender.as_ref().map(|s| participant_key(s) == message.sender),
            self.text.as_ref().map(|t| message.text.contains(t.as_str())),
            self.status.map(|s| s == message.status),
        ];
        (checks.iter().flatten().filter(|ok| **ok).count(), checks.iter().flatten().count())
    }

    pub fn matches(&self, message: &MessageView) -> bool {
        let (met, given) = self.score(message);
        met == given
    }
}

fn views<'a>(
    account: &str,
    gateway: Gateway,
    batches: impl Iterator<Item = &'a Batch>,
) -> Vec<MessageView> {
    let mut out = Vec::new();
    for batch in batches {
        for (index, message) in batch.messages.iter().enumerate() {
            out.push(MessageView {
                account: account.to_owned(),
                gateway,
                direction: batch.direction,
                batch_id: batch.id,
                message_id: batch.message_id(index),
                bsms_id: (message.bsms_id != 0).then_some(message.bsms_id),
                client_id: message.client_id,
                sender: batch.sender.clone(),
                recipient: message.recipient.to_string(),
                text: message.body.to_string(),
                status: message.latest().code,
                created: message.statuses[0].at,
            });
        }
    }
    out
}

/// Every message of every account (or one), newest first.
pub fn all_messages(state: &AppState, filter: &MessageFilter) -> Vec<MessageView> {
    let mut all = Vec::new();
    for account in state.engine.store().list() {
        if filter.account.as_ref().is_some_and(|a| a != account.id()) {
            continue;
        }
        let gateway = account.gateway();
        let found = account.read_messaging(|m| views(account.id(), gateway, m.batches()));
        all.extend(found);
    }
    all.sort_by(|a, b| b.created.cmp(&a.created).then(b.message_id.cmp(&a.message_id)));
    all
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MessageQuery {
    account: Option<String>,
    recipient: Option<String>,
    sender: Option<String>,
    text: Option<String>,
    #[param(maximum = 65535)]
    status: Option<u16>,
    limit: Option<usize>,
    /// Answer as soon as a message matches, waiting at most this long:
    /// `10s`, `500ms`, `1m`, or seconds (`10`); at most 60 s.
    #[param(
        pattern = r"^\s*(0*([0-9]|[1-5][0-9]|60)s?|0*([0-9]{1,4}|[1-5][0-9]{4}|60000)ms|0*[01]m)\s*$"
    )]
    wait: Option<String>,
}

/// The most a lookup waits.
const MAX_WAIT: Duration = Duration::from_secs(60);

/// Reads a `wait`: `10s`, `500ms`, `1m`, or whole seconds; at most 60 s.
fn parse_wait(raw: Option<&str>) -> Result<Option<Duration>, ControlError> {
    let Some(raw) = raw.map(str::trim) else { return Ok(None) };
    let (digits, unit) = match raw.find(|c: char| !c.is_ascii_digit()) {
        Some(at) => raw.split_at(at),
        None => (raw, "s"),
    };
    let amount: u64 = digits.parse().map_err(|_| invalid_wait(raw))?;
    let wait = match unit {
        "ms" => Duration::from_millis(amount),
        "s" => Duration::from_secs(amount),
        "m" => Duration::from_secs(amount.saturating_mul(60)),
        _ => return Err(invalid_wait(raw)),
    };
    if wait > MAX_WAIT {
        return Err(ControlError::bad_request(format!("wait {raw:?} is over 60 s")));
    }
    Ok(Some(wait))
}

fn invalid_wait(raw: &str) -> ControlError {
    ControlError::bad_request(format!("wait {raw:?} is not a duration such as 10s or 500ms"))
}

/// Runs `find` until it finds something or `wait` is over. It runs again
/// only when messages were stored or changed status, so waiters do not
/// poll.
async fn wait_for<T>(
    state: &AppState,
    wait: Option<Duration>,
    mut find: impl FnMut() -> Option<T>,
) -> Option<T> {
    // Subscribed before the first look, so no update falls in between.
    let mut updates = state.engine.message_updates();
    if let Some(found) = find() {
        return Some(found);
    }
    let deadline = tokio::time::Instant::now() + wait?;
    loop {
        match tokio::time::timeout_at(deadline, updates.changed()).await {
            Ok(Ok(())) => {
                if let Some(found) = find() {
                    return Some(found);
                }
            }
            Ok(Err(_)) | Err(_) => return None,
        }
    }
}

/// `GET /_mock/messages`: messages of both gateways and every account,
/// newest first; filters `account`, `recipient`, `sender`, `text`
/// (contains), `status`, and `limit` (default 100). With `wait`, an empty
/// answer waits for a first match.
#[utoipa::path(get, path = "/_mock/messages", tag = CONTROL_TAG, params(MessageQuery),
    responses((status = OK, description = "Messages, newest first (none when `wait` is over without a match).", body = Vec<MessageView>)))]
pub async fn messages(
    State(state): State<AppState>,
    ControlQuery(query): ControlQuery<MessageQuery>,
) -> Result<Response, ControlError> {
    let wait = parse_wait(query.wait.as_deref())?;
    let filter = MessageFilter {
        account: query.account,
        recipient: query.recipient,
        sender: query.sender,
        text: query.text,
        status: query.status,
    };
    let limit = query.limit.unwrap_or(DEFAULT_LIMIT);
    let found = wait_for(&state, wait, || {
        let found: Vec<MessageView> = all_messages(&state, &filter)
            .into_iter()
            .filter(|m| filter.matches(m))
            .take(limit)
            .collect();
        (!found.is_empty()).then_some(found)
    })
    .await;
    Ok(json(StatusCode::OK, &found.unwrap_or_default()))
}

/// `?wait=` of the phone lookup.
#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct WaitQuery {
    /// Answer as soon as a message is sent to the phone, waiting at most
    /// this long: `10s`, `500ms`, `1m`, or seconds (`10`); at most 60 s.
    #[param(
        pattern = r"^\s*(0*([0-9]|[1-5][0-9]|60)s?|0*([0-9]{1,4}|[1-5][0-9]{4}|60000)ms|0*[01]m)\s*$"
    )]
    wait: Option<String>,
}

/// `GET /_mock/phones/{msisdn}/messages/latest[?wait=10s]`: the newest
/// message sent to a phone by any account, e.g. to read a one-time code;
/// 404 if none (with `wait`, once it is over).
#[utoipa::path(get, path = "/_mock/phones/{msisdn}/messages/latest", tag = CONTROL_TAG,
    params(("msisdn" = String, Path, description = "The phone's number."), WaitQuery),
    responses((status = OK, description = "The newest message sent to the phone.", body = MessageView)))]
pub async fn latest_to_phone(
    State(state): State<AppState>,
    ControlPath(msisdn): ControlPath<String>,
    ControlQuery(query): ControlQuery<WaitQuery>,
) -> Result<Response, ControlError> {
    let wait = parse_wait(query.wait.as_deref())?;
    let filter = MessageFilter { recipient: Some(msisdn.clone()), ..MessageFilter::default() };
    let latest = wait_for(&state, wait, || {
        all_messages(&state, &filter)
            .into_iter()
            .find(|m| m.direction == Direction::Mt && filter.matches(m))
    })
    .await
    .ok_or_else(|| {
        ControlError::new(StatusCode::NOT_FOUND, format!("no message was sent to {msisdn}"))
    })?;
    Ok(json(StatusCode::OK, &latest))
}
