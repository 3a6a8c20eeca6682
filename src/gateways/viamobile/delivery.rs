//! Delivery reports: the pull endpoints `POST /json/delivery`
//! and `GET /get/delivery`, and the delivery record they share with the
//! push (`callbacks.rs`).

use axum::extract::{RawQuery, State};
use axum::http::Extensions;
use axum::response::Response;
use chrono::{DateTime, Utc};
use chrono_tz::Europe::Bratislava;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

use super::answer::Answer;
use super::auth::GetCaller;
use super::body::{ListOrById, ViaBody, read_authenticated, with_credentials};
use super::error::ViaError;
use super::whole_number;
use crate::domain::account::ViamobileProfile;
use crate::domain::message::{Batch, StatusEvent};
use crate::domain::network::operator_code;
use crate::domain::status;
use crate::http::query_value;
use crate::openapi::{IntegerOrString, VIAMOBILE_TAG};
use crate::state::AppState;
use crate::store::ShardData;

/// The delivery state of a message not yet in a final state.
pub const WAITING: &str = "waiting";

/// Viamobile's delivery state of a status code.
pub fn delivery_state(code: u16) -> &'static str {
    match code {
        status::DELIVERED_TO_HANDSET => "delivered",
        status::EXPIRED => "expired",
        code if status::is_final(code) => "undeliverable",
        _ => WAITING,
    }
}

/// `YYYY-MM-DD HH:mm:ss` in Bratislava time, as Viamobile writes times.
pub fn local_time(at: DateTime<Utc>) -> String {
    at.with_timezone(&Bratislava).format("%Y-%m-%d %H:%M:%S").to_string()
}

/// The delivery record of a message as of one of its statuses.
pub(super) fn record(
    profile: &ViamobileProfile,
    batch: &Batch,
    index: usize,
    event: StatusEvent,
    with_bsms_id: bool,
) -> DeliveryRecord {
    let message = &batch.messages[index];
    DeliveryRecord {
        id: message.client_id,
        received: local_time(event.at),
        status: delivery_state(event.code),
        operator: operator_code(&message.recipient),
        price: profile.prices_enabled.then(|| message.price.units()),
        parts: message.segments,
        bsms_id: with_bsms_id.then_some(message.bsms_id),
    }
}

/// A message's delivery record, as pulled and (without `bsmsId`) pushed.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DeliveryRecord {
    /// The client's id of the message.
    pub id: Option<i64>,
    /// When the state was reached: `YYYY-MM-DD HH:mm:ss`, Bratislava time.
    pub received: String,
    /// `waiting`, `delivered`, `undeliverable` or `expired`.
    pub status: &'static str,
    /// The operator's MCC+MNC.
    pub operator: u32,
    /// In EUR, for accounts that see prices.
    pub price: Option<f64>,
    pub parts: u16,
    /// Pulled records only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bsms_id: Option<u64>,
}

/// The answer of the pull endpoints.
#[derive(Serialize, ToSchema)]
pub struct Deliveries {
    delivery: Vec<DeliveryRecord>,
}

/// The body of `POST /json/delivery`.
#[derive(Deserialize, ToSchema)]
pub struct DeliveryRequest {
    #[schema(value_type = String)]
    username: Option<Value>,
    #[schema(value_type = String)]
    password: Option<Value>,
    #[schema(value_type = super::schemas::DeliveryKeys)]
    deliveries: Option<DeliveryKeys>,
}

with_credentials!(DeliveryRequest);

/// The messages to look up, as an array or an object keyed by id.
pub type DeliveryKeys = ListOrById<DeliveryKey>;

/// A message to look up: by the client's `id` (every message with it) or
/// by `bsmsId`; numbers or strings of digits.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DeliveryKey {
    #[schema(value_type = Option<IntegerOrString>)]
    id: Option<Value>,
    #[schema(value_type = Option<IntegerOrString>)]
    bsms_id: Option<Value>,
}

/// The current delivery record of a message.
fn current(data: &ShardData<ViamobileProfile>, batch: &Batch, index: usize) -> DeliveryRecord {
    record(&data.profile, batch, index, batch.messages[index].latest(), true)
}

/// A delivery key: `{"id": ...}` or `{"bsmsId": ...}`, numbers or strings.
pub(super) enum Key {
    Client(i64),
    Bsms(u64),
}

pub(super) fn records(data: &ShardData<ViamobileProfile>, keys: &[Key]) -> Vec<DeliveryRecord> {
    let mut found = Vec::new();
    for key in keys {
        match key {
            Key::Client(id) => {
                for (batch, index) in data.messaging.by_client_id(*id) {
                    found.push(current(data, batch, index));
                }
            }
            Key::Bsms(id) => {
                if let Some((batch, index)) = data.messaging.by_bsms_id(*id) {
                    found.push(current(data, batch, index));
                }
            }
        }
    }
    found
}

fn answer(delivery: Vec<DeliveryRecord>) -> Response {
    Answer::new(Deliveries { delivery }).into_response()
}

/// `POST /json/delivery`: `deliveries` (an array, or an object keyed by
/// id) of `{"id": ...}` and/or `{"bsmsId": ...}`. Unknown ids are left
/// out; a client id used more than once returns every match, newest first.
#[utoipa::path(post, path = "/json/delivery", tag = VIAMOBILE_TAG, request_body = DeliveryRequest,
    responses((status = OK, description = "The current records of the known ids.", body = Answer<Deliveries>)))]
pub async fn pull(
    State(state): State<AppState>,
    extensions: Extensions,
    ViaBody(body): ViaBody,
) -> Result<Response, ViaError> {
    let (account, request) = read_authenticated::<DeliveryRequest>(&state, &extensions, &body)?;
    let Some(ListOrById(items)) = request.deliveries else {
        return Err(ViaError::bad_request());
    };
    let mut keys = Vec::with_capacity(items.len());
    for item in items {
        match (item.bsms_id, item.id) {
            (Some(bsms), _) => keys.push(Key::Bsms(
                whole_number(&bsms)
                    .and_then(|n| u64::try_from(n).ok())
                    .ok_or(ViaError::id_not_integer())?,
            )),
            (None, Some(id)) => {
                keys.push(Key::Client(whole_number(&id).ok_or(ViaError::id_not_integer())?))
            }
            (None, None) => return Err(ViaError::bad_request()),
        }
    }
    Ok(answer(account.read(|data| records(data, &keys))))
}

/// `GET /get/delivery?id=` with HTTP Basic or `jwt`.
#[utoipa::path(get, path = "/get/delivery", tag = VIAMOBILE_TAG, security(("viamobileBasic" = []), ()),
    params(("id" = i64, Query, description = "A client message id."), ("jwt" = Option<String>, Query, description = "A token from /token/create, instead of HTTP Basic.")),
    responses((status = OK, description = "The current records of the id's messages.", body = Answer<Deliveries>)))]
pub async fn get(
    GetCaller(account): GetCaller,
    RawQuery(query): RawQuery,
) -> Result<Response, ViaError> {
    let id = query_value(query.as_deref(), "id").ok_or(ViaError::bad_request())?;
    let id: i64 = id.trim().parse().map_err(|_| ViaError::id_not_integer())?;
    Ok(answer(account.read(|data| records(data, &[Key::Client(id)]))))
}
