//! Phone numbers (MSISDNs): country code and national number, digits only.

/// Strips a leading `+` or `00`, which clients put before MSISDNs although
/// both gateways want bare digits.
pub fn strip_international_prefix(raw: &str) -> &str {
    let raw = raw.trim();
    raw.strip_prefix('+').or_else(|| raw.strip_prefix("00")).unwrap_or(raw)
}

/// True for 8 to 15 digits not starting with 0: a number a real network
/// could route (E.164 allows at most 15 digits).
pub fn is_plausible_msisdn(digits: &str) -> bool {
    (8..=15).contains(&digits.len())
        && digits.bytes().all(|b| b.is_ascii_digit())
        && !digits.starts_with('0')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes_are_stripped_and_numbers_checked() {
        assert_eq!(strip_international_prefix("+46701234567"), "46701234567");
        assert_eq!(strip_international_prefix("00421903123456"), "421903123456");
        assert!(is_plausible_msisdn("46701234567"));
        assert!(is_plausible_msisdn("123456789012345"));
        assert!(!is_plausible_msisdn("1234567890123456"));
        assert!(!is_plausible_msisdn("1234567"));
        assert!(!is_plausible_msisdn("0701234567"));
        assert!(!is_plausible_msisdn("4670123456a"));
    }
}
