//! Sender (originator) rules of both gateways.

/// Why a sender was refused, in the words the gateways' validators use.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SenderError {
    #[error("Invalid sender")]
    Invalid,
}

/// Checks an iP.1 sender: either alphanumeric, 3 to 11 characters of
/// A–Z, a–z and 0–9, or a number of 3 to 15 digits not starting with 0 (an
/// optional leading `+` is stripped). Returns the sender as it is stored.
pub fn normalize_ip1_sender(raw: &str) -> Result<String, SenderError> {
    let digits = raw.strip_prefix('+').unwrap_or(raw);
    let numeric = (3..=15).contains(&digits.len())
        && digits.bytes().all(|b| b.is_ascii_digit())
        && !digits.starts_with('0');
    if numeric {
        return Ok(digits.to_owned());
    }
    let alphanumeric =
        (3..=11).contains(&raw.len()) && raw.bytes().all(|b| b.is_ascii_alphanumeric());
    if alphanumeric { Ok(raw.to_owned()) } else { Err(SenderError::Invalid) }
}

/// The sender Viamobile uses when a request names none.
pub const VIAMOBILE_DEFAULT_SENDER: &str = "InfoSMS";

/// Checks a Viamobile sender: at most 11 characters and not digits only.
/// An empty sender means the default `InfoSMS`.
pub fn normalize_viamobile_sender(raw: &str) -> Result<String, SenderError> {
    if raw.is_empty() {
        return Ok(VIAMOBILE_DEFAULT_SENDER.to_owned());
    }
    let digits_only = raw.chars().all(|c| c.is_ascii_digit());
    if raw.chars().count() > 11 || digits_only {
        Err(SenderError::Invalid)
    } else {
        Ok(raw.to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ip1_alphanumeric_senders_are_3_to_11_characters() {
        assert!(normalize_ip1_sender("iP1").is_ok());
        assert!(normalize_ip1_sender("Abcdefghijk").is_ok());
        assert!(normalize_ip1_sender("Ab").is_err());
        assert!(normalize_ip1_sender("Abcdefghijkl").is_err());
        assert!(normalize_ip1_sender("Acme AB").is_err());
        assert!(normalize_ip1_sender("Åsa").is_err());
    }

    #[test]
    fn ip1_numeric_senders_have_up_to_15_digits_and_lose_their_plus() {
        assert_eq!(normalize_ip1_sender("+46101606060").unwrap(), "46101606060");
        assert!(normalize_ip1_sender("123456789012345").is_ok());
        assert!(normalize_ip1_sender("1234567890123456").is_err());
        assert!(normalize_ip1_sender("+").is_err());
    }

    #[test]
    fn viamobile_senders_default_and_refuse_digits_only() {
        assert_eq!(normalize_viamobile_sender("").unwrap(), "InfoSMS");
        assert!(normalize_viamobile_sender("Shop").is_ok());
        assert!(normalize_viamobile_sender("12345").is_err());
        assert!(normalize_viamobile_sender("Twelve chars").is_err());
    }
}
