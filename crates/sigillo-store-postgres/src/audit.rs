//! The hash-chained audit log on PostgreSQL.
//!
//! Each entry's hash covers the previous entry's, so appends from every node must form one line:
//! an append takes a transaction-scoped advisory lock, reads the last entry with a snapshot taken
//! after the lock was granted (both in one call of `audit_chain_head`, see the migration), and
//! inserts after it. The lock is released when the transaction ends, after its commit is visible
//! to the next holder. Callers append last in their transaction, after their other writes, so the
//! lock is held only for this call, the insert and the commit. The primary key on `seq` would
//! refuse a fork anyway.
//!
//! The price: appends do not share a WAL flush (group commit), so audited commits go through one
//! at a time, each paying its commit's flush and a round trip or two while holding the lock.

use async_trait::async_trait;
use sigillo_domain::audit::{Actor, AuditEvent, GENESIS_HASH, StoredAuditEvent, chain_hash, parse_details};
use sigillo_domain::fiscal_code::FiscalCode;
use sigillo_domain::store::{AuditStore, StoreError};
use sqlx::PgConnection;
use sqlx::postgres::PgRow;

use crate::error::{store_error, write_error};
use crate::row::{Columns, limit, micros};
use crate::{PostgresStore, READ_COMMITTED};

/// The advisory lock key that serialises audit appends ("SIGAUDIT" in ASCII). Advisory locks are
/// per database, and sqlx's migration lock uses other keys.
const AUDIT_LOCK: i64 = 0x5349_4741_5544_4954;

/// Takes the lock, then reads the last entry (NULLs when the log is empty).
const LOCK_AND_READ_HEAD: &str = "SELECT seq, hash FROM audit_chain_head($1)";

/// All the entries of one append in one statement, one array per column.
const INSERT: &str = "\
INSERT INTO audit_log (seq, at, actor, event, fiscal_code, credential_id, client_ip, details, prev_hash, hash)
SELECT * FROM UNNEST($1::int8[], $2::timestamptz[], $3::text[], $4::text[], $5::text[], $6::uuid[], $7::text[],
    $8::text[], $9::text[], $10::text[])";

macro_rules! select_entries {
    ($rest:literal) => {
        concat!(
            "SELECT seq, at, actor, event, fiscal_code, credential_id, client_ip, details, prev_hash, hash \
             FROM audit_log ",
            $rest
        )
    };
}

const PAGE: &str = select_entries!("WHERE seq > $1 ORDER BY seq LIMIT $2");

/// Walks `audit_log_by_fiscal_code` backwards.
const OF_CITIZEN: &str = select_entries!("WHERE fiscal_code = $1 ORDER BY seq DESC LIMIT $2");

/// Appends `events` to the chain inside the caller's transaction, which must be READ COMMITTED
/// (the last entry is read after the lock is granted) and should have made its other writes.
pub(crate) async fn append(conn: &mut PgConnection, events: &[AuditEvent]) -> Result<(), StoreError> {
    if events.is_empty() {
        return Ok(());
    }
    let head: (Option<i64>, Option<String>) =
        sqlx::query_as(LOCK_AND_READ_HEAD).bind(AUDIT_LOCK).fetch_one(&mut *conn).await.map_err(write_error)?;
    let (mut seq, mut prev) = match head {
        (Some(seq), Some(hash)) => (seq, hash),
        (None, None) => (0, GENESIS_HASH.to_owned()),
        _ => return Err(StoreError::Corrupt("audit_log head".to_owned())),
    };

    let n = events.len();
    let mut c = EntryColumns::with_capacity(n);
    for event in events {
        // What timestamptz keeps is what gets hashed, so the entry verifies when read back.
        let event = AuditEvent { at: micros(event.at), ..event.clone() };
        seq += 1;
        let hash = chain_hash(seq, &event, &prev);
        c.seq.push(seq);
        c.at.push(event.at);
        c.actor.push(event.actor.as_string());
        c.details.push(event.details_json());
        c.event.push(event.event);
        c.fiscal_code.push(event.fiscal_code.map(|code| code.as_str().to_owned()));
        c.credential_id.push(event.credential_id);
        c.client_ip.push(event.client_ip);
        c.prev_hash.push(std::mem::replace(&mut prev, hash.clone()));
        c.hash.push(hash);
    }
    sqlx::query(INSERT)
        .bind(c.seq)
        .bind(c.at)
        .bind(c.actor)
        .bind(c.event)
        .bind(c.fiscal_code)
        .bind(c.credential_id)
        .bind(c.client_ip)
        .bind(c.details)
        .bind(c.prev_hash)
        .bind(c.hash)
        .execute(&mut *conn)
        .await
        .map_err(insert_error)?;
    Ok(())
}

