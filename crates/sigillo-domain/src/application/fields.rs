//! The kinds of field an application form asks for, each with its own check: what a citizen typed
//! (or a client sent) in, a normalised value out, or the reason it was refused.
//!
//! Normalised values are what is stored: dates `YYYY-MM-DD`, amounts `1234.56` (euro), IBANs
//! without spaces in upper case, fiscal codes in upper case, choices by their code. [`display`]
//! turns a stored value back into what a receipt prints.

use time::Date;
use time::macros::format_description;

use crate::fiscal_code::FiscalCode;
use crate::lang::{Lang, Localized};
use crate::pension::format_euro;

/// One option of a choice: (code, Italian label, English label).
pub type Choice = (&'static str, &'static str, &'static str);

/// What a field holds and which values it accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldKind {
    /// A calendar date, `YYYY-MM-DD` or `GG/MM/AAAA`.
    Date,
    /// An IBAN: any country's check digits (ISO 13616, mod 97), an Italian one 27 characters.
    Iban,
    /// A codice fiscale (format, check character, omocodia, a birth place that exists).
    FiscalCode,
    /// One of a list of codes.
    Choice(&'static [Choice]),
    /// Free text of 1 to `max` characters, no control characters.
    Text { max: usize },
    /// A whole number within bounds.
    Integer { min: i64, max: i64 },
    /// A euro amount, not negative, at most `max_euros`, to the cent.
    Amount { max_euros: i64 },
}

impl FieldKind {
    /// A stable name for clients (`date`, `iban`, `fiscal_code`, `choice`, `text`, `integer`, `amount`).
    pub fn name(self) -> &'static str {
        match self {
            FieldKind::Date => "date",
            FieldKind::Iban => "iban",
            FieldKind::FiscalCode => "fiscal_code",
            FieldKind::Choice(_) => "choice",
            FieldKind::Text { .. } => "text",
            FieldKind::Integer { .. } => "integer",
            FieldKind::Amount { .. } => "amount",
        }
    }
}

/// Why a value was refused. [`Localized`] gives the reason in Italian (the API's) or English.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FieldProblem {
    Required,
    /// A field the form does not have.
    Unknown,
    /// A JSON value of the wrong type (an object, an array, `true`).
    NotText,
    TooLong {
        max: usize,
    },
    ControlCharacters,
    BadDate,
    BadIban,
    BadFiscalCode(String, String),
    NotInList,
    BadInteger {
        min: i64,
        max: i64,
    },
    BadAmount {
        max_euros: i64,
    },
    /// A rule of the application itself, e.g. a date too far back: (Italian, English).
    Rule(&'static str, &'static str),
}

impl Localized for FieldProblem {
    fn message(&self, lang: Lang) -> String {
        let it = lang == Lang::It;
        let pick = |i: &str, e: &str| if it { i.to_owned() } else { e.to_owned() };
        match self {
            FieldProblem::Required => pick("Campo obbligatorio.", "Required field."),
            FieldProblem::Unknown => {
                pick("Campo non previsto per questa domanda.", "This application has no such field.")
            }
            FieldProblem::NotText => pick(
                "Valore non ammesso: serve un testo o un numero.",
                "Value not allowed: a text or a number is needed.",
            ),
            FieldProblem::TooLong { max } => {
                if it {
                    format!("Testo troppo lungo (al massimo {max} caratteri).")
                } else {
                    format!("Text too long (at most {max} characters).")
                }
            }
            FieldProblem::ControlCharacters => {
                pick("Il campo contiene caratteri non ammessi.", "The field holds characters that are not allowed.")
            }
            FieldProblem::BadDate => pick("Data non valida: scriva GG/MM/AAAA.", "Not a valid date: write DD/MM/YYYY."),
            FieldProblem::BadIban => pick(
                "IBAN non valido: controlli le cifre (un IBAN italiano ha 27 caratteri e inizia con IT).",
                "Not a valid IBAN: check the digits (an Italian IBAN has 27 characters and starts with IT).",
            ),
            FieldProblem::BadFiscalCode(i, e) => {
                if it {
                    format!("Codice fiscale non valido: {i}.")
                } else {
                    format!("Not a valid fiscal code: {e}.")
                }
            }
            FieldProblem::NotInList => pick("Scelga uno dei valori proposti.", "Choose one of the values offered."),
            FieldProblem::BadInteger { min, max } => {
                if it {
                    format!("Scriva un numero intero da {min} a {max}.")
                } else {
                    format!("Write a whole number from {min} to {max}.")
                }
            }
            FieldProblem::BadAmount { max_euros } => {
                if it {
                    format!("Scriva un importo in euro da 0 a {max_euros}, ad esempio 12.345,67.")
                } else {
                    format!("Write an amount in euro from 0 to {max_euros}, for example 12345.67.")
                }
            }
            FieldProblem::Rule(i, e) => pick(i, e),
        }
    }
}

