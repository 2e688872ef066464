//! Fixed-window rate limits for the public endpoints (recovery, revocation, activation), counted
//! in the database so that every node sees the same counts.

use std::time::Duration;

use time::OffsetDateTime;

/// A limit: at most `limit` hits per `window` for one key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limit {
    pub name: &'static str,
    pub limit: u32,
    pub window: Duration,
}

impl Limit {
    /// The key of the window `now` falls in, for `subject` (a fiscal code or a client address).
    pub fn key(&self, subject: &str, now: OffsetDateTime) -> String {
        let window = self.window.as_secs().max(1);
        let start = now.unix_timestamp().div_euclid(i64::try_from(window).unwrap_or(i64::MAX));
        format!("{}:{subject}:{start}", self.name)
    }

    /// Seconds until the window of `now` ends.
    pub fn retry_after(&self, now: OffsetDateTime) -> u64 {
        let window = self.window.as_secs().max(1);
        let elapsed = now.unix_timestamp().rem_euclid(i64::try_from(window).unwrap_or(i64::MAX));
        window.saturating_sub(elapsed.unsigned_abs()).max(1)
    }
}

const HOUR: Duration = Duration::from_secs(3600);

/// Per fiscal code: a handful an hour is plenty for a citizen, and useless for an attacker.
pub const PER_FISCAL_CODE: Limit = Limit { name: "cf", limit: 5, window: HOUR };
/// Per client address: generous, since a whole office or a carrier NAT may share one.
pub const PER_CLIENT: Limit = Limit { name: "ip", limit: 60, window: HOUR };

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::*;

    #[test]
    fn windows_are_fixed() {
        let t = datetime!(2026-01-01 10:15 UTC);
        assert_eq!(PER_FISCAL_CODE.key("X", t), PER_FISCAL_CODE.key("X", datetime!(2026-01-01 10:59 UTC)));
        assert_ne!(PER_FISCAL_CODE.key("X", t), PER_FISCAL_CODE.key("X", datetime!(2026-01-01 11:00 UTC)));
        assert_eq!(PER_FISCAL_CODE.retry_after(t), 45 * 60);
    }
}
