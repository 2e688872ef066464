//! Forgiving place input on the request form: a place of birth may be typed as its Belfiore code
//! (`H501`) or its name (`Roma`, `Germania`), and a country of residence as its ISO code or name.

use sigillo_app::input::same_text;
use sigillo_domain::fiscal_code::places::{self, Place};
use time::Date;

/// How a typed place of birth reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BirthPlace {
    /// Empty, or shaped like a code: the use case checks it as typed.
    AsTyped,
    /// A name with one matching place (valid at the birth date, when known).
    Found(&'static str),
    /// A name shared by several places: their codes, with province.
    Ambiguous(Vec<String>),
    /// A name nothing has.
    Unknown,
}

/// Reads a place of birth: a code is left to the use case; a name is looked up among the places
/// valid at `birth_date` (all of them when the date is unknown). When several places share the
/// name, the one the fiscal code names wins (`code_place`: characters 12–15 of a valid code).
pub fn birth_place(raw: &str, birth_date: Option<Date>, code_place: Option<&str>) -> BirthPlace {
    let raw = raw.trim();
    if raw.is_empty() || looks_like_code(raw) {
        return BirthPlace::AsTyped;
    }
    let matches: Vec<&'static Place> = places::all()
        .filter(|p| same_text(p.name, raw))
        .filter(|p| birth_date.is_none_or(|d| p.is_valid_on(d)))
        .collect();
    let mut codes: Vec<&'static str> = matches.iter().map(|p| p.code).collect();
    codes.dedup();
    match codes.as_slice() {
        [] => BirthPlace::Unknown,
        [one] => BirthPlace::Found(one),
        many => match code_place.and_then(|c| many.iter().find(|m| m.eq_ignore_ascii_case(c))) {
            Some(code) => BirthPlace::Found(code),
            None => BirthPlace::Ambiguous(
                matches.iter().map(|p| format!("{} {} ({})", p.code, p.name, p.province)).collect(),
            ),
        },
    }
}

/// A letter and three digits, or three letters/digits after a letter with omocodia letters.
fn looks_like_code(raw: &str) -> bool {
    let b = raw.as_bytes();
    b.len() == 4 && b[0].is_ascii_alphabetic() && b[1..].iter().all(u8::is_ascii_digit)
}

/// Countries Italians abroad most often live in: ISO code, Italian name, English name. The form
/// suggests them and accepts their names; any other ISO code is accepted as typed.
pub static COUNTRIES: &[(&str, &str, &str)] = &[
    ("IT", "Italia", "Italy"),
    ("AR", "Argentina", "Argentina"),
    ("AU", "Australia", "Australia"),
    ("AT", "Austria", "Austria"),
    ("BE", "Belgio", "Belgium"),
    ("BR", "Brasile", "Brazil"),
    ("BG", "Bulgaria", "Bulgaria"),
    ("CA", "Canada", "Canada"),
    ("CL", "Cile", "Chile"),
    ("CN", "Cina", "China"),
    ("CO", "Colombia", "Colombia"),
    ("HR", "Croazia", "Croatia"),
    ("DK", "Danimarca", "Denmark"),
    ("EC", "Ecuador", "Ecuador"),
    ("EG", "Egitto", "Egypt"),
    ("FI", "Finlandia", "Finland"),
    ("FR", "Francia", "France"),
    ("DE", "Germania", "Germany"),
    ("GR", "Grecia", "Greece"),
    ("IE", "Irlanda", "Ireland"),
    ("IL", "Israele", "Israel"),
    ("LU", "Lussemburgo", "Luxembourg"),
    ("MT", "Malta", "Malta"),
    ("MA", "Marocco", "Morocco"),
    ("MX", "Messico", "Mexico"),
    ("MC", "Monaco", "Monaco"),
    ("NO", "Norvegia", "Norway"),
    ("NL", "Paesi Bassi", "Netherlands"),
    ("PE", "Perù", "Peru"),
    ("PL", "Polonia", "Poland"),
    ("PT", "Portogallo", "Portugal"),
    ("GB", "Regno Unito", "United Kingdom"),
    ("CZ", "Repubblica Ceca", "Czech Republic"),
    ("RO", "Romania", "Romania"),
    ("SM", "San Marino", "San Marino"),
    ("RS", "Serbia", "Serbia"),
    ("SK", "Slovacchia", "Slovakia"),
    ("SI", "Slovenia", "Slovenia"),
    ("ES", "Spagna", "Spain"),
    ("US", "Stati Uniti d'America", "United States"),
    ("ZA", "Sudafrica", "South Africa"),
    ("SE", "Svezia", "Sweden"),
    ("CH", "Svizzera", "Switzerland"),
    ("TN", "Tunisia", "Tunisia"),
    ("UA", "Ucraina", "Ukraine"),
    ("HU", "Ungheria", "Hungary"),
    ("UY", "Uruguay", "Uruguay"),
    ("VA", "Città del Vaticano", "Vatican City"),
    ("VE", "Venezuela", "Venezuela"),
];

