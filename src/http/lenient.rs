//! Reading request bodies as leniently as the real gateways do, into the
//! very types that document them.
//!
//! A request type derives `Deserialize` and `ToSchema`: the OpenAPI
//! document shows its fields, and [`from_value`] reads a body into it. Two
//! things make the reading lenient:
//!
//! - [`AnyCase`], the deserializer [`from_value`] uses, matches an
//!   object's keys to the type's field names in any case (.NET's model
//!   binding ignores case, and iP.1's own samples send PascalCase). Only
//!   struct fields are matched so; the keys of maps (a template's
//!   placeholders, say) stay as sent.
//! - A [`Field`] keeps what a field was sent as — absent, `null`, a value
//!   of its type, or a value of another type — so a request with several
//!   bad fields is read whole, and its checks report every one at once in
//!   the gateway's words (ASP.NET reports all failing fields together).

use serde::de::value::StrDeserializer;
use serde::de::{
    DeserializeOwned, DeserializeSeed, Deserializer, IntoDeserializer, MapAccess, SeqAccess,
    Visitor,
};
use serde::{Deserialize, forward_to_deserialize_any};
use serde_json::{Map, Value};

/// Reads `value` into `T`, matching struct fields in any case.
pub fn from_value<T: DeserializeOwned>(value: &Value) -> Result<T, serde_json::Error> {
    T::deserialize(AnyCase(value))
}

/// A deserializer over a JSON value that matches an object's keys to the
/// fields of the struct being read in any case.
#[derive(Clone, Copy)]
pub struct AnyCase<'a>(pub &'a Value);

impl<'de> Deserializer<'de> for AnyCase<'_> {
    type Error = serde_json::Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
        match self.0 {
            Value::Null => visitor.visit_unit(),
            Value::Bool(flag) => visitor.visit_bool(*flag),
            Value::Number(number) => match whole(number) {
                Some(Whole::Unsigned(n)) => visitor.visit_u64(n),
                Some(Whole::Signed(n)) => visitor.visit_i64(n),
                None => number.clone().deserialize_any(visitor),
            },
            Value::String(text) => visitor.visit_str(text),
            Value::Array(items) => visitor.visit_seq(Items(items.iter())),
            Value::Object(map) => visitor.visit_map(Entries::new(map, &[])),
        }
    }

    /// `null` is given as a unit, which an `Option` reads as `None` and a
    /// [`Field`] as [`Field::Null`]; a field not sent at all is given as
    /// none (serde's own deserializer for missing fields), which a
    /// [`Field`] reads as [`Field::Absent`].
    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
        match self.0 {
            Value::Null => visitor.visit_unit(),
            _ => visitor.visit_some(self),
        }
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Self::Error> {
        match self.0 {
            Value::Object(map) => visitor.visit_map(Entries::new(map, fields)),
            _ => self.deserialize_any(visitor),
        }
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Self::Error> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Self::Error> {
        self.0.clone().deserialize_enum(name, variants, visitor)
    }

    forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes
        byte_buf unit unit_struct seq tuple tuple_struct map identifier ignored_any
    }
}

/// A number without a fraction written with one (`3.0`): JSON Schema
/// counts it an integer, so an integer field takes it too.
enum Whole {
    Unsigned(u64),
    Signed(i64),
}

fn whole(number: &serde_json::Number) -> Option<Whole> {
    let float = number.as_f64().filter(|_| number.is_f64())?;
    // Within ±2^53 every whole float is exact.
    const EXACT: f64 = 9_007_199_254_740_992.0;
    if float.fract() != 0.0 || float.abs() > EXACT {
        return None;
    }
    Some(if float >= 0.0 { Whole::Unsigned(float as u64) } else { Whole::Signed(float as i64) })
}

/// Rewrites every whole number written as a float (`3.0`) in `value` as an
/// integer, for readers that take JSON as serde does.
pub fn whole_floats_as_integers(value: &mut Value) {
    match value {
        Value::Number(number) => match whole(number) {
            Some(Whole::Unsigned(n)) => *value = Value::from(n),
            Some(Whole::Signed(n)) => *value = Value::from(n),
            None => {}
        },
        Value::Array(items) => items.iter_mut().for_each(whole_floats_as_integers),
        Value::Object(map) => map.values_mut().for_each(whole_floats_as_integers),
        _ => {}
    }
}

/// The items of an array, each read with [`AnyCase`].
struct Items<'a>(std::slice::Iter<'a, Value>);

impl<'de> SeqAccess<'de> for Items<'_> {
    type Error = serde_json::Error;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, Self::Error> {
        self.0.next().map(|item| seed.deserialize(AnyCase(item))).transpose()
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.0.len())
    }
}

/// The entries of an object; a key matching one of `fields` in any case is
/// given as that field's name.
struct Entries<'a> {
    entries: serde_json::map::Iter<'a>,
    fields: &'static [&'static str],
    value: Option<&'a Value>,
}

