//! Reading request bodies as leniently as the real gateways do, into the
//! very types that document them.
//!
//! A request type derives `Deserialize` and `ToSchema`: the OpenAPI
//! document shows its fields, and [`from_value`] reads a body into it. Two
//! things make the reading lenient:
//!
//! - `AnyCase`, the deserializer both readers wrap around serde_json's,
//!   matches an object's keys to the type's field names in any case (.NET's
//!   model binding ignores case, and iP.1's own samples send PascalCase),
//!   and reads a whole float (`3.0`) as an integer. Only struct fields are
//!   matched so; the keys of maps (a template's placeholders, say) stay as
//!   sent.
//! - A [`Field`] keeps what a field was sent as — absent, `null`, a value
//!   of its type, or a value of another type — so a request with several
//!   bad fields is read whole, and its checks report every one at once in
//!   the gateway's words (ASP.NET reports all failing fields together).
//!
//! [`from_object_slice`] reads the same way straight from a body's bytes,
//! without building the JSON value first: how iP.1 request bodies are read.

use serde::de::value::{
    BoolDeserializer, F64Deserializer, I64Deserializer, MapAccessDeserializer,
    SeqAccessDeserializer, StrDeserializer, U64Deserializer,
};
use serde::de::{
    DeserializeOwned, DeserializeSeed, Deserializer, IntoDeserializer, MapAccess, SeqAccess,
    Visitor,
};
use serde::{Deserialize, forward_to_deserialize_any};
use serde_json::Value;

/// Reads `value` into `T`, matching struct fields in any case.
pub fn from_value<T: DeserializeOwned>(value: &Value) -> Result<T, serde_json::Error> {
    T::deserialize(AnyCase(value))
}

/// A number without a fraction written with one (`3.0`): JSON Schema
/// counts it an integer, so an integer field takes it too.
enum Whole {
    Unsigned(u64),
    Signed(i64),
}

fn whole_number(number: &serde_json::Number) -> Option<Whole> {
    whole(number.as_f64().filter(|_| number.is_f64())?)
}

fn whole(float: f64) -> Option<Whole> {
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
        Value::Number(number) => match whole_number(number) {
            Some(Whole::Unsigned(n)) => *value = Value::from(n),
            Some(Whole::Signed(n)) => *value = Value::from(n),
            None => {}
        },
        Value::Array(items) => items.iter_mut().for_each(whole_floats_as_integers),
        Value::Object(map) => map.values_mut().for_each(whole_floats_as_integers),
        _ => {}
    }
}

/// Reads a JSON object straight from `bytes` into `T`, exactly as
/// [`from_value`] reads it from the parsed value: struct fields in any
/// case, whole floats as integers, every string checked as parsing checks
/// it.
///
/// `None` when the body is not one JSON object that reads so in one pass.
/// That includes a body that is not JSON, or whose object repeats a
/// property: parsing keeps the last of several, which a single pass
/// cannot know in time. The caller then parses the value and reads it
/// with [`from_value`], which words every error; whenever this gives a
/// request, that read gives the same one.
pub fn from_object_slice<T: DeserializeOwned>(bytes: &[u8]) -> Option<T> {
    let first = bytes.iter().find(|byte| !matches!(byte, b' ' | b'\t' | b'\n' | b'\r'));
    if first != Some(&b'{') {
        return None;
    }
    // Checked as UTF-8 once here, rather than string by string.
    let text = std::str::from_utf8(bytes).ok()?;
    let mut parser = serde_json::Deserializer::from_str(text);
    let read = T::deserialize(AnyCase(&mut parser)).ok()?;
    parser.end().ok()?;
    Some(read)
}

/// The lenient reading over serde_json's deserializer of a parsed value
/// or of a body's bytes: each request becomes an [`AnyCaseVisitor`] of
/// its values. Everything but a struct, an option, a newtype and an enum
/// is read through `deserialize_any`, so that a whole float reaches an
/// integer field as an integer, and ignored properties of a body are
/// checked as parsing it into a value checks them (the parser's skipping
/// lets a lone surrogate through).
struct AnyCase<D>(D);

