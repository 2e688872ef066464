//! Guessing defence for logins (SPEC 4.5, NIST SP 800-63B 5.2.2), as a pure state machine over the
//! counters the database keeps per fiscal code — known or not, so that throttling itself does not
//! reveal who is registered.
//!
//! ```text
//! Open ──failure──▶ Open … 5th failure in a row ──▶ Throttled(until) ──time passes──▶ Open
//!   └─ 100 failures since the last success ──▶ Locked (until recovery or an operator)
//! ```
//!
//! An attempt is *reserved* before the PIN is checked: the counters are raised first and written
//! with a version check, and only a success resets them. So parallel guesses, on one node or many,
//! cannot slip past the limits while their hashes are being computed.

use std::time::Duration;

use time::OffsetDateTime;

/// Consecutive failures after which each further one waits.
pub const THROTTLE_AFTER: u32 = 5;
/// Failures since the last success after which the credential locks.
pub const LOCK_AFTER: u32 = 100;
const FIRST_DELAY: Duration = Duration::from_secs(30);
const MAX_DELAY: Duration = Duration::from_secs(3600);

/// The stored counters of one fiscal code. `version` 0 means "no row yet".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct LoginAttempts {
    pub consecutive_failures: u32,
    pub failures_since_success: u32,
    pub throttled_until: Option<OffsetDateTime>,
    pub version: i64,
}

/// What to do with a login attempt before checking its PIN.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Check the PIN; store `reserved` first (it counts this attempt as failed until it succeeds).
    Check { reserved: LoginAttempts },
    /// Refuse without checking; the citizen may try again after this long.
    Throttled { retry_after: Duration },
    Locked,
}

impl LoginAttempts {
    pub fn decide(&self, now: OffsetDateTime) -> Decision {
        if self.failures_since_success >= LOCK_AFTER {
            return Decision::Locked;
        }
        if let Some(until) = self.throttled_until.filter(|until| *until > now) {
            let secs = (until - now).whole_seconds().max(1);
            return Decision::Throttled { retry_after: Duration::from_secs(secs.unsigned_abs()) };
        }
        let consecutive = self.consecutive_failures.saturating_add(1);
        let throttled_until = (consecutive >= THROTTLE_AFTER).then(|| now + delay_after(consecutive));
        Decision::Check {
            reserved: LoginAttempts {
                consecutive_failures: consecutive,
                failures_since_success: self.failures_since_success.saturating_add(1),
                throttled_until,
                version: self.version,
            },
        }
    }

    /// After a reserved attempt failed: whether it was the one that locks.
    pub fn locks_now(&self) -> bool {
        self.failures_since_success >= LOCK_AFTER
    }

    /// After a success: everything back to zero.
    pub fn cleared(&self) -> LoginAttempts {
        LoginAttempts { version: self.version, ..LoginAttempts::default() }
    }
}

/// The wait after the n-th consecutive failure (n ≥ 5): 30 s, doubling, at most an hour.
pub fn delay_after(consecutive: u32) -> Duration {
    let doublings = consecutive.saturating_sub(THROTTLE_AFTER).min(16);
    FIRST_DELAY.saturating_mul(1 << doublings).min(MAX_DELAY)
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::*;

    fn fail(attempts: LoginAttempts, now: OffsetDateTime) -> LoginAttempts {
        match attempts.decide(now) {
            Decision::Check { reserved } => reserved,
            other => panic!("expected a check, got {other:?}"),
        }
    }

    #[test]
    fn five_failures_in_a_row_throttle_with_growing_delays() {
        let t = datetime!(2026-01-01 0:00 UTC);
        let mut a = LoginAttempts::default();
        for _ in 0..4 {
            a = fail(a, t);
            assert_eq!(a.throttled_until, None);
        }
        a = fail(a, t);
        assert_eq!(a.decide(t), Decision::Throttled { retry_after: Duration::from_secs(30) });
        let t = t + Duration::from_secs(30);
        a = fail(a, t);
        assert_eq!(a.decide(t), Decision::Throttled { retry_after: Duration::from_secs(60) });
        let t = t + Duration::from_secs(60);
        a = fail(a, t);
        assert_eq!(a.decide(t), Decision::Throttled { retry_after: Duration::from_secs(120) });
    }

    #[test]
    fn success_resets() {
        let t = datetime!(2026-01-01 0:00 UTC);
        let a = fail(fail(LoginAttempts::default(), t), t).cleared();
        assert_eq!(a.consecutive_failures, 0);
        assert_eq!(a.failures_since_success, 0);
    }

    #[test]
    fn a_hundred_failures_lock() {
        let mut t = datetime!(2026-01-01 0:00 UTC);
        let mut a = LoginAttempts::default();
        for i in 1..=LOCK_AFTER {
            a = fail(a, t);
            assert_eq!(a.locks_now(), i == LOCK_AFTER);
            t += MAX_DELAY;
        }
        assert_eq!(a.decide(t + MAX_DELAY), Decision::Locked);
    }

    #[test]
    fn delays_are_capped() {
        assert_eq!(delay_after(5), Duration::from_secs(30));
        assert_eq!(delay_after(12), MAX_DELAY);
        assert_eq!(delay_after(99), MAX_DELAY);
    }
}
