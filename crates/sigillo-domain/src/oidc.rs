//! OpenID Connect provider rules (SPEC 7, issue 8), with no I/O: relying services (clients) and
//! their redirect URIs, the authorization request and its checks, PKCE, levels as `acr` values,
//! authorization codes, refresh-token families, consents, and the claims a citizen's ID token
//! carries.

use std::collections::BTreeSet;
use std::time::Duration;

use sha2::{Digest, Sha256};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::credential::Level;
use crate::fiscal_code::FiscalCode;

/// The level of a login as `acr` (API.md): exactly these two URIs.
pub const ACR_ORDINARIO: &str = "urn:sigillo:acr:ordinario";
pub const ACR_DISPOSITIVO: &str = "urn:sigillo:acr:dispositivo";

/// An authorization code is good for this long, once.
pub const CODE_TTL: Duration = Duration::from_secs(60);
/// ID and access tokens.
pub const TOKEN_TTL: Duration = Duration::from_secs(10 * 60);
/// A refresh token; each use gives a new one (rotation) in the same family.
pub const REFRESH_TTL: Duration = Duration::from_secs(8 * 3600);

pub fn acr_of(level: Level) -> &'static str {
    match level {
        Level::Ordinario => ACR_ORDINARIO,
        Level::Dispositivo => ACR_DISPOSITIVO,
    }
}

pub fn level_of_acr(acr: &str) -> Option<Level> {
    match acr {
        ACR_ORDINARIO => Some(Level::Ordinario),
        ACR_DISPOSITIVO => Some(Level::Dispositivo),
        _ => None,
    }
}

/// Whether a login at `have` satisfies a request for `need`.
pub fn level_satisfies(have: Level, need: Level) -> bool {
    matches!((have, need), (_, Level::Ordinario) | (Level::Dispositivo, Level::Dispositivo))
}

/// A relying service registered with `sigillo client add`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Client {
    /// The public `client_id`.
    pub id: String,
    pub name: String,
    /// Argon2id PHC of the client secret; `None` for a public client (PKCE only).
    pub secret_hash: Option<String>,
    /// Matched exactly, character for character.
    pub redirect_uris: Vec<String>,
    pub created_at: OffsetDateTime,
    pub disabled_at: Option<OffsetDateTime>,
}

impl Client {
    pub fn is_public(&self) -> bool {
        self.secret_hash.is_none()
    }

    pub fn allows_redirect(&self, uri: &str) -> bool {
        self.redirect_uris.iter().any(|r| r == uri)
    }
}

/// Why a redirect URI cannot be registered.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RedirectUriError {
    #[error("the redirect URI must be an absolute https URI (http only for localhost/127.0.0.1)")]
    Scheme,
    #[error("the redirect URI must not have a fragment")]
    Fragment,
    #[error("the redirect URI is too long or has spaces or control characters")]
    Malformed,
}

/// Registration rules for a redirect URI (RFC 6749 3.1.2, OAuth 2.0 Security BCP): absolute,
/// https except on the loopback, no fragment.
pub fn check_redirect_uri(uri: &str) -> Result<(), RedirectUriError> {
    if uri.len() > 512 || uri.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(RedirectUriError::Malformed);
    }
    if uri.contains('#') {
        return Err(RedirectUriError::Fragment);
    }
    let https = uri.strip_prefix("https://").is_some_and(|rest| host_of(rest).is_some_and(|h| !h.is_empty()));
    let loopback = uri
        .strip_prefix("http://")
        .and_then(host_of)
        .is_some_and(|h| h == "127.0.0.1" || h == "localhost" || h == "[::1]");
    if https || loopback { Ok(()) } else { Err(RedirectUriError::Scheme) }
}

/// The host of `host[:port]/path…` (without the port).
fn host_of(rest: &str) -> Option<&str> {
    let authority = rest.split(['/', '?']).next()?;
    if authority.contains('@') {
        return None;
    }
    if authority.starts_with('[') {
        return authority.split_inclusive(']').next();
    }
    authority.split(':').next()
}

/// The scopes Sigillo knows; others in a request are ignored (RFC 6749 3.3 lets a server narrow).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Scope {
    OpenId,
    /// Names and birth date.
    Profile,
    Email,
    /// The SPID-style `fiscal_number` claim.
    FiscalNumber,
    /// A refresh token.
    OfflineAccess,
}

