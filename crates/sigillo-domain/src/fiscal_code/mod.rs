//! The codice fiscale (CF): parsing, checking against a person's data, and computing it.
//!
//! Layout of the 16 characters (zero-based positions):
//!
//! | 0–2 | 3–5 | 6–7 | 8 | 9–10 | 11–14 | 15 |
//! |-----|-----|-----|---|------|-------|----|
//! | family name | given name | year (2 digits) | month letter | day (+40 for women) | Belfiore code of the birth place | check character |
//!
//! Omocodia: to tell apart people whose data give the same code, any of the seven digits may
//! be replaced by a letter (`0`–`9` → `L M N P Q R S T U V`); the check character is computed on
//! the letters. All 128 combinations are accepted; they are decoded before the date and place
//! are checked. [`FiscalCode::parse`] checks what the code alone can tell (SPEC 2), and
//! [`FiscalCode::check_consistency`] the rest against a person's data. Neither allocates unless
//! it fails.

mod check;
mod error;
mod names;
mod person;
pub mod places;

#[cfg(test)]
mod proptests;
#[cfg(test)]
mod tests;

use std::cmp::Ordering;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::str::FromStr;

use time::{Duration, Month, OffsetDateTime};

pub use error::{FiscalCodeError, NameField};
pub use person::{InvalidSex, PartialPersonalData, PersonalData, Sex};
pub use places::{Place, PlaceKind};
pub use time::Date;

use check::{LAYOUT, MONTH_LETTERS, NUMERIC_POSITIONS, OMOCODIA_LETTERS, Slot};

/// A syntactically valid CF: normalised (upper case, whitespace removed), 16 characters, right
/// check character, valid month letter, day 01–31 or 41–71, omocodia letters only in the seven
/// numeric positions, and a birth place code in use on at least one plausible birth date.
/// Kept exactly as given, omocodia letters included.
#[derive(Clone, Copy)]
pub struct FiscalCode {
    code: [u8; 16],
    /// Resolved once by `parse`; determined by `code`, so comparisons look at `code` only.
    place: &'static Place,
}

/// The date fields of a code, omocodia decoded.
#[derive(Debug, Clone, Copy)]
struct DateFields {
    year2: u8,
    month: u8,
    /// As written: 1–31 for men, 41–71 for women.
    day_field: u8,
}

impl FiscalCode {
    /// Parses and checks a code on its own (see the type's invariants). Plausible birth dates
    /// are 19yy and 20yy that exist and are not in the future; the place code must have been in
    /// use on one of them.
    pub fn parse(input: &str) -> Result<FiscalCode, FiscalCodeError> {
        // The latest calendar day anywhere on Earth (UTC+14), so a baby born today is never "in the future".
        let today = OffsetDateTime::now_utc().saturating_add(Duration::hours(14)).date();
        FiscalCode::parse_on(input, today)
    }

