//! What Sigillo needs from a database, as narrow traits. Each backend crate implements them with its
//! own SQL and migrations; the conformance story in `sigillo-testkit` runs against every backend.
//!
//! Writes that belong together go through [`CredentialStore::commit`]: one [`Changes`] value is one
//! database transaction, so a state change, its outbox messages and its audit entries are stored
//! together or not at all. Concurrency is optimistic: a credential update names the version it was
//! computed from, and a stale one fails the whole commit with [`StoreError::Conflict`].

use std::time::Duration;

use async_trait::async_trait;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::application::{Application, ApplicationType};
use crate::audit::{AuditEvent, AuditFilter, StoredAuditEvent};
use crate::contact::Contact;
use crate::credential::Credential;
use crate::fiscal_code::FiscalCode;
use crate::oidc::{AuthorizationCode, AuthorizationRequest, Client, Consent, Grant, SigningKey, Token};
use crate::operator::{IdentityCheck, Operator, OperatorSession};
use crate::outbox::{OutboundMessage, OutboxStats, ParkedMessage, PrintBatchSummary, QueuedMessage};
use crate::pension::PensionSlip;
use crate::recovery::Recovery;
use crate::registry::{ContributionYear, InsuredPerson};
use crate::session::Session;
use crate::throttle::LoginAttempts;
use crate::upgrade::{Document, DocumentInfo, Slot, UpgradeRequest};

/// A storage failure. Messages never carry row contents (they may hold personal data).
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database cannot be reached or refused the connection; worth retrying later.
    #[error("database unavailable: {0}")]
    Unavailable(String),
    /// A stored value no longer parses under today's rules.
    #[error("stored data is not valid: {0}")]
    Corrupt(String),
    /// A concurrent writer got there first: a second live credential for a fiscal code, or a
    /// credential changed since it was read. The caller re-reads and decides again.
    #[error("conflicting concurrent change: {0}")]
    Conflict(String),
    #[error("database error: {0}")]
    Other(String),
}

/// The insured-person registry.
#[async_trait]
pub trait RegistryStore: Send + Sync {
    /// Inserts or replaces each person by fiscal code, all in one transaction.
    /// When a slice holds the same fiscal code twice, the later row wins.
    async fn upsert_persons(&self, persons: &[InsuredPerson]) -> Result<(), StoreError>;

    async fn find_person(&self, code: &FiscalCode) -> Result<Option<InsuredPerson>, StoreError>;

    async fn count_persons(&self) -> Result<u64, StoreError>;

    /// Replaces the whole contribution history of each listed person, in one transaction.
    /// Every fiscal code must already be in the registry.
    async fn replace_contributions(&self, histories: &[(FiscalCode, Vec<ContributionYear>)]) -> Result<(), StoreError>;

    /// A person's contributions, oldest year first, then by employer.
    async fn contributions(&self, code: &FiscalCode) -> Result<Vec<ContributionYear>, StoreError>;
}

/// Writes that must happen together, in one transaction, in this order: credential updates, then
/// inserts (so a commit may end a credential and insert its successor for the same fiscal code),
/// recoveries updated then inserted, contacts saved, letters cancelled, sessions ended and opened,
/// login counters cleared, operators inserted and updated, operator sessions ended and opened,
/// identity checks recorded, upgrade requests decided, messages queued, audit appended.
#[derive(Debug, Clone, Default)]
pub struct Changes {
    /// New credentials. A second live credential for the same fiscal code is a `Conflict`.
    pub insert_credentials: Vec<Credential>,
    /// Each is written only if the stored version still equals `credential.version`; the stored
    /// version then becomes `version + 1`. Otherwise the whole commit fails with `Conflict`.
    pub update_credentials: Vec<Credential>,
    pub insert_recoveries: Vec<Recovery>,
    /// Written only if the stored version still equals `recovery.version` (then `version + 1`);
    /// otherwise the whole commit fails with `Conflict`.
    pub update_recoveries: Vec<Recovery>,
    /// Inserted or replaced by id. A second contact with the same fiscal code, kind and value is a
    /// `Conflict`.
    pub save_contacts: Vec<Contact>,
    /// Letters to withdraw (status `cancelled`, half wiped) if still unprinted and uncancelled;
    /// a letter already printed or cancelled is a `Conflict`.
    pub cancel_letters: Vec<Uuid>,
    /// Ends every open session of these credentials.
    pub end_sessions_of: Vec<Uuid>,
    pub open_sessions: Vec<Session>,
    /// Resets these fiscal codes' login counters (after a success, a new PIN, an unlock).
    pub clear_attempts: Vec<FiscalCode>,
    /// A second operator with the same username is a `Conflict`.
    pub insert_operators: Vec<Operator>,
    /// Written only if the stored version still equals `operator.version` (then `version + 1`);
    /// otherwise the whole commit fails with `Conflict`.
    pub update_operators: Vec<Operator>,
    /// Operator sessions to end, by session id (already ended ones keep their end).
    pub end_operator_sessions: Vec<Uuid>,
    pub open_operator_sessions: Vec<OperatorSession>,
    pub identity_checks: Vec<IdentityCheck>,
    /// Decisions on upgrade requests: each is written (status, decision time, reviewer, reason)
    /// only if the stored request is still `pending`; otherwise the whole commit fails with
    /// `Conflict` (a request is decided once).
    pub decide_upgrades: Vec<UpgradeRequest>,
    pub messages: Vec<OutboundMessage>,
    pub audit: Vec<AuditEvent>,
}

