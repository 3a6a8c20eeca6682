//! JSON objects written entry by entry, for the document every send
//! answers with (`BatchDocument::write_json` in the iP.1 gateway).
//!
//! serde_json writes a struct's field names as it writes any string: each
//! byte checked for what to escape, and the quotes, the name, the colon
//! and the comma appended one by one. For a batch document that was 6,000
//! instructions, a ninth of a send. Here a name, which needs no escaping,
//! is appended whole with what surrounds it; a string value is checked
//! once and appended whole when nothing in it needs escaping; a unit
//! variant (`Direction::Mt`) is written as the name its `Serialize` gives
//! it, read without serde_json's writer ([`ObjectWriter::variant`]); every
//! other value is written by serde_json. A document written so is held to
//! its `Serialize` output by a unit test.
//!
//! The small writers are marked `#[inline]`: without it, whether they are
//! inlined into a document's writer depended on which of the crate's
//! codegen units each landed in, and a change elsewhere in the crate
//! could put 700 instructions on every send's answer.

use serde::Serialize;
use serde::ser::{Error, Impossible, Serializer};

/// An object being written into a buffer.
pub struct ObjectWriter<'a> {
    out: &'a mut Vec<u8>,
    first: bool,
}

impl<'a> ObjectWriter<'a> {
    /// Opens an object at the end of `out`.
    #[inline]
    pub fn begin(out: &'a mut Vec<u8>) -> ObjectWriter<'a> {
        out.push(b'{');
        ObjectWriter { out, first: true }
    }

    /// Writes the entry's name (which must need no escaping: the names
    /// are the document's own), returning the buffer for its value.
    #[inline]
    pub fn key(&mut self, name: &str) -> &mut Vec<u8> {
        debug_assert!(name.bytes().all(is_plain), "{name:?} needs escaping");
        if !std::mem::take(&mut self.first) {
            self.out.push(b',');
        }
        self.out.push(b'"');
        self.out.extend_from_slice(name.as_bytes());
        self.out.extend_from_slice(b"\":");
        self.out
    }

    #[inline]
    pub fn str(&mut self, name: &str, value: &str) {
        write_str(self.key(name), value);
    }

    /// A string of ASCII letters and digits, which needs no escaping nor a
    /// check that it does not.
    #[inline]
    pub fn ascii(&mut self, name: &str, value: &[u8]) {
        debug_assert!(value.iter().all(u8::is_ascii_alphanumeric), "{value:?} is not plain");
        let out = self.key(name);
        out.push(b'"');
        out.extend_from_slice(value);
        out.push(b'"');
    }

    /// A string, or `null`.
    #[inline]
    pub fn optional_str(&mut self, name: &str, value: Option<&str>) {
        match value {
            Some(value) => self.str(name, value),
            None => self.key(name).extend_from_slice(b"null"),
        }
    }

    pub fn strings(&mut self, name: &str, values: &[String]) {
        let out = self.key(name);
        out.push(b'[');
        for (index, value) in values.iter().enumerate() {
            if index > 0 {
                out.push(b',');
            }
            write_str(out, value);
        }
        out.push(b']');
    }

    #[inline]
    pub fn integer(&mut self, name: &str, value: impl itoa::Integer) {
        self.key(name).extend_from_slice(itoa::Buffer::new().format(value).as_bytes());
    }

    #[inline]
    pub fn bool(&mut self, name: &str, value: bool) {
        self.key(name).extend_from_slice(if value { b"true" } else { b"false" });
    }

    /// A unit variant (`Direction::Mt`, written `"mt"`), as serde_json
    /// writes it; any other value too, by serde_json itself.
    #[inline]
    pub fn variant<T: Serialize>(&mut self, name: &str, value: &T) -> serde_json::Result<()> {
        match value.serialize(VariantName) {
            Ok(variant) => {
                write_str(self.key(name), variant);
                Ok(())
            }
            Err(NotAUnitVariant) => self.value(name, value),
        }
    }

    /// Any other value, as serde_json writes it.
    pub fn value<T: Serialize + ?Sized>(
        &mut self,
        name: &str,
        value: &T,
    ) -> serde_json::Result<()> {
        serde_json::to_writer(self.key(name), value)
    }

    /// Closes the object.
    #[inline]
    pub fn end(self) {
        self.out.push(b'}');
    }
}

/// A JSON string, as serde_json writes it: only `"`, `\` and control
/// characters are escaped.
#[inline]
pub fn write_str(out: &mut Vec<u8>, text: &str) {
    if text.bytes().all(is_plain) {
        out.push(b'"');
        out.extend_from_slice(text.as_bytes());
        out.push(b'"');
    } else {
        // Writing a string into memory does not fail.
        let _ = serde_json::to_writer(out, text);
    }
}

/// A serializer that reads the name of a unit variant, and refuses every
/// other value: an enum's `Serialize` says its name in one call, where
/// serde_json's writer took a few hundred instructions a send for the
/// four of a batch document.
struct VariantName;

/// What [`VariantName`] answers for a value that is not a unit variant.
#[derive(Debug)]
struct NotAUnitVariant;

impl std::fmt::Display for NotAUnitVariant {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str("not a unit variant")
    }
}

