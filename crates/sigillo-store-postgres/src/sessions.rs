//! Citizen sessions on PostgreSQL. Only the token's hash is stored; lookups go through its unique
//! index, and "end every open session of a credential" through a partial index of open sessions.

use sigillo_domain::credential::Level;
use sigillo_domain::session::Session;
use sigillo_domain::store::StoreError;
use sqlx::postgres::PgRow;
use sqlx::{PgConnection, PgPool};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::error::store_error;
use crate::row::Columns;

const INSERT: &str = "\
INSERT INTO sessions (id, token_hash, credential_id, fiscal_code, level, created_at, last_seen_at, expires_at,
    ended_at, client_ip)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)";

const SELECT_BY_TOKEN_HASH: &str = "\
SELECT id, token_hash, credential_id, fiscal_code, level, created_at, last_seen_at, expires_at, ended_at, client_ip
FROM sessions WHERE token_hash = $1";

/// Never backwards: two nodes touching the same session in the wrong order keep the later time.
/// Rewrites no indexed column, so PostgreSQL can update in place (HOT).
const TOUCH: &str = "\
UPDATE sessions SET last_seen_at = $2 WHERE id = $1 AND ended_at IS NULL AND last_seen_at < $2";

/// A session ends once: the first end time stays.
const END: &str = "UPDATE sessions SET ended_at = $2 WHERE id = $1 AND ended_at IS NULL";

/// The predicate repeats `sessions_open_by_credential`'s.
const END_ALL_OF: &str = "UPDATE sessions SET ended_at = $2 WHERE credential_id = ANY($1) AND ended_at IS NULL";

fn session_from_row(row: &PgRow) -> Result<Session, StoreError> {
    let c = Columns::new(row, "sessions");
    Ok(Session {
        id: c.get("id")?,
        token_hash: c.get("token_hash")?,
        credential_id: c.get("credential_id")?,
        fiscal_code: c.fiscal_code("fiscal_code")?,
        level: c.parse("level", Level::parse)?,
        created_at: c.get("created_at")?,
        last_seen_at: c.get("last_seen_at")?,
        expires_at: c.get("expires_at")?,
        ended_at: c.get("ended_at")?,
        client_ip: c.get("client_ip")?,
    })
}

pub(crate) async fn insert(conn: &mut PgConnection, session: &Session) -> Result<(), sqlx::Error> {
    sqlx::query(INSERT)
        .bind(session.id)
        .bind(session.token_hash.as_str())
        .bind(session.credential_id)
        .bind(session.fiscal_code.as_str())
        .bind(session.level.as_str())
        .bind(session.created_at)
        .bind(session.last_seen_at)
        .bind(session.expires_at)
        .bind(session.ended_at)
        .bind(session.client_ip.as_deref())
        .execute(conn)
        .await?;
    Ok(())
}

/// Ends every open session of these credentials at `at`.
pub(crate) async fn end_all_of(
    conn: &mut PgConnection,
    credentials: &[Uuid],
    at: OffsetDateTime,
) -> Result<(), sqlx::Error> {
    if credentials.is_empty() {
        return Ok(());
    }
    let mut ids = credentials.to_vec();
    ids.sort_unstable();
    ids.dedup();
    sqlx::query(END_ALL_OF).bind(ids).bind(at).execute(conn).await?;
    Ok(())
}

pub(crate) async fn by_token_hash(pool: &PgPool, token_hash: &str) -> Result<Option<Session>, StoreError> {
    let row = sqlx::query(SELECT_BY_TOKEN_HASH).bind(token_hash).fetch_optional(pool).await.map_err(store_error)?;
    row.as_ref().map(session_from_row).transpose()
}

pub(crate) async fn touch(pool: &PgPool, id: Uuid, at: OffsetDateTime) -> Result<(), StoreError> {
    sqlx::query(TOUCH).bind(id).bind(at).execute(pool).await.map_err(store_error)?;
    Ok(())
}

pub(crate) async fn end(pool: &PgPool, id: Uuid, at: OffsetDateTime) -> Result<(), StoreError> {
    sqlx::query(END).bind(id).bind(at).execute(pool).await.map_err(store_error)?;
    Ok(())
}
