#![allow(clippy::unwrap_used, reason = "a test fails by panicking")]

use serde::Deserialize;
use serde::de::IntoDeserializer;
use time::macros::date;

use super::*;
use crate::lang::{Lang, Localized};

const TODAY: Date = date!(2026 - 11 - 25);

fn person<'a>(
    family_name: &'a str,
    given_name: &'a str,
    birth_date: Date,
    sex: Sex,
    birth_place: &'a str,
) -> PersonalData<'a> {
    PersonalData { family_name, given_name, birth_date, sex, birth_place }
}

fn mario() -> PersonalData<'static> {
    person("Rossi", "Mario", date!(1980 - 01 - 01), Sex::M, "H501")
}

/// The 15 given characters plus their check character.
fn with_check(first15: &str) -> String {
    let check = check::check_character(first15.as_bytes());
    format!("{first15}{}", char::from(check))
}

fn parse(input: &str) -> Result<FiscalCode, FiscalCodeError> {
    FiscalCode::parse_on(input, TODAY)
}

#[test]
fn a_known_code_parses_and_decodes() {
    let code = parse("RSSMRA80A01H501U").unwrap();
    assert_eq!(code.as_str(), "RSSMRA80A01H501U");
    assert_eq!(code.to_string(), "RSSMRA80A01H501U");
    assert_eq!((code.family_name_code(), code.given_name_code()), ("RSS", "MRA"));
    assert_eq!(code.sex(), Sex::M);
    assert_eq!((code.birth_day(), code.birth_month(), code.birth_year_2digits()), (1, 1, 80));
    assert_eq!(code.birth_place_code(), "H501");
    assert_eq!(code.birth_place().name, "Roma");
    assert!(!code.is_omocode());
    assert_eq!(code.check_consistency(&mario()), Ok(()));
    assert_eq!(FiscalCode::compute(&mario()), Ok(code));
}

/// Expected values computed by python-codicefiscale 0.12.1.
#[test]
fn computed_codes_match_the_independent_implementation() {
    let cases = [
        (person("Moretti", "Matteo", date!(1925 - 04 - 09), Sex::M, "F205"), "MRTMTT25D09F205Z"),
        (person("Miller", "Samantha", date!(1982 - 09 - 25), Sex::F, "Z404"), "MLLSNT82P65Z404U"),
        (person("D'Angelo", "Nicolò", date!(1975 - 12 - 31), Sex::M, "F839"), "DNGNCL75T31F839V"),
        (person("De Luca", "Anna Maria", date!(2001 - 02 - 28), Sex::F, "l219"), "DLCNMR01B68L219G"),
        (person("Müller", "Jürgen", date!(1960 - 07 - 15), Sex::M, "Z112"), "MLLJGN60L15Z112E"),
        (person("Dell'Orto", "Zoë", date!(1999 - 11 - 05), Sex::F, "F205"), "DLLZOE99S45F205O"),
        (person("Castelli", "Gianfranco", date!(1950 - 06 - 15), Sex::M, "C112"), "CSTGFR50H15C112V"),
        (person("Rossi", "Maria", date!(1980 - 01 - 01), Sex::F, "H501"), "RSSMRA80A41H501Y"),
    ];
    for (data, expected) in cases {
        let computed = FiscalCode::compute(&data).unwrap();
        assert_eq!(computed.as_str(), expected, "{data:?}");
        let parsed = parse(expected).unwrap();
        assert_eq!(parsed.check_consistency(&data), Ok(()), "{expected}");
    }
}

#[test]
fn women_have_forty_added_to_the_day() {
    let code = parse("RSSMRA80A41H501Y").unwrap();
    assert_eq!((code.sex(), code.birth_day()), (Sex::F, 1));
    let code = parse(&with_check("RSSMRA80A71H501")).unwrap();
    assert_eq!((code.sex(), code.birth_day()), (Sex::F, 31));
}

