//! The back-office API under `/api/v1/operator/…`: operator login (password, then a TOTP code) and
//! what each role may do. Every handler names the permission it needs; the role decides.

pub mod admin;
pub mod review;
pub mod sessions;
pub mod work;

use axum::extract::FromRequestParts;
use axum::http::StatusCode;
use axum::http::request::Parts;
use sigillo_app::operators::{OperatorContext, OperatorLoginError};

use crate::error::AppError;
use crate::state::AppState;

/// The bearer token of `Authorization: Bearer …`, if any.
pub(crate) fn bearer(parts: &Parts) -> Option<&str> {
    parts
        .headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer ").or_else(|| v.strip_prefix("bearer ")))
        .map(str::trim)
}

/// The operator behind a working session's bearer token; 401 otherwise.
pub struct OperatorAuth(pub OperatorContext);

impl FromRequestParts<AppState> for OperatorAuth {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let token = bearer(parts).ok_or_else(operator_unauthenticated)?;
        match state.sigillo.authenticate_operator(token).await? {
            Some(operator) => Ok(OperatorAuth(operator)),
            None => Err(operator_unauthenticated()),
        }
    }
}

pub fn operator_unauthenticated() -> AppError {
    AppError::new(
        StatusCode::UNAUTHORIZED,
        "unauthenticated",
        "Accesso operatore richiesto (POST /api/v1/operator/sessions, poi il codice di verifica).",
    )
}

pub fn forbidden() -> AppError {
    AppError::new(StatusCode::FORBIDDEN, "forbidden", "Il Suo ruolo non consente questa operazione.")
}

impl From<OperatorLoginError> for AppError {
    fn from(error: OperatorLoginError) -> Self {
        match error {
            OperatorLoginError::InvalidCredentials => AppError::new(
                StatusCode::UNAUTHORIZED,
                "invalid_credentials",
                "Nome utente, password o codice di verifica non corretti.",
            ),
            OperatorLoginError::Throttled { retry_after } => {
                let mut e = AppError::new(
                    StatusCode::TOO_MANY_REQUESTS,
                    "throttled",
                    "Troppi tentativi di accesso. Riprovi più tardi.",
                );
                e.retry_after = Some(retry_after);
                e
            }
            OperatorLoginError::Store(e) => e.into(),
            OperatorLoginError::Hash(e) => e.into(),
        }
    }
}
