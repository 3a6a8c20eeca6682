//! The scheduler: moves messages through their statuses when they become
//! due on their account's virtual clock, and runs the callback attempts
//! those changes cause, with retries.
//!
//! One step function, `start_pass`, makes a pass over an account: the
//! control API's clock calls ([`Engine::move_clock`]) and an incoming SMS
//! ([`Engine::run_now`]) run it and answer with what happened, and in
//! realtime mode the background [`ticker`] runs it for each account whose
//! deadline came ([`super::wakeups`]). A pass applies every due status
//! change in time order (fast, under the account's lock), then hands the
//! due callbacks to a crew of runners ([`super::attempts`]) that attempt
//! them side by side — but a message's in order — and follow them to the
//! end. No lock is held while a request is in flight, and a pass never
//! waits for one: a clock call waits for the attempts' records at most
//! one attempt timeout. The account's pass lock keeps its passes one at a
//! time.

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use serde::Serialize;
use tokio::sync::mpsc::{UnboundedReceiver, unbounded_channel};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use super::attempts::{Crew, Reports};
use super::callbacks::{CallbackFormat, enqueue_report};
use super::events::{About, Kind};
use super::sequences::Sequences;
use super::{Engine, WRITE};
use crate::clock::{Clock, ClockMode, ClockSettings};
use crate::domain::id::ObjectId;
use crate::domain::lifecycle::{Timing, next_step};
use crate::domain::time::serialize_iso;
use crate::store::{AnyAccount, Shard, ShardData, on_shard};
use crate::supervisor::{Health, guarded};
use crate::webhooks::journal::{AttemptRecord, CallbackOutcome};

/// How long the ticker waits at least before looking again at an account
/// it was woken for too early.
const NOT_BEFORE: Duration = Duration::from_millis(1);

/// How long an account whose pass panicked waits for the next try.
const RETRY_FAILED_PASS: Duration = Duration::from_secs(1);

/// Something a scheduler pass did.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[serde(tag = "type", rename_all = "camelCase")]
pub enum EngineEvent {
    #[serde(rename_all = "camelCase")]
    StatusChange {
        #[serde(serialize_with = "serialize_iso")]
        time: DateTime<Utc>,
        account: String,
        batch_id: ObjectId,
        message_id: ObjectId,
        recipient: String,
        code: u16,
    },
    /// A callback attempt, or a callback dropped after its last attempt.
    Callback(AttemptRecord),
}

impl EngineEvent {
    fn time(&self) -> DateTime<Utc> {
        match self {
            EngineEvent::StatusChange { time, .. } => *time,
            EngineEvent::Callback(record) => record.virtual_time,
        }
    }
}

/// What a pass did: counts, and the first `cap` events in time order.
#[derive(Debug, Default, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Pass {
    pub status_changes: usize,
    pub callback_attempts: usize,
    pub callbacks_dropped: usize,
    pub events: Vec<EngineEvent>,
    pub truncated: bool,
    /// Callback attempts of the account still under way, or waiting behind
    /// one of the same message, when the answer was made: they go on, and
    /// their records appear in the callback journal.
    pub callbacks_in_flight: usize,
}

impl Pass {
    /// Adds another pass (another account's), keeping time order.
    pub fn merge(&mut self, other: Pass, cap: usize) {
        self.status_changes += other.status_changes;
        self.callback_attempts += other.callback_attempts;
        self.callbacks_dropped += other.callbacks_dropped;
        self.callbacks_in_flight += other.callbacks_in_flight;
        self.truncated |= other.truncated;
        self.events.extend(other.events);
        self.events.sort_by_key(EngineEvent::time);
        if self.events.len() > cap {
            self.events.truncate(cap);
            self.truncated = true;
        }
    }
}

/// After a batch is stored: reports for every message's first statuses,
/// and each message's next step on the timetable.
pub fn schedule_new_batch<P: CallbackFormat>(
    data: &mut ShardData<P>,
    position: usize,
    timing: &Timing,
    sequences: &Sequences,
) {
    let Some(batch) = data.messaging.batch_at(position) else { return };
    let mut next = Vec::new();
    let mut reports = Vec::new();
    for (index, message) in batch.messages.iter().enumerate() {
        if let Some(step) =
            next_step(&message.fate, message.latest(), &batch.delivery_windows, timing)
        {
            next.push((step.at, index));
        }
        if data.profile.reports(batch) {
            reports.extend(message.statuses.iter().map(|event| (index, *event)));
        }
    }
    for (due, index) in next {
        data.schedule.add_step(due, position, index);
    }
    for (index, event) in reports {
        enqueue_report(data, sequences, (position, index), event);
    }
}

