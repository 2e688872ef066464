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
}

#[derive(Serialize)]
struct Body<'a> {
    error: &'a str,
    message: &'a str,
    fields: &'a BTreeMap<String, String>,
}

impl AppError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        AppError { status, code, message: message.into(), fields: BTreeMap::new() }
    }

    pub fn not_found() -> Self {
        AppError::new(StatusCode::NOT_FOUND, "not_found", "La risorsa richiesta non esiste.")
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
        (self.status, Json(body)).into_response()
    }
}
