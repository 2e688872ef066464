//! Flows proven with the health card (tessera sanitaria) instead of a PIN: revocation without
//! logging in (SPEC 4.9) and fast activation (Attiva PIN, SPEC 4.3).

use sigillo_domain::audit::{Actor, AuditEvent};
use sigillo_domain::contact::ContactKind;
use sigillo_domain::credential::CredentialState;
use sigillo_domain::fiscal_code::FiscalCode;
use sigillo_domain::outbox::Channel;
use sigillo_domain::pin::{ALPHABET, FirstAccessPin, HALF_LEN, PinHalf, PinKind};
use sigillo_domain::registry::InsuredPerson;
use sigillo_domain::store::{Changes, StoreError};
use time::Date;

use crate::context::RateLimited;
use crate::hashing::HashError;
use crate::input::{FieldErrors, parse_date};
use crate::{Sigillo, messages, now};

#[derive(Debug, thiserror::Error)]
pub enum HealthCardError {
    #[error("invalid input")]
    InvalidInput(FieldErrors),
    #[error(transparent)]
    RateLimited(#[from] RateLimited),
    /// Activation only: some of the data did not match (never says which).
    #[error("invalid credentials")]
    InvalidCredentials,
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Hash(#[from] HashError),
}

/// Fiscal code and health card as typed, checked for form only.
pub struct CardProof {
    pub fiscal_code: FiscalCode,
    pub number: String,
    pub expiry: Date,
}

impl CardProof {
    pub fn parse(fiscal_code: &str, number: &str, expiry: &str, fields: &mut FieldErrors) -> Option<CardProof> {
        let code = FiscalCode::parse(fiscal_code).map_err(|e| fields.insert("fiscal_code".into(), e.to_string())).ok();
        let number: String = number.chars().filter(|c| !c.is_whitespace()).collect::<String>().to_ascii_uppercase();
        if number.is_empty() || number.len() > 20 || !number.bytes().all(|b| b.is_ascii_alphanumeric()) {
            fields.insert("health_card_number".into(), "Il numero della tessera sanitaria è di 20 cifre (sul retro della tessera).".into());
        }
        let expiry = parse_date(expiry);
        if expiry.is_none() {
            fields.insert("health_card_expiry".into(), "Data di scadenza non valida: usare GG/MM/AAAA.".into());
        }
        Some(CardProof { fiscal_code: code?, number, expiry: expiry? })
    }

    fn matches(&self, person: Option<&InsuredPerson>) -> bool {
        person.is_some_and(|p| p.health_card.number == self.number && p.health_card.expiry == self.expiry)
    }
}

/// What fast activation asks for.
pub struct ActivationInput<'a> {
    pub fiscal_code: &'a str,
    pub health_card_number: &'a str,
    pub health_card_expiry: &'a str,
    pub first_half: &'a str,
    pub mobile: &'a str,
    pub second_half_channel: &'a str,
    pub contact: &'a str,
}

impl Sigillo {
    /// `POST /pin-revocations`: revokes when the card matches; `Ok` whatever matched.
    pub async fn revoke_with_health_card(&self, proof: CardProof, client_ip: Option<&str>) -> Result<(), HealthCardError> {
        let code = proof.fiscal_code;
        self.rate_limit("revocation", Some(code.as_str()), client_ip).await??;
        let floor = crate::context::ResponseFloor::start();
        let now = now();
        let person = self.store.find_person(&code).await?;
        let credential = self.store.live_credential(&code).await?;
        let mut audit = AuditEvent::new(now, Actor::Citizen, "revocation_requested").fiscal_code(&code).client_ip(client_ip);
        let mut changes = Changes::default();
        match credential {
            Some(mut credential) if proof.matches(person.as_ref()) => {
                let from = credential.state;
                credential.transition(CredentialState::Revoked, now).map_err(|e| StoreError::Other(e.to_string()))?;
                credential.note = Some("revoked_with_health_card".to_owned());
                audit = AuditEvent::new(now, Actor::Citizen, "credential_revoked")
                    .fiscal_code(&code)
                    .credential(credential.id)
                    .client_ip(client_ip)
                    .detail("from", from.as_str())
                    .detail("reason", "health_card");
                if let Some(letter) = self.store.unprinted_letter(&code).await? {
                    changes.cancel_letters.push(letter.id);
                }
                changes.end_sessions_of.push(credential.id);
                changes.update_credentials.push(credential);
            }
            _ => audit = audit.detail("outcome", "no_match"),
        }
        changes.audit.push(audit);
        let outcome = match self.store.commit(changes, now).await {
            Ok(()) | Err(StoreError::Conflict(_)) => Ok(()),
            Err(e) => Err(e.into()),
        };
        floor.wait().await;
        outcome
    }

