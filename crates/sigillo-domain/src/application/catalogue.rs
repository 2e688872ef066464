//! The applications catalogue: for each [`ApplicationType`] the short form of what that application
//! really asks, and [`validate`], which checks a submitted form field by field (and the rules that
//! tie fields together, such as a period's end after its start), with no I/O.
//!
//! The API and the portal both submit through [`validate`]; the stored `data` is the normalised
//! form as a JSON object `{field: value}`, and [`describe`] turns it back into the labelled lines
//! of the receipt.

use std::collections::BTreeMap;

use serde_json::{Map, Value};
use time::{Date, Duration};

use super::ApplicationType;
use super::fields::{Choice, FieldKind, FieldProblem, check, display, parse_date};
use crate::lang::Lang;

/// One field of a form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FieldSpec {
    /// The JSON key and the HTML form field's name.
    pub name: &'static str,
    pub label_it: &'static str,
    pub label_en: &'static str,
    pub kind: FieldKind,
    pub required: bool,
    /// A hint shown under the field: (Italian, English); empty when none.
    pub hint: (&'static str, &'static str),
}

impl FieldSpec {
    pub fn label(&self, lang: Lang) -> &'static str {
        if lang == Lang::It { self.label_it } else { self.label_en }
    }

    pub fn hint(&self, lang: Lang) -> &'static str {
        if lang == Lang::It { self.hint.0 } else { self.hint.1 }
    }
}

const NO_HINT: (&str, &str) = ("", "");
const DATE_HINT: (&str, &str) = ("Nel formato GG/MM/AAAA.", "As DD/MM/YYYY.");
const IBAN_HINT: (&str, &str) = (
    "Il conto deve essere intestato o cointestato a Lei. Un IBAN italiano ha 27 caratteri.",
    "The account must be in your name (or jointly). An Italian IBAN has 27 characters.",
);
const AMOUNT_HINT: (&str, &str) = (
    "In euro, ad esempio 12.345,67. Scriva 0 se non ha avuto redditi.",
    "In euro, for example 12345.67. Write 0 if there was no income.",
);

const fn field(name: &'static str, label_it: &'static str, label_en: &'static str, kind: FieldKind) -> FieldSpec {
    FieldSpec { name, label_it, label_en, kind, required: true, hint: NO_HINT }
}

const fn date(name: &'static str, label_it: &'static str, label_en: &'static str) -> FieldSpec {
    FieldSpec { hint: DATE_HINT, ..field(name, label_it, label_en, FieldKind::Date) }
}

const IBAN: FieldSpec =
    FieldSpec { hint: IBAN_HINT, ..field("iban", "IBAN per l'accredito", "IBAN for the payment", FieldKind::Iban) };

const fn text(name: &'static str, label_it: &'static str, label_en: &'static str, max: usize) -> FieldSpec {
    field(name, label_it, label_en, FieldKind::Text { max })
}

const fn amount(name: &'static str, label_it: &'static str, label_en: &'static str) -> FieldSpec {
    FieldSpec { hint: AMOUNT_HINT, ..field(name, label_it, label_en, FieldKind::Amount { max_euros: 10_000_000 }) }
}

const TERMINATION_REASONS: &[Choice] = &[
    ("licenziamento", "Licenziamento (anche disciplinare)", "Dismissal (also disciplinary)"),
    ("dimissioni_giusta_causa", "Dimissioni per giusta causa", "Resignation for just cause"),
    ("scadenza_contratto", "Scadenza del contratto a termine", "End of a fixed-term contract"),
    (
        "risoluzione_consensuale",
        "Risoluzione consensuale in sede protetta",
        "Termination by agreement before a conciliation body",
    ),
    (
        "dimissioni_maternita",
        "Dimissioni durante il periodo tutelato di maternità o paternità",
        "Resignation during protected maternity or paternity leave",
    ),
];

const BIRTH_KINDS: &[Choice] = &[
    ("presunta", "Data presunta del parto", "Expected date of birth"),
    ("effettiva", "Data effettiva del parto", "Actual date of birth"),
];

const MARITAL_STATUSES: &[Choice] = &[
    ("celibe_nubile", "Celibe o nubile", "Single"),
    ("coniugato", "Coniugato/a", "Married"),
    ("unito_civilmente", "Unito/a civilmente", "In a civil union"),
    ("separato", "Separato/a", "Separated"),
    ("divorziato", "Divorziato/a", "Divorced"),
    ("vedovo", "Vedovo/a", "Widowed"),
];

