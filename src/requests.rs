//! The request journal: every call to an emulated gateway, with its
//! answer, credentials masked. Capped: the oldest entries go first.

use std::collections::BTreeMap;
use std::ops::ControlFlow;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard};

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::domain::time::serialize_iso;
use crate::faults::FaultAction;

/// Longest body kept in the journal, in bytes.
pub const MAX_JOURNALED_BODY: usize = 16 * 1024;

#[derive(Debug, Clone, Serialize, serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RequestRecord {
    pub id: u64,
    #[serde(serialize_with = "serialize_iso")]
    pub time: DateTime<Utc>,
    pub account: Option<String>,
    /// `ip1` or `viamobile`.
    pub gateway: String,
    pub method: String,
    pub path: String,
    pub query: Option<String>,
    pub headers: BTreeMap<String, String>,
    pub body: String,
    /// The answer's body (credentials masked; cut at 16 KiB), empty when
    /// the connection was dropped unanswered.
    #[serde(default)]
    pub response_body: String,
    /// The account named by credentials that did not prove it (a wrong
    /// key or password): such a call is no account's.
    #[serde(default)]
    pub claimed_account: Option<String>,
    /// The status the client saw: 0 when the connection was dropped, before
    /// the call was processed (`drop`) or after (`dropResponse`).
    pub status: u16,
    /// For a call processed and then dropped (`dropResponse`): the status
    /// of the answer that was never sent.
    #[serde(default)]
    pub dropped_status: Option<u16>,
    pub latency_ms: f64,
    /// The fault that hit the call, if any.
    pub fault: Option<FaultAction>,
}

impl RequestRecord {
    /// Made with credentials that proved `account`.
    fn belongs_to(&self, account: &str) -> bool {
        self.account.as_deref() == Some(account)
    }

    /// Made with credentials that named `account` but did not prove it.
    fn claims(&self, account: &str) -> bool {
        self.claimed_account.as_deref() == Some(account)
    }
}

/// Which requests to list; all given filters must match.
#[derive(Debug, Default, serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RequestFilter {
    pub account: Option<String>,
    pub gateway: Option<String>,
    pub method: Option<String>,
    /// Exact path, or a prefix ending in `*`.
    pub path: Option<String>,
    #[schema(maximum = 65535)]
    pub status: Option<u16>,
    /// Matches when the body contains this.
    pub body_contains: Option<String>,
}

impl RequestFilter {
    /// How many of the given filters a record meets, and how many were given.
    pub fn score(&self, record: &RequestRecord) -> (usize, usize) {
        let checks = [
            self.account.as_ref().map(|a| record.belongs_to(a)),
            self.gateway.as_ref().map(|g| *g == record.gateway),
            self.method.as_ref().map(|m| m.eq_ignore_ascii_case(&record.method)),
            self.path.as_ref().map(|p| crate::domain::lifecycle::pattern_matches(p, &record.path)),
            self.status.map(|s| s == record.status),
            self.body_contains.as_ref().map(|t| record.body.contains(t.as_str())),
        ];
        let given = checks.iter().flatten().count();
        let met = checks.iter().flatten().filter(|ok| **ok).count();
        (met, given)
    }

    pub fn matches(&self, record: &RequestRecord) -> bool {
        let (met, given) = self.score(record);
        met == given
    }
}

/// The journal is a ring of `capacity` slots: record `id` goes to slot
/// `id % capacity`, replacing the record `capacity` calls older. Each slot
/// has its own lock, so calls of different accounts (of any accounts)
/// never wait for each other, and the oldest entries still go first. The
/// records' total size is bounded too (`max_bytes`): past it, the oldest
/// go.
pub struct RequestJournal {
    slots: Box<[Mutex<Option<Box<RequestRecord>>>]>,
    last_id: AtomicU64,
    /// No record with a smaller id is held (but ones the ring replaced).
    oldest_id: AtomicU64,
    /// The size of the records held, about.
    bytes: AtomicUsize,
    max_bytes: usize,
}

