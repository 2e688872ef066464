#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, reason = "tests fail by panicking")]

use std::collections::{HashMap, HashSet};

use sigillo_domain::fiscal_code::places;
use sigillo_domain::registry::{COLUMNS, ContributionYear, InsuredPerson, RegistryRow};
use time::Date;
use time::macros::date;

use super::generator::{
    SHARE_BORN_ABROAD, SHARE_EMAIL, SHARE_MOBILE, SHARE_RESIDENT_ABROAD, SHARE_UNDER_52_WEEKS, ascii_lower,
};
use super::names::EMAIL_DOMAINS;
use super::*;

const TODAY: Date = date!(2026 - 11 - 25);

fn generate(seed: u64, count: usize) -> Vec<(InsuredPerson, Vec<ContributionYear>)> {
    let mut generator = DemoGenerator::new(seed, TODAY);
    (0..count).map(|_| generator.person().unwrap()).collect()
}

fn reparse(row: &[String; 16]) -> InsuredPerson {
    let fields: [&str; 16] = std::array::from_fn(|i| row[i].as_str());
    InsuredPerson::from_row(&RegistryRow { fields }, TODAY).unwrap_or_else(|e| panic!("{e} in {row:?}"))
}

#[test]
fn ten_thousand_persons_round_trip_through_registry_rows() {
    let persons = generate(1, 10_000);
    let mut codes = HashSet::new();
    for (person, _) in &persons {
        assert_eq!(&reparse(&person.to_row()), person);
        assert!(codes.insert(person.fiscal_code), "{} given twice", person.fiscal_code);
    }
}

#[test]
fn every_field_looks_like_the_real_thing() {
    let adult = date!(2008 - 11 - 25);
    for (person, _) in generate(2, 10_000) {
        let code = person.fiscal_code;
        assert!((date!(1930 - 01 - 01)..=adult).contains(&person.birth_date), "{code}: {}", person.birth_date);
        let place = places::lookup(&person.birth_place).unwrap();
        assert!(place.is_valid_on(person.birth_date), "{code}: {} not valid then", place.code);

        let card = &person.health_card;
        assert!(card.number.len() == 20 && card.number.starts_with("80380"), "{}", card.number);
        assert!(card.number.bytes().all(|b| b.is_ascii_digit()));
        assert!((date!(2027 - 11 - 25)..=date!(2032 - 11 - 25)).contains(&card.expiry), "{}", card.expiry);

        let home = &person.residence;
        if home.is_abroad() {
            assert!(home.country.len() == 2 && home.country != "IT");
        } else {
            assert!(home.postal_code.len() == 5 && home.postal_code.bytes().all(|b| b.is_ascii_digit()));
            // Several towns share a name (Castro BG, Castro LE): the pair must exist.
            let town =
                places::all().any(|p| p.name == home.municipality && p.province == home.province && p.is_current());
            assert!(town, "{home:?}");
            assert!(home.address.starts_with(|c: char| c.is_ascii_uppercase()) && home.address.contains(' '));
        }

        assert!(person.mobile.is_some() || person.email.is_some(), "{code} has no contact");
        if let Some(mobile) = &person.mobile {
            assert!(mobile.as_str().starts_with("+393") && mobile.as_str().len() == 13, "{mobile}");
        }
        if let Some(email) = &person.email {
            let (local, domain) = email.as_str().split_once('@').unwrap();
            assert!(EMAIL_DOMAINS.contains(&domain), "{email}");
            assert!(local.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'.' || b == b'_'));
            assert!(local.contains(&ascii_lower(&person.family_name)), "{email} for {}", person.family_name);
        }
    }
}

#[test]
fn names_keep_accents_and_apostrophes_but_e_mails_are_ascii() {
    assert_eq!(ascii_lower("D'Amico"), "damico");
    assert_eq!(ascii_lower("Nicolò"), "nicolo");
    assert_eq!(ascii_lower("Lo Russo"), "lorusso");
    let persons = generate(3, 10_000);
    assert!(persons.iter().any(|(p, _)| p.family_name.contains('\'')));
    assert!(persons.iter().any(|(p, _)| p.family_name.contains(' ')));
    assert!(persons.iter().any(|(p, _)| !p.given_name.is_ascii() || !p.family_name.is_ascii()));
}