/// Plans the next status step of every message that has one (after a
/// snapshot is restored: the timetable follows from the messages).
pub fn plan_all_steps<P>(data: &mut ShardData<P>, timing: &Timing) {
    let mut next = Vec::new();
    for (position, batch) in data.messaging.all_batches().enumerate() {
        for (index, message) in batch.messages.iter().enumerate() {
            if let Some(step) =
                next_step(&message.fate, message.latest(), &batch.delivery_windows, timing)
            {
                next.push((step.at, position, index));
            }
        }
    }
    for (due, batch, message) in next {
        data.schedule.add_step(due, batch, message);
    }
}

/// Applies every status change due until `until`, in time order.
/// How a pass records its status changes.
struct Steps<'a> {
    sequences: &'a Sequences,
    /// Events listed in the pass at most.
    cap: usize,
    /// Where every change goes too, for the event stream.
    all: Option<&'a mut Vec<EngineEvent>>,
}

fn apply_due_steps<P: CallbackFormat>(
    account: &str,
    data: &mut ShardData<P>,
    until: DateTime<Utc>,
    timing: &Timing,
    mut steps: Steps<'_>,
    pass: &mut Pass,
) {
    while let Some(due) = data.schedule.pop_step(until) {
        let Some(batch) = data.messaging.batch_at_mut(due.batch) else { continue };
        let (batch_id, message_id) = (batch.id, batch.message_id(due.message));
        let windows = &batch.delivery_windows;
        let Some(message) = batch.messages.get_mut(due.message) else { continue };
        let Some(step) = next_step(&message.fate, message.latest(), windows, timing) else {
            continue;
        };
        if step.at.timestamp_micros() > due.due.timestamp_micros() {
            // The message changed since this was planned: plan again.
            data.schedule.add_step(step.at, due.batch, due.message);
            continue;
        }
        message.statuses.push(step);
        let following = next_step(&message.fate, step, windows, timing);
        pass.status_changes += 1;
        let listed = pass.events.len() < steps.cap;
        if listed || steps.all.is_some() {
            let event = EngineEvent::StatusChange {
                time: step.at,
                account: account.to_owned(),
                batch_id,
                message_id,
                recipient: message.recipient.to_string(),
                code: step.code,
            };
            match (steps.all.as_deref_mut(), listed) {
                (Some(all), true) => {
                    all.push(event.clone());
                    pass.events.push(event);
                }
                (Some(all), false) => all.push(event),
                (None, _) => pass.events.push(event),
            }
        }
        if let Some(following) = following {
            data.schedule.add_step(following.at, due.batch, due.message);
        }
        if data.profile.reports(batch) {
            enqueue_report(data, steps.sequences, (due.batch, due.message), step);
        }
    }
}

/// Runs what of one account is due until `until`: applies its status
/// changes, then hands its due callbacks to a [`Crew`], which reports the
/// attempts' records to `reports`, if given. Returns the status changes,
/// with at most `cap` events listed.
fn start_pass<P: CallbackFormat + Clone + Send + Sync + 'static>(
    engine: &Arc<Engine>,
    account: &Arc<Shard<P>>,
    until: DateTime<Utc>,
    cap: usize,
    reports: Option<Reports>,
) -> Pass {
    let timing = engine.store().timing();
    let mut pass = Pass::default();
    // With subscribers, every status change is published, not only the
    // pass's first `cap`.
    let listening = engine.events.wants(Kind::Status);
    let mut changes = Vec::new();
    account.write(&WRITE, |data| {
        let steps =
            Steps { sequences: &engine.sequences, cap, all: listening.then_some(&mut changes) };
        apply_due_steps(account.id(), data, until, timing, steps, &mut pass)
    });
    for change in changes {
        if let EngineEvent::StatusChange { account, recipient, .. } = &change {
            let about = About::new(Some(account), Some(P::GATEWAY), Some(recipient));
            engine.events.send(Kind::Status, about, change);
        }
    }
    if !listening {
        engine.events.skip(Kind::Status, pass.status_changes);
    }
    pass.truncated |= pass.status_changes > pass.events.len();
    if pass.status_changes > 0 {
        engine.note_change();
        engine.note_messages();
    }
    let end = reports.is_some().then_some(until);
    Crew::new(engine.clone(), account.clone(), end, reports).take_due(until);
    pass
}

