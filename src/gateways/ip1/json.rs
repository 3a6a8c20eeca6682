//! Reading iP.1 request bodies the way real clients send them: JSON
//! property names in any case (the official samples send PascalCase, see
//! [`crate::http::lenient`]), enums as strings in any case or as their
//! integer codes, and every failing field reported at once.

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::header::CONTENT_TYPE;
use axum::http::{HeaderMap, StatusCode};
use serde::de::DeserializeOwned;
use serde_json::Value;
use utoipa::openapi::schema::{ObjectBuilder, OneOfBuilder, Schema, SchemaType, Type};

use super::error::{FieldErrors, Ip1Error};
use crate::http::lenient::{from_object_slice, from_value};

/// A JSON body whose rejections (not JSON, wrong Content-Type, too large)
/// answer in iP.1's problem-details format. The media types are ASP.NET
/// Core's default JSON input formatter's: `application/json`, `text/json`
/// and `application/*+json`; any other answers 415.
pub struct Ip1Json<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for Ip1Json<T> {
    type Rejection = Ip1Error;

    /// Not an `async fn`, which would keep the request in its future
    /// ([`crate::http::body_bytes`]).
    fn from_request(
        request: Request,
        state: &S,
    ) -> impl Future<Output = Result<Self, Ip1Error>> + Send {
        let bytes = json_bytes(request, state);
        async move { parse(&bytes.await?).map(Ip1Json) }
    }
}

/// The body of a request whose `Content-Type` is JSON, its rejections
/// (another media type, too large) in iP.1's format.
fn json_bytes<'a, S: Send + Sync>(
    request: Request,
    state: &'a S,
) -> impl Future<Output = Result<Bytes, Ip1Error>> + Send + 'a {
    let read = is_json(request.headers()).then(|| crate::http::body_bytes(request, state));
    async move {
        let Some(read) = read else { return Err(Ip1Error::UnsupportedMediaType) };
        read.await.map_err(|rejection| {
            if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
                Ip1Error::PayloadTooLarge
            } else {
                Ip1Error::field("$", rejection.body_text())
            }
        })
    }
}

/// Parses a JSON body; one that is not JSON answers 400 in axum's words.
fn parse<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, Ip1Error> {
    // serde_json alone on the way that succeeds; axum's reader, which
    // tracks the path as it goes, only to word the rejection.
    match serde_json::from_slice(bytes) {
        Ok(value) => Ok(value),
        Err(_) => {
            let axum::Json(value) = axum::Json::from_bytes(bytes)?;
            Ok(value)
        }
    }
}

/// A JSON body for the request type `T`, rejected as [`Ip1Json`] rejects
/// it (not JSON, another media type, too large), and read into `T` by
/// [`Ip1Object::read`] where the handler asks.
///
/// The body is read straight into `T` when it can be
/// ([`crate::http::lenient::from_object_slice`]): nearly always, with no
/// JSON value built on the way. Otherwise it is kept as the parsed value,
/// and `read` reads that with property names in any case: a body that is
/// JSON but not an object is reported under `$` against the .NET type, and
/// only after the handler's own checks that come before it (a path naming
/// nothing, say).
pub enum Ip1Object<T> {
    /// Read in one pass.
    Read(T),
    /// Parsed, to be read by [`Ip1Object::read`].
    Parsed(Value),
}

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for Ip1Object<T> {
    type Rejection = Ip1Error;

    /// Not an `async fn`, which would keep the request in its future
    /// ([`crate::http::body_bytes`]).
    fn from_request(
        request: Request,
        state: &S,
    ) -> impl Future<Output = Result<Self, Ip1Error>> + Send {
        let bytes = json_bytes(request, state);
        async move {
            let bytes = bytes.await?;
            match from_object_slice(&bytes) {
                Some(read) => Ok(Ip1Object::Read(read)),
                None => parse(&bytes).map(Ip1Object::Parsed),
            }
        }
    }
}

