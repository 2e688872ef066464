//! The desk and the contact center (SPEC 1, 4.2, 4.7): what operators do for citizens. Every use
//! case checks the operator's permission first and audits under the operator's name.
//!
//! Desk: look a citizen up, record the identity document shown, issue a PIN dispositivo at once as
//! a sealed envelope (the PIN exists only inside the returned PDF, never on the operator's screen),
//! request a PIN the usual way, revoke, unlock. Contact center: take a request by phone, and work
//! the queue of online requests waiting for a phone check (confirm → issued and sent as usual;
//! reject with a reason).

use std::time::Duration;

use serde::Deserialize;
use sigillo_documents::{PinMailer, pin_mailer};
use sigillo_domain::audit::AuditEvent;
use sigillo_domain::credential::{Credential, CredentialState, Level};
use sigillo_domain::fiscal_code::FiscalCode;
use sigillo_domain::operator::{IdentityCheck, Permission, check_document};
use sigillo_domain::outbox::Channel;
use sigillo_domain::pin::PinKind;
use sigillo_domain::registry::InsuredPerson;
use sigillo_domain::store::{Changes, StoreError};
use sigillo_domain::throttle::LoginAttempts;
use time::Date;
use uuid::Uuid;

use crate::input::FieldErrors;
use crate::issuance::IssueError;
use crate::operators::OperatorContext;
use crate::pin_request::{Accepted, PinRequestInput, RequestError};
use crate::{Sigillo, messages, now};

/// How recent the identity check must be for the desk to issue a PIN dispositivo: the citizen is
/// standing at the desk.
pub const IDENTITY_CHECK_VALIDITY: Duration = Duration::from_secs(2 * 3600);
/// Longest reason an operator may type.
pub const MAX_REASON_CHARS: usize = 500;
/// The phone-check queue shows at most this many requests at a time.
pub const QUEUE_PAGE: u32 = 100;

#[derive(Debug, thiserror::Error)]
pub enum BackofficeError {
    #[error("forbidden")]
    Forbidden,
    #[error("invalid input")]
    InvalidInput(FieldErrors),
    #[error("not in registry")]
    NotInRegistry,
    #[error("no credential in a state that allows this")]
    NoCredential,
    /// The desk must record the identity document before issuing.
    #[error("identity not checked")]
    IdentityNotChecked,
    #[error("issuance closed")]
    IssuanceClosed,
    #[error(transparent)]
    Request(RequestError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Hash(#[from] crate::hashing::HashError),
}

impl From<IssueError> for BackofficeError {
    fn from(e: IssueError) -> Self {
        match e {
            IssueError::Hash(h) => BackofficeError::Hash(h),
            IssueError::State(_) => BackofficeError::NoCredential,
        }
    }
}

/// What the back-office shows of a citizen.
#[derive(Debug, Clone)]
pub struct CitizenFile {
    pub person: InsuredPerson,
    /// The live credential, or else the most recent one.
    pub credential: Option<Credential>,
    pub attempts: LoginAttempts,
    pub identity_checks: Vec<IdentityCheck>,
}

/// A request waiting for a phone check, with what did not match.
#[derive(Debug, Clone)]
pub struct PhoneCheck {
    pub credential: Credential,
    pub person: Option<InsuredPerson>,
    /// Names of the fields that differ from the registry.
    pub mismatches: Vec<String>,
    /// What the citizen typed (JSON of the request note: names, residence, contacts).
    pub given: serde_json::Value,
}

/// The identity document typed by the desk operator.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct DocumentInput {
    pub document_kind: String,
    pub document_number: String,
    pub document_issuer: String,
    /// YYYY-MM-DD.
    pub document_expiry: String,
}

fn require(operator: &OperatorContext, permission: Permission) -> Result<(), BackofficeError> {
    if operator.may(permission) { Ok(()) } else { Err(BackofficeError::Forbidden) }
}

fn parse_code(input: &str) -> Result<FiscalCode, BackofficeError> {
    FiscalCode::parse(input).map_err(|e| {
        let mut fields = FieldErrors::new();
        fields.insert("fiscal_code".to_owned(), e.to_string());
        BackofficeError::InvalidInput(fields)
    })
}

fn reason_of(reason: &str) -> Result<String, BackofficeError> {
    let reason = reason.trim();
    if reason.is_empty()
        || reason.chars().count() > MAX_REASON_CHARS
        || reason.chars().any(|c| c.is_control() && c != '\n')
    {
        let mut fields = FieldErrors::new();
        fields.insert("reason".to_owned(), format!("Indicare il motivo (al massimo {MAX_REASON_CHARS} caratteri)."));
        return Err(BackofficeError::InvalidInput(fields));
    }
    Ok(reason.to_owned())
}

fn state_error(e: impl std::fmt::Display) -> StoreError {
    StoreError::Other(e.to_string())
}

impl Sigillo {
    fn operator_event(&self, operator: &OperatorContext, event: &str, code: &FiscalCode) -> AuditEvent {
        AuditEvent::new(now(), operator.actor(), event)
            .fiscal_code(code)
            .client_ip(operator.session.client_ip.as_deref())
    }

