//! The engine: the one layer between the gateways' handlers and the store.
//! Every change of state happens here.
//!
//! Handlers parse their gateway's wire format into domain types, call the
//! engine, and render its answer in their format. The engine owns
//! everything the emulator holds — the accounts (the [`Store`]), outcome
//! rules, fault rules, both journals, the callback dispatcher and the id
//! sequences — and is the one owner of "all state": [`Engine::reset`],
//! [`Engine::export`] and [`Engine::import`] each take the engine apart
//! field by field, so a new part cannot be left out of any of them.

pub mod attempts;
pub mod callbacks;
pub mod events;
pub mod receive;
pub mod records;
pub mod run;
pub mod sequences;
pub mod snapshot;
pub mod submit;
pub mod wakeups;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering, fence};

use chrono::TimeDelta;
use crossbeam_utils::CachePadded;
use tokio::sync::watch;
use tokio_util::task::TaskTracker;

use crate::clock::ClockSettings;
use crate::config::{ServeConfig, UnregisteredSender};
use crate::domain::account::AccountError;
use crate::faults::{FaultSpec, Faults};
use crate::fixtures::Fixtures;
use crate::requests::RequestJournal;
use crate::rules::Rules;
use crate::store::{Store, StoreSettings};
use crate::supervisor::Health;
use crate::webhooks::failures::FailureScripts;
use crate::webhooks::journal::Journal;
use crate::webhooks::targets::Targets;
use crate::webhooks::{CallbackPolicy, Dispatcher, Retries};

use self::events::Events;
use self::sequences::Sequences;
use self::wakeups::Wakeups;

/// What [`crate::store::Shard::write`] asks for: proof that the caller is
/// the engine. Its field is private to this module, so only the engine's
/// modules can make one (they use the constant `WRITE`); a handler cannot
/// take an account's write lock, and `grep -rn "WriteKey(" src` shows the
/// one place one is made.
pub struct WriteKey(());

/// The engine's key to accounts' write locks.
const WRITE: WriteKey = WriteKey(());

/// Everything the emulator holds, and every operation that changes it.
///
/// Aligned to a cache line pair, so that in its `Arc` the reference
/// counts, which the calls clone and drop, sit apart from the fields they
/// read (README, Performance).
#[repr(align(128))]
pub struct Engine {
    store: Store,
    /// Outcome rules set through the control API.
    pub rules: Rules,
    /// Fault rules on the gateway APIs.
    pub faults: Faults,
    /// Every call to a gateway.
    pub requests: RequestJournal,
    /// Makes callback attempts; keeps their journal and failure scripts.
    pub callbacks: Dispatcher,
    /// Id sequences and the token secret.
    pub sequences: Sequences,
    /// What an unregistered iP.1 sender gets.
    pub unregistered_sender: UnregisteredSender,
    /// When the realtime ticker must next run each account.
    wakeups: Wakeups,
    /// Panics of background work (and requests), for the health check.
    pub health: Arc<Health>,
    /// Background work — the ticker, its passes, callback attempts — that
    /// a shutdown waits for (a moment).
    pub background: TaskTracker,
    /// Counts changes, so the state file is saved only when there are.
    /// Every call writes it: on a cache line of its own, so that the
    /// fields beside it that every call reads stay in both processors'
    /// caches (README, Performance).
    changes: CachePadded<AtomicU64>,
    /// Bumped when messages are stored or change status, so that waiting
    /// lookups wake instead of polling.
    message_updates: watch::Sender<u64>,
    /// The event stream's subscribers.
    pub events: Events,
}

fn scope_account(scope: Scope<'_>) -> Option<&str> {
    match scope {
        Scope::All => None,
        Scope::Account(name) => Some(name),
    }
}

/// What a reset forgets.
#[derive(Debug, Clone, Copy)]
pub enum Scope<'a> {
    /// Everything: back to the fixtures.
    All,
    /// What one account did, and every rule, fault, script and journal
    /// entry of that account.
    Account(&'a str),
}

