//! Endpoints for the people and machines that run Sigillo.

use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;

use crate::error::AppError;
use crate::state::AppState;

/// The process is up. Says nothing about the database, so a slow database never restarts the node.
pub async fn healthz() -> &'static str {
    "ok"
}

/// The node can serve: its database answers.
pub async fn readyz(State(state): State<AppState>) -> Result<&'static str, AppError> {
    match state.store.ping().await {
        Ok(()) => Ok("ready"),
        Err(error) => {
            tracing::warn!(%error, backend = state.store.backend(), "readiness check failed");
            Err(AppError::unavailable())
        }
    }
}

pub async fn metrics() -> impl IntoResponse {
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")],
        crate::metrics::metrics_handle().render(),
    )
}
