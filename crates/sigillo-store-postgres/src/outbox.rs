//! The delivery outbox on PostgreSQL.
//!
//! Workers on any node claim due messages with `FOR UPDATE SKIP LOCKED`: two claims running at
//! once lock disjoint rows, and a claim that starts after another committed re-checks the lease on
//! the row's new version, so no message is held by two workers while a lease runs.
//!
//! Letters are also printed, in batches: a batch claims the letters in no batch yet, again with
//! `FOR UPDATE SKIP LOCKED`, so two nodes never put a letter into two batches; a letter keeps its
//! half until its batch is confirmed written, and once in a batch it can no longer be withdrawn by
//! fast activation (the withdrawal and the claim lock the same row, and each re-checks the other's
//! mark on it).

use std::time::Duration;

use async_trait::async_trait;
use sigillo_domain::fiscal_code::FiscalCode;
use sigillo_domain::outbox::{
    Channel, DeliveryStatus, MessageKind, OutboundMessage, OutboxStats, PostalAddress, QueuedMessage,
};
use sigillo_domain::store::{OutboxStore, StoreError};
use sqlx::postgres::PgRow;
use sqlx::{PgConnection, Row};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::PostgresStore;
use crate::error::{corrupt_in, store_error, write_error};
use crate::row::{Columns, int4, limit};

/// All the messages of a commit in one statement, one array per column. A message is due as soon
/// as it is created.
const INSERT: &str = "\
INSERT INTO outbox (id, channel, kind, recipient, fiscal_code, subject, body, pin_half, link, code, postal_address,
    created_at, next_attempt_at)
SELECT id, channel, kind, recipient, fiscal_code, subject, body, pin_half, link, code, postal_address::jsonb,
    created_at, created_at
FROM UNNEST($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[],
    $9::text[], $10::text[], $11::text[], $12::timestamptz[])
    AS m(id, channel, kind, recipient, fiscal_code, subject, body, pin_half, link, code, postal_address, created_at)";

/// The columns of a message, as [`message_from_row`] reads them.
macro_rules! message_columns {
    () => {
        "id, queued_seq, channel, kind, recipient, fiscal_code, subject, body, pin_half, link, code, \
         postal_address::text AS postal_address, created_at"
    };
}

/// A lease runs until `claimed_until`, exclusive: from that instant the message may be taken again.
/// The inner SELECT walks `outbox_due` in queue order and skips rows another claim holds locked.
pub(crate) const CLAIM: &str = concat!(
    "UPDATE outbox SET claimed_by = $1, claimed_until = $3 \
     WHERE id IN ( \
         SELECT id FROM outbox \
         WHERE status = 'pending' AND next_attempt_at <= $2 AND (claimed_until IS NULL OR claimed_until <= $2) \
         ORDER BY next_attempt_at, queued_seq \
         LIMIT $4 \
         FOR UPDATE SKIP LOCKED) \
     RETURNING ",
    message_columns!(),
    ", status, attempts, next_attempt_at"
);

/// The secrets go as the message goes out (with the text that quoted them), but a letter keeps its half until it is printed (wiped by
/// [`CONFIRM_BATCH`]; the table's CHECK refuses any other delivered row that keeps a secret). A
/// withdrawn letter stays withdrawn.
const MARK_DELIVERED: &str = "\
UPDATE outbox SET status = 'delivered', delivered_at = $2,
    body = CASE WHEN channel <> 'letter' AND (pin_half IS NOT NULL OR link IS NOT NULL OR code IS NOT NULL)
        THEN '(testo rimosso dopo la consegna)' ELSE body END,
    pin_half = CASE WHEN channel = 'letter' THEN pin_half END, link = NULL, code = NULL,
    claimed_by = NULL, claimed_until = NULL
WHERE id = $1 AND status <> 'cancelled'";

/// Only a pending message: a failure reported late never revives a delivered or cancelled one.
const MARK_FAILED: &str = "\
UPDATE outbox SET attempts = $2,
    status = CASE WHEN $3::timestamptz IS NULL THEN 'parked' ELSE 'pending' END,
    next_attempt_at = COALESCE($3::timestamptz, next_attempt_at),
    last_error = $4, claimed_by = NULL, claimed_until = NULL
WHERE id = $1 AND status = 'pending'";