impl Engine {
    /// An engine holding the fixtures' accounts, configured by `config`,
    /// with `faults` to start with.
    pub fn new(
        fixtures: Fixtures,
        config: &ServeConfig,
        faults: Vec<FaultSpec>,
    ) -> Result<Engine, AccountError> {
        let settings = StoreSettings {
            clock: ClockSettings { mode: config.clock, speed: config.clock_speed },
            accept_any_credentials: config.accept_any_credentials,
            max_accounts: config.max_accounts,
        };
        let policy = CallbackPolicy {
            ip1: Retries {
                interval: TimeDelta::seconds(i64::from(config.dr_retry_interval)),
                doubling: false,
                max_attempts: config.dr_max_attempts,
            },
            viamobile: Retries {
                interval: TimeDelta::seconds(i64::from(config.viamobile_push_retry_interval)),
                doubling: true,
                max_attempts: config.viamobile_push_attempts,
            },
            timeout: std::time::Duration::from_millis(config.dr_timeout_ms),
            accept_any_2xx: config.dr_accept_any_2xx,
            concurrency: config.callback_concurrency,
        };
        let everywhere =
            (config.dr_fail_first > 0).then_some((config.dr_fail_first, config.dr_fail_mode));
        let engine = Engine {
            store: Store::new(fixtures, settings)?,
            rules: Rules::default(),
            faults: Faults::default(),
            requests: RequestJournal::new(
                config.request_journal_size,
                config.request_journal_bytes,
            ),
            callbacks: Dispatcher::new(
                policy,
                FailureScripts::new(everywhere),
                Journal::new(config.callback_journal_size, config.callback_journal_bytes),
                Targets::new(config.callback_allow.clone()),
            ),
            sequences: Sequences::default(),
            unregistered_sender: config.unregistered_sender,
            wakeups: Wakeups::default(),
            health: Arc::default(),
            background: TaskTracker::new(),
            changes: CachePadded::new(AtomicU64::new(0)),
            message_updates: watch::channel(0).0,
            events: Events::default(),
        };
        for spec in faults {
            engine.faults.add(spec);
        }
        Ok(engine)
    }

    /// Notes that something changed: a call, a status step, a callback
    /// attempt (what the state file holds).
    pub fn note_change(&self) {
        self.changes.fetch_add(1, Ordering::Relaxed);
    }

    /// Notes that messages were stored or changed status: wakes waiting
    /// lookups, when there are any. Nearly every send calls this with no
    /// one waiting, and notifying takes the channel's lock, which the
    /// runtime's threads then pass between them: so the count of waiters
    /// is read first. The fence pairs with the one in
    /// [`Engine::message_updates`]: either this sees the new waiter, or
    /// the waiter's first look sees what changed.
    pub fn note_messages(&self) {
        fence(Ordering::SeqCst);
        if self.message_updates.receiver_count() > 0 {
            self.message_updates.send_modify(|count| *count = count.wrapping_add(1));
        }
    }

    /// Wakes when [`Engine::note_messages`] is next called; a lookup
    /// subscribes before it first looks.
    pub fn message_updates(&self) -> watch::Receiver<u64> {
        let updates = self.message_updates.subscribe();
        fence(Ordering::SeqCst);
        updates
    }

    /// How many changes were noted so far.
    pub fn changes(&self) -> u64 {
        self.changes.load(Ordering::Relaxed)
    }

    /// The accounts.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// Forgets what `scope` covers. A full reset goes back to the
    /// fixtures: fixture accounts as they were first made, accounts made
    /// at run time gone, no rule, fault, failure script or journal entry,
    /// and the numbered sequences from their start. An account's reset
    /// keeps its credentials. `None` when the account is unknown.
    pub fn reset(&self, scope: Scope<'_>) -> Option<()> {
        let Engine {
            store,
            rules,
            faults,
            requests,
            callbacks,
            sequences,
            unregistered_sender: _,
            wakeups,
            health: _,
            background: _,
            changes: _,
            message_updates: _,
            events,
        } = self;
        self.note_messages();
        events.publish(
            events::Kind::Reset,
            events::About::new(scope_account(scope), None, None),
            serde_json::json!({"account": scope_account(scope)}),
        );
        let account = match scope {
            Scope::All => None,
            Scope::Account(name) => Some(name),
        };
        match account {
            None => {
                store.reset_all(&WRITE);
                sequences.restart();
                wakeups.clear();
            }
            Some(name) => store.find(name)?.reset(&WRITE),
        }
        rules.clear(account);
        faults.remove_account(account);
        requests.clear(account);
        callbacks.reset(account);
        Some(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn engine(accept_any_credentials: bool) -> Engine {
        let config = ServeConfig { accept_any_credentials, ..ServeConfig::default() };
        Engine::new(Fixtures::builtin(), &config, Vec::new()).unwrap()
    }

    #[test]
    fn a_full_reset_keeps_only_fixture_accounts() {
        let engine = engine(true);
        engine.store().authenticate_ip1(None, "new-key").unwrap();
        let count = engine.store().list().len();
        engine.reset(Scope::All).unwrap();
        assert_eq!(engine.store().list().len(), count - 1);
        assert!(engine.store().authenticate_ip1(None, "ip1-default-key").is_some());
        assert!(engine.reset(Scope::Account("nobody")).is_none());
    }
}
