//! Sigillo against python-codicefiscale 0.12.1, an independent implementation.
//!
//! The fixtures come from `tools/independent-cf/generate.py`: ~5,000 people born 1930–today in
//! current, merged and renamed municipalities and in foreign states, with accented, apostrophised
//! and spaced names, some with omocodia; plus rows made wrong on purpose.

#![allow(clippy::unwrap_used, reason = "a test fails by panicking")]

use sigillo_domain::fiscal_code::{Date, FiscalCode, FiscalCodeError, PersonalData, Sex};
use time::macros::format_description;

const VALID: &str = include_str!("fixtures/independent_cf.csv");
const INVALID: &str = include_str!("fixtures/independent_cf_invalid.csv");

struct Row<'a> {
    line: usize,
    fiscal_code: &'a str,
    person: PersonalData<'a>,
    rest: Vec<&'a str>,
}

fn rows<'a>(csv: &'a str, header: &str) -> Vec<Row<'a>> {
    let mut lines = csv.lines();
    assert_eq!(lines.next(), Some(header));
    lines
        .enumerate()
        .map(|(index, line)| {
            // The generator guarantees no field holds a comma or a quote.
            let fields: Vec<&str> = line.split(',').collect();
            assert!(fields.len() >= 6, "line {}: {line}", index + 2);
            let birth_date = Date::parse(fields[3], format_description!("[year]-[month]-[day]")).unwrap();
            let sex: Sex = fields[4].parse().unwrap();
            Row {
                line: index + 2,
                fiscal_code: fields[0],
                person: PersonalData {
                    family_name: fields[1],
                    given_name: fields[2],
                    birth_date,
                    sex,
                    birth_place: fields[5],
                },
                rest: fields[6..].to_vec(),
            }
        })
        .collect()
}

#[test]
fn every_independent_code_parses_and_is_consistent() {
    let rows = rows(VALID, "fiscal_code,family_name,given_name,birth_date,sex,birth_place");
    assert!(rows.len() >= 5_000, "{}", rows.len());
    let mut failures = Vec::new();
    let mut omocodes = 0;
    for row in &rows {
        let outcome = FiscalCode::parse(row.fiscal_code).and_then(|code| {
            code.check_consistency(&row.person)?;
            omocodes += usize::from(code.is_omocode());
            // Our own encoder gives the library's code, up to omocodia.
            let computed = FiscalCode::compute(&row.person)?;
            if computed != code.base() {
                return Err(FiscalCodeError::WrongCheckCharacter { expected: '?', found: '?' });
            }
            Ok(())
        });
        if let Err(err) = outcome {
            failures.push(format!("line {}: {} {:?}: {err:?}", row.line, row.fiscal_code, row.person));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} rows failed:\n{}",
        failures.len(),
        rows.len(),
        failures[..failures.len().min(20)].join("\n")
    );
    assert!(omocodes > 100, "the fixture should hold omocodes, has {omocodes}");
}

#[test]
fn every_corrupted_row_fails_with_the_expected_error() {
    let rows = rows(INVALID, "fiscal_code,family_name,given_name,birth_date,sex,birth_place,expected_error,python");
    assert!(rows.len() >= 80, "{}", rows.len());
    let mut failures = Vec::new();
    let mut kinds = std::collections::BTreeSet::new();
    for row in &rows {
        let expected = row.rest[0];
        kinds.insert(expected);
        match FiscalCode::parse(row.fiscal_code).and_then(|code| code.check_consistency(&row.person)) {
            Err(err) if err.kind() == expected => {}
            other => {
                failures.push(format!("line {}: {} expected {expected}, got {other:?}", row.line, row.fiscal_code))
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(kinds.len() >= 9, "{kinds:?}");
}
