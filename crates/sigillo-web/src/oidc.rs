//! The OpenID Connect provider's HTTP side (API.md "OpenID Connect"): discovery, JWKS, the
//! authorization endpoint with its pages (login through the portal, step-up, consent), token,
//! userinfo, revocation and RP-initiated logout. The rules are in `sigillo_app::oidc`.
//!
//! After a form post (login, PIN change, consent, logout) the way back to the service is a small
//! page that moves on by itself: the portal's `form-action 'self'` policy forbids a form's
//! redirect chain to end on another site.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Json, Router};
use serde::Deserialize;
use sigillo_app::oidc::tokens::{ClientCredentials, LogoutParams, TokenError, TokenRequest};
use sigillo_app::oidc::{AuthorizeError, AuthorizeParams, AuthorizeStep, ClientRedirect};
use sigillo_domain::oidc::{ACR_DISPOSITIVO, ACR_ORDINARIO, Scope};
use uuid::Uuid;

use crate::api::extract::ClientIp;
use crate::portal::pages::login::urlencode;
use crate::portal::shell::{Ctx, Shell};
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/.well-known/openid-configuration", get(discovery))
        .route("/oidc/jwks", get(jwks))
        .route("/oidc/authorize", get(authorize).post(authorize_post))
        .route("/oidc/authorize/resume", get(resume))
        .route("/oidc/authorize/cancel", post(cancel))
        .route("/oidc/consent", post(consent))
        .route("/oidc/token", post(token))
        .route("/oidc/userinfo", get(userinfo).post(userinfo))
        .route("/oidc/revoke", post(revoke))
        .route("/oidc/logout", get(logout).post(logout_post))
}

async fn discovery(State(state): State<AppState>) -> Response {
    let issuer = state.sigillo.issuer();
    let scopes: Vec<&str> = Scope::ALL.iter().map(|s| s.as_str()).collect();
    let body = serde_json::json!({
        "issuer": issuer,
        "authorization_endpoint": format!("{issuer}/oidc/authorize"),
        "token_endpoint": format!("{issuer}/oidc/token"),
        "userinfo_endpoint": format!("{issuer}/oidc/userinfo"),
        "jwks_uri": format!("{issuer}/oidc/jwks"),
        "end_session_endpoint": format!("{issuer}/oidc/logout"),
        "revocation_endpoint": format!("{issuer}/oidc/revoke"),
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "grant_types_supported": ["authorization_code", "refresh_token"],
        "subject_types_supported": ["pairwise"],
        "id_token_signing_alg_values_supported": ["ES256"],
        "userinfo_signing_alg_values_supported": [],
        "code_challenge_methods_supported": ["S256"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "none"],
        "revocation_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "none"],
        "scopes_supported": scopes,
        "claims_supported": [
            "sub", "iss", "aud", "exp", "iat", "auth_time", "nonce", "acr", "amr", "azp", "at_hash", "sid",
            "fiscal_number", "family_name", "given_name", "name", "birthdate", "email", "email_verified"
        ],
        "acr_values_supported": [ACR_ORDINARIO, ACR_DISPOSITIVO],
        "prompt_values_supported": ["none", "login", "consent"],
        "claims_parameter_supported": false,
        "request_parameter_supported": false,
        "request_uri_parameter_supported": false,
        "authorization_response_iss_parameter_supported": true,
        "ui_locales_supported": ["it", "en"],
    });
    ([(header::CACHE_CONTROL, "public, max-age=3600")], Json(body)).into_response()
}

async fn jwks(State(state): State<AppState>) -> Response {
    match state.sigillo.jwks().await {
        // Short caching: a verifier meeting an unknown kid fetches again soon after a rotation.
        Ok(body) => ([(header::CACHE_CONTROL, "public, max-age=300")], Json(body)).into_response(),
        Err(error) => {
            tracing::error!(%error, "JWKS unavailable");
            oauth_error(StatusCode::SERVICE_UNAVAILABLE, "temporarily_unavailable", "try again later")
        }
    }
}

#[derive(Template)]
#[template(path = "oidc_consent.html")]
struct ConsentPage {
    shell: Shell,
    client_name: String,
    shared: Vec<&'static str>,
    request_id: Uuid,
}

