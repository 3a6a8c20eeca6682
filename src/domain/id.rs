//! ObjectId-style identifiers (24 lowercase hex characters), as iP.1 uses
//! for batches, messages, contacts and landing pages.
//!
//! Layout as MongoDB's: 4 bytes of (virtual) Unix time, 5 random bytes
//! fixed per generator, 3 bytes of a counter. The messages of one batch get
//! consecutive counters, so a message id maps back to its position in the
//! batch without an index.
//!
//! The generator, [`ObjectIds`], belongs to one emulator (its engine's
//! sequences), not to the process: two emulators in one test process make
//! ids independently, and a snapshot carries the generator on.

use std::fmt;
use std::hash::{Hash, Hasher};
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

const COUNTER_MASK: u32 = 0x00ff_ffff;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct ObjectId([u8; 12]);

/// An id hashes as its 12 bytes in one write, which is what the index of
/// an account's batches files it by (`crate::store`'s `InOrder`).
impl Hash for ObjectId {
    fn hash<H: Hasher>(&self, state: &mut H) {
        state.write(&self.0);
    }
}

/// Makes [`ObjectId`]s: five random bytes of its own and a counter.
#[derive(Debug)]
pub struct ObjectIds {
    /// The five bytes, in the low 40 bits (atomic so a snapshot can set them).
    process: AtomicU64,
    counter: AtomicU32,
}

/// Where an [`ObjectIds`] generator is, for a snapshot.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ObjectIdsState {
    /// The generator's own five bytes, as 10 hex characters.
    #[serde(with = "hex_bytes")]
    pub process: [u8; 5],
    pub counter: u32,
}

impl Default for ObjectIds {
    fn default() -> ObjectIds {
        let ids = ObjectIds { process: AtomicU64::new(0), counter: AtomicU32::new(0) };
        ids.restore(ObjectIdsState {
            process: rand::random(),
            counter: rand::random::<u32>() & COUNTER_MASK,
        });
        ids
    }
}

fn pack(process: [u8; 5]) -> u64 {
    let mut bytes = [0u8; 8];
    bytes[3..].copy_from_slice(&process);
    u64::from_be_bytes(bytes)
}

fn unpack(packed: u64) -> [u8; 5] {
    let bytes = packed.to_be_bytes();
    [bytes[3], bytes[4], bytes[5], bytes[6], bytes[7]]
}

impl ObjectIds {
    /// A new id stamped with `at`.
    pub fn next(&self, at: DateTime<Utc>) -> ObjectId {
        self.range(at, 1)
    }

    /// The first of `count` consecutive ids stamped with `at`; the others
    /// are [`ObjectId::offset`] 1 to `count - 1`.
    pub fn range(&self, at: DateTime<Utc>, count: u32) -> ObjectId {
        let counter = self.counter.fetch_add(count.max(1), Ordering::Relaxed) & COUNTER_MASK;
        let mut bytes = [0u8; 12];
        bytes[..4]
            .copy_from_slice(&(at.timestamp().clamp(0, u32::MAX as i64) as u32).to_be_bytes());
        bytes[4..9].copy_from_slice(&unpack(self.process.load(Ordering::Relaxed)));
        bytes[9..].copy_from_slice(&counter.to_be_bytes()[1..]);
        ObjectId(bytes)
    }

    /// Where the generator is.
    pub fn state(&self) -> ObjectIdsState {
        ObjectIdsState {
            process: unpack(self.process.load(Ordering::Relaxed)),
            counter: self.counter.load(Ordering::Relaxed) & COUNTER_MASK,
        }
    }

    /// Puts the generator where a snapshot had it.
    pub fn restore(&self, state: ObjectIdsState) {
        self.process.store(pack(state.process), Ordering::Relaxed);
        self.counter.store(state.counter & COUNTER_MASK, Ordering::Relaxed);
    }
}

/// Five bytes as 10 lowercase hex characters.
mod hex_bytes {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(bytes: &[u8; 5], serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&hex::encode(bytes))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<[u8; 5], D::Error> {
        let text = String::deserialize(deserializer)?;
        let bytes = hex::decode(&text).map_err(serde::de::Error::custom)?;
        bytes.try_into().map_err(|_| serde::de::Error::custom("expected 10 hex characters"))
    }
}

