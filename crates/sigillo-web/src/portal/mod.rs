//! The citizen portal (SPEC 7, API.md "Portal"): server-rendered pages in Italian and English, in
//! the look of Bootstrap Italia served from Sigillo's own origin, usable without JavaScript.
//! Handlers parse the form, call the same use cases as the API, and render a template.

pub mod form;
pub mod i18n;
pub(crate) mod pages;
pub mod shell;

use axum::Router;
use axum::extract::Path;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};

use crate::state::AppState;

mod assets {
    include!(concat!(env!("OUT_DIR"), "/assets.rs"));
}

pub use pages::home::not_found;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(pages::home::page))
        .route("/accedi", get(pages::login::form).post(pages::login::submit))
        .route("/esci", post(pages::login::logout))
        .route("/cambia-pin", get(pages::account::change_form).post(pages::account::change_submit))
        .route("/area-riservata", get(pages::account::reserved))
        .route("/area-riservata/estratto-conto.pdf", get(pages::account::contributions_pdf))
        .route("/area-riservata/revoca", post(pages::account::revoke))
        .route("/static/{*path}", get(static_file))
        .merge(pages::flows::routes())
        .merge(pages::area::routes())
}

/// Files embedded at build time; cached for a day (they change only with a new release).
async fn static_file(Path(path): Path<String>) -> Response {
    match assets::ASSETS.iter().find(|(p, _, _)| *p == path) {
        Some((_, content_type, bytes)) => (
            [(header::CONTENT_TYPE, *content_type), (header::CACHE_CONTROL, "public, max-age=86400")],
            *bytes,
        )
            .into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

/// Headers on every response: no inline script, no framing, no sniffing, no referrer leaks.
pub async fn security_headers(request: axum::extract::Request, next: axum::middleware::Next) -> Response {
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    let set = |headers: &mut axum::http::HeaderMap, name: header::HeaderName, value: &'static str| {
        headers.entry(name).or_insert(HeaderValue::from_static(value));
    };
    set(
        headers,
        header::CONTENT_SECURITY_POLICY,
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self' data:; \
         connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'",
    );
    set(headers, header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    set(headers, header::REFERRER_POLICY, "same-origin");
    set(headers, header::X_FRAME_OPTIONS, "DENY");
    response
}
