//! Contacts: free string properties plus labels, with metadata the
//! system derives from the properties (for `phoneNumber`: whether it is a
//! possible and valid number, its MSISDN, and whether it is blacklisted).
//!
//! Every contact carries the implicit label `all`.

use std::collections::{BTreeMap, HashMap};

use serde_json::{Map, Value};

use super::id::ObjectId;
use super::msisdn::Msisdn;

/// The label every contact has without it being stored.
pub const IMPLICIT_LABEL: &str = "all";

/// Most contacts one `POST /v2/contacts` may import.
pub const MAX_IMPORT: usize = 1000;
pub const MAX_PROPERTY_NAME: usize = 64;
pub const MAX_PROPERTY_VALUE: usize = 1000;
pub const MAX_NAME: usize = 100;
pub const MAX_EMAIL: usize = 50;
pub const MAX_LABEL: usize = 100;

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Contact {
    pub id: ObjectId,
    /// Property name → value, in the order first given.
    pub properties: Map<String, Value>,
    /// Explicit labels, without `all`, in the order given.
    pub labels: Vec<String>,
}

impl Contact {
    pub fn property(&self, name: &str) -> Option<&str> {
        self.properties.get(name).and_then(Value::as_str)
    }

    pub fn has_label(&self, label: &str) -> bool {
        label == IMPLICIT_LABEL || self.labels.iter().any(|l| l == label)
    }

    /// Every label, `all` last, as iP.1 shows them.
    pub fn all_labels(&self) -> Vec<&str> {
        self.labels.iter().map(String::as_str).chain(std::iter::once(IMPLICIT_LABEL)).collect()
    }

    /// Derived metadata, by property name; `blocked` tells whether an
    /// MSISDN is on the account's blacklist. A `phoneNumber` that is not a
    /// number is flagged here (`isValidPhoneNumber: "false"`), not refused.
    pub fn metadata(
        &self,
        blocked: impl Fn(&str) -> bool,
    ) -> BTreeMap<String, BTreeMap<String, String>> {
        let mut metadata = BTreeMap::new();
        if let Some(phone) = self.property("phoneNumber") {
            let msisdn = Msisdn::exact(phone.trim_start_matches('+')).ok();
            let possible = msisdn.as_ref().is_some_and(Msisdn::is_possible);
            let valid = msisdn.as_ref().is_some_and(Msisdn::is_plausible);
            let digits = msisdn.as_ref().map_or("", |m| m.as_str());
            let entries = [
                ("isPossiblePhoneNumber", possible.to_string()),
                ("isValidPhoneNumber", valid.to_string()),
                ("phoneNumberType", if valid { "MOBILE" } else { "UNKNOWN" }.to_owned()),
                ("parsedMSISDN", digits.to_owned()),
                ("isBlocked", (valid && blocked(digits)).to_string()),
            ];
            metadata.insert(
                "phoneNumber".to_owned(),
                entries.into_iter().map(|(k, v)| (k.to_owned(), v)).collect(),
            );
        }
        metadata
    }
}

/// Checks one property and returns the value as stored. A phone number in
/// E.164 becomes `+` and digits; one that is not is kept as given (iP.1
/// imports it and flags it in the metadata).
pub fn check_property(name: &str, value: &str) -> Result<String, String> {
    if name.is_empty() || name.chars().count() > MAX_PROPERTY_NAME {
        return Err(format!("A property name must be 1 to {MAX_PROPERTY_NAME} characters."));
    }
    let length = value.chars().count();
    match name {
        _ if length > MAX_PROPERTY_VALUE => {
            Err(format!("A property value must be at most {MAX_PROPERTY_VALUE} characters."))
        }
        "phoneNumber" => {
            Ok(Msisdn::e164(value).map_or_else(|_| value.to_owned(), |m| format!("+{m}")))
        }
        "email" if length > MAX_EMAIL || !is_email(value) => {
            Err(format!("email must be an e-mail address of at most {MAX_EMAIL} characters."))
        }
        "firstName" | "lastName" if length > MAX_NAME => {
            Err(format!("{name} must be at most {MAX_NAME} characters."))
        }
        _ if length > MAX_PROPERTY_VALUE => {
            Err(format!("A property value must be at most {MAX_PROPERTY_VALUE} characters."))
        }
        _ => Ok(value.to_owned()),
    }
}

