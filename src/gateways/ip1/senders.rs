//! Sender registration. A sender follows the rules of a send's sender
//! (alphanumeric 3–11, or 3–15 digits); registration needs no body, is
//! immediate and idempotent (`200` both times, keeping the first
//! `created`). Only registered senders may send.

use std::cmp::Ordering;

use axum::extract::RawQuery;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use chrono::{DateTime, Utc};
use serde::Serialize;

use super::auth::Ip1Caller;
use super::error::Ip1Error;
use super::json::{Ip1Object, Ip1Path, type_mismatch};
use super::pagination::{Listing, Page};
use crate::domain::sender::normalize_ip1_sender;
use crate::domain::time::serialize_iso;
use crate::http::json;
use crate::http::lenient::Field;
use crate::openapi::IP1_TAG;

#[derive(Serialize, utoipa::ToSchema)]
struct SenderDocument {
    sender: String,
    #[serde(serialize_with = "serialize_iso")]
    created: DateTime<Utc>,
}

/// The body of `PUT /v2/me/senders`.
#[derive(serde::Deserialize, utoipa::ToSchema)]
pub struct SenderRequest {
    /// Alphanumeric, 3 to 11 characters, or 3 to 15 digits.
    #[schema(value_type = String, pattern = r"^(\+?[1-9][0-9]{2,14}|[A-Za-z0-9]{3,11})$")]
    sender: Field<String>,
}

fn checked(raw: &str) -> Result<String, Ip1Error> {
    normalize_ip1_sender(raw).map_err(|err| Ip1Error::field("sender", err.to_string()))
}

/// `GET /v2/me/senders`: paginated, sorted alphabetically the way a person
/// reads it (`Acme, iP1, iP1sms, Zeta`: case does not come first).
#[utoipa::path(get, path = "/v2/me/senders", tag = IP1_TAG, params(Page),
    responses((status = OK, description = "A page of the registered senders, sorted alphabetically in any case.", body = Vec<SenderDocument>)))]
pub async fn list(
    caller: Ip1Caller,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Result<Response, Ip1Error> {
    let listing = Listing::from_query(query.as_deref())?;
    let mut senders: Vec<SenderDocument> = caller.account.read(|data| {
        data.profile
            .senders
            .iter()
            .map(|(sender, created)| SenderDocument { sender: sender.clone(), created: *created })
            .collect()
    });
    senders.sort_by(|a, b| alphabetical(&a.sender, &b.sender));
    Ok(listing.respond_page(&headers, "/v2/me/senders", &senders))
}

/// Case-insensitive order; senders that differ only in case keep a fixed
/// order between them.
fn alphabetical(a: &str, b: &str) -> Ordering {
    a.to_lowercase().cmp(&b.to_lowercase()).then_with(|| a.cmp(b))
}

/// `GET /v2/me/senders/{sender}`.
#[utoipa::path(get, path = "/v2/me/senders/{sender}", tag = IP1_TAG, params(("sender" = String, Path, pattern = r"^(\+?[1-9][0-9]{2,14}|[A-Za-z0-9]{3,11})$", description = "The sender id.")),
    responses((status = OK, description = "The sender.", body = SenderDocument)))]
pub async fn get(caller: Ip1Caller, Ip1Path(raw): Ip1Path<String>) -> Result<Response, Ip1Error> {
    let sender = normalize_ip1_sender(&raw).map_err(|_| Ip1Error::NotFound)?;
    let created = caller
        .account
        .read(|data| data.profile.senders.get(&sender).copied())
        .ok_or(Ip1Error::NotFound)?;
    Ok(json(StatusCode::OK, &SenderDocument { sender, created }))
}

fn register(caller: &Ip1Caller, sender: String) -> Response {
    let now = caller.account.clock().now();
    let created = caller.edit(|data| *data.profile.senders.entry(sender.clone()).or_insert(now));
    json(StatusCode::OK, &SenderDocument { sender, created })
}

/// `PUT /v2/me/senders/{sender}`: registers it.
#[utoipa::path(put, path = "/v2/me/senders/{sender}", tag = IP1_TAG, params(("sender" = String, Path, pattern = r"^(\+?[1-9][0-9]{2,14}|[A-Za-z0-9]{3,11})$", description = "The sender id.")),
    responses((status = OK, description = "The registered sender.", body = SenderDocument)))]
pub async fn put(caller: Ip1Caller, Ip1Path(raw): Ip1Path<String>) -> Result<Response, Ip1Error> {
    let sender = checked(&raw)?;
    Ok(register(&caller, sender))
}

/// `PUT /v2/me/senders` with `{"sender": "..."}`, as one documentation
/// snippet does.
#[utoipa::path(put, path = "/v2/me/senders", tag = IP1_TAG, request_body = SenderRequest,
    responses((status = OK, description = "The registered sender.", body = SenderDocument)))]
pub async fn put_body(
    caller: Ip1Caller,
    body: Ip1Object<SenderRequest>,
) -> Result<Response, Ip1Error> {
    let body = body.read("Sender")?;
    let raw = match body.sender {
        Field::Given(text) => text,
        Field::Invalid(_) => return Err(Ip1Error::field("sender", type_mismatch("System.String"))),
        Field::Absent | Field::Null => {
            return Err(Ip1Error::field("sender", "The sender field is required."));
        }
    };
    let sender = checked(&raw)?;
    Ok(register(&caller, sender))
}

/// `DELETE /v2/me/senders/{sender}`: unregisters it; answers like PUT.
#[utoipa::path(delete, path = "/v2/me/senders/{sender}", tag = IP1_TAG, params(("sender" = String, Path, pattern = r"^(\+?[1-9][0-9]{2,14}|[A-Za-z0-9]{3,11})$", description = "The sender id.")),
    responses((status = OK, description = "The unregistered sender.", body = SenderDocument)))]
pub async fn delete(
    caller: Ip1Caller,
    Ip1Path(raw): Ip1Path<String>,
) -> Result<Response, Ip1Error> {
    let sender = normalize_ip1_sender(&raw).map_err(|_| Ip1Error::NotFound)?;
    let created =
        caller.edit(|data| data.profile.senders.remove(&sender)).ok_or(Ip1Error::NotFound)?;
    Ok(json(StatusCode::OK, &SenderDocument { sender, created }))
}
