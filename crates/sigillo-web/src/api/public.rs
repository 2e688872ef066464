//! Public flows for citizens who cannot log in: recovery, revocation and fast activation.
//! Recovery and revocation answer the same whatever matched.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use sigillo_app::health_card::{ActivationInput, CardProof};
use utoipa::ToSchema;

use super::extract::{ApiJson, ClientIp};
use crate::error::{AppError, ErrorBody};
use crate::state::AppState;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RecoveryBody {
    pub fiscal_code: String,
    /// Two different contacts on file: mobile, landline or e-mail, as registered or verified.
    pub contacts: Vec<String>,
}

#[derive(Serialize, ToSchema)]
pub struct Accepted {
    pub message: String,
}

#[utoipa::path(
    post, path = "/api/v1/pin-recoveries", tag = "recovery",
    request_body = RecoveryBody,
    responses(
        (status = 202, description = "The same answer whatever matched; when the data matches, an e-mail with a link and a code is sent", body = Accepted),
        (status = 422, description = "`invalid_input`: malformed only", body = ErrorBody),
        (status = 429, description = "`throttled`: too many requests for this fiscal code or from this address", body = ErrorBody),
    )
)]
pub async fn request_recovery(
    State(state): State<AppState>,
    client: ClientIp,
    ApiJson(body): ApiJson<RecoveryBody>,
) -> Result<(StatusCode, Json<Accepted>), AppError> {
    state.sigillo.request_recovery(&body.fiscal_code, &body.contacts, client.as_deref()).await?;
    Ok((
        StatusCode::ACCEPTED,
        Json(Accepted {
            message: "Se i dati corrispondono a quelli registrati, riceverà a breve un'e-mail con un collegamento e un codice per ripristinare il PIN.".to_owned(),
        }),
    ))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RecoveryConfirmBody {
    /// The `token` of the e-mailed link.
    pub token: String,
    /// The code of the e-mail.
    pub code: String,
}

#[derive(Serialize, ToSchema)]
pub struct RecoveryDone {
    /// `new_pin_sent`
    pub status: &'static str,
    pub message: String,
}

#[utoipa::path(
    post, path = "/api/v1/pin-recoveries/confirm", tag = "recovery",
    request_body = RecoveryConfirmBody,
    responses(
        (status = 200, description = "A new first-access PIN was sent: first half by SMS, second by e-mail", body = RecoveryDone),
        (status = 400, description = "`invalid_or_expired`: wrong code, used, expired or burned link", body = ErrorBody),
    )
)]
pub async fn confirm_recovery(
    State(state): State<AppState>,
    client: ClientIp,
    ApiJson(body): ApiJson<RecoveryConfirmBody>,
) -> Result<Json<RecoveryDone>, AppError> {
    state.sigillo.confirm_recovery(&body.token, &body.code, client.as_deref()).await?;
    Ok(Json(RecoveryDone {
        status: "new_pin_sent",
        message: "Il nuovo PIN Le è stato inviato: la prima parte per SMS, la seconda per e-mail. Il PIN precedente non è più valido.".to_owned(),
    }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RevocationBody {
    pub fiscal_code: String,
    /// The 20 digits on the back of the health card.
    pub health_card_number: String,
    /// `YYYY-MM-DD` or `DD/MM/YYYY`.
    pub health_card_expiry: String,
}

#[utoipa::path(
    post, path = "/api/v1/pin-revocations", tag = "recovery",
    request_body = RevocationBody,
    responses(
        (status = 204, description = "The same answer whatever matched; when the data matches, the PIN is revoked and every session ends"),
        (status = 422, description = "`invalid_input`: malformed only", body = ErrorBody),
        (status = 429, description = "`throttled`", body = ErrorBody),
    )
)]
pub async fn revoke(
    State(state): State<AppState>,
    client: ClientIp,
    ApiJson(body): ApiJson<RevocationBody>,
) -> Result<StatusCode, AppError> {
    let mut fields = sigillo_app::input::FieldErrors::new();
    let proof = CardProof::parse(&body.fiscal_code, &body.health_card_number, &body.health_card_expiry, &mut fields);
    let Some(proof) = proof.filter(|_| fields.is_empty()) else {
        return Err(sigillo_app::health_card::HealthCardError::InvalidInput(fields).into());
    };
    state.sigillo.revoke_with_health_card(proof, client.as_deref()).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ActivationBody {
    pub fiscal_code: String,
    pub health_card_number: String,
    pub health_card_expiry: String,
    /// The first half received by SMS or e-mail.
    pub first_half: String,
    pub mobile: String,
    /// `sms`, `email` or `pec`.
    pub second_half_channel: String,
    /// Where to send the second half on that channel.
    pub contact: String,
}

#[derive(Serialize, ToSchema)]
pub struct ActivationDone {
    /// `second_half_sent`
    pub status: &'static str,
    pub channel: &'static str,
}

#[utoipa::path(
    post, path = "/api/v1/pin-activations", tag = "recovery",
    request_body = ActivationBody,
    responses(
        (status = 200, description = "The second half was sent over the chosen channel", body = ActivationDone),
        (status = 401, description = "`invalid_credentials`: some data did not match", body = ErrorBody),
        (status = 422, description = "`invalid_input`", body = ErrorBody),
        (status = 429, description = "`throttled`", body = ErrorBody),
    )
)]
pub async fn activate(
    State(state): State<AppState>,
    client: ClientIp,
    ApiJson(body): ApiJson<ActivationBody>,
) -> Result<Json<ActivationDone>, AppError> {
    let input = ActivationInput {
        fiscal_code: &body.fiscal_code,
        health_card_number: &body.health_card_number,
        health_card_expiry: &body.health_card_expiry,
        first_half: &body.first_half,
        mobile: &body.mobile,
        second_half_channel: &body.second_half_channel,
        contact: &body.contact,
    };
    let channel = state.sigillo.activate(&input, client.as_deref()).await?;
    Ok(Json(ActivationDone { status: "second_half_sent", channel: channel.as_str() }))
}
