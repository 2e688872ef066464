//! Deterministic synthetic insured persons: the same index always gives the same person, with a
//! valid fiscal code computed from their data.
//!
//! Indices below [`UNIQUE_INDICES`] give pairwise different fiscal codes: within a block of
//! [`BLOCK`] indices the index fixes the birth date and the family name together (no two family
//! names here share a code), and the same position in different blocks is born somewhere else.

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic, reason = "test support: failing loudly is its job")]

use std::sync::OnceLock;

use sigillo_domain::fiscal_code::{FiscalCode, PersonalData, Place, PlaceKind, Sex, places};
use sigillo_domain::registry::{ContributionYear, Email, HealthCard, InsuredPerson, PhoneNumber, Residence};
use time::{Date, Duration, Month};

/// Family names, each with a different three-letter code; apostrophes, spaces and accents included.
const FAMILY_NAMES: [&str; 40] = [
    "Rossi",
    "Bianchi",
    "Esposito",
    "Romano",
    "Colombo",
    "Ricci",
    "Marchetti",
    "Greco",
    "Bruno",
    "Ruggiero",
    "Conti",
    "De Luca",
    "Mancini",
    "Costa",
    "Giordano",
    "Rizzo",
    "Lombardi",
    "Zanetti",
    "Barbieri",
    "Fontana",
    "Santoro",
    "Mariani",
    "Rinaldi",
    "Caruso",
    "Ferrara",
    "Galli",
    "Martini",
    "Leone",
    "Longo",
    "Gentile",
    "Pace",
    "Vitale",
    "Serra",
    "Coppola",
    "D'Angelo",
    "Dell'Acqua",
    "Fabbri",
    "Pellegrino",
    "Palumbo",
    "Sanna",
];

const GIVEN_NAMES: [(&str, Sex); 24] = [
    ("Mario", Sex::M),
    ("Giulia", Sex::F),
    ("Luca", Sex::M),
    ("Francesca", Sex::F),
    ("Giuseppe", Sex::M),
    ("Chiara", Sex::F),
    ("Nicolò", Sex::M),
    ("Anna Maria", Sex::F),
    ("Andrea", Sex::M),
    ("Sofia", Sex::F),
    ("Marco", Sex::M),
    ("Martina", Sex::F),
    ("Gian Luca", Sex::M),
    ("Alessandra", Sex::F),
    ("Paolo", Sex::M),
    ("Noemi", Sex::F),
    ("Pietro", Sex::M),
    ("Zoe", Sex::F),
    ("Salvatore", Sex::M),
    ("Maria Grazia", Sex::F),
    ("Ugo", Sex::M),
    ("Lucia", Sex::F),
    ("Raffaele", Sex::M),
    ("Elena", Sex::F),
];

/// (municipality, province, postal code) of Italian residences.
const ITALIAN_TOWNS: [(&str, &str, &str); 10] = [
    ("Roma", "RM", "00185"),
    ("Milano", "MI", "20121"),
    ("Napoli", "NA", "80133"),
    ("Torino", "TO", "10121"),
    ("Palermo", "PA", "90133"),
    ("Bologna", "BO", "40121"),
    ("Firenze", "FI", "50122"),
    ("Bari", "BA", "70121"),
    ("Cagliari", "CA", "09124"),
    ("Aosta", "AO", "11100"),
];

/// (municipality, province or region, postal code, country) of residences abroad; some have
/// neither a province nor a postal code.
const FOREIGN_TOWNS: [(&str, &str, &str, &str); 5] = [
    ("Berlin", "", "10115", "DE"),
    ("Zürich", "ZH", "8001", "CH"),
    ("Buenos Aires", "", "C1002", "AR"),
    ("Paris", "", "75001", "FR"),
    ("Dublin", "", "", "IE"),
];

const STREETS: [&str; 6] =
    ["Via Roma", "Corso Italia", "Piazza Garibaldi", "Viale dei Mille", "Via dell'Orso", "Rue de la Paix"];

/// Birth dates run over sixty years from here; sixty keeps the two-digit year of the code unique.
const FIRST_BIRTH_DATE: Date = time::macros::date!(1945 - 01 - 01);
const BIRTH_DAYS: u64 = 365 * 60;
/// Indices in which each (family name, birth date) pair occurs once.
pub const BLOCK: u64 = BIRTH_DAYS * FAMILY_NAMES.len() as u64;
/// How many indices give pairwise different fiscal codes (about 87 million): one block per
/// birth place of the shortest list, the foreign states (a test checks there are enough).
pub const UNIQUE_INDICES: u64 = BLOCK * MIN_BIRTH_PLACES;
const MIN_BIRTH_PLACES: u64 = 100;

