//! Back-office operators: creation, login with password and a TOTP second factor (RFC 6238),
//! enrolled at the first login, sessions, and the permission check every back-office action makes.
//!
//! Login is two steps. The password opens a *pending* session that opens nothing but the second
//! factor step; a valid TOTP code ends it and opens the working session with a new token (so a
//! token seen before the second factor is worthless after it). At the first login the pending
//! session shows a new secret to enrol; the secret counts only once a code made from it is entered.
//! A code is accepted once: the last accepted time step is stored.

use rand::TryRngCore;
use rand::rngs::OsRng;
use sigillo_domain::audit::{Actor, AuditEvent};
use sigillo_domain::operator::{
    OPERATOR_ABSOLUTE_TIMEOUT, Operator, OperatorSession, Permission, Role, SecondFactor, check_password,
    parse_username,
};
use sigillo_domain::rate_limit::Limit;
use sigillo_domain::session::token_hash;
use sigillo_domain::store::{Changes, StoreError};
use totp_rs::{Algorithm, Builder, Secret, Totp};
use uuid::Uuid;

use crate::hashing::HashError;
use crate::{Sigillo, now, otp};

/// Issuer shown by authenticator apps next to the account.
const TOTP_ISSUER: &str = "Sigillo";
/// Login attempts (passwords and codes) per username and window: at most 80 guesses an hour.
const LOGIN_ATTEMPTS: Limit = Limit { name: "operator", limit: 20, window: std::time::Duration::from_secs(15 * 60) };

