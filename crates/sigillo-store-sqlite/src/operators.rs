//! Back-office operators, their sessions, identity checks and the phone-check queue.

use async_trait::async_trait;
use sigillo_domain::credential::Credential;
use sigillo_domain::fiscal_code::FiscalCode;
use sigillo_domain::operator::{DocumentKind, IdentityCheck, Operator, OperatorSession, Role, SecondFactor};
use sigillo_domain::store::{OperatorStore, StoreError};
use sqlx::SqliteConnection;
use sqlx::sqlite::SqliteRow;
use time::{Date, OffsetDateTime};
use uuid::Uuid;

use crate::SqliteStore;
use crate::codec::{Columns, micros, opt_micros, uuid_text};
use crate::credentials::credential_from_row;
use crate::error::store_error;

const OPERATOR_COLUMNS: &str =
    "id, username, role, password_hash, totp_state, totp_secret, last_totp_step, created_at, disabled_at, version";
const SESSION_COLUMNS: &str =
    "id, token_hash, operator_id, second_factor_done, created_at, last_seen_at, expires_at, ended_at, client_ip";

fn second_factor_columns(factor: &SecondFactor) -> (&'static str, Option<&str>) {
    match factor {
        SecondFactor::None => ("none", None),
        SecondFactor::Pending { secret } => ("pending", Some(secret)),
        SecondFactor::Enrolled { secret } => ("enrolled", Some(secret)),
    }
}

fn operator_from_row(row: &SqliteRow) -> Result<Operator, StoreError> {
    let c = Columns::new(row, "operators");
    let secret = c.opt_text("totp_secret")?;
    let second_factor = match (c.text("totp_state")?.as_str(), secret) {
        ("none", None) => SecondFactor::None,
        ("pending", Some(secret)) => SecondFactor::Pending { secret },
        ("enrolled", Some(secret)) => SecondFactor::Enrolled { secret },
        _ => return Err(c.corrupt("totp_state")),
    };
    let last_totp_step: Option<i64> =
        sqlx::Row::try_get(row, "last_totp_step").map_err(|_| c.corrupt("last_totp_step"))?;
    Ok(Operator {
        id: c.uuid("id")?,
        username: c.text("username")?,
        role: c.parsed("role", Role::parse)?,
        password_hash: c.text("password_hash")?,
        second_factor,
        last_totp_step,
        created_at: c.time("created_at")?,
        disabled_at: c.opt_time("disabled_at")?,
        version: c.int("version")?,
    })
}

fn session_from_row(row: &SqliteRow) -> Result<OperatorSession, StoreError> {
    let c = Columns::new(row, "operator_sessions");
    Ok(OperatorSession {
        id: c.uuid("id")?,
        token_hash: c.text("token_hash")?,
        operator_id: c.uuid("operator_id")?,
        second_factor_done: c.int("second_factor_done")? == 1,
        created_at: c.time("created_at")?,
        last_seen_at: c.time("last_seen_at")?,
        expires_at: c.time("expires_at")?,
        ended_at: c.opt_time("ended_at")?,
        client_ip: c.opt_text("client_ip")?,
    })
}

fn identity_check_from_row(row: &SqliteRow) -> Result<IdentityCheck, StoreError> {
    let c = Columns::new(row, "identity_checks");
    let expiry: Date = sqlx::Row::try_get(row, "expiry").map_err(|_| c.corrupt("expiry"))?;
    Ok(IdentityCheck {
        id: c.uuid("id")?,
        fiscal_code: c.fiscal_code("fiscal_code")?,
        kind: c.parsed("kind", DocumentKind::parse)?,
        number: c.text("number")?,
        issuer: c.text("issuer")?,
        expiry,
        operator: c.text("operator")?,
        checked_at: c.time("checked_at")?,
    })
}

pub(crate) async fn insert(conn: &mut SqliteConnection, operator: &Operator) -> Result<(), StoreError> {
    let (state, secret) = second_factor_columns(&operator.second_factor);
    sqlx::query(
        "INSERT INTO operators (id, username, role, password_hash, totp_state, totp_secret, last_totp_step, \
         created_at, disabled_at, version) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(uuid_text(operator.id))
    .bind(operator.username.as_str())
    .bind(operator.role.as_str())
    .bind(operator.password_hash.as_str())
    .bind(state)
    .bind(secret)
    .bind(operator.last_totp_step)
    .bind(micros(operator.created_at))
    .bind(opt_micros(operator.disabled_at))
    .bind(operator.version)
    .execute(conn)
    .await
    .map_err(store_error)?;
    Ok(())
}

/// Everything but the identity and the username, if the stored version is still `operator.version`.
pub(crate) async fn update(conn: &mut SqliteConnection, operator: &Operator) -> Result<(), StoreError> {
    let (state, secret) = second_factor_columns(&operator.second_factor);
    let done = sqlx::query(
        "UPDATE operators SET role = ?, password_hash = ?, totp_state = ?, totp_secret = ?, last_totp_step = ?, \
         disabled_at = ?, version = version + 1 WHERE id = ? AND version = ?",
    )
    .bind(operator.role.as_str())
    .bind(operator.password_hash.as_str())
    .bind(state)
    .bind(secret)
    .bind(operator.last_totp_step)
    .bind(opt_micros(operator.disabled_at))
    .bind(uuid_text(operator.id))
    .bind(operator.version)
    .execute(conn)
    .await
    .map_err(store_error)?;
    if done.rows_affected() == 1 {
        Ok(())
    } else {
        Err(StoreError::Conflict("the operator changed since it was read".to_owned()))
    }
}

pub(crate) async fn insert_session(conn: &mut SqliteConnection, session: &OperatorSession) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO operator_sessions (id, token_hash, operator_id, second_factor_done, created_at, last_seen_at, \
         expires_at, ended_at, client_ip) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(uuid_text(session.id))
    .bind(session.token_hash.as_str())
    .bind(uuid_text(session.operator_id))
    .bind(i64::from(session.second_factor_done))
    .bind(micros(session.created_at))
    .bind(micros(session.last_seen_at))
    .bind(micros(session.expires_at))
    .bind(opt_micros(session.ended_at))
    .bind(session.client_ip.as_deref())
    .execute(conn)
    .await
    .map_err(store_error)?;
    Ok(())
}

