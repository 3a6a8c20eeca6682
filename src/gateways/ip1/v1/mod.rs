//! iP.1's older API, REST API 1.0 under `/api/...`, which the vendor's own
//! SDK and samples still speak: sending and reading sent SMS, the address
//! book (contacts, groups, memberships), the blacklist and one-time codes
//! (`/api/authentications`), on the same
//! accounts and keys as v2 (HTTP Basic `account:key`, or Bearer).
//!
//! Its JSON is PascalCase with integer `ID`s and times without an offset
//! (`2017-03-02T10:39:53.497`); its errors are ASP.NET Web API's
//! (`{"Message"}`). It reads what real clients send: property names in any
//! case, read-only fields in a `PUT` body (ignored), any `Content-Type` and
//! `Accept`. A send goes through the same engine as v2's.

pub mod address_book;
pub mod authentications;
pub mod blacklist;
pub mod error;
pub mod sms;

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use chrono::{DateTime, Utc};
use serde::de::DeserializeOwned;
use serde_json::Value;

use self::error::V1Error;
use super::auth::Ip1Caller;
use crate::domain::account::Ip1Profile;
use crate::domain::address_book::AddressBook;
use crate::engine::records::Records;
use crate::http::lenient::from_value;
use crate::route;
use crate::routes::Routes;
use crate::state::AppState;
use crate::store::Ip1Account;

/// Every route of the older API.
pub fn routes() -> Routes {
    Routes::new()
        .route(route!(sms::send))
        .route(route!(sms::sent))
        .route(route!(sms::sent_one))
        .route(route!(address_book::contacts, address_book::create_contact))
        .route(route!(
            address_book::contact,
            address_book::replace_contact,
            address_book::delete_contact
        ))
        .route(route!(address_book::contact_groups))
        .route(route!(address_book::contact_memberships))
        .route(route!(address_book::groups, address_book::create_group))
        .route(route!(address_book::group, address_book::replace_group, address_book::delete_group))
        .route(route!(address_book::group_contacts))
        .route(route!(address_book::group_contacts_extra))
        .route(route!(address_book::group_memberships))
        .route(route!(address_book::memberships, address_book::create_membership))
        .route(route!(address_book::membership, address_book::delete_membership))
        .route(route!(blacklist::list, blacklist::create))
        .route(route!(blacklist::get, blacklist::delete))
        .route(route!(authentications::list, authentications::create))
        .route(route!(authentications::get, authentications::delete))
        .route(route!(authentications::validate))
        .route(route!(authentications::settings, authentications::put_settings))
}

/// The authenticated caller, with the older API's 401.
pub struct V1Caller(pub Ip1Caller);

impl V1Caller {
    pub fn account(&self) -> &Arc<Ip1Account> {
        &self.0.account
    }

    /// The account id, as objects show it (`OwnerID`).
    pub fn owner(&self) -> String {
        self.0.account.id().to_owned()
    }

    /// Reads the caller's address book, with the account id.
    pub fn read_book<R>(&self, read: impl FnOnce(&AddressBook, &str) -> R) -> R {
        self.0.account.read(|data| read(&data.address_book, self.0.account.id()))
    }

    /// Edits the caller's records ([`Ip1Caller::edit`]).
    pub fn edit<R>(&self, edit: impl FnOnce(Records<'_, Ip1Profile>) -> R) -> R {
        self.0.edit(edit)
    }
}

impl FromRequestParts<AppState> for V1Caller {
    type Rejection = V1Error;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, V1Error> {
        Ip1Caller::from_request_parts(parts, state)
            .await
            .map(V1Caller)
            .map_err(|_| V1Error::Unauthorized)
    }
}

/// A JSON body, whatever its `Content-Type` says (clients of the older API
/// send `application/json` with everything); an empty body is `null`.
pub struct V1Body(pub Value);

impl<S: Send + Sync> FromRequest<S> for V1Body {
    type Rejection = V1Error;

