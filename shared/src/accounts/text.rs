//! The Unicode rules that the text a person types into an account (its
//! email and display name) shares.

use icu_properties::CodePointMapData;
use icu_properties::props::GeneralCategory;

/// ZERO WIDTH NON-JOINER and ZERO WIDTH JOINER: format characters that
/// Persian, the Indic scripts and emoji sequences need to be written right.
const JOINERS: [char; 2] = ['\u{200c}', '\u{200d}'];

/// True for a format character (general category `Cf`) that no script
/// needs: bidirectional overrides and isolates (U+202A–U+202E,
/// U+2066–U+2069), which make text display in another order than it is
/// stored, and zero-width spaces and marks, which make two strings that
/// look alike differ. ZWNJ and ZWJ are allowed ([`JOINERS`]).
pub(crate) fn is_hidden_format(c: char) -> bool {
    !JOINERS.contains(&c)
        && CodePointMapData::<GeneralCategory>::new().get(c) == GeneralCategory::Format
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bidi_controls_and_zero_widths_are_hidden_joiners_are_not() {
        for c in [
            '\u{202e}', '\u{2066}', '\u{2069}', '\u{200b}', '\u{feff}', '\u{ad}',
        ] {
            assert!(is_hidden_format(c), "U+{:04X}", c as u32);
        }
        for c in ['\u{200c}', '\u{200d}', 'a', 'é', '木', ' '] {
            assert!(!is_hidden_format(c), "U+{:04X}", c as u32);
        }
    }
}
