//! The callback journal: every attempt (and every dropped callback) with
//! virtual and wall time, URL, payload, the receiver's answer or the
//! error, latency and attempt number. Capped: the oldest entries go first.

use std::collections::VecDeque;
use std::sync::Arc;
use std::sync::Mutex;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::failures::FailureMode;
use crate::domain::id::ObjectId;
use crate::domain::time::serialize_iso;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub enum CallbackKind {
    DeliveryReport,
    IncomingSms,
    /// Viamobile's incoming push: received only with a 200 and the body `OK`.
    ViamobileIncoming,
}

/// How a callback attempt ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub enum CallbackOutcome {
    /// The receiver answered what counts as received.
    Delivered,
    /// Will be retried (or was the last attempt before dropping).
    Failed,
    /// Given up after the last attempt; no HTTP request.
    Dropped,
}

fn raw_json<S: Serializer>(payload: &Arc<str>, serializer: S) -> Result<S::Ok, S::Error> {
    match serde_json::value::RawValue::from_string(payload.to_string()) {
        Ok(raw) => raw.serialize(serializer),
        Err(_) => serializer.serialize_str(payload),
    }
}

/// Reads a payload written by [`raw_json`] back into its JSON text.
fn json_text<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Arc<str>, D::Error> {
    let value = serde_json::Value::deserialize(deserializer)?;
    Ok(Arc::from(value.to_string()))
}

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AttemptRecord {
    pub id: u64,
    pub job_id: u64,
    pub account: String,
    pub kind: CallbackKind,
    #[schema(value_type = String)]
    pub url: Arc<str>,
    /// The JSON body that was sent.
    #[serde(serialize_with = "raw_json", deserialize_with = "json_text")]
    #[schema(value_type = Object)]
    pub payload: Arc<str>,
    pub batch_id: ObjectId,
    pub message_id: ObjectId,
    /// The message status the callback reports.
    pub code: u16,
    /// 1 for the first attempt; 0 for a dropped entry.
    pub attempt: u32,
    #[serde(serialize_with = "serialize_iso")]
    pub virtual_time: DateTime<Utc>,
    #[serde(serialize_with = "serialize_iso")]
    pub wall_time: DateTime<Utc>,
    pub outcome: CallbackOutcome,
    pub status: Option<u16>,
    pub response_excerpt: Option<String>,
    pub error: Option<String>,
    pub latency_ms: f64,
    /// The failure script that failed this attempt, if any.
    pub scripted: Option<FailureMode>,
    /// Sent again by hand through the control API.
    pub redelivery: bool,
}

impl AttemptRecord {
    /// A record of attempt `attempt` of `job`, to be completed with its
    /// outcome; the journal gives it its id.
    pub fn of(
        account: &str,
        job: &super::CallbackJob,
        attempt: u32,
        virtual_time: DateTime<Utc>,
    ) -> AttemptRecord {
        AttemptRecord {
            id: 0,
            job_id: job.id,
            account: account.to_owned(),
            kind: job.kind,
            url: job.url.clone(),
            payload: job.payload.clone(),
            batch_id: job.batch_id,
            message_id: job.message_id,
            code: job.code,
            attempt,
            virtual_time,
            wall_time: Utc::now(),
            outcome: CallbackOutcome::Failed,
            status: None,
            response_excerpt: None,
            error: None,
            latency_ms: 0.0,
            scripted: None,
            redelivery: false,
        }
    }
}

/// Which attempts to list (also the query of `GET /_mock/callbacks`).
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct Filter {
    pub account: Option<String>,
    pub batch: Option<String>,
    pub message: Option<String>,
    pub url: Option<String>,
    pub outcome: Option<String>,
}

impl Filter {
    fn matches(&self, record: &AttemptRecord) -> bool {
        let outcome = serde_json::to_value(record.outcome).ok();
        self.account.as_deref().is_none_or(|a| a == record.account)
            && self.batch.as_deref().is_none_or(|b| b == record.batch_id.to_string())
            && self.message.as_deref().is_none_or(|m| m == record.message_id.to_string())
            && self.url.as_deref().is_none_or(|u| u == &*record.url)
            && self
                .outcome
                .as_deref()
                .is_none_or(|o| outcome.as_ref().and_then(|v| v.as_str()) == Some(o))
    }
}

/// The attempts, oldest first, bounded by count and by size.
pub struct Journal {
    records: Mutex<Records>,
    capacity: usize,
    max_bytes: usize,
}

#[derive(Default)]
struct Records {
    /// The last id given.
    last_id: u64,
    held: VecDeque<AttemptRecord>,
    /// The size of the records held, about.
    bytes: usize,
}

impl AttemptRecord {
    /// About how much memory the record takes (its payload counted, though
    /// a job may share it).
    fn size(&self) -> usize {
        let optional = |text: &Option<String>| text.as_ref().map_or(0, String::len);
        std::mem::size_of::<AttemptRecord>()
            + self.account.len()
            + self.url.len()
            + self.payload.len()
            + optional(&self.response_excerpt)
            + optional(&self.error)
    }
}

impl Records {
    fn push(&mut self, record: AttemptRecord, capacity: usize, max_bytes: usize) {
        self.bytes += record.size();
        self.held.push_back(record);
        while self.held.len() > capacity || (self.bytes > max_bytes && self.held.len() > 1) {
            let Some(oldest) = self.held.pop_front() else { break };
            self.bytes -= oldest.size();
        }
    }
}

impl Journal {
    pub fn new(capacity: usize, max_bytes: usize) -> Journal {
        Journal { records: Mutex::new(Records::default()), capacity: capacity.max(1), max_bytes }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Records> {
        self.records.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Stores a record, giving it the next id.
    pub fn record(&self, mut record: AttemptRecord) -> AttemptRecord {
        let mut records = self.lock();
        records.last_id += 1;
        record.id = records.last_id;
        records.push(record.clone(), self.capacity, self.max_bytes);
        record
    }

    /// Matching records, oldest first.
    pub fn list(&self, filter: &Filter) -> Vec<AttemptRecord> {
        self.lock().held.iter().filter(|r| filter.matches(r)).cloned().collect()
    }

    pub fn get(&self, id: u64) -> Option<AttemptRecord> {
        self.lock().held.iter().find(|r| r.id == id).cloned()
    }

    /// Replaces every record (from a snapshot), oldest first.
    pub fn replace(&self, saved: Vec<AttemptRecord>) {
        let mut records = Records {
            last_id: saved.iter().map(|r| r.id).max().unwrap_or(0),
            ..Records::default()
        };
        for record in saved {
            records.push(record, self.capacity, self.max_bytes);
        }
        *self.lock() = records;
    }

    /// Forgets one account's records, or all (and then numbers records
    /// from 1 again).
    pub fn clear(&self, account: Option<&str>) {
        let mut records = self.lock();
        records.held.retain(|r| account.is_some_and(|a| r.account != a));
        records.bytes = records.held.iter().map(AttemptRecord::size).sum();
        if account.is_none() {
            records.last_id = 0;
        }
    }
}
