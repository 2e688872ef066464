//! The delivery outbox. Messages enter through a commit ([`insert`]), due at their `created_at`;
//! workers claim them with a lease, then mark them delivered (wiping their secrets) or failed.
//!
//! Letters are also printed: `letters batch` claims the unprinted ones into a print batch, writes
//! the PDF, then confirms the batch, which wipes their halves. Until a letter is in a batch, fast
//! activation may cancel it ([`cancel_letter`], through a commit).

use std::time::Duration;

use async_trait::async_trait;
use sigillo_domain::fiscal_code::FiscalCode;
use sigillo_domain::outbox::{Channel, DeliveryStatus, MessageKind, OutboundMessage, OutboxStats, QueuedMessage};
use sigillo_domain::store::{OutboxStore, StoreError};
use sqlx::SqliteConnection;
use sqlx::sqlite::SqliteRow;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::SqliteStore;
use crate::codec::{Columns, duration_micros, micros, uuid_text};
use crate::error::store_error;

macro_rules! message_columns {
    () => {
        "id, channel, kind, recipient, fiscal_code, subject, body, pin_half, link, code, postal_address, created_at"
    };
}

// The WHERE repeats the unprinted-letters index's own (plus what narrows it further), so SQLite
// reads only that index. Every statement below that picks unprinted letters does the same.
pub(crate) const SELECT_UNPRINTED_LETTER: &str = concat!(
    "SELECT ",
    message_columns!(),
    " FROM outbox WHERE fiscal_code = ? AND channel = 'letter' AND print_batch IS NULL AND status <> 'cancelled' \
     AND kind = 'pin_second_half' AND pin_half IS NOT NULL ORDER BY created_at DESC, id DESC LIMIT 1"
);

/// Puts the oldest unprinted letters into a batch, in one statement: SQLite runs one write at a
/// time, so two batches can never both take a letter.
pub(crate) const CLAIM_LETTERS: &str = concat!(
    "UPDATE outbox SET print_batch = ?, printed_at = ? WHERE id IN (\
     SELECT id FROM outbox WHERE channel = 'letter' AND print_batch IS NULL AND status <> 'cancelled' \
     AND +status = 'delivered' AND pin_half IS NOT NULL ORDER BY created_at, id LIMIT ?) RETURNING ",
    message_columns!()
);

pub(crate) const SELECT_BATCH: &str =
    concat!("SELECT ", message_columns!(), " FROM outbox WHERE print_batch = ? ORDER BY created_at, id");

/// Wipes the halves of a batch's letters (their PDF is written).
pub(crate) const CONFIRM_BATCH: &str =
    "UPDATE outbox SET pin_half = NULL WHERE print_batch = ? AND pin_half IS NOT NULL";

pub(crate) const SELECT_UNCONFIRMED_BATCHES: &str = "SELECT print_batch FROM outbox \
     WHERE print_batch IS NOT NULL AND pin_half IS NOT NULL GROUP BY print_batch ORDER BY min(printed_at), print_batch";

/// Takes the oldest due messages that no live lease holds, in one statement: two workers can
/// never both take a message, because SQLite runs one write at a time.
pub(crate) const CLAIM: &str = "UPDATE outbox SET claimed_by = ?, claimed_until = ? WHERE id IN (\
     SELECT id FROM outbox WHERE status = 'pending' AND next_attempt_at <= ? \
     AND (claimed_until IS NULL OR claimed_until <= ?) ORDER BY next_attempt_at, created_at, id LIMIT ?) \
     RETURNING id, channel, kind, recipient, fiscal_code, subject, body, pin_half, link, code, postal_address, \
     created_at, status, attempts, next_attempt_at";

/// Withdraws an unprinted letter: cancelled, its secrets wiped, released by any worker holding it.
/// A letter already in a print batch, already cancelled, or unknown is a `Conflict`.
pub(crate) async fn cancel_letter(conn: &mut SqliteConnection, id: Uuid) -> Result<(), StoreError> {
    let done = sqlx::query(
        "UPDATE outbox SET status = 'cancelled', pin_half = NULL, link = NULL, code = NULL, claimed_by = NULL, \
         claimed_until = NULL WHERE id = ? AND channel = 'letter' AND print_batch IS NULL AND status <> 'cancelled'",
    )
    .bind(uuid_text(id))
    .execute(conn)
    .await
    .map_err(store_error)?;
    if done.rows_affected() == 1 {
        Ok(())
    } else {
        Err(StoreError::Conflict("the letter is already printed or cancelled".to_owned()))
    }
}

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

