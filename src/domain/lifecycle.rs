//! What happens to a message after it is accepted: its fate (delivered,
//! undeliverable, expired, rejected, stuck) and the timed steps of its
//! status path, measured on the account's virtual clock.
//!
//! Default path: 101 Accepted → 102 Queued → 201 DeliveredToHandset; the
//! detailed path goes 102 → 103 → 110 → 111 → 112 → 113 before the final
//! status. Delivery waits for the next open delivery window, and a message
//! whose last window closes first ends at 202 Expired.

use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

use super::message::{DeliveryWindow, StatusEvent};
use super::status;
use super::time::later;

/// How a message ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub enum Outcome {
    /// 201 DeliveredToHandset.
    Delivered,
    /// 500, our code for a generic delivery failure.
    Undeliverable,
    /// 202 Expired, after the validity period.
    Expired,
    /// 405 RecipientRejected, at once.
    RecipientRejected,
    /// 403 SenderRejected, at once.
    SenderRejected,
    /// Stays at 102 Queued for ever.
    Pending,
    /// 406 GenericRejected at once: the number is blacklisted.
    Blacklisted,
}

impl Outcome {
    /// The final status of this outcome (none for `Pending`).
    pub fn default_code(self) -> u16 {
        match self {
            Outcome::Delivered => status::DELIVERED_TO_HANDSET,
            Outcome::Undeliverable => status::UNDELIVERABLE,
            Outcome::Expired => status::EXPIRED,
            Outcome::RecipientRejected => status::RECIPIENT_REJECTED,
            Outcome::SenderRejected => status::SENDER_REJECTED,
            Outcome::Pending => status::QUEUED,
            Outcome::Blacklisted => status::GENERIC_REJECTED,
        }
    }

    /// Rejections end the message without it ever being queued or charged.
    pub fn is_rejection(self) -> bool {
        matches!(self, Outcome::RecipientRejected | Outcome::SenderRejected | Outcome::Blacklisted)
    }
}

/// A message's outcome with its final code and an optional delay before
/// it (replacing the configured one).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fate {
    pub outcome: Outcome,
    pub code: u16,
    pub delay_seconds: Option<u32>,
}

impl Fate {
    pub fn new(outcome: Outcome, code: Option<u16>, delay_seconds: Option<u32>) -> Fate {
        Fate { outcome, code: code.unwrap_or(outcome.default_code()), delay_seconds }
    }

    pub fn of(outcome: Outcome) -> Fate {
        Fate::new(outcome, None, None)
    }

    /// A rejection without a delay ends the message at send time.
    pub fn rejects_at_once(&self) -> bool {
        self.outcome.is_rejection() && self.delay_seconds.is_none()
    }

    /// Whether the message is charged.
    pub fn is_charged(&self) -> bool {
        !self.outcome.is_rejection()
    }
}

/// Delays of the status path, in virtual seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default, deny_unknown_fields)]
pub struct Timing {
    /// 101 Accepted → 102 Queued.
    pub queued_after_seconds: u32,
    /// Last step → the final status (201, or a failure).
    pub delivered_after_seconds: u32,
    /// 102 Queued → 202 Expired, for messages that expire.
    pub expires_after_seconds: u32,
    /// Between the steps of the detailed path.
    pub step_seconds: u32,
    /// Walk 103, 110, 111, 112, 113 before the final status.
    pub detailed_statuses: bool,
}

impl Default for Timing {
    fn default() -> Self {
        Timing {
            queued_after_seconds: 1,
            delivered_after_seconds: 5,
            expires_after_seconds: 48 * 3600,
            step_seconds: 1,
            detailed_statuses: false,
        }
    }
}

const DETAILED_PATH: [u16; 6] = [
    status::QUEUED,
    status::FUNDED,
    status::SENDING,
    status::DELIVERED_TO_GATEWAY,
    status::DELIVERED_TO_CARRIER,
    status::DELIVERED_TO_GSM,
];

fn seconds(value: u32) -> TimeDelta {
    TimeDelta::seconds(i64::from(value))
}

/// The next status of a message and when it happens, or `None` when the
/// message has nowhere further to go.
pub fn next_step(
    fate: &Fate,
    current: StatusEvent,
    windows: &[DeliveryWindow],
    timing: &Timing,
) -> Option<StatusEvent> {
    if status::is_final(current.code) {
        return None;
    }
    let after =
        |delay: TimeDelta, code: u16| Some(StatusEvent { code, at: later(current.at, delay) });
    match (current.code, fate.outcome) {
        (status::ACCEPTED, outcome) if outcome.is_rejection() => {
            after(seconds(fate.delay_seconds.unwrap_or(0)), fate.code)
        }
        (status::ACCEPTED, _) => after(seconds(timing.queued_after_seconds), status::QUEUED),
        (_, Outcome::Pending) => None,
        (status::QUEUED, Outcome::Expired) => {
            after(seconds(fate.delay_seconds.unwrap_or(timing.expires_after_seconds)), fate.code)
        }
        (code, Outcome::Delivered | Outcome::Undeliverable) => {
            let position = DETAILED_PATH.iter().position(|&c| c == code)?;
            let next = if timing.detailed_statuses {
                DETAILED_PATH.get(position + 1).copied()
            } else {
                None
            };
            let step = match next {
                Some(code) => {
                    StatusEvent { code, at: later(current.at, seconds(timing.step_seconds)) }
                }
                None => StatusEvent {
                    code: fate.code,
                    at: later(
                        current.at,
                        seconds(fate.delay_seconds.unwrap_or(timing.delivered_after_seconds)),
                    ),
                },
            };
            if code == status::QUEUED {
                Some(within_windows(step, current.at, windows))
            } else {
                Some(step)
            }
        }
        _ => None,
    }
}

