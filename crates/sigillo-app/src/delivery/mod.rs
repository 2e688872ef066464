//! Delivery: the worker that drains the transactional outbox (SPEC 6) into a [`Sink`].
//!
//! A use case queues its messages in the same transaction as the state change that needs them
//! ([`sigillo_domain::store::Changes::messages`]). A [`DeliveryWorker`] then claims due messages
//! with a lease ([`OutboxStore::claim_messages`]), hands each to the sink, and records the outcome:
//! delivered (the store wipes the half-PIN, link and code), retried later with back-off
//! ([`retry_delay`]), or parked for an operator after [`MAX_ATTEMPTS`] failed attempts (at once
//! when the failure is permanent, e.g. a letter without an address). Any number of workers, on any
//! number of nodes, can run side by side: a lease keeps a message with one worker, and a worker
//! that dies simply lets its leases run out.
//!
//! # Exactly once
//!
//! The database and the sink cannot share a transaction, so the worker delivers *at least* once
//! and the sink makes a repeat harmless. The window is the moment between a successful delivery
//! and [`OutboxStore::mark_delivered`]: a crash there, a database that is briefly unreachable, or a
//! lease that runs out under a very slow delivery, and the message is claimed and delivered again.
//!
//! The files sink ([`FilesSink`]) is idempotent by construction: a message's file is named after
//! its id (`mailbox/<channel>/<id>.json`, plus `<id>.pdf` for a letter), its content is a pure
//! function of the message, and it is written atomically (a uniquely named temporary file in the
//! same folder, `fsync`, `rename` over the final name, `fsync` of the folder). A redelivery
//! therefore rewrites the same file with the same bytes, a reader never sees half a file, and the
//! mailbox never holds a message twice, even with two workers writing it at the same moment. A
//! letter's PDF is written before its JSON, so a JSON file always has its PDF beside it.
//!
//! A real SMS, e-mail or PEC gateway gets the same guarantee by passing the message id as the
//! gateway's idempotency key (or the SMTP `Message-ID`), so that the provider drops a repeat.
//!
//! Errors never carry a half-PIN, link or code: [`DeliveryError`]'s text is logged and stored with
//! the failed attempt, so sinks build it from the message id, channel and their own diagnostics only.

mod files;

#[cfg(test)]
mod tests;

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use sigillo_domain::outbox::{MAX_ATTEMPTS, OutboundMessage, QueuedMessage, retry_delay};
use sigillo_domain::store::{OutboxStore, StoreError};
use time::OffsetDateTime;
use tokio::sync::watch;
use tokio::time::Instant;
use uuid::Uuid;

pub use files::{FilesSink, MailboxEntry, list_mailbox};

/// Where delivered messages go: the demo mailbox, or a real channel.
///
/// A sink must be idempotent per message id (see the module documentation): the worker may hand it
/// the same message again after a crash or a lost acknowledgement.
#[async_trait]
pub trait Sink: Send + Sync {
    async fn deliver(&self, message: &OutboundMessage) -> Result<(), DeliveryError>;
}

