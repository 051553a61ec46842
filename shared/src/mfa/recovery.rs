//! Recovery codes: ten one-time codes for a lost authenticator, shown to
//! the user once and stored only as hashes.
//!
//! Each code is 16 characters of Crockford's base32 (80 random bits),
//! written `XXXX-XXXX-XXXX-XXXX`. At 80 bits a fast hash is enough: a
//! reader of the table would need about 2^79 SHA-256s to find one code,
//! and a code is worth nothing without the account's password. Spending
//! one is the caller's conditional write, which removes its hash from the
//! item's set, so a code works once however many requests race.

use std::fmt;

use crate::error::Error;
use crate::ids::fill_random;
use crate::tokens::labelled_hash;

/// Codes in a set.
pub const RECOVERY_CODE_COUNT: usize = 10;
/// Characters in a code, without its dashes.
const CODE_CHARS: usize = 16;
/// Crockford's base32: digits and letters but I, L, O and U, so that a
/// code read aloud or copied by hand is read back the same.
const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
/// The label each code's hash is taken under, so that it matches no other
/// hash of ours.
const HASH_LABEL: &[u8] = b"sessionless recovery code\0";

/// A recovery code as shown to the user. `Debug` never shows it.
#[derive(Clone, PartialEq, Eq)]
pub struct RecoveryCode(String);

impl fmt::Debug for RecoveryCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("RecoveryCode(<redacted>)")
    }
}

impl RecoveryCode {
    /// The code as shown: `XXXX-XXXX-XXXX-XXXX`.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The hash the item keeps of this code.
    pub fn hash(&self) -> String {
        recovery_code_hash(&self.0).unwrap_or_default()
    }
}

/// A new set of [`RECOVERY_CODE_COUNT`] codes, each from the system's RNG.
///
/// # Errors
///
/// [`Error::Internal`] when the RNG fails.
pub fn generate_recovery_codes() -> Result<Vec<RecoveryCode>, Error> {
    (0..RECOVERY_CODE_COUNT).map(|_| new_code()).collect()
}

fn new_code() -> Result<RecoveryCode, Error> {
    let mut bytes = [0u8; CODE_CHARS * 5 / 8];
    fill_random(&mut bytes)?;
    // 80 bits, five at a time, most significant first.
    let bits = bytes
        .iter()
        .fold(0u128, |bits, &byte| (bits << 8) | u128::from(byte));
    // Five bits index 32 characters: every lookup finds one.
    let chars: Vec<u8> = (0..CODE_CHARS)
        .rev()
        .map(|index| {
            ALPHABET
                .get(((bits >> (index * 5)) & 0x1f) as usize)
                .copied()
        })
        .collect::<Option<_>>()
        .ok_or_else(|| Error::Internal("a recovery code's character out of range".into()))?;
    let groups: Vec<&str> = chars
        .chunks(4)
        .map(|group| std::str::from_utf8(group).unwrap_or_default())
        .collect();
    Ok(RecoveryCode(groups.join("-")))
}

/// The hash to look for on the item for a code as the user typed it:
/// case, dashes and spaces don't matter, and O, I and L read as 0, 1 and
/// 1, as Crockford's base32 reads them. `None` for anything that is not
/// 16 characters of the alphabet once read so: no code of ours.
pub fn recovery_code_hash(typed: &str) -> Option<String> {
    canonical(typed).map(|code| labelled_hash(HASH_LABEL, code.as_bytes()))
}

/// The 16 characters of a code, read as Crockford's base32 reads them.
fn canonical(typed: &str) -> Option<String> {
    let code: String = typed
        .chars()
        .filter(|c| *c != '-' && !c.is_whitespace())
        .map(|c| match c.to_ascii_uppercase() {
            'O' => '0',
            'I' | 'L' => '1',
            other => other,
        })
        .collect();
    (code.len() == CODE_CHARS && code.bytes().all(|byte| ALPHABET.contains(&byte))).then_some(code)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn a_set_is_ten_distinct_codes_of_80_bits() {
        let codes = generate_recovery_codes().unwrap();
        assert_eq!(codes.len(), RECOVERY_CODE_COUNT);
        let distinct: HashSet<&str> = codes.iter().map(RecoveryCode::as_str).collect();
        assert_eq!(distinct.len(), RECOVERY_CODE_COUNT);
        for code in &codes {
            let shown = code.as_str();
            assert_eq!(shown.len(), 19, "{shown}");
            assert_eq!(shown.matches('-').count(), 3, "{shown}");
            assert!(canonical(shown).is_some(), "{shown}");
        }
        // Every character of the alphabet turns up across many codes: all
        // five bits of each are random.
        let many: HashSet<u8> = (0..200)
            .flat_map(|_| new_code().unwrap().0.into_bytes())
            .filter(|byte| *byte != b'-')
            .collect();
        assert_eq!(many.len(), 32);
    }

    #[test]
    fn a_code_hashes_alike_however_it_is_typed() {
        let code = RecoveryCode("0A1B-2C3D-4E5F-6G7H".to_owned());
        let stored = code.hash();
        for typed in [
            "0A1B-2C3D-4E5F-6G7H",
            "0a1b2c3d4e5f6g7h",
            " 0a1b 2c3d 4e5f 6g7h ",
            "oA1B-2C3D-4E5F-6G7H",
            "0AlB-2C3D-4E5F-6G7H",
        ] {
            assert_eq!(
                recovery_code_hash(typed).as_deref(),
                Some(stored.as_str()),
                "{typed}"
            );
        }
        assert_ne!(recovery_code_hash("0A1B-2C3D-4E5F-6G7J").unwrap(), stored);
    }

    #[test]
    fn what_is_no_code_of_ours_has_no_hash() {
        for typed in [
            "",
            "0A1B-2C3D-4E5F",
            "0A1B-2C3D-4E5F-6G7H-8",
            "0A1B-2C3D-4E5F-6G7U",
            "ÅA1B-2C3D-4E5F-6G7H",
        ] {
            assert_eq!(recovery_code_hash(typed), None, "{typed}");
        }
    }

    #[test]
    fn debug_hides_the_code() {
        let code = RecoveryCode("0A1B-2C3D-4E5F-6G7H".to_owned());
        assert_eq!(format!("{code:?}"), "RecoveryCode(<redacted>)");
    }
}
