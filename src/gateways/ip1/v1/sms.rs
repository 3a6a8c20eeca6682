//! `POST /api/sms/send` and `GET /api/sms/sent[/{id}]`.
//!
//! A send names its recipients as `Numbers`, `Contacts` (ids in the older
//! API's address book) and `Groups` (every contact in them); they are
//! merged and de-duplicated by number, and a contact whose phone is not a
//! plausible number is skipped. `Parameters` template the `Message` as v2's
//! recipients object does. The send goes through the engine as v2's does —
//! prices, balance, blacklist, outcome rules, magic numbers, lifecycle —
//! except that a balance that cannot cover it answers 403, as this API
//! did, instead of storing messages at 402.
//!
//! Every outgoing message of the account has an integer `ID`, whichever
//! API sent it; `Status` is the older API's code for its latest status.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::error::V1Error;
use super::{ModelState, V1Body, V1Caller, V1Path, read, serialize_v1_time};
use crate::domain::account::Ip1Profile;
use crate::domain::encoding::Datacoding;
use crate::domain::message::{Batch, Direction, SmsType};
use crate::domain::msisdn::Msisdn;
use crate::domain::network::country_code;
use crate::domain::send::{Recipient, SendRequest};
use crate::domain::sender::normalize_ip1_sender;
use crate::domain::status;
use crate::engine::submit::{Mode, Receipt, Shortfall, Submission};
use crate::http::json;
use crate::http::lenient::Field;
use crate::openapi::IP1_V1_TAG;
use crate::state::AppState;

/// The body of `POST /api/sms/send` (`OutgoingSMSDTO`).
#[derive(Deserialize, utoipa::ToSchema)]
#[schema(as = V1OutgoingSms)]
#[serde(rename_all = "PascalCase")]
pub struct OutgoingSms {
    /// Up to 15 digits, or 3 to 11 letters and digits; registered on the
    /// account.
    #[schema(value_type = String, pattern = r"^\s*(\+?[1-9][0-9]{2,14}|[A-Za-z0-9]{3,11})\s*$")]
    from: Field<String>,
    /// The text; `{placeholders}` are filled from `Parameters`.
    #[schema(value_type = String, min_length = 1, pattern = r"\S")]
    message: Field<String>,
    /// Phone numbers with their country code, with or without `+`. With
    /// `Contacts` and `Groups`, at least one recipient.
    #[schema(value_type = Option<Vec<V1Number>>)]
    numbers: Field<Vec<Value>>,
    /// Ids of contacts in the address book.
    #[schema(value_type = Option<Vec<u32>>)]
    contacts: Field<Vec<u32>>,
    /// Ids of groups: every contact in them.
    #[schema(value_type = Option<Vec<u32>>)]
    groups: Field<Vec<u32>>,
    /// `{"<number>": {"key": "value"}, "default": {...}}`.
    #[schema(value_type = Option<Object>)]
    parameters: Field<Map<String, Value>>,
    /// Email copies: accepted, not sent.
    #[schema(value_type = Option<bool>)]
    email: Field<bool>,
    /// 1 or 2; deprecated, no effect.
    #[schema(value_type = Option<u8>, minimum = 1, maximum = 2)]
    prio: Field<u8>,
}

/// A phone number as the older API reads it: a string (`+` optional) or a
/// whole number.
struct V1Number;

impl utoipa::PartialSchema for V1Number {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{ObjectBuilder, OneOfBuilder, Schema, Type};
        let text =
            ObjectBuilder::new().schema_type(Type::String).pattern(Some(r"^\+?[0-9]{1,15}$"));
        let number = ObjectBuilder::new()
            .schema_type(Type::Integer)
            .minimum(Some(0))
            .maximum(Some(999_999_999_999_999_i64));
        let one_of = OneOfBuilder::new().item(text).item(number);
        utoipa::openapi::RefOr::T(Schema::OneOf(one_of.build()))
    }
}