#[derive(Template)]
#[template(path = "oidc_upgrade.html")]
struct UpgradePage {
    shell: Shell,
    client_name: String,
    request_id: Uuid,
}

#[derive(Template)]
#[template(path = "oidc_continue.html")]
struct ContinuePage {
    shell: Shell,
    url: String,
}

#[derive(Template)]
#[template(path = "oidc_refused.html")]
struct RefusedPage {
    shell: Shell,
    message: String,
}

#[derive(Template)]
#[template(path = "oidc_logout.html")]
struct LogoutPage {
    shell: Shell,
    done: bool,
    client_name: Option<String>,
    carried: Vec<(&'static str, String)>,
}

/// Where the browser goes after a form post: a page that moves on, or a plain redirect to a page
/// of this site.
fn after_post(ctx: Ctx, url: String) -> Response {
    let page = ContinuePage { shell: ctx.shell.clone(), url };
    no_store(ctx.page(&page))
}

fn no_store(mut response: Response) -> Response {
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
    response
}

/// Renders an authorization step. `posted`: the request came from a form of this site.
fn render_step(ctx: Ctx, step: AuthorizeStep, posted: bool) -> Response {
    let resume = |id: Uuid| format!("/oidc/authorize/resume?request={id}");
    let response = match step {
        AuthorizeStep::Login { request_id, fresh } => {
            let mut to = format!("/accedi?next={}", urlencode(&resume(request_id)));
            if fresh {
                to.push_str("&fresh=1");
            }
            ctx.redirect(&to)
        }
        AuthorizeStep::ChangePin { request_id } => {
            ctx.redirect(&format!("/cambia-pin?next={}", urlencode(&resume(request_id))))
        }
        AuthorizeStep::UpgradeNeeded { request_id, client_name } => {
            let page = UpgradePage { shell: ctx.shell.clone(), client_name, request_id };
            ctx.page_with_status(StatusCode::FORBIDDEN, &page)
        }
        AuthorizeStep::Consent { request_id, client_name, scopes } => {
            let page = ConsentPage {
                shell: ctx.shell.clone(),
                client_name,
                shared: scopes.iter().map(|s| s.label()).collect(),
                request_id,
            };
            ctx.page(&page)
        }
        AuthorizeStep::Redirect(ClientRedirect { url }) if posted => after_post(ctx, url),
        AuthorizeStep::Redirect(ClientRedirect { url }) => (ctx.jar, Redirect::to(&url)).into_response(),
    };
    no_store(response)
}

fn render_error(ctx: Ctx, error: AuthorizeError) -> Response {
    match error {
        AuthorizeError::Refused(refused) => {
            let page = RefusedPage { shell: ctx.shell.clone(), message: refused.to_string() };
            ctx.page_with_status(StatusCode::BAD_REQUEST, &page)
        }
        AuthorizeError::Store(error) => {
            tracing::error!(%error, "authorization failed");
            let page = RefusedPage {
                shell: ctx.shell.clone(),
                message: "Il servizio è momentaneamente non disponibile. Riprovi tra qualche minuto.".into(),
            };
            ctx.page_with_status(StatusCode::SERVICE_UNAVAILABLE, &page)
        }
    }
}

async fn authorize(State(state): State<AppState>, ctx: Ctx, Query(params): Query<AuthorizeParams>) -> Response {
    match state.sigillo.authorize(&params, ctx.citizen.as_ref()).await {
        Ok(step) => render_step(ctx, step, false),
        Err(error) => render_error(ctx, error),
    }
}

/// OpenID Connect Core 3.1.2.1: the request may also come as a form post (from another site, so
/// no CSRF token here: nothing happens that the same GET would not do).
async fn authorize_post(State(state): State<AppState>, ctx: Ctx, Form(params): Form<AuthorizeParams>) -> Response {
    match state.sigillo.authorize(&params, ctx.citizen.as_ref()).await {
        Ok(step) => render_step(ctx, step, true),
        Err(error) => render_error(ctx, error),
    }
}

#[derive(Deserialize)]
struct ResumeQuery {
    request: Option<String>,
}

async fn resume(State(state): State<AppState>, ctx: Ctx, Query(q): Query<ResumeQuery>) -> Response {
    let Some(id) = q.request.as_deref().and_then(|r| Uuid::parse_str(r).ok()) else {
        return render_error(ctx, sigillo_app::oidc::RequestRefused::Expired.into());
    };
    match state.sigillo.resume_authorization(id, ctx.citizen.as_ref()).await {
        // Reached at the end of the login's or PIN change's redirect chain.
        Ok(step) => render_step(ctx, step, true),
        Err(error) => render_error(ctx, error),
    }
}

#[derive(Deserialize)]
struct RequestForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    request: String,
    #[serde(default)]
    decision: String,
}