impl Scope {
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::OpenId => "openid",
            Scope::Profile => "profile",
            Scope::Email => "email",
            Scope::FiscalNumber => "fiscal_number",
            Scope::OfflineAccess => "offline_access",
        }
    }

    pub fn parse(value: &str) -> Option<Scope> {
        [Scope::OpenId, Scope::Profile, Scope::Email, Scope::FiscalNumber, Scope::OfflineAccess]
            .into_iter()
            .find(|s| s.as_str() == value)
    }

    /// What the consent page says is shared.
    pub fn label(self) -> &'static str {
        match self {
            Scope::OpenId => "un identificativo anonimo, diverso per ogni servizio, e il livello del PIN usato",
            Scope::Profile => "nome, cognome e data di nascita",
            Scope::Email => "indirizzo e-mail",
            Scope::FiscalNumber => "codice fiscale",
            Scope::OfflineAccess => "accesso prolungato senza reinserire il PIN (fino a 8 ore)",
        }
    }

    pub const ALL: [Scope; 5] =
        [Scope::OpenId, Scope::Profile, Scope::Email, Scope::FiscalNumber, Scope::OfflineAccess];
}

pub type Scopes = BTreeSet<Scope>;

/// The known scopes of a space-separated `scope` parameter.
pub fn parse_scopes(value: &str) -> Scopes {
    value.split(' ').filter_map(Scope::parse).collect()
}

pub fn scopes_string(scopes: &Scopes) -> String {
    scopes.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(" ")
}

/// PKCE with S256 (RFC 7636): the verifier is 43–128 unreserved characters, and the challenge is
/// its SHA-256 in base64url without padding.
pub fn pkce_matches(verifier: &str, challenge: &str) -> bool {
    let ok = (43..=128).contains(&verifier.len())
        && verifier.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'));
    ok && constant_time_eq(base64url(&Sha256::digest(verifier.as_bytes())).as_bytes(), challenge.as_bytes())
}

/// A challenge looks like a base64url SHA-256 (43 characters).
pub fn valid_challenge(challenge: &str) -> bool {
    challenge.len() == 43 && challenge.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_'))
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    crate::contact::constant_time_eq(a, b)
}

/// Base64url without padding (RFC 4648 5), as JOSE and PKCE use it.
pub fn base64url(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// A code handed to the client's redirect URI; only its SHA-256 is stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthorizationCode {
    pub code_hash: String,
    pub client_id: String,
    pub fiscal_code: FiscalCode,
    pub credential_id: Uuid,
    pub redirect_uri: String,
    pub scopes: Scopes,
    pub nonce: Option<String>,
    pub code_challenge: String,
    /// The level the citizen logged in at.
    pub level: Level,
    /// When the citizen typed the PIN.
    pub auth_time: OffsetDateTime,
    pub created_at: OffsetDateTime,
    pub expires_at: OffsetDateTime,
    /// Set when exchanged; a second exchange revokes what the first gave (RFC 6749 4.1.2).
    pub used_at: Option<OffsetDateTime>,
}

/// A refresh token. Rotated at every use; a used one presented again revokes its whole family
/// (reuse detection, OAuth 2.0 Security BCP 4.14).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefreshToken {
    pub id: Uuid,
    pub token_hash: String,
    /// Every token descending from one authorization code.
    pub family: Uuid,
    pub client_id: String,
    pub fiscal_code: FiscalCode,
    pub credential_id: Uuid,
    pub scopes: Scopes,
    pub level: Level,
    pub auth_time: OffsetDateTime,
    pub created_at: OffsetDateTime,
    pub expires_at: OffsetDateTime,
    pub used_at: Option<OffsetDateTime>,
    pub revoked_at: Option<OffsetDateTime>,
}

/// What a citizen agreed to share with a client, remembered per client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Consent {
    pub fiscal_code: FiscalCode,
    pub client_id: String,
    pub scopes: Scopes,
    pub granted_at: OffsetDateTime,
}

impl Consent {
    /// Whether this consent covers `scopes` (a request for more asks again).
    pub fn covers(&self, scopes: &Scopes) -> bool {
        scopes.is_subset(&self.scopes)
    }
}

