//! Every message of both gateways (`/_mock/messages`), one message with
//! its history (`/_mock/messages/{id}`), and the latest message to a phone
//! (for one-time codes); the lookups may wait for a first match.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::State;
use axum::http::{HeaderValue, StatusCode};
use axum::response::Response;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::error::{ControlError, ControlPath, ControlQuery};
use crate::domain::account::Gateway;
use crate::domain::encoding::Datacoding;
use crate::domain::id::ObjectId;
use crate::domain::message::{Batch, Direction, Message};
use crate::domain::money::{Currency, Money};
use crate::domain::status;
use crate::domain::time::serialize_iso;
use crate::http::json;
use crate::openapi::CONTROL_TAG;
use crate::state::AppState;
use crate::store::{AnyAccount, ShardData, participant_key};
use crate::webhooks::journal::CallbackKind;

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

impl MessageView {
    fn new(account: &str, gateway: Gateway, batch: &Batch, index: usize) -> MessageView {
        let message = &batch.messages[index];
        MessageView {
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
        }
    }

    fn candidate(&self) -> Candidate<'_> {
        Candidate {
            account: &self.account,
            gateway: self.gateway,
            sender: &self.sender,
            recipient: &self.recipient,
            text: &self.text,
            status: self.status,
        }
    }
}

/// What a filter looks at in a message, borrowed: a listing checks every
/// stored message and copies only the page it answers.
pub struct Candidate<'a> {
    account: &'a str,
    gateway: Gateway,
    sender: &'a str,
    recipient: &'a str,
    text: &'a str,
    status: u16,
}

impl<'a> Candidate<'a> {
    fn of(account: &'a str, gateway: Gateway, batch: &'a Batch, message: &'a Message) -> Self {
        Candidate {
            account,
            gateway,
            sender: &batch.sender,
            recipient: &message.recipient,
            text: &message.body,
            status: message.latest().code,
        }
    }
}

#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct MessageFilter {
    account: Option<String>,
    /// `ip1` or `viamobile`.
    gateway: Option<Gateway>,
    recipient: Option<String>,
    sender: Option<String>,
    /// The recipient or the sender: a phone's messages both ways.
    phone: Option<String>,
    /// Matches when the text contains this.
    text: Option<String>,
    #[schema(maximum = 65535)]
    status: Option<u16>,
}

impl MessageFilter {
    /// How many of the given criteria a message meets, of how many given.
    fn score_candidate(&self, message: &Candidate) -> (usize, usize) {
        let checks = [
            self.account.as_ref().map(|a| a == message.account),
            self.gateway.map(|g| g == message.gateway),
            self.recipient.as_ref().map(|r| participant_key(r) == message.recipient),
            self.sender.as_ref().map(|s| participant_key(s) == message.sender),
            self.phone.as_ref().map(|p| {
                let phone = participant_key(p);
                phone == message.recipient || phone == message.sender
            }),
            self.text.as_ref().map(|t| message.text.contains(t.as_str())),
            self.status.map(|s| s == message.status),
        ];
        (checks.iter().flatten().filter(|ok| **ok).count(), checks.iter().flatten().count())
    }

    pub fn score(&self, message: &MessageView) -> (usize, usize) {
        self.score_candidate(&message.candidate())
    }

    fn matches_candidate(&self, message: &Candidate) -> bool {
        let (met, given) = self.score_candidate(message);
        met == given
    }

    pub fn matches(&self, message: &MessageView) -> bool {
        self.matches_candidate(&message.candidate())
    }
}

/// A matching message, located: what sorting and paging need.
struct Located {
    created: DateTime<Utc>,
    message_id: ObjectId,
    account: usize,
    batch: usize,
    index: usize,
}

/// One page of a listing.
pub struct Found {
    /// How many messages match in all.
    pub total: usize,
    /// Newest first, `limit` of them after `offset`.
    pub messages: Vec<MessageView>,
}

