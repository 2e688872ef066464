//! The character-level rules: which character may stand where, omocodia, and the check character.
//!
//! All tables work on upper-case ASCII bytes; anything else is rejected before it reaches them.

/// Zero-based positions that hold digits in a base code and may hold omocodia letters instead.
/// Ordered from the right: omocodia is assigned starting from the last digit, so bit 0 of a
/// [`super::FiscalCode::with_omocodia`] mask is position 14, bit 1 position 13, and so on.
pub(crate) const NUMERIC_POSITIONS: [usize; 7] = [14, 13, 12, 10, 9, 7, 6];

/// Letters that stand for the digits 0..=9 in an omocode.
pub(crate) const OMOCODIA_LETTERS: [u8; 10] = *b"LMNPQRSTUV";

/// Month letters, January first.
pub(crate) const MONTH_LETTERS: [u8; 12] = *b"ABCDEHLMPRST";

/// What may stand at a position of a normalised code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Slot {
    Letter,
    /// A digit, or its omocodia letter.
    Digit,
    Month,
}

pub(crate) const LAYOUT: [Slot; 16] = {
    use Slot::{Digit as D, Letter as L, Month as M};
    [L, L, L, L, L, L, D, D, M, D, D, L, D, D, D, L]
};

/// The digit value of a byte in a numeric position (`'0'..='9'` or an omocodia letter), if it is one.
#[inline]
pub(crate) fn digit_value(byte: u8) -> Option<u8> {
    match byte {
        b'0'..=b'9' => Some(byte - b'0'),
        b'L' => Some(0),
        b'M' => Some(1),
        b'N' => Some(2),
        b'P' => Some(3),
        b'Q' => Some(4),
        b'R' => Some(5),
        b'S' => Some(6),
        b'T' => Some(7),
        b'U' => Some(8),
        b'V' => Some(9),
        _ => None,
    }
}

/// Month number 1..=12 of a month letter.
#[inline]
pub(crate) fn month_number(byte: u8) -> Option<u8> {
    let index = MONTH_LETTERS.iter().position(|&m| m == byte)?;
    u8::try_from(index + 1).ok()
}

/// Values for characters in odd (1st, 3rd, …) positions, indexed by letter A..=Z; digits 0..=9
/// take the values of A..=J. From the Ministry decree (DM 23/12/1976).
const ODD_VALUES: [u8; 26] =
    [1, 0, 5, 7, 9, 13, 15, 17, 19, 21, 2, 4, 18, 20, 11, 3, 6, 8, 12, 14, 16, 10, 22, 25, 24, 23];

/// Index 0..=25 of a byte in the check tables: A..=Z by letter, 0..=9 like A..=J.
#[inline]
fn table_index(byte: u8) -> usize {
    usize::from(if byte.is_ascii_digit() { byte - b'0' } else { byte.wrapping_sub(b'A') }) % 26
}

/// The check character of the first 15 characters (upper-case letters and digits).
#[inline]
pub(crate) fn check_character(first15: &[u8]) -> u8 {
    let mut sum = 0usize;
    for (position, &byte) in first15.iter().take(15).enumerate() {
        let index = table_index(byte);
        // Position 0 is the 1st, an odd position.
        sum += if position % 2 == 0 { usize::from(ODD_VALUES[index]) } else { index };
    }
    // `sum % 26` < 26, so the cast cannot truncate.
    b'A' + (sum % 26) as u8
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "a test fails by panicking")]
mod tests {
    use super::*;

    #[test]
    fn check_character_of_known_codes() {
        assert_eq!(check_character(b"RSSMRA80A01H501"), b'U');
        assert_eq!(check_character(b"MRTMTT25D09F205"), b'Z');
        // An omocode's check character is computed on its letters, not on the digits they stand for.
        assert_eq!(check_character(b"RSSMRA80A01H50M"), b'M');
    }

    #[test]
    fn odd_values_are_a_permutation() {
        let mut seen = ODD_VALUES;
        seen.sort_unstable();
        assert!(seen.iter().enumerate().all(|(i, &v)| usize::from(v) == i));
    }

    #[test]
    fn omocodia_letters_decode_to_their_digits() {
        for (digit, letter) in OMOCODIA_LETTERS.iter().enumerate() {
            assert_eq!(digit_value(*letter), Some(digit as u8));
            assert_eq!(digit_value(b'0' + digit as u8), Some(digit as u8));
        }
        assert_eq!(digit_value(b'A'), None);
        assert_eq!(digit_value(b'W'), None);
    }

    #[test]
    fn months() {
        assert_eq!(month_number(b'A'), Some(1));
        assert_eq!(month_number(b'H'), Some(6));
        assert_eq!(month_number(b'T'), Some(12));
        assert_eq!(month_number(b'F'), None);
        assert_eq!(LAYOUT.iter().filter(|s| **s == Slot::Digit).count(), NUMERIC_POSITIONS.len());
        assert!(NUMERIC_POSITIONS.iter().all(|&p| LAYOUT[p] == Slot::Digit));
    }
}
