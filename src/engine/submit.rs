//! Submitting a send — iP.1's `POST /v2/batches`, Viamobile's JSON send and
//! validate, GET send and SOAP `SendSms` — in one order, under one lock.
//!
//! [`Engine::submit`] checks and writes in one section under the
//! account's lock, so what it answers is what it stores: two sends racing
//! for the last of a balance or a daily limit cannot both pass. The order,
//! the first refusal answering for the whole send:
//!
//! 1. the account: may it send, and from this sender ([`SendingAccount::admit`]);
//! 2. the request the gateway parsed, when it is malformed;
//! 3. a text that needs UCS-2 where only GSM was allowed;
//! 4. each recipient, in this order: not a plausible number, a network
//!    the account may not reach, blacklisted — these are refused; then an
//!    unregistered sender, the outcome rules, the magic numbers, else
//!    delivery decide its fate;
//! 5. the whole send, when the screening leaves nothing to send
//!    ([`SendingAccount::refusal`]);
//! 6. funds: the account's balance, credit or daily limit.
//!
//! What differs between the gateways is the [`SendingAccount`] of their
//! accounts: iP.1 keeps refused recipients as messages that end at once and
//! marks an unaffordable send 402; Viamobile only answers refused
//! recipients and refuses an unaffordable send.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::callbacks::CallbackFormat;
use super::events::{About, Kind};
use super::run::schedule_new_batch;
use super::{Engine, WRITE};
use crate::config::UnregisteredSender;
use crate::domain::account::{Gateway, Ip1Profile, ViamobileProfile};
use crate::domain::id::ObjectId;
use crate::domain::lifecycle::{Fate, Outcome};
use crate::domain::message::{Batch, Direction};
use crate::domain::money::{Currency, Money};
use crate::domain::network::operator_code;
use crate::domain::pricing::message_price;
use crate::domain::send::{Recipient, Rendered, SendRequest, new_message, render};
use crate::domain::sender::normalize_viamobile_sender;
use crate::domain::status;
use crate::domain::time::serialize_iso;
use crate::domain::time::viamobile_day;
use crate::store::{Shard, ShardData};

/// Whether a submission is sent or only checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Store, charge, count and schedule.
    Send,
    /// Every check and price; nothing is stored, charged or counted.
    Validate,
}

/// A send as a gateway hands it to the engine.
pub struct Submission<E> {
    /// The sender as the client gave it (the gateway may have normalised
    /// its form); the account checks it first.
    pub sender: String,
    /// The rest of the request, or why it is malformed. A malformed
    /// request is reported after the account's own refusals, the order in
    /// which the gateways check.
    pub request: Result<SendRequest, E>,
    /// What an unaffordable send gets, when the API says otherwise than the
    /// account's gateway ([`SendingAccount::SHORTFALL`]): iP.1's older API
    /// refuses it.
    pub shortfall: Option<Shortfall>,
}

/// Why a whole send was refused. Each gateway answers these in its own
/// format (`From<SendRefusal>` for its error type).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SendRefusal {
    #[error("sending is switched off for the account")]
    SendingDisabled,
    #[error("the sender {0:?} is not allowed for the account")]
    UnknownSender(String),
    #[error("the sender {0:?} is not registered on the account")]
    UnregisteredSender(String),
    #[error("the text for recipient {recipient} needs UCS-2 but datacoding is gsm")]
    NeedsUcs2 { recipient: String },
    #[error("no recipients remain after the blacklist is applied")]
    EveryRecipientBlacklisted,
    #[error("no recipient is on a network the account may send to")]
    NoReachableNetwork,
    #[error("the account's credit or daily limit does not cover the send")]
    NotEnoughCredit,
}

/// What the account's checks made of the sender.
pub struct Admission {
    /// The sender as it is stored.
    pub sender: String,
    /// Every message ends at 403 SenderRejected (an unregistered iP.1
    /// sender with `--unregistered-sender sender-rejected`).
    pub sender_rejected: bool,
}