impl Changes {
    pub fn is_empty(&self) -> bool {
        self.insert_credentials.is_empty()
            && self.update_credentials.is_empty()
            && self.insert_recoveries.is_empty()
            && self.update_recoveries.is_empty()
            && self.save_contacts.is_empty()
            && self.cancel_letters.is_empty()
            && self.end_sessions_of.is_empty()
            && self.open_sessions.is_empty()
            && self.clear_attempts.is_empty()
            && self.insert_operators.is_empty()
            && self.update_operators.is_empty()
            && self.end_operator_sessions.is_empty()
            && self.open_operator_sessions.is_empty()
            && self.identity_checks.is_empty()
            && self.decide_upgrades.is_empty()
            && self.messages.is_empty()
            && self.audit.is_empty()
    }
}

/// Credentials, their login counters and sessions.
#[async_trait]
pub trait CredentialStore: Send + Sync {
    /// Applies `changes` in one transaction, at `now` (used for ended sessions).
    async fn commit(&self, changes: Changes, now: OffsetDateTime) -> Result<(), StoreError>;

    /// The live credential of a fiscal code, if any (there is at most one).
    async fn live_credential(&self, code: &FiscalCode) -> Result<Option<Credential>, StoreError>;

    async fn credential(&self, id: Uuid) -> Result<Option<Credential>, StoreError>;

    /// The most recent credential of a fiscal code in any state (e.g. an annulled one), if any.
    async fn latest_credential(&self, code: &FiscalCode) -> Result<Option<Credential>, StoreError>;

    /// Up to `limit` live credentials, oldest first (the sunset annuls them in batches).
    async fn live_credentials(&self, limit: u32) -> Result<Vec<Credential>, StoreError>;

    /// Live credentials whose owner has not been told of the sunset yet (`sunset_notice_at`
    /// unset), oldest first.
    async fn credentials_due_for_sunset_notice(&self, limit: u32) -> Result<Vec<Credential>, StoreError>;

    /// The login counters of a fiscal code, known or not (all zero and version 0 when none).
    async fn login_attempts(&self, code: &FiscalCode) -> Result<LoginAttempts, StoreError>;

    /// Stores `attempts` if the stored version still equals `attempts.version` (0: no row yet),
    /// bumping it. `Ok(false)` when another attempt got there first.
    async fn save_login_attempts(&self, code: &FiscalCode, attempts: &LoginAttempts) -> Result<bool, StoreError>;

    async fn session_by_token_hash(&self, token_hash: &str) -> Result<Option<Session>, StoreError>;

    async fn touch_session(&self, id: Uuid, at: OffsetDateTime) -> Result<(), StoreError>;

    async fn end_session(&self, id: Uuid, at: OffsetDateTime) -> Result<(), StoreError>;

    /// Active credentials with a chosen PIN set at or before `set_before` whose owner has not
    /// been told yet of its expiry (`expiry_notice_at` unset), oldest first.
    async fn credentials_due_for_expiry_notice(
        &self,
        set_before: OffsetDateTime,
        limit: u32,
    ) -> Result<Vec<Credential>, StoreError>;
}

/// The delivery outbox (messages are queued through [`Changes::messages`]).
#[async_trait]
pub trait OutboxStore: Send + Sync {
    /// Takes up to `limit` pending messages due at `now` that no other worker holds, and holds
    /// them for `lease`. A worker that dies lets its lease run out; the message is then taken again.
    async fn claim_messages(
        &self,
        worker: &str,
        now: OffsetDateTime,
        lease: Duration,
        limit: u32,
    ) -> Result<Vec<QueuedMessage>, StoreError>;

