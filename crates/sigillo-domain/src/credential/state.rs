use std::fmt;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CredentialState {
    Requested,
    AwaitingPhoneCheck,
    Issued,
    Active,
    Expired,
    Locked,
    Revoked,
    Annulled,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("a credential cannot go from {from} to {to}")]
pub struct TransitionError {
    pub from: CredentialState,
    pub to: CredentialState,
}

impl CredentialState {
    pub const ALL: [CredentialState; 8] = [
        CredentialState::Requested,
        CredentialState::AwaitingPhoneCheck,
        CredentialState::Issued,
        CredentialState::Active,
        CredentialState::Expired,
        CredentialState::Locked,
        CredentialState::Revoked,
        CredentialState::Annulled,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            CredentialState::Requested => "requested",
            CredentialState::AwaitingPhoneCheck => "awaiting_phone_check",
            CredentialState::Issued => "issued",
            CredentialState::Active => "active",
            CredentialState::Expired => "expired",
            CredentialState::Locked => "locked",
            CredentialState::Revoked => "revoked",
            CredentialState::Annulled => "annulled",
        }
    }

    pub fn parse(value: &str) -> Option<CredentialState> {
        CredentialState::ALL.into_iter().find(|s| s.as_str() == value)
    }

    /// Live: counts as "the" credential of its fiscal code; a new request is refused while one is.
    pub fn is_live(self) -> bool {
        !matches!(self, CredentialState::Revoked | CredentialState::Annulled)
    }

    /// Whether the life cycle allows going from `self` to `to`.
    pub fn check_transition(self, to: CredentialState) -> Result<(), TransitionError> {
        use CredentialState::*;
        let allowed = match (self, to) {
            (Revoked | Annulled, _) => false,
            (_, Revoked | Annulled) => true,
            (Requested, AwaitingPhoneCheck | Issued) => true,
            (AwaitingPhoneCheck, Issued) => true,
            (Issued, Active) => true,
            (Active, Expired) | (Expired, Active) => true,
            // Recovery and the desk hand out a new first-access PIN to a credential in use.
            (Issued | Active | Expired | Locked, Issued) => true,
            (Requested | AwaitingPhoneCheck, Locked) => false,
            (_, Locked) => self != Locked,
            // Unlocking without a new PIN (an operator) returns to where the PIN stands.
            (Locked, Active | Expired) => true,
            _ => false,
        };
        if allowed { Ok(()) } else { Err(TransitionError { from: self, to }) }
    }
}

impl fmt::Display for CredentialState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
