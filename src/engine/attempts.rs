//! Making one account's due callback attempts.
//!
//! A pass takes every callback due on the account's clock off its
//! timetable and hands them to a [`Crew`] by message: one message's
//! callbacks are attempted one at a time, in order (its reports never
//! overtake each other), different messages' side by side, by at most
//! `--callback-concurrency` runners (the dispatcher bounds the requests
//! over all accounts and per receiver). A runner that runs out of work
//! takes what has fallen due since — a retry — so the crew follows its
//! callbacks to the end of what its pass made due. Whoever started the
//! pass may wait for the attempts' records (a clock call waits at most
//! one attempt timeout); the runners go on without it.
//!
//! Taken off the timetable, a callback waits in the account's `in_flight`
//! queue of its message, with a ticket. An attempt that ends after its
//! account was reset or replaced finds its ticket gone and is forgotten,
//! so it never reappears in a fresh journal.

use std::collections::VecDeque;
use std::collections::hash_map::Entry;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};
use tokio::sync::mpsc::UnboundedSender;

use super::callbacks::CallbackFormat;
use super::events::{About, Kind};
use super::{Engine, WRITE};
use crate::domain::id::ObjectId;
use crate::domain::time::later;
use crate::store::{Shard, ShardData};
use crate::supervisor::guarded;
use crate::webhooks::journal::{AttemptRecord, CallbackOutcome};
use crate::webhooks::{CallbackJob, Dispatcher, InFlight, Retries};

/// Where a crew sends its journaled records, for whoever waits for them.
pub type Reports = UnboundedSender<AttemptRecord>;

/// The runners of one pass's callback attempts.
pub struct Crew<P> {
    engine: Arc<Engine>,
    account: Arc<Shard<P>>,
    /// What a runner takes when it runs out of work: what is due until
    /// then (`None`: until the account's clock's now, for the ticker's
    /// passes, which have no end).
    until: Option<DateTime<Utc>>,
    /// Messages whose callbacks wait for a runner.
    ready: Mutex<VecDeque<ObjectId>>,
    runners: AtomicUsize,
    reports: Option<Reports>,
}

impl<P: CallbackFormat + Clone + Send + Sync + 'static> Crew<P> {
    pub fn new(
        engine: Arc<Engine>,
        account: Arc<Shard<P>>,
        until: Option<DateTime<Utc>>,
        reports: Option<Reports>,
    ) -> Arc<Crew<P>> {
        Arc::new(Crew {
            engine,
            account,
            until,
            ready: Mutex::new(VecDeque::new()),
            runners: AtomicUsize::new(0),
            reports,
        })
    }

    fn ready(&self) -> std::sync::MutexGuard<'_, VecDeque<ObjectId>> {
        self.ready.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Takes every callback due until `until` off the timetable and starts
    /// runners for the messages that had none under way.
    pub fn take_due(self: &Arc<Self>, until: DateTime<Utc>) {
        let dispatcher = &self.engine.callbacks;
        let ready = self.account.write(&WRITE, |data| take_due(data, until, dispatcher));
        if ready.is_empty() {
            return;
        }
        let count = ready.len();
        self.ready().extend(ready);
        for _ in 0..count {
            if !self.join() {
                break;
            }
            self.engine.background.spawn(self.clone().run());
        }
    }

    /// Counts one more runner, unless there are enough.
    fn join(&self) -> bool {
        let limit = self.engine.callbacks.policy.concurrency.max(1);
        if self.runners.fetch_add(1, Ordering::SeqCst) < limit {
            return true;
        }
        self.runners.fetch_sub(1, Ordering::SeqCst);
        false
    }

    /// One runner: attempts messages' callbacks until none is ready or
    /// due.
    async fn run(self: Arc<Self>) {
        loop {
            let next = self.ready().pop_front();
            if let Some(message) = next {
                self.attempt_guarded(message).await;
                continue;
            }
            self.take_due(self.until.unwrap_or_else(|| self.account.clock().now()));
            let next = self.ready().pop_front();
            if let Some(message) = next {
                self.attempt_guarded(message).await;
                continue;
            }
            // Leave, unless a message became ready while no runner was
            // counted free to take it.
            self.runners.fetch_sub(1, Ordering::SeqCst);
            if self.ready().is_empty() || !self.join() {
                break;
            }
        }
        self.engine.wake(&self.account);
    }

    /// [`Crew::attempt_all`], reporting a panic; the message's callbacks
    /// then go back on the timetable, one retry interval later, so they are
    /// neither lost nor tried again at once.
    async fn attempt_guarded(&self, message: ObjectId) {
        let health = &self.engine.health;
        if guarded("callback attempts", health, self.attempt_all(message)).await.is_some() {
            return;
        }
        let interval = self.engine.callbacks.policy.retries(P::GATEWAY).interval;
        self.account.write(&WRITE, |data| {
            for entry in data.in_flight.remove(&message).into_iter().flatten() {
                data.schedule.add_callback(later(entry.due, interval), entry.job);
            }
        });
    }

    /// Attempts the callbacks of `message` under way, one at a time, until
    /// none is left (more may queue up meanwhile).
    async fn attempt_all(&self, message: ObjectId) {
        let dispatcher = &self.engine.callbacks;
        let id = self.account.id();
        while let Some((entry, job)) = self.account.write(&WRITE, |data| front(data, message)) {
            let record = dispatcher.attempt(id, &job, job.attempts + 1, entry.due, false).await;
            let records = self.account.write(&WRITE, |data| {
                let queue = data.in_flight.get_mut(&message)?;
                if queue.front().map(|front| front.ticket) != Some(entry.ticket) {
                    return None;
                }
                queue.pop_front();
                let retries = dispatcher.policy.retries(P::GATEWAY);
                let dropped = settle(data, &record, entry.due, retries);
                let record = dispatcher.journal.record(record);
                let dropped = dropped.map(|job| dispatcher.record_dropped(id, &job, entry.due));
                Some([Some(record), dropped])
            });
            // The account was reset or replaced meanwhile: forget it.
            let Some(records) = records else { return };
            self.engine.note_change();
            if self.engine.events.offer(Kind::Callback, records.iter().flatten().count()) {
                for record in records.iter().flatten() {
                    let about = About::new(Some(id), Some(P::GATEWAY), None);
                    self.engine.events.send(Kind::Callback, about, record.clone());
                }
            }
            if let Some(reports) = &self.reports {
                for record in records.into_iter().flatten() {
                    let _ = reports.send(record);
                }
            }
            self.engine.wake(&self.account);
        }
    }
}