    /// Delivered: wipes the message's half-PIN, link and code — except a letter's half, which
    /// stays until the letter is printed (see [`OutboxStore::confirm_print_batch`]).
    async fn mark_delivered(&self, id: Uuid, at: OffsetDateTime) -> Result<(), StoreError>;

    /// A failed attempt: retried at `retry_at`, or parked for an operator when `None`.
    async fn mark_failed(
        &self,
        id: Uuid,
        attempts: u32,
        retry_at: Option<OffsetDateTime>,
        error: &str,
    ) -> Result<(), StoreError>;

    async fn outbox_stats(&self) -> Result<OutboxStats, StoreError>;

    /// The newest `pin_second_half` letter of a fiscal code that still holds its half: in no print
    /// batch and not cancelled (fast activation withdraws it and sends its half another way).
    async fn unprinted_letter(&self, code: &FiscalCode) -> Result<Option<OutboundMessage>, StoreError>;

    /// Puts up to `limit` letters that the delivery worker has handed over (`delivered`, half still
    /// held), are in no batch and not cancelled, into print batch `batch` at `at`, oldest first, and
    /// returns them with their halves. A letter in a batch can no longer be cancelled.
    async fn claim_letters_for_print(
        &self,
        batch: &str,
        at: OffsetDateTime,
        limit: u32,
    ) -> Result<Vec<OutboundMessage>, StoreError>;

    /// Batches whose letters still hold their halves (claimed, PDF not confirmed written).
    async fn unconfirmed_print_batches(&self) -> Result<Vec<String>, StoreError>;

    /// The letters of a batch, oldest first, with their halves if the batch is unconfirmed.
    async fn letters_of_batch(&self, batch: &str) -> Result<Vec<OutboundMessage>, StoreError>;

    /// The batch's PDF is safely written: wipes its letters' halves.
    async fn confirm_print_batch(&self, batch: &str) -> Result<(), StoreError>;

    /// Parked messages, oldest first.
    async fn parked_messages(&self, limit: u32) -> Result<Vec<ParkedMessage>, StoreError>;

    /// A parked message goes back to the queue, due at `at`, its attempts counted from zero.
    /// `false` when it is not parked (any more).
    async fn retry_parked(&self, id: Uuid, at: OffsetDateTime) -> Result<bool, StoreError>;

    /// A parked message is given up for good (`cancelled`) with the administrator's reason; its
    /// secrets and text are wiped. `false` when it is not parked (any more).
    async fn discard_parked(&self, id: Uuid, reason: &str) -> Result<bool, StoreError>;

    /// Print batches, newest first.
    async fn print_batches(&self, limit: u32) -> Result<Vec<PrintBatchSummary>, StoreError>;
}

/// Contacts added by citizens (saved through [`Changes::save_contacts`]).
#[async_trait]
pub trait ContactStore: Send + Sync {
    /// A citizen's contacts, oldest first.
    async fn contacts_of(&self, code: &FiscalCode) -> Result<Vec<Contact>, StoreError>;

    async fn contact(&self, code: &FiscalCode, id: Uuid) -> Result<Option<Contact>, StoreError>;

    /// Removes one of the citizen's contacts; `false` when there was none with that id.
    async fn delete_contact(&self, code: &FiscalCode, id: Uuid) -> Result<bool, StoreError>;
}

/// Recovery links (written through [`Changes::insert_recoveries`] and `update_recoveries`).
#[async_trait]
pub trait RecoveryStore: Send + Sync {
    async fn recovery_by_token_hash(&self, token_hash: &str) -> Result<Option<Recovery>, StoreError>;
}

/// Counters of the public endpoints' rate limits (see `rate_limit`).
#[async_trait]
pub trait RateLimitStore: Send + Sync {
    /// Counts one hit on `key` and returns the hits of that key so far, this one included. The key
    /// may be forgotten after `expires_at`.
    async fn hit(&self, key: &str, expires_at: OffsetDateTime) -> Result<u32, StoreError>;
}

/// The hash-chained audit log (entries are appended through [`Changes::audit`]).
#[async_trait]
pub trait AuditStore: Send + Sync {
    /// Entries with `seq > after`, in order, at most `limit`.
    async fn audit_page(&self, after: i64, limit: u32) -> Result<Vec<StoredAuditEvent>, StoreError>;

    /// A citizen's entries, newest first (the access history of the reserved area).
    async fn audit_of(&self, code: &FiscalCode, limit: u32) -> Result<Vec<StoredAuditEvent>, StoreError>;

