//! `/converti-pin`: both ways to a PIN dispositivo; for the logged-in citizen, the status of the
//! latest request and the upload of the signed form and the identity document (a multipart form
//! that works without JavaScript, with the form token in a hidden field). `/converti-pin/modulo.pdf`
//! is the prefilled form.

use askama::Template;
use axum::extract::multipart::MultipartRejection;
use axum::extract::{Multipart, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use sigillo_app::upgrade::UpgradeError;
use sigillo_domain::credential::Level;
use sigillo_domain::upgrade::{FileError, Slot, UpgradeRequest, UpgradeStatus};
use time::OffsetDateTime;
use time::macros::format_description;

use super::{no_store, ready_citizen, unavailable};
use crate::api::upgrade::pdf_attachment;
use crate::error::AppError;
use crate::portal::form::{FieldError, error_of};
use crate::portal::i18n::Tr;
use crate::portal::shell::{Ctx, Shell};
use crate::state::AppState;
use crate::upload::{self, UploadFailure};

const HERE: &str = "/converti-pin";

/// The latest request as the page shows it.
struct Status {
    /// `pending`, `approved` or `rejected` (for the alert's colour).
    kind: &'static str,
    text: String,
    reason: Option<String>,
}

#[derive(Template)]
#[template(path = "area_upgrade.html")]
struct UpgradePage {
    shell: Shell,
    /// The logged-in citizen's level: `Some(true)` for dispositivo; `None` when not logged in.
    dispositivo: Option<bool>,
    /// Logged in but the PIN must be changed first.
    change_first: bool,
    /// The upload form is offered (ordinario, no pending request).
    can_upload: bool,
    notice: Option<&'static str>,
    status: Option<Status>,
    errors: Vec<FieldError>,
    /// (field, label) of the three files.
    files: Vec<(&'static str, &'static str)>,
}

impl UpgradePage {
    fn error(&self, id: &str) -> Option<&str> {
        error_of(&self.errors, id)
    }
}

fn day(at: OffsetDateTime) -> String {
    at.format(format_description!("[day]/[month]/[year]")).unwrap_or_default()
}

/// The reserved area's one-line status of a request.
pub fn status_line(tr: Tr, request: &UpgradeRequest) -> String {
    let date = day(request.decided_at.unwrap_or(request.submitted_at));
    let key = match request.status {
        UpgradeStatus::Pending => "up_area_pending",
        UpgradeStatus::Approved => "up_area_approved",
        UpgradeStatus::Rejected => "up_area_rejected",
    };
    tr.t(key).replace("{date}", &date).replace("{reason}", request.reason.as_deref().unwrap_or_default())
}

fn status(tr: Tr, request: &UpgradeRequest) -> Status {
    let date = day(request.decided_at.unwrap_or(request.submitted_at));
    let key = match request.status {
        UpgradeStatus::Pending => "up_status_pending",
        UpgradeStatus::Approved => "up_status_approved",
        UpgradeStatus::Rejected => "up_status_rejected",
    };
    Status { kind: request.status.as_str(), text: tr.t(key).replace("{date}", &date), reason: request.reason.clone() }
}

fn file_error(tr: Tr, error: FileError) -> &'static str {
    tr.t(match error {
        FileError::Missing => "up_err_missing",
        FileError::Empty => "up_err_empty",
        FileError::TooLarge => "up_err_too_large",
        FileError::UnknownType => "up_err_unknown_type",
    })
}

/// A file's refusal with the file's name, so the summary says which file it is about.
fn named(tr: Tr, slot: Slot, error: FileError) -> String {
    let label = tr.t(match slot {
        Slot::SignedForm => "up_signed_form",
        Slot::IdFront => "up_id_front",
        Slot::IdBack => "up_id_back",
    });
    let message = file_error(tr, error);
    let mut chars = message.chars();
    let lowered: String = chars.next().map(|c| c.to_lowercase().chain(chars).collect()).unwrap_or_default();
    format!("{label}: {lowered}")
}

#[derive(Deserialize)]
pub struct Outcome {
    esito: Option<String>,
}

pub async fn page(State(state): State<AppState>, ctx: Ctx, Query(q): Query<Outcome>) -> Response {
    let notice = (q.esito.as_deref() == Some("inviata")).then_some("up_sent");
    render(&state, ctx, StatusCode::OK, notice, Vec::new()).await
}