/// Why a delivery failed. The text never contains a half-PIN, link or code.
#[derive(Debug, thiserror::Error)]
pub enum DeliveryError {
    /// Writing the message failed (disk full, permissions…); retried later.
    #[error("cannot write the message: {0}")]
    Io(#[from] std::io::Error),
    /// The channel or gateway is unreachable or refused the message for now; retried later.
    /// The text is the gateway's diagnostic, never the message content.
    #[error("channel unavailable: {0}")]
    Unavailable(String),
    /// The channel did not answer within the worker's time limit; retried later.
    #[error("delivery timed out after {0:?}")]
    TimedOut(Duration),
    /// The message can never be delivered as it is (a letter without a postal address or half-PIN);
    /// parked at once for an operator.
    #[error("message cannot be delivered: {0}")]
    Invalid(&'static str),
}

impl DeliveryError {
    /// Whether retrying is pointless: the message is parked at once.
    pub fn is_permanent(&self) -> bool {
        matches!(self, DeliveryError::Invalid(_))
    }
}

/// Pause after a store error before trying again.
const STORE_BACKOFF: Duration = Duration::from_secs(3);

/// Drains the outbox into a sink. Cheap to build; run one or more per node.
pub struct DeliveryWorker {
    store: Arc<dyn OutboxStore>,
    sink: Arc<dyn Sink>,
    worker_id: String,
    lease: Duration,
    batch: u32,
    idle_wait: Duration,
}

impl DeliveryWorker {
    /// A worker with a fresh random id, a 2-minute lease, batches of 20 and a 250 ms idle wait.
    pub fn new(store: Arc<dyn OutboxStore>, sink: Arc<dyn Sink>) -> DeliveryWorker {
        DeliveryWorker {
            store,
            sink,
            worker_id: format!("delivery-{}", Uuid::new_v4()),
            lease: Duration::from_secs(120),
            batch: 20,
            idle_wait: Duration::from_millis(250),
        }
    }

    /// How long a claimed batch stays with this worker. Each delivery may take at most a quarter
    /// of it, and the worker stops starting new deliveries once half of it is gone, so a batch is
    /// normally done well before another worker may claim it again.
    pub fn with_lease(mut self, lease: Duration) -> DeliveryWorker {
        self.lease = lease.max(Duration::from_millis(4));
        self
    }

    /// How many messages one claim takes (at least 1).
    pub fn with_batch(mut self, batch: u32) -> DeliveryWorker {
        self.batch = batch.max(1);
        self
    }

    /// How long to sleep when nothing was due.
    pub fn with_idle_wait(mut self, idle_wait: Duration) -> DeliveryWorker {
        self.idle_wait = idle_wait;
        self
    }

    /// The id this worker claims messages under (random, no host name).
    pub fn worker_id(&self) -> &str {
        &self.worker_id
    }

    /// Claims one batch due at `now` and delivers it; returns how many messages were handled
    /// (delivered, rescheduled or parked). A store error stops the batch: the messages left
    /// unhandled go back to the queue when their lease runs out.
    pub async fn run_once(&self, now: OffsetDateTime) -> Result<usize, StoreError> {
        let started = Instant::now();
        let claimed = self.store.claim_messages(&self.worker_id, now, self.lease, self.batch).await?;
        let per_delivery = self.lease / 4;
        let mut handled = 0;
        for queued in claimed {
            if started.elapsed() >= self.lease / 2 {
                // Too little lease left to be sure of finishing: leave the rest to the next claim.
                tracing::debug!(worker = %self.worker_id, "lease half used; leaving the rest of the batch");
                break;
            }
            let outcome = match tokio::time::timeout(per_delivery, self.sink.deliver(&queued.message)).await {
                Ok(result) => result,
                Err(_) => Err(DeliveryError::TimedOut(per_delivery)),
            };
            let at = truncate_micros(now + started.elapsed());
            self.record(&queued, outcome, at).await?;
            handled += 1;
        }
        Ok(handled)
    }

    async fn record(
        &self,
        queued: &QueuedMessage,
        outcome: Result<(), DeliveryError>,
        at: OffsetDateTime,
    ) -> Result<(), StoreError> {
        let message = &queued.message;
        let channel = message.channel.as_str();
        match outcome {
            Ok(()) => {
                self.store.mark_delivered(message.id, at).await?;
                let latency = (at - message.created_at).as_seconds_f64().max(0.0);
                metrics::counter!("sigillo_deliveries_total", "channel" => channel, "outcome" => "delivered")
                    .increment(1);
                metrics::histogram!("sigillo_delivery_latency_seconds", "channel" => channel).record(latency);
                tracing::info!(
                    message_id = %message.id, channel, kind = message.kind.as_str(),
                    attempts = queued.attempts, latency_seconds = latency, "message delivered"
                );
            }
            Err(error) => {
                let attempts = queued.attempts.saturating_add(1);
                let park = attempts >= MAX_ATTEMPTS || error.is_permanent();
                let retry_at = (!park).then(|| at + retry_delay(attempts));
                self.store.mark_failed(message.id, attempts, retry_at, &error.to_string()).await?;
                let outcome = if park { "parked" } else { "retry" };
                metrics::counter!("sigillo_deliveries_total", "channel" => channel, "outcome" => outcome).increment(1);
                if park {
                    tracing::error!(
                        message_id = %message.id, channel, kind = message.kind.as_str(), attempts,
                        error = %error, "delivery failed; message parked for an operator"
                    );
                } else {
                    tracing::warn!(
                        message_id = %message.id, channel, kind = message.kind.as_str(), attempts,
                        error = %error, "delivery failed; will retry"
                    );
                }
            }
        }
        Ok(())
    }

    /// Delivers until `shutdown` turns `true` (or its sender is dropped). A full batch is followed
    /// at once by the next claim; otherwise the worker sleeps `idle_wait`; after a store error it
    /// logs it and backs off a few seconds. Shutdown takes effect between batches, so a batch in
    /// progress is finished (and recorded) first.
    pub async fn run(self, mut shutdown: watch::Receiver<bool>) {
        tracing::info!(worker = %self.worker_id, "delivery worker started");
        loop {
            if *shutdown.borrow_and_update() {
                break;
            }
            let wait = match self.run_once(now_micros()).await {
                Ok(handled) if handled >= self.batch as usize => None,
                Ok(_) => Some(self.idle_wait),
                Err(error) => {
                    tracing::warn!(worker = %self.worker_id, error = %error, "outbox unavailable; backing off");
                    Some(STORE_BACKOFF)
                }
            };
            match wait {
                None => tokio::task::yield_now().await,
                Some(wait) => {
                    tokio::select! {
                        () = tokio::time::sleep(wait) => {}
                        changed = shutdown.changed() => {
                            if changed.is_err() {
                                break;
                            }
                        }
                    }
                }
            }
        }
        tracing::info!(worker = %self.worker_id, "delivery worker stopped");
    }
}

/// Sets the outbox gauges from [`OutboxStore::outbox_stats`]: `sigillo_outbox_pending`,
/// `sigillo_outbox_parked` and `sigillo_outbox_oldest_pending_age_seconds` (0 when nothing is
/// pending). A store error is logged and leaves the gauges as they were.
pub async fn record_outbox_gauges(store: &dyn OutboxStore) {
    match store.outbox_stats().await {
        Ok(stats) => {
            let age = stats.oldest_pending_at.map_or(0.0, |oldest| (now_micros() - oldest).as_seconds_f64().max(0.0));
            metrics::gauge!("sigillo_outbox_pending").set(stats.pending as f64);
            metrics::gauge!("sigillo_outbox_parked").set(stats.parked as f64);
            metrics::gauge!("sigillo_outbox_oldest_pending_age_seconds").set(age);
        }
        Err(error) => tracing::warn!(error = %error, "cannot read outbox statistics"),
    }
}

/// Registers the delivery metrics' descriptions with the installed recorder (call once at start).
pub fn describe_metrics() {
    metrics::describe_counter!(
        "sigillo_deliveries_total",
        "Delivery attempts by channel and outcome (delivered, retry, parked)."
    );
    metrics::describe_histogram!(
        "sigillo_delivery_latency_seconds",
        metrics::Unit::Seconds,
        "Time from queuing a message to its delivery."
    );
    metrics::describe_gauge!("sigillo_outbox_pending", "Messages waiting for delivery.");
    metrics::describe_gauge!("sigillo_outbox_parked", "Messages parked for an operator after failing.");
    metrics::describe_gauge!(
        "sigillo_outbox_oldest_pending_age_seconds",
        metrics::Unit::Seconds,
        "Age of the oldest message waiting for delivery."
    );
}

/// The current time in UTC, truncated to microseconds (what both databases store).
pub fn now_micros() -> OffsetDateTime {
    truncate_micros(OffsetDateTime::now_utc())
}

fn truncate_micros(at: OffsetDateTime) -> OffsetDateTime {
    at.replace_nanosecond(at.nanosecond() / 1_000 * 1_000).unwrap_or(at)
}
