//! Why a codice fiscale was refused, in words a citizen understands.

use std::fmt;

use time::Date;

use crate::lang::{Lang, Localized};

use super::Sex;

/// Which name a [`FiscalCodeError::NameWithoutLetters`] is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NameField {
    FamilyName,
    GivenName,
}

impl NameField {
    fn words(self, lang: Lang) -> &'static str {
        match (self, lang) {
            (NameField::FamilyName, Lang::It) => "il cognome",
            (NameField::GivenName, Lang::It) => "il nome",
            (NameField::FamilyName, Lang::En) => "the family name",
            (NameField::GivenName, Lang::En) => "the given name",
        }
    }
}

/// Each way a codice fiscale can be wrong. `Display` is the Italian text; [`Localized`] gives
/// Italian or English. Positions are 1-based, as a citizen counts them. [`FiscalCodeError::kind`]
/// is a stable identifier for APIs and logs.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", self.message(Lang::It))]
pub enum FiscalCodeError {
    /// Nothing but whitespace.
    Empty,
    /// Not 16 characters once whitespace is removed.
    WrongLength {
        len: usize,
    },
    /// A character that is neither a letter A–Z nor a digit.
    InvalidCharacter {
        position: usize,
        found: char,
    },
    /// A digit where the layout wants a letter.
    LetterExpected {
        position: usize,
        found: char,
    },
    /// A letter where the layout wants a digit; only L M N P Q R S T U V may replace digits.
    DigitExpected {
        position: usize,
        found: char,
    },
    /// The 9th character is not one of A B C D E H L M P R S T.
    InvalidMonth {
        found: char,
    },
    WrongCheckCharacter {
        expected: char,
        found: char,
    },
    /// The day field is not 01–31 (men) or 41–71 (women).
    InvalidDay {
        found: u8,
    },
    /// Day and month that exist in no plausible year, e.g. 31 April.
    NonexistentDate {
        day: u8,
        month: u8,
    },
    /// No municipality or state ever had this Belfiore code.
    UnknownPlace {
        code: String,
    },
    /// Checking the code alone: the place code was not in use in 19yy nor 20yy (not in the future).
    PlaceNotValidOnAnyBirthDate {
        code: &'static str,
        valid_from: Option<Date>,
        valid_until: Option<Date>,
    },
    /// The place code was not in use on this birth date.
    PlaceNotValidOnDate {
        code: &'static str,
        date: Date,
    },
    NameWithoutLetters {
        field: NameField,
    },
    /// `expected` is what the person's family name gives, `found` what the code holds.
    FamilyNameMismatch {
        expected: String,
        found: String,
    },
    GivenNameMismatch {
        expected: String,
        found: String,
    },
    /// `expected` is the person's sex, `found` what the code's day says.
    SexMismatch {
        expected: Sex,
        found: Sex,
    },
    /// The person's birth date against the code's day, month and two-digit year.
    BirthDateMismatch {
        date: Date,
        code_day: u8,
        code_month: u8,
        code_year: u8,
    },
    /// `expected` is the person's birth place code, `found` the code's (omocodia decoded).
    BirthPlaceMismatch {
        expected: String,
        found: String,
    },
}