    /// `POST /pin-activations`: sends the second half at once over the channel the citizen chose,
    /// withdrawing the letter if it is not printed yet; a printed letter's half is replaced.
    pub async fn activate(&self, input: &ActivationInput<'_>, client_ip: Option<&str>) -> Result<Channel, HealthCardError> {
        let mut fields = FieldErrors::new();
        let proof = CardProof::parse(input.fiscal_code, input.health_card_number, input.health_card_expiry, &mut fields);
        let first_half = PinHalf::parse(input.first_half);
        if first_half.is_none() {
            fields.insert("first_half".into(), "La prima parte del PIN è di 8 caratteri (quella ricevuta per SMS o e-mail).".into());
        }
        if ContactKind::Mobile.normalize(input.mobile).is_err() {
            fields.insert("mobile".into(), "Numero di cellulare non valido.".into());
        }
        let (channel, kind) = match input.second_half_channel {
            "sms" => (Some(Channel::Sms), ContactKind::Mobile),
            "email" => (Some(Channel::Email), ContactKind::Email),
            "pec" => (Some(Channel::Pec), ContactKind::Pec),
            _ => (None, ContactKind::Email),
        };
        if channel.is_none() {
            fields.insert("second_half_channel".into(), "Scegliere sms, email o pec.".into());
        }
        let contact = kind.normalize(input.contact).map_err(|e| fields.insert("contact".into(), e.to_string())).ok();
        let (Some(proof), Some(first_half), Some(channel), Some(contact)) = (proof, first_half, channel, contact) else {
            return Err(HealthCardError::InvalidInput(fields));
        };
        if !fields.is_empty() {
            return Err(HealthCardError::InvalidInput(fields));
        }
        let code = proof.fiscal_code;
        self.rate_limit("activation", Some(code.as_str()), client_ip).await??;
        let now = now();
        let person = self.store.find_person(&code).await?;
        let credential = self.store.live_credential(&code).await?;
        let usable = credential.filter(|c| {
            c.state == CredentialState::Issued
                && c.pin_kind == PinKind::FirstAccess
                && !c.first_access_lapsed(now, self.settings.first_access_ttl)
        });
        // One verify whatever is known, so timing says nothing.
        let hash = usable.as_ref().and_then(|c| c.first_half_hash.as_deref());
        let half_ok = self.hasher.verify(first_half.expose(), hash).await?;
        let (Some(mut credential), true, true) = (usable, half_ok, proof.matches(person.as_ref())) else {
            self.store
                .append_audit(vec![
                    AuditEvent::new(now, Actor::Citizen, "activation_failed").fiscal_code(&code).client_ip(client_ip),
                ])
                .await?;
            return Err(HealthCardError::InvalidCredentials);
        };
        let mut changes = Changes::default();
        let second = match self.store.unprinted_letter(&code).await? {
            Some(letter) if letter.pin_half.as_deref().and_then(PinHalf::parse).is_some() => {
                changes.cancel_letters.push(letter.id);
                letter.pin_half.unwrap_or_default()
            }
            _ => {
                // The letter is printed (or gone): its half can no longer be withdrawn, so the PIN
                // gets a new second half and the printed one stops working.
                let fresh = FirstAccessPin::generate(&mut rand::rng());
                let second = fresh.second_half().expose().to_owned();
                credential.pin_hash = Some(self.hasher.hash(&format!("{}{second}", first_half.expose())).await?);
                credential.updated_at = now;
                second
            }
        };
        debug_assert!(second.len() == HALF_LEN && second.bytes().all(|b| ALPHABET.contains(&b)));
        let url = &self.settings.public_url;
        changes.messages.push(messages::second_half(channel, &contact, &code, &second, url, now));
        changes.audit.push(
            AuditEvent::new(now, Actor::Citizen, "pin_activation")
                .fiscal_code(&code)
                .credential(credential.id)
                .client_ip(client_ip)
                .detail("channel", channel.as_str())
                .detail("letter", if changes.cancel_letters.is_empty() { "printed" } else { "cancelled" }),
        );
        changes.update_credentials.push(credential);
        match self.store.commit(changes, now).await {
            Ok(()) => Ok(channel),
            // The letter went to print in the meantime: the citizen simply tries again.
            Err(StoreError::Conflict(_)) => Err(HealthCardError::InvalidCredentials),
            Err(e) => Err(e.into()),
        }
    }
}
