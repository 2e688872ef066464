//! Belfiore codes: Italian municipalities (A000–Y999) and foreign states (Z000–Z999).
//!
//! The table is generated at build time from `data/places.tsv` (see `data/NOTICE` for the
//! source and licence). Each code has one span of validity, its whole known life: from the day
//! it was first created to the day it was finally deleted, both included (SPEC 2). Gaps the
//! public data has inside a span are deliberately accepted.

use time::{Date, Month};

/// What a Belfiore code names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PlaceKind {
    Municipality,
    Country,
}

/// One Belfiore code with the name and province of its latest record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Place {
    /// Four characters, e.g. `H501`; always digits after the letter (never omocodia letters).
    pub code: &'static str,
    pub name: &'static str,
    /// Two-letter province code; `EE` for foreign states.
    pub province: &'static str,
    pub kind: PlaceKind,
    /// First day the code existed; `None` means "always".
    pub valid_from: Option<Date>,
    /// Last day the code existed (included); `None` means still in use.
    pub valid_until: Option<Date>,
}

impl Place {
    /// Whether a person born on `date` here can have this code in their CF.
    pub fn is_valid_on(&self, date: Date) -> bool {
        self.valid_from.is_none_or(|from| from <= date) && self.valid_until.is_none_or(|until| date <= until)
    }

    /// Whether the code is still in use (the demo-data generator picks these).
    pub fn is_current(&self) -> bool {
        self.valid_until.is_none()
    }
}

/// Builds a table date. Evaluated only while compiling the static table, so a bad date fails the build.
#[allow(clippy::panic, reason = "const evaluation: a bad date in the table is a compile error, never a run-time panic")]
const fn day(year: i32, month: u8, day: u8) -> Option<Date> {
    let month = match month {
        1 => Month::January,
        2 => Month::February,
        3 => Month::March,
        4 => Month::April,
        5 => Month::May,
        6 => Month::June,
        7 => Month::July,
        8 => Month::August,
        9 => Month::September,
        10 => Month::October,
        11 => Month::November,
        12 => Month::December,
        _ => panic!("month out of range in places table"),
    };
    match Date::from_calendar_date(year, month, day) {
        Ok(date) => Some(date),
        Err(_) => panic!("invalid date in places table"),
    }
}

include!(concat!(env!("OUT_DIR"), "/places_table.rs"));

/// The table key of a code: letter × 1000 + number. `letter` must be `A..=Z`, `number` < 1000.
#[inline]
pub(crate) fn key(letter: u8, number: u16) -> usize {
    usize::from(letter.wrapping_sub(b'A')) * 1000 + usize::from(number)
}

/// The place with this table key, if the code exists.
#[inline]
pub(crate) fn by_key(key: usize) -> Option<&'static Place> {
    let position = usize::from(*INDEX.get(key)?);
    position.checked_sub(1).and_then(|p| PLACES.get(p))
}

/// Looks a Belfiore code up (`h501` and `H501` alike). Digits only after the letter: decode omocodia first.
pub fn lookup(code: &str) -> Option<&'static Place> {
    let [letter, a, b, c] = *code.as_bytes() else {
        return None;
    };
    let letter = letter.to_ascii_uppercase();
    if !letter.is_ascii_uppercase() || ![a, b, c].iter().all(u8::is_ascii_digit) {
        return None;
    }
    let number = u16::from(a - b'0') * 100 + u16::from(b - b'0') * 10 + u16::from(c - b'0');
    by_key(key(letter, number))
}

/// Every code in the table, in code order: municipalities first, then foreign states.
pub fn all() -> impl Iterator<Item = &'static Place> {
    PLACES.iter()
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "a test fails by panicking")]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn rome_is_a_current_municipality() {
        let rome = lookup("H501").unwrap();
        assert_eq!((rome.name, rome.province, rome.kind), ("Roma", "RM", PlaceKind::Municipality));
        assert!(rome.is_current());
        assert!(rome.is_valid_on(date!(1980 - 01 - 01)));
        assert_eq!(lookup("h501").map(|p| p.code), Some("H501"));
    }

    #[test]
    fn malformed_or_unknown_codes_are_not_found() {
        for code in ["", "H50", "H5011", "HL01", "1501", "H-01", "Ç501", "Z999"] {
            assert!(lookup(code).is_none(), "{code}");
        }
    }

    #[test]
    fn a_merged_municipality_is_valid_only_until_its_deletion() {
        // Castelfranco di Sopra and Pian di Scò merged into Castelfranco Piandiscò on 2014-01-01.
        let old = lookup("C112").unwrap();
        assert_eq!(old.name, "Castelfranco Di Sopra");
        let until = old.valid_until.unwrap();
        assert!(old.is_valid_on(until));
        assert!(!old.is_valid_on(until.next_day().unwrap()));
        assert!(old.is_valid_on(date!(1950 - 06 - 15)));
        let new = lookup("M322").unwrap();
        assert!(new.valid_from.unwrap() > until);
        assert!(!new.is_valid_on(date!(1990 - 01 - 01)));
    }

    #[test]
    fn a_dissolved_state_has_a_z_code_with_an_end() {
        let ussr = lookup("Z135").unwrap();
        assert_eq!(ussr.kind, PlaceKind::Country);
        assert_eq!(ussr.province, "EE");
        assert!(ussr.is_valid_on(date!(1970 - 05 - 05)));
        assert!(!ussr.is_valid_on(date!(1995 - 05 - 05)));
    }

    #[test]
    fn the_table_is_sorted_complete_and_indexed() {
        let places: Vec<_> = all().collect();
        assert!(places.len() > 9_900, "{}", places.len());
        assert!(places.windows(2).all(|w| w[0].code < w[1].code));
        assert!(places.iter().all(|p| lookup(p.code).is_some_and(|q| std::ptr::eq(*p, q))));
        assert!(places.iter().all(|p| (p.kind == PlaceKind::Country) == p.code.starts_with('Z')));
        assert!(places.iter().filter(|p| p.kind == PlaceKind::Country).all(|p| p.province == "EE"));
        assert!(places.iter().all(|p| p.valid_from.is_some()));
    }
}
