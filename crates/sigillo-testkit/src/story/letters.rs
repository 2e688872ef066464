//! Letters and their print batches. A letter keeps its half after delivery until its batch is
//! confirmed printed; until it is in a batch, fast activation may cancel it (then it is never
//! printed); once in a batch it can no longer be cancelled.

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic, reason = "test support: failing loudly is its job")]

use std::time::Duration;

use sigillo_domain::fiscal_code::FiscalCode;
use sigillo_domain::outbox::{Channel, MessageKind, OutboundMessage};
use sigillo_domain::store::{Changes, Store};
use uuid::Uuid;

use super::support::{assert_conflict, at, commit, event, letter, message, pending, registered, whole_audit};

const LEASE: Duration = Duration::from_secs(60);

async fn unprinted(store: &dyn Store, code: &FiscalCode) -> Option<OutboundMessage> {
    store.unprinted_letter(code).await.expect("unprinted_letter")
}

async fn print(store: &dyn Store, batch: &str, seconds: i64, limit: u32) -> Vec<OutboundMessage> {
    store.claim_letters_for_print(batch, at(seconds), limit).await.expect("claim_letters_for_print")
}

async fn batch(store: &dyn Store, batch: &str) -> Vec<OutboundMessage> {
    store.letters_of_batch(batch).await.expect("letters_of_batch")
}

async fn unconfirmed(store: &dyn Store) -> Vec<String> {
    let mut batches = store.unconfirmed_print_batches().await.expect("unconfirmed_print_batches");
    batches.sort();
    batches
}

/// The delivery worker's part: every due message handed over (a letter goes to the print queue,
/// keeping its half); only handed-over letters are printed. Returns them as they are now stored.
async fn hand_over(store: &dyn Store, seconds: i64) {
    for queued in store.claim_messages("worker", at(seconds), LEASE, 1000).await.expect("claim_messages") {
        store.mark_delivered(queued.message.id, at(seconds)).await.expect("mark_delivered");
    }
}

fn handed_over(messages: &[OutboundMessage]) -> Vec<OutboundMessage> {
    messages.iter().map(|m| OutboundMessage { link: None, code: None, ..m.clone() }).collect()
}

fn ids(messages: &[OutboundMessage]) -> Vec<Uuid> {
    messages.iter().map(|m| m.id).collect()
}

fn cancel(letters: &[Uuid]) -> Changes {
    Changes { cancel_letters: letters.to_vec(), ..Changes::default() }
}

/// Delivery wipes a letter's link and code but not its half: the letter is still unprinted and
/// fast activation can still find it. Printed, it is found no more and cannot be cancelled.
pub async fn delivered_letter_keeps_its_half_until_printed<S: Store + Clone + 'static>(store: &S) {
    let code = registered(store, 9001).await;
    let sms = message(code, MessageKind::PinFirstHalf, Channel::Sms, at(0));
    let second_half = letter(code, at(0));
    commit(store, Changes { messages: vec![sms.clone(), second_half.clone()], ..Changes::default() }, at(0)).await;
    assert_eq!(unprinted(store, &code).await, Some(second_half.clone()), "found with its half");

    assert_eq!(store.claim_messages("worker", at(1), LEASE, 10).await.expect("claim_messages").len(), 2);
    store.mark_delivered(sms.id, at(2)).await.expect("mark_delivered");
    store.mark_delivered(second_half.id, at(2)).await.expect("mark_delivered");
    let delivered = OutboundMessage { link: None, code: None, ..second_half.clone() };
    assert_eq!(unprinted(store, &code).await, Some(delivered.clone()), "delivered, the half stays until printed");
    assert_eq!(delivered.pin_half.as_deref(), Some("AB3D7FG9"));

    assert_eq!(print(store, "2026-03-02-a", 10, 10).await, vec![delivered.clone()], "printed with its half");
    assert_eq!(unprinted(store, &code).await, None, "a printed letter is not unprinted");
    assert_conflict(store.commit(cancel(&[second_half.id]), at(11)).await, "cancelling a printed letter");
    assert_eq!(batch(store, "2026-03-02-a").await, vec![delivered], "still in its batch, half and all");
}

