//! The delivery outbox: messages queued by a commit are claimed under a lease, delivered, retried
//! or parked. (That delivery wipes a message's secrets has no read-back in the trait: each store
//! crate checks it against its own table.)

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic, reason = "test support: failing loudly is its job")]

use std::time::Duration;

use sigillo_domain::outbox::{Channel, DeliveryStatus, MessageKind, OutboundMessage, OutboxStats, QueuedMessage};
use sigillo_domain::store::{Changes, Store};
use time::OffsetDateTime;
use uuid::Uuid;

use super::support::{at, commit, message, registered};

const LEASE: Duration = Duration::from_secs(60);

async fn claim(store: &dyn Store, worker: &str, now: OffsetDateTime, limit: u32) -> Vec<QueuedMessage> {
    store.claim_messages(worker, now, LEASE, limit).await.expect("claim_messages")
}

fn ids(claimed: &[QueuedMessage]) -> Vec<Uuid> {
    claimed.iter().map(|q| q.message.id).collect()
}

async fn stats(store: &dyn Store) -> OutboxStats {
    store.outbox_stats().await.expect("outbox_stats")
}

/// Three messages, one per channel type, queued by one commit.
async fn three_messages(store: &dyn Store, index: u64) -> [OutboundMessage; 3] {
    let code = registered(store, index).await;
    let messages = [
        message(code, MessageKind::PinFirstHalf, Channel::Sms, at(0)),
        message(code, MessageKind::PinSecondHalf, Channel::Letter, at(1)),
        message(code, MessageKind::RecoveryLink, Channel::Email, at(2)),
    ];
    commit(store, Changes { messages: messages.to_vec(), ..Changes::default() }, at(2)).await;
    messages
}

/// A claim takes due messages oldest first, exactly as queued; while a lease holds no other
/// worker gets the message; when it runs out (the worker died) the message is taken again.
pub async fn claims_hold_a_lease<S: Store + Clone + 'static>(store: &S) {
    assert_eq!(stats(store).await, OutboxStats::default(), "an empty outbox");
    let [m1, m2, m3] = three_messages(store, 4001).await;
    assert_eq!(stats(store).await, OutboxStats { pending: 3, parked: 0, oldest_pending_at: Some(at(0)) });

    let first = claim(store, "worker-a", at(10), 2).await;
    assert_eq!(ids(&first), vec![m1.id, m2.id], "oldest first, at most `limit`");
    for (claimed, queued) in first.iter().zip([&m1, &m2]) {
        assert_eq!(&claimed.message, queued, "the message round-trips with its secrets and address");
        assert_eq!((claimed.status, claimed.attempts), (DeliveryStatus::Pending, 0));
        assert!(claimed.next_attempt_at <= at(10), "a claimed message was due");
    }
    let second = claim(store, "worker-b", at(20), 10).await;
    assert_eq!(ids(&second), vec![m3.id], "held messages are skipped");
    assert_eq!(second[0].message, m3);
    assert!(claim(store, "worker-c", at(30), 10).await.is_empty(), "every message is held");

    // worker-a's lease ran out at 70, worker-b's holds until 80.
    assert_eq!(ids(&claim(store, "worker-c", at(71), 10).await), vec![m1.id, m2.id], "taken again after the lease");
    assert_eq!(ids(&claim(store, "worker-d", at(81), 10).await), vec![m3.id]);
    assert!(claim(store, "worker-d", at(82), 0).await.is_empty(), "limit 0 takes nothing");
    assert_eq!(stats(store).await.pending, 3, "claiming does not deliver");
}