    /// [`FiscalCode::parse`] with "today" given, for deterministic callers and tests.
    pub fn parse_on(input: &str, today: Date) -> Result<FiscalCode, FiscalCodeError> {
        let code = normalise(input)?;

        // Seven digit values, in position order 6, 7, 9, 10, 12, 13, 14.
        let mut digits = [0u8; 7];
        let mut next_digit = 0;
        let mut month = 0;
        for (index, (&byte, slot)) in code.iter().zip(LAYOUT).enumerate() {
            let position = index + 1;
            let found = char::from(byte);
            match slot {
                Slot::Letter if !byte.is_ascii_uppercase() => {
                    return Err(FiscalCodeError::LetterExpected { position, found });
                }
                Slot::Letter => {}
                Slot::Digit => {
                    let value = check::digit_value(byte).ok_or(FiscalCodeError::DigitExpected { position, found })?;
                    if let Some(digit) = digits.get_mut(next_digit) {
                        *digit = value;
                    }
                    next_digit += 1;
                }
                Slot::Month if byte.is_ascii_digit() => {
                    return Err(FiscalCodeError::LetterExpected { position, found });
                }
                Slot::Month => month = check::month_number(byte).ok_or(FiscalCodeError::InvalidMonth { found })?,
            }
        }

        let expected = check::check_character(&code[..15]);
        if code[15] != expected {
            return Err(FiscalCodeError::WrongCheckCharacter {
                expected: char::from(expected),
                found: char::from(code[15]),
            });
        }

        let [y1, y2, d1, d2, p1, p2, p3] = digits;
        let fields = DateFields { year2: y1 * 10 + y2, month, day_field: d1 * 10 + d2 };
        if !matches!(fields.day_field, 1..=31 | 41..=71) {
            return Err(FiscalCodeError::InvalidDay { found: fields.day_field });
        }

        let place_number = u16::from(p1) * 100 + u16::from(p2) * 10 + u16::from(p3);
        let place = places::by_key(places::key(code[11], place_number))
            .ok_or_else(|| FiscalCodeError::UnknownPlace { code: format!("{}{p1}{p2}{p3}", char::from(code[11])) })?;

        let mut any_date = false;
        for date in fields.plausible_dates(today).into_iter().flatten() {
            if place.is_valid_on(date) {
                return Ok(FiscalCode { code, place });
            }
            any_date = true;
        }
        if any_date {
            Err(FiscalCodeError::PlaceNotValidOnAnyBirthDate {
                code: place.code,
                valid_from: place.valid_from,
                valid_until: place.valid_until,
            })
        } else {
            Err(FiscalCodeError::NonexistentDate { day: fields.day(), month: fields.month })
        }
    }

    /// Computes the base (non-omocode) code of a person.
    pub fn compute(person: &PersonalData<'_>) -> Result<FiscalCode, FiscalCodeError> {
        let family = names::family_name_code(person.family_name)
            .ok_or(FiscalCodeError::NameWithoutLetters { field: NameField::FamilyName })?;
        let given = names::given_name_code(person.given_name)
            .ok_or(FiscalCodeError::NameWithoutLetters { field: NameField::GivenName })?;
        let place_code = person.birth_place.trim();
        let place = places::lookup(place_code)
            .ok_or_else(|| FiscalCodeError::UnknownPlace { code: place_code.to_ascii_uppercase() })?;
        let date = person.birth_date;
        if !place.is_valid_on(date) {
            return Err(FiscalCodeError::PlaceNotValidOnDate { code: place.code, date });
        }

        let year2 = year2(date);
        let day_field = date.day() + if person.sex == Sex::F { 40 } else { 0 };
        let [p0, p1, p2, p3] = *place.code.as_bytes() else {
            return Err(FiscalCodeError::UnknownPlace { code: place.code.to_owned() });
        };
        let mut code = [0u8; 16];
        code[..3].copy_from_slice(&family);
        code[3..6].copy_from_slice(&given);
        code[6..16].copy_from_slice(&[
            b'0' + year2 / 10,
            b'0' + year2 % 10,
            MONTH_LETTERS[usize::from(u8::from(date.month()) - 1)],
            b'0' + day_field / 10,
            b'0' + day_field % 10,
            p0,
            p1,
            p2,
            p3,
            0,
        ]);
        code[15] = check::check_character(&code[..15]);
        Ok(FiscalCode { code, place })
    }

    /// Checks the code against a person's data: names, sex, full birth date, and a birth place
    /// equal to the code's and in use on that date. The first disagreement is reported.
    pub fn check_consistency(&self, person: &PersonalData<'_>) -> Result<(), FiscalCodeError> {
        self.check_partial(&PartialPersonalData {
            family_name: Some(person.family_name),
            given_name: Some(person.given_name),
            birth_date: Some(person.birth_date),
            sex: Some(person.sex),
            birth_place: Some(person.birth_place),
        })
    }

