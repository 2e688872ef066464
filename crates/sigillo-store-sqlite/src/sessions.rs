//! Citizen sessions (the [`CredentialStore`](sigillo_domain::store::CredentialStore) methods about
//! them delegate here). Only the token's hash is stored.

use sigillo_domain::credential::Level;
use sigillo_domain::session::Session;
use sigillo_domain::store::StoreError;
use sqlx::sqlite::SqliteRow;
use sqlx::{SqliteConnection, SqlitePool};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::codec::{Columns, micros, opt_micros, uuid_text};
use crate::error::store_error;

fn session_from_row(row: &SqliteRow) -> Result<Session, StoreError> {
    let c = Columns::new(row, "sessions");
    Ok(Session {
        id: c.uuid("id")?,
        token_hash: c.text("token_hash")?,
        credential_id: c.uuid("credential_id")?,
        fiscal_code: c.fiscal_code("fiscal_code")?,
        level: c.parsed("level", Level::parse)?,
        created_at: c.time("created_at")?,
        last_seen_at: c.time("last_seen_at")?,
        expires_at: c.time("expires_at")?,
        ended_at: c.opt_time("ended_at")?,
        client_ip: c.opt_text("client_ip")?,
    })
}

pub(crate) async fn insert(conn: &mut SqliteConnection, session: &Session) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO sessions (id, token_hash, credential_id, fiscal_code, level, created_at, last_seen_at, \
         expires_at, ended_at, client_ip) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(uuid_text(session.id))
    .bind(session.token_hash.as_str())
    .bind(uuid_text(session.credential_id))
    .bind(session.fiscal_code.as_str())
    .bind(session.level.as_str())
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

/// Ends the open sessions of a credential; ended ones keep when they ended.
pub(crate) async fn end_all_of(
    conn: &mut SqliteConnection,
    credential_id: Uuid,
    at: OffsetDateTime,
) -> Result<(), StoreError> {
    sqlx::query("UPDATE sessions SET ended_at = ? WHERE credential_id = ? AND ended_at IS NULL")
        .bind(micros(at))
        .bind(uuid_text(credential_id))
        .execute(conn)
        .await
        .map_err(store_error)?;
    Ok(())
}

pub(crate) async fn by_token_hash(read: &SqlitePool, token_hash: &str) -> Result<Option<Session>, StoreError> {
    let row = sqlx::query(
        "SELECT id, token_hash, credential_id, fiscal_code, level, created_at, last_seen_at, expires_at, ended_at, \
         client_ip FROM sessions WHERE token_hash = ?",
    )
    .bind(token_hash)
    .fetch_optional(read)
    .await
    .map_err(store_error)?;
    row.as_ref().map(session_from_row).transpose()
}

/// Moves `last_seen_at` forward (never back: requests of one session may finish out of order).
/// An ended or unknown session is left alone.
pub(crate) async fn touch(write: &SqlitePool, id: Uuid, at: OffsetDateTime) -> Result<(), StoreError> {
    sqlx::query("UPDATE sessions SET last_seen_at = max(last_seen_at, ?) WHERE id = ? AND ended_at IS NULL")
        .bind(micros(at))
        .bind(uuid_text(id))
        .execute(write)
        .await
        .map_err(store_error)?;
    Ok(())
}

/// Ends a session; ending it again keeps the first end. An unknown id is not an error.
pub(crate) async fn end(write: &SqlitePool, id: Uuid, at: OffsetDateTime) -> Result<(), StoreError> {
    sqlx::query("UPDATE sessions SET ended_at = ? WHERE id = ? AND ended_at IS NULL")
        .bind(micros(at))
        .bind(uuid_text(id))
        .execute(write)
        .await
        .map_err(store_error)?;
    Ok(())
}
