//! The event stream (`GET /_mock/events`): what happens, as it happens —
//! a message stored, a status change, a callback attempt, an incoming SMS,
//! a gateway request, a fault applied, a clock moved, a reset.
//!
//! Events go out on a bounded broadcast channel. Publishing never waits: a
//! subscriber that falls behind loses the oldest events and is told how
//! many it missed, so a slow or stuck one never slows the API or the other
//! subscribers. An event of a type nobody wants is not built at all, and
//! an event's JSON is written only when a subscriber sends it (once,
//! however many do). A subscriber that has had its `maxPerSecond` pauses
//! its interest until its next second (events nobody else wants are then
//! only counted, for its `missed`), so a viewer taking a few events a
//! second costs the API little more than their count.

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

#[derive(Default)]
pub struct Events {
    /// Made for the first subscriber: its buffer (about 130 KB) is not
    /// part of an emulator nobody watches.
    sender: OnceLock<broadcast::Sender<Arc<Published>>>,
    last_id: AtomicU64,
    demand: Arc<Demand>,
}

/// Per kind of event: who wants it now, and what a paused subscriber
/// missed.
#[derive(Default)]
struct Demand {
    /// Subscribers that want the kind (paused ones do not count).
    interest: [AtomicUsize; Kind::ALL.len()],
    /// Subscribers that paused their interest in it.
    paused: [AtomicUsize; Kind::ALL.len()],
    /// Events not built because nobody wanted them while someone was
    /// paused: a paused subscriber missed them.
    unbuilt: [AtomicU64; Kind::ALL.len()],
}

/// A subscription: the events, and the kinds it counts as wanted until it
/// is dropped (or while it is paused).
pub struct Subscription {
    pub receiver: broadcast::Receiver<Arc<Published>>,
    demand: Arc<Demand>,
    kinds: Vec<Kind>,
    /// While paused: each kind's `unbuilt` count when the pause began.
    paused_at: Option<Vec<u64>>,
}

impl Subscription {
    /// Stops counting as wanting its kinds, so events of them that nobody
    /// else wants are not built, only counted, until [`Self::resume`].
    /// For a subscriber that wants every event of its kinds (whatever
    /// account or phone): those counted are exactly what it missed.
    pub fn pause(&mut self) {
        if self.paused_at.is_some() {
            return;
        }
        let demand = &self.demand;
        let mut counts = Vec::with_capacity(self.kinds.len());
        for kind in &self.kinds {
            demand.paused[*kind as usize].fetch_add(1, Ordering::SeqCst);
            counts.push(demand.unbuilt[*kind as usize].load(Ordering::SeqCst));
            demand.interest[*kind as usize].fetch_sub(1, Ordering::SeqCst);
        }
        self.paused_at = Some(counts);
    }

    /// Wants its kinds again; returns how many of their events were not
    /// built while it was paused.
    pub fn resume(&mut self) -> u64 {
        let Some(counts) = self.paused_at.take() else { return 0 };
        let demand = &self.demand;
        let mut missed = 0;
        for (kind, then) in self.kinds.iter().zip(counts) {
            demand.interest[*kind as usize].fetch_add(1, Ordering::SeqCst);
            missed += demand.unbuilt[*kind as usize].load(Ordering::SeqCst) - then;
            demand.paused[*kind as usize].fetch_sub(1, Ordering::SeqCst);
        }
        missed
    }
}

impl Drop for Subscription {
    fn drop(&mut self) {
        let paused = self.paused_at.is_some();
        for kind in &self.kinds {
            let count = match paused {
                true => &self.demand.paused[*kind as usize],
                false => &self.demand.interest[*kind as usize],
            };
            count.fetch_sub(1, Ordering::SeqCst);
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
    /// only then. Events not built are to be told to [`Self::skip`].
    pub fn wants(&self, kind: Kind) -> bool {
        self.demand.interest[kind as usize].load(Ordering::SeqCst) > 0
    }

    /// Counts `count` events of `kind` that were not built because nobody
    /// wanted them, for the subscribers that paused.
    pub fn skip(&self, kind: Kind, count: usize) {
        if count > 0 && self.demand.paused[kind as usize].load(Ordering::SeqCst) > 0 {
            self.demand.unbuilt[kind as usize].fetch_add(count as u64, Ordering::SeqCst);
        }
    }

    /// Whether to build `count` events of `kind`: [`Self::wants`], and
    /// [`Self::skip`] them if not.
    pub fn offer(&self, kind: Kind, count: usize) -> bool {
        let wanted = self.wants(kind);
        if !wanted {
            self.skip(kind, count);
        }
        wanted
    }

    /// Subscribes to the events of these kinds.
    pub fn subscribe(&self, kinds: &[Kind]) -> Subscription {
        for kind in kinds {
            self.demand.interest[*kind as usize].fetch_add(1, Ordering::SeqCst);
        }
        Subscription {
            receiver: self.sender.get_or_init(|| broadcast::channel(BUFFER).0).subscribe(),
            demand: self.demand.clone(),
            kinds: kinds.to_vec(),
            paused_at: None,
        }
    }

    /// Publishes `data` as an event of `kind`, if anyone wants it.
    pub fn publish<T>(&self, kind: Kind, about: About, data: T)
    where
        T: Serialize + Send + Sync + 'static,
    {
        if self.offer(kind, 1) {
            self.send(kind, about, data);
        }
    }

    /// Publishes `data` as an event of `kind` that was offered and wanted.
    pub fn send<T>(&self, kind: Kind, about: About, data: T)
    where
        T: Serialize + Send + Sync + 'static,
    {
        let Some(sender) = self.sender.get() else { return };
        let published = Published {
            id: self.last_id.fetch_add(1, Ordering::Relaxed) + 1,
            kind,
            account: about.account,
            gateway: about.gateway,
            phone: about.phone,
            data: Box::new(move || serde_json::to_string(&data).unwrap_or_default()),
            json: OnceLock::new(),
        };
        let _ = sender.send(Arc::new(published));
    }
}