impl utoipa::ToSchema for V1Number {}

/// A message as the older API shows it.
#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "PascalCase")]
pub struct V1Message {
    #[serde(rename = "ID")]
    id: u64,
    /// The request's other messages share it; `null` for a send of one.
    #[serde(rename = "BundleID")]
    bundle_id: Option<u64>,
    /// The older API's status code.
    status: u16,
    status_description: &'static str,
    to: String,
    /// `null` when `To` is not a plausible number of a known country.
    country_code: Option<&'static str>,
    currency: &'static str,
    /// The whole message's price.
    total_price: f64,
    /// One segment's price.
    price: f64,
    /// `GSM` or `UCS2`.
    encoding: &'static str,
    segments: u16,
    prio: u8,
    from: String,
    message: String,
    #[serde(serialize_with = "serialize_v1_time")]
    #[schema(value_type = String, example = "2017-11-15T10:31:11.172")]
    created: DateTime<Utc>,
    /// On reads only.
    #[serde(serialize_with = "serialize_modified", skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>)]
    modified: Option<DateTime<Utc>>,
}

fn serialize_modified<S: serde::Serializer>(
    at: &Option<DateTime<Utc>>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    match at {
        Some(at) => serialize_v1_time(at, serializer),
        None => serializer.serialize_none(),
    }
}

/// The older API's status of a v2 status code, with its description.
pub fn v1_status(code: u16) -> (u16, &'static str) {
    match code {
        status::DELIVERED_TO_CARRIER | status::DELIVERED_TO_GSM => {
            (21, "Delivered to the GSM network")
        }
        status::DELIVERED_TO_HANDSET => (22, "Delivered to the phone"),
        status::EXPIRED => (52, "Delivery to the phone failed"),
        status::CANCELED => (12, "Delayed delivery cancelled"),
        status::INSUFFICIENT_FUNDS => (100, "Insufficient credits"),
        status::RECIPIENT_REJECTED => (3, "Invalid phone number format"),
        status::SENDER_REJECTED | status::INVALID_SENDER => (110, "Parameter error"),
        status::GENERIC_REJECTED => (50, "General delivery error"),
        status::UNDELIVERABLE => (51, "Delivery to the GSM network failed"),
        _ => (0, "Delivered to gateway"),
    }
}

impl V1Message {
    fn of(profile: &Ip1Profile, batch: &Batch, index: usize, with_modified: bool) -> V1Message {
        let message = &batch.messages[index];
        let latest = message.latest();
        let (status, status_description) = v1_status(latest.code);
        let segments = message.segments.max(1);
        V1Message {
            id: batch.first_number + index as u64,
            bundle_id: (batch.messages.len() > 1).then_some(batch.first_number),
            status,
            status_description,
            to: message.recipient.to_string(),
            country_code: country_code(&message.recipient),
            currency: profile.currency.code(),
            total_price: message.price.units(),
            price: message.price.units() / f64::from(segments),
            encoding: match message.datacoding {
                Datacoding::Gsm => "GSM",
                Datacoding::Ucs => "UCS2",
            },
            segments: message.segments,
            prio: batch.priority,
            from: batch.sender.clone(),
            message: message.body.to_string(),
            created: batch.created,
            modified: with_modified.then_some(latest.at),
        }
    }
}

/// A number as a client of the older API writes it: digits, a leading `+`
/// and blanks dropped.
fn number_of(raw: &Value) -> Option<Msisdn> {
    let text = match raw {
        Value::String(text) => text.clone(),
        Value::Number(number) => number.as_u64()?.to_string(),
        _ => return None,
    };
    let compact: String = text.chars().filter(|c| !c.is_whitespace() && *c != '-').collect();
    Msisdn::exact(compact.strip_prefix('+').unwrap_or(&compact)).ok()
}

