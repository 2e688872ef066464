//! One registry row as text, and the rules that turn it into an [`InsuredPerson`].

use std::fmt;

use time::{Date, macros::format_description};

use super::contact::{ContactError, Email, PhoneNumber};
use super::person::{HealthCard, InsuredPerson, Residence};
use crate::fiscal_code::{FiscalCode, FiscalCodeError, PersonalData, Sex, places};
use crate::lang::{Lang, Localized};

/// The registry's columns, in the order of the CSV header (a fixed external contract).
pub const COLUMNS: [&str; 16] = [
    "fiscal_code",
    "family_name",
    "given_name",
    "birth_date",
    "sex",
    "birth_place",
    "address",
    "postal_code",
    "municipality",
    "province",
    "country",
    "health_card_number",
    "health_card_expiry",
    "contribution_weeks",
    "mobile",
    "email",
];

/// No registry field is anywhere near this long; a longer one is a broken file, not a long name.
const MAX_FIELD_CHARS: usize = 200;
/// The most weeks anyone can have: 70 years of contributions.
const MAX_CONTRIBUTION_WEEKS: u32 = 70 * 53;

/// A row's fields, borrowed from wherever they were read, in [`COLUMNS`] order.
#[derive(Debug, Clone, Copy)]
pub struct RegistryRow<'a> {
    pub fields: [&'a str; 16],
}

/// Why a row was refused: the column at fault and the problem with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowError {
    pub column: &'static str,
    pub problem: RowProblem,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RowProblem {
    Missing,
    TooLong { max: usize },
    ControlCharacters,
    InvalidDate,
    DateInFuture,
    InvalidSex,
    FiscalCode(FiscalCodeError),
    InvalidBirthPlace,
    UnknownBirthPlace,
    InvalidPostalCode,
    InvalidProvince,
    InvalidCountry,
    InvalidHealthCardNumber,
    InvalidWeeks,
    Contact(ContactError),
}

impl Localized for RowProblem {
    fn message(&self, lang: Lang) -> String {
        let (it, en): (&str, &str) = match self {
            RowProblem::Missing => ("campo obbligatorio vuoto", "required field is empty"),
            RowProblem::TooLong { max } => {
                return match lang {
                    Lang::It => format!("campo troppo lungo (al massimo {max} caratteri)"),
                    Lang::En => format!("field too long (at most {max} characters)"),
                };
            }
            RowProblem::ControlCharacters => {
                ("il campo contiene caratteri di controllo", "field contains control characters")
            }
            RowProblem::InvalidDate => ("data non valida (formato AAAA-MM-GG)", "invalid date (format YYYY-MM-DD)"),
            RowProblem::DateInFuture => ("la data di nascita è nel futuro", "birth date is in the future"),
            RowProblem::InvalidSex => ("sesso non valido (M o F)", "invalid sex (M or F)"),
            RowProblem::FiscalCode(err) => return err.message(lang),
            RowProblem::InvalidBirthPlace => (
                "luogo di nascita non valido (codice catastale, es. H501)",
                "invalid birth place (Belfiore code, e.g. H501)",
            ),
            RowProblem::UnknownBirthPlace => {
                ("codice catastale del luogo di nascita sconosciuto", "unknown Belfiore code for the birth place")
            }
            RowProblem::InvalidPostalCode => {
                ("CAP non valido (5 cifre in Italia)", "invalid postal code (5 digits in Italy)")
            }
            RowProblem::InvalidProvince => {
                ("sigla della provincia non valida (2 lettere)", "invalid province (2 letters)")
            }
            RowProblem::InvalidCountry => (
                "nazione non valida (codice ISO 3166 di 2 lettere, es. IT)",
                "invalid country (ISO 3166 two-letter code, e.g. IT)",
            ),
            RowProblem::InvalidHealthCardNumber => (
                "numero della tessera sanitaria non valido (fino a 20 cifre o lettere)",
                "invalid health-card number (up to 20 digits or letters)",
            ),
            RowProblem::InvalidWeeks => ("numero di settimane non valido", "invalid number of weeks"),
            RowProblem::Contact(ContactError::InvalidPhone) => {
                ("numero di cellulare non valido", "invalid mobile number")
            }
            RowProblem::Contact(ContactError::InvalidEmail) => {
                ("indirizzo e-mail non valido", "invalid e-mail address")
            }
        };
        match lang {
            Lang::It => it.to_owned(),
            Lang::En => en.to_owned(),
        }
    }
}

