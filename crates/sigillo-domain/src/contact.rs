//! A citizen's own contacts (SPEC 2): mobile, landline, e-mail, PEC. A contact counts for recovery
//! only once verified with a one-time code sent to it; contacts on the registry count as on file.

use std::fmt;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::fiscal_code::FiscalCode;
use crate::outbox::Channel;
use crate::registry::{Email, PhoneNumber};

/// Wrong codes after which a verification code is burned (a new one must be asked for).
pub const MAX_CODE_ATTEMPTS: u32 = 5;
/// How long a verification code is valid.
pub const CODE_TTL: std::time::Duration = std::time::Duration::from_secs(30 * 60);
/// Contacts a citizen may add (besides the registry's).
pub const MAX_CONTACTS: usize = 10;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ContactKind {
    Mobile,
    Landline,
    Email,
    Pec,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ContactValueError {
    #[error("numero di telefono non valido")]
    Phone,
    #[error("indirizzo e-mail non valido")]
    Email,
}

impl ContactKind {
    pub const ALL: [ContactKind; 4] = [ContactKind::Mobile, ContactKind::Landline, ContactKind::Email, ContactKind::Pec];

    pub fn as_str(self) -> &'static str {
        match self {
            ContactKind::Mobile => "mobile",
            ContactKind::Landline => "landline",
            ContactKind::Email => "email",
            ContactKind::Pec => "pec",
        }
    }

    pub fn parse(value: &str) -> Option<ContactKind> {
        ContactKind::ALL.into_iter().find(|k| k.as_str() == value)
    }

    /// The canonical form of a value of this kind (`+39…` for phones, lower-case domain for mail).
    pub fn normalize(self, raw: &str) -> Result<String, ContactValueError> {
        match self {
            ContactKind::Mobile | ContactKind::Landline => {
                PhoneNumber::parse(raw).map(|p| p.to_string()).map_err(|_| ContactValueError::Phone)
            }
            ContactKind::Email | ContactKind::Pec => {
                // Lower case whole: mailboxes are case-insensitive in practice, and one contact must
                // not be stored twice as `Mario@x.it` and `mario@x.it`.
                Email::parse(raw).map(|e| e.to_string().to_lowercase()).map_err(|_| ContactValueError::Email)
            }
        }
    }

    /// How a code reaches a contact of this kind (landlines get SMS read out by the network).
    pub fn channel(self) -> Channel {
        match self {
            ContactKind::Mobile | ContactKind::Landline => Channel::Sms,
            ContactKind::Email => Channel::Email,
            ContactKind::Pec => Channel::Pec,
        }
    }
}

impl fmt::Display for ContactKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A contact added by the citizen. `code_hash` is the SHA-256 of the pending verification code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Contact {
    pub id: Uuid,
    pub fiscal_code: FiscalCode,
    pub kind: ContactKind,
    pub value: String,
    pub verified_at: Option<OffsetDateTime>,
    pub code_hash: Option<String>,
    pub code_expires_at: Option<OffsetDateTime>,
    pub code_attempts: u32,
    pub created_at: OffsetDateTime,
}

impl Contact {
    /// Whether `typed` (already hashed) verifies the contact at `now`.
    pub fn code_matches(&self, typed_hash: &str, now: OffsetDateTime) -> bool {
        self.code_attempts < MAX_CODE_ATTEMPTS
            && self.code_expires_at.is_some_and(|until| now < until)
            && self.code_hash.as_deref().is_some_and(|h| constant_time_eq(h.as_bytes(), typed_hash.as_bytes()))
    }
}

/// Contacts compare by kind of medium: a mobile given for recovery matches a mobile or landline on file.
pub fn same_value(a: &str, b: &str) -> bool {
    a.eq_ignore_ascii_case(b)
}

/// Equal-time comparison, for hashes of secrets.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_normalised_by_kind() {
        assert_eq!(ContactKind::Mobile.normalize("333 123 4567"), Ok("+393331234567".to_owned()));
        assert_eq!(ContactKind::Pec.normalize("Mario@PEC.it"), Ok("mario@pec.it".to_owned()));
        assert_eq!(ContactKind::Email.normalize("not-an-email"), Err(ContactValueError::Email));
        assert_eq!(ContactKind::Landline.normalize("abc"), Err(ContactValueError::Phone));
    }

    #[test]
    fn names_round_trip() {
        for k in ContactKind::ALL {
            assert_eq!(ContactKind::parse(k.as_str()), Some(k));
        }
    }

    #[test]
    fn constant_time_eq_works() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"ab"));
    }
}
