//! Sigillo's stores on SQLite, the default backend: one file in the data folder, nothing to install.
//!
//! SQLite lets one connection write at a time. Writes therefore go through a pool of exactly one
//! connection, so they queue in the pool instead of failing with `SQLITE_BUSY`, while reads use a
//! separate pool that WAL mode lets run beside the writer.

mod admin;
mod applications;
mod audit;
mod codec;
mod contacts;
mod credentials;
mod error;
mod oidc;
mod operators;
mod outbox;
mod pensions;
mod rate_limits;
mod recoveries;
mod registry;
mod sessions;
#[cfg(test)]
mod tests;
mod upgrades;

use std::str::FromStr;
use std::time::Duration;

use async_trait::async_trait;
use sigillo_domain::store::{Store, StoreError};
use sqlx::migrate::Migrator;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous};

use crate::error::{migrate_error, store_error};

static MIGRATOR: Migrator = sqlx::migrate!();

/// Another process holding the write lock (an import beside `serve`) is waited for this long.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);
/// Page cache of the writer, in KiB (taken only as pages are read). An import inserts all over
/// the fiscal-code index; at 2 million rows 256 MiB imported 62,000 rows/s against 47,000 with 64 MiB.
const WRITER_CACHE_KIB: u32 = 256 * 1024;
/// Page cache of each reader, in KiB.
const READER_CACHE_KIB: u32 = 8 * 1024;
/// Pages the WAL may hold before a commit copies them into the database. With SQLite's 1,000
/// (4 MiB) an import checkpoints after almost every batch, syncing the database file each time;
/// 16,384 (64 MiB) lets index pages rewritten by consecutive batches be copied once.
const WAL_AUTOCHECKPOINT_PAGES: u32 = 16_384;
/// After a checkpoint the WAL file is truncated back to this size instead of keeping its peak.
const JOURNAL_SIZE_LIMIT: u64 = 64 * 1024 * 1024;

/// The SQLite backend. Cloning is cheap: clones share the pools.
#[derive(Debug, Clone)]
pub struct SqliteStore {
    read: SqlitePool,
    write: SqlitePool,
}

impl SqliteStore {
    /// Opens (creating if missing) the database at `url`, e.g. `sqlite://data/sigillo.db`; the
    /// directory must exist. `sqlite::memory:` gives a private in-memory database, for tests.
    /// Does not migrate: call [`Store::migrate`].
    pub async fn connect(url: &str) -> Result<SqliteStore, StoreError> {
        let base = SqliteConnectOptions::from_str(url)
            .map_err(store_error)?
            .create_if_missing(true)
            .foreign_keys(true)
            .busy_timeout(BUSY_TIMEOUT)
            // In WAL mode, NORMAL syncs only at checkpoints: a commit that was already reported can
            // vanish on power loss or an OS crash. FULL syncs the WAL on every commit, so a PIN
            // issued or a lock recorded stays issued or recorded.
            .synchronous(SqliteSynchronous::Full);

        if is_in_memory(url) {
            // Every connection to a private in-memory database would see its own empty database,
            // and the database disappears with its last connection: keep exactly one, forever.
            let pool = SqlitePoolOptions::new()
                .max_connections(1)
                .min_connections(1)
                .idle_timeout(None)
                .max_lifetime(None)
                .connect_with(base)
                .await
                .map_err(store_error)?;
            return Ok(SqliteStore { read: pool.clone(), write: pool });
        }

        let writer = base
            .clone()
            .journal_mode(SqliteJournalMode::Wal)
            .pragma("cache_size", format!("-{WRITER_CACHE_KIB}"))
            .pragma("wal_autocheckpoint", WAL_AUTOCHECKPOINT_PAGES.to_string())
            .pragma("journal_size_limit", JOURNAL_SIZE_LIMIT.to_string())
            // Wiped halves, links and codes are overwritten on disk, not just unlinked from the B-tree.
            .pragma("secure_delete", "ON");
        // Connecting the writer first creates the file and switches it to WAL before any reader opens it.
        let write = SqlitePoolOptions::new().max_connections(1).connect_with(writer).await.map_err(store_error)?;

        // `query_only` turns an accidental write through the read pool into an error instead of
        // a second writer contending for the lock.
        let reader = base.pragma("cache_size", format!("-{READER_CACHE_KIB}")).pragma("query_only", "ON");
        let readers = std::thread::available_parallelism().map_or(4, |n| n.get().clamp(4, 16));
        let read = SqlitePoolOptions::new()
            .max_connections(u32::try_from(readers).unwrap_or(4))
            .connect_with(reader)
            .await
            .map_err(store_error)?;
        Ok(SqliteStore { read, write })
    }

    /// Copies the WAL into the database and empties it. Wiping a half, link or code rewrites its
    /// row, but the WAL still holds the page as it was until the next checkpoint reuses the file:
    /// this makes the wiped text go at once (with `secure_delete`, freed space in the database is
    /// zeroed too). Called after the outbox wipes secrets; a checkpoint that readers keep from
    /// finishing is simply done by a later call.
    pub(crate) async fn scrub_wal(&self) -> Result<(), StoreError> {
        sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)").execute(&self.write).await.map_err(store_error)?;
        Ok(())
    }

    /// Closes both pools, waiting for connections in use to be returned (and the WAL checkpointed).
    pub async fn close(&self) {
        self.read.close().await;
        self.write.close().await;
    }
}

fn is_in_memory(url: &str) -> bool {
    url.contains(":memory:") || url.contains("mode=memory")
}

#[async_trait]
impl Store for SqliteStore {
    async fn migrate(&self) -> Result<(), StoreError> {
        // sqlx takes no lock for SQLite migrations: within this process the single write connection
        // serialises them; a second process migrating at the same moment makes one of the two fail
        // on the version it lost. Each such failure means the other process applied one more
        // migration, so one pass per migration is enough for this one to find everything applied.
        let mut attempt = 0;
        loop {
            match MIGRATOR.run(&self.write).await {
                Ok(()) => return Ok(()),
                Err(err) if attempt < MIGRATOR.iter().count() => {
                    attempt += 1;
                    tracing::warn!(error = %err, attempt, "SQLite migration failed, retrying");
                }
                Err(err) => return Err(migrate_error(err)),
            }
        }
    }

    async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1").execute(&self.read).await.map_err(store_error)?;
        Ok(())
    }

    fn backend(&self) -> &'static str {
        "sqlite"
    }
}
