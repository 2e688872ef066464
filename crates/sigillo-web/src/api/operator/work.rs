//! The desk's and the contact center's work over the API: a citizen's file, identity checks, the
//! sealed envelope, requests on a citizen's behalf, revocation, unlock, and the phone-check queue.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use sigillo_app::backoffice::{BackofficeError, CitizenFile, DocumentInput, PhoneCheck};
use sigillo_domain::operator::Permission;
use time::OffsetDateTime;
use utoipa::ToSchema;
use uuid::Uuid;

use super::{OperatorAuth, forbidden};
use crate::api::extract::ApiJson;
use crate::api::pin_requests::{PinRequestAccepted, PinRequestBody, accepted_response};
use crate::error::{AppError, ErrorBody};
use crate::state::AppState;

impl From<BackofficeError> for AppError {
    fn from(error: BackofficeError) -> Self {
        match error {
            BackofficeError::Forbidden => forbidden(),
            BackofficeError::InvalidInput(fields) => {
                let mut e = AppError::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "invalid_input",
                    "Alcuni dati non sono corretti: li controlli e riprovi.",
                );
                e.fields = fields;
                e
            }
            BackofficeError::NotInRegistry => AppError::new(
                StatusCode::NOT_FOUND,
                "not_in_registry",
                "Il codice fiscale non risulta negli archivi dell'Istituto.",
            ),
            BackofficeError::NoCredential => AppError::new(
                StatusCode::CONFLICT,
                "invalid_state",
                "Il PIN del cittadino non è in uno stato che consente questa operazione.",
            ),
            BackofficeError::IdentityNotChecked => AppError::new(
                StatusCode::CONFLICT,
                "identity_not_checked",
                "Prima di rilasciare il PIN registri il documento d'identità esibito dal cittadino.",
            ),
            BackofficeError::IssuanceClosed => AppError::new(
                StatusCode::GONE,
                "issuance_closed",
                "Il rilascio di nuovi PIN è terminato: il cittadino deve usare SPID, CIE o CNS.",
            ),
            BackofficeError::Request(e) => e.into(),
            BackofficeError::Store(e) => e.into(),
            BackofficeError::Hash(e) => e.into(),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct CredentialView {
    pub id: String,
    pub state: &'static str,
    pub level: &'static str,
    /// `first_access`, `definitive` or `legacy`.
    pub pin_kind: &'static str,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub pin_set_at: Option<OffsetDateTime>,
}

#[derive(Serialize, ToSchema)]
pub struct IdentityCheckView {
    pub kind: &'static str,
    pub number: String,
    pub issuer: String,
    #[schema(value_type = String, format = Date)]
    pub expiry: String,
    pub operator: String,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub checked_at: OffsetDateTime,
}

#[derive(Serialize, ToSchema)]
pub struct CitizenView {
    pub fiscal_code: String,
    pub family_name: String,
    pub given_name: String,
    #[schema(value_type = String, format = Date)]
    pub birth_date: String,
    pub sex: &'static str,
    pub birth_place: String,
    pub residence: String,
    pub health_card_number: String,
    pub contribution_weeks: u32,
    pub mobile: Option<String>,
    pub email: Option<String>,
    /// The live credential, or else the most recent one; none if the citizen never had a PIN.
    pub credential: Option<CredentialView>,
    /// Failed logins since the last success.
    pub failures_since_success: u32,
    pub identity_checks: Vec<IdentityCheckView>,
}

impl From<CitizenFile> for CitizenView {
    fn from(file: CitizenFile) -> Self {
        let p = file.person;
        CitizenView {
            fiscal_code: p.fiscal_code.to_string(),
            family_name: p.family_name,
            given_name: p.given_name,
            birth_date: p.birth_date.to_string(),
            sex: if p.sex == sigillo_domain::fiscal_code::Sex::M { "M" } else { "F" },
            birth_place: p.birth_place,
            residence: format!(
                "{}, {} {} ({}) {}",
                p.residence.address,
                p.residence.postal_code,
                p.residence.municipality,
                p.residence.province,
                p.residence.country
            ),
            health_card_number: p.health_card.number,
            contribution_weeks: p.contribution_weeks,
            mobile: p.mobile.map(|m| m.to_string()),
            email: p.email.map(|e| e.to_string()),
            credential: file.credential.map(|c| CredentialView {
                id: c.id.to_string(),
                state: c.state.as_str(),
                level: c.level.as_str(),
                pin_kind: c.pin_kind.as_str(),
                created_at: c.created_at,
                pin_set_at: c.pin_set_at,
            }),
            failures_since_success: file.attempts.failures_since_success,
            identity_checks: file
                .identity_checks
                .into_iter()
                .map(|c| IdentityCheckView {
                    kind: c.kind.as_str(),
                    number: c.number,
                    issuer: c.issuer,
                    expiry: c.expiry.to_string(),
                    operator: c.operator,
                    checked_at: c.checked_at,
                })
                .collect(),
        }
    }
}

#[utoipa::path(
    get, path = "/api/v1/operator/citizens/{fiscal_code}", tag = "operator",
    security(("bearer" = [])),
    params(("fiscal_code" = String, Path)),
    responses(
        (status = 200, description = "The citizen's registry data, PIN state and identity checks (the lookup is audited)", body = CitizenView),
        (status = 401, description = "`unauthenticated`", body = ErrorBody),
        (status = 403, description = "`forbidden`: desk and contact center only", body = ErrorBody),
        (status = 404, description = "`not_in_registry`", body = ErrorBody),
        (status = 422, description = "`invalid_input`: malformed fiscal code", body = ErrorBody),
    )
)]
pub async fn citizen(
    State(state): State<AppState>,
    OperatorAuth(operator): OperatorAuth,
    Path(code): Path<String>,
) -> Result<Json<CitizenView>, AppError> {
    Ok(Json(state.sigillo.find_citizen(&operator, &code).await?.into()))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IdentityCheckBody {
    /// `electronic_identity_card`, `identity_card`, `passport` or `driving_licence`.
    pub document_kind: String,
    pub document_number: String,
    pub document_issuer: String,
    #[schema(format = Date)]
    pub document_expiry: String,
}

#[utoipa::path(
    post, path = "/api/v1/operator/citizens/{fiscal_code}/identity-checks", tag = "operator",
    security(("bearer" = [])),
    params(("fiscal_code" = String, Path)),
    request_body = IdentityCheckBody,
    responses(
        (status = 201, description = "Document recorded", body = IdentityCheckView),
        (status = 403, description = "`forbidden`: desk only", body = ErrorBody),
        (status = 404, description = "`not_in_registry`", body = ErrorBody),
        (status = 422, description = "`invalid_input` per field (e.g. an expired document)", body = ErrorBody),
    )
)]
pub async fn identity_check(
    State(state): State<AppState>,
    OperatorAuth(operator): OperatorAuth,
    Path(code): Path<String>,
    ApiJson(body): ApiJson<IdentityCheckBody>,
) -> Result<(StatusCode, Json<IdentityCheckView>), AppError> {
    let input = DocumentInput {
        document_kind: body.document_kind,
        document_number: body.document_number,
        document_issuer: body.document_issuer,
        document_expiry: body.document_expiry,
    };
    let c = state.sigillo.record_identity_check(&operator, &code, &input).await?;
    Ok((
        StatusCode::CREATED,
        Json(IdentityCheckView {
            kind: c.kind.as_str(),
            number: c.number,
            issuer: c.issuer,
            expiry: c.expiry.to_string(),
            operator: c.operator,
            checked_at: c.checked_at,
        }),
    ))
}