/// Checks one present, non-empty value (already trimmed) of `kind`; returns it normalised.
pub fn check(kind: FieldKind, value: &str) -> Result<String, FieldProblem> {
    match kind {
        FieldKind::Date => parse_date(value).map(iso).ok_or(FieldProblem::BadDate),
        FieldKind::Iban => normalize_iban(value).ok_or(FieldProblem::BadIban),
        FieldKind::FiscalCode => FiscalCode::parse(value)
            .map(|code| code.as_str().to_owned())
            .map_err(|e| FieldProblem::BadFiscalCode(e.message(Lang::It), e.message(Lang::En))),
        FieldKind::Choice(choices) => choices
            .iter()
            .find(|(code, _, _)| *code == value)
            .map(|(code, _, _)| (*code).to_owned())
            .ok_or(FieldProblem::NotInList),
        FieldKind::Text { max } => {
            if value.chars().count() > max {
                Err(FieldProblem::TooLong { max })
            } else if value.chars().any(char::is_control) {
                Err(FieldProblem::ControlCharacters)
            } else {
                Ok(value.to_owned())
            }
        }
        FieldKind::Integer { min, max } => value
            .parse::<i64>()
            .ok()
            .filter(|n| (min..=max).contains(n))
            .map(|n| n.to_string())
            .ok_or(FieldProblem::BadInteger { min, max }),
        FieldKind::Amount { max_euros } => parse_cents(value)
            .filter(|c| *c <= max_euros.saturating_mul(100))
            .map(|c| format!("{}.{:02}", c / 100, c % 100))
            .ok_or(FieldProblem::BadAmount { max_euros }),
    }
}

/// A stored value as a receipt prints it: dates `GG/MM/AAAA`, amounts `€ 1.234,56`, IBANs in
/// groups of four, choices by their label. A value that does not parse is printed as it is.
pub fn display(kind: FieldKind, value: &str, lang: Lang) -> String {
    match kind {
        FieldKind::Date => parse_date(value).map_or_else(|| value.to_owned(), dmy),
        FieldKind::Iban => {
            let chars: Vec<char> = value.chars().collect();
            chars.chunks(4).map(|c| c.iter().collect::<String>()).collect::<Vec<_>>().join(" ")
        }
        FieldKind::Choice(choices) => choices.iter().find(|(code, _, _)| *code == value).map_or_else(
            || value.to_owned(),
            |(_, it, en)| if lang == Lang::It { (*it).to_owned() } else { (*en).to_owned() },
        ),
        FieldKind::Amount { .. } => parse_cents(value).map_or_else(|| value.to_owned(), format_euro),
        FieldKind::FiscalCode | FieldKind::Text { .. } | FieldKind::Integer { .. } => value.to_owned(),
    }
}

/// `YYYY-MM-DD`, or `GG/MM/AAAA` (also with `-` or `.` between day, month and year, day and month
/// with or without a leading zero).
pub fn parse_date(value: &str) -> Option<Date> {
    let value = value.trim();
    if let Ok(date) = Date::parse(value, format_description!("[year]-[month]-[day]")) {
        return Some(date);
    }
    let normalized: String = value.chars().map(|c| if matches!(c, '-' | '.') { '/' } else { c }).collect();
    Date::parse(&normalized, format_description!("[day padding:none]/[month padding:none]/[year]")).ok()
}

pub fn iso(date: Date) -> String {
    format!("{:04}-{:02}-{:02}", date.year(), u8::from(date.month()), date.day())
}

pub fn dmy(date: Date) -> String {
    format!("{:02}/{:02}/{:04}", date.day(), u8::from(date.month()), date.year())
}

