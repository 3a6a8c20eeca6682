//! An account's blacklist: numbers that must not receive SMS. Entries
//! are added through the API, or when a handset answers `STOP`.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::msisdn::Msisdn;
use super::time::serialize_iso;

/// One number, as v2 shows it (`{msisdn, created}`); the older API shows
/// its integer `id` too.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct BlacklistEntry {
    pub msisdn: Msisdn,
    #[serde(serialize_with = "serialize_iso")]
    pub created: DateTime<Utc>,
    #[serde(skip)]
    #[schema(ignore)]
    pub id: u32,
}

/// An entry as a snapshot keeps it.
#[derive(Serialize, Deserialize)]
struct StoredEntry {
    msisdn: Msisdn,
    created: DateTime<Utc>,
    /// Absent from snapshots of before ids: given in order on load.
    #[serde(default)]
    id: u32,
}

/// Entries in the order they were added. One blacklist serves both of
/// iP.1's APIs.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(from = "Vec<StoredEntry>", into = "Vec<StoredEntry>")]
pub struct Blacklist {
    entries: Vec<BlacklistEntry>,
    index: HashMap<Msisdn, usize>,
    last_id: u32,
}

impl From<Vec<StoredEntry>> for Blacklist {
    fn from(entries: Vec<StoredEntry>) -> Blacklist {
        let mut blacklist = Blacklist::default();
        for entry in entries {
            let (added, new) = blacklist.add(&entry.msisdn, entry.created);
            if new && entry.id != 0 {
                blacklist.entries[blacklist.index[&added.msisdn]].id = entry.id;
            }
        }
        blacklist.last_id = blacklist.entries.iter().map(|e| e.id).max().unwrap_or(0);
        blacklist
    }
}

impl From<Blacklist> for Vec<StoredEntry> {
    fn from(blacklist: Blacklist) -> Vec<StoredEntry> {
        blacklist
            .entries
            .into_iter()
            .map(|e| StoredEntry { msisdn: e.msisdn, created: e.created, id: e.id })
            .collect()
    }
}

impl Blacklist {
    pub fn contains(&self, msisdn: &str) -> bool {
        self.index.contains_key(msisdn)
    }

    pub fn get(&self, msisdn: &str) -> Option<&BlacklistEntry> {
        self.index.get(msisdn).map(|&i| &self.entries[i])
    }

    pub fn entries(&self) -> &[BlacklistEntry] {
        &self.entries
    }

    /// The entry with the older API's integer id.
    pub fn by_id(&self, id: u32) -> Option<&BlacklistEntry> {
        self.entries.iter().find(|e| e.id == id)
    }

    /// Adds a number; adding one already there keeps the first entry.
    /// Returns the entry and whether it is new.
    pub fn add(&mut self, msisdn: &Msisdn, at: DateTime<Utc>) -> (BlacklistEntry, bool) {
        if let Some(entry) = self.get(msisdn) {
            return (entry.clone(), false);
        }
        self.last_id = self.last_id.saturating_add(1);
        let entry = BlacklistEntry { msisdn: msisdn.clone(), created: at, id: self.last_id };
        self.index.insert(msisdn.clone(), self.entries.len());
        self.entries.push(entry.clone());
        (entry, true)
    }

    pub fn remove(&mut self, msisdn: &str) -> Option<BlacklistEntry> {
        let position = self.index.remove(msisdn)?;
        let entry = self.entries.remove(position);
        for index in self.index.values_mut() {
            if *index > position {
                *index -= 1;
            }
        }
        Some(entry)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn adding_is_idempotent_and_removing_keeps_the_order() {
        let mut blacklist = Blacklist::default();
        let first = Utc::now();
        let number = |text| Msisdn::exact(text).unwrap();
        let (entry, new) = blacklist.add(&number("46701234567"), first);
        assert!(new);
        let (again, new) =
            blacklist.add(&number("46701234567"), first + chrono::TimeDelta::days(1));
        assert!(!new);
        assert_eq!(again.created, entry.created);
        blacklist.add(&number("46701234568"), first);
        blacklist.add(&number("46701234569"), first);
        assert!(blacklist.remove("46701234568").is_some());
        assert!(blacklist.remove("46701234568").is_none());
        let numbers: Vec<_> = blacklist.entries().iter().map(|e| e.msisdn.as_str()).collect();
        assert_eq!(numbers, ["46701234567", "46701234569"]);
        assert!(blacklist.contains("46701234569"));
        assert_eq!(blacklist.by_id(3).unwrap().msisdn.as_str(), "46701234569");
        // A snapshot keeps the ids, and new ones follow them.
        let text = serde_json::to_string(&blacklist).unwrap();
        let mut restored: Blacklist = serde_json::from_str(&text).unwrap();
        assert_eq!(restored.by_id(3), blacklist.by_id(3));
        assert_eq!(restored.add(&number("46701234560"), first).0.id, 4);
    }
}
