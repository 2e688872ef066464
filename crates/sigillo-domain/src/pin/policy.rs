//! The definitive PIN a citizen chooses at first access and at every change (SPEC 3).
//!
//! Normalisation, the same at change and at login: spaces around it are ignored and letters are
//! compared without regard to case (the PIN is kept in upper case). Case-insensitivity costs
//! entropy (36^8 instead of 62^8 ≈ 2.8·10^12 PINs) but spares citizens the phone keyboard that
//! capitalises the first letter; online guessing is capped by throttling and the lock at 100 failures.
//!
//! Refused, each with its reason: a length other than 8; anything but ASCII letters and digits;
//! containing a part of the citizen's fiscal code or name or birth date; a common PIN or a
//! near-variant of one. "One of the last 5 PINs" needs the stored hashes, so the caller checks it
//! and reports [`PinPolicyError::Reused`].

use std::fmt;

use time::Date;

use super::common::is_common;
use crate::fiscal_code::FiscalCode;
use crate::lang::{Lang, Localized};

pub const DEFINITIVE_LEN: usize = 8;
/// How many earlier PINs a new one may not repeat.
pub const HISTORY_LEN: usize = 5;

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PinPolicyError {
    #[error("wrong length")]
    WrongLength,
    #[error("characters other than letters and digits")]
    InvalidCharacters,
    #[error("contains personal data")]
    ContainsPersonalData,
    #[error("too common")]
    Common,
    #[error("equal to a recent PIN")]
    Reused,
    #[error("equal to the current PIN")]
    SameAsCurrent,
}

impl PinPolicyError {
    pub fn code(self) -> &'static str {
        match self {
            PinPolicyError::WrongLength => "wrong_length",
            PinPolicyError::InvalidCharacters => "invalid_characters",
            PinPolicyError::ContainsPersonalData => "personal_data",
            PinPolicyError::Common => "common",
            PinPolicyError::Reused => "reused",
            PinPolicyError::SameAsCurrent => "same_as_current",
        }
    }
}

impl Localized for PinPolicyError {
    fn message(&self, lang: Lang) -> String {
        let (it, en) = match self {
            PinPolicyError::WrongLength => {
                ("Il nuovo PIN deve essere lungo esattamente 8 caratteri.", "The new PIN must be exactly 8 characters long.")
            }
            PinPolicyError::InvalidCharacters => (
                "Il nuovo PIN può contenere solo lettere e cifre, senza spazi, accenti o simboli.",
                "The new PIN may contain only letters and digits, with no spaces, accents or symbols.",
            ),
            PinPolicyError::ContainsPersonalData => (
                "Il nuovo PIN non può contenere parti del Suo codice fiscale, del Suo nome o cognome o della Sua data di nascita.",
                "The new PIN may not contain parts of your fiscal code, your name or your date of birth.",
            ),
            PinPolicyError::Common => (
                "Il nuovo PIN è troppo facile da indovinare (è tra i PIN più usati). Ne scelga uno meno prevedibile.",
                "The new PIN is too easy to guess (it is among the most used ones). Choose a less predictable one.",
            ),
            PinPolicyError::Reused => (
                "Il nuovo PIN non può essere uguale a uno degli ultimi 5 PIN usati.",
                "The new PIN may not be one of your last 5 PINs.",
            ),
            PinPolicyError::SameAsCurrent => {
                ("Il nuovo PIN deve essere diverso da quello attuale.", "The new PIN must differ from the current one.")
            }
        };
        match lang {
            Lang::It => it.to_owned(),
            Lang::En => en.to_owned(),
        }
    }
}

/// A definitive PIN that passed the policy (except the history check). `Debug` hides it.
#[derive(Clone, PartialEq, Eq)]
pub struct DefinitivePin(String);

impl DefinitivePin {
    /// The canonical form the hash is made from.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for DefinitivePin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("DefinitivePin(********)")
    }
}

/// Surrounding whitespace dropped, letters upper-cased; anything else is kept (and then fails).
pub fn normalize_definitive(typed: &str) -> String {
    typed.trim().chars().take(64).map(|c| c.to_ascii_uppercase()).collect()
}

