//! Turning a send request into a batch: templating, segment counting,
//! pricing and charging (§3.6–3.8, §17). Pure: the caller passes in the
//! time, the balance and the prices, and stores the result.

use std::collections::HashSet;
use std::sync::Arc;

use chrono::{DateTime, Utc};

use super::encoding::{Datacoding, Segmentation, segment, segment_as};
use super::id::ObjectIds;
use super::lifecycle::{Fate, Outcome};
use super::message::{Batch, DeliveryWindow, Direction, Message, SmsType, StatusEvent};
use super::money::{Currency, Money};
use super::phone::is_plausible_msisdn;
use super::pricing::{PriceTable, message_price};
use super::status;
use super::template::{Template, Values};

/// One recipient of a send request.
#[derive(Debug, Clone)]
pub struct Recipient {
    pub msisdn: String,
    /// Placeholder values, for the templating form.
    pub values: Option<Values>,
    /// A text of its own, replacing the body (Viamobile's per-recipient text).
    pub text: Option<String>,
    /// The client's id of the message (Viamobile).
    pub client_id: Option<i64>,
}

impl Recipient {
    pub fn new(msisdn: impl Into<String>) -> Recipient {
        Recipient { msisdn: msisdn.into(), values: None, text: None, client_id: None }
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
pub struct Rendered {
    texts: Vec<(Arc<str>, Segmentation)>,
    /// Non-templated batches share one text.
    shared: bool,
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
        return Ok(Rendered { texts, shared: false });
    }
    let Some(defaults) = &request.template_defaults else {
        let first = request.recipients.first().map(|r| r.msisdn.as_str()).unwrap_or_default();
        let segmentation = check(&request.body, first)?;
        return Ok(Rendered {
            texts: vec![(Arc::from(request.body.as_str()), segmentation)],
            shared: true,
        });
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
    Ok(Rendered { texts, shared: false })
}

/// What the account brings to a send.
pub struct SendContext<'a> {
    pub now: DateTime<Utc>,
    /// Where the batch's and messages' ids come from.
    pub ids: &'a ObjectIds,
    pub currency: Currency,
    pub balance: Money,
    pub prices: &'a PriceTable,
    /// The sender is not registered: every message ends at 403.
    pub sender_rejected: bool,
    /// The fate rules and magic numbers give a recipient and text, if any.
    pub fate: &'a dyn Fn(&str, &str) -> Option<Fate>,
}

impl SendContext<'_> {
    /// Real conditions first (an implausible number, an unregistered
    /// sender), then rules and magic numbers, else delivery.
    fn fate(&self, recipient: &str, body: &str) -> Fate {
        if !is_plausible_msisdn(recipient) {
            Fate::of(Outcome::RecipientRejected)
        } else if self.sender_rejected {
            Fate::of(Outcome::SenderRejected)
        } else {
            (self.fate)(recipient, body).unwrap_or(Fate::of(Outcome::Delivered))
        }
    }
}