impl Localized for RowError {
    fn message(&self, lang: Lang) -> String {
        format!("{}: {}", self.column, self.problem.message(lang))
    }
}

impl fmt::Display for RowError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message(Lang::It))
    }
}

impl std::error::Error for RowError {}

fn fail<T>(column: &'static str, problem: RowProblem) -> Result<T, RowError> {
    Err(RowError { column, problem })
}

impl<'a> RegistryRow<'a> {
    fn field(&self, index: usize) -> (&'static str, &'a str) {
        (COLUMNS[index], self.fields[index].trim())
    }

    /// A free-text field: trimmed, bounded, printable; `None` when empty.
    fn text(&self, index: usize) -> Result<Option<(&'static str, &'a str)>, RowError> {
        let (column, value) = self.field(index);
        if value.is_empty() {
            return Ok(None);
        }
        if value.chars().count() > MAX_FIELD_CHARS {
            return fail(column, RowProblem::TooLong { max: MAX_FIELD_CHARS });
        }
        if value.chars().any(char::is_control) {
            return fail(column, RowProblem::ControlCharacters);
        }
        Ok(Some((column, value)))
    }

    fn required(&self, index: usize) -> Result<(&'static str, &'a str), RowError> {
        self.text(index)?.map_or_else(|| fail(COLUMNS[index], RowProblem::Missing), Ok)
    }

    fn date(&self, index: usize) -> Result<Date, RowError> {
        let (column, value) = self.required(index)?;
        Date::parse(value, format_description!("[year]-[month]-[day]"))
            .or_else(|_| fail(column, RowProblem::InvalidDate))
    }
}