impl<'de, D: Deserializer<'de>> Deserializer<'de> for AnyCase<D> {
    type Error = D::Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, D::Error> {
        self.0.deserialize_any(AnyCaseVisitor { visitor, fields: &[] })
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, D::Error> {
        self.0.deserialize_option(AnyCaseVisitor { visitor, fields: &[] })
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        self.0.deserialize_any(AnyCaseVisitor { visitor, fields })
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        self.0.deserialize_enum(name, variants, visitor)
    }

    forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes
        byte_buf unit unit_struct seq tuple tuple_struct map identifier ignored_any
    }
}

/// Hands the values on to `visitor` leniently: a whole float as an
/// integer, `null` asked for as an option as a unit (which a [`Field`]
/// reads as sent `null`), and an object's keys matched to `fields` (a
/// struct's) in any case.
struct AnyCaseVisitor<V> {
    visitor: V,
    fields: &'static [&'static str],
}

impl<'de, V: Visitor<'de>> Visitor<'de> for AnyCaseVisitor<V> {
    type Value = V::Value;

    fn expecting(&self, formatter: &mut std::fmt::Formatter) -> std::fmt::Result {
        self.visitor.expecting(formatter)
    }

    fn visit_bool<E: serde::de::Error>(self, flag: bool) -> Result<V::Value, E> {
        self.visitor.visit_bool(flag)
    }

    fn visit_i64<E: serde::de::Error>(self, n: i64) -> Result<V::Value, E> {
        self.visitor.visit_i64(n)
    }

    fn visit_u64<E: serde::de::Error>(self, n: u64) -> Result<V::Value, E> {
        self.visitor.visit_u64(n)
    }

    fn visit_f64<E: serde::de::Error>(self, float: f64) -> Result<V::Value, E> {
        match whole(float) {
            Some(Whole::Unsigned(n)) => self.visitor.visit_u64(n),
            Some(Whole::Signed(n)) => self.visitor.visit_i64(n),
            None => self.visitor.visit_f64(float),
        }
    }

    fn visit_str<E: serde::de::Error>(self, text: &str) -> Result<V::Value, E> {
        self.visitor.visit_str(text)
    }

    fn visit_borrowed_str<E: serde::de::Error>(self, text: &'de str) -> Result<V::Value, E> {
        self.visitor.visit_borrowed_str(text)
    }

    fn visit_string<E: serde::de::Error>(self, text: String) -> Result<V::Value, E> {
        self.visitor.visit_string(text)
    }

    fn visit_unit<E: serde::de::Error>(self) -> Result<V::Value, E> {
        self.visitor.visit_unit()
    }

    fn visit_none<E: serde::de::Error>(self) -> Result<V::Value, E> {
        self.visitor.visit_unit()
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<V::Value, D::Error> {
        self.visitor.visit_some(AnyCase(deserializer))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, items: A) -> Result<V::Value, A::Error> {
        self.visitor.visit_seq(Items(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, entries: A) -> Result<V::Value, A::Error> {
        self.visitor.visit_map(Entries { entries, fields: self.fields })
    }
}

/// An array's items, each read through [`AnyCase`].
struct Items<A>(A);

impl<'de, A: SeqAccess<'de>> SeqAccess<'de> for Items<A> {
    type Error = A::Error;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, A::Error> {
        self.0.next_element_seed(AnyCaseSeed(seed))
    }

    fn size_hint(&self) -> Option<usize> {
        self.0.size_hint()
    }
}

/// An object's entries: values read through [`AnyCase`], keys matching
/// one of `fields` in any case given as that field's name.
struct Entries<A> {
    entries: A,
    fields: &'static [&'static str],
}

impl<'de, A: MapAccess<'de>> MapAccess<'de> for Entries<A> {
    type Error = A::Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, A::Error> {
        if self.fields.is_empty() {
            self.entries.next_key_seed(seed)
        } else {
            self.entries.next_key_seed(FieldName { seed, fields: self.fields })
        }
    }

    fn next_value_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<T::Value, A::Error> {
        self.entries.next_value_seed(AnyCaseSeed(seed))
    }

    fn size_hint(&self) -> Option<usize> {
        self.entries.size_hint()
    }
}

