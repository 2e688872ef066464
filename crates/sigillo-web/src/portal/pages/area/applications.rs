//! `/area-riservata/domande`: the citizen's applications with their receipts, and a simple form to
//! submit one of the catalogue. Applications need a PIN dispositivo: an ordinary PIN gets the
//! list (empty, as a rule) and how to upgrade, with the 403 of the API's `level_insufficient`.

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use sigillo_app::login::Citizen;
use sigillo_app::services::ApplicationError;
use sigillo_domain::application::ApplicationType;
use sigillo_domain::credential::Level;
use time::format_description::well_known::Rfc3339;

use super::{clock, no_store, not_found, ready_citizen, unavailable};
use crate::error::AppError;
use crate::portal::form::{FieldError, error_of};
use crate::portal::i18n::Tr;
use crate::portal::pages::login::urlencode;
use crate::portal::shell::{Ctx, Shell};
use crate::state::AppState;

const HERE: &str = "/area-riservata/domande";
/// Longest note accepted, in characters.
const MAX_NOTE_CHARS: usize = 2000;

#[derive(Template)]
#[template(path = "area_applications.html")]
struct ApplicationsPage {
    shell: Shell,
    dispositivo: bool,
    /// The application just submitted: its protocol and receipt.
    submitted: Option<(String, String)>,
    errors: Vec<FieldError>,
    rows: Vec<Row>,
    types: Vec<(&'static str, &'static str)>,
    /// The form's input, kept after an error.
    kind: String,
    note: String,
    declared: bool,
}

impl ApplicationsPage {
    fn error(&self, id: &str) -> Option<&str> {
        error_of(&self.errors, id)
    }
}

struct Row {
    protocol: String,
    label: &'static str,
    iso: String,
    date: String,
    receipt: String,
}

/// The application's name in the page's language (the Italian one is the catalogue's `label()`).
fn type_label(tr: Tr, kind: ApplicationType) -> &'static str {
    tr.t(&format!("area_app_{}", kind.as_str()))
}

fn receipt_href(protocol: &str) -> String {
    format!("{HERE}/{}/ricevuta.pdf", urlencode(protocol))
}

#[derive(Deserialize)]
pub struct Submitted {
    protocollo: Option<String>,
}

pub async fn page(State(state): State<AppState>, ctx: Ctx, Query(q): Query<Submitted>) -> Response {
    let (ctx, citizen) = match ready_citizen(ctx, HERE) {
        Ok(found) => found,
        Err(redirect) => return redirect,
    };
    let input = Input::default();
    render(&state, ctx, &citizen, StatusCode::OK, q.protocollo.as_deref(), Vec::new(), input).await
}

/// The form as typed.
#[derive(Default)]
struct Input {
    kind: String,
    note: String,
    declared: bool,
}

async fn render(
    state: &AppState,
    ctx: Ctx,
    citizen: &Citizen,
    status: StatusCode,
    submitted: Option<&str>,
    errors: Vec<FieldError>,
    input: Input,
) -> Response {
    let tr = ctx.shell.tr;
    let applications = match state.store.applications_of(&citizen.credential.fiscal_code).await {
        Ok(found) => found,
        Err(error) => return unavailable(ctx, AppError::from(error).status),
    };
    let dispositivo = citizen.credential.level >= Level::Dispositivo;
    // Only a protocol of this citizen's is echoed back.
    let submitted = submitted
        .and_then(|p| applications.iter().find(|a| a.protocol == p))
        .map(|a| (a.protocol.clone(), receipt_href(&a.protocol)));
    let rows = applications
        .into_iter()
        .map(|a| Row {
            receipt: receipt_href(&a.protocol),
            label: type_label(tr, a.kind),
            iso: a.submitted_at.format(&Rfc3339).unwrap_or_default(),
            date: clock::date_time(a.submitted_at),
            protocol: a.protocol,
        })
        .collect();
    let page = ApplicationsPage {
        shell: ctx.shell.clone(),
        dispositivo,
        submitted,
        errors,
        rows,
        types: ApplicationType::ALL.into_iter().map(|t| (t.as_str(), type_label(tr, t))).collect(),
        kind: input.kind,
        note: input.note,
        declared: input.declared,
    };
    // An ordinary PIN is refused the service, as the API does (403 `level_insufficient`).
    let status = if dispositivo { status } else { StatusCode::FORBIDDEN };
    no_store(ctx.page_with_status(status, &page))
}

#[derive(Deserialize)]
pub struct ApplicationForm {
    #[serde(default)]
    csrf: String,
    #[serde(default, rename = "type")]
    kind: String,
    #[serde(default)]
    note: String,
    #[serde(default)]
    declaration: Option<String>,
}

/// The form's own checks: the page's words for each refused field.
fn check(tr: Tr, form: &ApplicationForm) -> Result<(ApplicationType, serde_json::Value), Vec<FieldError>> {
    let mut errors = Vec::new();
    let kind = ApplicationType::parse(form.kind.trim());
    if kind.is_none() {
        errors.push(FieldError { id: "type".into(), message: tr.t("area_apps_err_type").into() });
    }
    let note = form.note.trim();
    if note.chars().count() > MAX_NOTE_CHARS {
        errors.push(FieldError { id: "note".into(), message: tr.t("area_apps_err_note").into() });
    }
    if form.declaration.is_none() {
        errors.push(FieldError { id: "declaration".into(), message: tr.t("area_apps_err_declaration").into() });
    }
    match kind {
        Some(kind) if errors.is_empty() => {
            // Labels as the receipt prints them.
            let mut data = serde_json::Map::new();
            data.insert("Canale".into(), "Portale web".into());
            data.insert("Dichiarazione di veridicità".into(), "Confermata".into());
            if !note.is_empty() {
                data.insert("Note".into(), note.into());
            }
            Ok((kind, serde_json::Value::Object(data)))
        }
        _ => Err(errors),
    }
}