#[derive(Debug, thiserror::Error)]
pub enum AddOperatorError {
    #[error("{0}")]
    Username(#[from] sigillo_domain::operator::UsernameError),
    #[error("{0}")]
    Password(#[from] sigillo_domain::operator::PasswordError),
    #[error("an operator with this username exists")]
    Exists,
    #[error(transparent)]
    Store(StoreError),
    #[error(transparent)]
    Hash(#[from] HashError),
}

#[derive(Debug, thiserror::Error)]
pub enum OperatorLoginError {
    /// Wrong username, password or code, or a disabled operator: one answer for all.
    #[error("invalid credentials")]
    InvalidCredentials,
    #[error("too many failed attempts")]
    Throttled { retry_after: u64 },
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Hash(#[from] HashError),
}

/// What the password step gives: a pending session and what the second-factor step needs.
#[derive(Debug)]
pub struct PasswordAccepted {
    /// Opens only the second-factor step.
    pub token: String,
    pub operator: Operator,
    /// Set at the first login: the secret to enrol in an authenticator app, and its `otpauth://` URI.
    pub enrolment: Option<Enrolment>,
}

#[derive(Debug, Clone)]
pub struct Enrolment {
    /// Base-32, as typed into an app by hand.
    pub secret: String,
    pub uri: String,
}

/// A working session just opened.
#[derive(Debug)]
pub struct OperatorLoggedIn {
    pub token: String,
    pub operator: Operator,
    pub session: OperatorSession,
}

/// A request's authenticated operator.
#[derive(Debug, Clone)]
pub struct OperatorContext {
    pub operator: Operator,
    pub session: OperatorSession,
}

impl OperatorContext {
    pub fn may(&self, permission: Permission) -> bool {
        self.operator.role.may(permission)
    }

    pub fn actor(&self) -> Actor {
        Actor::Operator(self.operator.username.clone())
    }
}

/// The TOTP of a base-32 secret (SHA-1, 6 digits, 30 s, one step of clock skew each way:
/// what every authenticator app does).
fn totp(secret: &str, account: &str) -> Option<Totp> {
    let bytes = Secret::try_from_base32(secret).ok()?;
    Builder::new()
        .with_algorithm(Algorithm::SHA1)
        .with_digits(6)
        .with_skew(1)
        .with_step_duration(30)
        .with_secret(bytes)
        .with_issuer(Some(TOTP_ISSUER))
        .with_account_name(account)
        .build()
        .ok()
}

/// The time step a code matches at `unix_seconds`, if any.
pub fn totp_step(secret: &str, code: &str, unix_seconds: u64) -> Option<i64> {
    let code: String = code.chars().filter(char::is_ascii_digit).collect();
    if code.len() != 6 {
        return None;
    }
    let step = totp(secret, "operator")?.check(&code, unix_seconds)?;
    i64::try_from(step).ok()
}

/// The current code of a secret (for tests and the demo's helper only).
pub fn totp_code(secret: &str, unix_seconds: u64) -> Option<String> {
    Some(totp(secret, "operator")?.generate(unix_seconds).to_string())
}

fn new_secret() -> Result<String, HashError> {
    let mut bytes = [0u8; 20];
    OsRng.try_fill_bytes(&mut bytes).map_err(|_| HashError::Entropy)?;
    Ok(Secret::new_stack(bytes).to_base32())
}

fn unix_seconds(at: time::OffsetDateTime) -> u64 {
    u64::try_from(at.unix_timestamp()).unwrap_or(0)
}

impl Sigillo {
    /// Creates an operator (`sigillo operator add`). The second factor is enrolled at the first login.
    pub async fn add_operator(&self, username: &str, role: Role, password: &str) -> Result<Operator, AddOperatorError> {
        let username = parse_username(username)?;
        check_password(&username, password)?;
        let now = now();
        let operator = Operator {
            id: Uuid::new_v4(),
            username: username.clone(),
            role,
            password_hash: self.hasher.hash(password).await?,
            second_factor: SecondFactor::None,
            last_totp_step: None,
            created_at: now,
            disabled_at: None,
            version: 0,
        };
        let audit = AuditEvent::new(now, Actor::System, "operator_added")
            .detail("operator", &username)
            .detail("role", role.as_str());
        let changes = Changes { insert_operators: vec![operator.clone()], audit: vec![audit], ..Changes::default() };
        match self.store.commit(changes, now).await {
            Ok(()) => Ok(operator),
            Err(StoreError::Conflict(_)) => Err(AddOperatorError::Exists),
            Err(e) => Err(AddOperatorError::Store(e)),
        }
    }

    /// Counts one login attempt (password or code) of `username`; `Some(retry_after)` once the
    /// window's attempts are used up. Counters live in the database, shared by every node.
    async fn operator_attempt(&self, username: &str) -> Result<Option<u64>, StoreError> {
        let now = now();
        let key = LOGIN_ATTEMPTS.key(&format!("operator-login:{username}"), now);
        let hits = self.store.hit(&key, now + LOGIN_ATTEMPTS.window).await?;
        Ok((hits > LOGIN_ATTEMPTS.limit).then(|| LOGIN_ATTEMPTS.retry_after(now)))
    }

    /// The password step. Unknown usernames cost one Argon2id verify, like wrong passwords.
    pub async fn operator_password(
        &self,
        username: &str,
        password: &str,
        client_ip: Option<&str>,
    ) -> Result<PasswordAccepted, OperatorLoginError> {
        let Ok(username) = parse_username(username) else {
            self.hasher.verify(password, None).await?;
            return Err(OperatorLoginError::InvalidCredentials);
        };
        if password.len() > 1024 {
            return Err(OperatorLoginError::InvalidCredentials);
        }
        if let Some(retry_after) = self.operator_attempt(&username).await? {
            return Err(OperatorLoginError::Throttled { retry_after });
        }
        let operator = self.store.operator_by_username(&username).await?;
        let matched = self.hasher.verify(password, operator.as_ref().map(|o| o.password_hash.as_str())).await?;
        let now = now();
        let Some(mut operator) = operator.filter(|o| matched && o.is_enabled()) else {
            self.store
                .append_audit(vec![
                    AuditEvent::new(now, Actor::Operator(username.clone()), "operator_login_failed")
                        .client_ip(client_ip)
                        .detail("step", "password"),
                ])
                .await?;
            return Err(OperatorLoginError::InvalidCredentials);
        };
        let token = otp::token()?;
        let session = OperatorSession {
            id: Uuid::new_v4(),
            token_hash: token_hash(&token),
            operator_id: operator.id,
            second_factor_done: false,
            created_at: now,
            last_seen_at: now,
            expires_at: now + OPERATOR_ABSOLUTE_TIMEOUT,
            ended_at: None,
            client_ip: client_ip.map(str::to_owned),
        };
        let mut changes = Changes { open_operator_sessions: vec![session], ..Changes::default() };
        let enrolment = match &operator.second_factor {
            SecondFactor::Enrolled { .. } => None,
            // A pending secret is shown again: the operator may not have saved it the first time.
            SecondFactor::Pending { secret } => Some(secret.clone()),
            SecondFactor::None => {
                let secret = new_secret()?;
                let mut pending = operator.clone();
                pending.second_factor = SecondFactor::Pending { secret: secret.clone() };
                changes.update_operators.push(pending.clone());
                operator = Operator { version: operator.version + 1, ..pending };
                Some(secret)
            }
        };
        changes.audit.push(
            AuditEvent::new(now, Actor::Operator(username.clone()), "operator_password_accepted").client_ip(client_ip),
        );
        self.store.commit(changes, now).await?;
        let enrolment = enrolment.map(|secret| {
            let uri = totp(&secret, &username).and_then(|t| t.to_url().ok()).unwrap_or_default();
            Enrolment { secret, uri }
        });
        Ok(PasswordAccepted { token, operator, enrolment })
    }

    /// The second-factor step, with the pending session's token. Ends the pending session and opens
    /// the working one; at the first login this completes the enrolment.
    pub async fn operator_second_factor(
        &self,
        pending_token: &str,
        code: &str,
        client_ip: Option<&str>,
    ) -> Result<OperatorLoggedIn, OperatorLoginError> {
        let now = now();
        let Some(pending) = self.pending_operator_session(pending_token).await? else {
            return Err(OperatorLoginError::InvalidCredentials);
        };
        let Some(operator) = self.store.operator(pending.operator_id).await?.filter(Operator::is_enabled) else {
            return Err(OperatorLoginError::InvalidCredentials);
        };
        if let Some(retry_after) = self.operator_attempt(&operator.username).await? {
            // Too many attempts: the password must be given again, after the wait.
            self.store.commit(Changes { end_operator_sessions: vec![pending.id], ..Changes::default() }, now).await?;
            return Err(OperatorLoginError::Throttled { retry_after });
        }
        let (secret, enrolling) = match &operator.second_factor {
            SecondFactor::Enrolled { secret } => (secret.clone(), false),
            SecondFactor::Pending { secret } => (secret.clone(), true),
            SecondFactor::None => return Err(OperatorLoginError::InvalidCredentials),
        };
        let step =
            totp_step(&secret, code, unix_seconds(now)).filter(|s| operator.last_totp_step.is_none_or(|l| *s > l));
        let Some(step) = step else {
            self.store
                .append_audit(vec![
                    AuditEvent::new(now, Actor::Operator(operator.username.clone()), "operator_login_failed")
                        .client_ip(client_ip)
                        .detail("step", "totp"),
                ])
                .await?;
            return Err(OperatorLoginError::InvalidCredentials);
        };
        let mut updated = operator.clone();
        updated.last_totp_step = Some(step);
        if enrolling {
            updated.second_factor = SecondFactor::Enrolled { secret };
        }
        let token = otp::token()?;
        let session = OperatorSession {
            id: Uuid::new_v4(),
            token_hash: token_hash(&token),
            operator_id: operator.id,
            second_factor_done: true,
            created_at: now,
            last_seen_at: now,
            expires_at: now + OPERATOR_ABSOLUTE_TIMEOUT,
            ended_at: None,
            client_ip: client_ip.map(str::to_owned),
        };
        let actor = Actor::Operator(operator.username.clone());
        let mut audit = Vec::new();
        if enrolling {
            audit.push(AuditEvent::new(now, actor.clone(), "operator_totp_enrolled").client_ip(client_ip));
        }
        audit.push(
            AuditEvent::new(now, actor, "operator_login").client_ip(client_ip).detail("role", operator.role.as_str()),
        );
        let changes = Changes {
            update_operators: vec![updated.clone()],
            end_operator_sessions: vec![pending.id],
            open_operator_sessions: vec![session.clone()],
            audit,
            ..Changes::default()
        };
        match self.store.commit(changes, now).await {
            Ok(()) => {}
            // The same code used twice at once: one wins.
            Err(StoreError::Conflict(_)) => return Err(OperatorLoginError::InvalidCredentials),
            Err(e) => return Err(e.into()),
        }
        Ok(OperatorLoggedIn { token, operator: Operator { version: updated.version + 1, ..updated }, session })
    }

    /// A pending (password-only) session, still valid.
    pub async fn pending_operator_session(&self, token: &str) -> Result<Option<OperatorSession>, StoreError> {
        if token.is_empty() || token.len() > 128 {
            return Ok(None);
        }
        let session = self.store.operator_session_by_token_hash(&token_hash(token)).await?;
        Ok(session.filter(|s| !s.second_factor_done && s.is_valid(now())))
    }

    /// The enrolment data of a pending session whose operator is enrolling (shown again on reload).
    pub async fn pending_enrolment(&self, session: &OperatorSession) -> Result<Option<Enrolment>, StoreError> {
        let Some(operator) = self.store.operator(session.operator_id).await? else { return Ok(None) };
        Ok(match operator.second_factor {
            SecondFactor::Pending { secret } => {
                let uri = totp(&secret, &operator.username).and_then(|t| t.to_url().ok()).unwrap_or_default();
                Some(Enrolment { secret, uri })
            }
            _ => None,
        })
    }

    /// The operator behind a working session's token, or `None` when it opens nothing.
    pub async fn authenticate_operator(&self, token: &str) -> Result<Option<OperatorContext>, StoreError> {
        if token.is_empty() || token.len() > 128 {
            return Ok(None);
        }
        let now = now();
        let Some(session) = self.store.operator_session_by_token_hash(&token_hash(token)).await? else {
            return Ok(None);
        };
        if !session.second_factor_done || !session.is_valid(now) {
            return Ok(None);
        }
        let Some(operator) = self.store.operator(session.operator_id).await?.filter(Operator::is_enabled) else {
            return Ok(None);
        };
        if now >= session.last_seen_at + sigillo_domain::session::TOUCH_EVERY {
            self.store.touch_operator_session(session.id, now).await?;
        }
        Ok(Some(OperatorContext { operator, session }))
    }

    pub async fn operator_logout(
        &self,
        session_id: Uuid,
        username: &str,
        client_ip: Option<&str>,
    ) -> Result<(), StoreError> {
        let now = now();
        let changes = Changes {
            end_operator_sessions: vec![session_id],
            audit: vec![
                AuditEvent::new(now, Actor::Operator(username.to_owned()), "operator_logout").client_ip(client_ip),
            ],
            ..Changes::default()
        };
        self.store.commit(changes, now).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc_6238_vectors() {
        // RFC 6238 appendix B, SHA-1 secret "12345678901234567890" (8 digits there; the last 6 here).
        let base32 = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";
        assert_eq!(totp_code(base32, 59).as_deref(), Some("287082"));
        assert_eq!(totp_code(base32, 1_111_111_109).as_deref(), Some("081804"));
        assert_eq!(totp_code(base32, 1_234_567_890).as_deref(), Some("005924"));
        assert_eq!(totp_step(base32, "287082", 59), Some(1));
        // One step of skew each way, no more.
        assert_eq!(totp_step(base32, "287082", 59 + 30), Some(1));
        assert_eq!(totp_step(base32, "287 082", 59 + 60), None);
        assert_eq!(totp_step(base32, "28708", 59), None);
        assert_eq!(totp_step("not base32!", "287082", 59), None);
    }

    #[test]
    fn secrets_are_160_bits() {
        let secret = new_secret().unwrap_or_default();
        assert_eq!(secret.len(), 32);
        assert_ne!(secret, new_secret().unwrap_or_default());
    }
}