fn csrf_refused(ctx: Ctx) -> Response {
    let page = RefusedPage { shell: ctx.shell.clone(), message: ctx.shell.tr.t("csrf_failed").to_owned() };
    ctx.page_with_status(StatusCode::FORBIDDEN, &page)
}

async fn cancel(State(state): State<AppState>, ctx: Ctx, Form(form): Form<RequestForm>) -> Response {
    if !ctx.csrf_ok(&form.csrf) {
        return csrf_refused(ctx);
    }
    let Ok(id) = Uuid::parse_str(&form.request) else {
        return render_error(ctx, sigillo_app::oidc::RequestRefused::Expired.into());
    };
    match state.sigillo.cancel_authorization(id).await {
        Ok(redirect) => after_post(ctx, redirect.url),
        Err(error) => render_error(ctx, error),
    }
}

async fn consent(State(state): State<AppState>, ctx: Ctx, Form(form): Form<RequestForm>) -> Response {
    if !ctx.csrf_ok(&form.csrf) {
        return csrf_refused(ctx);
    }
    let Ok(id) = Uuid::parse_str(&form.request) else {
        return render_error(ctx, sigillo_app::oidc::RequestRefused::Expired.into());
    };
    let Some(citizen) = ctx.citizen.clone() else {
        // The session ended while the page was open: log in again, then the request goes on.
        return ctx.redirect(&format!("/accedi?next={}", urlencode(&format!("/oidc/authorize/resume?request={id}"))));
    };
    let agreed = form.decision == "allow";
    match state.sigillo.answer_consent(id, &citizen, agreed, ctx.client_ip.as_deref()).await {
        Ok(step) => render_step(ctx, step, true),
        Err(error) => render_error(ctx, error),
    }
}

/// An OAuth JSON error (RFC 6749 5.2), never cached.
fn oauth_error(status: StatusCode, error: &str, description: &str) -> Response {
    let body = serde_json::json!({ "error": error, "error_description": description });
    no_store((status, Json(body)).into_response())
}

/// Percent-decoding of `application/x-www-form-urlencoded` text (RFC 6749 2.3.1 encodes the
/// Basic credentials this way).
fn form_decode(value: &str) -> Option<String> {
    let bytes = value.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' => {
                let hex = std::str::from_utf8(bytes.get(i + 1..i + 3)?).ok()?;
                out.push(u8::from_str_radix(hex, 16).ok()?);
                i += 3;
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out).ok()
}

/// The client's credentials from `Authorization: Basic` or the form; both at once is an error.
fn client_credentials(
    headers: &HeaderMap,
    form_id: Option<&str>,
    form_secret: Option<&str>,
) -> Result<ClientCredentials, Box<Response>> {
    let basic = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Basic ").or_else(|| v.strip_prefix("basic ")));
    match basic {
        Some(encoded) => {
            use base64::Engine;
            let decoded = base64::engine::general_purpose::STANDARD
                .decode(encoded.trim())
                .ok()
                .and_then(|b| String::from_utf8(b).ok());
            let Some((id, secret)) = decoded.as_deref().and_then(|d| d.split_once(':')) else {
                return Err(Box::new(invalid_client(true)));
            };
            let (Some(id), Some(secret)) = (form_decode(id), form_decode(secret)) else {
                return Err(Box::new(invalid_client(true)));
            };
            if form_secret.is_some() || form_id.is_some_and(|f| f != id) {
                return Err(Box::new(oauth_error(
                    StatusCode::BAD_REQUEST,
                    "invalid_request",
                    "use one client authentication method",
                )));
            }
            Ok(ClientCredentials { client_id: Some(id), client_secret: Some(secret) })
        }
        None => Ok(ClientCredentials {
            client_id: form_id.map(str::to_owned),
            client_secret: form_secret.map(str::to_owned),
        }),
    }
}

