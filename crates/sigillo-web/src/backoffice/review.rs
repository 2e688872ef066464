//! The reviewers' pages: the queue of upgrade requests (oldest first), one request with the
//! uploaded documents beside the registry's data, approve, or reject with a reason the citizen
//! will read. Reviewers only; every other role gets 403.

use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use sigillo_app::upgrade::{ReviewError, place_name, residence_line};
use sigillo_domain::operator::Permission;
use sigillo_domain::registry::InsuredPerson;
use sigillo_domain::upgrade::{Slot, UpgradeStatus};
use time::OffsetDateTime;
use time::macros::format_description;
use uuid::Uuid;

use super::{Bo, BoShell, csrf_failed};
use crate::api::operator::review::document_response;
use crate::portal::form::{FieldError, error_of};
use crate::state::AppState;

const HERE: &str = "/operatore/revisione";

fn when(at: OffsetDateTime) -> String {
    at.format(format_description!("[day]/[month]/[year] [hour]:[minute] UTC")).unwrap_or_default()
}

/// The registry's data as rows (label, value).
fn registry_rows(person: &InsuredPerson) -> Vec<(&'static str, String)> {
    let date = |d: time::Date| d.format(format_description!("[day]/[month]/[year]")).unwrap_or_default();
    vec![
        ("Cognome", person.family_name.clone()),
        ("Nome", person.given_name.clone()),
        ("Sesso", person.sex.to_string()),
        ("Data di nascita", date(person.birth_date)),
        ("Luogo di nascita", place_name(&person.birth_place)),
        ("Residenza", residence_line(person)),
        (
            "Tessera sanitaria",
            format!("n. {} – scadenza {}", person.health_card.number, date(person.health_card.expiry)),
        ),
    ]
}

/// Pages with personal data and documents are never kept by the browser or a proxy.
fn no_store(mut response: Response) -> Response {
    response.headers_mut().insert(axum::http::header::CACHE_CONTROL, axum::http::HeaderValue::from_static("no-store"));
    response
}

fn review_error(bo: &Bo, error: ReviewError, back: &str) -> Response {
    let api: crate::error::AppError = error.into();
    bo.message(api.status, "Operazione non eseguita", &api.message, back)
}

struct QueueRow {
    id: String,
    fiscal_code: String,
    full_name: String,
    submitted: String,
}

#[derive(Template)]
#[template(path = "bo_review_queue.html")]
struct QueuePage {
    bo: BoShell,
    errors: Vec<FieldError>,
    rows: Vec<QueueRow>,
}

async fn queue_page(state: &AppState, bo: Bo, notice: Option<String>) -> Response {
    let op = match bo.require(Permission::ReviewUpgrades) {
        Ok(op) => op.clone(),
        Err(response) => return response,
    };
    match state.sigillo.upgrade_queue(&op).await {
        Ok(queue) => {
            let rows = queue
                .into_iter()
                .map(|item| QueueRow {
                    id: item.request.id.to_string(),
                    fiscal_code: item.request.fiscal_code.to_string(),
                    full_name: item
                        .person
                        .map_or_else(|| "–".to_owned(), |p| format!("{} {}", p.family_name, p.given_name)),
                    submitted: when(item.request.submitted_at),
                })
                .collect();
            let mut shell = bo.shell(HERE);
            shell.notice = notice;
            no_store(bo.page(&QueuePage { bo: shell, errors: Vec::new(), rows }))
        }
        Err(e) => review_error(&bo, e, "/operatore"),
    }
}

pub async fn queue(State(state): State<AppState>, bo: Bo) -> Response {
    queue_page(&state, bo, None).await
}

struct DocumentRow {
    slot: &'static str,
    label: &'static str,
    href: String,
    is_image: bool,
    description: String,
}

