//! Landing pages: a named page of ordered elements, with view counts
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

/// A six-letter slug for the short link.
pub fn short_slug() -> String {
    use rand::Rng;
    let mut rng = rand::rng();
    (0..6).map(|_| char::from(rng.random_range(b'a'..=b'z'))).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_links_have_six_letters() {
        let slug = short_slug();
        assert_eq!(slug.len(), 6);
        assert!(slug.bytes().all(|b| b.is_ascii_lowercase()));
    }
}
