//! Times on the wire: ISO-8601 in UTC with a `Z` (§2.2).

use chrono::{DateTime, NaiveDateTime, SecondsFormat, Utc};
use serde::Serializer;

/// Formats a time as iP.1 does, in UTC with milliseconds and `Z`.
pub fn iso(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// `serialize_with` helper for [`iso`].
pub fn serialize_iso<S: Serializer>(at: &DateTime<Utc>, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.collect_str(&iso(*at))
}

/// Parses any ISO-8601 date-time, with or without an offset; a time
/// without one is taken as UTC.
pub fn parse_iso(text: &str) -> Option<DateTime<Utc>> {
    let text = text.trim();
    if let Ok(at) = DateTime::parse_from_rfc3339(text) {
        return Some(at.with_timezone(&Utc));
    }
    for format in ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M:%S%.f"] {
        if let Ok(naive) = NaiveDateTime::parse_from_str(text, format) {
            return Some(naive.and_utc());
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_parse_with_or_without_zone_and_print_in_utc() {
        let zulu = parse_iso("2025-06-02T07:00:00Z").unwrap();
        assert_eq!(parse_iso("2025-06-02T09:00:00+02:00"), Some(zulu));
        assert_eq!(parse_iso("2025-06-02T07:00:00"), Some(zulu));
        assert_eq!(parse_iso("2025-06-02T07:00:00.000"), Some(zulu));
        assert_eq!(iso(zulu), "2025-06-02T07:00:00.000Z");
        assert_eq!(parse_iso("tomorrow"), None);
        assert_eq!(parse_iso("2025-13-02T07:00:00Z"), None);
    }
}
