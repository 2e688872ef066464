//! The import through many sorted runs gives what a plain sequence of upserts in file order gives.

use std::collections::HashMap;
use std::sync::Arc;

use sigillo_domain::registry::{COLUMNS, InsuredPerson};
use sigillo_domain::store::Store;
use sigillo_testkit::fixtures;
use time::macros::date;

use super::{ImportOptions, Rejection, import_csv};

const PEOPLE: u64 = 1_500;

struct Case {
    csv: Vec<u8>,
    /// What each person must look like afterwards: their last good row.
    expected: HashMap<String, InsuredPerson>,
    good_rows: u64,
    bad_lines: Vec<u64>,
}

/// People in scrambled code order; every 9th listed again further down with a new address (that
/// later row must win); every 61st row corrupted (a wrong check character) and rejected.
fn case() -> Case {
    let mut rows: Vec<InsuredPerson> = (0..PEOPLE).map(|i| fixtures::person(i * 7_919 % PEOPLE)).collect();
    for i in (0..PEOPLE).step_by(9) {
        let mut again = fixtures::person(i);
        again.residence.address = format!("Via Ultima {i}");
        rows.insert(usize::try_from(PEOPLE - i / 3).unwrap_or_default(), again);
    }
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer.write_record(COLUMNS).unwrap();
    let (mut expected, mut good_rows, mut bad_lines) = (HashMap::new(), 0, Vec::new());
    for (index, person) in rows.into_iter().enumerate() {
        let line = index as u64 + 2;
        let mut fields = person.to_row();
        if index % 61 == 30 {
            let code = &mut fields[0];
            let check = if code.ends_with('A') { "B" } else { "A" };
            code.replace_range(15.., check);
            bad_lines.push(line);
        } else {
            good_rows += 1;
            expected.insert(person.fiscal_code.as_str().to_owned(), person);
        }
        writer.write_record(&fields).unwrap();
    }
    Case { csv: writer.into_inner().unwrap(), expected, good_rows, bad_lines }
}

async fn check(store: Arc<dyn Store>) {
    let case = case();
    let spill = tempfile::tempdir().unwrap();
    // About 40 rows per run: dozens of runs to merge.
    let options = ImportOptions { spill_dir: spill.path().join("sort"), run_bytes: 8 * 1024 };
    let mut rejected = Vec::new();
    let report = import_csv(std::io::Cursor::new(case.csv), store.clone(), date!(2026 - 11 - 27), options, |r| {
        rejected.push(r.clone());
    })
    .await
    .unwrap();

    assert_eq!(rejected.iter().map(|r: &Rejection| r.line).collect::<Vec<_>>(), case.bad_lines);
    assert!(rejected.iter().all(|r| r.reason.contains("controllo")), "{rejected:?}");
    assert_eq!((report.imported, report.rejected), (case.good_rows, case.bad_lines.len() as u64));
    assert_eq!(store.count_persons().await.unwrap(), case.expected.len() as u64);
    let moved = case.expected.values().filter(|p| p.residence.address.starts_with("Via Ultima")).count();
    assert!(moved > 100, "only {moved} later rows win: the case does not test what it says");
    for person in case.expected.values() {
        let stored = store.find_person(&person.fiscal_code).await.unwrap();
        assert_eq!(stored.as_ref(), Some(person), "{}", person.fiscal_code);
    }
    // The temporary file is anonymous: nothing is left in the directory.
    assert_eq!(std::fs::read_dir(spill.path().join("sort")).unwrap().count(), 0);
}

#[tokio::test]
async fn a_spilled_import_on_sqlite_keeps_the_last_row_of_each_person() {
    let (store, _dir) = sigillo_testkit::db::sqlite_store().await;
    check(Arc::new(store)).await;
}

#[tokio::test]
async fn a_spilled_import_on_postgres_keeps_the_last_row_of_each_person() {
    // Skipped (with a note on stderr) when no PostgreSQL server answers, except in CI.
    if let Some(db) = sigillo_testkit::db::postgres_store().await {
        check(Arc::new(db.store().clone())).await;
    }
}

#[tokio::test]
async fn a_file_that_fits_in_memory_writes_no_temporary_file() {
    let (store, _dir) = sigillo_testkit::db::sqlite_store().await;
    let case = case();
    let spill = tempfile::tempdir().unwrap();
    let options = ImportOptions::new(spill.path().join("sort"));
    let report =
        import_csv(std::io::Cursor::new(case.csv), Arc::new(store), date!(2026 - 11 - 27), options, |_| {}).await;
    assert_eq!(report.unwrap().imported, case.good_rows);
    assert!(!spill.path().join("sort").exists(), "the spill directory was made without need");
}

/// Gives the first `good_bytes` of `data`, then fails as a disk or network read would.
struct BreaksOff {
    data: std::io::Cursor<Vec<u8>>,
    good_bytes: u64,
}

impl std::io::Read for BreaksOff {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let left = self.good_bytes.saturating_sub(self.data.position());
        if left == 0 {
            return Err(std::io::Error::other("the disk went away"));
        }
        let end = buf.len().min(usize::try_from(left).unwrap_or(usize::MAX));
        self.data.read(&mut buf[..end])
    }
}

#[tokio::test]
async fn a_file_that_breaks_off_stores_nothing_and_stops_every_thread() {
    let (store, _dir) = sigillo_testkit::db::sqlite_store().await;
    let store: Arc<dyn Store> = Arc::new(store);
    let case = case();
    let good_bytes = case.csv.len() as u64 * 2 / 3;
    let input = BreaksOff { data: std::io::Cursor::new(case.csv), good_bytes };
    let spill = tempfile::tempdir().unwrap();
    let options = ImportOptions { spill_dir: spill.path().to_owned(), run_bytes: 8 * 1024 };
    let mut rejected = 0;
    let outcome = import_csv(input, store.clone(), date!(2026 - 11 - 27), options, |_| rejected += 1).await;
    match outcome {
        Err(super::ImportError::Read { line, .. }) => assert!(line > 500, "line {line}"),
        other => panic!("expected a read error, got {other:?}"),
    }
    // The bad rows before the break were still reported, in order; no row was stored.
    assert!(rejected > 0);
    assert_eq!(store.count_persons().await.unwrap(), 0);
}
