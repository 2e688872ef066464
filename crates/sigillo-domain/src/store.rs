//! What Sigillo needs from a database, as narrow traits. Each backend crate implements them with its
//! own SQL and migrations; the conformance story in `sigillo-testkit` runs against every backend.

use async_trait::async_trait;

use crate::fiscal_code::FiscalCode;
use crate::registry::{ContributionYear, InsuredPerson};

/// A storage failure. Messages never carry row contents (they may hold personal data).
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database cannot be reached or refused the connection; worth retrying later.
    #[error("database unavailable: {0}")]
    Unavailable(String),
    /// A stored value no longer parses under today's rules.
    #[error("stored data is not valid: {0}")]
    Corrupt(String),
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

/// Everything a Sigillo node needs from its database.
#[async_trait]
pub trait Store: RegistryStore {
    /// Creates or upgrades the schema; safe to run on every start and from several nodes at once.
    async fn migrate(&self) -> Result<(), StoreError>;

    /// A cheap round trip, for readiness checks.
    async fn ping(&self) -> Result<(), StoreError>;

    /// `sqlite` or `postgres`, for logs and metrics.
    fn backend(&self) -> &'static str;
}
