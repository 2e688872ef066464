//! `/area-riservata/domande`: the citizen's applications with their receipts, and the catalogue of
//! applications, each linking to its own form (`application_form`). Applications need a PIN
//! dispositivo: an ordinary PIN gets the list (empty, as a rule) and how to upgrade, with the 403
//! of the API's `level_insufficient`.

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use sigillo_domain::application::ApplicationType;
use sigillo_domain::credential::Level;
use time::format_description::well_known::Rfc3339;

use super::{clock, no_store, not_found, ready_citizen, unavailable};
use crate::error::AppError;
use crate::portal::i18n::Tr;
use crate::portal::pages::login::urlencode;
use crate::portal::shell::{Ctx, Shell};
use crate::state::AppState;

pub(super) const HERE: &str = "/area-riservata/domande";

#[derive(Template)]
#[template(path = "area_applications.html")]
struct ApplicationsPage {
    shell: Shell,
    dispositivo: bool,
    /// The application just submitted: its protocol and receipt.
    submitted: Option<(String, String)>,
    rows: Vec<Row>,
    /// The catalogue: (form address, name in the page's language).
    types: Vec<(String, &'static str)>,
}

struct Row {
    protocol: String,
    label: &'static str,
    iso: String,
    date: String,
    receipt: String,
}

/// The application's name in the page's language (the Italian one is the catalogue's `label()`).
pub(super) fn type_label(tr: Tr, kind: ApplicationType) -> &'static str {
    tr.t(&format!("area_app_{}", kind.as_str()))
}

fn receipt_href(protocol: &str) -> String {
    format!("{HERE}/{}/ricevuta.pdf", urlencode(protocol))
}

/// The form of one application type.
pub(super) fn form_href(kind: ApplicationType) -> String {
    format!("{HERE}/nuova/{}", kind.as_str())
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
    let tr = ctx.shell.tr;
    let applications = match state.store.applications_of(&citizen.credential.fiscal_code).await {
        Ok(found) => found,
        Err(error) => return unavailable(ctx, AppError::from(error).status),
    };
    let dispositivo = citizen.credential.level >= Level::Dispositivo;
    // Only a protocol of this citizen's is echoed back.
    let submitted = q
        .protocollo
        .as_deref()
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
        rows,
        types: ApplicationType::ALL.into_iter().map(|t| (form_href(t), type_label(tr, t))).collect(),
    };
    // An ordinary PIN is refused the service, as the API does (403 `level_insufficient`).
    let status = if dispositivo { StatusCode::OK } else { StatusCode::FORBIDDEN };
    no_store(ctx.page_with_status(status, &page))
}

#[derive(Deserialize)]
pub struct ChooseForm {
    #[serde(default, rename = "type")]
    kind: String,
}

/// The form of an earlier version posted the type here: its form now has its own page.
pub async fn choose(ctx: Ctx, Form(form): Form<ChooseForm>) -> Response {
    match ApplicationType::parse(form.kind.trim()) {
        Some(kind) => ctx.redirect(&form_href(kind)),
        None => ctx.redirect(HERE),
    }
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

    #[test]
    fn italian_names_are_the_catalogue_labels_and_english_ones_exist() {
        for kind in ApplicationType::ALL {
            assert_eq!(type_label(Tr { lang: Lang::It }, kind), kind.label());
            assert_ne!(type_label(Tr { lang: Lang::En }, kind), "??");
        }
    }

    #[test]
    fn links_stay_on_the_path() {
        assert_eq!(receipt_href("INPS.2026.00000001"), "/area-riservata/domande/INPS.2026.00000001/ricevuta.pdf");
        assert_eq!(form_href(ApplicationType::Naspi), "/area-riservata/domande/nuova/naspi");
    }
}