/// Reads a value through [`AnyCase`].
struct AnyCaseSeed<S>(S);

impl<'de, S: DeserializeSeed<'de>> DeserializeSeed<'de> for AnyCaseSeed<S> {
    type Value = S::Value;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<S::Value, D::Error> {
        self.0.deserialize(AnyCase(deserializer))
    }
}

/// A struct's key, given to `seed` as the field it names in any case.
struct FieldName<K> {
    seed: K,
    fields: &'static [&'static str],
}

impl<'de, K: DeserializeSeed<'de>> DeserializeSeed<'de> for FieldName<K> {
    type Value = K::Value;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<K::Value, D::Error> {
        deserializer.deserialize_str(self)
    }
}

impl<'de, K: DeserializeSeed<'de>> Visitor<'de> for FieldName<K> {
    type Value = K::Value;

    fn expecting(&self, formatter: &mut std::fmt::Formatter) -> std::fmt::Result {
        formatter.write_str("a property name")
    }

    fn visit_str<E: serde::de::Error>(self, key: &str) -> Result<K::Value, E> {
        let name = self.fields.iter().find(|f| f.eq_ignore_ascii_case(key)).copied();
        let key: StrDeserializer<'_, E> = name.unwrap_or(key).into_deserializer();
        self.seed.deserialize(key)
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
    /// Sent as something else, kept for the report; boxed, as it is rare
    /// and a JSON value is several times the size of most fields.
    Invalid(Box<Value>),
}

impl<T: DeserializeOwned> Field<T> {
    /// Reads a field from its value.
    pub fn of(value: Value) -> Field<T> {
        if value.is_null() {
            return Field::Null;
        }
        match from_value(&value) {
            Ok(given) => Field::Given(given),
            Err(_) => Field::Invalid(Box::new(value)),
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
        deserializer.deserialize_any(SentVisitor(std::marker::PhantomData))
    }
}

/// Reads a field that was sent, as [`Field::of`] reads its value: a
/// string, a number or a flag straight into `T`, its JSON value made only
/// when `T` refuses it (a string read into a `String` is then copied once,
/// not twice and dropped); an array or an object through its value.
struct SentVisitor<T>(std::marker::PhantomData<T>);

impl<T: DeserializeOwned> SentVisitor<T> {
    /// `T` read from `deserializer` (a single value, read through
    /// [`AnyCase`] as the value would be), or `sent` as the invalid value.
    fn scalar<'de, D: Deserializer<'de>>(
        deserializer: D,
        sent: impl FnOnce() -> Value,
    ) -> Field<T> {
        match T::deserialize(AnyCase(deserializer)) {
            Ok(given) => Field::Given(given),
            Err(_) => Field::Invalid(Box::new(sent())),
        }
    }
}

impl<'de, T: DeserializeOwned> Visitor<'de> for SentVisitor<T> {
    type Value = Field<T>;

    fn expecting(&self, formatter: &mut std::fmt::Formatter) -> std::fmt::Result {
        formatter.write_str("any JSON value")
    }

    fn visit_bool<E: serde::de::Error>(self, flag: bool) -> Result<Field<T>, E> {
        Ok(Self::scalar(flag.into_deserializer() as BoolDeserializer<E>, || Value::Bool(flag)))
    }

    fn visit_u64<E: serde::de::Error>(self, n: u64) -> Result<Field<T>, E> {
        Ok(Self::scalar(n.into_deserializer() as U64Deserializer<E>, || Value::from(n)))
    }

    fn visit_i64<E: serde::de::Error>(self, n: i64) -> Result<Field<T>, E> {
        // A JSON value keeps a non-negative integer as unsigned.
        if let Ok(unsigned) = u64::try_from(n) {
            return self.visit_u64(unsigned);
        }
        Ok(Self::scalar(n.into_deserializer() as I64Deserializer<E>, || Value::from(n)))
    }

