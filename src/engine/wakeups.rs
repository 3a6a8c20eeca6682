//! When the realtime ticker must wake: the wall-clock deadline of each
//! account's next due step or callback attempt, earliest first.
//!
//! The engine registers an account's deadline whenever its timetable or
//! its clock changes ([`super::Engine::wake`]); the ticker sleeps until the
//! earliest, or until an earlier one is registered. An idle emulator —
//! however many accounts it has — does nothing at all. Each account keeps
//! the deadline it is registered for, so registering the same or a later
//! one again adds nothing.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use tokio::sync::Notify;

/// An account's deadline, earliest first in the queue.
type Deadline = Reverse<(Instant, Arc<str>)>;

/// The registered deadlines.
#[derive(Default)]
pub struct Wakeups {
    queue: Mutex<BinaryHeap<Deadline>>,
    earlier: Notify,
}

/// The deadline one account is registered for, kept with the account.
#[derive(Debug, Default)]
pub struct Registration(Mutex<Option<Instant>>);

impl Wakeups {
    /// Registers `account` to be woken at `at`, unless it is registered
    /// for that or earlier already; wakes the ticker when `at` is now the
    /// earliest deadline.
    pub fn register(&self, account: &str, registration: &Registration, at: Instant) {
        {
            let mut registered = registration.lock();
            if registered.is_some_and(|r| r <= at) {
                return;
            }
            *registered = Some(at);
        }
        let mut queue = self.lock();
        let earliest = queue.peek().is_none_or(|Reverse((first, _))| at < *first);
        queue.push(Reverse((at, Arc::from(account))));
        drop(queue);
        if earliest {
            self.earlier.notify_one();
        }
    }

    /// The earliest deadline.
    pub fn next(&self) -> Option<Instant> {
        self.lock().peek().map(|Reverse((at, _))| *at)
    }

    /// Takes every deadline at or before `now` off the queue; returns the
    /// accounts, each once.
    pub fn take_due(&self, now: Instant) -> Vec<(Instant, Arc<str>)> {
        let mut queue = self.lock();
        let mut due: Vec<(Instant, Arc<str>)> = Vec::new();
        while queue.peek().is_some_and(|Reverse((at, _))| *at <= now) {
            let Some(Reverse(entry)) = queue.pop() else { break };
            if !due.iter().any(|(_, account)| *account == entry.1) {
                due.push(entry);
            }
        }
        due
    }

    /// Completes when a deadline earlier than all others was registered
    /// since the last call (a registration is never missed).
    pub async fn earlier(&self) {
        self.earlier.notified().await;
    }

    /// Forgets every deadline (a full reset or an import).
    pub fn clear(&self) {
        self.lock().clear();
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, BinaryHeap<Deadline>> {
        self.queue.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl Registration {
    /// Forgets the registration if it is for `at` (its deadline came):
    /// the account can be registered again for any time.
    pub fn expire(&self, at: Instant) {
        let mut registered = self.lock();
        if *registered == Some(at) {
            *registered = None;
        }
    }

    /// Forgets the registration, whatever it is for.
    pub fn clear(&self) {
        *self.lock() = None;
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Option<Instant>> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn the_earliest_deadline_comes_first_and_later_ones_add_nothing() {
        let wakeups = Wakeups::default();
        let (a, b) = (Registration::default(), Registration::default());
        let now = Instant::now();
        wakeups.register("a", &a, now + Duration::from_secs(5));
        wakeups.register("a", &a, now + Duration::from_secs(9));
        wakeups.register("b", &b, now + Duration::from_secs(1));
        wakeups.register("a", &a, now + Duration::from_secs(2));
        assert_eq!(wakeups.next(), Some(now + Duration::from_secs(1)));
        let due = wakeups.take_due(now + Duration::from_secs(6));
        let names: Vec<&str> = due.iter().map(|(_, account)| &**account).collect();
        assert_eq!(names, ["b", "a"]);
        assert_eq!(wakeups.next(), None, "the later registration of a was never queued");
        a.expire(now + Duration::from_secs(5));
        wakeups.register("a", &a, now + Duration::from_secs(3));
        assert_eq!(wakeups.next(), None, "a is still registered for 2 s");
        a.expire(now + Duration::from_secs(2));
        wakeups.register("a", &a, now + Duration::from_secs(3));
        assert_eq!(wakeups.next(), Some(now + Duration::from_secs(3)));
    }
}
