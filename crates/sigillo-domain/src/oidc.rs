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
    /// Hex SHA-256 of the client secret; `None` for a public client (PKCE only). The secret is
    /// 256 random bits, so a slow hash would add only CPU cost to the token endpoint.
    pub secret_hash: Option<String>,
    /// Matched exactly, character for character.
    pub redirect_uris: Vec<String>,
    /// Where RP-initiated logout may send the citizen back (exact match too).
    pub post_logout_redirect_uris: Vec<String>,
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

/// One authorization: a citizen's login shared with one client. Its code, access tokens and
/// refresh tokens hang from it, so revoking it (logout, reuse of a code or refresh token, the
/// client removed) ends them all at once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant {
    pub id: Uuid,
    pub client_id: String,
    pub fiscal_code: FiscalCode,
    pub credential_id: Uuid,
    /// The portal session the citizen logged in with (RP-initiated logout ends its grants).
    pub session_id: Option<Uuid>,
    pub scopes: Scopes,
    pub nonce: Option<String>,
    /// The level the citizen logged in at.
    pub level: Level,
    /// When the citizen typed the PIN.
    pub auth_time: OffsetDateTime,
    pub created_at: OffsetDateTime,
    pub revoked_at: Option<OffsetDateTime>,
}

/// A code handed to the client's redirect URI; only its SHA-256 is stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthorizationCode {
    pub code_hash: String,
    pub grant_id: Uuid,
    pub redirect_uri: String,
    pub code_challenge: String,
    pub expires_at: OffsetDateTime,
    /// Set when exchanged; a second exchange revokes the grant (RFC 6749 4.1.2).
    pub used_at: Option<OffsetDateTime>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind {
    Access,
    /// Rotated at every use; a used one presented again revokes its grant (reuse detection,
    /// OAuth 2.0 Security BCP 4.14).
    Refresh,
}

impl TokenKind {
    pub fn as_str(self) -> &'static str {
        match self {
            TokenKind::Access => "access",
            TokenKind::Refresh => "refresh",
        }
    }

    pub fn parse(value: &str) -> Option<TokenKind> {
        match value {
            "access" => Some(TokenKind::Access),
            "refresh" => Some(TokenKind::Refresh),
            _ => None,
        }
    }
}

/// An opaque bearer token; only its SHA-256 is stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    pub token_hash: String,
    pub grant_id: Uuid,
    pub kind: TokenKind,
    pub created_at: OffsetDateTime,
    pub expires_at: OffsetDateTime,
    /// Refresh tokens only: when it was exchanged for a new one.
    pub used_at: Option<OffsetDateTime>,
}

/// An authorization request that passed its checks, kept while the citizen logs in and agrees.
/// Stored (not carried in the URL) so that the resumed request cannot be altered, and so that any
/// node can resume it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthorizationRequest {
    pub id: Uuid,
    pub client_id: String,
    pub redirect_uri: String,
    pub scopes: Scopes,
    pub state: Option<String>,
    pub nonce: Option<String>,
    pub code_challenge: String,
    /// The lowest level among the request's known `acr_values` (ordinario when none).
    pub min_level: Level,
    /// `max_age` in seconds: a login older than this must be repeated.
    pub max_age: Option<u64>,
    /// `prompt=login`: a PIN typed after the request was made.
    pub force_login: bool,
    pub created_at: OffsetDateTime,
    pub expires_at: OffsetDateTime,
}

/// How long a citizen has to log in and agree once a client sent them.
pub const REQUEST_TTL: Duration = Duration::from_secs(15 * 60);