    /// [`FiscalCode::check_consistency`] against only the data that is known; a missing field
    /// is not checked (the place's validity needs the birth date).
    pub fn check_partial(&self, person: &PartialPersonalData<'_>) -> Result<(), FiscalCodeError> {
        if let Some(family_name) = person.family_name {
            let family = names::family_name_code(family_name)
                .ok_or(FiscalCodeError::NameWithoutLetters { field: NameField::FamilyName })?;
            if family != self.code[..3] {
                return Err(FiscalCodeError::FamilyNameMismatch {
                    expected: ascii(&family),
                    found: self.family_name_code().to_owned(),
                });
            }
        }
        if let Some(given_name) = person.given_name {
            let given = names::given_name_code(given_name)
                .ok_or(FiscalCodeError::NameWithoutLetters { field: NameField::GivenName })?;
            if given != self.code[3..6] {
                return Err(FiscalCodeError::GivenNameMismatch {
                    expected: ascii(&given),
                    found: self.given_name_code().to_owned(),
                });
            }
        }

        let fields = self.date_fields();
        let sex = fields.sex();
        if let Some(expected) = person.sex
            && expected != sex
        {
            return Err(FiscalCodeError::SexMismatch { expected, found: sex });
        }
        if let Some(date) = person.birth_date
            && (year2(date) != fields.year2 || u8::from(date.month()) != fields.month || date.day() != fields.day())
        {
            return Err(FiscalCodeError::BirthDateMismatch {
                date,
                code_day: fields.day(),
                code_month: fields.month,
                code_year: fields.year2,
            });
        }

        if let Some(place_code) = person.birth_place {
            let place_code = place_code.trim();
            if !place_code.eq_ignore_ascii_case(self.place.code) {
                return Err(FiscalCodeError::BirthPlaceMismatch {
                    expected: place_code.to_ascii_uppercase(),
                    found: self.place.code.to_owned(),
                });
            }
        }
        if let Some(date) = person.birth_date
            && !self.place.is_valid_on(date)
        {
            return Err(FiscalCodeError::PlaceNotValidOnDate { code: self.place.code, date });
        }
        Ok(())
    }

    /// This code with omocodia applied to the digits selected by `mask` (bit 0 = the last digit,
    /// position 15 counting from 1; bit 6 = the first year digit) and plain digits elsewhere.
    /// Mask 0 is the base code; masks 1, 3, 7, … are the omocodes in the order the Agenzia
    /// delle Entrate assigns them. Bits above the 7th are ignored.
    pub fn with_omocodia(&self, mask: u8) -> FiscalCode {
        let mut code = self.code;
        for (bit, &position) in NUMERIC_POSITIONS.iter().enumerate() {
            let digit = check::digit_value(code[position]).unwrap_or(0);
            code[position] = if mask & (1 << bit) != 0 { OMOCODIA_LETTERS[usize::from(digit)] } else { b'0' + digit };
        }
        code[15] = check::check_character(&code[..15]);
        FiscalCode { code, place: self.place }
    }

    /// The base code, with every omocodia letter turned back into its digit.
    pub fn base(&self) -> FiscalCode {
        self.with_omocodia(0)
    }

    /// Which numeric positions hold omocodia letters, as a [`FiscalCode::with_omocodia`] mask.
    pub fn omocodia_mask(&self) -> u8 {
        NUMERIC_POSITIONS
            .iter()
            .enumerate()
            .filter(|(_, position)| self.code[**position].is_ascii_uppercase())
            .fold(0, |mask, (bit, _)| mask | (1 << bit))
    }

    pub fn is_omocode(&self) -> bool {
        self.omocodia_mask() != 0
    }

    /// The normalised code, omocodia letters kept.
    pub fn as_str(&self) -> &str {
        // Only ASCII letters and digits are ever stored.
        std::str::from_utf8(&self.code).unwrap_or_default()
    }

    /// The three letters of the family name.
    pub fn family_name_code(&self) -> &str {
        self.as_str().get(..3).unwrap_or_default()
    }

    /// The three letters of the given name.
    pub fn given_name_code(&self) -> &str {
        self.as_str().get(3..6).unwrap_or_default()
    }

    pub fn sex(&self) -> Sex {
        self.date_fields().sex()
    }

    /// Day of the month, 1–31 (the +40 for women removed).
    pub fn birth_day(&self) -> u8 {
        self.date_fields().day()
    }

    /// Month, 1–12.
    pub fn birth_month(&self) -> u8 {
        self.date_fields().month
    }

    /// The year without its century, 0–99.
    pub fn birth_year_2digits(&self) -> u8 {
        self.date_fields().year2
    }

