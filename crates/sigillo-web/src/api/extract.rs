//! Extractors of the JSON API: bodies whose every rejection is the API's JSON error, the logged-in
//! citizen from the bearer token, and the client's address for the audit log.

use std::net::SocketAddr;

use axum::extract::rejection::JsonRejection;
use axum::extract::{ConnectInfo, FromRequest, FromRequestParts, Request};
use axum::http::StatusCode;
use axum::http::request::Parts;
use serde::de::DeserializeOwned;
use sigillo_app::login::Citizen;

use crate::error::AppError;
use crate::state::AppState;

/// `Json<T>` whose rejections are JSON errors: 400 for malformed JSON, 413 for a body too large,
/// 415 without `Content-Type: application/json`, 422 for a body of the wrong shape.
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = AppError;

    async fn from_request(request: Request, state: &S) -> Result<Self, AppError> {
        match axum::Json::<T>::from_request(request, state).await {
            Ok(axum::Json(value)) => Ok(ApiJson(value)),
            Err(rejection) => Err(json_rejection(&rejection)),
        }
    }
}

fn json_rejection(rejection: &JsonRejection) -> AppError {
    match rejection {
        JsonRejection::JsonDataError(e) => {
            // axum's text is "…target type: <path>: <serde error>"; serde never echoes strings' values.
            let text = e.body_text();
            let detail = text.split_once("target type: ").map_or(text.as_str(), |(_, rest)| rest);
            let named = ["unknown field `", "missing field `"]
                .iter()
                .find_map(|marker| detail.split_once(marker).and_then(|(_, rest)| rest.split('`').next()));
            let path = detail.split_once(": ").map(|(path, _)| path).filter(|p| !p.contains(' ') && *p != "." && !p.starts_with('['));
            let field = match (named, path) {
                (Some(name), Some(path)) if path == name || path.ends_with(&format!(".{name}")) => path.to_owned(),
                (Some(name), Some(path)) => format!("{path}.{name}"),
                (Some(name), None) => name.to_owned(),
                (None, Some(path)) => path.to_owned(),
                (None, None) => "body".to_owned(),
            };
            let mut error = AppError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_input",
                "I dati inviati non hanno la forma attesa.",
            );
            error.fields.insert(field, detail_it(detail));
            error
        }
        JsonRejection::JsonSyntaxError(_) => {
            AppError::new(StatusCode::BAD_REQUEST, "malformed_json", "Il corpo della richiesta non è un JSON valido.")
        }
        JsonRejection::MissingJsonContentType(_) => AppError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "Inviare il corpo come JSON (Content-Type: application/json).",
        ),
        JsonRejection::BytesRejection(_) => AppError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            "Il corpo della richiesta è troppo grande.",
        ),
        _ => AppError::new(StatusCode::BAD_REQUEST, "malformed_request", "Richiesta non valida."),
    }
}

fn detail_it(detail: &str) -> String {
    if detail.contains("unknown field") {
        "Campo non previsto.".to_owned()
    } else if detail.contains("invalid type") {
        "Tipo di dato non valido.".to_owned()
    } else if detail.contains("missing field") {
        "Campo obbligatorio.".to_owned()
    } else {
        "Valore non valido.".to_owned()
    }
}

/// The client's address as seen by this node.
#[derive(Debug, Clone)]
pub struct ClientIp(pub Option<String>);

impl ClientIp {
    pub fn as_deref(&self) -> Option<&str> {
        self.0.as_deref()
    }
}

impl<S: Send + Sync> FromRequestParts<S> for ClientIp {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(ClientIp(parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|ConnectInfo(addr)| addr.ip().to_string())))
    }
}

/// The citizen behind `Authorization: Bearer <token>`; 401 otherwise.
pub struct Authenticated(pub Citizen);

impl FromRequestParts<AppState> for Authenticated {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let token = parts
            .headers
            .get(axum::http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer ").or_else(|| v.strip_prefix("bearer ")))
            .map(str::trim)
            .ok_or_else(AppError::unauthenticated)?;
        match state.sigillo.authenticate(token).await? {
            Some(citizen) => Ok(Authenticated(citizen)),
            None => Err(AppError::unauthenticated()),
        }
    }
}

/// A citizen who may use the services: no PIN change pending.
pub struct Ready(pub Citizen);

impl FromRequestParts<AppState> for Ready {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let Authenticated(citizen) = Authenticated::from_request_parts(parts, state).await?;
        if citizen.must_change_pin {
            return Err(AppError::new(
                StatusCode::FORBIDDEN,
                "pin_change_required",
                "Prima di continuare deve scegliere un nuovo PIN (PUT /api/v1/me/pin).",
            ));
        }
        Ok(Ready(citizen))
    }
}