/// Takes the callbacks due until `until` off the timetable into the
/// queues of their messages; returns the messages that had none under way.
fn take_due<P>(
    data: &mut ShardData<P>,
    until: DateTime<Utc>,
    dispatcher: &Dispatcher,
) -> Vec<ObjectId> {
    let mut ready = Vec::new();
    while let Some((due, job)) = data.schedule.pop_callback(until) {
        let Some(message) = data.callbacks.get(&job).map(|job| job.message_id) else { continue };
        let entry = InFlight { due, job, ticket: dispatcher.ticket() };
        match data.in_flight.entry(message) {
            Entry::Occupied(mut queue) => queue.get_mut().push_back(entry),
            Entry::Vacant(slot) => {
                slot.insert(VecDeque::from([entry]));
                ready.push(message);
            }
        }
    }
    ready
}

/// The callback of `message` to attempt next, or `None` when its queue is
/// done (and then forgotten).
fn front<P>(data: &mut ShardData<P>, message: ObjectId) -> Option<(InFlight, CallbackJob)> {
    let queue = data.in_flight.get_mut(&message)?;
    while let Some(entry) = queue.front().copied() {
        match data.callbacks.get(&entry.job) {
            Some(job) => return Some((entry, job.clone())),
            None => {
                queue.pop_front();
            }
        }
    }
    data.in_flight.remove(&message);
    None
}

/// Applies an attempt's outcome to its job: done when received, else
/// retried as the gateway's `retries` say after it was due, or given up
/// after the last attempt (returned).
fn settle<P>(
    data: &mut ShardData<P>,
    record: &AttemptRecord,
    due: DateTime<Utc>,
    retries: &Retries,
) -> Option<CallbackJob> {
    if record.outcome == CallbackOutcome::Delivered {
        data.callbacks.remove(&record.job_id);
        return None;
    }
    let job = data.callbacks.get_mut(&record.job_id)?;
    job.attempts += 1;
    if job.attempts >= retries.max_attempts {
        return data.callbacks.remove(&record.job_id);
    }
    data.schedule.add_callback(later(due, retries.after(job.attempts)), record.job_id);
    None
}