#[test]
fn lower_case_and_whitespace_are_accepted() {
    for input in ["rssmra80a01h501u", " RSS MRA 80A01 H501U ", "rss\tmra80a01h501u\n", "RSSMRA80A01H501U\u{a0}"] {
        assert_eq!(parse(input).map(|c| c.to_string()), Ok("RSSMRA80A01H501U".to_owned()), "{input:?}");
    }
    let parsed: FiscalCode = " rssmra80a01h501u".parse().unwrap();
    assert_eq!(parsed.as_str(), "RSSMRA80A01H501U");
}

#[test]
fn format_errors() {
    use FiscalCodeError as E;
    let cases: [(&str, FiscalCodeError); 11] = [
        ("", E::Empty),
        (" \t ", E::Empty),
        ("RSSMRA80A01H501", E::WrongLength { len: 15 }),
        ("RSSMRA80A01H501UU", E::WrongLength { len: 17 }),
        ("RSSMRÀ80A01H501", E::WrongLength { len: 15 }),
        ("RSSMRÀ80A01H501U", E::InvalidCharacter { position: 6, found: 'À' }),
        ("RSSMRA80A01-501U", E::InvalidCharacter { position: 12, found: '-' }),
        ("RSSMR180A01H501U", E::LetterExpected { position: 6, found: '1' }),
        ("RSSMRA8AA01H501U", E::DigitExpected { position: 8, found: 'A' }),
        ("RSSMRA80F01H501U", E::InvalidMonth { found: 'F' }),
        ("RSSMRA80A01H501X", E::WrongCheckCharacter { expected: 'U', found: 'X' }),
    ];
    for (input, expected) in cases {
        assert_eq!(parse(input), Err(expected), "{input:?}");
    }
    assert_eq!(parse("RSSMRA8011"), Err(E::WrongLength { len: 10 }));
    assert_eq!(parse("RSSMRA80101H501U"), Err(E::LetterExpected { position: 9, found: '1' }));
    assert_eq!(parse("RSSMRA80A01H5O1U"), Err(E::DigitExpected { position: 14, found: 'O' }));
    assert_eq!(parse("RSSMRA80A01H5011"), Err(E::LetterExpected { position: 16, found: '1' }));
}

#[test]
fn date_errors() {
    use FiscalCodeError as E;
    assert_eq!(parse(&with_check("RSSMRA80A00H501")), Err(E::InvalidDay { found: 0 }));
    assert_eq!(parse(&with_check("RSSMRA80A32H501")), Err(E::InvalidDay { found: 32 }));
    assert_eq!(parse(&with_check("RSSMRA80A40H501")), Err(E::InvalidDay { found: 40 }));
    assert_eq!(parse(&with_check("RSSMRA80A72H501")), Err(E::InvalidDay { found: 72 }));
    assert_eq!(parse(&with_check("RSSMRA80A9MH501")), Err(E::InvalidDay { found: 91 }));
    // 31 April exists in no year; 29 February 1901 and 2001 neither.
    assert_eq!(parse(&with_check("RSSMRA80D31H501")), Err(E::NonexistentDate { day: 31, month: 4 }));
    assert_eq!(parse(&with_check("RSSMRA01B69H501")), Err(E::NonexistentDate { day: 29, month: 2 }));
    // 29 February 2000 exists (1900 was not a leap year, 2000 was).
    assert!(parse(&with_check("RSSMRA00B29H501")).is_ok());
}

#[test]
fn place_errors() {
    use FiscalCodeError as E;
    assert_eq!(parse(&with_check("RSSMRA80A01Z999")), Err(E::UnknownPlace { code: "Z999".to_owned() }));
    assert_eq!(parse(&with_check("RSSMRA80A01Z9VV")), Err(E::UnknownPlace { code: "Z999".to_owned() }));
    // Castelfranco Piandiscò exists since 2014: not in 1980, and 2080 is in the future.
    let err = parse(&with_check("RSSMRA80A01M322")).unwrap_err();
    assert_eq!(
        err,
        E::PlaceNotValidOnAnyBirthDate { code: "M322", valid_from: Some(date!(2014 - 01 - 01)), valid_until: None }
    );
    assert!(err.to_string().contains("in uso dal 01/01/2014"), "{err}");
    assert!(parse(&with_check("RSSMRA20A01M322")).is_ok());
    // Before 2020 existed, the same code could only mean 1920.
    assert!(matches!(
        FiscalCode::parse_on(&with_check("RSSMRA20A01M322"), date!(2019 - 12 - 31)),
        Err(E::PlaceNotValidOnAnyBirthDate { .. })
    ));
}