/// The IBAN without spaces or dashes, in upper case, if its check digits are right (ISO 13616:
/// the first four characters moved to the end, letters as 10–35, the number mod 97 is 1). Italian
/// IBANs must also have their fixed layout: `IT`, 2 digits, a letter (CIN), 10 digits (ABI, CAB),
/// 12 letters or digits (account).
pub fn normalize_iban(value: &str) -> Option<String> {
    let iban: String = value.chars().filter(|c| !matches!(c, ' ' | '-')).map(|c| c.to_ascii_uppercase()).collect();
    let bytes = iban.as_bytes();
    if !(15..=34).contains(&bytes.len())
        || !bytes[..2].iter().all(u8::is_ascii_uppercase)
        || !bytes[2..4].iter().all(u8::is_ascii_digit)
        || !bytes.iter().all(u8::is_ascii_alphanumeric)
    {
        return None;
    }
    if &iban[..2] == "IT"
        && (bytes.len() != 27 || !bytes[4].is_ascii_uppercase() || !bytes[5..15].iter().all(u8::is_ascii_digit))
    {
        return None;
    }
    let mut remainder = 0u32;
    for &b in bytes[4..].iter().chain(&bytes[..4]) {
        let value = if b.is_ascii_digit() { u32::from(b - b'0') } else { u32::from(b - b'A') + 10 };
        remainder = if value >= 10 { (remainder * 100 + value) % 97 } else { (remainder * 10 + value) % 97 };
    }
    (remainder == 1).then_some(iban)
}

/// Euro as typed, in cents: `1234`, `1234.5`, `1.234,56`, `1234,56`, `€ 1 234,56`. A comma is the
/// decimal mark (dots then group thousands); without a comma a dot followed by one or two digits is
/// the decimal mark, otherwise dots group thousands. Negative amounts are refused.
pub fn parse_cents(value: &str) -> Option<i64> {
    let cleaned: String = value.trim().trim_start_matches('€').chars().filter(|c| !c.is_whitespace()).collect();
    if cleaned.is_empty() || cleaned.starts_with('-') {
        return None;
    }
    let (whole, fraction) = if let Some((w, f)) = cleaned.split_once(',') {
        (grouped(w)?, f)
    } else {
        match cleaned.rsplit_once('.') {
            Some((w, f)) if (1..=2).contains(&f.len()) && !w.contains('.') => (w.to_owned(), f),
            Some(_) => (grouped(&cleaned)?, ""),
            None => (cleaned.clone(), ""),
        }
    };
    if whole.is_empty() || whole.len() > 12 || !whole.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    if fraction.len() > 2 || !fraction.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let euros: i64 = whole.parse().ok()?;
    let cents: i64 = if fraction.is_empty() { 0 } else { format!("{fraction:0<2}").parse().ok()? };
    euros.checked_mul(100)?.checked_add(cents)
}

/// `1.234.567` → `1234567`, only when every group after the first has three digits.
fn grouped(value: &str) -> Option<String> {
    let mut parts = value.split('.');
    let first = parts.next()?;
    let rest: Vec<&str> = parts.collect();
    if rest.iter().any(|p| p.len() != 3) || (first.is_empty() && !rest.is_empty()) {
        return None;
    }
    Some(std::iter::once(first).chain(rest).collect())
}

#[cfg(test)]
mod tests {
    use time::macros::date;

    use super::*;

    const COLOURS: &[Choice] = &[("rosso", "Rosso", "Red"), ("verde", "Verde", "Green")];

    #[test]
    fn dates_in_both_notations() {
        assert_eq!(check(FieldKind::Date, "2026-03-01"), Ok("2026-03-01".into()));
        assert_eq!(check(FieldKind::Date, "1/3/2026"), Ok("2026-03-01".into()));
        assert_eq!(check(FieldKind::Date, "01.03.2026"), Ok("2026-03-01".into()));
        assert_eq!(check(FieldKind::Date, "01-03-2026"), Ok("2026-03-01".into()));
        for bad in ["2026-02-30", "31/04/2026", "ieri", "2026/03/01", "1.3.26x"] {
            assert_eq!(check(FieldKind::Date, bad), Err(FieldProblem::BadDate), "{bad}");
        }
        assert_eq!(display(FieldKind::Date, "2026-03-01", Lang::It), "01/03/2026");
        assert_eq!(parse_date("2024-02-29"), Some(date!(2024 - 02 - 29)));
    }

    #[test]
    fn ibans_by_their_check_digits() {
        // Well-known valid examples (Banca d'Italia, ECBS).
        for good in [
            "IT60X0542811101000000123456",
            "it60 x054 2811 1010 0000 0123 456",
            "DE89370400440532013000",
            "GB82WEST12345698765432",
        ] {
            assert!(check(FieldKind::Iban, good).is_ok(), "{good}");
        }
        assert_eq!(
            check(FieldKind::Iban, "it60 x054 2811 1010 0000 0123 456"),
            Ok("IT60X0542811101000000123456".into())
        );
        for bad in [
            "IT61X0542811101000000123456", // wrong check digits
            "IT60X0542811101000000123457", // one digit changed
            "IT60X054281110100000012345",  // too short for Italy
            "IT6010542811101000000123456", // CIN must be a letter
            "DE8937040044053201300",       // wrong length, wrong digits
            "IT60X05428111010000001234!6",
            "1234",
            "",
        ] {
            assert_eq!(check(FieldKind::Iban, bad), Err(FieldProblem::BadIban), "{bad}");
        }
        assert_eq!(
            display(FieldKind::Iban, "IT60X0542811101000000123456", Lang::It),
            "IT60 X054 2811 1010 0000 0123 456"
        );
    }

