//! What a logged-in citizen does with their own PIN: see it, change it (SPEC 4.6), revoke it.

use sigillo_domain::audit::{Actor, AuditEvent};
use sigillo_domain::credential::CredentialState;
use sigillo_domain::pin::{PinKind, PinOwner, PinPolicyError, check_new_pin};
use sigillo_domain::registry::InsuredPerson;
use sigillo_domain::store::{Changes, StoreError};
use sigillo_domain::throttle::Decision;

use crate::hashing::HashError;
use crate::login::Citizen;
use crate::{Sigillo, now};

#[derive(Debug, thiserror::Error)]
pub enum ChangePinError {
    /// The current PIN typed is wrong (it counts as a failed login).
    #[error("wrong current pin")]
    WrongCurrentPin,
    #[error("pin policy: {0}")]
    Policy(PinPolicyError),
    #[error("throttled")]
    Throttled { retry_after: std::time::Duration },
    #[error("locked")]
    Locked,
    /// The credential changed meanwhile (another change, a revocation): log in again.
    #[error("credential changed")]
    Stale,
    #[error("person missing from the registry")]
    NoPerson,
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Hash(#[from] HashError),
}

impl Sigillo {
    /// The registry entry of the logged-in citizen.
    pub async fn person_of(&self, citizen: &Citizen) -> Result<Option<InsuredPerson>, StoreError> {
        self.store.find_person(&citizen.credential.fiscal_code).await
    }

    /// Cambia PIN: checks the current PIN, then the policy of SPEC 3 including the last five PINs,
    /// and stores the new definitive PIN. A first access ends here with the credential `active`.
    pub async fn change_pin(
        &self,
        citizen: &Citizen,
        current_pin: &str,
        new_pin: &str,
        client_ip: Option<&str>,
    ) -> Result<(), ChangePinError> {
        let now = now();
        let mut credential = citizen.credential.clone();
        let code = credential.fiscal_code;
        // The current PIN is guessed like at login, so it is throttled like at login.
        let reserved = match self.store.login_attempts(&code).await?.decide(now) {
            Decision::Locked => return Err(ChangePinError::Locked),
            Decision::Throttled { retry_after } => return Err(ChangePinError::Throttled { retry_after }),
            Decision::Check { reserved } => reserved,
        };
        if !self.store.save_login_attempts(&code, &reserved).await? {
            return Err(ChangePinError::Throttled { retry_after: std::time::Duration::from_secs(1) });
        }
        let typed_current = credential.pin_kind.normalize(current_pin);
        if !self.hasher.verify(&typed_current, credential.pin_hash.as_deref()).await? {
            self.store
                .append_audit(vec![
                    AuditEvent::new(now, Actor::Citizen, "pin_change_failed")
                        .fiscal_code(&code)
                        .credential(credential.id)
                        .client_ip(client_ip)
                        .detail("reason", "wrong_current_pin"),
                ])
                .await?;
            return Err(ChangePinError::WrongCurrentPin);
        }
        // The current PIN was right: this was no guess, so the attempt reserved above is released
        // (a refusal by the policy below must not count towards throttling).
        self.store.commit(Changes { clear_attempts: vec![code], ..Changes::default() }, now).await?;
        let person = self.store.find_person(&code).await?.ok_or(ChangePinError::NoPerson)?;
        let owner = PinOwner {
            fiscal_code: &code,
            family_name: &person.family_name,
            given_name: &person.given_name,
            birth_date: person.birth_date,
        };
        let new = check_new_pin(new_pin, &owner).map_err(ChangePinError::Policy)?;
        if credential.pin_kind != PinKind::FirstAccess && self.hasher.verify(new.expose(), credential.pin_hash.as_deref()).await? {
            return Err(ChangePinError::Policy(PinPolicyError::SameAsCurrent));
        }
        for old in &credential.pin_history {
            if self.hasher.verify(new.expose(), Some(old)).await? {
                return Err(ChangePinError::Policy(PinPolicyError::Reused));
            }
        }
        let hash = self.hasher.hash(new.expose()).await?;
        let from = credential.state;
        let first_access = credential.pin_kind == PinKind::FirstAccess;
        credential.set_definitive(hash, now).map_err(|_| ChangePinError::Stale)?;
        let event = if first_access { "pin_activated" } else { "pin_changed" };
        let changes = Changes {
            update_credentials: vec![credential.clone()],
            clear_attempts: vec![code],
            audit: vec![
                AuditEvent::new(now, Actor::Citizen, event)
                    .fiscal_code(&code)
                    .credential(credential.id)
                    .client_ip(client_ip)
                    .detail("from", from.as_str())
                    .detail("to", credential.state.as_str()),
            ],
            ..Changes::default()
        };
        match self.store.commit(changes, now).await {
            Ok(()) => Ok(()),
            Err(StoreError::Conflict(_)) => Err(ChangePinError::Stale),
            Err(e) => Err(e.into()),
        }
    }

    /// Revoca PIN by its owner: the credential ends with every open session; the fiscal code may
    /// then request a new PIN.
    pub async fn revoke_own(&self, citizen: &Citizen, client_ip: Option<&str>) -> Result<(), StoreError> {
        let now = now();
        let mut credential = citizen.credential.clone();
        let from = credential.state;
        credential.transition(CredentialState::Revoked, now).map_err(|e| StoreError::Conflict(e.to_string()))?;
        credential.note = Some("revoked_by_owner".to_owned());
        let changes = Changes {
            end_sessions_of: vec![credential.id],
            audit: vec![
                AuditEvent::new(now, Actor::Citizen, "credential_revoked")
                    .fiscal_code(&credential.fiscal_code)
                    .credential(credential.id)
                    .client_ip(client_ip)
                    .detail("from", from.as_str())
                    .detail("reason", "owner"),
            ],
            update_credentials: vec![credential],
            ..Changes::default()
        };
        self.store.commit(changes, now).await
    }
}