/// Moves a step that leaves the queue into the next delivery window; when
/// the last window closes before it, the message expires then instead.
fn within_windows(
    step: StatusEvent,
    since: DateTime<Utc>,
    windows: &[DeliveryWindow],
) -> StatusEvent {
    if windows.is_empty() {
        return step;
    }
    let mut sorted = windows.to_vec();
    sorted.sort_by_key(|w| w.opens);
    match sorted.iter().find(|w| w.closes > step.at) {
        Some(window) => StatusEvent { code: step.code, at: step.at.max(window.opens) },
        None => {
            let last_close = sorted.iter().map(|w| w.closes).max().unwrap_or(step.at);
            StatusEvent { code: status::EXPIRED, at: last_close.max(since) }
        }
    }
}

/// A number whose messages always end one way (the fixtures'
/// `magicNumbers`): an exact MSISDN, or a prefix followed by `*`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct MagicNumber {
    pub number: String,
    pub outcome: Outcome,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<u16>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delay_seconds: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// True when `pattern` (exact, or a prefix ending in `*`) matches.
pub fn pattern_matches(pattern: &str, value: &str) -> bool {
    match pattern.strip_suffix('*') {
        Some(prefix) => value.starts_with(prefix),
        None => pattern == value,
    }
}

/// The magic numbers, looked up as listed (the first that matches wins),
/// with an exact number found in one hash lookup: every send looks up each
/// of its recipients, and a pass over the default table compared the
/// recipient with a dozen numbers of its length.
#[derive(Debug, Clone, Default)]
pub struct MagicNumbers {
    table: Vec<MagicNumber>,
    /// Each exact number's first place in the table.
    exact: foldhash::HashMap<String, usize>,
    /// The places of the prefixes (`4670*`), in order.
    prefixes: Vec<usize>,
}

impl MagicNumbers {
    pub fn new(table: Vec<MagicNumber>) -> MagicNumbers {
        let mut exact = foldhash::HashMap::default();
        let mut prefixes = Vec::new();
        for (place, magic) in table.iter().enumerate() {
            if magic.number.ends_with('*') {
                prefixes.push(place);
            } else {
                exact.entry(magic.number.clone()).or_insert(place);
            }
        }
        MagicNumbers { table, exact, prefixes }
    }

    /// The fate of the first number that matches `recipient`.
    pub fn fate_for(&self, recipient: &str) -> Option<Fate> {
        let exact = self.exact.get(recipient).copied();
        let prefixed = self
            .prefixes
            .iter()
            .copied()
            .take_while(|&place| exact.is_none_or(|exact| place < exact))
            .find(|&place| pattern_matches(&self.table[place].number, recipient));
        let magic = &self.table[prefixed.or(exact)?];
        Some(Fate::new(magic.outcome, magic.code, magic.delay_seconds))
    }
}

