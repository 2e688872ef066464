//! A logged-in citizen's contacts (SPEC 2): the registry's, which count as on file, and their
//! own, which count once verified with a one-time code sent to them.

use sigillo_domain::audit::{Actor, AuditEvent};
use sigillo_domain::contact::{CODE_TTL, Contact, ContactKind, MAX_CODE_ATTEMPTS, MAX_CONTACTS};
use sigillo_domain::fiscal_code::FiscalCode;
use sigillo_domain::session::token_hash;
use sigillo_domain::store::{Changes, StoreError};
use uuid::Uuid;

use crate::hashing::HashError;
use crate::login::Citizen;
use crate::otp::{normalize_code, numeric_code};
use crate::{Sigillo, messages, now};

const CODE_DIGITS: u32 = 6;

/// A contact as the citizen sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContactView {
    /// `None` for the registry's contacts (they cannot be removed online).
    pub id: Option<Uuid>,
    pub kind: ContactKind,
    pub value: String,
    pub verified: bool,
    pub from_registry: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum ContactError {
    #[error("invalid value")]
    InvalidValue(String),
    #[error("too many contacts")]
    TooMany,
    #[error("already present")]
    Duplicate,
    #[error("not found")]
    NotFound,
    #[error("invalid or expired code")]
    InvalidCode,
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Hash(#[from] HashError),
}

impl Sigillo {
    /// Every contact of the citizen: the registry's first, then their own, oldest first.
    pub async fn contacts(&self, code: &FiscalCode) -> Result<Vec<ContactView>, StoreError> {
        let mut views = Vec::new();
        if let Some(person) = self.store.find_person(code).await? {
            if let Some(m) = person.mobile {
                views.push(ContactView { id: None, kind: ContactKind::Mobile, value: m.to_string(), verified: true, from_registry: true });
            }
            if let Some(e) = person.email {
                views.push(ContactView { id: None, kind: ContactKind::Email, value: e.to_string(), verified: true, from_registry: true });
            }
        }
        for c in self.store.contacts_of(code).await? {
            views.push(ContactView { id: Some(c.id), kind: c.kind, value: c.value, verified: c.verified_at.is_some(), from_registry: false });
        }
        Ok(views)
    }

    /// Adds a contact and sends it a verification code.
    pub async fn add_contact(
        &self,
        citizen: &Citizen,
        kind: ContactKind,
        raw: &str,
        client_ip: Option<&str>,
    ) -> Result<ContactView, ContactError> {
        let value = kind.normalize(raw).map_err(|e| ContactError::InvalidValue(e.to_string()))?;
        let code = citizen.credential.fiscal_code;
        let existing = self.contacts(&code).await?;
        if existing.iter().any(|c| c.kind == kind && c.value.eq_ignore_ascii_case(&value)) {
            return Err(ContactError::Duplicate);
        }
        if existing.iter().filter(|c| !c.from_registry).count() >= MAX_CONTACTS {
            return Err(ContactError::TooMany);
        }
        let now = now();
        let contact = Contact {
            id: Uuid::new_v4(),
            fiscal_code: code,
            kind,
            value,
            verified_at: None,
            code_hash: None,
            code_expires_at: None,
            code_attempts: 0,
            created_at: now,
        };
        let view = ContactView { id: Some(contact.id), kind, value: contact.value.clone(), verified: false, from_registry: false };
        self.send_code(contact, "contact_added", client_ip).await?;
        Ok(view)
    }

    /// Sends a fresh code to one of the citizen's unverified contacts.
    pub async fn resend_contact_code(&self, citizen: &Citizen, id: Uuid, client_ip: Option<&str>) -> Result<(), ContactError> {
        let contact = self.store.contact(&citizen.credential.fiscal_code, id).await?.ok_or(ContactError::NotFound)?;
        if contact.verified_at.is_some() {
            return Ok(());
        }
        self.send_code(contact, "contact_code_sent", client_ip).await
    }

    async fn send_code(&self, mut contact: Contact, event: &str, client_ip: Option<&str>) -> Result<(), ContactError> {
        let now = now();
        let otp = numeric_code(CODE_DIGITS)?;
        contact.code_hash = Some(token_hash(&otp));
        contact.code_expires_at = Some(now + CODE_TTL);
        contact.code_attempts = 0;
        let message = messages::contact_verification(contact.kind.channel(), &contact.value, &contact.fiscal_code, &otp, now);
        let audit = AuditEvent::new(now, Actor::Citizen, event)
            .fiscal_code(&contact.fiscal_code)
            .client_ip(client_ip)
            .detail("contact_id", contact.id.to_string())
            .detail("kind", contact.kind.as_str());
        let changes = Changes { save_contacts: vec![contact], messages: vec![message], audit: vec![audit], ..Changes::default() };
        match self.store.commit(changes, now).await {
            Ok(()) => Ok(()),
            Err(StoreError::Conflict(_)) => Err(ContactError::Duplicate),
            Err(e) => Err(e.into()),
        }
    }

    /// Checks the code sent to a contact; a few wrong codes burn it.
    pub async fn verify_contact(
        &self,
        citizen: &Citizen,
        id: Uuid,
        typed: &str,
        client_ip: Option<&str>,
    ) -> Result<(), ContactError> {
        let mut contact = self.store.contact(&citizen.credential.fiscal_code, id).await?.ok_or(ContactError::NotFound)?;
        if contact.verified_at.is_some() {
            return Ok(());
        }
        let now = now();
        let typed_hash = token_hash(&normalize_code(typed));
        let matched = contact.code_matches(&typed_hash, now);
        let mut audit = AuditEvent::new(now, Actor::Citizen, if matched { "contact_verified" } else { "contact_verification_failed" })
            .fiscal_code(&contact.fiscal_code)
            .client_ip(client_ip)
            .detail("contact_id", contact.id.to_string());
        if matched {
            contact.verified_at = Some(now);
            contact.code_hash = None;
            contact.code_expires_at = None;
        } else {
            contact.code_attempts = (contact.code_attempts + 1).min(MAX_CODE_ATTEMPTS);
            audit = audit.detail("attempts", contact.code_attempts.to_string());
        }
        let changes = Changes { save_contacts: vec![contact], audit: vec![audit], ..Changes::default() };
        self.store.commit(changes, now).await?;
        if matched { Ok(()) } else { Err(ContactError::InvalidCode) }
    }

    pub async fn remove_contact(&self, citizen: &Citizen, id: Uuid, client_ip: Option<&str>) -> Result<(), ContactError> {
        let code = citizen.credential.fiscal_code;
        if !self.store.delete_contact(&code, id).await? {
            return Err(ContactError::NotFound);
        }
        let now = now();
        self.store
            .append_audit(vec![
                AuditEvent::new(now, Actor::Citizen, "contact_removed")
                    .fiscal_code(&code)
                    .client_ip(client_ip)
                    .detail("contact_id", id.to_string()),
            ])
            .await?;
        Ok(())
    }
}
