//! Credentials and their login counters on PostgreSQL; [`CredentialStore`] for the store.
//!
//! A credential update is optimistic: `WHERE id = $1 AND version = $2`. Under READ COMMITTED a
//! concurrent writer of the same row makes this one wait, then re-evaluate the condition against
//! the row it committed: the stale version matches nothing and the commit fails with `Conflict`.

use async_trait::async_trait;
use sigillo_domain::credential::{Credential, CredentialState, Level};
use sigillo_domain::fiscal_code::FiscalCode;
use sigillo_domain::pin::PinKind;
use sigillo_domain::session::Session;
use sigillo_domain::store::{Changes, CredentialStore, StoreError};
use sigillo_domain::throttle::LoginAttempts;
use sqlx::PgConnection;
use sqlx::postgres::PgRow;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::PostgresStore;
use crate::error::store_error;
use crate::row::{Columns, int4, limit};
use crate::{commit, sessions};

/// The columns of a credential, in the order of [`INSERT`]'s parameters.
macro_rules! credential_columns {
    () => {
        "id, fiscal_code, state, level, pin_kind, pin_hash, pin_set_at, pin_history, note, expiry_notice_at, \
         first_half_hash, sunset_notice_at, created_at, updated_at, version"
    };
}

const INSERT: &str = concat!(
    "INSERT INTO credentials (",
    credential_columns!(),
    ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)"
);

/// Everything but the identity (id, fiscal code, creation) may change.
const UPDATE: &str = "\
UPDATE credentials SET state = $3, level = $4, pin_kind = $5, pin_hash = $6, pin_set_at = $7, pin_history = $8,
    note = $9, expiry_notice_at = $10, first_half_hash = $11, sunset_notice_at = $12, updated_at = $13,
    version = version + 1
WHERE id = $1 AND version = $2";

pub(crate) const CREDENTIAL_COLUMNS: &str = credential_columns!();

/// The predicate repeats the partial unique index's, so this is one probe of that index.
const SELECT_LIVE: &str = concat!(
    "SELECT ",
    credential_columns!(),
    " FROM credentials WHERE fiscal_code = $1 AND state NOT IN ('revoked', 'annulled')"
);

const SELECT_BY_ID: &str = concat!("SELECT ", credential_columns!(), " FROM credentials WHERE id = $1");

/// The live credential if any (it is always the newest: a credential can be created only once the
/// previous one has ended), else the newest ended one. Each branch is one probe of a partial index,
/// `credentials_one_live` or `credentials_ended_by_fiscal_code`, and the Append stops at the first row.
pub(crate) const SELECT_LATEST: &str = concat!(
    "(SELECT ",
    credential_columns!(),
    " FROM credentials WHERE fiscal_code = $1 AND state NOT IN ('revoked', 'annulled')) \
     UNION ALL (SELECT ",
    credential_columns!(),
    " FROM credentials WHERE fiscal_code = $1 AND state IN ('revoked', 'annulled') \
     ORDER BY created_at DESC, updated_at DESC, id DESC LIMIT 1) \
     LIMIT 1"
);

/// The predicate repeats `credentials_live_by_age`'s: the head of that index.
pub(crate) const SELECT_LIVE_OLDEST: &str = concat!(
    "SELECT ",
    credential_columns!(),
    " FROM credentials WHERE state NOT IN ('revoked', 'annulled') ORDER BY created_at, id LIMIT $1"
);

/// The predicate repeats `credentials_sunset_notice_due`'s: the head of that index, which notified
/// credentials leave.
pub(crate) const SELECT_SUNSET_DUE: &str = concat!(
    "SELECT ",
    credential_columns!(),
    " FROM credentials WHERE state NOT IN ('revoked', 'annulled') AND sunset_notice_at IS NULL \
     ORDER BY created_at, id LIMIT $1"
);

/// The predicate repeats `credentials_expiry_notice_due`'s, so the sweep reads only that index.
const SELECT_EXPIRY_DUE: &str = concat!(
    "SELECT ",
    credential_columns!(),
    " FROM credentials WHERE state = 'active' AND pin_kind <> 'first_access' AND expiry_notice_at IS NULL \
     AND pin_set_at <= $1 ORDER BY pin_set_at, id LIMIT $2"
);

const SELECT_ATTEMPTS: &str = "SELECT consecutive_failures, failures_since_success, throttled_until, version \
     FROM login_attempts WHERE fiscal_code = $1";

