//! `sigillo pensions import`: loads pensioners' monthly slips from a CSV file.
//!
//! Columns (header row, any order): `fiscal_code,year,month,kind,gross_cents,tax_cents,
//! other_deductions_cents,net_cents`; amounts in euro cents. The file holds the **complete** list of
//! each person it names: their stored slips are replaced by the file's (persons not in the file
//! keep theirs). A person's rows must be consecutive (sort the file by fiscal code), so the file
//! is streamed: one person at a time in memory, 1,000 persons per transaction. A bad row is
//! reported by line number with its column and reason, and its person is left as stored (a
//! partial list would lose months); so is a person not in the registry.

use std::collections::HashSet;
use std::io::Read;

use sigillo_domain::fiscal_code::FiscalCode;
use sigillo_domain::pension::{PensionKind, PensionSlip, PensionSlipError};
use sigillo_domain::store::{Store, StoreError};

pub use crate::registry_import::Rejection;

/// The columns of a pension CSV.
pub const COLUMNS: [&str; 8] =
    ["fiscal_code", "year", "month", "kind", "gross_cents", "tax_cents", "other_deductions_cents", "net_cents"];

/// Persons per transaction.
const BATCH_PERSONS: usize = 1_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PensionImportReport {
    /// Persons whose slips were replaced.
    pub persons: u64,
    /// Slips stored.
    pub slips: u64,
    /// Rows refused (their persons' rows included).
    pub rejected: u64,
}

