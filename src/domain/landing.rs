//! Landing pages (§16): a named page of ordered elements, with view counts
//! by time bucket and public links.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde_json::{Map, Value};

use super::id::ObjectId;

pub const MAX_NAME: usize = 200;

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Landing {
    pub id: ObjectId,
    pub name: String,
    /// Views by `YYYY`, `YYYY-MM`, `YYYY-MM-DD` and `YYYY-MM-DD HH:00:00`.
    pub views: BTreeMap<String, u64>,
    pub link: String,
    pub short_link: String,
    pub last_modified: DateTime<Utc>,
    /// Each with an `id` and a `type`; other fields as given.
    pub elements: Vec<Map<String, Value>>,
}

/// Element fields with a known type; any other field is kept as given.
const STRING_FIELDS: [&str; 7] =
    ["backgroundColor", "foregroundColor", "padding", "margin", "textAlignment", "font", "content"];
const BOOL_FIELDS: [&str; 3] = ["bold", "italic", "underline"];
const INTEGER_FIELDS: [&str; 2] = ["order", "level"];

/// Checks an element; returns it with an `id` (the given one when it is an
/// ObjectId, else `id`) and an `order` (default `position`). Problems come
/// back as (field, message).
pub fn check_element(
    value: Value,
    id: ObjectId,
    position: usize,
) -> Result<Map<String, Value>, Vec<(String, String)>> {
    let Value::Object(mut element) = value else {
        return Err(vec![(String::new(), "An element must be a JSON object.".to_owned())]);
    };
    let mut problems = Vec::new();
    match element.get("type") {
        Some(Value::String(kind)) if !kind.trim().is_empty() => {}
        _ => problems
            .push(("type".to_owned(), "The type field is required (e.g. \"Title\").".to_owned())),
    }
    for (name, value) in &element {
        let ok = if STRING_FIELDS.contains(&name.as_str()) {
            value.is_string() || value.is_null()
        } else if BOOL_FIELDS.contains(&name.as_str()) {
            value.is_boolean() || value.is_null()
        } else if INTEGER_FIELDS.contains(&name.as_str()) {
            value.as_u64().is_some() || value.is_null()
        } else {
            true
        };
        if !ok {
            problems.push((name.clone(), format!("The field {name} has the wrong type.")));
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    let id = element.get("id").and_then(Value::as_str).and_then(ObjectId::parse).unwrap_or(id);
    element.insert("id".to_owned(), Value::String(id.to_string()));
    if element.get("order").is_none_or(Value::is_null) {
        element.insert("order".to_owned(), Value::from(position));
    }
    Ok(element)
}

/// A six-letter slug for the short link.
pub fn short_slug() -> String {
    use rand::Rng;
    let mut rng = rand::rng();
    (0..6).map(|_| char::from(rng.random_range(b'a'..=b'z'))).collect()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn elements_get_an_id_and_an_order_and_typed_fields_are_checked() {
        let id = crate::domain::id::ObjectIds::default().next(Utc::now());
        let element =
            check_element(json!({"type": "Title", "content": "Hi", "bold": true}), id, 3).unwrap();
        assert_eq!(element["id"], id.to_string());
        assert_eq!(element["order"], 3);
        assert!(check_element(json!({"content": "Hi"}), id, 0).is_err());
        assert!(check_element(json!({"type": "Title", "bold": "yes"}), id, 0).is_err());
        assert!(check_element(json!("Title"), id, 0).is_err());
        assert_eq!(short_slug().len(), 6);
    }
}
