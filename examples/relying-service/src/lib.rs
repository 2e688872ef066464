//! An example relying service: how another online service of the institute logs citizens in
//! through Sigillo with OpenID Connect, using the off-the-shelf `openidconnect` crate.
//!
//! 1. At start: discovery (`/.well-known/openid-configuration`) and the JWKS.
//! 2. "Accedi con Sigillo": an authorization request with PKCE (S256), `state`, `nonce`, and the
//!    level the service needs as `acr_values`.
//! 3. Back at `/callback`: the code is exchanged, the ID token's signature and claims are checked
//!    by the library, and the service checks the `acr` itself before trusting the login.
//! 4. "Esci": RP-initiated logout with the ID token as hint.
//!
//! Pending logins and sessions are kept in this process's memory: enough for an example with one
//! process. A real service keeps them where all its nodes can see them.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::get;
use openidconnect::core::{CoreAuthenticationFlow, CoreClient, CoreProviderMetadata};
use openidconnect::{
    AuthenticationContextClass, AuthorizationCode, ClientId, ClientSecret, CsrfToken, EndpointMaybeSet, EndpointNotSet,
    EndpointSet, HttpRequest, HttpResponse, IssuerUrl, Nonce, PkceCodeChallenge, PkceCodeVerifier, RedirectUrl, Scope,
    TokenResponse,
};
use serde::Deserialize;

pub const ACR_ORDINARIO: &str = "urn:sigillo:acr:ordinario";
pub const ACR_DISPOSITIVO: &str = "urn:sigillo:acr:dispositivo";

/// The transport the library calls: reqwest, never following redirects (the library must see
/// them as errors, not follow them to another host).
pub async fn http(request: HttpRequest) -> Result<HttpResponse, std::io::Error> {
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(std::io::Error::other)?;
    let (parts, body) = request.into_parts();
    let response = client
        .request(parts.method, parts.uri.to_string())
        .headers(parts.headers)
        .body(body)
        .send()
        .await
        .map_err(std::io::Error::other)?;
    let mut builder = http::Response::builder().status(response.status());
    for (name, value) in response.headers() {
        builder = builder.header(name, value);
    }
    let bytes = response.bytes().await.map_err(std::io::Error::other)?;
    builder.body(bytes.to_vec()).map_err(std::io::Error::other)
}

pub type Oidc =
    CoreClient<EndpointSet, EndpointNotSet, EndpointNotSet, EndpointNotSet, EndpointMaybeSet, EndpointMaybeSet>;

/// How the service was registered (`sigillo client add …`) and where it runs.
#[derive(Debug, Clone)]
pub struct Settings {
    pub issuer: String,
    pub client_id: String,
    pub client_secret: Option<String>,
    /// This service's own base URL, e.g. `http://127.0.0.1:8090`.
    pub base_url: String,
}

struct PendingLogin {
    nonce: Nonce,
    verifier: PkceCodeVerifier,
    level: &'static str,
}

/// What the service knows of a logged-in citizen.
#[derive(Debug, Clone)]
pub struct Login {
    pub subject: String,
    pub name: String,
    pub fiscal_number: String,
    pub acr: String,
    id_token: String,
}

#[derive(Clone)]
struct AppState {
    settings: Arc<Settings>,
    oidc: Arc<Oidc>,
    pending: Arc<Mutex<HashMap<String, PendingLogin>>>,
    sessions: Arc<Mutex<HashMap<String, Login>>>,
}

/// Discovers Sigillo and builds the service's router.
pub async fn app(settings: Settings) -> anyhow::Result<Router> {
    let metadata = CoreProviderMetadata::discover_async(IssuerUrl::new(settings.issuer.clone())?, &http).await?;
    let oidc = CoreClient::from_provider_metadata(
        metadata,
        ClientId::new(settings.client_id.clone()),
        settings.client_secret.clone().map(ClientSecret::new),
    )
    .set_redirect_uri(RedirectUrl::new(format!("{}/callback", settings.base_url))?);
    let state = AppState {
        settings: Arc::new(settings),
        oidc: Arc::new(oidc),
        pending: Arc::default(),
        sessions: Arc::default(),
    };
    Ok(Router::new()
        .route("/", get(home))
        .route("/login", get(login))
        .route("/callback", get(callback))
        .route("/logout", get(logout))
        .route("/signed-out", get(signed_out))
        .with_state(state))
}