    fn visit_f64<E: serde::de::Error>(self, float: f64) -> Result<Field<T>, E> {
        // A JSON value holds no infinity (nor does JSON): it would be null.
        if !float.is_finite() {
            return Ok(Field::Null);
        }
        Ok(Self::scalar(float.into_deserializer() as F64Deserializer<E>, || Value::from(float)))
    }

    fn visit_str<E: serde::de::Error>(self, text: &str) -> Result<Field<T>, E> {
        let read: StrDeserializer<'_, E> = text.into_deserializer();
        Ok(Self::scalar(read, || Value::String(text.to_owned())))
    }

    fn visit_unit<E: serde::de::Error>(self) -> Result<Field<T>, E> {
        Ok(Field::Null)
    }

    fn visit_none<E: serde::de::Error>(self) -> Result<Field<T>, E> {
        Ok(Field::Null)
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Field<T>, D::Error> {
        Ok(Field::of(Value::deserialize(deserializer)?))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, items: A) -> Result<Field<T>, A::Error> {
        Ok(Field::of(Value::deserialize(SeqAccessDeserializer::new(items))?))
    }

    fn visit_map<A: MapAccess<'de>>(self, entries: A) -> Result<Field<T>, A::Error> {
        Ok(Field::of(Value::deserialize(MapAccessDeserializer::new(entries))?))
    }
}

#[cfg(test)]
mod tests {
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;
    use serde_json::{Map, json};

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

    /// Every kind of field a request type has: through [`Field`], and
    /// read directly (an option of a value, of a struct, of a number).
    #[derive(Debug, Deserialize, PartialEq)]
    #[serde(rename_all = "camelCase")]
    struct Rich {
        sender: Field<String>,
        count: Field<u32>,
        windows: Field<Vec<Window>>,
        values: Field<Map<String, Value>>,
        anything: Field<Value>,
        recipients: Option<Value>,
        window: Option<Window>,
        limit: Option<u32>,
    }

    /// The two readers of a body: straight from the bytes, and the value
    /// parsed first (`None` where parsing fails or gives no object).
    fn both_reads(body: &[u8]) -> (Option<Rich>, Option<Rich>) {
        let parsed = serde_json::from_slice::<Value>(body).ok().filter(Value::is_object);
        (from_object_slice(body), parsed.and_then(|value| from_value(&value).ok()))
    }