    /// The Belfiore code of the birth place, omocodia decoded (e.g. `H501`).
    pub fn birth_place_code(&self) -> &'static str {
        self.place.code
    }

    /// The birth place record.
    pub fn birth_place(&self) -> &'static Place {
        self.place
    }

    /// The birth dates this code can stand for (19yy and/or 20yy, existing, not after `today`),
    /// on which its place code was in use; oldest first.
    pub fn plausible_birth_dates(&self, today: Date) -> impl Iterator<Item = Date> + use<> {
        let place = self.place;
        self.date_fields().plausible_dates(today).into_iter().flatten().filter(move |d| place.is_valid_on(*d))
    }

    fn date_fields(&self) -> DateFields {
        let digit = |position: usize| check::digit_value(self.code[position]).unwrap_or(0);
        DateFields {
            year2: digit(6) * 10 + digit(7),
            month: check::month_number(self.code[8]).unwrap_or(1),
            day_field: digit(9) * 10 + digit(10),
        }
    }
}

impl DateFields {
    fn sex(self) -> Sex {
        if self.day_field > 40 { Sex::F } else { Sex::M }
    }

    fn day(self) -> u8 {
        if self.day_field > 40 { self.day_field - 40 } else { self.day_field }
    }

    /// 19yy then 20yy, each if it is a real day not after `today`.
    fn plausible_dates(self, today: Date) -> [Option<Date>; 2] {
        let Ok(month) = Month::try_from(self.month) else {
            return [None, None];
        };
        let candidate = |century: i32| {
            Date::from_calendar_date(century + i32::from(self.year2), month, self.day()).ok().filter(|d| *d <= today)
        };
        [candidate(1900), candidate(2000)]
    }
}

/// Upper-cases and drops whitespace; checks length and that only ASCII letters and digits remain.
fn normalise(input: &str) -> Result<[u8; 16], FiscalCodeError> {
    let mut code = [0u8; 16];
    let mut len = 0;
    let mut invalid = None;
    for c in input.chars().filter(|c| !c.is_whitespace()) {
        if c.is_ascii_alphanumeric() {
            if let Some(slot) = code.get_mut(len) {
                // ASCII, so the cast is exact.
                *slot = c.to_ascii_uppercase() as u8;
            }
        } else if invalid.is_none() {
            invalid = Some(FiscalCodeError::InvalidCharacter { position: len + 1, found: c });
        }
        len += 1;
    }
    match (len, invalid) {
        (0, _) => Err(FiscalCodeError::Empty),
        (16, None) => Ok(code),
        (16, Some(invalid)) => Err(invalid),
        (len, _) => Err(FiscalCodeError::WrongLength { len }),
    }
}

fn year2(date: Date) -> u8 {
    // rem_euclid(100) is in 0..100, so the conversion cannot fail.
    u8::try_from(date.year().rem_euclid(100)).unwrap_or(0)
}

fn ascii(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

impl PartialEq for FiscalCode {
    fn eq(&self, other: &FiscalCode) -> bool {
        self.code == other.code
    }
}

impl Eq for FiscalCode {}

impl Hash for FiscalCode {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.code.hash(state);
    }
}

impl PartialOrd for FiscalCode {
    fn partial_cmp(&self, other: &FiscalCode) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for FiscalCode {
    fn cmp(&self, other: &FiscalCode) -> Ordering {
        self.code.cmp(&other.code)
    }
}

impl fmt::Debug for FiscalCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("FiscalCode").field(&self.as_str()).finish()
    }
}

impl fmt::Display for FiscalCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for FiscalCode {
    type Err = FiscalCodeError;

    fn from_str(s: &str) -> Result<FiscalCode, FiscalCodeError> {
        FiscalCode::parse(s)
    }
}

impl serde::Serialize for FiscalCode {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> serde::Deserialize<'de> for FiscalCode {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<FiscalCode, D::Error> {
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = FiscalCode;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a codice fiscale")
            }

            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<FiscalCode, E> {
                FiscalCode::parse(v).map_err(E::custom)
            }
        }
        deserializer.deserialize_str(Visitor)
    }
}
