//! `POST /api/v1/pin-requests` (Richiedi PIN).

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use sigillo_app::pin_request::{Outcome, PinRequestInput, ResidenceInput};
use utoipa::ToSchema;

use super::extract::{ApiJson, ClientIp};
use crate::error::{AppError, ErrorBody};
use crate::state::AppState;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResidenceBody {
    /// ISO 3166 alpha-2 (`IT` for Italy).
    #[schema(example = "IT")]
    pub country: Option<String>,
    pub address: Option<String>,
    /// Required in Italy: 5 digits.
    pub postal_code: Option<String>,
    pub municipality: Option<String>,
    /// Required in Italy: two letters.
    pub province: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PinRequestBody {
    #[schema(example = "RSSMRA80A01H501U")]
    pub fiscal_code: Option<String>,
    pub family_name: Option<String>,
    pub given_name: Option<String>,
    /// `YYYY-MM-DD` or `DD/MM/YYYY`.
    pub birth_date: Option<String>,
    /// `M` or `F`.
    pub sex: Option<String>,
    /// Belfiore code of the municipality (or Z code of the foreign state) of birth.
    #[schema(example = "H501")]
    pub birth_place: Option<String>,
    pub residence: Option<ResidenceBody>,
    /// A mobile or a landline is required; the first half goes by SMS when there is a mobile.
    pub mobile: Option<String>,
    pub landline: Option<String>,
    pub email: Option<String>,
}

impl From<PinRequestBody> for PinRequestInput {
    fn from(b: PinRequestBody) -> Self {
        PinRequestInput {
            fiscal_code: b.fiscal_code,
            family_name: b.family_name,
            given_name: b.given_name,
            birth_date: b.birth_date,
            sex: b.sex,
            birth_place: b.birth_place,
            residence: b.residence.map(|r| ResidenceInput {
                country: r.country,
                address: r.address,
                postal_code: r.postal_code,
                municipality: r.municipality,
                province: r.province,
            }),
            mobile: b.mobile,
            landline: b.landline,
            email: b.email,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PinRequestAccepted {
    pub request_id: String,
    /// `issued`, or `awaiting_phone_check` when data differs from the registry.
    #[schema(example = "issued")]
    pub status: &'static str,
    /// `sms` or `email`.
    pub first_half_channel: &'static str,
    /// Always `letter`.
    pub second_half_channel: &'static str,
    /// "La Sua richiesta è stata presa in carico…"
    pub message: String,
}

#[utoipa::path(
    post, path = "/api/v1/pin-requests", tag = "pin",
    request_body = PinRequestBody,
    responses(
        (status = 201, description = "Request taken in charge", body = PinRequestAccepted),
        (status = 400, description = "`malformed_json`", body = ErrorBody),
        (status = 404, description = "`not_in_registry`", body = ErrorBody),
        (status = 403, description = "`not_eligible_online`: fewer than 52 weeks of contributions", body = ErrorBody),
        (status = 409, description = "`pin_already_assigned`", body = ErrorBody),
        (status = 410, description = "`issuance_closed` (sunset)", body = ErrorBody),
        (status = 413, description = "`payload_too_large`", body = ErrorBody),
        (status = 422, description = "`invalid_input`, with a reason per field", body = ErrorBody),
    )
)]
pub async fn create(
    State(state): State<AppState>,
    client: ClientIp,
    ApiJson(body): ApiJson<PinRequestBody>,
) -> Result<(StatusCode, Json<PinRequestAccepted>), AppError> {
    let accepted = state.sigillo.request_pin(&body.into(), client.as_deref()).await?;
    Ok(accepted_response(&accepted))
}

/// The 201 of an accepted request (online or entered by an operator).
pub(crate) fn accepted_response(accepted: &sigillo_app::pin_request::Accepted) -> (StatusCode, Json<PinRequestAccepted>) {
    let first = accepted.first_half_channel.as_str();
    let (status, message) = match accepted.outcome {
        Outcome::Issued => (
            "issued",
            format!(
                "La Sua richiesta è stata presa in carico. La prima parte del PIN Le è stata inviata {}; la seconda parte Le sarà spedita per posta all'indirizzo di residenza registrato presso l'Istituto.",
                if first == "sms" { "per SMS al numero di cellulare indicato" } else { "per e-mail all'indirizzo indicato" }
            ),
        ),
        Outcome::AwaitingPhoneCheck => (
            "awaiting_phone_check",
            "La Sua richiesta è stata presa in carico. Alcuni dati non corrispondono a quelli registrati presso l'Istituto: un operatore del contact center La chiamerà per verificarli, poi il PIN Le sarà inviato.".to_owned(),
        ),
    };
    (
        StatusCode::CREATED,
        Json(PinRequestAccepted {
            request_id: accepted.request_id.to_string(),
            status,
            first_half_channel: first,
            second_half_channel: "letter",
            message,
        }),
    )
}
