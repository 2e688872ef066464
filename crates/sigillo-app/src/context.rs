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
    /// Where citizens log in, as printed in messages (e.g. `http://127.0.0.1:8080`).
    pub public_url: String,
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
            public_url: "http://127.0.0.1:8080".to_owned(),
        }
    }
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

/// The current time at the microsecond precision both databases keep (so what is written hashes
/// the same when read back, e.g. in the audit chain).
pub fn now() -> OffsetDateTime {
    let now = OffsetDateTime::now_utc();
    now.replace_nanosecond(now.nanosecond() / 1000 * 1000).unwrap_or(now)
}
