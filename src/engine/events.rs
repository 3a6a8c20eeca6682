//! The event stream (`GET /_mock/events`): what happens, as it happens —
//! a message stored, a status change, a callback attempt, an incoming SMS,
//! a gateway request, a fault applied, a clock moved, a reset.
//!
//! Events go out on a bounded broadcast channel. Publishing never waits: a
//! subscriber that falls behind loses the oldest events and is told how
//! many it missed, so a slow or stuck one never slows the API or the other
//! subscribers. An event of a type nobody subscribed to is not built at
//! all, and an event's JSON is written only when a subscriber sends it
//! (once, however many do): a subscriber that takes a few events a second
//! costs the API little more than their count.

use std::fmt;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};

use serde::Serialize;
use tokio::sync::broadcast;

use crate::domain::account::Gateway;

/// Events a subscriber may fall behind by before it misses some.
const BUFFER: usize = 4096;

/// The types of events.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Message,
    Status,
    Callback,
    Incoming,
    Request,
    Fault,
    Clock,
    Reset,
}

impl Kind {
    pub const ALL: [Kind; 8] = [
        Kind::Message,
        Kind::Status,
        Kind::Callback,
        Kind::Incoming,
        Kind::Request,
        Kind::Fault,
        Kind::Clock,
        Kind::Reset,
    ];

    /// The name subscribers filter by and the stream's `event:` carries.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Message => "message",
            Kind::Status => "status",
            Kind::Callback => "callback",
            Kind::Incoming => "incoming",
            Kind::Request => "request",
            Kind::Fault => "fault",
            Kind::Clock => "clock",
            Kind::Reset => "reset",
        }
    }

    pub fn parse(name: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|kind| kind.as_str() == name)
    }
}

/// One published event, with what subscribers filter on.
pub struct Published {
    /// Unique over the emulator's life, in publishing order.
    pub id: u64,
    pub kind: Kind,
    pub account: Option<Box<str>>,
    pub gateway: Option<Gateway>,
    /// The phone it concerns (a message's recipient or sender).
    pub phone: Option<Box<str>>,
    /// What the event says, made JSON on first use.
    data: Box<dyn Fn() -> String + Send + Sync>,
    json: OnceLock<String>,
}

impl Published {
    /// The event as JSON.
    pub fn data(&self) -> &str {
        self.json.get_or_init(|| (self.data)())
    }
}

impl fmt::Debug for Published {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Published").field("id", &self.id).field("kind", &self.kind).finish()
    }
}

pub struct Events {
    sender: broadcast::Sender<Arc<Published>>,
    last_id: AtomicU64,
    /// How many subscribers want each kind of event.
    interest: Arc<[AtomicUsize; Kind::ALL.len()]>,
}

impl Default for Events {
    fn default() -> Events {
        Events {
            sender: broadcast::channel(BUFFER).0,
            last_id: AtomicU64::new(0),
            interest: Arc::new(Default::default()),
        }
    }
}

/// A subscription: the events, and the kinds it counts as wanted until it
/// is dropped.
pub struct Subscription {
    pub receiver: broadcast::Receiver<Arc<Published>>,
    interest: Arc<[AtomicUsize; Kind::ALL.len()]>,
    kinds: Vec<Kind>,
}

impl Drop for Subscription {
    fn drop(&mut self) {
        for kind in &self.kinds {
            self.interest[*kind as usize].fetch_sub(1, Ordering::Relaxed);
        }
    }
}

/// What an event is about, for filtering.
pub struct About {
    account: Option<Box<str>>,
    gateway: Option<Gateway>,
    phone: Option<Box<str>>,
}

impl About {
    pub fn new(account: Option<&str>, gateway: Option<Gateway>, phone: Option<&str>) -> About {
        About { account: account.map(Box::from), gateway, phone: phone.map(Box::from) }
    }
}

impl Events {
    /// Whether a subscriber wants events of this kind: they are built
    /// only then.
    pub fn wants(&self, kind: Kind) -> bool {
        self.interest[kind as usize].load(Ordering::Relaxed) > 0
    }

    /// Subscribes to the events of these kinds.
    pub fn subscribe(&self, kinds: &[Kind]) -> Subscription {
        for kind in kinds {
            self.interest[*kind as usize].fetch_add(1, Ordering::Relaxed);
        }
        Subscription {
            receiver: self.sender.subscribe(),
            interest: self.interest.clone(),
            kinds: kinds.to_vec(),
        }
    }

    /// Publishes `data` as an event of `kind`, if anyone wants it.
    pub fn publish<T>(&self, kind: Kind, about: About, data: T)
    where
        T: Serialize + Send + Sync + 'static,
    {
        if !self.wants(kind) {
            return;
        }
        let published = Published {
            id: self.last_id.fetch_add(1, Ordering::Relaxed) + 1,
            kind,
            account: about.account,
            gateway: about.gateway,
            phone: about.phone,
            data: Box::new(move || serde_json::to_string(&data).unwrap_or_default()),
            json: OnceLock::new(),
        };
        let _ = self.sender.send(Arc::new(published));
    }
}
