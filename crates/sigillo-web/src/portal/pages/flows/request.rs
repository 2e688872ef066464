//! `/richiedi-pin` (Richiedi PIN, SPEC 4.1) and its outcome page `/richiedi-pin/esito`.

use std::collections::BTreeMap;

use askama::Template;
use axum::Form;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use sigillo_app::input::parse_date;
use sigillo_app::pin_request::{Outcome, PinRequestInput, ResidenceInput};
use sigillo_domain::fiscal_code::{FiscalCode, PersonalData, Sex};
use sigillo_domain::outbox::Channel;
use sigillo_domain::{Lang, Localized};

use super::places::{self, BirthPlace, COUNTRIES};
use super::{
    Field, Problem, errors_for, given, human_duration, keep_query, refusal_status, sentence, summary, with_errors,
};
use crate::error::AppError;
use crate::portal::form::FieldError;
use crate::portal::i18n::Tr;
use crate::portal::shell::{Ctx, Shell};
use crate::state::AppState;

/// Form order, for the error summary.
const ORDER: &[&str] = &[
    "fiscal_code",
    "family_name",
    "given_name",
    "birth_date",
    "sex",
    "birth_place",
    "residence.country",
    "residence.address",
    "residence.postal_code",
    "residence.municipality",
    "residence.province",
    "mobile",
    "landline",
    "email",
];

/// The form as posted; every field optional so a missing one is reported next to it.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct RequestForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    fiscal_code: String,
    #[serde(default)]
    family_name: String,
    #[serde(default)]
    given_name: String,
    #[serde(default)]
    birth_date: String,
    #[serde(default)]
    sex: String,
    #[serde(default)]
    birth_place: String,
    #[serde(default)]
    residence_country: String,
    #[serde(default)]
    residence_address: String,
    #[serde(default)]
    residence_postal_code: String,
    #[serde(default)]
    residence_municipality: String,
    #[serde(default)]
    residence_province: String,
    #[serde(default)]
    mobile: String,
    #[serde(default)]
    landline: String,
    #[serde(default)]
    email: String,
}

impl RequestForm {
    /// The use case's input, and this page's own reasons (in the page's language) for fields it
    /// could not read: a place-of-birth name that matches no place or several.
    pub fn to_input(&self, tr: Tr) -> (PinRequestInput, BTreeMap<String, String>) {
        let mut ours = BTreeMap::new();
        let birth_date = parse_date(&self.birth_date);
        let code_place = FiscalCode::parse(&self.fiscal_code).ok().map(|c| c.birth_place_code());
        let birth_place = match places::birth_place(&self.birth_place, birth_date, code_place) {
            BirthPlace::Found(code) => Some(code.to_owned()),
            BirthPlace::AsTyped => given(&self.birth_place),
            BirthPlace::Ambiguous(list) => {
                ours.insert("birth_place".into(), tr.t("flow_m_place_ambiguous").replace("{n}", &list.join(", ")));
                given(&self.birth_place)
            }
            BirthPlace::Unknown => {
                ours.insert("birth_place".into(), tr.t("flow_m_place_unknown").to_owned());
                given(&self.birth_place)
            }
        };
        let input = PinRequestInput {
            fiscal_code: given(&self.fiscal_code),
            family_name: given(&self.family_name),
            given_name: given(&self.given_name),
            birth_date: given(&self.birth_date),
            sex: given(&self.sex),
            birth_place,
            residence: Some(ResidenceInput {
                country: given(&places::country(&self.residence_country)),
                address: given(&self.residence_address),
                postal_code: given(&self.residence_postal_code),
                municipality: given(&self.residence_municipality),
                province: given(&self.residence_province),
            }),
            mobile: given(&self.mobile),
            landline: given(&self.landline),
            email: given(&self.email),
        };
        (input, ours)
    }
}

/// The fiscal code's reason in English: the domain has its words; the use case sends Italian.
fn fiscal_code_reason_en(input: &PinRequestInput) -> Option<String> {
    let raw = input.fiscal_code.as_deref()?;
    let today = time::OffsetDateTime::now_utc().date();
    let code = match FiscalCode::parse_on(raw, today) {
        Ok(code) => code,
        Err(e) => return Some(e.message(Lang::En)),
    };
    let person = PersonalData {
        family_name: input.family_name.as_deref()?,
        given_name: input.given_name.as_deref()?,
        birth_date: parse_date(input.birth_date.as_deref()?)?,
        sex: input.sex.as_deref()?.parse::<Sex>().ok()?,
        birth_place: input.birth_place.as_deref()?,
    };
    let reason = code.check_consistency(&person).err()?;
    Some(format!("{}{}", Tr { lang: Lang::En }.t("flow_m_fiscal_code_mismatch"), reason.message(Lang::En)))
}

