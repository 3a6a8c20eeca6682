//! Phone numbers (MSISDNs): country code first, then the national number,
//! digits only, no `+` — what both gateways want. Parsed once, at the edge,
//! into an [`Msisdn`]; the rules live here and nowhere else.

use std::borrow::Borrow;
use std::fmt;

use serde::{Deserialize, Serialize};

/// A phone number: one or more ASCII digits, country code first.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Msisdn(Box<str>);

/// Why a text is not an [`Msisdn`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum MsisdnError {
    #[error("not a number")]
    NotDigits,
    #[error("more than 15 digits")]
    TooLong,
    #[error("not a plausible phone number (8 to 15 digits, not starting with 0)")]
    Implausible,
}

/// Most digits of an MSISDN (E.164).
pub const MAX_DIGITS: usize = 15;

/// Drops a leading `+` or `00`, which clients put before numbers although
/// both gateways want bare digits.
fn without_international_prefix(text: &str) -> &str {
    text.strip_prefix('+').or_else(|| text.strip_prefix("00")).unwrap_or(text)
}

impl Msisdn {
    /// Digits exactly as given, at most 15: an iP.1 recipient.
    pub fn exact(text: &str) -> Result<Msisdn, MsisdnError> {
        let msisdn = Msisdn::digits(text)?;
        if msisdn.0.len() > MAX_DIGITS {
            return Err(MsisdnError::TooLong);
        }
        Ok(msisdn)
    }

    /// As a client writes a number: surrounding spaces and a leading `+`
    /// or `00` dropped, then digits, however many (a Viamobile recipient,
    /// which is answered `error` when not plausible).
    pub fn lenient(text: &str) -> Result<Msisdn, MsisdnError> {
        Msisdn::digits(without_international_prefix(text.trim()))
    }

    /// As a person writes a number: every space dropped, a leading `+` or
    /// `00` too; and it must be plausible (blacklist entries, incoming
    /// SMS, virtual numbers).
    pub fn plausible(text: &str) -> Result<Msisdn, MsisdnError> {
        let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
        let msisdn = Msisdn::digits(without_international_prefix(&compact))?;
        if msisdn.is_plausible() { Ok(msisdn) } else { Err(MsisdnError::Implausible) }
    }

    /// A contact's phone number as written in E.164: spaces, dashes and
    /// brackets dropped, a leading `+` optional; it must be a possible
    /// number (7 to 15 digits, not starting with 0).
    pub fn e164(text: &str) -> Result<Msisdn, MsisdnError> {
        let compact: String =
            text.chars().filter(|c| !matches!(c, ' ' | '-' | '(' | ')')).collect();
        let msisdn = Msisdn::exact(compact.strip_prefix('+').unwrap_or(&compact))?;
        if msisdn.is_possible() { Ok(msisdn) } else { Err(MsisdnError::Implausible) }
    }

    fn digits(text: &str) -> Result<Msisdn, MsisdnError> {
        if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
            return Err(MsisdnError::NotDigits);
        }
        Ok(Msisdn(text.into()))
    }

    /// 8 to 15 digits not starting with 0: a number a real network could
    /// route.
    pub fn is_plausible(&self) -> bool {
        (8..=MAX_DIGITS).contains(&self.0.len()) && !self.0.starts_with('0')
    }

    /// 7 to 15 digits not starting with 0: a number that could exist
    /// somewhere (E.164's possible numbers; plausible ones are longer).
    pub fn is_possible(&self) -> bool {
        (7..=MAX_DIGITS).contains(&self.0.len()) && !self.0.starts_with('0')
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::ops::Deref for Msisdn {
    type Target = str;

    fn deref(&self) -> &str {
        &self.0
    }
}

impl Borrow<str> for Msisdn {
    fn borrow(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Msisdn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_numbers_are_up_to_15_digits_as_given() {
        assert_eq!(Msisdn::exact("46701234567").unwrap().as_str(), "46701234567");
        assert_eq!(Msisdn::exact("123456789012345").unwrap().len(), 15);
        assert_eq!(Msisdn::exact("1234567890123456"), Err(MsisdnError::TooLong));
        assert_eq!(Msisdn::exact("+46701234567"), Err(MsisdnError::NotDigits));
        assert_eq!(Msisdn::exact(""), Err(MsisdnError::NotDigits));
    }

    #[test]
    fn lenient_numbers_lose_their_international_prefix() {
        assert_eq!(Msisdn::lenient(" +46701234567 ").unwrap().as_str(), "46701234567");
        assert_eq!(Msisdn::lenient("00421903123456").unwrap().as_str(), "421903123456");
        assert!(Msisdn::lenient("12345678901234567890").is_ok());
        assert_eq!(Msisdn::lenient("4670123456a"), Err(MsisdnError::NotDigits));
        assert_eq!(Msisdn::lenient("+"), Err(MsisdnError::NotDigits));
    }

    #[test]
    fn plausible_numbers_have_8_to_15_digits_not_starting_with_0() {
        assert_eq!(Msisdn::plausible("+46 70 123 45 67").unwrap().as_str(), "46701234567");
        assert_eq!(Msisdn::plausible("0046701234567").unwrap().as_str(), "46701234567");
        assert_eq!(Msisdn::plausible("1234567"), Err(MsisdnError::Implausible));
        assert_eq!(Msisdn::plausible("0701234567"), Err(MsisdnError::Implausible));
        assert_eq!(Msisdn::plausible("12ab"), Err(MsisdnError::NotDigits));
        assert!(Msisdn::exact("123456789012345").unwrap().is_plausible());
        assert!(!Msisdn::exact("1234567").unwrap().is_plausible());
    }

    #[test]
    fn e164_numbers_drop_their_punctuation_and_may_be_short() {
        assert_eq!(Msisdn::e164("+46 (70) 123-45-67").unwrap().as_str(), "46701234567");
        assert_eq!(Msisdn::e164("1234567").unwrap().as_str(), "1234567");
        assert_eq!(Msisdn::e164("123456"), Err(MsisdnError::Implausible));
        assert_eq!(Msisdn::e164("+0701234567"), Err(MsisdnError::Implausible));
    }
}