/// The messages of every account that match, newest first: `limit` of
/// them after `offset` (only those are copied), and how many match in all.
/// `sent_only` leaves out incoming messages.
pub fn find_messages(
    state: &AppState,
    filter: &MessageFilter,
    sent_only: bool,
    offset: usize,
    limit: usize,
) -> Found {
    let accounts: Vec<AnyAccount> = state
        .engine
        .store()
        .list()
        .into_iter()
        .filter(|a| filter.account.as_ref().is_none_or(|name| name == a.id()))
        .filter(|a| filter.gateway.is_none_or(|g| g == a.gateway()))
        .collect();
    let mut located = Vec::new();
    for (at, account) in accounts.iter().enumerate() {
        let (id, gateway) = (account.id(), account.gateway());
        account.read_messaging(|messaging| {
            for (position, batch) in messaging.all_batches().enumerate() {
                if batch.deleted || (sent_only && batch.direction != Direction::Mt) {
                    continue;
                }
                for (index, message) in batch.messages.iter().enumerate() {
                    if filter.matches_candidate(&Candidate::of(id, gateway, batch, message)) {
                        located.push(Located {
                            created: message.statuses[0].at,
                            message_id: batch.message_id(index),
                            account: at,
                            batch: position,
                            index,
                        });
                    }
                }
            }
        });
    }
    let total = located.len();
    let newest_first =
        |a: &Located, b: &Located| b.created.cmp(&a.created).then(b.message_id.cmp(&a.message_id));
    let end = offset.saturating_add(limit).min(total);
    if offset >= end {
        return Found { total, messages: Vec::new() };
    }
    if end < total {
        located.select_nth_unstable_by(end, newest_first);
        located.truncate(end);
    }
    located.sort_unstable_by(newest_first);
    let messages = located[offset..]
        .iter()
        .filter_map(|at| {
            let account = &accounts[at.account];
            account.read_messaging(|messaging| {
                // The same message, unless the account was reset since.
                let batch = messaging.batch_at(at.batch)?;
                (batch.message_id(at.index) == at.message_id && at.index < batch.messages.len())
                    .then(|| MessageView::new(account.id(), account.gateway(), batch, at.index))
            })
        })
        .collect();
    Found { total, messages }
}

/// Every message of every account, newest first.
pub fn all_messages(state: &AppState) -> Vec<MessageView> {
    find_messages(state, &MessageFilter::default(), false, 0, usize::MAX).messages
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MessageQuery {
    account: Option<String>,
    /// `ip1` or `viamobile`.
    gateway: Option<Gateway>,
    recipient: Option<String>,
    sender: Option<String>,
    /// The recipient or the sender: a phone's messages both ways.
    phone: Option<String>,
    text: Option<String>,
    #[param(maximum = 65535)]
    status: Option<u16>,
    /// At most this many (default 100).
    #[param(value_type = Option<u64>, maximum = 4294967295_u64)]
    limit: Option<u32>,
    /// Skip this many of the newest first (default 0): the next page.
    #[param(value_type = Option<u64>, maximum = 4294967295_u64)]
    offset: Option<u32>,
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
/// newest first; filters `account`, `gateway`, `recipient`, `sender`,
/// `phone` (either), `text` (contains), `status`; pages by `limit` (default 100) and
/// `offset`, with the number of matches in all in `X-Total-Count`. With
/// `wait`, an empty answer waits for a first match.
#[utoipa::path(get, path = "/_mock/messages", tag = CONTROL_TAG, params(MessageQuery),
    responses((status = OK, description = "Messages, newest first (none when `wait` is over without a match).",
        body = Vec<MessageView>,
        headers(("X-Total-Count" = usize, description = "How many messages match, over all pages.")))))]
pub async fn messages(
    State(state): State<AppState>,
    ControlQuery(query): ControlQuery<MessageQuery>,
) -> Result<Response, ControlError> {
    let wait = parse_wait(query.wait.as_deref())?;
    let filter = MessageFilter {
        account: query.account.map(|name| state.engine.store().account_id(&name)),
        gateway: query.gateway,
        recipient: query.recipient,
        sender: query.sender,
        phone: query.phone,
        text: query.text,
        status: query.status,
    };
    let limit = query.limit.map_or(DEFAULT_LIMIT, |limit| limit as usize);
    let offset = query.offset.map_or(0, |offset| offset as usize);
    let page = || find_messages(&state, &filter, false, offset, limit);
    // Without a wait, one look; with one, a last look once it is over
    // (the page may be empty while others match: its total still counts).
    let found = match wait {
        None => page(),
        Some(_) => wait_for(&state, wait, || Some(page()).filter(|f| !f.messages.is_empty()))
            .await
            .unwrap_or_else(page),
    };
    let mut response = json(StatusCode::OK, &found.messages);
    response.headers_mut().insert(TOTAL_COUNT, HeaderValue::from(found.total));
    Ok(response)
}

/// The header of a listing that says how many entries match in all.
const TOTAL_COUNT: &str = "x-total-count";

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
        find_messages(&state, &filter, true, 0, 1).messages.into_iter().next()
    })
    .await
    .ok_or_else(|| {
        ControlError::new(StatusCode::NOT_FOUND, format!("no message was sent to {msisdn}"))
    })?;
    Ok(json(StatusCode::OK, &latest))
}

