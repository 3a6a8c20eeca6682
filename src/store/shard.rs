//! One account's world: its profile, its clock, its batches and messages.
//! Each account is locked on its own, so requests of different accounts
//! never wait for each other.

use std::sync::{Mutex, MutexGuard};

use super::messaging::Messaging;
use crate::clock::{Clock, ClockSettings};

/// Where an account came from; a full reset keeps only fixture accounts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
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
}

/// An account of one gateway, with profile type `P`.
#[derive(Debug)]
pub struct Shard<P> {
    id: String,
    origin: Origin,
    /// What a reset restores.
    initial: P,
    clock_settings: ClockSettings,
    clock: Clock,
    data: Mutex<ShardData<P>>,
}

impl<P: Clone> Shard<P> {
    pub fn new(id: String, origin: Origin, profile: P, clock_settings: ClockSettings) -> Shard<P> {
        Shard {
            id,
            origin,
            initial: profile.clone(),
            clock_settings,
            clock: Clock::new(clock_settings),
            data: Mutex::new(ShardData { profile, messaging: Messaging::default() }),
        }
    }

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

    /// Runs `f` on the account's data under its lock. `f` must not block
    /// or await; copy out what an answer needs.
    pub fn read<R>(&self, f: impl FnOnce(&ShardData<P>) -> R) -> R {
        f(&self.lock())
    }

    /// Like [`Shard::read`], for changes.
    pub fn write<R>(&self, f: impl FnOnce(&mut ShardData<P>) -> R) -> R {
        f(&mut self.lock())
    }

    /// Forgets everything the account did: its profile is as first created
    /// and its clock starts again at the present.
    pub fn reset(&self) {
        *self.lock() = ShardData { profile: self.initial.clone(), messaging: Messaging::default() };
        self.clock.restart(self.clock_settings);
    }

    fn lock(&self) -> MutexGuard<'_, ShardData<P>> {
        // A panic elsewhere must not make the account unusable.
        self.data.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}
