//! The desk's and the contact center's pages about one citizen: search, registry data and PIN
//! state, identity document, sealed envelope, unlock, revocation; and the request on a citizen's
//! behalf.

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use sigillo_app::backoffice::{BackofficeError, CitizenFile, DocumentInput};
use sigillo_app::pin_request::{Outcome, PinRequestInput, ResidenceInput};
use sigillo_domain::operator::{DocumentKind, Permission};

use super::{Bo, BoShell, csrf_failed, error_page};
use crate::portal::form::{FieldError, error_of, field_errors};
use crate::state::AppState;

const HERE: &str = "/operatore/cittadino";

/// A citizen's file as the page shows it.
struct CitizenView {
    fiscal_code: String,
    full_name: String,
    birth: String,
    residence: String,
    health_card: String,
    weeks: u32,
    contacts: String,
    state: String,
    level: String,
    failures: u32,
    checks: Vec<String>,
}

fn view(file: &CitizenFile) -> CitizenView {
    let p = &file.person;
    let (state, level) = match &file.credential {
        Some(c) => (c.state.as_str().replace('_', " "), c.level.as_str().to_owned()),
        None => ("nessun PIN".to_owned(), "–".to_owned()),
    };
    let contacts: Vec<String> = [p.mobile.as_ref().map(ToString::to_string), p.email.as_ref().map(ToString::to_string)]
        .into_iter()
        .flatten()
        .collect();
    CitizenView {
        fiscal_code: p.fiscal_code.to_string(),
        full_name: format!("{} {}", p.given_name, p.family_name),
        birth: format!(
            "{} a {} ({})",
            p.birth_date,
            p.birth_place,
            if p.sex == sigillo_domain::fiscal_code::Sex::M { "M" } else { "F" }
        ),
        residence: format!(
            "{}, {} {} ({}) {}",
            p.residence.address,
            p.residence.postal_code,
            p.residence.municipality,
            p.residence.province,
            p.residence.country
        ),
        health_card: format!("{} – scadenza {}", p.health_card.number, p.health_card.expiry),
        weeks: p.contribution_weeks,
        contacts: if contacts.is_empty() { "nessuno".to_owned() } else { contacts.join(", ") },
        state,
        level,
        failures: file.attempts.failures_since_success,
        checks: file
            .identity_checks
            .iter()
            .map(|c| {
                format!(
                    "{} n. {} rilasciato da {}, scade il {} – verificato da {} il {}",
                    c.kind.label(),
                    c.number,
                    c.issuer,
                    c.expiry,
                    c.operator,
                    c.checked_at.date()
                )
            })
            .collect(),
    }
}

#[derive(Template)]
#[template(path = "bo_citizen.html")]
struct CitizenPage {
    bo: BoShell,
    errors: Vec<FieldError>,
    query: String,
    citizen: Option<CitizenView>,
    can_check: bool,
    can_issue: bool,
    can_unlock: bool,
    can_revoke: bool,
    document_kinds: Vec<(&'static str, &'static str)>,
}

impl CitizenPage {
    fn error(&self, id: &str) -> Option<&str> {
        error_of(&self.errors, id)
    }
}

#[derive(Deserialize)]
pub struct Search {
    fiscal_code: Option<String>,
}

/// The citizen page for `code` (if any), with `errors` and `notice`.
async fn citizen_page(
    state: &AppState,
    bo: Bo,
    code: Option<&str>,
    mut errors: Vec<FieldError>,
    notice: Option<String>,
    status: StatusCode,
) -> Response {
    let op = match bo.require(Permission::FindCitizen) {
        Ok(op) => op.clone(),
        Err(response) => return response,
    };
    let mut citizen = None;
    if let Some(code) = code.filter(|c| !c.trim().is_empty()) {
        match state.sigillo.find_citizen(&op, code).await {
            Ok(file) => citizen = Some(view(&file)),
            Err(BackofficeError::InvalidInput(fields)) => errors.extend(field_errors(&fields, &["fiscal_code"])),
            Err(BackofficeError::NotInRegistry) => errors.push(FieldError {
                id: "fiscal_code".into(),
                message: "Il codice fiscale non risulta negli archivi dell'Istituto.".into(),
            }),
            Err(e) => return error_page(&bo, e, HERE),
        }
    }
    let mut shell = bo.shell(HERE);
    shell.notice = notice;
    let page = CitizenPage {
        bo: shell,
        errors,
        query: code.unwrap_or_default().trim().to_uppercase(),
        citizen,
        can_check: op.may(Permission::RecordIdentityCheck),
        can_issue: op.may(Permission::IssueDispositivo),
        can_unlock: op.may(Permission::Unlock),
        can_revoke: op.may(Permission::Revoke),
        document_kinds: DocumentKind::ALL.iter().map(|k| (k.as_str(), k.label())).collect(),
    };
    bo.page_with_status(status, &page)
}