#[test]
fn a_merged_municipality_is_valid_only_before_its_deletion() {
    // Castelfranco di Sopra (C112) was merged into Castelfranco Piandiscò on 2014-01-01.
    let before = person("Castelli", "Gianfranco", date!(2013 - 12 - 31), Sex::M, "C112");
    let code = FiscalCode::compute(&before).unwrap();
    assert_eq!(parse(code.as_str()).unwrap().check_consistency(&before), Ok(()));

    let after = PersonalData { birth_date: date!(2015 - 06 - 15), ..before };
    let place_error = FiscalCodeError::PlaceNotValidOnDate { code: "C112", date: date!(2015 - 06 - 15) };
    assert_eq!(FiscalCode::compute(&after), Err(place_error.clone()));
    // The code alone is fine (1915 is plausible); the person's full date is not.
    let code = parse(&with_check("CSTGFR15H15C112")).unwrap();
    assert_eq!(code.check_consistency(&after), Err(place_error));
    assert_eq!(code.plausible_birth_dates(TODAY).collect::<Vec<_>>(), [date!(1915 - 06 - 15)]);
}

#[test]
fn a_foreign_state_has_a_z_code() {
    let code = parse("MLLSNT82P65Z404U").unwrap();
    assert_eq!(code.birth_place().kind, PlaceKind::Country);
    assert_eq!(code.birth_place().province, "EE");
    // The USSR (Z135) ended in 1992.
    let soviet = person("Ivanov", "Ivan", date!(1970 - 03 - 08), Sex::M, "Z135");
    assert!(FiscalCode::compute(&soviet).is_ok());
    let late = PersonalData { birth_date: date!(1995 - 03 - 08), ..soviet };
    assert!(matches!(FiscalCode::compute(&late), Err(FiscalCodeError::PlaceNotValidOnDate { code: "Z135", .. })));
}

#[test]
fn consistency_errors() {
    use FiscalCodeError as E;
    let code = parse("RSSMRA80A01H501U").unwrap();
    let check = |data: PersonalData<'_>| code.check_consistency(&data);
    let base = mario();
    // Another name with the same letters is, as far as the code can tell, the same name.
    assert_eq!(check(PersonalData { family_name: "Russo", ..base }), Ok(()));
    assert_eq!(
        check(PersonalData { family_name: "Bianchi", ..base }),
        Err(E::FamilyNameMismatch { expected: "BNC".to_owned(), found: "RSS".to_owned() })
    );
    assert_eq!(
        check(PersonalData { given_name: "Marco", ..base }),
        Err(E::GivenNameMismatch { expected: "MRC".to_owned(), found: "MRA".to_owned() })
    );
    assert_eq!(
        check(PersonalData { family_name: " ' ", ..base }),
        Err(E::NameWithoutLetters { field: NameField::FamilyName })
    );
    assert_eq!(
        check(PersonalData { given_name: "", ..base }),
        Err(E::NameWithoutLetters { field: NameField::GivenName })
    );
    assert_eq!(check(PersonalData { sex: Sex::F, ..base }), Err(E::SexMismatch { expected: Sex::F, found: Sex::M }));
    for wrong in [date!(1980 - 01 - 02), date!(1980 - 02 - 01), date!(1981 - 01 - 01), date!(1990 - 01 - 01)] {
        assert_eq!(
            check(PersonalData { birth_date: wrong, ..base }),
            Err(E::BirthDateMismatch { date: wrong, code_day: 1, code_month: 1, code_year: 80 })
        );
    }
    assert_eq!(
        check(PersonalData { birth_place: "F205", ..base }),
        Err(E::BirthPlaceMismatch { expected: "F205".to_owned(), found: "H501".to_owned() })
    );
    // The same fields in another case or with spaces are the same data.
    assert_eq!(check(person("ROSSI", " mario ", date!(1980 - 01 - 01), Sex::M, " h501 ")), Ok(()));
    // The century is not in the code, but the place's life is: Rome's H501 dates from 1884.
    assert_eq!(
        check(PersonalData { birth_date: date!(1890 - 01 - 01), ..base }),
        Err(E::BirthDateMismatch { date: date!(1890 - 01 - 01), code_day: 1, code_month: 1, code_year: 80 })
    );
    assert_eq!(
        check(PersonalData { birth_date: date!(1880 - 01 - 01), ..base }),
        Err(E::PlaceNotValidOnDate { code: "H501", date: date!(1880 - 01 - 01) })
    );
}