/// Delivered messages are never claimed again; a failure with a retry time is due again then (the
/// failure releases the claim); a failure without one parks the message for an operator.
pub async fn delivery_retry_and_parking<S: Store + Clone + 'static>(store: &S) {
    let [m1, m2, m3] = three_messages(store, 4011).await;
    assert_eq!(claim(store, "worker-a", at(10), 10).await.len(), 3);

    store.mark_delivered(m1.id, at(11)).await.expect("mark_delivered");
    assert_eq!(stats(store).await, OutboxStats { pending: 2, parked: 0, oldest_pending_at: Some(at(1)) });

    store.mark_failed(m2.id, 1, Some(at(40)), "SMS gateway: 503 Service Unavailable").await.expect("mark_failed");
    assert_eq!(stats(store).await.pending, 2, "a message to retry is still pending");
    assert!(claim(store, "worker-b", at(30), 10).await.is_empty(), "not due before its retry time; m3 still held");
    let retried = claim(store, "worker-b", at(41), 10).await;
    assert_eq!(ids(&retried), vec![m2.id], "due at its retry time, inside worker-a's old lease");
    assert_eq!((retried[0].attempts, retried[0].next_attempt_at), (1, at(40)));
    assert_eq!(retried[0].message, m2, "a failed message keeps its content");

    store.mark_failed(m2.id, 2, None, "recipient unknown").await.expect("park");
    assert_eq!(stats(store).await, OutboxStats { pending: 1, parked: 1, oldest_pending_at: Some(at(2)) });

    // Long after every lease: only m3 is left to take.
    assert_eq!(ids(&claim(store, "worker-c", at(1_000), 10).await), vec![m3.id]);
    store.mark_delivered(m3.id, at(1_001)).await.expect("mark_delivered");
    assert_eq!(stats(store).await, OutboxStats { pending: 0, parked: 1, oldest_pending_at: None });
    assert!(claim(store, "worker-c", at(100_000), 10).await.is_empty(), "delivered and parked stay put");
}

/// Many workers claiming at once never take the same message twice.
pub async fn concurrent_claims_do_not_overlap<S: Store + Clone + 'static>(store: &S) {
    let code = registered(store, 4021).await;
    let messages: Vec<_> =
        (0..60).map(|i| message(code, MessageKind::ContactVerification, Channel::Email, at(i))).collect();
    commit(store, Changes { messages: messages.clone(), ..Changes::default() }, at(60)).await;

    let tasks: Vec<_> = (0..6)
        .map(|w| {
            let store = store.clone();
            tokio::spawn(async move {
                let mut mine = Vec::new();
                for round in 0..5 {
                    let batch = store.claim_messages(&format!("worker-{w}"), at(100 + round), LEASE, 3).await;
                    mine.extend(ids(&batch.expect("claim_messages")));
                }
                mine
            })
        })
        .collect();
    let mut taken = Vec::new();
    for task in tasks {
        taken.extend(task.await.expect("task"));
    }
    let total = taken.len();
    taken.sort();
    taken.dedup();
    assert_eq!(taken.len(), total, "no message was claimed twice");
    assert_eq!(total, 60, "six workers, five rounds of three: every message once");
}

/// Parked messages are listed without their secrets, put back in the queue, or discarded with a
/// reason (secrets wiped); only a parked message can be either.
pub async fn parked_messages_are_retried_or_discarded<S: Store + Clone + 'static>(store: &S) {
    let [m1, m2, m3] = three_messages(store, 4031).await;
    assert_eq!(claim(store, "worker-a", at(10), 10).await.len(), 3);
    store.mark_failed(m1.id, 10, None, "SMS gateway: number unknown").await.expect("park");
    store.mark_failed(m2.id, 10, None, "SMTP 550").await.expect("park");
    store.mark_delivered(m3.id, at(11)).await.expect("deliver");

    let parked = store.parked_messages(10).await.expect("parked_messages");
    assert_eq!(parked.iter().map(|p| p.id).collect::<Vec<_>>(), vec![m1.id, m2.id], "oldest first");
    assert_eq!(parked[0].attempts, 10);
    assert_eq!(parked[0].last_error.as_deref(), Some("SMS gateway: number unknown"));
    assert_eq!((parked[0].channel, parked[0].kind, parked[0].fiscal_code), (m1.channel, m1.kind, m1.fiscal_code));

    assert!(store.retry_parked(m1.id, at(100)).await.expect("retry"));
    assert!(!store.retry_parked(m1.id, at(100)).await.expect("retry"), "no longer parked");
    assert!(!store.retry_parked(m3.id, at(100)).await.expect("retry"), "a delivered message stays delivered");
    let again = claim(store, "worker-b", at(100), 10).await;
    assert_eq!(ids(&again), vec![m1.id], "back in the queue, due at once");
    assert_eq!((again[0].attempts, again[0].message.clone()), (0, m1.clone()), "attempts from zero, content kept");

    assert!(store.discard_parked(m2.id, "numero inesistente, verificato con il cittadino").await.expect("discard"));
    assert!(!store.discard_parked(m2.id, "again").await.expect("discard"), "discarded once");
    assert!(!store.discard_parked(m1.id, "not parked").await.expect("discard"));
    assert_eq!(store.parked_messages(10).await.expect("parked_messages"), vec![]);
    assert_eq!(stats(store).await.parked, 0);
    assert!(claim(store, "worker-c", at(100_000), 10).await.iter().all(|c| c.message.id != m2.id), "never sent");
}
