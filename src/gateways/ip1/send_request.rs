//! The body of `POST /v2/batches`: every field, every documented
//! limit, and every failing field reported at once in the problem-details
//! `errors` map. Nothing is created when anything fails.
//!
//! [`BatchRequest`] is both what the OpenAPI document shows and what the
//! body is read into ([`crate::http::lenient`]): property names in any
//! case, enums as names in any case or as codes, recipients as numbers or
//! strings; [`BatchRequest::check`] then applies iP.1's rules.

use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::error::Ip1Error;
use super::json::{Coded, Codes, Problems, coded_schema, type_mismatch};
use crate::domain::encoding::Datacoding;
use crate::domain::message::{DeliveryWindow, SmsType};
use crate::domain::msisdn::{MAX_DIGITS, Msisdn};
use crate::domain::send::{Recipient, SendRequest};
use crate::domain::sender::normalize_ip1_sender;
use crate::domain::template::Values;
use crate::domain::time::parse_iso;
use crate::http::lenient::Field;
use utoipa::openapi::RefOr;
use utoipa::openapi::extensions::Extensions;
use utoipa::openapi::schema::{
    ArrayBuilder, ObjectBuilder, OneOfBuilder, Schema, SchemaType, Type,
};

/// Longest `body`, in UTF-16 code units as .NET counts string length.
pub const MAX_BODY_LENGTH: usize = 2000;
/// Longest `reference`.
pub const MAX_REFERENCE_LENGTH: usize = 40;
/// Longest `deliveryReportUrl`.
pub const MAX_URL_LENGTH: usize = 2047;

impl Codes for SmsType {
    const CODES: &'static [(&'static str, i64, SmsType)] =
        &[("flash", 0, SmsType::Flash), ("sms", 1, SmsType::Sms)];
}

impl Codes for Datacoding {
    const CODES: &'static [(&'static str, i64, Datacoding)] =
        &[("gsm", 0, Datacoding::Gsm), ("ucs", 2, Datacoding::Ucs)];
}

/// A priority: 1 or 2, or the sample app's enum names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Priority(u8);

impl Codes for Priority {
    const CODES: &'static [(&'static str, i64, Priority)] =
        &[("normal", 1, Priority(1)), ("high", 2, Priority(2))];
}

fn required(field: &str) -> String {
    format!("The {field} field is required.")
}

fn utf16_length(text: &str) -> usize {
    text.encode_utf16().count()
}

/// A send request.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(examples(json!({
    "sender": "Acme",
    "recipients": ["46700000000"],
    "body": "Your code is 123456",
    "reference": "order-1",
    "tags": ["otp"]
})))]
pub struct BatchRequest {
    /// Alphanumeric, 3 to 11 characters, or 3 to 15 digits.
    #[schema(value_type = String, pattern = r"^(\+?[1-9][0-9]{2,14}|[A-Za-z0-9]{3,11})$")]
    sender: Field<String>,
    /// Read as it was sent and checked by hand: a batch may have 100,000
    /// of them, which are not copied more than once.
    #[schema(value_type = RecipientsRequest)]
    recipients: Option<Value>,
    /// The text; `{placeholders}` are filled per recipient.
    #[schema(value_type = String, min_length = 1, max_length = 2000)]
    body: Field<String>,
    /// `sms` (default) or `flash`, by name or code.
    #[serde(rename = "type")]
    #[schema(schema_with = sms_type_schema, required = false)]
    sms_type: Field<Coded<SmsType>>,
    /// `ucs` (default: the smallest coding that fits) or `gsm`, by name or
    /// code.
    #[schema(schema_with = datacoding_schema, required = false)]
    datacoding: Field<Coded<Datacoding>>,
    /// `normal` (1, default) or `high` (2).
    #[schema(schema_with = priority_schema, required = false)]
    priority: Field<Coded<Priority>>,
    /// When messages may be delivered; not `null`.
    #[schema(value_type = Vec<WindowRequest>, required = false)]
    delivery_windows: Field<Vec<Value>>,
    /// An absolute http(s) URL for delivery reports.
    #[schema(value_type = Option<String>, max_length = 2047, pattern = r"^[Hh][Tt][Tt][Pp][Ss]?://[^/?#\s]+")]
    delivery_report_url: Field<String>,
    /// 1 to 40 characters, not blank.
    #[schema(value_type = Option<String>, min_length = 1, max_length = 40, pattern = r"\S")]
    reference: Field<String>,
    #[schema(value_type = Option<Vec<String>>)]
    tags: Field<Vec<Value>>,
}