#[test]
fn compute_errors() {
    use FiscalCodeError as E;
    let base = mario();
    assert_eq!(
        FiscalCode::compute(&PersonalData { family_name: "42", ..base }),
        Err(E::NameWithoutLetters { field: NameField::FamilyName })
    );
    assert_eq!(
        FiscalCode::compute(&PersonalData { given_name: "-", ..base }),
        Err(E::NameWithoutLetters { field: NameField::GivenName })
    );
    assert_eq!(
        FiscalCode::compute(&PersonalData { birth_place: "h000", ..base }),
        Err(E::UnknownPlace { code: "H000".to_owned() })
    );
    assert_eq!(
        FiscalCode::compute(&PersonalData { birth_place: "Roma", ..base }),
        Err(E::UnknownPlace { code: "ROMA".to_owned() })
    );
    assert_eq!(
        FiscalCode::compute(&PersonalData { birth_date: date!(1850 - 01 - 01), ..base }),
        Err(E::PlaceNotValidOnDate { code: "H501", date: date!(1850 - 01 - 01) })
    );
}

#[test]
fn names_with_accents_apostrophes_and_spaces() {
    let data = person("D'Angelo", "Nicolò", date!(1975 - 12 - 31), Sex::M, "F839");
    let code = parse("dngncl75t31f839v").unwrap();
    assert_eq!(code.check_consistency(&data), Ok(()));
    for same in ["DANGELO", "d angelo", "D’Angelo", "Dangelo"] {
        assert_eq!(code.check_consistency(&PersonalData { family_name: same, ..data }), Ok(()), "{same}");
    }
    assert_eq!(code.check_consistency(&PersonalData { given_name: "Nicolo", ..data }), Ok(()));
    let de_luca = parse("DLCNMR01B68L219G").unwrap();
    let data = person("De Luca", "Anna Maria", date!(2001 - 02 - 28), Sex::F, "L219");
    assert_eq!(de_luca.check_consistency(&data), Ok(()));
    assert_eq!(
        de_luca.check_consistency(&PersonalData { family_name: "Deluca", given_name: "Annamaria", ..data }),
        Ok(())
    );
}

#[test]
fn omocodia() {
    let base = parse("RSSMRA80A01H501U").unwrap();
    assert_eq!(base.with_omocodia(0), base);
    // The first omocodes python-codicefiscale lists, by our masks.
    assert_eq!(base.with_omocodia(1).as_str(), "RSSMRA80A01H50MM");
    assert_eq!(base.with_omocodia(2).as_str(), "RSSMRA80A01H5L1F");
    assert_eq!(base.with_omocodia(4).as_str(), "RSSMRA80A01HR01P");
    assert_eq!(base.with_omocodia(127).as_str(), "RSSMRAULALMHRLMD");

    let mut seen = std::collections::HashSet::new();
    for mask in 0..128u8 {
        let variant = base.with_omocodia(mask);
        let parsed = parse(&variant.as_str().to_lowercase()).unwrap();
        assert_eq!(parsed, variant);
        assert_eq!(parsed.omocodia_mask(), mask);
        assert_eq!(parsed.is_omocode(), mask != 0);
        assert_eq!(parsed.base(), base);
        assert_eq!(parsed.birth_place_code(), "H501");
        assert_eq!((parsed.birth_day(), parsed.birth_month(), parsed.birth_year_2digits()), (1, 1, 80));
        assert_eq!(parsed.check_consistency(&mario()), Ok(()));
        assert!(seen.insert(variant));
    }
    assert_eq!(base.with_omocodia(128), base);
}

