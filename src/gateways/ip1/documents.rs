//! iP.1's JSON documents for batches and messages: camelCase
//! names, lowercase enums, times in UTC with `Z`.

use std::borrow::Cow;
use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::domain::encoding::Datacoding;
use crate::domain::id::ObjectId;
use crate::domain::message::{Batch, Counts, Direction, SmsType, StatusEvent, summarize};
use crate::domain::money::{Currency, Money};
use crate::domain::network::mcc_mnc;
use crate::domain::status;
use crate::domain::time::serialize_iso;
use crate::http::json_writer::ObjectWriter;

/// The account a document is shown to.
#[derive(Clone, Copy)]
pub struct Owner<'a> {
    pub id: &'a str,
    pub currency: Currency,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct WindowDocument {
    #[serde(serialize_with = "serialize_iso")]
    opens: DateTime<Utc>,
    #[serde(serialize_with = "serialize_iso")]
    closes: DateTime<Utc>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct PriceSummary {
    total: Money,
    currency: Currency,
    average: f64,
}

/// A batch.
#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct BatchDocument<'a> {
    id: ObjectId,
    sender: Cow<'a, str>,
    body: Cow<'a, str>,
    owner: Cow<'a, str>,
    direction: Direction,
    #[serde(rename = "type")]
    sms_type: SmsType,
    datacoding: Datacoding,
    priority: u8,
    templated: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    price_summary: Option<PriceSummary>,
    /// Counts by latest status code.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<BTreeMap<String, Counts>>)]
    message_summary: Option<BTreeMap<u16, Counts>>,
    delivery_windows: Vec<WindowDocument>,
    status: u16,
    #[schema(value_type = Option<String>)]
    delivery_report_url: Option<Cow<'a, str>>,
    #[schema(value_type = Option<String>)]
    reference: Option<Cow<'a, str>>,
    #[schema(value_type = Vec<String>)]
    tags: Cow<'a, [String]>,
}