/// MSISDNs (country code first, no `+`, at most 15 digits), or for
/// templating an object keyed by MSISDN with each recipient's placeholder
/// values (and a `default` entry for all).
#[derive(Debug)]
pub enum RecipientsRequest {
    List(Vec<Value>),
    Templated(Map<String, Value>),
}

impl utoipa::PartialSchema for RecipientsRequest {
    fn schema() -> RefOr<Schema> {
        let digits = || format!("^[0-9]{{1,{MAX_DIGITS}}}$");
        let msisdn = OneOfBuilder::new()
            .item(ObjectBuilder::new().schema_type(Type::String).pattern(Some(digits())))
            .item(
                ObjectBuilder::new()
                    .schema_type(Type::Integer)
                    .minimum(Some(0))
                    .maximum(Some(999_999_999_999_999_i64)),
            );
        let list = ArrayBuilder::new().items(msisdn).min_items(Some(1));
        let values = ObjectBuilder::new()
            .schema_type(SchemaType::from_iter([Type::Object, Type::Null]))
            .additional_properties(Some(ObjectBuilder::new().schema_type(Type::String)));
        let names = ObjectBuilder::new()
            .schema_type(Type::String)
            .pattern(Some(format!("^([0-9]{{1,{MAX_DIGITS}}}|default)$")));
        // At least one MSISDN: not `default` alone. utoipa has no `not`
        // builder; its extensions are written as they are named.
        let not_default_alone = [("not", json!({"propertyNames": {"const": "default"}}))];
        let templated = ObjectBuilder::new()
            .schema_type(Type::Object)
            .property_names(Some(names))
            .additional_properties(Some(values))
            .min_properties(Some(1))
            .extensions(Some(Extensions::from_iter(not_default_alone)));
        let one_of = OneOfBuilder::new().item(list).item(templated).description(Some(
            "MSISDNs (country code first, no `+`, at most 15 digits), or for templating an \
             object keyed by MSISDN with each recipient's placeholder values (and a \
             `default` entry for all).",
        ));
        RefOr::T(Schema::OneOf(one_of.build()))
    }
}

impl utoipa::ToSchema for RecipientsRequest {}

fn sms_type_schema() -> Schema {
    coded_schema::<SmsType>()
}

fn datacoding_schema() -> Schema {
    coded_schema::<Datacoding>()
}

fn priority_schema() -> Schema {
    coded_schema::<Priority>()
}

/// A delivery window of a send request: ISO-8601 times, with or without
/// an offset (none is UTC).
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct WindowRequest {
    #[schema(value_type = chrono::DateTime<chrono::Utc>)]
    opens: Field<String>,
    #[schema(value_type = chrono::DateTime<chrono::Utc>)]
    closes: Field<String>,
}

