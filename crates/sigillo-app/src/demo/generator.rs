//! One synthetic insured person at a time, from a seed.
//!
//! Everything is drawn from one seeded [`StdRng`], so a seed always yields the same registry
//! (with the same `rand` version). The place pools are filtered once in [`DemoGenerator::new`];
//! each person then costs a handful of draws and one fiscal-code computation.

use std::collections::{HashMap, HashSet};

use rand::rngs::StdRng;
use rand::seq::IndexedRandom;
use rand::{Rng, SeedableRng};
use sigillo_domain::fiscal_code::places::{self, Place, PlaceKind};
use sigillo_domain::fiscal_code::{FiscalCode, FiscalCodeError, PersonalData, Sex};
use sigillo_domain::registry::{ContributionYear, Email, HealthCard, InsuredPerson, PhoneNumber, Residence};
use time::{Date, Duration, Month};

use super::names;

/// Shares of the population, as designed (the tests hold the generator to them).
pub(super) const SHARE_BORN_ABROAD: f64 = 0.07;
pub(super) const SHARE_RESIDENT_ABROAD: f64 = 0.06;
pub(super) const SHARE_UNDER_52_WEEKS: f64 = 0.10;
pub(super) const SHARE_MOBILE: f64 = 0.85;
pub(super) const SHARE_EMAIL: f64 = 0.90;
/// Omocodes drawn on purpose; code collisions add a few more, as they do in life.
const SHARE_OMOCODE: f64 = 0.005;
const SHARE_HISTORICAL_BIRTHPLACE: f64 = 0.03;
const SHARE_BIG_CITY: f64 = 0.25;
const SHARE_LIVES_WHERE_BORN: f64 = 0.35;
const SHARE_COMMON_BIRTH_COUNTRY: f64 = 0.8;
/// Per working year: no contributions at all, a change of employer.
const CHANCE_GAP_YEAR: f64 = 0.06;
const CHANCE_JOB_CHANGE: f64 = 0.12;
const CHANCE_FULL_YEAR: f64 = 0.8;

/// Birth years by decade, weighted roughly like the working and retired population.
const BIRTH_DECADES: [(i32, u32); 8] =
    [(1930, 4), (1940, 9), (1950, 15), (1960, 19), (1970, 18), (1980, 16), (1990, 12), (2000, 7)];
const OLDEST_BIRTH_YEAR: i32 = 1930;
const ADULT_AGE: i32 = 18;

/// Tries at a random place valid on a date before falling back to a wider pool.
const PLACE_TRIES: usize = 24;
/// Whole-person retries (fiscal-code collisions that omocodia could not resolve, odd pools).
const PERSON_TRIES: u32 = 64;
/// Omocodia masks in the order the Agenzia delle Entrate assigns them: last digit first.
const OMOCODIA_MASKS: [u8; 7] = [0b1, 0b11, 0b111, 0b1111, 0b1_1111, 0b11_1111, 0b111_1111];
const EMPLOYER_POOL: usize = 1_200;

