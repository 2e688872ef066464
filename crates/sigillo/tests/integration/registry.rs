//! `sigillo registry import|show` against a real database.

use crate::harness::{Env, on_both_backends};

on_both_backends!(
    good_rows_are_imported_and_shown,
    every_kind_of_bad_row_is_rejected_with_its_line,
    bad_files_are_refused_as_a_whole,
    reimport_updates_by_fiscal_code,
    quoting_bom_and_crlf_are_understood,
    codes_from_an_independent_implementation_are_all_imported,
);

const HEADER: &str = "fiscal_code,family_name,given_name,birth_date,sex,birth_place,address,postal_code,municipality,province,country,health_card_number,health_card_expiry,contribution_weeks,mobile,email";

/// Synthetic valid rows from the demo generator, parsed into fields.
fn demo_rows(env: &Env, count: u32) -> Vec<Vec<String>> {
    let run = env.run(&["demo", "csv", "--count", &count.to_string(), "--seed", "7"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let mut reader = csv::Reader::from_reader(run.stdout.as_bytes());
    assert_eq!(reader.headers().expect("header").iter().collect::<Vec<_>>().join(","), HEADER);
    reader.records().map(|r| r.expect("record").iter().map(str::to_owned).collect()).collect()
}

fn to_csv(rows: &[Vec<String>]) -> String {
    let mut writer = csv::WriterBuilder::new().flexible(true).from_writer(Vec::new());
    writer.write_record(HEADER.split(',')).expect("header");
    for row in rows {
        writer.write_record(row).expect("row");
    }
    String::from_utf8(writer.into_inner().expect("flush")).expect("utf-8")
}

fn show(env: &Env, code: &str) -> serde_json::Value {
    let run = env.run(&["registry", "show", code]);
    assert_eq!(run.code, 0, "show {code}: {} {}", run.stdout, run.stderr);
    serde_json::from_str(run.stdout.trim()).expect("show prints JSON")
}

async fn good_rows_are_imported_and_shown(env: Env) {
    let rows = demo_rows(&env, 300);
    let run = env.import("good.csv", to_csv(&rows));
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.stdout.trim(), "imported 300, rejected 0");
    assert!(run.stderr.lines().all(|l| !l.starts_with("line ")), "{}", run.stderr);

    for row in rows.iter().step_by(37) {
        let shown = show(&env, &row[0].to_lowercase());
        for (i, column) in HEADER.split(',').enumerate() {
            let value = &shown[column];
            match column {
                "contribution_weeks" => assert_eq!(value.as_u64().expect("number").to_string(), row[i]),
                "mobile" | "email" if row[i].is_empty() => assert!(value.is_null(), "{column}: {value}"),
                _ => assert_eq!(value.as_str().expect("string"), row[i], "{column}"),
            }
        }
    }
    let missing = env.run(&["registry", "show", "BNCLGU70A01F205X"]);
    assert_eq!((missing.code, missing.stdout.trim()), (1, "not found"));
    let garbage = env.run(&["registry", "show", "not-a-code"]);
    assert_eq!((garbage.code, garbage.stdout.trim()), (1, "not found"));
}

async fn every_kind_of_bad_row_is_rejected_with_its_line(env: Env) {
    let rows = demo_rows(&env, 40);
    let mut lines: Vec<Vec<u8>> = vec![HEADER.as_bytes().to_vec()];
    let mut expected: Vec<(usize, &str)> = Vec::new();
    let line = |row: &[String]| -> Vec<u8> {
        let mut writer =
            csv::WriterBuilder::new().flexible(true).terminator(csv::Terminator::Any(b'\n')).from_writer(Vec::new());
        writer.write_record(row).expect("row");
        let mut bytes = writer.into_inner().expect("flush");
        bytes.pop();
        bytes
    };
    let mut push_bad = |lines: &mut Vec<Vec<u8>>, bytes: Vec<u8>, column: &'static str| {
        lines.push(bytes);
        expected.push((lines.len(), column));
    };
    let mutate = |i: usize, column: usize, value: &str| {
        let mut row = rows[i].clone();
        row[column] = value.to_owned();
        row
    };
    let mut wrong_check = rows[0][0].clone();
    let last = wrong_check.pop().expect("char");
    wrong_check.push(if last == 'A' { 'B' } else { 'A' });

    lines.push(line(&rows[1]));
    push_bad(&mut lines, line(&mutate(2, 0, &wrong_check)), "fiscal_code");
    push_bad(&mut lines, line(&mutate(3, 1, "Zzzzqx")), "fiscal_code");
    push_bad(&mut lines, line(&mutate(4, 3, "1899-02-03")), "fiscal_code");
    push_bad(&mut lines, line(&mutate(5, 3, "03/02/1980")), "birth_date");
    push_bad(&mut lines, line(&mutate(6, 4, "X")), "sex");
    push_bad(&mut lines, line(&mutate(7, 5, "Q999")), "birth_place");
    lines.push(line(&rows[8]));
    push_bad(&mut lines, line(&mutate(9, 15, "non-una-mail")), "email");
    push_bad(&mut lines, line(&mutate(10, 14, "telefono")), "mobile");
    push_bad(&mut lines, line(&mutate(11, 13, "molte")), "contribution_weeks");
    push_bad(&mut lines, line(&mutate(12, 10, "ZZ")), "country");
    push_bad(&mut lines, line(&mutate(13, 12, "2030-13-01")), "health_card_expiry");
    push_bad(&mut lines, line(&mutate(14, 6, &"A".repeat(1 << 20))), "address");
    push_bad(&mut lines, line(&rows[15][..15]), "colonne");
    let mut extra = rows[16].clone();
    extra.push("in più".into());
    push_bad(&mut lines, line(&extra), "colonne");
    let mut latin1 = line(&mutate(17, 8, "Citt@"));
    let at = latin1.iter().position(|b| *b == b'@').expect("@");
    latin1[at] = 0xE0; // "à" in Latin-1: not UTF-8
    push_bad(&mut lines, latin1, "municipality");
    push_bad(&mut lines, line(&mutate(18, 0, "")), "fiscal_code");
    lines.push(line(&rows[19]));

    let mut file = lines.join(&b"\n"[..]);
    file.push(b'\n');
    let run = env.import("bad.csv", &file);
    assert_eq!(run.code, 0, "a file read to the end exits 0: {}", run.stderr);
    assert_eq!(run.stdout.trim(), format!("imported 3, rejected {}", expected.len()));
    let reported: Vec<&str> = run.stderr.lines().filter(|l| l.starts_with("line ")).collect();
    assert_eq!(reported.len(), expected.len(), "{}", run.stderr);
    for ((number, column), report) in expected.iter().zip(&reported) {
        let prefix = format!("line {number}: ");
        assert!(report.starts_with(&prefix), "expected {prefix}… got {report}");
        assert!(report.contains(column), "line {number} should name {column}: {report}");
        assert!(report.len() < 400, "the reason must not echo a huge field");
    }
    // Nothing of a rejected row is stored; the good ones are.
    assert_eq!(env.run(&["registry", "show", &rows[2][0]]).code, 1);
    assert_eq!(env.run(&["registry", "show", &rows[14][0]]).code, 1);
    for good in [1, 8, 19] {
        assert_eq!(env.run(&["registry", "show", &rows[good][0]]).code, 0);
    }
}

