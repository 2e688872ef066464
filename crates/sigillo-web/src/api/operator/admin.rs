//! The administrator's API: audit search and chain check, parked messages, print batches, policy.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use sigillo_app::admin::AuditQuery;
use sigillo_app::audit_verify::Verdict;
use sigillo_app::backoffice::BackofficeError;
use sigillo_domain::audit::ChainBreak;
use time::OffsetDateTime;
use utoipa::ToSchema;
use uuid::Uuid;

use super::OperatorAuth;
use super::work::{ReasonBody, pdf_response};
use crate::api::extract::ApiJson;
use crate::error::{AppError, ErrorBody};
use crate::state::AppState;

#[derive(Serialize, ToSchema)]
pub struct AuditEntry {
    pub seq: i64,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub at: OffsetDateTime,
    /// `citizen`, `system` or `operator:<username>`.
    pub actor: String,
    pub event: String,
    pub fiscal_code: Option<String>,
    pub credential_id: Option<String>,
    pub client_ip: Option<String>,
    #[schema(value_type = Object)]
    pub details: std::collections::BTreeMap<String, String>,
    pub hash: String,
}

fn invalid(fields: sigillo_app::input::FieldErrors) -> AppError {
    BackofficeError::InvalidInput(fields).into()
}

#[utoipa::path(
    get, path = "/api/v1/operator/audit", tag = "operator",
    security(("bearer" = [])),
    params(
        ("fiscal_code" = Option<String>, Query), ("actor" = Option<String>, Query, description = "operator username, `citizen` or `system`"),
        ("event" = Option<String>, Query), ("from" = Option<String>, Query, description = "YYYY-MM-DD"),
        ("to" = Option<String>, Query, description = "YYYY-MM-DD, inclusive"), ("before" = Option<i64>, Query, description = "older than this seq"),
    ),
    responses(
        (status = 200, description = "Matching entries, newest first (at most 100)", body = Vec<AuditEntry>),
        (status = 403, description = "`forbidden`: administrators only", body = ErrorBody),
        (status = 422, description = "`invalid_input`", body = ErrorBody),
    )
)]
pub async fn audit(
    State(state): State<AppState>,
    OperatorAuth(operator): OperatorAuth,
    Query(query): Query<AuditQuery>,
) -> Result<Json<Vec<AuditEntry>>, AppError> {
    if !operator.may(sigillo_domain::operator::Permission::ReadAudit) {
        return Err(super::forbidden());
    }
    let filter = query.to_filter().map_err(invalid)?;
    let entries = state.sigillo.search_audit(&operator, &filter).await?;
    Ok(Json(
        entries
            .into_iter()
            .map(|e| AuditEntry {
                seq: e.seq,
                at: e.event.at,
                actor: e.event.actor.as_string(),
                event: e.event.event,
                fiscal_code: e.event.fiscal_code.map(|c| c.to_string()),
                credential_id: e.event.credential_id.map(|c| c.to_string()),
                client_ip: e.event.client_ip,
                details: e.event.details,
                hash: e.hash,
            })
            .collect(),
    ))
}

#[derive(Serialize, ToSchema)]
pub struct ChainVerdict {
    /// `intact` or `broken`.
    pub status: &'static str,
    pub entries: Option<u64>,
    /// The first entry that does not verify.
    pub broken_at: Option<i64>,
}

pub(crate) fn verdict_view(verdict: &Verdict) -> ChainVerdict {
    match verdict {
        Verdict::Intact { entries } => ChainVerdict { status: "intact", entries: Some(*entries), broken_at: None },
        Verdict::Broken(ChainBreak::Tampered { seq } | ChainBreak::Unlinked { seq }) => {
            ChainVerdict { status: "broken", entries: None, broken_at: Some(*seq) }
        }
    }
}

#[utoipa::path(
    post, path = "/api/v1/operator/audit/verification", tag = "operator",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The whole chain checked", body = ChainVerdict),
        (status = 403, description = "`forbidden`: administrators only", body = ErrorBody),
    )
)]
pub async fn verify(
    State(state): State<AppState>,
    OperatorAuth(operator): OperatorAuth,
) -> Result<Json<ChainVerdict>, AppError> {
    let verdict = state.sigillo.verify_audit_chain(&operator).await?;
    Ok(Json(verdict_view(&verdict)))
}

#[derive(Serialize, ToSchema)]
pub struct ParkedView {
    pub id: String,
    pub channel: &'static str,
    pub kind: &'static str,
    pub recipient: String,
    pub fiscal_code: String,
    pub attempts: u32,
    pub last_error: Option<String>,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: OffsetDateTime,
}