fn page(title: &str, body: &str) -> Html<String> {
    Html(format!(
        "<!DOCTYPE html><html lang=\"it\"><head><meta charset=\"utf-8\"><title>{title} – Servizio di esempio</title></head>\
         <body><main><h1>{title}</h1>{body}</main></body></html>"
    ))
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

fn session_of(state: &AppState, headers: &HeaderMap) -> Option<Login> {
    let cookies = headers.get(header::COOKIE)?.to_str().ok()?;
    let id = cookies.split(';').filter_map(|c| c.trim().strip_prefix("rp_session=")).next()?;
    state.sessions.lock().ok()?.get(id).cloned()
}

async fn home(State(state): State<AppState>, headers: HeaderMap) -> Response {
    match session_of(&state, &headers) {
        Some(login) => page(
            "Benvenuto",
            &format!(
                "<p id=\"who\">{}</p><p>Codice fiscale: <span id=\"fiscal-number\">{}</span></p>\
                 <p>Livello: <span id=\"acr\">{}</span></p>\
                 <p><a id=\"login-dispositivo\" href=\"/login?level=dispositivo\">Presenta una domanda (serve il PIN dispositivo)</a></p>\
                 <p><a id=\"logout\" href=\"/logout\">Esci</a></p>",
                escape(&login.name),
                escape(&login.fiscal_number),
                escape(&login.acr)
            ),
        )
        .into_response(),
        None => page(
            "Servizio di esempio",
            "<p><a id=\"login\" href=\"/login\">Accedi con Sigillo</a></p>\
             <p><a id=\"login-dispositivo\" href=\"/login?level=dispositivo\">Presenta una domanda (serve il PIN dispositivo)</a></p>",
        )
        .into_response(),
    }
}

#[derive(Deserialize)]
struct LoginQuery {
    level: Option<String>,
}

async fn login(State(state): State<AppState>, Query(q): Query<LoginQuery>) -> Response {
    let level = if q.level.as_deref() == Some("dispositivo") { ACR_DISPOSITIVO } else { ACR_ORDINARIO };
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let (url, csrf, nonce) = state
        .oidc
        .authorize_url(CoreAuthenticationFlow::AuthorizationCode, CsrfToken::new_random, Nonce::new_random)
        .add_scope(Scope::new("profile".into()))
        .add_scope(Scope::new("fiscal_number".into()))
        .add_auth_context_value(AuthenticationContextClass::new(level.into()))
        .set_pkce_challenge(challenge)
        .url();
    if let Ok(mut pending) = state.pending.lock() {
        pending.insert(csrf.secret().clone(), PendingLogin { nonce, verifier, level });
    }
    Redirect::to(url.as_str()).into_response()
}

#[derive(Deserialize)]
struct CallbackQuery {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
    error_description: Option<String>,
}

async fn callback(State(state): State<AppState>, Query(q): Query<CallbackQuery>) -> Response {
    let pending = q.state.as_deref().and_then(|s| state.pending.lock().ok()?.remove(s));
    let Some(pending) = pending else {
        return (StatusCode::BAD_REQUEST, page("Accesso non riuscito", "<p>Richiesta sconosciuta o già usata.</p>"))
            .into_response();
    };
    if let Some(error) = q.error {
        let text = format!(
            "<p id=\"error\">{}</p><p>{}</p><p><a href=\"/\">Torna alla pagina iniziale</a></p>",
            escape(&error),
            escape(q.error_description.as_deref().unwrap_or(""))
        );
        return (StatusCode::FORBIDDEN, page("Accesso non riuscito", &text)).into_response();
    }
    let Some(code) = q.code else {
        return (StatusCode::BAD_REQUEST, page("Accesso non riuscito", "<p>Codice mancante.</p>")).into_response();
    };
    match finish_login(&state, code, pending).await {
        Ok(login) => {
            let id = CsrfToken::new_random().secret().clone();
            if let Ok(mut sessions) = state.sessions.lock() {
                sessions.insert(id.clone(), login);
            }
            let cookie = format!("rp_session={id}; Path=/; HttpOnly; SameSite=Lax");
            ([(header::SET_COOKIE, cookie)], Redirect::to("/")).into_response()
        }
        Err(error) => {
            (StatusCode::FORBIDDEN, page("Accesso non riuscito", &format!("<p id=\"error\">{}</p>", escape(&error))))
                .into_response()
        }
    }
}

async fn finish_login(state: &AppState, code: String, pending: PendingLogin) -> Result<Login, String> {
    let tokens = state
        .oidc
        .exchange_code(AuthorizationCode::new(code))
        .map_err(|e| e.to_string())?
        .set_pkce_verifier(pending.verifier)
        .request_async(&http)
        .await
        .map_err(|e| format!("scambio del codice non riuscito: {e}"))?;
    let id_token = tokens.id_token().ok_or("nessun ID token")?;
    let claims = id_token.claims(&state.oidc.id_token_verifier(), &pending.nonce).map_err(|e| e.to_string())?;
    // The library checked signature, issuer, audience, expiry and nonce; the level is ours to check.
    let acr = claims.auth_context_ref().map(|a| a.as_str().to_owned()).unwrap_or_default();
    if pending.level == ACR_DISPOSITIVO && acr != ACR_DISPOSITIVO {
        return Err("serve un PIN dispositivo".into());
    }
    let name = match (claims.given_name(), claims.family_name()) {
        (Some(given), Some(family)) => format!(
            "{} {}",
            given.get(None).map(|n| n.as_str()).unwrap_or_default(),
            family.get(None).map(|n| n.as_str()).unwrap_or_default()
        ),
        _ => String::new(),
    };
    // `fiscal_number` is not a standard claim: read it from the (already verified) token body.
    let fiscal_number = fiscal_number_of(&id_token.to_string()).unwrap_or_default();
    Ok(Login {
        subject: claims.subject().as_str().to_owned(),
        name,
        fiscal_number,
        acr,
        id_token: id_token.to_string(),
    })
}

fn fiscal_number_of(jwt: &str) -> Option<String> {
    let payload = jwt.split('.').nth(1)?;
    let bytes = base64_url_decode(payload)?;
    let value: serde_json::Value = serde_json::from_slice(&bytes).ok()?;
    value["fiscal_number"].as_str().map(str::to_owned)
}

/// Base64url without padding, for a JWT's body.
fn base64_url_decode(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    let mut buffer = 0u32;
    let mut bits = 0;
    for byte in text.bytes() {
        let value = match byte {
            b'A'..=b'Z' => byte - b'A',
            b'a'..=b'z' => byte - b'a' + 26,
            b'0'..=b'9' => byte - b'0' + 52,
            b'-' => 62,
            b'_' => 63,
            _ => return None,
        };
        buffer = (buffer << 6) | u32::from(value);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push(u8::try_from((buffer >> bits) & 0xff).ok()?);
        }
    }
    Some(out)
}