/// Why no person could be generated: a bug or an empty place table, never bad luck.
#[derive(Debug, Clone, thiserror::Error)]
pub enum DemoError {
    #[error("the place table has no {0}")]
    EmptyPool(&'static str),
    #[error("no valid synthetic person after {PERSON_TRIES} attempts (last problem: {0})")]
    Exhausted(String),
}

/// What a person is like before any name or date is drawn.
#[derive(Debug, Clone, Copy)]
struct Traits {
    born_abroad: bool,
    lives_abroad: bool,
    under_52_weeks: bool,
    mobile: bool,
    email: bool,
    /// Nonzero: an omocodia mask applied on purpose.
    omocodia: u8,
}

/// The first persons of every seed, so that even a tiny demo has one of each showcase kind.
const OPENING_TRAITS: [Traits; 6] = {
    let base = Traits {
        born_abroad: false,
        lives_abroad: false,
        under_52_weeks: false,
        mobile: true,
        email: true,
        omocodia: 0,
    };
    [
        base,
        Traits { under_52_weeks: true, ..base },
        Traits { lives_abroad: true, ..base },
        Traits { mobile: false, ..base },
        Traits { omocodia: 0b1, ..base },
        Traits { born_abroad: true, ..base },
    ]
};

/// A line of the contribution history, with the employer as an index into the pool.
#[derive(Debug, Clone, Copy)]
struct Stint {
    year: i32,
    employer: usize,
    weeks: u32,
}

/// Places and employers, filtered and built once.
struct Pools {
    /// Municipalities still in use: births and residences.
    current: Vec<&'static Place>,
    /// Municipalities deleted since 1930: a few older people were born in them.
    historical: Vec<&'static Place>,
    big_cities: Vec<&'static Place>,
    countries: Vec<&'static Place>,
    common_countries: Vec<&'static Place>,
    cap_prefixes: HashMap<&'static str, &'static str>,
    employers: Vec<String>,
}

impl Pools {
    fn build(rng: &mut StdRng) -> Result<Pools, DemoError> {
        let since = Date::from_calendar_date(OLDEST_BIRTH_YEAR, Month::January, 1).unwrap_or(Date::MIN);
        let (mut current, mut historical, mut countries) = (Vec::new(), Vec::new(), Vec::new());
        for place in places::all() {
            match place.kind {
                PlaceKind::Country => countries.push(place),
                PlaceKind::Municipality if place.is_current() => current.push(place),
                PlaceKind::Municipality if place.valid_until.is_some_and(|until| until >= since) => {
                    historical.push(place)
                }
                PlaceKind::Municipality => {}
            }
        }
        if current.is_empty() {
            return Err(DemoError::EmptyPool("current municipalities"));
        }
        if countries.is_empty() {
            return Err(DemoError::EmptyPool("foreign states"));
        }
        let known = |codes: &[&str]| codes.iter().filter_map(|code| places::lookup(code)).collect::<Vec<_>>();
        let mut big_cities = known(names::BIG_CITIES);
        big_cities.retain(|p| p.is_current());
        let mut seen = HashSet::new();
        let employers = (0..EMPLOYER_POOL)
            .map(|i| match i % 10 {
                // Two in ten: a town hall, or a public body or cooperative; the rest family firms.
                0 => format!("Comune di {}", pick(rng, &current).map_or("Roma", |p| p.name)),
                1 => one_of(rng, names::OTHER_EMPLOYERS).to_owned(),
                _ => format!(
                    "{} {} {}",
                    one_of(rng, names::FAMILY_NAMES),
                    one_of(rng, names::SECTORS),
                    one_of(rng, names::LEGAL_FORMS)
                ),
            })
            // Unique names: one person's history never has the same employer twice in a year.
            .filter(|name| seen.insert(name.clone()))
            .collect();
        Ok(Pools {
            current,
            historical,
            big_cities,
            common_countries: known(names::COMMON_BIRTH_COUNTRIES),
            countries,
            cap_prefixes: names::CAP_PREFIXES.iter().copied().collect(),
            employers,
        })
    }
}

/// A reproducible stream of synthetic insured persons with contribution histories.
pub struct DemoGenerator {
    rng: StdRng,
    today: Date,
    pools: Result<Pools, DemoError>,
    /// Fingerprints of the fiscal codes handed out: a clash becomes an omocode, as in life.
    issued: HashSet<u64>,
    produced: u64,
    stints: Vec<Stint>,
}

impl DemoGenerator {
    /// A generator for `seed`; `today` bounds birth dates (adults only) and card expiries.
    pub fn new(seed: u64, today: Date) -> Self {
        let mut rng = StdRng::seed_from_u64(seed);
        let pools = Pools::build(&mut rng);
        DemoGenerator { rng, today, pools, issued: HashSet::new(), produced: 0, stints: Vec::new() }
    }

    /// The next synthetic person with their contribution history (oldest year first).
    ///
    /// The first six persons of every seed are, in order: a plain eligible person with mobile and
    /// e-mail, one under 52 weeks, one resident abroad, one without mobile, one with an omocode,
    /// one born abroad. The rest follow the designed shares.
    pub fn person(&mut self) -> Result<(InsuredPerson, Vec<ContributionYear>), DemoError> {
        let person = self.next_person()?;
        let pools = self.pools.as_ref().map_err(Clone::clone)?;
        let mut history: Vec<ContributionYear> = self
            .stints
            .iter()
            .map(|s| ContributionYear {
                year: s.year,
                employer: pools.employers.get(s.employer).cloned().unwrap_or_default(),
                weeks: s.weeks,
            })
            .collect();
        // The order the store gives them back in: by year, then employer.
        history.sort_by(|a, b| (a.year, &a.employer).cmp(&(b.year, &b.employer)));
        Ok((person, history))
    }