#[utoipa::path(
    get, path = "/api/v1/operator/outbox/parked", tag = "operator",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Messages the worker gave up on, oldest first (no secrets)", body = Vec<ParkedView>),
        (status = 403, description = "`forbidden`: administrators only", body = ErrorBody),
    )
)]
pub async fn parked(
    State(state): State<AppState>,
    OperatorAuth(operator): OperatorAuth,
) -> Result<Json<Vec<ParkedView>>, AppError> {
    let parked = state.sigillo.parked_messages(&operator).await?;
    Ok(Json(
        parked
            .into_iter()
            .map(|p| ParkedView {
                id: p.id.to_string(),
                channel: p.channel.as_str(),
                kind: p.kind.as_str(),
                recipient: p.recipient,
                fiscal_code: p.fiscal_code.to_string(),
                attempts: p.attempts,
                last_error: p.last_error,
                created_at: p.created_at,
            })
            .collect(),
    ))
}

fn message_id(id: &str) -> Result<Uuid, AppError> {
    Uuid::parse_str(id).map_err(|_| AppError::not_found())
}

#[utoipa::path(
    post, path = "/api/v1/operator/outbox/{id}/retry", tag = "operator",
    security(("bearer" = [])), params(("id" = String, Path)),
    responses(
        (status = 204, description = "Back in the queue"),
        (status = 403, description = "`forbidden`", body = ErrorBody),
        (status = 409, description = "`invalid_state`: not parked", body = ErrorBody),
    )
)]
pub async fn retry(
    State(state): State<AppState>,
    OperatorAuth(operator): OperatorAuth,
    Path(id): Path<String>,
) -> Result<StatusCode, AppError> {
    if !operator.may(sigillo_domain::operator::Permission::ManageOutbox) {
        return Err(super::forbidden());
    }
    state.sigillo.retry_parked(&operator, message_id(&id)?).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(
    post, path = "/api/v1/operator/outbox/{id}/discard", tag = "operator",
    security(("bearer" = [])), params(("id" = String, Path)), request_body = ReasonBody,
    responses(
        (status = 204, description = "Given up for good; its secrets wiped"),
        (status = 403, description = "`forbidden`", body = ErrorBody),
        (status = 409, description = "`invalid_state`: not parked", body = ErrorBody),
        (status = 422, description = "`invalid_input`: reason missing", body = ErrorBody),
    )
)]
pub async fn discard(
    State(state): State<AppState>,
    OperatorAuth(operator): OperatorAuth,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<ReasonBody>,
) -> Result<StatusCode, AppError> {
    if !operator.may(sigillo_domain::operator::Permission::ManageOutbox) {
        return Err(super::forbidden());
    }
    state.sigillo.discard_parked(&operator, message_id(&id)?, &body.reason).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Serialize, ToSchema)]
pub struct BatchView {
    pub batch: String,
    pub letters: u64,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub claimed_at: OffsetDateTime,
    /// Confirmed printed: the PDF can no longer be downloaded (its halves are wiped).
    pub confirmed: bool,
}

#[utoipa::path(
    get, path = "/api/v1/operator/print-batches", tag = "operator",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Print batches, newest first", body = Vec<BatchView>),
        (status = 403, description = "`forbidden`: administrators only", body = ErrorBody),
    )
)]
pub async fn batches(
    State(state): State<AppState>,
    OperatorAuth(operator): OperatorAuth,
) -> Result<Json<Vec<BatchView>>, AppError> {
    let batches = state.sigillo.print_batches(&operator).await?;
    Ok(Json(
        batches
            .into_iter()
            .map(|b| BatchView { batch: b.batch, letters: b.letters, claimed_at: b.claimed_at, confirmed: b.confirmed })
            .collect(),
    ))
}

#[derive(Serialize, ToSchema)]
pub struct BatchCreated {
    pub batch: String,
    pub letters: usize,
}

#[utoipa::path(
    post, path = "/api/v1/operator/print-batches", tag = "operator",
    security(("bearer" = [])),
    responses(
        (status = 201, description = "The letters waiting became a batch (at most 5,000)", body = BatchCreated),
        (status = 204, description = "No letter waiting"),
        (status = 403, description = "`forbidden`", body = ErrorBody),
    )
)]
pub async fn create_batch(
    State(state): State<AppState>,
    OperatorAuth(operator): OperatorAuth,
) -> Result<Response, AppError> {
    Ok(match state.sigillo.create_print_batch(&operator).await? {
        Some((batch, letters)) => (StatusCode::CREATED, Json(BatchCreated { batch, letters })).into_response(),
        None => StatusCode::NO_CONTENT.into_response(),
    })
}

#[utoipa::path(
    get, path = "/api/v1/operator/print-batches/{batch}/letters.pdf", tag = "operator",
    security(("bearer" = [])), params(("batch" = String, Path)),
    responses(
        (status = 200, description = "The batch's letters, one A4 page each", content_type = "application/pdf"),
        (status = 403, description = "`forbidden`", body = ErrorBody),
        (status = 404, description = "`not_found`: no such batch, or already confirmed", body = ErrorBody),
    )
)]
pub async fn batch_pdf(
    State(state): State<AppState>,
    OperatorAuth(operator): OperatorAuth,
    Path(batch): Path<String>,
) -> Result<Response, AppError> {
    match state.sigillo.print_batch_pdf(&operator, &batch).await? {
        Some(pdf) => Ok(pdf_response(StatusCode::OK, pdf, &format!("lettere-{batch}.pdf"))),
        None => Err(AppError::not_found()),
    }
}

