//! The delivery outbox. Messages enter through a commit ([`insert`]), due at their `created_at`;
//! workers claim them with a lease, then mark them delivered (wiping their secrets) or failed.

use std::time::Duration;

use async_trait::async_trait;
use sigillo_domain::outbox::{Channel, DeliveryStatus, MessageKind, OutboundMessage, OutboxStats, QueuedMessage};
use sigillo_domain::store::{OutboxStore, StoreError};
use sqlx::SqliteConnection;
use sqlx::sqlite::SqliteRow;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::SqliteStore;
use crate::codec::{Columns, duration_micros, micros, uuid_text};
use crate::error::store_error;

/// Takes the oldest due messages that no live lease holds, in one statement: two workers can
/// never both take a message, because SQLite runs one write at a time.
pub(crate) const CLAIM: &str = "UPDATE outbox SET claimed_by = ?, claimed_until = ? WHERE id IN (\
     SELECT id FROM outbox WHERE status = 'pending' AND next_attempt_at <= ? \
     AND (claimed_until IS NULL OR claimed_until <= ?) ORDER BY next_attempt_at, created_at, id LIMIT ?) \
     RETURNING id, channel, kind, recipient, fiscal_code, subject, body, pin_half, link, code, postal_address, \
     created_at, status, attempts, next_attempt_at";

pub(crate) async fn insert(conn: &mut SqliteConnection, message: &OutboundMessage) -> Result<(), StoreError> {
    let address = message
        .postal_address
        .as_ref()
        .map(serde_json::to_string)
        .transpose()
        .map_err(|_| StoreError::Other("a postal address could not be encoded".to_owned()))?;
    let created_at = micros(message.created_at);
    sqlx::query(
        "INSERT INTO outbox (id, channel, kind, recipient, fiscal_code, subject, body, pin_half, link, code, \
         postal_address, created_at, next_attempt_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(uuid_text(message.id))
    .bind(message.channel.as_str())
    .bind(message.kind.as_str())
    .bind(message.recipient.as_str())
    .bind(message.fiscal_code.as_str())
    .bind(message.subject.as_deref())
    .bind(message.body.as_str())
    .bind(message.pin_half.as_deref())
    .bind(message.link.as_deref())
    .bind(message.code.as_deref())
    .bind(address)
    .bind(created_at)
    .bind(created_at)
    .execute(conn)
    .await
    .map_err(store_error)?;
    Ok(())
}

fn queued_from_row(row: &SqliteRow) -> Result<QueuedMessage, StoreError> {
    let c = Columns::new(row, "outbox");
    let postal_address = c
        .opt_text("postal_address")?
        .map(|json| serde_json::from_str(&json).map_err(|_| c.corrupt("postal_address")))
        .transpose()?;
    Ok(QueuedMessage {
        message: OutboundMessage {
            id: c.uuid("id")?,
            channel: c.parsed("channel", Channel::parse)?,
            kind: c.parsed("kind", MessageKind::parse)?,
            recipient: c.text("recipient")?,
            fiscal_code: c.fiscal_code("fiscal_code")?,
            subject: c.opt_text("subject")?,
            body: c.text("body")?,
            pin_half: c.opt_text("pin_half")?,
            link: c.opt_text("link")?,
            code: c.opt_text("code")?,
            postal_address,
            created_at: c.time("created_at")?,
        },
        status: c.parsed("status", DeliveryStatus::parse)?,
        attempts: c.count("attempts")?,
        next_attempt_at: c.time("next_attempt_at")?,
    })
}

#[async_trait]
impl OutboxStore for SqliteStore {
    async fn claim_messages(
        &self,
        worker: &str,
        now: OffsetDateTime,
        lease: Duration,
        limit: u32,
    ) -> Result<Vec<QueuedMessage>, StoreError> {
        let now = micros(now);
        let rows = sqlx::query(CLAIM)
            .bind(worker)
            .bind(now.saturating_add(duration_micros(lease)))
            .bind(now)
            .bind(now)
            .bind(i64::from(limit))
            .fetch_all(&self.write)
            .await
            .map_err(store_error)?;
        let mut claimed = rows.iter().map(queued_from_row).collect::<Result<Vec<_>, _>>()?;
        // RETURNING comes in no promised order.
        claimed.sort_by_key(|q| (q.next_attempt_at, q.message.created_at, q.message.id));
        Ok(claimed)
    }

    async fn mark_delivered(&self, id: Uuid, at: OffsetDateTime) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE outbox SET status = 'delivered', delivered_at = ?, pin_half = NULL, link = NULL, code = NULL, \
             claimed_by = NULL, claimed_until = NULL WHERE id = ?",
        )
        .bind(micros(at))
        .bind(uuid_text(id))
        .execute(&self.write)
        .await
        .map_err(store_error)?;
        Ok(())
    }

    async fn mark_failed(
        &self,
        id: Uuid,
        attempts: u32,
        retry_at: Option<OffsetDateTime>,
        error: &str,
    ) -> Result<(), StoreError> {
        // The claim is released either way: a retry is due at `retry_at`, not when the lease ends.
        let query = match retry_at {
            Some(retry_at) => sqlx::query(
                "UPDATE outbox SET status = 'pending', attempts = ?, next_attempt_at = ?, last_error = ?, \
                 claimed_by = NULL, claimed_until = NULL WHERE id = ? AND status = 'pending'",
            )
            .bind(i64::from(attempts))
            .bind(micros(retry_at)),
            None => sqlx::query(
                "UPDATE outbox SET status = 'parked', attempts = ?, last_error = ?, claimed_by = NULL, \
                 claimed_until = NULL WHERE id = ? AND status = 'pending'",
            )
            .bind(i64::from(attempts)),
        };
        query.bind(error).bind(uuid_text(id)).execute(&self.write).await.map_err(store_error)?;
        Ok(())
    }

    async fn outbox_stats(&self) -> Result<OutboxStats, StoreError> {
        let row = sqlx::query(
            "SELECT count(*) FILTER (WHERE status = 'pending') AS pending, \
             count(*) FILTER (WHERE status = 'parked') AS parked, \
             min(created_at) FILTER (WHERE status = 'pending') AS oldest_pending_at \
             FROM outbox WHERE status IN ('pending', 'parked')",
        )
        .fetch_one(&self.read)
        .await
        .map_err(store_error)?;
        let c = Columns::new(&row, "outbox");
        Ok(OutboxStats {
            pending: u64::try_from(c.int("pending")?).map_err(|_| c.corrupt("pending"))?,
            parked: u64::try_from(c.int("parked")?).map_err(|_| c.corrupt("parked"))?,
            oldest_pending_at: c.opt_time("oldest_pending_at")?,
        })
    }
}
