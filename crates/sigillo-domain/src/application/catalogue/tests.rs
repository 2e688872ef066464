//! The catalogue's forms and rules, type by type.

use serde_json::json;
use time::macros::date;

use super::*;
use crate::lang::Localized;

const TODAY: Date = date!(2026 - 11 - 26);
const IBAN_OK: &str = "IT60X0542811101000000123456";

fn form(value: Value) -> Map<String, Value> {
    value.as_object().cloned().unwrap_or_default()
}

fn problems(kind: ApplicationType, value: Value) -> BTreeMap<String, String> {
    match validate(kind, &form(value), TODAY) {
        Ok(ok) => panic!("expected problems, got {ok:?}"),
        Err(p) => p.into_iter().map(|(k, v)| (k, v.message(Lang::It))).collect(),
    }
}

fn good(kind: ApplicationType) -> Value {
    match kind {
        ApplicationType::Naspi => {
            json!({"termination_date": "2026-11-01", "termination_reason": "licenziamento", "employer": "Acme S.p.A.", "iban": IBAN_OK})
        }
        ApplicationType::AssegnoSociale => {
            json!({"residence_since": "1990-05-01", "marital_status": "vedovo", "income": "3.200,00", "iban": IBAN_OK})
        }
        ApplicationType::Maternita => {
            json!({"birth_kind": "presunta", "birth_date": "15/02/2027", "employer": "Ospedale di Forlì", "iban": IBAN_OK})
        }
        ApplicationType::CongedoParentale => {
            json!({"child_fiscal_code": "RSSMRA80A01H501U", "from": "2026-12-01", "to": "2027-01-31"})
        }
        ApplicationType::AssegniFamiliari => json!({"household_members": 4, "income": 28500.5, "iban": IBAN_OK}),
        ApplicationType::RiscattoLaurea => {
            json!({"degree": "Ingegneria civile", "university": "Università di Bologna", "enrolment_date": "2010-10-01", "graduation_date": "2015-07-15", "years": "5"})
        }
        ApplicationType::VersamentiVolontari => {
            json!({"last_contribution_date": "2025-06-30", "reason": "cessazione_lavoro"})
        }
        ApplicationType::DomandaPensione => {
            json!({"pension_kind": "vecchiaia", "start_date": "2027-01-01", "iban": IBAN_OK})
        }
    }
}

#[test]
fn every_type_has_a_form_that_passes() {
    for kind in ApplicationType::ALL {
        assert!(!kind.fields().is_empty(), "{kind}");
        let valid = validate(kind, &form(good(kind)), TODAY).unwrap_or_else(|p| panic!("{kind}: {p:?}"));
        let stored: Map<String, Value> = serde_json::from_str(&valid.to_json()).unwrap();
        assert_eq!(stored.len(), valid.values.len());
        // A stored form passes again: normalised values are valid input.
        assert_eq!(validate(kind, &stored, TODAY), Ok(valid), "{kind}");
    }
}

#[test]
fn field_names_are_unique_and_labelled() {
    for kind in ApplicationType::ALL {
        let mut names: Vec<_> = kind.fields().iter().map(|f| f.name).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), kind.fields().len(), "{kind}");
        for f in kind.fields() {
            assert!(!f.label_it.is_empty() && !f.label_en.is_empty(), "{kind}.{}", f.name);
            if let FieldKind::Choice(choices) = f.kind {
                assert!(choices.iter().all(|(c, i, e)| !c.is_empty() && !i.is_empty() && !e.is_empty()));
            }
        }
    }
}

#[test]
fn values_are_normalised() {
    let valid =
        validate(ApplicationType::AssegniFamiliari, &form(good(ApplicationType::AssegniFamiliari)), TODAY).unwrap();
    assert_eq!(
        valid.values,
        vec![("household_members", "4".to_owned()), ("income", "28500.50".to_owned()), ("iban", IBAN_OK.to_owned())]
    );
    let mut naspi = good(ApplicationType::Naspi);
    naspi["iban"] = json!("it60 x054 2811 1010 0000 0123 456");
    naspi["termination_date"] = json!("1/11/2026");
    let valid = validate(ApplicationType::Naspi, &form(naspi), TODAY).unwrap();
    assert_eq!(valid.values[0], ("termination_date", "2026-11-01".to_owned()));
    assert_eq!(valid.values[3], ("iban", IBAN_OK.to_owned()));
}