/// An unprinted letter can be cancelled, once; then it is neither found nor printed. Cancelling a
/// printed, cancelled or unknown letter is a `Conflict` that stores nothing of its commit.
pub async fn cancelled_letter_is_never_printed<S: Store + Clone + 'static>(store: &S) {
    let code = registered(store, 9011).await;
    let other = registered(store, 9012).await;
    let older = letter(code, at(0));
    let newer = letter(code, at(5));
    let theirs = letter(other, at(3));
    // A letter of another kind is printed too, but holds no half to activate with.
    let outcome = message(code, MessageKind::UpgradeOutcome, Channel::Letter, at(8));
    let email = message(code, MessageKind::PinFirstHalf, Channel::Email, at(1));
    let messages = vec![older.clone(), newer.clone(), theirs.clone(), outcome.clone(), email.clone()];
    commit(store, Changes { messages, ..Changes::default() }, at(8)).await;
    assert_eq!(unprinted(store, &code).await, Some(newer.clone()), "the newest second-half letter");
    assert_eq!(unprinted(store, &other).await, Some(theirs.clone()));

    let changes = Changes {
        cancel_letters: vec![newer.id],
        audit: vec![event(at(10), "pin_activated", &code, Uuid::new_v4())],
        ..Changes::default()
    };
    commit(store, changes, at(10)).await;
    assert_eq!(unprinted(store, &code).await, Some(older.clone()), "the cancelled one is withdrawn");

    // Cancelled already, unknown, or not a letter: the whole commit is refused.
    let (pending_before, audit_before) = (pending(store).await, whole_audit(store).await.len());
    let refused = [(newer.id, "a cancelled letter"), (Uuid::new_v4(), "an unknown letter"), (email.id, "an e-mail")];
    for (id, what) in refused {
        let changes = Changes {
            cancel_letters: vec![older.id, id],
            messages: vec![message(code, MessageKind::PinSecondHalf, Channel::Sms, at(20))],
            audit: vec![event(at(20), "pin_activated", &code, Uuid::new_v4())],
            ..Changes::default()
        };
        assert_conflict(store.commit(changes, at(20)).await, what);
    }
    assert_eq!(unprinted(store, &code).await, Some(older.clone()), "the letter before it in the commit stays");
    assert_eq!(pending(store).await, pending_before, "no message of the refused commits");
    assert_eq!(whole_audit(store).await.len(), audit_before, "no audit entry of the refused commits");

    hand_over(store, 25).await;
    let printed = print(store, "batch-1", 30, 10).await;
    let expected = vec![older.id, theirs.id, outcome.id];
    assert_eq!(ids(&printed), expected, "every unprinted letter, oldest first, not the cancelled one");
    assert_eq!(unprinted(store, &code).await, None);
    assert!(print(store, "batch-2", 40, 10).await.is_empty(), "nothing left to print");
    assert_eq!(unconfirmed(store).await, vec!["batch-1".to_owned()]);
}

