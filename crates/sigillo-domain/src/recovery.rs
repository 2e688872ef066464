//! Ripristina PIN (SPEC 4.8): a link and a code by e-mail, valid for a while and once, which
//! together give the citizen a new first-access PIN. Both are stored only as SHA-256 hashes.

use time::OffsetDateTime;
use uuid::Uuid;

use crate::contact::constant_time_eq;
use crate::fiscal_code::FiscalCode;

/// Wrong codes after which the link is burned.
pub const MAX_CODE_ATTEMPTS: u32 = 3;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recovery {
    pub id: Uuid,
    pub fiscal_code: FiscalCode,
    pub credential_id: Uuid,
    /// SHA-256 of the link's token: what the link is found by.
    pub token_hash: String,
    /// SHA-256 of the code.
    pub code_hash: String,
    /// Where the new PIN's halves go: first half by SMS, second by e-mail.
    pub mobile: String,
    pub email: String,
    pub created_at: OffsetDateTime,
    pub expires_at: OffsetDateTime,
    pub attempts: u32,
    pub used_at: Option<OffsetDateTime>,
    /// Incremented by every write (optimistic concurrency, as for credentials).
    pub version: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecoveryCheck {
    Valid,
    /// Used, expired or burned: the same answer for all.
    Unusable,
    /// A wrong code: counts an attempt.
    WrongCode,
}

impl Recovery {
    pub fn check(&self, code_hash: &str, now: OffsetDateTime) -> RecoveryCheck {
        if self.used_at.is_some() || now >= self.expires_at || self.attempts >= MAX_CODE_ATTEMPTS {
            return RecoveryCheck::Unusable;
        }
        if constant_time_eq(self.code_hash.as_bytes(), code_hash.as_bytes()) {
            RecoveryCheck::Valid
        } else {
            RecoveryCheck::WrongCode
        }
    }
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::*;
    use crate::session::token_hash;

    fn recovery() -> Recovery {
        let t = datetime!(2026-01-01 0:00 UTC);
        Recovery {
            id: Uuid::nil(),
            fiscal_code: FiscalCode::parse("RSSMRA80A01H501U").unwrap_or_else(|e| panic!("{e}")),
            credential_id: Uuid::nil(),
            token_hash: token_hash("t"),
            code_hash: token_hash("123456"),
            mobile: "+393331234567".into(),
            email: "m@example.it".into(),
            created_at: t,
            expires_at: t + time::Duration::hours(24),
            attempts: 0,
            used_at: None,
            version: 0,
        }
    }

    #[test]
    fn a_link_works_once_in_time_with_its_code() {
        let r = recovery();
        let t = r.created_at;
        assert_eq!(r.check(&token_hash("123456"), t), RecoveryCheck::Valid);
        assert_eq!(r.check(&token_hash("654321"), t), RecoveryCheck::WrongCode);
        assert_eq!(r.check(&token_hash("123456"), r.expires_at), RecoveryCheck::Unusable);
        let used = Recovery { used_at: Some(t), ..r.clone() };
        assert_eq!(used.check(&token_hash("123456"), t), RecoveryCheck::Unusable);
        let burned = Recovery { attempts: MAX_CODE_ATTEMPTS, ..r };
        assert_eq!(burned.check(&token_hash("123456"), t), RecoveryCheck::Unusable);
    }
}
