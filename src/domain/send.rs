//! A send request in the gateway-independent model, and the pure parts of
//! turning it into a batch: templating, segment counting, and building
//! messages. The engine decides each message's fate and price
//! and stores the batch.

use std::collections::HashSet;
use std::sync::Arc;

use chrono::{DateTime, Utc};

use super::encoding::{Datacoding, Segmentation, segment, segment_as};
use super::id::ObjectIds;
use super::lifecycle::Fate;
use super::message::{Batch, DeliveryWindow, Direction, Message, SmsType, StatusEvent};
use super::money::Money;
use super::msisdn::Msisdn;
use super::status;
use super::template::{Template, Values};

/// One recipient of a send request.
#[derive(Debug, Clone)]
pub struct Recipient {
    pub msisdn: Msisdn,
    /// Placeholder values, for the templating form.
    pub values: Option<Values>,
    /// A text of its own, replacing the body (Viamobile's per-recipient text).
    pub text: Option<String>,
    /// The client's id of the message (Viamobile).
    pub client_id: Option<i64>,
}

impl Recipient {
    pub fn new(msisdn: Msisdn) -> Recipient {
        Recipient { msisdn, values: None, text: None, client_id: None }
    }
}

/// A validated send request, in the gateway-independent model.
#[derive(Debug, Clone)]
pub struct SendRequest {
    pub sender: String,
    pub recipients: Vec<Recipient>,
    pub body: String,
    /// Present for the templating form, even when empty.
    pub template_defaults: Option<Values>,
    pub sms_type: SmsType,
    /// The largest coding allowed.
    pub datacoding: Datacoding,
    pub priority: u8,
    pub delivery_windows: Vec<DeliveryWindow>,
    pub delivery_report_url: Option<String>,
    pub reference: Option<String>,
    pub tags: Vec<String>,
    /// Viamobile's counting: this coding, whatever the text, with
    /// characters (code points) as units. `None`: iP.1's (the smallest
    /// coding that holds the text, GSM septets or UTF-16 units).
    pub fixed_coding: Option<Datacoding>,
}

impl SendRequest {
    pub fn templated(&self) -> bool {
        self.template_defaults.is_some()
    }

    fn segment(&self, text: &str) -> Segmentation {
        match self.fixed_coding {
            Some(coding) => segment_as(coding, text.chars().count()),
            None => segment(text),
        }
    }
}

/// A text that needs UCS-2 where only GSM was allowed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the text for recipient {recipient} needs UCS-2 but datacoding is gsm")]
pub struct NeedsUcs2 {
    pub recipient: String,
}

/// The text of each recipient, rendered and segmented.
pub enum Rendered {
    /// One text for every recipient (a batch that is not templated), kept
    /// without a list of one: that was an allocation a send.
    Shared((Arc<str>, Segmentation)),
    /// A text of its own for each recipient, in their order.
    Each(Vec<(Arc<str>, Segmentation)>),
}

/// Renders and segments every recipient's text. Done before the account
/// is locked: it is the expensive part of a large send.
pub fn render(request: &SendRequest) -> Result<Rendered, NeedsUcs2> {
    let allowed = request.datacoding;
    let check = |text: &str, recipient: &str| {
        let segmentation = request.segment(text);
        if allowed == Datacoding::Gsm && segmentation.datacoding == Datacoding::Ucs {
            Err(NeedsUcs2 { recipient: recipient.to_owned() })
        } else {
            Ok(segmentation)
        }
    };
    if request.recipients.iter().any(|r| r.text.is_some()) {
        let texts = request
            .recipients
            .iter()
            .map(|recipient| {
                let text = recipient.text.as_deref().unwrap_or(&request.body);
                Ok((Arc::from(text), check(text, &recipient.msisdn)?))
            })
            .collect::<Result<Vec<_>, NeedsUcs2>>()?;
        return Ok(Rendered::Each(texts));
    }
    let Some(defaults) = &request.template_defaults else {
        let first = request.recipients.first().map(|r| r.msisdn.as_str()).unwrap_or_default();
        let segmentation = check(&request.body, first)?;
        return Ok(Rendered::Shared((Arc::from(request.body.as_str()), segmentation)));
    };
    let template = Template::parse(&request.body);
    let defined: HashSet<String> = request
        .recipients
        .iter()
        .filter_map(|r| r.values.as_ref())
        .chain(std::iter::once(defaults))
        .flat_map(|values| values.keys().cloned())
        .collect();
    let texts = request
        .recipients
        .iter()
        .map(|recipient| {
            let text = template.render(recipient.values.as_ref(), Some(defaults), &defined);
            let segmentation = check(&text, &recipient.msisdn)?;
            Ok((Arc::from(text), segmentation))
        })
        .collect::<Result<Vec<_>, NeedsUcs2>>()?;
    Ok(Rendered::Each(texts))
}