#[derive(Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct MailerBody {
    /// The office printed on the envelope.
    pub office: Option<String>,
}

#[utoipa::path(
    post, path = "/api/v1/operator/citizens/{fiscal_code}/pin-mailer", tag = "operator",
    security(("bearer" = [])),
    params(("fiscal_code" = String, Path)),
    request_body = MailerBody,
    responses(
        (status = 201, description = "A PIN dispositivo issued at once: the sealed envelope to print (PDF). The PIN appears nowhere else", content_type = "application/pdf"),
        (status = 403, description = "`forbidden`: desk only", body = ErrorBody),
        (status = 404, description = "`not_in_registry`", body = ErrorBody),
        (status = 409, description = "`identity_not_checked`: record the identity document first", body = ErrorBody),
        (status = 410, description = "`issuance_closed` (sunset)", body = ErrorBody),
    )
)]
pub async fn pin_mailer(
    State(state): State<AppState>,
    OperatorAuth(operator): OperatorAuth,
    Path(code): Path<String>,
    ApiJson(body): ApiJson<MailerBody>,
) -> Result<Response, AppError> {
    let pdf = state.sigillo.issue_at_desk(&operator, &code, body.office.as_deref().unwrap_or_default()).await?;
    Ok(pdf_response(StatusCode::CREATED, pdf, "busta-pin.pdf"))
}