/// SplitMix64: a cheap, well-mixed hash, so neighbouring indices look unrelated.
fn mix(index: u64, salt: u64) -> u64 {
    let mut z = index.wrapping_add(salt.wrapping_mul(0x9E37_79B9_7F4A_7C15)).wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

fn pick<T: Copy>(items: &[T], index: u64, salt: u64) -> T {
    items[usize::try_from(mix(index, salt) % items.len() as u64).unwrap_or(0)]
}

/// Birth places in use on every birth date generated (today's municipalities that existed in
/// 1945, and such foreign states), so any index may be born in any of them.
fn birth_places(kind: PlaceKind) -> &'static [&'static Place] {
    static MUNICIPALITIES: OnceLock<Vec<&'static Place>> = OnceLock::new();
    static COUNTRIES: OnceLock<Vec<&'static Place>> = OnceLock::new();
    let cell = match kind {
        PlaceKind::Municipality => &MUNICIPALITIES,
        PlaceKind::Country => &COUNTRIES,
    };
    cell.get_or_init(|| {
        places::all().filter(|p| p.kind == kind && p.is_current() && p.is_valid_on(FIRST_BIRTH_DATE)).collect()
    })
}

/// The person with this index. Every seventh lives abroad, every tenth was born abroad, two in
/// three have a mobile number, three in four an e-mail address.
pub fn person(index: u64) -> InsuredPerson {
    // Within a block, (day, round) is a bijection of the position; a stride coprime with
    // BIRTH_DAYS scatters the days. Across blocks, the birth place shifts by one per block.
    let (position, block) = (index % BLOCK, index / BLOCK);
    let day = (position % BIRTH_DAYS) * 7919 % BIRTH_DAYS;
    let round = position / BIRTH_DAYS;
    let family_name = FAMILY_NAMES[usize::try_from((day + round) % FAMILY_NAMES.len() as u64).unwrap_or(0)];
    let birth_date = FIRST_BIRTH_DATE + Duration::days(i64::try_from(day).unwrap_or(0));
    let (given_name, sex) = pick(&GIVEN_NAMES, index, 1);
    let place_kind = if index % 10 == 9 { PlaceKind::Country } else { PlaceKind::Municipality };
    let places = birth_places(place_kind);
    let place = (mix(position, 2) + block) % places.len() as u64;
    let birth_place = places[usize::try_from(place).unwrap_or(0)].code;
    let fiscal_code = FiscalCode::compute(&PersonalData { family_name, given_name, birth_date, sex, birth_place })
        .expect("fixture data always gives a valid fiscal code");

    let street = pick(&STREETS, index, 3);
    let number = mix(index, 4) % 200 + 1;
    let residence = if index % 7 == 6 {
        let (municipality, province, postal_code, country) = pick(&FOREIGN_TOWNS, index, 5);
        Residence {
            address: format!("{street} {number}"),
            postal_code: postal_code.to_owned(),
            municipality: municipality.to_owned(),
            province: province.to_owned(),
            country: country.to_owned(),
        }
    } else {
        let (municipality, province, postal_code) = pick(&ITALIAN_TOWNS, index, 5);
        Residence {
            address: format!("{street} {number}"),
            postal_code: postal_code.to_owned(),
            municipality: municipality.to_owned(),
            province: province.to_owned(),
            country: "IT".to_owned(),
        }
    };
    let expiry_year = 2025 + i32::try_from(mix(index, 6) % 8).unwrap_or(0);
    let expiry_month = Month::try_from(u8::try_from(mix(index, 7) % 12).unwrap_or(0) + 1).unwrap_or(Month::June);
    let health_card = HealthCard {
        number: format!("80380{:015}", index),
        expiry: Date::from_calendar_date(expiry_year, expiry_month, 28).expect("the 28th exists in every month"),
    };
    let mobile = (!index.is_multiple_of(3))
        .then(|| PhoneNumber::parse(&format!("+39 3{:02} {:07}", mix(index, 8) % 100, index % 10_000_000)))
        .map(|m| m.expect("fixture mobile numbers are valid"));
    let email = (!index.is_multiple_of(4))
        .then(|| {
            let ascii = |s: &str| s.chars().filter(char::is_ascii_alphabetic).collect::<String>().to_ascii_lowercase();
            Email::parse(&format!("{}.{}{index}@example.it", ascii(given_name), ascii(family_name)))
        })
        .map(|e| e.expect("fixture e-mail addresses are valid"));

    InsuredPerson {
        fiscal_code,
        family_name: family_name.to_owned(),
        given_name: given_name.to_owned(),
        birth_date,
        sex,
        birth_place: birth_place.to_owned(),
        residence,
        health_card,
        contribution_weeks: u32::try_from(mix(index, 9) % 2000).unwrap_or(0),
        mobile,
        email,
    }
}