/// The SPID form of a fiscal code: `TINIT-<codice fiscale>`.
pub fn fiscal_number(code: &FiscalCode) -> String {
    format!("TINIT-{}", code.as_str())
}

/// The pairwise subject (OpenID Connect Core 8.1): the same citizen gets a different, stable `sub`
/// at each client, so two services cannot link their users by `sub` alone. HMAC-SHA256 keyed
/// with the provider's secret over the client id and the fiscal code, base64url.
pub fn pairwise_sub(secret: &[u8], client_id: &str, code: &FiscalCode) -> String {
    use hmac::{KeyInit, Mac};
    let Ok(mut mac) = hmac::Hmac::<Sha256>::new_from_slice(secret) else { return String::new() };
    mac.update(client_id.as_bytes());
    mac.update(b"\n");
    mac.update(code.as_str().as_bytes());
    base64url(&mac.finalize().into_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_and_acr() {
        assert_eq!(level_of_acr(acr_of(Level::Dispositivo)), Some(Level::Dispositivo));
        assert_eq!(level_of_acr("urn:other"), None);
        assert!(level_satisfies(Level::Dispositivo, Level::Ordinario));
        assert!(!level_satisfies(Level::Ordinario, Level::Dispositivo));
    }

    #[test]
    fn redirect_uris() {
        assert!(check_redirect_uri("https://servizi.example.it/callback").is_ok());
        assert!(check_redirect_uri("http://127.0.0.1:8081/cb").is_ok());
        assert!(check_redirect_uri("http://localhost/cb").is_ok());
        assert_eq!(check_redirect_uri("http://servizi.example.it/cb"), Err(RedirectUriError::Scheme));
        assert_eq!(check_redirect_uri("https://x.it/cb#frag"), Err(RedirectUriError::Fragment));
        assert_eq!(check_redirect_uri("https://user@x.it/cb"), Err(RedirectUriError::Scheme));
        assert_eq!(check_redirect_uri("javascript:alert(1)"), Err(RedirectUriError::Scheme));
        assert_eq!(check_redirect_uri("https:///cb"), Err(RedirectUriError::Scheme));
        let client = Client {
            id: "c".into(),
            name: "n".into(),
            secret_hash: None,
            redirect_uris: vec!["https://x.it/cb".into()],
            created_at: OffsetDateTime::UNIX_EPOCH,
            disabled_at: None,
        };
        assert!(client.allows_redirect("https://x.it/cb"));
        assert!(!client.allows_redirect("https://x.it/cb/"), "exact match only");
        assert!(!client.allows_redirect("https://x.it/CB"));
    }

    #[test]
    fn pkce_rfc7636_appendix_b() {
        let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
        let challenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
        assert!(pkce_matches(verifier, challenge));
        assert!(valid_challenge(challenge));
        assert!(!pkce_matches("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXj", challenge));
        assert!(!pkce_matches("short", challenge));
    }

    #[test]
    fn base64url_and_scopes() {
        assert_eq!(base64url(b""), "");
        assert_eq!(base64url(b"f"), "Zg");
        assert_eq!(base64url(b"fo"), "Zm8");
        assert_eq!(base64url(b"foo"), "Zm9v");
        assert_eq!(base64url(&[0xfb, 0xff]), "-_8");
        let scopes = parse_scopes("openid email unknown profile");
        assert_eq!(scopes_string(&scopes), "openid profile email");
    }

    #[test]
    fn pairwise_subjects_differ_by_client_and_are_stable() {
        let code = FiscalCode::parse("RSSMRA80A01H501U").unwrap_or_else(|e| panic!("{e}"));
        let secret = [7u8; 32];
        let a = pairwise_sub(&secret, "client-a", &code);
        assert_eq!(a, pairwise_sub(&secret, "client-a", &code));
        assert_ne!(a, pairwise_sub(&secret, "client-b", &code));
        assert_ne!(a, pairwise_sub(&[8u8; 32], "client-a", &code));
        assert_eq!(a.len(), 43);
        assert_eq!(fiscal_number(&code), "TINIT-RSSMRA80A01H501U");
    }
}
