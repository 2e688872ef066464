//! Login with fiscal code and PIN (SPEC 4.4–4.5), sessions, logout.
//!
//! A login never says whether a fiscal code exists: an unknown code, a code without a usable PIN
//! and a wrong PIN all take one Argon2id verify (a dummy hash when there is no real one) and get the
//! same answer. Throttling and the lock are counted per fiscal code in the database, known or not.

use std::time::Duration;

use sigillo_domain::audit::{Actor, AuditEvent};
use sigillo_domain::credential::{Credential, CredentialState, Level};
use sigillo_domain::fiscal_code::FiscalCode;
use sigillo_domain::pin::{PinKind, normalize_definitive};
use sigillo_domain::session::{Session, token_hash};
use sigillo_domain::store::{Changes, StoreError};
use sigillo_domain::throttle::{Decision, LoginAttempts};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::hashing::HashError;
use crate::{Sigillo, now};

/// Tries at reserving an attempt when other logins for the same code keep winning the race.
const RESERVE_TRIES: usize = 8;

#[derive(Debug, thiserror::Error)]
pub enum LoginError {
    #[error("malformed fiscal code")]
    MalformedFiscalCode(String),
    #[error("invalid credentials")]
    InvalidCredentials,
    #[error("throttled")]
    Throttled { retry_after: Duration },
    #[error("locked")]
    Locked,
    /// The PIN was right but has been annulled by the sunset.
    #[error("annulled")]
    Annulled,
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Hash(#[from] HashError),
}

/// A session just opened. `token` is shown to the client once; only its hash is stored.
#[derive(Debug)]
pub struct LoggedIn {
    pub token: String,
    pub must_change_pin: bool,
    pub level: Level,
    pub pin_expires_at: Option<OffsetDateTime>,
    pub credential_id: Uuid,
}

/// A request's authenticated citizen.
#[derive(Debug, Clone)]
pub struct Citizen {
    pub session: Session,
    pub credential: Credential,
    pub must_change_pin: bool,
}

impl Sigillo {
    pub async fn login(&self, fiscal_code: &str, pin: &str, client_ip: Option<&str>) -> Result<LoggedIn, LoginError> {
        let code = FiscalCode::parse(fiscal_code).map_err(|e| LoginError::MalformedFiscalCode(e.to_string()))?;
        let now = now();
        let attempts = self.reserve_attempt(&code, now).await?;
        let credential = self.store.live_credential(&code).await?;
        let usable = credential.as_ref().filter(|c| {
            matches!(c.state, CredentialState::Issued | CredentialState::Active | CredentialState::Expired)
                && !c.first_access_lapsed(now, self.settings.first_access_ttl)
        });
        // Without a live PIN, an annulled one is still checked: its owner is told of the sunset,
        // and only its owner (the answer needs the right PIN).
        let annulled = match credential {
            None => self.store.latest_credential(&code).await?.filter(|c| c.state == CredentialState::Annulled),
            Some(_) => None,
        };
        let checked = usable.or(annulled.as_ref());
        let (typed, hash) = match checked {
            Some(c) => (c.pin_kind.normalize(pin), c.pin_hash.as_deref()),
            None => (normalize_definitive(pin), None),
        };
        let matched = self.hasher.verify(&typed, hash).await?;
        if matched && annulled.is_some() {
            metrics::counter!("sigillo_logins_total", "outcome" => "annulled").increment(1);
            return Err(LoginError::Annulled);
        }
        match (matched, usable) {
            (true, Some(credential)) => self.open_session(credential.clone(), &typed, attempts, client_ip, now).await,
            _ => {
                self.record_failure(&code, credential, &attempts, client_ip, now).await?;
                metrics::counter!("sigillo_logins_total", "outcome" => "failure").increment(1);
                Err(LoginError::InvalidCredentials)
            }
        }
    }

    /// Counts this attempt as failed before the PIN is checked (see `throttle`), or refuses it.
    async fn reserve_attempt(&self, code: &FiscalCode, now: OffsetDateTime) -> Result<LoginAttempts, LoginError> {
        for _ in 0..RESERVE_TRIES {
            let attempts = self.store.login_attempts(code).await?;
            match attempts.decide(now) {
                Decision::Locked => {
                    metrics::counter!("sigillo_logins_total", "outcome" => "locked").increment(1);
                    return Err(LoginError::Locked);
                }
                Decision::Throttled { retry_after } => {
                    metrics::counter!("sigillo_logins_total", "outcome" => "throttled").increment(1);
                    return Err(LoginError::Throttled { retry_after });
                }
                Decision::Check { reserved } => {
                    if self.store.save_login_attempts(code, &reserved).await? {
                        return Ok(LoginAttempts { version: reserved.version + 1, ..reserved });
                    }
                }
            }
        }
        Err(LoginError::Throttled { retry_after: Duration::from_secs(1) })
    }