impl<T: DeserializeOwned> Ip1Object<T> {
    /// The request; `type_name` is the .NET type a body that is not an
    /// object is reported against.
    pub fn read(self, type_name: &str) -> Result<T, Ip1Error> {
        match self {
            Ip1Object::Read(read) => Ok(read),
            Ip1Object::Parsed(body) => read_object(&body, type_name),
        }
    }
}

/// Whether the `Content-Type` is one ASP.NET Core reads as JSON.
fn is_json(headers: &HeaderMap) -> bool {
    let Some(value) = headers.get(CONTENT_TYPE) else { return false };
    // What clients send nearly always, matched before the text is read
    // as a media type.
    if value.as_bytes() == b"application/json" {
        return true;
    }
    let Ok(value) = value.to_str() else { return false };
    let media_type = value.split(';').next().unwrap_or("").trim();
    let Some((kind, subtype)) = media_type.split_once('/') else { return false };
    let ends_with_json = |text: &str| {
        text.len() >= 5 && text.as_bytes()[text.len() - 5..].eq_ignore_ascii_case(b"+json")
    };
    if kind.eq_ignore_ascii_case("application") {
        subtype.eq_ignore_ascii_case("json") || ends_with_json(subtype)
    } else {
        kind.eq_ignore_ascii_case("text") && subtype.eq_ignore_ascii_case("json")
    }
}

/// Path parameters whose rejection (an id that is not valid UTF-8) is a
/// 404 in iP.1's format: no such resource can exist.
#[derive(FromRequestParts)]
#[from_request(via(axum::extract::Path), rejection(Ip1Error))]
pub struct Ip1Path<T>(pub T);

/// Reads a JSON body into its request type, property names in any case
/// ([`crate::http::lenient`]); a body that is not a JSON object answers
/// 400 under `$`, naming the .NET type as ASP.NET does.
fn read_object<T: DeserializeOwned>(body: &Value, type_name: &str) -> Result<T, Ip1Error> {
    if !body.is_object() {
        return Err(Ip1Error::field("$", type_mismatch(type_name)));
    }
    from_value(body).map_err(|err| Ip1Error::field("$", err.to_string()))
}

/// A text sent as a JSON string or number (a phone number, say).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StringOrNumber(pub String);

impl<'de> serde::Deserialize<'de> for StringOrNumber {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        match Value::deserialize(deserializer)? {
            Value::String(text) => Ok(StringOrNumber(text)),
            Value::Number(number) => Ok(StringOrNumber(number.to_string())),
            other => Err(serde::de::Error::custom(format!("{other} is not a string or a number"))),
        }
    }
}

/// Collects validation messages by field, as ASP.NET model validation
/// reports every failing field at once.
#[derive(Default)]
pub struct Problems(FieldErrors);

impl Problems {
    pub fn add(&mut self, field: impl Into<String>, message: impl Into<String>) {
        self.0.entry(field.into()).or_default().push(message.into());
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// `Ok(value)` when nothing was reported.
    pub fn into_result<T>(self, value: T) -> Result<T, Ip1Error> {
        if self.0.is_empty() { Ok(value) } else { Err(Ip1Error::Validation(self.0)) }
    }
}

/// ASP.NET's message for a JSON value of the wrong type.
pub fn type_mismatch(type_name: &str) -> String {
    format!("The JSON value could not be converted to {type_name}.")
}

/// An iP.1 enum's names and integer codes, as its .NET type declares them.
pub trait Codes: Copy + 'static {
    const CODES: &'static [(&'static str, i64, Self)];
}

/// An enum as iP.1 reads it: a name in any case, or its integer code as a
/// number or digits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Coded<T>(pub T);

impl<'de, T: Codes> serde::Deserialize<'de> for Coded<T> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Coded<T>, D::Error> {
        let value = Value::deserialize(deserializer)?;
        parse_enum(&value, T::CODES)
            .map(Coded)
            .ok_or_else(|| serde::de::Error::custom(format!("{value} is not a known name or code")))
    }
}