#[utoipa::path(
    get, path = "/api/v1/operator/print-batches/{batch}/manifest.csv", tag = "operator",
    security(("bearer" = [])), params(("batch" = String, Path)),
    responses(
        (status = 200, description = "One line per letter, no halves", content_type = "text/csv"),
        (status = 404, description = "`not_found`", body = ErrorBody),
    )
)]
pub async fn batch_manifest(
    State(state): State<AppState>,
    OperatorAuth(operator): OperatorAuth,
    Path(batch): Path<String>,
) -> Result<Response, AppError> {
    match state.sigillo.print_batch_manifest(&operator, &batch).await? {
        Some(csv) => Ok((
            [
                (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
                (header::CONTENT_DISPOSITION, format!("attachment; filename=\"manifest-{batch}.csv\"")),
            ],
            csv,
        )
            .into_response()),
        None => Err(AppError::not_found()),
    }
}

#[utoipa::path(
    post, path = "/api/v1/operator/print-batches/{batch}/confirmation", tag = "operator",
    security(("bearer" = [])), params(("batch" = String, Path)),
    responses(
        (status = 204, description = "Confirmed printed: the letters' halves are wiped"),
        (status = 409, description = "`invalid_state`: no such batch", body = ErrorBody),
    )
)]
pub async fn confirm_batch(
    State(state): State<AppState>,
    OperatorAuth(operator): OperatorAuth,
    Path(batch): Path<String>,
) -> Result<StatusCode, AppError> {
    state.sigillo.confirm_print_batch(&operator, &batch).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Serialize, ToSchema)]
pub struct PolicyView {
    pub label: &'static str,
    pub value: String,
    pub source: &'static str,
}

#[utoipa::path(
    get, path = "/api/v1/operator/policy", tag = "operator",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The policy in force", body = Vec<PolicyView>),
        (status = 403, description = "`forbidden`", body = ErrorBody),
    )
)]
pub async fn policy(
    State(state): State<AppState>,
    OperatorAuth(operator): OperatorAuth,
) -> Result<Json<Vec<PolicyView>>, AppError> {
    let items = state.sigillo.policy(&operator)?;
    Ok(Json(items.into_iter().map(|i| PolicyView { label: i.label, value: i.value, source: i.source }).collect()))
}

/// A relying service (OpenID Connect client) as an administrator sees it; never its secret.
#[derive(Serialize, ToSchema)]
pub struct ClientView {
    pub client_id: String,
    pub name: String,
    /// A public client has no secret and uses PKCE only.
    pub public: bool,
    pub redirect_uris: Vec<String>,
    pub post_logout_redirect_uris: Vec<String>,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub removed_at: Option<OffsetDateTime>,
}

#[utoipa::path(
    get, path = "/api/v1/operator/clients", tag = "operator",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Relying services registered for OpenID Connect, by name", body = Vec<ClientView>),
        (status = 403, description = "`forbidden`: administrators only", body = ErrorBody),
    )
)]
pub async fn clients(
    State(state): State<AppState>,
    OperatorAuth(operator): OperatorAuth,
) -> Result<Json<Vec<ClientView>>, AppError> {
    let clients = state.sigillo.oidc_clients(&operator).await?;
    Ok(Json(
        clients
            .into_iter()
            .map(|c| ClientView {
                client_id: c.client_id,
                name: c.name,
                public: c.public,
                redirect_uris: c.redirect_uris,
                post_logout_redirect_uris: c.post_logout_redirect_uris,
                created_at: c.created_at,
                removed_at: c.removed_at,
            })
            .collect(),
    ))
}

#[utoipa::path(
    delete, path = "/api/v1/operator/clients/{client_id}", tag = "operator",
    security(("bearer" = [])), params(("client_id" = String, Path)),
    responses(
        (status = 204, description = "Removed: its logins stop and every token it holds is revoked"),
        (status = 403, description = "`forbidden`: administrators only", body = ErrorBody),
        (status = 404, description = "`not_found`: no such service, or already removed", body = ErrorBody),
    )
)]
pub async fn remove_client(
    State(state): State<AppState>,
    OperatorAuth(operator): OperatorAuth,
    Path(client_id): Path<String>,
) -> Result<StatusCode, AppError> {
    match state.sigillo.remove_oidc_client(&operator, &client_id).await {
        Ok(()) => Ok(StatusCode::NO_CONTENT),
        Err(BackofficeError::NoCredential) => Err(AppError::not_found()),
        Err(e) => Err(e.into()),
    }
}