#[derive(Template)]
#[template(path = "flow_request.html")]
struct RequestPage {
    shell: Shell,
    errors: Vec<FieldError>,
    problem: Option<Problem>,
    personal: Vec<Field>,
    sex: String,
    sex_error: Option<String>,
    birth_place: Vec<Field>,
    residence: Vec<Field>,
    contacts: Vec<Field>,
    countries: Vec<(&'static str, &'static str)>,
}

impl RequestPage {
    fn new(shell: Shell, form: &RequestForm, errors: Vec<FieldError>, problem: Option<Problem>) -> RequestPage {
        let tr = shell.tr;
        let personal = vec![
            Field::new(tr, "fiscal_code", "fiscal_code", &form.fiscal_code).hint("flow_fiscal_code_hint").code(),
            Field::new(tr, "family_name", "flow_family_name", &form.family_name).autocomplete("family-name"),
            Field::new(tr, "given_name", "flow_given_name", &form.given_name)
                .hint("flow_given_name_hint")
                .autocomplete("given-name"),
            Field::new(tr, "birth_date", "flow_birth_date", &form.birth_date)
                .hint("flow_birth_date_hint")
                .autocomplete("bday"),
        ];
        let birth_place =
            vec![Field::new(tr, "birth_place", "flow_birth_place", &form.birth_place).hint("flow_birth_place_hint")];
        let residence = vec![
            Field::new(tr, "residence_country", "flow_residence_country", &form.residence_country)
                .hint("flow_residence_country_hint")
                .autocomplete("country")
                .list("countries"),
            Field::new(tr, "residence_address", "flow_residence_address", &form.residence_address)
                .hint("flow_residence_address_hint")
                .autocomplete("address-line1"),
            Field::new(tr, "residence_postal_code", "flow_residence_postal_code", &form.residence_postal_code)
                .hint("flow_residence_postal_code_hint")
                .autocomplete("postal-code"),
            Field::new(tr, "residence_municipality", "flow_residence_municipality", &form.residence_municipality)
                .hint("flow_residence_municipality_hint")
                .autocomplete("address-level2"),
            Field::new(tr, "residence_province", "flow_residence_province", &form.residence_province)
                .hint("flow_residence_province_hint")
                .autocomplete("address-level1")
                .code(),
        ];
        let contacts = vec![
            Field::new(tr, "mobile", "flow_mobile", &form.mobile)
                .hint("flow_mobile_hint")
                .kind("tel")
                .autocomplete("mobile tel")
                .optional(),
            Field::new(tr, "landline", "flow_landline", &form.landline)
                .hint("flow_landline_hint")
                .kind("tel")
                .autocomplete("home tel")
                .optional(),
            Field::new(tr, "email", "flow_email", &form.email)
                .hint("flow_email_hint")
                .kind("email")
                .autocomplete("email"),
        ];
        let countries =
            COUNTRIES.iter().map(|(code, it, en)| (*code, if tr.is_en() { *en } else { *it })).collect::<Vec<_>>();
        let (personal, birth_place) = (with_errors(personal, &errors), with_errors(birth_place, &errors));
        let (residence, contacts) = (with_errors(residence, &errors), with_errors(contacts, &errors));
        RequestPage {
            sex: form.sex.trim().to_ascii_uppercase(),
            sex_error: crate::portal::form::error_of(&errors, "sex").map(str::to_owned),
            errors: summary(&errors, &[&personal, &birth_place, &residence, &contacts], &[("sex", tr.t("flow_sex"))]),
            personal,
            birth_place,
            residence,
            contacts,
            countries,
            shell,
            problem,
        }
    }
}

pub async fn form(ctx: Ctx) -> Response {
    let blank = RequestForm { residence_country: "IT".into(), ..RequestForm::default() };
    let page = RequestPage::new(ctx.shell.clone(), &blank, Vec::new(), None);
    ctx.page(&page)
}