impl FiscalCodeError {
    /// A stable snake_case identifier of the variant, for APIs, logs and tests.
    pub fn kind(&self) -> &'static str {
        match self {
            FiscalCodeError::Empty => "empty",
            FiscalCodeError::WrongLength { .. } => "wrong_length",
            FiscalCodeError::InvalidCharacter { .. } => "invalid_character",
            FiscalCodeError::LetterExpected { .. } => "letter_expected",
            FiscalCodeError::DigitExpected { .. } => "digit_expected",
            FiscalCodeError::InvalidMonth { .. } => "invalid_month",
            FiscalCodeError::WrongCheckCharacter { .. } => "wrong_check_character",
            FiscalCodeError::InvalidDay { .. } => "invalid_day",
            FiscalCodeError::NonexistentDate { .. } => "nonexistent_date",
            FiscalCodeError::UnknownPlace { .. } => "unknown_place",
            FiscalCodeError::PlaceNotValidOnAnyBirthDate { .. } => "place_not_valid_on_any_birth_date",
            FiscalCodeError::PlaceNotValidOnDate { .. } => "place_not_valid_on_date",
            FiscalCodeError::NameWithoutLetters { .. } => "name_without_letters",
            FiscalCodeError::FamilyNameMismatch { .. } => "family_name_mismatch",
            FiscalCodeError::GivenNameMismatch { .. } => "given_name_mismatch",
            FiscalCodeError::SexMismatch { .. } => "sex_mismatch",
            FiscalCodeError::BirthDateMismatch { .. } => "birth_date_mismatch",
            FiscalCodeError::BirthPlaceMismatch { .. } => "birth_place_mismatch",
        }
    }

    /// Whether the code itself is malformed, as opposed to not matching a person's data.
    pub fn is_about_the_code_alone(&self) -> bool {
        !matches!(
            self,
            FiscalCodeError::PlaceNotValidOnDate { .. }
                | FiscalCodeError::NameWithoutLetters { .. }
                | FiscalCodeError::FamilyNameMismatch { .. }
                | FiscalCodeError::GivenNameMismatch { .. }
                | FiscalCodeError::SexMismatch { .. }
                | FiscalCodeError::BirthDateMismatch { .. }
                | FiscalCodeError::BirthPlaceMismatch { .. }
        )
    }
}

/// 31/12/1999, as Italians write dates.
struct Dmy(Date);

impl fmt::Display for Dmy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:02}/{:02}/{}", self.0.day(), u8::from(self.0.month()), self.0.year())
    }
}

fn sex_word(sex: Sex, lang: Lang) -> &'static str {
    match (sex, lang) {
        (Sex::M, Lang::It) => "maschile",
        (Sex::F, Lang::It) => "femminile",
        (Sex::M, Lang::En) => "male",
        (Sex::F, Lang::En) => "female",
    }
}

fn span(from: Option<Date>, until: Option<Date>, lang: Lang) -> String {
    match (from, until, lang) {
        (Some(f), Some(u), Lang::It) => format!("in uso dal {} al {}", Dmy(f), Dmy(u)),
        (Some(f), None, Lang::It) => format!("in uso dal {}", Dmy(f)),
        (None, Some(u), Lang::It) => format!("in uso fino al {}", Dmy(u)),
        (None, None, Lang::It) => "sempre in uso".to_owned(),
        (Some(f), Some(u), Lang::En) => format!("in use from {} to {}", Dmy(f), Dmy(u)),
        (Some(f), None, Lang::En) => format!("in use since {}", Dmy(f)),
        (None, Some(u), Lang::En) => format!("in use until {}", Dmy(u)),
        (None, None, Lang::En) => "always in use".to_owned(),
    }
}