pub async fn citizen(State(state): State<AppState>, bo: Bo, Query(q): Query<Search>) -> Response {
    citizen_page(&state, bo, q.fiscal_code.as_deref(), Vec::new(), None, StatusCode::OK).await
}

#[derive(Deserialize)]
pub struct DocumentForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    document_kind: String,
    #[serde(default)]
    document_number: String,
    #[serde(default)]
    document_issuer: String,
    #[serde(default)]
    document_expiry: String,
}

pub async fn identity_check(
    State(state): State<AppState>,
    bo: Bo,
    Path(code): Path<String>,
    Form(form): Form<DocumentForm>,
) -> Response {
    let op = match bo.require(Permission::RecordIdentityCheck) {
        Ok(op) => op.clone(),
        Err(response) => return response,
    };
    if !bo.csrf_ok(&form.csrf) {
        return csrf_failed(&bo);
    }
    let input = DocumentInput {
        document_kind: form.document_kind,
        document_number: form.document_number,
        document_issuer: form.document_issuer,
        document_expiry: form.document_expiry,
    };
    match state.sigillo.record_identity_check(&op, &code, &input).await {
        Ok(check) => {
            let notice = format!("Documento registrato: {} n. {}.", check.kind.label(), check.number);
            citizen_page(&state, bo, Some(&code), Vec::new(), Some(notice), StatusCode::OK).await
        }
        Err(BackofficeError::InvalidInput(fields)) => {
            let order = ["document_kind", "document_number", "document_issuer", "document_expiry"];
            citizen_page(&state, bo, Some(&code), field_errors(&fields, &order), None, StatusCode::UNPROCESSABLE_ENTITY)
                .await
        }
        Err(e) => error_page(&bo, e, HERE),
    }
}

#[derive(Deserialize)]
pub struct EnvelopeForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    office: String,
}

/// The sealed envelope, downloaded as a PDF to print: the page itself never shows the PIN.
pub async fn envelope(
    State(state): State<AppState>,
    bo: Bo,
    Path(code): Path<String>,
    Form(form): Form<EnvelopeForm>,
) -> Response {
    let op = match bo.require(Permission::IssueDispositivo) {
        Ok(op) => op.clone(),
        Err(response) => return response,
    };
    if !bo.csrf_ok(&form.csrf) {
        return csrf_failed(&bo);
    }
    let back = format!("{HERE}?fiscal_code={}", crate::portal::pages::login::urlencode(&code));
    match state.sigillo.issue_at_desk(&op, &code, &form.office).await {
        Ok(pdf) => crate::api::operator::work::pdf_response(StatusCode::OK, pdf, "busta-pin.pdf"),
        Err(e) => error_page(&bo, e, &back),
    }
}

#[derive(Deserialize)]
pub struct ReasonForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    reason: String,
}

pub async fn unlock(
    State(state): State<AppState>,
    bo: Bo,
    Path(code): Path<String>,
    Form(form): Form<ReasonForm>,
) -> Response {
    let op = match bo.require(Permission::Unlock) {
        Ok(op) => op.clone(),
        Err(response) => return response,
    };
    if !bo.csrf_ok(&form.csrf) {
        return csrf_failed(&bo);
    }
    match state.sigillo.unlock(&op, &code).await {
        Ok(to) => {
            let notice = format!("PIN sbloccato (stato: {}).", to.as_str());
            citizen_page(&state, bo, Some(&code), Vec::new(), Some(notice), StatusCode::OK).await
        }
        Err(e) => error_page(&bo, e, &format!("{HERE}?fiscal_code={code}")),
    }
}

