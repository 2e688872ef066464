//! A citizen's credential (the PIN) and its life cycle (SPEC 4):
//!
//! ```text
//! requested ─▶ (awaiting_phone_check) ─▶ issued ─▶ active ◀──▶ expired (rotation due)
//!     any live state ─▶ locked (100 failures) ─▶ back by recovery or an operator
//!     any state ─▶ revoked          any state ─▶ annulled (sunset)
//! ```
//!
//! A fiscal code has at most one *live* credential (every state but `revoked` and `annulled`); the
//! database enforces it with a unique index, so concurrent requests make exactly one. Changes are
//! computed here as new values and written by the store with an optimistic version check.

mod level;
mod state;

pub use level::Level;
pub use state::{CredentialState, TransitionError};

use std::time::Duration;

use time::OffsetDateTime;
use uuid::Uuid;

use crate::fiscal_code::FiscalCode;
use crate::pin::{HISTORY_LEN, PinKind};

/// What the store keeps of a credential. The PIN exists only as `pin_hash` (a PHC string).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credential {
    pub id: Uuid,
    pub fiscal_code: FiscalCode,
    pub state: CredentialState,
    pub level: Level,
    pub pin_kind: PinKind,
    /// `None` while the request waits for the phone check: no PIN exists yet.
    pub pin_hash: Option<String>,
    /// When the current PIN was set (issued, or chosen by the citizen).
    pub pin_set_at: Option<OffsetDateTime>,
    /// Hashes of earlier PINs, newest first, at most [`HISTORY_LEN`].
    pub pin_history: Vec<String>,
    /// Why a request waits for the phone check, or why a credential ended (for operators; no secrets).
    pub note: Option<String>,
    /// When the owner was told that the PIN is about to expire (once per PIN).
    pub expiry_notice_at: Option<OffsetDateTime>,
    /// Argon2id hash of the first half alone, while the PIN is a first-access one: fast activation
    /// (Attiva PIN) checks the half the citizen received before the letter arrives.
    pub first_half_hash: Option<String>,
    /// When the owner was told of the sunset (once).
    pub sunset_notice_at: Option<OffsetDateTime>,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
    /// Incremented by every write; a write whose expected version is stale is refused.
    pub version: i64,
}

impl Credential {
    /// A new credential waiting for its PIN (`requested`, or `awaiting_phone_check` with `note`).
    pub fn new(id: Uuid, fiscal_code: FiscalCode, level: Level, now: OffsetDateTime) -> Credential {
        Credential {
            id,
            fiscal_code,
            state: CredentialState::Requested,
            level,
            pin_kind: PinKind::FirstAccess,
            pin_hash: None,
            pin_set_at: None,
            pin_history: Vec::new(),
            note: None,
            expiry_notice_at: None,
            first_half_hash: None,
            sunset_notice_at: None,
            created_at: now,
            updated_at: now,
            version: 0,
        }
    }

    /// Moves to `to`, checking the life cycle allows it.
    pub fn transition(&mut self, to: CredentialState, now: OffsetDateTime) -> Result<(), TransitionError> {
        self.state.check_transition(to)?;
        self.state = to;
        self.updated_at = now;
        Ok(())
    }

    /// Gives the credential a new first-access PIN (issue, recovery, desk): `issued`, first access
    /// due. `first_half_hash` is kept for fast activation.
    pub fn issue_first_access(
        &mut self,
        pin_hash: String,
        first_half_hash: String,
        now: OffsetDateTime,
    ) -> Result<(), TransitionError> {
        self.transition(CredentialState::Issued, now)?;
        self.replace_pin(PinKind::FirstAccess, pin_hash, now);
        self.first_half_hash = Some(first_half_hash);
        Ok(())
    }

    /// The citizen chose a new definitive PIN: `active`, rotation clock restarted.
    pub fn set_definitive(&mut self, pin_hash: String, now: OffsetDateTime) -> Result<(), TransitionError> {
        if self.state != CredentialState::Active {
            self.transition(CredentialState::Active, now)?;
        }
        self.replace_pin(PinKind::Definitive, pin_hash, now);
        Ok(())
    }

    fn replace_pin(&mut self, kind: PinKind, pin_hash: String, now: OffsetDateTime) {
        // Only chosen PINs count as "recent PINs": a first-access PIN is the institute's, not the citizen's.
        if let (Some(old), PinKind::Definitive | PinKind::Legacy) = (self.pin_hash.take(), self.pin_kind) {
            self.pin_history.insert(0, old);
            self.pin_history.truncate(HISTORY_LEN);
        }
        self.pin_kind = kind;
        self.pin_hash = Some(pin_hash);
        self.first_half_hash = None;
        self.pin_set_at = Some(now);
        self.expiry_notice_at = None;
        self.updated_at = now;
    }

    /// When the current PIN stops being usable without a change: for a first-access PIN, the end
    /// of its validity; for a chosen one, the end of the rotation period (`None`: rotation off).
    pub fn pin_expires_at(&self, first_access_ttl: Duration, max_age: Option<Duration>) -> Option<OffsetDateTime> {
        let set = self.pin_set_at?;
        match self.pin_kind {
            PinKind::FirstAccess => Some(set + first_access_ttl),
            PinKind::Definitive | PinKind::Legacy => max_age.map(|age| set + age),
        }
    }

    /// An unused first-access PIN past its validity: it no longer opens anything.
    pub fn first_access_lapsed(&self, now: OffsetDateTime, first_access_ttl: Duration) -> bool {
        self.state == CredentialState::Issued
            && self.pin_kind == PinKind::FirstAccess
            && self.pin_set_at.is_some_and(|set| now >= set + first_access_ttl)
    }

    /// Whether, after a correct PIN, the citizen must choose a new one before anything else.
    pub fn must_change_pin(&self, now: OffsetDateTime, max_age: Option<Duration>) -> bool {
        match self.pin_kind {
            PinKind::FirstAccess => true,
            PinKind::Definitive | PinKind::Legacy => {
                self.state == CredentialState::Expired || self.rotation_due(now, max_age)
            }
        }
    }

    /// A chosen PIN older than the rotation period.
    pub fn rotation_due(&self, now: OffsetDateTime, max_age: Option<Duration>) -> bool {
        matches!(self.pin_kind, PinKind::Definitive | PinKind::Legacy)
            && matches!((self.pin_set_at, max_age), (Some(set), Some(age)) if now >= set + age)
    }
}

#[cfg(test)]
mod tests;
