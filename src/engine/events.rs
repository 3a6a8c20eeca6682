//! The event stream (`GET /_mock/events`): what happens, as it happens —
//! a message stored, a status change, a callback attempt, an incoming SMS,
//! a gateway request, a fault applied, a clock moved, a reset.
//!
//! Events go out on a bounded broadcast channel. Publishing never waits: a
//! subscriber that falls behind loses the oldest events and is told how
//! many it missed, so a slow or stuck one never slows the API or the other
//! subscribers. With nobody subscribed, nothing is built at all.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use serde::Serialize;
use tokio::sync::broadcast;

use crate::domain::account::Gateway;

/// Events a subscriber may fall behind by before it misses some.
const BUFFER: usize = 4096;

/// One published event, with what subscribers filter on.
#[derive(Debug)]
pub struct Published {
    /// Unique over the emulator's life, in publishing order.
    pub id: u64,
    /// `message`, `status`, `callback`, `incoming`, `request`, `fault`,
    /// `clock` or `reset`.
    pub kind: &'static str,
    pub account: Option<String>,
    pub gateway: Option<Gateway>,
    /// The phones it concerns (a message's recipient or sender).
    pub phones: Vec<String>,
    /// The event as JSON.
    pub data: String,
}

pub struct Events {
    sender: broadcast::Sender<Arc<Published>>,
    last_id: AtomicU64,
}

impl Default for Events {
    fn default() -> Events {
        Events { sender: broadcast::channel(BUFFER).0, last_id: AtomicU64::new(0) }
    }
}

/// What an event is about, for filtering.
pub struct About<'a> {
    pub account: Option<&'a str>,
    pub gateway: Option<Gateway>,
    pub phones: &'a [&'a str],
}

impl Events {
    /// Whether anyone listens: events are built only then.
    pub fn listening(&self) -> bool {
        self.sender.receiver_count() > 0
    }

    pub fn subscribe(&self) -> broadcast::Receiver<Arc<Published>> {
        self.sender.subscribe()
    }

    /// Publishes `data` as an event of `kind`, if anyone listens.
    pub fn publish(&self, kind: &'static str, about: About<'_>, data: &impl Serialize) {
        if !self.listening() {
            return;
        }
        let Ok(data) = serde_json::to_string(data) else { return };
        let published = Published {
            id: self.last_id.fetch_add(1, Ordering::Relaxed) + 1,
            kind,
            account: about.account.map(str::to_owned),
            gateway: about.gateway,
            phones: about.phones.iter().map(|p| (*p).to_owned()).collect(),
            data,
        };
        let _ = self.sender.send(Arc::new(published));
    }
}
