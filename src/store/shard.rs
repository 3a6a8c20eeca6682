//! One account's world: its profile, its clock, its batches and messages.
//! Each account is locked on its own, so requests of different accounts
//! never wait for each other.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, MutexGuard};

use foldhash::HashMap;

use super::contacts::Contacts;
use super::messaging::Messaging;
use super::schedule::Schedule;
use crate::clock::{Clock, ClockSettings};
use crate::domain::address_book::AddressBook;
use crate::domain::authentication::Authentications;
use crate::domain::blacklist::Blacklist;
use crate::domain::id::ObjectId;
use crate::domain::landing::Landing;
use crate::engine::WriteKey;
use crate::engine::wakeups::Registration;
use crate::webhooks::{CallbackJob, InFlight};

/// Where an account came from; a full reset keeps only fixture accounts.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "camelCase")]
pub enum Origin {
    /// Listed in the fixtures file.
    Fixtures,
    /// Created through the control API or on first use of unseen credentials.
    Runtime,
}

/// The mutable part of an account.
#[derive(Debug, Clone)]
pub struct ShardData<P> {
    pub profile: P,
    pub messaging: Messaging,
    pub schedule: Schedule,
    /// Callbacks waiting for their next attempt, by job id.
    pub callbacks: HashMap<u64, CallbackJob>,
    /// Callbacks taken off the timetable for their attempts, by message:
    /// the one being attempted first, then those waiting behind it (a
    /// message's callbacks go one at a time, in order).
    pub in_flight: HashMap<ObjectId, VecDeque<InFlight>>,
    pub contacts: Contacts,
    /// The older API's contacts, groups and memberships.
    pub address_book: AddressBook,
    /// The older API's one-time codes and their settings.
    pub authentications: Authentications,
    pub blacklist: Blacklist,
    /// Landing pages, oldest first.
    pub landings: Vec<Landing>,
}

impl<P> ShardData<P> {
    fn new(profile: P) -> ShardData<P> {
        ShardData {
            profile,
            messaging: Messaging::default(),
            schedule: Schedule::default(),
            callbacks: HashMap::default(),
            in_flight: HashMap::default(),
            contacts: Contacts::default(),
            address_book: AddressBook::default(),
            authentications: Authentications::default(),
            blacklist: Blacklist::default(),
            landings: Vec::new(),
        }
    }
}

/// An account of one gateway, with profile type `P`. Aligned as
/// [`crate::engine::Engine`] is, for the same reason: every call to the
/// account clones its `Arc`.
#[derive(Debug)]
#[repr(align(128))]
pub struct Shard<P> {
    id: String,
    origin: Origin,
    /// What a reset restores.
    initial: P,
    clock_settings: ClockSettings,
    clock: Clock,
    data: Mutex<ShardData<P>>,
    /// Held while a scheduler pass works through this account's
    /// timetable (across the awaits of its callback attempts, so it is an
    /// async lock), so one account's steps and callbacks run one pass at
    /// a time.
    pass_lock: Arc<tokio::sync::Mutex<()>>,
    /// When the realtime ticker is to run this account next.
    registration: Registration,
}

impl<P: Clone> Shard<P> {
    pub fn new(id: String, origin: Origin, profile: P, clock_settings: ClockSettings) -> Shard<P> {
        Shard {
            id,
            origin,
            initial: profile.clone(),
            clock_settings,
            clock: Clock::new(clock_settings),
            data: Mutex::new(ShardData::new(profile)),
            pass_lock: Arc::default(),
            registration: Registration::default(),
        }
    }

    /// Forgets everything the account did: its profile is as first created
    /// and its clock starts again at the present, as it first was.
    pub fn reset(&self, _: &WriteKey) {
        *self.lock() = ShardData::new(self.initial.clone());
        self.clock.restart(self.clock_settings);
        self.registration.clear();
    }
}