pub(crate) async fn end_session(conn: &mut SqliteConnection, id: Uuid, at: OffsetDateTime) -> Result<(), StoreError> {
    sqlx::query("UPDATE operator_sessions SET ended_at = ? WHERE id = ? AND ended_at IS NULL")
        .bind(micros(at))
        .bind(uuid_text(id))
        .execute(conn)
        .await
        .map_err(store_error)?;
    Ok(())
}

pub(crate) async fn insert_identity_check(
    conn: &mut SqliteConnection,
    check: &IdentityCheck,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO identity_checks (id, fiscal_code, kind, number, issuer, expiry, operator, checked_at) \
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(uuid_text(check.id))
    .bind(check.fiscal_code.as_str())
    .bind(check.kind.as_str())
    .bind(check.number.as_str())
    .bind(check.issuer.as_str())
    .bind(check.expiry)
    .bind(check.operator.as_str())
    .bind(micros(check.checked_at))
    .execute(conn)
    .await
    .map_err(store_error)?;
    Ok(())
}

#[async_trait]
impl OperatorStore for SqliteStore {
    async fn operator_by_username(&self, username: &str) -> Result<Option<Operator>, StoreError> {
        let sql = format!("SELECT {OPERATOR_COLUMNS} FROM operators WHERE username = ?");
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(username)
            .fetch_optional(&self.read)
            .await
            .map_err(store_error)?;
        row.as_ref().map(operator_from_row).transpose()
    }

    async fn operator(&self, id: Uuid) -> Result<Option<Operator>, StoreError> {
        let sql = format!("SELECT {OPERATOR_COLUMNS} FROM operators WHERE id = ?");
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(uuid_text(id))
            .fetch_optional(&self.read)
            .await
            .map_err(store_error)?;
        row.as_ref().map(operator_from_row).transpose()
    }

    async fn operators(&self) -> Result<Vec<Operator>, StoreError> {
        let sql = format!("SELECT {OPERATOR_COLUMNS} FROM operators ORDER BY username");
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).fetch_all(&self.read).await.map_err(store_error)?;
        rows.iter().map(operator_from_row).collect()
    }

    async fn operator_session_by_token_hash(&self, token_hash: &str) -> Result<Option<OperatorSession>, StoreError> {
        let sql = format!("SELECT {SESSION_COLUMNS} FROM operator_sessions WHERE token_hash = ?");
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(token_hash)
            .fetch_optional(&self.read)
            .await
            .map_err(store_error)?;
        row.as_ref().map(session_from_row).transpose()
    }

    async fn touch_operator_session(&self, id: Uuid, at: OffsetDateTime) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE operator_sessions SET last_seen_at = max(last_seen_at, ?) WHERE id = ? AND ended_at IS NULL",
        )
        .bind(micros(at))
        .bind(uuid_text(id))
        .execute(&self.write)
        .await
        .map_err(store_error)?;
        Ok(())
    }

    async fn identity_checks_of(&self, code: &FiscalCode, limit: u32) -> Result<Vec<IdentityCheck>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, fiscal_code, kind, number, issuer, expiry, operator, checked_at FROM identity_checks \
             WHERE fiscal_code = ? ORDER BY checked_at DESC, id DESC LIMIT ?",
        )
        .bind(code.as_str())
        .bind(i64::from(limit))
        .fetch_all(&self.read)
        .await
        .map_err(store_error)?;
        rows.iter().map(identity_check_from_row).collect()
    }

    async fn awaiting_phone_check(&self, limit: u32) -> Result<Vec<Credential>, StoreError> {
        // The WHERE is the queue index's own.
        let sql = format!(
            "SELECT {} FROM credentials WHERE state = 'awaiting_phone_check' ORDER BY created_at, id LIMIT ?",
            crate::credentials::CREDENTIAL_COLUMNS
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(i64::from(limit))
            .fetch_all(&self.read)
            .await
            .map_err(store_error)?;
        rows.iter().map(credential_from_row).collect()
    }
}