/// `POST /api/sms/send`: answers one message per recipient.
#[utoipa::path(post, path = "/api/sms/send", tag = IP1_V1_TAG, request_body = OutgoingSms,
    responses(
        (status = OK, description = "The messages, one per recipient.", body = Vec<V1Message>),
        (status = FORBIDDEN, description = "The balance does not cover the send.", body = super::error::V1ErrorBody),
    ))]
pub async fn send(
    State(state): State<AppState>,
    caller: V1Caller,
    V1Body(body): V1Body,
) -> Result<Response, V1Error> {
    let body: OutgoingSms = read(&body, "sms")?;
    let mut problems = ModelState::default();
    let sender = match body.from {
        Field::Given(from) => match normalize_ip1_sender(from.trim()) {
            Ok(sender) => sender,
            Err(err) => {
                problems.add("From", err.to_string());
                String::new()
            }
        },
        Field::Invalid(_) => {
            problems.add("From", "The From field must be a string.");
            String::new()
        }
        Field::Absent | Field::Null => {
            problems.add("From", "The From field is required.");
            String::new()
        }
    };
    let text = match body.message {
        Field::Given(text) if !text.trim().is_empty() => text,
        _ => {
            problems.add("Message", "The Message field is required.");
            String::new()
        }
    };
    let priority = match body.prio {
        Field::Given(prio @ 1..=2) => prio,
        Field::Absent | Field::Null => 1,
        _ => {
            problems.add("Prio", "Prio is 1 or 2.");
            1
        }
    };
    if body.email.is_invalid() {
        problems.add("Email", "Email is true or false.");
    }
    let mut numbers = Vec::new();
    match body.numbers {
        Field::Given(list) => {
            for (index, raw) in list.iter().enumerate() {
                match number_of(raw) {
                    Some(number) => numbers.push(number),
                    None => problems.add(
                        format!("Numbers[{index}]"),
                        "A number is digits with its country code, with or without +.",
                    ),
                }
            }
        }
        Field::Invalid(_) => problems.add("Numbers", "Numbers is a list of phone numbers."),
        Field::Absent | Field::Null => {}
    }
    for (name, field) in [("Contacts", &body.contacts), ("Groups", &body.groups)] {
        if field.is_invalid() {
            problems.add(name, format!("{name} is a list of integer ids."));
        }
    }
    let parameters = match body.parameters {
        Field::Given(map) => Some(map),
        Field::Invalid(_) => {
            problems.add("Parameters", "Parameters is an object keyed by number.");
            None
        }
        Field::Absent | Field::Null => None,
    };
    problems.into_result(())?;

    // Contacts and groups are the account's; unknown ids are refused.
    let contact_ids = body.contacts.given().unwrap_or_default();
    let group_ids = body.groups.given().unwrap_or_default();
    let from_book = caller.edit(|records| {
        let book = &*records.address_book;
        let mut phones = Vec::new();
        for id in &contact_ids {
            let contact = book.contact(*id).ok_or_else(|| V1Error::no("Contact", id))?;
            phones.push(contact.fields.phone.clone());
        }
        for id in &group_ids {
            book.group(*id).ok_or_else(|| V1Error::no("Group", id))?;
            phones.extend(book.contacts_of(*id).into_iter().map(|c| c.fields.phone.clone()));
        }
        Ok::<_, V1Error>(phones)
    })?;
    // A contact whose phone is not a plausible number is skipped.
    let contacts = from_book
        .iter()
        .filter_map(|phone| number_of(&Value::String(phone.clone())))
        .filter(Msisdn::is_plausible);
    let mut recipients: Vec<Recipient> = Vec::new();
    for number in numbers.into_iter().chain(contacts) {
        if recipients.iter().all(|r| r.msisdn != number) {
            recipients.push(Recipient::new(number));
        }
    }
    if recipients.is_empty() {
        return Err(V1Error::BadRequest("The send has no recipients.".to_owned()));
    }
    let template_defaults = parameters.as_ref().map(|map| {
        for recipient in &mut recipients {
            let own = map.iter().find(|(key, _)| {
                number_of(&Value::String((*key).clone())).as_ref() == Some(&recipient.msisdn)
            });
            recipient.values = own.and_then(|(_, values)| values.as_object().cloned());
        }
        map.get("default").and_then(Value::as_object).cloned().unwrap_or_default()
    });
    let messages = submit(&state, &caller, sender, recipients, text, template_defaults, priority)?;
    Ok(json(StatusCode::OK, &messages))
}