const VOLUNTARY_REASONS: &[Choice] = &[
    ("cessazione_lavoro", "Cessazione o interruzione del rapporto di lavoro", "End or interruption of employment"),
    ("part_time", "Lavoro a tempo parziale", "Part-time work"),
    ("aspettativa", "Aspettativa non retribuita", "Unpaid leave"),
    ("raggiungimento_requisiti", "Raggiungere i requisiti per la pensione", "To reach the pension requirements"),
];

const PENSION_KINDS: &[Choice] = &[
    ("vecchiaia", "Pensione di vecchiaia", "Old-age pension"),
    ("anticipata", "Pensione anticipata", "Early retirement pension"),
    ("invalidita", "Assegno ordinario di invalidità", "Ordinary disability allowance"),
    ("reversibilita", "Pensione di reversibilità", "Survivor's pension"),
];

const NASPI: &[FieldSpec] = &[
    date("termination_date", "Data di cessazione del rapporto di lavoro", "Date the job ended"),
    field(
        "termination_reason",
        "Motivo della cessazione",
        "Reason for termination",
        FieldKind::Choice(TERMINATION_REASONS),
    ),
    text("employer", "Ultimo datore di lavoro", "Last employer", 120),
    IBAN,
];

const ASSEGNO_SOCIALE: &[FieldSpec] = &[
    date("residence_since", "Residente in Italia dal", "Resident in Italy since"),
    field("marital_status", "Stato civile", "Marital status", FieldKind::Choice(MARITAL_STATUSES)),
    amount("income", "Reddito personale dell'anno precedente", "Own income of the previous year"),
    FieldSpec {
        required: false,
        ..amount("spouse_income", "Reddito del coniuge (se coniugato/a)", "Spouse's income (if married)")
    },
    IBAN,
];

const MATERNITA: &[FieldSpec] = &[
    field("birth_kind", "La data indicata è", "The date given is", FieldKind::Choice(BIRTH_KINDS)),
    date("birth_date", "Data del parto", "Date of birth"),
    text("employer", "Datore di lavoro", "Employer", 120),
    IBAN,
];

const CONGEDO_PARENTALE: &[FieldSpec] = &[
    FieldSpec {
        hint: (
            "16 caratteri, dalla tessera sanitaria del figlio o della figlia.",
            "16 characters, from the child's health card.",
        ),
        ..field(
            "child_fiscal_code",
            "Codice fiscale del figlio o della figlia",
            "Child's fiscal code",
            FieldKind::FiscalCode,
        )
    },
    date("from", "Congedo dal", "Leave from"),
    date("to", "Congedo al", "Leave until"),
];

const ASSEGNI_FAMILIARI: &[FieldSpec] = &[
    field(
        "household_members",
        "Componenti del nucleo familiare",
        "Household members",
        FieldKind::Integer { min: 1, max: 20 },
    ),
    amount("income", "Reddito del nucleo nell'anno precedente", "Household income of the previous year"),
    IBAN,
];

const RISCATTO_LAUREA: &[FieldSpec] = &[
    text("degree", "Corso di laurea", "Degree course", 150),
    text("university", "Università", "University", 150),
    date("enrolment_date", "Data di immatricolazione", "Enrolment date"),
    date("graduation_date", "Data di conseguimento del titolo", "Graduation date"),
    FieldSpec {
        hint: ("Al massimo la durata legale del corso.", "At most the course's official length."),
        ..field("years", "Anni da riscattare", "Years to redeem", FieldKind::Integer { min: 1, max: 6 })
    },
];

const VERSAMENTI_VOLONTARI: &[FieldSpec] = &[
    date("last_contribution_date", "Data dell'ultimo contributo versato", "Date of the last contribution paid"),
    field("reason", "Motivo della richiesta", "Reason for the request", FieldKind::Choice(VOLUNTARY_REASONS)),
];

const DOMANDA_PENSIONE: &[FieldSpec] = &[
    field("pension_kind", "Tipo di pensione", "Kind of pension", FieldKind::Choice(PENSION_KINDS)),
    FieldSpec {
        hint: ("Il primo giorno di un mese, nel formato GG/MM/AAAA.", "The first day of a month, as DD/MM/YYYY."),
        ..date("start_date", "Decorrenza desiderata", "Desired start date")
    },
    IBAN,
];

impl ApplicationType {
    /// The fields of this application's form, in form order.
    pub fn fields(self) -> &'static [FieldSpec] {
        match self {
            ApplicationType::Naspi => NASPI,
            ApplicationType::AssegnoSociale => ASSEGNO_SOCIALE,
            ApplicationType::Maternita => MATERNITA,
            ApplicationType::CongedoParentale => CONGEDO_PARENTALE,
            ApplicationType::AssegniFamiliari => ASSEGNI_FAMILIARI,
            ApplicationType::RiscattoLaurea => RISCATTO_LAUREA,
            ApplicationType::VersamentiVolontari => VERSAMENTI_VOLONTARI,
            ApplicationType::DomandaPensione => DOMANDA_PENSIONE,
        }
    }

    pub fn field(self, name: &str) -> Option<&'static FieldSpec> {
        self.fields().iter().find(|f| f.name == name)
    }
}