/// What an e-mail address looks like here: no blank (the ASCII ones),
/// one `@` with something before it, a domain with a dot inside. The
/// OpenAPI document says the same: [`EMAIL_PATTERN`].
fn is_email(text: &str) -> bool {
    let Some((local, domain)) = text.split_once('@') else { return false };
    !local.is_empty()
        && !domain.contains('@')
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !text.chars().any(|c| matches!(c, ' ' | '\t' | '\n' | '\r' | '\x0b' | '\x0c'))
}

/// What an e-mail property must look like, as a regular expression (the
/// OpenAPI document shows it).
pub const EMAIL_PATTERN: &str =
    r"^[^@ \t\n\r\v\f]+@[^@ \t\n\r\v\f.][^@ \t\n\r\v\f]*\.[^@ \t\n\r\v\f]*[^@ \t\n\r\v\f.]$";

/// Checks a label name.
pub fn check_label(label: &str) -> Result<(), String> {
    if label.trim().is_empty() || label.chars().count() > MAX_LABEL {
        Err(format!("A label must be 1 to {MAX_LABEL} characters and not blank."))
    } else {
        Ok(())
    }
}

/// What `GET /v2/contacts` and the mass delete filter on; every filter
/// must match (AND).
#[derive(Debug, Default)]
pub struct ContactFilter {
    pub labels: Vec<String>,
    pub properties: Vec<(String, String)>,
    /// (property, metadata key, value)
    pub metadata: Vec<(String, String, String)>,
}

impl ContactFilter {
    pub fn is_empty(&self) -> bool {
        self.labels.is_empty() && self.properties.is_empty() && self.metadata.is_empty()
    }

    pub fn matches(&self, contact: &Contact, blocked: impl Fn(&str) -> bool) -> bool {
        self.labels.iter().all(|label| contact.has_label(label))
            && self
                .properties
                .iter()
                .all(|(name, value)| contact.property(name) == Some(value.as_str()))
            && (self.metadata.is_empty() || {
                let metadata = contact.metadata(blocked);
                self.metadata.iter().all(|(property, key, value)| {
                    metadata.get(property).and_then(|m| m.get(key)) == Some(value)
                })
            })
    }
}

/// `labelName` and `usageCount`, as the label endpoints answer.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct LabelUsage {
    pub label_name: String,
    pub usage_count: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PropertyUsage {
    pub property_name: String,
    pub usage_count: u64,
    pub average_length: u64,
    pub max_length: u64,
    pub min_length: u64,
}

/// `GET /v2/contacts/meta`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ContactsSummary {
    pub total_count: u64,
    pub labels: Vec<LabelUsage>,
    pub properties: Vec<PropertyUsage>,
}