/// Only a writer that skipped the lock could have taken one of our seqs: a concurrent change.
fn insert_error(err: sqlx::Error) -> StoreError {
    match &err {
        sqlx::Error::Database(db) if db.is_unique_violation() => {
            StoreError::Conflict("another audit entry took the same place in the chain".to_owned())
        }
        _ => write_error(err),
    }
}

struct EntryColumns {
    seq: Vec<i64>,
    at: Vec<time::OffsetDateTime>,
    actor: Vec<String>,
    event: Vec<String>,
    fiscal_code: Vec<Option<String>>,
    credential_id: Vec<Option<uuid::Uuid>>,
    client_ip: Vec<Option<String>>,
    details: Vec<String>,
    prev_hash: Vec<String>,
    hash: Vec<String>,
}

impl EntryColumns {
    fn with_capacity(n: usize) -> EntryColumns {
        EntryColumns {
            seq: Vec::with_capacity(n),
            at: Vec::with_capacity(n),
            actor: Vec::with_capacity(n),
            event: Vec::with_capacity(n),
            fiscal_code: Vec::with_capacity(n),
            credential_id: Vec::with_capacity(n),
            client_ip: Vec::with_capacity(n),
            details: Vec::with_capacity(n),
            prev_hash: Vec::with_capacity(n),
            hash: Vec::with_capacity(n),
        }
    }
}

pub(crate) fn entry_from_row(row: &PgRow) -> Result<StoredAuditEvent, StoreError> {
    let c = Columns::new(row, "audit_log");
    let actor: String = c.get("actor")?;
    Ok(StoredAuditEvent {
        seq: c.get("seq")?,
        event: AuditEvent {
            at: c.get("at")?,
            actor: Actor::parse(&actor),
            event: c.get("event")?,
            fiscal_code: c.optional_fiscal_code("fiscal_code")?,
            credential_id: c.get("credential_id")?,
            client_ip: c.get("client_ip")?,
            details: c.parse("details", parse_details)?,
        },
        prev_hash: c.get("prev_hash")?,
        hash: c.get("hash")?,
    })
}

#[async_trait]
impl AuditStore for PostgresStore {
    async fn audit_page(&self, after: i64, max: u32) -> Result<Vec<StoredAuditEvent>, StoreError> {
        let rows = sqlx::query(PAGE).bind(after).bind(limit(max)).fetch_all(&self.pool).await.map_err(store_error)?;
        rows.iter().map(entry_from_row).collect()
    }

    async fn audit_of(&self, code: &FiscalCode, max: u32) -> Result<Vec<StoredAuditEvent>, StoreError> {
        let rows = sqlx::query(OF_CITIZEN)
            .bind(code.as_str())
            .bind(limit(max))
            .fetch_all(&self.pool)
            .await
            .map_err(store_error)?;
        rows.iter().map(entry_from_row).collect()
    }

    async fn audit_search(
        &self,
        filter: &sigillo_domain::audit::AuditFilter,
        limit: u32,
    ) -> Result<Vec<StoredAuditEvent>, StoreError> {
        self.search_audit(filter, limit).await
    }

    async fn append_audit(&self, events: Vec<AuditEvent>) -> Result<(), StoreError> {
        if events.is_empty() {
            return Ok(());
        }
        let mut tx = self.pool.begin_with(READ_COMMITTED).await.map_err(store_error)?;
        append(&mut tx, &events).await?;
        tx.commit().await.map_err(write_error)
    }
}