    /// Appends entries outside any other change (e.g. a failed login, which changes no state).
    async fn append_audit(&self, events: Vec<AuditEvent>) -> Result<(), StoreError>;

    /// Entries matching `filter`, newest first, at most `limit`.
    async fn audit_search(&self, filter: &AuditFilter, limit: u32) -> Result<Vec<StoredAuditEvent>, StoreError>;
}

/// Submitted applications (domande).
#[async_trait]
pub trait ApplicationStore: Send + Sync {
    /// Stores the application with the next protocol number of its submission year and its audit
    /// entry, in one transaction; returns it with its protocol.
    async fn submit_application(
        &self,
        id: Uuid,
        code: &FiscalCode,
        kind: ApplicationType,
        data: &str,
        submitted_at: OffsetDateTime,
        audit: AuditEvent,
    ) -> Result<Application, StoreError>;

    async fn application(&self, code: &FiscalCode, protocol: &str) -> Result<Option<Application>, StoreError>;

    /// A citizen's applications, newest first.
    async fn applications_of(&self, code: &FiscalCode) -> Result<Vec<Application>, StoreError>;
}

/// Pension payments of the registry's pensioners (the cedolino's lines; the CU is derived).
#[async_trait]
pub trait PensionStore: Send + Sync {
    /// Replaces all the pension slips of each listed person, in one transaction. Every fiscal code
    /// must already be in the registry; a list may not hold the same year, month and kind twice.
    /// When the slice holds the same fiscal code twice, the later list wins.
    async fn replace_pension_slips(&self, slips: &[(FiscalCode, Vec<PensionSlip>)]) -> Result<(), StoreError>;

    /// A person's slips, newest month first, then by kind (in [`crate::pension::PensionKind`] order).
    async fn pension_slips(&self, code: &FiscalCode) -> Result<Vec<PensionSlip>, StoreError>;
}

/// Back-office operators, their sessions and the identity documents they checked (written through
/// [`Changes`]), and the work queues they read.
#[async_trait]
pub trait OperatorStore: Send + Sync {
    async fn operator_by_username(&self, username: &str) -> Result<Option<Operator>, StoreError>;

    async fn operator(&self, id: Uuid) -> Result<Option<Operator>, StoreError>;

    /// Every operator, by username.
    async fn operators(&self) -> Result<Vec<Operator>, StoreError>;

    async fn operator_session_by_token_hash(&self, token_hash: &str) -> Result<Option<OperatorSession>, StoreError>;

    /// Moves `last_seen_at` forward (never back); an ended or unknown session is left alone.
    async fn touch_operator_session(&self, id: Uuid, at: OffsetDateTime) -> Result<(), StoreError>;

    /// The identity documents checked for a citizen, newest first.
    async fn identity_checks_of(&self, code: &FiscalCode, limit: u32) -> Result<Vec<IdentityCheck>, StoreError>;

    /// Credentials waiting for a contact-center phone check, oldest first.
    async fn awaiting_phone_check(&self, limit: u32) -> Result<Vec<Credential>, StoreError>;
}

/// The OpenID Connect provider's state: relying services, signing keys, pending authorization
/// requests, consents, and grants with their codes and tokens. Everything a node needs is here,
/// so any node can answer any step of a flow.
#[async_trait]
pub trait OidcStore: Send + Sync {
    /// A second client with the same id is a `Conflict`.
    async fn insert_client(&self, client: &Client, audit: AuditEvent) -> Result<(), StoreError>;

    async fn client(&self, id: &str) -> Result<Option<Client>, StoreError>;

    /// Every client, removed ones included, by name.
    async fn clients(&self) -> Result<Vec<Client>, StoreError>;

    /// Marks the client removed and revokes all its grants, with the audit entry, in one
    /// transaction; `false` when there is no such client or it was already removed.
    async fn disable_client(&self, id: &str, at: OffsetDateTime, audit: AuditEvent) -> Result<bool, StoreError>;

    /// Every stored key, newest first.
    async fn signing_keys(&self) -> Result<Vec<SigningKey>, StoreError>;

    /// A second key with the same kid is a `Conflict`.
    async fn insert_signing_key(&self, key: &SigningKey) -> Result<(), StoreError>;

    /// Deletes keys no longer published at `now`; returns how many.
    async fn delete_unpublished_keys(&self, now: OffsetDateTime) -> Result<u64, StoreError>;

    async fn insert_authorization_request(&self, request: &AuthorizationRequest) -> Result<(), StoreError>;

    async fn authorization_request(&self, id: Uuid) -> Result<Option<AuthorizationRequest>, StoreError>;

