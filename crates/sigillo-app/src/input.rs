//! Parsing what citizens type, forgivingly, into domain values, collecting one reason per field.

use std::collections::BTreeMap;

use time::Date;
use time::macros::format_description;

/// Field name → the reason it was refused, in Italian (the API's `fields`).
pub type FieldErrors = BTreeMap<String, String>;

pub const REQUIRED: &str = "Campo obbligatorio.";

/// A date as `AAAA-MM-GG` or `GG/MM/AAAA` (also with `-` or `.` between day, month and year).
pub fn parse_date(value: &str) -> Option<Date> {
    let value = value.trim();
    if let Ok(date) = Date::parse(value, format_description!("[year]-[month]-[day]")) {
        return Some(date);
    }
    let normalized: String = value.chars().map(|c| if matches!(c, '-' | '.') { '/' } else { c }).collect();
    Date::parse(&normalized, format_description!("[day padding:none]/[month padding:none]/[year]")).ok()
}

/// Trimmed text, or `None` when empty; over `max` characters is an error.
pub fn text<'a>(errors: &mut FieldErrors, field: &str, value: Option<&'a str>, max: usize) -> Option<&'a str> {
    match value.map(str::trim).filter(|v| !v.is_empty()) {
        None => None,
        Some(v) if v.chars().count() > max => {
            errors.insert(field.to_owned(), format!("Testo troppo lungo (al massimo {max} caratteri)."));
            None
        }
        Some(v) if v.chars().any(char::is_control) => {
            errors.insert(field.to_owned(), "Il campo contiene caratteri non ammessi.".to_owned());
            None
        }
        Some(v) => Some(v),
    }
}

/// Like [`text`], but missing is an error too.
pub fn required<'a>(errors: &mut FieldErrors, field: &str, value: Option<&'a str>, max: usize) -> Option<&'a str> {
    let had_error = errors.contains_key(field);
    let v = text(errors, field, value, max);
    if v.is_none() && !had_error && !errors.contains_key(field) {
        errors.insert(field.to_owned(), REQUIRED.to_owned());
    }
    v
}

/// Letters compared the way a clerk would: accents folded, case and punctuation ignored.
pub fn same_text(a: &str, b: &str) -> bool {
    fn fold(s: &str) -> String {
        deunicode_lite(s).chars().filter(char::is_ascii_alphanumeric).map(|c| c.to_ascii_uppercase()).collect()
    }
    fold(a) == fold(b)
}

fn deunicode_lite(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            'à' | 'á' | 'â' | 'ä' | 'À' | 'Á' | 'Â' | 'Ä' => 'a',
            'è' | 'é' | 'ê' | 'ë' | 'È' | 'É' | 'Ê' | 'Ë' => 'e',
            'ì' | 'í' | 'î' | 'ï' | 'Ì' | 'Í' | 'Î' | 'Ï' => 'i',
            'ò' | 'ó' | 'ô' | 'ö' | 'Ò' | 'Ó' | 'Ô' | 'Ö' => 'o',
            'ù' | 'ú' | 'û' | 'ü' | 'Ù' | 'Ú' | 'Û' | 'Ü' => 'u',
            other => other,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use time::macros::date;

    use super::*;

    #[test]
    fn dates_in_both_forms() {
        assert_eq!(parse_date("1980-01-31"), Some(date!(1980 - 01 - 31)));
        assert_eq!(parse_date(" 31/01/1980 "), Some(date!(1980 - 01 - 31)));
        assert_eq!(parse_date("1/2/1980"), Some(date!(1980 - 02 - 01)));
        assert_eq!(parse_date("31.01.1980"), Some(date!(1980 - 01 - 31)));
        assert_eq!(parse_date("31/02/1980"), None);
        assert_eq!(parse_date("ieri"), None);
    }

    #[test]
    fn texts_compare_like_a_clerk() {
        assert!(same_text("Via Roma, 1", "VIA ROMA 1"));
        assert!(same_text("Nicolò", "nicolo"));
        assert!(!same_text("Via Roma 1", "Via Roma 2"));
    }
}