/// Who the PIN belongs to: what it may not contain.
#[derive(Debug, Clone, Copy)]
pub struct PinOwner<'a> {
    pub fiscal_code: &'a FiscalCode,
    pub family_name: &'a str,
    pub given_name: &'a str,
    pub birth_date: Date,
}

/// Applies the policy to a PIN as typed.
pub fn check_new_pin(typed: &str, owner: &PinOwner<'_>) -> Result<DefinitivePin, PinPolicyError> {
    let pin = normalize_definitive(typed);
    if !pin.chars().all(|c| c.is_ascii_alphanumeric()) {
        return Err(PinPolicyError::InvalidCharacters);
    }
    if pin.len() != DEFINITIVE_LEN {
        return Err(PinPolicyError::WrongLength);
    }
    if personal_parts(owner).iter().any(|part| pin.contains(part.as_str())) {
        return Err(PinPolicyError::ContainsPersonalData);
    }
    if is_common(&pin) {
        return Err(PinPolicyError::Common);
    }
    Ok(DefinitivePin(pin))
}

/// The pieces of the owner's identity a PIN may not contain, upper case.
fn personal_parts(owner: &PinOwner<'_>) -> Vec<String> {
    let code = owner.fiscal_code.base();
    let code = code.as_str();
    let date = owner.birth_date;
    let (year, month, day) = (date.year(), u8::from(date.month()), date.day());
    let mut parts = vec![
        code[0..3].to_owned(),  // family-name code
        code[3..6].to_owned(),  // given-name code
        code[6..11].to_owned(), // year, month letter, day (+40 for women)
        code[6..8].to_owned(),  // the year alone
        code[9..11].to_owned(), // the day alone (+40 for women)
        format!("{year:04}"),
        format!("{day:02}{month:02}"),
        format!("{month:02}{day:02}"),
    ];
    for name in [owner.family_name, owner.given_name] {
        for word in deunicode::deunicode(name).split(|c: char| !c.is_ascii_alphabetic()) {
            if word.len() >= 3 {
                parts.push(word.to_ascii_uppercase());
            }
        }
    }
    parts
}

#[cfg(test)]
mod tests {
    use time::macros::date;

    use super::*;

    fn owner(code: &FiscalCode) -> PinOwner<'_> {
        PinOwner { fiscal_code: code, family_name: "Rossi", given_name: "Mario", birth_date: date!(1980 - 01 - 01) }
    }

    fn check(pin: &str) -> Result<DefinitivePin, PinPolicyError> {
        let code = FiscalCode::parse("RSSMRA80A01H501U").unwrap_or_else(|e| panic!("{e}"));
        check_new_pin(pin, &owner(&code))
    }

    #[test]
    fn a_good_pin_is_kept_upper_case() {
        assert_eq!(check(" k7q2m9xa ").map(|p| p.expose().to_owned()), Ok("K7Q2M9XA".to_owned()));
    }

    #[test]
    fn each_rule_has_its_reason() {
        assert_eq!(check("K7Q2M9X"), Err(PinPolicyError::WrongLength));
        assert_eq!(check("K7Q2M9XAB"), Err(PinPolicyError::WrongLength));
        assert_eq!(check("K7Q2M9X!"), Err(PinPolicyError::InvalidCharacters));
        assert_eq!(check("K7Q2 9XA"), Err(PinPolicyError::InvalidCharacters));
        assert_eq!(check("K7Q2M9XÀ"), Err(PinPolicyError::InvalidCharacters));
        assert_eq!(check("12345678"), Err(PinPolicyError::Common));
        assert_eq!(check("password"), Err(PinPolicyError::Common));
    }

    #[test]
    fn personal_data_is_refused() {
        for pin in ["XXRSSMRA", "K7MRA9XA", "Q80A01ZZ", "ZZ1980ZZ", "ZZZ0101Z", "ROSSIK7Q", "K7MARIO2", "KQ80XMZW", "KQ01XMZW"] {
            assert_eq!(check(pin), Err(PinPolicyError::ContainsPersonalData), "{pin}");
        }
    }

    #[test]
    fn debug_hides_the_pin() {
        let pin = check("K7Q2M9XA").unwrap_or_else(|e| panic!("{e}"));
        assert!(!format!("{pin:?}").contains("K7Q2"));
    }
}
