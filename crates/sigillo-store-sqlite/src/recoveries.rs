//! Recovery links (Ripristina PIN). Written through a commit ([`insert`], [`update`]) with the same
//! optimistic versions as credentials; found by the hash of the link's token.

use async_trait::async_trait;
use sigillo_domain::recovery::Recovery;
use sigillo_domain::store::{RecoveryStore, StoreError};
use sqlx::SqliteConnection;
use sqlx::sqlite::SqliteRow;

use crate::SqliteStore;
use crate::codec::{Columns, micros, opt_micros, uuid_text};
use crate::error::store_error;

fn recovery_from_row(row: &SqliteRow) -> Result<Recovery, StoreError> {
    let c = Columns::new(row, "recoveries");
    Ok(Recovery {
        id: c.uuid("id")?,
        fiscal_code: c.fiscal_code("fiscal_code")?,
        credential_id: c.uuid("credential_id")?,
        token_hash: c.text("token_hash")?,
        code_hash: c.text("code_hash")?,
        mobile: c.text("mobile")?,
        email: c.text("email")?,
        created_at: c.time("created_at")?,
        expires_at: c.time("expires_at")?,
        attempts: c.count("attempts")?,
        used_at: c.opt_time("used_at")?,
        version: c.int("version")?,
    })
}

/// Stores a new recovery with the version it carries. Its credential must be stored (before it,
/// or earlier in the same commit).
pub(crate) async fn insert(conn: &mut SqliteConnection, recovery: &Recovery) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO recoveries (id, fiscal_code, credential_id, token_hash, code_hash, mobile, email, created_at, \
         expires_at, attempts, used_at, version) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(uuid_text(recovery.id))
    .bind(recovery.fiscal_code.as_str())
    .bind(uuid_text(recovery.credential_id))
    .bind(recovery.token_hash.as_str())
    .bind(recovery.code_hash.as_str())
    .bind(recovery.mobile.as_str())
    .bind(recovery.email.as_str())
    .bind(micros(recovery.created_at))
    .bind(micros(recovery.expires_at))
    .bind(i64::from(recovery.attempts))
    .bind(opt_micros(recovery.used_at))
    .bind(recovery.version)
    .execute(conn)
    .await
    .map_err(store_error)?;
    Ok(())
}

/// Writes everything but the identity (id, fiscal code, credential, creation time) if the stored
/// version is still `recovery.version`, and bumps it; otherwise `Conflict`.
pub(crate) async fn update(conn: &mut SqliteConnection, recovery: &Recovery) -> Result<(), StoreError> {
    let done = sqlx::query(
        "UPDATE recoveries SET token_hash = ?, code_hash = ?, mobile = ?, email = ?, expires_at = ?, attempts = ?, \
         used_at = ?, version = version + 1 WHERE id = ? AND version = ?",
    )
    .bind(recovery.token_hash.as_str())
    .bind(recovery.code_hash.as_str())
    .bind(recovery.mobile.as_str())
    .bind(recovery.email.as_str())
    .bind(micros(recovery.expires_at))
    .bind(i64::from(recovery.attempts))
    .bind(opt_micros(recovery.used_at))
    .bind(uuid_text(recovery.id))
    .bind(recovery.version)
    .execute(conn)
    .await
    .map_err(store_error)?;
    if done.rows_affected() == 1 {
        Ok(())
    } else {
        Err(StoreError::Conflict("the recovery changed since it was read".to_owned()))
    }
}

#[async_trait]
impl RecoveryStore for SqliteStore {
    async fn recovery_by_token_hash(&self, token_hash: &str) -> Result<Option<Recovery>, StoreError> {
        let row = sqlx::query(
            "SELECT id, fiscal_code, credential_id, token_hash, code_hash, mobile, email, created_at, expires_at, \
             attempts, used_at, version FROM recoveries WHERE token_hash = ?",
        )
        .bind(token_hash)
        .fetch_optional(&self.read)
        .await
        .map_err(store_error)?;
        row.as_ref().map(recovery_from_row).transpose()
    }
}