/// Persons `start..start + count`.
pub fn persons(start: u64, count: u64) -> Vec<InsuredPerson> {
    (start..start + count).map(person).collect()
}

/// [`person`]`(index)` under an omocode of their fiscal code (`mask` as in
/// [`FiscalCode::with_omocodia`]; 0 would be the base code): the same personal data, as for
/// the second of two people whose data give the same code.
pub fn omocode_person(index: u64, mask: u8) -> InsuredPerson {
    let mut person = person(index);
    person.fiscal_code = person.fiscal_code.with_omocodia(mask);
    person
}

/// A contribution history of a few lines, in no particular order.
pub fn contributions(index: u64) -> Vec<ContributionYear> {
    const EMPLOYERS: [&str; 5] =
        ["Acme S.p.A.", "Bottega Rossi s.n.c.", "Comune di Roma", "Èlite Servizi", "agenzia zeta"];
    let lines = 1 + mix(index, 10) % 6;
    (0..lines)
        .map(|line| ContributionYear {
            year: 2024 - i32::try_from(line).unwrap_or(0),
            employer: pick(&EMPLOYERS, index, 11 + line).to_owned(),
            weeks: u32::try_from(1 + mix(index, 20 + line) % 52).unwrap_or(1),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    #[test]
    fn enough_birth_places_for_every_block() {
        assert!(birth_places(PlaceKind::Country).len() as u64 >= MIN_BIRTH_PLACES);
        assert!(birth_places(PlaceKind::Municipality).len() as u64 >= MIN_BIRTH_PLACES);
    }

    #[test]
    fn same_index_same_person() {
        assert_eq!(person(42), person(42));
        assert_ne!(person(42), person(43));
    }

    #[test]
    fn family_names_have_distinct_codes() {
        let codes: HashSet<String> = (0..FAMILY_NAMES.len() as u64)
            .map(|i| person(i * BIRTH_DAYS).fiscal_code.family_name_code().to_owned())
            .collect();
        assert_eq!(codes.len(), FAMILY_NAMES.len());
    }

    #[test]
    fn fiscal_codes_are_unique_and_consistent() {
        let mut seen = HashSet::new();
        let block_edges =
            [BLOCK - 1000..BLOCK + 1000, 5 * BLOCK..5 * BLOCK + 500, UNIQUE_INDICES - 1000..UNIQUE_INDICES];
        for index in (0..60_000).chain(block_edges.into_iter().flatten()) {
            let p = person(index);
            assert!(seen.insert(p.fiscal_code.as_str().to_owned()), "index {index} repeats a code");
            let data = PersonalData {
                family_name: &p.family_name,
                given_name: &p.given_name,
                birth_date: p.birth_date,
                sex: p.sex,
                birth_place: &p.birth_place,
            };
            p.fiscal_code.check_consistency(&data).expect("consistent");
            assert_eq!(FiscalCode::parse(p.fiscal_code.as_str()).expect("parses"), p.fiscal_code);
        }
    }

    #[test]
    fn variety() {
        let people = persons(0, 100);
        assert!(people.iter().any(|p| p.residence.is_abroad()));
        assert!(people.iter().any(|p| p.residence.postal_code.is_empty()));
        assert!(people.iter().any(|p| p.birth_place.starts_with('Z')));
        assert!(people.iter().any(|p| p.mobile.is_none()) && people.iter().any(|p| p.mobile.is_some()));
        assert!(people.iter().any(|p| p.email.is_none()) && people.iter().any(|p| p.email.is_some()));
        assert!(people.iter().any(|p| p.sex == Sex::F) && people.iter().any(|p| p.sex == Sex::M));
        let omocode = omocode_person(7, 0b11);
        assert!(omocode.fiscal_code.is_omocode());
        assert_eq!(FiscalCode::parse(omocode.fiscal_code.as_str()).expect("parses"), omocode.fiscal_code);
    }
}
