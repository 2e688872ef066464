//! `sigillo fiscal-code check`: `valid` / `invalid: <reason>`, exit 0 / 1.

use std::process::Command;

fn check(args: &[&str]) -> (i32, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_sigillo"))
        .args(["fiscal-code", "check"])
        .args(args)
        .output()
        .expect("run sigillo");
    (output.status.code().unwrap_or(-1), String::from_utf8_lossy(&output.stdout).trim().to_owned())
}

#[test]
fn a_valid_code_is_valid_in_any_case_and_with_spaces() {
    assert_eq!(check(&["RSSMRA80A01H501U"]), (0, "valid".into()));
    assert_eq!(check(&["rss mra 80a01 h501u"]), (0, "valid".into()));
}

#[test]
fn a_wrong_check_character_is_invalid_with_a_reason() {
    let (code, out) = check(&["RSSMRA80A01H501X"]);
    assert_eq!(code, 1);
    assert!(out.starts_with("invalid: "), "{out}");
    assert!(out.len() > "invalid: ".len() + 10, "reason too short: {out}");
}

#[test]
fn garbage_is_invalid_not_a_crash() {
    for input in ["", "X", "RSSMRA80A01H501UU", "1234567890123456", "ÀÀÀÀÀÀÀÀÀÀÀÀÀÀÀÀ"] {
        let (code, out) = check(&[input]);
        assert_eq!(code, 1, "{input:?}");
        assert!(out.starts_with("invalid: "), "{input:?}: {out}");
    }
}

#[test]
fn consistency_with_personal_data() {
    let data = [
        "--family-name",
        "Rossi",
        "--given-name",
        "Mario",
        "--birth-date",
        "1980-01-01",
        "--sex",
        "M",
        "--birth-place",
        "H501",
    ];
    let mut args = vec!["RSSMRA80A01H501U"];
    args.extend(data);
    assert_eq!(check(&args), (0, "valid".into()));

    for (flag, wrong) in [
        ("--family-name", "Bianchi"),
        ("--given-name", "Luigi"),
        ("--birth-date", "1981-01-01"),
        ("--sex", "F"),
        ("--birth-place", "F205"),
    ] {
        let mut args = vec!["RSSMRA80A01H501U"];
        let mut fields = data.to_vec();
        let at = fields.iter().position(|f| *f == flag).expect("flag");
        fields[at + 1] = wrong;
        args.extend(fields);
        let (code, out) = check(&args);
        assert_eq!(code, 1, "{flag} {wrong}: {out}");
        assert!(out.starts_with("invalid: "), "{out}");
    }
}

#[test]
fn a_single_field_can_be_checked_alone() {
    assert_eq!(check(&["RSSMRA80A01H501U", "--family-name", "Rossi"]), (0, "valid".into()));
    assert_eq!(check(&["RSSMRA80A01H501U", "--family-name", "Verdi"]).0, 1);
    assert_eq!(check(&["RSSMRA80A01H501U", "--sex", "M"]), (0, "valid".into()));
}

#[test]
fn reasons_come_in_english_on_request() {
    let (_, it) = check(&["RSSMRA80A01H501X"]);
    let (_, en) = check(&["RSSMRA80A01H501X", "--lang", "en"]);
    assert_ne!(it, en);
    assert!(en.starts_with("invalid: "));
}
