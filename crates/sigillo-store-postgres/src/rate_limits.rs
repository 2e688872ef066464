//! Rate-limit counters on PostgreSQL; [`RateLimitStore`] for the store. Every node counts in the
//! same (unlogged) table: one upsert per hit, atomic however many nodes hit the same key at once.
//!
//! Keys name their window, so a key is never counted again once its window is over; expired keys
//! are swept now and then by the nodes themselves, a bounded number at a time.

use std::sync::atomic::Ordering;

use async_trait::async_trait;
use sigillo_domain::store::{RateLimitStore, StoreError};
use time::OffsetDateTime;

use crate::PostgresStore;
use crate::error::{corrupt_in, store_error};

/// Counts the hit and returns the count; saturates instead of overflowing. The expiry of a key
/// never moves back. The table is unlogged, so even the index entries a later expiry adds cost no WAL.
const HIT: &str = "\
INSERT INTO rate_limits (key, hits, expires_at) VALUES ($1, 1, $2)
ON CONFLICT (key) DO UPDATE SET hits = rate_limits.hits + (rate_limits.hits < 2147483647)::integer,
    expires_at = GREATEST(rate_limits.expires_at, EXCLUDED.expires_at)
RETURNING hits";

/// Up to `$2` keys expired before `$1` *and* before the database's clock, oldest first, skipping
/// those another node is sweeping or hitting right now. `= ANY(ARRAY(…))`, so that the keys are
/// deleted through the primary key, never by joining against a scan of the table.
pub(crate) const SWEEP: &str = "\
DELETE FROM rate_limits WHERE key = ANY(ARRAY(
    SELECT key FROM rate_limits WHERE expires_at < LEAST(now(), $1)
    ORDER BY expires_at LIMIT $2
    FOR UPDATE SKIP LOCKED))";

/// A node sweeps after every this many hits: at most one key is created per hit, and a sweep
/// removes up to [`SWEEP_BATCH`], so expired keys cannot pile up.
const SWEEP_EVERY: u64 = 256;
const SWEEP_BATCH: i64 = 1_000;

/// The longest window of any limit. The caller's clock is not passed in, only the expiry of the key
/// it hits, at most this long after the caller's "now": a key whose expiry lies this long before
/// that has expired by the caller's clock as well. So a sweep never forgets a key a node still
/// counts, whether the node's clock or the database's is behind (tests run with clocks in the past).
const MAX_WINDOW: time::Duration = time::Duration::days(1);

#[async_trait]
impl RateLimitStore for PostgresStore {
    async fn hit(&self, key: &str, expires_at: OffsetDateTime) -> Result<u32, StoreError> {
        let hits: i32 =
            sqlx::query_scalar(HIT).bind(key).bind(expires_at).fetch_one(&self.pool).await.map_err(store_error)?;
        let hits = u32::try_from(hits).map_err(|_| corrupt_in("rate_limits", "hits"))?;
        if self.rate_limit_hits.fetch_add(1, Ordering::Relaxed) % SWEEP_EVERY == SWEEP_EVERY - 1 {
            self.sweep_rate_limits(expires_at.saturating_sub(MAX_WINDOW)).await;
        }
        Ok(hits)
    }
}

impl PostgresStore {
    /// Forgets up to [`SWEEP_BATCH`] keys expired before `before` (and before the database's
    /// clock). A failure only delays the sweep: the hit that triggered it was counted already.
    async fn sweep_rate_limits(&self, before: OffsetDateTime) {
        match sqlx::query(SWEEP).bind(before).bind(SWEEP_BATCH).execute(&self.pool).await {
            Ok(done) => tracing::debug!(keys = done.rows_affected(), "expired rate-limit keys swept"),
            Err(err) => tracing::warn!(error = %store_error(err), "sweeping expired rate-limit keys failed"),
        }
    }
}
