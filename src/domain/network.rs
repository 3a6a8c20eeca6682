//! The mobile network of a number, by prefix: iP.1's `mcc`/`mnc` and
//! Viamobile's operator codes. General numbering knowledge, ignoring
//! number portability.

use super::msisdn::Msisdn;

/// Country calling code → mobile country code.
const COUNTRIES: [(&str, &str); 12] = [
    ("46", "240"),
    ("45", "238"),
    ("47", "242"),
    ("358", "244"),
    ("421", "231"),
    ("420", "230"),
    ("44", "234"),
    ("49", "262"),
    ("48", "260"),
    ("43", "232"),
    ("33", "208"),
    ("1", "310"),
];

/// Slovak mobile prefixes → Viamobile operator (MCC + MNC).
const SLOVAK_OPERATORS: [(&str, u32); 18] = [
    ("421901", 23102),
    ("421902", 23102),
    ("421903", 23102),
    ("421904", 23102),
    ("421910", 23102),
    ("421911", 23102),
    ("421912", 23102),
    ("421914", 23102),
    ("421905", 23101),
    ("421906", 23101),
    ("421907", 23101),
    ("421908", 23101),
    ("421915", 23101),
    ("421916", 23101),
    ("421917", 23101),
    ("421918", 23101),
    ("421919", 23101),
    ("421940", 23106),
];

/// Whether a number could be routed at all: a network is never made up
/// for one that could not (8 to 15 digits, not starting with 0).
fn routable(msisdn: &str) -> bool {
    Msisdn::exact(msisdn).is_ok_and(|number| number.is_plausible())
}

/// Viamobile's operator code of a number (`0` = other, unknown, or not a
/// plausible number).
pub fn operator_code(msisdn: &str) -> u32 {
    if !routable(msisdn) {
        return 0;
    }
    if let Some((_, code)) = SLOVAK_OPERATORS.iter().find(|(prefix, _)| msisdn.starts_with(prefix))
    {
        return *code;
    }
    let rest = msisdn.strip_prefix("4219").unwrap_or("");
    match rest.get(..2) {
        Some("44" | "45" | "46" | "47" | "48" | "49") => 23106,
        Some("50" | "51") => 23103,
        _ if msisdn.starts_with("420") => 23000,
        _ => 0,
    }
}

/// The country calling code of a plausible number of a known country.
pub fn country_code(msisdn: &str) -> Option<&'static str> {
    if !routable(msisdn) {
        return None;
    }
    COUNTRIES
        .iter()
        .filter(|(prefix, _)| msisdn.starts_with(prefix))
        .max_by_key(|(prefix, _)| prefix.len())
        .map(|(prefix, _)| *prefix)
}

/// The (mcc, mnc) of a number, when it is a plausible number of a known
/// country.
pub fn mcc_mnc(msisdn: &str) -> Option<(String, String)> {
    if !routable(msisdn) {
        return None;
    }
    let operator = operator_code(msisdn);
    if operator != 0 && operator != 23000 {
        let code = operator.to_string();
        return Some((code[..3].to_owned(), code[3..].to_owned()));
    }
    COUNTRIES
        .iter()
        .filter(|(prefix, _)| msisdn.starts_with(prefix))
        .max_by_key(|(prefix, _)| prefix.len())
        .map(|(_, mcc)| (mcc.to_string(), "01".to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slovak_operators_come_from_the_prefix() {
        assert_eq!(operator_code("421903123456"), 23102);
        assert_eq!(operator_code("421905123456"), 23101);
        assert_eq!(operator_code("421945123456"), 23106);
        assert_eq!(operator_code("421950123456"), 23103);
        assert_eq!(operator_code("420601123456"), 23000);
        assert_eq!(operator_code("46701234567"), 0);
    }

    #[test]
    fn mcc_and_mnc_follow_the_country() {
        assert_eq!(mcc_mnc("421903123456"), Some(("231".into(), "02".into())));
        assert_eq!(mcc_mnc("46701234567"), Some(("240".into(), "01".into())));
        assert_eq!(mcc_mnc("99912345678"), None);
        assert_eq!(mcc_mnc("4670"), None, "not a plausible number");
        assert_eq!(mcc_mnc("046701234567"), None);
        assert_eq!(operator_code("4219031"), 0);
        assert_eq!(country_code("421903123456"), Some("421"));
        assert_eq!(country_code("4670"), None);
    }
}