impl RequestRecord {
    /// About how much memory the record takes.
    fn size(&self) -> usize {
        let optional = |text: &Option<String>| text.as_ref().map_or(0, String::len);
        std::mem::size_of::<RequestRecord>()
            + self.method.len()
            + self.path.len()
            + self.gateway.len()
            + self.body.len()
            + self.response_body.len()
            + optional(&self.query)
            + optional(&self.account)
            + optional(&self.claimed_account)
            + self.headers.iter().map(|(name, value)| name.len() + value.len() + 64).sum::<usize>()
    }
}

impl RequestJournal {
    pub fn new(capacity: usize, max_bytes: usize) -> RequestJournal {
        let slots = (0..capacity.max(1)).map(|_| Mutex::new(None)).collect();
        RequestJournal {
            slots,
            last_id: AtomicU64::new(0),
            oldest_id: AtomicU64::new(1),
            bytes: AtomicUsize::new(0),
            max_bytes,
        }
    }

    fn slot(&self, id: u64) -> MutexGuard<'_, Option<Box<RequestRecord>>> {
        let slot = &self.slots[(id % self.slots.len() as u64) as usize];
        slot.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Puts a record in its slot unless a newer one got there first (a
    /// call that finished a whole ring later), then makes room by size.
    /// Records taken out are freed after their slot is unlocked.
    fn store(&self, record: RequestRecord) {
        let size = record.size();
        let replaced = {
            let mut slot = self.slot(record.id);
            if slot.as_ref().is_none_or(|old| old.id < record.id) {
                self.bytes.fetch_add(size, Ordering::Relaxed);
                slot.replace(Box::new(record))
            } else {
                None
            }
        };
        if let Some(old) = replaced {
            self.bytes.fetch_sub(old.size(), Ordering::Relaxed);
        }
        while self.bytes.load(Ordering::Relaxed) > self.max_bytes && self.drop_oldest() {}
    }

    /// Drops the oldest record held; false when none is left to drop.
    fn drop_oldest(&self) -> bool {
        let id = self.oldest_id.fetch_add(1, Ordering::Relaxed);
        if id > self.last_id.load(Ordering::Relaxed) {
            self.oldest_id.fetch_sub(1, Ordering::Relaxed);
            return false;
        }
        let dropped = {
            let mut slot = self.slot(id);
            if slot.as_ref().is_some_and(|record| record.id == id) { slot.take() } else { None }
        };
        if let Some(record) = dropped {
            self.bytes.fetch_sub(record.size(), Ordering::Relaxed);
        }
        true
    }

    /// Journals a call; its id, returned, is the next in the sequence.
    pub fn record(&self, mut record: RequestRecord) -> u64 {
        let id = self.last_id.fetch_add(1, Ordering::Relaxed) + 1;
        record.id = id;
        self.store(record);
        id
    }

    /// Calls `visit` with every record, newest first, until it says
    /// stop; nothing is copied.
    pub fn visit_newest(&self, mut visit: impl FnMut(&RequestRecord) -> ControlFlow<()>) {
        let last = self.last_id.load(Ordering::Relaxed);
        let ring_start = last.saturating_sub(self.slots.len() as u64 - 1);
        let first = ring_start.max(self.oldest_id.load(Ordering::Relaxed)).max(1);
        for id in (first..=last).rev() {
            let slot = self.slot(id);
            if let Some(record) = slot.as_deref().filter(|record| record.id == id)
                && visit(record).is_break()
            {
                return;
            }
        }
    }

    /// The record with this id, if the journal still holds it.
    pub fn get(&self, id: u64) -> Option<RequestRecord> {
        self.slot(id).as_deref().filter(|record| record.id == id).cloned()
    }

    /// The newest `limit` records that `keep`, newest first; only those
    /// are copied.
    pub fn newest(
        &self,
        limit: usize,
        keep: impl Fn(&RequestRecord) -> bool,
    ) -> Vec<RequestRecord> {
        let mut found = Vec::new();
        self.visit_newest(|record| {
            if found.len() >= limit {
                return ControlFlow::Break(());
            }
            if keep(record) {
                found.push(record.clone());
            }
            ControlFlow::Continue(())
        });
        found
    }

    /// Every record, newest first.
    pub fn all(&self) -> Vec<RequestRecord> {
        self.newest(usize::MAX, |_| true)
    }

    /// Replaces every record (from a snapshot); new calls get ids after
    /// the highest.
    pub fn replace(&self, records: Vec<RequestRecord>) {
        self.clear(None);
        let highest = records.iter().map(|r| r.id).max().unwrap_or(0);
        let lowest = records.iter().map(|r| r.id).min().unwrap_or(1);
        self.last_id.store(highest, Ordering::Relaxed);
        self.oldest_id.store(lowest, Ordering::Relaxed);
        for record in records {
            self.store(record);
        }
    }

    /// Forgets one account's records (those that claimed it included), or
    /// all (and then numbers calls from 1 again).
    pub fn clear(&self, account: Option<&str>) {
        if account.is_none() {
            self.last_id.store(0, Ordering::Relaxed);
            self.oldest_id.store(1, Ordering::Relaxed);
        }
        for index in 0..self.slots.len() as u64 {
            let forgotten = {
                let mut slot = self.slot(index);
                if slot
                    .as_ref()
                    .is_some_and(|r| account.is_none_or(|a| r.belongs_to(a) || r.claims(a)))
                {
                    slot.take()
                } else {
                    None
                }
            };
            if let Some(record) = forgotten {
                self.bytes.fetch_sub(record.size(), Ordering::Relaxed);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call(account: &str) -> RequestRecord {
        RequestRecord {
            id: 0,
            time: Utc::now(),
            account: Some(account.to_owned()),
            gateway: "ip1".to_owned(),
            method: "GET".to_owned(),
            path: "/api/me".to_owned(),
            query: None,
            headers: BTreeMap::new(),
            body: String::new(),
            response_body: String::new(),
            claimed_account: None,
            status: 200,
            dropped_status: None,
            latency_ms: 0.1,
            fault: None,
        }
    }

    fn ids(journal: &RequestJournal) -> Vec<u64> {
        journal.all().iter().map(|r| r.id).collect()
    }

    #[test]
    fn the_oldest_calls_go_first_when_full() {
        let journal = RequestJournal::new(3, usize::MAX);
        for _ in 0..5 {
            journal.record(call("a"));
        }
        assert_eq!(ids(&journal), [5, 4, 3]);
    }

    #[test]
    fn calls_from_many_threads_are_all_kept_in_order() {
        let journal = std::sync::Arc::new(RequestJournal::new(1000, usize::MAX));
        let threads: Vec<_> = (0..4)
            .map(|n| {
                let journal = journal.clone();
                std::thread::spawn(move || {
                    for _ in 0..200 {
                        journal.record(call(&format!("account-{n}")));
                    }
                })
            })
            .collect();
        threads.into_iter().for_each(|t| t.join().unwrap());
        assert_eq!(ids(&journal), (1..=800).rev().collect::<Vec<u64>>());
    }

    #[test]
    fn the_oldest_calls_go_first_when_the_size_is_reached() {
        let mut big = call("a");
        big.body = "x".repeat(1000);
        let size = big.size();
        let journal = RequestJournal::new(100, 3 * size);
        for _ in 0..10 {
            journal.record(big.clone());
        }
        assert_eq!(ids(&journal), [10, 9, 8]);
        assert!(journal.bytes.load(Ordering::Relaxed) <= 3 * size);
        journal.clear(None);
        assert_eq!(journal.bytes.load(Ordering::Relaxed), 0);
        journal.record(call("b"));
        assert_eq!(ids(&journal), [1]);
        assert_eq!(journal.newest(1, |_| true).len(), 1);
    }

    #[test]
    fn one_account_is_cleared_and_a_snapshot_keeps_its_ids() {
        let journal = RequestJournal::new(10, usize::MAX);
        journal.record(call("a"));
        journal.record(call("b"));
        journal.record(call("a"));
        journal.clear(Some("a"));
        assert_eq!(ids(&journal), [2]);

        let snapshot = journal.all();
        let restored = RequestJournal::new(10, usize::MAX);
        restored.replace(snapshot);
        restored.record(call("c"));
        assert_eq!(ids(&restored), [3, 2]);
        restored.clear(None);
        assert!(restored.all().is_empty());
    }
}