/// A country of residence as typed: a known name in either language becomes its code; anything
/// else is passed on (upper-cased) for the use case to judge.
pub fn country(raw: &str) -> String {
    let raw = raw.trim();
    COUNTRIES
        .iter()
        .find(|(code, it, en)| code.eq_ignore_ascii_case(raw) || same_text(it, raw) || same_text(en, raw))
        .map_or_else(|| raw.to_ascii_uppercase(), |(code, _, _)| (*code).to_owned())
}

#[cfg(test)]
mod tests {
    use time::macros::date;

    use super::*;

    #[test]
    fn codes_are_left_to_the_use_case() {
        assert_eq!(birth_place("H501", None, None), BirthPlace::AsTyped);
        assert_eq!(birth_place(" h501 ", None, None), BirthPlace::AsTyped);
        assert_eq!(birth_place("", None, None), BirthPlace::AsTyped);
    }

    #[test]
    fn names_become_codes_when_unique() {
        assert_eq!(birth_place("Roma", Some(date!(1980 - 01 - 01)), None), BirthPlace::Found("H501"));
        assert_eq!(birth_place("  milano ", Some(date!(1980 - 01 - 01)), None), BirthPlace::Found("F205"));
        assert_eq!(birth_place("GERMANIA", Some(date!(1980 - 01 - 01)), None), BirthPlace::Found("Z112"));
        assert_eq!(birth_place("Reggio nell'Emilia", Some(date!(1980 - 01 - 01)), None), BirthPlace::Found("H223"));
        assert_eq!(birth_place("Atlantide", None, None), BirthPlace::Unknown);
    }

    #[test]
    fn a_shared_name_lists_the_candidates_unless_the_fiscal_code_decides() {
        // Several municipalities have been called Samone, San Teodoro, Castro, Peglio…: find one.
        let shared = places::all().filter(|p| p.is_valid_on(date!(1980 - 01 - 01))).find(|p| {
            places::all().filter(|q| q.is_valid_on(date!(1980 - 01 - 01)) && same_text(q.name, p.name)).count() > 1
        });
        let Some(shared) = shared else { return };
        match birth_place(shared.name, Some(date!(1980 - 01 - 01)), None) {
            BirthPlace::Ambiguous(list) => assert!(list.len() > 1 && list.iter().any(|l| l.starts_with(shared.code))),
            other => panic!("{} should be ambiguous, got {other:?}", shared.name),
        }
        assert_eq!(
            birth_place(shared.name, Some(date!(1980 - 01 - 01)), Some(shared.code)),
            BirthPlace::Found(shared.code)
        );
    }

    #[test]
    fn countries_by_code_or_name() {
        assert_eq!(country("it"), "IT");
        assert_eq!(country("Germania"), "DE");
        assert_eq!(country("switzerland"), "CH");
        assert_eq!(country(" perù "), "PE");
        assert_eq!(country("jp"), "JP");
        assert_eq!(country(""), "");
    }
}
