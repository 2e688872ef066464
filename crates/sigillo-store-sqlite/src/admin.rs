//! What administrators read and do (back-office): audit search, parked messages, print batches.

use sigillo_domain::audit::{AuditFilter, StoredAuditEvent};
use sigillo_domain::outbox::{Channel, MessageKind, ParkedMessage, PrintBatchSummary};
use sigillo_domain::store::StoreError;
use sqlx::sqlite::SqliteRow;
use sqlx::{QueryBuilder, Sqlite};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::SqliteStore;
use crate::codec::{Columns, micros, uuid_text};
use crate::error::store_error;

/// Longest reason kept for a discarded message.
const MAX_REASON_CHARS: usize = 500;

impl SqliteStore {
    pub(crate) async fn search_audit(
        &self,
        filter: &AuditFilter,
        limit: u32,
    ) -> Result<Vec<StoredAuditEvent>, StoreError> {
        let mut q: QueryBuilder<Sqlite> = QueryBuilder::new(
            "SELECT seq, at, actor, event, fiscal_code, credential_id, client_ip, details, prev_hash, hash \
             FROM audit_log WHERE 1 = 1",
        );
        if let Some(code) = &filter.fiscal_code {
            q.push(" AND fiscal_code = ").push_bind(code.as_str().to_owned());
        }
        if let Some(actor) = &filter.actor {
            q.push(" AND actor = ").push_bind(actor.clone());
        }
        if let Some(event) = &filter.event {
            q.push(" AND event = ").push_bind(event.clone());
        }
        if let Some(from) = filter.from {
            q.push(" AND at >= ").push_bind(micros(from));
        }
        if let Some(to) = filter.to {
            q.push(" AND at < ").push_bind(micros(to));
        }
        if let Some(before) = filter.before_seq {
            q.push(" AND seq < ").push_bind(before);
        }
        q.push(" ORDER BY seq DESC LIMIT ").push_bind(i64::from(limit));
        let rows = q.build().fetch_all(&self.read).await.map_err(store_error)?;
        rows.iter().map(crate::audit::entry_from_row).collect()
    }

    pub(crate) async fn parked(&self, limit: u32) -> Result<Vec<ParkedMessage>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, channel, kind, recipient, fiscal_code, attempts, last_error, created_at FROM outbox \
             WHERE status = 'parked' ORDER BY created_at, id LIMIT ?",
        )
        .bind(i64::from(limit))
        .fetch_all(&self.read)
        .await
        .map_err(store_error)?;
        rows.iter().map(parked_from_row).collect()
    }

    pub(crate) async fn retry(&self, id: Uuid, at: OffsetDateTime) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE outbox SET status = 'pending', attempts = 0, next_attempt_at = ?, claimed_by = NULL, \
             claimed_until = NULL WHERE id = ? AND status = 'parked'",
        )
        .bind(micros(at))
        .bind(uuid_text(id))
        .execute(&self.write)
        .await
        .map_err(store_error)?;
        Ok(done.rows_affected() == 1)
    }

    pub(crate) async fn discard(&self, id: Uuid, reason: &str) -> Result<bool, StoreError> {
        let reason: String = reason.chars().take(MAX_REASON_CHARS).collect();
        let done = sqlx::query(
            "UPDATE outbox SET status = 'cancelled', body = '(messaggio scartato)', pin_half = NULL, link = NULL, \
             code = NULL, claimed_by = NULL, claimed_until = NULL, last_error = ? WHERE id = ? AND status = 'parked'",
        )
        .bind(format!("scartato: {reason}"))
        .bind(uuid_text(id))
        .execute(&self.write)
        .await
        .map_err(store_error)?;
        if done.rows_affected() == 1 {
            self.scrub_wal().await?;
        }
        Ok(done.rows_affected() == 1)
    }

    pub(crate) async fn batches(&self, limit: u32) -> Result<Vec<PrintBatchSummary>, StoreError> {
        let rows = sqlx::query(
            "SELECT print_batch, count(*) AS letters, min(printed_at) AS claimed_at, \
             sum(pin_half IS NOT NULL) AS holding FROM outbox WHERE print_batch IS NOT NULL \
             GROUP BY print_batch ORDER BY min(printed_at) DESC, print_batch DESC LIMIT ?",
        )
        .bind(i64::from(limit))
        .fetch_all(&self.read)
        .await
        .map_err(store_error)?;
        rows.iter()
            .map(|row| {
                let c = Columns::new(row, "outbox");
                Ok(PrintBatchSummary {
                    batch: c.text("print_batch")?,
                    letters: u64::try_from(c.int("letters")?).map_err(|_| c.corrupt("letters"))?,
                    claimed_at: c.time("claimed_at")?,
                    confirmed: c.int("holding")? == 0,
                })
            })
            .collect()
    }
}

fn parked_from_row(row: &SqliteRow) -> Result<ParkedMessage, StoreError> {
    let c = Columns::new(row, "outbox");
    Ok(ParkedMessage {
        id: c.uuid("id")?,
        channel: c.parsed("channel", Channel::parse)?,
        kind: c.parsed("kind", MessageKind::parse)?,
        recipient: c.text("recipient")?,
        fiscal_code: c.fiscal_code("fiscal_code")?,
        attempts: c.count("attempts")?,
        last_error: c.opt_text("last_error")?,
        created_at: c.time("created_at")?,
    })
}
