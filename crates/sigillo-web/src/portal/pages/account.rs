//! Pages of the logged-in citizen: `/cambia-pin` (forced after first access or rotation, or
//! voluntary) and `/area-riservata` with the contribution statement.

use askama::Template;
use axum::Form;
use axum::extract::{Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use sigillo_app::login::Citizen;
use sigillo_domain::registry::ContributionYear;
use time::macros::format_description;

use crate::error::AppError;
use crate::portal::form::{FieldError, error_of};
use crate::portal::shell::{Ctx, Shell};
use crate::state::AppState;

#[derive(Template)]
#[template(path = "change_pin.html")]
struct ChangePin {
    shell: Shell,
    forced: bool,
    errors: Vec<FieldError>,
    fields: [(&'static str, &'static str); 3],
    /// `?next=…` to keep in the form's action (e.g. a login for another service waits).
    next_query: String,
}

impl ChangePin {
    fn new(shell: Shell, forced: bool, errors: Vec<FieldError>, next: Option<&str>) -> Self {
        let fields = [("current_pin", "current-password"), ("new_pin", "new-password"), ("new_pin_confirm", "new-password")];
        ChangePin { shell, forced, errors, fields, next_query: super::login::next_query(next) }
    }

    fn error(&self, id: &str) -> Option<&str> {
        error_of(&self.errors, id)
    }
}

/// The logged-in citizen, or a redirect to the login that comes back here.
fn citizen_or_login(ctx: Ctx, here: &str) -> Result<(Ctx, Citizen), Box<Response>> {
    match ctx.citizen.clone() {
        Some(citizen) => Ok((ctx, citizen)),
        None => Err(Box::new(ctx.redirect(&format!("/accedi?next={}", super::login::urlencode(here))))),
    }
}

#[derive(Deserialize)]
pub struct NextQuery {
    next: Option<String>,
}

pub async fn change_form(ctx: Ctx, Query(q): Query<NextQuery>) -> Response {
    let (ctx, citizen) = match citizen_or_login(ctx, "/cambia-pin") {
        Ok(found) => found,
        Err(redirect) => return *redirect,
    };
    let page = ChangePin::new(ctx.shell.clone(), citizen.must_change_pin, Vec::new(), q.next.as_deref());
    ctx.page(&page)
}

#[derive(Deserialize)]
pub struct ChangeForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    current_pin: String,
    #[serde(default)]
    new_pin: String,
    #[serde(default)]
    new_pin_confirm: String,
}

pub async fn change_submit(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<NextQuery>,
    Form(form): Form<ChangeForm>,
) -> Response {
    let (ctx, citizen) = match citizen_or_login(ctx, "/cambia-pin") {
        Ok(found) => found,
        Err(redirect) => return *redirect,
    };
    let tr = ctx.shell.tr;
    let mut errors = Vec::new();
    if !ctx.csrf_ok(&form.csrf) {
        errors.push(FieldError { id: "current_pin".into(), message: tr.t("csrf_failed").into() });
    } else if !form.new_pin.trim().eq_ignore_ascii_case(form.new_pin_confirm.trim()) {
        errors.push(FieldError { id: "new_pin_confirm".into(), message: tr.t("pin_mismatch").into() });
    } else {
        match state.sigillo.change_pin(&citizen, &form.current_pin, &form.new_pin, ctx.client_ip.as_deref()).await {
            Ok(()) => {
                let to = super::login::safe_next(q.next.as_deref()).unwrap_or_else(|| "/area-riservata?changed=1".into());
                return ctx.redirect(&to);
            }
            Err(error) => {
                let api: AppError = error.into();
                if api.fields.is_empty() {
                    errors.push(FieldError { id: "current_pin".into(), message: api.message });
                }
                for (field, message) in api.fields {
                    errors.push(FieldError { id: field, message });
                }
            }
        }
    }
    let page = ChangePin::new(ctx.shell.clone(), citizen.must_change_pin, errors, q.next.as_deref());
    ctx.page_with_status(StatusCode::UNPROCESSABLE_ENTITY, &page)
}

#[derive(Template)]
#[template(path = "reserved.html")]
struct Reserved {
    shell: Shell,
    notice: Option<String>,
    fiscal_code: String,
    level: &'static str,
    expires: String,
    total_weeks: u32,
    years: Vec<ContributionYear>,
    revoke_error: Option<String>,
    /// The latest request for a PIN dispositivo, as one line.
    upgrade_status: Option<String>,
}

