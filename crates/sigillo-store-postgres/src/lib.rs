//! Sigillo's stores on PostgreSQL, for production: several stateless nodes share one database.

mod admin;
mod applications;
mod audit;
mod commit;
mod contacts;
mod credentials;
mod error;
mod oidc;
mod operators;
mod outbox;
mod pensions;
#[cfg(test)]
mod plans;
mod rate_limits;
mod recoveries;
mod registry;
mod row;
mod sessions;
mod upgrades;

use std::fmt;
use std::str::FromStr;
use std::sync::Arc;
use std::sync::atomic::AtomicU64;
use std::time::Duration;

use async_trait::async_trait;
use sigillo_domain::store::{Store, StoreError};
use sqlx::Connection;
use sqlx::migrate::Migrator;
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};

use crate::error::{migrate_error, store_error};

static MIGRATOR: Migrator = sqlx::migrate!();

/// How transactions that append to the audit log begin, whatever the server's default isolation:
/// the append reads the chain's last entry after taking its lock, which needs a snapshot per statement.
pub(crate) const READ_COMMITTED: &str = "BEGIN ISOLATION LEVEL READ COMMITTED";

/// How long a request waits for a free connection before the database counts as unavailable.
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(10);

/// The PostgreSQL backend. Cloning is cheap: clones share the pool.
#[derive(Clone)]
pub struct PostgresStore {
    pool: PgPool,
    /// Rate-limit hits counted through this pool: every so many, expired keys are swept.
    rate_limit_hits: Arc<AtomicU64>,
}

impl fmt::Debug for PostgresStore {
    // The pool's options hold the password: show none of them.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PostgresStore").field("connections", &self.pool.size()).finish_non_exhaustive()
    }
}

impl PostgresStore {
    /// Connects to `url` (`postgres://user:password@host/db`) with at most `max_connections`
    /// connections. Does not migrate: call [`Store::migrate`].
    pub async fn connect(url: &str, max_connections: u32) -> Result<PostgresStore, StoreError> {
        let options = PgConnectOptions::from_str(url).map_err(store_error)?;
        PostgresStore::connect_with(options, max_connections).await
    }

    /// Like [`PostgresStore::connect`], from options built in code (tests pick the database this way).
    pub async fn connect_with(options: PgConnectOptions, max_connections: u32) -> Result<PostgresStore, StoreError> {
        // Name the sessions in pg_stat_activity, unless the URL already does.
        let options = match options.get_application_name() {
            Some(_) => options,
            None => options.application_name("sigillo"),
        };
        let pool = PgPoolOptions::new()
            .max_connections(max_connections.max(1))
            .acquire_timeout(ACQUIRE_TIMEOUT)
            .connect_with(options)
            .await
            .map_err(store_error)?;
        Ok(PostgresStore { pool, rate_limit_hits: Arc::new(AtomicU64::new(0)) })
    }

    /// Closes the pool, waiting for connections in use to be returned.
    pub async fn close(&self) {
        self.pool.close().await;
    }
}

#[async_trait]
impl Store for PostgresStore {
    async fn migrate(&self) -> Result<(), StoreError> {
        // sqlx's PostgreSQL migrator holds a session advisory lock (keyed by the database name)
        // while it applies migrations, so nodes starting together wait for each other. The lock is
        // released only on success, so migrate on a connection of our own and close it: a failed
        // run must not put a connection still holding the lock back into the pool.
        let mut conn = self.pool.acquire().await.map_err(store_error)?.detach();
        // `run_direct` (doc-hidden, but what sqlx offers for this) rather than `run`: `run` over
        // `&mut PgConnection` trips the "Acquire is not general enough" error inside `#[async_trait]`.
        let result = MIGRATOR.run_direct(None, &mut conn, false).await.map_err(migrate_error);
        if let Err(err) = conn.close().await {
            tracing::warn!(error = %err, "closing the migration connection failed");
        }
        result
    }

    async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1").execute(&self.pool).await.map_err(store_error)?;
        Ok(())
    }

    fn backend(&self) -> &'static str {
        "postgres"
    }
}