async fn render(
    state: &AppState,
    ctx: Ctx,
    status_code: StatusCode,
    notice: Option<&'static str>,
    errors: Vec<FieldError>,
) -> Response {
    let tr = ctx.shell.tr;
    let citizen = ctx.citizen.clone();
    let latest = match citizen.as_ref().filter(|c| !c.must_change_pin) {
        Some(c) => match state.sigillo.upgrade_requests(c).await {
            Ok(requests) => requests.into_iter().next(),
            Err(error) => return unavailable(ctx, AppError::from(error).status),
        },
        None => None,
    };
    let dispositivo = citizen.as_ref().map(|c| c.credential.level >= Level::Dispositivo);
    let change_first = citizen.as_ref().is_some_and(|c| c.must_change_pin);
    let pending = latest.as_ref().is_some_and(|r| r.status == UpgradeStatus::Pending);
    let page = UpgradePage {
        shell: ctx.shell.clone(),
        dispositivo,
        change_first,
        can_upload: dispositivo == Some(false) && !change_first && !pending,
        notice: notice.map(|key| tr.t(key)),
        status: latest.as_ref().map(|r| status(tr, r)),
        errors,
        files: vec![
            (Slot::SignedForm.as_str(), tr.t("up_signed_form")),
            (Slot::IdFront.as_str(), tr.t("up_id_front")),
            (Slot::IdBack.as_str(), tr.t("up_id_back")),
        ],
    };
    let response = ctx.page_with_status(status_code, &page);
    if citizen.is_some() { no_store(response) } else { response }
}

/// The prefilled form, for the logged-in citizen's browser (the session cookie).
pub async fn form_pdf(State(state): State<AppState>, ctx: Ctx) -> Response {
    let (ctx, citizen) = match ready_citizen(ctx, HERE) {
        Ok(found) => found,
        Err(redirect) => return redirect,
    };
    match state.sigillo.upgrade_form_pdf(&citizen).await {
        Ok(pdf) => pdf_attachment(pdf, "modulo-pin-dispositivo.pdf"),
        Err(error) => unavailable(ctx, AppError::from(error).status),
    }
}

/// The upload: every refusal is shown beside its file input and in the summary.
pub async fn submit(
    State(state): State<AppState>,
    ctx: Ctx,
    multipart: Result<Multipart, MultipartRejection>,
) -> Response {
    let (ctx, citizen) = match ready_citizen(ctx, HERE) {
        Ok(found) => found,
        Err(redirect) => return redirect,
    };
    let tr = ctx.shell.tr;
    let summary = |key: &str| vec![FieldError { id: "upload".to_owned(), message: tr.t(key).to_owned() }];
    let received = match upload::read(multipart).await {
        Ok(received) => received,
        Err(failure) => {
            let (status, key) = match failure {
                UploadFailure::TooLarge => (StatusCode::PAYLOAD_TOO_LARGE, "up_err_body_too_large"),
                UploadFailure::NotMultipart | UploadFailure::Malformed => (StatusCode::BAD_REQUEST, "up_err_malformed"),
            };
            return render(&state, ctx, status, None, summary(key)).await;
        }
    };
    let csrf = received.text.get("csrf").map(String::as_str).unwrap_or_default();
    if !ctx.csrf_ok(csrf) {
        return render(&state, ctx, StatusCode::UNPROCESSABLE_ENTITY, None, summary("csrf_failed")).await;
    }
    match state.sigillo.submit_upgrade(&citizen, received.files, ctx.client_ip.as_deref()).await {
        Ok(_) => ctx.redirect(&format!("{HERE}?esito=inviata")),
        Err(UpgradeError::InvalidFiles(refused)) => {
            let errors = refused
                .into_iter()
                .map(|(slot, error)| FieldError { id: slot.as_str().to_owned(), message: named(tr, slot, error) })
                .collect();
            render(&state, ctx, StatusCode::UNPROCESSABLE_ENTITY, None, errors).await
        }
        Err(UpgradeError::AlreadyPending) => {
            render(&state, ctx, StatusCode::CONFLICT, None, summary("up_err_pending")).await
        }
        Err(UpgradeError::AlreadyDispositivo) => {
            render(&state, ctx, StatusCode::CONFLICT, None, summary("up_err_already")).await
        }
        Err(error) => unavailable(ctx, AppError::from(error).status).into_response(),
    }
}