/// How one recipient was screened, before its fate is decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Screening {
    /// Passed: a message will be sent.
    Accepted,
    /// Not a plausible number (8–15 digits, not starting with 0).
    Implausible,
    /// On a network the account may not send to.
    Unreachable,
    /// On the account's blacklist.
    Blacklisted,
}

/// What a send costs: money and SMS parts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Cost {
    pub money: Money,
    pub parts: u32,
}

/// What an account does when a send costs more than it can pay.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shortfall {
    /// Store the send with every message at 402 InsufficientFunds and
    /// charge nothing (iP.1).
    MarkUnpaid,
    /// Refuse the whole send (Viamobile's 2002).
    Refuse,
}

/// What differs between the gateways' accounts when they send.
pub trait SendingAccount {
    /// Recipients refused by screening are stored as messages that end at
    /// once (iP.1) instead of only being answered (Viamobile).
    const KEEPS_REFUSED: bool;
    /// A message whose fate is a rejection is charged all the same: the
    /// gateway accepted it, and its answer showed the price (Viamobile).
    const CHARGES_REJECTED_FATES: bool;
    /// Messages get the gateway's own numbers (Viamobile's `bsmsId`).
    const NUMBERS_MESSAGES: bool;
    const SHORTFALL: Shortfall;

    /// May the account send now, from `sender`? Takes the sender as given,
    /// to store it as it is when it stands (a copy was an allocation a
    /// send).
    fn admit(
        &self,
        sender: String,
        unregistered: UnregisteredSender,
    ) -> Result<Admission, SendRefusal>;

    /// Whether the account may send to this number's network.
    fn reaches(&self, _msisdn: &str) -> bool {
        true
    }

    /// The refusal of the whole send, once every recipient is screened.
    fn refusal(&self, screenings: &[Screened]) -> Option<SendRefusal>;

    fn currency(&self) -> Currency;

    /// Whether the account can pay `cost` at `now`.
    fn can_pay(&self, cost: Cost, now: DateTime<Utc>) -> bool;

    fn pay(&mut self, cost: Cost, now: DateTime<Utc>);

    /// Gives back money a cancelled send was charged.
    fn refund(&mut self, money: Money);
}

/// One recipient of a send: how it was screened, what it costs, and its
/// message if one was stored.
#[derive(Debug, Clone, Copy)]
pub struct Screened {
    pub screening: Screening,
    /// Whether its network may be reached (Viamobile's 1011 looks at it).
    pub reachable: bool,
    pub parts: u32,
    /// What it costs; zero when it is not charged.
    pub price: Money,
    /// Its message's position in the batch, when one was stored.
    pub message: Option<usize>,
    /// How its message ends, once the engine decided it (kept here, not in
    /// a list of their own: that was an allocation a send).
    pub fate: Fate,
}

/// What a submission did, for the gateway to render under the lock.
pub struct Receipt<'a, P> {
    pub profile: &'a P,
    /// The stored batch; none when validating or when nothing was stored.
    pub batch: Option<&'a Batch>,
    /// The request's recipients, in request order.
    pub recipients: &'a [Recipient],
    /// How each recipient fared, in request order.
    pub screened: &'a [Screened],
    pub now: DateTime<Utc>,
}

