//! sqlx errors as [`StoreError`]s. SQLite's messages name tables, columns and constraints, never
//! the values of a row; decode errors are summarised without their source, which may quote a value.

use sigillo_domain::store::StoreError;
use sqlx::migrate::MigrateError;

// Primary result codes (the low byte of an extended code) that mean "try again later".
const SQLITE_BUSY: i64 = 5;
const SQLITE_LOCKED: i64 = 6;
const SQLITE_IOERR: i64 = 10;
const SQLITE_FULL: i64 = 13;
const SQLITE_CANTOPEN: i64 = 14;
/// Extended result code of a UNIQUE constraint (not a primary key) failing.
const SQLITE_CONSTRAINT_UNIQUE: i64 = 2067;
/// How SQLite's message for [`SQLITE_CONSTRAINT_UNIQUE`] starts; the columns of the key follow.
const UNIQUE_FAILED: &str = "UNIQUE constraint failed: ";
/// The columns SQLite names when the live-credential index refuses a row.
const LIVE_CREDENTIAL_KEY: &str = "credentials.fiscal_code";
/// The columns SQLite names when a citizen's contact is saved twice.
const CONTACT_KEY: &str = "contacts.fiscal_code, contacts.kind, contacts.value";
/// The column SQLite names when a second operator takes a username.
const OPERATOR_KEY: &str = "operators.username";
/// The column SQLite names when a fiscal code gets a second pending upgrade request.
const PENDING_UPGRADE_KEY: &str = "upgrade_requests.fiscal_code";

pub(crate) fn store_error(err: sqlx::Error) -> StoreError {
    match err {
        sqlx::Error::Database(db) => {
            let code = db.code().and_then(|c| c.parse::<i64>().ok()).unwrap_or(-1);
            let message = format!("{} (SQLite code {code})", db.message());
            if code == SQLITE_CONSTRAINT_UNIQUE {
                // The whole key must match: another unique key over more columns may start alike.
                match db.message().strip_prefix(UNIQUE_FAILED) {
                    Some(LIVE_CREDENTIAL_KEY) => {
                        return StoreError::Conflict("the fiscal code already has a live credential".to_owned());
                    }
                    Some(CONTACT_KEY) => {
                        return StoreError::Conflict("the citizen already has this contact".to_owned());
                    }
                    Some(OPERATOR_KEY) => {
                        return StoreError::Conflict("an operator with this username exists".to_owned());
                    }
                    Some(PENDING_UPGRADE_KEY) => {
                        return StoreError::Conflict(
                            "the fiscal code already has a pending upgrade request".to_owned(),
                        );
                    }
                    _ => {}
                }
            }
            match code & 0xff {
                SQLITE_BUSY | SQLITE_LOCKED | SQLITE_IOERR | SQLITE_FULL | SQLITE_CANTOPEN => {
                    StoreError::Unavailable(message)
                }
                _ => StoreError::Other(message),
            }
        }
        sqlx::Error::Io(_) | sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::WorkerCrashed => {
            StoreError::Unavailable(err.to_string())
        }
        sqlx::Error::ColumnDecode { index, .. } => StoreError::Corrupt(format!("column {index} does not decode")),
        sqlx::Error::Decode(_) => StoreError::Corrupt("a stored value does not decode".to_owned()),
        sqlx::Error::Configuration(_) => StoreError::Other("invalid SQLite database URL or option".to_owned()),
        sqlx::Error::Migrate(err) => migrate_error(*err),
        other => StoreError::Other(other.to_string()),
    }
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