/// Field name → why it was refused.
pub type FormProblems = BTreeMap<String, FieldProblem>;

/// A form that passed every check: the normalised values of the fields given, in form order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidForm {
    pub kind: ApplicationType,
    pub values: Vec<(&'static str, String)>,
}

impl ValidForm {
    /// The JSON object stored as the application's `data`.
    pub fn to_json(&self) -> String {
        let map: Map<String, Value> =
            self.values.iter().map(|(k, v)| ((*k).to_owned(), Value::String(v.clone()))).collect();
        Value::Object(map).to_string()
    }

    fn get(&self, name: &str) -> Option<&str> {
        self.values.iter().find(|(k, _)| *k == name).map(|(_, v)| v.as_str())
    }

    fn date(&self, name: &str) -> Option<Date> {
        self.get(name).and_then(parse_date)
    }
}

/// The text of a JSON value: strings trimmed, numbers as written; `None` for null or empty.
fn text_of(value: &Value) -> Result<Option<String>, FieldProblem> {
    match value {
        Value::Null => Ok(None),
        Value::String(s) => Ok(Some(s.trim().to_owned()).filter(|s| !s.is_empty())),
        Value::Number(n) => Ok(Some(n.to_string())),
        Value::Bool(_) | Value::Array(_) | Value::Object(_) => Err(FieldProblem::NotText),
    }
}

/// Checks a submitted form of `kind` on `today`: every field of the catalogue, unknown fields, and
/// the application's own rules. All problems at once, one per field.
pub fn validate(kind: ApplicationType, data: &Map<String, Value>, today: Date) -> Result<ValidForm, FormProblems> {
    let mut problems = FormProblems::new();
    for name in data.keys() {
        if kind.field(name).is_none() {
            problems.insert(name.clone(), FieldProblem::Unknown);
        }
    }
    let mut values = Vec::new();
    for spec in kind.fields() {
        let typed = match data.get(spec.name).map(text_of).transpose() {
            Ok(typed) => typed.flatten(),
            Err(problem) => {
                problems.insert(spec.name.to_owned(), problem);
                continue;
            }
        };
        match typed {
            None if spec.required => {
                problems.insert(spec.name.to_owned(), FieldProblem::Required);
            }
            None => {}
            Some(value) => match check(spec.kind, &value) {
                Ok(normalised) => values.push((spec.name, normalised)),
                Err(problem) => {
                    problems.insert(spec.name.to_owned(), problem);
                }
            },
        }
    }
    let form = ValidForm { kind, values };
    for (field, rule) in rules(&form, today) {
        problems.entry(field.to_owned()).or_insert(rule);
    }
    if problems.is_empty() { Ok(form) } else { Err(problems) }
}