impl BatchRequest {
    /// Applies iP.1's rules, reporting every failing field at once.
    pub fn check(self) -> Result<SendRequest, Ip1Error> {
        let mut problems = Problems::default();

        let sender = match self.sender {
            Field::Given(text) => normalize_ip1_sender(text.trim()).unwrap_or_else(|err| {
                problems.add("Sender", err.to_string());
                String::new()
            }),
            Field::Invalid(_) => {
                problems.add("Sender", type_mismatch("System.String"));
                String::new()
            }
            Field::Absent | Field::Null => {
                problems.add("Sender", required("Sender"));
                String::new()
            }
        };

        let (recipients, template_defaults) = match self.recipients {
            Some(Value::Array(items)) => {
                check_recipients(RecipientsRequest::List(items), &mut problems)
            }
            Some(Value::Object(map)) => {
                check_recipients(RecipientsRequest::Templated(map), &mut problems)
            }
            Some(_) => {
                problems.add(
                    "Recipients",
                    type_mismatch("Recipients (an array of MSISDNs or an object keyed by MSISDN)"),
                );
                (Vec::new(), None)
            }
            None => {
                problems.add("Recipients", required("Recipients"));
                (Vec::new(), None)
            }
        };

        let body = match self.body {
            Field::Given(text) if text.trim().is_empty() => {
                problems.add("Body", required("Body"));
                String::new()
            }
            Field::Given(text) => {
                if utf16_length(&text) > MAX_BODY_LENGTH {
                    problems.add(
                        "Body",
                        format!("The field Body must be a string with a maximum length of {MAX_BODY_LENGTH}."),
                    );
                }
                text
            }
            Field::Invalid(_) => {
                problems.add("Body", type_mismatch("System.String"));
                String::new()
            }
            Field::Absent | Field::Null => {
                problems.add("Body", required("Body"));
                String::new()
            }
        };

        let sms_type = match self.sms_type {
            Field::Given(Coded(sms_type)) => sms_type,
            Field::Invalid(value) => {
                problems.add(
                    "Type",
                    format!("The value {value} is not valid for Type: use sms or flash."),
                );
                SmsType::Sms
            }
            Field::Absent | Field::Null => SmsType::Sms,
        };
        let datacoding = match self.datacoding {
            Field::Given(Coded(datacoding)) => datacoding,
            Field::Invalid(value) => {
                problems.add(
                    "Datacoding",
                    format!("The value {value} is not valid for Datacoding: use gsm or ucs."),
                );
                Datacoding::Ucs
            }
            Field::Absent | Field::Null => Datacoding::Ucs,
        };
        let priority = match self.priority {
            Field::Given(Coded(Priority(priority))) => priority,
            Field::Invalid(_) => {
                problems.add("Priority", "The field Priority must be between 1 and 2.");
                1
            }
            Field::Absent | Field::Null => 1,
        };

        let delivery_windows = match self.delivery_windows {
            Field::Absent => Vec::new(),
            Field::Null => {
                problems.add("DeliveryWindows", "Can not explicitly be set to null");
                Vec::new()
            }
            Field::Invalid(_) => {
                problems.add("DeliveryWindows", type_mismatch("a list of delivery windows"));
                Vec::new()
            }
            Field::Given(items) => check_windows(items, &mut problems),
        };

        let delivery_report_url = match self.delivery_report_url {
            Field::Given(url) => {
                if utf16_length(&url) > MAX_URL_LENGTH {
                    problems.add(
                        "DeliveryReportUrl",
                        format!("The field DeliveryReportUrl must be a string with a maximum length of {MAX_URL_LENGTH}."),
                    );
                } else if !crate::http::is_absolute_http_url(&url) {
                    problems.add(
                        "DeliveryReportUrl",
                        "The DeliveryReportUrl field is not a valid fully-qualified http or https URL.",
                    );
                }
                Some(url)
            }
            Field::Invalid(_) => {
                problems.add("DeliveryReportUrl", type_mismatch("System.String"));
                None
            }
            Field::Absent | Field::Null => None,
        };

        let reference = match self.reference {
            Field::Given(text) => {
                if text.trim().is_empty() || utf16_length(&text) > MAX_REFERENCE_LENGTH {
                    problems.add(
                        "Reference",
                        format!(
                            "The field Reference must be a non-blank string with a minimum length of 1 and a maximum length of {MAX_REFERENCE_LENGTH}."
                        ),
                    );
                }
                Some(text)
            }
            Field::Invalid(_) => {
                problems.add("Reference", type_mismatch("System.String"));
                None
            }
            Field::Absent | Field::Null => None,
        };

        let tags = match self.tags {
            Field::Given(items) => items
                .into_iter()
                .enumerate()
                .filter_map(|(index, item)| match item {
                    Value::String(tag) => Some(tag),
                    _ => {
                        problems.add(format!("Tags[{index}]"), type_mismatch("System.String"));
                        None
                    }
                })
                .collect(),
            Field::Invalid(_) => {
                problems
                    .add("Tags", type_mismatch("System.Collections.Generic.List`1[System.String]"));
                Vec::new()
            }
            Field::Absent | Field::Null => Vec::new(),
        };

        problems.into_result(SendRequest {
            sender,
            recipients,
            body,
            template_defaults,
            sms_type,
            datacoding,
            priority,
            delivery_windows,
            delivery_report_url,
            reference,
            tags,
            fixed_coding: None,
        })
    }
}