    async fn record_failure(
        &self,
        attempts_code: &FiscalCode,
        credential: Option<Credential>,
        attempts: &LoginAttempts,
        client_ip: Option<&str>,
        now: OffsetDateTime,
    ) -> Result<(), StoreError> {
        let Some(mut credential) = credential else {
            // The same commit as for a wrong PIN (one audit entry, under the same lock): without it
            // an unknown fiscal code answered a commit's time faster, which told codes apart.
            let code = attempts_code;
            return self
                .store
                .append_audit(vec![AuditEvent::new(now, Actor::Citizen, "login_failed").fiscal_code(code).client_ip(client_ip)])
                .await;
        };
        let event = AuditEvent::new(now, Actor::Citizen, "login_failed")
            .fiscal_code(&credential.fiscal_code)
            .credential(credential.id)
            .client_ip(client_ip);
        if attempts.locks_now() && credential.state.check_transition(CredentialState::Locked).is_ok() {
            let from = credential.state;
            credential.state = CredentialState::Locked;
            credential.updated_at = now;
            let locked = AuditEvent::new(now, Actor::System, "credential_locked")
                .fiscal_code(&credential.fiscal_code)
                .credential(credential.id)
                .detail("from", from.as_str())
                .detail("failures", attempts.failures_since_success.to_string());
            let changes = Changes { update_credentials: vec![credential], audit: vec![event, locked], ..Changes::default() };
            metrics::counter!("sigillo_credentials_locked_total").increment(1);
            return match self.store.commit(changes, now).await {
                Ok(()) | Err(StoreError::Conflict(_)) => Ok(()),
                Err(e) => Err(e),
            };
        }
        self.store.append_audit(vec![event]).await
    }

    async fn open_session(
        &self,
        mut credential: Credential,
        typed: &str,
        attempts: LoginAttempts,
        client_ip: Option<&str>,
        now: OffsetDateTime,
    ) -> Result<LoggedIn, LoginError> {
        let settings = &self.settings;
        let mut changes = Changes::default();
        let mut updated = false;
        if credential.state == CredentialState::Active && credential.rotation_due(now, settings.pin_max_age) {
            credential.transition(CredentialState::Expired, now).map_err(|e| StoreError::Other(e.to_string()))?;
            changes.audit.push(
                AuditEvent::new(now, Actor::System, "pin_expired").fiscal_code(&credential.fiscal_code).credential(credential.id),
            );
            updated = true;
        }
        if credential.pin_hash.as_deref().is_some_and(|h| self.hasher.needs_rehash(h)) {
            credential.pin_hash = Some(self.hasher.hash(typed).await?);
            updated = true;
        }
        let token = crate::otp::token()?;
        let session = Session {
            id: Uuid::new_v4(),
            token_hash: token_hash(&token),
            credential_id: credential.id,
            fiscal_code: credential.fiscal_code,
            level: credential.level,
            created_at: now,
            last_seen_at: now,
            expires_at: now + settings.session_absolute_timeout,
            ended_at: None,
            client_ip: client_ip.map(str::to_owned),
        };
        changes.audit.push(
            AuditEvent::new(now, Actor::Citizen, "login_succeeded")
                .fiscal_code(&credential.fiscal_code)
                .credential(credential.id)
                .client_ip(client_ip)
                .detail("level", credential.level.as_str())
                .detail("pin_kind", credential.pin_kind.as_str()),
        );
        if attempts.consecutive_failures > 0 || attempts.failures_since_success > 0 {
            changes.clear_attempts.push(credential.fiscal_code);
        }
        changes.open_sessions.push(session);
        if updated {
            changes.update_credentials.push(credential.clone());
        }
        self.store.commit(changes, now).await?;
        metrics::counter!("sigillo_logins_total", "outcome" => "success").increment(1);
        Ok(LoggedIn {
            token,
            must_change_pin: credential.must_change_pin(now, settings.pin_max_age),
            level: credential.level,
            pin_expires_at: credential.pin_expires_at(settings.first_access_ttl, settings.pin_max_age),
            credential_id: credential.id,
        })
    }

    /// The citizen behind a bearer token, or `None` when the token opens nothing (unknown, ended,
    /// idle or past its absolute expiry, or the credential is no longer usable).
    pub async fn authenticate(&self, token: &str) -> Result<Option<Citizen>, StoreError> {
        if token.is_empty() || token.len() > 128 {
            return Ok(None);
        }
        let now = now();
        let Some(session) = self.store.session_by_token_hash(&token_hash(token)).await? else { return Ok(None) };
        if !session.is_valid(now, self.settings.session_idle_timeout) {
            return Ok(None);
        }
        let Some(credential) = self.store.credential(session.credential_id).await? else { return Ok(None) };
        if !matches!(credential.state, CredentialState::Issued | CredentialState::Active | CredentialState::Expired) {
            return Ok(None);
        }
        if session.needs_touch(now) {
            self.store.touch_session(session.id, now).await?;
        }
        let must_change_pin = credential.must_change_pin(now, self.settings.pin_max_age);
        Ok(Some(Citizen { session, credential, must_change_pin }))
    }

    pub async fn logout(&self, citizen: &Citizen, client_ip: Option<&str>) -> Result<(), StoreError> {
        let now = now();
        self.store.end_session(citizen.session.id, now).await?;
        self.store
            .append_audit(vec![
                AuditEvent::new(now, Actor::Citizen, "logout")
                    .fiscal_code(&citizen.credential.fiscal_code)
                    .credential(citizen.credential.id)
                    .client_ip(client_ip),
            ])
            .await
    }
}


/// Whether a typed PIN could be a first-access one (16 symbols) — for messages only.
pub fn looks_like_first_access(pin: &str) -> bool {
    PinKind::FirstAccess.normalize(pin).len() == 16
}
