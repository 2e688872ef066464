//! What administrators read and do (back-office): audit search, parked messages, print batches.

use sigillo_domain::audit::{AuditFilter, StoredAuditEvent};
use sigillo_domain::outbox::{Channel, MessageKind, ParkedMessage, PrintBatchSummary};
use sigillo_domain::store::StoreError;
use sqlx::postgres::PgRow;
use sqlx::{Postgres, QueryBuilder};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::PostgresStore;
use crate::error::store_error;
use crate::row::{Columns, limit};

/// Longest reason kept for a discarded message.
const MAX_REASON_CHARS: usize = 500;

impl PostgresStore {
    pub(crate) async fn search_audit(
        &self,
        filter: &AuditFilter,
        max: u32,
    ) -> Result<Vec<StoredAuditEvent>, StoreError> {
        let mut q: QueryBuilder<Postgres> = QueryBuilder::new(
            "SELECT seq, at, actor, event, fiscal_code, credential_id, client_ip, details, prev_hash, hash \
             FROM audit_log WHERE true",
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
            q.push(" AND at >= ").push_bind(from);
        }
        if let Some(to) = filter.to {
            q.push(" AND at < ").push_bind(to);
        }
        if let Some(before) = filter.before_seq {
            q.push(" AND seq < ").push_bind(before);
        }
        q.push(" ORDER BY seq DESC LIMIT ").push_bind(limit(max));
        let rows = q.build().fetch_all(&self.pool).await.map_err(store_error)?;
        rows.iter().map(crate::audit::entry_from_row).collect()
    }

    pub(crate) async fn parked(&self, max: u32) -> Result<Vec<ParkedMessage>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, channel, kind, recipient, fiscal_code, attempts, last_error, created_at FROM outbox \
             WHERE status = 'parked' ORDER BY created_at, id LIMIT $1",
        )
        .bind(limit(max))
        .fetch_all(&self.pool)
        .await
        .map_err(store_error)?;
        rows.iter().map(parked_from_row).collect()
    }

    pub(crate) async fn retry(&self, id: Uuid, at: OffsetDateTime) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE outbox SET status = 'pending', attempts = 0, next_attempt_at = $2, claimed_by = NULL, \
             claimed_until = NULL WHERE id = $1 AND status = 'parked'",
        )
        .bind(id)
        .bind(at)
        .execute(&self.pool)
        .await
        .map_err(store_error)?;
        Ok(done.rows_affected() == 1)
    }

    pub(crate) async fn discard(&self, id: Uuid, reason: &str) -> Result<bool, StoreError> {
        let reason: String = reason.chars().take(MAX_REASON_CHARS).collect();
        let done = sqlx::query(
            "UPDATE outbox SET status = 'cancelled', body = '(messaggio scartato)', pin_half = NULL, link = NULL, \
             code = NULL, claimed_by = NULL, claimed_until = NULL, last_error = $2 WHERE id = $1 AND status = 'parked'",
        )
        .bind(id)
        .bind(format!("scartato: {reason}"))
        .execute(&self.pool)
        .await
        .map_err(store_error)?;
        Ok(done.rows_affected() == 1)
    }

    pub(crate) async fn batches(&self, max: u32) -> Result<Vec<PrintBatchSummary>, StoreError> {
        let rows = sqlx::query(
            "SELECT print_batch, count(*) AS letters, min(printed_at) AS claimed_at, \
             count(pin_half) AS holding FROM outbox WHERE print_batch IS NOT NULL \
             GROUP BY print_batch ORDER BY min(printed_at) DESC, print_batch DESC LIMIT $1",
        )
        .bind(limit(max))
        .fetch_all(&self.pool)
        .await
        .map_err(store_error)?;
        rows.iter()
            .map(|row| {
                let c = Columns::new(row, "outbox");
                let letters: i64 = c.get("letters")?;
                let holding: i64 = c.get("holding")?;
                Ok(PrintBatchSummary {
                    batch: c.get("print_batch")?,
                    letters: u64::try_from(letters).map_err(|_| crate::error::corrupt_in("outbox", "letters"))?,
                    claimed_at: c.get("claimed_at")?,
                    confirmed: holding == 0,
                })
            })
            .collect()
    }
}

fn parked_from_row(row: &PgRow) -> Result<ParkedMessage, StoreError> {
    let c = Columns::new(row, "outbox");
    let attempts: i32 = c.get("attempts")?;
    Ok(ParkedMessage {
        id: c.get("id")?,
        channel: c.parse("channel", Channel::parse)?,
        kind: c.parse("kind", MessageKind::parse)?,
        recipient: c.get("recipient")?,
        fiscal_code: c.fiscal_code("fiscal_code")?,
        attempts: u32::try_from(attempts).map_err(|_| crate::error::corrupt_in("outbox", "attempts"))?,
        last_error: c.get("last_error")?,
        created_at: c.get("created_at")?,
    })
}