#[derive(Template)]
#[template(path = "bo_review.html")]
struct ReviewPage {
    bo: BoShell,
    errors: Vec<FieldError>,
    id: String,
    fiscal_code: String,
    full_name: String,
    submitted: String,
    /// `pending`, `approved` or `rejected`.
    status: &'static str,
    decision: Option<String>,
    level: &'static str,
    registry: Vec<(&'static str, String)>,
    documents: Vec<DocumentRow>,
    reason: String,
}

impl ReviewPage {
    fn error(&self, id: &str) -> Option<&str> {
        error_of(&self.errors, id)
    }
}

async fn review_page(
    state: &AppState,
    bo: Bo,
    id: &str,
    errors: Vec<FieldError>,
    reason: String,
    status: StatusCode,
) -> Response {
    let op = match bo.require(Permission::ReviewUpgrades) {
        Ok(op) => op.clone(),
        Err(response) => return response,
    };
    let Ok(uuid) = Uuid::parse_str(id) else { return review_error(&bo, ReviewError::NotFound, HERE) };
    let review = match state.sigillo.upgrade_review(&op, uuid).await {
        Ok(review) => review,
        Err(e) => return review_error(&bo, e, HERE),
    };
    let request = &review.request;
    let decision = match request.status {
        UpgradeStatus::Pending => None,
        UpgradeStatus::Approved => Some(format!(
            "Approvata il {} da {}.",
            request.decided_at.map(when).unwrap_or_default(),
            request.decided_by.as_deref().unwrap_or_default()
        )),
        UpgradeStatus::Rejected => Some(format!(
            "Respinta il {} da {}. Motivo: {}",
            request.decided_at.map(when).unwrap_or_default(),
            request.decided_by.as_deref().unwrap_or_default(),
            request.reason.as_deref().unwrap_or_default()
        )),
    };
    let page = ReviewPage {
        bo: bo.shell(HERE),
        errors,
        id: request.id.to_string(),
        fiscal_code: request.fiscal_code.to_string(),
        full_name: review
            .person
            .as_ref()
            .map_or_else(|| "–".to_owned(), |p| format!("{} {}", p.given_name, p.family_name)),
        submitted: when(request.submitted_at),
        status: request.status.as_str(),
        decision,
        level: review.credential.as_ref().map_or("nessun PIN attivo", |c| c.level.as_str()),
        registry: review.person.as_ref().map(registry_rows).unwrap_or_default(),
        documents: review
            .documents
            .iter()
            .map(|d| DocumentRow {
                slot: d.slot.as_str(),
                label: d.slot.label(),
                href: format!("{HERE}/{}/documenti/{}", request.id, d.slot),
                is_image: d.file_type.is_image(),
                description: format!("{}, {} KB", d.file_type.as_str().to_uppercase(), d.size.div_ceil(1024)),
            })
            .collect(),
        reason,
    };
    no_store(bo.page_with_status(status, &page))
}

pub async fn review(State(state): State<AppState>, bo: Bo, Path(id): Path<String>) -> Response {
    review_page(&state, bo, &id, Vec::new(), String::new(), StatusCode::OK).await
}

pub async fn document(State(state): State<AppState>, bo: Bo, Path((id, slot)): Path<(String, String)>) -> Response {
    let op = match bo.require(Permission::ReviewUpgrades) {
        Ok(op) => op.clone(),
        Err(response) => return response,
    };
    let (Ok(uuid), Some(slot)) = (Uuid::parse_str(&id), Slot::parse(&slot)) else {
        return review_error(&bo, ReviewError::NotFound, HERE);
    };
    match state.sigillo.upgrade_document(&op, uuid, slot, bo.ctx.client_ip.as_deref()).await {
        Ok(document) => document_response(uuid, document),
        Err(e) => review_error(&bo, e, HERE),
    }
}

#[derive(Deserialize)]
pub struct DecisionForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    reason: String,
}

pub async fn approve(
    State(state): State<AppState>,
    bo: Bo,
    Path(id): Path<String>,
    Form(form): Form<DecisionForm>,
) -> Response {
    decide(state, bo, id, form, false).await
}

pub async fn reject(
    State(state): State<AppState>,
    bo: Bo,
    Path(id): Path<String>,
    Form(form): Form<DecisionForm>,
) -> Response {
    decide(state, bo, id, form, true).await
}

async fn decide(state: AppState, bo: Bo, id: String, form: DecisionForm, rejecting: bool) -> Response {
    let op = match bo.require(Permission::ReviewUpgrades) {
        Ok(op) => op.clone(),
        Err(response) => return response,
    };
    if !bo.csrf_ok(&form.csrf) {
        return csrf_failed(&bo);
    }
    let Ok(uuid) = Uuid::parse_str(&id) else { return review_error(&bo, ReviewError::NotFound, HERE) };
    let client_ip = bo.ctx.client_ip.clone();
    let outcome = if rejecting {
        state.sigillo.reject_upgrade(&op, uuid, &form.reason, client_ip.as_deref()).await
    } else {
        state.sigillo.approve_upgrade(&op, uuid, client_ip.as_deref()).await
    };
    match outcome {
        Ok(decided) => {
            let notice = match decided.status {
                UpgradeStatus::Approved => {
                    format!(
                        "Richiesta di {} approvata: il PIN è ora dispositivo; il cittadino ne riceve notizia.",
                        decided.fiscal_code
                    )
                }
                _ => format!("Richiesta di {} respinta; il cittadino riceve il motivo.", decided.fiscal_code),
            };
            queue_page(&state, bo, Some(notice)).await
        }
        Err(ReviewError::InvalidReason) => {
            let errors = vec![FieldError {
                id: "reason".to_owned(),
                message: "Indicare il motivo del rifiuto (da 5 a 500 caratteri): il cittadino lo leggerà.".to_owned(),
            }];
            review_page(&state, bo, &id, errors, form.reason, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => review_error(&bo, e, &format!("{HERE}/{id}")),
    }
}