#[test]
fn histories_add_up_and_never_pass_52_weeks_a_year() {
    for (person, history) in generate(4, 10_000) {
        let code = person.fiscal_code;
        assert_eq!(history.iter().map(|c| c.weeks).sum::<u32>(), person.contribution_weeks, "{code}");
        let mut per_year: HashMap<i32, u32> = HashMap::new();
        let mut lines = HashSet::new();
        for line in &history {
            assert!(line.weeks > 0 && !line.employer.is_empty(), "{code}: {line:?}");
            assert!(line.year >= person.birth_date.year() + 16 && line.year <= TODAY.year(), "{code}: {line:?}");
            assert!(lines.insert((line.year, line.employer.as_str())), "{code}: {line:?} twice");
            *per_year.entry(line.year).or_default() += line.weeks;
        }
        assert!(per_year.values().all(|&w| w <= 52), "{code}: {per_year:?}");
        // This year only counts the weeks already gone (25 November: 47 whole weeks).
        assert!(per_year.get(&TODAY.year()).is_none_or(|&w| w <= 47), "{code}: {per_year:?}");
        assert!(history.windows(2).all(|w| (w[0].year, &w[0].employer) < (w[1].year, &w[1].employer)));
    }
}

#[test]
fn the_same_seed_gives_the_same_registry_and_another_seed_another() {
    let first = generate(42, 2_000);
    assert_eq!(first, generate(42, 2_000));
    let other = generate(43, 2_000);
    let codes: HashSet<_> = first.iter().map(|(p, _)| p.fiscal_code).collect();
    let shared = other.iter().filter(|(p, _)| codes.contains(&p.fiscal_code)).count();
    assert!(shared < 10, "{shared} codes in common");
    assert_ne!(first.iter().map(|(p, _)| p.contribution_weeks).collect::<Vec<_>>(), {
        other.iter().map(|(p, _)| p.contribution_weeks).collect::<Vec<_>>()
    });
}

#[test]
fn shares_are_roughly_as_designed() {
    let persons = generate(5, 10_000);
    let share = |test: &dyn Fn(&InsuredPerson) -> bool| {
        persons.iter().filter(|(p, _)| test(p)).count() as f64 / persons.len() as f64
    };
    let near = |actual: f64, designed: f64, what: &str| {
        assert!((actual - designed).abs() <= designed * 0.2 + 0.005, "{what}: {actual:.3}, designed {designed}");
    };
    near(share(&|p| p.residence.is_abroad()), SHARE_RESIDENT_ABROAD, "resident abroad");
    near(share(&|p| p.birth_place.starts_with('Z')), SHARE_BORN_ABROAD, "born abroad");
    near(share(&|p| p.contribution_weeks < 52), SHARE_UNDER_52_WEEKS, "under 52 weeks");
    near(share(&|p| p.mobile.is_none()), 1.0 - SHARE_MOBILE, "without mobile");
    near(share(&|p| p.email.is_some()), SHARE_EMAIL, "with e-mail");
    let omocodes = share(&|p| p.fiscal_code.is_omocode());
    assert!(omocodes > 0.0 && omocodes < 0.02, "omocodes: {omocodes}");
    let historical = share(&|p| places::lookup(&p.birth_place).is_some_and(|place| !place.is_current()));
    assert!(historical > 0.0 && historical < 0.05, "born in a deleted municipality: {historical}");
    let men = share(&|p| p.fiscal_code.sex() == sigillo_domain::fiscal_code::Sex::M);
    near(men, 0.5, "men");
}

#[test]
fn the_first_persons_are_one_of_each_showcase_kind() {
    // The generator opens with one of each kind but the pensioner (who comes by age, later).
    let mut picker = ShowcasePicker::default();
    for (person, _) in generate(6, Kind::ALL.len() - 1) {
        picker.consider(&person, false);
    }
    let notes: Vec<_> = picker.finish().iter().map(|s| s.note).collect();
    assert_eq!(notes, Kind::ALL[..Kind::ALL.len() - 1].iter().map(|k| k.note()).collect::<Vec<_>>());
}