#[test]
fn omocodia_letters_outside_numeric_positions_are_not_decoded() {
    // "L" in the family name is a letter, not a 0; a non-omocodia letter in a numeric position is refused.
    assert!(parse(&with_check("RSLMRA80A01H501")).is_ok());
    assert_eq!(parse(&with_check("RSSMRA8WA01H501")), Err(FiscalCodeError::DigitExpected { position: 8, found: 'W' }));
}

#[test]
fn every_error_has_italian_and_english_text() {
    use FiscalCodeError as E;
    let d = date!(2000 - 01 - 01);
    let all = [
        E::Empty,
        E::WrongLength { len: 3 },
        E::InvalidCharacter { position: 1, found: '-' },
        E::LetterExpected { position: 1, found: '1' },
        E::DigitExpected { position: 7, found: 'A' },
        E::InvalidMonth { found: 'F' },
        E::WrongCheckCharacter { expected: 'K', found: 'U' },
        E::InvalidDay { found: 35 },
        E::NonexistentDate { day: 31, month: 4 },
        E::UnknownPlace { code: "Z999".to_owned() },
        E::PlaceNotValidOnAnyBirthDate { code: "M322", valid_from: Some(d), valid_until: None },
        E::PlaceNotValidOnDate { code: "C112", date: d },
        E::NameWithoutLetters { field: NameField::GivenName },
        E::FamilyNameMismatch { expected: "BNC".to_owned(), found: "RSS".to_owned() },
        E::GivenNameMismatch { expected: "MRC".to_owned(), found: "MRA".to_owned() },
        E::SexMismatch { expected: Sex::F, found: Sex::M },
        E::BirthDateMismatch { date: d, code_day: 1, code_month: 1, code_year: 80 },
        E::BirthPlaceMismatch { expected: "F205".to_owned(), found: "H501".to_owned() },
    ];
    let mut kinds = std::collections::HashSet::new();
    for err in &all {
        assert_eq!(err.to_string(), err.message(Lang::It));
        assert_ne!(err.message(Lang::It), err.message(Lang::En), "{err:?}");
        assert!(kinds.insert(err.kind()), "duplicate kind {}", err.kind());
    }
    assert_eq!(
        all[6].to_string(),
        "il carattere di controllo non corrisponde: atteso K, trovato U (probabile errore di battitura)"
    );
    assert_eq!(all[11].message(Lang::En), "the birth place code C112 was not in use on 01/01/2000");
    assert!(all[0].is_about_the_code_alone() && !all[13].is_about_the_code_alone());
}

#[test]
fn sex_text() {
    assert_eq!("m".parse::<Sex>(), Ok(Sex::M));
    assert_eq!(" F ".parse::<Sex>(), Ok(Sex::F));
    assert_eq!("X".parse::<Sex>(), Err(InvalidSex));
    assert_eq!("".parse::<Sex>(), Err(InvalidSex));
    assert_eq!((Sex::M.to_string(), Sex::F.to_string()), ("M".to_owned(), "F".to_owned()));
}

#[test]
fn deserialises_from_a_string_through_parse() {
    let ok = FiscalCode::deserialize("rssmra80a01h501u".into_deserializer());
    let ok: Result<FiscalCode, serde::de::value::Error> = ok;
    assert_eq!(ok.unwrap().as_str(), "RSSMRA80A01H501U");
    let err: Result<FiscalCode, serde::de::value::Error> =
        FiscalCode::deserialize("RSSMRA80A01H501X".into_deserializer());
    assert!(err.unwrap_err().to_string().contains("carattere di controllo"));
}

#[test]
fn equality_and_order_follow_the_text() {
    let a = parse("MRTMTT25D09F205Z").unwrap();
    let b = parse("RSSMRA80A01H501U").unwrap();
    assert!(a < b);
    assert_ne!(b, b.with_omocodia(1));
    assert_eq!(format!("{b:?}"), "FiscalCode(\"RSSMRA80A01H501U\")");
}
