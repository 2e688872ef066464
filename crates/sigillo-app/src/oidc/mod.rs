//! OpenID Connect provider (SPEC 7, issue 8): relying services of the institute log citizens in
//! through Sigillo and ask for the level they need. Authorization code flow with PKCE (S256 only),
//! ID tokens signed with ES256, opaque access and refresh tokens stored hashed.
//!
//! The authorization request is checked, then stored; the browser carries only its id through
//! the portal's login, the step-up and the consent page, so any node can resume it and nothing in
//! the URL can change what was asked.

pub mod clients;
pub mod keys;
pub mod tokens;

use std::time::Duration;

use sigillo_domain::audit::{Actor, AuditEvent};
use sigillo_domain::credential::Level;
use sigillo_domain::oidc::{
    AuthorizationCode, AuthorizationRequest, CODE_TTL, Client, Consent, Grant, LoginFit, REQUEST_TTL, Scope, Scopes,
    acr_of, min_level_of_acr_values, parse_scopes, scopes_string, valid_challenge,
};
use sigillo_domain::session::token_hash;
use sigillo_domain::store::StoreError;
use uuid::Uuid;

use crate::login::Citizen;
use crate::{Sigillo, now};

/// The key of the pairwise subjects (`sub`): the same on every node, or each node would give a
/// citizen a different `sub`. Never printed.
#[derive(Clone)]
pub struct SubjectKey(pub Vec<u8>);

impl std::fmt::Debug for SubjectKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SubjectKey(…)")
    }
}

impl Sigillo {
    /// The `iss` of every token: the public URL without a trailing slash.
    pub fn issuer(&self) -> String {
        self.settings.public_url.trim_end_matches('/').to_owned()
    }

    pub fn subject_of(&self, client_id: &str, code: &sigillo_domain::fiscal_code::FiscalCode) -> String {
        sigillo_domain::oidc::pairwise_sub(&self.settings.subject_key.0, client_id, code)
    }
}

/// The parameters of `/oidc/authorize`, as received.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct AuthorizeParams {
    pub client_id: Option<String>,
    pub redirect_uri: Option<String>,
    pub response_type: Option<String>,
    pub scope: Option<String>,
    pub state: Option<String>,
    pub nonce: Option<String>,
    pub code_challenge: Option<String>,
    pub code_challenge_method: Option<String>,
    pub acr_values: Option<String>,
    pub max_age: Option<String>,
    pub prompt: Option<String>,
    pub request: Option<String>,
    pub request_uri: Option<String>,
}

/// A request that cannot go back to the client (unknown client, redirect URI not registered):
/// shown to the citizen only, since redirecting would make Sigillo an open redirector.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum RequestRefused {
    #[error("Il servizio che ti ha inviato qui non è registrato presso Sigillo.")]
    UnknownClient,
    #[error("L'indirizzo di ritorno indicato dal servizio non è tra quelli registrati.")]
    RedirectUri,
    #[error("La richiesta di accesso è scaduta o è già stata usata. Torna al servizio e riprova.")]
    Expired,
}

/// An answer for the client, sent to its redirect URI (RFC 6749 4.1.2.1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientRedirect {
    pub url: String,
}

impl ClientRedirect {
    fn new(redirect_uri: &str, params: &[(&str, Option<&str>)]) -> ClientRedirect {
        let mut url = redirect_uri.to_owned();
        let mut sep = if url.contains('?') { '&' } else { '?' };
        for (name, value) in params {
            if let Some(value) = value {
                url.push(sep);
                url.push_str(name);
                url.push('=');
                url.push_str(&form_encode(value));
                sep = '&';
            }
        }
        ClientRedirect { url }
    }

    fn error(
        request_redirect: &str,
        state: Option<&str>,
        issuer: &str,
        error: &str,
        description: &str,
    ) -> ClientRedirect {
        ClientRedirect::new(
            request_redirect,
            &[
                ("error", Some(error)),
                ("error_description", Some(description)),
                ("state", state),
                ("iss", Some(issuer)),
            ],
        )
    }
}

/// Percent-encoding of a query value (RFC 3986 unreserved characters kept).
pub fn form_encode(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => char::from(b).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// What the browser does next in an authorization.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuthorizeStep {
    /// Log in with the portal's form, then come back to the request (`fresh`: even if logged in).
    Login { request_id: Uuid, fresh: bool },
    /// The PIN must be changed first (first access or rotation), then come back.
    ChangePin { request_id: Uuid },
    /// The service needs a PIN dispositivo and the citizen's PIN is ordinario: explain how to
    /// upgrade, and let them go back to the service (which then gets an error).
    UpgradeNeeded { request_id: Uuid, client_name: String },
    /// Ask the citizen whether to share these data with the service.
    Consent { request_id: Uuid, client_name: String, scopes: Scopes },
    /// Back to the client, with a code or an error.
    Redirect(ClientRedirect),
}

