//! The body of `POST /v2/batches` (§3.3–3.6): every field, every documented
//! limit, and every failing field reported at once in the problem-details
//! `errors` map. Nothing is created when anything fails.

use serde_json::Value;

use super::error::Ip1Error;
use super::json::{Problems, Properties, parse_enum, type_mismatch};
use crate::domain::encoding::Datacoding;
use crate::domain::message::{DeliveryWindow, SmsType};
use crate::domain::msisdn::{MAX_DIGITS, Msisdn};
use crate::domain::send::{Recipient, SendRequest};
use crate::domain::sender::normalize_ip1_sender;
use crate::domain::template::Values;
use crate::domain::time::parse_iso;
use crate::openapi::IntegerOrString;

/// Longest `body`, in UTF-16 code units as .NET counts string length.
pub const MAX_BODY_LENGTH: usize = 2000;
/// Longest `reference`.
pub const MAX_REFERENCE_LENGTH: usize = 40;
/// Longest `deliveryReportUrl`.
pub const MAX_URL_LENGTH: usize = 2047;

const TYPES: [(&str, i64, SmsType); 2] = [("flash", 0, SmsType::Flash), ("sms", 1, SmsType::Sms)];
const DATACODINGS: [(&str, i64, Datacoding); 2] =
    [("gsm", 0, Datacoding::Gsm), ("ucs", 2, Datacoding::Ucs)];
/// Priority as the number or the sample app's enum names.
const PRIORITIES: [(&str, i64, u8); 2] = [("normal", 1, 1), ("high", 2, 2)];

fn required(field: &str) -> String {
    format!("The {field} field is required.")
}

fn utf16_length(text: &str) -> usize {
    text.encode_utf16().count()
}

/// The documented shape of a send request, for the OpenAPI document.
/// [`parse`] reads it as leniently as iP.1 does: property names in any
/// case, enums as names or codes, recipients as numbers too.
#[derive(utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(examples(json!({
    "sender": "Acme",
    "recipients": ["46700000000"],
    "body": "Your code is 123456",
    "reference": "order-1",
    "tags": ["otp"]
})))]
#[allow(dead_code)]
pub struct BatchRequest {
    /// Alphanumeric, 3 to 11 characters, or 3 to 15 digits.
    #[schema(pattern = r"^(\+?[1-9][0-9]{2,14}|[A-Za-z0-9]{3,11})$")]
    sender: String,
    recipients: RecipientsRequest,
    /// The text; `{placeholders}` are filled per recipient.
    #[schema(min_length = 1, max_length = 2000)]
    body: String,
    /// `sms` (default) or `flash`.
    #[serde(rename = "type")]
    sms_type: Option<SmsType>,
    /// `ucs` (default: the smallest coding that fits) or `gsm`.
    datacoding: Option<Datacoding>,
    /// 1 (normal, default) or 2 (high).
    #[schema(minimum = 1, maximum = 2)]
    priority: Option<u8>,
    /// When messages may be delivered.
    delivery_windows: Option<Vec<WindowRequest>>,
    /// An absolute http(s) URL for delivery reports.
    #[schema(max_length = 2047)]
    delivery_report_url: Option<String>,
    #[schema(max_length = 40)]
    reference: Option<String>,
    tags: Option<Vec<String>>,
}

/// MSISDNs (country code first, no `+`, at most 15 digits), or for
/// templating an object keyed by MSISDN with each recipient's placeholder
/// values (and a `default` entry for all).
#[derive(utoipa::ToSchema)]
#[serde(untagged)]
#[allow(dead_code)]
pub enum RecipientsRequest {
    List(Vec<IntegerOrString>),
    Templated(
        std::collections::BTreeMap<String, Option<std::collections::BTreeMap<String, String>>>,
    ),
}

/// A delivery window of a send request.
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct WindowRequest {
    opens: chrono::DateTime<chrono::Utc>,
    closes: chrono::DateTime<chrono::Utc>,
}

