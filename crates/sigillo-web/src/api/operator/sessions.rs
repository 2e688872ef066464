//! Operator login: `POST /operator/sessions` (password, and the TOTP code if already known), then
//! `POST /operator/sessions/current/totp` with the pending token when the code was not sent or
//! the second factor is being enrolled; `DELETE /operator/sessions/current`; `GET /operator/me`.

use axum::Json;
use axum::extract::{FromRequestParts, State};
use axum::http::StatusCode;
use axum::http::request::Parts;
use serde::{Deserialize, Serialize};
use sigillo_app::operators::OperatorLoggedIn;
use time::OffsetDateTime;
use utoipa::ToSchema;

use super::{OperatorAuth, bearer, operator_unauthenticated};
use crate::api::extract::{ApiJson, ClientIp};
use crate::error::{AppError, ErrorBody};
use crate::state::AppState;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OperatorLoginBody {
    pub username: String,
    pub password: String,
    /// The 6-digit code of the authenticator app, once enrolled. Without it the answer is a
    /// pending token for `POST /operator/sessions/current/totp`.
    pub totp: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct OperatorSessionCreated {
    /// Bearer token. With `second_factor` `done` it opens the back-office; otherwise it opens only
    /// `POST /api/v1/operator/sessions/current/totp` (for 10 minutes).
    pub token: String,
    /// `done`, `required` (send the code) or `enrolment_required` (first login: enrol the secret
    /// below in an authenticator app, then send a code it shows).
    pub second_factor: &'static str,
    pub username: String,
    /// `desk`, `contact_center`, `reviewer` or `admin`.
    pub role: &'static str,
    /// Base-32 TOTP secret (SHA-1, 6 digits, 30 s), only at enrolment.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub totp_secret: Option<String>,
    /// `otpauth://totp/…` URI of the same secret, only at enrolment.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub otpauth_uri: Option<String>,
    #[serde(with = "time::serde::rfc3339::option", skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub expires_at: Option<OffsetDateTime>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TotpBody {
    /// The 6-digit code (spaces ignored).
    pub code: String,
}

fn logged_in(done: OperatorLoggedIn) -> OperatorSessionCreated {
    OperatorSessionCreated {
        token: done.token,
        second_factor: "done",
        username: done.operator.username,
        role: done.operator.role.as_str(),
        totp_secret: None,
        otpauth_uri: None,
        expires_at: Some(done.session.expires_at),
    }
}

#[utoipa::path(
    post, path = "/api/v1/operator/sessions", tag = "operator",
    request_body = OperatorLoginBody,
    responses(
        (status = 200, description = "Password accepted; `second_factor` says what is left", body = OperatorSessionCreated),
        (status = 401, description = "`invalid_credentials`: the same for an unknown username, a wrong password or code, a disabled operator", body = ErrorBody),
        (status = 429, description = "`throttled`: too many attempts for this username, with `Retry-After`", body = ErrorBody),
    )
)]
pub async fn create(
    State(state): State<AppState>,
    client: ClientIp,
    ApiJson(body): ApiJson<OperatorLoginBody>,
) -> Result<Json<OperatorSessionCreated>, AppError> {
    let accepted = state.sigillo.operator_password(&body.username, &body.password, client.as_deref()).await?;
    if accepted.enrolment.is_none()
        && let Some(code) = body.totp.as_deref()
    {
        let done = state.sigillo.operator_second_factor(&accepted.token, code, client.as_deref()).await?;
        return Ok(Json(logged_in(done)));
    }
    let enrolling = accepted.enrolment.is_some();
    Ok(Json(OperatorSessionCreated {
        token: accepted.token,
        second_factor: if enrolling { "enrolment_required" } else { "required" },
        username: accepted.operator.username,
        role: accepted.operator.role.as_str(),
        totp_secret: accepted.enrolment.as_ref().map(|e| e.secret.clone()),
        otpauth_uri: accepted.enrolment.map(|e| e.uri),
        expires_at: None,
    }))
}

/// The pending token of a password-only session.
pub struct PendingToken(pub String);

impl FromRequestParts<AppState> for PendingToken {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _: &AppState) -> Result<Self, AppError> {
        bearer(parts).map(|t| PendingToken(t.to_owned())).ok_or_else(operator_unauthenticated)
    }
}

#[utoipa::path(
    post, path = "/api/v1/operator/sessions/current/totp", tag = "operator",
    security(("bearer" = [])),
    request_body = TotpBody,
    responses(
        (status = 200, description = "Second factor given (and enrolled at the first login): a new token opens the back-office; the pending one is ended", body = OperatorSessionCreated),
        (status = 401, description = "`invalid_credentials`: wrong or reused code, or no pending session", body = ErrorBody),
        (status = 429, description = "`throttled`: too many attempts; log in again after `Retry-After`", body = ErrorBody),
    )
)]
pub async fn second_factor(
    State(state): State<AppState>,
    client: ClientIp,
    PendingToken(token): PendingToken,
    ApiJson(body): ApiJson<TotpBody>,
) -> Result<Json<OperatorSessionCreated>, AppError> {
    let done = state.sigillo.operator_second_factor(&token, &body.code, client.as_deref()).await?;
    Ok(Json(logged_in(done)))
}

#[utoipa::path(
    delete, path = "/api/v1/operator/sessions/current", tag = "operator",
    security(("bearer" = [])),
    responses((status = 204, description = "Logged out"), (status = 401, description = "`unauthenticated`", body = ErrorBody))
)]
pub async fn delete_current(
    State(state): State<AppState>,
    client: ClientIp,
    OperatorAuth(operator): OperatorAuth,
) -> Result<StatusCode, AppError> {
    state.sigillo.operator_logout(operator.session.id, &operator.operator.username, client.as_deref()).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Serialize, ToSchema)]
pub struct OperatorMe {
    pub username: String,
    pub role: &'static str,
    /// What this role may do (permission names).
    pub permissions: Vec<&'static str>,
}

pub(crate) fn permission_name(p: sigillo_domain::operator::Permission) -> &'static str {
    use sigillo_domain::operator::Permission::*;
    match p {
        FindCitizen => "find_citizen",
        RecordIdentityCheck => "record_identity_check",
        RequestPin => "request_pin",
        IssueDispositivo => "issue_dispositivo",
        Revoke => "revoke",
        Unlock => "unlock",
        PhoneChecks => "phone_checks",
        ReviewUpgrades => "review_upgrades",
        ReadAudit => "read_audit",
        ManageOutbox => "manage_outbox",
        PrintBatches => "print_batches",
        ReadPolicy => "read_policy",
        ManageClients => "manage_clients",
    }
}

#[utoipa::path(
    get, path = "/api/v1/operator/me", tag = "operator",
    security(("bearer" = [])),
    responses((status = 200, description = "The logged-in operator", body = OperatorMe), (status = 401, description = "`unauthenticated`", body = ErrorBody))
)]
pub async fn me(OperatorAuth(operator): OperatorAuth) -> Json<OperatorMe> {
    let role = operator.operator.role;
    Json(OperatorMe {
        username: operator.operator.username,
        role: role.as_str(),
        permissions: sigillo_domain::operator::Permission::ALL
            .into_iter()
            .filter(|p| role.may(*p))
            .map(permission_name)
            .collect(),
    })
}