impl Engine {
    /// Checks a send and, in [`Mode::Send`], stores, charges and schedules
    /// it. `render_answer` turns the outcome into the gateway's answer
    /// under the account's lock (so a large batch is not copied out); it
    /// must not block.
    pub fn submit<P, E, R>(
        &self,
        account: &Shard<P>,
        submission: Submission<E>,
        mode: Mode,
        render_answer: impl FnOnce(&Receipt<'_, P>) -> R,
    ) -> Result<R, E>
    where
        P: SendingAccount + CallbackFormat + Clone,
        E: From<SendRefusal>,
    {
        let now = account.clock().now();
        // Templating and segments: the expensive part of a large send,
        // which needs nothing of the account, so it is done before its lock.
        let Submission { sender, request, shortfall } = submission;
        let shortfall = shortfall.unwrap_or(P::SHORTFALL);
        let prepared = request.map(|request| {
            let rendered = render(&request);
            (request, rendered)
        });
        let mut events = Vec::new();
        // The account's next due step, read while the lock is held anyway.
        let mut next_due = None;
        let answer = account.write(&WRITE, |data| {
            let admission = data.profile.admit(sender, self.unregistered_sender)?;
            let (mut request, rendered) = prepared?;
            let rendered =
                rendered.map_err(|err| SendRefusal::NeedsUcs2 { recipient: err.recipient })?;
            request.sender = admission.sender;
            let recipients = std::mem::take(&mut request.recipients);
            let mut screened = screen(data, &recipients, &rendered);
            if let Some(refusal) = data.profile.refusal(&screened) {
                return Err(refusal.into());
            }
            let decided =
                Decision { account: account.id(), sender_rejected: admission.sender_rejected };
            let cost = self.decide(
                &decided,
                &data.profile,
                &request,
                &recipients,
                &rendered,
                &mut screened,
            );
            let unpaid = !data.profile.can_pay(cost, now);
            if unpaid && shortfall == Shortfall::Refuse {
                return Err(SendRefusal::NotEnoughCredit.into());
            }
            let stored = |s: &Screened| s.screening == Screening::Accepted || P::KEEPS_REFUSED;
            let storing = screened.iter().filter(|s| stored(s)).count();
            if mode == Mode::Validate || storing == 0 {
                let receipt = Receipt {
                    profile: &data.profile,
                    batch: None,
                    recipients: &recipients,
                    screened: &screened,
                    now,
                };
                return Ok(render_answer(&receipt));
            }

            let mut messages = Vec::with_capacity(storing);
            let first_bsms_id =
                if P::NUMBERS_MESSAGES { self.sequences.bsms_ids(storing) } else { 0 };
            for (index, (recipient, screened)) in recipients.iter().zip(&mut screened).enumerate() {
                if !stored(screened) {
                    continue;
                }
                screened.message = Some(messages.len());
                let mut message = new_message(
                    recipient,
                    rendered.text(index),
                    screened.fate,
                    screened.price,
                    now,
                );
                if P::NUMBERS_MESSAGES {
                    message.bsms_id = first_bsms_id + messages.len() as u64;
                }
                if unpaid && !status::is_final(message.latest().code) {
                    message.price = Money::ZERO;
                    message.push_status(status::INSUFFICIENT_FUNDS, now);
                }
                messages.push(message);
            }
            if unpaid {
                for screened in &mut screened {
                    screened.price = Money::ZERO;
                }
            } else {
                data.profile.pay(cost, now);
            }
            let mut batch = request.into_batch(messages, &self.sequences.object_ids, now);
            batch.first_number = self.sequences.message_numbers(batch.messages.len());
            let position = data.messaging.insert(batch);
            schedule_new_batch(data, position, self.store().timing(), &self.sequences);
            next_due = data.schedule.next_due();
            if let Some(batch) = data.messaging.batch_at(position) {
                events = self.message_events::<P>(account.id(), batch);
            }
            let receipt = Receipt {
                profile: &data.profile,
                batch: data.messaging.batch_at(position),
                recipients: &recipients,
                screened: &screened,
                now,
            };
            Ok(render_answer(&receipt))
        });
        self.publish_messages(events);
        if mode == Mode::Send && answer.is_ok() {
            self.wake_for(account, next_due);
            self.note_messages();
        }
        answer
    }
}

impl Engine {
    /// The `message` (or `incoming`) events of a stored batch, one per
    /// message, if anyone wants them: taken under the account's lock,
    /// published by [`Engine::publish_messages`] once it is released.
    pub(super) fn message_events<P: CallbackFormat>(
        &self,
        account: &str,
        batch: &Batch,
    ) -> Vec<MessageEvent> {
        if !self.events.offer(MessageEvent::kind(batch.direction), batch.messages.len()) {
            return Vec::new();
        }
        let events = batch.messages.iter().enumerate().map(|(index, message)| MessageEvent {
            account: account.to_owned(),
            gateway: P::GATEWAY,
            direction: batch.direction,
            batch_id: batch.id,
            message_id: batch.message_id(index),
            sender: batch.sender.clone(),
            recipient: message.recipient.to_string(),
            text: message.body.clone(),
            status: message.latest().code,
            segments: message.segments,
            price: message.price.units(),
            time: message.statuses[0].at,
        });
        events.collect()
    }

