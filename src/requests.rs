//! The request journal: every call to an emulated gateway, with its
//! answer, credentials masked. Capped: the oldest entries go first.

use std::collections::{BTreeMap, VecDeque};
use std::sync::Mutex;

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::domain::time::serialize_iso;
use crate::faults::FaultAction;

/// Longest body kept in the journal, in bytes.
pub const MAX_JOURNALED_BODY: usize = 16 * 1024;

#[derive(Debug, Clone, Serialize, serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RequestRecord {
    pub id: u64,
    #[serde(serialize_with = "serialize_iso")]
    pub time: DateTime<Utc>,
    pub account: Option<String>,
    /// `ip1` or `viamobile`.
    pub gateway: String,
    pub method: String,
    pub path: String,
    pub query: Option<String>,
    pub headers: BTreeMap<String, String>,
    pub body: String,
    /// The answer's status; 0 when the connection was dropped unanswered.
    pub status: u16,
    pub latency_ms: f64,
    /// The fault that hit the call, if any.
    pub fault: Option<FaultAction>,
}

/// Which requests to list; all given filters must match.
#[derive(Debug, Default, serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RequestFilter {
    pub account: Option<String>,
    pub gateway: Option<String>,
    pub method: Option<String>,
    /// Exact path, or a prefix ending in `*`.
    pub path: Option<String>,
    pub status: Option<u16>,
    /// Matches when the body contains this.
    pub body_contains: Option<String>,
}

impl RequestFilter {
    /// How many of the given filters a record meets, and how many were given.
    pub fn score(&self, record: &RequestRecord) -> (usize, usize) {
        let checks = [
            self.account.as_ref().map(|a| record.account.as_ref() == Some(a)),
            self.gateway.as_ref().map(|g| *g == record.gateway),
            self.method.as_ref().map(|m| m.eq_ignore_ascii_case(&record.method)),
            self.path.as_ref().map(|p| crate::domain::lifecycle::pattern_matches(p, &record.path)),
            self.status.map(|s| s == record.status),
            self.body_contains.as_ref().map(|t| record.body.contains(t.as_str())),
        ];
        let given = checks.iter().flatten().count();
        let met = checks.iter().flatten().filter(|ok| **ok).count();
        (met, given)
    }

    pub fn matches(&self, record: &RequestRecord) -> bool {
        let (met, given) = self.score(record);
        met == given
    }
}

pub struct RequestJournal {
    records: Mutex<(u64, VecDeque<RequestRecord>)>,
    capacity: usize,
}

impl RequestJournal {
    pub fn new(capacity: usize) -> RequestJournal {
        RequestJournal { records: Mutex::new((0, VecDeque::new())), capacity: capacity.max(1) }
    }

    pub fn record(&self, mut record: RequestRecord) {
        let mut guard = self.records.lock().unwrap_or_else(|e| e.into_inner());
        let (next_id, records) = &mut *guard;
        *next_id += 1;
        record.id = *next_id;
        if records.len() == self.capacity {
            records.pop_front();
        }
        records.push_back(record);
    }

    /// Every record, newest first.
    pub fn all(&self) -> Vec<RequestRecord> {
        let guard = self.records.lock().unwrap_or_else(|e| e.into_inner());
        guard.1.iter().rev().cloned().collect()
    }

    /// Replaces every record (from a snapshot), oldest first.
    pub fn replace(&self, records: Vec<RequestRecord>) {
        let mut guard = self.records.lock().unwrap_or_else(|e| e.into_inner());
        let highest = records.iter().map(|r| r.id).max().unwrap_or(0);
        let skip = records.len().saturating_sub(self.capacity);
        *guard = (guard.0.max(highest), records.into_iter().skip(skip).collect());
    }

    /// Forgets one account's records, or all.
    pub fn clear(&self, account: Option<&str>) {
        let mut guard = self.records.lock().unwrap_or_else(|e| e.into_inner());
        guard.1.retain(|r| account.is_some_and(|a| r.account.as_deref() != Some(a)));
    }
}

/// Hides credentials: the `Authorization` value after its scheme, and
/// `password` / `jwt` in query strings and JSON bodies.
pub fn mask_header(name: &str, value: &str) -> String {
    match name {
        "authorization" => match value.split_once(' ') {
            Some((scheme, _)) => format!("{scheme} ***"),
            None => "***".to_owned(),
        },
        "cookie" | "x-api-key" => "***".to_owned(),
        _ => value.to_owned(),
    }
}

pub fn mask_query(query: &str) -> String {
    url::form_urlencoded::parse(query.as_bytes())
        .map(|(name, value)| {
            let value =
                if matches!(name.as_ref(), "password" | "jwt") { "***".into() } else { value };
            format!("{}={}", urlencode(&name), urlencode(&value))
        })
        .collect::<Vec<_>>()
        .join("&")
}

fn urlencode(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

/// True when a body may hold a `password` to mask.
pub fn mentions_password(body: &[u8]) -> bool {
    body.windows(10).any(|w| w == b"\"password\"")
}

/// The journaled body: its first bytes, with a top-level `password` of
/// the body parsed as `json` masked.
pub fn mask_body(body: &[u8], json: Option<&serde_json::Value>) -> String {
    if let Some(object) = json.and_then(|v| v.as_object()).filter(|o| o.contains_key("password")) {
        let mut object = object.clone();
        object.insert("password".into(), "***".into());
        let text = serde_json::Value::Object(object).to_string();
        return text.chars().take(MAX_JOURNALED_BODY).collect();
    }
    String::from_utf8_lossy(&body[..body.len().min(MAX_JOURNALED_BODY)]).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_are_masked() {
        assert_eq!(mask_header("authorization", "Bearer abc"), "Bearer ***");
        assert_eq!(mask_header("content-type", "application/json"), "application/json");
        assert_eq!(
            mask_query("username=test&password=s3cret&jwt=x.y.z&id=1"),
            "username=test&password=***&jwt=***&id=1"
        );
        let body = br#"{"username":"test","password":"test"}"#;
        assert!(mentions_password(body));
        assert_eq!(
            mask_body(body, serde_json::from_slice(body).ok().as_ref()),
            r#"{"username":"test","password":"***"}"#
        );
        assert!(!mentions_password(b"plain"));
        assert_eq!(mask_body(b"plain", None), "plain");
    }
}