#[test]
fn missing_unknown_and_malformed_fields_each_say_why() {
    let p = problems(
        ApplicationType::Naspi,
        json!({"termination_reason": "capriccio", "iban": "IT00", "note": "x", "employer": ["a"]}),
    );
    assert_eq!(p["termination_date"], "Campo obbligatorio.");
    assert_eq!(p["termination_reason"], "Scelga uno dei valori proposti.");
    assert!(p["iban"].starts_with("IBAN non valido"), "{p:?}");
    assert_eq!(p["note"], "Campo non previsto per questa domanda.");
    assert!(p["employer"].contains("testo"), "{p:?}");
    assert_eq!(p.len(), 5);
    let p = problems(ApplicationType::Naspi, json!({}));
    assert_eq!(p.len(), 4, "every required field: {p:?}");
    let p = problems(
        ApplicationType::Naspi,
        json!({"termination_date": "  ", "termination_reason": null, "employer": "", "iban": IBAN_OK}),
    );
    assert_eq!(
        p.keys().collect::<Vec<_>>(),
        ["employer", "termination_date", "termination_reason"],
        "blank is missing"
    );
}

#[test]
fn naspi_within_68_days_of_a_past_termination() {
    let mut f = good(ApplicationType::Naspi);
    f["termination_date"] = json!("2026-11-27");
    assert!(problems(ApplicationType::Naspi, f.clone())["termination_date"].contains("futuro"));
    f["termination_date"] = json!("2026-09-18"); // 69 days before
    assert!(problems(ApplicationType::Naspi, f.clone())["termination_date"].contains("68 giorni"));
    f["termination_date"] = json!("2026-09-19"); // 68 days before
    assert!(validate(ApplicationType::Naspi, &form(f), TODAY).is_ok());
}

#[test]
fn assegno_sociale_rules() {
    let mut f = good(ApplicationType::AssegnoSociale);
    f["residence_since"] = json!("2020-01-01");
    assert!(problems(ApplicationType::AssegnoSociale, f.clone())["residence_since"].contains("10 anni"));
    f["residence_since"] = json!("2016-11-26");
    f["marital_status"] = json!("coniugato");
    let p = problems(ApplicationType::AssegnoSociale, f.clone());
    assert_eq!(p.keys().collect::<Vec<_>>(), ["spouse_income"], "exactly 10 years is enough: {p:?}");
    f["spouse_income"] = json!("0");
    assert!(validate(ApplicationType::AssegnoSociale, &form(f.clone()), TODAY).is_ok());
    f["income"] = json!("-3");
    assert!(problems(ApplicationType::AssegnoSociale, f)["income"].contains("importo"));
}

#[test]
fn maternita_dates_follow_the_kind_of_date() {
    let mut f = good(ApplicationType::Maternita);
    f["birth_date"] = json!("2026-11-01");
    assert!(problems(ApplicationType::Maternita, f.clone())["birth_date"].contains("presunta"));
    f["birth_kind"] = json!("effettiva");
    assert!(validate(ApplicationType::Maternita, &form(f.clone()), TODAY).is_ok());
    f["birth_date"] = json!("2026-12-01");
    assert!(problems(ApplicationType::Maternita, f.clone())["birth_date"].contains("futuro"));
    f["birth_date"] = json!("2025-11-01");
    assert!(problems(ApplicationType::Maternita, f)["birth_date"].contains("un anno"));
}

#[test]
fn congedo_parentale_period_and_child() {
    let mut f = good(ApplicationType::CongedoParentale);
    f["to"] = json!("2026-11-30");
    assert!(problems(ApplicationType::CongedoParentale, f.clone())["to"].contains("precedere"));
    f["to"] = json!("2027-12-31");
    assert!(problems(ApplicationType::CongedoParentale, f.clone())["to"].contains("10 mesi"));
    f["to"] = json!("2027-01-31");
    f["child_fiscal_code"] = json!("RSSMRA80A01H501X");
    assert!(
        problems(ApplicationType::CongedoParentale, f.clone())["child_fiscal_code"]
            .starts_with("Codice fiscale non valido")
    );
    f["child_fiscal_code"] = json!("RSSMRA80A01H501U");
    f["from"] = json!("2026-09-01");
    assert!(problems(ApplicationType::CongedoParentale, f)["from"].contains("30 giorni"));
}