/// Each figure from its own partial index: the queue's size, not the history's.
const STATS: &str = "\
SELECT (SELECT count(*) FROM outbox WHERE status = 'pending') AS pending,
       (SELECT count(*) FROM outbox WHERE status = 'parked') AS parked,
       (SELECT min(created_at) FROM outbox WHERE status = 'pending') AS oldest_pending_at";

/// Withdraws one letter if it is still in no batch and not withdrawn already. Run while a batch is
/// claiming it, it waits for the claim and then finds the letter in a batch: nothing is withdrawn.
pub(crate) const CANCEL_LETTER: &str = "\
UPDATE outbox SET status = 'cancelled', pin_half = NULL, link = NULL, code = NULL, claimed_by = NULL,
    claimed_until = NULL
WHERE id = $1 AND channel = 'letter' AND print_batch IS NULL AND status <> 'cancelled'";

/// The predicate repeats `outbox_unprinted_letters_by_fiscal_code`'s; a citizen has one or two.
pub(crate) const UNPRINTED_LETTER: &str = concat!(
    "SELECT ",
    message_columns!(),
    " FROM outbox WHERE fiscal_code = $1 AND channel = 'letter' AND print_batch IS NULL AND status <> 'cancelled' \
     AND kind = 'pin_second_half' AND pin_half IS NOT NULL \
     ORDER BY created_at DESC, queued_seq DESC LIMIT 1"
);

/// The inner SELECT walks `outbox_unprinted_letters` oldest first and skips the letters another
/// claim (or a withdrawal, or a delivery worker's claim) holds locked: they go into a later batch.
/// A letter locked by a claim that then commits is re-checked on its new version and left out.
///
/// `= ANY(ARRAY(…))` rather than `IN (…)`: the claimed ids become one array, and the update finds
/// them through the primary key. With `IN`, PostgreSQL may join instead, and it overestimates the
/// unprinted letters (most messages are no letters, and have no batch either): with a large limit
/// it would hash-join against a scan of the whole outbox.
pub(crate) const CLAIM_FOR_PRINT: &str = concat!(
    "UPDATE outbox SET print_batch = $1, printed_at = $2 \
     WHERE id = ANY(ARRAY( \
         SELECT id FROM outbox WHERE channel = 'letter' AND print_batch IS NULL AND status <> 'cancelled' \
         AND status = 'delivered' AND pin_half IS NOT NULL \
         ORDER BY created_at, queued_seq \
         LIMIT $3 \
         FOR UPDATE SKIP LOCKED)) \
     RETURNING ",
    message_columns!()
);

/// Through `outbox_unconfirmed_print_batches`, which holds only the letters still keeping a half.
pub(crate) const UNCONFIRMED_BATCHES: &str = "\
SELECT print_batch FROM outbox WHERE print_batch IS NOT NULL AND pin_half IS NOT NULL
GROUP BY print_batch ORDER BY min(printed_at), print_batch";

/// Through `outbox_print_batches`, in page order.
pub(crate) const LETTERS_OF_BATCH: &str =
    concat!("SELECT ", message_columns!(), " FROM outbox WHERE print_batch = $1 ORDER BY created_at, queued_seq");

/// The batch is on paper (or safely in its PDF): its halves go.
pub(crate) const CONFIRM_BATCH: &str =
    "UPDATE outbox SET pin_half = NULL WHERE print_batch = $1 AND pin_half IS NOT NULL";

/// An error text is kept for operators, bounded.
const MAX_ERROR_CHARS: usize = 2_000;

