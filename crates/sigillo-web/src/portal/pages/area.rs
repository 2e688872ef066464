//! Reserved-area services and information pages: contacts, access history, applications and the
//! pensioner's slips under
//! `/area-riservata/…`, `/converti-pin`, `/aiuto`, and the demo mailbox `/demo/posta`.

mod access;
mod application_form;
mod applications;
mod clock;
mod contacts;
mod events;
mod info;
mod mailbox;
mod pension;
pub mod upgrade;

use askama::Template;
use axum::Router;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use axum::routing::{get, post};
use sigillo_app::login::Citizen;

use super::login::urlencode;
use crate::portal::shell::{Ctx, Shell};
use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/area-riservata/recapiti", get(contacts::page).post(contacts::add))
        .route("/area-riservata/recapiti/{id}/verifica", post(contacts::verify))
        .route("/area-riservata/recapiti/{id}/codice", post(contacts::resend))
        .route("/area-riservata/recapiti/{id}/rimuovi", post(contacts::remove))
        .route("/area-riservata/accessi", get(access::page))
        .route("/area-riservata/domande", get(applications::page).post(applications::choose))
        .route("/area-riservata/domande/nuova/{kind}", get(application_form::page).post(application_form::submit))
        .route("/area-riservata/domande/{protocol}/ricevuta.pdf", get(applications::receipt))
        .route("/area-riservata/pensione", get(pension::page))
        .route("/area-riservata/pensione/cedolino/{year}/{file}", get(pension::slip_pdf))
        .route("/area-riservata/pensione/cu/{file}", get(pension::certificate_pdf))
        .route(
            "/converti-pin",
            get(upgrade::page)
                .post(upgrade::submit)
                .layer(axum::extract::DefaultBodyLimit::max(crate::upload::UPLOAD_BODY_LIMIT)),
        )
        .route("/converti-pin/modulo.pdf", get(upgrade::form_pdf))
        .route("/aiuto", get(info::help))
        .route("/demo/posta", get(mailbox::page))
        .route("/demo/posta/{file}", get(mailbox::letter_pdf))
}

/// The logged-in citizen with no PIN change pending; otherwise a redirect to the login (which comes
/// back to `here`) or to the PIN change that must come first.
#[allow(clippy::result_large_err)] // the redirect is handed straight back to axum
fn ready_citizen(ctx: Ctx, here: &str) -> Result<(Ctx, Citizen), Response> {
    match ctx.citizen.clone() {
        None => Err(ctx.redirect(&format!("/accedi?next={}", urlencode(here)))),
        Some(citizen) if citizen.must_change_pin => Err(ctx.redirect("/cambia-pin")),
        Some(citizen) => Ok((ctx, citizen)),
    }
}

/// Pages with personal data (or half-PINs) are never kept by the browser or a proxy.
fn no_store(mut response: Response) -> Response {
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// A short page saying what went wrong, for a missing receipt or letter or a failing store.
#[derive(Template)]
#[template(path = "area_message.html")]
struct Message {
    shell: Shell,
    title: &'static str,
    text: &'static str,
    back: Option<(&'static str, &'static str)>,
}

fn not_found(ctx: Ctx) -> Response {
    let tr = ctx.shell.tr;
    let page = Message {
        shell: ctx.shell.clone(),
        title: tr.t("area_not_found_title"),
        text: tr.t("area_not_found"),
        back: None,
    };
    ctx.page_with_status(StatusCode::NOT_FOUND, &page)
}

/// A failure that is not the citizen's: the status of the API's mapping, a plain apology.
fn unavailable(ctx: Ctx, status: StatusCode) -> Response {
    let tr = ctx.shell.tr;
    let back = ctx.citizen.is_some().then(|| ("/area-riservata", tr.t("area_back_reserved")));
    let page = Message {
        shell: ctx.shell.clone(),
        title: tr.t("area_unavailable_title"),
        text: tr.t("area_unavailable"),
        back,
    };
    ctx.page_with_status(status, &page)
}
