//! The logged-in citizen's own PIN: `GET /me`, `PUT /me/pin`, `DELETE /me/pin`.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::ToSchema;

use super::extract::{ApiJson, Authenticated, ClientIp, Ready};
use crate::error::{AppError, ErrorBody};
use crate::state::AppState;

#[derive(Serialize, ToSchema)]
pub struct Contact {
    /// `mobile`, `landline`, `email` or `pec`.
    pub kind: &'static str,
    pub value: String,
    /// Contacts on the registry count as verified.
    pub verified: bool,
}

#[derive(Serialize, ToSchema)]
pub struct Me {
    pub fiscal_code: String,
    pub given_name: String,
    pub family_name: String,
    /// `ordinario` or `dispositivo`.
    pub level: &'static str,
    /// Credential state, e.g. `issued` (first access due), `active`, `expired` (change due).
    pub state: &'static str,
    pub must_change_pin: bool,
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub pin_expires_at: Option<OffsetDateTime>,
    pub contacts: Vec<Contact>,
}

#[utoipa::path(
    get, path = "/api/v1/me", tag = "me", security(("bearer" = [])),
    responses((status = 200, body = Me), (status = 401, description = "`unauthenticated`", body = ErrorBody))
)]
pub async fn get(State(state): State<AppState>, Authenticated(citizen): Authenticated) -> Result<Json<Me>, AppError> {
    let person = state.sigillo.person_of(&citizen).await?;
    let settings = &state.sigillo.settings;
    let credential = &citizen.credential;
    let contacts = state
        .sigillo
        .contacts(&credential.fiscal_code)
        .await?
        .into_iter()
        .map(|c| Contact { kind: c.kind.as_str(), value: c.value, verified: c.verified })
        .collect();
    Ok(Json(Me {
        fiscal_code: credential.fiscal_code.to_string(),
        given_name: person.as_ref().map(|p| p.given_name.clone()).unwrap_or_default(),
        family_name: person.as_ref().map(|p| p.family_name.clone()).unwrap_or_default(),
        level: credential.level.as_str(),
        state: credential.state.as_str(),
        must_change_pin: citizen.must_change_pin,
        pin_expires_at: credential.pin_expires_at(settings.first_access_ttl, settings.pin_max_age),
        contacts,
    }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChangePinBody {
    /// The PIN in use: the 16-character first-access PIN at first access.
    pub current_pin: String,
    /// Exactly 8 letters and digits (case ignored); not one of the last 5; no part of the fiscal
    /// code, name or birth date; not a common PIN.
    pub new_pin: String,
}

#[utoipa::path(
    put, path = "/api/v1/me/pin", tag = "me", security(("bearer" = [])),
    request_body = ChangePinBody,
    responses(
        (status = 204, description = "PIN changed; at first access the credential is now active"),
        (status = 401, description = "`unauthenticated`, or `invalid_credentials` with `fields.current_pin`", body = ErrorBody),
        (status = 422, description = "`pin_policy`: `fields.new_pin` says why", body = ErrorBody),
        (status = 423, description = "`locked`", body = ErrorBody),
        (status = 429, description = "`throttled`", body = ErrorBody),
    )
)]
pub async fn change_pin(
    State(state): State<AppState>,
    client: ClientIp,
    Authenticated(citizen): Authenticated,
    ApiJson(body): ApiJson<ChangePinBody>,
) -> Result<StatusCode, AppError> {
    state.sigillo.change_pin(&citizen, &body.current_pin, &body.new_pin, client.as_deref()).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(
    delete, path = "/api/v1/me/pin", tag = "me", security(("bearer" = [])),
    responses(
        (status = 204, description = "PIN revoked; every session ended"),
        (status = 401, body = ErrorBody),
        (status = 403, description = "`pin_change_required`", body = ErrorBody),
    )
)]
pub async fn revoke_pin(
    State(state): State<AppState>,
    client: ClientIp,
    Ready(citizen): Ready,
) -> Result<StatusCode, AppError> {
    state.sigillo.revoke_own(&citizen, client.as_deref()).await?;
    Ok(StatusCode::NO_CONTENT)
}