/// Sends one text to one number, as a send of this API does (a one-time
/// code's SMS).
pub(super) fn send_one(
    state: &AppState,
    caller: &V1Caller,
    sender: String,
    number: Msisdn,
    text: String,
) -> Result<Vec<V1Message>, V1Error> {
    submit(state, caller, sender, vec![Recipient::new(number)], text, None, 1)
}

/// A send of this API through the engine: a short balance refuses it.
fn submit(
    state: &AppState,
    caller: &V1Caller,
    sender: String,
    recipients: Vec<Recipient>,
    text: String,
    template_defaults: Option<Map<String, Value>>,
    priority: u8,
) -> Result<Vec<V1Message>, V1Error> {
    let request = SendRequest {
        sender: sender.clone(),
        recipients,
        body: text,
        template_defaults,
        sms_type: SmsType::Sms,
        datacoding: Datacoding::Ucs,
        priority,
        delivery_windows: Vec::new(),
        delivery_report_url: None,
        reference: None,
        tags: Vec::new(),
        fixed_coding: None,
    };
    let submission: Submission<V1Error> =
        Submission { sender, request: Ok(request), shortfall: Some(Shortfall::Refuse) };
    state.engine.submit(caller.account(), submission, Mode::Send, answer)
}

/// The stored messages of a send, in recipient order.
fn answer(receipt: &Receipt<'_, Ip1Profile>) -> Vec<V1Message> {
    let Some(batch) = receipt.batch else { return Vec::new() };
    receipt
        .screened
        .iter()
        .filter_map(|screened| screened.message)
        .map(|index| V1Message::of(receipt.profile, batch, index, false))
        .collect()
}

/// `GET /api/sms/sent`: every message the account sent, through either API,
/// oldest first.
#[utoipa::path(get, path = "/api/sms/sent", tag = IP1_V1_TAG,
    responses((status = OK, description = "Every sent message, oldest first.", body = Vec<V1Message>)))]
pub async fn sent(caller: V1Caller) -> Response {
    let messages: Vec<V1Message> = caller.account().read(|data| {
        data.messaging
            .batches()
            .filter(|batch| batch.direction == Direction::Mt)
            .flat_map(|batch| {
                (0..batch.messages.len()).map(|i| V1Message::of(&data.profile, batch, i, true))
            })
            .collect()
    });
    json(StatusCode::OK, &messages)
}

/// `GET /api/sms/sent/{id}`: one sent message.
#[utoipa::path(get, path = "/api/sms/sent/{id}", tag = IP1_V1_TAG, params(("id" = u64, Path, description = "The message's integer id.")),
    responses((status = OK, description = "The message.", body = V1Message)))]
pub async fn sent_one(caller: V1Caller, V1Path(raw): V1Path<String>) -> Result<Response, V1Error> {
    let id: u64 = raw.trim().parse().map_err(|_| V1Error::no("Message", &raw))?;
    caller.account().read(|data| {
        let found = data.messaging.batches().find_map(|batch| {
            let index = id.checked_sub(batch.first_number)?;
            let owned = batch.direction == Direction::Mt && batch.first_number > 0;
            (owned && index < batch.messages.len() as u64).then_some((batch, index as usize))
        });
        let (batch, index) = found.ok_or_else(|| V1Error::no("Message", id))?;
        Ok(json(StatusCode::OK, &V1Message::of(&data.profile, batch, index, true)))
    })
}