impl InsuredPerson {
    /// Applies every registry rule to a row; `today` bounds the birth date.
    pub fn from_row(row: &RegistryRow<'_>, today: Date) -> Result<InsuredPerson, RowError> {
        // Check every field's length and characters first, so a huge or binary field is reported as such.
        for index in 0..COLUMNS.len() {
            row.text(index)?;
        }
        let (column, raw_code) = row.required(0)?;
        let fiscal_code = FiscalCode::parse_on(raw_code, today).or_else(|e| fail(column, RowProblem::FiscalCode(e)))?;
        let (_, family_name) = row.required(1)?;
        let (_, given_name) = row.required(2)?;
        let birth_date = row.date(3)?;
        if birth_date > today {
            return fail(COLUMNS[3], RowProblem::DateInFuture);
        }
        let (column, sex) = row.required(4)?;
        let sex: Sex = sex.parse().or_else(|_| fail(column, RowProblem::InvalidSex))?;
        let (column, place) = row.required(5)?;
        let birth_place = place.to_ascii_uppercase();
        let well_formed = birth_place.len() == 4
            && birth_place.as_bytes()[0].is_ascii_uppercase()
            && birth_place.as_bytes()[1..].iter().all(u8::is_ascii_digit);
        if !well_formed {
            return fail(column, RowProblem::InvalidBirthPlace);
        }
        if places::lookup(&birth_place).is_none() {
            return fail(column, RowProblem::UnknownBirthPlace);
        }
        let personal = PersonalData { family_name, given_name, birth_date, sex, birth_place: &birth_place };
        fiscal_code.check_consistency(&personal).or_else(|e| fail(COLUMNS[0], RowProblem::FiscalCode(e)))?;

        let residence = parse_residence(row)?;
        let (column, card) = row.required(11)?;
        let card: String = card.chars().filter(|c| !c.is_whitespace()).collect::<String>().to_ascii_uppercase();
        if card.len() > 20 || !card.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return fail(column, RowProblem::InvalidHealthCardNumber);
        }
        let health_card = HealthCard { number: card, expiry: row.date(12)? };
        let (column, weeks) = row.required(13)?;
        let contribution_weeks = weeks
            .parse::<u32>()
            .ok()
            .filter(|w| *w <= MAX_CONTRIBUTION_WEEKS)
            .map_or_else(|| fail(column, RowProblem::InvalidWeeks), Ok)?;
        let mobile = match row.text(14)? {
            Some((column, value)) => Some(PhoneNumber::parse(value).or_else(|e| fail(column, RowProblem::Contact(e)))?),
            None => None,
        };
        let email = match row.text(15)? {
            Some((column, value)) => Some(Email::parse(value).or_else(|e| fail(column, RowProblem::Contact(e)))?),
            None => None,
        };
        Ok(InsuredPerson {
            fiscal_code,
            family_name: family_name.to_owned(),
            given_name: given_name.to_owned(),
            birth_date,
            sex,
            birth_place,
            residence,
            health_card,
            contribution_weeks,
            mobile,
            email,
        })
    }

    /// The person as a row of text in [`COLUMNS`] order (what `registry show` prints and export writes).
    pub fn to_row(&self) -> [String; 16] {
        let format = format_description!("[year]-[month]-[day]");
        let date = |d: Date| d.format(format).unwrap_or_default();
        [
            self.fiscal_code.to_string(),
            self.family_name.clone(),
            self.given_name.clone(),
            date(self.birth_date),
            self.sex.to_string(),
            self.birth_place.clone(),
            self.residence.address.clone(),
            self.residence.postal_code.clone(),
            self.residence.municipality.clone(),
            self.residence.province.clone(),
            self.residence.country.clone(),
            self.health_card.number.clone(),
            date(self.health_card.expiry),
            self.contribution_weeks.to_string(),
            self.mobile.as_ref().map(ToString::to_string).unwrap_or_default(),
            self.email.as_ref().map(ToString::to_string).unwrap_or_default(),
        ]
    }
}

