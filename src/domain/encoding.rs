//! Character sets and segment counting (§17; Viamobile §4).
//!
//! GSM 03.38: every character of the basic set counts 1 septet, the
//! extension characters (`^ { } \ [ ] ~ | €` and form feed) count 2, and
//! any other character needs UCS-2, where each UTF-16 code unit counts 1
//! (so most emoji count 2). One SMS holds 160 GSM septets or 70 UCS-2
//! units; longer texts are split into parts of 153 or 67.

use serde::{Deserialize, Serialize};

/// The two codings; on a batch the largest allowed, on a message the
/// smallest needed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Datacoding {
    Gsm,
    Ucs,
}

const GSM_BASIC: &str = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?\
¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";
const GSM_EXTENSION: &str = "^{}\\[~]|€\u{0C}";

/// Septets a character takes in GSM 7-bit, or `None` outside the set.
fn gsm_septets(c: char) -> Option<usize> {
    // The ASCII test is a fast path for the common case.
    if c.is_ascii_alphanumeric() || c == ' ' || GSM_BASIC.contains(c) {
        Some(1)
    } else if GSM_EXTENSION.contains(c) {
        Some(2)
    } else {
        None
    }
}

/// GSM septets of a text, or `None` when it needs UCS-2.
pub fn gsm_length(text: &str) -> Option<usize> {
    text.chars().map(gsm_septets).sum()
}

/// Length of a text in UTF-16 code units.
pub fn ucs2_length(text: &str) -> usize {
    text.encode_utf16().count()
}

/// How a text goes out: its coding, length in that coding's units, and
/// number of SMS parts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Segmentation {
    pub datacoding: Datacoding,
    pub units: usize,
    pub segments: u32,
}

/// Parts for a length: one SMS up to `single`, else parts of `part`.
fn parts(units: usize, single: usize, part: usize) -> u32 {
    if units <= single { 1 } else { units.div_ceil(part) as u32 }
}

/// Segments a text in the smallest coding that holds it.
pub fn segment(text: &str) -> Segmentation {
    match gsm_length(text) {
        Some(units) => segment_as(Datacoding::Gsm, units),
        None => segment_as(Datacoding::Ucs, ucs2_length(text)),
    }
}

/// Segments a length already measured in `datacoding`'s units.
pub fn segment_as(datacoding: Datacoding, units: usize) -> Segmentation {
    let segments = match datacoding {
        Datacoding::Gsm => parts(units, 160, 153),
        Datacoding::Ucs => parts(units, 70, 67),
    };
    Segmentation { datacoding, units, segments }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gsm_texts_split_at_160_then_153() {
        assert_eq!(segment(&"a".repeat(160)).segments, 1);
        assert_eq!(segment(&"a".repeat(161)).segments, 2);
        assert_eq!(segment(&"a".repeat(306)).segments, 2);
        assert_eq!(segment(&"a".repeat(307)).segments, 3);
        assert_eq!(segment("").segments, 1);
        assert_eq!(segment("Hej Åsa, välkommen!").datacoding, Datacoding::Gsm);
    }

    #[test]
    fn gsm_extension_characters_count_double() {
        // 158 plain + one € (2) = 160: still one SMS; one more € makes 162.
        let text = format!("{}€", "a".repeat(158));
        assert_eq!(
            segment(&text),
            Segmentation { datacoding: Datacoding::Gsm, units: 160, segments: 1 }
        );
        let text = format!("{}€€", "a".repeat(158));
        assert_eq!(segment(&text).segments, 2);
        assert_eq!(gsm_length("{[]}"), Some(8));
    }

    #[test]
    fn ucs2_texts_split_at_70_then_67() {
        let base = "ł".repeat(70);
        assert_eq!(
            segment(&base),
            Segmentation { datacoding: Datacoding::Ucs, units: 70, segments: 1 }
        );
        assert_eq!(segment(&"ł".repeat(71)).segments, 2);
        assert_eq!(segment(&"ł".repeat(134)).segments, 2);
        assert_eq!(segment(&"ł".repeat(135)).segments, 3);
    }

    #[test]
    fn emoji_count_two_utf16_units() {
        let text = format!("{}😀", "a".repeat(68));
        assert_eq!(
            segment(&text),
            Segmentation { datacoding: Datacoding::Ucs, units: 70, segments: 1 }
        );
        let text = format!("{}😀", "a".repeat(69));
        assert_eq!(segment(&text).segments, 2);
    }
}