impl<'a> BatchDocument<'a> {
    /// The document of a list item: without the two summaries.
    pub fn listed(batch: &'a Batch, owner: Owner<'a>, now: DateTime<Utc>) -> BatchDocument<'a> {
        BatchDocument {
            id: batch.id,
            sender: Cow::Borrowed(&batch.sender),
            body: Cow::Borrowed(&batch.body),
            owner: Cow::Borrowed(owner.id),
            direction: batch.direction,
            sms_type: batch.sms_type,
            datacoding: batch.datacoding,
            priority: batch.priority,
            templated: batch.templated,
            price_summary: None,
            message_summary: None,
            delivery_windows: batch
                .delivery_windows
                .iter()
                .map(|w| WindowDocument { opens: w.opens, closes: w.closes })
                .collect(),
            status: batch.status(now),
            delivery_report_url: batch.delivery_report_url.as_deref().map(Cow::Borrowed),
            reference: batch.reference.as_deref().map(Cow::Borrowed),
            tags: Cow::Borrowed(&batch.tags),
        }
    }

    /// The single-batch document, with price and message summaries.
    pub fn full(batch: &'a Batch, owner: Owner<'a>, now: DateTime<Utc>) -> BatchDocument<'a> {
        let total = batch.total_price();
        let count = batch.messages.len().max(1) as f64;
        let average = (total.units() / count * 10_000.0).round() / 10_000.0;
        BatchDocument {
            price_summary: Some(PriceSummary { total, currency: owner.currency, average }),
            message_summary: Some(summarize(&batch.messages)),
            ..BatchDocument::listed(batch, owner, now)
        }
    }

    /// The document as JSON: byte for byte what its `Serialize` writes (a
    /// unit test holds the two together), without serde_json's work on
    /// each field name ([`crate::http::json_writer`]). Every send answers
    /// with it.
    pub fn write_json(&self, out: &mut Vec<u8>) -> serde_json::Result<()> {
        let mut document = ObjectWriter::begin(out);
        document.ascii("id", &self.id.hex_digits());
        document.str("sender", &self.sender);
        document.str("body", &self.body);
        document.str("owner", &self.owner);
        document.variant("direction", &self.direction)?;
        document.variant("type", &self.sms_type)?;
        document.variant("datacoding", &self.datacoding)?;
        document.integer("priority", self.priority);
        document.bool("templated", self.templated);
        if let Some(price) = &self.price_summary {
            let mut summary = ObjectWriter::begin(document.key("priceSummary"));
            summary.value("total", &price.total)?;
            summary.variant("currency", &price.currency)?;
            summary.value("average", &price.average)?;
            summary.end();
        }
        if let Some(codes) = &self.message_summary {
            let mut summary = ObjectWriter::begin(document.key("messageSummary"));
            for (code, counts) in codes {
                let mut entry = ObjectWriter::begin(summary.key(itoa::Buffer::new().format(*code)));
                entry.integer("messages", counts.messages);
                entry.integer("sms", counts.sms);
                entry.end();
            }
            summary.end();
        }
        document.value("deliveryWindows", &self.delivery_windows)?;
        document.integer("status", self.status);
        document.optional_str("deliveryReportUrl", self.delivery_report_url.as_deref());
        document.optional_str("reference", self.reference.as_deref());
        document.strings("tags", &self.tags);
        document.end();
        Ok(())
    }

    /// The document with its own copy of what it borrowed from the batch,
    /// and `owner` (the account's id, which outlives the account's lock:
    /// borrowed, not copied): a send's answer (or a polled batch) is then
    /// written out after the account's lock is released, so that other
    /// requests of the account do not wait for the JSON writer (it took
    /// over half the time a send held the lock, and two workers sending
    /// through one account waited on each other).
    pub fn detached(self, owner: &str) -> BatchDocument<'_> {
        debug_assert_eq!(self.owner, owner, "the owner is the account's id");
        let owned = |text: Cow<'_, str>| Cow::Owned(text.into_owned());
        BatchDocument {
            sender: owned(self.sender),
            body: owned(self.body),
            owner: Cow::Borrowed(owner),
            delivery_report_url: self.delivery_report_url.map(owned),
            reference: self.reference.map(owned),
            tags: Cow::Owned(self.tags.into_owned()),
            ..self
        }
    }
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct StatusDocument {
    #[serde(serialize_with = "serialize_iso")]
    created: DateTime<Utc>,
    code: u16,
    duration: u8,
}

impl StatusDocument {
    fn of(event: &StatusEvent) -> StatusDocument {
        StatusDocument {
            created: event.at,
            code: event.code,
            duration: status::duration(event.code),
        }
    }
}

/// A message.
#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MessageDocument<'a> {
    id: ObjectId,
    batch_id: ObjectId,
    owner: &'a str,
    sender: &'a str,
    recipient: &'a str,
    body: &'a str,
    direction: Direction,
    segments: u16,
    #[serde(rename = "type")]
    sms_type: SmsType,
    datacoding: Datacoding,
    priority: u8,
    /// Outgoing messages only, as in the documented incoming-SMS shape.
    #[serde(skip_serializing_if = "Option::is_none")]
    price: Option<Money>,
    #[serde(skip_serializing_if = "Option::is_none")]
    currency: Option<Currency>,
    statuses: Vec<StatusDocument>,
    #[serde(serialize_with = "serialize_iso")]
    modified: DateTime<Utc>,
    /// Outgoing messages only: the batch's reference or `null`.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>)]
    reference: Option<Option<&'a str>>,
    mcc: Option<String>,
    mnc: Option<String>,
}

