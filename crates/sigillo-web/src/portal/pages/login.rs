//! `/accedi` (login with fiscal code and PIN) and `/esci` (logout).

use askama::Template;
use axum::Form;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum_extra::extract::cookie::{Cookie, SameSite};
use serde::Deserialize;
use sigillo_app::login::LoginError;
use sigillo_domain::Localized;

use crate::error::AppError;
use crate::portal::form::{FieldError, error_of};
use crate::portal::shell::{Ctx, SESSION_COOKIE, Shell, cookie};
use crate::state::AppState;

#[derive(Template)]
#[template(path = "login.html")]
struct Login {
    shell: Shell,
    fiscal_code: String,
    errors: Vec<FieldError>,
    notice: Option<String>,
    next_query: String,
}

impl Login {
    fn error(&self, id: &str) -> Option<&str> {
        error_of(&self.errors, id)
    }
}

#[derive(Deserialize)]
pub struct Next {
    next: Option<String>,
    expired: Option<String>,
    out: Option<String>,
    revoked: Option<String>,
    /// A service asked for the PIN to be typed again (`prompt=login`, `max_age`, step-up).
    fresh: Option<String>,
}

/// Only a path of this site may follow the login (no open redirect).
pub(crate) fn safe_next(next: Option<&str>) -> Option<String> {
    next.filter(|n| n.starts_with('/') && !n.starts_with("//") && !n.contains('\\') && n.len() < 2048).map(str::to_owned)
}

pub(crate) fn next_query(next: Option<&str>) -> String {
    safe_next(next).map_or_else(String::new, |n| format!("?next={}", urlencode(&n)))
}

pub fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => char::from(b).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

pub async fn form(ctx: Ctx, Query(q): Query<Next>) -> Response {
    let tr = ctx.shell.tr;
    let notice = if q.expired.is_some() {
        Some(tr.t("session_expired").to_owned())
    } else if q.revoked.is_some() {
        Some(tr.t("revoked_own").to_owned())
    } else if q.fresh.is_some() {
        Some(tr.t("login_fresh").to_owned())
    } else if q.out.is_some() {
        Some(tr.t("logged_out").to_owned())
    } else {
        None
    };
    let page = Login {
        shell: ctx.shell.clone(),
        fiscal_code: String::new(),
        errors: Vec::new(),
        notice,
        next_query: next_query(q.next.as_deref()),
    };
    ctx.page(&page)
}

#[derive(Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    fiscal_code: String,
    #[serde(default)]
    pin: String,
}

pub async fn submit(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<Next>,
    Form(form): Form<LoginForm>,
) -> Response {
    let tr = ctx.shell.tr;
    let mut errors = Vec::new();
    if !ctx.csrf_ok(&form.csrf) {
        errors.push(FieldError { id: "fiscal_code".into(), message: tr.t("csrf_failed").into() });
    } else {
        match state.sigillo.login(&form.fiscal_code, &form.pin, ctx.client_ip.as_deref()).await {
            Ok(logged_in) => {
                let mut ctx = ctx;
                ctx.jar = ctx.jar.add(cookie(SESSION_COOKIE, &logged_in.token, ctx.secure, SameSite::Lax, true));
                let to = if logged_in.must_change_pin {
                    // The PIN change comes first; whatever waited (e.g. another service) follows it.
                    format!("/cambia-pin{}", next_query(q.next.as_deref()))
                } else {
                    safe_next(q.next.as_deref()).unwrap_or_else(|| "/area-riservata".to_owned())
                };
                return ctx.redirect(&to);
            }
            Err(LoginError::MalformedFiscalCode(_)) => errors.push(FieldError {
                id: "fiscal_code".into(),
                message: localized_fiscal_code_error(&form.fiscal_code, ctx.lang()),
            }),
            Err(error) => {
                let api: AppError = error.into();
                errors.push(FieldError { id: "pin".into(), message: api.message });
            }
        }
    }
    let status = StatusCode::UNPROCESSABLE_ENTITY;
    let page = Login {
        shell: ctx.shell.clone(),
        fiscal_code: form.fiscal_code.clone(),
        errors,
        notice: None,
        next_query: next_query(q.next.as_deref()),
    };
    ctx.page_with_status(status, &page)
}

fn localized_fiscal_code_error(raw: &str, lang: sigillo_domain::Lang) -> String {
    sigillo_domain::fiscal_code::FiscalCode::parse(raw).err().map(|e| e.message(lang)).unwrap_or_default()
}

#[derive(Deserialize)]
pub struct LogoutForm {
    #[serde(default)]
    csrf: String,
}

pub async fn logout(State(state): State<AppState>, ctx: Ctx, Form(form): Form<LogoutForm>) -> Response {
    if ctx.csrf_ok(&form.csrf)
        && let Some(citizen) = &ctx.citizen
        && let Err(error) = state.sigillo.logout(citizen, ctx.client_ip.as_deref()).await
    {
        tracing::warn!(%error, "logout failed");
    }
    let mut ctx = ctx;
    ctx.jar = ctx.jar.remove(Cookie::build(SESSION_COOKIE).path("/"));
    ctx.redirect("/accedi?out=1")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_local_paths_follow_a_login() {
        assert_eq!(safe_next(Some("/area-riservata")), Some("/area-riservata".to_owned()));
        assert_eq!(safe_next(Some("//evil.example")), None);
        assert_eq!(safe_next(Some("https://evil.example")), None);
        assert_eq!(safe_next(Some("/\\evil")), None);
    }
}
