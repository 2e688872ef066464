//! The token endpoint (code and refresh-token grants), userinfo, token revocation and
//! RP-initiated logout.

use std::time::Duration;

use serde::{Deserialize, Serialize};
use sigillo_domain::audit::{Actor, AuditEvent};
use sigillo_domain::contact::ContactKind;
use sigillo_domain::credential::CredentialState;
use sigillo_domain::oidc::{
    Client, Grant, REFRESH_TTL, Scope, TOKEN_TTL, Token, TokenKind, acr_of, fiscal_number, pkce_matches, scopes_string,
};
use sigillo_domain::rate_limit::Limit;
use sigillo_domain::session::token_hash;
use sigillo_domain::store::StoreError;
use time::OffsetDateTime;

use super::keys::KeyError;
use crate::context::RateLimited;
use crate::login::Citizen;
use crate::{Sigillo, now};

/// Token requests per client address: a relying service's servers share few addresses and
/// exchange a code per login, so the limit is high; it stops guessing, not use.
const TOKEN_PER_ADDRESS: Limit = Limit { name: "token_ip", limit: 600, window: Duration::from_secs(60) };
/// Failed client authentications per client id: secrets are not guessable, but each try costs.
const TOKEN_PER_CLIENT_FAILURES: Limit =
    Limit { name: "token_client_fail", limit: 30, window: Duration::from_secs(60) };

/// A token request, as received (form fields, plus the Basic credentials if any).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct TokenRequest {
    pub grant_type: Option<String>,
    pub code: Option<String>,
    pub redirect_uri: Option<String>,
    pub code_verifier: Option<String>,
    pub refresh_token: Option<String>,
    pub client_id: Option<String>,
    pub client_secret: Option<String>,
}

/// The client's credentials: from HTTP Basic (`client_secret_basic`) or the form
/// (`client_secret_post`, or `none` for a public client).
#[derive(Debug, Clone, Default)]
pub struct ClientCredentials {
    pub client_id: Option<String>,
    pub client_secret: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct TokenResponse {
    pub access_token: String,
    pub token_type: &'static str,
    pub expires_in: u64,
    pub id_token: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<String>,
    pub scope: String,
}

/// An OAuth error answer (RFC 6749 5.2).
#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    #[error("{0}: {1}")]
    Oauth(&'static str, &'static str),
    /// Client authentication failed: 401.
    #[error("invalid_client")]
    InvalidClient,
    #[error("rate limited")]
    RateLimited(RateLimited),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Key(#[from] KeyError),
}

fn invalid_grant(why: &'static str) -> TokenError {
    TokenError::Oauth("invalid_grant", why)
}

/// The claims of an ID token (OpenID Connect Core 2) and of userinfo.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct IdTokenClaims {
    pub iss: String,
    pub sub: String,
    pub aud: String,
    pub exp: i64,
    pub iat: i64,
    pub auth_time: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nonce: Option<String>,
    pub acr: String,
    pub amr: Vec<String>,
    pub azp: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub at_hash: Option<String>,
    /// Present with the refresh grant's tokens too; lets logout find the session.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sid: Option<String>,
    #[serde(flatten)]
    pub person: PersonClaims,
}

/// What the scopes let a client know of the citizen.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct PersonClaims {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fiscal_number: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub family_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub given_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub birthdate: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email_verified: Option<bool>,
}

/// The `amr` of a PIN login (RFC 8176: `pin`, something the citizen knows).
const AMR: &str = "pin";

impl Sigillo {
    async fn authenticate_client(
        &self,
        credentials: &ClientCredentials,
        client_ip: Option<&str>,
    ) -> Result<Client, TokenError> {
        let now = now();
        if let Some(ip) = client_ip {
            let key = TOKEN_PER_ADDRESS.key(ip, now);
            if self.store.hit(&key, now + TOKEN_PER_ADDRESS.window).await? > TOKEN_PER_ADDRESS.limit {
                metrics::counter!("sigillo_rate_limited_total", "endpoint" => "oidc_token", "by" => "ip").increment(1);
                return Err(TokenError::RateLimited(RateLimited { retry_after: TOKEN_PER_ADDRESS.retry_after(now) }));
            }
        }
        let Some(id) = credentials.client_id.as_deref().filter(|id| !id.is_empty() && id.len() <= 128) else {
            return Err(TokenError::InvalidClient);
        };
        let client = self.store.client(id).await?.filter(|c| c.disabled_at.is_none());
        let authenticated = match (&client, credentials.client_secret.as_deref()) {
            (Some(c), None) => c.is_public(),
            (Some(c), Some(secret)) => c.secret_hash.as_deref().is_some_and(|hash| {
                sigillo_domain::contact::constant_time_eq(hash.as_bytes(), token_hash(secret).as_bytes())
            }),
            (None, _) => false,
        };
        match client {
            Some(client) if authenticated => Ok(client),
            _ => {
                let key = TOKEN_PER_CLIENT_FAILURES.key(id, now);
                if self.store.hit(&key, now + TOKEN_PER_CLIENT_FAILURES.window).await? > TOKEN_PER_CLIENT_FAILURES.limit
                {
                    return Err(TokenError::RateLimited(RateLimited {
                        retry_after: TOKEN_PER_CLIENT_FAILURES.retry_after(now),
                    }));
                }
                metrics::counter!("sigillo_oidc_client_auth_failed_total").increment(1);
                Err(TokenError::InvalidClient)
            }
        }
    }

