//! How many callback attempts may be in flight: `--callback-concurrency`
//! over all accounts, and at most half of that for one receiver (host and
//! port), so a receiver that hangs holds back its own attempts but never
//! takes every slot from the others.

use std::sync::Arc;

use dashmap::DashMap;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

pub struct Slots {
    all: Arc<Semaphore>,
    /// Per receiver; an entry lives while an attempt holds or waits for it.
    receivers: DashMap<String, Arc<Semaphore>>,
    per_receiver: usize,
}

/// Room for one attempt; given back when dropped.
pub struct Slot<'a> {
    slots: &'a Slots,
    receiver: String,
    permits: Option<(OwnedSemaphorePermit, OwnedSemaphorePermit)>,
}

impl Slots {
    pub fn new(concurrency: usize) -> Slots {
        let concurrency = concurrency.max(1);
        Slots {
            all: Arc::new(Semaphore::new(concurrency)),
            receivers: DashMap::new(),
            per_receiver: concurrency.div_ceil(2),
        }
    }

    /// Waits for room for one attempt at `url`: first among the attempts
    /// at the same receiver, then among all.
    pub async fn acquire(&self, url: &str) -> Slot<'_> {
        let receiver = receiver_of(url);
        let semaphore = self
            .receivers
            .entry(receiver.clone())
            .or_insert_with(|| Arc::new(Semaphore::new(self.per_receiver)))
            .clone();
        let mut slot = Slot { slots: self, receiver, permits: None };
        // Neither semaphore is ever closed.
        if let (Ok(own), Ok(any)) =
            (semaphore.acquire_owned().await, self.all.clone().acquire_owned().await)
        {
            slot.permits = Some((own, any));
        }
        slot
    }

    /// Receivers with an attempt in flight or waiting.
    #[cfg(test)]
    fn receivers(&self) -> usize {
        self.receivers.len()
    }
}

impl Drop for Slot<'_> {
    fn drop(&mut self) {
        self.permits = None;
        // Forget the receiver once no attempt holds or waits for it (the
        // map's own reference is the last).
        self.slots
            .receivers
            .remove_if(&self.receiver, |_, semaphore| Arc::strong_count(semaphore) == 1);
    }
}

/// The host and port of a URL, the unit of the per-receiver limit.
fn receiver_of(url: &str) -> String {
    match reqwest::Url::parse(url) {
        Ok(url) => format!(
            "{}:{}",
            url.host_str().unwrap_or_default(),
            url.port_or_known_default().unwrap_or_default()
        ),
        Err(_) => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[tokio::test]
    async fn one_receiver_gets_half_the_slots_and_is_forgotten_when_idle() {
        let slots = Slots::new(4);
        let a = [slots.acquire("http://a:1/x").await, slots.acquire("http://a:1/y").await];
        let third = tokio::time::timeout(Duration::from_millis(50), slots.acquire("http://a:1/z"));
        assert!(third.await.is_err(), "a third slot for the same receiver waits");
        let other = tokio::time::timeout(Duration::from_millis(50), slots.acquire("http://b:1/"));
        assert!(other.await.is_ok(), "another receiver still gets one");
        drop(a);
        assert_eq!(slots.receivers(), 0);
        assert_eq!(receiver_of("https://r.example/x"), "r.example:443");
    }
}