fn invalid_client(basic: bool) -> Response {
    let mut response = oauth_error(StatusCode::UNAUTHORIZED, "invalid_client", "client authentication failed");
    if basic {
        response.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Basic realm=\"sigillo\""));
    }
    response
}

fn token_error(error: TokenError, basic: bool) -> Response {
    match error {
        TokenError::Oauth(code, description) => oauth_error(StatusCode::BAD_REQUEST, code, description),
        TokenError::InvalidClient => invalid_client(basic),
        TokenError::RateLimited(limited) => {
            let mut response =
                oauth_error(StatusCode::TOO_MANY_REQUESTS, "temporarily_unavailable", "too many requests, slow down");
            if let Ok(value) = HeaderValue::from_str(&limited.retry_after.to_string()) {
                response.headers_mut().insert(header::RETRY_AFTER, value);
            }
            response
        }
        TokenError::Store(error) => {
            tracing::error!(%error, "token endpoint");
            oauth_error(StatusCode::SERVICE_UNAVAILABLE, "temporarily_unavailable", "try again later")
        }
        TokenError::Key(error) => {
            tracing::error!(%error, "token endpoint");
            oauth_error(StatusCode::SERVICE_UNAVAILABLE, "temporarily_unavailable", "try again later")
        }
    }
}

async fn token(
    State(state): State<AppState>,
    ip: ClientIp,
    headers: HeaderMap,
    form: Result<Form<TokenRequest>, axum::extract::rejection::FormRejection>,
) -> Response {
    let Ok(Form(request)) = form else {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "the body must be application/x-www-form-urlencoded",
        );
    };
    let credentials = match client_credentials(&headers, request.client_id.as_deref(), request.client_secret.as_deref())
    {
        Ok(credentials) => credentials,
        Err(response) => return *response,
    };
    let basic = headers.contains_key(header::AUTHORIZATION);
    match state.sigillo.token(&request, &credentials, ip.as_deref()).await {
        Ok(response) => no_store(Json(response).into_response()),
        Err(error) => token_error(error, basic),
    }
}

async fn userinfo(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer ").or_else(|| v.strip_prefix("bearer ")))
        .map(str::trim);
    let unauthorized = |error: &'static str| {
        let mut response = StatusCode::UNAUTHORIZED.into_response();
        let value = if error.is_empty() {
            HeaderValue::from_static("Bearer realm=\"sigillo\"")
        } else {
            HeaderValue::from_static("Bearer realm=\"sigillo\", error=\"invalid_token\"")
        };
        response.headers_mut().insert(header::WWW_AUTHENTICATE, value);
        response
    };
    let Some(token) = token else { return unauthorized("") };
    match state.sigillo.userinfo(token).await {
        Ok(Some(claims)) => no_store(Json(claims).into_response()),
        Ok(None) => unauthorized("invalid_token"),
        Err(error) => {
            tracing::error!(%error, "userinfo");
            StatusCode::SERVICE_UNAVAILABLE.into_response()
        }
    }
}

#[derive(Deserialize)]
struct RevokeForm {
    token: Option<String>,
    client_id: Option<String>,
    client_secret: Option<String>,
}

async fn revoke(
    State(state): State<AppState>,
    ip: ClientIp,
    headers: HeaderMap,
    form: Result<Form<RevokeForm>, axum::extract::rejection::FormRejection>,
) -> Response {
    let Ok(Form(form)) = form else {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "the body must be application/x-www-form-urlencoded",
        );
    };
    let credentials = match client_credentials(&headers, form.client_id.as_deref(), form.client_secret.as_deref()) {
        Ok(credentials) => credentials,
        Err(response) => return *response,
    };
    let Some(token) = form.token.filter(|t| !t.is_empty() && t.len() <= 512) else {
        return oauth_error(StatusCode::BAD_REQUEST, "invalid_request", "token is required");
    };
    let basic = headers.contains_key(header::AUTHORIZATION);
    match state.sigillo.revoke_token(&token, &credentials, ip.as_deref()).await {
        Ok(()) => no_store(StatusCode::OK.into_response()),
        Err(error) => token_error(error, basic),
    }
}