pub async fn submit(State(state): State<AppState>, ctx: Ctx, Form(form): Form<RequestForm>) -> Response {
    let tr = ctx.shell.tr;
    if !ctx.csrf_ok(&form.csrf) {
        let page = RequestPage::new(ctx.shell.clone(), &form, Vec::new(), Some(Problem::csrf(tr)));
        return ctx.page_with_status(StatusCode::FORBIDDEN, &page);
    }
    let (input, ours) = form.to_input(tr);
    let error = match state.sigillo.request_pin(&input, ctx.client_ip.as_deref()).await {
        Ok(accepted) => {
            let status =
                if accepted.outcome == Outcome::AwaitingPhoneCheck { "awaiting_phone_check" } else { "issued" };
            return ctx.redirect(&format!(
                "/richiedi-pin/esito?stato={status}&canale={}",
                accepted.first_half_channel.as_str()
            ));
        }
        Err(error) => AppError::from(error),
    };
    let (errors, problem) = if error.fields.is_empty() {
        (Vec::new(), Some(Problem::from_error(tr, &error)))
    } else {
        let mut errors = errors_for(tr, &error.fields, &ours, ORDER);
        if tr.is_en()
            && let Some(reason) = fiscal_code_reason_en(&input)
            && let Some(e) = errors.iter_mut().find(|e| e.id == "fiscal_code")
        {
            e.message = sentence(&reason);
        }
        (errors, None)
    };
    let page = RequestPage::new(ctx.shell.clone(), &form, errors, problem);
    ctx.page_with_status(refusal_status(&error), &page)
}

#[derive(Deserialize)]
pub struct OutcomeQuery {
    stato: Option<String>,
    canale: Option<String>,
}

#[derive(Template)]
#[template(path = "flow_request_done.html")]
struct RequestDone {
    shell: Shell,
    awaiting: bool,
    first_half: &'static str,
    validity: String,
}

