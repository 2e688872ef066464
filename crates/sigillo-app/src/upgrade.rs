//! Converti PIN (SPEC 4.7): the logged-in citizen downloads the prefilled form, uploads it signed
//! with both sides of an identity document, and a reviewer approves or rejects the request.
//!
//! Approval makes the live credential dispositivo at once (a version-checked update in the same
//! commit as the decision, its audit entry and the `upgrade_outcome` message). Every reviewer use
//! case first checks [`Permission::ReviewUpgrades`]; reading a document is audited too.

use std::collections::BTreeMap;

use sigillo_documents::UpgradeForm;
use sigillo_domain::audit::AuditEvent;
use sigillo_domain::contact::ContactKind;
use sigillo_domain::credential::{Credential, Level};
use sigillo_domain::fiscal_code::FiscalCode;
use sigillo_domain::fiscal_code::places;
use sigillo_domain::operator::Permission;
use sigillo_domain::outbox::{Channel, OutboundMessage};
use sigillo_domain::registry::InsuredPerson;
use sigillo_domain::store::{Changes, StoreError};
use sigillo_domain::upgrade::{
    DecisionError, Document, DocumentInfo, FileError, Slot, UpgradeRequest, UpgradeStatus, check_file, parse_reason,
};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::login::Citizen;
use crate::operators::OperatorContext;
use crate::{Sigillo, messages, now};

/// Tries at a decision when the credential keeps changing under it (a login, a PIN change).
const DECISION_TRIES: usize = 3;
/// Longest reviewers' queue shown at once.
pub const QUEUE_LIMIT: u32 = 200;

/// One uploaded file as received: its first bytes (at most the limit and one more byte) and the
/// full size that was sent.
#[derive(Clone, Default)]
pub struct Upload {
    pub bytes: Vec<u8>,
    pub size: usize,
}

impl std::fmt::Debug for Upload {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Upload").field("size", &self.size).finish_non_exhaustive()
    }
}

/// The three files of a request, by slot; a slot not sent is missing.
pub type Uploads = BTreeMap<Slot, Upload>;

#[derive(Debug, thiserror::Error)]
pub enum UpgradeError {
    /// Each refused file with its reason.
    #[error("invalid files")]
    InvalidFiles(BTreeMap<Slot, FileError>),
    #[error("the PIN is already dispositivo")]
    AlreadyDispositivo,
    #[error("a request is already pending")]
    AlreadyPending,
    #[error("person missing from the registry")]
    NoPerson,
    #[error(transparent)]
    Store(#[from] StoreError),
}

#[derive(Debug, thiserror::Error)]
pub enum ReviewError {
    /// The operator's role does not review upgrades.
    #[error("forbidden")]
    Forbidden,
    #[error("no such request")]
    NotFound,
    #[error("already decided")]
    AlreadyDecided,
    #[error("a rejection needs a reason")]
    InvalidReason,
    /// The citizen has no live PIN any more (revoked meanwhile): only a rejection is possible.
    #[error("no live credential")]
    NoLiveCredential,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A request in the reviewers' queue, with the registry's data of its citizen.
#[derive(Debug, Clone)]
pub struct QueueItem {
    pub request: UpgradeRequest,
    pub person: Option<InsuredPerson>,
}

/// Everything a reviewer compares: the request, the registry's data and the documents' list.
#[derive(Debug, Clone)]
pub struct Review {
    pub request: UpgradeRequest,
    pub person: Option<InsuredPerson>,
    /// The citizen's live credential, if any (its level says whether approval changes anything).
    pub credential: Option<Credential>,
    pub documents: Vec<DocumentInfo>,
}

/// A Belfiore code as a reader knows it: `ROMA (RM)`, `FRANCIA`, or the code itself if unknown.
pub fn place_name(code: &str) -> String {
    match places::lookup(code) {
        Some(place) if place.province == "EE" || place.province.is_empty() => place.name.to_owned(),
        Some(place) => format!("{} ({})", place.name, place.province),
        None => code.to_owned(),
    }
}

/// A residence on one line, as the form and the back-office print it.
pub fn residence_line(person: &InsuredPerson) -> String {
    let r = &person.residence;
    let town = if r.province.is_empty() {
        format!("{} {}", r.postal_code, r.municipality)
    } else {
        format!("{} {} ({})", r.postal_code, r.municipality, r.province)
    };
    format!("{}, {}, {}", r.address, town.trim(), r.country)
}

impl Sigillo {
    /// The conversion form, prefilled with the citizen's registry data.
    pub async fn upgrade_form_pdf(&self, citizen: &Citizen) -> Result<Vec<u8>, UpgradeError> {
        let person = self.person_of(citizen).await?.ok_or(UpgradeError::NoPerson)?;
        let form = UpgradeForm {
            fiscal_code: person.fiscal_code.to_string(),
            family_name: person.family_name.to_uppercase(),
            given_name: person.given_name.to_uppercase(),
            sex: person.sex.to_string(),
            birth_date: person.birth_date,
            birth_place: place_name(&person.birth_place).to_uppercase(),
            residence: residence_line(&person).to_uppercase(),
            date: now().date(),
        };
        Ok(sigillo_documents::upgrade_form(&form))
    }

