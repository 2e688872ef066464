//! Back-office operators, their sessions, identity checks and the phone-check queue on PostgreSQL.

use async_trait::async_trait;
use sigillo_domain::credential::Credential;
use sigillo_domain::fiscal_code::FiscalCode;
use sigillo_domain::operator::{DocumentKind, IdentityCheck, Operator, OperatorSession, Role, SecondFactor};
use sigillo_domain::store::{Changes, OperatorStore, StoreError};
use sqlx::postgres::PgRow;
use sqlx::{AssertSqlSafe, PgConnection};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::PostgresStore;
use crate::credentials::{CREDENTIAL_COLUMNS, credential_from_row};
use crate::error::{store_error, write_error};
use crate::row::{Columns, limit};

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

fn operator_from_row(row: &PgRow) -> Result<Operator, StoreError> {
    let c = Columns::new(row, "operators");
    let state: String = c.get("totp_state")?;
    let secret: Option<String> = c.get("totp_secret")?;
    let second_factor = match (state.as_str(), secret) {
        ("none", None) => SecondFactor::None,
        ("pending", Some(secret)) => SecondFactor::Pending { secret },
        ("enrolled", Some(secret)) => SecondFactor::Enrolled { secret },
        _ => return Err(crate::error::corrupt_in("operators", "totp_state")),
    };
    Ok(Operator {
        id: c.get("id")?,
        username: c.get("username")?,
        role: c.parse("role", Role::parse)?,
        password_hash: c.get("password_hash")?,
        second_factor,
        last_totp_step: c.get("last_totp_step")?,
        created_at: c.get("created_at")?,
        disabled_at: c.get("disabled_at")?,
        version: c.get("version")?,
    })
}

fn session_from_row(row: &PgRow) -> Result<OperatorSession, StoreError> {
    let c = Columns::new(row, "operator_sessions");
    Ok(OperatorSession {
        id: c.get("id")?,
        token_hash: c.get("token_hash")?,
        operator_id: c.get("operator_id")?,
        second_factor_done: c.get("second_factor_done")?,
        created_at: c.get("created_at")?,
        last_seen_at: c.get("last_seen_at")?,
        expires_at: c.get("expires_at")?,
        ended_at: c.get("ended_at")?,
        client_ip: c.get("client_ip")?,
    })
}

fn identity_check_from_row(row: &PgRow) -> Result<IdentityCheck, StoreError> {
    let c = Columns::new(row, "identity_checks");
    Ok(IdentityCheck {
        id: c.get("id")?,
        fiscal_code: c.fiscal_code("fiscal_code")?,
        kind: c.parse("kind", DocumentKind::parse)?,
        number: c.get("number")?,
        issuer: c.get("issuer")?,
        expiry: c.get("expiry")?,
        operator: c.get("operator")?,
        checked_at: c.get("checked_at")?,
    })
}