/// Waits for the records of a pass's callback attempts, until they are
/// all made or `wait` is over, whichever comes first; adds them to `pass`
/// and counts the account's attempts still under way.
async fn collect<P>(
    account: &Shard<P>,
    mut reports: UnboundedReceiver<AttemptRecord>,
    wait: Duration,
    mut pass: Pass,
    cap: usize,
) -> Pass {
    let mut callbacks = Pass::default();
    let deadline = tokio::time::Instant::now() + wait;
    while let Ok(Some(record)) = tokio::time::timeout_at(deadline, reports.recv()).await {
        match record.outcome {
            CallbackOutcome::Dropped => callbacks.callbacks_dropped += 1,
            _ => callbacks.callback_attempts += 1,
        }
        if callbacks.events.len() < cap {
            callbacks.events.push(EngineEvent::Callback(record));
        } else {
            callbacks.truncated = true;
        }
    }
    callbacks.events.sort_by_key(EngineEvent::time);
    pass.merge(callbacks, cap);
    pass.callbacks_in_flight = account.read(|data| data.in_flight.values().map(|q| q.len()).sum());
    pass
}

impl Engine {
    /// How long a clock call or an incoming SMS waits for the callback
    /// attempts it makes due: one attempt's timeout, and a moment for the
    /// records.
    pub fn wait_for_attempts(&self) -> Duration {
        self.callbacks.policy.timeout + Duration::from_millis(250)
    }

    /// Runs what is due on the account's clock now, after a pass already
    /// running for it; waits for the callback attempts it starts (see
    /// [`Engine::wait_for_attempts`]); lists at most `cap` events.
    pub async fn run_now<P: CallbackFormat + Clone + Send + Sync + 'static>(
        self: &Arc<Self>,
        account: &Arc<Shard<P>>,
        cap: usize,
    ) -> Pass {
        let (reports, records) = unbounded_channel();
        let turn = account.pass_lock().lock_owned().await;
        let until = account.clock().now();
        let pass = start_pass(self, account, until, cap, Some(reports));
        drop(turn);
        self.wake(account);
        collect(account, records, self.wait_for_attempts(), pass, cap).await
    }

    /// Moves the account's clock with `move_clock` (which returns the new
    /// time, or refuses) and runs what became due, in time order; waits
    /// for the callback attempts it starts (see
    /// [`Engine::wait_for_attempts`]); lists at most `cap` events.
    pub async fn move_clock<E>(
        self: &Arc<Self>,
        account: &AnyAccount,
        cap: usize,
        move_clock: impl FnOnce(&Clock) -> Result<DateTime<Utc>, E>,
    ) -> Result<Pass, E> {
        on_shard!(account, shard => {
            let (reports, records) = unbounded_channel();
            let turn = shard.pass_lock().lock_owned().await;
            let until = move_clock(shard.clock())?;
            self.publish_clock(account, shard.clock());
            let pass = start_pass(self, shard, until, cap, Some(reports));
            drop(turn);
            self.wake(shard);
            Ok(collect(shard, records, self.wait_for_attempts(), pass, cap).await)
        })
    }

    /// Publishes a `clock` event: an account's clock moved or changed pace.
    fn publish_clock(&self, account: &AnyAccount, clock: &Clock) {
        if !self.events.offer(Kind::Clock, 1) {
            return;
        }
        let settings = clock.settings();
        let about = About::new(Some(account.id()), Some(account.gateway()), None);
        let data = serde_json::json!({
            "account": account.id(), "now": crate::domain::time::iso(clock.now()),
            "mode": settings.mode, "speed": settings.speed,
        });
        self.events.send(Kind::Clock, about, data);
    }

    /// Switches an account's clock's mode and speed (without a jump in
    /// time), and wakes it for what its new pace makes due.
    pub fn configure_clock(&self, account: &AnyAccount, settings: ClockSettings) {
        on_shard!(account, shard => {
            shard.clock().configure(settings);
            self.publish_clock(account, shard.clock());
            shard.registration().clear();
            self.wake(shard);
        })
    }

    /// Registers when the ticker must next run the account: the wall-clock
    /// deadline of its next due step or callback attempt, on a realtime
    /// clock. Called after every change to its timetable or its clock,
    /// once its pass lock is released.
    pub fn wake<P>(&self, account: &Shard<P>) {
        self.wake_no_sooner_than(account, None);
    }

    /// [`Self::wake`] for a caller that has just read the account's next
    /// due step under its lock. A manual clock has no deadline, so its
    /// mode is not read first: every send comes here, and each read of the
    /// clock takes its lock.
    pub fn wake_for<P>(&self, account: &Shard<P>, next_due: Option<DateTime<Utc>>) {
        self.register_wakeup(account, next_due, None);
    }

    fn wake_no_sooner_than<P>(&self, account: &Shard<P>, earliest: Option<Instant>) {
        if account.clock().settings().mode != ClockMode::Realtime {
            return;
        }
        let next_due = account.read(|data| data.schedule.next_due());
        self.register_wakeup(account, next_due, earliest);
    }

    /// Registers the account's (realtime) clock's deadline for `due`, no
    /// sooner than `earliest`.
    fn register_wakeup<P>(
        &self,
        account: &Shard<P>,
        due: Option<DateTime<Utc>>,
        earliest: Option<Instant>,
    ) {
        let Some(due) = due else { return };
        let Some(at) = account.clock().deadline(due) else { return };
        let at = earliest.map_or(at, |earliest| at.max(earliest));
        self.wakeups.register(account.id(), account.registration(), at);
    }
}