pub async fn revoke(
    State(state): State<AppState>,
    bo: Bo,
    Path(code): Path<String>,
    Form(form): Form<ReasonForm>,
) -> Response {
    let op = match bo.require(Permission::Revoke) {
        Ok(op) => op.clone(),
        Err(response) => return response,
    };
    if !bo.csrf_ok(&form.csrf) {
        return csrf_failed(&bo);
    }
    match state.sigillo.revoke_for(&op, &code, &form.reason).await {
        Ok(()) => {
            let notice = "PIN revocato. Il cittadino può richiederne uno nuovo.".to_owned();
            citizen_page(&state, bo, Some(&code), Vec::new(), Some(notice), StatusCode::OK).await
        }
        Err(BackofficeError::InvalidInput(fields)) => {
            citizen_page(
                &state,
                bo,
                Some(&code),
                field_errors(&fields, &["reason"]),
                None,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => error_page(&bo, e, &format!("{HERE}?fiscal_code={code}")),
    }
}

/// The request form's fields: (name, label), in order.
const REQUEST_FIELDS: [(&str, &str); 14] = [
    ("fiscal_code", "Codice fiscale"),
    ("family_name", "Cognome"),
    ("given_name", "Nome"),
    ("birth_date", "Data di nascita (AAAA-MM-GG)"),
    ("sex", "Sesso (M/F)"),
    ("birth_place", "Luogo di nascita (codice catastale o comune)"),
    ("residence_country", "Stato di residenza (IT per l'Italia)"),
    ("residence_address", "Indirizzo di residenza"),
    ("residence_postal_code", "CAP"),
    ("residence_municipality", "Comune"),
    ("residence_province", "Provincia"),
    ("mobile", "Cellulare"),
    ("landline", "Telefono fisso"),
    ("email", "E-mail"),
];

#[derive(Template)]
#[template(path = "bo_request.html")]
struct RequestPage {
    bo: BoShell,
    errors: Vec<FieldError>,
    fields: Vec<(&'static str, &'static str, String)>,
    done: Option<String>,
}

impl RequestPage {
    fn error(&self, id: &str) -> Option<&str> {
        error_of(&self.errors, id)
    }
}

fn request_page(
    bo: &Bo,
    values: &std::collections::HashMap<String, String>,
    errors: Vec<FieldError>,
    done: Option<String>,
) -> RequestPage {
    RequestPage {
        bo: bo.shell("/operatore/richiesta"),
        errors,
        fields: REQUEST_FIELDS
            .iter()
            .map(|(name, label)| {
                (
                    *name,
                    *label,
                    if done.is_some() { String::new() } else { values.get(*name).cloned().unwrap_or_default() },
                )
            })
            .collect(),
        done,
    }
}

pub async fn request_form(bo: Bo) -> Response {
    if let Err(response) = bo.require(Permission::RequestPin) {
        return response;
    }
    let page = request_page(&bo, &Default::default(), Vec::new(), None);
    bo.page(&page)
}

pub async fn request_submit(
    State(state): State<AppState>,
    bo: Bo,
    Form(form): Form<std::collections::HashMap<String, String>>,
) -> Response {
    let op = match bo.require(Permission::RequestPin) {
        Ok(op) => op.clone(),
        Err(response) => return response,
    };
    if !bo.csrf_ok(form.get("csrf").map_or("", String::as_str)) {
        return csrf_failed(&bo);
    }
    let get = |name: &str| form.get(name).map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());
    let input = PinRequestInput {
        fiscal_code: get("fiscal_code"),
        family_name: get("family_name"),
        given_name: get("given_name"),
        birth_date: get("birth_date"),
        sex: get("sex"),
        birth_place: get("birth_place"),
        residence: Some(ResidenceInput {
            country: get("residence_country"),
            address: get("residence_address"),
            postal_code: get("residence_postal_code"),
            municipality: get("residence_municipality"),
            province: get("residence_province"),
        }),
        mobile: get("mobile"),
        landline: get("landline"),
        email: get("email"),
    };
    match state.sigillo.request_pin_for(&op, &input).await {
        Ok(accepted) => {
            let done = match accepted.outcome {
                Outcome::Issued => format!(
                    "Richiesta accolta: la prima parte del PIN è stata inviata per {}, la seconda parte sarà spedita per lettera all'indirizzo in anagrafe.",
                    if accepted.first_half_channel.as_str() == "sms" { "SMS" } else { "e-mail" }
                ),
                Outcome::AwaitingPhoneCheck => "Richiesta registrata: alcuni dati non corrispondono all'anagrafe ed è in attesa di verifica telefonica.".to_owned(),
            };
            let page = request_page(&bo, &form, Vec::new(), Some(done));
            bo.page(&page)
        }
        Err(BackofficeError::Request(sigillo_app::pin_request::RequestError::InvalidInput(fields))) => {
            let fields: std::collections::BTreeMap<String, String> =
                fields.into_iter().map(|(k, v)| (k.replace('.', "_"), v)).collect();
            let order: Vec<&str> = REQUEST_FIELDS.iter().map(|(n, _)| *n).collect();
            let page = request_page(&bo, &form, field_errors(&fields, &order), None);
            bo.page_with_status(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
        Err(e) => error_page(&bo, e, "/operatore/richiesta"),
    }
}