#[derive(Deserialize, Default)]
struct LogoutForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    confirm: String,
    #[serde(flatten)]
    params: LogoutParams,
}

async fn logout(State(state): State<AppState>, ctx: Ctx, Query(params): Query<LogoutParams>) -> Response {
    logout_step(state, ctx, params, false).await
}

async fn logout_post(State(state): State<AppState>, ctx: Ctx, Form(form): Form<LogoutForm>) -> Response {
    // A post from another site (an RP's logout form) only asks; the confirmation form confirms.
    let confirmed = form.confirm == "yes" && ctx.csrf_ok(&form.csrf);
    logout_step(state, ctx, form.params, confirmed).await
}

async fn logout_step(state: AppState, ctx: Ctx, params: LogoutParams, confirmed: bool) -> Response {
    let (client, redirect, hinted) = match state.sigillo.logout_request(&params, ctx.citizen.as_ref()).await {
        Ok(found) => found,
        Err(error) => {
            tracing::error!(%error, "logout");
            return StatusCode::SERVICE_UNAVAILABLE.into_response();
        }
    };
    if let Some(citizen) = ctx.citizen.clone() {
        if !hinted && !confirmed {
            let mut carried = Vec::new();
            for (name, value) in [
                ("id_token_hint", &params.id_token_hint),
                ("post_logout_redirect_uri", &params.post_logout_redirect_uri),
                ("state", &params.state),
                ("client_id", &params.client_id),
            ] {
                if let Some(value) = value {
                    carried.push((name, value.clone()));
                }
            }
            let page =
                LogoutPage { shell: ctx.shell.clone(), done: false, client_name: client.map(|c| c.name), carried };
            return no_store(ctx.page(&page));
        }
        if let Err(error) = state.sigillo.logout_everywhere(&citizen, ctx.client_ip.as_deref()).await {
            tracing::warn!(%error, "logout failed");
        }
    }
    let mut ctx = ctx;
    ctx.jar =
        ctx.jar.remove(axum_extra::extract::cookie::Cookie::build(crate::portal::shell::SESSION_COOKIE).path("/"));
    match redirect {
        Some(url) if confirmed => after_post(ctx, url),
        Some(url) => no_store((ctx.jar, Redirect::to(&url)).into_response()),
        None => {
            let page = LogoutPage { shell: ctx.shell.clone(), done: true, client_name: None, carried: Vec::new() };
            no_store(ctx.page(&page))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_decoding() {
        assert_eq!(form_decode("a%3Ab+c").as_deref(), Some("a:b c"));
        assert_eq!(form_decode("%zz"), None);
        assert_eq!(form_decode("%4"), None);
        assert_eq!(form_decode("plain-_.~"), Some("plain-_.~".into()));
    }

    #[test]
    fn basic_credentials() {
        use base64::Engine;
        let mut headers = HeaderMap::new();
        let encoded = base64::engine::general_purpose::STANDARD.encode("my%20client:s%3Acret");
        headers.insert(
            header::AUTHORIZATION,
            HeaderValue::from_str(&format!("Basic {encoded}")).unwrap_or(HeaderValue::from_static("")),
        );
        let c = client_credentials(&headers, None, None).unwrap_or_else(|_| ClientCredentials::default());
        assert_eq!(c.client_id.as_deref(), Some("my client"));
        assert_eq!(c.client_secret.as_deref(), Some("s:cret"));
        assert!(client_credentials(&headers, None, Some("x")).is_err(), "two methods at once");
        let c =
            client_credentials(&HeaderMap::new(), Some("pub"), None).unwrap_or_else(|_| ClientCredentials::default());
        assert_eq!(c.client_id.as_deref(), Some("pub"));
        assert!(c.client_secret.is_none());
    }
}
