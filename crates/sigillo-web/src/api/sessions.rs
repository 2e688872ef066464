//! `POST /api/v1/sessions` (login) and `DELETE /api/v1/sessions/current` (logout).

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::ToSchema;

use super::extract::{ApiJson, Authenticated, ClientIp};
use crate::error::{AppError, ErrorBody};
use crate::state::AppState;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginBody {
    #[schema(example = "RSSMRA80A01H501U")]
    pub fiscal_code: String,
    /// The 16-character first-access PIN (case, spaces and dashes ignored, `O` read as zero) or the
    /// 8-character definitive PIN (case ignored).
    pub pin: String,
}

#[derive(Serialize, ToSchema)]
pub struct SessionCreated {
    /// Bearer token for `Authorization: Bearer …`; shown once.
    pub token: String,
    /// While true, only `GET /me`, `PUT /me/pin` and logout are allowed.
    pub must_change_pin: bool,
    /// `ordinario` or `dispositivo`.
    pub level: &'static str,
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub pin_expires_at: Option<OffsetDateTime>,
}

#[utoipa::path(
    post, path = "/api/v1/sessions", tag = "sessions",
    request_body = LoginBody,
    responses(
        (status = 200, description = "Logged in", body = SessionCreated),
        (status = 401, description = "`invalid_credentials`: the same for an unknown fiscal code and a wrong PIN", body = ErrorBody),
        (status = 403, description = "`pin_annulled`: the right PIN of a credential annulled by the sunset", body = ErrorBody),
        (status = 422, description = "`invalid_input`: malformed fiscal code", body = ErrorBody),
        (status = 423, description = "`locked` after 100 failures", body = ErrorBody),
        (status = 429, description = "`throttled` after 5 failures in a row, with `Retry-After`", body = ErrorBody),
    )
)]
pub async fn create(
    State(state): State<AppState>,
    client: ClientIp,
    ApiJson(body): ApiJson<LoginBody>,
) -> Result<Json<SessionCreated>, AppError> {
    let logged_in = state.sigillo.login(&body.fiscal_code, &body.pin, client.as_deref()).await?;
    Ok(Json(SessionCreated {
        token: logged_in.token,
        must_change_pin: logged_in.must_change_pin,
        level: logged_in.level.as_str(),
        pin_expires_at: logged_in.pin_expires_at,
    }))
}

#[utoipa::path(
    delete, path = "/api/v1/sessions/current", tag = "sessions",
    security(("bearer" = [])),
    responses((status = 204, description = "Logged out"), (status = 401, description = "`unauthenticated`", body = ErrorBody))
)]
pub async fn delete_current(
    State(state): State<AppState>,
    client: ClientIp,
    Authenticated(citizen): Authenticated,
) -> Result<StatusCode, AppError> {
    state.sigillo.logout(&citizen, client.as_deref()).await?;
    Ok(StatusCode::NO_CONTENT)
}