async fn bad_files_are_refused_as_a_whole(env: Env) {
    let rows = demo_rows(&env, 2);
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("empty", Vec::new()),
        ("no header", to_csv(&rows).lines().skip(1).collect::<Vec<_>>().join("\n").into_bytes()),
        ("missing column", HEADER.replace(",email", "").into_bytes()),
        ("unknown column", format!("{HEADER},shoe_size\n").into_bytes()),
        ("duplicated column", HEADER.replace("email", "mobile").into_bytes()),
        ("binary", vec![0xFF, 0xFE, 0x00, 0x01, b'\n', 0x80]),
    ];
    for (what, bytes) in cases {
        let run = env.import("file.csv", bytes);
        assert_eq!(run.code, 1, "{what}: {} {}", run.stdout, run.stderr);
        assert!(!run.stderr.is_empty(), "{what} needs a message");
        assert!(!run.stderr.contains("panicked"), "{what}: {}", run.stderr);
    }
    let run = env.run(&["registry", "import", env.path("nowhere.csv").to_str().expect("path")]);
    assert_eq!(run.code, 1);
    assert!(run.stderr.contains("nowhere.csv"));

    let header_only = env.import("header.csv", format!("{HEADER}\n"));
    assert_eq!((header_only.code, header_only.stdout.trim()), (0, "imported 0, rejected 0"));
}

