//! Changes to an account outside sending and receiving: editing its
//! records (contacts, the older API's address book and one-time codes,
//! blacklist, landing pages, settings) and withdrawing a
//! batch (iP.1's `DELETE /v2/batches/{id}`).
//!
//! [`Engine::edit`] hands a handler the account's records under its lock
//! and nothing else: no batch, message, timetable or queued callback is
//! reachable from [`Records`], so what moves messages or money stays in
//! the engine's own operations.

use chrono::{DateTime, Utc};

use super::submit::SendingAccount;
use super::{Engine, WRITE};
use crate::domain::address_book::AddressBook;
use crate::domain::authentication::Authentications;
use crate::domain::blacklist::Blacklist;
use crate::domain::id::ObjectId;
use crate::domain::landing::Landing;
use crate::domain::message::Batch;
use crate::domain::money::Money;
use crate::domain::status;
use crate::store::{Contacts, Shard};

/// An account's records, as [`Engine::edit`] lends them.
pub struct Records<'a, P> {
    /// The account's settings: senders, names, callback URLs. Its money
    /// (balance, credit, daily usage) is changed only by sends and
    /// withdrawals.
    pub profile: &'a mut P,
    pub contacts: &'a mut Contacts,
    /// The older API's contacts, groups and memberships.
    pub address_book: &'a mut AddressBook,
    /// The older API's one-time codes and their settings.
    pub authentications: &'a mut Authentications,
    pub blacklist: &'a mut Blacklist,
    /// Landing pages, oldest first.
    pub landings: &'a mut Vec<Landing>,
    /// The account's virtual time.
    pub now: DateTime<Utc>,
}

/// What `DELETE` did to a batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Withdrawal {
    /// Nothing had left the queue: pending messages were refunded (104)
    /// and cancelled (203).
    Canceled,
    /// It was on its way: it is gone from every read and list.
    Deleted,
}

impl Engine {
    /// Runs `edit` on the account's records under its lock; `edit` must
    /// not block.
    pub fn edit<P: Clone, R>(
        &self,
        account: &Shard<P>,
        edit: impl FnOnce(Records<'_, P>) -> R,
    ) -> R {
        let now = account.clock().now();
        account.write(&WRITE, |data| {
            edit(Records {
                profile: &mut data.profile,
                contacts: &mut data.contacts,
                address_book: &mut data.address_book,
                authentications: &mut data.authentications,
                blacklist: &mut data.blacklist,
                landings: &mut data.landings,
                now,
            })
        })
    }

    /// Withdraws a batch: cancels it while none of its messages has gone
    /// past the queue (charged messages are refunded with 104, then every
    /// pending message gets 203), else deletes it. `render` answers with
    /// the batch as it is then; `None` for an unknown batch.
    pub fn withdraw<P: SendingAccount + Clone, R>(
        &self,
        account: &Shard<P>,
        id: ObjectId,
        render: impl FnOnce(&Batch, &P, Withdrawal, DateTime<Utc>) -> R,
    ) -> Option<R> {
        let now = account.clock().now();
        let answer = account.write(&WRITE, |data| {
            let batch = data.messaging.batch_mut(id)?;
            let withdrawal = if batch.is_cancellable() {
                let mut refund = Money::ZERO;
                for message in
                    batch.messages.iter_mut().filter(|m| !status::is_final(m.latest().code))
                {
                    if message.price > Money::ZERO {
                        refund = refund + message.price;
                        message.price = Money::ZERO;
                        message.push_status(status::REFUNDED, now);
                    }
                    message.push_status(status::CANCELED, now);
                }
                batch.canceled = true;
                data.profile.refund(refund);
                Withdrawal::Canceled
            } else {
                batch.deleted = true;
                Withdrawal::Deleted
            };
            Some(render(batch, &data.profile, withdrawal, now))
        });
        if answer.is_some() {
            self.note_messages();
        }
        answer
    }
}
