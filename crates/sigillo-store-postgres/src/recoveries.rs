//! Recovery links on PostgreSQL; [`RecoveryStore`] for the store. Written through commits; an
//! update is optimistic like a credential's (`WHERE id = $1 AND version = $2`), so of two
//! confirmations of one link racing on several nodes exactly one is stored.

use async_trait::async_trait;
use sigillo_domain::recovery::Recovery;
use sigillo_domain::store::{RecoveryStore, StoreError};
use sqlx::PgConnection;
use sqlx::postgres::PgRow;

use crate::PostgresStore;
use crate::error::store_error;
use crate::row::{Columns, int4};

/// The columns of a recovery, in the order of [`INSERT`]'s parameters.
macro_rules! recovery_columns {
    () => {
        "id, fiscal_code, credential_id, token_hash, code_hash, mobile, email, created_at, expires_at, attempts, \
         used_at, version"
    };
}

const INSERT: &str = concat!(
    "INSERT INTO recoveries (",
    recovery_columns!(),
    ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)"
);

/// Everything but the identity (id, owner, credential, token, creation) may change.
const UPDATE: &str = "\
UPDATE recoveries SET code_hash = $3, mobile = $4, email = $5, expires_at = $6, attempts = $7, used_at = $8,
    version = version + 1
WHERE id = $1 AND version = $2";

/// One probe of the token's unique index.
pub(crate) const SELECT_BY_TOKEN_HASH: &str =
    concat!("SELECT ", recovery_columns!(), " FROM recoveries WHERE token_hash = $1");

fn recovery_from_row(row: &PgRow) -> Result<Recovery, StoreError> {
    let c = Columns::new(row, "recoveries");
    Ok(Recovery {
        id: c.get("id")?,
        fiscal_code: c.fiscal_code("fiscal_code")?,
        credential_id: c.get("credential_id")?,
        token_hash: c.get("token_hash")?,
        code_hash: c.get("code_hash")?,
        mobile: c.get("mobile")?,
        email: c.get("email")?,
        created_at: c.get("created_at")?,
        expires_at: c.get("expires_at")?,
        attempts: c.count("attempts")?,
        used_at: c.get("used_at")?,
        version: c.get("version")?,
    })
}

/// Inserts a new recovery as it is (its version included).
pub(crate) async fn insert(conn: &mut PgConnection, recovery: &Recovery) -> Result<(), sqlx::Error> {
    sqlx::query(INSERT)
        .bind(recovery.id)
        .bind(recovery.fiscal_code.as_str())
        .bind(recovery.credential_id)
        .bind(recovery.token_hash.as_str())
        .bind(recovery.code_hash.as_str())
        .bind(recovery.mobile.as_str())
        .bind(recovery.email.as_str())
        .bind(recovery.created_at)
        .bind(recovery.expires_at)
        .bind(int4(recovery.attempts))
        .bind(recovery.used_at)
        .bind(recovery.version)
        .execute(conn)
        .await?;
    Ok(())
}

/// Writes `recovery` if the stored version is still `recovery.version`; `Ok(false)` if not (or if
/// there is no such recovery).
pub(crate) async fn update(conn: &mut PgConnection, recovery: &Recovery) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(UPDATE)
        .bind(recovery.id)
        .bind(recovery.version)
        .bind(recovery.code_hash.as_str())
        .bind(recovery.mobile.as_str())
        .bind(recovery.email.as_str())
        .bind(recovery.expires_at)
        .bind(int4(recovery.attempts))
        .bind(recovery.used_at)
        .execute(conn)
        .await?;
    Ok(done.rows_affected() == 1)
}

#[async_trait]
impl RecoveryStore for PostgresStore {
    async fn recovery_by_token_hash(&self, token_hash: &str) -> Result<Option<Recovery>, StoreError> {
        let row =
            sqlx::query(SELECT_BY_TOKEN_HASH).bind(token_hash).fetch_optional(&self.pool).await.map_err(store_error)?;
        row.as_ref().map(recovery_from_row).transpose()
    }
}