async fn reimport_updates_by_fiscal_code(env: Env) {
    let mut rows = demo_rows(&env, 5);
    assert_eq!(env.import("a.csv", to_csv(&rows)).stdout.trim(), "imported 5, rejected 0");
    rows[0][6] = "Piazza Nuova 9".into();
    rows[0][13] = "1040".into();
    // The same person twice in one file: the later row wins.
    let mut twice = rows[1].clone();
    twice[6] = "Via Seconda 2".into();
    rows.push(twice);
    assert_eq!(env.import("b.csv", to_csv(&rows)).stdout.trim(), "imported 6, rejected 0");
    let shown = show(&env, &rows[0][0]);
    assert_eq!(shown["address"], "Piazza Nuova 9");
    assert_eq!(shown["contribution_weeks"], 1040);
    assert_eq!(show(&env, &rows[1][0])["address"], "Via Seconda 2");
}

async fn quoting_bom_and_crlf_are_understood(env: Env) {
    let mut rows = demo_rows(&env, 3);
    rows[0][6] = "Via \"Roma\", 1, scala B".into();
    rows[1][1] = rows[1][1].clone();
    let mut file = b"\xEF\xBB\xBF".to_vec();
    file.extend(to_csv(&rows).replace('\n', "\r\n").into_bytes());
    let run = env.import("windows.csv", &file);
    assert_eq!(run.stdout.trim(), "imported 3, rejected 0", "{}", run.stderr);
    assert_eq!(show(&env, &rows[0][0])["address"], "Via \"Roma\", 1, scala B");

    // A quoted field spanning lines: the row is reported at the line where it starts, and the
    // rows after it keep their true line numbers.
    let mut broken = rows[2].clone();
    broken[6] = "Via Roma\n1".into();
    let body = to_csv(&[rows[0].clone(), broken, rows[1].clone(), vec!["x".into()]]);
    let run = env.import("multiline.csv", body);
    let reported: Vec<&str> = run.stderr.lines().filter(|l| l.starts_with("line ")).collect();
    assert_eq!(reported.len(), 2, "{}", run.stderr);
    assert!(reported[0].starts_with("line 3: address"), "{}", reported[0]);
    assert!(reported[1].starts_with("line 6: "), "{}", reported[1]);
}

/// The 5,000 people of the domain's independent fixture (made with python-codicefiscale), as
/// full registry rows: every one must be accepted by the import, end to end.
async fn codes_from_an_independent_implementation_are_all_imported(env: Env) {
    let fixture = include_str!("../../../sigillo-domain/tests/fixtures/independent_cf.csv");
    let mut rows = Vec::new();
    for line in fixture.lines().skip(1) {
        let fields: Vec<&str> = line.split(',').collect();
        let mut row: Vec<String> = fields[..6].iter().map(|f| (*f).to_owned()).collect();
        row.extend(
            ["Via Po 1", "10100", "Torino", "TO", "IT", "80380000000000000042", "2030-01-31", "104", "", "x@example.it"]
                .map(str::to_owned),
        );
        rows.push(row);
    }
    assert!(rows.len() >= 5_000);
    let run = env.import("independent.csv", to_csv(&rows));
    assert_eq!(run.stdout.trim(), format!("imported {}, rejected 0", rows.len()), "{}", run.stderr);
    let sample = &rows[rows.len() / 2];
    assert_eq!(show(&env, &sample[0])["family_name"], sample[1].as_str());
}
