//! The blacklist. Numbers are normalised (a leading `+` or `00` and
//! spaces dropped) and must be plausible MSISDNs; adding a number that is
//! already there is idempotent and keeps its first `created`.

use axum::extract::RawQuery;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use utoipa::openapi::RefOr;
use utoipa::openapi::schema::{ObjectBuilder, OneOfBuilder, Schema, Type};

use super::auth::Ip1Caller;
use super::error::Ip1Error;
use super::json::{Ip1Object, Ip1Path, StringOrNumber, msisdn_schema, type_mismatch};
use super::pagination::{Listing, Page};
use crate::domain::blacklist::BlacklistEntry;
use crate::domain::msisdn::Msisdn;
use crate::http::json;
use crate::http::lenient::Field;
use crate::openapi::IP1_TAG;

/// The body of `POST /v2/blacklist`: the number in `msisdn`, or — for
/// clients that call it so — in `phone`, read only when `msisdn` is absent
/// or `null`.
#[derive(serde::Deserialize)]
pub struct BlacklistRequest {
    msisdn: Field<StringOrNumber>,
    phone: Field<StringOrNumber>,
}

impl utoipa::PartialSchema for BlacklistRequest {
    /// One of: a `msisdn` (any `phone` is then ignored), or a `phone` and
    /// no `msisdn` (or a `null` one).
    fn schema() -> RefOr<Schema> {
        let by_msisdn = ObjectBuilder::new()
            .property("msisdn", msisdn_schema())
            .required("msisdn")
            .description(Some("The phone number; a leading `+` or `00` and spaces are dropped."));
        let null = ObjectBuilder::new().schema_type(Type::Null);
        let by_phone = ObjectBuilder::new()
            .property("phone", msisdn_schema())
            .required("phone")
            .property("msisdn", null);
        let one_of = OneOfBuilder::new()
            .item(by_msisdn)
            .item(by_phone)
            .description(Some("The body of `POST /v2/blacklist`."))
            .examples([serde_json::json!({"msisdn": "46700000001"})]);
        RefOr::T(Schema::OneOf(one_of.build()))
    }
}

impl utoipa::ToSchema for BlacklistRequest {}

fn invalid_number(field: &str, raw: &str) -> Ip1Error {
    Ip1Error::field(
        field,
        format!("{raw:?} is not a phone number (MSISDN: country code and number, 8 to 15 digits)."),
    )
}

/// `GET /v2/blacklist`: paginated, oldest first.
#[utoipa::path(get, path = "/v2/blacklist", tag = IP1_TAG, params(Page),
    responses((status = OK, description = "A page of blacklisted numbers, oldest first.", body = Vec<BlacklistEntry>)))]
pub async fn list(
    caller: Ip1Caller,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Result<Response, Ip1Error> {
    let listing = Listing::from_query(query.as_deref())?;
    Ok(caller
        .account
        .read(|data| listing.respond_page(&headers, "/v2/blacklist", data.blacklist.entries())))
}

/// Adds a number; `201` when new, `200` when it was there already.
fn add(caller: &Ip1Caller, msisdn: &Msisdn) -> Response {
    let (entry, new) = caller.edit(|data| data.blacklist.add(msisdn, data.now));
    json(if new { StatusCode::CREATED } else { StatusCode::OK }, &entry)
}

/// `POST /v2/blacklist` with `{"msisdn": "..."}` (`phone` is read too).
#[utoipa::path(post, path = "/v2/blacklist", tag = IP1_TAG, request_body = BlacklistRequest,
    responses(
        (status = CREATED, description = "Added.", body = BlacklistEntry),
        (status = OK, description = "It was there already.", body = BlacklistEntry),
    ))]
pub async fn create(
    caller: Ip1Caller,
    body: Ip1Object<BlacklistRequest>,
) -> Result<Response, Ip1Error> {
    let body = body.read("BlacklistEntry")?;
    let number = if body.msisdn.is_missing() { body.phone } else { body.msisdn };
    let raw = match number {
        Field::Given(StringOrNumber(text)) => text,
        Field::Invalid(_) => return Err(Ip1Error::field("msisdn", type_mismatch("System.String"))),
        Field::Absent | Field::Null => {
            return Err(Ip1Error::field("msisdn", "The msisdn field is required."));
        }
    };
    let msisdn = Msisdn::plausible(&raw).map_err(|_| invalid_number("msisdn", &raw))?;
    Ok(add(&caller, &msisdn))
}

/// `PUT /v2/blacklist/{msisdn}`: adds the number (no body needed).
#[utoipa::path(put, path = "/v2/blacklist/{msisdn}", tag = IP1_TAG, params(("msisdn" = String, Path, pattern = r"^(\+|00)?[1-9][0-9]{7,14}$", description = "The phone number.")),
    responses(
        (status = CREATED, description = "Added.", body = BlacklistEntry),
        (status = OK, description = "It was there already.", body = BlacklistEntry),
    ))]
pub async fn put(caller: Ip1Caller, Ip1Path(raw): Ip1Path<String>) -> Result<Response, Ip1Error> {
    let msisdn = Msisdn::plausible(&raw).map_err(|_| invalid_number("msisdn", &raw))?;
    let response = add(&caller, &msisdn);
    // PUT answers 200 both times.
    let mut response = response;
    *response.status_mut() = StatusCode::OK;
    Ok(response)
}

/// `GET /v2/blacklist/{msisdn}`.
#[utoipa::path(get, path = "/v2/blacklist/{msisdn}", tag = IP1_TAG, params(("msisdn" = String, Path, pattern = r"^(\+|00)?[1-9][0-9]{7,14}$", description = "The phone number.")),
    responses((status = OK, description = "The entry.", body = BlacklistEntry)))]
pub async fn get(caller: Ip1Caller, Ip1Path(raw): Ip1Path<String>) -> Result<Response, Ip1Error> {
    let msisdn = Msisdn::plausible(&raw).map_err(|_| Ip1Error::NotFound)?;
    caller.account.read(|data| {
        let entry = data.blacklist.get(&msisdn).ok_or(Ip1Error::NotFound)?;
        Ok(json(StatusCode::OK, entry))
    })
}

/// `DELETE /v2/blacklist/{msisdn}`: answers with the removed entry.
#[utoipa::path(delete, path = "/v2/blacklist/{msisdn}", tag = IP1_TAG, params(("msisdn" = String, Path, pattern = r"^(\+|00)?[1-9][0-9]{7,14}$", description = "The phone number.")),
    responses((status = OK, description = "The removed entry.", body = BlacklistEntry)))]
pub async fn delete(
    caller: Ip1Caller,
    Ip1Path(raw): Ip1Path<String>,
) -> Result<Response, Ip1Error> {
    let msisdn = Msisdn::plausible(&raw).map_err(|_| Ip1Error::NotFound)?;
    let entry = caller.edit(|data| data.blacklist.remove(&msisdn)).ok_or(Ip1Error::NotFound)?;
    Ok(json(StatusCode::OK, &entry))
}