    pub(super) fn publish_messages(&self, events: Vec<MessageEvent>) {
        for event in events {
            let phone = match event.direction {
                Direction::Mt => &event.recipient,
                Direction::Mo => &event.sender,
            };
            let about = About::new(Some(&event.account), Some(event.gateway), Some(phone));
            let kind = MessageEvent::kind(event.direction);
            self.events.send(kind, about, event);
        }
    }
}

/// The data of a `message` or `incoming` event.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct MessageEvent {
    account: String,
    gateway: Gateway,
    direction: Direction,
    batch_id: ObjectId,
    message_id: ObjectId,
    sender: String,
    recipient: String,
    text: Arc<str>,
    status: u16,
    segments: u16,
    price: f64,
    #[serde(serialize_with = "serialize_iso")]
    time: DateTime<Utc>,
}

impl MessageEvent {
    fn kind(direction: Direction) -> Kind {
        match direction {
            Direction::Mt => Kind::Message,
            Direction::Mo => Kind::Incoming,
        }
    }
}

/// Who decides the fates of a send's recipients.
struct Decision<'a> {
    account: &'a str,
    /// Every accepted recipient's message ends at 403.
    sender_rejected: bool,
}

/// How each recipient fares against the account, in the fixed order: a
/// plausible number, a reachable network, not blacklisted.
fn screen<P: SendingAccount>(
    data: &ShardData<P>,
    recipients: &[Recipient],
    rendered: &Rendered,
) -> Vec<Screened> {
    recipients
        .iter()
        .enumerate()
        .map(|(index, recipient)| {
            let msisdn = &recipient.msisdn;
            let reachable = data.profile.reaches(msisdn);
            let screening = if !msisdn.is_plausible() {
                Screening::Implausible
            } else if !reachable {
                Screening::Unreachable
            } else if data.blacklist.contains(msisdn) {
                Screening::Blacklisted
            } else {
                Screening::Accepted
            };
            let parts = rendered.text(index).1.segments;
            // The fate is decided once every recipient is screened.
            let fate = Fate::of(Outcome::Delivered);
            Screened { screening, reachable, parts, price: Money::ZERO, message: None, fate }
        })
        .collect()
}

impl Engine {
    /// Each recipient's fate — a refused one ends as its screening says;
    /// an accepted one by the sender's standing, the outcome rules, the
    /// magic numbers, else delivery — and the price of each charged one,
    /// into `screened`. Returns what the send costs.
    fn decide<P: SendingAccount>(
        &self,
        decision: &Decision<'_>,
        profile: &P,
        request: &SendRequest,
        recipients: &[Recipient],
        rendered: &Rendered,
        screened: &mut [Screened],
    ) -> Cost {
        let store = self.store();
        let mut cost = Cost::default();
        for (index, (recipient, screened)) in recipients.iter().zip(screened).enumerate() {
            let msisdn = recipient.msisdn.as_str();
            let fate = match screened.screening {
                Screening::Implausible | Screening::Unreachable => {
                    Fate::of(Outcome::RecipientRejected)
                }
                Screening::Blacklisted => Fate::of(Outcome::Blacklisted),
                Screening::Accepted if decision.sender_rejected => {
                    Fate::of(Outcome::SenderRejected)
                }
                Screening::Accepted => self
                    .rules
                    .fate_for(decision.account, msisdn, &request.sender, &rendered.text(index).0)
                    .or_else(|| store.magic_numbers().fate_for(msisdn))
                    .unwrap_or(Fate::of(Outcome::Delivered)),
            };
            let charged = screened.screening == Screening::Accepted
                && (fate.is_charged() || P::CHARGES_REJECTED_FATES);
            if charged {
                screened.price = message_price(
                    store.prices(),
                    profile.currency(),
                    msisdn,
                    screened.parts,
                    request.priority,
                );
                cost.money = cost.money + screened.price;
                cost.parts += screened.parts;
            }
            screened.fate = fate;
        }
        cost
    }
}

