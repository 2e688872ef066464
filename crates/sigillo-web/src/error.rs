//! One error type at the HTTP edge, rendered as the API's JSON error body:
//! `{"error": code, "message": text, "fields": {name: reason}}`.

use std::collections::BTreeMap;

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use sigillo_domain::store::StoreError;

#[derive(Debug)]
pub struct AppError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    pub fields: BTreeMap<String, String>,
    /// Seconds for a `Retry-After` header (429, 503).
    pub retry_after: Option<u64>,
}

/// The API's error body (also what the OpenAPI document describes).
#[derive(Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    /// Stable error code, e.g. `invalid_input`.
    pub error: String,
    /// What happened, in Italian, for the citizen.
    pub message: String,
    /// Per-field reasons, for `invalid_input` and `pin_policy`.
    pub fields: BTreeMap<String, String>,
}

#[derive(Serialize)]
struct Body<'a> {
    error: &'a str,
    message: &'a str,
    fields: &'a BTreeMap<String, String>,
}

impl AppError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        AppError { status, code, message: message.into(), fields: BTreeMap::new(), retry_after: None }
    }

    pub fn not_found() -> Self {
        AppError::new(StatusCode::NOT_FOUND, "not_found", "La risorsa richiesta non esiste.")
    }

    pub fn unauthenticated() -> Self {
        AppError::new(
            StatusCode::UNAUTHORIZED,
            "unauthenticated",
            "Sessione assente o scaduta: acceda di nuovo con codice fiscale e PIN.",
        )
    }

    pub fn field(mut self, name: &str, reason: impl Into<String>) -> Self {
        self.fields.insert(name.to_owned(), reason.into());
        self
    }

    pub fn unavailable() -> Self {
        AppError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "unavailable",
            "Il servizio è momentaneamente non disponibile. Riprovi tra qualche minuto.",
        )
    }
}

impl From<StoreError> for AppError {
    fn from(error: StoreError) -> Self {
        // Logged once here; the citizen gets a generic text, never the database's words.
        tracing::error!(%error, "storage failure");
        match error {
            StoreError::Unavailable(_) => AppError::unavailable(),
            StoreError::Conflict(_) => AppError::new(
                StatusCode::CONFLICT,
                "conflict",
                "I dati sono stati modificati nel frattempo da un'altra operazione. Riprovi.",
            ),
            StoreError::Corrupt(_) | StoreError::Other(_) => AppError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal",
                "Si è verificato un errore interno. Riprovi più tardi.",
            ),
        }
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let body = Body { error: self.code, message: &self.message, fields: &self.fields };
        let mut response = (self.status, Json(body)).into_response();
        if let Some(seconds) = self.retry_after
            && let Ok(value) = axum::http::HeaderValue::from_str(&seconds.to_string()) {
                response.headers_mut().insert(axum::http::header::RETRY_AFTER, value);
            }
        response
    }
}
