//! Sending and reading batches and their messages.

use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::header::LOCATION;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::Response;

use super::auth::Ip1Caller;
use super::documents::{BatchDocument, MessageDocument, Owner};
use super::error::Ip1Error;
use super::json::{Ip1Object, Ip1Path};
use super::pagination::{Listing, Page};
use super::send_request::BatchRequest;
use crate::domain::account::Ip1Profile;
use crate::domain::id::ObjectId;
use crate::domain::message::{Batch, Direction};
use crate::engine::submit::{Mode, Submission};
use crate::http::{json, json_written};
use crate::openapi::IP1_TAG;
use crate::state::AppState;
use crate::store::{Ip1Account, ShardData};

/// An id from the path; anything that is not an ObjectId is simply unknown.
fn object_id(text: &str) -> Result<ObjectId, Ip1Error> {
    ObjectId::parse(text).ok_or(Ip1Error::NotFound)
}

/// A batch document as the answer with `status`.
fn answer(status: StatusCode, document: &BatchDocument) -> Response {
    json_written(status, |out| document.write_json(out))
}

fn owner(profile: &Ip1Profile) -> Owner<'_> {
    Owner { id: &profile.id, currency: profile.currency }
}

/// `POST /v2/batches`: validates everything, then creates one message per
/// recipient, charges the balance and answers `201 Created` with
/// `Location` and the batch document.
#[utoipa::path(post, path = "/v2/batches", tag = IP1_TAG, request_body = BatchRequest,
    responses((status = CREATED, description = "The batch, with its summaries.", body = BatchDocument,
        headers(("Location" = String, description = "/v2/batches/{id}")))))]
pub async fn send(caller: Ip1Caller, body: Ip1Object<BatchRequest>) -> Result<Response, Ip1Error> {
    let mut request = body.read("BatchRequest")?.check()?;
    // The engine checks the sender first and stores the one it admits: it
    // is taken from the request, not copied.
    let sender = std::mem::take(&mut request.sender);
    let submission: Submission<Ip1Error> =
        Submission { sender, request: Ok(request), shortfall: None };
    let stored = caller.engine().submit(&caller.account, submission, Mode::Send, |receipt| {
        let batch = receipt.batch?;
        let document = BatchDocument::full(batch, owner(receipt.profile), receipt.now);
        Some((batch.id, document.detached(caller.account.id())))
    })?;
    // An iP.1 send keeps every recipient as a message, so a batch is stored.
    let (id, document) = stored.ok_or(Ip1Error::Status(StatusCode::INTERNAL_SERVER_ERROR))?;
    let mut response = answer(StatusCode::CREATED, &document);
    // The header takes the buffer as it is (`from_bytes` copied it).
    let location = [b"/v2/batches/".as_slice(), &id.hex_digits()].concat();
    if let Ok(location) = HeaderValue::from_maybe_shared(Bytes::from(location)) {
        response.headers_mut().insert(LOCATION, location);
    }
    Ok(response)
}

/// The filters of `GET /v2/batches`, as read from the query (repeated or
/// comma-separated values both count).
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct BatchFilters<'a> {
    /// Batches with any of these tags.
    #[param(value_type = Option<String>)]
    tags: Vec<&'a str>,
    /// Batches with exactly this reference (or one of these).
    #[param(value_type = Option<String>)]
    reference: Vec<&'a str>,
    /// `mt` (sent) or `mo` (received), in any case, or their codes `0`
    /// and `1`.
    #[param(value_type = Option<String>, pattern = r"^([Mm][Tt]|[Mm][Oo]|0|1)?$")]
    direction: Option<Direction>,
}

impl<'a> BatchFilters<'a> {
    fn read(listing: &'a Listing) -> Result<BatchFilters<'a>, Ip1Error> {
        let direction = match listing.filter("direction").first().map(|d| d.to_ascii_lowercase()) {
            None => None,
            Some(d) if d == "mt" || d == "0" => Some(Direction::Mt),
            Some(d) if d == "mo" || d == "1" => Some(Direction::Mo),
            Some(other) => {
                return Err(Ip1Error::field(
                    "Direction",
                    format!("The value '{other}' is not valid for Direction."),
                ));
            }
        };
        Ok(BatchFilters {
            tags: listing.filter("tags"),
            reference: listing.filter("reference"),
            direction,
        })
    }

    /// True when a batch passes: any of `tags`, exactly `reference`, and
    /// `direction`.
    fn matches(&self, batch: &Batch) -> bool {
        let BatchFilters { tags, reference, direction } = self;
        (tags.is_empty() || batch.tags.iter().any(|t| tags.contains(&t.as_str())))
            && (reference.is_empty()
                || batch.reference.as_deref().is_some_and(|r| reference.contains(&r)))
            && direction.is_none_or(|d| batch.direction == d)
    }
}

/// `GET /v2/batches`: the account's batches, oldest first, without
/// summaries; filters `tags`, `reference`, `direction`.
#[utoipa::path(get, path = "/v2/batches", tag = IP1_TAG, params(Page, BatchFilters),
    responses((status = OK, description = "A page of batches, without summaries.", body = Vec<BatchDocument>)))]