pub async fn outcome(State(state): State<AppState>, ctx: Ctx, Query(q): Query<OutcomeQuery>) -> Response {
    let mut shell = ctx.shell.clone();
    let tr = shell.tr;
    let awaiting = q.stato.as_deref() == Some("awaiting_phone_check");
    let first_half = match q.canale.as_deref().and_then(Channel::parse) {
        Some(Channel::Sms) => tr.t("flow_first_half_sms"),
        Some(Channel::Email) => tr.t("flow_first_half_email"),
        _ => tr.t("flow_first_half_any"),
    };
    let stato = if awaiting { "awaiting_phone_check" } else { "issued" };
    keep_query(
        &mut shell,
        "/richiedi-pin/esito",
        &[("stato", stato), ("canale", q.canale.as_deref().unwrap_or_default())],
    );
    let ttl = human_duration(state.sigillo.settings.first_access_ttl, tr.lang, false);
    let page = RequestDone { shell, awaiting, first_half, validity: tr.t("flow_next_validity").replace("{n}", &ttl) };
    ctx.page(&page)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::portal::pages::flows::tests::shell;

    fn filled() -> RequestForm {
        RequestForm {
            csrf: String::new(),
            fiscal_code: "ntofpp61e49 d235r".into(),
            family_name: "Noto".into(),
            given_name: "Filippa".into(),
            birth_date: "09/05/1961".into(),
            sex: "F".into(),
            birth_place: "D235".into(),
            residence_country: "it".into(),
            residence_address: "Via Pietro Nenni 139".into(),
            residence_postal_code: "33130".into(),
            residence_municipality: "Pocenia".into(),
            residence_province: "ud".into(),
            mobile: "370 3379320".into(),
            landline: " ".into(),
            email: "filippa.noto@example.net".into(),
        }
    }

    #[test]
    fn the_form_maps_onto_the_use_case_input() {
        let (input, ours) = filled().to_input(Tr { lang: Lang::It });
        assert!(ours.is_empty());
        assert_eq!(input.fiscal_code.as_deref(), Some("ntofpp61e49 d235r"));
        assert_eq!(input.birth_place.as_deref(), Some("D235"));
        assert_eq!(input.landline, None, "blank means not given");
        let residence = input.residence.clone().unwrap_or_default();
        assert_eq!(residence.country.as_deref(), Some("IT"));
        assert_eq!(residence.postal_code.as_deref(), Some("33130"));
        assert_eq!(residence.province.as_deref(), Some("ud"));
        // The use case accepts it as it stands.
        let valid = input.validate(time::macros::date!(2026 - 01 - 01));
        assert!(valid.is_ok(), "{valid:?}");
    }

    #[test]
    fn a_place_name_becomes_its_code_and_the_fiscal_code_settles_a_shared_name() {
        let form = RequestForm { birth_place: "Roma".into(), ..filled() };
        let (input, ours) = form.to_input(Tr { lang: Lang::It });
        assert_eq!(input.birth_place.as_deref(), Some("H501"));
        assert!(ours.is_empty());
        let form = RequestForm { birth_place: "Nessunluogo".into(), ..filled() };
        let (input, ours) = form.to_input(Tr { lang: Lang::En });
        assert_eq!(input.birth_place.as_deref(), Some("Nessunluogo"));
        assert!(ours.get("birth_place").is_some_and(|m| m.starts_with("Place of birth not found")));
    }

    #[test]
    fn a_country_name_becomes_its_code() {
        let form = RequestForm { residence_country: "Germania".into(), ..filled() };
        let (input, _) = form.to_input(Tr { lang: Lang::It });
        assert_eq!(input.residence.and_then(|r| r.country).as_deref(), Some("DE"));
    }

    #[test]
    fn english_pages_explain_the_fiscal_code_in_english() {
        let form = RequestForm { given_name: "Maria".into(), ..filled() };
        let (input, _) = form.to_input(Tr { lang: Lang::En });
        let reason = fiscal_code_reason_en(&input).unwrap_or_default();
        assert!(reason.starts_with("The fiscal code does not match"), "{reason}");
        let form = RequestForm { fiscal_code: "ABC".into(), ..filled() };
        let (input, _) = form.to_input(Tr { lang: Lang::En });
        assert!(fiscal_code_reason_en(&input).is_some_and(|r| !r.is_empty()));
    }

    #[test]
    fn the_page_keeps_the_input_and_ties_errors_to_fields() {
        for lang in [Lang::It, Lang::En] {
            let form = RequestForm { email: "nope".into(), sex: "".into(), ..filled() };
            let errors = vec![
                FieldError { id: "sex".into(), message: "Indicare M o F.".into() },
                FieldError { id: "email".into(), message: "Indirizzo e-mail non valido.".into() },
                FieldError { id: "residence_address".into(), message: "Campo obbligatorio.".into() },
            ];
            let html = RequestPage::new(shell(lang), &form, errors, None).render().unwrap_or_default();
            assert!(!html.contains("??"), "a missing word in {lang:?}");
            assert!(html.contains(r#"id="email" name="email" value="nope""#), "{html}");
            assert!(html.contains(r#"aria-describedby="email_hint email_error""#));
            assert!(html.contains(r#"id="email_error""#));
            assert!(html.contains(r##"href="#residence_address""##));
            assert!(html.contains(r#"id="residence_postal_code" name="residence_postal_code" value="33130""#));
            assert!(html.contains(r#"autocomplete="family-name""#));
            assert!(html.contains(r#"id="sex""#) && html.contains(r#"id="sex_error""#));
        }
    }

    #[test]
    fn every_problem_box_renders_in_both_languages() {
        for lang in [Lang::It, Lang::En] {
            let tr = Tr { lang };
            for (status, code) in [
                (StatusCode::NOT_FOUND, "not_in_registry"),
                (StatusCode::FORBIDDEN, "not_eligible_online"),
                (StatusCode::CONFLICT, "pin_already_assigned"),
                (StatusCode::GONE, "issuance_closed"),
                (StatusCode::TOO_MANY_REQUESTS, "throttled"),
                (StatusCode::SERVICE_UNAVAILABLE, "unavailable"),
            ] {
                let problem = Problem::from_error(tr, &AppError::new(status, code, "Testo."));
                let html =
                    RequestPage::new(shell(lang), &filled(), Vec::new(), Some(problem)).render().unwrap_or_default();
                assert!(!html.contains("??") && html.contains(r#"role="alert""#), "{code} in {lang:?}");
                if code == "pin_already_assigned" {
                    assert!(html.contains(r#"href="/ripristina-pin""#) && html.contains(r#"href="/revoca-pin""#));
                }
                if code == "not_eligible_online" {
                    assert!(html.contains("803164") && html.contains("06 164164"));
                }
                if code == "issuance_closed" {
                    assert!(html.contains("SPID") && html.contains("CIE") && html.contains("CNS"));
                }
            }
        }
    }

    #[test]
    fn the_outcome_page_says_where_each_half_goes() {
        for lang in [Lang::It, Lang::En] {
            let tr = Tr { lang };
            let page = RequestDone {
                shell: shell(lang),
                awaiting: false,
                first_half: tr.t("flow_first_half_sms"),
                validity: tr.t("flow_next_validity").replace("{n}", "60"),
            };
            let html = page.render().unwrap_or_default();
            assert!(!html.contains("??"));
            assert!(html.contains(r#"href="/accedi""#) && html.contains(r#"href="/attiva-pin""#));
            if lang == Lang::It {
                assert!(html.contains("La Sua richiesta è stata presa in carico"));
                assert!(html.contains("per SMS") && html.contains("lettera all&#39;indirizzo di residenza registrato"));
            }
            let waiting = RequestDone { awaiting: true, ..page };
            let html = waiting.render().unwrap_or_default();
            assert!(html.contains(tr.t("flow_awaiting_lead").split('\'').next().unwrap_or_default()));
        }
    }
}
