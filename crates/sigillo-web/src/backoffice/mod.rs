//! The back-office pages under `/operatore/…` (SPEC 7): operator login with a TOTP second factor,
//! then each role's screens. Italian only: they serve the institute's staff. Same look, CSRF
//! protection and security headers as the citizen portal; every page checks the operator's
//! permission, and a page of another role answers 403.

mod admin;
mod auth;
mod desk;
mod phone;
mod review;

use axum::Router;
use axum::extract::FromRequestParts;
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum_extra::extract::cookie::SameSite;
use sigillo_app::operators::OperatorContext;
use sigillo_domain::operator::Permission;

use crate::portal::form::FieldError;
use crate::portal::shell::{Ctx, cookie};
use crate::state::AppState;

/// The working session's token; only sent to `/operatore` pages.
pub const OPERATOR_COOKIE: &str = "sigillo_operator";
/// The password-only session's token, until the second factor is given.
pub const PENDING_COOKIE: &str = "sigillo_operator_pending";
const COOKIE_PATH: &str = "/operatore";

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/operatore", get(auth::home))
        .route("/operatore/accedi", get(auth::login_form).post(auth::login_submit))
        .route("/operatore/verifica", get(auth::verify_form).post(auth::verify_submit))
        .route("/operatore/esci", post(auth::logout))
        .route("/operatore/cittadino", get(desk::citizen))
        .route("/operatore/cittadino/{fiscal_code}/documento", post(desk::identity_check))
        .route("/operatore/cittadino/{fiscal_code}/busta", post(desk::envelope))
        .route("/operatore/cittadino/{fiscal_code}/sblocca", post(desk::unlock))
        .route("/operatore/cittadino/{fiscal_code}/revoca", post(desk::revoke))
        .route("/operatore/richiesta", get(desk::request_form).post(desk::request_submit))
        .route("/operatore/verifiche-telefoniche", get(phone::queue))
        .route("/operatore/verifiche-telefoniche/{id}/conferma", post(phone::confirm))
        .route("/operatore/verifiche-telefoniche/{id}/respingi", post(phone::reject))
        .route("/operatore/revisione", get(review::queue))
        .route("/operatore/revisione/{id}", get(review::review))
        .route("/operatore/revisione/{id}/documenti/{slot}", get(review::document))
        .route("/operatore/revisione/{id}/approva", post(review::approve))
        .route("/operatore/revisione/{id}/respingi", post(review::reject))
        .route("/operatore/audit", get(admin::audit))
        .route("/operatore/audit/verifica", post(admin::verify))
        .route("/operatore/messaggi", get(admin::outbox))
        .route("/operatore/messaggi/{id}/riprova", post(admin::retry))
        .route("/operatore/messaggi/{id}/scarta", post(admin::discard))
        .route("/operatore/stampe", get(admin::batches).post(admin::create_batch))
        .route("/operatore/stampe/{batch}/lettere.pdf", get(admin::batch_pdf))
        .route("/operatore/stampe/{batch}/manifest.csv", get(admin::batch_manifest))
        .route("/operatore/stampe/{batch}/conferma", post(admin::confirm_batch))
        .route("/operatore/politiche", get(admin::policy))
        .route("/operatore/servizi-collegati", get(admin::clients))
        .route("/operatore/servizi-collegati/{id}/rimuovi", post(admin::remove_client))
}

/// Who is logged in, as the frame shows it.
#[derive(Debug, Clone)]
pub struct OperatorBadge {
    pub username: String,
    pub role_label: &'static str,
}

/// The frame's data, handed to every back-office template as `bo`.
#[derive(Debug, Clone)]
pub struct BoShell {
    pub csrf: String,
    pub operator: Option<OperatorBadge>,
    /// (href, label, current) of the sections this role may open.
    pub nav: Vec<(&'static str, &'static str, bool)>,
    pub notice: Option<String>,
}

/// The sections of the back-office, each with the permission that opens it.
const SECTIONS: &[(&str, &str, Permission)] = &[
    ("/operatore/cittadino", "Cerca cittadino", Permission::FindCitizen),
    ("/operatore/richiesta", "Richiesta PIN per conto del cittadino", Permission::RequestPin),
    ("/operatore/verifiche-telefoniche", "Verifiche telefoniche", Permission::PhoneChecks),
    ("/operatore/revisione", "Revisione richieste di PIN dispositivo", Permission::ReviewUpgrades),
    ("/operatore/audit", "Registro di audit", Permission::ReadAudit),
    ("/operatore/messaggi", "Messaggi non consegnati", Permission::ManageOutbox),
    ("/operatore/stampe", "Stampa delle lettere", Permission::PrintBatches),
    ("/operatore/politiche", "Politiche in vigore", Permission::ReadPolicy),
    ("/operatore/servizi-collegati", "Servizi collegati (OpenID Connect)", Permission::ManageClients),
];

