//! What every portal page needs: language (query `?lang=`, then cookie, then Italian), the form
//! token against cross-site requests, the logged-in citizen if any, and the cookies to set.
//!
//! CSRF: a random token in a `SameSite=Strict`, `HttpOnly` cookie, repeated in a hidden field of
//! every form; a POST whose field does not match the cookie is refused, as is one whose `Origin`
//! names another site. Sessions: the API's bearer token, kept in an `HttpOnly`, `SameSite=Lax`
//! cookie (`Secure` when the public URL is https).

use axum::extract::{FromRequestParts, Query};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use serde::Deserialize;
use sigillo_app::login::Citizen;
use sigillo_domain::Lang;

use super::i18n::Tr;
use crate::state::AppState;

pub const SESSION_COOKIE: &str = "sigillo_session";
const CSRF_COOKIE: &str = "sigillo_csrf";
const LANG_COOKIE: &str = "sigillo_lang";

/// The page frame's data, handed to every template as `shell`.
#[derive(Debug, Clone)]
pub struct Shell {
    pub tr: Tr,
    pub csrf: String,
    /// The citizen's name when logged in.
    pub citizen_name: Option<String>,
    /// This page's path with `?lang=` for the other language.
    pub other_lang_href: String,
    pub demo_mailbox: bool,
}

/// The request's portal context. `citizen` is set when the session cookie opens a session.
pub struct Ctx {
    pub shell: Shell,
    pub citizen: Option<Citizen>,
    pub jar: CookieJar,
    pub secure: bool,
    pub client_ip: Option<String>,
    origin_ok: bool,
}

#[derive(Deserialize)]
struct LangQuery {
    lang: Option<String>,
}

impl FromRequestParts<AppState> for Ctx {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let mut jar = CookieJar::from_headers(&parts.headers);
        let secure = state.sigillo.settings.public_url.starts_with("https://");
        let query = Query::<LangQuery>::try_from_uri(&parts.uri).ok().and_then(|q| q.0.lang);
        let lang = match query.as_deref() {
            Some(tag) => {
                let lang = Lang::from_tag(tag);
                jar = jar.add(cookie(LANG_COOKIE, if lang == Lang::En { "en" } else { "it" }, secure, SameSite::Lax, false));
                lang
            }
            None => jar.get(LANG_COOKIE).map_or(Lang::It, |c| Lang::from_tag(c.value())),
        };
        let csrf = match jar.get(CSRF_COOKIE).map(|c| c.value().to_owned()).filter(|v| v.len() >= 32) {
            Some(token) => token,
            None => {
                let token = sigillo_app::otp::token().map_err(|_| StatusCode::SERVICE_UNAVAILABLE.into_response())?;
                jar = jar.add(cookie(CSRF_COOKIE, &token, secure, SameSite::Strict, true));
                token
            }
        };
        let citizen = match jar.get(SESSION_COOKIE) {
            Some(c) => state.sigillo.authenticate(c.value()).await.ok().flatten(),
            None => None,
        };
        let citizen_name = match &citizen {
            Some(c) => state.sigillo.person_of(c).await.ok().flatten().map(|p| format!("{} {}", p.given_name, p.family_name)),
            None => None,
        };
        let other = if lang == Lang::En { "it" } else { "en" };
        let shell = Shell {
            tr: Tr { lang },
            csrf,
            citizen_name,
            other_lang_href: other_lang_href(parts.uri.path(), parts.uri.query(), other),
            demo_mailbox: state.demo_mailbox,
        };
        let client_ip = crate::api::extract::ClientIp::from_request_parts(parts, state).await.ok().and_then(|c| c.0);
        let origin_ok = same_origin(&parts.headers);
        Ok(Ctx { shell, citizen, jar, secure, client_ip, origin_ok })
    }
}

/// This page in the other language: the same path and query, `lang` replaced.
fn other_lang_href(path: &str, query: Option<&str>, other: &str) -> String {
    let kept: Vec<&str> = query
        .unwrap_or_default()
        .split('&')
        .filter(|pair| !pair.is_empty() && !pair.starts_with("lang=") && *pair != "lang")
        .collect();
    if kept.is_empty() { format!("{path}?lang={other}") } else { format!("{path}?{}&lang={other}", kept.join("&")) }
}

/// A browser's `Origin`, when it sends one, must be this site's (whatever host it was reached by).
fn same_origin(headers: &HeaderMap) -> bool {
    let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) else { return true };
    let Some(host) = headers.get(header::HOST).and_then(|v| v.to_str().ok()) else { return false };
    origin.split_once("://").is_some_and(|(_, rest)| rest == host)
}

pub fn cookie(name: &'static str, value: &str, secure: bool, same_site: SameSite, http_only: bool) -> Cookie<'static> {
    let mut c = Cookie::new(name, value.to_owned());
    c.set_path("/");
    c.set_same_site(same_site);
    c.set_http_only(http_only);
    c.set_secure(secure);
    c
}

impl Ctx {
    /// Whether a POSTed form carries this browser's token and comes from this site.
    pub fn csrf_ok(&self, field: &str) -> bool {
        self.origin_ok && sigillo_domain::contact::constant_time_eq(field.as_bytes(), self.shell.csrf.as_bytes())
    }

    /// Renders a template with the cookies this request set.
    pub fn page<T: askama::Template>(self, template: &T) -> Response {
        self.page_with_status(StatusCode::OK, template)
    }

    pub fn page_with_status<T: askama::Template>(self, status: StatusCode, template: &T) -> Response {
        match template.render() {
            Ok(html) => (status, self.jar, Html(html)).into_response(),
            Err(error) => {
                tracing::error!(%error, "template failure");
                (StatusCode::INTERNAL_SERVER_ERROR, "Errore interno").into_response()
            }
        }
    }

    pub fn redirect(self, to: &str) -> Response {
        (self.jar, Redirect::to(to)).into_response()
    }

    pub fn lang(&self) -> Lang {
        self.shell.tr.lang
    }
}

#[cfg(test)]
mod tests {
    use super::other_lang_href;

    #[test]
    fn the_language_switch_keeps_the_query() {
        assert_eq!(other_lang_href("/", None, "en"), "/?lang=en");
        assert_eq!(other_lang_href("/x", Some("token=abc&lang=it"), "en"), "/x?token=abc&lang=en");
    }
}