impl AuthorizationRequest {
    /// Whether a login made at `auth_time` at `level` may answer this request at `now`, or what
    /// is missing.
    pub fn login_fits(&self, auth_time: OffsetDateTime, level: Level, now: OffsetDateTime) -> LoginFit {
        if self.force_login && auth_time < self.created_at {
            return LoginFit::Fresh;
        }
        // A login made after the request answers it, however small `max_age` (0 included).
        if let Some(max_age) = self.max_age
            && auth_time < self.created_at
            && now - auth_time > time::Duration::seconds(i64::try_from(max_age).unwrap_or(i64::MAX))
        {
            return LoginFit::Fresh;
        }
        if !level_satisfies(level, self.min_level) {
            return LoginFit::Higher;
        }
        LoginFit::Fits
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoginFit {
    Fits,
    /// A fresh PIN entry is needed (`prompt=login`, `max_age`).
    Fresh,
    /// The login's level is below the request's (step-up).
    Higher,
}

/// The lowest level a space-separated `acr_values` accepts: the client lists, in order of
/// preference, the values it takes, so any of them will do. Unknown values are ignored (`acr` is
/// a voluntary claim); none known means ordinario.
pub fn min_level_of_acr_values(acr_values: &str) -> Level {
    let known: Vec<Level> = acr_values.split(' ').filter_map(level_of_acr).collect();
    if known.is_empty() || known.contains(&Level::Ordinario) { Level::Ordinario } else { Level::Dispositivo }
}

/// An ES256 signing key of the ID tokens. The newest key signs; older ones stay in the JWKS until
/// every token they signed has expired (rotation without breaking verifiers).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SigningKey {
    pub kid: String,
    /// `ES256`.
    pub algorithm: String,
    /// PKCS#8 DER of the private key.
    pub private_pkcs8: Vec<u8>,
    /// The public key as a JWK (JSON object text).
    pub public_jwk: String,
    pub created_at: OffsetDateTime,
    /// After this it signs nothing more.
    pub signs_until: OffsetDateTime,
    /// After this it leaves the JWKS and may be deleted.
    pub published_until: OffsetDateTime,
}

/// How long a key signs before a new one takes over.
pub const KEY_SIGNING_LIFETIME: Duration = Duration::from_secs(30 * 24 * 3600);
/// How long a key stays published after it stops signing: longer than any token it signed lives
/// (ID tokens are also accepted, expired, as `id_token_hint` at logout for a day).
pub const KEY_PUBLISHED_AFTER_SIGNING: Duration = Duration::from_secs(2 * 24 * 3600);

impl SigningKey {
    pub fn signs_at(&self, now: OffsetDateTime) -> bool {
        self.created_at <= now && now < self.signs_until
    }

    pub fn published_at(&self, now: OffsetDateTime) -> bool {
        now < self.published_until
    }
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
            post_logout_redirect_uris: Vec::new(),
            created_at: OffsetDateTime::UNIX_EPOCH,
            disabled_at: None,
        };
        assert!(client.allows_redirect("https://x.it/cb"));
        assert!(!client.allows_redirect("https://x.it/cb/"), "exact match only");
        assert!(!client.allows_redirect("https://x.it/CB"));
    }

    #[test]
    fn acr_values_and_login_fit() {
        assert_eq!(min_level_of_acr_values(""), Level::Ordinario);
        assert_eq!(min_level_of_acr_values(ACR_DISPOSITIVO), Level::Dispositivo);
        assert_eq!(min_level_of_acr_values("urn:x urn:sigillo:acr:dispositivo"), Level::Dispositivo);
        assert_eq!(min_level_of_acr_values("urn:sigillo:acr:dispositivo urn:sigillo:acr:ordinario"), Level::Ordinario);
        let t = OffsetDateTime::UNIX_EPOCH + time::Duration::days(20_000);
        let request = AuthorizationRequest {
            id: Uuid::nil(),
            client_id: "c".into(),
            redirect_uri: "https://x.it/cb".into(),
            scopes: parse_scopes("openid"),
            state: None,
            nonce: None,
            code_challenge: "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM".into(),
            min_level: Level::Dispositivo,
            max_age: Some(300),
            force_login: false,
            created_at: t,
            expires_at: t + REQUEST_TTL,
        };
        let minute = time::Duration::minutes(1);
        assert_eq!(request.login_fits(t - minute, Level::Dispositivo, t), LoginFit::Fits);
        assert_eq!(request.login_fits(t - minute, Level::Ordinario, t), LoginFit::Higher);
        assert_eq!(request.login_fits(t - 6 * minute, Level::Dispositivo, t), LoginFit::Fresh);
        let zero = AuthorizationRequest { max_age: Some(0), ..request.clone() };
        assert_eq!(zero.login_fits(t - minute, Level::Dispositivo, t), LoginFit::Fresh);
        assert_eq!(zero.login_fits(t + minute, Level::Dispositivo, t + 2 * minute), LoginFit::Fits);
        let forced = AuthorizationRequest { force_login: true, max_age: None, ..request };
        assert_eq!(forced.login_fits(t - minute, Level::Dispositivo, t), LoginFit::Fresh);
        assert_eq!(forced.login_fits(t + minute, Level::Dispositivo, t + minute), LoginFit::Fits);
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