#[derive(Debug, thiserror::Error)]
pub enum PensionImportError {
    #[error("il file è vuoto: manca la riga di intestazione")]
    Empty,
    #[error("riga 1: intestazione non valida: {0}")]
    Header(String),
    #[error("errore di lettura alla riga {line}: {message}")]
    Read { line: u64, message: String },
    #[error("errore del database: {0}")]
    Store(#[from] StoreError),
}

/// One person's rows so far: their code, the slips, the lines, and whether a row was refused.
struct Person {
    code: FiscalCode,
    slips: Vec<PensionSlip>,
    lines: Vec<u64>,
    refused: bool,
}

/// Parses one row: (column, reason) for the first field that is wrong.
fn parse_row(fields: &[&str; 8]) -> Result<(FiscalCode, PensionSlip), (&'static str, String)> {
    let code = FiscalCode::parse(fields[0]).map_err(|e| ("fiscal_code", e.to_string()))?;
    let int = |i: usize| -> Result<i64, (&'static str, String)> {
        fields[i].trim().parse::<i64>().map_err(|_| (COLUMNS[i], format!("«{}» non è un numero intero", fields[i])))
    };
    let year = i32::try_from(int(1)?).map_err(|_| ("year", "anno fuori intervallo".to_owned()))?;
    let month = u8::try_from(int(2)?).map_err(|_| ("month", "mese da 1 a 12".to_owned()))?;
    let kind = PensionKind::parse(fields[3].trim()).ok_or_else(|| {
        let known: Vec<&str> = PensionKind::ALL.iter().map(|k| k.as_str()).collect();
        ("kind", format!("tipo di pensione sconosciuto: usare {}", known.join(", ")))
    })?;
    let slip = PensionSlip::new(year, month, kind, int(4)?, int(5)?, int(6)?, int(7)?).map_err(|e| match e {
        PensionSlipError::Month => ("month", "mese da 1 a 12".to_owned()),
        PensionSlipError::Year => ("year", "anno da 1900 a 2999".to_owned()),
        PensionSlipError::Negative => ("gross_cents", "gli importi non possono essere negativi".to_owned()),
        PensionSlipError::NetMismatch => {
            ("net_cents", "il netto deve essere lordo meno ritenute meno altre trattenute".to_owned())
        }
    })?;
    Ok((code, slip))
}

/// Imports a pension CSV. `on_reject` is called for each refused row, in file order.
pub async fn import_pension_csv<R, F>(
    input: R,
    store: &dyn Store,
    mut on_reject: F,
) -> Result<PensionImportReport, PensionImportError>
where
    R: Read,
    F: FnMut(Rejection),
{
    let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(input);
    let header = reader.headers().map_err(|e| PensionImportError::Read { line: 1, message: e.to_string() })?.clone();
    if header.is_empty() {
        return Err(PensionImportError::Empty);
    }
    let names: Vec<&str> = header.iter().map(|h| h.trim().trim_start_matches('\u{feff}')).collect();
    let mut index = [0usize; 8];
    for (slot, column) in index.iter_mut().zip(COLUMNS) {
        *slot = names
            .iter()
            .position(|n| *n == column)
            .ok_or_else(|| PensionImportError::Header(format!("manca la colonna {column}")))?;
    }

    let mut report = PensionImportReport::default();
    let mut done: HashSet<FiscalCode> = HashSet::new();
    let mut batch: Vec<(FiscalCode, Vec<PensionSlip>)> = Vec::new();
    let mut current: Option<Person> = None;
    let mut reject = |report: &mut PensionImportReport, line: u64, reason: String| {
        report.rejected += 1;
        on_reject(Rejection { line, reason });
    };

    for record in reader.records() {
        let record = record.map_err(|e| {
            let line = e.position().map_or(0, csv::Position::line);
            PensionImportError::Read { line, message: e.to_string() }
        })?;
        let line = record.position().map_or(0, csv::Position::line);
        let fields: [&str; 8] = std::array::from_fn(|i| record.get(index[i]).unwrap_or_default());
        let parsed = parse_row(&fields);
        let code = match &parsed {
            Ok((code, _)) => Some(*code),
            Err(_) => FiscalCode::parse(fields[0]).ok(),
        };
        // A new person: the previous one is complete.
        if code.is_some() && current.as_ref().map(|p| p.code) != code {
            if let Some(person) = current.take() {
                finish(person, store, &mut batch, &mut done, &mut report, &mut reject).await?;
            }
            if let Some(code) = code {
                if done.contains(&code) {
                    reject(&mut report, line, "fiscal_code: le righe di una persona devono essere consecutive (ordinare il file per codice fiscale)".to_owned());
                    continue;
                }
                current = Some(Person { code, slips: Vec::new(), lines: Vec::new(), refused: false });
            }
        }
        match (parsed, current.as_mut()) {
            (Ok((_, slip)), Some(person)) => {
                person.slips.push(slip);
                person.lines.push(line);
            }
            (Err((column, reason)), person) => {
                if let Some(person) = person.filter(|_| code.is_some()) {
                    person.refused = true;
                }
                reject(&mut report, line, format!("{column}: {reason}"));
            }
            (Ok(_), None) => {}
        }
        if batch.len() >= BATCH_PERSONS {
            flush(store, &mut batch, &mut report).await?;
        }
    }
    if let Some(person) = current.take() {
        finish(person, store, &mut batch, &mut done, &mut report, &mut reject).await?;
    }
    flush(store, &mut batch, &mut report).await?;
    Ok(report)
}

/// A person's rows are all read: queue their list, or refuse it.
async fn finish(
    person: Person,
    store: &dyn Store,
    batch: &mut Vec<(FiscalCode, Vec<PensionSlip>)>,
    done: &mut HashSet<FiscalCode>,
    report: &mut PensionImportReport,
    reject: &mut impl FnMut(&mut PensionImportReport, u64, String),
) -> Result<(), PensionImportError> {
    done.insert(person.code);
    let refuse_all =
        |why: &str, report: &mut PensionImportReport, reject: &mut dyn FnMut(&mut PensionImportReport, u64, String)| {
            for line in &person.lines {
                reject(report, *line, why.to_owned());
            }
        };
    if person.refused {
        refuse_all(
            "fiscal_code: un'altra riga della stessa persona non è valida: nulla è stato caricato",
            report,
            reject,
        );
        return Ok(());
    }
    let mut seen = HashSet::new();
    if !person.slips.iter().all(|s| seen.insert((s.year(), s.month(), s.kind()))) {
        refuse_all("month: la stessa pensione compare due volte nello stesso mese", report, reject);
        return Ok(());
    }
    if store.find_person(&person.code).await?.is_none() {
        refuse_all("fiscal_code: persona non presente in anagrafica", report, reject);
        return Ok(());
    }
    batch.push((person.code, person.slips));
    Ok(())
}

async fn flush(
    store: &dyn Store,
    batch: &mut Vec<(FiscalCode, Vec<PensionSlip>)>,
    report: &mut PensionImportReport,
) -> Result<(), PensionImportError> {
    if batch.is_empty() {
        return Ok(());
    }
    store.replace_pension_slips(batch).await?;
    report.persons += batch.len() as u64;
    report.slips += batch.iter().map(|(_, s)| s.len() as u64).sum::<u64>();
    batch.clear();
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests fail by panicking")]

    use sigillo_domain::store::{PensionStore, RegistryStore};

    use super::*;

    const HEADER: &str = "fiscal_code,year,month,kind,gross_cents,tax_cents,other_deductions_cents,net_cents\n";

    async fn run(store: &dyn Store, csv: &str) -> (PensionImportReport, Vec<String>) {
        let mut rejected = Vec::new();
        let report = import_pension_csv(csv.as_bytes(), store, |r| rejected.push(format!("{}: {}", r.line, r.reason)))
            .await
            .unwrap();
        (report, rejected)
    }

    #[tokio::test]
    async fn a_file_replaces_the_slips_of_the_persons_it_names() {
        let (store, _dir) = sigillo_testkit::db::sqlite_store().await;
        let (a, b) = (sigillo_testkit::fixtures::person(1), sigillo_testkit::fixtures::person(2));
        store.upsert_persons(&[a.clone(), b.clone()]).await.unwrap();
        let stranger = sigillo_testkit::fixtures::person(3).fiscal_code;
        let csv = format!(
            "{HEADER}{a},2025,12,vecchiaia,300000,60000,1000,239000\n{a},2026,1,vecchiaia,150000,30000,500,119500\n\
             {b},2026,1,reversibilita,50000,0,0,50000\n{b},2026,2,reversibilita,50000,0,0,49000\n\
             {stranger},2026,1,vecchiaia,100,0,0,100\n{a},2026,2,vecchiaia,1,0,0,1\n",
            a = a.fiscal_code,
            b = b.fiscal_code,
        );
        let (report, rejected) = run(&store, &csv).await;
        assert_eq!(report, PensionImportReport { persons: 1, slips: 2, rejected: 4 }, "{rejected:?}");
        assert_eq!(
            rejected,
            [
                "5: net_cents: il netto deve essere lordo meno ritenute meno altre trattenute",
                "4: fiscal_code: un'altra riga della stessa persona non è valida: nulla è stato caricato",
                "6: fiscal_code: persona non presente in anagrafica",
                "7: fiscal_code: le righe di una persona devono essere consecutive (ordinare il file per codice fiscale)",
            ]
        );
        assert_eq!(store.pension_slips(&a.fiscal_code).await.unwrap().len(), 2);
        assert!(store.pension_slips(&b.fiscal_code).await.unwrap().is_empty());
    }

    #[tokio::test]
    async fn a_bad_header_is_the_whole_file() {
        let (store, _dir) = sigillo_testkit::db::sqlite_store().await;
        let result = import_pension_csv("fiscal_code,year\n".as_bytes(), &store, |_| {}).await;
        assert!(matches!(result, Err(PensionImportError::Header(_))), "{result:?}");
        let result = import_pension_csv("".as_bytes(), &store, |_| {}).await;
        assert!(matches!(result, Err(PensionImportError::Empty | PensionImportError::Header(_))), "{result:?}");
    }
}