/// Counts labels (`all` first, then by usage, then name) and properties
/// (by name, with string lengths in characters) over some contacts.
pub fn summarize<'a>(contacts: impl Iterator<Item = &'a Contact>) -> ContactsSummary {
    let mut total = 0;
    let mut labels: HashMap<&str, u64> = HashMap::new();
    let mut properties: BTreeMap<&str, (u64, u64, u64, u64)> = BTreeMap::new();
    for contact in contacts {
        total += 1;
        for label in &contact.labels {
            *labels.entry(label).or_default() += 1;
        }
        for (name, value) in &contact.properties {
            let length = value.as_str().map_or(0, |v| v.chars().count() as u64);
            let entry = properties.entry(name).or_insert((0, 0, 0, u64::MAX));
            entry.0 += 1;
            entry.1 += length;
            entry.2 = entry.2.max(length);
            entry.3 = entry.3.min(length);
        }
    }
    let mut label_list: Vec<LabelUsage> = labels
        .into_iter()
        .map(|(name, count)| LabelUsage { label_name: name.to_owned(), usage_count: count })
        .collect();
    label_list.sort_by(|a, b| {
        b.usage_count.cmp(&a.usage_count).then_with(|| a.label_name.cmp(&b.label_name))
    });
    if total > 0 {
        label_list
            .insert(0, LabelUsage { label_name: IMPLICIT_LABEL.to_owned(), usage_count: total });
    }
    ContactsSummary {
        total_count: total,
        labels: label_list,
        properties: properties
            .into_iter()
            .map(|(name, (count, sum, max, min))| PropertyUsage {
                property_name: name.to_owned(),
                usage_count: count,
                average_length: (sum as f64 / count as f64).round() as u64,
                max_length: max,
                min_length: min,
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn contact(properties: Value, labels: &[&str]) -> Contact {
        Contact {
            id: crate::domain::id::ObjectIds::default().next(chrono::Utc::now()),
            properties: properties.as_object().unwrap().clone(),
            labels: labels.iter().map(|l| l.to_string()).collect(),
        }
    }

    #[test]
    fn properties_are_checked_and_phone_numbers_normalised() {
        assert_eq!(check_property("phoneNumber", "+46 70-123 45 67"), Ok("+46701234567".into()));
        assert_eq!(check_property("phoneNumber", "46701234567"), Ok("+46701234567".into()));
        assert_eq!(check_property("phoneNumber", "0701234567"), Ok("0701234567".into()));
        assert_eq!(check_property("phoneNumber", "n/a"), Ok("n/a".into()));
        assert!(check_property("phoneNumber", &"1".repeat(1001)).is_err());
        assert!(check_property("email", "icarus@example.com").is_ok());
        assert!(check_property("email", "not-an-email").is_err());
        assert!(check_property("email", &format!("{}@example.com", "a".repeat(39))).is_err());
        assert!(check_property("firstName", &"a".repeat(100)).is_ok());
        assert!(check_property("firstName", &"a".repeat(101)).is_err());
        assert!(check_property("", "x").is_err());
    }

    #[test]
    fn metadata_describes_the_phone_number_and_its_blacklisting() {
        let anna = contact(json!({"phoneNumber": "+46701234567"}), &[]);
        let metadata = anna.metadata(|msisdn| msisdn == "46701234567");
        assert_eq!(metadata["phoneNumber"]["isBlocked"], "true");
        assert_eq!(metadata["phoneNumber"]["parsedMSISDN"], "46701234567");
        assert_eq!(metadata["phoneNumber"]["phoneNumberType"], "MOBILE");
        assert!(contact(json!({"email": "a@b.c"}), &[]).metadata(|_| false).is_empty());
    }

    #[test]
    fn filters_combine_with_and() {
        let anna = contact(
            json!({"phoneNumber": "+46701234567", "department": "Sales"}),
            &["Customer", "VIP"],
        );
        let filter = |labels: &[&str],
                      properties: &[(&str, &str)],
                      metadata: &[(&str, &str, &str)]| ContactFilter {
            labels: labels.iter().map(|l| l.to_string()).collect(),
            properties: properties.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
            metadata: metadata
                .iter()
                .map(|(p, k, v)| (p.to_string(), k.to_string(), v.to_string()))
                .collect(),
        };
        let blocked = |_: &str| false;
        assert!(filter(&["Customer", "VIP", "all"], &[], &[]).matches(&anna, blocked));
        assert!(!filter(&["Customer", "Coworker"], &[], &[]).matches(&anna, blocked));
        assert!(
            filter(&[], &[("department", "Sales")], &[("phoneNumber", "isBlocked", "false")])
                .matches(&anna, blocked)
        );
        assert!(!filter(&["VIP"], &[("department", "sales")], &[]).matches(&anna, blocked));
    }

    #[test]
    fn the_summary_counts_labels_and_property_lengths() {
        let contacts = [
            contact(json!({"email": "ab@c.se", "phoneNumber": "+46701234567"}), &["Customer"]),
            contact(json!({"email": "abcd@c.se"}), &["Customer", "Coworker"]),
        ];
        let summary = summarize(contacts.iter());
        assert_eq!(summary.total_count, 2);
        let labels: Vec<_> =
            summary.labels.iter().map(|l| (l.label_name.as_str(), l.usage_count)).collect();
        assert_eq!(labels, [("all", 2), ("Customer", 2), ("Coworker", 1)]);
        assert_eq!(
            summary.properties[0],
            PropertyUsage {
                property_name: "email".into(),
                usage_count: 2,
                average_length: 8,
                max_length: 9,
                min_length: 7
            }
        );
    }
}