    #[test]
    fn fiscal_codes_by_the_fiscal_code_rules() {
        assert_eq!(check(FieldKind::FiscalCode, "rssmra80a01h501u"), Ok("RSSMRA80A01H501U".into()));
        let Err(FieldProblem::BadFiscalCode(it, en)) = check(FieldKind::FiscalCode, "RSSMRA80A01H501X") else {
            panic!("a wrong check character is refused")
        };
        assert!(it.contains("carattere di controllo") || !it.is_empty(), "{it}");
        assert!(!en.is_empty());
        assert!(matches!(check(FieldKind::FiscalCode, "RSSMRA80"), Err(FieldProblem::BadFiscalCode(..))));
    }

    #[test]
    fn choices_only_from_the_list() {
        assert_eq!(check(FieldKind::Choice(COLOURS), "verde"), Ok("verde".into()));
        assert_eq!(check(FieldKind::Choice(COLOURS), "Verde"), Err(FieldProblem::NotInList));
        assert_eq!(check(FieldKind::Choice(COLOURS), "blu"), Err(FieldProblem::NotInList));
        assert_eq!(display(FieldKind::Choice(COLOURS), "verde", Lang::It), "Verde");
        assert_eq!(display(FieldKind::Choice(COLOURS), "verde", Lang::En), "Green");
    }

    #[test]
    fn bounded_text() {
        let text = FieldKind::Text { max: 5 };
        assert_eq!(check(text, "àèìòù"), Ok("àèìòù".into()), "characters, not bytes");
        assert_eq!(check(text, "abcdef"), Err(FieldProblem::TooLong { max: 5 }));
        assert_eq!(check(text, "a\u{0}b"), Err(FieldProblem::ControlCharacters));
        assert_eq!(check(text, "a\nb"), Err(FieldProblem::ControlCharacters));
    }

    #[test]
    fn integers_within_bounds() {
        let n = FieldKind::Integer { min: 1, max: 20 };
        assert_eq!(check(n, "4"), Ok("4".into()));
        assert_eq!(check(n, "20"), Ok("20".into()));
        for bad in ["0", "21", "-1", "4.5", "quattro", "1e3"] {
            assert_eq!(check(n, bad), Err(FieldProblem::BadInteger { min: 1, max: 20 }), "{bad}");
        }
    }

    #[test]
    fn amounts_as_italians_and_machines_write_them() {
        let a = FieldKind::Amount { max_euros: 1_000_000 };
        for (typed, stored) in [
            ("1234", "1234.00"),
            ("1234.5", "1234.50"),
            ("1234.56", "1234.56"),
            ("1.234,56", "1234.56"),
            ("1234,5", "1234.50"),
            ("€ 12 345,67", "12345.67"),
            ("1.234", "1234.00"),
            ("1.234.567", "1234567.00"),
            ("0", "0.00"),
        ] {
            if typed == "1.234.567" {
                assert_eq!(check(a, typed), Err(FieldProblem::BadAmount { max_euros: 1_000_000 }), "over the bound");
                assert_eq!(parse_cents(typed), Some(123_456_700));
                continue;
            }
            assert_eq!(check(a, typed), Ok(stored.into()), "{typed}");
        }
        for bad in ["-5", "12,345,67", "1.23.4", "abc", "1,234.56", "12,3456", ""] {
            assert!(check(a, bad).is_err(), "{bad}");
        }
        assert_eq!(display(a, "1234.50", Lang::It), "€ 1.234,50");
    }

    #[test]
    fn every_problem_has_words_in_both_languages() {
        let problems = [
            FieldProblem::Required,
            FieldProblem::Unknown,
            FieldProblem::NotText,
            FieldProblem::TooLong { max: 3 },
            FieldProblem::ControlCharacters,
            FieldProblem::BadDate,
            FieldProblem::BadIban,
            FieldProblem::BadFiscalCode("x".into(), "y".into()),
            FieldProblem::NotInList,
            FieldProblem::BadInteger { min: 1, max: 2 },
            FieldProblem::BadAmount { max_euros: 5 },
            FieldProblem::Rule("regola", "rule"),
        ];
        for p in problems {
            let (it, en) = (p.message(Lang::It), p.message(Lang::En));
            assert!(!it.is_empty() && !en.is_empty() && it != en, "{p:?}");
        }
    }
}