impl<'a> MessageDocument<'a> {
    /// Message `index` of a batch; `history` shows every status, otherwise
    /// only the latest (as in lists).
    pub fn new(
        batch: &'a Batch,
        index: usize,
        owner: Owner<'a>,
        history: bool,
    ) -> MessageDocument<'a> {
        let message = &batch.messages[index];
        let statuses = if history {
            message.statuses.iter().map(StatusDocument::of).collect()
        } else {
            vec![StatusDocument::of(&message.latest())]
        };
        let handset = match batch.direction {
            Direction::Mt => &*message.recipient,
            Direction::Mo => batch.sender.as_str(),
        };
        let (mcc, mnc) = mcc_mnc(handset).unzip();
        let outgoing = batch.direction == Direction::Mt;
        MessageDocument {
            id: batch.message_id(index),
            batch_id: batch.id,
            owner: owner.id,
            sender: &batch.sender,
            recipient: &message.recipient,
            body: &message.body,
            direction: batch.direction,
            segments: message.segments,
            sms_type: batch.sms_type,
            datacoding: message.datacoding,
            priority: batch.priority,
            price: outgoing.then_some(message.price),
            currency: outgoing.then_some(owner.currency),
            statuses,
            modified: message.latest().at,
            reference: outgoing.then_some(batch.reference.as_deref()),
            mcc,
            mnc,
        }
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    use super::*;

    /// Documents of every shape: strings that need escaping or not,
    /// summaries or none, windows, tags, prices and averages.
    #[test]
    fn a_batch_document_is_written_as_it_serializes() {
        const TEXTS: [&str; 6] =
            ["", "iP1", "Hello \"you\"\n\\ \u{1}", "åäö 😀", "{name}", "tab\t"];
        // Deterministic draws: a fixed seed.
        let mut rng = ChaCha8Rng::seed_from_u64(11);
        let mut draw = |n: usize| rng.random_range(0..n);
        for _ in 0..3_000 {
            let id: ObjectId =
                serde_json::from_str(&format!("\"{:024x}\"", draw(1 << 30))).unwrap();
            let text = |n: usize| Cow::Borrowed(TEXTS[n]);
            let at = Utc.timestamp_opt(1_700_000_000 + draw(1 << 20) as i64, 0).unwrap();
            let windows = (0..draw(3)).map(|_| WindowDocument { opens: at, closes: at }).collect();
            let summary = (0..draw(4))
                .map(|n| {
                    (100 + n as u16 * 101, Counts { messages: draw(1000) as u64, sms: u64::MAX })
                })
                .collect();
            let tags: Vec<String> = (0..draw(3)).map(|n| TEXTS[n + draw(4)].to_owned()).collect();
            let document = BatchDocument {
                id,
                sender: text(draw(6)),
                body: text(draw(6)),
                owner: text(draw(6)),
                direction: [Direction::Mt, Direction::Mo][draw(2)],
                sms_type: [SmsType::Sms, SmsType::Flash][draw(2)],
                datacoding: [Datacoding::Gsm, Datacoding::Ucs][draw(2)],
                priority: draw(3) as u8,
                templated: draw(2) == 0,
                price_summary: (draw(3) > 0).then(|| PriceSummary {
                    total: Money::from_micros(draw(1 << 40) as i64),
                    currency: [Currency::Sek, Currency::Eur][draw(2)],
                    average: [0.45, 0.1 + 0.2, 1e21, 0.0, 123_456.789_1][draw(5)],
                }),
                message_summary: (draw(3) > 0).then_some(summary),
                delivery_windows: windows,
                status: [0, 111, 21_000][draw(3)],
                delivery_report_url: (draw(2) == 0).then(|| text(draw(6))),
                reference: (draw(2) == 0).then(|| text(draw(6))),
                tags: Cow::Owned(tags),
            };
            let mut written = Vec::new();
            document.write_json(&mut written).unwrap();
            let serialized = serde_json::to_vec(&document).unwrap();
            assert_eq!(String::from_utf8(written).unwrap(), String::from_utf8(serialized).unwrap());
        }
    }
}
