//! Converti PIN for the citizen: the prefilled form, the upload of the signed form and the identity
//! document, and the requests' status.

use axum::Json;
use axum::extract::multipart::MultipartRejection;
use axum::extract::{Multipart, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use sigillo_domain::upgrade::UpgradeRequest;
use time::OffsetDateTime;
use utoipa::ToSchema;

use super::extract::{ClientIp, Ready};
use crate::error::{AppError, ErrorBody};
use crate::state::AppState;
use crate::upload;

#[utoipa::path(
    get, path = "/api/v1/me/upgrade-requests/form.pdf", tag = "upgrade", security(("bearer" = [])),
    responses(
        (status = 200, description = "The conversion form, prefilled with the citizen's registry data", content_type = "application/pdf"),
        (status = 401, body = ErrorBody),
        (status = 403, description = "`pin_change_required`", body = ErrorBody),
    )
)]
pub async fn form_pdf(State(state): State<AppState>, Ready(citizen): Ready) -> Result<Response, AppError> {
    let pdf = state.sigillo.upgrade_form_pdf(&citizen).await?;
    Ok(pdf_attachment(pdf, "modulo-pin-dispositivo.pdf"))
}

/// A PDF with personal data, as a download that no cache keeps.
pub fn pdf_attachment(pdf: Vec<u8>, filename: &str) -> Response {
    let mut response = (
        [
            (header::CONTENT_TYPE, "application/pdf".to_owned()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{filename}\"")),
        ],
        pdf,
    )
        .into_response();
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

#[derive(Serialize, ToSchema)]
pub struct UpgradeSubmitted {
    pub id: String,
    /// Always `pending`.
    pub status: &'static str,
}

/// The multipart body of `POST /me/upgrade-requests` (for the OpenAPI document).
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct UpgradeUpload {
    /// The signed form: PDF, JPEG or PNG, at most 5 MiB.
    #[schema(value_type = String, format = Binary)]
    pub signed_form: Vec<u8>,
    /// Front of the identity document: PDF, JPEG or PNG, at most 5 MiB.
    #[schema(value_type = String, format = Binary)]
    pub id_front: Vec<u8>,
    /// Back of the identity document: PDF, JPEG or PNG, at most 5 MiB.
    #[schema(value_type = String, format = Binary)]
    pub id_back: Vec<u8>,
}

#[utoipa::path(
    post, path = "/api/v1/me/upgrade-requests", tag = "upgrade", security(("bearer" = [])),
    request_body(content = UpgradeUpload, content_type = "multipart/form-data"),
    responses(
        (status = 202, description = "Accepted for review", body = UpgradeSubmitted),
        (status = 401, body = ErrorBody),
        (status = 403, description = "`pin_change_required`", body = ErrorBody),
        (status = 409, description = "`already_dispositivo` or `upgrade_pending`", body = ErrorBody),
        (status = 413, description = "`payload_too_large`: the body exceeds 15 MiB", body = ErrorBody),
        (status = 415, description = "`unsupported_media_type`: not multipart/form-data", body = ErrorBody),
        (status = 422, description = "`invalid_input`: `fields.<file>` says what is wrong with each file (missing, empty, over 5 MiB, not a PDF, JPEG or PNG by content)", body = ErrorBody),
    )
)]
pub async fn submit(
    State(state): State<AppState>,
    client: ClientIp,
    Ready(citizen): Ready,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<(StatusCode, Json<UpgradeSubmitted>), AppError> {
    let received = upload::read(multipart).await?;
    let request = state.sigillo.submit_upgrade(&citizen, received.files, client.as_deref()).await?;
    Ok((StatusCode::ACCEPTED, Json(UpgradeSubmitted { id: request.id.to_string(), status: request.status.as_str() })))
}

#[derive(Serialize, ToSchema)]
pub struct UpgradeRequestView {
    pub id: String,
    /// `pending`, `approved` or `rejected`.
    pub status: &'static str,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub submitted_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub decided_at: Option<OffsetDateTime>,
    /// Why it was rejected (only for `rejected`).
    pub reason: Option<String>,
}

impl From<UpgradeRequest> for UpgradeRequestView {
    fn from(r: UpgradeRequest) -> Self {
        UpgradeRequestView {
            id: r.id.to_string(),
            status: r.status.as_str(),
            submitted_at: r.submitted_at,
            decided_at: r.decided_at,
            reason: r.reason,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct UpgradeRequests {
    /// `ordinario` or `dispositivo`: the PIN's level now.
    pub level: &'static str,
    /// Newest first.
    pub requests: Vec<UpgradeRequestView>,
}

#[utoipa::path(
    get, path = "/api/v1/me/upgrade-requests", tag = "upgrade", security(("bearer" = [])),
    responses(
        (status = 200, body = UpgradeRequests),
        (status = 401, body = ErrorBody),
        (status = 403, description = "`pin_change_required`", body = ErrorBody),
    )
)]
pub async fn list(State(state): State<AppState>, Ready(citizen): Ready) -> Result<Json<UpgradeRequests>, AppError> {
    let requests = state.sigillo.upgrade_requests(&citizen).await?;
    Ok(Json(UpgradeRequests {
        level: citizen.credential.level.as_str(),
        requests: requests.into_iter().map(UpgradeRequestView::from).collect(),
    }))
}
