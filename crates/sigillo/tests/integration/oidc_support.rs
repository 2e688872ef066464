//! A relying service and a citizen's browser for the OpenID Connect stories: the relying service
//! is the independent `openidconnect` crate (discovery, JWKS, ID-token signature and claims
//! checks); the browser is a cookie-keeping HTTP client that follows the portal's pages the way a
//! citizen clicks through them.

use std::collections::BTreeMap;

use openidconnect::core::{CoreAuthenticationFlow, CoreClient, CoreProviderMetadata};
use openidconnect::{
    AuthenticationContextClass, AuthorizationCode, ClientId, ClientSecret, CsrfToken, EndpointMaybeSet, EndpointNotSet,
    EndpointSet, IssuerUrl, Nonce, PkceCodeChallenge, PkceCodeVerifier, RedirectUrl, Scope,
};

use crate::harness::Env;

/// The transport `openidconnect` calls: the example relying service's (reqwest, no redirects).
pub use sigillo_example_rp::http;

pub type Rp =
    CoreClient<EndpointSet, EndpointNotSet, EndpointNotSet, EndpointNotSet, EndpointMaybeSet, EndpointMaybeSet>;

/// A registered relying service, as `sigillo client add` printed it.
pub struct Registered {
    pub client_id: String,
    pub client_secret: Option<String>,
    pub redirect_uri: String,
    pub post_logout_uri: String,
}

/// Registers a client with the CLI (the way an administrator does).
pub fn register(env: &Env, name: &str, public: bool) -> Registered {
    let redirect_uri = "http://127.0.0.1:9/callback".to_owned();
    let post_logout_uri = "http://127.0.0.1:9/signed-out".to_owned();
    let mut args =
        vec!["client", "add", name, "--redirect-uri", &redirect_uri, "--post-logout-redirect-uri", &post_logout_uri];
    if public {
        args.push("--public");
    }
    let run = env.run(&args);
    assert_eq!(run.code, 0, "client add: {}", run.stderr);
    let printed: serde_json::Value = serde_json::from_str(run.stdout.trim()).expect("one JSON object");
    Registered {
        client_id: printed["client_id"].as_str().expect("client_id").to_owned(),
        client_secret: printed["client_secret"].as_str().map(str::to_owned),
        redirect_uri,
        post_logout_uri,
    }
}

/// Discovery and the JWKS through the library, as a relying service starts.
pub async fn relying_service(issuer: &str, registered: &Registered) -> Rp {
    let metadata = CoreProviderMetadata::discover_async(IssuerUrl::new(issuer.to_owned()).expect("issuer"), &http)
        .await
        .expect("discovery");
    CoreClient::from_provider_metadata(
        metadata,
        ClientId::new(registered.client_id.clone()),
        registered.client_secret.clone().map(ClientSecret::new),
    )
    .set_redirect_uri(RedirectUrl::new(registered.redirect_uri.clone()).expect("redirect"))
}

/// One authorization request's secrets, kept by the relying service.
pub struct Pending {
    pub url: String,
    pub state: CsrfToken,
    pub nonce: Nonce,
    pub verifier: PkceCodeVerifier,
}

pub fn authorization(rp: &Rp, scopes: &[&str], acr: Option<&str>, extra: &[(&str, &str)]) -> Pending {
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let mut request =
        rp.authorize_url(CoreAuthenticationFlow::AuthorizationCode, CsrfToken::new_random, Nonce::new_random);
    for scope in scopes {
        request = request.add_scope(Scope::new((*scope).to_owned()));
    }
    if let Some(acr) = acr {
        request = request.add_auth_context_value(AuthenticationContextClass::new(acr.to_owned()));
    }
    for (name, value) in extra {
        request = request.add_extra_param(*name, *value);
    }
    let (url, state, nonce) = request.set_pkce_challenge(challenge).url();
    Pending { url: url.to_string(), state, nonce, verifier }
}

pub async fn exchange(
    rp: &Rp,
    code: &str,
    verifier: PkceCodeVerifier,
) -> Result<openidconnect::core::CoreTokenResponse, String> {
    rp.exchange_code(AuthorizationCode::new(code.to_owned()))
        .expect("token endpoint")
        .set_pkce_verifier(verifier)
        .request_async(&http)
        .await
        .map_err(|e| match e {
            openidconnect::RequestTokenError::ServerResponse(r) => r.error().as_ref().to_owned(),
            other => format!("{other:?}"),
        })
}

/// The claims part of a JWT, as JSON (read after the library verified the signature).
pub fn jwt_claims(jwt: &str) -> serde_json::Value {
    use base64::Engine;
    let payload = jwt.split('.').nth(1).expect("payload");
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(payload).expect("base64url");
    serde_json::from_slice(&bytes).expect("json")
}

/// The `kid` of a JWT's header.
pub fn jwt_kid(jwt: &str) -> String {
    use base64::Engine;
    let header = jwt.split('.').next().expect("header");
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(header).expect("base64url");
    let header: serde_json::Value = serde_json::from_slice(&bytes).expect("json");
    header["kid"].as_str().expect("kid").to_owned()
}

/// A citizen's browser: keeps cookies, follows nothing by itself.
pub struct Browser {
    client: reqwest::Client,
    pub cookies: BTreeMap<String, String>,
    base: String,
}

pub struct Page {
    pub status: u16,
    pub location: Option<String>,
    pub body: String,
}

impl Page {
    /// The value of `<input … name="NAME" value="…">` on the page.
    pub fn input(&self, name: &str) -> String {
        let marker = format!("name=\"{name}\" value=\"");
        let start =
            self.body.find(&marker).unwrap_or_else(|| panic!("no input {name} in {}", self.body)) + marker.len();
        let end = self.body[start..].find('"').expect("closing quote") + start;
        unescape(&self.body[start..end])
    }

