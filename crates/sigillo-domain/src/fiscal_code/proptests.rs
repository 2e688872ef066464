//! Properties over random people: what `compute` makes, `parse` and `check_consistency` accept,
//! in every omocodia variant, and no single-character typo gets through.

#![allow(clippy::unwrap_used, reason = "a test fails by panicking")]

use std::sync::LazyLock;

use proptest::prelude::*;
use time::macros::date;

use super::*;

const TODAY: Date = date!(2026 - 11 - 25);
const EARLIEST: Date = date!(1900 - 01 - 01);

/// Places with a life overlapping 1900..=TODAY, with that overlap.
static PLACES_SINCE_1900: LazyLock<Vec<(&'static Place, Date, Date)>> = LazyLock::new(|| {
    places::all()
        .filter_map(|p| {
            let from = p.valid_from.map_or(EARLIEST, |f| f.max(EARLIEST));
            let until = p.valid_until.map_or(TODAY, |u| u.min(TODAY));
            (from <= until).then_some((p, from, until))
        })
        .collect()
});

const NAME_CHARS: &str = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ\
    àèéìòùÀÈÉÌÒÙäöüÄÖÜßçÇñÑøØåÅæÆœŒłŁšŠžŽčČćĆđĐğıİşŞ' -’.";

fn name() -> impl Strategy<Value = String> {
    let chars: Vec<char> = NAME_CHARS.chars().collect();
    let letters: Vec<char> = chars.iter().copied().filter(|c| c.is_alphabetic()).collect();
    (proptest::sample::select(letters), proptest::collection::vec(proptest::sample::select(chars), 0..24))
        .prop_map(|(first, rest)| std::iter::once(first).chain(rest).collect())
}

#[derive(Debug, Clone)]
struct Person {
    family_name: String,
    given_name: String,
    birth_date: Date,
    sex: Sex,
    birth_place: &'static str,
}

impl Person {
    fn data(&self) -> PersonalData<'_> {
        PersonalData {
            family_name: &self.family_name,
            given_name: &self.given_name,
            birth_date: self.birth_date,
            sex: self.sex,
            birth_place: self.birth_place,
        }
    }
}

fn person() -> impl Strategy<Value = Person> {
    let place_count = PLACES_SINCE_1900.len();
    (name(), name(), 0..place_count, any::<u32>(), any::<bool>()).prop_map(
        |(family_name, given_name, index, pick, female)| {
            let (place, from, until) = PLACES_SINCE_1900[index];
            let span = (until - from).whole_days();
            let birth_date = from + time::Duration::days(i64::from(pick) % (span + 1));
            Person {
                family_name,
                given_name,
                birth_date,
                sex: if female { Sex::F } else { Sex::M },
                birth_place: place.code,
            }
        },
    )
}

const CODE_CHARS: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn computed_codes_parse_and_are_consistent(person in person()) {
        let data = person.data();
        let code = FiscalCode::compute(&data).unwrap();
        let parsed = FiscalCode::parse_on(code.as_str(), TODAY).unwrap();
        prop_assert_eq!(parsed, code);
        prop_assert_eq!(parsed.check_consistency(&data), Ok(()));
        prop_assert_eq!(parsed.sex(), person.sex);
        prop_assert_eq!(parsed.birth_place_code(), person.birth_place);
        prop_assert!(parsed.plausible_birth_dates(TODAY).any(|d| d == person.birth_date));
        // Lower case with spaces is the same code.
        let sloppy = format!(" {} {} ", &code.as_str()[..8].to_lowercase(), &code.as_str()[8..]);
        prop_assert_eq!(FiscalCode::parse_on(&sloppy, TODAY), Ok(code));
    }

    #[test]
    fn every_omocodia_variant_is_accepted_and_consistent(person in person()) {
        let data = person.data();
        let base = FiscalCode::compute(&data).unwrap();
        for mask in 0..128u8 {
            let variant = base.with_omocodia(mask);
            let parsed = FiscalCode::parse_on(variant.as_str(), TODAY).unwrap();
            prop_assert_eq!(parsed.omocodia_mask(), mask);
            prop_assert_eq!(parsed.base(), base);
            prop_assert_eq!(parsed.check_consistency(&data), Ok(()));
        }
    }

    #[test]
    fn any_single_character_change_is_rejected(
        person in person(),
        mask in 0..128u8,
        position in 0..16usize,
        replacement in proptest::sample::select(CODE_CHARS),
    ) {
        let code = FiscalCode::compute(&person.data()).unwrap().with_omocodia(mask);
        let mut typo = code.as_str().as_bytes().to_vec();
        prop_assume!(typo[position] != replacement);
        typo[position] = replacement;
        let typo = String::from_utf8(typo).unwrap();
        let result = FiscalCode::parse_on(&typo, TODAY);
        prop_assert!(result.is_err(), "{} accepted as {:?}", typo, result);
    }

    #[test]
    fn a_different_name_or_date_is_noticed(person in person(), other in name(), days in 1..400i64) {
        let data = person.data();
        let code = FiscalCode::compute(&data).unwrap();
        let renamed = PersonalData { family_name: &other, ..data };
        let same_letters = names::family_name_code(&other) == names::family_name_code(&person.family_name);
        prop_assert_eq!(code.check_consistency(&renamed).is_ok(), same_letters);
        let moved = PersonalData { birth_date: person.birth_date + time::Duration::days(days), ..data };
        prop_assert!(code.check_consistency(&moved).is_err());
    }

    #[test]
    fn parse_never_panics(input in "\\PC{0,40}") {
        let _ = FiscalCode::parse_on(&input, TODAY);
    }

    #[test]
    fn parse_never_panics_on_code_like_input(input in "[A-Za-z0-9 ]{14,18}") {
        if let Ok(code) = FiscalCode::parse_on(&input, TODAY) {
            prop_assert_eq!(FiscalCode::parse_on(code.as_str(), TODAY), Ok(code));
        }
    }
}
