//! Credentials, login counters, and the transaction that writes a [`Changes`] value.
//!
//! A commit is one `BEGIN IMMEDIATE` transaction on the single write connection: it takes the
//! write lock at once, so nothing can change between its reads (a version, the audit chain's end)
//! and its writes. Any failure drops the transaction, which rolls everything back.

use async_trait::async_trait;
use sigillo_domain::credential::{Credential, CredentialState, Level};
use sigillo_domain::fiscal_code::FiscalCode;
use sigillo_domain::pin::PinKind;
use sigillo_domain::session::Session;
use sigillo_domain::store::{Changes, CredentialStore, StoreError};
use sigillo_domain::throttle::LoginAttempts;
use sqlx::SqliteConnection;
use sqlx::sqlite::SqliteRow;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::codec::{Columns, micros, opt_micros, uuid_text};
use crate::error::store_error;
use crate::{SqliteStore, audit, contacts, operators, outbox, recoveries, sessions, upgrades};

macro_rules! credential_columns {
    () => {
        "id, fiscal_code, state, level, pin_kind, pin_hash, pin_set_at, pin_history, note, expiry_notice_at, \
         first_half_hash, sunset_notice_at, created_at, updated_at, version"
    };
}

pub(crate) const CREDENTIAL_COLUMNS: &str = credential_columns!();

// The WHERE repeats the live index's own, so SQLite answers from that index.
pub(crate) const SELECT_LIVE: &str = concat!(
    "SELECT ",
    credential_columns!(),
    " FROM credentials WHERE fiscal_code = ? AND state NOT IN ('revoked', 'annulled')"
);

const SELECT_BY_ID: &str = concat!("SELECT ", credential_columns!(), " FROM credentials WHERE id = ?");

pub(crate) const SELECT_LATEST: &str = concat!(
    "SELECT ",
    credential_columns!(),
    " FROM credentials WHERE fiscal_code = ? ORDER BY created_at DESC, id DESC LIMIT 1"
);

// The WHERE is the live-by-age index's own: each batch of the sunset reads the index's front.
pub(crate) const SELECT_LIVE_OLDEST: &str = concat!(
    "SELECT ",
    credential_columns!(),
    " FROM credentials WHERE state NOT IN ('revoked', 'annulled') ORDER BY created_at, id LIMIT ?"
);

pub(crate) const SELECT_DUE_FOR_SUNSET_NOTICE: &str = concat!(
    "SELECT ",
    credential_columns!(),
    " FROM credentials WHERE state NOT IN ('revoked', 'annulled') AND sunset_notice_at IS NULL \
     ORDER BY created_at, id LIMIT ?"
);

// The first three terms repeat the expiry-notice index's WHERE, so the scan stays inside it.
pub(crate) const SELECT_DUE_FOR_NOTICE: &str = concat!(
    "SELECT ",
    credential_columns!(),
    " FROM credentials WHERE state = 'active' AND pin_kind IN ('definitive', 'legacy') \
     AND expiry_notice_at IS NULL AND pin_set_at <= ? ORDER BY pin_set_at, id LIMIT ?"
);

pub(crate) fn credential_from_row(row: &SqliteRow) -> Result<Credential, StoreError> {
    let c = Columns::new(row, "credentials");
    Ok(Credential {
        id: c.uuid("id")?,
        fiscal_code: c.fiscal_code("fiscal_code")?,
        state: c.parsed("state", CredentialState::parse)?,
        level: c.parsed("level", Level::parse)?,
        pin_kind: c.parsed("pin_kind", PinKind::parse)?,
        pin_hash: c.opt_text("pin_hash")?,
        pin_set_at: c.opt_time("pin_set_at")?,
        pin_history: c.json("pin_history")?,
        note: c.opt_text("note")?,
        expiry_notice_at: c.opt_time("expiry_notice_at")?,
        first_half_hash: c.opt_text("first_half_hash")?,
        sunset_notice_at: c.opt_time("sunset_notice_at")?,
        created_at: c.time("created_at")?,
        updated_at: c.time("updated_at")?,
        version: c.int("version")?,
    })
}

fn history_json(credential: &Credential) -> Result<String, StoreError> {
    serde_json::to_string(&credential.pin_history)
        .map_err(|_| StoreError::Other("a PIN history could not be encoded".to_owned()))
}

