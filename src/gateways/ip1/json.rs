//! Reading iP.1 request bodies the way real clients send them: JSON
//! property names in any case (the official samples send PascalCase) and
//! enums as strings in any case or as their integer codes (§2.3).

use std::collections::HashMap;

use axum::extract::{FromRequest, FromRequestParts};
use serde_json::Value;

use super::error::{FieldErrors, Ip1Error};

/// A JSON body whose rejections (not JSON, wrong Content-Type, too large)
/// answer in iP.1's problem-details format.
#[derive(FromRequest)]
#[from_request(via(axum::Json), rejection(Ip1Error))]
pub struct Ip1Json<T>(pub T);

/// Path parameters whose rejection (an id that is not valid UTF-8) is a
/// 404 in iP.1's format: no such resource can exist.
#[derive(FromRequestParts)]
#[from_request(via(axum::extract::Path), rejection(Ip1Error))]
pub struct Ip1Path<T>(pub T);

/// A JSON object's properties by lower-cased name.
pub struct Properties(HashMap<String, Value>);

impl Properties {
    /// `None` when the value is not an object.
    pub fn of(value: Value) -> Option<Properties> {
        match value {
            Value::Object(map) => Some(Properties(
                map.into_iter().map(|(k, v)| (k.to_ascii_lowercase(), v)).collect(),
            )),
            _ => None,
        }
    }

    /// Takes a property by name (any case); JSON `null` counts as absent.
    pub fn take(&mut self, name: &str) -> Option<Value> {
        self.0.remove(&name.to_ascii_lowercase()).filter(|v| !v.is_null())
    }

    /// True when the property was sent, even as `null`.
    pub fn has(&self, name: &str) -> bool {
        self.0.contains_key(&name.to_ascii_lowercase())
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
    use serde_json::json;

    use super::*;

    #[test]
    fn property_names_are_matched_in_any_case() {
        let mut properties =
            Properties::of(json!({"Sender": "Acme", "BODY": "hi", "tags": null})).unwrap();
        assert_eq!(properties.take("sender"), Some(json!("Acme")));
        assert_eq!(properties.take("body"), Some(json!("hi")));
        assert!(properties.has("tags"));
        assert_eq!(properties.take("tags"), None);
        assert!(Properties::of(json!([1])).is_none());
    }

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
}