impl Localized for FiscalCodeError {
    fn message(&self, lang: Lang) -> String {
        use FiscalCodeError as E;
        match lang {
            Lang::It => match self {
                E::Empty => "il codice fiscale è vuoto".to_owned(),
                E::WrongLength { len } => format!("il codice fiscale deve avere 16 caratteri, ne ha {len}"),
                E::InvalidCharacter { position, found } => {
                    format!("carattere non ammesso «{found}» in posizione {position}: solo lettere e cifre")
                }
                E::LetterExpected { position, found } => {
                    format!("in posizione {position} ci vuole una lettera, non «{found}»")
                }
                E::DigitExpected { position, found } => format!(
                    "in posizione {position} ci vuole una cifra (o una lettera di omocodia L M N P Q R S T U V), non «{found}»"
                ),
                E::InvalidMonth { found } => {
                    format!("la lettera del mese di nascita «{found}» non è valida: ammesse A B C D E H L M P R S T")
                }
                E::WrongCheckCharacter { expected, found } => format!(
                    "il carattere di controllo non corrisponde: atteso {expected}, trovato {found} (probabile errore di battitura)"
                ),
                E::InvalidDay { found } => {
                    format!("il giorno di nascita {found:02} non è valido: 01–31 per gli uomini, 41–71 per le donne")
                }
                E::NonexistentDate { day, month } => {
                    format!("la data di nascita {day:02}/{month:02} del codice non esiste")
                }
                E::UnknownPlace { code } => format!("il codice del luogo di nascita {code} non esiste"),
                E::PlaceNotValidOnAnyBirthDate { code, valid_from, valid_until } => format!(
                    "il codice del luogo di nascita {code} non era in uso alla data di nascita del codice ({})",
                    span(*valid_from, *valid_until, lang)
                ),
                E::PlaceNotValidOnDate { code, date } => {
                    format!("il codice del luogo di nascita {code} non era in uso il {}", Dmy(*date))
                }
                E::NameWithoutLetters { field } => format!("{} non contiene lettere", field.words(lang)),
                E::FamilyNameMismatch { expected, found } => format!(
                    "il cognome non corrisponde al codice fiscale: dal cognome risulta {expected}, nel codice c'è {found}"
                ),
                E::GivenNameMismatch { expected, found } => format!(
                    "il nome non corrisponde al codice fiscale: dal nome risulta {expected}, nel codice c'è {found}"
                ),
                E::SexMismatch { expected, found } => format!(
                    "il sesso non corrisponde al codice fiscale: indicato {}, nel codice {}",
                    sex_word(*expected, lang),
                    sex_word(*found, lang)
                ),
                E::BirthDateMismatch { date, code_day, code_month, code_year } => format!(
                    "la data di nascita {} non corrisponde al codice fiscale, che indica il {code_day:02}/{code_month:02}/..{code_year:02}",
                    Dmy(*date)
                ),
                E::BirthPlaceMismatch { expected, found } => format!(
                    "il luogo di nascita non corrisponde al codice fiscale: indicato {expected}, nel codice {found}"
                ),
            },
            Lang::En => match self {
                E::Empty => "the fiscal code is empty".to_owned(),
                E::WrongLength { len } => format!("the fiscal code must have 16 characters, it has {len}"),
                E::InvalidCharacter { position, found } => {
                    format!("character «{found}» at position {position} is not allowed: letters and digits only")
                }
                E::LetterExpected { position, found } => {
                    format!("position {position} must hold a letter, not «{found}»")
                }
                E::DigitExpected { position, found } => format!(
                    "position {position} must hold a digit (or an omocodia letter L M N P Q R S T U V), not «{found}»"
                ),
                E::InvalidMonth { found } => {
                    format!("the birth month letter «{found}» is not valid: A B C D E H L M P R S T are")
                }
                E::WrongCheckCharacter { expected, found } => {
                    format!("the check character does not match: expected {expected}, found {found} (probably a typo)")
                }
                E::InvalidDay { found } => {
                    format!("the birth day {found:02} is not valid: 01–31 for men, 41–71 for women")
                }
                E::NonexistentDate { day, month } => {
                    format!("the birth date {day:02}/{month:02} in the code does not exist")
                }
                E::UnknownPlace { code } => format!("the birth place code {code} does not exist"),
                E::PlaceNotValidOnAnyBirthDate { code, valid_from, valid_until } => format!(
                    "the birth place code {code} was not in use on the code's birth date ({})",
                    span(*valid_from, *valid_until, lang)
                ),
                E::PlaceNotValidOnDate { code, date } => {
                    format!("the birth place code {code} was not in use on {}", Dmy(*date))
                }
                E::NameWithoutLetters { field } => format!("{} contains no letters", field.words(lang)),
                E::FamilyNameMismatch { expected, found } => format!(
                    "the family name does not match the fiscal code: the name gives {expected}, the code has {found}"
                ),
                E::GivenNameMismatch { expected, found } => format!(
                    "the given name does not match the fiscal code: the name gives {expected}, the code has {found}"
                ),
                E::SexMismatch { expected, found } => format!(
                    "the sex does not match the fiscal code: given {}, the code says {}",
                    sex_word(*expected, lang),
                    sex_word(*found, lang)
                ),
                E::BirthDateMismatch { date, code_day, code_month, code_year } => format!(
                    "the birth date {} does not match the fiscal code, which says {code_day:02}/{code_month:02}/..{code_year:02}",
                    Dmy(*date)
                ),
                E::BirthPlaceMismatch { expected, found } => {
                    format!("the birth place does not match the fiscal code: given {expected}, the code has {found}")
                }
            },
        }
    }
}
