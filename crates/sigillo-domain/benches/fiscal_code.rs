//! Codice fiscale throughput: `parse` + `check_consistency` on a mix of codes (goal: ≥ 1,000,000/s per core).
//!
//! Run: `cargo bench -p sigillo-domain --bench fiscal_code`. Criterion reports elements/s:
//! one element is one full validation.

#![allow(clippy::unwrap_used, reason = "a benchmark of valid codes stops on the first invalid one")]

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use sigillo_domain::fiscal_code::{Date, FiscalCode, PersonalData, Sex, places};

const FAMILY_NAMES: [&str; 8] =
    ["Rossi", "D'Angelo", "De Luca", "Müller", "Esposito", "Dell'Orto-Bianchi", "Fo", "Nguyễn"];
const GIVEN_NAMES: [&str; 8] = ["Mario", "Nicolò", "Anna Maria", "Gianfranco", "Zoë", "Jürgen", "Al", "Maria Grazia"];

struct Case {
    input: String,
    family_name: &'static str,
    given_name: &'static str,
    birth_date: Date,
    sex: Sex,
    birth_place: &'static str,
}

impl Case {
    fn person(&self) -> PersonalData<'_> {
        PersonalData {
            family_name: self.family_name,
            given_name: self.given_name,
            birth_date: self.birth_date,
            sex: self.sex,
            birth_place: self.birth_place,
        }
    }
}

/// 1,024 valid codes from current places: plain, omocodes, and lower case with spaces.
fn cases() -> Vec<Case> {
    let first = Date::from_calendar_date(1930, time::Month::January, 1).unwrap_or(Date::MIN);
    let places: Vec<_> = places::all().filter(|p| p.is_current() && p.valid_from.is_some_and(|f| f <= first)).collect();
    let mut state: u64 = 0x5eed;
    let mut next = move || {
        state = state.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        (state >> 33) as usize
    };
    (0..1024)
        .map(|i| {
            let family_name = FAMILY_NAMES[next() % FAMILY_NAMES.len()];
            let given_name = GIVEN_NAMES[next() % GIVEN_NAMES.len()];
            let birth_date = first + time::Duration::days((next() % 30_000) as i64);
            let sex = if next() % 2 == 0 { Sex::M } else { Sex::F };
            let birth_place = places[next() % places.len()].code;
            let person = PersonalData { family_name, given_name, birth_date, sex, birth_place };
            let code = FiscalCode::compute(&person).unwrap();
            let input = match i % 10 {
                0 | 1 => code.with_omocodia((next() % 127 + 1) as u8).to_string(),
                2 => format!("{} {}", &code.as_str()[..6].to_lowercase(), &code.as_str()[6..]),
                _ => code.to_string(),
            };
            Case { input, family_name, given_name, birth_date, sex, birth_place }
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let cases = cases();
    for case in &cases {
        FiscalCode::parse(&case.input).and_then(|code| code.check_consistency(&case.person())).unwrap();
    }
    let mut group = c.benchmark_group("fiscal_code");
    group.throughput(Throughput::Elements(cases.len() as u64));
    group.bench_function("parse+check_consistency", |b| {
        b.iter(|| {
            for case in &cases {
                let result =
                    FiscalCode::parse(black_box(&case.input)).and_then(|code| code.check_consistency(&case.person()));
                black_box(result.is_ok());
            }
        })
    });
    group.bench_function("parse", |b| {
        b.iter(|| {
            for case in &cases {
                black_box(FiscalCode::parse(black_box(&case.input)).is_ok());
            }
        })
    });
    group.bench_function("compute", |b| {
        b.iter(|| {
            for case in &cases {
                black_box(FiscalCode::compute(black_box(&case.person())).is_ok());
            }
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
