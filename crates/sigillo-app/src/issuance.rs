//! Making a first-access PIN: shared by the online request, recovery and (later) the desk and the
//! contact center.

use sigillo_domain::credential::Credential;
use sigillo_domain::pin::FirstAccessPin;
use sigillo_domain::store::StoreError;
use time::OffsetDateTime;

use crate::Sigillo;
use crate::hashing::HashError;

#[derive(Debug, thiserror::Error)]
pub enum IssueError {
    #[error(transparent)]
    Hash(#[from] HashError),
    #[error("the credential cannot take a new PIN now: {0}")]
    State(String),
}

impl From<IssueError> for StoreError {
    fn from(e: IssueError) -> Self {
        StoreError::Other(e.to_string())
    }
}

impl Sigillo {
    /// Draws a new first-access PIN and gives it to `credential` (`issued`, level unchanged): its
    /// hash and its first half's hash are stored, the PIN itself is returned for the outbox only.
    pub(crate) async fn issue_first_access(
        &self,
        credential: &mut Credential,
        now: OffsetDateTime,
    ) -> Result<FirstAccessPin, IssueError> {
        let pin = FirstAccessPin::generate(&mut rand::rng());
        let hash = self.hasher.hash(&pin.canonical()).await?;
        let first_half_hash = self.hasher.hash(pin.first_half().expose()).await?;
        credential.issue_first_access(hash, first_half_hash, now).map_err(|e| IssueError::State(e.to_string()))?;
        Ok(pin)
    }
}
