//! The hash-chained audit log. Entries are appended inside the write transaction of the change
//! they record; that transaction holds SQLite's write lock from its start (`BEGIN IMMEDIATE`), so
//! reading the chain's end and appending after it cannot interleave with another append.

use async_trait::async_trait;
use sigillo_domain::audit::{Actor, AuditEvent, GENESIS_HASH, StoredAuditEvent, chain_hash, parse_details};
use sigillo_domain::fiscal_code::FiscalCode;
use sigillo_domain::store::{AuditStore, StoreError};
use sqlx::SqliteConnection;
use sqlx::sqlite::SqliteRow;

use crate::SqliteStore;
use crate::codec::{Columns, micros, stored_time, uuid_text};
use crate::error::store_error;

macro_rules! entry_columns {
    () => {
        "seq, at, actor, event, fiscal_code, credential_id, client_ip, details, prev_hash, hash"
    };
}

const SELECT_PAGE: &str = concat!("SELECT ", entry_columns!(), " FROM audit_log WHERE seq > ? ORDER BY seq LIMIT ?");
const SELECT_OF: &str =
    concat!("SELECT ", entry_columns!(), " FROM audit_log WHERE fiscal_code = ? ORDER BY seq DESC LIMIT ?");

/// Appends `events` after the last entry, each chained to the one before.
/// Timestamps are kept to the microsecond, which is all the hash covers.
pub(crate) async fn append(conn: &mut SqliteConnection, events: &[AuditEvent]) -> Result<(), StoreError> {
    if events.is_empty() {
        return Ok(());
    }
    let last = sqlx::query("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1")
        .fetch_optional(&mut *conn)
        .await
        .map_err(store_error)?;
    let (mut seq, mut prev_hash) = match last {
        Some(row) => {
            let c = Columns::new(&row, "audit_log");
            (c.int("seq")?, c.text("hash")?)
        }
        None => (0, GENESIS_HASH.to_owned()),
    };
    for event in events {
        seq += 1;
        // Hash exactly what is stored, so the entry read back verifies.
        let stored = AuditEvent { at: stored_time(event.at)?, ..event.clone() };
        let hash = chain_hash(seq, &stored, &prev_hash);
        sqlx::query(
            "INSERT INTO audit_log (seq, at, actor, event, fiscal_code, credential_id, client_ip, details, prev_hash, \
             hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(seq)
        .bind(micros(stored.at))
        .bind(stored.actor.as_string())
        .bind(stored.event.as_str())
        .bind(stored.fiscal_code.as_ref().map(FiscalCode::as_str))
        .bind(stored.credential_id.map(uuid_text))
        .bind(stored.client_ip.as_deref())
        .bind(stored.details_json())
        .bind(prev_hash.as_str())
        .bind(hash.as_str())
        .execute(&mut *conn)
        .await
        .map_err(store_error)?;
        prev_hash = hash;
    }
    Ok(())
}

pub(crate) fn entry_from_row(row: &SqliteRow) -> Result<StoredAuditEvent, StoreError> {
    let c = Columns::new(row, "audit_log");
    Ok(StoredAuditEvent {
        seq: c.int("seq")?,
        event: AuditEvent {
            at: c.time("at")?,
            actor: Actor::parse(&c.text("actor")?),
            event: c.text("event")?,
            fiscal_code: c.opt_fiscal_code("fiscal_code")?,
            credential_id: c.opt_uuid("credential_id")?,
            client_ip: c.opt_text("client_ip")?,
            details: parse_details(&c.text("details")?).ok_or_else(|| c.corrupt("details"))?,
        },
        prev_hash: c.text("prev_hash")?,
        hash: c.text("hash")?,
    })
}

#[async_trait]
impl AuditStore for SqliteStore {
    async fn audit_page(&self, after: i64, limit: u32) -> Result<Vec<StoredAuditEvent>, StoreError> {
        let rows = sqlx::query(SELECT_PAGE)
            .bind(after)
            .bind(i64::from(limit))
            .fetch_all(&self.read)
            .await
            .map_err(store_error)?;
        rows.iter().map(entry_from_row).collect()
    }

    async fn audit_of(&self, code: &FiscalCode, limit: u32) -> Result<Vec<StoredAuditEvent>, StoreError> {
        let rows = sqlx::query(SELECT_OF)
            .bind(code.as_str())
            .bind(i64::from(limit))
            .fetch_all(&self.read)
            .await
            .map_err(store_error)?;
        rows.iter().map(entry_from_row).collect()
    }

    async fn append_audit(&self, events: Vec<AuditEvent>) -> Result<(), StoreError> {
        if events.is_empty() {
            return Ok(());
        }
        let mut tx = self.write.begin_with("BEGIN IMMEDIATE").await.map_err(store_error)?;
        append(&mut tx, &events).await?;
        tx.commit().await.map_err(store_error)
    }

    async fn audit_search(
        &self,
        filter: &sigillo_domain::audit::AuditFilter,
        limit: u32,
    ) -> Result<Vec<StoredAuditEvent>, StoreError> {
        self.search_audit(filter, limit).await
    }
}