/// Stores a new credential with the version it carries (0 for [`Credential::new`]).
/// A second live credential of its fiscal code fails on the unique index: `Conflict`.
async fn insert_credential(conn: &mut SqliteConnection, credential: &Credential) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO credentials (id, fiscal_code, state, level, pin_kind, pin_hash, pin_set_at, pin_history, note, \
         expiry_notice_at, first_half_hash, sunset_notice_at, created_at, updated_at, version) \
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(uuid_text(credential.id))
    .bind(credential.fiscal_code.as_str())
    .bind(credential.state.as_str())
    .bind(credential.level.as_str())
    .bind(credential.pin_kind.as_str())
    .bind(credential.pin_hash.as_deref())
    .bind(opt_micros(credential.pin_set_at))
    .bind(history_json(credential)?)
    .bind(credential.note.as_deref())
    .bind(opt_micros(credential.expiry_notice_at))
    .bind(credential.first_half_hash.as_deref())
    .bind(opt_micros(credential.sunset_notice_at))
    .bind(micros(credential.created_at))
    .bind(micros(credential.updated_at))
    .bind(credential.version)
    .execute(conn)
    .await
    .map_err(store_error)?;
    Ok(())
}

/// Writes everything but the identity (id, fiscal code, creation time) if the stored version is
/// still `credential.version`, and bumps it; otherwise `Conflict`.
async fn update_credential(conn: &mut SqliteConnection, credential: &Credential) -> Result<(), StoreError> {
    let done = sqlx::query(
        "UPDATE credentials SET state = ?, level = ?, pin_kind = ?, pin_hash = ?, pin_set_at = ?, pin_history = ?, \
         note = ?, expiry_notice_at = ?, first_half_hash = ?, sunset_notice_at = ?, updated_at = ?, \
         version = version + 1 WHERE id = ? AND version = ?",
    )
    .bind(credential.state.as_str())
    .bind(credential.level.as_str())
    .bind(credential.pin_kind.as_str())
    .bind(credential.pin_hash.as_deref())
    .bind(opt_micros(credential.pin_set_at))
    .bind(history_json(credential)?)
    .bind(credential.note.as_deref())
    .bind(opt_micros(credential.expiry_notice_at))
    .bind(credential.first_half_hash.as_deref())
    .bind(opt_micros(credential.sunset_notice_at))
    .bind(micros(credential.updated_at))
    .bind(uuid_text(credential.id))
    .bind(credential.version)
    .execute(conn)
    .await
    .map_err(store_error)?;
    if done.rows_affected() == 1 {
        Ok(())
    } else {
        Err(StoreError::Conflict("the credential changed since it was read".to_owned()))
    }
}

/// Zeroes the counters and bumps the version (a row is never deleted: see the migration).
/// A fiscal code without counters has nothing to clear.
async fn clear_attempts(conn: &mut SqliteConnection, code: &FiscalCode) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE login_attempts SET consecutive_failures = 0, failures_since_success = 0, throttled_until = NULL, \
         version = version + 1 WHERE fiscal_code = ?",
    )
    .bind(code.as_str())
    .execute(conn)
    .await
    .map_err(store_error)?;
    Ok(())
}

fn attempts_from_row(row: &SqliteRow) -> Result<LoginAttempts, StoreError> {
    let c = Columns::new(row, "login_attempts");
    Ok(LoginAttempts {
        consecutive_failures: c.count("consecutive_failures")?,
        failures_since_success: c.count("failures_since_success")?,
        throttled_until: c.opt_time("throttled_until")?,
        version: c.int("version")?,
    })
}

#[async_trait]
impl CredentialStore for SqliteStore {
    async fn commit(&self, changes: Changes, now: OffsetDateTime) -> Result<(), StoreError> {
        if changes.is_empty() {
            return Ok(());
        }
        let mut tx = self.write.begin_with("BEGIN IMMEDIATE").await.map_err(store_error)?;
        // The documented order. Credential updates come before inserts: a commit may end a
        // credential and insert its successor for the same code.
        for credential in &changes.update_credentials {
            update_credential(&mut tx, credential).await?;
        }
        for credential in &changes.insert_credentials {
            insert_credential(&mut tx, credential).await?;
        }
        for recovery in &changes.update_recoveries {
            recoveries::update(&mut tx, recovery).await?;
        }
        for recovery in &changes.insert_recoveries {
            recoveries::insert(&mut tx, recovery).await?;
        }
        for contact in &changes.save_contacts {
            contacts::save(&mut tx, contact).await?;
        }
        for letter in &changes.cancel_letters {
            outbox::cancel_letter(&mut tx, *letter).await?;
        }
        for credential_id in &changes.end_sessions_of {
            sessions::end_all_of(&mut tx, *credential_id, now).await?;
        }
        for session in &changes.open_sessions {
            sessions::insert(&mut tx, session).await?;
        }
        for code in &changes.clear_attempts {
            clear_attempts(&mut tx, code).await?;
        }
        for operator in &changes.insert_operators {
            operators::insert(&mut tx, operator).await?;
        }
        for operator in &changes.update_operators {
            operators::update(&mut tx, operator).await?;
        }
        for id in &changes.end_operator_sessions {
            operators::end_session(&mut tx, *id, now).await?;
        }
        for session in &changes.open_operator_sessions {
            operators::insert_session(&mut tx, session).await?;
        }
        for check in &changes.identity_checks {
            operators::insert_identity_check(&mut tx, check).await?;
        }
        for request in &changes.decide_upgrades {
            upgrades::decide(&mut tx, request).await?;
        }
        for message in &changes.messages {
            outbox::insert(&mut tx, message).await?;
        }
        audit::append(&mut tx, &changes.audit).await?;
        tx.commit().await.map_err(store_error)
    }