/// The operator part of a commit, in the documented order.
pub(crate) async fn apply(conn: &mut PgConnection, changes: &Changes, now: OffsetDateTime) -> Result<(), StoreError> {
    for operator in &changes.insert_operators {
        let (state, secret) = second_factor_columns(&operator.second_factor);
        sqlx::query(
            "INSERT INTO operators (id, username, role, password_hash, totp_state, totp_secret, last_totp_step, \
             created_at, disabled_at, version) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        )
        .bind(operator.id)
        .bind(operator.username.as_str())
        .bind(operator.role.as_str())
        .bind(operator.password_hash.as_str())
        .bind(state)
        .bind(secret)
        .bind(operator.last_totp_step)
        .bind(operator.created_at)
        .bind(operator.disabled_at)
        .bind(operator.version)
        .execute(&mut *conn)
        .await
        .map_err(write_error)?;
    }
    let mut updates: Vec<&Operator> = changes.update_operators.iter().collect();
    updates.sort_by_key(|o| o.id);
    for operator in updates {
        let (state, secret) = second_factor_columns(&operator.second_factor);
        let done = sqlx::query(
            "UPDATE operators SET role = $3, password_hash = $4, totp_state = $5, totp_secret = $6, \
             last_totp_step = $7, disabled_at = $8, version = version + 1 WHERE id = $1 AND version = $2",
        )
        .bind(operator.id)
        .bind(operator.version)
        .bind(operator.role.as_str())
        .bind(operator.password_hash.as_str())
        .bind(state)
        .bind(secret)
        .bind(operator.last_totp_step)
        .bind(operator.disabled_at)
        .execute(&mut *conn)
        .await
        .map_err(write_error)?;
        if done.rows_affected() != 1 {
            return Err(StoreError::Conflict(format!(
                "operator {} changed since version {} was read",
                operator.id, operator.version
            )));
        }
    }
    if !changes.end_operator_sessions.is_empty() {
        sqlx::query("UPDATE operator_sessions SET ended_at = $2 WHERE id = ANY($1) AND ended_at IS NULL")
            .bind(&changes.end_operator_sessions)
            .bind(now)
            .execute(&mut *conn)
            .await
            .map_err(write_error)?;
    }
    for session in &changes.open_operator_sessions {
        sqlx::query(
            "INSERT INTO operator_sessions (id, token_hash, operator_id, second_factor_done, created_at, \
             last_seen_at, expires_at, ended_at, client_ip) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(session.id)
        .bind(session.token_hash.as_str())
        .bind(session.operator_id)
        .bind(session.second_factor_done)
        .bind(session.created_at)
        .bind(session.last_seen_at)
        .bind(session.expires_at)
        .bind(session.ended_at)
        .bind(session.client_ip.as_deref())
        .execute(&mut *conn)
        .await
        .map_err(write_error)?;
    }
    for check in &changes.identity_checks {
        sqlx::query(
            "INSERT INTO identity_checks (id, fiscal_code, kind, number, issuer, expiry, operator, checked_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(check.id)
        .bind(check.fiscal_code.as_str())
        .bind(check.kind.as_str())
        .bind(check.number.as_str())
        .bind(check.issuer.as_str())
        .bind(check.expiry)
        .bind(check.operator.as_str())
        .bind(check.checked_at)
        .execute(&mut *conn)
        .await
        .map_err(write_error)?;
    }
    Ok(())
}

#[async_trait]
impl OperatorStore for PostgresStore {
    async fn operator_by_username(&self, username: &str) -> Result<Option<Operator>, StoreError> {
        let sql = format!("SELECT {OPERATOR_COLUMNS} FROM operators WHERE username = $1");
        let row =
            sqlx::query(AssertSqlSafe(sql)).bind(username).fetch_optional(&self.pool).await.map_err(store_error)?;
        row.as_ref().map(operator_from_row).transpose()
    }

    async fn operator(&self, id: Uuid) -> Result<Option<Operator>, StoreError> {
        let sql = format!("SELECT {OPERATOR_COLUMNS} FROM operators WHERE id = $1");
        let row = sqlx::query(AssertSqlSafe(sql)).bind(id).fetch_optional(&self.pool).await.map_err(store_error)?;
        row.as_ref().map(operator_from_row).transpose()
    }

    async fn operators(&self) -> Result<Vec<Operator>, StoreError> {
        let sql = format!("SELECT {OPERATOR_COLUMNS} FROM operators ORDER BY username");
        let rows = sqlx::query(AssertSqlSafe(sql)).fetch_all(&self.pool).await.map_err(store_error)?;
        rows.iter().map(operator_from_row).collect()
    }

    async fn operator_session_by_token_hash(&self, token_hash: &str) -> Result<Option<OperatorSession>, StoreError> {
        let sql = format!("SELECT {SESSION_COLUMNS} FROM operator_sessions WHERE token_hash = $1");
        let row =
            sqlx::query(AssertSqlSafe(sql)).bind(token_hash).fetch_optional(&self.pool).await.map_err(store_error)?;
        row.as_ref().map(session_from_row).transpose()
    }

    async fn touch_operator_session(&self, id: Uuid, at: OffsetDateTime) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE operator_sessions SET last_seen_at = $2 WHERE id = $1 AND ended_at IS NULL AND last_seen_at < $2",
        )
        .bind(id)
        .bind(at)
        .execute(&self.pool)
        .await
        .map_err(store_error)?;
        Ok(())
    }

    async fn identity_checks_of(&self, code: &FiscalCode, max: u32) -> Result<Vec<IdentityCheck>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, fiscal_code, kind, number, issuer, expiry, operator, checked_at FROM identity_checks \
             WHERE fiscal_code = $1 ORDER BY checked_at DESC, id DESC LIMIT $2",
        )
        .bind(code.as_str())
        .bind(limit(max))
        .fetch_all(&self.pool)
        .await
        .map_err(store_error)?;
        rows.iter().map(identity_check_from_row).collect()
    }

    async fn awaiting_phone_check(&self, max: u32) -> Result<Vec<Credential>, StoreError> {
        let sql = format!(
            "SELECT {CREDENTIAL_COLUMNS} FROM credentials WHERE state = 'awaiting_phone_check' \
             ORDER BY created_at, id LIMIT $1"
        );
        let rows = sqlx::query(AssertSqlSafe(sql)).bind(limit(max)).fetch_all(&self.pool).await.map_err(store_error)?;
        rows.iter().map(credential_from_row).collect()
    }
}