/// Parses and checks a send request.
pub fn parse(body: Value) -> Result<SendRequest, Ip1Error> {
    let mut properties =
        Properties::of(body).ok_or_else(|| Ip1Error::field("$", type_mismatch("BatchRequest")))?;
    let mut problems = Problems::default();

    let sender = match properties.take("sender") {
        None => {
            problems.add("Sender", required("Sender"));
            String::new()
        }
        Some(Value::String(text)) => normalize_ip1_sender(text.trim()).unwrap_or_else(|err| {
            problems.add("Sender", err.to_string());
            String::new()
        }),
        Some(_) => {
            problems.add("Sender", type_mismatch("System.String"));
            String::new()
        }
    };

    let (recipients, template_defaults) = match properties.take("recipients") {
        None => {
            problems.add("Recipients", required("Recipients"));
            (Vec::new(), None)
        }
        Some(value) => parse_recipients(value, &mut problems),
    };

    let body = match properties.take("body") {
        Some(Value::String(text)) if text.trim().is_empty() => {
            problems.add("Body", required("Body"));
            String::new()
        }
        Some(Value::String(text)) => {
            if utf16_length(&text) > MAX_BODY_LENGTH {
                problems.add(
                    "Body",
                    format!("The field Body must be a string with a maximum length of {MAX_BODY_LENGTH}."),
                );
            }
            text
        }
        None => {
            problems.add("Body", required("Body"));
            String::new()
        }
        Some(_) => {
            problems.add("Body", type_mismatch("System.String"));
            String::new()
        }
    };

    let sms_type = properties.take("type").map_or(SmsType::Sms, |value| {
        parse_enum(&value, &TYPES).unwrap_or_else(|| {
            problems
                .add("Type", format!("The value {value} is not valid for Type: use sms or flash."));
            SmsType::Sms
        })
    });
    let datacoding = properties.take("datacoding").map_or(Datacoding::Ucs, |value| {
        parse_enum(&value, &DATACODINGS).unwrap_or_else(|| {
            problems.add(
                "Datacoding",
                format!("The value {value} is not valid for Datacoding: use gsm or ucs."),
            );
            Datacoding::Ucs
        })
    });
    let priority = properties.take("priority").map_or(1, |value| {
        parse_enum(&value, &PRIORITIES).unwrap_or_else(|| {
            problems.add("Priority", "The field Priority must be between 1 and 2.");
            1
        })
    });

    let delivery_windows = if properties.has("deliveryWindows") {
        match properties.take("deliveryWindows") {
            None => {
                problems.add("DeliveryWindows", "Can not explicitly be set to null");
                Vec::new()
            }
            Some(value) => parse_windows(value, &mut problems),
        }
    } else {
        Vec::new()
    };

    let delivery_report_url = match properties.take("deliveryReportUrl") {
        None => None,
        Some(Value::String(url)) => {
            if utf16_length(&url) > MAX_URL_LENGTH {
                problems.add(
                    "DeliveryReportUrl",
                    format!("The field DeliveryReportUrl must be a string with a maximum length of {MAX_URL_LENGTH}."),
                );
            } else if !crate::http::is_absolute_http_url(&url) {
                problems.add(
                    "DeliveryReportUrl",
                    "The DeliveryReportUrl field is not a valid fully-qualified http, https, or ftp URL.",
                );
            }
            Some(url)
        }
        Some(_) => {
            problems.add("DeliveryReportUrl", type_mismatch("System.String"));
            None
        }
    };

    let reference = match properties.take("reference") {
        None => None,
        Some(Value::String(text)) => {
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
        Some(_) => {
            problems.add("Reference", type_mismatch("System.String"));
            None
        }
    };

    let tags = match properties.take("tags") {
        None => Vec::new(),
        Some(Value::Array(items)) => items
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
        Some(_) => {
            problems.add("Tags", type_mismatch("System.Collections.Generic.List`1[System.String]"));
            Vec::new()
        }
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

/// Checks one recipient: digits only, at most 15 (§3.5).
fn check_msisdn(msisdn: &str, field: &str, problems: &mut Problems) -> Option<Msisdn> {
    let checked = Msisdn::exact(msisdn).ok();
    if checked.is_none() {
        problems.add(
            field,
            format!("Invalid recipient {msisdn:?}: a recipient is 1 to {MAX_DIGITS} digits, country code first, without +"),
        );
    }
    checked
}

/// Recipients as an array of MSISDNs, or as the templating object keyed by
/// MSISDN with an optional `default` entry (§3.5, §3.6).
fn parse_recipients(value: Value, problems: &mut Problems) -> (Vec<Recipient>, Option<Values>) {
    let (recipients, defaults) = match value {
        Value::Array(items) => {
            let recipients = items
                .into_iter()
                .enumerate()
                .filter_map(|(index, item)| {
                    let field = format!("Recipients[{index}]");
                    let msisdn = match item {
                        Value::String(text) => text,
                        Value::Number(number) if number.is_u64() => number.to_string(),
                        _ => {
                            problems.add(field, type_mismatch("System.String"));
                            return None;
                        }
                    };
                    check_msisdn(&msisdn, &field, problems).map(Recipient::new)
                })
                .collect();
            (recipients, None)
        }
        Value::Object(map) => {
            let mut defaults = Values::new();
            let mut recipients = Vec::with_capacity(map.len());
            for (key, entry) in map {
                let field = format!("Recipients.{key}");
                let values = match entry {
                    Value::Object(values) => values,
                    Value::Null => Values::new(),
                    _ => {
                        problems.add(field, "Placeholder values must be an object of strings");
                        continue;
                    }
                };
                if values.values().any(|v| v.is_object() || v.is_array()) {
                    problems.add(field.clone(), "Placeholder values must be strings");
                }
                if key == "default" {
                    defaults = values;
                } else {
                    if let Some(msisdn) = check_msisdn(&key, &field, problems) {
                        recipients
                            .push(Recipient { values: Some(values), ..Recipient::new(msisdn) });
                    }
                }
            }
            (recipients, Some(defaults))
        }
        _ => {
            problems.add(
                "Recipients",
                type_mismatch("Recipients (an array of MSISDNs or an object keyed by MSISDN)"),
            );
            return (Vec::new(), None);
        }
    };
    if recipients.is_empty() {
        problems.add("Recipients", "At least one recipient is required.");
    }
    (recipients, defaults)
}

/// Delivery windows: `{opens, closes}` ISO-8601 pairs, closing after opening.
fn parse_windows(value: Value, problems: &mut Problems) -> Vec<DeliveryWindow> {
    let Value::Array(items) = value else {
        problems.add("DeliveryWindows", type_mismatch("a list of delivery windows"));
        return Vec::new();
    };
    let mut windows = Vec::with_capacity(items.len());
    for (index, item) in items.into_iter().enumerate() {
        let field = format!("DeliveryWindows[{index}]");
        let Some(mut window) = Properties::of(item) else {
            problems.add(field, type_mismatch("DeliveryWindow"));
            continue;
        };
        let mut time = |name: &str, problems: &mut Problems| {
            let parsed = window.take(name).and_then(|v| v.as_str().and_then(parse_iso));
            if parsed.is_none() {
                problems.add(
                    format!("{field}.{name}"),
                    format!("The {name} field must be an ISO-8601 date and time."),
                );
            }
            parsed
        };
        let opens = time("Opens", problems);
        let closes = time("Closes", problems);
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