    /// Sends the signed form and both sides of the identity document for review.
    pub async fn submit_upgrade(
        &self,
        citizen: &Citizen,
        mut uploads: Uploads,
        client_ip: Option<&str>,
    ) -> Result<UpgradeRequest, UpgradeError> {
        let credential = &citizen.credential;
        if credential.level >= Level::Dispositivo {
            return Err(UpgradeError::AlreadyDispositivo);
        }
        let code = credential.fiscal_code;
        if self.store.upgrade_requests_of(&code).await?.iter().any(|r| r.status == UpgradeStatus::Pending) {
            return Err(UpgradeError::AlreadyPending);
        }
        let mut documents = Vec::new();
        let mut refused = BTreeMap::new();
        for slot in Slot::ALL {
            let upload = uploads.remove(&slot);
            let size = upload.as_ref().map_or(0, |u| u.size);
            match check_file(slot, upload.map(|u| u.bytes), size) {
                Ok(document) => documents.push(document),
                Err(error) => {
                    refused.insert(slot, error);
                }
            }
        }
        if !refused.is_empty() {
            return Err(UpgradeError::InvalidFiles(refused));
        }
        let now = now();
        let request = UpgradeRequest::new(Uuid::new_v4(), code, credential.id, now);
        let mut audit = AuditEvent::new(now, sigillo_domain::audit::Actor::Citizen, "upgrade_requested")
            .fiscal_code(&code)
            .credential(credential.id)
            .client_ip(client_ip)
            .detail("request", request.id.to_string());
        for document in &documents {
            audit = audit.detail(document.slot.as_str(), document.file_type.as_str());
        }
        match self.store.submit_upgrade(&request, &documents, audit).await {
            Ok(()) => {
                metrics::counter!("sigillo_upgrade_requests_total", "outcome" => "submitted").increment(1);
                Ok(request)
            }
            Err(StoreError::Conflict(_)) => Err(UpgradeError::AlreadyPending),
            Err(e) => Err(e.into()),
        }
    }

    /// The citizen's requests, newest first.
    pub async fn upgrade_requests(&self, citizen: &Citizen) -> Result<Vec<UpgradeRequest>, StoreError> {
        self.store.upgrade_requests_of(&citizen.credential.fiscal_code).await
    }

    /// The reviewers' queue: pending requests, oldest first, each with the registry's data.
    pub async fn upgrade_queue(&self, operator: &OperatorContext) -> Result<Vec<QueueItem>, ReviewError> {
        require(operator)?;
        let mut items = Vec::new();
        for request in self.store.pending_upgrades(QUEUE_LIMIT).await? {
            let person = self.store.find_person(&request.fiscal_code).await?;
            items.push(QueueItem { request, person });
        }
        Ok(items)
    }

    /// One request with what the reviewer compares.
    pub async fn upgrade_review(&self, operator: &OperatorContext, id: Uuid) -> Result<Review, ReviewError> {
        require(operator)?;
        let request = self.store.upgrade_request(id).await?.ok_or(ReviewError::NotFound)?;
        let person = self.store.find_person(&request.fiscal_code).await?;
        let credential = self.store.live_credential(&request.fiscal_code).await?;
        let documents = self.store.upgrade_documents(id).await?;
        Ok(Review { request, person, credential, documents })
    }

    /// One document's content, for the reviewer's eyes only; the reading is audited.
    pub async fn upgrade_document(
        &self,
        operator: &OperatorContext,
        id: Uuid,
        slot: Slot,
        client_ip: Option<&str>,
    ) -> Result<Document, ReviewError> {
        require(operator)?;
        let request = self.store.upgrade_request(id).await?.ok_or(ReviewError::NotFound)?;
        let document = self.store.upgrade_document(id, slot).await?.ok_or(ReviewError::NotFound)?;
        let event = AuditEvent::new(now(), operator.actor(), "upgrade_document_viewed")
            .fiscal_code(&request.fiscal_code)
            .client_ip(client_ip)
            .detail("request", id.to_string())
            .detail("document", slot.as_str());
        self.store.append_audit(vec![event]).await?;
        Ok(document)
    }

    /// Approves: the live credential becomes dispositivo in the same commit; the citizen is told.
    pub async fn approve_upgrade(
        &self,
        operator: &OperatorContext,
        id: Uuid,
        client_ip: Option<&str>,
    ) -> Result<UpgradeRequest, ReviewError> {
        self.decide_upgrade(operator, id, None, client_ip).await
    }