/// Builds the batch and says what to charge. Every message starts at 101
/// Accepted; rejections without a delay end at once (405, 403, 406) and
/// are not charged; when the balance cannot cover every other message,
/// they all end at 402 InsufficientFunds and nothing is charged.
pub fn create_batch(
    request: SendRequest,
    rendered: Rendered,
    context: &SendContext,
) -> (Batch, Money) {
    let now = context.now;
    let count = request.recipients.len();
    let text = |index: usize| &rendered.texts[if rendered.shared { 0 } else { index }];
    let mut messages = Vec::with_capacity(count);
    let mut total = Money::ZERO;
    for (index, recipient) in request.recipients.iter().enumerate() {
        let (body, segmentation) = text(index);
        let fate = context.fate(&recipient.msisdn, body);
        let price = if fate.is_charged() {
            message_price(
                context.prices,
                context.currency,
                &recipient.msisdn,
                segmentation.segments,
                request.priority,
            )
        } else {
            Money::ZERO
        };
        total = total + price;
        let mut statuses = Vec::with_capacity(3);
        statuses.push(StatusEvent { code: status::ACCEPTED, at: now });
        if fate.rejects_at_once() {
            statuses.push(StatusEvent { code: fate.code, at: now });
        }
        messages.push(Message {
            recipient: recipient.msisdn.as_str().into(),
            body: body.clone(),
            segments: segmentation.segments.min(u32::from(u16::MAX)) as u16,
            datacoding: segmentation.datacoding,
            price,
            statuses,
            fate,
            client_id: recipient.client_id,
            bsms_id: 0,
        });
    }
    let charge = if total > context.balance {
        for message in messages.iter_mut().filter(|m| !status::is_final(m.latest().code)) {
            message.price = Money::ZERO;
            message.push_status(status::INSUFFICIENT_FUNDS, now);
        }
        Money::ZERO
    } else {
        total
    };
    let batch = Batch {
        id: context.ids.next(now),
        first_message_id: context.ids.range(now, count as u32),
        created: now,
        templated: request.templated(),
        sender: request.sender,
        body: request.body,
        direction: Direction::Mt,
        sms_type: request.sms_type,
        datacoding: request.datacoding,
        priority: request.priority,
        delivery_windows: request.delivery_windows,
        delivery_report_url: request.delivery_report_url,
        reference: request.reference,
        tags: request.tags,
        canceled: false,
        deleted: false,
        messages,
    };
    (batch, charge)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn request(recipients: &[&str], body: &str) -> SendRequest {
        SendRequest {
            sender: "Acme".into(),
            recipients: recipients.iter().map(|r| Recipient::new(*r)).collect(),
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

    fn context<'a>(balance: f64, prices: &'a PriceTable, ids: &'a ObjectIds) -> SendContext<'a> {
        SendContext {
            now: Utc::now(),
            ids,
            currency: Currency::Sek,
            balance: Money::from_units(balance),
            prices,
            sender_rejected: false,
            fate: &|recipient, _| {
                (recipient == "46700000006").then(|| Fate::of(Outcome::Blacklisted))
            },
        }
    }

    #[test]
    fn charged_messages_start_accepted_and_bad_numbers_are_rejected() {
        let ids = ObjectIds::default();
        let prices = PriceTable::default();
        let send = request(&["46701234567", "123"], &"x".repeat(161));
        let rendered = render(&send).unwrap();
        let (batch, charge) = create_batch(send, rendered, &context(100.0, &prices, &ids));
        assert_eq!(charge, Money::from_units(0.90));
        assert_eq!(batch.messages[0].latest().code, status::ACCEPTED);
        assert_eq!(batch.messages[0].segments, 2);
        assert_eq!(batch.messages[1].latest().code, status::RECIPIENT_REJECTED);
        assert_eq!(batch.messages[1].price, Money::ZERO);
        assert_eq!(batch.message_index(batch.message_id(1)), Some(1));
    }

    #[test]
    fn rejecting_fates_end_at_once_without_a_charge() {
        let ids = ObjectIds::default();
        let prices = PriceTable::default();
        let send = request(&["46700000006", "46701234567"], "hello");
        let rendered = render(&send).unwrap();
        let (batch, charge) = create_batch(send, rendered, &context(100.0, &prices, &ids));
        assert_eq!(batch.messages[0].latest().code, status::GENERIC_REJECTED);
        assert_eq!(charge, Money::from_units(0.45));
        let send = request(&["46701234567"], "hello");
        let rendered = render(&send).unwrap();
        let context = SendContext { sender_rejected: true, ..context(100.0, &prices, &ids) };
        let (batch, charge) = create_batch(send, rendered, &context);
        assert_eq!(batch.messages[0].latest().code, status::SENDER_REJECTED);
        assert_eq!(charge, Money::ZERO);
    }

    #[test]
    fn a_send_the_balance_cannot_cover_charges_nothing() {
        let ids = ObjectIds::default();
        let prices = PriceTable::default();
        let send = request(&["46701234567", "46701234568"], "hello");
        let rendered = render(&send).unwrap();
        let (batch, charge) = create_batch(send, rendered, &context(0.89, &prices, &ids));
        assert_eq!(charge, Money::ZERO);
        assert!(batch.messages.iter().all(|m| m.latest().code == status::INSUFFICIENT_FUNDS));
    }

    #[test]
    fn templated_texts_are_rendered_and_counted_per_recipient() {
        let ids = ObjectIds::default();
        let mut send = request(&["46701234567", "46701234568"], "Hi {name}{pad}");
        send.recipients[0].values =
            Some(json!({"name": "Anna", "pad": "x".repeat(157)}).as_object().unwrap().clone());
        send.template_defaults = Some(json!({"name": "you"}).as_object().unwrap().clone());
        let rendered = render(&send).unwrap();
        let (batch, _) =
            create_batch(send, rendered, &context(100.0, &PriceTable::default(), &ids));
        assert!(batch.templated);
        assert_eq!(batch.messages[0].segments, 2);
        assert_eq!(&*batch.messages[1].body, "Hi you");
        assert_eq!(batch.messages[1].segments, 1);
    }

    #[test]
    fn gsm_only_batches_refuse_texts_that_need_ucs2() {
        let mut send = request(&["46701234567"], "Cześć");
        send.datacoding = Datacoding::Gsm;
        assert_eq!(render(&send).err(), Some(NeedsUcs2 { recipient: "46701234567".into() }));
    }
}
