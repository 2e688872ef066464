//! Citizen sessions. The token is random (256 bits) and handed to the client once; the database
//! keeps only its SHA-256, so a stolen database holds no usable session.

use std::time::Duration;

use sha2::{Digest, Sha256};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::credential::Level;
use crate::fiscal_code::FiscalCode;

/// Sliding expiry: a session unused this long ends.
pub const DEFAULT_IDLE_TIMEOUT: Duration = Duration::from_secs(15 * 60);
/// Hard expiry: no session lives longer, however busy.
pub const DEFAULT_ABSOLUTE_TIMEOUT: Duration = Duration::from_secs(8 * 3600);
/// `last_seen_at` is written at most this often, so a busy session does not write on every request.
pub const TOUCH_EVERY: Duration = Duration::from_secs(60);

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    pub id: Uuid,
    /// Hex SHA-256 of the token.
    pub token_hash: String,
    pub credential_id: Uuid,
    pub fiscal_code: FiscalCode,
    /// The level of the PIN that opened the session.
    pub level: Level,
    pub created_at: OffsetDateTime,
    pub last_seen_at: OffsetDateTime,
    pub expires_at: OffsetDateTime,
    pub ended_at: Option<OffsetDateTime>,
    pub client_ip: Option<String>,
}

impl Session {
    /// Whether the session still opens anything at `now`.
    pub fn is_valid(&self, now: OffsetDateTime, idle_timeout: Duration) -> bool {
        self.ended_at.is_none() && now < self.expires_at && now < self.last_seen_at + idle_timeout
    }

    pub fn needs_touch(&self, now: OffsetDateTime) -> bool {
        now >= self.last_seen_at + TOUCH_EVERY
    }
}

/// Hex SHA-256 of a bearer token or one-time code: what the database stores and looks up.
pub fn token_hash(token: &str) -> String {
    let digest = Sha256::digest(token.as_bytes());
    let mut hex = String::with_capacity(64);
    for byte in digest {
        hex.push(char::from(b"0123456789abcdef"[usize::from(byte >> 4)]));
        hex.push(char::from(b"0123456789abcdef"[usize::from(byte & 0xf)]));
    }
    hex
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::*;

    #[test]
    fn idle_and_absolute_expiry() {
        let t = datetime!(2026-01-01 0:00 UTC);
        let code = FiscalCode::parse("RSSMRA80A01H501U").unwrap_or_else(|e| panic!("{e}"));
        let s = Session {
            id: Uuid::nil(),
            token_hash: token_hash("x"),
            credential_id: Uuid::nil(),
            fiscal_code: code,
            level: Level::Ordinario,
            created_at: t,
            last_seen_at: t,
            expires_at: t + DEFAULT_ABSOLUTE_TIMEOUT,
            ended_at: None,
            client_ip: None,
        };
        assert!(s.is_valid(t + Duration::from_secs(60), DEFAULT_IDLE_TIMEOUT));
        assert!(!s.is_valid(t + DEFAULT_IDLE_TIMEOUT, DEFAULT_IDLE_TIMEOUT));
        let busy = Session { last_seen_at: t + DEFAULT_ABSOLUTE_TIMEOUT, ..s.clone() };
        assert!(!busy.is_valid(t + DEFAULT_ABSOLUTE_TIMEOUT, DEFAULT_IDLE_TIMEOUT));
        let ended = Session { ended_at: Some(t), ..s };
        assert!(!ended.is_valid(t, DEFAULT_IDLE_TIMEOUT));
    }

    #[test]
    fn hash_is_hex_sha256() {
        assert_eq!(token_hash("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    }
}
