//! The reviewers' work over the API: the queue of upgrade requests, one request with the registry's
//! data and its documents, each document's content, approve, reject with a reason. Reviewers only:
//! every other role gets 403.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use sigillo_app::upgrade::{QueueItem, Review, place_name, residence_line};
use sigillo_domain::operator::Permission;
use sigillo_domain::registry::InsuredPerson;
use sigillo_domain::upgrade::{Document, Slot, UpgradeRequest};
use time::OffsetDateTime;
use utoipa::ToSchema;
use uuid::Uuid;

use sigillo_app::operators::OperatorContext;

use super::{OperatorAuth, forbidden};
use crate::api::extract::{ApiJson, ClientIp};
use crate::error::{AppError, ErrorBody};
use crate::state::AppState;

/// The registry's data a reviewer compares with the documents.
#[derive(Serialize, ToSchema)]
pub struct RegistryView {
    pub family_name: String,
    pub given_name: String,
    /// `M` or `F`.
    pub sex: String,
    /// `YYYY-MM-DD`.
    #[schema(format = Date)]
    pub birth_date: String,
    /// Belfiore code.
    pub birth_place: String,
    /// Municipality and province, or foreign state.
    pub birth_place_name: String,
    /// One line: address, postal code, municipality, province, country.
    pub residence: String,
    pub health_card_number: String,
    /// `YYYY-MM-DD`.
    #[schema(format = Date)]
    pub health_card_expiry: String,
}

