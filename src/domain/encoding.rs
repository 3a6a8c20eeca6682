//! Character sets and segment counting.
//!
//! GSM 03.38: every character of the basic set counts 1 septet, the
//! extension characters (`^ { } \ [ ] ~ | €` and form feed) count 2, and
//! any other character needs UCS-2, where each UTF-16 code unit counts 1
//! (so most emoji count 2). One SMS holds 160 GSM septets or 70 UCS-2
//! units; longer texts are split into parts of 153 or 67. A part boundary
//! never splits a character: an extension character (escape + character)
//! or a surrogate pair (an emoji) that would straddle two parts moves whole
//! to the next, as concatenated SMS are built in practice, so a text can
//! need one part more than its length divided by the part size.

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

/// One SMS's units, and a part's (the rest of a part is its header).
const fn capacity(datacoding: Datacoding) -> (usize, usize) {
    match datacoding {
        Datacoding::Gsm => (160, 153),
        Datacoding::Ucs => (70, 67),
    }
}

/// Parts for characters of `widths` units, `units` in all: one SMS up to
/// the single capacity, else parts filled in order, a character that does
/// not fit whole starting the next part.
fn pack(datacoding: Datacoding, units: usize, widths: impl Iterator<Item = usize>) -> u32 {
    let (single, part) = capacity(datacoding);
    if units <= single {
        return 1;
    }
    let (mut parts, mut used) = (1, 0);
    for width in widths {
        if used + width > part {
            parts += 1;
            used = 0;
        }
        used += width;
    }
    parts
}

/// Segments a text in the smallest coding that holds it.
pub fn segment(text: &str) -> Segmentation {
    match gsm_length(text) {
        Some(units) => {
            let widths = text.chars().map(|c| gsm_septets(c).unwrap_or(1));
            let segments = pack(Datacoding::Gsm, units, widths);
            Segmentation { datacoding: Datacoding::Gsm, units, segments }
        }
        None => {
            let units = ucs2_length(text);
            let segments = pack(Datacoding::Ucs, units, text.chars().map(char::len_utf16));
            Segmentation { datacoding: Datacoding::Ucs, units, segments }
        }
    }
}

/// Segments `units` characters of one unit each in `datacoding`
/// (Viamobile's counting: code points, whatever they are).
pub fn segment_as(datacoding: Datacoding, units: usize) -> Segmentation {
    let segments = pack(datacoding, units, std::iter::repeat_n(1, units));
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
    fn a_part_boundary_never_splits_a_character() {
        // 152 plain + € (2 septets) + 10 plain: 164 septets, 2 parts of 153
        // by length, but the € would straddle septets 153–154, so it starts
        // the second part: 152 | 12.
        let text = format!("{}€{}", "a".repeat(152), "a".repeat(10));
        assert_eq!(segment(&text).units, 164);
        assert_eq!(segment(&text).segments, 2);
        // 152 + € + 152 = 306 septets: 2 parts by length, but packed
        // 152 | € + 151 | 1: 3.
        let text = format!("{}€{}", "a".repeat(152), "a".repeat(152));
        assert_eq!(segment(&text).units, 306);
        assert_eq!(segment(&text).segments, 3);
        // The same with an emoji (a surrogate pair) across unit 67.
        let text = format!("{}😀{}", "a".repeat(66), "ł".repeat(66));
        assert_eq!(segment(&text).units, 134);
        assert_eq!(segment(&text).segments, 3);
        assert_eq!(segment_as(Datacoding::Gsm, 306).segments, 2, "code points: one unit each");
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
