//! Viamobile's request values as the OpenAPI document shows them, where
//! the emulator reads them as leniently as Viamobile does: a text of any
//! type (written out as JSON when not a string), ids as integers or
//! strings of digits, a coding that counts as none when not a string.
//! Each schema says exactly what is accepted, so that a request the
//! document calls valid is one the emulator takes.

use utoipa::openapi::schema::{
    ArrayBuilder, ObjectBuilder, OneOfBuilder, Schema, SchemaType, Type,
};
use utoipa::openapi::{Ref, RefOr};
use utoipa::{PartialSchema, ToSchema};

use super::send::RecipientRequest;

/// `type` as `GET /get/send` and a message take it: `gsm` or `utf8`
/// (`utf-8`, `unicode`), any case, blanks around.
pub const CODING_PATTERN: &str =
    r"^\s*([Gg][Ss][Mm]|[Uu][Tt][Ff]-?8|[Uu][Nn][Ii][Cc][Oo][Dd][Ee])?\s*$";

/// `time_to_send`: `YYYY-MM-DD HH:mm[:ss]` (or with `T`). The document
/// keeps to the days every month has; the emulator takes any real date.
pub const TIME_TO_SEND_PATTERN: &str = r"^\s*([1-9][0-9]{3}-(0[1-9]|1[0-2])-(0[1-9]|1[0-9]|2[0-8])[ T]([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9])?)?\s*$";

/// Any JSON value.
pub fn any_value() -> Schema {
    Schema::Object(ObjectBuilder::new().schema_type(SchemaType::AnyValue).build())
}

/// A whole number within `minimum..=maximum`, or a string of digits (a
/// sign allowed when `signed`).
fn whole_number(minimum: i64, maximum: i64, signed: bool) -> Schema {
    let digits = if signed { r"^\s*[+-]?[0-9]{1,18}\s*$" } else { r"^\s*\+?[0-9]{1,18}\s*$" };
    let one_of = OneOfBuilder::new()
        .item(
            ObjectBuilder::new()
                .schema_type(Type::Integer)
                .minimum(Some(minimum))
                .maximum(Some(maximum)),
        )
        .item(ObjectBuilder::new().schema_type(Type::String).pattern(Some(digits)));
    Schema::OneOf(one_of.build())
}

/// A client id: an integer, or a string of digits; `null` for none.
pub fn client_id_schema() -> Schema {
    let one_of = OneOfBuilder::new()
        .item(whole_number(i64::MIN, i64::MAX, true))
        .item(ObjectBuilder::new().schema_type(Type::Null));
    Schema::OneOf(one_of.build())
}

/// A message's coding: a coding name, or any value that is not a string
/// (which counts as none).
pub fn coding() -> Schema {
    let not_a_string = SchemaType::from_iter([
        Type::Null,
        Type::Boolean,
        Type::Integer,
        Type::Number,
        Type::Array,
        Type::Object,
    ]);
    let one_of = OneOfBuilder::new()
        .item(ObjectBuilder::new().schema_type(Type::String).pattern(Some(CODING_PATTERN)))
        .item(ObjectBuilder::new().schema_type(not_a_string));
    Schema::OneOf(one_of.build())
}

/// The flash flag: `true`/`false`, a number (1 for flash), or a string
/// (`"1"` for flash).
pub fn flash() -> Schema {
    let kinds = SchemaType::from_iter([Type::Boolean, Type::String, Type::Null]);
    let one_of = OneOfBuilder::new().item(ObjectBuilder::new().schema_type(kinds)).item(
        ObjectBuilder::new().schema_type(Type::Integer).minimum(Some(0)).maximum(Some(i64::MAX)),
    );
    Schema::OneOf(one_of.build())
}

/// `time_to_send` in a body.
pub fn time_to_send() -> Schema {
    let kinds = SchemaType::from_iter([Type::String, Type::Null]);
    Schema::Object(
        ObjectBuilder::new().schema_type(kinds).pattern(Some(TIME_TO_SEND_PATTERN)).build(),
    )
}

/// An MSISDN as `POST /json/msisdnstatus` takes it: a string, or a whole
/// number that is not negative.
pub fn msisdn_value() -> Schema {
    let one_of = OneOfBuilder::new().item(ObjectBuilder::new().schema_type(Type::String)).item(
        ObjectBuilder::new().schema_type(Type::Integer).minimum(Some(0)).maximum(Some(u64::MAX)),
    );
    Schema::OneOf(one_of.build())
}

/// `msisdns`: a list of [`msisdn_value`].
pub fn msisdn_values() -> Schema {
    Schema::Array(ArrayBuilder::new().items(RefOr::T(msisdn_value())).build())
}

/// The recipients of a send: at least one, as an array or an object keyed
/// by id.
pub struct RecipientRequests;

impl PartialSchema for RecipientRequests {
    fn schema() -> RefOr<Schema> {
        let item = || Ref::from_schema_name(RecipientRequest::name());
        let one_of = OneOfBuilder::new()
            .item(ArrayBuilder::new().items(item()).min_items(Some(1)))
            .item(ObjectBuilder::new().additional_properties(Some(item())).min_properties(Some(1)))
            .description(Some("At least one: an array, or an object keyed by id."));
        RefOr::T(Schema::OneOf(one_of.build()))
    }
}

impl ToSchema for RecipientRequests {
    fn schemas(schemas: &mut Vec<(String, RefOr<Schema>)>) {
        schemas.push((RecipientRequest::name().into_owned(), RecipientRequest::schema()));
        RecipientRequest::schemas(schemas);
    }
}

/// A message to look up: by `bsmsId` (then `id` is not read), or by the
/// client's `id` without a `bsmsId`; integers or strings of digits.
pub struct DeliveryKey;

impl PartialSchema for DeliveryKey {
    fn schema() -> RefOr<Schema> {
        let by_bsms_id = ObjectBuilder::new()
            .property("bsmsId", whole_number(0, i64::MAX, false))
            .required("bsmsId");
        let no_bsms_id = ObjectBuilder::new().schema_type(Type::Null);
        let by_id = ObjectBuilder::new()
            .property("id", whole_number(i64::MIN, i64::MAX, true))
            .property("bsmsId", no_bsms_id)
            .required("id");
        let one_of = OneOfBuilder::new().item(by_bsms_id).item(by_id).description(Some(
            "A message to look up: by `bsmsId`, or by the client's `id` (every message with \
             it); integers or strings of digits.",
        ));
        RefOr::T(Schema::OneOf(one_of.build()))
    }
}

impl ToSchema for DeliveryKey {}

/// The messages to look up: an array, or an object keyed by id.
pub struct DeliveryKeys;

impl PartialSchema for DeliveryKeys {
    fn schema() -> RefOr<Schema> {
        let item = || Ref::from_schema_name(DeliveryKey::name());
        let one_of = OneOfBuilder::new()
            .item(ArrayBuilder::new().items(item()))
            .item(ObjectBuilder::new().additional_properties(Some(item())))
            .description(Some("An array, or an object keyed by id."));
        RefOr::T(Schema::OneOf(one_of.build()))
    }
}

impl ToSchema for DeliveryKeys {
    fn schemas(schemas: &mut Vec<(String, RefOr<Schema>)>) {
        schemas.push((DeliveryKey::name().into_owned(), DeliveryKey::schema()));
    }
}