impl Rendered {
    /// The text of recipient `index`, and its segments.
    pub fn text(&self, index: usize) -> &(Arc<str>, Segmentation) {
        match self {
            Rendered::Shared(text) => text,
            Rendered::Each(texts) => &texts[index],
        }
    }
}

/// A message of a send to `recipient`, at its first status: 101 Accepted,
/// then at once its final status when its fate rejects it at once.
pub fn new_message(
    recipient: &Recipient,
    (body, segmentation): &(Arc<str>, Segmentation),
    fate: Fate,
    price: Money,
    now: DateTime<Utc>,
) -> Message {
    let mut statuses = Vec::with_capacity(3);
    statuses.push(StatusEvent { code: status::ACCEPTED, at: now });
    if fate.rejects_at_once() {
        statuses.push(StatusEvent { code: fate.code, at: now });
    }
    Message {
        recipient: recipient.msisdn.clone(),
        body: body.clone(),
        segments: segmentation.segments.min(u32::from(u16::MAX)) as u16,
        datacoding: segmentation.datacoding,
        price,
        statuses,
        fate,
        client_id: recipient.client_id,
        bsms_id: 0,
    }
}

impl SendRequest {
    /// The batch of this request, holding `messages`; its id and the
    /// messages' ids come from `ids`.
    pub fn into_batch(self, messages: Vec<Message>, ids: &ObjectIds, now: DateTime<Utc>) -> Batch {
        Batch {
            id: ids.next(now),
            first_message_id: ids.range(now, messages.len() as u32),
            first_number: 0,
            created: now,
            templated: self.templated(),
            sender: self.sender,
            body: self.body,
            direction: Direction::Mt,
            sms_type: self.sms_type,
            datacoding: self.datacoding,
            priority: self.priority,
            delivery_windows: self.delivery_windows,
            delivery_report_url: self.delivery_report_url,
            reference: self.reference,
            tags: self.tags,
            canceled: false,
            deleted: false,
            messages,
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::domain::lifecycle::Outcome;

    fn request(recipients: &[&str], body: &str) -> SendRequest {
        SendRequest {
            sender: "Acme".into(),
            recipients: recipients
                .iter()
                .map(|r| Recipient::new(Msisdn::exact(r).unwrap()))
                .collect(),
            body: body.into(),
            template_defaults: None,
            sms_type: SmsType::Sms,
            datacoding: Datacoding::Ucs,
            priority: 1,
            delivery_windows: vec![],
            delivery_report_url: None,
            reference: None,
            tags: vec![],
            fixed_coding: None,
        }
    }

    #[test]
    fn messages_start_accepted_and_rejections_end_at_once() {
        let send = request(&["46701234567"], &"x".repeat(161));
        let rendered = render(&send).unwrap();
        let now = Utc::now();
        let recipient = &send.recipients[0];
        let delivered = Fate::of(Outcome::Delivered);
        let message = new_message(recipient, rendered.text(0), delivered, Money::ZERO, now);
        assert_eq!(message.latest().code, status::ACCEPTED);
        assert_eq!(message.segments, 2);
        let blacklisted = Fate::of(Outcome::Blacklisted);
        let message = new_message(recipient, rendered.text(0), blacklisted, Money::ZERO, now);
        let codes: Vec<u16> = message.statuses.iter().map(|s| s.code).collect();
        assert_eq!(codes, [status::ACCEPTED, status::GENERIC_REJECTED]);
    }

    #[test]
    fn a_batch_numbers_its_messages_in_one_range() {
        let send = request(&["46701234567", "46701234568"], "hello");
        let rendered = render(&send).unwrap();
        let now = Utc::now();
        let messages = send
            .recipients
            .iter()
            .enumerate()
            .map(|(i, r)| {
                new_message(r, rendered.text(i), Fate::of(Outcome::Delivered), Money::ZERO, now)
            })
            .collect();
        let batch = send.into_batch(messages, &ObjectIds::default(), now);
        assert_eq!(batch.message_index(batch.message_id(1)), Some(1));
        assert_eq!(batch.message_index(batch.id), None);
    }

    #[test]
    fn templated_texts_are_rendered_and_counted_per_recipient() {
        let mut send = request(&["46701234567", "46701234568"], "Hi {name}{pad}");
        send.recipients[0].values =
            Some(json!({"name": "Anna", "pad": "x".repeat(157)}).as_object().unwrap().clone());
        send.template_defaults = Some(json!({"name": "you"}).as_object().unwrap().clone());
        let rendered = render(&send).unwrap();
        assert!(send.templated());
        assert_eq!(rendered.text(0).1.segments, 2);
        assert_eq!(&*rendered.text(1).0, "Hi you");
        assert_eq!(rendered.text(1).1.segments, 1);
    }

    #[test]
    fn gsm_only_batches_refuse_texts_that_need_ucs2() {
        let mut send = request(&["46701234567"], "Cześć");
        send.datacoding = Datacoding::Gsm;
        assert_eq!(render(&send).err(), Some(NeedsUcs2 { recipient: "46701234567".into() }));
    }
}