    /// Rejects with a reason the citizen will read.
    pub async fn reject_upgrade(
        &self,
        operator: &OperatorContext,
        id: Uuid,
        reason: &str,
        client_ip: Option<&str>,
    ) -> Result<UpgradeRequest, ReviewError> {
        self.decide_upgrade(operator, id, Some(reason), client_ip).await
    }

    async fn decide_upgrade(
        &self,
        operator: &OperatorContext,
        id: Uuid,
        rejection: Option<&str>,
        client_ip: Option<&str>,
    ) -> Result<UpgradeRequest, ReviewError> {
        require(operator)?;
        let reviewer = operator.operator.username.as_str();
        let mut tries = 0;
        loop {
            tries += 1;
            let now = now();
            let request = self.store.upgrade_request(id).await?.ok_or(ReviewError::NotFound)?;
            let mut decided = request.clone();
            let outcome = match rejection {
                None => decided.approve(reviewer, now),
                Some(reason) => decided.reject(reviewer, reason, now),
            };
            outcome.map_err(|e| match e {
                DecisionError::AlreadyDecided => ReviewError::AlreadyDecided,
                DecisionError::Reason => ReviewError::InvalidReason,
            })?;
            let code = request.fiscal_code;
            let live = self.store.live_credential(&code).await?;
            let mut changes = Changes::default();
            let event_name = if rejection.is_some() { "upgrade_rejected" } else { "upgrade_approved" };
            let mut event = AuditEvent::new(now, operator.actor(), event_name)
                .fiscal_code(&code)
                .client_ip(client_ip)
                .detail("request", id.to_string());
            if rejection.is_none() {
                let Some(mut credential) = live else { return Err(ReviewError::NoLiveCredential) };
                event = event
                    .credential(credential.id)
                    .detail("from", credential.level.as_str())
                    .detail("to", "dispositivo");
                if credential.level < Level::Dispositivo {
                    credential.level = Level::Dispositivo;
                    credential.updated_at = now;
                    changes.update_credentials.push(credential);
                }
            } else if let Some(credential) = &live {
                event = event.credential(credential.id);
            }
            match self.outcome_message(&code, decided.reason.as_deref(), now).await? {
                Some(message) => {
                    event = event.detail("channel", message.channel.as_str());
                    changes.messages.push(message);
                }
                None => event = event.detail("channel", "none"),
            }
            changes.audit.push(event);
            changes.decide_upgrades.push(decided.clone());
            match self.store.commit(changes, now).await {
                Ok(()) => {
                    let outcome = decided.status.as_str();
                    metrics::counter!("sigillo_upgrade_requests_total", "outcome" => outcome).increment(1);
                    return Ok(decided);
                }
                // Decided by another reviewer meanwhile (seen at the next read), or the credential
                // changed: read again and decide again.
                Err(StoreError::Conflict(_)) if tries < DECISION_TRIES => {}
                Err(StoreError::Conflict(_)) => {
                    let stored = self.store.upgrade_request(id).await?;
                    return match stored {
                        Some(r) if r.status != UpgradeStatus::Pending => Err(ReviewError::AlreadyDecided),
                        _ => Err(ReviewError::Store(StoreError::Conflict("the credential keeps changing".into()))),
                    };
                }
                Err(e) => return Err(e.into()),
            }
        }
    }

    /// The `upgrade_outcome` message: by e-mail to the registry's address or a verified one, by
    /// SMS when the citizen has no e-mail on file, none without either.
    async fn outcome_message(
        &self,
        code: &FiscalCode,
        rejection: Option<&str>,
        now: OffsetDateTime,
    ) -> Result<Option<OutboundMessage>, StoreError> {
        let on_file: Vec<_> = self.contacts(code).await?.into_iter().filter(|c| c.verified).collect();
        let pick = |kind: ContactKind| on_file.iter().find(|c| c.kind == kind).map(|c| c.value.clone());
        let to = pick(ContactKind::Email)
            .map(|e| (Channel::Email, e))
            .or_else(|| pick(ContactKind::Mobile).map(|m| (Channel::Sms, m)));
        let url = &self.settings.public_url;
        Ok(to.map(|(channel, to)| messages::upgrade_outcome(channel, &to, code, rejection, url, now)))
    }
}

fn require(operator: &OperatorContext) -> Result<(), ReviewError> {
    if operator.may(Permission::ReviewUpgrades) { Ok(()) } else { Err(ReviewError::Forbidden) }
}

/// Checks a rejection's reason without deciding anything (forms show the error beside the field).
pub fn check_reason(reason: &str) -> Result<String, ReviewError> {
    parse_reason(reason).map_err(|_| ReviewError::InvalidReason)
}

#[cfg(test)]
mod tests;