async fn logout(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let Some(login) = session_of(&state, &headers) else { return Redirect::to("/").into_response() };
    let end_session = format!("{}/oidc/logout", state.settings.issuer);
    let back = format!("{}/signed-out", state.settings.base_url);
    let url = format!(
        "{end_session}?id_token_hint={}&post_logout_redirect_uri={}&state=example",
        login.id_token,
        back.replace(':', "%3A").replace('/', "%2F")
    );
    if let Ok(mut sessions) = state.sessions.lock() {
        sessions.retain(|_, l| l.subject != login.subject);
    }
    ([(header::SET_COOKIE, "rp_session=; Path=/; Max-Age=0")], Redirect::to(&url)).into_response()
}

async fn signed_out() -> Html<String> {
    page(
        "Uscita completata",
        "<p id=\"signed-out\">È uscito dal servizio di esempio.</p><p><a href=\"/\">Accedi di nuovo</a></p>",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64url() {
        assert_eq!(base64_url_decode("Zm9v").as_deref(), Some(&b"foo"[..]));
        assert_eq!(base64_url_decode("Zm8").as_deref(), Some(&b"fo"[..]));
        assert_eq!(base64_url_decode("-_8").as_deref(), Some(&[0xfb, 0xff][..]));
        assert_eq!(base64_url_decode("a=b"), None);
    }
}