#[test]
fn assegni_familiari_household_bounds() {
    let mut f = good(ApplicationType::AssegniFamiliari);
    f["household_members"] = json!(0);
    assert!(problems(ApplicationType::AssegniFamiliari, f.clone())["household_members"].contains("da 1 a 20"));
    f["household_members"] = json!(true);
    assert!(problems(ApplicationType::AssegniFamiliari, f)["household_members"].contains("testo o un numero"));
}

#[test]
fn riscatto_laurea_dates_and_years() {
    let mut f = good(ApplicationType::RiscattoLaurea);
    f["graduation_date"] = json!("2009-07-15");
    assert!(problems(ApplicationType::RiscattoLaurea, f.clone())["graduation_date"].contains("dopo"));
    f["graduation_date"] = json!("2013-07-15");
    assert!(
        problems(ApplicationType::RiscattoLaurea, f.clone())["years"].contains("più anni"),
        "5 years in 2 years 9 months"
    );
    f["years"] = json!(3);
    assert!(validate(ApplicationType::RiscattoLaurea, &form(f.clone()), TODAY).is_ok());
    f["years"] = json!(7);
    assert!(problems(ApplicationType::RiscattoLaurea, f.clone())["years"].contains("da 1 a 6"));
    f["years"] = json!(3);
    f["degree"] = json!("x".repeat(151));
    assert!(problems(ApplicationType::RiscattoLaurea, f)["degree"].contains("150"));
}

#[test]
fn versamenti_volontari_past_date_and_reason() {
    let mut f = good(ApplicationType::VersamentiVolontari);
    f["last_contribution_date"] = json!("2027-01-01");
    f["reason"] = json!("noia");
    let p = problems(ApplicationType::VersamentiVolontari, f);
    assert!(p["last_contribution_date"].contains("futuro"));
    assert!(p["reason"].contains("valori proposti"));
}

#[test]
fn domanda_pensione_starts_on_a_first_of_month_not_past() {
    let mut f = good(ApplicationType::DomandaPensione);
    f["start_date"] = json!("2027-01-15");
    assert!(problems(ApplicationType::DomandaPensione, f.clone())["start_date"].contains("primo giorno"));
    f["start_date"] = json!("2026-10-01");
    assert!(problems(ApplicationType::DomandaPensione, f.clone())["start_date"].contains("anteriore"));
    f["start_date"] = json!("2026-11-01");
    assert!(validate(ApplicationType::DomandaPensione, &form(f.clone()), TODAY).is_ok(), "the current month");
    f["pension_kind"] = json!("assegno_sociale");
    assert!(problems(ApplicationType::DomandaPensione, f)["pension_kind"].contains("valori proposti"));
}

#[test]
fn the_receipt_prints_labels_and_readable_values() {
    let valid = validate(ApplicationType::Naspi, &form(good(ApplicationType::Naspi)), TODAY).unwrap();
    let lines = describe(ApplicationType::Naspi, &valid.to_json(), Lang::It);
    assert_eq!(
        lines,
        vec![
            ("Data di cessazione del rapporto di lavoro".to_owned(), "01/11/2026".to_owned()),
            ("Motivo della cessazione".to_owned(), "Licenziamento (anche disciplinare)".to_owned()),
            ("Ultimo datore di lavoro".to_owned(), "Acme S.p.A.".to_owned()),
            ("IBAN per l'accredito".to_owned(), "IT60 X054 2811 1010 0000 0123 456".to_owned()),
        ]
    );
    assert_eq!(describe(ApplicationType::Naspi, &valid.to_json(), Lang::En)[0].0, "Date the job ended");
    // A form stored before the catalogue: its own keys as labels.
    let old = describe(ApplicationType::Naspi, r#"{"Canale":"Portale web","Note":"x"}"#, Lang::It);
    assert_eq!(old, vec![("Canale".to_owned(), "Portale web".to_owned()), ("Note".to_owned(), "x".to_owned())]);
    assert!(describe(ApplicationType::Naspi, "not json", Lang::It).is_empty());
}