    /// Where the "back to the service" page leads (its link, same as its meta refresh).
    pub fn continue_url(&self) -> String {
        assert_eq!(self.status, 200, "{}", self.body);
        let marker = "id=\"continue\" class=\"btn btn-primary\" href=\"";
        let start =
            self.body.find(marker).unwrap_or_else(|| panic!("no continue link in {}", self.body)) + marker.len();
        let end = self.body[start..].find('"').expect("closing quote") + start;
        unescape(&self.body[start..end])
    }
}

/// Undoes the HTML escaping of an attribute value (named and numeric entities).
fn unescape(html: &str) -> String {
    let mut out = String::new();
    let mut rest = html;
    while let Some(at) = rest.find('&') {
        out.push_str(&rest[..at]);
        let entity_end = rest[at..].find(';').map(|e| at + e);
        let Some(end) = entity_end else {
            out.push_str(&rest[at..]);
            return out;
        };
        let entity = &rest[at + 1..end];
        let decoded = match entity {
            "amp" => Some('&'),
            "quot" => Some('"'),
            "lt" => Some('<'),
            "gt" => Some('>'),
            "apos" => Some('\''),
            _ => entity
                .strip_prefix("#x")
                .and_then(|h| u32::from_str_radix(h, 16).ok())
                .or_else(|| entity.strip_prefix('#').and_then(|d| d.parse().ok()))
                .and_then(char::from_u32),
        };
        match decoded {
            Some(c) => out.push(c),
            None => out.push_str(&rest[at..=end]),
        }
        rest = &rest[end + 1..];
    }
    out.push_str(rest);
    out
}

impl Browser {
    pub fn new(base: &str) -> Browser {
        let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("client");
        Browser { client, cookies: BTreeMap::new(), base: base.to_owned() }
    }

    fn absolute(&self, url: &str) -> String {
        if url.starts_with("http") { url.to_owned() } else { format!("{}{url}", self.base) }
    }

    async fn send(&mut self, request: reqwest::RequestBuilder) -> Page {
        let cookie = self.cookies.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("; ");
        let request = if cookie.is_empty() { request } else { request.header("cookie", cookie) };
        let response = request.send().await.expect("request");
        for value in response.headers().get_all("set-cookie") {
            let text = value.to_str().expect("ascii cookie");
            let pair = text.split(';').next().unwrap_or_default();
            if let Some((name, value)) = pair.split_once('=') {
                let expired = text.to_ascii_lowercase().contains("max-age=0") || value.is_empty();
                if expired {
                    self.cookies.remove(name);
                } else {
                    self.cookies.insert(name.to_owned(), value.to_owned());
                }
            }
        }
        let status = response.status().as_u16();
        let location = response.headers().get("location").map(|v| v.to_str().expect("location").to_owned());
        let body = response.text().await.unwrap_or_default();
        Page { status, location, body }
    }

    pub async fn get(&mut self, url: &str) -> Page {
        let request = self.client.get(self.absolute(url));
        self.send(request).await
    }

    /// Posts a form of this site, with the browser's form token and `Origin`.
    pub async fn post(&mut self, url: &str, fields: &[(&str, &str)]) -> Page {
        let csrf = self.cookies.get("sigillo_csrf").cloned().unwrap_or_default();
        let mut form: Vec<(&str, &str)> = vec![("csrf", &csrf)];
        form.extend_from_slice(fields);
        let request = self.client.post(self.absolute(url)).header("origin", self.base.clone()).form(&form);
        self.send(request).await
    }

    /// Follows redirects within Sigillo; stops at a page, or at a redirect to another site.
    pub async fn follow(&mut self, mut page: Page) -> Page {
        for _ in 0..10 {
            match &page.location {
                Some(to) if !to.starts_with("http") || to.starts_with(&self.base) => {
                    let to = to.clone();
                    page = self.get(&to).await;
                }
                _ => return page,
            }
        }
        panic!("too many redirects");
    }

    /// Logs in on the portal's form the authorization sent us to (`page` is that redirect).
    pub async fn log_in(&mut self, page: Page, fiscal_code: &str, pin: &str) -> Page {
        let to = page
            .location
            .clone()
            .unwrap_or_else(|| panic!("expected the login redirect: {} {}", page.status, page.body));
        assert!(to.starts_with("/accedi?next="), "login redirect: {to}");
        let form = self.get(&to).await;
        assert_eq!(form.status, 200);
        let action = to.split('&').next().expect("path").to_owned();
        let posted = self.post(&action, &[("fiscal_code", fiscal_code), ("pin", pin)]).await;
        assert_eq!(posted.status, 303, "login: {}", posted.body);
        self.follow(posted).await
    }
}

/// The query parameters of a URL.
pub fn query_of(url: &str) -> BTreeMap<String, String> {
    let query = url.split_once('?').map(|(_, q)| q).unwrap_or_default();
    query.split('&').filter_map(|pair| pair.split_once('=')).map(|(k, v)| (k.to_owned(), percent_decode(v))).collect()
}

fn percent_decode(value: &str) -> String {
    let bytes = value.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() + 1 {
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).expect("hex");
            out.push(u8::from_str_radix(hex, 16).expect("hex"));
            i += 3;
        } else {
            out.push(if bytes[i] == b'+' { b' ' } else { bytes[i] });
            i += 1;
        }
    }
    String::from_utf8(out).expect("utf-8")
}

pub use sigillo_app::oidc::form_encode;
