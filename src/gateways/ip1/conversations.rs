//! Conversations: the messages to and from one participant (an MSISDN
//! or an alphanumeric sender), and their summary. An unknown participant
//! has an empty conversation, not a 404.

use std::collections::BTreeMap;

use axum::extract::RawQuery;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde::Serialize;

use super::auth::Ip1Caller;
use super::documents::{MessageDocument, Owner};
use super::error::Ip1Error;
use super::json::Ip1Path;
use super::pagination::{Listing, Page};
use crate::domain::message::{Counts, Direction, Message, summarize};
use crate::http::json;
use crate::openapi::IP1_TAG;
use crate::store::participant_key;

async fn list(
    caller: Ip1Caller,
    headers: HeaderMap,
    participant: String,
    query: Option<String>,
    direction: Option<Direction>,
) -> Result<Response, Ip1Error> {
    let listing = Listing::from_query(query.as_deref())?;
    let suffix = match direction {
        None => "",
        Some(Direction::Mt) => "/mt",
        Some(Direction::Mo) => "/mo",
    };
    let path = format!("/v2/conversations/{}{suffix}", participant_key(&participant));
    Ok(caller.account.read(|data| {
        let messages: Vec<_> = data
            .messaging
            .conversation(&participant)
            .into_iter()
            .filter(|(batch, _, _)| direction.is_none_or(|d| batch.direction == d))
            .collect();
        let owner = Owner { id: &data.profile.id, currency: data.profile.currency };
        let page: Vec<MessageDocument> = listing
            .page(messages.len())
            .into_iter()
            .map(|i| MessageDocument::new(messages[i].0, messages[i].1, owner, false))
            .collect();
        listing.respond(&headers, &path, messages.len(), &page)
    }))
}

/// `GET /v2/conversations/{participant}`: both directions.
#[utoipa::path(get, path = "/v2/conversations/{participant}", tag = IP1_TAG, params(("participant" = String, Path, description = "An MSISDN or an alphanumeric sender."), Page),
    responses((status = OK, description = "Messages to and from the participant.", body = Vec<MessageDocument>)))]
pub async fn all(
    caller: Ip1Caller,
    headers: HeaderMap,
    Ip1Path(participant): Ip1Path<String>,
    RawQuery(query): RawQuery,
) -> Result<Response, Ip1Error> {
    list(caller, headers, participant, query, None).await
}

/// `GET /v2/conversations/{participant}/mt`: messages sent to them.
#[utoipa::path(get, path = "/v2/conversations/{participant}/mt", tag = IP1_TAG, params(("participant" = String, Path, description = "An MSISDN or an alphanumeric sender."), Page),
    responses((status = OK, description = "Messages sent to the participant.", body = Vec<MessageDocument>)))]
pub async fn mobile_terminated(
    caller: Ip1Caller,
    headers: HeaderMap,
    Ip1Path(participant): Ip1Path<String>,
    RawQuery(query): RawQuery,
) -> Result<Response, Ip1Error> {
    list(caller, headers, participant, query, Some(Direction::Mt)).await
}

/// `GET /v2/conversations/{participant}/mo`: messages received from them.
#[utoipa::path(get, path = "/v2/conversations/{participant}/mo", tag = IP1_TAG, params(("participant" = String, Path, description = "An MSISDN or an alphanumeric sender."), Page),
    responses((status = OK, description = "Messages received from the participant.", body = Vec<MessageDocument>)))]
pub async fn mobile_originated(
    caller: Ip1Caller,
    headers: HeaderMap,
    Ip1Path(participant): Ip1Path<String>,
    RawQuery(query): RawQuery,
) -> Result<Response, Ip1Error> {
    list(caller, headers, participant, query, Some(Direction::Mo)).await
}

#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
struct Summary {
    participant: String,
    total_message_count: u64,
    total_sms_count: u64,
    /// Counts by latest status code.
    #[schema(value_type = BTreeMap<String, Counts>)]
    mobile_terminated_messages: BTreeMap<u16, Counts>,
    /// Counts by latest status code.
    #[schema(value_type = BTreeMap<String, Counts>)]
    mobile_originated_messages: BTreeMap<u16, Counts>,
}

/// `GET /v2/conversations/{participant}/summary`: counts by latest status.
#[utoipa::path(get, path = "/v2/conversations/{participant}/summary", tag = IP1_TAG, params(("participant" = String, Path, description = "An MSISDN or an alphanumeric sender.")),
    responses((status = OK, description = "Counts by latest status.", body = Summary)))]
pub async fn summary(caller: Ip1Caller, Ip1Path(participant): Ip1Path<String>) -> Response {
    let summary = caller.account.read(|data| {
        let conversation = data.messaging.conversation(&participant);
        let of = |direction: Direction| -> Vec<&Message> {
            conversation
                .iter()
                .filter(|(b, _, _)| b.direction == direction)
                .map(|(_, _, m)| *m)
                .collect()
        };
        let total_sms_count = conversation.iter().map(|(_, _, m)| u64::from(m.segments)).sum();
        Summary {
            participant: participant_key(&participant).to_owned(),
            total_message_count: conversation.len() as u64,
            total_sms_count,
            mobile_terminated_messages: summarize(of(Direction::Mt)),
            mobile_originated_messages: summarize(of(Direction::Mo)),
        }
    });
    json(StatusCode::OK, &summary)
}