    /// `POST /oidc/token`.
    pub async fn token(
        &self,
        request: &TokenRequest,
        credentials: &ClientCredentials,
        client_ip: Option<&str>,
    ) -> Result<TokenResponse, TokenError> {
        let client = self.authenticate_client(credentials, client_ip).await?;
        let response = match request.grant_type.as_deref() {
            Some("authorization_code") => self.exchange_code(&client, request, client_ip).await,
            Some("refresh_token") => self.refresh(&client, request, client_ip).await,
            Some(_) => Err(TokenError::Oauth("unsupported_grant_type", "use authorization_code or refresh_token")),
            None => Err(TokenError::Oauth("invalid_request", "grant_type is required")),
        };
        let outcome = match &response {
            Ok(_) => "issued",
            Err(TokenError::Oauth(error, _)) => error,
            Err(_) => "error",
        };
        metrics::counter!("sigillo_oidc_token_requests_total", "outcome" => outcome).increment(1);
        response
    }

    async fn exchange_code(
        &self,
        client: &Client,
        request: &TokenRequest,
        client_ip: Option<&str>,
    ) -> Result<TokenResponse, TokenError> {
        let (Some(code), Some(verifier)) = (request.code.as_deref(), request.code_verifier.as_deref()) else {
            return Err(TokenError::Oauth("invalid_request", "code and code_verifier are required"));
        };
        let now = now();
        let Some((stored, grant)) = self.store.redeem_code(&token_hash(code), now).await? else {
            return Err(invalid_grant("unknown code"));
        };
        if grant.client_id != client.id {
            return Err(invalid_grant("the code was issued to another client"));
        }
        if stored.used_at.is_some() {
            // A code presented twice was stolen or replayed: whatever the first use gave is revoked.
            self.revoke_grant(&grant, "oidc_code_replayed", client_ip).await?;
            return Err(invalid_grant("the code was already used"));
        }
        if now >= stored.expires_at || grant.revoked_at.is_some() {
            return Err(invalid_grant("the code has expired"));
        }
        if request.redirect_uri.as_deref() != Some(stored.redirect_uri.as_str()) {
            return Err(invalid_grant("redirect_uri does not match the authorization request"));
        }
        if !pkce_matches(verifier, &stored.code_challenge) {
            return Err(invalid_grant("code_verifier does not match the code_challenge"));
        }
        self.issue_tokens(client, &grant, now, grant.auth_time + REFRESH_TTL, client_ip, "oidc_tokens_issued").await
    }

    async fn refresh(
        &self,
        client: &Client,
        request: &TokenRequest,
        client_ip: Option<&str>,
    ) -> Result<TokenResponse, TokenError> {
        let Some(refresh) = request.refresh_token.as_deref() else {
            return Err(TokenError::Oauth("invalid_request", "refresh_token is required"));
        };
        let now = now();
        let Some((stored, grant)) = self.store.use_refresh_token(&token_hash(refresh), now).await? else {
            return Err(invalid_grant("unknown refresh token"));
        };
        if stored.kind != TokenKind::Refresh || grant.client_id != client.id {
            return Err(invalid_grant("unknown refresh token"));
        }
        if stored.used_at.is_some() {
            self.revoke_grant(&grant, "oidc_refresh_reused", client_ip).await?;
            return Err(invalid_grant("the refresh token was already used; the whole session is revoked"));
        }
        if now >= stored.expires_at || grant.revoked_at.is_some() {
            return Err(invalid_grant("the refresh token has expired or was revoked"));
        }
        // A PIN revoked, replaced or locked since the login ends what it opened.
        let credential = self.store.live_credential(&grant.fiscal_code).await?;
        let still = credential.is_some_and(|c| c.id == grant.credential_id && c.state == CredentialState::Active);
        if !still {
            self.revoke_grant(&grant, "oidc_grant_revoked", client_ip).await?;
            return Err(invalid_grant("the PIN used to log in is no longer valid"));
        }
        self.issue_tokens(client, &grant, now, stored.expires_at, client_ip, "oidc_tokens_refreshed").await
    }