    /// A citizen's file by fiscal code. Looking is audited: operators read personal data.
    pub async fn find_citizen(&self, operator: &OperatorContext, code: &str) -> Result<CitizenFile, BackofficeError> {
        require(operator, Permission::FindCitizen)?;
        let code = parse_code(code)?;
        let person = self.store.find_person(&code).await?.ok_or(BackofficeError::NotInRegistry)?;
        let credential = match self.store.live_credential(&code).await? {
            Some(live) => Some(live),
            None => self.store.latest_credential(&code).await?,
        };
        let attempts = self.store.login_attempts(&code).await?;
        let identity_checks = self.store.identity_checks_of(&code, 5).await?;
        self.store.append_audit(vec![self.operator_event(operator, "citizen_looked_up", &code)]).await?;
        Ok(CitizenFile { person, credential, attempts, identity_checks })
    }

    /// Records the identity document the desk operator has checked.
    pub async fn record_identity_check(
        &self,
        operator: &OperatorContext,
        code: &str,
        document: &DocumentInput,
    ) -> Result<IdentityCheck, BackofficeError> {
        require(operator, Permission::RecordIdentityCheck)?;
        let code = parse_code(code)?;
        let now = now();
        let mut fields = FieldErrors::new();
        let expiry = Date::parse(document.document_expiry.trim(), &time::format_description::well_known::Iso8601::DATE)
            .map_err(|_| {
                fields.insert("document_expiry".to_owned(), "Data di scadenza non valida (AAAA-MM-GG).".to_owned())
            })
            .ok();
        let checked = expiry.map(|expiry| {
            check_document(
                &document.document_kind,
                &document.document_number,
                &document.document_issuer,
                expiry,
                now.date(),
            )
        });
        let (kind, number, issuer, expiry) = match (checked, expiry) {
            (Some(Ok((kind, number, issuer))), Some(expiry)) if fields.is_empty() => (kind, number, issuer, expiry),
            (Some(Err(errors)), _) => {
                for e in errors {
                    fields.insert(e.field().to_owned(), e.message().to_owned());
                }
                return Err(BackofficeError::InvalidInput(fields));
            }
            _ => return Err(BackofficeError::InvalidInput(fields)),
        };
        if self.store.find_person(&code).await?.is_none() {
            return Err(BackofficeError::NotInRegistry);
        }
        let check = IdentityCheck {
            id: Uuid::new_v4(),
            fiscal_code: code,
            kind,
            number,
            issuer,
            expiry,
            operator: operator.operator.username.clone(),
            checked_at: now,
        };
        // The audit keeps the kind only: the document number stays in its own table.
        let audit = self.operator_event(operator, "identity_checked", &code).detail("document_kind", kind.as_str());
        let changes = Changes { identity_checks: vec![check.clone()], audit: vec![audit], ..Changes::default() };
        self.store.commit(changes, now).await?;
        Ok(check)
    }

