//! The OpenAPI 3.1 document of everything smsmock serves, at
//! `GET /_mock/openapi.json`.
//!
//! Every route is registered by [`crate::route!`] from the path and methods
//! of its handler's `#[utoipa::path]` annotation, so the router and the
//! document are one source and cannot drift; the document is built from
//! the same annotations when it is first asked for. Schemas are derived
//! from the very types the handlers serialise.
//! What every operation of a surface can answer (authentication failures,
//! unknown ids, malformed or oversized bodies, in that surface's own error
//! format) is added here once, by [`complete`], instead of on each
//! annotation.

use std::sync::{Arc, OnceLock};

use axum::body::Bytes;
use axum::http::StatusCode;
use axum::http::header::CONTENT_TYPE;
use axum::response::{IntoResponse, Response};
use utoipa::openapi::header::Header;
use utoipa::openapi::path::{Operation, ParameterIn, PathItem};
use utoipa::openapi::response::{Response as ApiResponse, ResponseBuilder};
use utoipa::openapi::schema::{ObjectBuilder, SchemaType, Type};
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityRequirement, SecurityScheme};
use utoipa::openapi::{ContentBuilder, OpenApi, Ref, RefOr, Schema, Tag};
use utoipa::{PartialSchema, ToSchema};

use crate::control::error::ControlErrorBody;
use crate::control::token::OPEN;
use crate::domain::id::ObjectId;
use crate::domain::money::Money;
use crate::domain::msisdn::Msisdn;
use crate::gateways::ip1::error::ProblemDetails;
use crate::gateways::viamobile::error::ViaErrorEnvelope;
use crate::http::surface::ErrorFormat;
use crate::http::{JSON_UTF8, Surface};
use crate::routes::{Documentation, Routes};

pub const IP1_TAG: &str = "iP.1";
pub const IP1_V1_TAG: &str = "iP.1 v1";
pub const VIAMOBILE_TAG: &str = "Viamobile";
pub const CONTROL_TAG: &str = "control";

/// Security scheme names. Viamobile's annotations name `viamobileBasic`
/// themselves (`security(("viamobileBasic" = []))`).
const IP1_BEARER: &str = "ip1Bearer";
const IP1_BASIC: &str = "ip1Basic";
const VIAMOBILE_BASIC: &str = "viamobileBasic";
const CONTROL_TOKEN: &str = "controlToken";

/// The document, built and serialised the first time it is asked for.
pub struct Document {
    routes: Vec<(String, Documentation)>,
    json: OnceLock<Bytes>,
}

impl Document {
    pub fn new(routes: Vec<(String, Documentation)>) -> Document {
        Document { routes, json: OnceLock::new() }
    }

    fn json(&self) -> &Bytes {
        self.json.get_or_init(|| {
            let document = complete(Routes::document(&self.routes));
            serde_json::to_vec(&document).map(Bytes::from).unwrap_or_default()
        })
    }
}

/// `GET /_mock/openapi.json`.
pub async fn serve(document: Arc<Document>) -> Response {
    let json = document.json().clone();
    (StatusCode::OK, [(CONTENT_TYPE, JSON_UTF8)], json).into_response()
}

/// Fills in what the annotations leave to the document as a whole: title,
/// tags, security schemes, and each surface's common error answers.
pub fn complete(mut document: OpenApi) -> OpenApi {
    document.info.title = "smsmock".to_owned();
    document.info.version = env!("CARGO_PKG_VERSION").to_owned();
    document.info.description = Some(
        "Local emulator of iP.1's REST API v2 and Viamobile's BSMS JSON API, with the \
         /_mock control API that scripts it."
            .to_owned(),
    );
    document.info.license = None;
    document.info.contact = None;
    document.tags = Some(vec![
        Tag::new(IP1_TAG),
        Tag::new(IP1_V1_TAG),
        Tag::new(VIAMOBILE_TAG),
        Tag::new(CONTROL_TAG),
    ]);

    let components = document.components.get_or_insert_with(Default::default);
    for (name, scheme, description) in [
        (IP1_BEARER, HttpAuthScheme::Bearer, "iP.1: the account's API key."),
        (
            IP1_BASIC,
            HttpAuthScheme::Basic,
            "iP.1's `/api/...` routes: account id and API key (on v2 only with \
             --ip1-v2-basic-auth).",
        ),
        (VIAMOBILE_BASIC, HttpAuthScheme::Basic, "Viamobile: username and password."),
        (
            CONTROL_TOKEN,
            HttpAuthScheme::Bearer,
            "The control API's token, asked for only when the emulator runs with --control-token.",
        ),
    ] {
        let http = Http::builder().scheme(scheme).description(Some(description)).build();
        components.add_security_scheme(name, SecurityScheme::Http(http));
    }
    let mut error_schemas = vec![
        (ProblemDetails::name().into_owned(), ProblemDetails::schema()),
        (ViaErrorEnvelope::name().into_owned(), ViaErrorEnvelope::schema()),
        (ControlErrorBody::name().into_owned(), ControlErrorBody::schema()),
    ];
    ProblemDetails::schemas(&mut error_schemas);
    ViaErrorEnvelope::schemas(&mut error_schemas);
    ControlErrorBody::schemas(&mut error_schemas);
    components.schemas.extend(error_schemas);
    for surface in [Surface::Ip1, Surface::Ip1V1, Surface::Viamobile, Surface::Control] {
        let errors = surface.errors();
        components
            .responses
            .insert(errors.response_name.to_owned(), RefOr::T(error_response(errors)));
    }

    for (path, item) in document.paths.paths.iter_mut() {
        let surface = Surface::of_path(path);
        for (method, operation) in operations(item) {
            operation.operation_id = Some(operation_id(method, path));
            add_common_answers(surface, path, operation);
            add_listing_headers(operation);
        }
    }
    document
}