    /// Forgets a request (answered with an error, or expired); `false` when there was none.
    async fn delete_authorization_request(&self, id: Uuid) -> Result<bool, StoreError>;

    async fn consent(&self, code: &FiscalCode, client_id: &str) -> Result<Option<Consent>, StoreError>;

    /// Inserts or replaces the citizen's consent for that client.
    async fn save_consent(&self, consent: &Consent) -> Result<(), StoreError>;

    /// Answers an authorization request: deletes it and stores the grant, its code and the audit
    /// entry in one transaction. A request already answered (deleted) is a `Conflict`, so a
    /// request yields one code however often it is resubmitted.
    async fn insert_grant(
        &self,
        request_id: Uuid,
        grant: &Grant,
        code: &AuthorizationCode,
        audit: AuditEvent,
    ) -> Result<(), StoreError>;

    /// Marks a code used, at most once even under concurrent redemptions, and returns it *as it
    /// was before* with its grant: `used_at` already set means a replay.
    async fn redeem_code(
        &self,
        code_hash: &str,
        at: OffsetDateTime,
    ) -> Result<Option<(AuthorizationCode, Grant)>, StoreError>;

    /// Stores new tokens with their audit entries in one transaction.
    async fn insert_tokens(&self, tokens: &[Token], audit: Vec<AuditEvent>) -> Result<(), StoreError>;

    /// A token by hash, with its grant.
    async fn token(&self, token_hash: &str) -> Result<Option<(Token, Grant)>, StoreError>;

    /// Marks a refresh token used, at most once, and returns it as it was before with its grant
    /// (like [`OidcStore::redeem_code`]).
    async fn use_refresh_token(&self, token_hash: &str, at: OffsetDateTime) -> Result<Option<(Token, Grant)>, StoreError>;

    /// Revokes grants (already revoked ones keep their time) with the audit entries, in one
    /// transaction.
    async fn revoke_grants(&self, ids: &[Uuid], at: OffsetDateTime, audit: Vec<AuditEvent>) -> Result<(), StoreError>;

    /// The grants, not yet revoked, opened from a portal session.
    async fn grants_of_session(&self, session_id: Uuid) -> Result<Vec<Grant>, StoreError>;

    /// Deletes requests, codes and tokens expired before `before`, and grants revoked before it
    /// with nothing left hanging from them; returns how many rows went.
    async fn prune_oidc(&self, before: OffsetDateTime) -> Result<u64, StoreError>;
}

/// Upgrade requests to a PIN dispositivo and their documents (decided through
/// [`Changes::decide_upgrades`]). Documents are read only by the reviewers' use cases.
#[async_trait]
pub trait UpgradeStore: Send + Sync {
    /// Stores a pending request, its documents and its audit entry in one transaction. A second
    /// pending request for the same fiscal code is a `Conflict`.
    async fn submit_upgrade(
        &self,
        request: &UpgradeRequest,
        documents: &[Document],
        audit: AuditEvent,
    ) -> Result<(), StoreError>;

    async fn upgrade_request(&self, id: Uuid) -> Result<Option<UpgradeRequest>, StoreError>;

    /// A citizen's requests, newest first.
    async fn upgrade_requests_of(&self, code: &FiscalCode) -> Result<Vec<UpgradeRequest>, StoreError>;

    /// The reviewers' queue: pending requests, oldest first.
    async fn pending_upgrades(&self, limit: u32) -> Result<Vec<UpgradeRequest>, StoreError>;

    /// The documents of a request without their content, in slot order.
    async fn upgrade_documents(&self, request: Uuid) -> Result<Vec<DocumentInfo>, StoreError>;

    /// One document with its content.
    async fn upgrade_document(&self, request: Uuid, slot: Slot) -> Result<Option<Document>, StoreError>;
}

/// Everything a Sigillo node needs from its database.
#[async_trait]
pub trait Store:
    RegistryStore
    + CredentialStore
    + OutboxStore
    + AuditStore
    + ApplicationStore
    + ContactStore
    + RecoveryStore
    + RateLimitStore
    + OperatorStore
    + PensionStore
    + UpgradeStore
    + OidcStore
{
    /// Creates or upgrades the schema; safe to run on every start and from several nodes at once.
    async fn migrate(&self) -> Result<(), StoreError>;

    /// A cheap round trip, for readiness checks.
    async fn ping(&self) -> Result<(), StoreError>;

    /// `sqlite` or `postgres`, for logs and metrics.
    fn backend(&self) -> &'static str;
}