impl SendingAccount for Ip1Profile {
    const KEEPS_REFUSED: bool = true;
    const CHARGES_REJECTED_FATES: bool = false;
    const NUMBERS_MESSAGES: bool = false;
    const SHORTFALL: Shortfall = Shortfall::MarkUnpaid;

    /// A registered sender, or with `sender-rejected` any sender, whose
    /// messages then end at 403.
    fn admit(
        &self,
        sender: String,
        unregistered: UnregisteredSender,
    ) -> Result<Admission, SendRefusal> {
        let registered = self.senders.contains_key(&sender);
        if !registered && unregistered == UnregisteredSender::Reject {
            return Err(SendRefusal::UnregisteredSender(sender));
        }
        Ok(Admission { sender, sender_rejected: !registered })
    }

    /// A send whose every recipient is blacklisted is refused, as iP.1's
    /// older API did.
    fn refusal(&self, screenings: &[Screened]) -> Option<SendRefusal> {
        screenings
            .iter()
            .all(|s| s.screening == Screening::Blacklisted)
            .then_some(SendRefusal::EveryRecipientBlacklisted)
    }

    fn currency(&self) -> Currency {
        self.currency
    }

    fn can_pay(&self, cost: Cost, _: DateTime<Utc>) -> bool {
        cost.money <= self.balance
    }

    fn pay(&mut self, cost: Cost, _: DateTime<Utc>) {
        self.balance = self.balance - cost.money;
    }

    fn refund(&mut self, money: Money) {
        self.balance = self.balance + money;
    }
}

impl SendingAccount for ViamobileProfile {
    const KEEPS_REFUSED: bool = false;
    const CHARGES_REJECTED_FATES: bool = true;
    const NUMBERS_MESSAGES: bool = true;
    const SHORTFALL: Shortfall = Shortfall::Refuse;

    /// Sending must be on (2001), and the sender — `InfoSMS` when none is
    /// given — one of the account's (1012).
    fn admit(&self, given: String, _: UnregisteredSender) -> Result<Admission, SendRefusal> {
        if !self.sending_enabled {
            return Err(SendRefusal::SendingDisabled);
        }
        let sender = normalize_viamobile_sender(given.trim());
        match sender {
            Ok(sender) if self.senders.contains(&sender) => {
                Ok(Admission { sender, sender_rejected: false })
            }
            _ => Err(SendRefusal::UnknownSender(given)),
        }
    }

    fn reaches(&self, msisdn: &str) -> bool {
        self.allowed_networks.as_ref().is_none_or(|list| list.contains(&operator_code(msisdn)))
    }

    /// When no recipient's network may be reached (1011).
    fn refusal(&self, screenings: &[Screened]) -> Option<SendRefusal> {
        (!screenings.iter().any(|s| s.reachable)).then_some(SendRefusal::NoReachableNetwork)
    }

    fn currency(&self) -> Currency {
        Currency::Eur
    }

    /// The credit must cover the price, and the parts fit in what is left
    /// of the daily limit (a local Bratislava day).
    fn can_pay(&self, cost: Cost, now: DateTime<Utc>) -> bool {
        let left = self.daily_limit.saturating_sub(self.usage.sent_on(viamobile_day(now)));
        cost.money <= self.credit && cost.parts <= left
    }

    fn pay(&mut self, cost: Cost, now: DateTime<Utc>) {
        self.credit = self.credit - cost.money;
        self.usage.record(viamobile_day(now), cost.parts);
    }

    /// The credit comes back; the parts stay counted, as they were sent.
    fn refund(&mut self, money: Money) {
        self.credit = self.credit + money;
    }
}
