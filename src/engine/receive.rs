//! Receiving an SMS from a handset, for either
//! gateway: it is stored as a batch of one message with direction `mo` and
//! status 201, pushed to the account's receiver in the gateway's format
//! (with the same retries, failure scripts and journal as delivery
//! reports), and a body of `STOP` (trimmed, any case) blacklists the
//! sender. What is due is run before [`Engine::receive`] returns, so the
//! push has been tried.

use std::sync::Arc;

use chrono::{DateTime, Utc};

use super::callbacks::{CallbackFormat, enqueue_incoming};
use super::run::Pass;
use super::{Engine, WRITE};
use crate::domain::message::Batch;
use crate::domain::msisdn::Msisdn;
use crate::store::{AnyAccount, Shard, on_shard};

/// An SMS from a handset to an account's number.
pub struct IncomingSms {
    /// The handset's MSISDN.
    pub sender: Msisdn,
    /// The account's number it was sent to.
    pub recipient: Msisdn,
    pub body: String,
    /// When it arrived (virtual time); now when not given.
    pub at: Option<DateTime<Utc>>,
}

/// What receiving an SMS did.
pub struct Received {
    /// The gateway's push of it.
    pub payload: serde_json::Value,
    /// True when it was a `STOP` and the sender is now blacklisted.
    pub blacklisted: bool,
    /// What ran: the push's first attempt among others.
    pub pass: Pass,
}

/// Why an incoming SMS was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReceiveError {
    #[error("an incoming SMS cannot arrive in the future")]
    ArrivesInFuture,
}

/// Events listed in the pass of a receive.
const EVENT_CAP: usize = 1000;

impl Engine {
    /// Stores an incoming SMS, queues its push, applies `STOP`, and runs
    /// what is due on the account's clock.
    pub async fn receive<P: CallbackFormat + Clone + Send + Sync + 'static>(
        self: &Arc<Self>,
        account: &Arc<Shard<P>>,
        sms: IncomingSms,
    ) -> Result<Received, ReceiveError> {
        let now = account.clock().now();
        let at = sms.at.unwrap_or(now);
        if at > now {
            return Err(ReceiveError::ArrivesInFuture);
        }
        let stop = sms.body.trim().eq_ignore_ascii_case("STOP");
        let mut batch =
            Batch::incoming(&self.sequences.object_ids, &sms.sender, &sms.recipient, &sms.body, at);
        batch.first_number = self.sequences.message_numbers(1);
        let mut events = Vec::new();
        let payload = account.write(&WRITE, |data| {
            if stop {
                data.blacklist.add(&sms.sender, at);
            }
            let position = data.messaging.insert(batch);
            if let Some(batch) = data.messaging.batch_at(position) {
                events = self.message_events::<P>(account.id(), batch);
            }
            enqueue_incoming(data, &self.sequences, position, at)
        });
        self.publish_messages(events);
        self.note_messages();
        let pass = self.run_now(account, EVENT_CAP).await;
        Ok(Received { payload, blacklisted: stop, pass })
    }
}

/// Generated virtual numbers: Swedish mobile numbers from this prefix
/// (`+46 76 6…`), clear of the magic numbers, each one's own.
const GENERATED_NUMBER_PREFIX: &str = "46766";

impl Engine {
    /// The account's virtual number — the number its incoming SMS are sent
    /// to — given to it now when it has none: the first free one of a
    /// sequence, so a test sees the same number every run.
    pub fn virtual_number(&self, account: &AnyAccount) -> Msisdn {
        let number_of =
            || on_shard!(account, shard => shard.read(|d| d.profile.virtual_number.clone()));
        if let Some(number) = number_of() {
            return number;
        }
        let _numbering = self.store.numbering();
        if let Some(number) = number_of() {
            return number;
        }
        let number = (1..)
            .filter_map(|n| Msisdn::plausible(&format!("{GENERATED_NUMBER_PREFIX}{n:06}")).ok())
            .find(|number| self.store.number_owner(number).is_none())
            .unwrap_or_else(|| unreachable!("a million numbers outnumber the accounts"));
        on_shard!(account, shard => shard.write(&WRITE, |data| {
            data.profile.virtual_number = Some(number.clone());
        }));
        self.note_change();
        number
    }
}
