//! `/api/v1/me/contacts`: the citizen's contacts, and their verification with a one-time code.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use sigillo_app::contacts::ContactView;
use sigillo_domain::contact::ContactKind;
use utoipa::ToSchema;
use uuid::Uuid;

use super::extract::{ApiJson, ClientIp, Ready};
use crate::error::{AppError, ErrorBody};
use crate::state::AppState;

#[derive(Serialize, ToSchema)]
pub struct ContactBody {
    /// Absent for the registry's contacts, which cannot be removed online.
    pub id: Option<String>,
    /// `mobile`, `landline`, `email` or `pec`.
    pub kind: &'static str,
    pub value: String,
    /// Registry contacts count as verified; the citizen's own once their code was entered.
    pub verified: bool,
    /// `registry` or `citizen`.
    pub source: &'static str,
}

impl From<ContactView> for ContactBody {
    fn from(c: ContactView) -> Self {
        ContactBody {
            id: c.id.map(|id| id.to_string()),
            kind: c.kind.as_str(),
            value: c.value,
            verified: c.verified,
            source: if c.from_registry { "registry" } else { "citizen" },
        }
    }
}

#[utoipa::path(
    get, path = "/api/v1/me/contacts", tag = "contacts", security(("bearer" = [])),
    responses((status = 200, body = [ContactBody]), (status = 401, body = ErrorBody), (status = 403, description = "`pin_change_required`", body = ErrorBody))
)]
pub async fn list(State(state): State<AppState>, Ready(citizen): Ready) -> Result<Json<Vec<ContactBody>>, AppError> {
    let contacts = state.sigillo.contacts(&citizen.credential.fiscal_code).await?;
    Ok(Json(contacts.into_iter().map(ContactBody::from).collect()))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewContact {
    /// `mobile`, `landline`, `email` or `pec`.
    pub kind: String,
    pub value: String,
}

#[utoipa::path(
    post, path = "/api/v1/me/contacts", tag = "contacts", security(("bearer" = [])),
    request_body = NewContact,
    responses(
        (status = 201, description = "Added, unverified; a `contact_verification` code was sent to it", body = ContactBody),
        (status = 401, body = ErrorBody),
        (status = 409, description = "`contact_exists` or `too_many_contacts`", body = ErrorBody),
        (status = 422, description = "`invalid_input`", body = ErrorBody),
    )
)]
pub async fn add(
    State(state): State<AppState>,
    client: ClientIp,
    Ready(citizen): Ready,
    ApiJson(body): ApiJson<NewContact>,
) -> Result<(StatusCode, Json<ContactBody>), AppError> {
    let kind = ContactKind::parse(&body.kind).ok_or_else(|| {
        AppError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_input", "Tipo di recapito sconosciuto.")
            .field("kind", "Valori ammessi: mobile, landline, email, pec.")
    })?;
    let view = state.sigillo.add_contact(&citizen, kind, &body.value, client.as_deref()).await?;
    Ok((StatusCode::CREATED, Json(view.into())))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VerificationBody {
    /// The code sent to the contact.
    pub code: String,
}

#[utoipa::path(
    post, path = "/api/v1/me/contacts/{id}/verification", tag = "contacts", security(("bearer" = [])),
    params(("id" = String, Path)),
    request_body = VerificationBody,
    responses(
        (status = 204, description = "Verified"),
        (status = 400, description = "`invalid_or_expired`: wrong, expired or burned code", body = ErrorBody),
        (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody),
    )
)]
pub async fn verify(
    State(state): State<AppState>,
    client: ClientIp,
    Ready(citizen): Ready,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<VerificationBody>,
) -> Result<StatusCode, AppError> {
    let id = parse_id(&id)?;
    state.sigillo.verify_contact(&citizen, id, &body.code, client.as_deref()).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(
    post, path = "/api/v1/me/contacts/{id}/code", tag = "contacts", security(("bearer" = [])),
    params(("id" = String, Path)),
    responses((status = 202, description = "A new code was sent"), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody))
)]
pub async fn resend(
    State(state): State<AppState>,
    client: ClientIp,
    Ready(citizen): Ready,
    Path(id): Path<String>,
) -> Result<StatusCode, AppError> {
    let id = parse_id(&id)?;
    state.sigillo.resend_contact_code(&citizen, id, client.as_deref()).await?;
    Ok(StatusCode::ACCEPTED)
}

#[utoipa::path(
    delete, path = "/api/v1/me/contacts/{id}", tag = "contacts", security(("bearer" = [])),
    params(("id" = String, Path)),
    responses((status = 204, description = "Removed"), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody))
)]
pub async fn remove(
    State(state): State<AppState>,
    client: ClientIp,
    Ready(citizen): Ready,
    Path(id): Path<String>,
) -> Result<StatusCode, AppError> {
    let id = parse_id(&id)?;
    state.sigillo.remove_contact(&citizen, id, client.as_deref()).await?;
    Ok(StatusCode::NO_CONTENT)
}

fn parse_id(id: &str) -> Result<Uuid, AppError> {
    Uuid::parse_str(id).map_err(|_| AppError::not_found())
}
