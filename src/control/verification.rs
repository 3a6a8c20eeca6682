//! Looking at what happened: the request journal (`/_mock/requests`),
//! every message of both gateways (`/_mock/messages`), the latest message
//! to a phone (for one-time codes), and `/_mock/verify`, which says
//! whether a described request or message happened N times and, when it
//! did not, shows the nearest misses.

use std::ops::ControlFlow;

use std::time::Duration;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use utoipa::openapi::schema::{AdditionalProperties, ObjectBuilder, OneOfBuilder, Schema, Type};
use utoipa::openapi::{Ref, RefOr};
use utoipa::{PartialSchema, ToSchema};

use super::error::{ControlError, ControlJson, ControlPath, ControlQuery};
use crate::domain::account::Gateway;
use crate::domain::id::ObjectId;
use crate::domain::message::{Batch, Direction};
use crate::domain::time::serialize_iso;
use crate::http::json;
use crate::openapi::CONTROL_TAG;
use crate::requests::{RequestFilter, RequestRecord};
use crate::state::AppState;
use crate::store::participant_key;

/// Entries listed unless `limit` says otherwise.
const DEFAULT_LIMIT: usize = 100;
/// Near misses shown by a failed verification.
const NEAR_MISSES: usize = 5;

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(rename_all = "camelCase")]
pub struct RequestQuery {
    account: Option<String>,
    gateway: Option<String>,
    method: Option<String>,
    path: Option<String>,
    #[param(maximum = 65535)]
    status: Option<u16>,
    body_contains: Option<String>,
    limit: Option<usize>,
}

/// `GET /_mock/requests`: gateway calls, newest first; filters `account`,
/// `gateway`, `method`, `path` (`*` suffix for a prefix), `status`,
/// `bodyContains`, and `limit` (default 100).
#[utoipa::path(get, path = "/_mock/requests", tag = CONTROL_TAG, params(RequestQuery),
    responses((status = OK, description = "Journaled gateway calls, newest first.", body = Vec<RequestRecord>)))]
pub async fn requests(
    State(state): State<AppState>,
    ControlQuery(query): ControlQuery<RequestQuery>,
) -> Response {
    let filter = RequestFilter {
        account: query.account,
        gateway: query.gateway,
        method: query.method,
        path: query.path,
        status: query.status,
        body_contains: query.body_contains,
    };
    let limit = query.limit.unwrap_or(DEFAULT_LIMIT);
    let found = state.engine.requests.newest(limit, |record| filter.matches(record));
    json(StatusCode::OK, &found)
}

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
    fn score(&self, message: &MessageView) -> (usize, usize) {
        let checks = [
            self.account.as_ref().map(|a| *a == message.account),
            self.recipient.as_ref().map(|r| participant_key(r) == message.recipient),
            self.sender.as_ref().map(|s| participant_key(s) == message.sender),
            self.text.as_ref().map(|t| message.text.contains(t.as_str())),
            self.status.map(|s| s == message.status),
        ];
        (checks.iter().flatten().filter(|ok| **ok).count(), checks.iter().flatten().count())
    }

    fn matches(&self, message: &MessageView) -> bool {
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
fn all_messages(state: &AppState, filter: &MessageFilter) -> Vec<MessageView> {
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

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Verify {
    #[serde(default)]
    request: Option<RequestFilter>,
    #[serde(default)]
    message: Option<MessageFilter>,
    /// Exactly this many (default 1 when neither count is given).
    #[serde(default)]
    count: Option<usize>,
    /// At least this many.
    #[serde(default)]
    at_least: Option<usize>,
}

impl utoipa::PartialSchema for Verify {
    /// A `request` or a `message` filter (exactly one), and `count` or
    /// `atLeast` (at most one): every allowed pairing, as one of six.
    fn schema() -> RefOr<Schema> {
        let null = || ObjectBuilder::new().schema_type(Type::Null);
        let how_many = || ObjectBuilder::new().schema_type(Type::Integer).minimum(Some(0));
        let mut one_of = OneOfBuilder::new().description(Some(
            "A `request` filter (as `GET /_mock/requests`) or a `message` filter (as \
             `GET /_mock/messages`), exactly one; `count` (exactly; the default is 1) or \
             `atLeast`, at most one.",
        ));
        for (what, other) in [("request", "message"), ("message", "request")] {
            let filter = match what {
                "request" => Ref::from_schema_name(RequestFilter::name()),
                _ => Ref::from_schema_name(MessageFilter::name()),
            };
            for (count, at_least) in
                [(Some(how_many()), None), (None, Some(how_many())), (None, None)]
            {
                let mut choice = ObjectBuilder::new()
                    .property(what, filter.clone())
                    .required(what)
                    .property(other, null())
                    .additional_properties(Some(AdditionalProperties::FreeForm(false)));
                choice = match count {
                    Some(count) => choice.property("count", count).required("count"),
                    None => choice.property("count", null()),
                };
                choice = match at_least {
                    Some(at_least) => choice.property("atLeast", at_least).required("atLeast"),
                    None => choice.property("atLeast", null()),
                };
                one_of = one_of.item(choice);
            }
        }
        RefOr::T(Schema::OneOf(one_of.build()))
    }
}

impl utoipa::ToSchema for Verify {
    fn schemas(schemas: &mut Vec<(String, RefOr<Schema>)>) {
        schemas.push((RequestFilter::name().into_owned(), RequestFilter::schema()));
        schemas.push((MessageFilter::name().into_owned(), MessageFilter::schema()));
    }
}

/// `POST /_mock/verify`: `{"request": {...}, "count": 2}` or
/// `{"message": {...}, "atLeast": 1}`. Answers `matched`, the actual
/// `count`, and when it did not match, the `nearMisses`: the entries that
/// meet the most of the given criteria.
#[utoipa::path(post, path = "/_mock/verify", tag = CONTROL_TAG, request_body = Verify,
    responses((status = OK, description = "Whether it happened as often as expected.", body = Verdict)))]