/// Checks one recipient: digits only, at most 15.
/// `field` names the recipient in a problem; it is written only for one
/// (a batch may have 100,000 recipients).
fn check_msisdn(
    msisdn: &str,
    field: impl FnOnce() -> String,
    problems: &mut Problems,
) -> Option<Msisdn> {
    let checked = Msisdn::exact(msisdn).ok();
    if checked.is_none() {
        problems.add(
            field(),
            format!("Invalid recipient {msisdn:?}: a recipient is 1 to {MAX_DIGITS} digits, country code first, without +"),
        );
    }
    checked
}

/// Recipients as an array of MSISDNs (strings, or numbers), or as the
/// templating object keyed by MSISDN with an optional `default` entry
///.
fn check_recipients(
    recipients: RecipientsRequest,
    problems: &mut Problems,
) -> (Vec<Recipient>, Option<Values>) {
    let (recipients, defaults) = match recipients {
        RecipientsRequest::List(items) => {
            let recipients = items
                .into_iter()
                .enumerate()
                .filter_map(|(index, item)| {
                    let field = || format!("Recipients[{index}]");
                    let msisdn = match item {
                        Value::String(text) => text,
                        Value::Number(number) if number.is_u64() => number.to_string(),
                        _ => {
                            problems.add(field(), type_mismatch("System.String"));
                            return None;
                        }
                    };
                    check_msisdn(&msisdn, field, problems).map(Recipient::new)
                })
                .collect();
            (recipients, None)
        }
        RecipientsRequest::Templated(map) => {
            let mut defaults = Values::new();
            let mut recipients = Vec::with_capacity(map.len());
            for (key, entry) in map {
                let field = || format!("Recipients.{key}");
                let values = match entry {
                    Value::Object(values) => values,
                    Value::Null => Values::new(),
                    _ => {
                        problems.add(field(), "Placeholder values must be an object of strings");
                        continue;
                    }
                };
                if values.values().any(|v| v.is_object() || v.is_array()) {
                    problems.add(field(), "Placeholder values must be strings");
                }
                if key == "default" {
                    defaults = values;
                } else if let Some(msisdn) = check_msisdn(&key, field, problems) {
                    recipients.push(Recipient { values: Some(values), ..Recipient::new(msisdn) });
                }
            }
            (recipients, Some(defaults))
        }
    };
    if recipients.is_empty() {
        problems.add("Recipients", "At least one recipient is required.");
    }
    (recipients, defaults)
}

/// Delivery windows: `{opens, closes}` ISO-8601 pairs, closing after opening.
fn check_windows(items: Vec<Value>, problems: &mut Problems) -> Vec<DeliveryWindow> {
    let mut windows = Vec::with_capacity(items.len());
    for (index, item) in items.into_iter().enumerate() {
        let item_was_object = item.is_object();
        let field = format!("DeliveryWindows[{index}]");
        let window = match Field::<WindowRequest>::of(item) {
            Field::Given(window) if item_was_object => window,
            _ => {
                problems.add(field, type_mismatch("DeliveryWindow"));
                continue;
            }
        };
        let mut time = |name: &str, value: Field<String>| {
            let parsed = value.given().as_deref().and_then(parse_iso);
            if parsed.is_none() {
                problems.add(
                    format!("{field}.{name}"),
                    format!("The {name} field must be an ISO-8601 date and time."),
                );
            }
            parsed
        };
        let opens = time("Opens", window.opens);
        let closes = time("Closes", window.closes);
        if let (Some(opens), Some(closes)) = (opens, closes) {
            if closes <= opens {
                problems.add(field, "A delivery window must close after it opens.");
            } else {
                windows.push(DeliveryWindow { opens, closes });
            }
        }
    }
    windows
}
