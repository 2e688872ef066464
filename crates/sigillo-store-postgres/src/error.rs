//! sqlx errors as [`StoreError`]s, without personal data: PostgreSQL puts row values in an error's
//! DETAIL (never printed here) and, for data exceptions (class 22), sometimes in the message itself,
//! so those keep only their SQLSTATE. Decode errors are summarised without their source.

use sigillo_domain::store::StoreError;
use sqlx::migrate::MigrateError;

/// The partial unique index that allows one live credential per fiscal code (0002_credentials.sql).
const LIVE_CREDENTIAL_INDEX: &str = "credentials_one_live";
/// The unique constraint that allows a contact value once per citizen and kind (0003).
const CONTACT_VALUE_CONSTRAINT: &str = "contacts_one_per_value";
/// The unique constraint on operators' usernames (0005).
const OPERATOR_USERNAME_CONSTRAINT: &str = "operators_one_per_username";
/// The partial unique index that allows one pending upgrade request per fiscal code (0007).
const PENDING_UPGRADE_INDEX: &str = "upgrade_requests_one_pending";

pub(crate) fn store_error(err: sqlx::Error) -> StoreError {
    match err {
        sqlx::Error::Database(db) => {
            let code = db.code().map(|c| c.into_owned()).unwrap_or_default();
            if code == "23505" && db.constraint() == Some(LIVE_CREDENTIAL_INDEX) {
                return StoreError::Conflict("the fiscal code already has a live credential".to_owned());
            }
            if code == "23505" && db.constraint() == Some(CONTACT_VALUE_CONSTRAINT) {
                return StoreError::Conflict("the citizen already has this contact".to_owned());
            }
            if code == "23505" && db.constraint() == Some(OPERATOR_USERNAME_CONSTRAINT) {
                return StoreError::Conflict("an operator with this username exists".to_owned());
            }
            if code == "23505" && db.constraint() == Some(PENDING_UPGRADE_INDEX) {
                return StoreError::Conflict("the fiscal code already has a pending upgrade request".to_owned());
            }
            let message = if code.starts_with("22") {
                format!("invalid data (SQLSTATE {code})")
            } else {
                format!("{} (SQLSTATE {code})", db.message())
            };
            if is_transient(&code) { StoreError::Unavailable(message) } else { StoreError::Other(message) }
        }
        sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::Protocol(_)
        | sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::WorkerCrashed => StoreError::Unavailable(err.to_string()),
        sqlx::Error::ColumnDecode { index, .. } => StoreError::Corrupt(format!("column {index} does not decode")),
        sqlx::Error::Decode(_) => StoreError::Corrupt("a stored value does not decode".to_owned()),
        // The URL may hold a password: say nothing about it.
        sqlx::Error::Configuration(_) => StoreError::Other("invalid PostgreSQL URL or option".to_owned()),
        sqlx::Error::Migrate(err) => migrate_error(*err),
        other => StoreError::Other(other.to_string()),
    }
}

/// Connection failures, server shutdown, too many connections, serialisation failures and
/// deadlocks: the same call may succeed later.
fn is_transient(sqlstate: &str) -> bool {
    sqlstate.starts_with("08")
        || sqlstate.starts_with("53")
        || sqlstate.starts_with("57P")
        || sqlstate == "40001"
        || sqlstate == "40P01"
}

/// Like [`store_error`], for a transaction that the caller can simply compute again: a
/// serialisation failure or a deadlock means a concurrent writer got there first.
pub(crate) fn write_error(err: sqlx::Error) -> StoreError {
    if let sqlx::Error::Database(db) = &err
        && let Some(code) = db.code()
        && (code == "40001" || code == "40P01")
    {
        return StoreError::Conflict(format!("concurrent transaction (SQLSTATE {code})"));
    }
    store_error(err)
}

pub(crate) fn migrate_error(err: MigrateError) -> StoreError {
    match err {
        MigrateError::Execute(err) | MigrateError::ExecuteMigration(err, _) => store_error(err),
        other => StoreError::Other(format!("migration failed: {other}")),
    }
}

/// A stored value that the domain no longer accepts; names the column, never the value.
pub(crate) fn corrupt(column: &str) -> StoreError {
    corrupt_in("insured_persons", column)
}

/// Like [`corrupt`], for a column of any table.
pub(crate) fn corrupt_in(table: &str, column: &str) -> StoreError {
    StoreError::Corrupt(format!("{table}.{column}"))
}