/// One entry of a message's status history.
#[derive(Serialize, utoipa::ToSchema)]
pub struct StatusEntry {
    code: u16,
    /// iP.1's name for the code.
    name: &'static str,
    #[serde(serialize_with = "serialize_iso")]
    at: DateTime<Utc>,
}

/// A callback of the message that waits for its next attempt.
#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PendingCallback {
    job_id: u64,
    kind: CallbackKind,
    #[schema(value_type = String)]
    url: Arc<str>,
    /// The status it reports.
    code: u16,
    /// Attempts made so far.
    attempts: u32,
    /// When the next attempt is due, in the account's virtual time.
    #[serde(serialize_with = "serialize_iso")]
    due: DateTime<Utc>,
    /// Its attempt is under way now.
    in_flight: bool,
}

/// One message with everything known about it.
#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MessageDetail {
    #[serde(flatten)]
    message: MessageView,
    encoding: Datacoding,
    segments: u16,
    /// What was charged (0 when nothing was).
    #[schema(value_type = f64)]
    price: Money,
    /// The currency of `price`, for an iP.1 account.
    #[serde(skip_serializing_if = "Option::is_none")]
    currency: Option<Currency>,
    #[serde(skip_serializing_if = "Option::is_none")]
    delivery_report_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    reference: Option<String>,
    /// Oldest first.
    statuses: Vec<StatusEntry>,
    /// Callbacks waiting for their next attempt, soonest first; the
    /// attempts made are at `GET /_mock/callbacks?message=`.
    pending_callbacks: Vec<PendingCallback>,
    /// The account's virtual now.
    #[serde(serialize_with = "serialize_iso")]
    now: DateTime<Utc>,
}

/// The detail of the message `id` in one account's data, if it is there.
fn detail<P>(
    account: &AnyAccount,
    data: &ShardData<P>,
    id: ObjectId,
    currency: Option<Currency>,
) -> Option<MessageDetail> {
    let (batch, index) = data.messaging.batches().find_map(|b| Some((b, b.message_index(id)?)))?;
    let message = &batch.messages[index];
    let in_flight = data.in_flight.get(&id).into_iter().flatten().map(|f| (f.due, f.job, true));
    let scheduled = data.schedule.callbacks().into_iter().map(|(due, job)| (due, job, false));
    let mut pending_callbacks: Vec<PendingCallback> = in_flight
        .chain(scheduled)
        .filter_map(|(due, job, in_flight)| {
            let job = data.callbacks.get(&job).filter(|j| j.message_id == id)?;
            Some(PendingCallback {
                job_id: job.id,
                kind: job.kind,
                url: job.url.clone(),
                code: job.code,
                attempts: job.attempts,
                due,
                in_flight,
            })
        })
        .collect();
    pending_callbacks.sort_by_key(|p| (p.due, p.job_id));
    Some(MessageDetail {
        message: MessageView::new(account.id(), account.gateway(), batch, index),
        encoding: message.datacoding,
        segments: message.segments,
        price: message.price,
        currency,
        delivery_report_url: batch.delivery_report_url.clone(),
        reference: batch.reference.clone(),
        statuses: message
            .statuses
            .iter()
            .map(|s| StatusEntry { code: s.code, name: status::name(s.code), at: s.at })
            .collect(),
        pending_callbacks,
        now: account.clock().now(),
    })
}

/// `GET /_mock/messages/{id}`: one message of either gateway with its
/// encoding, parts, price, whole status history and the callbacks that
/// wait for their next attempt; 404 if there is none.
#[utoipa::path(get, path = "/_mock/messages/{id}", tag = CONTROL_TAG,
    params(("id" = String, Path, description = "The message id (`messageId`).")),
    responses((status = OK, description = "The message with its history.", body = MessageDetail)))]
pub async fn message(
    State(state): State<AppState>,
    ControlPath(id): ControlPath<String>,
) -> Result<Response, ControlError> {
    let not_found = || ControlError::new(StatusCode::NOT_FOUND, format!("no message {id:?}"));
    let message_id = ObjectId::parse(&id).ok_or_else(not_found)?;
    let found = state.engine.store().list().into_iter().find_map(|account| match &account {
        AnyAccount::Ip1(shard) => {
            shard.read(|data| detail(&account, data, message_id, Some(data.profile.currency)))
        }
        AnyAccount::Viamobile(shard) => shard.read(|data| detail(&account, data, message_id, None)),
    });
    Ok(json(StatusCode::OK, &found.ok_or_else(not_found)?))
}