impl ObjectId {
    /// The 24 hex digits, written into `text`: what `Display` writes,
    /// without the formatting machinery.
    pub fn hex<'a>(&self, text: &'a mut [u8; 24]) -> &'a str {
        *text = self.hex_digits();
        std::str::from_utf8(text).unwrap_or_default()
    }

    /// The 24 hex digits as ASCII bytes, for what writes bytes: the check
    /// that makes them a `&str` costs more than writing them. Written by
    /// hand: the `hex` crate's generic encoder took 200 instructions for
    /// the 12 bytes, and a send writes its batch's id twice.
    pub fn hex_digits(&self) -> [u8; 24] {
        const DIGITS: &[u8; 16] = b"0123456789abcdef";
        let mut digits = [0; 24];
        for (pair, byte) in digits.chunks_exact_mut(2).zip(self.0) {
            pair[0] = DIGITS[usize::from(byte >> 4)];
            pair[1] = DIGITS[usize::from(byte & 0x0f)];
        }
        digits
    }

    fn counter(self) -> u32 {
        u32::from_be_bytes([0, self.0[9], self.0[10], self.0[11]])
    }

    /// The id `n` places after this one in its range.
    pub fn offset(self, n: u32) -> ObjectId {
        let counter = (self.counter().wrapping_add(n) & COUNTER_MASK).to_be_bytes();
        let mut bytes = self.0;
        bytes[9..].copy_from_slice(&counter[1..]);
        ObjectId(bytes)
    }

    /// How many places `other` is after this id, when both come from the
    /// same range (same time and process bytes).
    pub fn position_of(self, other: ObjectId) -> Option<u32> {
        (self.0[..9] == other.0[..9])
            .then(|| other.counter().wrapping_sub(self.counter()) & COUNTER_MASK)
    }

    /// Parses 24 hex characters (either case); anything else is `None`.
    pub fn parse(text: &str) -> Option<ObjectId> {
        if text.len() != 24 {
            return None;
        }
        let mut bytes = [0u8; 12];
        for (index, pair) in text.as_bytes().chunks(2).enumerate() {
            let pair = std::str::from_utf8(pair).ok()?;
            bytes[index] = u8::from_str_radix(pair, 16).ok()?;
        }
        Some(ObjectId(bytes))
    }
}

impl fmt::Display for ObjectId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.hex(&mut [0; 24]))
    }
}

impl Serialize for ObjectId {
    /// As a string, written whole (a JSON writer escapes what it is given
    /// piece by piece through `Display`).
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.hex(&mut [0; 24]))
    }
}

impl<'de> Deserialize<'de> for ObjectId {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<ObjectId, D::Error> {
        let text = String::deserialize(deserializer)?;
        ObjectId::parse(&text).ok_or_else(|| serde::de::Error::custom("an id is 24 hex characters"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_24_lowercase_hex_and_parse_back() {
        let id = ObjectIds::default().next(Utc::now());
        let text = id.to_string();
        assert_eq!(text.len(), 24);
        assert!(text.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)));
        assert_eq!(ObjectId::parse(&text), Some(id));
        assert_eq!(ObjectId::parse(&text.to_uppercase()), Some(id));
        assert_eq!(ObjectId::parse("5bc86b6e85c7209830f9693"), None);
        assert_eq!(ObjectId::parse("5bc86b6e85c7209830f9693g"), None);
        assert_eq!(ObjectId::parse("€€€€€€€€"), None);
        let every_digit = ObjectId::parse("0123456789abcdeffedcba98").unwrap();
        assert_eq!(&every_digit.hex_digits(), b"0123456789abcdeffedcba98");
        assert_eq!(every_digit.to_string(), "0123456789abcdeffedcba98");
    }

    #[test]
    fn ranges_map_ids_back_to_positions() {
        let ids = ObjectIds::default();
        let first = ids.range(Utc::now(), 1000);
        let last = first.offset(999);
        assert_ne!(first, last);
        assert_eq!(first.position_of(last), Some(999));
        assert_eq!(first.position_of(first), Some(0));
        let other = ids.next(Utc::now() + chrono::TimeDelta::days(1));
        assert_eq!(first.position_of(other), None);
        let next = ids.next(Utc::now());
        assert!(first.position_of(next).unwrap() >= 1000);
    }

    #[test]
    fn generators_are_independent_and_a_restored_one_goes_on() {
        let now = Utc::now();
        let (one, two) = (ObjectIds::default(), ObjectIds::default());
        assert_ne!(one.next(now), two.next(now));
        let restored = ObjectIds::default();
        restored.restore(one.state());
        assert_eq!(restored.next(now), one.next(now));
    }
}