    /// The next person; their history is left in `self.stints` (not materialised: CSV export skips it).
    pub(super) fn next_person(&mut self) -> Result<InsuredPerson, DemoError> {
        if let Err(e) = &self.pools {
            return Err(e.clone());
        }
        let traits = match OPENING_TRAITS.get(usize::try_from(self.produced).unwrap_or(usize::MAX)) {
            Some(traits) => *traits,
            None => self.draw_traits(),
        };
        self.produced += 1;
        let mut last = String::from("none");
        for _ in 0..PERSON_TRIES {
            match self.attempt(traits) {
                Ok(person) => return Ok(person),
                Err(problem) => last = problem,
            }
        }
        Err(DemoError::Exhausted(last))
    }

    fn draw_traits(&mut self) -> Traits {
        let rng = &mut self.rng;
        let mobile = rng.random_bool(SHARE_MOBILE);
        // Everyone has at least one contact: those without a mobile always have an e-mail.
        let email = !mobile || rng.random_bool((SHARE_EMAIL - (1.0 - SHARE_MOBILE)) / SHARE_MOBILE);
        Traits {
            born_abroad: rng.random_bool(SHARE_BORN_ABROAD),
            lives_abroad: rng.random_bool(SHARE_RESIDENT_ABROAD),
            under_52_weeks: rng.random_bool(SHARE_UNDER_52_WEEKS),
            mobile,
            email,
            omocodia: if rng.random_bool(SHARE_OMOCODE) { *OMOCODIA_MASKS[..3].choose(rng).unwrap_or(&1) } else { 0 },
        }
    }

