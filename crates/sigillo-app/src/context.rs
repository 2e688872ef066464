//! What every use case needs: the store, the PIN hasher and the policy in force.

use std::sync::Arc;
use std::time::Duration;

use sigillo_domain::session::{DEFAULT_ABSOLUTE_TIMEOUT, DEFAULT_IDLE_TIMEOUT};
use sigillo_domain::store::Store;
use time::OffsetDateTime;

use crate::hashing::PinHasher;

/// The policy in force, from the configuration.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Validity of an unused first-access PIN.
    pub first_access_ttl: Duration,
    /// Rotation period of a chosen PIN; `None` when rotation is off.
    pub pin_max_age: Option<Duration>,
    /// How long before a PIN expires its owner is told.
    pub expiry_notice_lead: Duration,
    pub session_idle_timeout: Duration,
    pub session_absolute_timeout: Duration,
    /// From this moment no PIN is issued (sunset).
    pub issuance_cutoff: Option<OffsetDateTime>,
    /// From this moment every PIN is annulled (sunset); owners are told before.
    pub annulment_date: Option<OffsetDateTime>,
    /// Validity of a recovery link and code.
    pub recovery_ttl: Duration,
    /// Where citizens log in, as printed in messages (e.g. `http://127.0.0.1:8080`); also the
    /// OpenID Connect issuer.
    pub public_url: String,
    /// Key of the pairwise `sub` given to relying services.
    pub subject_key: crate::oidc::SubjectKey,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            first_access_ttl: Duration::from_secs(60 * 86_400),
            pin_max_age: Some(Duration::from_secs(90 * 86_400)),
            expiry_notice_lead: Duration::from_secs(7 * 86_400),
            session_idle_timeout: DEFAULT_IDLE_TIMEOUT,
            session_absolute_timeout: DEFAULT_ABSOLUTE_TIMEOUT,
            issuance_cutoff: None,
            annulment_date: None,
            recovery_ttl: Duration::from_secs(24 * 3600),
            public_url: "http://127.0.0.1:8080".to_owned(),
            subject_key: crate::oidc::SubjectKey(random_key()),
        }
    }
}

/// 32 random bytes (a fresh subject key when none is configured, e.g. in tests).
fn random_key() -> Vec<u8> {
    use rand::TryRngCore;
    let mut key = vec![0u8; 32];
    if rand::rngs::OsRng.try_fill_bytes(&mut key).is_err() {
        key.clear();
    }
    key
}

/// The application: cheap to clone, shared by every handler and background job of a node.
#[derive(Clone)]
pub struct Sigillo {
    pub store: Arc<dyn Store>,
    pub hasher: PinHasher,
    pub settings: Arc<Settings>,
}

impl Sigillo {
    pub fn new(store: Arc<dyn Store>, hasher: PinHasher, settings: Settings) -> Sigillo {
        Sigillo { store, hasher, settings: Arc::new(settings) }
    }
}

/// A public endpoint refused for too many requests: retry after this many seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("rate limited")]
pub struct RateLimited {
    pub retry_after: u64,
}

impl Sigillo {
    /// Counts one request of a public endpoint against the limits per fiscal code and per client
    /// address (counters in the database, shared by every node).
    pub async fn rate_limit(
        &self,
        endpoint: &str,
        fiscal_code: Option<&str>,
        client_ip: Option<&str>,
    ) -> Result<Result<(), RateLimited>, sigillo_domain::store::StoreError> {
        use sigillo_domain::rate_limit::{PER_CLIENT, PER_FISCAL_CODE};
        let now = now();
        let subjects = [(PER_FISCAL_CODE, fiscal_code), (PER_CLIENT, client_ip)];
        for (limit, subject) in subjects {
            let Some(subject) = subject else { continue };
            let key = limit.key(&format!("{endpoint}:{subject}"), now);
            let hits = self.store.hit(&key, now + limit.window).await?;
            if hits > limit.limit {
                metrics::counter!("sigillo_rate_limited_total", "endpoint" => endpoint.to_owned(), "by" => limit.name).increment(1);
                return Ok(Err(RateLimited { retry_after: limit.retry_after(now) }));
            }
        }
        Ok(Ok(()))
    }
}

/// Answers that must not tell by their timing whether the data matched (recovery, revocation)
/// take at least this long: a match writes more than a miss, and a few milliseconds of difference
/// are measurable from outside.
pub const RESPONSE_FLOOR: Duration = Duration::from_millis(120);

/// The moment an answer may leave: started before the work, awaited after it.
#[must_use]
pub struct ResponseFloor {
    until: tokio::time::Instant,
}

impl ResponseFloor {
    pub fn start() -> ResponseFloor {
        ResponseFloor { until: tokio::time::Instant::now() + RESPONSE_FLOOR }
    }

    pub async fn wait(self) {
        tokio::time::sleep_until(self.until).await;
    }
}

/// The current time at the microsecond precision both databases keep (so what is written hashes
/// the same when read back, e.g. in the audit chain).
pub fn now() -> OffsetDateTime {
    let now = OffsetDateTime::now_utc();
    now.replace_nanosecond(now.nanosecond() / 1000 * 1000).unwrap_or(now)
}
