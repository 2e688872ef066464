//! The contact center's queue of requests waiting for a phone check: what the citizen typed beside
//! the registry's data, confirm or reject with a reason.

use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use sigillo_app::backoffice::{BackofficeError, PhoneCheck};
use sigillo_domain::operator::Permission;
use uuid::Uuid;

use super::{Bo, BoShell, csrf_failed, error_page};
use crate::portal::form::FieldError;
use crate::state::AppState;

const HERE: &str = "/operatore/verifiche-telefoniche";

struct Item {
    id: String,
    fiscal_code: String,
    full_name: String,
    requested_at: String,
    mismatches: String,
    /// (label, typed, registry)
    rows: Vec<(&'static str, String, String)>,
}

fn text(value: &serde_json::Value) -> String {
    value.as_str().unwrap_or("–").to_owned()
}

fn item(check: &PhoneCheck) -> Item {
    let g = &check.given;
    let person = check.person.as_ref();
    let registry =
        |f: &dyn Fn(&sigillo_domain::registry::InsuredPerson) -> String| person.map_or_else(|| "–".to_owned(), f);
    let typed_residence = format!(
        "{}, {} {} ({}) {}",
        text(&g["residence"]["address"]),
        text(&g["residence"]["postal_code"]),
        text(&g["residence"]["municipality"]),
        text(&g["residence"]["province"]),
        text(&g["residence"]["country"])
    );
    Item {
        id: check.credential.id.to_string(),
        fiscal_code: check.credential.fiscal_code.to_string(),
        full_name: format!("{} {}", text(&g["given_name"]), text(&g["family_name"])),
        requested_at: check.credential.created_at.date().to_string(),
        mismatches: check.mismatches.join(", "),
        rows: vec![
            (
                "Cognome e nome",
                format!("{} {}", text(&g["family_name"]), text(&g["given_name"])),
                registry(&|p| format!("{} {}", p.family_name, p.given_name)),
            ),
            (
                "Residenza",
                typed_residence,
                registry(&|p| {
                    format!(
                        "{}, {} {} ({}) {}",
                        p.residence.address,
                        p.residence.postal_code,
                        p.residence.municipality,
                        p.residence.province,
                        p.residence.country
                    )
                }),
            ),
            (
                "Cellulare",
                text(&g["mobile"]),
                registry(&|p| p.mobile.as_ref().map_or("–".to_owned(), ToString::to_string)),
            ),
            ("Telefono fisso", text(&g["landline"]), "–".to_owned()),
            ("E-mail", text(&g["email"]), registry(&|p| p.email.as_ref().map_or("–".to_owned(), ToString::to_string))),
        ],
    }
}

#[derive(Template)]
#[template(path = "bo_phone.html")]
struct QueuePage {
    bo: BoShell,
    errors: Vec<FieldError>,
    items: Vec<Item>,
}

async fn queue_page(
    state: &AppState,
    bo: Bo,
    notice: Option<String>,
    errors: Vec<FieldError>,
    status: StatusCode,
) -> Response {
    let op = match bo.require(Permission::PhoneChecks) {
        Ok(op) => op.clone(),
        Err(response) => return response,
    };
    match state.sigillo.phone_check_queue(&op).await {
        Ok(queue) => {
            let mut shell = bo.shell(HERE);
            shell.notice = notice;
            let page = QueuePage { bo: shell, errors, items: queue.iter().map(item).collect() };
            bo.page_with_status(status, &page)
        }
        Err(e) => error_page(&bo, e, "/operatore"),
    }
}

pub async fn queue(State(state): State<AppState>, bo: Bo) -> Response {
    queue_page(&state, bo, None, Vec::new(), StatusCode::OK).await
}

#[derive(Deserialize)]
pub struct DecisionForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    reason: String,
}

pub async fn confirm(
    State(state): State<AppState>,
    bo: Bo,
    Path(id): Path<String>,
    Form(form): Form<DecisionForm>,
) -> Response {
    let op = match bo.require(Permission::PhoneChecks) {
        Ok(op) => op.clone(),
        Err(response) => return response,
    };
    if !bo.csrf_ok(&form.csrf) {
        return csrf_failed(&bo);
    }
    let Ok(id) = Uuid::parse_str(&id) else { return error_page(&bo, BackofficeError::NoCredential, HERE) };
    match state.sigillo.confirm_phone_check(&op, id).await {
        Ok(channel) => {
            let notice = format!(
                "Richiesta confermata: PIN rilasciato; prima parte inviata per {}, seconda per lettera.",
                if channel.as_str() == "sms" { "SMS" } else { "e-mail" }
            );
            queue_page(&state, bo, Some(notice), Vec::new(), StatusCode::OK).await
        }
        Err(e) => error_page(&bo, e, HERE),
    }
}

pub async fn reject(
    State(state): State<AppState>,
    bo: Bo,
    Path(id): Path<String>,
    Form(form): Form<DecisionForm>,
) -> Response {
    let op = match bo.require(Permission::PhoneChecks) {
        Ok(op) => op.clone(),
        Err(response) => return response,
    };
    if !bo.csrf_ok(&form.csrf) {
        return csrf_failed(&bo);
    }
    let Ok(uuid) = Uuid::parse_str(&id) else { return error_page(&bo, BackofficeError::NoCredential, HERE) };
    match state.sigillo.reject_phone_check(&op, uuid, &form.reason).await {
        Ok(()) => queue_page(&state, bo, Some("Richiesta respinta.".to_owned()), Vec::new(), StatusCode::OK).await,
        Err(BackofficeError::InvalidInput(_)) => {
            let errors =
                vec![FieldError { id: format!("reason-{id}"), message: "Indicare il motivo del rifiuto.".into() }];
            queue_page(&state, bo, None, errors, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => error_page(&bo, e, HERE),
    }
}
