//! The JSON API under `/api/v1` (API.md), with its OpenAPI document generated from the handlers.

mod catalogue;
mod contacts;
pub mod errors;
pub mod extract;
mod me;
pub mod operator;
mod pensions;
pub(crate) mod pin_requests;
mod public;
mod services;
mod sessions;
pub(crate) mod upgrade;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post, put};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use crate::error::{AppError, ErrorBody};
use crate::state::AppState;

/// JSON bodies of the API are small; uploads get their own limit where they are accepted.
const MAX_JSON_BYTES: usize = 64 * 1024;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/pin-requests", post(pin_requests::create))
        .route("/pin-recoveries", post(public::request_recovery))
        .route("/pin-recoveries/confirm", post(public::confirm_recovery))
        .route("/pin-revocations", post(public::revoke))
        .route("/pin-activations", post(public::activate))
        .route("/sessions", post(sessions::create))
        .route("/sessions/current", axum::routing::delete(sessions::delete_current))
        .route("/me", get(me::get))
        .route("/me/pin", put(me::change_pin).delete(me::revoke_pin))
        .route("/me/contacts", get(contacts::list).post(contacts::add))
        .route("/me/contacts/{id}", axum::routing::delete(contacts::remove))
        .route("/me/contacts/{id}/verification", post(contacts::verify))
        .route("/me/contacts/{id}/code", post(contacts::resend))
        .route("/me/contributions", get(services::contributions))
        .route("/me/contributions.pdf", get(services::contributions_pdf))
        .route("/me/applications", post(services::submit_application))
        .route("/me/applications/{protocol}/receipt.pdf", get(services::receipt))
        .route("/me/upgrade-requests/form.pdf", get(upgrade::form_pdf))
        .route(
            "/me/upgrade-requests",
            get(upgrade::list)
                .post(upgrade::submit)
                .layer(DefaultBodyLimit::max(crate::upload::UPLOAD_BODY_LIMIT)),
        )
        .route("/operator/sessions", post(operator::sessions::create))
        .route("/operator/sessions/current", axum::routing::delete(operator::sessions::delete_current))
        .route("/operator/sessions/current/totp", post(operator::sessions::second_factor))
        .route("/operator/me", get(operator::sessions::me))
        .route("/operator/citizens/{fiscal_code}", get(operator::work::citizen))
        .route("/operator/citizens/{fiscal_code}/identity-checks", post(operator::work::identity_check))
        .route("/operator/citizens/{fiscal_code}/pin-mailer", post(operator::work::pin_mailer))
        .route("/operator/citizens/{fiscal_code}/revocation", post(operator::work::revoke))
        .route("/operator/citizens/{fiscal_code}/unlock", post(operator::work::unlock))
        .route("/operator/pin-requests", post(operator::work::request_pin))
        .route("/operator/phone-checks", get(operator::work::phone_checks))
        .route("/operator/phone-checks/{id}/confirm", post(operator::work::confirm))
        .route("/operator/phone-checks/{id}/reject", post(operator::work::reject))
        .route("/operator/upgrade-requests", get(operator::review::queue))
        .route("/operator/upgrade-requests/{id}", get(operator::review::get))
        .route("/operator/upgrade-requests/{id}/documents/{slot}", get(operator::review::document))
        .route("/operator/upgrade-requests/{id}/approve", post(operator::review::approve))
        .route("/operator/upgrade-requests/{id}/reject", post(operator::review::reject))
        .route("/operator/audit", get(operator::admin::audit))
        .route("/operator/audit/verification", post(operator::admin::verify))
        .route("/operator/outbox/parked", get(operator::admin::parked))
        .route("/operator/outbox/{id}/retry", post(operator::admin::retry))
        .route("/operator/outbox/{id}/discard", post(operator::admin::discard))
        .route("/operator/print-batches", get(operator::admin::batches).post(operator::admin::create_batch))
        .route("/operator/print-batches/{batch}/letters.pdf", get(operator::admin::batch_pdf))
        .route("/operator/print-batches/{batch}/manifest.csv", get(operator::admin::batch_manifest))
        .route("/operator/print-batches/{batch}/confirmation", post(operator::admin::confirm_batch))
        .route("/operator/policy", get(operator::admin::policy))
        .route("/operator/clients", get(operator::admin::clients))
        .route("/operator/clients/{client_id}", axum::routing::delete(operator::admin::remove_client))
        .route("/me/pension-slips", get(pensions::list))
        .route("/me/pension-slips/{year}/{file}", get(pensions::slip_pdf))
        .route("/me/tax-certificates", get(pensions::certificates))
        .route("/me/tax-certificates/{file}", get(pensions::certificate_pdf))
        .route("/applications/catalogue", get(catalogue::catalogue))
        .route("/openapi.json", get(openapi_json))
        .fallback(|| async { AppError::not_found() })
        .method_not_allowed_fallback(|| async {
            AppError::new(axum::http::StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed", "Metodo non consentito su questo indirizzo.")
        })
        .layer(DefaultBodyLimit::max(MAX_JSON_BYTES))
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Sigillo API",
        description = "PIN personali per i servizi online dell'Istituto: richiesta, primo accesso, cambio, servizi. Errors are `{error, message, fields}`.",
        license(name = "MIT")
    ),
    paths(
        pin_requests::create,
        public::request_recovery,
        public::confirm_recovery,
        public::revoke,
        public::activate,
        sessions::create,
        sessions::delete_current,
        me::get,
        me::change_pin,
        me::revoke_pin,
        contacts::list,
        contacts::add,
        contacts::verify,
        contacts::resend,
        contacts::remove,
        services::contributions,
        services::contributions_pdf,
        services::submit_application,
        services::receipt,
        upgrade::form_pdf,
        upgrade::submit,
        upgrade::list,
        operator::sessions::create,
        operator::sessions::second_factor,
        operator::sessions::delete_current,
        operator::sessions::me,
        operator::work::citizen,
        operator::work::identity_check,
        operator::work::pin_mailer,
        operator::work::request_pin,
        operator::work::revoke,
        operator::work::unlock,
        operator::work::phone_checks,
        operator::work::confirm,
        operator::work::reject,
        operator::review::queue,
        operator::review::get,
        operator::review::document,
        operator::review::approve,
        operator::review::reject,
        operator::admin::audit,
        operator::admin::verify,
        operator::admin::parked,
        operator::admin::retry,
        operator::admin::discard,
        operator::admin::batches,
        operator::admin::create_batch,
        operator::admin::batch_pdf,
        operator::admin::batch_manifest,
        operator::admin::confirm_batch,
        operator::admin::policy,
        operator::admin::clients,
        operator::admin::remove_client,
        pensions::list,
        pensions::certificates,
        pensions::slip_pdf,
        pensions::certificate_pdf,
        catalogue::catalogue,
    ),
    components(schemas(ErrorBody)),
    modifiers(&BearerAuth),
    tags(
        (name = "pin", description = "Requesting a PIN"),
        (name = "recovery", description = "Recovery, revocation and fast activation, without logging in"),
        (name = "sessions", description = "Login and logout"),
        (name = "contacts", description = "The citizen's contacts and their verification"),
        (name = "me", description = "The citizen's own PIN"),
        (name = "services", description = "Online services, gated by level"),
        (name = "upgrade", description = "Converti PIN: upgrade to a PIN dispositivo, reviewed by the back-office"),
        (name = "operator", description = "Back-office: operator login with a TOTP second factor, and each role's work"),
    )
)]
pub struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme("bearer", SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()));
    }
}

async fn openapi_json() -> axum::Json<utoipa::openapi::OpenApi> {
    axum::Json(ApiDoc::openapi())
}