/// Queues `messages` (one statement, whatever their number).
pub(crate) async fn enqueue(conn: &mut PgConnection, messages: &[OutboundMessage]) -> Result<(), StoreError> {
    if messages.is_empty() {
        return Ok(());
    }
    let n = messages.len();
    let (mut ids, mut channels, mut kinds, mut recipients, mut codes) = (
        Vec::with_capacity(n),
        Vec::with_capacity(n),
        Vec::with_capacity(n),
        Vec::with_capacity(n),
        Vec::with_capacity(n),
    );
    let (mut subjects, mut bodies, mut halves, mut links, mut otps, mut addresses, mut created) = (
        Vec::with_capacity(n),
        Vec::with_capacity(n),
        Vec::with_capacity(n),
        Vec::with_capacity(n),
        Vec::with_capacity(n),
        Vec::with_capacity(n),
        Vec::with_capacity(n),
    );
    for m in messages {
        ids.push(m.id);
        channels.push(m.channel.as_str());
        kinds.push(m.kind.as_str());
        recipients.push(m.recipient.as_str());
        codes.push(m.fiscal_code.as_str());
        subjects.push(m.subject.as_deref());
        bodies.push(m.body.as_str());
        halves.push(m.pin_half.as_deref());
        links.push(m.link.as_deref());
        otps.push(m.code.as_deref());
        let address = m.postal_address.as_ref().map(serde_json::to_string).transpose();
        addresses.push(address.map_err(|_| StoreError::Other("a postal address does not serialise".to_owned()))?);
        created.push(m.created_at);
    }
    sqlx::query(INSERT)
        .bind(ids)
        .bind(channels)
        .bind(kinds)
        .bind(recipients)
        .bind(codes)
        .bind(subjects)
        .bind(bodies)
        .bind(halves)
        .bind(links)
        .bind(otps)
        .bind(addresses)
        .bind(created)
        .execute(conn)
        .await
        .map_err(store_error)?;
    Ok(())
}

fn message_from_row(row: &PgRow) -> Result<OutboundMessage, StoreError> {
    let c = Columns::new(row, "outbox");
    let address: Option<String> = c.get("postal_address")?;
    let postal_address = address
        .map(|json| serde_json::from_str::<PostalAddress>(&json))
        .transpose()
        .map_err(|_| corrupt_in("outbox", "postal_address"))?;
    Ok(OutboundMessage {
        id: c.get("id")?,
        channel: c.parse("channel", Channel::parse)?,
        kind: c.parse("kind", MessageKind::parse)?,
        recipient: c.get("recipient")?,
        fiscal_code: c.fiscal_code("fiscal_code")?,
        subject: c.get("subject")?,
        body: c.get("body")?,
        pin_half: c.get("pin_half")?,
        link: c.get("link")?,
        code: c.get("code")?,
        postal_address,
        created_at: c.get("created_at")?,
    })
}

fn queued_from_row(row: &PgRow) -> Result<QueuedMessage, StoreError> {
    let c = Columns::new(row, "outbox");
    Ok(QueuedMessage {
        message: message_from_row(row)?,
        status: c.parse("status", DeliveryStatus::parse)?,
        attempts: c.count("attempts")?,
        next_attempt_at: c.get("next_attempt_at")?,
    })
}

/// Letters as returned by [`CLAIM_FOR_PRINT`], put back in page order (RETURNING keeps none).
fn letters_in_order(rows: &[PgRow]) -> Result<Vec<OutboundMessage>, StoreError> {
    let mut letters = Vec::with_capacity(rows.len());
    for row in rows {
        let seq: i64 = row.try_get("queued_seq").map_err(|_| corrupt_in("outbox", "queued_seq"))?;
        letters.push((seq, message_from_row(row)?));
    }
    letters.sort_by(|(a_seq, a), (b_seq, b)| a.created_at.cmp(&b.created_at).then(a_seq.cmp(b_seq)));
    Ok(letters.into_iter().map(|(_, letter)| letter).collect())
}

/// Withdraws `letters` (in id order, so that concurrent commits lock rows in one order). A letter
/// already in a print batch, already withdrawn, or not a letter at all fails the commit.
pub(crate) async fn cancel_letters(conn: &mut PgConnection, letters: &[Uuid]) -> Result<(), StoreError> {
    let mut ids = letters.to_vec();
    ids.sort_unstable();
    ids.dedup();
    for id in ids {
        let done = sqlx::query(CANCEL_LETTER).bind(id).execute(&mut *conn).await.map_err(write_error)?;
        if done.rows_affected() != 1 {
            return Err(StoreError::Conflict(format!("letter {id} is printed or withdrawn already")));
        }
    }
    Ok(())
}

/// The first `max` characters of `text`.
fn bounded(text: &str, max: usize) -> &str {
    text.char_indices().nth(max).map_or(text, |(end, _)| &text[..end])
}