    /// Issues a PIN dispositivo at the desk and returns the sealed envelope (PDF) holding the whole
    /// first-access PIN. A live credential gets the new PIN (its sessions end); otherwise a new
    /// credential is made. Needs this operator's identity check of the citizen in the last hours.
    pub async fn issue_at_desk(
        &self,
        operator: &OperatorContext,
        code: &str,
        office: &str,
    ) -> Result<Vec<u8>, BackofficeError> {
        require(operator, Permission::IssueDispositivo)?;
        let code = parse_code(code)?;
        let now = now();
        if self.settings.issuance_cutoff.is_some_and(|cutoff| now >= cutoff) {
            return Err(BackofficeError::IssuanceClosed);
        }
        let person = self.store.find_person(&code).await?.ok_or(BackofficeError::NotInRegistry)?;
        let checks = self.store.identity_checks_of(&code, 5).await?;
        let checked = checks.iter().any(|c| {
            c.operator == operator.operator.username
                && c.checked_at + IDENTITY_CHECK_VALIDITY > now
                && c.expiry >= now.date()
        });
        if !checked {
            return Err(BackofficeError::IdentityNotChecked);
        }
        let mut changes = Changes::default();
        let (mut credential, existing) = match self.store.live_credential(&code).await? {
            Some(live) => (live, true),
            None => (Credential::new(Uuid::new_v4(), code, Level::Dispositivo, now), false),
        };
        let from = credential.state;
        credential.level = Level::Dispositivo;
        let pin = self.issue_first_access(&mut credential, now).await?;
        if existing {
            changes.end_sessions_of.push(credential.id);
            // A letter still waiting for print carries a half of the old PIN: withdraw it.
            if let Some(letter) = self.store.unprinted_letter(&code).await? {
                changes.cancel_letters.push(letter.id);
            }
            changes.update_credentials.push(credential.clone());
        } else {
            changes.insert_credentials.push(credential.clone());
        }
        changes.clear_attempts.push(code);
        changes.audit.push(
            self.operator_event(operator, "pin_issued_at_desk", &code)
                .credential(credential.id)
                .detail("from", from.as_str())
                .detail("level", "dispositivo"),
        );
        match self.store.commit(changes, now).await {
            Ok(()) => {}
            Err(StoreError::Conflict(_)) => return Err(BackofficeError::NoCredential),
            Err(e) => return Err(e.into()),
        }
        metrics::counter!("sigillo_pin_requests_total", "outcome" => "desk").increment(1);
        let office = office.trim();
        let office = if office.is_empty() { "Sede INPS" } else { office };
        Ok(pin_mailer(&PinMailer {
            fiscal_code: code.to_string(),
            full_name: format!("{} {}", person.given_name, person.family_name),
            pin: pin.canonical(),
            office: office.chars().take(80).collect(),
            date: now.date(),
        }))
    }

    /// Richiedi PIN entered by an operator for the citizen (phone or desk).
    pub async fn request_pin_for(
        &self,
        operator: &OperatorContext,
        input: &PinRequestInput,
    ) -> Result<Accepted, BackofficeError> {
        require(operator, Permission::RequestPin)?;
        let via = match operator.operator.role {
            sigillo_domain::operator::Role::ContactCenter => "contact_center",
            _ => "desk",
        };
        self.request_pin_via(input, &operator.actor(), via, operator.session.client_ip.as_deref())
            .await
            .map_err(BackofficeError::Request)
    }

    /// Revokes the citizen's live credential on their behalf.
    pub async fn revoke_for(
        &self,
        operator: &OperatorContext,
        code: &str,
        reason: &str,
    ) -> Result<(), BackofficeError> {
        require(operator, Permission::Revoke)?;
        let code = parse_code(code)?;
        let reason = reason_of(reason)?;
        let now = now();
        let mut credential = self.store.live_credential(&code).await?.ok_or(BackofficeError::NoCredential)?;
        credential.transition(CredentialState::Revoked, now).map_err(state_error)?;
        credential.note = Some(format!("revoked by operator: {reason}"));
        let mut changes = Changes::default();
        if let Some(letter) = self.store.unprinted_letter(&code).await? {
            changes.cancel_letters.push(letter.id);
        }
        changes.end_sessions_of.push(credential.id);
        changes.audit.push(
            self.operator_event(operator, "credential_revoked", &code)
                .credential(credential.id)
                .detail("reason", &reason),
        );
        changes.update_credentials.push(credential);
        self.store.commit(changes, now).await.map_err(|e| match e {
            StoreError::Conflict(_) => BackofficeError::NoCredential,
            e => e.into(),
        })
    }

    /// Unlocks a locked credential: the PIN works again and the failure counters restart.
    pub async fn unlock(&self, operator: &OperatorContext, code: &str) -> Result<CredentialState, BackofficeError> {
        require(operator, Permission::Unlock)?;
        let code = parse_code(code)?;
        let now = now();
        let mut credential = self.store.live_credential(&code).await?.ok_or(BackofficeError::NoCredential)?;
        let attempts = self.store.login_attempts(&code).await?;
        let locked_by_counters = attempts.locks_now();
        if credential.state != CredentialState::Locked && !locked_by_counters {
            return Err(BackofficeError::NoCredential);
        }
        let mut changes = Changes::default();
        if credential.state == CredentialState::Locked {
            let to = match credential.pin_kind {
                PinKind::FirstAccess => CredentialState::Issued,
                PinKind::Definitive | PinKind::Legacy if credential.rotation_due(now, self.settings.pin_max_age) => {
                    CredentialState::Expired
                }
                PinKind::Definitive | PinKind::Legacy => CredentialState::Active,
            };
            credential.transition(to, now).map_err(state_error)?;
            changes.update_credentials.push(credential.clone());
        }
        changes.clear_attempts.push(code);
        changes.audit.push(
            self.operator_event(operator, "credential_unlocked", &code)
                .credential(credential.id)
                .detail("to", credential.state.as_str()),
        );
        self.store.commit(changes, now).await.map_err(|e| match e {
            StoreError::Conflict(_) => BackofficeError::NoCredential,
            e => e.into(),
        })?;
        Ok(credential.state)
    }