impl std::error::Error for NotAUnitVariant {}

impl Error for NotAUnitVariant {
    fn custom<T: std::fmt::Display>(_: T) -> Self {
        NotAUnitVariant
    }
}

/// Methods of [`VariantName`] that refuse their value.
macro_rules! refuse {
    ($($method:ident($($argument:ty),*) -> $ok:ty;)*) => {
        $(fn $method(self, $(_: $argument),*) -> Result<$ok, NotAUnitVariant> {
            Err(NotAUnitVariant)
        })*
    };
}

impl Serializer for VariantName {
    type Ok = &'static str;
    type Error = NotAUnitVariant;
    type SerializeSeq = Impossible<&'static str, NotAUnitVariant>;
    type SerializeTuple = Impossible<&'static str, NotAUnitVariant>;
    type SerializeTupleStruct = Impossible<&'static str, NotAUnitVariant>;
    type SerializeTupleVariant = Impossible<&'static str, NotAUnitVariant>;
    type SerializeMap = Impossible<&'static str, NotAUnitVariant>;
    type SerializeStruct = Impossible<&'static str, NotAUnitVariant>;
    type SerializeStructVariant = Impossible<&'static str, NotAUnitVariant>;

    fn serialize_unit_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
    ) -> Result<&'static str, NotAUnitVariant> {
        Ok(variant)
    }

    fn serialize_some<T: Serialize + ?Sized>(self, _: &T) -> Result<&'static str, NotAUnitVariant> {
        Err(NotAUnitVariant)
    }

    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: &T,
    ) -> Result<&'static str, NotAUnitVariant> {
        Err(NotAUnitVariant)
    }

    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &T,
    ) -> Result<&'static str, NotAUnitVariant> {
        Err(NotAUnitVariant)
    }

    refuse! {
        serialize_bool(bool) -> &'static str;
        serialize_i8(i8) -> &'static str;
        serialize_i16(i16) -> &'static str;
        serialize_i32(i32) -> &'static str;
        serialize_i64(i64) -> &'static str;
        serialize_u8(u8) -> &'static str;
        serialize_u16(u16) -> &'static str;
        serialize_u32(u32) -> &'static str;
        serialize_u64(u64) -> &'static str;
        serialize_f32(f32) -> &'static str;
        serialize_f64(f64) -> &'static str;
        serialize_char(char) -> &'static str;
        serialize_str(&str) -> &'static str;
        serialize_bytes(&[u8]) -> &'static str;
        serialize_none() -> &'static str;
        serialize_unit() -> &'static str;
        serialize_unit_struct(&'static str) -> &'static str;
        serialize_seq(Option<usize>) -> Self::SerializeSeq;
        serialize_tuple(usize) -> Self::SerializeTuple;
        serialize_tuple_struct(&'static str, usize) -> Self::SerializeTupleStruct;
        serialize_tuple_variant(&'static str, u32, &'static str, usize) -> Self::SerializeTupleVariant;
        serialize_map(Option<usize>) -> Self::SerializeMap;
        serialize_struct(&'static str, usize) -> Self::SerializeStruct;
        serialize_struct_variant(&'static str, u32, &'static str, usize) -> Self::SerializeStructVariant;
    }
}

fn is_plain(byte: u8) -> bool {
    byte >= 0x20 && byte != b'"' && byte != b'\\'
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_are_written_as_serde_json_writes_them() {
        let texts = [
            "",
            "plain",
            "quote \" and \\ backslash",
            "tab\tnew\nline\r",
            "\u{0}\u{1f}\u{7f}",
            "åäö 😀 \u{2028}",
            "</script>",
            "\\u0041",
        ];
        for text in texts {
            let mut out = Vec::new();
            write_str(&mut out, text);
            assert_eq!(out, serde_json::to_vec(text).unwrap(), "{text:?}");
        }
    }

    #[test]
    fn an_object_is_written_as_serde_json_writes_the_same_map() {
        let mut out = Vec::new();
        let mut object = ObjectWriter::begin(&mut out);
        object.str("a", "x\"y");
        object.optional_str("b", None);
        object.optional_str("c", Some("z"));
        object.strings("d", &["p".into(), "q\n".into()]);
        object.integer("e", -17_i64);
        object.bool("f", true);
        object.value("g", &0.1_f64).unwrap();
        let mut nested = ObjectWriter::begin(object.key("h"));
        nested.integer("i", u64::MAX);
        nested.end();
        ObjectWriter::begin(object.key("j")).end();
        object.variant("k", &crate::domain::message::Direction::Mo).unwrap();
        object.variant("l", &Some(1)).unwrap();
        object.ascii("m", b"5bc86b6e85c7209830f96936");
        object.end();
        let expected = serde_json::json!({"a": "x\"y", "b": null, "c": "z", "d": ["p", "q\n"],
            "e": -17, "f": true, "g": 0.1, "h": {"i": u64::MAX}, "j": {}, "k": "mo", "l": 1, "m": "5bc86b6e85c7209830f96936"});
        assert_eq!(String::from_utf8(out).unwrap(), expected.to_string());
    }
}