impl<P> Shard<P> {
    /// The iP.1 account id or the Viamobile username.
    pub fn id(&self) -> &str {
        &self.id
    }

    pub fn origin(&self) -> Origin {
        self.origin
    }

    pub fn clock(&self) -> &Clock {
        &self.clock
    }

    /// The deadline the ticker is to wake this account at.
    pub fn registration(&self) -> &Registration {
        &self.registration
    }

    /// The lock a scheduler pass of this account holds.
    pub fn pass_lock(&self) -> Arc<tokio::sync::Mutex<()>> {
        self.pass_lock.clone()
    }

    /// Runs `f` on the account's data under its lock. `f` must not block
    /// or await; copy out what an answer needs.
    pub fn read<R>(&self, f: impl FnOnce(&ShardData<P>) -> R) -> R {
        f(&self.lock())
    }

    /// Like [`Shard::read`], for changes. Only the engine can call it: it
    /// alone holds a [`WriteKey`].
    pub fn write<R>(&self, _: &WriteKey, f: impl FnOnce(&mut ShardData<P>) -> R) -> R {
        f(&mut self.lock())
    }

    fn lock(&self) -> MutexGuard<'_, ShardData<P>> {
        // A panic elsewhere must not make the account unusable.
        self.data.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// One account as a snapshot holds it: everything but the timetable of
/// status steps, which follows from the messages.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AccountSnapshot<P> {
    pub id: String,
    pub origin: Origin,
    pub initial: P,
    pub profile: P,
    pub clock_now: chrono::DateTime<chrono::Utc>,
    pub clock: ClockSettings,
    pub batches: Messaging,
    pub contacts: Contacts,
    #[serde(default)]
    pub address_book: AddressBook,
    #[serde(default)]
    pub authentications: Authentications,
    pub blacklist: Blacklist,
    pub landings: Vec<Landing>,
    /// Callbacks waiting for an attempt, with when it is due (those under
    /// way included: a restored snapshot attempts them again).
    pub pending_callbacks: Vec<(chrono::DateTime<chrono::Utc>, CallbackJob)>,
}

impl<P: Clone> Shard<P> {
    pub fn snapshot(&self) -> AccountSnapshot<P> {
        let data = self.lock();
        let in_flight = data.in_flight.values().flatten().map(|entry| (entry.due, entry.job));
        let pending_callbacks = data
            .schedule
            .callbacks()
            .into_iter()
            .chain(in_flight)
            .filter_map(|(due, id)| data.callbacks.get(&id).map(|job| (due, job.clone())))
            .collect();
        AccountSnapshot {
            id: self.id.clone(),
            origin: self.origin,
            initial: self.initial.clone(),
            profile: data.profile.clone(),
            clock_now: self.clock.now(),
            clock: self.clock.settings(),
            batches: data.messaging.clone(),
            contacts: data.contacts.clone(),
            address_book: data.address_book.clone(),
            authentications: data.authentications.clone(),
            blacklist: data.blacklist.clone(),
            landings: data.landings.clone(),
            pending_callbacks,
        }
    }

    /// An account as a snapshot had it; the caller plans its status steps
    /// again.
    pub fn restore(snapshot: AccountSnapshot<P>, clock_settings: ClockSettings) -> Shard<P> {
        let shard = Shard::new(snapshot.id, snapshot.origin, snapshot.initial, clock_settings);
        shard.clock.restore(snapshot.clock_now, snapshot.clock);
        {
            let mut data = shard.lock();
            data.profile = snapshot.profile;
            data.messaging = snapshot.batches;
            data.contacts = snapshot.contacts;
            data.address_book = snapshot.address_book;
            data.authentications = snapshot.authentications;
            data.blacklist = snapshot.blacklist;
            data.landings = snapshot.landings;
            for (due, job) in snapshot.pending_callbacks {
                data.schedule.add_callback(due, job.id);
                data.callbacks.insert(job.id, job);
            }
        }
        shard
    }
}
