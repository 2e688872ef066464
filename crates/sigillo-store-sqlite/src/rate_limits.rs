//! Rate-limit counters of the public endpoints: one row per limit, subject and window, counted by
//! an upsert on the single write connection, so concurrent hits get distinct counts.
//!
//! A count saturates instead of overflowing, and a key's expiry only ever moves later.
//!
//! Windows are never reopened (a key names its window), so an expired row is only clutter. Every
//! new key retires a few expired ones, which keeps the table near the number of live windows.
//! [`RateLimitStore::hit`] is given no "now": a key counts as expired once it expired more than
//! [`MAX_WINDOW`] before the key being hit expires. That holds whatever clock the caller uses
//! (tests use fixed times), as long as no window is longer than [`MAX_WINDOW`].

use std::time::Duration;

use async_trait::async_trait;
use sigillo_domain::store::{RateLimitStore, StoreError};
use time::OffsetDateTime;

use crate::SqliteStore;
use crate::codec::{duration_micros, micros};
use crate::error::store_error;

/// The longest window a limit may have (those of `rate_limit` are an hour).
pub(crate) const MAX_WINDOW: Duration = Duration::from_secs(24 * 3600);
/// Expired keys retired by each new key.
const RETIRE: i64 = 4;

pub(crate) const RETIRE_EXPIRED: &str = "DELETE FROM rate_limits WHERE key IN (\
     SELECT key FROM rate_limits WHERE expires_at < ? ORDER BY expires_at LIMIT ?)";

#[async_trait]
impl RateLimitStore for SqliteStore {
    async fn hit(&self, key: &str, expires_at: OffsetDateTime) -> Result<u32, StoreError> {
        let expires_at = micros(expires_at);
        let mut tx = self.write.begin_with("BEGIN IMMEDIATE").await.map_err(store_error)?;
        let hits: i64 = sqlx::query_scalar(
            "INSERT INTO rate_limits (key, hits, expires_at) VALUES (?, 1, ?) \
             ON CONFLICT (key) DO UPDATE SET hits = min(hits + 1, 4294967295), \
             expires_at = max(expires_at, excluded.expires_at) RETURNING hits",
        )
        .bind(key)
        .bind(expires_at)
        .fetch_one(&mut *tx)
        .await
        .map_err(store_error)?;
        if hits == 1 {
            sqlx::query(RETIRE_EXPIRED)
                .bind(expires_at.saturating_sub(duration_micros(MAX_WINDOW)))
                .bind(RETIRE)
                .execute(&mut *tx)
                .await
                .map_err(store_error)?;
        }
        tx.commit().await.map_err(store_error)?;
        u32::try_from(hits).map_err(|_| StoreError::Corrupt("rate_limits.hits".to_owned()))
    }
}