#[derive(Deserialize)]
pub struct ReservedQuery {
    changed: Option<String>,
}

pub async fn reserved(
    State(state): State<AppState>,
    ctx: Ctx,
    axum::extract::Query(q): axum::extract::Query<ReservedQuery>,
) -> Response {
    reserved_page(&state, ctx, q.changed.is_some(), None).await
}

async fn reserved_page(state: &AppState, ctx: Ctx, changed: bool, revoke_error: Option<String>) -> Response {
    let (ctx, citizen) = match citizen_or_login(ctx, "/area-riservata") {
        Ok(found) => found,
        Err(redirect) => return *redirect,
    };
    if citizen.must_change_pin {
        return ctx.redirect("/cambia-pin");
    }
    let tr = ctx.shell.tr;
    let contributions = match state.sigillo.contributions(&citizen).await {
        Ok(c) => c,
        Err(error) => return AppError::from(error).into_response(),
    };
    let settings = &state.sigillo.settings;
    let citizen = &citizen;
    let expires = citizen
        .credential
        .pin_expires_at(settings.first_access_ttl, settings.pin_max_age)
        .and_then(|at| at.format(format_description!("[day]/[month]/[year]")).ok())
        .unwrap_or_else(|| tr.t("pin_never_expires").to_owned());
    let level = if citizen.credential.level == sigillo_domain::credential::Level::Dispositivo {
        tr.t("level_dispositivo")
    } else {
        tr.t("level_ordinario")
    };
    let upgrade_status = match state.sigillo.upgrade_requests(citizen).await {
        Ok(requests) => requests.first().map(|r| super::area::upgrade::status_line(tr, r)),
        Err(error) => return AppError::from(error).into_response(),
    };
    let page = Reserved {
        upgrade_status,
        shell: ctx.shell.clone(),
        notice: changed.then(|| tr.t("pin_changed").to_owned()),
        fiscal_code: citizen.credential.fiscal_code.to_string(),
        level,
        expires,
        total_weeks: contributions.total_weeks,
        years: contributions.years,
        revoke_error: revoke_error.clone(),
    };
    if revoke_error.is_some() { ctx.page_with_status(StatusCode::UNPROCESSABLE_ENTITY, &page) } else { ctx.page(&page) }
}

#[derive(Deserialize)]
pub struct RevokeForm {
    #[serde(default)]
    csrf: String,
    confirm: Option<String>,
}

/// Revoca PIN by its logged-in owner: irreversible, so a ticked confirmation is required.
pub async fn revoke(State(state): State<AppState>, ctx: Ctx, Form(form): Form<RevokeForm>) -> Response {
    let (ctx, citizen) = match citizen_or_login(ctx, "/area-riservata") {
        Ok(found) => found,
        Err(redirect) => return *redirect,
    };
    let tr = ctx.shell.tr;
    if !ctx.csrf_ok(&form.csrf) {
        return reserved_page(&state, ctx, false, Some(tr.t("csrf_failed").to_owned())).await;
    }
    if form.confirm.is_none() {
        return reserved_page(&state, ctx, false, Some(tr.t("revoke_own_missing").to_owned())).await;
    }
    if let Err(error) = state.sigillo.revoke_own(&citizen, ctx.client_ip.as_deref()).await {
        return AppError::from(error).into_response();
    }
    let mut ctx = ctx;
    ctx.jar = ctx.jar.remove(axum_extra::extract::cookie::Cookie::build(crate::portal::shell::SESSION_COOKIE).path("/"));
    ctx.redirect("/accedi?revoked=1")
}

pub async fn contributions_pdf(State(state): State<AppState>, ctx: Ctx) -> Response {
    let (ctx, citizen) = match citizen_or_login(ctx, "/area-riservata") {
        Ok(found) => found,
        Err(redirect) => return *redirect,
    };
    if citizen.must_change_pin {
        return ctx.redirect("/cambia-pin");
    }
    match state.sigillo.contributions_pdf(&citizen).await {
        Ok(pdf) => (
            [
                (header::CONTENT_TYPE, "application/pdf"),
                (header::CONTENT_DISPOSITION, "attachment; filename=\"estratto-conto.pdf\""),
            ],
            pdf,
        )
            .into_response(),
        Err(error) => AppError::from(error).into_response(),
    }
}
