//! A fresh, migrated database for each test, on either backend.
//!
//! SQLite: a file in a temporary directory, gone with the directory. PostgreSQL: a new database
//! named `sigillo_test_<unix seconds>_<random>` on the server at `SIGILLO_TEST_PG_URL` (default
//! [`DEFAULT_PG_URL`]), dropped when the guard is dropped. A test process that dies before its
//! guards drop leaves databases behind; the next run sweeps those more than an hour old.

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic, reason = "test support: failing loudly is its job")]

use std::ops::Deref;
use std::str::FromStr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use sigillo_domain::store::Store;
use sigillo_store_postgres::PostgresStore;
use sigillo_store_sqlite::SqliteStore;
use sqlx::postgres::{PgConnectOptions, PgConnection};
use sqlx::{AssertSqlSafe, Connection};
use tempfile::TempDir;

pub const DEFAULT_PG_URL: &str = "postgres://postgres@127.0.0.1:5432/test";
const PREFIX: &str = "sigillo_test_";
/// Databases of this prefix older than this are from a run that died: drop them.
const STALE_AFTER: Duration = Duration::from_secs(3600);
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// A migrated SQLite store in a file of its own. Keep the directory alive as long as the store.
pub async fn sqlite_store() -> (SqliteStore, TempDir) {
    let dir = tempfile::tempdir().expect("cannot create a temporary directory");
    let url = format!("sqlite://{}", dir.path().join("sigillo.db").display());
    let store = SqliteStore::connect(&url).await.expect("cannot open a SQLite database");
    store.migrate().await.expect("SQLite migrations failed");
    (store, dir)
}

/// A migrated PostgreSQL store on a database of its own, dropped with this guard.
/// Derefs to the store.
pub struct PgTestDb {
    store: PostgresStore,
    name: String,
    admin: PgConnectOptions,
}

impl PgTestDb {
    pub fn store(&self) -> &PostgresStore {
        &self.store
    }

    /// The database's name, e.g. to point a spawned application at it.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Connection options for this test database (a `sigillo serve` under test can use them).
    pub fn connect_options(&self) -> PgConnectOptions {
        self.admin.clone().database(&self.name)
    }
}

impl Deref for PgTestDb {
    type Target = PostgresStore;
    fn deref(&self) -> &PostgresStore {
        &self.store
    }
}

impl Drop for PgTestDb {
    fn drop(&mut self) {
        // Drop cannot await, and blocking on the test's own runtime would deadlock it: a thread
        // with a runtime of its own does the DROP DATABASE, and we wait for it so the database
        // is gone when the test ends. WITH (FORCE) ends this store's pooled sessions.
        let admin = self.admin.clone();
        let name = std::mem::take(&mut self.name);
        let cleanup = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build();
            match runtime {
                Ok(runtime) => runtime.block_on(drop_database(&admin, &name)),
                Err(err) => eprintln!("cannot drop test database {name}: {err}"),
            }
        });
        let _ = cleanup.join();
    }
}

async fn drop_database(admin: &PgConnectOptions, name: &str) {
    let result = async {
        let mut conn = PgConnection::connect_with(admin).await?;
        sqlx::raw_sql(AssertSqlSafe(format!(r#"DROP DATABASE IF EXISTS "{name}" WITH (FORCE)"#)))
            .execute(&mut conn)
            .await?;
        conn.close().await
    };
    if let Err(err) = result.await {
        eprintln!("cannot drop test database {name}: {err}");
    }
}

/// The PostgreSQL server to test against, from `SIGILLO_TEST_PG_URL`.
pub fn pg_url() -> String {
    std::env::var("SIGILLO_TEST_PG_URL").unwrap_or_else(|_| DEFAULT_PG_URL.to_owned())
}

fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v.eq_ignore_ascii_case("true"))
}

/// A fresh migrated PostgreSQL database, or `None` (with `SKIPPED …` on stderr) when no server
/// answers. In CI (`CI=true`) a missing server fails the test instead: PostgreSQL is never
/// skipped silently there.
pub async fn postgres_store() -> Option<PgTestDb> {
    let db = empty_postgres_store().await?;
    db.store.migrate().await.expect("PostgreSQL migrations failed");
    Some(db)
}

/// Like [`postgres_store`], but not migrated: for tests of migrating itself.
pub async fn empty_postgres_store() -> Option<PgTestDb> {
    let url = pg_url();
    let admin = PgConnectOptions::from_str(&url).expect("SIGILLO_TEST_PG_URL is not a valid PostgreSQL URL");
    let mut conn = match tokio::time::timeout(CONNECT_TIMEOUT, PgConnection::connect_with(&admin)).await {
        Ok(Ok(conn)) => conn,
        Ok(Err(err)) => return unreachable_server(&url, &err.to_string()),
        Err(_) => return unreachable_server(&url, "timed out"),
    };

    static SWEPT: AtomicBool = AtomicBool::new(false);
    if !SWEPT.swap(true, Ordering::SeqCst) {
        sweep_stale(&mut conn, &admin).await;
    }

    let name = format!("{PREFIX}{}_{}", unix_seconds(), &uuid::Uuid::new_v4().simple().to_string()[..12]);
    sqlx::raw_sql(AssertSqlSafe(format!(r#"CREATE DATABASE "{name}""#)))
        .execute(&mut conn)
        .await
        .expect("cannot create a test database");
    let _ = conn.close().await;

    let store = PostgresStore::connect_with(admin.clone().database(&name), 4).await;
    // From here on the guard drops the database, even if the test panics.
    Some(PgTestDb { store: store.expect("cannot connect to the new test database"), name, admin })
}

fn unreachable_server(url: &str, why: &str) -> Option<PgTestDb> {
    let shown = redact(url);
    if in_ci() {
        panic!(
            "\n\n*** PostgreSQL is required in CI (CI=true) but {shown} cannot be reached: {why}\n\
             *** Start it (pg_ctlcluster --skip-systemctl-redirect <version> main start) or set SIGILLO_TEST_PG_URL.\n\n"
        );
    }
    eprintln!("SKIPPED (no PostgreSQL at {shown}: {why})");
    None
}

/// The URL without its password, for messages.
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let credentials = &url[scheme + 3..at];
            match credentials.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme + 3], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

fn unix_seconds() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

/// Drops test databases left by runs that died more than [`STALE_AFTER`] ago.
async fn sweep_stale(conn: &mut PgConnection, admin: &PgConnectOptions) {
    let names: Vec<String> = sqlx::query_scalar("SELECT datname FROM pg_database WHERE starts_with(datname, $1)")
        .bind(PREFIX)
        .fetch_all(&mut *conn)
        .await
        .unwrap_or_default();
    let cutoff = unix_seconds().saturating_sub(STALE_AFTER.as_secs());
    for name in names {
        let created =
            name.strip_prefix(PREFIX).and_then(|rest| rest.split('_').next()).and_then(|s| s.parse::<u64>().ok());
        if created.is_some_and(|created| created < cutoff) {
            drop_database(admin, &name).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::redact;

    #[test]
    fn passwords_are_not_shown() {
        assert_eq!(redact("postgres://u:secret@h:5432/db"), "postgres://u:***@h:5432/db");
        assert_eq!(redact("postgres://postgres@127.0.0.1:5432/test"), "postgres://postgres@127.0.0.1:5432/test");
    }
}