    /// Not an `async fn`, which would keep the request in its future
    /// ([`crate::http::body_bytes`]).
    fn from_request(
        request: Request,
        state: &S,
    ) -> impl Future<Output = Result<Self, V1Error>> + Send {
        let read = crate::http::body_bytes(request, state);
        async move {
            let bytes = read.await?;
            if bytes.iter().all(u8::is_ascii_whitespace) {
                return Ok(V1Body(Value::Null));
            }
            serde_json::from_slice(&bytes)
                .map(V1Body)
                .map_err(|err| V1Error::field("body", format!("The body is not JSON: {err}")))
        }
    }
}

/// Path parameters; one that cannot be read names nothing (404).
#[derive(FromRequestParts)]
#[from_request(via(axum::extract::Path), rejection(V1Error))]
pub struct V1Path<T>(pub T);

/// An integer id from the path; anything else names nothing (404).
pub fn path_id(kind: &str, raw: &str) -> Result<u32, V1Error> {
    raw.trim().parse().map_err(|_| V1Error::no(kind, raw))
}

/// Reads a JSON object into a request type, property names in any case;
/// anything else answers 400 naming `what` (`contact`, `group`…).
pub fn read<T: DeserializeOwned>(body: &Value, what: &str) -> Result<T, V1Error> {
    if !body.is_object() {
        return Err(V1Error::field(what, format!("A {what} is a JSON object.")));
    }
    from_value(body).map_err(|err| V1Error::field(what, err.to_string()))
}

/// Collects invalid fields, as Web API's model state reports every one.
#[derive(Default)]
pub struct ModelState(BTreeMap<String, Vec<String>>);

impl ModelState {
    pub fn add(&mut self, field: impl Into<String>, message: impl Into<String>) {
        self.0.entry(field.into()).or_default().push(message.into());
    }

    pub fn into_result<T>(self, value: T) -> Result<T, V1Error> {
        if self.0.is_empty() { Ok(value) } else { Err(V1Error::Invalid(self.0)) }
    }
}

/// Declares a schema that is one `$item` or a list of them: what a
/// `?multiple=true` call answers.
macro_rules! one_or_list {
    ($name:ident, $item:ty) => {
        pub struct $name;

        impl utoipa::PartialSchema for $name {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                use utoipa::openapi::schema::{ArrayBuilder, OneOfBuilder, Schema};
                use utoipa::openapi::{Ref, RefOr};
                let item = || Ref::from_schema_name(<$item as utoipa::ToSchema>::name());
                let one_of = OneOfBuilder::new()
                    .item(item())
                    .item(ArrayBuilder::new().items(item()))
                    .description(Some("One object; a list with `?multiple=true`."));
                RefOr::T(Schema::OneOf(one_of.build()))
            }
        }

        impl utoipa::ToSchema for $name {
            fn schemas(
                schemas: &mut Vec<(
                    String,
                    utoipa::openapi::RefOr<utoipa::openapi::schema::Schema>,
                )>,
            ) {
                schemas.push((
                    <$item as utoipa::ToSchema>::name().into_owned(),
                    <$item as utoipa::PartialSchema>::schema(),
                ));
                <$item as utoipa::ToSchema>::schemas(schemas);
            }
        }
    };
}
pub(crate) use one_or_list;

/// Whether the query asks for several objects at once: `?multiple`,
/// `?multiple=true` (or `1`); `false` or `0` do not; anything else is 400.
pub fn multiple(query: Option<&str>) -> Result<bool, V1Error> {
    let mut many = false;
    for (key, value) in url::form_urlencoded::parse(query.unwrap_or("").as_bytes()) {
        if !key.eq_ignore_ascii_case("multiple") {
            continue;
        }
        many = match value.to_ascii_lowercase().as_str() {
            "" | "true" | "1" => true,
            "false" | "0" => false,
            _ => return Err(V1Error::field("multiple", "multiple is true or false.")),
        };
    }
    Ok(many)
}

/// A time as the older API writes it: no offset, milliseconds
/// (`2017-03-02T10:39:53.497`), in UTC.
pub fn v1_time(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%dT%H:%M:%S%.3f").to_string()
}

/// Serialises a time with [`v1_time`].
pub fn serialize_v1_time<S: serde::Serializer>(
    at: &DateTime<Utc>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    serializer.collect_str(&v1_time(*at))
}
