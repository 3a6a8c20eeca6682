//! The contact bodies as the OpenAPI document shows them: hand-made, since
//! each call reads them a little differently — an import and a `PUT` need
//! `properties`, a `PATCH` removes a property given as `null` — and the
//! known properties have rules of their own (see
//! [`crate::domain::contact::check_property`]). An `id` in the body is not
//! shown: an import ignores it, and `PUT` and `PATCH` take only the
//! contact's own, which the document cannot say.

use serde_json::json;
use utoipa::openapi::schema::{ArrayBuilder, ObjectBuilder, Schema, SchemaType, Type};
use utoipa::openapi::{Ref, RefOr};
use utoipa::{PartialSchema, ToSchema};

use crate::domain::contact::{
    EMAIL_PATTERN, MAX_EMAIL, MAX_IMPORT, MAX_LABEL, MAX_NAME, MAX_PROPERTY_NAME,
    MAX_PROPERTY_VALUE,
};

/// A label: 1 to 100 characters, not blank.
pub struct Label;

impl PartialSchema for Label {
    fn schema() -> RefOr<Schema> {
        let label = ObjectBuilder::new()
            .schema_type(Type::String)
            .min_length(Some(1))
            .max_length(Some(MAX_LABEL))
            .pattern(Some(r"\S"))
            .description(Some("1 to 100 characters, not blank."));
        RefOr::T(Schema::Object(label.build()))
    }
}

impl ToSchema for Label {}

/// A property value: a string within `max` characters, matching
/// `pattern`, or (on `PATCH`) `null` to remove it.
fn value(max: usize, pattern: Option<&str>, nullable: bool) -> ObjectBuilder {
    let kind = if nullable {
        SchemaType::from_iter([Type::String, Type::Null])
    } else {
        SchemaType::Type(Type::String)
    };
    ObjectBuilder::new().schema_type(kind).max_length(Some(max)).pattern(pattern)
}

fn contact(properties_required: bool, nullable: bool) -> Schema {
    let names = ObjectBuilder::new()
        .schema_type(Type::String)
        .min_length(Some(1))
        .max_length(Some(MAX_PROPERTY_NAME));
    let email = EMAIL_PATTERN;
    let properties = ObjectBuilder::new()
        .schema_type(Type::Object)
        .description(Some(
            "Property name (1 to 64 characters) → value: `firstName`, `lastName` (100 \
             characters), `email` (an address, 50), others 1000. A `phoneNumber` in E.164 \
             is stored as `+` and digits; any other is kept as given and flagged invalid in \
             the metadata.",
        ))
        .property("firstName", value(MAX_NAME, None, nullable))
        .property("lastName", value(MAX_NAME, None, nullable))
        .property("email", value(MAX_EMAIL, Some(email), nullable))
        .property("phoneNumber", value(MAX_PROPERTY_VALUE, None, nullable))
        .property_names(Some(names))
        .additional_properties(Some(value(MAX_PROPERTY_VALUE, None, nullable)));
    let labels = ArrayBuilder::new()
        .schema_type(SchemaType::from_iter([Type::Array, Type::Null]))
        .items(Ref::from_schema_name(Label::name()));
    let mut body = ObjectBuilder::new()
        .property("properties", properties)
        .property("labels", labels)
        .examples([json!({
            "properties": {"firstName": "Ada", "phoneNumber": "+46700000002"},
            "labels": ["customers"]
        })]);
    if properties_required {
        body = body.required("properties");
    }
    Schema::Object(body.build())
}

/// Adds the label schema the contact schemas refer to.
fn with_label(schemas: &mut Vec<(String, RefOr<Schema>)>) {
    schemas.push((Label::name().into_owned(), Label::schema()));
}

/// The body of `POST /v2/contacts`: 1 to 1000 new contacts.
pub struct ContactImport;

impl PartialSchema for ContactImport {
    fn schema() -> RefOr<Schema> {
        let contacts = ArrayBuilder::new()
            .items(RefOr::T(contact(true, false)))
            .min_items(Some(1))
            .max_items(Some(MAX_IMPORT));
        RefOr::T(Schema::Array(contacts.build()))
    }
}

impl ToSchema for ContactImport {
    fn schemas(schemas: &mut Vec<(String, RefOr<Schema>)>) {
        with_label(schemas);
    }
}

/// The body of `PUT /v2/contacts/{id}`: the contact's new properties and
/// labels.
pub struct ContactReplacement;

impl PartialSchema for ContactReplacement {
    fn schema() -> RefOr<Schema> {
        RefOr::T(contact(true, false))
    }
}

impl ToSchema for ContactReplacement {
    fn schemas(schemas: &mut Vec<(String, RefOr<Schema>)>) {
        with_label(schemas);
    }
}

/// The body of `PATCH /v2/contacts/{id}`: properties to set (`null`
/// removes one) and, when given, the new labels.
pub struct ContactChanges;

impl PartialSchema for ContactChanges {
    fn schema() -> RefOr<Schema> {
        RefOr::T(contact(false, true))
    }
}

impl ToSchema for ContactChanges {
    fn schemas(schemas: &mut Vec<(String, RefOr<Schema>)>) {
        with_label(schemas);
    }
}
