//! The request journal: every call to an emulated gateway, with its
//! answer, credentials masked. Capped: the oldest entries go first.
//!
//! A call is kept as it was sent and answered ([`Call`]): its target,
//! headers and body copied into one buffer, its answer's body into
//! another. Credentials are masked, and the call split into the fields of
//! a [`RequestRecord`], only when it is read, so journaling costs a
//! request a few copies and no text processing.
//!
//! A new call is written into the memory of the call it replaces (a ring
//! of calls earlier, long out of the processor's caches), not into memory
//! of its own with the old call's freed. Freed, the old call's memory was
//! what the allocator handed out next: the next answer was written into
//! it, a cache miss a line, and each answer's body, shared with the
//! journal, stayed out of reuse for a whole ring. Copied into memory the
//! journal keeps, an answer's body is freed once sent and its memory
//! reused while it is still in the caches (README, Performance).

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::ops::ControlFlow;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard, OnceLock};
use std::time::SystemTime;

use crossbeam_utils::CachePadded;

use axum::http::header::CONTENT_TYPE;
use axum::http::{HeaderMap, HeaderName, Method, Uri};
use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::domain::account::Gateway;
use crate::domain::time::serialize_iso;
use crate::faults::FaultAction;
use crate::masking::{mask_body, mask_header, mask_query};

/// Longest body kept in the journal, in bytes.
pub const MAX_JOURNALED_BODY: usize = 16 * 1024;

/// How a form-encoded body's `Content-Type` starts.
const FORM_CONTENT_TYPE: &[u8] = b"application/x-www-form-urlencoded";

/// A journaled call as the journal lists it, credentials masked.
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

/// A journaled call as it is kept, unmasked; [`Call::record`] is how it is
/// listed.
#[derive(Debug, Clone)]
pub struct Call {
    pub id: u64,
    /// When it arrived, as the system's clock read: made a date only when
    /// the call is read (the conversion took 150 instructions a call).
    pub time: SystemTime,
    /// The account the call's credentials proved.
    pub account: Option<String>,
    /// The account named by credentials that did not prove it.
    pub claimed_account: Option<String>,
    pub gateway: Gateway,
    pub method: Method,
    /// The path and query, then each header as `name: value\n`, then the
    /// body (cut at [`MAX_JOURNALED_BODY`]): copied, so that nothing of
    /// the connection's read buffer is held.
    sent: Vec<u8>,
    path_end: usize,
    target_end: usize,
    headers_end: usize,
    /// The body is form-encoded (its content type says so).
    form: bool,
    /// The answer's body, cut at [`MAX_JOURNALED_BODY`]; empty when none
    /// was sent. Copied, so that the answer's memory is freed once sent.
    pub response_body: Vec<u8>,
    pub status: u16,
    pub dropped_status: Option<u16>,
    pub latency_ms: f64,
    pub fault: Option<FaultAction>,
}

impl Call {
    /// A call as it arrived; its outcome is filled in once answered.
    /// Whether its body is form-encoded is `form`, or, when that is
    /// `None`, read from its (first) `Content-Type` as the headers are
    /// copied: a lookup of its own took over a hundred instructions a call.
    pub fn new(
        time: SystemTime,
        gateway: Gateway,
        method: &Method,
        uri: &Uri,
        headers: &HeaderMap,
        body: &[u8],
        form: Option<bool>,
    ) -> Call {
        let (path, query) = (uri.path(), uri.query());
        let body = &body[..body.len().min(MAX_JOURNALED_BODY)];
        let header_bytes: usize =
            headers.iter().map(|(name, value)| name.as_str().len() + value.len() + 3).sum();
        let target_bytes = path.len() + query.map_or(0, |query| query.len() + 1);
        let mut sent = Vec::with_capacity(target_bytes + header_bytes + body.len());
        sent.extend_from_slice(path.as_bytes());
        let path_end = sent.len();
        if let Some(query) = query {
            sent.push(b'?');
            sent.extend_from_slice(query.as_bytes());
        }
        let target_end = sent.len();
        let mut form = form;
        for (name, value) in headers {
            if form.is_none() && name == CONTENT_TYPE {
                form = Some(value.as_bytes().starts_with(FORM_CONTENT_TYPE));
            }
            sent.extend_from_slice(name.as_str().as_bytes());
            sent.extend_from_slice(b": ");
            sent.extend_from_slice(value.as_bytes());
            sent.push(b'\n');
        }
        let headers_end = sent.len();
        sent.extend_from_slice(body);
        Call {
            id: 0,
            time,
            account: None,
            claimed_account: None,
            gateway,
            method: method.clone(),
            sent,
            path_end,
            target_end,
            headers_end,
            form: form.unwrap_or(false),
            response_body: Vec::new(),
            status: 0,
            dropped_status: None,
            latency_ms: 0.0,
            fault: None,
        }
    }