    async fn live_credential(&self, code: &FiscalCode) -> Result<Option<Credential>, StoreError> {
        let row = sqlx::query(SELECT_LIVE).bind(code.as_str()).fetch_optional(&self.read).await.map_err(store_error)?;
        row.as_ref().map(credential_from_row).transpose()
    }

    async fn credential(&self, id: Uuid) -> Result<Option<Credential>, StoreError> {
        let row =
            sqlx::query(SELECT_BY_ID).bind(uuid_text(id)).fetch_optional(&self.read).await.map_err(store_error)?;
        row.as_ref().map(credential_from_row).transpose()
    }

    async fn latest_credential(&self, code: &FiscalCode) -> Result<Option<Credential>, StoreError> {
        let row =
            sqlx::query(SELECT_LATEST).bind(code.as_str()).fetch_optional(&self.read).await.map_err(store_error)?;
        row.as_ref().map(credential_from_row).transpose()
    }

    async fn live_credentials(&self, limit: u32) -> Result<Vec<Credential>, StoreError> {
        let rows =
            sqlx::query(SELECT_LIVE_OLDEST).bind(i64::from(limit)).fetch_all(&self.read).await.map_err(store_error)?;
        rows.iter().map(credential_from_row).collect()
    }

    async fn credentials_due_for_sunset_notice(&self, limit: u32) -> Result<Vec<Credential>, StoreError> {
        let rows = sqlx::query(SELECT_DUE_FOR_SUNSET_NOTICE)
            .bind(i64::from(limit))
            .fetch_all(&self.read)
            .await
            .map_err(store_error)?;
        rows.iter().map(credential_from_row).collect()
    }

    async fn login_attempts(&self, code: &FiscalCode) -> Result<LoginAttempts, StoreError> {
        let row = sqlx::query(
            "SELECT consecutive_failures, failures_since_success, throttled_until, version FROM login_attempts \
             WHERE fiscal_code = ?",
        )
        .bind(code.as_str())
        .fetch_optional(&self.read)
        .await
        .map_err(store_error)?;
        row.as_ref().map_or(Ok(LoginAttempts::default()), attempts_from_row)
    }

    async fn save_login_attempts(&self, code: &FiscalCode, attempts: &LoginAttempts) -> Result<bool, StoreError> {
        let consecutive = i64::from(attempts.consecutive_failures);
        let since_success = i64::from(attempts.failures_since_success);
        let throttled_until = opt_micros(attempts.throttled_until);
        let done = if attempts.version == 0 {
            // No row was seen: only the first of concurrent savers may create it.
            sqlx::query(
                "INSERT INTO login_attempts (fiscal_code, consecutive_failures, failures_since_success, \
                 throttled_until, version) VALUES (?, ?, ?, ?, 1) ON CONFLICT (fiscal_code) DO NOTHING",
            )
            .bind(code.as_str())
            .bind(consecutive)
            .bind(since_success)
            .bind(throttled_until)
            .execute(&self.write)
            .await
        } else {
            sqlx::query(
                "UPDATE login_attempts SET consecutive_failures = ?, failures_since_success = ?, throttled_until = ?, \
                 version = version + 1 WHERE fiscal_code = ? AND version = ?",
            )
            .bind(consecutive)
            .bind(since_success)
            .bind(throttled_until)
            .bind(code.as_str())
            .bind(attempts.version)
            .execute(&self.write)
            .await
        };
        Ok(done.map_err(store_error)?.rows_affected() == 1)
    }

    async fn session_by_token_hash(&self, token_hash: &str) -> Result<Option<Session>, StoreError> {
        sessions::by_token_hash(&self.read, token_hash).await
    }

    async fn touch_session(&self, id: Uuid, at: OffsetDateTime) -> Result<(), StoreError> {
        sessions::touch(&self.write, id, at).await
    }

    async fn end_session(&self, id: Uuid, at: OffsetDateTime) -> Result<(), StoreError> {
        sessions::end(&self.write, id, at).await
    }

    async fn credentials_due_for_expiry_notice(
        &self,
        set_before: OffsetDateTime,
        limit: u32,
    ) -> Result<Vec<Credential>, StoreError> {
        let rows = sqlx::query(SELECT_DUE_FOR_NOTICE)
            .bind(micros(set_before))
            .bind(i64::from(limit))
            .fetch_all(&self.read)
            .await
            .map_err(store_error)?;
        rows.iter().map(credential_from_row).collect()
    }
}
