//! `/api/blacklist`: the older API's view of the account's one blacklist —
//! a number blacklisted here is refused by a v2 send, and one blacklisted
//! through v2 (or by an incoming `STOP`) is listed here. An entry is
//! `{ID, Phone, Created}`, `Phone` the number as stored (digits, a leading
//! `+` or `00` dropped).

use axum::extract::RawQuery;
use axum::http::StatusCode;
use axum::response::Response;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::error::V1Error;
use super::{V1Body, V1Caller, V1Path, path_id, read, serialize_v1_time};
use crate::domain::blacklist::BlacklistEntry;
use crate::domain::msisdn::Msisdn;
use crate::gateways::ip1::json::StringOrNumber;
use crate::http::json;
use crate::http::lenient::Field;
use crate::openapi::IP1_V1_TAG;

super::one_or_list!(V1BlacklistEntryOrList, V1BlacklistEntry);

#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "PascalCase")]
pub struct V1BlacklistEntry {
    #[serde(rename = "ID")]
    id: u32,
    phone: String,
    #[serde(serialize_with = "serialize_v1_time")]
    #[schema(value_type = String)]
    created: DateTime<Utc>,
}

impl From<&BlacklistEntry> for V1BlacklistEntry {
    fn from(entry: &BlacklistEntry) -> V1BlacklistEntry {
        V1BlacklistEntry { id: entry.id, phone: entry.msisdn.to_string(), created: entry.created }
    }
}

/// The body of `POST /api/blacklist`.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "PascalCase")]
pub struct V1BlacklistRequest {
    /// The number, with its country code; a leading `+` or `00` is dropped.
    #[schema(value_type = String, pattern = r"^(\+|00)?[1-9][0-9]{7,14}$")]
    phone: Field<StringOrNumber>,
}

/// `GET /api/blacklist`.
#[utoipa::path(get, path = "/api/blacklist", tag = IP1_V1_TAG,
    responses((status = OK, description = "Every entry, oldest first.", body = Vec<V1BlacklistEntry>)))]
pub async fn list(caller: V1Caller) -> Response {
    let entries: Vec<V1BlacklistEntry> =
        caller.account().read(|data| data.blacklist.entries().iter().map(Into::into).collect());
    json(StatusCode::OK, &entries)
}

fn number(item: &Value, field: &str) -> Result<Msisdn, V1Error> {
    let request: V1BlacklistRequest = read(item, "entry")?;
    let raw = match request.phone {
        Field::Given(StringOrNumber(text)) => text,
        Field::Invalid(_) => return Err(V1Error::field(field, "Phone must be a string.")),
        Field::Absent | Field::Null => {
            return Err(V1Error::field(field, "The Phone field is required."));
        }
    };
    Msisdn::plausible(&raw).map_err(|_| {
        V1Error::field(field, format!("{raw:?} is not a phone number with its country code."))
    })
}

/// `POST /api/blacklist` with `{"Phone"}`, or with `?multiple=true` a list;
/// a number already there answers its entry.
#[utoipa::path(post, path = "/api/blacklist", tag = IP1_V1_TAG, request_body = V1BlacklistRequest,
    params(("multiple" = Option<bool>, Query, description = "`true`: the body is a list, and so is the answer.")),
    responses((status = OK, description = "The entry (a list with `?multiple=true`).", body = V1BlacklistEntryOrList)))]
pub async fn create(
    caller: V1Caller,
    RawQuery(query): RawQuery,
    V1Body(body): V1Body,
) -> Result<Response, V1Error> {
    let many = super::multiple(query.as_deref())?;
    let items = super::address_book::items(&body, many, "entries")?;
    let numbers = items
        .iter()
        .enumerate()
        .map(|(index, item)| {
            number(
                item,
                &if many { format!("entries[{index}].Phone") } else { "entry.Phone".into() },
            )
        })
        .collect::<Result<Vec<_>, V1Error>>()?;
    let entries: Vec<V1BlacklistEntry> = caller.edit(|records| {
        numbers.iter().map(|n| (&records.blacklist.add(n, records.now).0).into()).collect()
    });
    Ok(super::address_book::created(many, entries))
}

/// `GET /api/blacklist/{id}`.
#[utoipa::path(get, path = "/api/blacklist/{id}", tag = IP1_V1_TAG, params(("id" = u32, Path, description = "The entry's id.")),
    responses((status = OK, description = "The entry.", body = V1BlacklistEntry)))]
pub async fn get(caller: V1Caller, V1Path(raw): V1Path<String>) -> Result<Response, V1Error> {
    let id = path_id("Blacklist entry", &raw)?;
    caller.account().read(|data| {
        let entry = data.blacklist.by_id(id).ok_or_else(|| V1Error::no("Blacklist entry", id))?;
        Ok(json(StatusCode::OK, &V1BlacklistEntry::from(entry)))
    })
}

/// `DELETE /api/blacklist/{id}`: answers the removed entry; the number may
/// be sent to again, through either API.
#[utoipa::path(delete, path = "/api/blacklist/{id}", tag = IP1_V1_TAG, params(("id" = u32, Path, description = "The entry's id.")),
    responses((status = OK, description = "The removed entry.", body = V1BlacklistEntry)))]
pub async fn delete(caller: V1Caller, V1Path(raw): V1Path<String>) -> Result<Response, V1Error> {
    let id = path_id("Blacklist entry", &raw)?;
    caller.edit(|records| {
        let msisdn = records
            .blacklist
            .by_id(id)
            .map(|e| e.msisdn.clone())
            .ok_or_else(|| V1Error::no("Blacklist entry", id))?;
        let entry =
            records.blacklist.remove(&msisdn).ok_or_else(|| V1Error::no("Blacklist entry", id))?;
        Ok(json(StatusCode::OK, &V1BlacklistEntry::from(&entry)))
    })
}