/// A back-office request: the portal's context (CSRF, cookies) and the operator, if logged in.
pub struct Bo {
    pub ctx: Ctx,
    pub operator: Option<OperatorContext>,
}

impl FromRequestParts<AppState> for Bo {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let ctx = Ctx::from_request_parts(parts, state).await?;
        let operator = match ctx.jar.get(OPERATOR_COOKIE) {
            Some(c) => state.sigillo.authenticate_operator(c.value()).await.ok().flatten(),
            None => None,
        };
        Ok(Bo { ctx, operator })
    }
}

impl Bo {
    /// The frame for a page at `here`.
    pub fn shell(&self, here: &str) -> BoShell {
        let nav = match &self.operator {
            Some(op) => {
                let mut nav = vec![("/operatore", "Inizio", here == "/operatore")];
                nav.extend(
                    SECTIONS
                        .iter()
                        .filter(|(_, _, p)| op.may(*p))
                        .map(|(href, label, _)| (*href, *label, *href == here)),
                );
                nav
            }
            None => Vec::new(),
        };
        BoShell {
            csrf: self.ctx.shell.csrf.clone(),
            operator: self.operator.as_ref().map(|op| OperatorBadge {
                username: op.operator.username.clone(),
                role_label: op.operator.role.label(),
            }),
            nav,
            notice: None,
        }
    }

    /// The operator if logged in and allowed `permission`; else the answer to send (login or 403).
    #[allow(clippy::result_large_err, reason = "the error is the response itself, sent at once")]
    pub fn require(&self, permission: Permission) -> Result<&OperatorContext, Response> {
        match &self.operator {
            None => Err(axum::response::Redirect::to("/operatore/accedi").into_response()),
            Some(op) if op.may(permission) => Ok(op),
            Some(_) => Err(self.message(
                StatusCode::FORBIDDEN,
                "Operazione non consentita",
                "Il Suo ruolo non consente di aprire questa pagina.",
                "/operatore",
            )),
        }
    }

    pub fn message(&self, status: StatusCode, title: &str, text: &str, back: &str) -> Response {
        let page = Message {
            bo: self.shell(""),
            errors: Vec::new(),
            title: title.to_owned(),
            text: text.to_owned(),
            back: back.to_owned(),
        };
        render(status, &page)
    }

    pub fn csrf_ok(&self, field: &str) -> bool {
        self.ctx.csrf_ok(field)
    }

    pub fn with_cookie(mut self, name: &'static str, value: &str) -> Self {
        let mut c = cookie(name, value, self.ctx.secure, SameSite::Strict, true);
        c.set_path(COOKIE_PATH);
        self.ctx.jar = self.ctx.jar.add(c);
        self
    }

    pub fn without_cookie(mut self, name: &'static str) -> Self {
        let mut c = cookie(name, "", self.ctx.secure, SameSite::Strict, true);
        c.set_path(COOKIE_PATH);
        self.ctx.jar = self.ctx.jar.remove(c);
        self
    }

    pub fn page<T: askama::Template>(self, template: &T) -> Response {
        self.ctx.page(template)
    }

    pub fn page_with_status<T: askama::Template>(self, status: StatusCode, template: &T) -> Response {
        self.ctx.page_with_status(status, template)
    }

    pub fn redirect(self, to: &str) -> Response {
        self.ctx.redirect(to)
    }
}

#[derive(askama::Template)]
#[template(path = "bo_message.html")]
struct Message {
    bo: BoShell,
    errors: Vec<FieldError>,
    title: String,
    text: String,
    back: String,
}

fn render<T: askama::Template>(status: StatusCode, template: &T) -> Response {
    match template.render() {
        Ok(html) => {
            (status, [(axum::http::header::CACHE_CONTROL, "no-store")], axum::response::Html(html)).into_response()
        }
        Err(error) => {
            tracing::error!(%error, "template failure");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

/// A form refused for its CSRF token.
fn csrf_failed(bo: &Bo) -> Response {
    bo.message(
        StatusCode::FORBIDDEN,
        "Modulo scaduto",
        "Il modulo non è più valido (pagina aperta da troppo tempo o da un altro sito). Ricarichi la pagina e riprovi.",
        "/operatore",
    )
}

/// The answer to a use-case error on a page: the API's message in a page.
fn error_page(bo: &Bo, error: sigillo_app::backoffice::BackofficeError, back: &str) -> Response {
    let api: crate::error::AppError = error.into();
    bo.message(api.status, "Operazione non eseguita", &api.message, back)
}