#[async_trait]
impl OutboxStore for PostgresStore {
    async fn claim_messages(
        &self,
        worker: &str,
        now: OffsetDateTime,
        lease: Duration,
        max: u32,
    ) -> Result<Vec<QueuedMessage>, StoreError> {
        if max == 0 {
            return Ok(Vec::new());
        }
        let until = time::Duration::try_from(lease)
            .ok()
            .and_then(|lease| now.checked_add(lease))
            .ok_or_else(|| StoreError::Other("lease out of range".to_owned()))?;
        let rows = sqlx::query(CLAIM)
            .bind(worker)
            .bind(now)
            .bind(until)
            .bind(limit(max))
            .fetch_all(&self.pool)
            .await
            .map_err(store_error)?;
        // RETURNING keeps no order: put the messages back in queue order.
        let mut claimed = Vec::with_capacity(rows.len());
        for row in &rows {
            let seq: i64 = row.try_get("queued_seq").map_err(|_| corrupt_in("outbox", "queued_seq"))?;
            claimed.push((seq, queued_from_row(row)?));
        }
        claimed.sort_by(|(a_seq, a), (b_seq, b)| a.next_attempt_at.cmp(&b.next_attempt_at).then(a_seq.cmp(b_seq)));
        Ok(claimed.into_iter().map(|(_, message)| message).collect())
    }

    async fn mark_delivered(&self, id: Uuid, at: OffsetDateTime) -> Result<(), StoreError> {
        sqlx::query(MARK_DELIVERED).bind(id).bind(at).execute(&self.pool).await.map_err(store_error)?;
        Ok(())
    }

    async fn mark_failed(
        &self,
        id: Uuid,
        attempts: u32,
        retry_at: Option<OffsetDateTime>,
        error: &str,
    ) -> Result<(), StoreError> {
        sqlx::query(MARK_FAILED)
            .bind(id)
            .bind(int4(attempts))
            .bind(retry_at)
            .bind(bounded(error, MAX_ERROR_CHARS))
            .execute(&self.pool)
            .await
            .map_err(store_error)?;
        Ok(())
    }

    async fn unprinted_letter(&self, code: &FiscalCode) -> Result<Option<OutboundMessage>, StoreError> {
        let row =
            sqlx::query(UNPRINTED_LETTER).bind(code.as_str()).fetch_optional(&self.pool).await.map_err(store_error)?;
        row.as_ref().map(message_from_row).transpose()
    }

    async fn claim_letters_for_print(
        &self,
        batch: &str,
        at: OffsetDateTime,
        max: u32,
    ) -> Result<Vec<OutboundMessage>, StoreError> {
        if max == 0 {
            return Ok(Vec::new());
        }
        let rows = sqlx::query(CLAIM_FOR_PRINT)
            .bind(batch)
            .bind(at)
            .bind(limit(max))
            .fetch_all(&self.pool)
            .await
            .map_err(store_error)?;
        letters_in_order(&rows)
    }

    async fn unconfirmed_print_batches(&self) -> Result<Vec<String>, StoreError> {
        sqlx::query_scalar(UNCONFIRMED_BATCHES).fetch_all(&self.pool).await.map_err(store_error)
    }

    async fn letters_of_batch(&self, batch: &str) -> Result<Vec<OutboundMessage>, StoreError> {
        let rows = sqlx::query(LETTERS_OF_BATCH).bind(batch).fetch_all(&self.pool).await.map_err(store_error)?;
        rows.iter().map(message_from_row).collect()
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

    async fn confirm_print_batch(&self, batch: &str) -> Result<(), StoreError> {
        sqlx::query(CONFIRM_BATCH).bind(batch).execute(&self.pool).await.map_err(store_error)?;
        Ok(())
    }

    async fn outbox_stats(&self) -> Result<OutboxStats, StoreError> {
        let row = sqlx::query(STATS).fetch_one(&self.pool).await.map_err(store_error)?;
        let c = Columns::new(&row, "outbox");
        let count = |column: &str| {
            let n: i64 = c.get(column)?;
            u64::try_from(n).map_err(|_| corrupt_in("outbox", column))
        };
        Ok(OutboxStats {
            pending: count("pending")?,
            parked: count("parked")?,
            oldest_pending_at: c.get("oldest_pending_at")?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::bounded;

    #[test]
    fn bounded_cuts_on_characters() {
        assert_eq!(bounded("àèìòù", 2), "àè");
        assert_eq!(bounded("abc", 10), "abc");
    }
}