impl MagicNumber {
    /// The default table: Swedish test numbers for iP.1, Slovak ones for
    /// Viamobile.
    pub fn defaults() -> Vec<MagicNumber> {
        let rows = [
            ("0", Outcome::Delivered, "delivered (the default path)"),
            ("1", Outcome::Undeliverable, "undeliverable: 500"),
            ("2", Outcome::Expired, "expires: 202 after the validity period"),
            ("3", Outcome::RecipientRejected, "recipient rejected: 405 at once"),
            ("4", Outcome::SenderRejected, "sender rejected: 403 at once"),
            ("5", Outcome::Pending, "stays pending at 102 for ever"),
            ("6", Outcome::Blacklisted, "blacklisted: 406 at once"),
        ];
        ["4670000000", "42190000000"]
            .iter()
            .flat_map(|prefix| {
                rows.iter().map(move |(digit, outcome, description)| MagicNumber {
                    number: format!("{prefix}{digit}"),
                    outcome: *outcome,
                    code: None,
                    delay_seconds: None,
                    description: Some(description.to_string()),
                })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(seconds: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_700_000_000 + seconds, 0).unwrap()
    }

    fn walk(fate: Fate, windows: &[DeliveryWindow], timing: &Timing) -> Vec<(u16, i64)> {
        let mut current = StatusEvent { code: status::ACCEPTED, at: at(0) };
        let mut path = vec![(current.code, 0)];
        while let Some(next) = next_step(&fate, current, windows, timing) {
            path.push((next.code, (next.at - at(0)).num_seconds()));
            current = next;
        }
        path
    }

    #[test]
    fn the_default_path_is_accepted_queued_delivered() {
        let path = walk(Fate::of(Outcome::Delivered), &[], &Timing::default());
        assert_eq!(path, [(101, 0), (102, 1), (201, 6)]);
    }

    #[test]
    fn the_detailed_path_walks_every_step() {
        let timing = Timing { detailed_statuses: true, ..Timing::default() };
        let path = walk(Fate::of(Outcome::Undeliverable), &[], &timing);
        let codes: Vec<u16> = path.iter().map(|(c, _)| *c).collect();
        assert_eq!(codes, [101, 102, 103, 110, 111, 112, 113, 500]);
        assert_eq!(path.last().unwrap().1, 1 + 5 + 5);
    }

    #[test]
    fn other_outcomes_end_their_own_way() {
        let timing = Timing::default();
        assert_eq!(
            walk(Fate::of(Outcome::Expired), &[], &timing),
            [(101, 0), (102, 1), (202, 1 + 172800)]
        );
        assert_eq!(walk(Fate::of(Outcome::Pending), &[], &timing), [(101, 0), (102, 1)]);
        let delayed = Fate::new(Outcome::RecipientRejected, None, Some(30));
        assert_eq!(walk(delayed, &[], &timing), [(101, 0), (405, 30)]);
        let custom = Fate::new(Outcome::Undeliverable, Some(512), Some(60));
        assert_eq!(walk(custom, &[], &timing), [(101, 0), (102, 1), (512, 61)]);
    }

    #[test]
    fn delivery_waits_for_the_next_window_and_expires_after_the_last() {
        let timing = Timing::default();
        let window = |opens, closes| DeliveryWindow { opens: at(opens), closes: at(closes) };
        let later = [window(100, 200), window(300, 400)];
        assert_eq!(
            walk(Fate::of(Outcome::Delivered), &later, &timing),
            [(101, 0), (102, 1), (201, 100)]
        );
        let open_now = [window(-10, 200)];
        assert_eq!(
            walk(Fate::of(Outcome::Delivered), &open_now, &timing),
            [(101, 0), (102, 1), (201, 6)]
        );
        let closing = [window(-100, 3)];
        assert_eq!(
            walk(Fate::of(Outcome::Delivered), &closing, &timing),
            [(101, 0), (102, 1), (202, 3)]
        );
        let past = [window(-100, -50)];
        assert_eq!(
            walk(Fate::of(Outcome::Delivered), &past, &timing),
            [(101, 0), (102, 1), (202, 1)]
        );
    }

    #[test]
    fn magic_numbers_match_exactly_or_by_prefix() {
        let table = MagicNumbers::new(MagicNumber::defaults());
        assert_eq!(table.fate_for("46700000001").unwrap().outcome, Outcome::Undeliverable);
        assert_eq!(table.fate_for("421900000002").unwrap().code, 202);
        assert!(table.fate_for("46700000011").is_none());
        assert!(pattern_matches("4670*", "46701234567"));
        assert!(!pattern_matches("4670*", "46801234567"));
    }

    #[test]
    fn the_first_magic_number_that_matches_wins_exact_or_prefix() {
        let magic = |number: &str, outcome| MagicNumber {
            number: number.to_owned(),
            outcome,
            code: None,
            delay_seconds: None,
            description: None,
        };
        let table = MagicNumbers::new(vec![
            magic("4670*", Outcome::Expired),
            magic("46701", Outcome::Pending),
            magic("46702", Outcome::Blacklisted),
            magic("4680*", Outcome::Undeliverable),
            magic("46802", Outcome::Pending),
            magic("46802", Outcome::Delivered),
            magic("*", Outcome::RecipientRejected),
        ]);
        let outcome = |number| table.fate_for(number).map(|fate| fate.outcome);
        assert_eq!(outcome("46701"), Some(Outcome::Expired), "a prefix listed first");
        assert_eq!(outcome("4680"), Some(Outcome::Undeliverable));
        assert_eq!(outcome("46802"), Some(Outcome::Undeliverable), "a prefix before the exact");
        assert_eq!(outcome("46902"), Some(Outcome::RecipientRejected), "`*` matches any");
        let exact_first = MagicNumbers::new(vec![
            magic("46802", Outcome::Pending),
            magic("46802", Outcome::Delivered),
            magic("468*", Outcome::Expired),
        ]);
        let outcome = |number| exact_first.fate_for(number).map(|fate| fate.outcome);
        assert_eq!(outcome("46802"), Some(Outcome::Pending), "the first of two the same");
        assert_eq!(outcome("46803"), Some(Outcome::Expired));
        assert_eq!(outcome("4"), None);
        assert_eq!(MagicNumbers::default().fate_for("46802"), None);
    }
}