    async fn issue_tokens(
        &self,
        client: &Client,
        grant: &Grant,
        now: OffsetDateTime,
        refresh_until: OffsetDateTime,
        client_ip: Option<&str>,
        event: &str,
    ) -> Result<TokenResponse, TokenError> {
        let access = crate::otp::token().map_err(|e| StoreError::Other(e.to_string()))?;
        let mut tokens = vec![Token {
            token_hash: token_hash(&access),
            grant_id: grant.id,
            kind: TokenKind::Access,
            created_at: now,
            expires_at: now + TOKEN_TTL,
            used_at: None,
        }];
        let refresh = if grant.scopes.contains(&Scope::OfflineAccess) && now < refresh_until {
            let token = crate::otp::token().map_err(|e| StoreError::Other(e.to_string()))?;
            tokens.push(Token {
                token_hash: token_hash(&token),
                grant_id: grant.id,
                kind: TokenKind::Refresh,
                created_at: now,
                expires_at: refresh_until,
                used_at: None,
            });
            Some(token)
        } else {
            None
        };
        let claims = IdTokenClaims {
            iss: self.issuer(),
            sub: self.subject_of(&client.id, &grant.fiscal_code),
            aud: client.id.clone(),
            exp: (now + TOKEN_TTL).unix_timestamp(),
            iat: now.unix_timestamp(),
            auth_time: grant.auth_time.unix_timestamp(),
            nonce: grant.nonce.clone(),
            acr: acr_of(grant.level).to_owned(),
            amr: vec![AMR.to_owned()],
            azp: client.id.clone(),
            at_hash: Some(at_hash(&access)),
            sid: grant.session_id.map(|s| s.to_string()),
            person: self.person_claims(grant).await?,
        };
        let id_token = self.sign_jwt(&claims).await?;
        let audit = AuditEvent::new(now, Actor::Citizen, event)
            .fiscal_code(&grant.fiscal_code)
            .credential(grant.credential_id)
            .client_ip(client_ip)
            .detail("client", client.id.clone())
            .detail("acr", acr_of(grant.level))
            .detail("refresh", if refresh.is_some() { "yes" } else { "no" });
        self.store.insert_tokens(&tokens, vec![audit]).await?;
        Ok(TokenResponse {
            access_token: access,
            token_type: "Bearer",
            expires_in: TOKEN_TTL.as_secs(),
            id_token,
            refresh_token: refresh,
            scope: scopes_string(&grant.scopes),
        })
    }

    async fn person_claims(&self, grant: &Grant) -> Result<PersonClaims, StoreError> {
        let mut claims = PersonClaims::default();
        if grant.scopes.contains(&Scope::FiscalNumber) {
            claims.fiscal_number = Some(fiscal_number(&grant.fiscal_code));
        }
        let wants_profile = grant.scopes.contains(&Scope::Profile);
        let wants_email = grant.scopes.contains(&Scope::Email);
        if !wants_profile && !wants_email {
            return Ok(claims);
        }
        let person = self.store.find_person(&grant.fiscal_code).await?;
        if wants_profile && let Some(person) = &person {
            claims.family_name = Some(person.family_name.clone());
            claims.given_name = Some(person.given_name.clone());
            claims.name = Some(format!("{} {}", person.given_name, person.family_name));
            claims.birthdate = Some(person.birth_date.to_string());
        }
        if wants_email {
            // An address the citizen proved with a code comes first; the registry's is on file
            // but was never verified by Sigillo.
            let contacts = self.store.contacts_of(&grant.fiscal_code).await?;
            let verified = contacts.iter().rev().find(|c| c.kind == ContactKind::Email && c.verified_at.is_some());
            if let Some(contact) = verified {
                claims.email = Some(contact.value.clone());
                claims.email_verified = Some(true);
            } else if let Some(email) = person.as_ref().and_then(|p| p.email.as_ref()) {
                claims.email = Some(email.as_str().to_owned());
                claims.email_verified = Some(false);
            }
        }
        Ok(claims)
    }

    async fn revoke_grant(&self, grant: &Grant, event: &str, client_ip: Option<&str>) -> Result<(), StoreError> {
        let now = now();
        let audit = AuditEvent::new(now, Actor::Citizen, event)
            .fiscal_code(&grant.fiscal_code)
            .credential(grant.credential_id)
            .client_ip(client_ip)
            .detail("client", grant.client_id.clone());
        metrics::counter!("sigillo_oidc_grants_revoked_total", "why" => event.to_owned()).increment(1);
        self.store.revoke_grants(&[grant.id], now, vec![audit]).await
    }

