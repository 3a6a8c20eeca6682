//! One account's batches and messages, with the indexes the read endpoints
//! need: batches by id, and messages by conversation participant.

use super::chunked::ChunkedVec;
use super::split_map::{InOrder, SplitMap};
use crate::domain::id::ObjectId;
use crate::domain::message::{Batch, Direction, Message};

/// Where a message is: its batch's and its own position.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct MessageRef {
    batch: u32,
    message: u32,
}

/// Batches in creation order; snapshots hold just the batches and the
/// indexes are built again.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
#[serde(from = "Vec<Batch>", into = "Vec<Batch>")]
pub struct Messaging {
    batches: ChunkedVec<Batch>,
    /// Filed in the order the ids were made: a send's id goes beside the
    /// last one's.
    by_id: SplitMap<ObjectId, usize, InOrder>,
    /// Conversation participant (MT recipient, MO sender) → messages.
    /// The lists are chunked, as the batches are: a number a load test
    /// sends every message to has a list that a `Vec` would copy whole
    /// each time it doubled, under the account's lock (4 ms at a million).
    by_participant: SplitMap<Box<str>, ChunkedVec<MessageRef>>,
    /// Viamobile `bsmsId` → message, filed in the order the ids were made.
    by_bsms_id: SplitMap<u64, MessageRef, InOrder>,
    /// Viamobile client `id` → messages, oldest first.
    by_client_id: SplitMap<i64, ChunkedVec<MessageRef>>,
}

/// The key a conversation participant is filed under: digits without a
/// leading `+` for numbers, the name as given for alphanumeric senders.
pub fn participant_key(participant: &str) -> &str {
    let trimmed = participant.trim();
    match trimmed.strip_prefix('+') {
        Some(digits) if digits.bytes().all(|b| b.is_ascii_digit()) => digits,
        _ => trimmed,
    }
}

impl From<Vec<Batch>> for Messaging {
    fn from(batches: Vec<Batch>) -> Messaging {
        let mut messaging = Messaging::default();
        for batch in batches {
            messaging.insert(batch);
        }
        messaging
    }
}

impl From<Messaging> for Vec<Batch> {
    fn from(messaging: Messaging) -> Vec<Batch> {
        messaging.batches.into_vec()
    }
}

impl Messaging {
    /// Stores a batch and returns its position.
    pub fn insert(&mut self, batch: Batch) -> usize {
        let position = self.batches.len();
        for (index, message) in batch.messages.iter().enumerate() {
            let participant = match batch.direction {
                Direction::Mt => &*message.recipient,
                Direction::Mo => batch.sender.as_str(),
            };
            let reference = MessageRef { batch: position as u32, message: index as u32 };
            if message.bsms_id != 0 {
                self.by_bsms_id.insert(message.bsms_id, reference);
            }
            if let Some(client_id) = message.client_id {
                self.by_client_id.entry(client_id).or_default().push(reference);
            }
            match self.by_participant.get_mut(participant_key(participant)) {
                Some(list) => list.push(reference),
                None => {
                    let mut list = ChunkedVec::default();
                    list.push(reference);
                    self.by_participant.insert(participant_key(participant).into(), list);
                }
            }
        }
        self.by_id.insert(batch.id, position);
        self.batches.push(batch);
        position
    }

    /// The batch at a position (deleted or not), for the scheduler.
    pub fn batch_at(&self, position: usize) -> Option<&Batch> {
        self.batches.get(position)
    }

    pub fn batch_at_mut(&mut self, position: usize) -> Option<&mut Batch> {
        self.batches.get_mut(position)
    }

    /// Every batch, deleted or not, in position order.
    pub fn all_batches(&self) -> impl Iterator<Item = &Batch> {
        self.batches.iter()
    }

    /// A batch that was not deleted.
    pub fn batch(&self, id: ObjectId) -> Option<&Batch> {
        self.by_id.get(&id).map(|&i| &self.batches[i]).filter(|b| !b.deleted)
    }

    pub fn batch_mut(&mut self, id: ObjectId) -> Option<&mut Batch> {
        self.by_id.get(&id).map(|&i| &mut self.batches[i]).filter(|b| !b.deleted)
    }

    /// Every batch not deleted, oldest first.
    pub fn batches(&self) -> impl DoubleEndedIterator<Item = &Batch> {
        self.batches.iter().filter(|b| !b.deleted)
    }

    /// The message with a Viamobile `bsmsId`.
    pub fn by_bsms_id(&self, bsms_id: u64) -> Option<(&Batch, usize)> {
        let r = self.by_bsms_id.get(&bsms_id)?;
        Some((&self.batches[r.batch as usize], r.message as usize))
    }

    /// Every message with a Viamobile client id, newest first.
    pub fn by_client_id(&self, client_id: i64) -> Vec<(&Batch, usize)> {
        self.by_client_id
            .get(&client_id)
            .map(|list| {
                list.iter()
                    .rev()
                    .map(|r| (&self.batches[r.batch as usize], r.message as usize))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Every message with a participant, oldest first, with its batch and
    /// position.
    pub fn conversation(&self, participant: &str) -> Vec<(&Batch, usize, &Message)> {
        let Some(list) = self.by_participant.get(participant_key(participant)) else {
            return Vec::new();
        };
        list.iter()
            .map(|r| (&self.batches[r.batch as usize], r.message as usize))
            .filter(|(batch, _)| !batch.deleted)
            .map(|(batch, index)| (batch, index, &batch.messages[index]))
            .collect()
    }
}