const INSERT_ATTEMPTS: &str = "\
INSERT INTO login_attempts (fiscal_code, consecutive_failures, failures_since_success, throttled_until, version)
VALUES ($1, $2, $3, $4, $5 + 1) ON CONFLICT (fiscal_code) DO NOTHING";

const UPDATE_ATTEMPTS: &str = "\
UPDATE login_attempts SET consecutive_failures = $2, failures_since_success = $3, throttled_until = $4,
    version = version + 1
WHERE fiscal_code = $1 AND version = $5";

/// Zero, not deleted: the version goes on growing, so an attempt reserved before the reset (and
/// computed from the old counters) cannot overwrite it.
const CLEAR_ATTEMPTS: &str = "\
UPDATE login_attempts SET consecutive_failures = 0, failures_since_success = 0, throttled_until = NULL,
    version = version + 1
WHERE fiscal_code = ANY($1)";

pub(crate) fn credential_from_row(row: &PgRow) -> Result<Credential, StoreError> {
    let c = Columns::new(row, "credentials");
    Ok(Credential {
        id: c.get("id")?,
        fiscal_code: c.fiscal_code("fiscal_code")?,
        state: c.parse("state", CredentialState::parse)?,
        level: c.parse("level", Level::parse)?,
        pin_kind: c.parse("pin_kind", PinKind::parse)?,
        pin_hash: c.get("pin_hash")?,
        pin_set_at: c.get("pin_set_at")?,
        pin_history: c.get("pin_history")?,
        note: c.get("note")?,
        expiry_notice_at: c.get("expiry_notice_at")?,
        first_half_hash: c.get("first_half_hash")?,
        sunset_notice_at: c.get("sunset_notice_at")?,
        created_at: c.get("created_at")?,
        updated_at: c.get("updated_at")?,
        version: c.get("version")?,
    })
}

/// Inserts a new credential as it is (its version included). A second live credential of the
/// same fiscal code violates `credentials_one_live`: [`store_error`] makes that a `Conflict`.
pub(crate) async fn insert(conn: &mut PgConnection, credential: &Credential) -> Result<(), sqlx::Error> {
    sqlx::query(INSERT)
        .bind(credential.id)
        .bind(credential.fiscal_code.as_str())
        .bind(credential.state.as_str())
        .bind(credential.level.as_str())
        .bind(credential.pin_kind.as_str())
        .bind(credential.pin_hash.as_deref())
        .bind(credential.pin_set_at)
        .bind(credential.pin_history.as_slice())
        .bind(credential.note.as_deref())
        .bind(credential.expiry_notice_at)
        .bind(credential.first_half_hash.as_deref())
        .bind(credential.sunset_notice_at)
        .bind(credential.created_at)
        .bind(credential.updated_at)
        .bind(credential.version)
        .execute(conn)
        .await?;
    Ok(())
}

/// Writes `credential` if the stored version is still `credential.version`; `Ok(false)` if not
/// (or if there is no such credential).
pub(crate) async fn update(conn: &mut PgConnection, credential: &Credential) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(UPDATE)
        .bind(credential.id)
        .bind(credential.version)
        .bind(credential.state.as_str())
        .bind(credential.level.as_str())
        .bind(credential.pin_kind.as_str())
        .bind(credential.pin_hash.as_deref())
        .bind(credential.pin_set_at)
        .bind(credential.pin_history.as_slice())
        .bind(credential.note.as_deref())
        .bind(credential.expiry_notice_at)
        .bind(credential.first_half_hash.as_deref())
        .bind(credential.sunset_notice_at)
        .bind(credential.updated_at)
        .execute(conn)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// Resets the counters of these fiscal codes (sorted, so concurrent commits lock rows in one order).
pub(crate) async fn clear_attempts(conn: &mut PgConnection, codes: &[FiscalCode]) -> Result<(), sqlx::Error> {
    if codes.is_empty() {
        return Ok(());
    }
    let mut codes: Vec<&str> = codes.iter().map(FiscalCode::as_str).collect();
    codes.sort_unstable();
    codes.dedup();
    sqlx::query(CLEAR_ATTEMPTS).bind(codes).execute(conn).await?;
    Ok(())
}