pub(crate) fn pdf_response(status: StatusCode, pdf: Vec<u8>, filename: &str) -> Response {
    (
        status,
        [
            (header::CONTENT_TYPE, "application/pdf".to_owned()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{filename}\"")),
            // The envelope holds a PIN: no cache anywhere may keep it.
            (header::CACHE_CONTROL, "no-store".to_owned()),
        ],
        pdf,
    )
        .into_response()
}

#[utoipa::path(
    post, path = "/api/v1/operator/pin-requests", tag = "operator",
    security(("bearer" = [])),
    request_body = PinRequestBody,
    responses(
        (status = 201, description = "Request entered for the citizen (phone or desk); halves sent as for an online request", body = PinRequestAccepted),
        (status = 403, description = "`forbidden`", body = ErrorBody),
        (status = 404, description = "`not_in_registry`", body = ErrorBody),
        (status = 409, description = "`pin_already_assigned`", body = ErrorBody),
        (status = 422, description = "`invalid_input`", body = ErrorBody),
    )
)]
pub async fn request_pin(
    State(state): State<AppState>,
    OperatorAuth(operator): OperatorAuth,
    ApiJson(body): ApiJson<PinRequestBody>,
) -> Result<(StatusCode, Json<PinRequestAccepted>), AppError> {
    let accepted = state.sigillo.request_pin_for(&operator, &body.into()).await?;
    Ok(accepted_response(&accepted))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReasonBody {
    /// Why (at most 500 characters); kept with the credential and in the audit log.
    pub reason: String,
}

#[utoipa::path(
    post, path = "/api/v1/operator/citizens/{fiscal_code}/revocation", tag = "operator",
    security(("bearer" = [])),
    params(("fiscal_code" = String, Path)),
    request_body = ReasonBody,
    responses(
        (status = 204, description = "Revoked; the citizen may request a new PIN"),
        (status = 403, description = "`forbidden`", body = ErrorBody),
        (status = 409, description = "`invalid_state`: no live PIN", body = ErrorBody),
    )
)]
pub async fn revoke(
    State(state): State<AppState>,
    OperatorAuth(operator): OperatorAuth,
    Path(code): Path<String>,
    ApiJson(body): ApiJson<ReasonBody>,
) -> Result<StatusCode, AppError> {
    state.sigillo.revoke_for(&operator, &code, &body.reason).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Serialize, ToSchema)]
pub struct Unlocked {
    /// The state the credential is back in.
    pub state: &'static str,
}

#[utoipa::path(
    post, path = "/api/v1/operator/citizens/{fiscal_code}/unlock", tag = "operator",
    security(("bearer" = [])),
    params(("fiscal_code" = String, Path)),
    responses(
        (status = 200, description = "Unlocked; failure counters reset", body = Unlocked),
        (status = 403, description = "`forbidden`: desk only", body = ErrorBody),
        (status = 409, description = "`invalid_state`: not locked", body = ErrorBody),
    )
)]
pub async fn unlock(
    State(state): State<AppState>,
    OperatorAuth(operator): OperatorAuth,
    Path(code): Path<String>,
) -> Result<Json<Unlocked>, AppError> {
    let to = state.sigillo.unlock(&operator, &code).await?;
    Ok(Json(Unlocked { state: to.as_str() }))
}