/// Runs a pass for an account whose deadline came, if anything is due on
/// its (realtime) clock and no pass is running for it already (that pass
/// wakes it again when it ends).
fn tick_account<P: CallbackFormat + Clone + Send + Sync + 'static>(
    engine: &Arc<Engine>,
    health: &Arc<Health>,
    account: Arc<Shard<P>>,
    tasks: &TaskTracker,
) {
    if account.clock().settings().mode != ClockMode::Realtime {
        return;
    }
    let now = account.clock().now();
    if !account.read(|data| data.schedule.next_due().is_some_and(|due| due <= now)) {
        // Woken a hair early (rounding) or for what has changed since:
        // wait again, at least a moment, so the ticker never spins.
        engine.wake_no_sooner_than(&account, Some(Instant::now() + NOT_BEFORE));
        return;
    }
    let Ok(turn) = account.pass_lock().try_lock_owned() else { return };
    let (engine, health) = (engine.clone(), health.clone());
    tasks.spawn(async move {
        let pass = guarded("scheduler pass", &health, async {
            start_pass(&engine, &account, now, 0, None)
        })
        .await;
        drop(turn);
        match pass {
            Some(_) => engine.wake(&account),
            // Try again, but not at once: the same step may fail again.
            None => engine.wake_no_sooner_than(&account, Some(Instant::now() + RETRY_FAILED_PASS)),
        }
    });
}

/// The background task of realtime mode: sleeps until the earliest
/// deadline an account is registered for (or until an earlier one is
/// registered), then runs a pass for each account whose deadline came.
/// Stops when `stop` is cancelled; passes it started are tracked by
/// `tasks`.
pub async fn ticker(
    engine: Arc<Engine>,
    health: Arc<Health>,
    stop: CancellationToken,
    tasks: TaskTracker,
) {
    loop {
        let next = engine.wakeups.next();
        let sleep = async move {
            match next {
                Some(at) => tokio::time::sleep_until(at.into()).await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            () = stop.cancelled() => break,
            () = engine.wakeups.earlier() => continue,
            () = sleep => {}
        }
        for (at, name) in engine.wakeups.take_due(Instant::now()) {
            let Some(account) = engine.store().find(&name) else { continue };
            on_shard!(&account, shard => {
                shard.registration().expire(at);
                tick_account(&engine, &health, shard.clone(), &tasks);
            });
        }
    }
}
