//! A hash map that grows without stalling.
//!
//! A hash map that outgrows its table moves every entry into one twice the
//! size, at once. For an account's index of its batches that happened under
//! the account's lock, stalling every send to the account meanwhile: 6 ms
//! at 229,000 batches, twice that at each doubling after, 27 ms at 917,000
//! (README, Performance). Here a map that reaches [`SPLIT_AT`] entries is
//! split into [`PARTS`] maps by its keys' hashes, each growing on its own:
//! up to a million entries no insert takes more than about half a
//! millisecond, and a small map (nearly every one) stays a single table,
//! costing no more than before.

use std::borrow::Borrow;
use std::collections::hash_map::Entry;
use std::hash::{BuildHasher, Hash};

use foldhash::HashMap;
use foldhash::fast::FixedState;

/// Entries at which a map is split into parts (about a quarter of a
/// millisecond, as long as the single table's growth to it).
const SPLIT_AT: usize = 4 * 1024;

/// Parts a split map has: at a million entries, each holds about 4,000 and
/// moves them in half a millisecond when it grows.
const PARTS: usize = 256;

/// Picks a key's part. A seed of its own, so that a part's keys do not
/// share the bits its own table files them by.
const PART_SEED: u64 = 0x005e_ed0f_9a27;

#[derive(Debug, Clone)]
pub enum SplitMap<K, V> {
    One(HashMap<K, V>),
    Split(Box<[HashMap<K, V>]>),
}

impl<K, V> Default for SplitMap<K, V> {
    fn default() -> Self {
        SplitMap::One(HashMap::default())
    }
}

fn part_of<Q: Hash + ?Sized>(key: &Q) -> usize {
    let hash = FixedState::with_seed(PART_SEED).hash_one(key);
    // The hash's top bits: PARTS is a power of two.
    (hash >> (u64::BITS - PARTS.trailing_zeros())) as usize
}

impl<K: Hash + Eq, V> SplitMap<K, V> {
    fn map_of<Q: Hash + ?Sized>(&self, key: &Q) -> &HashMap<K, V> {
        match self {
            SplitMap::One(map) => map,
            SplitMap::Split(parts) => &parts[part_of(key)],
        }
    }

    fn map_of_mut<Q: Hash + ?Sized>(&mut self, key: &Q) -> &mut HashMap<K, V> {
        match self {
            SplitMap::One(map) => map,
            SplitMap::Split(parts) => &mut parts[part_of(key)],
        }
    }

    pub fn get<Q: Hash + Eq + ?Sized>(&self, key: &Q) -> Option<&V>
    where
        K: Borrow<Q>,
    {
        self.map_of(key).get(key)
    }

    pub fn get_mut<Q: Hash + Eq + ?Sized>(&mut self, key: &Q) -> Option<&mut V>
    where
        K: Borrow<Q>,
    {
        self.map_of_mut(key).get_mut(key)
    }

    pub fn insert(&mut self, key: K, value: V) -> Option<V> {
        self.split_when_full();
        self.map_of_mut(&key).insert(key, value)
    }

    pub fn entry(&mut self, key: K) -> Entry<'_, K, V> {
        self.split_when_full();
        self.map_of_mut(&key).entry(key)
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        match self {
            SplitMap::One(map) => map.len(),
            SplitMap::Split(parts) => parts.iter().map(|part| part.len()).sum(),
        }
    }

    /// Splits a single table that has reached [`SPLIT_AT`] entries, before
    /// it would grow.
    fn split_when_full(&mut self) {
        let SplitMap::One(map) = self else { return };
        if map.len() < SPLIT_AT {
            return;
        }
        let room = 2 * SPLIT_AT / PARTS;
        let mut parts: Box<[HashMap<K, V>]> = (0..PARTS)
            .map(|_| HashMap::with_capacity_and_hasher(room, Default::default()))
            .collect();
        for (key, value) in std::mem::take(map).drain() {
            parts[part_of(&key)].insert(key, value);
        }
        *self = SplitMap::Split(parts);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_map_keeps_every_entry_as_it_splits_and_grows() {
        let mut map = SplitMap::default();
        let count = 3 * SPLIT_AT + 7;
        for n in 0..count {
            assert_eq!(map.insert(n, n * 2), None);
            if n == SPLIT_AT - 1 {
                assert!(matches!(map, SplitMap::One(_)), "split before it was full");
            }
        }
        assert!(matches!(map, SplitMap::Split(_)));
        assert_eq!(map.len(), count);
        assert!((0..count).all(|n| map.get(&n) == Some(&(n * 2))));
        assert_eq!(map.get(&count), None);
        assert_eq!(map.insert(5, 0), Some(10));
        *map.get_mut(&6).unwrap() += 1;
        *map.entry(7).or_default() += 1;
        *map.entry(count).or_default() += 1;
        assert_eq!(
            (map.get(&5), map.get(&6), map.get(&7), map.get(&count)),
            (Some(&0), Some(&13), Some(&15), Some(&1))
        );
        assert_eq!(map.len(), count + 1);
    }

    #[test]
    fn a_split_map_spreads_its_keys_over_every_part() {
        let mut map = SplitMap::default();
        for n in 0..(8 * SPLIT_AT) as u64 {
            map.insert(n, ());
        }
        let SplitMap::Split(parts) = &map else { panic!("not split") };
        let even = 8 * SPLIT_AT / PARTS;
        assert!(parts.iter().all(|part| part.len() > even / 2 && part.len() < even * 2));
    }

    #[test]
    fn borrowed_keys_find_their_part() {
        let mut map: SplitMap<Box<str>, usize> = SplitMap::default();
        for n in 0..(SPLIT_AT + 10) {
            map.insert(n.to_string().into(), n);
        }
        assert!(matches!(map, SplitMap::Split(_)));
        assert_eq!(map.get("1234"), Some(&1234));
        *map.get_mut("77").unwrap() = 0;
        assert_eq!(map.get("77"), Some(&0));
    }
}

/// The longest single insert into an index of a million batch ids, split
/// and not: `cargo test --release --lib index_growth_pauses -- --ignored
/// --nocapture` (README, Performance). Ignored by default: it times.
#[cfg(test)]
mod measurement {
    use std::time::{Duration, Instant};

    use super::*;
    use crate::domain::id::{ObjectId, ObjectIds};

    #[test]
    #[ignore = "a measurement: run it in release"]
    fn index_growth_pauses() {
        let (ids, now) = (ObjectIds::default(), chrono::Utc::now());
        let mut split: SplitMap<ObjectId, usize> = SplitMap::default();
        let mut one: HashMap<ObjectId, usize> = HashMap::default();
        let (mut split_worst, mut one_worst) = (Duration::ZERO, Duration::ZERO);
        for position in 0..1_000_000 {
            let id = ids.next(now);
            let started = Instant::now();
            split.insert(id, position);
            split_worst = split_worst.max(started.elapsed());
            let started = Instant::now();
            one.insert(id, position);
            one_worst = one_worst.max(started.elapsed());
        }
        println!("longest insert of 1,000,000: split {split_worst:?}, one table {one_worst:?}");
        assert!(split_worst * 4 < one_worst);
    }
}