#[test]
fn write_csv_is_a_registry_file_of_the_same_persons() {
    let mut out = Vec::new();
    write_csv(&mut out, 500, 7, TODAY).unwrap();
    let mut reader = csv::Reader::from_reader(out.as_slice());
    assert_eq!(reader.headers().unwrap(), &csv::StringRecord::from(COLUMNS.to_vec()));
    let expected = generate(7, 500);
    let mut rows = 0;
    for (record, (person, _)) in reader.records().zip(&expected) {
        let record = record.unwrap();
        let row: [String; 16] = std::array::from_fn(|i| record.get(i).unwrap_or_default().to_owned());
        assert_eq!(record.len(), COLUMNS.len());
        assert_eq!(&reparse(&row), person);
        rows += 1;
    }
    assert_eq!(rows, 500);
}

#[test]
fn write_csv_of_nothing_is_just_the_header() {
    let mut out = Vec::new();
    write_csv(&mut out, 0, 7, TODAY).unwrap();
    assert_eq!(String::from_utf8(out).unwrap(), format!("{}\n", COLUMNS.join(",")));
}

/// Seeds `store` across several batches and checks what it holds against the generator.
async fn seed_and_check(store: &dyn Store) {
    let count = 2 * SEED_BATCH + 17;
    let report = seed(store, count as u64, 8, TODAY).await.unwrap();
    assert_eq!(report.inserted, count as u64);
    assert_eq!(store.count_persons().await.unwrap(), count as u64);

    let notes: Vec<_> = report.showcase.iter().map(|s| s.note).collect();
    assert_eq!(notes, Kind::ALL.map(Kind::note));
    let generated = generate(8, count);
    let by_code: HashMap<_, _> = generated.iter().map(|(p, h)| (p.fiscal_code, (p, h))).collect();
    let sampled = generated.iter().step_by(97).chain(generated.last()).map(|(p, _)| p.fiscal_code);
    for code in report.showcase.iter().map(|s| s.fiscal_code).chain(sampled) {
        let (person, history) = by_code[&code];
        assert_eq!(store.find_person(&code).await.unwrap().as_ref(), Some(person));
        // Employers within a year come back in the database's collation: compare as sets.
        let mut stored = store.contributions(&code).await.unwrap();
        stored.sort_by(|a, b| (a.year, &a.employer).cmp(&(b.year, &b.employer)));
        assert_eq!(&stored, history, "{code}");
        let slips = pensions::pension_slips(person, TODAY);
        let mut stored = store.pension_slips(&code).await.unwrap();
        stored.reverse();
        assert_eq!(
            stored.iter().map(|s| (s.year(), s.month())).collect::<Vec<_>>(),
            slips.iter().map(|s| (s.year(), s.month())).collect::<Vec<_>>(),
            "{code}"
        );
    }
    let pensioner = report.showcase.last().unwrap();
    assert!(!store.pension_slips(&pensioner.fiscal_code).await.unwrap().is_empty(), "the pensioner shown has slips");
    let first = &report.showcase[0];
    assert!(first.to_string().starts_with(first.fiscal_code.as_str()), "{first}");
}

#[tokio::test]
async fn seed_fills_a_sqlite_store_and_shows_what_to_try() {
    let (store, _dir) = sigillo_testkit::db::sqlite_store().await;
    seed_and_check(&store).await;
}

#[tokio::test]
async fn seed_fills_a_postgres_store_and_shows_what_to_try() {
    // Skipped (with a note on stderr) when no PostgreSQL server answers, except in CI.
    if let Some(db) = sigillo_testkit::db::postgres_store().await {
        seed_and_check(db.store()).await;
    }
}

#[tokio::test]
async fn a_tiny_seed_shows_what_it_has() {
    let (store, _dir) = sigillo_testkit::db::sqlite_store().await;
    let report = seed(&store, 3, 9, TODAY).await.unwrap();
    assert_eq!(report.inserted, 3);
    assert_eq!(report.showcase.len(), 3);
    assert_eq!(seed(&store, 0, 9, TODAY).await.unwrap(), SeedReport { inserted: 0, showcase: Vec::new() });
}

/// `cargo test --release -p sigillo-app demo::tests::write_csv_of_a_million -- --ignored --nocapture`
#[test]
#[ignore = "timing, run by hand in release"]
fn write_csv_of_a_million_rows_timing() {
    let started = std::time::Instant::now();
    let mut out = CountingSink(0);
    write_csv(&mut out, 1_000_000, 1, TODAY).unwrap();
    println!("write_csv: 1,000,000 rows, {} MB, in {:.2?}", out.0 / 1_000_000, started.elapsed());
}

struct CountingSink(usize);

impl std::io::Write for CountingSink {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0 += buf.len();
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}