    /// Keeps (a copy of the first [`MAX_JOURNALED_BODY`] bytes of) the
    /// answer's body.
    pub fn keep_response(&mut self, body: &[u8]) {
        self.response_body = body[..body.len().min(MAX_JOURNALED_BODY)].to_vec();
    }

    /// Asks for the record's cache lines ([`RequestJournal::fetch_next`])
    /// through ten of its fields, spread over its 200-odd bytes: the compiler
    /// orders the fields, so every line is very likely, not surely, asked
    /// for.
    fn fetch_record(&self) {
        fetch_line(&self.id);
        fetch_line(&self.time);
        fetch_line(&self.account);
        fetch_line(&self.claimed_account);
        fetch_line(&self.method);
        fetch_line(&self.sent);
        fetch_line(&self.response_body);
        fetch_line(&self.fault);
        fetch_line(&self.latency_ms);
        fetch_line(&self.headers_end);
    }

    /// Becomes `newer`, in its own buffers (the module's doc says why).
    fn take_over(&mut self, newer: Call) {
        copy_into(&mut self.sent, &newer.sent);
        copy_into(&mut self.response_body, &newer.response_body);
        let Call {
            id,
            time,
            account,
            claimed_account,
            gateway,
            method,
            sent: _,
            path_end,
            target_end,
            headers_end,
            form,
            response_body: _,
            status,
            dropped_status,
            latency_ms,
            fault,
        } = newer;
        text_into(&mut self.account, account);
        text_into(&mut self.claimed_account, claimed_account);
        (self.id, self.time, self.gateway, self.method) = (id, time, gateway, method);
        (self.path_end, self.target_end, self.headers_end, self.form) =
            (path_end, target_end, headers_end, form);
        (self.status, self.dropped_status, self.latency_ms, self.fault) =
            (status, dropped_status, latency_ms, fault);
    }