impl<'a> Entries<'a> {
    fn new(map: &'a Map<String, Value>, fields: &'static [&'static str]) -> Entries<'a> {
        Entries { entries: map.iter(), fields, value: None }
    }
}

impl<'de> MapAccess<'de> for Entries<'_> {
    type Error = serde_json::Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, Self::Error> {
        let Some((key, value)) = self.entries.next() else { return Ok(None) };
        self.value = Some(value);
        let name = self.fields.iter().find(|f| f.eq_ignore_ascii_case(key)).copied();
        let key: StrDeserializer<'_, serde_json::Error> =
            name.unwrap_or(key.as_str()).into_deserializer();
        seed.deserialize(key).map(Some)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(
        &mut self,
        seed: V,
    ) -> Result<V::Value, Self::Error> {
        let value = self.value.take().unwrap_or(&Value::Null);
        seed.deserialize(AnyCase(value))
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.entries.len())
    }
}

/// A request field as it was sent.
#[derive(Debug, Clone, Default, PartialEq)]
pub enum Field<T> {
    /// Not in the request.
    #[default]
    Absent,
    /// Sent as `null`.
    Null,
    /// Sent as a value of its type.
    Given(T),
    /// Sent as something else, kept for the report.
    Invalid(Value),
}

impl<T: DeserializeOwned> Field<T> {
    /// Reads a field from its value.
    pub fn of(value: Value) -> Field<T> {
        if value.is_null() {
            return Field::Null;
        }
        match from_value(&value) {
            Ok(given) => Field::Given(given),
            Err(_) => Field::Invalid(value),
        }
    }
}

impl<T> Field<T> {
    /// The value when one of its type was sent; `null` counts as absent.
    pub fn given(self) -> Option<T> {
        match self {
            Field::Given(value) => Some(value),
            _ => None,
        }
    }

    /// True when the field was sent as a value of another type.
    pub fn is_invalid(&self) -> bool {
        matches!(self, Field::Invalid(_))
    }

    /// True when the field was not sent, or sent as `null`.
    pub fn is_missing(&self) -> bool {
        matches!(self, Field::Absent | Field::Null)
    }
}

/// Read as an option, so that a struct may leave a field out without
/// `#[serde(default)]` (which would put defaults in the OpenAPI schema).
impl<'de, T: DeserializeOwned> Deserialize<'de> for Field<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Field<T>, D::Error> {
        deserializer.deserialize_option(FieldVisitor(std::marker::PhantomData))
    }
}

struct FieldVisitor<T>(std::marker::PhantomData<T>);

impl<'de, T: DeserializeOwned> Visitor<'de> for FieldVisitor<T> {
    type Value = Field<T>;

    fn expecting(&self, formatter: &mut std::fmt::Formatter) -> std::fmt::Result {
        formatter.write_str("any JSON value")
    }

    fn visit_none<E: serde::de::Error>(self) -> Result<Field<T>, E> {
        Ok(Field::Absent)
    }

    fn visit_unit<E: serde::de::Error>(self) -> Result<Field<T>, E> {
        Ok(Field::Null)
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Field<T>, D::Error> {
        Ok(Field::of(Value::deserialize(deserializer)?))
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[derive(Debug, Deserialize, PartialEq)]
    #[serde(rename_all = "camelCase")]
    struct Request {
        sender: Field<String>,
        delivery_report_url: Field<String>,
        windows: Field<Vec<Window>>,
        values: Field<Map<String, Value>>,
    }

    #[derive(Debug, Deserialize, PartialEq)]
    struct Window {
        opens: String,
    }

    #[test]
    fn struct_fields_match_in_any_case_and_map_keys_stay_as_sent() {
        let body = json!({"SENDER": "Acme", "DeliveryReportUrl": "http://x",
                          "Windows": [{"Opens": "now"}], "values": {"Name": "Ada"}});
        let request: Request = from_value(&body).unwrap();
        assert_eq!(request.sender, Field::Given("Acme".into()));
        assert_eq!(request.delivery_report_url, Field::Given("http://x".into()));
        assert_eq!(request.windows, Field::Given(vec![Window { opens: "now".into() }]));
        let values = request.values.given().unwrap();
        assert!(values.contains_key("Name") && !values.contains_key("name"));
    }

    #[test]
    fn every_field_is_read_whatever_the_others_were_sent_as() {
        let body = json!({"sender": 5, "deliveryReportUrl": null, "windows": "soon"});
        let request: Request = from_value(&body).unwrap();
        assert_eq!(request.sender, Field::Invalid(json!(5)));
        assert_eq!(request.delivery_report_url, Field::Null);
        assert_eq!(request.windows, Field::Invalid(json!("soon")));
        assert_eq!(request.values, Field::Absent);
        assert!(request.values.is_missing());
    }
}
