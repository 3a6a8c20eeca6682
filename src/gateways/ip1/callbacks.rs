//! iP.1's callbacks: the delivery report, POSTed to the batch's
//! `deliveryReportUrl` for every status change, and the incoming SMS
//!, POSTed to the account's `IncomingCallbackUrl` setting as the
//! message document.
//!
//! Both id spellings of the documentation (`id` and `messageId`) are sent
//! in delivery reports, with `owner` and `sender`; the currency is
//! lower-case as in the documented reports.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::documents::{MessageDocument, Owner};
use crate::domain::account::Gateway;
use crate::domain::account::Ip1Profile;
use crate::domain::id::ObjectId;
use crate::domain::message::{Batch, StatusEvent};
use crate::domain::money::Money;
use crate::domain::status;
use crate::domain::time::serialize_iso;
use crate::engine::callbacks::{Callback, CallbackFormat, IncomingCallback};
use crate::engine::sequences::Sequences;
use crate::webhooks::journal::CallbackKind;

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct DeliveryReport<'a> {
    id: ObjectId,
    message_id: ObjectId,
    batch_id: ObjectId,
    owner: &'a str,
    sender: &'a str,
    recipient: &'a str,
    code: u16,
    duration: u8,
    #[serde(serialize_with = "serialize_iso")]
    created: DateTime<Utc>,
    segments: u16,
    price: Money,
    currency: String,
    reference: Option<&'a str>,
}

impl CallbackFormat for Ip1Profile {
    const GATEWAY: Gateway = Gateway::Ip1;

    fn reports(&self, batch: &Batch) -> bool {
        batch.delivery_report_url.is_some()
    }

    fn delivery_report(&self, batch: &Batch, index: usize, event: StatusEvent) -> Option<Callback> {
        let url = batch.delivery_report_url.as_deref()?;
        let message = batch.messages.get(index)?;
        let id = batch.message_id(index);
        let report = DeliveryReport {
            id,
            message_id: id,
            batch_id: batch.id,
            owner: &self.id,
            sender: &batch.sender,
            recipient: &message.recipient,
            code: event.code,
            duration: status::duration(event.code),
            created: event.at,
            segments: message.segments,
            price: if message.price > Money::ZERO { message.price } else { Money::ZERO },
            currency: self.currency.code().to_ascii_lowercase(),
            reference: batch.reference.as_deref(),
        };
        let payload = serde_json::to_string(&report).ok()?;
        Some(Callback { url: Arc::from(url), payload: Arc::from(payload) })
    }

    /// The message document, with its whole status history (201).
    fn incoming(&self, batch: &Batch, _: &Sequences) -> IncomingCallback {
        let owner = Owner { id: &self.id, currency: self.currency };
        let document = MessageDocument::new(batch, 0, owner, true);
        IncomingCallback {
            kind: CallbackKind::IncomingSms,
            url: self.incoming_callback_url.as_deref().map(Arc::from),
            payload: serde_json::to_value(document).unwrap_or_default(),
        }
    }
}
