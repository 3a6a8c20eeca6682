//! Batches and messages: one send request is a batch, with one message per
//! recipient. The same model carries both gateways' messages and incoming
//! ones.

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::encoding::{Datacoding, segment};
use super::id::{ObjectId, ObjectIds};
use super::lifecycle::{Fate, Outcome};
use super::money::Money;
use super::msisdn::Msisdn;
use super::status;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    /// Mobile terminated: sent by the account.
    Mt,
    /// Mobile originated: received from a handset.
    Mo,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum SmsType {
    Sms,
    /// Shown on the screen once, not stored on the handset.
    Flash,
}

/// One entry of a message's status history.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusEvent {
    pub code: u16,
    pub at: DateTime<Utc>,
}

/// When a scheduled batch may be delivered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeliveryWindow {
    pub opens: DateTime<Utc>,
    pub closes: DateTime<Utc>,
}

/// One message: kept small, since a batch may hold 100,000 of them.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Message {
    pub recipient: Msisdn,
    /// The text after templating; shared by every message of a batch that
    /// is not templated.
    pub body: Arc<str>,
    pub segments: u16,
    /// The smallest coding the text needs.
    pub datacoding: Datacoding,
    /// What was charged for the message (zero when it was not charged).
    pub price: Money,
    /// Oldest first; never empty.
    pub statuses: Vec<StatusEvent>,
    /// How the message will end, decided when it was sent.
    pub fate: Fate,
    /// The client's id (Viamobile `id`), when it gave one.
    pub client_id: Option<i64>,
    /// Viamobile's `bsmsId`; 0 for iP.1 messages.
    pub bsms_id: u64,
}

impl Message {
    pub fn latest(&self) -> StatusEvent {
        self.statuses[self.statuses.len() - 1]
    }

    /// Adds a status unless the message already reached a final one.
    pub fn push_status(&mut self, code: u16, at: DateTime<Utc>) -> bool {
        if status::is_final(self.latest().code) {
            return false;
        }
        self.statuses.push(StatusEvent { code, at });
        true
    }
}

/// Messages and SMS parts whose latest status is one code.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Counts {
    pub messages: u64,
    pub sms: u64,
}

/// Counts by latest status code, over some messages.
pub fn summarize<'a>(messages: impl IntoIterator<Item = &'a Message>) -> BTreeMap<u16, Counts> {
    let mut summary = BTreeMap::<u16, Counts>::new();
    for message in messages {
        let counts = summary.entry(message.latest().code).or_default();
        counts.messages += 1;
        counts.sms += u64::from(message.segments);
    }
    summary
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Batch {
    pub id: ObjectId,
    /// Message `i` has id `first_message_id.offset(i)`.
    pub first_message_id: ObjectId,
    /// Message `i` has the integer id `first_number + i` (iP.1's older
    /// API numbers messages).
    #[serde(default)]
    pub first_number: u64,
    pub created: DateTime<Utc>,
    pub sender: String,
    /// As submitted, before templating.
    pub body: String,
    pub direction: Direction,
    pub sms_type: SmsType,
    /// The largest coding the request allowed.
    pub datacoding: Datacoding,
    pub priority: u8,
    pub templated: bool,
    pub delivery_windows: Vec<DeliveryWindow>,
    pub delivery_report_url: Option<String>,
    pub reference: Option<String>,
    pub tags: Vec<String>,
    /// Cancelled with DELETE before it was sent.
    pub canceled: bool,
    /// Deleted with DELETE after it was sent: gone from every listing.
    pub deleted: bool,
    pub messages: Vec<Message>,
}

impl Batch {
    /// An SMS from handset `sender` to the account's number `recipient`,
    /// received at `at`: a batch of one message, direction `mo`, status 201.
    pub fn incoming(
        ids: &ObjectIds,
        sender: &Msisdn,
        recipient: &Msisdn,
        body: &str,
        at: DateTime<Utc>,
    ) -> Batch {
        let segmentation = segment(body);
        Batch {
            id: ids.next(at),
            first_message_id: ids.next(at),
            first_number: 0,
            created: at,
            sender: sender.to_string(),
            body: body.to_owned(),
            direction: Direction::Mo,
            sms_type: SmsType::Sms,
            datacoding: segmentation.datacoding,
            priority: 1,
            templated: false,
            delivery_windows: Vec::new(),
            delivery_report_url: None,
            reference: None,
            tags: Vec::new(),
            canceled: false,
            deleted: false,
            messages: vec![Message {
                recipient: recipient.clone(),
                body: Arc::from(body),
                segments: segmentation.segments.min(u32::from(u16::MAX)) as u16,
                datacoding: segmentation.datacoding,
                price: Money::ZERO,
                statuses: vec![StatusEvent { code: status::DELIVERED_TO_HANDSET, at }],
                fate: Fate::of(Outcome::Delivered),
                client_id: None,
                bsms_id: 0,
            }],
        }
    }

    pub fn message_id(&self, index: usize) -> ObjectId {
        self.first_message_id.offset(index as u32)
    }

    /// Position of a message of this batch.
    pub fn message_index(&self, id: ObjectId) -> Option<usize> {
        let index = self.first_message_id.position_of(id)? as usize;
        (index < self.messages.len()).then_some(index)
    }

    /// When the first delivery window opens, if the batch has any.
    pub fn first_window_opens(&self) -> Option<DateTime<Utc>> {
        self.delivery_windows.iter().map(|w| w.opens).min()
    }

    /// The batch status: Incoming for received messages,
    /// Canceled, Planned while its first window has not opened, Sent once
    /// every message has left the pipeline, else Ongoing.
    pub fn status(&self, now: DateTime<Utc>) -> u16 {
        if self.direction == Direction::Mo {
            status::BATCH_INCOMING
        } else if self.canceled {
            status::BATCH_CANCELED
        } else if self.messages.iter().all(|m| status::has_left_pipeline(m.latest().code)) {
            status::BATCH_SENT
        } else if self.first_window_opens().is_some_and(|opens| opens > now) {
            status::BATCH_PLANNED
        } else {
            status::BATCH_ONGOING
        }
    }

    pub fn total_price(&self) -> Money {
        self.messages.iter().fold(Money::ZERO, |sum, m| sum + m.price)
    }

    /// True while no message has gone past the send queue, so the batch
    /// can still be cancelled.
    pub fn is_cancellable(&self) -> bool {
        !self.canceled
            && self.messages.iter().all(|m| {
                let code = m.latest().code;
                status::is_final(code) || status::is_cancellable(code)
            })
            && self.messages.iter().any(|m| !status::is_final(m.latest().code))
    }
}