    /// One try at a person with these traits; `Err` says why it did not work out.
    fn attempt(&mut self, traits: Traits) -> Result<InsuredPerson, String> {
        let pools = self.pools.as_ref().map_err(ToString::to_string)?;
        let rng = &mut self.rng;
        let sex = if rng.random_bool(0.5) { Sex::F } else { Sex::M };
        let given_name = match sex {
            Sex::M => one_of(rng, names::MALE_GIVEN_NAMES),
            Sex::F => one_of(rng, names::FEMALE_GIVEN_NAMES),
        };
        let family_name = head_heavy(rng, names::FAMILY_NAMES);
        let birth_date = birth_date(rng, self.today);
        let birth_place = birth_place(rng, pools, birth_date, traits.born_abroad).ok_or("no birth place valid then")?;
        let personal = PersonalData { family_name, given_name, birth_date, sex, birth_place: birth_place.code };
        let base = FiscalCode::compute(&personal).map_err(|e: FiscalCodeError| e.to_string())?;
        let fiscal_code =
            claim_code(&mut self.issued, base, traits.omocodia).ok_or("fiscal code taken, even as omocode")?;

        let residence = residence(rng, pools, birth_place, traits.lives_abroad);
        let health_card = HealthCard {
            number: format!("80380{:015}", rng.random_range(0..1_000_000_000_000_000_u64)),
            expiry: self.today.checked_add(Duration::days(rng.random_range(366..=6 * 365))).unwrap_or(self.today),
        };
        let mobile = traits.mobile.then(|| mobile(rng)).flatten();
        let email = traits.email.then(|| email(rng, given_name, family_name, birth_date)).flatten();
        career(rng, pools, self.today, birth_date.year(), traits.under_52_weeks, &mut self.stints);
        let contribution_weeks = self.stints.iter().map(|s| s.weeks).sum();
        Ok(InsuredPerson {
            fiscal_code,
            family_name: family_name.to_owned(),
            given_name: given_name.to_owned(),
            birth_date,
            sex,
            birth_place: birth_place.code.to_owned(),
            residence,
            health_card,
            contribution_weeks,
            mobile,
            email,
        })
    }
}

fn one_of(rng: &mut StdRng, items: &[&'static str]) -> &'static str {
    items.choose(rng).copied().unwrap_or_default()
}

fn pick(rng: &mut StdRng, items: &[&'static Place]) -> Option<&'static Place> {
    items.choose(rng).copied()
}

/// Favours the head of the list (common family names first), still reaching the tail.
fn head_heavy(rng: &mut StdRng, items: &[&'static str]) -> &'static str {
    let u: f64 = rng.random();
    // `u * u` is in [0, 1): the index is below `len`, and the cast cannot overflow.
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss, clippy::cast_precision_loss)]
    let index = (u * u * items.len() as f64) as usize;
    items.get(index).copied().unwrap_or_default()
}

/// A birth date between 1930 and 18 years before `today`, weighted by decade.
fn birth_date(rng: &mut StdRng, today: Date) -> Date {
    let first = Date::from_calendar_date(OLDEST_BIRTH_YEAR, Month::January, 1).unwrap_or(Date::MIN);
    let adult = today.replace_year(today.year() - ADULT_AGE).unwrap_or_else(|_| {
        // 29 February, 18 years earlier, is the 28th (or a leap day: either way an adult).
        Date::from_calendar_date(today.year() - ADULT_AGE, today.month(), 28).unwrap_or(first)
    });
    let last = adult.max(first);
    let total: u32 = BIRTH_DECADES.iter().map(|(_, w)| w).sum();
    let mut roll = rng.random_range(0..total);
    let mut span = (first, last);
    for (decade, weight) in BIRTH_DECADES {
        if roll < weight {
            let start = Date::from_calendar_date(decade, Month::January, 1).unwrap_or(first).max(first);
            let end = Date::from_calendar_date(decade + 9, Month::December, 31).unwrap_or(last).min(last);
            if start <= end {
                span = (start, end);
            }
            break;
        }
        roll -= weight;
    }
    let day = rng.random_range(span.0.to_julian_day()..=span.1.to_julian_day());
    Date::from_julian_day(day).unwrap_or(last)
}

fn valid_pick(rng: &mut StdRng, pool: &[&'static Place], date: Date) -> Option<&'static Place> {
    (0..PLACE_TRIES).filter_map(|_| pick(rng, pool)).find(|p| p.is_valid_on(date))
}

fn birth_place(rng: &mut StdRng, pools: &Pools, date: Date, abroad: bool) -> Option<&'static Place> {
    if abroad {
        let common = rng.random_bool(SHARE_COMMON_BIRTH_COUNTRY);
        let first = if common { valid_pick(rng, &pools.common_countries, date) } else { None };
        if let Some(place) = first.or_else(|| valid_pick(rng, &pools.countries, date)) {
            return Some(place);
        }
    }
    let roll: f64 = rng.random();
    let first = if roll < SHARE_HISTORICAL_BIRTHPLACE {
        valid_pick(rng, &pools.historical, date)
    } else if roll < SHARE_HISTORICAL_BIRTHPLACE + SHARE_BIG_CITY {
        valid_pick(rng, &pools.big_cities, date)
    } else {
        None
    };
    first.or_else(|| valid_pick(rng, &pools.current, date))
}

fn residence(rng: &mut StdRng, pools: &Pools, birth_place: &'static Place, abroad: bool) -> Residence {
    let number = rng.random_range(1..=180);
    if abroad && let Some(place) = names::ABROAD.choose(rng) {
        let street = one_of(rng, place.streets);
        let address = if place.number_first { format!("{number} {street}") } else { format!("{street} {number}") };
        return Residence {
            address,
            postal_code: one_of(rng, place.postal_codes).to_owned(),
            municipality: place.city.to_owned(),
            province: place.region.to_owned(),
            country: place.country.to_owned(),
        };
    }
    let born_here = birth_place.kind == PlaceKind::Municipality && birth_place.is_current();
    let town = if born_here && rng.random_bool(SHARE_LIVES_WHERE_BORN) {
        birth_place
    } else if rng.random_bool(SHARE_BIG_CITY) {
        pick(rng, &pools.big_cities).unwrap_or(birth_place)
    } else {
        pick(rng, &pools.current).unwrap_or(birth_place)
    };
    let street = one_of(rng, names::STREETS);
    let address = match rng.random_range(0..12) {
        0 => format!("{street} {number}/A"),
        1 => format!("{street} {number} bis"),
        _ => format!("{street} {number}"),
    };
    // Province towns have CAPs ending in 0xx, main cities in 1xx: close enough to the real thing.
    let prefix = pools.cap_prefixes.get(town.province).copied().unwrap_or("00");
    let postal_code = format!("{prefix}{}{:02}", rng.random_range(0..=1), rng.random_range(10..100));
    Residence {
        address,
        postal_code,
        municipality: town.name.to_owned(),
        province: town.province.to_owned(),
        country: "IT".to_owned(),
    }
}

/// Claims `base` (or, on request or clash, its first free omocode) for this person.
fn claim_code(issued: &mut HashSet<u64>, base: FiscalCode, requested: u8) -> Option<FiscalCode> {
    let first = if requested == 0 { None } else { Some(base.with_omocodia(requested)) };
    let mut candidates = first
        .into_iter()
        .chain((requested == 0).then_some(base))
        .chain(OMOCODIA_MASKS.iter().map(|&m| base.with_omocodia(m)));
    candidates.find(|code| issued.insert(fingerprint(code.as_str())))
}

/// FNV-1a: a clash between two different codes only costs an unneeded omocode.
fn fingerprint(code: &str) -> u64 {
    code.bytes().fold(0xcbf2_9ce4_8422_2325, |hash, byte| (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3))
}

fn mobile(rng: &mut StdRng) -> Option<PhoneNumber> {
    let prefix = one_of(rng, names::MOBILE_PREFIXES);
    PhoneNumber::parse(&format!("+39 {prefix} {:07}", rng.random_range(0..10_000_000))).ok()
}

fn email(rng: &mut StdRng, given: &str, family: &str, birth: Date) -> Option<Email> {
    let (given, family) = (ascii_lower(given), ascii_lower(family));
    let local = match rng.random_range(0..6) {
        0 | 1 => format!("{given}.{family}"),
        2 => format!("{given}_{family}"),
        3 => format!("{}{family}", given.get(..1).unwrap_or_default()),
        4 => format!("{family}.{given}"),
        _ => format!("{given}.{family}{:02}", birth.year().rem_euclid(100)),
    };
    Email::parse(&format!("{local}@{}", one_of(rng, names::EMAIL_DOMAINS))).ok()
}

/// Lower-case ASCII letters of a name: accents dropped, apostrophes and spaces removed.
pub(super) fn ascii_lower(name: &str) -> String {
    name.chars()
        .flat_map(char::to_lowercase)
        .filter_map(|c| match c {
            'a'..='z' => Some(c),
            'à' | 'á' | 'â' | 'ä' | 'ã' | 'å' => Some('a'),
            'è' | 'é' | 'ê' | 'ë' => Some('e'),
            'ì' | 'í' | 'î' | 'ï' => Some('i'),
            'ò' | 'ó' | 'ô' | 'ö' | 'õ' => Some('o'),
            'ù' | 'ú' | 'û' | 'ü' => Some('u'),
            'ç' => Some('c'),
            'ñ' => Some('n'),
            _ => None,
        })
        .collect()
}

/// Fills `out` with a contribution history: yearly lines, at most 52 weeks a year in all.
fn career(rng: &mut StdRng, pools: &Pools, today: Date, birth_year: i32, under_52: bool, out: &mut Vec<Stint>) {
    out.clear();
    let this_year = today.year();
    // Whole weeks of this year already behind us.
    let weeks_this_year = u32::from(today.ordinal().saturating_sub(1)) / 7;
    let age = this_year - birth_year;
    let start = birth_year + rng.random_range(16..=26).min(age - 2).max(16);
    let end = (birth_year + rng.random_range(58..=67)).min(this_year);
    let employers = pools.employers.len().max(1);
    let mut employer = rng.random_range(0..employers);
    let other = |rng: &mut StdRng, current: usize| (current + rng.random_range(1..employers.max(2))) % employers;

    if under_52 {
        // A short spell: one line, or two (different years, or a change of employer).
        let last_full = end.min(this_year - 1).max(start);
        let total = rng.random_range(1..=51);
        let year = rng.random_range(start..=last_full);
        if total >= 2 && rng.random_bool(0.3) {
            let first = rng.random_range(1..total);
            let next = other(rng, employer);
            let second_year = rng.random_range(start..=last_full);
            out.push(Stint { year, employer, weeks: first });
            out.push(Stint { year: second_year, employer: next, weeks: total - first });
        } else {
            out.push(Stint { year, employer, weeks: total });
        }
    } else {
        for year in start..=end {
            let cap = if year == this_year { weeks_this_year } else { 52 };
            if cap == 0 || rng.random_bool(CHANCE_GAP_YEAR) {
                continue;
            }
            let weeks = if rng.random_bool(CHANCE_FULL_YEAR) { cap } else { rng.random_range(1..=cap) };
            if weeks >= 2 && rng.random_bool(CHANCE_JOB_CHANGE) {
                let first = rng.random_range(1..weeks);
                out.push(Stint { year, employer, weeks: first });
                employer = other(rng, employer);
                out.push(Stint { year, employer, weeks: weeks - first });
            } else {
                out.push(Stint { year, employer, weeks });
            }
        }
        if out.iter().map(|s| s.weeks).sum::<u32>() < 52 {
            // Bad luck on a short career: make it a steady one (a full past year always exists).
            out.clear();
            out.extend((start..=end.min(this_year - 1)).map(|year| Stint { year, employer, weeks: 52 }));
        }
    }
}