/// The document's schema of a [`Coded`] field: one of the names (any case
/// is read, the document lists them lower-case), its integer code, or
/// `null`.
pub fn coded_schema<T: Codes>() -> Schema {
    let names = T::CODES.iter().map(|(name, _, _)| Value::from(*name));
    let codes = T::CODES.iter().map(|(_, code, _)| Value::from(*code));
    let one_of = OneOfBuilder::new()
        .item(ObjectBuilder::new().schema_type(Type::String).enum_values(Some(names)))
        .item(ObjectBuilder::new().schema_type(Type::Integer).enum_values(Some(codes)))
        .item(ObjectBuilder::new().schema_type(Type::Null));
    Schema::OneOf(one_of.build())
}

/// The document's schema of a phone number as the iP.1 bodies read it: a
/// string (a leading `+` or `00` is dropped) or a number, 8 to 15 digits.
pub fn msisdn_schema() -> Schema {
    let one_of = OneOfBuilder::new()
        .item(ObjectBuilder::new().schema_type(Type::String).pattern(Some(MSISDN_PATTERN)))
        .item(
            ObjectBuilder::new()
                .schema_type(Type::Integer)
                .minimum(Some(10_000_000))
                .maximum(Some(999_999_999_999_999_i64)),
        )
        .description(Some("8 to 15 digits, the country code first; as a string or a number."));
    Schema::OneOf(one_of.build())
}

/// The document's schema of a field that is read only in some cases, and
/// then checked: any value.
pub fn any_schema() -> Schema {
    Schema::Object(ObjectBuilder::new().schema_type(SchemaType::AnyValue).build())
}

/// A phone number in a path or a body string.
pub const MSISDN_PATTERN: &str = r"^(\+|00)?[1-9][0-9]{7,14}$";

/// Reads an enum given as a name (any case) or as its integer code.
pub fn parse_enum<T: Copy>(value: &Value, names: &[(&str, i64, T)]) -> Option<T> {
    match value {
        Value::String(text) => {
            let text = text.trim();
            names
                .iter()
                .find(|(name, code, _)| name.eq_ignore_ascii_case(text) || text == code.to_string())
        }
        Value::Number(number) => names.iter().find(|(_, code, _)| number.as_i64() == Some(*code)),
        _ => None,
    }
    .map(|(_, _, variant)| *variant)
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;
    use serde_json::json;

    use super::*;

    #[test]
    fn enums_are_names_in_any_case_or_codes() {
        let names = [("flash", 0, 'f'), ("sms", 1, 's')];
        assert_eq!(parse_enum(&json!("SMS"), &names), Some('s'));
        assert_eq!(parse_enum(&json!("Flash"), &names), Some('f'));
        assert_eq!(parse_enum(&json!(0), &names), Some('f'));
        assert_eq!(parse_enum(&json!("1"), &names), Some('s'));
        assert_eq!(parse_enum(&json!(2), &names), None);
        assert_eq!(parse_enum(&json!(true), &names), None);
    }

    #[test]
    fn json_media_types_are_those_aspnet_reads() {
        let json = |value: &'static str| {
            let mut headers = HeaderMap::new();
            headers.insert(CONTENT_TYPE, HeaderValue::from_static(value));
            is_json(&headers)
        };
        for yes in [
            "application/json",
            "Application/JSON; charset=utf-8",
            "text/json",
            "application/problem+json",
            "application/vnd.api+json",
            "TEXT/Json",
            "application/Problem+JSON ; charset=utf-8",
        ] {
            assert!(json(yes), "{yes}");
        }
        for no in [
            "text/plain",
            "application/xml",
            "application/jsonx",
            "text/json-seq",
            "image/json",
            "json",
            "application/json+x",
            "",
        ] {
            assert!(!json(no), "{no}");
        }
        assert!(!is_json(&HeaderMap::new()));
    }
}
