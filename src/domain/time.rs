//! Times on the wire: ISO-8601 in UTC with a `Z`.

use chrono::{DateTime, NaiveDate, NaiveDateTime, SecondsFormat, TimeDelta, Utc};
use chrono_tz::Europe::Bratislava;
use serde::Serializer;

/// The last moment any clock may show, and the latest time a request may
/// name: the end of year 9999, as .NET's `DateTime` ends.
pub fn latest() -> DateTime<Utc> {
    LATEST
}

/// Worked out once, not on every reading of a clock.
const LATEST: DateTime<Utc> = match NaiveDate::from_ymd_opt(9999, 12, 31) {
    Some(day) => match day.and_hms_micro_opt(23, 59, 59, 999_999) {
        Some(at) => at.and_utc(),
        None => DateTime::<Utc>::MAX_UTC,
    },
    None => DateTime::<Utc>::MAX_UTC,
};

/// The first moment a request may name: the start of year 1, as .NET's
/// `DateTime` starts.
pub fn earliest() -> DateTime<Utc> {
    EARLIEST
}

const EARLIEST: DateTime<Utc> = match NaiveDate::from_ymd_opt(1, 1, 1) {
    Some(day) => match day.and_hms_opt(0, 0, 0) {
        Some(at) => at.and_utc(),
        None => DateTime::<Utc>::MIN_UTC,
    },
    None => DateTime::<Utc>::MIN_UTC,
};

/// True for a time between [`earliest`] and [`latest`].
pub fn in_range(at: DateTime<Utc>) -> bool {
    (earliest()..=latest()).contains(&at)
}

/// `at` moved on by `by`, saturating at the end of chrono's range instead
/// of overflowing (times in range plus the emulator's delays stay far
/// from it).
pub fn later(at: DateTime<Utc>, by: TimeDelta) -> DateTime<Utc> {
    at.checked_add_signed(by).unwrap_or(if by < TimeDelta::zero() {
        DateTime::<Utc>::MIN_UTC
    } else {
        DateTime::<Utc>::MAX_UTC
    })
}

/// The Viamobile day of a moment: Viamobile's days, and so its daily
/// limits, run from Europe/Bratislava midnight.
pub fn viamobile_day(moment: DateTime<Utc>) -> NaiveDate {
    moment.with_timezone(&Bratislava).date_naive()
}

/// Formats a time as iP.1 does, in UTC with milliseconds and `Z`.
pub fn iso(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// `serialize_with` helper for [`iso`].
pub fn serialize_iso<S: Serializer>(at: &DateTime<Utc>, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.collect_str(&iso(*at))
}

/// Parses any ISO-8601 date-time, with or without an offset; a time
/// without one is taken as UTC. A time outside years 1 to 9999 is `None`.
pub fn parse_iso(text: &str) -> Option<DateTime<Utc>> {
    let text = text.trim();
    let parsed =
        DateTime::parse_from_rfc3339(text).map(|at| at.with_timezone(&Utc)).ok().or_else(|| {
            ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M:%S%.f"]
                .iter()
                .find_map(|format| NaiveDateTime::parse_from_str(text, format).ok())
                .map(|naive| naive.and_utc())
        });
    parsed.filter(|at| in_range(*at))
}

/// Parses an ISO-8601 duration of weeks, days, hours, minutes and
/// (fractional) seconds, e.g. `PT10M`, `P1DT2H`, `PT0.5S`. Years and
/// months have no fixed length and are refused.
pub fn parse_iso_duration(text: &str) -> Option<TimeDelta> {
    let rest = text.trim().strip_prefix(['P', 'p'])?;
    let (date, time) = match rest.split_once(['T', 't']) {
        Some((date, time)) if !time.is_empty() => (date, Some(time)),
        Some(_) => return None,
        None => (rest, None),
    };
    if date.is_empty() && time.is_none() {
        return None;
    }
    let mut total = 0.0_f64;
    for (part, units) in [
        (date, &[('W', 604_800.0), ('D', 86_400.0)][..]),
        (time.unwrap_or(""), &[('H', 3600.0), ('M', 60.0), ('S', 1.0)][..]),
    ] {
        let mut rest = part;
        let mut allowed = units;
        while !rest.is_empty() {
            let end = rest.find(|c: char| c.is_ascii_alphabetic())?;
            let number: f64 = rest[..end].parse().ok()?;
            let unit = rest[end..].chars().next()?.to_ascii_uppercase();
            let position = allowed.iter().position(|(u, _)| *u == unit)?;
            total += number * allowed[position].1;
            allowed = &allowed[position + 1..];
            rest = &rest[end + 1..];
        }
    }
    (0.0..1e12).contains(&total).then(|| TimeDelta::microseconds((total * 1e6) as i64))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_outside_years_1_to_9999_are_refused_and_arithmetic_saturates() {
        assert!(parse_iso("9999-12-31T23:59:59Z").is_some());
        assert_eq!(parse_iso("+262142-12-31T23:59:59"), None);
        assert_eq!(parse_iso("10000-01-01T00:00:00Z"), None);
        let end = latest();
        assert_eq!(later(DateTime::<Utc>::MAX_UTC, TimeDelta::days(1)), DateTime::<Utc>::MAX_UTC);
        assert!(later(end, TimeDelta::days(365 * 200)) > end);
    }

    #[test]
    fn iso_durations_parse() {
        assert_eq!(parse_iso_duration("PT10M"), Some(TimeDelta::minutes(10)));
        assert_eq!(parse_iso_duration("P1DT2H"), Some(TimeDelta::hours(26)));
        assert_eq!(parse_iso_duration("P1W"), Some(TimeDelta::days(7)));
        assert_eq!(parse_iso_duration("PT0.5S"), Some(TimeDelta::milliseconds(500)));
        assert_eq!(parse_iso_duration("PT1H30M15S"), Some(TimeDelta::seconds(5415)));
        for bad in ["", "P", "PT", "10M", "P1M", "PT1X", "PT5M1H", "P-1D", "PTM"] {
            assert_eq!(parse_iso_duration(bad), None, "{bad}");
        }
    }

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