fn attempts_from_row(row: &PgRow) -> Result<LoginAttempts, StoreError> {
    let c = Columns::new(row, "login_attempts");
    Ok(LoginAttempts {
        consecutive_failures: c.count("consecutive_failures")?,
        failures_since_success: c.count("failures_since_success")?,
        throttled_until: c.get("throttled_until")?,
        version: c.get("version")?,
    })
}

impl PostgresStore {
    /// The credentials a query with one parameter, the limit, returns.
    async fn credentials_by(&self, query: &'static str, limit_to: u32) -> Result<Vec<Credential>, StoreError> {
        if limit_to == 0 {
            return Ok(Vec::new());
        }
        let rows = sqlx::query(query).bind(limit(limit_to)).fetch_all(&self.pool).await.map_err(store_error)?;
        rows.iter().map(credential_from_row).collect()
    }
}

#[async_trait]
impl CredentialStore for PostgresStore {
    async fn commit(&self, changes: Changes, now: OffsetDateTime) -> Result<(), StoreError> {
        commit::commit(&self.pool, changes, now).await
    }

    async fn live_credential(&self, code: &FiscalCode) -> Result<Option<Credential>, StoreError> {
        let row = sqlx::query(SELECT_LIVE).bind(code.as_str()).fetch_optional(&self.pool).await.map_err(store_error)?;
        row.as_ref().map(credential_from_row).transpose()
    }

    async fn credential(&self, id: Uuid) -> Result<Option<Credential>, StoreError> {
        let row = sqlx::query(SELECT_BY_ID).bind(id).fetch_optional(&self.pool).await.map_err(store_error)?;
        row.as_ref().map(credential_from_row).transpose()
    }

    async fn latest_credential(&self, code: &FiscalCode) -> Result<Option<Credential>, StoreError> {
        let row =
            sqlx::query(SELECT_LATEST).bind(code.as_str()).fetch_optional(&self.pool).await.map_err(store_error)?;
        row.as_ref().map(credential_from_row).transpose()
    }

    async fn live_credentials(&self, limit_to: u32) -> Result<Vec<Credential>, StoreError> {
        self.credentials_by(SELECT_LIVE_OLDEST, limit_to).await
    }

    async fn credentials_due_for_sunset_notice(&self, limit_to: u32) -> Result<Vec<Credential>, StoreError> {
        self.credentials_by(SELECT_SUNSET_DUE, limit_to).await
    }

    async fn login_attempts(&self, code: &FiscalCode) -> Result<LoginAttempts, StoreError> {
        let row =
            sqlx::query(SELECT_ATTEMPTS).bind(code.as_str()).fetch_optional(&self.pool).await.map_err(store_error)?;
        Ok(row.as_ref().map(attempts_from_row).transpose()?.unwrap_or_default())
    }

    async fn save_login_attempts(&self, code: &FiscalCode, attempts: &LoginAttempts) -> Result<bool, StoreError> {
        // Version 0 means "no row yet": whoever inserts first wins, the others find the row taken.
        let query = if attempts.version == 0 { sqlx::query(INSERT_ATTEMPTS) } else { sqlx::query(UPDATE_ATTEMPTS) };
        let done = query
            .bind(code.as_str())
            .bind(int4(attempts.consecutive_failures))
            .bind(int4(attempts.failures_since_success))
            .bind(attempts.throttled_until)
            .bind(attempts.version)
            .execute(&self.pool)
            .await
            .map_err(store_error)?;
        Ok(done.rows_affected() == 1)
    }

    async fn session_by_token_hash(&self, token_hash: &str) -> Result<Option<Session>, StoreError> {
        sessions::by_token_hash(&self.pool, token_hash).await
    }

    async fn touch_session(&self, id: Uuid, at: OffsetDateTime) -> Result<(), StoreError> {
        sessions::touch(&self.pool, id, at).await
    }

    async fn end_session(&self, id: Uuid, at: OffsetDateTime) -> Result<(), StoreError> {
        sessions::end(&self.pool, id, at).await
    }

    async fn credentials_due_for_expiry_notice(
        &self,
        set_before: OffsetDateTime,
        limit_to: u32,
    ) -> Result<Vec<Credential>, StoreError> {
        let rows = sqlx::query(SELECT_EXPIRY_DUE)
            .bind(set_before)
            .bind(limit(limit_to))
            .fetch_all(&self.pool)
            .await
            .map_err(store_error)?;
        rows.iter().map(credential_from_row).collect()
    }
}