/// The rules of each application that go beyond one field's format.
fn rules(form: &ValidForm, today: Date) -> Vec<(&'static str, FieldProblem)> {
    let mut out = Vec::new();
    let mut rule = |field: &'static str, broken: bool, it: &'static str, en: &'static str| {
        if broken {
            out.push((field, FieldProblem::Rule(it, en)));
        }
    };
    const FUTURE: (&str, &str) = ("La data non può essere nel futuro.", "The date cannot be in the future.");
    match form.kind {
        ApplicationType::Naspi => {
            if let Some(ended) = form.date("termination_date") {
                rule("termination_date", ended > today, FUTURE.0, FUTURE.1);
                rule(
                    "termination_date",
                    ended < today - Duration::days(68),
                    "La NASpI va chiesta entro 68 giorni dalla cessazione del rapporto di lavoro.",
                    "NASpI must be applied for within 68 days of the end of the job.",
                );
            }
        }
        ApplicationType::AssegnoSociale => {
            if let Some(since) = form.date("residence_since") {
                rule("residence_since", since > today, FUTURE.0, FUTURE.1);
                let ten_years_ago = today.replace_year(today.year() - 10).unwrap_or(today - Duration::days(3653));
                rule(
                    "residence_since",
                    since <= today && since > ten_years_ago,
                    "Serve la residenza in Italia, stabile e continuativa, da almeno 10 anni.",
                    "At least 10 years of steady, continuous residence in Italy are needed.",
                );
            }
            let married = matches!(form.get("marital_status"), Some("coniugato" | "unito_civilmente"));
            rule(
                "spouse_income",
                married && form.get("spouse_income").is_none(),
                "Se è coniugato/a o unito/a civilmente indichi anche il reddito del coniuge (0 se non ne ha).",
                "If married or in a civil union, give your spouse's income too (0 if none).",
            );
        }
        ApplicationType::Maternita => {
            if let Some(birth) = form.date("birth_date") {
                let actual = form.get("birth_kind") == Some("effettiva");
                rule(
                    "birth_date",
                    actual && birth > today,
                    "La data effettiva del parto non può essere nel futuro.",
                    "The actual date of birth cannot be in the future.",
                );
                rule(
                    "birth_date",
                    !actual && birth < today,
                    "La data presunta del parto non può essere passata: se il parto è avvenuto scelga «data effettiva».",
                    "The expected date cannot be past: if the child is born, choose «actual date».",
                );
                rule(
                    "birth_date",
                    birth > today + Duration::days(300),
                    "La data presunta è troppo lontana.",
                    "The expected date is too far ahead.",
                );
                rule(
                    "birth_date",
                    birth < today - Duration::days(365),
                    "La domanda va presentata entro un anno dalla fine del congedo di maternità.",
                    "The application must be made within a year of the end of maternity leave.",
                );
            }
        }
        ApplicationType::CongedoParentale => {
            if let (Some(from), Some(to)) = (form.date("from"), form.date("to")) {
                rule(
                    "to",
                    to < from,
                    "La fine del congedo non può precedere l'inizio.",
                    "The leave cannot end before it starts.",
                );
                rule(
                    "to",
                    to >= from && (to - from).whole_days() >= 300,
                    "Il congedo parentale non può superare 10 mesi.",
                    "Parental leave cannot exceed 10 months.",
                );
            }
            if let Some(from) = form.date("from") {
                rule(
                    "from",
                    from < today - Duration::days(30),
                    "Il congedo va chiesto prima del suo inizio (al più tardi entro 30 giorni).",
                    "Leave must be applied for before it starts (at the latest within 30 days).",
                );
            }
        }
        ApplicationType::AssegniFamiliari => {}
        ApplicationType::RiscattoLaurea => {
            let (enrolled, graduated) = (form.date("enrolment_date"), form.date("graduation_date"));
            if let Some(graduated) = graduated {
                rule("graduation_date", graduated > today, FUTURE.0, FUTURE.1);
            }
            if let (Some(enrolled), Some(graduated)) = (enrolled, graduated) {
                rule(
                    "graduation_date",
                    graduated <= enrolled,
                    "Il titolo va conseguito dopo l'immatricolazione.",
                    "Graduation must come after enrolment.",
                );
                let span_years = ((graduated - enrolled).whole_days() + 364) / 365;
                let years: i64 = form.get("years").and_then(|y| y.parse().ok()).unwrap_or(0);
                rule(
                    "years",
                    graduated > enrolled && years > span_years,
                    "Non può riscattare più anni di quelli trascorsi tra immatricolazione e laurea.",
                    "You cannot redeem more years than passed between enrolment and graduation.",
                );
            }
        }
        ApplicationType::VersamentiVolontari => {
            if let Some(last) = form.date("last_contribution_date") {
                rule("last_contribution_date", last > today, FUTURE.0, FUTURE.1);
            }
        }
        ApplicationType::DomandaPensione => {
            if let Some(start) = form.date("start_date") {
                rule(
                    "start_date",
                    start.day() != 1,
                    "La decorrenza è sempre il primo giorno di un mese.",
                    "A pension always starts on the first day of a month.",
                );
                let this_month = today.replace_day(1).unwrap_or(today);
                rule(
                    "start_date",
                    start < this_month,
                    "La decorrenza non può essere anteriore al mese in corso.",
                    "The start cannot be before the current month.",
                );
            }
        }
    }
    out
}

/// The receipt's lines of a stored form: (label, value as printed), in form order; keys the
/// catalogue does not know (applications stored before it) keep their key as the label.
pub fn describe(kind: ApplicationType, data: &str, lang: Lang) -> Vec<(String, String)> {
    let map: Map<String, Value> = serde_json::from_str(data).unwrap_or_default();
    let value_text = |v: &Value| v.as_str().map_or_else(|| v.to_string(), str::to_owned);
    let mut lines: Vec<(String, String)> = kind
        .fields()
        .iter()
        .filter_map(|spec| {
            map.get(spec.name).map(|v| (spec.label(lang).to_owned(), display(spec.kind, &value_text(v), lang)))
        })
        .collect();
    lines.extend(map.iter().filter(|(k, _)| kind.field(k).is_none()).map(|(k, v)| (k.clone(), value_text(v))));
    lines
}

#[cfg(test)]
mod tests;