/// Every operation of a path, with its method.
fn operations(item: &mut PathItem) -> impl Iterator<Item = (&'static str, &mut Operation)> {
    [
        ("get", item.get.as_mut()),
        ("put", item.put.as_mut()),
        ("post", item.post.as_mut()),
        ("delete", item.delete.as_mut()),
        ("patch", item.patch.as_mut()),
        ("head", item.head.as_mut()),
        ("options", item.options.as_mut()),
        ("trace", item.trace.as_mut()),
    ]
    .into_iter()
    .filter_map(|(method, operation)| Some((method, operation?)))
}

/// A unique operation id from the method and the path, e.g.
/// `get_v2_batches_batch` for `GET /v2/batches/{batch}`. Handler names
/// repeat across modules (`list`, `get`) and Viamobile's handlers serve two
/// paths each, so they cannot be the ids.
fn operation_id(method: &str, path: &str) -> String {
    let words = path.split(|c: char| !c.is_ascii_alphanumeric()).filter(|w| !w.is_empty());
    std::iter::once(method).chain(words).collect::<Vec<_>>().join("_")
}

/// The shape of a surface's error answer.
fn error_response(errors: &ErrorFormat) -> ApiResponse {
    let schema = Ref::from_schema_name((errors.schema_name)());
    let content = ContentBuilder::new().schema(Some(schema)).build();
    ResponseBuilder::new()
        .description(errors.description)
        .content("application/json", content)
        .build()
}

/// Adds the statuses every operation of a surface can answer, in its error
/// format, and the surface's security requirement. An annotation's own
/// entry for a status wins.
fn add_common_answers(surface: Surface, path: &str, operation: &mut Operation) {
    let errors = surface.errors();
    let name = errors.response_name;
    let (statuses, security): (&[&str], Vec<SecurityRequirement>) = match surface {
        // HTTP Basic is the older API's; v2 takes it only with
        // --ip1-v2-basic-auth.
        Surface::Ip1V1 => (
            errors.common_statuses,
            vec![
                SecurityRequirement::new(IP1_BASIC, Vec::<String>::new()),
                SecurityRequirement::new(IP1_BEARER, Vec::<String>::new()),
            ],
        ),
        Surface::Ip1 if path.starts_with("/api/") => (
            errors.common_statuses,
            vec![
                SecurityRequirement::new(IP1_BEARER, Vec::<String>::new()),
                SecurityRequirement::new(IP1_BASIC, Vec::<String>::new()),
            ],
        ),
        Surface::Ip1 => (
            errors.common_statuses,
            vec![SecurityRequirement::new(IP1_BEARER, Vec::<String>::new())],
        ),
        // SOAP answers SOAP faults, which its annotations list.
        Surface::Soap => (&[], Vec::new()),
        // Viamobile's credentials are in the body, the query or HTTP Basic,
        // depending on the endpoint; its annotations say which.
        Surface::Viamobile | Surface::Other => (errors.common_statuses, Vec::new()),
        Surface::Control if OPEN.contains(&path) => (errors.common_statuses, Vec::new()),
        // The token is asked for only with --control-token: optional.
        Surface::Control => {
            operation.responses.responses.entry("401".to_owned()).or_insert_with(|| {
                let described = ResponseBuilder::new()
                    .description("With --control-token: the token is missing or wrong.")
                    .content(
                        "application/json",
                        ContentBuilder::new()
                            .schema(Some(Ref::from_schema_name((errors.schema_name)())))
                            .build(),
                    )
                    .build();
                RefOr::T(described)
            });
            (
                errors.common_statuses,
                vec![
                    SecurityRequirement::default(),
                    SecurityRequirement::new(CONTROL_TOKEN, Vec::<String>::new()),
                ],
            )
        }
    };
    for status in statuses {
        operation
            .responses
            .responses
            .entry((*status).to_owned())
            .or_insert_with(|| RefOr::Ref(Ref::from_response_name(name)));
    }
    if !security.is_empty() && operation.security.is_none() {
        operation.security = Some(security);
    }
}

