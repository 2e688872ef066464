//! Services of the reserved area: contributions (ordinario) and applications (dispositivo).

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::ToSchema;

use super::extract::{ApiJson, ClientIp, Ready};
use crate::error::{AppError, ErrorBody};
use crate::state::AppState;

#[derive(Serialize, ToSchema)]
pub struct ContributionLine {
    pub year: i32,
    pub weeks: u32,
    pub employer: String,
}

#[derive(Serialize, ToSchema)]
pub struct ContributionsBody {
    pub total_weeks: u32,
    pub years: Vec<ContributionLine>,
}

#[utoipa::path(
    get, path = "/api/v1/me/contributions", tag = "services", security(("bearer" = [])),
    responses(
        (status = 200, body = ContributionsBody),
        (status = 401, body = ErrorBody),
        (status = 403, description = "`pin_change_required`", body = ErrorBody),
    )
)]
pub async fn contributions(State(state): State<AppState>, Ready(citizen): Ready) -> Result<Json<ContributionsBody>, AppError> {
    let c = state.sigillo.contributions(&citizen).await?;
    Ok(Json(ContributionsBody {
        total_weeks: c.total_weeks,
        years: c.years.into_iter().map(|y| ContributionLine { year: y.year, weeks: y.weeks, employer: y.employer }).collect(),
    }))
}

#[utoipa::path(
    get, path = "/api/v1/me/contributions.pdf", tag = "services", security(("bearer" = [])),
    responses(
        (status = 200, description = "Contribution statement (estratto conto) as PDF", content_type = "application/pdf"),
        (status = 401, body = ErrorBody),
        (status = 403, description = "`pin_change_required`", body = ErrorBody),
    )
)]
pub async fn contributions_pdf(State(state): State<AppState>, Ready(citizen): Ready) -> Result<Response, AppError> {
    let pdf = state.sigillo.contributions_pdf(&citizen).await?;
    Ok(pdf_response(pdf, "estratto-conto.pdf"))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ApplicationBody {
    /// One of `naspi`, `assegno_sociale`, `maternita`, `congedo_parentale`, `assegni_familiari`,
    /// `riscatto_laurea`, `versamenti_volontari`, `domanda_pensione`.
    #[serde(rename = "type")]
    pub kind: String,
    /// The application's form: `{field: value}` with the fields `GET /api/v1/applications/catalogue`
    /// lists for the type (values as strings, or numbers for integers and amounts). Each refused
    /// field is named in the 422's `fields` with its reason. For example, `naspi`:
    /// `{"termination_date": "2026-11-02", "termination_reason": "licenziamento",
    /// "employer": "Acme S.p.A.", "iban": "IT60X0542811101000000123456"}`.
    #[schema(value_type = Object)]
    pub data: serde_json::Value,
}

#[derive(Serialize, ToSchema)]
pub struct ApplicationCreated {
    /// `INPS.<year>.<sequence>`, unique per year.
    #[schema(example = "INPS.2026.00000001")]
    pub protocol: String,
    pub receipt_url: String,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub submitted_at: OffsetDateTime,
}

#[utoipa::path(
    post, path = "/api/v1/me/applications", tag = "services", security(("bearer" = [])),
    request_body = ApplicationBody,
    responses(
        (status = 201, body = ApplicationCreated),
        (status = 401, body = ErrorBody),
        (status = 403, description = "`level_insufficient` (needs a PIN dispositivo) or `pin_change_required`", body = ErrorBody),
        (status = 422, description = "`invalid_input`: `fields` names each refused field of `data` (or `type`) with its reason", body = ErrorBody),
    )
)]
pub async fn submit_application(
    State(state): State<AppState>,
    client: ClientIp,
    Ready(citizen): Ready,
    ApiJson(body): ApiJson<ApplicationBody>,
) -> Result<(StatusCode, Json<ApplicationCreated>), AppError> {
    let application = state.sigillo.submit_application(&citizen, &body.kind, &body.data, client.as_deref()).await?;
    Ok((
        StatusCode::CREATED,
        Json(ApplicationCreated {
            receipt_url: format!("/api/v1/me/applications/{}/receipt.pdf", application.protocol),
            protocol: application.protocol,
            submitted_at: application.submitted_at,
        }),
    ))
}

#[utoipa::path(
    get, path = "/api/v1/me/applications/{protocol}/receipt.pdf", tag = "services", security(("bearer" = [])),
    params(("protocol" = String, Path, description = "Protocol number")),
    responses(
        (status = 200, description = "Receipt as PDF", content_type = "application/pdf"),
        (status = 401, body = ErrorBody),
        (status = 404, description = "`not_found`: no such application of this citizen", body = ErrorBody),
    )
)]
pub async fn receipt(
    State(state): State<AppState>,
    Ready(citizen): Ready,
    Path(protocol): Path<String>,
) -> Result<Response, AppError> {
    match state.sigillo.application_receipt(&citizen, &protocol).await? {
        Some(pdf) => Ok(pdf_response(pdf, &format!("ricevuta-{protocol}.pdf"))),
        None => Err(AppError::not_found()),
    }
}

pub(super) fn pdf_response(pdf: Vec<u8>, filename: &str) -> Response {
    let disposition = format!("attachment; filename=\"{}\"", filename.replace(['"', '\\', '/'], "_"));
    ([(header::CONTENT_TYPE, "application/pdf".to_owned()), (header::CONTENT_DISPOSITION, disposition)], pdf).into_response()
}