    fn text(bytes: &[u8]) -> Cow<'_, str> {
        String::from_utf8_lossy(bytes)
    }

    pub fn path(&self) -> Cow<'_, str> {
        Call::text(&self.sent[..self.path_end])
    }

    /// The value of the first `name` header sent, as it was sent (not
    /// masked).
    pub fn sent_header(&self, name: &HeaderName) -> Option<&[u8]> {
        let name = name.as_str().as_bytes();
        self.sent_headers().find(|(sent, _)| *sent == name).map(|(_, value)| value)
    }

    /// The query with credentials masked.
    pub fn masked_query(&self) -> Option<String> {
        let target = &self.sent[self.path_end..self.target_end];
        target.strip_prefix(b"?").map(|query| mask_query(&Call::text(query)))
    }

    /// Each header, masked; a name sent twice keeps its last value.
    fn masked_headers(&self) -> BTreeMap<String, String> {
        self.sent_headers()
            .map(|(name, value)| (Call::text(name), Call::text(value)))
            .map(|(name, value)| (name.to_string(), mask_header(&name, &value)))
            .collect()
    }

    /// Each header as it was sent, name and value, in order.
    fn sent_headers(&self) -> impl Iterator<Item = (&[u8], &[u8])> {
        self.sent[self.target_end..self.headers_end].split(|&byte| byte == b'\n').filter_map(
            |line| {
                let at = line.windows(2).position(|pair| pair == b": ")?;
                Some((&line[..at], &line[at + 2..]))
            },
        )
    }

    /// The body with credentials masked.
    pub fn masked_body(&self) -> String {
        mask_body(&Call::text(&self.sent[self.headers_end..]), self.form)
    }

    /// Made with credentials that proved `account`.
    fn belongs_to(&self, account: &str) -> bool {
        self.account.as_deref() == Some(account)
    }

    /// Made with credentials that named `account` but did not prove it.
    fn claims(&self, account: &str) -> bool {
        self.claimed_account.as_deref() == Some(account)
    }

    /// The call as the journal lists it, credentials masked.
    pub fn record(&self) -> RequestRecord {
        RequestRecord {
            id: self.id,
            time: DateTime::from(self.time),
            account: self.account.clone(),
            gateway: self.gateway.as_str().to_owned(),
            method: self.method.to_string(),
            path: self.path().into_owned(),
            query: self.masked_query(),
            headers: self.masked_headers(),
            body: self.masked_body(),
            response_body: mask_body(&Call::text(&self.response_body), false),
            claimed_account: self.claimed_account.clone(),
            status: self.status,
            dropped_status: self.dropped_status,
            latency_ms: self.latency_ms,
            fault: self.fault,
        }
    }

    /// A call from a snapshot's record (already masked; masking it again
    /// changes nothing).
    fn from_record(record: RequestRecord) -> Call {
        let target = match &record.query {
            Some(query) => format!("{}?{query}", record.path),
            None => record.path.clone(),
        };
        let uri = Uri::try_from(target).unwrap_or_else(|_| Uri::from_static("/"));
        let headers = record
            .headers
            .iter()
            .filter_map(|(name, value)| Some((name.parse().ok()?, value.parse().ok()?)))
            .collect();
        let method = Method::from_bytes(record.method.as_bytes()).unwrap_or(Method::GET);
        let gateway = Gateway::parse(&record.gateway).unwrap_or(Gateway::Ip1);
        let body = record.body.as_bytes();
        let time = SystemTime::from(record.time);
        let mut call = Call::new(time, gateway, &method, &uri, &headers, body, Some(false));
        call.id = record.id;
        call.account = record.account;
        call.claimed_account = record.claimed_account;
        call.response_body = record.response_body.into_bytes();
        call.status = record.status;
        call.dropped_status = record.dropped_status;
        call.latency_ms = record.latency_ms;
        call.fault = record.fault;
        call
    }

    /// About how much memory the call takes, with what its buffers keep
    /// beyond what they hold.
    fn size(&self) -> usize {
        let optional = |text: &Option<String>| text.as_ref().map_or(0, String::capacity);
        std::mem::size_of::<Call>()
            + self.sent.capacity()
            + self.response_body.capacity()
            + optional(&self.account)
            + optional(&self.claimed_account)
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
    /// How many of the given filters a call meets, and how many were given.
    /// A body is searched as the journal lists it, credentials masked.
    pub fn score(&self, call: &Call) -> (usize, usize) {
        let checks = [
            self.account.as_ref().map(|a| call.belongs_to(a)),
            self.gateway.as_ref().map(|g| g == call.gateway.as_str()),
            self.method.as_ref().map(|m| m.eq_ignore_ascii_case(call.method.as_str())),
            self.path.as_ref().map(|p| crate::domain::lifecycle::pattern_matches(p, &call.path())),
            self.status.map(|s| s == call.status),
            self.body_contains.as_ref().map(|t| call.masked_body().contains(t.as_str())),
        ];
        let given = checks.iter().flatten().count();
        let met = checks.iter().flatten().filter(|ok| **ok).count();
        (met, given)
    }

    pub fn matches(&self, call: &Call) -> bool {
        let (met, given) = self.score(call);
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
    slots: Slots,
    counts: CachePadded<Counts>,
    /// No record with a smaller id is held (but ones the ring replaced).
    oldest_id: AtomicU64,
    max_bytes: usize,
}

/// What every call writes, on a cache line of its own: beside the fields
/// every call only reads, each call's write made the next call's reads a
/// cache miss on the other processor (README, Performance).
struct Counts {
    last_id: AtomicU64,
    /// The size of the records held, about.
    bytes: AtomicUsize,
}

impl RequestJournal {
    pub fn new(capacity: usize, max_bytes: usize) -> RequestJournal {
        RequestJournal {
            slots: Slots::new(capacity.max(1)),
            counts: CachePadded::new(Counts {
                last_id: AtomicU64::new(0),
                bytes: AtomicUsize::new(0),
            }),
            oldest_id: AtomicU64::new(1),
            max_bytes,
        }
    }

    /// The slot of `id`, locked (made first if need be).
    fn slot(&self, id: u64) -> MutexGuard<'_, Option<Box<Call>>> {
        lock(self.slots.slot(id))
    }

    /// The slot of `id`, locked, if it was ever made: one never made
    /// holds nothing.
    fn made_slot(&self, id: u64) -> Option<MutexGuard<'_, Option<Box<Call>>>> {
        self.slots.made(id).map(lock)
    }

    /// Writes a record into its slot, into the memory of the one there
    /// (the module's doc says why), unless a newer one got there first (a
    /// call that finished a whole ring later); then makes room by size.
    fn store(&self, record: Call) {
        {
            let mut slot = self.slot(record.id);
            match slot.as_deref_mut() {
                Some(old) if old.id >= record.id => {}
                Some(old) => {
                    let before = old.size();
                    old.take_over(record);
                    // One operation on the count both cores write, not an
                    // add and a subtract: the count wraps as the difference
                    // does, so it ends exact. (Written even when the size
                    // is unchanged: skipping that measured 2% fewer sends,
                    // twice.)
                    self.counts.bytes.fetch_add(old.size().wrapping_sub(before), Ordering::Relaxed);
                }
                None => {
                    self.counts.bytes.fetch_add(record.size(), Ordering::Relaxed);
                    *slot = Some(Box::new(record));
                }
            }
        }
        while self.counts.bytes.load(Ordering::Relaxed) > self.max_bytes && self.drop_oldest() {}
    }

    /// Drops the oldest record held; false when none is left to drop.
    fn drop_oldest(&self) -> bool {
        let id = self.oldest_id.fetch_add(1, Ordering::Relaxed);
        if id > self.counts.last_id.load(Ordering::Relaxed) {
            self.oldest_id.fetch_sub(1, Ordering::Relaxed);
            return false;
        }
        let dropped = self.made_slot(id).and_then(|mut slot| {
            if slot.as_ref().is_some_and(|record| record.id == id) { slot.take() } else { None }
        });
        if let Some(record) = dropped {
            self.counts.bytes.fetch_sub(record.size(), Ordering::Relaxed);
        }
        true
    }

    /// Asks the processor for the memory the next calls will be written
    /// into, as a call arrives: a call goes into the memory of the one a
    /// ring earlier, long out of the caches, and the stores that miss hold
    /// up the journal's next atomic operation (README, Performance). The
    /// memory then has the handler's time to arrive. Each slot's record
    /// is asked for two calls before its buffers, whose addresses are read
    /// from the record. Only a hint: nothing is written, a slot being
    /// written is passed over, and a ring not yet made is not made.
    pub fn fetch_next(&self) {
        let next = self.counts.last_id.load(Ordering::Relaxed) + 1;
        for id in next..next + FETCHED {
            self.fetch_slot(id, |call| {
                fetch_room(&mut call.sent);
                fetch_room(&mut call.response_body);
                if let Some(first) = call.account.as_ref().and_then(|text| text.as_bytes().first())
                {
                    fetch_line(first);
                }
            });
        }
        for id in next + FETCHED..next + 2 * FETCHED {
            self.fetch_slot(id, |call| call.fetch_record());
        }
    }

    /// Runs `fetch` on the record in `id`'s slot, if it has one and is
    /// not locked.
    fn fetch_slot(&self, id: u64, fetch: impl FnOnce(&mut Call)) {
        let Some(slot) = self.slots.made(id) else { return };
        if let Ok(mut slot) = slot.try_lock()
            && let Some(call) = slot.as_deref_mut()
        {
            fetch(call);
        }
    }

    /// Journals a call; its id, returned, is the next in the sequence.
    pub fn record(&self, mut record: Call) -> u64 {
        let id = self.counts.last_id.fetch_add(1, Ordering::Relaxed) + 1;
        record.id = id;
        self.store(record);
        id
    }

    /// Calls `visit` with every record, newest first, until it says
    /// stop; nothing is copied.
    pub fn visit_newest(&self, mut visit: impl FnMut(&Call) -> ControlFlow<()>) {
        let last = self.counts.last_id.load(Ordering::Relaxed);
        let ring_start = last.saturating_sub(self.slots.len() as u64 - 1);
        let first = ring_start.max(self.oldest_id.load(Ordering::Relaxed)).max(1);
        for id in (first..=last).rev() {
            let Some(slot) = self.made_slot(id) else { continue };
            if let Some(record) = slot.as_deref().filter(|record| record.id == id)
                && visit(record).is_break()
            {
                return;
            }
        }
    }

    /// The record with this id, if the journal still holds it.
    pub fn get(&self, id: u64) -> Option<RequestRecord> {
        let slot = self.made_slot(id)?;
        slot.as_deref().filter(|record| record.id == id).map(Call::record)
    }

    /// The newest `limit` records that `keep`, newest first; only those
    /// are copied.
    pub fn newest(&self, limit: usize, keep: impl Fn(&Call) -> bool) -> Vec<RequestRecord> {
        let mut found = Vec::new();
        self.visit_newest(|record| {
            if found.len() >= limit {
                return ControlFlow::Break(());
            }
            if keep(record) {
                found.push(record.record());
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
        self.counts.last_id.store(highest, Ordering::Relaxed);
        self.oldest_id.store(lowest, Ordering::Relaxed);
        for record in records {
            self.store(Call::from_record(record));
        }
    }

    /// Forgets one account's records (those that claimed it included), or
    /// all (and then numbers calls from 1 again).
    pub fn clear(&self, account: Option<&str>) {
        if account.is_none() {
            self.counts.last_id.store(0, Ordering::Relaxed);
            self.oldest_id.store(1, Ordering::Relaxed);
        }
        for index in 0..self.slots.len() as u64 {
            let forgotten = self.made_slot(index).and_then(|mut slot| {
                if slot
                    .as_ref()
                    .is_some_and(|r| account.is_none_or(|a| r.belongs_to(a) || r.claims(a)))
                {
                    slot.take()
                } else {
                    None
                }
            });
            if let Some(record) = forgotten {
                self.counts.bytes.fetch_sub(record.size(), Ordering::Relaxed);
            }
        }
    }
}

/// Slots whose memory [`RequestJournal::fetch_next`] asks for ahead of
/// the calls: both runtime threads' next calls.
const FETCHED: u64 = 2;

/// Most of a buffer asked for ahead of a call: its start, which a call
/// is written into first (a send's call and answer are a few hundred
/// bytes each).
const FETCHED_BYTES: usize = 1024;

/// Asks the processor to fetch the cache line of `value` for a write.
fn fetch_line<T>(value: &T) {
    #[cfg(all(any(target_arch = "x86", target_arch = "x86_64"), target_feature = "sse"))]
    safe_arch::prefetch_et0(value);
    #[cfg(not(all(any(target_arch = "x86", target_arch = "x86_64"), target_feature = "sse")))]
    let _ = value;
}

/// Room asked for beyond what a buffer holds: the next call is most
/// likely about as long as the one it replaces (one of the same kind,
/// `capacity` calls before it).
const FETCHED_SLACK: usize = 128;

/// Asks for the start of a buffer's room: what it holds and a little
/// beyond, at most [`FETCHED_BYTES`]. Asking for the whole kilobyte took
/// over a hundred instructions a call more, for lines a call of a few
/// hundred bytes never writes.
fn fetch_room(buffer: &mut Vec<u8>) {
    let wanted = (buffer.len() + FETCHED_SLACK).min(FETCHED_BYTES);
    let held = buffer.len().min(wanted);
    buffer[..held].chunks(64).for_each(|line| fetch_line(&line[0]));
    let spare = buffer.spare_capacity_mut();
    let spare = &spare[..spare.len().min(wanted - held)];
    spare.chunks(64).for_each(|line| fetch_line(&line[0]));
}

/// Replaces what `buffer` holds with `bytes`, in its own memory.
fn copy_into(buffer: &mut Vec<u8>, bytes: &[u8]) {
    buffer.clear();
    buffer.extend_from_slice(bytes);
}

/// Replaces a text with another, in the first's memory when both are set.
fn text_into(text: &mut Option<String>, newer: Option<String>) {
    match (text.as_mut(), newer) {
        (Some(text), Some(newer)) => {
            text.clear();
            text.push_str(&newer);
        }
        (_, newer) => *text = newer,
    }
}

type Slot = Mutex<Option<Box<Call>>>;

fn lock(slot: &Slot) -> MutexGuard<'_, Option<Box<Call>>> {
    slot.lock().unwrap_or_else(|e| e.into_inner())
}

/// Slots per chunk of [`Slots`]: 4 KB.
const SLOTS_PER_CHUNK: usize = 256;

/// The journal's ring of slots, made a chunk at a time as calls first
/// reach them: an emulator that has journaled a few calls holds a few
/// kilobytes, not the whole ring (160 KB at the default size).
struct Slots {
    chunks: Box<[OnceLock<Box<[Slot]>>]>,
    len: usize,
}

impl Slots {
    fn new(len: usize) -> Slots {
        let chunks = (0..len.div_ceil(SLOTS_PER_CHUNK)).map(|_| OnceLock::new()).collect();
        Slots { chunks, len }
    }

    fn len(&self) -> usize {
        self.len
    }

    /// Where `id`'s slot is: its chunk and its place in it.
    fn place(&self, id: u64) -> (usize, usize) {
        let index = (id % self.len as u64) as usize;
        (index / SLOTS_PER_CHUNK, index % SLOTS_PER_CHUNK)
    }

    /// The slot of `id`, its chunk made if need be.
    fn slot(&self, id: u64) -> &Slot {
        let (chunk, place) = self.place(id);
        let size = SLOTS_PER_CHUNK.min(self.len - chunk * SLOTS_PER_CHUNK);
        &self.chunks[chunk].get_or_init(|| (0..size).map(|_| Mutex::new(None)).collect())[place]
    }

    /// The slot of `id`, if its chunk was made.
    fn made(&self, id: u64) -> Option<&Slot> {
        let (chunk, place) = self.place(id);
        self.chunks[chunk].get().map(|slots| &slots[place])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::header::AUTHORIZATION;

    fn call(account: &str) -> Call {
        call_with_body(account, b"")
    }

    fn call_with_body(account: &str, body: &[u8]) -> Call {
        let uri = Uri::from_static("/api/me");
        let mut call = Call::new(
            SystemTime::now(),
            Gateway::Ip1,
            &Method::GET,
            &uri,
            &HeaderMap::new(),
            body,
            Some(false),
        );
        call.account = Some(account.to_owned());
        call.status = 200;
        call
    }

    #[test]
    fn a_call_is_masked_when_read_and_a_snapshot_of_it_reads_the_same() {
        let mut headers = HeaderMap::new();
        headers.insert("authorization", "Bearer secret-key".parse().unwrap());
        headers.insert("content-type", "application/x-www-form-urlencoded".parse().unwrap());
        let uri: Uri = "/json/send?user=u&password=p%20w".parse().unwrap();
        let body = b"to=4670&password=hunter2";
        let mut call = Call::new(
            SystemTime::now(),
            Gateway::Viamobile,
            &Method::POST,
            &uri,
            &headers,
            body,
            Some(true),
        );
        call.keep_response(br#"{"token":"abc","ok":true}"#);
        call.status = 200;
        let record = call.record();
        assert_eq!(record.path, "/json/send");
        assert_eq!(record.query.as_deref(), Some("user=u&password=***"));
        assert_eq!(record.headers["authorization"], "Bearer ***");
        assert_eq!(record.body, "to=4670&password=***");
        assert_eq!(record.response_body, r#"{"token":"***","ok":true}"#);
        assert_eq!(record.gateway, "viamobile");
        let again = Call::from_record(record.clone()).record();
        assert_eq!(serde_json::to_value(&again).unwrap(), serde_json::to_value(&record).unwrap());
    }

    #[test]
    fn an_arriving_call_reads_its_form_flag_and_keeps_its_headers_as_sent() {
        let uri: Uri = "/json/send".parse().unwrap();
        let body = b"to=4670&password=hunter2";
        let arrived = |headers: &[(&str, &str)]| {
            let mut map = HeaderMap::new();
            for (name, value) in headers {
                map.append(HeaderName::try_from(*name).unwrap(), value.parse().unwrap());
            }
            Call::new(SystemTime::now(), Gateway::Viamobile, &Method::POST, &uri, &map, body, None)
        };
        let form = "application/x-www-form-urlencoded; charset=utf-8";
        // The first Content-Type decides, as `HeaderMap::get` reads it.
        let call =
            arrived(&[("accept", "*/*"), ("content-type", form), ("content-type", "text/plain")]);
        assert!(call.form);
        assert_eq!(call.record().body, "to=4670&password=***");
        assert!(!arrived(&[("content-type", "text/plain"), ("content-type", form)]).form);
        assert!(!arrived(&[("accept", form)]).form);
        assert!(!arrived(&[]).form);

        let call = arrived(&[
            ("x-authorization", "not this"),
            ("authorization", "Basic dTpwOnc="),
            ("authorization", "Bearer second"),
        ]);
        assert_eq!(call.sent_header(&AUTHORIZATION), Some(b"Basic dTpwOnc=".as_slice()));
        assert_eq!(call.sent_header(&CONTENT_TYPE), None);
        assert_eq!(
            arrived(&[("authorization", "")]).sent_header(&AUTHORIZATION),
            Some(b"".as_slice())
        );
    }

    #[test]
    fn only_the_start_of_a_long_body_is_kept() {
        let long = vec![b'x'; 3 * MAX_JOURNALED_BODY];
        let mut call = call_with_body("a", &long);
        call.keep_response(&long);
        assert_eq!(call.record().body.len(), MAX_JOURNALED_BODY);
        assert_eq!(call.response_body.len(), MAX_JOURNALED_BODY);
        assert!(call.size() < 3 * MAX_JOURNALED_BODY);
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
    fn a_ring_of_several_chunks_keeps_the_newest_as_it_wraps() {
        // 300 slots: one full chunk and one of 44.
        let journal = RequestJournal::new(300, usize::MAX);
        assert!(journal.get(1).is_none(), "nothing is held before a call");
        for _ in 0..700 {
            journal.record(call("a"));
        }
        assert_eq!(ids(&journal), (401..=700).rev().collect::<Vec<u64>>());
        assert!(journal.get(400).is_none());
        assert_eq!(journal.get(700).map(|r| r.id), Some(700));
        journal.clear(Some("a"));
        assert_eq!(ids(&journal), [] as [u64; 0]);
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
        let big = call_with_body("a", &[b'x'; 1000]);
        let size = big.size();
        let journal = RequestJournal::new(100, 3 * size);
        for _ in 0..10 {
            journal.record(big.clone());
        }
        assert_eq!(ids(&journal), [10, 9, 8]);
        assert!(journal.counts.bytes.load(Ordering::Relaxed) <= 3 * size);
        journal.clear(None);
        assert_eq!(journal.counts.bytes.load(Ordering::Relaxed), 0);
        journal.record(call("b"));
        assert_eq!(ids(&journal), [1]);
        assert_eq!(journal.newest(1, |_| true).len(), 1);
    }

    /// A call unlike the one before it in every field that has a size.
    fn varied_call(n: usize) -> Call {
        let body = vec![b'0' + (n % 10) as u8; (n * 37) % 1500];
        let mut call = call_with_body("a", &body);
        (call.account, call.claimed_account) = match n % 3 {
            0 => (Some(format!("account-{n}")), None),
            1 => (None, Some("claimed".repeat(n % 5))),
            _ => (None, None),
        };
        call.keep_response(&vec![b'r'; (n * 53) % 900]);
        call.status = 200 + (n % 300) as u16;
        call
    }

    #[test]
    fn a_slot_written_again_holds_the_newer_call_alone_and_its_size_is_kept_right() {
        let journal = RequestJournal::new(7, usize::MAX);
        for n in 0..100 {
            let call = varied_call(n);
            let mut expected = call.record();
            let id = journal.record(call);
            expected.id = id;
            let got = journal.get(id).unwrap();
            assert_eq!(serde_json::to_value(got).unwrap(), serde_json::to_value(expected).unwrap());
        }
        let mut held = 0;
        journal.visit_newest(|call| {
            held += call.size();
            ControlFlow::Continue(())
        });
        assert_eq!(journal.counts.bytes.load(Ordering::Relaxed), held);
        assert_eq!(ids(&journal), (94..=100).rev().collect::<Vec<u64>>());
    }

    #[test]
    fn a_slot_that_held_a_large_call_counts_the_memory_it_keeps() {
        let big = varied_call(40);
        let journal = RequestJournal::new(1, 2 * big.size());
        journal.record(big.clone());
        let small = call("a");
        journal.record(small.clone());
        assert_eq!(ids(&journal), [2]);
        // The small call is kept in the big one's buffers, and counted so.
        let held = journal.counts.bytes.load(Ordering::Relaxed);
        assert!(held > small.size() + 1000, "{held} bytes counted");
        let mut size = 0;
        journal.visit_newest(|call| {
            size = call.size();
            ControlFlow::Continue(())
        });
        assert_eq!(held, size);
    }

    #[test]
    fn asking_for_the_next_slots_memory_changes_nothing() {
        let journal = RequestJournal::new(300, usize::MAX);
        journal.fetch_next();
        assert!(journal.slots.made(1).is_none(), "no slot is made for it");
        let listed = |journal: &RequestJournal| serde_json::to_value(journal.all()).unwrap();
        for n in 0..700 {
            // Varied sizes, large buffers among them, across the ring's
            // wrap and its two chunks.
            let mut call = varied_call(n);
            if n % 50 == 0 {
                call.keep_response(&vec![b'r'; 3 * FETCHED_BYTES]);
            }
            let id = journal.record(call);
            let whole = n % 64 == 0;
            let read = |journal: &RequestJournal| {
                let newest = serde_json::to_value(journal.get(id)).unwrap();
                (
                    newest,
                    whole.then(|| listed(journal)),
                    journal.counts.bytes.load(Ordering::Relaxed),
                )
            };
            let before = read(&journal);
            journal.fetch_next();
            assert_eq!(read(&journal), before);
        }
        // A slot being written is passed over, not waited for.
        let next = journal.counts.last_id.load(Ordering::Relaxed) + 1;
        let held = journal.slot(next);
        journal.fetch_next();
        drop(held);
        assert_eq!(journal.record(call("a")), next);
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