/// Letters are claimed into a batch oldest first, at most `limit`, each into one batch only; the
/// batch lists them with their halves until confirmed, then without (and is forgotten as unconfirmed).
pub async fn print_batches_are_confirmed<S: Store + Clone + 'static>(store: &S) {
    let code = registered(store, 9021).await;
    assert!(unconfirmed(store).await.is_empty(), "no batch yet");
    assert!(print(store, "empty", 0, 10).await.is_empty(), "nothing to print");
    let letters: Vec<_> = [4, 1, 3, 0, 2].into_iter().map(|i| letter(code, at(i))).collect();
    commit(store, Changes { messages: letters.clone(), ..Changes::default() }, at(5)).await;
    assert!(print(store, "too-early", 6, 10).await.is_empty(), "not handed over by the worker yet");
    hand_over(store, 7).await;
    let mut by_age = handed_over(&letters);
    by_age.sort_by_key(|m| m.created_at);

    let first = print(store, "batch-a", 10, 3).await;
    assert_eq!(first, by_age[..3].to_vec(), "oldest first, at most `limit`, with their halves");
    assert!(print(store, "batch-x", 11, 0).await.is_empty(), "limit 0 takes nothing");
    let second = print(store, "batch-b", 20, 10).await;
    assert_eq!(second, by_age[3..].to_vec(), "the rest");
    assert!(print(store, "batch-c", 30, 10).await.is_empty(), "a letter goes into one batch only");
    assert_eq!(unconfirmed(store).await, vec!["batch-a".to_owned(), "batch-b".to_owned()]);
    assert_eq!(batch(store, "batch-a").await, first, "before confirming: with halves");
    assert!(batch(store, "batch-a").await.iter().all(|m| m.pin_half.is_some()));
    assert!(batch(store, "no-such-batch").await.is_empty());

    store.confirm_print_batch("batch-a").await.expect("confirm_print_batch");
    let wiped: Vec<_> = first.iter().map(|m| OutboundMessage { pin_half: None, ..m.clone() }).collect();
    assert_eq!(batch(store, "batch-a").await, wiped, "confirmed: the halves are gone, the rest stays");
    assert_eq!(batch(store, "batch-b").await, second, "another batch keeps its halves");
    assert_eq!(unconfirmed(store).await, vec!["batch-b".to_owned()], "a confirmed batch is forgotten");

    store.confirm_print_batch("batch-b").await.expect("confirm_print_batch");
    store.confirm_print_batch("batch-b").await.expect("confirming twice is harmless");
    store.confirm_print_batch("no-such-batch").await.expect("confirming an unknown batch is harmless");
    assert!(unconfirmed(store).await.is_empty());
    assert!(batch(store, "batch-b").await.iter().all(|m| m.pin_half.is_none()));
    assert_eq!(unprinted(store, &code).await, None);
}

/// Printers claiming at once never put a letter in two batches, and together print them all.
pub async fn concurrent_print_claims_do_not_overlap<S: Store + Clone + 'static>(store: &S) {
    let code = registered(store, 9031).await;
    let letters: Vec<_> = (0..60).map(|i| letter(code, at(i))).collect();
    commit(store, Changes { messages: letters, ..Changes::default() }, at(60)).await;
    hand_over(store, 61).await;

    let tasks: Vec<_> = (0..6)
        .map(|p| {
            let store = store.clone();
            tokio::spawn(async move {
                let mut mine = Vec::new();
                for round in 0..5 {
                    let name = format!("printer-{p}-{round}");
                    let claimed = store.claim_letters_for_print(&name, at(100 + round), 3).await;
                    mine.push((name, ids(&claimed.expect("claim_letters_for_print"))));
                }
                mine
            })
        })
        .collect();
    let mut taken = Vec::new();
    for task in tasks {
        for (name, claimed) in task.await.expect("task") {
            assert_eq!(ids(&batch(store, &name).await), claimed, "a batch holds what its claim returned");
            taken.extend(claimed);
        }
    }
    let total = taken.len();
    taken.sort();
    taken.dedup();
    assert_eq!(taken.len(), total, "no letter in two batches");
    assert_eq!(total, 60, "six printers, five rounds of three: every letter once");
}

/// Print batches at a glance, newest first: how many letters, when claimed, whether confirmed.
pub async fn print_batch_summaries<S: Store + Clone + 'static>(store: &S) {
    let code = registered(store, 9031).await;
    assert!(store.print_batches(10).await.expect("print_batches").is_empty());
    let letters: Vec<_> = (0..5).map(|i| letter(code, at(i))).collect();
    commit(store, Changes { messages: letters, ..Changes::default() }, at(5)).await;
    hand_over(store, 7).await;
    assert_eq!(print(store, "batch-old", 10, 2).await.len(), 2);
    assert_eq!(print(store, "batch-new", 20, 10).await.len(), 3);
    store.confirm_print_batch("batch-old").await.expect("confirm");
    let summaries = store.print_batches(10).await.expect("print_batches");
    let seen: Vec<_> = summaries.iter().map(|b| (b.batch.as_str(), b.letters, b.claimed_at, b.confirmed)).collect();
    assert_eq!(seen, vec![("batch-new", 3, at(20), false), ("batch-old", 2, at(10), true)]);
    assert_eq!(store.print_batches(1).await.expect("print_batches").len(), 1);
}