    #[test]
    fn a_body_read_straight_from_its_bytes_is_read_as_its_parsed_value_is() {
        const KEYS: [&str; 9] = [
            "sender",
            "SENDER",
            "count",
            "Windows",
            "values",
            "anything",
            "recipients",
            "Window",
            "limit",
        ];
        const VALUES: [&str; 20] = [
            "null",
            r#""Acme""#,
            r#""a\"b\\ \u00e9 \ud83d\ude00 \/""#,
            "5",
            "3.0",
            "-2.0",
            "1.5",
            "18446744073709551616",
            "-0.0",
            "true",
            "[]",
            r#"[{"OPENS": "now"}, {"opens": "x"}]"#,
            r#"{"Name": "Ada", "name": "x", "Name": "again"}"#,
            r#"{"opens": "x", "OPENS": "y"}"#,
            r#"{"Opens": "later", "extra": [1, 2.0, {"x": null}]}"#,
            r#"[46700000000, "4670", 3.0]"#,
            r#"{"46700000000": {"name": "Ada"}, "default": null}"#,
            r#""\ud800""#,
            "1e400",
            "4294967296",
        ];
        // Deterministic draws: a fixed seed.
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        let mut draw = |n: usize| rng.random_range(0..n);
        let (mut straight, mut only_parsed) = (0, 0);
        for _ in 0..20_000 {
            let entries = 1 + draw(4);
            let mut names: Vec<String> = Vec::new();
            let mut text = String::from(if draw(5) == 0 { " \r\n\t{" } else { "{" });
            for index in 0..entries {
                let key = KEYS[draw(KEYS.len())];
                let value = VALUES[draw(VALUES.len())];
                if index > 0 {
                    text.push(',');
                }
                text.push_str(&format!("\"{key}\": {value}"));
                names.push(key.to_ascii_lowercase());
            }
            if draw(6) == 0 {
                text.push_str(r#", "unknown": {"deep": ["\ud800", 1e5]}"#);
            }
            text.push('}');
            let body: Vec<u8> = match draw(12) {
                0 => format!("{text} x").into_bytes(),
                1 => text.replacen('{', "[", 1).into_bytes(),
                2 => text.replacen("Acme", "Ac\u{0}me", 1).into_bytes(),
                3 => text
                    .replacen("Acme", "Ac\u{FFFD}me", 1)
                    .replace('\u{FFFD}', "\u{FF}")
                    .into_bytes(),
                4 => {
                    let mut bytes = text.into_bytes();
                    if let Some(at) = bytes.iter().position(|byte| *byte == b'A') {
                        bytes[at] = 0xFF;
                    }
                    bytes
                }
                _ => text.into_bytes(),
            };
            let (fast, slow) = both_reads(&body);
            let shown = String::from_utf8_lossy(&body);
            if let Some(fast) = &fast {
                assert_eq!(Some(fast), slow.as_ref(), "{shown}");
                straight += 1;
            }
            let repeated = names.iter().enumerate().any(|(i, name)| names[..i].contains(name));
            let struct_repeats = shown.contains(r#""Window": {"opens": "x", "OPENS": "y"}"#);
            if slow.is_some() && fast.is_none() {
                assert!(repeated || struct_repeats, "read only through the parsed value: {shown}");
                only_parsed += 1;
            }
        }
        // The draws reach both ways of reading a request.
        assert!(straight > 4_000 && only_parsed > 400, "{straight} straight, {only_parsed} parsed");
    }

    #[test]
    fn a_body_read_straight_from_its_bytes_keeps_nothing_parsing_refuses() {
        for body in [
            &br#"{"sender": "a", "zz": "\ud800"}"#[..],
            br#"{"sender": "a", "zz": "\xff"}"#,
            br#"{"sender": "a", "zz": "tab	inside"}"#,
            br#"{"sender": "a"} {"sender": "b"}"#,
            br#"{"sender": "a",}"#,
            br#"{"sender": "a", "sender": "b"}"#,
            br#"{"sender": "a", "Sender": "b"}"#,
            br#"["sender"]"#,
            b"",
        ] {
            assert!(both_reads(body).0.is_none(), "{}", String::from_utf8_lossy(body));
        }
        // The last of repeated properties counts, as parsing keeps it.
        let (_, slow) = both_reads(br#"{"sender": "a", "sender": "b"}"#);
        assert_eq!(slow.map(|read| read.sender), Some(Field::Given("b".into())));
    }

    #[test]
    fn a_deeply_nested_body_is_read_as_deep_as_parsing_allows() {
        // serde_json refuses nesting past 128 levels, either way.
        let nested = |depth: usize| format!("{}{}", "[".repeat(depth), "]".repeat(depth));
        for (depth, readable) in [(126, true), (200, false), (100_000, false)] {
            let inner = nested(depth);
            for body in [
                format!(r#"{{"sender": "a", "unknown": {inner}}}"#),
                format!(r#"{{"sender": "a", "recipients": {inner}}}"#),
                format!(r#"{{"sender": "a", "anything": {inner}}}"#),
            ] {
                let (fast, slow) = both_reads(body.as_bytes());
                assert_eq!(fast.is_some(), readable, "{depth}");
                assert_eq!(fast, slow, "{depth}");
            }
        }
    }

    /// One field of any type, for reading each kind of value into it.
    #[derive(Debug, Deserialize)]
    #[serde(bound = "T: DeserializeOwned")]
    struct Holder<T> {
        field: Field<T>,
    }

    /// Checks that both readers read `value` into a `Field<T>` as
    /// [`Field::of`] reads the value parsing gives (whole floats already
    /// integers).
    fn read_as_field_of<T: DeserializeOwned + PartialEq + std::fmt::Debug>(value: &Value) {
        let mut parsed = value.clone();
        whole_floats_as_integers(&mut parsed);
        let expected = Field::<T>::of(parsed);
        let body = format!(r#"{{"FIELD": {value}}}"#);
        let from_bytes = from_object_slice::<Holder<T>>(body.as_bytes()).map(|read| read.field);
        let from_value = from_value::<Holder<T>>(&json!({"field": value})).map(|read| read.field);
        let name = std::any::type_name::<T>();
        assert_eq!(from_bytes.as_ref(), Some(&expected), "{body} as {name}, from its bytes");
        assert_eq!(from_value.ok().as_ref(), Some(&expected), "{body} as {name}, from its value");
    }

    #[test]
    fn a_field_is_read_as_its_value_would_be_whatever_was_sent() {
        use crate::domain::message::SmsType;
        use crate::gateways::ip1::json::{Coded, StringOrNumber};

        let values = [
            json!("Acme"),
            json!(""),
            json!("5"),
            json!(" 1 "),
            json!("flash"),
            json!("FLASH"),
            json!("sms"),
            json!("46701234567"),
            json!("a\"b \u{e9} \u{1F600}"),
            json!(0),
            json!(1),
            json!(255),
            json!(256),
            json!(-1),
            json!(-129),
            json!(4_294_967_296_u64),
            json!(u64::MAX),
            json!(i64::MIN),
            json!(1.5),
            json!(-2.5),
            json!(3.0),
            json!(-2.0),
            json!(1e300),
            json!(true),
            json!(false),
            json!(null),
            json!([]),
            json!([1, "a", 2.0]),
            json!({"opens": "x"}),
            json!({"OPENS": "y", "extra": [1.0]}),
            json!({"flash": null}),
        ];
        for value in &values {
            read_as_field_of::<String>(value);
            read_as_field_of::<u8>(value);
            read_as_field_of::<u32>(value);
            read_as_field_of::<i64>(value);
            read_as_field_of::<f64>(value);
            read_as_field_of::<bool>(value);
            read_as_field_of::<Value>(value);
            read_as_field_of::<Vec<Value>>(value);
            read_as_field_of::<Map<String, Value>>(value);
            read_as_field_of::<Window>(value);
            read_as_field_of::<SmsType>(value);
            read_as_field_of::<Coded<SmsType>>(value);
            read_as_field_of::<StringOrNumber>(value);
        }
    }

    #[test]
    fn whole_floats_are_integers_and_other_numbers_keep_their_type() {
        let body = json!({"COUNT": 3.0, "limit": 4294967295.0, "anything": 2.0,
                          "recipients": [46700000000.0, 1.5], "Window": {"OPENS": "now"}});
        let request: Rich = from_value(&body).unwrap();
        assert_eq!(request.count, Field::Given(3));
        assert_eq!(request.limit, Some(u32::MAX));
        assert_eq!(request.anything, Field::Given(json!(2)));
        assert_eq!(request.recipients, Some(json!([46_700_000_000_u64, 1.5])));
        assert_eq!(request.window, Some(Window { opens: "now".into() }));
        for (count, read) in [
            (json!(-2.0), Field::Invalid(Box::new(json!(-2)))),
            (json!(1.5), Field::Invalid(Box::new(json!(1.5)))),
            (json!(null), Field::Null),
        ] {
            let request: Rich = from_value(&json!({"count": count})).unwrap();
            assert_eq!(request.count, read);
        }
        assert_eq!(from_value::<Rich>(&json!({})).unwrap().count, Field::Absent);
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
        assert_eq!(request.sender, Field::Invalid(Box::new(json!(5))));
        assert_eq!(request.delivery_report_url, Field::Null);
        assert_eq!(request.windows, Field::Invalid(Box::new(json!("soon"))));
        assert_eq!(request.values, Field::Absent);
        assert!(request.values.is_missing());
    }
}