pub async fn submit(State(state): State<AppState>, ctx: Ctx, Form(form): Form<ApplicationForm>) -> Response {
    let (ctx, citizen) = match ready_citizen(ctx, HERE) {
        Ok(found) => found,
        Err(redirect) => return redirect,
    };
    let tr = ctx.shell.tr;
    if citizen.credential.level < Level::Dispositivo {
        // Nothing to check: the page explains the upgrade, with the API's 403.
        return render(&state, ctx, &citizen, StatusCode::FORBIDDEN, None, Vec::new(), Input::default()).await;
    }
    let checked = if ctx.csrf_ok(&form.csrf) {
        check(tr, &form)
    } else {
        Err(vec![FieldError { id: "type".into(), message: tr.t("csrf_failed").into() }])
    };
    let errors = match checked {
        Ok((kind, data)) => {
            match state.sigillo.submit_application(&citizen, kind.as_str(), &data, ctx.client_ip.as_deref()).await {
                Ok(application) => {
                    return ctx.redirect(&format!("{HERE}?protocollo={}", urlencode(&application.protocol)));
                }
                // The page explains the upgrade; the status says why.
                Err(ApplicationError::LevelInsufficient) => Vec::new(),
                Err(ApplicationError::UnknownType) => {
                    vec![FieldError { id: "type".into(), message: tr.t("area_apps_err_type").into() }]
                }
                Err(ApplicationError::InvalidData(_)) => {
                    vec![FieldError { id: "note".into(), message: tr.t("area_apps_err_note").into() }]
                }
                Err(ApplicationError::Store(error)) => return unavailable(ctx, AppError::from(error).status),
            }
        }
        Err(errors) => errors,
    };
    let input = Input { kind: form.kind, note: form.note, declared: form.declaration.is_some() };
    render(&state, ctx, &citizen, StatusCode::UNPROCESSABLE_ENTITY, None, errors, input).await
}

pub async fn receipt(State(state): State<AppState>, ctx: Ctx, Path(protocol): Path<String>) -> Response {
    let (ctx, citizen) = match ready_citizen(ctx, HERE) {
        Ok(found) => found,
        Err(redirect) => return redirect,
    };
    let plausible = protocol.len() <= 40 && protocol.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'.');
    if !plausible {
        return not_found(ctx);
    }
    match state.sigillo.application_receipt(&citizen, &protocol).await {
        Ok(Some(pdf)) => no_store(
            (
                [
                    (header::CONTENT_TYPE, "application/pdf".to_owned()),
                    (header::CONTENT_DISPOSITION, format!("attachment; filename=\"ricevuta-{protocol}.pdf\"")),
                ],
                pdf,
            )
                .into_response(),
        ),
        Ok(None) => not_found(ctx),
        Err(error) => unavailable(ctx, AppError::from(error).status),
    }
}

#[cfg(test)]
mod tests {
    use sigillo_domain::Lang;

    use super::*;

    fn form(kind: &str, note: &str, declared: bool) -> ApplicationForm {
        ApplicationForm {
            csrf: String::new(),
            kind: kind.into(),
            note: note.into(),
            declaration: declared.then(|| "on".to_owned()),
        }
    }

    #[test]
    fn italian_names_are_the_catalogue_labels_and_english_ones_exist() {
        for kind in ApplicationType::ALL {
            assert_eq!(type_label(Tr { lang: Lang::It }, kind), kind.label());
            assert_ne!(type_label(Tr { lang: Lang::En }, kind), "??");
        }
    }

    #[test]
    fn a_complete_form_becomes_the_receipt_fields() {
        let (kind, data) = check(Tr { lang: Lang::It }, &form("naspi", "  dal 1° marzo ", true)).unwrap();
        assert_eq!(kind, ApplicationType::Naspi);
        assert_eq!(data["Note"], "dal 1° marzo");
        assert_eq!(data["Canale"], "Portale web");
        let (_, data) = check(Tr { lang: Lang::It }, &form("domanda_pensione", "", true)).unwrap();
        assert!(data.get("Note").is_none());
    }

    #[test]
    fn each_missing_piece_is_named() {
        let errors = check(Tr { lang: Lang::En }, &form("vacanze", &"x".repeat(2001), false)).unwrap_err();
        let ids: Vec<_> = errors.iter().map(|e| e.id.as_str()).collect();
        assert_eq!(ids, ["type", "note", "declaration"]);
        assert!(check(Tr { lang: Lang::En }, &form("naspi", &"è".repeat(2000), true)).is_ok());
    }

    #[test]
    fn receipt_links_stay_on_the_path() {
        assert_eq!(receipt_href("INPS.2026.00000001"), "/area-riservata/domande/INPS.2026.00000001/ricevuta.pdf");
    }
}