    /// The contact center's queue, oldest first.
    pub async fn phone_check_queue(&self, operator: &OperatorContext) -> Result<Vec<PhoneCheck>, BackofficeError> {
        require(operator, Permission::PhoneChecks)?;
        let mut queue = Vec::new();
        for credential in self.store.awaiting_phone_check(QUEUE_PAGE).await? {
            let person = self.store.find_person(&credential.fiscal_code).await?;
            let note: serde_json::Value =
                credential.note.as_deref().and_then(|n| serde_json::from_str(n).ok()).unwrap_or_default();
            let mismatches = note["mismatches"]
                .as_array()
                .map(|a| a.iter().filter_map(|v| v.as_str().map(str::to_owned)).collect())
                .unwrap_or_default();
            queue.push(PhoneCheck { credential, person, mismatches, given: note["given"].clone() });
        }
        Ok(queue)
    }

    async fn waiting_credential(&self, id: Uuid) -> Result<Credential, BackofficeError> {
        self.store
            .credential(id)
            .await?
            .filter(|c| c.state == CredentialState::AwaitingPhoneCheck)
            .ok_or(BackofficeError::NoCredential)
    }

    /// The citizen confirmed their data by phone: the PIN is issued and sent as for an online
    /// request (first half to the contact given, second half by letter to the registry address).
    pub async fn confirm_phone_check(&self, operator: &OperatorContext, id: Uuid) -> Result<Channel, BackofficeError> {
        require(operator, Permission::PhoneChecks)?;
        let now = now();
        let mut credential = self.waiting_credential(id).await?;
        let person = self.store.find_person(&credential.fiscal_code).await?.ok_or(BackofficeError::NotInRegistry)?;
        let note: serde_json::Value =
            credential.note.as_deref().and_then(|n| serde_json::from_str(n).ok()).unwrap_or_default();
        let given_mobile = note["given"]["mobile"].as_str().map(str::to_owned);
        let given_email = note["given"]["email"].as_str().map(str::to_owned);
        let (channel, to) = match (given_mobile, given_email) {
            (Some(mobile), _) => (Channel::Sms, mobile),
            (None, Some(email)) => (Channel::Email, email),
            (None, None) => match (&person.mobile, &person.email) {
                (Some(mobile), _) => (Channel::Sms, mobile.to_string()),
                (None, Some(email)) => (Channel::Email, email.to_string()),
                (None, None) => return Err(BackofficeError::NoCredential),
            },
        };
        let pin = self.issue_first_access(&mut credential, now).await?;
        credential.note = None;
        let code = credential.fiscal_code;
        let public_url = &self.settings.public_url;
        let mut changes = Changes::default();
        changes.messages.push(messages::first_half(channel, &to, &code, pin.first_half().expose(), public_url, now));
        changes.messages.push(messages::second_half_letter(&person, pin.second_half().expose(), now));
        changes.audit.push(self.operator_event(operator, "phone_check_confirmed", &code).credential(credential.id));
        changes.audit.push(
            self.operator_event(operator, "pin_issued", &code)
                .credential(credential.id)
                .detail("first_half_channel", channel.as_str())
                .detail("second_half_channel", "letter"),
        );
        changes.update_credentials.push(credential);
        self.store.commit(changes, now).await.map_err(|e| match e {
            StoreError::Conflict(_) => BackofficeError::NoCredential,
            e => e.into(),
        })?;
        metrics::counter!("sigillo_pin_requests_total", "outcome" => "phone_confirmed").increment(1);
        Ok(channel)
    }

    /// The data could not be confirmed: the request ends (`revoked`) with the reason; the citizen
    /// may request again, at a desk or online.
    pub async fn reject_phone_check(
        &self,
        operator: &OperatorContext,
        id: Uuid,
        reason: &str,
    ) -> Result<(), BackofficeError> {
        require(operator, Permission::PhoneChecks)?;
        let reason = reason_of(reason)?;
        let now = now();
        let mut credential = self.waiting_credential(id).await?;
        let code = credential.fiscal_code;
        credential.transition(CredentialState::Revoked, now).map_err(state_error)?;
        credential.note = Some(format!("phone check rejected: {reason}"));
        let audit = self
            .operator_event(operator, "phone_check_rejected", &code)
            .credential(credential.id)
            .detail("reason", &reason);
        let changes = Changes { update_credentials: vec![credential], audit: vec![audit], ..Changes::default() };
        self.store.commit(changes, now).await.map_err(|e| match e {
            StoreError::Conflict(_) => BackofficeError::NoCredential,
            e => e.into(),
        })
    }
}
