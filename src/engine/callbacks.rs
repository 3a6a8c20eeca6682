//! What a gateway POSTs to its customers, and queueing it.
//!
//! The engine decides *when* a callback is due (a status change, an
//! incoming SMS); the gateway that owns the wire format decides *what* is
//! sent and where, by implementing [`CallbackFormat`] for its accounts'
//! profile (`gateways/ip1/callbacks.rs`, `gateways/viamobile/callbacks.rs`).
//! A queued callback is a [`CallbackJob`] on the account's timetable; the
//! scheduler makes its attempts.

use std::sync::Arc;

use chrono::{DateTime, Utc};

use super::sequences::Sequences;
use crate::domain::account::Gateway;
use crate::domain::message::{Batch, StatusEvent};
use crate::domain::status;
use crate::store::ShardData;
use crate::webhooks::CallbackJob;
use crate::webhooks::journal::{AttemptRecord, CallbackKind};

/// One callback's destination and JSON body.
pub struct Callback {
    pub url: Arc<str>,
    pub payload: Arc<str>,
}

/// An incoming SMS as the gateway pushes it.
pub struct IncomingCallback {
    pub kind: CallbackKind,
    /// Where it is pushed; none when the account has no receiver for it.
    pub url: Option<Arc<str>>,
    /// The pushed JSON, also the answer of `POST /_mock/inbound`.
    pub payload: serde_json::Value,
}

/// A gateway's callback payloads, implemented for its accounts' profile.
pub trait CallbackFormat {
    /// The gateway whose format it is, which picks its retries.
    const GATEWAY: Gateway;

    /// Whether status changes of this batch's messages are reported at all.
    fn reports(&self, batch: &Batch) -> bool;

    /// The delivery report of `event` for message `index` of `batch`, if
    /// one is sent for it.
    fn delivery_report(&self, batch: &Batch, index: usize, event: StatusEvent) -> Option<Callback>;

    /// The push of an incoming SMS, stored as the one message of `batch`.
    fn incoming(&self, batch: &Batch, sequences: &Sequences) -> IncomingCallback;
}

impl super::Engine {
    /// Sends a journaled callback attempt once more, now (on its account's
    /// clock), without failure scripts or retries; journals and returns
    /// the new attempt. `None` when the journal has no such attempt.
    pub async fn redeliver(&self, attempt_id: u64) -> Option<AttemptRecord> {
        let record = self.callbacks.journal.get(attempt_id)?;
        let virtual_time = match self.store().find(&record.account) {
            Some(account) => account.clock().now(),
            None => Utc::now(),
        };
        let job = CallbackJob {
            id: record.job_id,
            kind: record.kind,
            url: record.url.clone(),
            payload: record.payload.clone(),
            batch_id: record.batch_id,
            message_id: record.message_id,
            code: record.code,
            reference: None,
            attempts: record.attempt,
        };
        let attempt = record.attempt.max(1);
        let redelivered =
            self.callbacks.attempt(&record.account, &job, attempt, virtual_time, true).await;
        Some(self.callbacks.journal.record(redelivered))
    }
}

/// Queues a callback for message `index` of the batch at `position`; its
/// first attempt is due at `due`.
pub fn enqueue<P>(
    data: &mut ShardData<P>,
    sequences: &Sequences,
    (position, index): (usize, usize),
    kind: CallbackKind,
    callback: Callback,
    code: u16,
    due: DateTime<Utc>,
) {
    let Some(batch) = data.messaging.batch_at(position) else { return };
    let job = CallbackJob {
        id: sequences.callback_job(),
        kind,
        url: callback.url,
        payload: callback.payload,
        batch_id: batch.id,
        message_id: batch.message_id(index),
        code,
        reference: batch.reference.as_deref().map(Arc::from),
        attempts: 0,
    };
    data.schedule.add_callback(due, job.id);
    data.callbacks.insert(job.id, job);
}

/// Queues the delivery report of a status change, if the gateway sends one.
pub fn enqueue_report<P: CallbackFormat>(
    data: &mut ShardData<P>,
    sequences: &Sequences,
    (position, index): (usize, usize),
    event: StatusEvent,
) {
    let Some(batch) = data.messaging.batch_at(position) else { return };
    let Some(report) = data.profile.delivery_report(batch, index, event) else { return };
    let kind = CallbackKind::DeliveryReport;
    enqueue(data, sequences, (position, index), kind, report, event.code, event.at);
}

/// Queues the push of the incoming SMS stored at `position`, if the
/// account has a receiver for it; returns the pushed JSON.
pub fn enqueue_incoming<P: CallbackFormat>(
    data: &mut ShardData<P>,
    sequences: &Sequences,
    position: usize,
    at: DateTime<Utc>,
) -> serde_json::Value {
    let Some(batch) = data.messaging.batch_at(position) else {
        return serde_json::Value::Null;
    };
    let incoming = data.profile.incoming(batch, sequences);
    if let Some(url) = incoming.url {
        let callback = Callback { url, payload: Arc::from(incoming.payload.to_string()) };
        let code = status::DELIVERED_TO_HANDSET;
        enqueue(data, sequences, (position, 0), incoming.kind, callback, code, at);
    }
    incoming.payload
}