pub async fn list(
    caller: Ip1Caller,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Result<Response, Ip1Error> {
    let listing = Listing::from_query(query.as_deref())?;
    let filters = BatchFilters::read(&listing)?;
    let now = caller.account.clock().now();
    Ok(caller.account.read(|data| {
        let batches: Vec<&Batch> =
            data.messaging.batches().filter(|b| filters.matches(b)).collect();
        let page: Vec<BatchDocument> = listing
            .page(batches.len())
            .into_iter()
            .map(|i| BatchDocument::listed(batches[i], owner(&data.profile), now))
            .collect();
        listing.respond(&headers, "/v2/batches", batches.len(), &page)
    }))
}

/// Runs `f` on a batch of the caller's, or answers 404.
fn with_batch<R>(
    account: &Ip1Account,
    id: &str,
    f: impl FnOnce(&Batch, &ShardData<Ip1Profile>) -> R,
) -> Result<R, Ip1Error> {
    let id = object_id(id)?;
    account
        .read(|data| data.messaging.batch(id).map(|batch| f(batch, data)))
        .ok_or(Ip1Error::NotFound)
}

/// `GET /v2/batches/{batchId}`: one batch with its summaries.
#[utoipa::path(get, path = "/v2/batches/{batch}", tag = IP1_TAG, params(("batch" = String, Path, description = "The batch id.")),
    responses((status = OK, description = "The batch, with its summaries.", body = BatchDocument)))]
pub async fn get(caller: Ip1Caller, Ip1Path(id): Ip1Path<String>) -> Result<Response, Ip1Error> {
    let now = caller.account.clock().now();
    let document = with_batch(&caller.account, &id, |batch, data| {
        BatchDocument::full(batch, owner(&data.profile), now).detached(caller.account.id())
    })?;
    Ok(answer(StatusCode::OK, &document))
}

/// `DELETE /v2/batches/{batchId}`: a batch none of whose messages has gone
/// past the queue is cancelled (charged messages are refunded with 104,
/// then every pending message gets 203); a batch already on its way is
/// deleted: answered once more, then gone from every listing.
#[utoipa::path(delete, path = "/v2/batches/{batch}", tag = IP1_TAG, params(("batch" = String, Path, description = "The batch id.")),
    responses((status = OK, description = "The cancelled or deleted batch.", body = BatchDocument)))]
pub async fn delete(
    State(state): State<AppState>,
    caller: Ip1Caller,
    Ip1Path(id): Ip1Path<String>,
) -> Result<Response, Ip1Error> {
    let id = object_id(&id)?;
    state
        .engine
        .withdraw(&caller.account, id, |batch, profile, _, now| {
            answer(StatusCode::OK, &BatchDocument::full(batch, owner(profile), now))
        })
        .ok_or(Ip1Error::NotFound)
}

/// `GET /v2/batches/{batchId}/messages`: the batch's messages, each with
/// its latest status only.
#[utoipa::path(get, path = "/v2/batches/{batch}/messages", tag = IP1_TAG,
    params(("batch" = String, Path, description = "The batch id."), Page),
    responses((status = OK, description = "A page of the batch's messages, each with its latest status.", body = Vec<MessageDocument>)))]
pub async fn messages(
    caller: Ip1Caller,
    headers: HeaderMap,
    Ip1Path(id): Ip1Path<String>,
    RawQuery(query): RawQuery,
) -> Result<Response, Ip1Error> {
    let listing = Listing::from_query(query.as_deref())?;
    let path = format!("/v2/batches/{id}/messages");
    with_batch(&caller.account, &id, |batch, data| {
        let positions = listing.page(batch.messages.len());
        let page: Vec<MessageDocument> = positions
            .into_iter()
            .map(|i| MessageDocument::new(batch, i, owner(&data.profile), false))
            .collect();
        listing.respond(&headers, &path, batch.messages.len(), &page)
    })
}

/// `GET /v2/batches/{batchId}/messages/{messageId}`: one message with its
/// whole status history.
#[utoipa::path(get, path = "/v2/batches/{batch}/messages/{message}", tag = IP1_TAG,
    params(("batch" = String, Path, description = "The batch id."), ("message" = String, Path, description = "The message id.")),
    responses((status = OK, description = "The message with its whole status history.", body = MessageDocument)))]
pub async fn message(
    caller: Ip1Caller,
    Ip1Path((batch_id, message_id)): Ip1Path<(String, String)>,
) -> Result<Response, Ip1Error> {
    let message_id = object_id(&message_id)?;
    with_batch(&caller.account, &batch_id, |batch, data| {
        let index = batch.message_index(message_id)?;
        Some(json(StatusCode::OK, &MessageDocument::new(batch, index, owner(&data.profile), true)))
    })?
    .ok_or(Ip1Error::NotFound)
}