impl From<&InsuredPerson> for RegistryView {
    fn from(p: &InsuredPerson) -> Self {
        RegistryView {
            family_name: p.family_name.clone(),
            given_name: p.given_name.clone(),
            sex: p.sex.to_string(),
            birth_date: p.birth_date.to_string(),
            birth_place: p.birth_place.clone(),
            birth_place_name: place_name(&p.birth_place),
            residence: residence_line(p),
            health_card_number: p.health_card.number.clone(),
            health_card_expiry: p.health_card.expiry.to_string(),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct ReviewRequestView {
    pub id: String,
    pub fiscal_code: String,
    /// `pending`, `approved` or `rejected`.
    pub status: &'static str,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub submitted_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub decided_at: Option<OffsetDateTime>,
    /// The reviewer's username.
    pub decided_by: Option<String>,
    pub reason: Option<String>,
}

impl From<&UpgradeRequest> for ReviewRequestView {
    fn from(r: &UpgradeRequest) -> Self {
        ReviewRequestView {
            id: r.id.to_string(),
            fiscal_code: r.fiscal_code.to_string(),
            status: r.status.as_str(),
            submitted_at: r.submitted_at,
            decided_at: r.decided_at,
            decided_by: r.decided_by.clone(),
            reason: r.reason.clone(),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct QueueItemView {
    pub request: ReviewRequestView,
    /// `null` if the person is no longer in the registry.
    pub registry: Option<RegistryView>,
    /// Where the request and its documents are.
    pub url: String,
}

impl From<QueueItem> for QueueItemView {
    fn from(item: QueueItem) -> Self {
        QueueItemView {
            url: format!("/api/v1/operator/upgrade-requests/{}", item.request.id),
            request: (&item.request).into(),
            registry: item.person.as_ref().map(RegistryView::from),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct DocumentView {
    /// `signed_form`, `id_front` or `id_back`.
    pub slot: &'static str,
    /// `pdf`, `jpeg` or `png`, recognised by content at upload.
    pub file_type: &'static str,
    pub content_type: &'static str,
    pub size: u64,
    pub url: String,
}

#[derive(Serialize, ToSchema)]
pub struct ReviewView {
    pub request: ReviewRequestView,
    pub registry: Option<RegistryView>,
    /// The citizen's live PIN level now (`null`: no live PIN).
    pub level: Option<&'static str>,
    pub documents: Vec<DocumentView>,
}

impl From<Review> for ReviewView {
    fn from(review: Review) -> Self {
        let id = review.request.id;
        ReviewView {
            request: (&review.request).into(),
            registry: review.person.as_ref().map(RegistryView::from),
            level: review.credential.as_ref().map(|c| c.level.as_str()),
            documents: review
                .documents
                .iter()
                .map(|d| DocumentView {
                    slot: d.slot.as_str(),
                    file_type: d.file_type.as_str(),
                    content_type: d.file_type.content_type(),
                    size: d.size,
                    url: format!("/api/v1/operator/upgrade-requests/{id}/documents/{}", d.slot),
                })
                .collect(),
        }
    }
}

/// 403 before anything else for every role but the reviewer's (the use cases check again).
fn reviewer(operator: &OperatorContext) -> Result<&OperatorContext, AppError> {
    if operator.may(Permission::ReviewUpgrades) { Ok(operator) } else { Err(forbidden()) }
}

fn parse_id(id: &str) -> Result<Uuid, AppError> {
    Uuid::parse_str(id).map_err(|_| AppError::not_found())
}

#[utoipa::path(
    get, path = "/api/v1/operator/upgrade-requests", tag = "operator", security(("bearer" = [])),
    responses(
        (status = 200, description = "Pending upgrade requests, oldest first, with the registry's data", body = Vec<QueueItemView>),
        (status = 401, body = ErrorBody),
        (status = 403, description = "`forbidden`: reviewers only", body = ErrorBody),
    )
)]
pub async fn queue(
    State(state): State<AppState>,
    OperatorAuth(operator): OperatorAuth,
) -> Result<Json<Vec<QueueItemView>>, AppError> {
    let operator = reviewer(&operator)?;
    let queue = state.sigillo.upgrade_queue(operator).await?;
    Ok(Json(queue.into_iter().map(QueueItemView::from).collect()))
}

#[utoipa::path(
    get, path = "/api/v1/operator/upgrade-requests/{id}", tag = "operator", security(("bearer" = [])),
    params(("id" = String, Path, description = "Request id")),
    responses(
        (status = 200, body = ReviewView),
        (status = 401, body = ErrorBody),
        (status = 403, description = "`forbidden`: reviewers only", body = ErrorBody),
        (status = 404, body = ErrorBody),
    )
)]
pub async fn get(
    State(state): State<AppState>,
    OperatorAuth(operator): OperatorAuth,
    Path(id): Path<String>,
) -> Result<Json<ReviewView>, AppError> {
    let operator = reviewer(&operator)?;
    let review = state.sigillo.upgrade_review(operator, parse_id(&id)?).await?;
    Ok(Json(review.into()))
}

/// A document as served to a reviewer: the sniffed type, never sniffed again by the browser;
/// images inline (to look at beside the data), PDFs as downloads; kept by no cache; and a
/// sandbox, should a browser ever render it as a page.
pub fn document_response(request: Uuid, document: Document) -> Response {
    let file_type = document.file_type;
    let name = format!("{}-{request}.{}", document.slot, file_type.extension());
    let disposition = if file_type.is_image() {
        format!("inline; filename=\"{name}\"")
    } else {
        format!("attachment; filename=\"{name}\"")
    };
    let mut response = document.bytes.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(file_type.content_type()));
    if let Ok(value) = HeaderValue::from_str(&disposition) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static("default-src 'none'; sandbox"));
    response
}

#[utoipa::path(
    get, path = "/api/v1/operator/upgrade-requests/{id}/documents/{slot}", tag = "operator", security(("bearer" = [])),
    params(
        ("id" = String, Path, description = "Request id"),
        ("slot" = String, Path, description = "`signed_form`, `id_front` or `id_back`"),
    ),
    responses(
        (status = 200, description = "The document: `application/pdf` (attachment), `image/jpeg` or `image/png` (inline)"),
        (status = 401, body = ErrorBody),
        (status = 403, description = "`forbidden`: reviewers only", body = ErrorBody),
        (status = 404, body = ErrorBody),
    )
)]
pub async fn document(
    State(state): State<AppState>,
    client: ClientIp,
    OperatorAuth(operator): OperatorAuth,
    Path((id, slot)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let operator = reviewer(&operator)?;
    let id = parse_id(&id)?;
    let slot = Slot::parse(&slot).ok_or_else(AppError::not_found)?;
    let document = state.sigillo.upgrade_document(operator, id, slot, client.as_deref()).await?;
    Ok(document_response(id, document))
}

#[utoipa::path(
    post, path = "/api/v1/operator/upgrade-requests/{id}/approve", tag = "operator", security(("bearer" = [])),
    params(("id" = String, Path, description = "Request id")),
    responses(
        (status = 200, description = "Approved: the citizen's PIN is dispositivo now, an `upgrade_outcome` message is queued", body = ReviewRequestView),
        (status = 401, body = ErrorBody),
        (status = 403, description = "`forbidden`: reviewers only", body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, description = "`already_decided`, or `no_live_pin` (only a rejection is possible)", body = ErrorBody),
    )
)]
pub async fn approve(
    State(state): State<AppState>,
    client: ClientIp,
    OperatorAuth(operator): OperatorAuth,
    Path(id): Path<String>,
) -> Result<Json<ReviewRequestView>, AppError> {
    let operator = reviewer(&operator)?;
    let decided = state.sigillo.approve_upgrade(operator, parse_id(&id)?, client.as_deref()).await?;
    Ok(Json((&decided).into()))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RejectBody {
    /// Why (5–500 characters): the citizen reads it in the e-mail and the reserved area.
    pub reason: String,
}

#[utoipa::path(
    post, path = "/api/v1/operator/upgrade-requests/{id}/reject", tag = "operator", security(("bearer" = [])),
    params(("id" = String, Path, description = "Request id")),
    request_body = RejectBody,
    responses(
        (status = 200, description = "Rejected: an `upgrade_outcome` message with the reason is queued", body = ReviewRequestView),
        (status = 401, body = ErrorBody),
        (status = 403, description = "`forbidden`: reviewers only", body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, description = "`already_decided`", body = ErrorBody),
        (status = 422, description = "`invalid_input`: `fields.reason`", body = ErrorBody),
    )
)]
pub async fn reject(
    State(state): State<AppState>,
    client: ClientIp,
    OperatorAuth(operator): OperatorAuth,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<RejectBody>,
) -> Result<Json<ReviewRequestView>, AppError> {
    let operator = reviewer(&operator)?;
    let decided = state.sigillo.reject_upgrade(operator, parse_id(&id)?, &body.reason, client.as_deref()).await?;
    Ok(Json((&decided).into()))
}