pub async fn verify(
    State(state): State<AppState>,
    ControlJson(body): ControlJson<Verify>,
) -> Result<Response, ControlError> {
    let (count, misses): (usize, Vec<Value>) = match (&body.request, &body.message) {
        (Some(filter), None) => {
            // Counted in place; only the best near misses are copied.
            let mut count = 0;
            let mut near: Vec<(usize, RequestRecord)> = Vec::new();
            state.engine.requests.visit_newest(|record| {
                let (met, given) = filter.score(record);
                if met == given {
                    count += 1;
                } else if met > 0 && near.iter().filter(|n| n.0 >= met).count() < NEAR_MISSES {
                    let at = near.iter().position(|n| n.0 < met).unwrap_or(near.len());
                    near.insert(at, (met, record.clone()));
                    near.truncate(NEAR_MISSES);
                }
                ControlFlow::Continue(())
            });
            (count, near.into_iter().map(|(_, r)| json!(r)).collect())
        }
        (None, Some(filter)) => {
            let all = all_messages(&state, &MessageFilter::default());
            let count = all.iter().filter(|m| filter.matches(m)).count();
            let mut near: Vec<(usize, &MessageView)> = all
                .iter()
                .map(|m| (filter.score(m).0, m))
                .filter(|(met, m)| *met > 0 && !filter.matches(m))
                .collect();
            near.sort_by_key(|n| std::cmp::Reverse(n.0));
            (count, near.into_iter().take(NEAR_MISSES).map(|(_, m)| json!(m)).collect())
        }
        _ => return Err(ControlError::bad_request("give exactly one of `request` and `message`")),
    };
    let matched = match (body.count, body.at_least) {
        (Some(_), Some(_)) => {
            return Err(ControlError::bad_request("give `count` or `atLeast`, not both"));
        }
        (Some(expected), None) => count == expected,
        (None, Some(minimum)) => count >= minimum,
        (None, None) => count == 1,
    };
    let answer = Verdict {
        matched,
        count,
        expected: body.count.or(body.at_least).unwrap_or(1),
        near_misses: (!matched).then_some(misses),
    };
    Ok(json(StatusCode::OK, &answer))
}

/// The answer of `POST /_mock/verify`.
#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Verdict {
    matched: bool,
    /// How many matched.
    count: usize,
    /// The `count` or `atLeast` asked for.
    expected: usize,
    /// When it did not match: the requests or messages that meet the
    /// most of the given criteria, best first.
    #[serde(skip_serializing_if = "Option::is_none")]
    near_misses: Option<Vec<Value>>,
}