/// A paginated collection (one that takes `start` and `limit`, see
/// [`crate::gateways::ip1::pagination::Page`]) answers with the headers
/// [`crate::gateways::ip1::pagination::Listing::respond`] writes.
fn add_listing_headers(operation: &mut Operation) {
    let takes = |name: &str| {
        operation
            .parameters
            .iter()
            .flatten()
            .any(|p| p.name == name && p.parameter_in == ParameterIn::Query)
    };
    if !(takes("start") && takes("limit")) {
        return;
    }
    let Some(RefOr::T(page)) = operation.responses.responses.get_mut("200") else {
        return;
    };
    let header = |schema: RefOr<Schema>, description: &str| {
        let mut header = Header::new(schema);
        header.description = Some(description.to_owned());
        header
    };
    page.headers.insert(
        "Link".to_owned(),
        header(String::schema(), "self, first, prev, next and last pages, keeping the filters"),
    );
    page.headers
        .insert("X-Total-Count".to_owned(), header(u64::schema(), "Matching items in all pages"));
}

/// ObjectIds are 24 lowercase hex digits.
impl PartialSchema for ObjectId {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .pattern(Some("^[0-9a-f]{24}$"))
            .examples(["5f3a9c1e8b7d4a0012345678"])
            .into()
    }
}

impl ToSchema for ObjectId {}

/// MSISDNs are digits, country code first.
impl PartialSchema for Msisdn {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .pattern(Some("^[0-9]+$"))
            .examples(["46701234567"])
            .into()
    }
}

impl ToSchema for Msisdn {}

/// Amounts are JSON numbers in the account's currency.
impl PartialSchema for Money {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new().schema_type(Type::Number).examples([0.35]).into()
    }
}

impl ToSchema for Money {}

/// A JSON value that is an integer or a string: how clients send MSISDNs
/// and ids, and how Viamobile echoes them.
pub struct IntegerOrString;

impl PartialSchema for IntegerOrString {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(SchemaType::from_iter([Type::Integer, Type::String]))
            .into()
    }
}

impl ToSchema for IntegerOrString {}

/// The schema of a type that flattens a `deny_unknown_fields` spec next to
/// fields of its own (a rule with its `id`, an account request with its
/// `gateway` tag). Derived, it would be `allOf` the closed spec and an
/// object with the other fields, which nothing can satisfy; here the
/// spec's object is extended instead.
pub fn extended(spec: RefOr<Schema>, fields: Vec<(&str, RefOr<Schema>)>) -> RefOr<Schema> {
    let RefOr::T(Schema::Object(mut object)) = spec else {
        return spec;
    };
    for (name, schema) in fields.into_iter().rev() {
        object.properties.shift_insert(0, name.to_owned(), schema);
        object.required.insert(0, name.to_owned());
    }
    RefOr::T(Schema::Object(object))
}

/// Implements `ToSchema` for a view that flattens a closed spec next to
/// fields of its own, with [`extended`]: `extended_schema!(Rule, RuleSpec,
/// "id": u64)`.
#[macro_export]
macro_rules! extended_schema {
    ($view:ty, $spec:ty, $($field:literal: $kind:ty),+) => {
        impl ::utoipa::PartialSchema for $view {
            fn schema() -> ::utoipa::openapi::RefOr<::utoipa::openapi::schema::Schema> {
                let fields = vec![$(($field, <$kind as ::utoipa::PartialSchema>::schema())),+];
                $crate::openapi::extended(<$spec as ::utoipa::PartialSchema>::schema(), fields)
            }
        }

        impl ::utoipa::ToSchema for $view {
            fn schemas(
                schemas: &mut Vec<(String, ::utoipa::openapi::RefOr<::utoipa::openapi::schema::Schema>)>,
            ) {
                <$spec as ::utoipa::ToSchema>::schemas(schemas);
            }
        }
    };
}

/// A string that is one fixed value, e.g. a tag.
pub fn constant(value: &str) -> RefOr<Schema> {
    ObjectBuilder::new().schema_type(Type::String).enum_values(Some([value])).into()
}
