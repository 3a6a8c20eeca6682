//! An account's blacklist (§12): numbers that must not receive SMS. Entries
//! are added through the API, or when a handset answers `STOP`.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::msisdn::Msisdn;
use super::time::serialize_iso;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct BlacklistEntry {
    pub msisdn: Msisdn,
    #[serde(serialize_with = "serialize_iso")]
    pub created: DateTime<Utc>,
}

/// Entries in the order they were added.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(from = "Vec<BlacklistEntry>", into = "Vec<BlacklistEntry>")]
pub struct Blacklist {
    entries: Vec<BlacklistEntry>,
    index: HashMap<Msisdn, usize>,
}

impl From<Vec<BlacklistEntry>> for Blacklist {
    fn from(entries: Vec<BlacklistEntry>) -> Blacklist {
        let mut blacklist = Blacklist::default();
        for entry in entries {
            blacklist.add(&entry.msisdn, entry.created);
        }
        blacklist
    }
}

impl From<Blacklist> for Vec<BlacklistEntry> {
    fn from(blacklist: Blacklist) -> Vec<BlacklistEntry> {
        blacklist.entries
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

    /// Adds a number; adding one already there keeps the first entry.
    /// Returns the entry and whether it is new.
    pub fn add(&mut self, msisdn: &Msisdn, at: DateTime<Utc>) -> (BlacklistEntry, bool) {
        if let Some(entry) = self.get(msisdn) {
            return (entry.clone(), false);
        }
        let entry = BlacklistEntry { msisdn: msisdn.clone(), created: at };
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
    }
}