#[derive(Debug, thiserror::Error)]
pub enum AuthorizeError {
    #[error(transparent)]
    Refused(#[from] RequestRefused),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl Sigillo {
    /// Checks an authorization request. A request with an unknown client or redirect URI is
    /// refused on the page; any other fault goes back to the client as an error; a good one is
    /// stored and the next step returned.
    pub async fn authorize(
        &self,
        params: &AuthorizeParams,
        citizen: Option<&Citizen>,
    ) -> Result<AuthorizeStep, AuthorizeError> {
        let client = match params.client_id.as_deref() {
            Some(id) if !id.is_empty() && id.len() <= 128 => self.store.client(id).await?,
            _ => None,
        };
        let Some(client) = client.filter(|c| c.disabled_at.is_none()) else {
            return Err(RequestRefused::UnknownClient.into());
        };
        let Some(redirect_uri) = params.redirect_uri.as_deref().filter(|uri| client.allows_redirect(uri)) else {
            return Err(RequestRefused::RedirectUri.into());
        };
        let state = params.state.as_deref().filter(|s| !s.is_empty());
        let issuer = self.issuer();
        let fail = |error: &str, description: &str| {
            Ok(AuthorizeStep::Redirect(ClientRedirect::error(redirect_uri, state, &issuer, error, description)))
        };
        if params.request.is_some() {
            return fail("request_not_supported", "request objects are not supported");
        }
        if params.request_uri.is_some() {
            return fail("request_uri_not_supported", "request_uri is not supported");
        }
        if params.response_type.as_deref() != Some("code") {
            return fail("unsupported_response_type", "only response_type=code is supported");
        }
        let scopes = parse_scopes(params.scope.as_deref().unwrap_or(""));
        if !scopes.contains(&Scope::OpenId) {
            return fail("invalid_scope", "the openid scope is required");
        }
        let challenge = params.code_challenge.as_deref().unwrap_or("");
        if params.code_challenge_method.as_deref() != Some("S256") || !valid_challenge(challenge) {
            return fail("invalid_request", "PKCE is required: code_challenge with code_challenge_method=S256");
        }
        if state.is_some_and(|s| s.len() > 1024) || params.nonce.as_deref().is_some_and(|n| n.len() > 1024) {
            return fail("invalid_request", "state and nonce may be at most 1024 characters");
        }
        let max_age = match params.max_age.as_deref() {
            None | Some("") => None,
            Some(raw) => match raw.parse::<u64>() {
                Ok(seconds) => Some(seconds),
                Err(_) => return fail("invalid_request", "max_age must be a number of seconds"),
            },
        };
        let prompts: Vec<&str> = params.prompt.as_deref().unwrap_or("").split(' ').filter(|p| !p.is_empty()).collect();
        if prompts.iter().any(|p| !matches!(*p, "none" | "login" | "consent")) {
            return fail("invalid_request", "prompt may be none, login or consent");
        }
        let prompt_none = prompts.contains(&"none");
        if prompt_none && prompts.len() > 1 {
            return fail("invalid_request", "prompt=none cannot be combined with other values");
        }
        let now = now();
        let request = AuthorizationRequest {
            id: Uuid::new_v4(),
            client_id: client.id.clone(),
            redirect_uri: redirect_uri.to_owned(),
            scopes,
            state: state.map(str::to_owned),
            nonce: params.nonce.clone().filter(|n| !n.is_empty()),
            code_challenge: challenge.to_owned(),
            min_level: min_level_of_acr_values(params.acr_values.as_deref().unwrap_or("")),
            max_age,
            force_login: prompts.contains(&"login"),
            created_at: now,
            expires_at: now + REQUEST_TTL,
        };
        if prompt_none {
            // No page may be shown: answer at once, from the session as it is.
            return self.decide(&client, &request, citizen, true, prompts.contains(&"consent")).await;
        }
        self.store.insert_authorization_request(&request).await?;
        metrics::counter!("sigillo_oidc_authorizations_total", "client" => client.id.clone()).increment(1);
        self.decide(&client, &request, citizen, false, prompts.contains(&"consent")).await
    }

    /// Picks the stored request up again after a login, a PIN change or the upgrade page.
    pub async fn resume_authorization(
        &self,
        request_id: Uuid,
        citizen: Option<&Citizen>,
    ) -> Result<AuthorizeStep, AuthorizeError> {
        let (client, request) = self.pending_request(request_id).await?;
        self.decide(&client, &request, citizen, false, false).await
    }

    async fn pending_request(&self, request_id: Uuid) -> Result<(Client, AuthorizationRequest), AuthorizeError> {
        let request = self.store.authorization_request(request_id).await?;
        let Some(request) = request.filter(|r| now() < r.expires_at) else {
            return Err(RequestRefused::Expired.into());
        };
        let client = self.store.client(&request.client_id).await?.filter(|c| c.disabled_at.is_none());
        let Some(client) = client else { return Err(RequestRefused::UnknownClient.into()) };
        Ok((client, request))
    }

    async fn decide(
        &self,
        client: &Client,
        request: &AuthorizationRequest,
        citizen: Option<&Citizen>,
        prompt_none: bool,
        ask_consent: bool,
    ) -> Result<AuthorizeStep, AuthorizeError> {
        let issuer = self.issuer();
        let error = |error: &str, description: &str| {
            AuthorizeStep::Redirect(ClientRedirect::error(
                &request.redirect_uri,
                request.state.as_deref(),
                &issuer,
                error,
                description,
            ))
        };
        let now = now();
        let Some(citizen) = citizen else {
            if prompt_none {
                return Ok(error("login_required", "the citizen is not logged in"));
            }
            return Ok(AuthorizeStep::Login { request_id: request.id, fresh: false });
        };
        match request.login_fits(citizen.session.created_at, citizen.session.level, now) {
            LoginFit::Fits => {}
            LoginFit::Fresh if prompt_none => return Ok(error("login_required", "a fresh login is required")),
            LoginFit::Fresh => return Ok(AuthorizeStep::Login { request_id: request.id, fresh: true }),
            LoginFit::Higher if citizen.credential.level == Level::Dispositivo => {
                // The PIN became dispositivo after this login: typing it again logs in higher.
                if prompt_none {
                    return Ok(error("login_required", "a login at a higher level is required"));
                }
                return Ok(AuthorizeStep::Login { request_id: request.id, fresh: true });
            }
            LoginFit::Higher => {
                if prompt_none {
                    return Ok(error(
                        "unmet_authentication_requirements",
                        "the citizen's PIN is ordinario; the service requires a PIN dispositivo",
                    ));
                }
                return Ok(AuthorizeStep::UpgradeNeeded { request_id: request.id, client_name: client.name.clone() });
            }
        }
        if citizen.must_change_pin {
            if prompt_none {
                return Ok(error("interaction_required", "the citizen must change the PIN first"));
            }
            return Ok(AuthorizeStep::ChangePin { request_id: request.id });
        }
        let consent = self.store.consent(&citizen.credential.fiscal_code, &client.id).await?;
        if ask_consent || !consent.is_some_and(|c| c.covers(&request.scopes)) {
            if prompt_none {
                return Ok(error("consent_required", "the citizen has not agreed to share these data"));
            }
            return Ok(AuthorizeStep::Consent {
                request_id: request.id,
                client_name: client.name.clone(),
                scopes: request.scopes.clone(),
            });
        }
        Ok(AuthorizeStep::Redirect(self.issue_code(request, citizen, prompt_none).await?))
    }

    /// The citizen's answer on the consent page.
    pub async fn answer_consent(
        &self,
        request_id: Uuid,
        citizen: &Citizen,
        agreed: bool,
        client_ip: Option<&str>,
    ) -> Result<AuthorizeStep, AuthorizeError> {
        let (client, request) = self.pending_request(request_id).await?;
        if !agreed {
            return Ok(AuthorizeStep::Redirect(
                self.refuse_request(&request, "access_denied", "the citizen declined").await?,
            ));
        }
        // The login is checked again: the consent form may have waited while the session changed.
        let step = self.decide(&client, &request, Some(citizen), false, false).await?;
        if !matches!(step, AuthorizeStep::Consent { .. }) {
            return Ok(step);
        }
        let now = now();
        let merged = match self.store.consent(&citizen.credential.fiscal_code, &client.id).await? {
            Some(old) => old.scopes.union(&request.scopes).copied().collect(),
            None => request.scopes.clone(),
        };
        self.store
            .save_consent(&Consent {
                fiscal_code: citizen.credential.fiscal_code,
                client_id: client.id.clone(),
                scopes: merged,
                granted_at: now,
            })
            .await?;
        self.store
            .append_audit(vec![
                AuditEvent::new(now, Actor::Citizen, "oidc_consent_given")
                    .fiscal_code(&citizen.credential.fiscal_code)
                    .credential(citizen.credential.id)
                    .client_ip(client_ip)
                    .detail("client", client.id.clone())
                    .detail("scopes", scopes_string(&request.scopes)),
            ])
            .await?;
        Ok(AuthorizeStep::Redirect(self.issue_code(&request, citizen, false).await?))
    }

    /// Gives up a stored request (the citizen went back from the upgrade page, or declined).
    pub async fn cancel_authorization(&self, request_id: Uuid) -> Result<ClientRedirect, AuthorizeError> {
        let (_, request) = self.pending_request(request_id).await?;
        let (error, description) = if request.min_level == Level::Dispositivo {
            ("unmet_authentication_requirements", "the service requires a PIN dispositivo")
        } else {
            ("access_denied", "the citizen went back without logging in")
        };
        Ok(self.refuse_request(&request, error, description).await?)
    }

    async fn refuse_request(
        &self,
        request: &AuthorizationRequest,
        error: &str,
        description: &str,
    ) -> Result<ClientRedirect, StoreError> {
        self.store.delete_authorization_request(request.id).await?;
        metrics::counter!("sigillo_oidc_refusals_total", "error" => error.to_owned()).increment(1);
        Ok(ClientRedirect::error(&request.redirect_uri, request.state.as_deref(), &self.issuer(), error, description))
    }

    async fn issue_code(
        &self,
        request: &AuthorizationRequest,
        citizen: &Citizen,
        transient: bool,
    ) -> Result<ClientRedirect, AuthorizeError> {
        let now = now();
        let code = crate::otp::token().map_err(|e| StoreError::Other(e.to_string()))?;
        let grant = Grant {
            id: Uuid::new_v4(),
            client_id: request.client_id.clone(),
            fiscal_code: citizen.credential.fiscal_code,
            credential_id: citizen.credential.id,
            session_id: Some(citizen.session.id),
            scopes: request.scopes.clone(),
            nonce: request.nonce.clone(),
            level: citizen.session.level,
            auth_time: citizen.session.created_at,
            created_at: now,
            revoked_at: None,
        };
        let stored_code = AuthorizationCode {
            code_hash: token_hash(&code),
            grant_id: grant.id,
            redirect_uri: request.redirect_uri.clone(),
            code_challenge: request.code_challenge.clone(),
            expires_at: now + CODE_TTL,
            used_at: None,
        };
        let audit = AuditEvent::new(now, Actor::Citizen, "oidc_code_issued")
            .fiscal_code(&citizen.credential.fiscal_code)
            .credential(citizen.credential.id)
            .detail("client", request.client_id.clone())
            .detail("acr", acr_of(citizen.session.level))
            .detail("scopes", scopes_string(&request.scopes));
        if transient {
            // prompt=none: the request was never stored, so there is nothing to consume.
            self.store.insert_authorization_request(request).await?;
        }
        match self.store.insert_grant(request.id, &grant, &stored_code, audit).await {
            Ok(()) => {}
            Err(StoreError::Conflict(_)) => return Err(RequestRefused::Expired.into()),
            Err(other) => return Err(other.into()),
        }
        metrics::counter!("sigillo_oidc_codes_total", "acr" => acr_of(citizen.session.level)).increment(1);
        Ok(ClientRedirect::new(
            &request.redirect_uri,
            &[("code", Some(&code)), ("state", request.state.as_deref()), ("iss", Some(&self.issuer()))],
        ))
    }

    /// Opportunistic clean-up of expired requests, codes and tokens (run by the sweeper).
    pub async fn prune_oidc(&self, keep: Duration) -> Result<u64, StoreError> {
        self.store.prune_oidc(now() - keep).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redirects_encode_their_values() {
        let r = ClientRedirect::new(
            "https://x.it/cb",
            &[("code", Some("a b&c")), ("state", None), ("iss", Some("https://i"))],
        );
        assert_eq!(r.url, "https://x.it/cb?code=a%20b%26c&iss=https%3A%2F%2Fi");
        let r = ClientRedirect::new("https://x.it/cb?k=1", &[("code", Some("z"))]);
        assert_eq!(r.url, "https://x.it/cb?k=1&code=z");
    }
}