    /// `GET /oidc/userinfo`: the claims of a live access token, or `None` (401).
    pub async fn userinfo(&self, access_token: &str) -> Result<Option<serde_json::Value>, StoreError> {
        let now = now();
        let Some((token, grant)) = self.store.token(&token_hash(access_token)).await? else { return Ok(None) };
        if token.kind != TokenKind::Access || now >= token.expires_at || grant.revoked_at.is_some() {
            return Ok(None);
        }
        let client = self.store.client(&grant.client_id).await?;
        if client.is_none_or(|c| c.disabled_at.is_some()) {
            return Ok(None);
        }
        let mut claims = serde_json::to_value(self.person_claims(&grant).await?).unwrap_or_default();
        if let Some(map) = claims.as_object_mut() {
            map.insert("sub".into(), self.subject_of(&grant.client_id, &grant.fiscal_code).into());
            map.insert("acr".into(), acr_of(grant.level).into());
        }
        Ok(Some(claims))
    }

    /// `POST /oidc/revoke` (RFC 7009): a client revokes one of its tokens, and with it the
    /// grant (the access and refresh tokens of that login). Unknown tokens are not an error.
    pub async fn revoke_token(
        &self,
        token: &str,
        credentials: &ClientCredentials,
        client_ip: Option<&str>,
    ) -> Result<(), TokenError> {
        let client = self.authenticate_client(credentials, client_ip).await?;
        if let Some((_, grant)) = self.store.token(&token_hash(token)).await?
            && grant.client_id == client.id
            && grant.revoked_at.is_none()
        {
            self.revoke_grant(&grant, "oidc_token_revoked", client_ip).await?;
        }
        Ok(())
    }
}

/// `at_hash` (OpenID Connect Core 3.1.3.6): the left half of the access token's SHA-256.
pub fn at_hash(access_token: &str) -> String {
    use sha2::Digest;
    let digest = sha2::Sha256::digest(access_token.as_bytes());
    sigillo_domain::oidc::base64url(&digest[..16])
}

/// RP-initiated logout (OpenID Connect RP-Initiated Logout 1.0).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct LogoutParams {
    pub id_token_hint: Option<String>,
    pub post_logout_redirect_uri: Option<String>,
    pub state: Option<String>,
    pub client_id: Option<String>,
}

impl Sigillo {
    /// Checks a logout request: the hint names the client (and it must be ours), and only a
    /// registered `post_logout_redirect_uri` is followed.
    pub async fn logout_request(
        &self,
        params: &LogoutParams,
        citizen: Option<&Citizen>,
    ) -> Result<(Option<Client>, Option<String>, bool), KeyError> {
        let mut hinted = false;
        let mut client_id = params.client_id.clone();
        if let Some(hint) = params.id_token_hint.as_deref() {
            match self.verify_own_jwt::<IdTokenClaims>(hint).await? {
                Some(claims) => {
                    if client_id.as_ref().is_some_and(|id| *id != claims.aud) {
                        return Ok((None, None, false));
                    }
                    // The hint must be about whoever is logged in here (or nobody is).
                    hinted =
                        citizen.is_none_or(|c| self.subject_of(&claims.aud, &c.credential.fiscal_code) == claims.sub);
                    client_id = Some(claims.aud);
                }
                None => return Ok((None, None, false)),
            }
        }
        let client = match client_id {
            Some(id) => self.store.client(&id).await?.filter(|c| c.disabled_at.is_none()),
            None => None,
        };
        let redirect = match (&client, params.post_logout_redirect_uri.as_deref()) {
            (Some(c), Some(uri)) if c.post_logout_redirect_uris.iter().any(|r| r == uri) => {
                let mut url = uri.to_owned();
                if let Some(state) = params.state.as_deref().filter(|s| !s.is_empty() && s.len() <= 1024) {
                    url.push(if url.contains('?') { '&' } else { '?' });
                    url.push_str("state=");
                    url.push_str(&super::form_encode(state));
                }
                Some(url)
            }
            _ => None,
        };
        Ok((client, redirect, hinted))
    }

    /// Ends the citizen's portal session and every grant it opened, with the audit entry.
    pub async fn logout_everywhere(&self, citizen: &Citizen, client_ip: Option<&str>) -> Result<(), StoreError> {
        let grants = self.store.grants_of_session(citizen.session.id).await?;
        if !grants.is_empty() {
            let now = now();
            let ids: Vec<_> = grants.iter().map(|g| g.id).collect();
            let audit = AuditEvent::new(now, Actor::Citizen, "oidc_logout")
                .fiscal_code(&citizen.credential.fiscal_code)
                .credential(citizen.credential.id)
                .client_ip(client_ip)
                .detail("grants", ids.len().to_string());
            self.store.revoke_grants(&ids, now, vec![audit]).await?;
        }
        self.logout(citizen, client_ip).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn at_hash_is_the_left_half_of_sha256() {
        // OpenID Connect Core A.3 example: access token and its at_hash.
        assert_eq!(at_hash("jHkWEdUXMU1BwAsC4vtUsZwnNvTIxEl0z9K3vx5KF0Y"), "77QmUPtjPfzWtF2AnpK9RQ");
    }
}
