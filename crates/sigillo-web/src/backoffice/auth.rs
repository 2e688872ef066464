//! `/operatore/accedi` (password), `/operatore/verifica` (TOTP code; enrolment with a QR code at
//! the first login), `/operatore/esci`, and `/operatore`, the role's start page.

use askama::Template;
use axum::Form;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use qrcode::QrCode;
use qrcode::render::svg;
use serde::Deserialize;
use sigillo_app::operators::{Enrolment, OperatorLoginError};

use super::{Bo, BoShell, OPERATOR_COOKIE, PENDING_COOKIE, csrf_failed};
use crate::portal::form::{FieldError, error_of};
use crate::state::AppState;

#[derive(Template)]
#[template(path = "bo_login.html")]
struct LoginPage {
    bo: BoShell,
    errors: Vec<FieldError>,
    username: String,
}

impl LoginPage {
    fn error(&self, id: &str) -> Option<&str> {
        error_of(&self.errors, id)
    }
}

pub async fn login_form(bo: Bo) -> Response {
    if bo.operator.is_some() {
        return bo.redirect("/operatore");
    }
    let page = LoginPage { bo: bo.shell("/operatore/accedi"), errors: Vec::new(), username: String::new() };
    bo.page(&page)
}

#[derive(Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
}

fn login_error(error: OperatorLoginError) -> String {
    let api: crate::error::AppError = error.into();
    api.message
}

pub async fn login_submit(State(state): State<AppState>, bo: Bo, Form(form): Form<LoginForm>) -> Response {
    if !bo.csrf_ok(&form.csrf) {
        return csrf_failed(&bo);
    }
    match state.sigillo.operator_password(&form.username, &form.password, bo.ctx.client_ip.as_deref()).await {
        Ok(accepted) => bo.with_cookie(PENDING_COOKIE, &accepted.token).redirect("/operatore/verifica"),
        Err(error) => {
            let status = match &error {
                OperatorLoginError::Throttled { .. } => StatusCode::TOO_MANY_REQUESTS,
                OperatorLoginError::InvalidCredentials => StatusCode::UNAUTHORIZED,
                _ => StatusCode::SERVICE_UNAVAILABLE,
            };
            let errors = vec![FieldError { id: "username".into(), message: login_error(error) }];
            let page = LoginPage { bo: bo.shell("/operatore/accedi"), errors, username: form.username };
            bo.page_with_status(status, &page)
        }
    }
}

/// The enrolment as the page shows it: the secret in groups of four and a QR code of its URI.
pub struct EnrolmentView {
    pub secret_grouped: String,
    pub qr_data_uri: String,
}

fn enrolment_view(enrolment: &Enrolment) -> EnrolmentView {
    let grouped: Vec<String> =
        enrolment.secret.as_bytes().chunks(4).map(|c| String::from_utf8_lossy(c).into_owned()).collect();
    let qr = QrCode::new(enrolment.uri.as_bytes())
        .map(|code| code.render::<svg::Color<'_>>().min_dimensions(220, 220).quiet_zone(true).build())
        .unwrap_or_default();
    EnrolmentView {
        secret_grouped: grouped.join(" "),
        qr_data_uri: format!("data:image/svg+xml;base64,{}", STANDARD.encode(qr)),
    }
}

#[derive(Template)]
#[template(path = "bo_verify.html")]
struct VerifyPage {
    bo: BoShell,
    errors: Vec<FieldError>,
    enrolment: Option<EnrolmentView>,
}

impl VerifyPage {
    fn error(&self, id: &str) -> Option<&str> {
        error_of(&self.errors, id)
    }
}

async fn verify_page(state: &AppState, bo: Bo, errors: Vec<FieldError>, status: StatusCode) -> Response {
    let token = bo.ctx.jar.get(PENDING_COOKIE).map(|c| c.value().to_owned()).unwrap_or_default();
    let Ok(Some(session)) = state.sigillo.pending_operator_session(&token).await else {
        return bo.without_cookie(PENDING_COOKIE).redirect("/operatore/accedi");
    };
    let enrolment = state.sigillo.pending_enrolment(&session).await.ok().flatten().as_ref().map(enrolment_view);
    let page = VerifyPage { bo: bo.shell("/operatore/verifica"), errors, enrolment };
    bo.page_with_status(status, &page)
}

pub async fn verify_form(State(state): State<AppState>, bo: Bo) -> Response {
    verify_page(&state, bo, Vec::new(), StatusCode::OK).await
}

#[derive(Deserialize)]
pub struct VerifyForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    code: String,
}

pub async fn verify_submit(State(state): State<AppState>, bo: Bo, Form(form): Form<VerifyForm>) -> Response {
    if !bo.csrf_ok(&form.csrf) {
        return csrf_failed(&bo);
    }
    let token = bo.ctx.jar.get(PENDING_COOKIE).map(|c| c.value().to_owned()).unwrap_or_default();
    match state.sigillo.operator_second_factor(&token, &form.code, bo.ctx.client_ip.as_deref()).await {
        Ok(done) => bo.without_cookie(PENDING_COOKIE).with_cookie(OPERATOR_COOKIE, &done.token).redirect("/operatore"),
        Err(OperatorLoginError::Throttled { .. }) => {
            // The pending session is over: start again from the password.
            bo.without_cookie(PENDING_COOKIE).redirect("/operatore/accedi")
        }
        Err(error) => {
            let errors = vec![FieldError { id: "code".into(), message: login_error(error) }];
            verify_page(&state, bo, errors, StatusCode::UNAUTHORIZED).await
        }
    }
}

#[derive(Deserialize)]
pub struct CsrfOnly {
    #[serde(default)]
    csrf: String,
}

pub async fn logout(State(state): State<AppState>, bo: Bo, Form(form): Form<CsrfOnly>) -> Response {
    if !bo.csrf_ok(&form.csrf) {
        return csrf_failed(&bo);
    }
    if let Some(op) = &bo.operator
        && let Err(error) =
            state.sigillo.operator_logout(op.session.id, &op.operator.username, bo.ctx.client_ip.as_deref()).await
    {
        tracing::warn!(%error, "operator logout not recorded");
    }
    bo.without_cookie(OPERATOR_COOKIE).redirect("/operatore/accedi")
}

#[derive(Template)]
#[template(path = "bo_home.html")]
struct HomePage {
    bo: BoShell,
    errors: Vec<FieldError>,
    username: String,
    role_label: &'static str,
}

pub async fn home(bo: Bo) -> Response {
    let Some(op) = &bo.operator else { return bo.redirect("/operatore/accedi") };
    let page = HomePage {
        bo: bo.shell("/operatore"),
        errors: Vec::new(),
        username: op.operator.username.clone(),
        role_label: op.operator.role.label(),
    };
    bo.page(&page)
}