fn parse_residence(row: &RegistryRow<'_>) -> Result<Residence, RowError> {
    let (column, country) = row.required(10)?;
    let country = country.to_ascii_uppercase();
    if country.len() != 2 || celes::Country::from_alpha2(&country).is_err() {
        return fail(column, RowProblem::InvalidCountry);
    }
    let in_italy = country == "IT";
    let (_, address) = row.required(6)?;
    let (_, municipality) = row.required(8)?;
    let postal_code = match row.text(7)? {
        Some((column, value)) => {
            let ok = if in_italy {
                value.len() == 5 && value.bytes().all(|b| b.is_ascii_digit())
            } else {
                value.len() <= 12 && value.chars().all(|c| c.is_ascii_alphanumeric() || c == ' ' || c == '-')
            };
            if !ok {
                return fail(column, RowProblem::InvalidPostalCode);
            }
            value.to_ascii_uppercase()
        }
        // Some countries have no postal codes; Italy always does.
        None if in_italy => return fail(COLUMNS[7], RowProblem::Missing),
        None => String::new(),
    };
    let province = match row.text(9)? {
        Some((column, value)) if in_italy => {
            if value.len() != 2 || !value.bytes().all(|b| b.is_ascii_alphabetic()) {
                return fail(column, RowProblem::InvalidProvince);
            }
            value.to_ascii_uppercase()
        }
        Some((_, value)) => value.to_owned(),
        None if in_italy => return fail(COLUMNS[9], RowProblem::Missing),
        None => String::new(),
    };
    Ok(Residence { address: address.to_owned(), postal_code, municipality: municipality.to_owned(), province, country })
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    const TODAY: Date = date!(2026 - 11 - 25);

    fn good() -> [&'static str; 16] {
        [
            "rssmra80a01h501u",
            "Rossi",
            "Mario",
            "1980-01-01",
            "M",
            "H501",
            "Via Roma 1",
            "00100",
            "Roma",
            "RM",
            "IT",
            "80380000000000000001",
            "2029-12-31",
            "520",
            "333 1234567",
            "mario.rossi@example.it",
        ]
    }

    fn parse(fields: [&str; 16]) -> Result<InsuredPerson, RowError> {
        InsuredPerson::from_row(&RegistryRow { fields }, TODAY)
    }

    fn problem_with(column: usize, value: &str) -> RowError {
        let mut fields = good();
        fields[column] = value;
        match parse(fields) {
            Err(e) => e,
            Ok(_) => unreachable!("{} = {value:?} was accepted", COLUMNS[column]),
        }
    }

    #[test]
    fn a_good_row_becomes_a_person_with_normalised_fields() {
        let person = parse(good()).unwrap();
        assert_eq!(person.fiscal_code.as_str(), "RSSMRA80A01H501U");
        assert_eq!(person.mobile.unwrap().as_str(), "+393331234567");
        assert_eq!(person.residence.country, "IT");
        assert_eq!(person.contribution_weeks, 520);
    }

    #[test]
    fn round_trip_through_to_row() {
        let person = parse(good()).unwrap();
        let row = person.to_row();
        let fields: [&str; 16] = std::array::from_fn(|i| row[i].as_str());
        assert_eq!(parse(fields).unwrap(), person);
    }

    #[test]
    fn each_field_rule_names_its_column() {
        let cases: &[(usize, &str, RowProblem)] = &[
            (1, "", RowProblem::Missing),
            (3, "01/01/1980", RowProblem::InvalidDate),
            (4, "X", RowProblem::InvalidSex),
            (5, "ROMA", RowProblem::InvalidBirthPlace),
            (7, "0010", RowProblem::InvalidPostalCode),
            (9, "Roma", RowProblem::InvalidProvince),
            (10, "XX", RowProblem::InvalidCountry),
            (11, "8038-000!", RowProblem::InvalidHealthCardNumber),
            (12, "2029-02-30", RowProblem::InvalidDate),
            (13, "-3", RowProblem::InvalidWeeks),
            (13, "99999", RowProblem::InvalidWeeks),
            (14, "chiamami", RowProblem::Contact(ContactError::InvalidPhone)),
            (15, "mario.rossi", RowProblem::Contact(ContactError::InvalidEmail)),
            (6, "Via\u{0}Roma", RowProblem::ControlCharacters),
        ];
        for (column, value, expected) in cases {
            let err = problem_with(*column, value);
            assert_eq!((err.column, &err.problem), (COLUMNS[*column], expected), "{value:?}");
        }
    }

    #[test]
    fn a_huge_field_is_too_long_not_a_crash() {
        let huge = "A".repeat(1 << 20);
        let err = problem_with(6, &huge);
        assert_eq!(err.problem, RowProblem::TooLong { max: MAX_FIELD_CHARS });
    }

    #[test]
    fn inconsistent_fiscal_code_is_reported_on_fiscal_code() {
        let err = problem_with(1, "Bianchi");
        assert_eq!(err.column, "fiscal_code");
        assert!(matches!(err.problem, RowProblem::FiscalCode(_)));
        let err = problem_with(3, "1981-01-01");
        assert_eq!(err.column, "fiscal_code");
    }

    #[test]
    fn future_birth_date_is_refused() {
        let err = problem_with(3, "2027-01-01");
        assert_eq!(err.problem, RowProblem::DateInFuture);
    }

    #[test]
    fn residence_abroad_may_lack_postal_code_and_province() {
        let mut fields = good();
        fields[7] = "";
        fields[9] = "";
        fields[10] = "de";
        let person = parse(fields).unwrap();
        assert!(person.residence.is_abroad());
        assert_eq!(person.residence.country, "DE");
        fields[10] = "IT";
        assert_eq!(parse(fields).unwrap_err().problem, RowProblem::Missing);
    }

    #[test]
    fn messages_exist_in_both_languages() {
        let err = problem_with(4, "X");
        assert_eq!(err.to_string(), "sex: sesso non valido (M o F)");
        assert_eq!(err.message(Lang::En), "sex: invalid sex (M or F)");
    }
}