fn message_from_row(row: &SqliteRow) -> Result<OutboundMessage, StoreError> {
    let c = Columns::new(row, "outbox");
    let postal_address = c
        .opt_text("postal_address")?
        .map(|json| serde_json::from_str(&json).map_err(|_| c.corrupt("postal_address")))
        .transpose()?;
    Ok(OutboundMessage {
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
    })
}

fn queued_from_row(row: &SqliteRow) -> Result<QueuedMessage, StoreError> {
    let c = Columns::new(row, "outbox");
    Ok(QueuedMessage {
        message: message_from_row(row)?,
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
        // A letter keeps its half until its print batch is confirmed. A letter cancelled while a
        // worker held it stays cancelled. The text of a message that carried a secret goes too.
        sqlx::query(
            "UPDATE outbox SET status = 'delivered', delivered_at = ?, \
             body = CASE WHEN channel <> 'letter' AND (pin_half IS NOT NULL OR link IS NOT NULL OR code IS NOT NULL) \
             THEN '(testo rimosso dopo la consegna)' ELSE body END, \
             pin_half = CASE WHEN channel = 'letter' THEN pin_half END, link = NULL, code = NULL, \
             claimed_by = NULL, claimed_until = NULL WHERE id = ? AND status <> 'cancelled'",
        )
        .bind(micros(at))
        .bind(uuid_text(id))
        .execute(&self.write)
        .await
        .map_err(store_error)?;
        self.scrub_wal().await
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

    async fn unprinted_letter(&self, code: &FiscalCode) -> Result<Option<OutboundMessage>, StoreError> {
        let row = sqlx::query(SELECT_UNPRINTED_LETTER)
            .bind(code.as_str())
            .fetch_optional(&self.read)
            .await
            .map_err(store_error)?;
        row.as_ref().map(message_from_row).transpose()
    }

    async fn claim_letters_for_print(
        &self,
        batch: &str,
        at: OffsetDateTime,
        limit: u32,
    ) -> Result<Vec<OutboundMessage>, StoreError> {
        let rows = sqlx::query(CLAIM_LETTERS)
            .bind(batch)
            .bind(micros(at))
            .bind(i64::from(limit))
            .fetch_all(&self.write)
            .await
            .map_err(store_error)?;
        let mut letters = rows.iter().map(message_from_row).collect::<Result<Vec<_>, _>>()?;
        // RETURNING comes in no promised order.
        letters.sort_by_key(|m| (m.created_at, m.id));
        Ok(letters)
    }

    async fn unconfirmed_print_batches(&self) -> Result<Vec<String>, StoreError> {
        sqlx::query_scalar(SELECT_UNCONFIRMED_BATCHES).fetch_all(&self.read).await.map_err(store_error)
    }

    async fn letters_of_batch(&self, batch: &str) -> Result<Vec<OutboundMessage>, StoreError> {
        let rows = sqlx::query(SELECT_BATCH).bind(batch).fetch_all(&self.read).await.map_err(store_error)?;
        rows.iter().map(message_from_row).collect()
    }

    async fn confirm_print_batch(&self, batch: &str) -> Result<(), StoreError> {
        sqlx::query(CONFIRM_BATCH).bind(batch).execute(&self.write).await.map_err(store_error)?;
        self.scrub_wal().await
    }

    async fn parked_messages(&self, limit: u32) -> Result<Vec<sigillo_domain::outbox::ParkedMessage>, StoreError> {
        self.parked(limit).await
    }

    async fn retry_parked(&self, id: Uuid, at: OffsetDateTime) -> Result<bool, StoreError> {
        self.retry(id, at).await
    }

    async fn discard_parked(&self, id: Uuid, reason: &str) -> Result<bool, StoreError> {
        self.discard(id, reason).await
    }

    async fn print_batches(&self, limit: u32) -> Result<Vec<sigillo_domain::outbox::PrintBatchSummary>, StoreError> {
        self.batches(limit).await
    }
}
