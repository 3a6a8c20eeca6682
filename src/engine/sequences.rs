//! The emulator's own counters and secret: ObjectIds, the integer message
//! ids of iP.1's older API, Viamobile's `bsmsId`s and incoming ids,
//! callback job ids, and the key that signs Viamobile tokens.
//!
//! They belong to one engine, not to the process, so two emulators in one
//! test process are independent; a full reset starts the numbered
//! sequences again, and a snapshot carries every one of them.

use std::sync::RwLock;
use std::sync::atomic::{AtomicU64, Ordering};

use serde::{Deserialize, Serialize};

use crate::domain::id::{ObjectIds, ObjectIdsState};

/// Viamobile's first `bsmsId`.
pub const FIRST_BSMS_ID: u64 = 1_000_000;
/// Viamobile's first incoming-SMS id.
pub const FIRST_INCOMING_ID: u64 = 1;
/// The first integer message id (iP.1's `/api/sms` `ID`).
pub const FIRST_MESSAGE_NUMBER: u64 = 1;

#[derive(Debug)]
pub struct Sequences {
    /// Ids of batches, messages, contacts, landing pages.
    pub object_ids: ObjectIds,
    next_bsms_id: AtomicU64,
    next_incoming_id: AtomicU64,
    last_callback_job: AtomicU64,
    next_message_number: AtomicU64,
    /// HS256 key of Viamobile's `/token/create` tokens.
    token_secret: RwLock<[u8; 32]>,
}

/// The sequences as a snapshot holds them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SavedSequences {
    pub object_ids: ObjectIdsState,
    pub next_bsms_id: u64,
    pub next_incoming_id: u64,
    pub last_callback_job: u64,
    #[serde(default = "first_message_number")]
    pub next_message_number: u64,
    /// 64 hex characters.
    pub token_secret: String,
}

fn first_message_number() -> u64 {
    FIRST_MESSAGE_NUMBER
}

impl Default for Sequences {
    fn default() -> Sequences {
        Sequences {
            object_ids: ObjectIds::default(),
            next_bsms_id: AtomicU64::new(FIRST_BSMS_ID),
            next_incoming_id: AtomicU64::new(FIRST_INCOMING_ID),
            last_callback_job: AtomicU64::new(0),
            next_message_number: AtomicU64::new(FIRST_MESSAGE_NUMBER),
            token_secret: RwLock::new(rand::random()),
        }
    }
}

impl Sequences {
    /// The first of `count` consecutive `bsmsId`s.
    pub fn bsms_ids(&self, count: usize) -> u64 {
        self.next_bsms_id.fetch_add(count as u64, Ordering::Relaxed)
    }

    /// The first of `count` consecutive integer message ids.
    pub fn message_numbers(&self, count: usize) -> u64 {
        self.next_message_number.fetch_add(count as u64, Ordering::Relaxed)
    }

    /// The id of a Viamobile incoming SMS.
    pub fn incoming_id(&self) -> u64 {
        self.next_incoming_id.fetch_add(1, Ordering::Relaxed)
    }

    /// The id of a new callback job.
    pub fn callback_job(&self) -> u64 {
        self.last_callback_job.fetch_add(1, Ordering::Relaxed) + 1
    }

    pub fn token_secret(&self) -> [u8; 32] {
        *self.token_secret.read().unwrap_or_else(|e| e.into_inner())
    }

    /// Back to the first number of every numbered sequence (a full reset).
    /// ObjectIds and the token secret go on: ids stay unique within a
    /// run, and tokens of the accounts that remain stay valid.
    pub fn restart(&self) {
        self.next_bsms_id.store(FIRST_BSMS_ID, Ordering::Relaxed);
        self.next_incoming_id.store(FIRST_INCOMING_ID, Ordering::Relaxed);
        self.last_callback_job.store(0, Ordering::Relaxed);
        self.next_message_number.store(FIRST_MESSAGE_NUMBER, Ordering::Relaxed);
    }

    pub fn save(&self) -> SavedSequences {
        SavedSequences {
            object_ids: self.object_ids.state(),
            next_bsms_id: self.next_bsms_id.load(Ordering::Relaxed),
            next_incoming_id: self.next_incoming_id.load(Ordering::Relaxed),
            last_callback_job: self.last_callback_job.load(Ordering::Relaxed),
            next_message_number: self.next_message_number.load(Ordering::Relaxed),
            token_secret: hex::encode(self.token_secret()),
        }
    }

    /// Puts every sequence where a snapshot had it.
    pub fn load(&self, saved: &SavedSequences) -> Result<(), String> {
        let secret: [u8; 32] = hex::decode(&saved.token_secret)
            .ok()
            .and_then(|bytes| bytes.try_into().ok())
            .ok_or("sequences.tokenSecret is not 64 hex characters")?;
        self.object_ids.restore(saved.object_ids);
        self.next_bsms_id.store(saved.next_bsms_id, Ordering::Relaxed);
        self.next_incoming_id.store(saved.next_incoming_id, Ordering::Relaxed);
        self.last_callback_job.store(saved.last_callback_job, Ordering::Relaxed);
        self.next_message_number.store(saved.next_message_number, Ordering::Relaxed);
        *self.token_secret.write().unwrap_or_else(|e| e.into_inner()) = secret;
        Ok(())
    }

    /// For a snapshot without sequences: new `bsmsId`s, job ids and
    /// message numbers come after the highest it holds.
    pub fn follow(&self, highest_bsms_id: u64, highest_callback_job: u64, highest_number: u64) {
        self.next_bsms_id.fetch_max(highest_bsms_id + 1, Ordering::Relaxed);
        self.next_message_number.fetch_max(highest_number + 1, Ordering::Relaxed);
        self.last_callback_job.fetch_max(highest_callback_job, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sequences_restart_and_are_carried_by_a_snapshot() {
        let sequences = Sequences::default();
        assert_eq!(sequences.bsms_ids(3), FIRST_BSMS_ID);
        assert_eq!(sequences.bsms_ids(1), FIRST_BSMS_ID + 3);
        assert_eq!(sequences.callback_job(), 1);
        assert_eq!(sequences.message_numbers(2), FIRST_MESSAGE_NUMBER);
        let saved = sequences.save();
        let other = Sequences::default();
        assert_ne!(other.token_secret(), sequences.token_secret());
        other.load(&saved).unwrap();
        assert_eq!(other.save(), saved);
        assert_eq!(other.bsms_ids(1), FIRST_BSMS_ID + 4);
        other.restart();
        assert_eq!(other.bsms_ids(1), FIRST_BSMS_ID);
        assert_eq!(other.incoming_id(), FIRST_INCOMING_ID);
        assert_eq!(other.message_numbers(1), FIRST_MESSAGE_NUMBER);
    }
}