#[derive(Serialize, ToSchema)]
pub struct PhoneCheckView {
    /// The request (credential) id.
    pub id: String,
    pub fiscal_code: String,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub requested_at: OffsetDateTime,
    /// Fields that differ from the registry, e.g. `residence`, `mobile`.
    pub mismatches: Vec<String>,
    /// What the citizen typed.
    #[schema(value_type = Object)]
    pub given: serde_json::Value,
    /// The registry's data, to compare.
    pub registry: Option<CitizenView>,
}

fn phone_check_view(check: PhoneCheck) -> PhoneCheckView {
    PhoneCheckView {
        id: check.credential.id.to_string(),
        fiscal_code: check.credential.fiscal_code.to_string(),
        requested_at: check.credential.created_at,
        mismatches: check.mismatches,
        given: check.given,
        registry: check.person.map(|person| {
            CitizenFile { person, credential: None, attempts: Default::default(), identity_checks: Vec::new() }.into()
        }),
    }
}

#[utoipa::path(
    get, path = "/api/v1/operator/phone-checks", tag = "operator",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Requests waiting for a phone check, oldest first (at most 100)", body = Vec<PhoneCheckView>),
        (status = 403, description = "`forbidden`: contact center only", body = ErrorBody),
    )
)]
pub async fn phone_checks(
    State(state): State<AppState>,
    OperatorAuth(operator): OperatorAuth,
) -> Result<Json<Vec<PhoneCheckView>>, AppError> {
    let queue = state.sigillo.phone_check_queue(&operator).await?;
    Ok(Json(queue.into_iter().map(phone_check_view).collect()))
}

#[derive(Serialize, ToSchema)]
pub struct PhoneCheckConfirmed {
    /// Always `issued`.
    pub status: &'static str,
    /// `sms` or `email`.
    pub first_half_channel: &'static str,
    /// Always `letter`.
    pub second_half_channel: &'static str,
}

fn parse_id(id: &str) -> Result<Uuid, AppError> {
    Uuid::parse_str(id).map_err(|_| AppError::not_found())
}

#[utoipa::path(
    post, path = "/api/v1/operator/phone-checks/{id}/confirm", tag = "operator",
    security(("bearer" = [])),
    params(("id" = String, Path)),
    responses(
        (status = 200, description = "Data confirmed by phone: PIN issued and sent", body = PhoneCheckConfirmed),
        (status = 403, description = "`forbidden`: contact center only", body = ErrorBody),
        (status = 404, description = "`not_found`", body = ErrorBody),
        (status = 409, description = "`invalid_state`: already confirmed or rejected", body = ErrorBody),
    )
)]
pub async fn confirm(
    State(state): State<AppState>,
    OperatorAuth(operator): OperatorAuth,
    Path(id): Path<String>,
) -> Result<Json<PhoneCheckConfirmed>, AppError> {
    if !operator.may(Permission::PhoneChecks) {
        return Err(forbidden());
    }
    let channel = state.sigillo.confirm_phone_check(&operator, parse_id(&id)?).await?;
    Ok(Json(PhoneCheckConfirmed {
        status: "issued",
        first_half_channel: channel.as_str(),
        second_half_channel: "letter",
    }))
}

#[utoipa::path(
    post, path = "/api/v1/operator/phone-checks/{id}/reject", tag = "operator",
    security(("bearer" = [])),
    params(("id" = String, Path)),
    request_body = ReasonBody,
    responses(
        (status = 204, description = "Request rejected with the reason"),
        (status = 403, description = "`forbidden`: contact center only", body = ErrorBody),
        (status = 409, description = "`invalid_state`: already confirmed or rejected", body = ErrorBody),
        (status = 422, description = "`invalid_input`: reason missing", body = ErrorBody),
    )
)]
pub async fn reject(
    State(state): State<AppState>,
    OperatorAuth(operator): OperatorAuth,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<ReasonBody>,
) -> Result<StatusCode, AppError> {
    if !operator.may(Permission::PhoneChecks) {
        return Err(forbidden());
    }
    state.sigillo.reject_phone_check(&operator, parse_id(&id)?, &body.reason).await?;
    Ok(StatusCode::NO_CONTENT)
}
