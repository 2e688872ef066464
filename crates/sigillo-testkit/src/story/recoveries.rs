//! Recovery links: stored by a commit (with the credential they recover, if new), found by the
//! hash of their token only, and updated with optimistic versions like credentials, so that one
//! link can be used once even by concurrent confirmations.

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic, reason = "test support: failing loudly is its job")]

use sigillo_domain::contact::ContactKind;
use sigillo_domain::credential::Credential;
use sigillo_domain::outbox::{Channel, MessageKind};
use sigillo_domain::recovery::Recovery;
use sigillo_domain::session::token_hash;
use sigillo_domain::store::{Changes, Store};

use super::support::{
    assert_conflict, at, by_id, commit, contact, event, half_hash, issued, message, pending, pin_hash, recovery,
    registered, whole_audit,
};

async fn find(store: &dyn Store, token: &str) -> Option<Recovery> {
    store.recovery_by_token_hash(&token_hash(token)).await.expect("recovery_by_token_hash")
}

/// A link round-trips with every field, found by its token's hash only; a commit may store the
/// credential and its link together (credentials come first).
pub async fn recovery_round_trip<S: Store + Clone + 'static>(store: &S) {
    let code = registered(store, 7001).await;
    let credential = issued(code, at(0));
    let link = recovery(&credential, "recovery-token-one", at(5));
    let used = Recovery {
        attempts: 2,
        used_at: Some(at(7)),
        version: 4,
        mobile: "+393471112233".to_owned(),
        email: "m.rossi+recupero@example.it".to_owned(),
        ..recovery(&credential, "recovery-token-two", at(6))
    };
    let changes = Changes {
        insert_credentials: vec![credential.clone()],
        insert_recoveries: vec![link.clone(), used.clone()],
        messages: vec![message(code, MessageKind::RecoveryLink, Channel::Email, at(5))],
        audit: vec![event(at(5), "recovery_requested", &code, credential.id)],
        ..Changes::default()
    };
    commit(store, changes, at(5)).await;

    assert_eq!(find(store, "recovery-token-one").await, Some(link), "exactly as written");
    assert_eq!(find(store, "recovery-token-two").await, Some(used), "stored with the version it carries");
    assert_eq!(find(store, "recovery-token-three").await, None);
    let raw = store.recovery_by_token_hash("recovery-token-one").await.expect("lookup");
    assert_eq!(raw, None, "lookups are by hash, never by token");
}

/// Each update bumps the version; one computed from an older version is a `Conflict` that stores
/// nothing of its commit (credentials updated and inserted before it, contacts, messages, audit).
pub async fn recovery_updates_compare_and_swap<S: Store + Clone + 'static>(store: &S) {
    let code = registered(store, 7011).await;
    let bystander = registered(store, 7012).await;
    let credential = issued(code, at(0));
    let link = recovery(&credential, "cas-token", at(0));
    let changes = Changes {
        insert_credentials: vec![credential.clone()],
        insert_recoveries: vec![link.clone()],
        ..Changes::default()
    };
    commit(store, changes, at(0)).await;

    // A wrong code: one attempt more.
    let wrong = Recovery { attempts: 1, ..link.clone() };
    commit(store, Changes { update_recoveries: vec![wrong.clone()], ..Changes::default() }, at(10)).await;
    let stored = find(store, "cas-token").await.expect("stored");
    assert_eq!(stored, Recovery { version: 1, ..wrong.clone() });

    // A stale writer (still at version 0) loses with everything of its commit.
    let (pending_before, audit_before) = (pending(store).await, whole_audit(store).await.len());
    let mut recovered = credential.clone();
    recovered.note = Some("ripristinato".to_owned());
    let newcomer = issued(bystander, at(20));
    let stale = Recovery { used_at: Some(at(20)), ..link.clone() };
    let changes = Changes {
        update_credentials: vec![recovered],
        insert_credentials: vec![newcomer.clone()],
        update_recoveries: vec![stale],
        save_contacts: vec![contact(code, ContactKind::Email, "x@example.it", at(20))],
        messages: vec![message(code, MessageKind::PinFirstHalf, Channel::Sms, at(20))],
        audit: vec![event(at(20), "pin_recovered", &code, credential.id)],
        ..Changes::default()
    };
    assert_conflict(store.commit(changes, at(20)).await, "a recovery update from a stale version");
    assert_eq!(find(store, "cas-token").await, Some(stored.clone()), "the link is unchanged");
    assert_eq!(by_id(store, credential.id).await, Some(credential.clone()), "the credential update is rolled back");
    assert_eq!(by_id(store, newcomer.id).await, None, "the credential insert is rolled back");
    assert_eq!(store.contacts_of(&code).await.expect("contacts_of"), Vec::new(), "the contact is rolled back");
    assert_eq!(pending(store).await, pending_before, "the message is rolled back");
    assert_eq!(whole_audit(store).await.len(), audit_before, "the audit entry is rolled back");

    // Used from the current version: the credential gets a new PIN in the same commit.
    let used = Recovery { used_at: Some(at(30)), ..stored.clone() };
    let mut renewed = credential.clone();
    renewed.issue_first_access(pin_hash(9), half_hash(9), at(30)).expect("issued");
    let changes = Changes {
        update_credentials: vec![renewed.clone()],
        update_recoveries: vec![used.clone()],
        ..Changes::default()
    };
    commit(store, changes, at(30)).await;
    assert_eq!(find(store, "cas-token").await, Some(Recovery { version: 2, ..used.clone() }));
    assert_eq!(by_id(store, credential.id).await, Some(Credential { version: 1, ..renewed }));

    // An update of a link never stored, and the same link twice in one commit, conflict too.
    let ghost = recovery(&credential, "ghost-token", at(40));
    let result = store.commit(Changes { update_recoveries: vec![ghost], ..Changes::default() }, at(40)).await;
    assert_conflict(result, "an update of an unknown recovery");
    let current = Recovery { version: 2, ..used };
    let twice = Changes { update_recoveries: vec![current.clone(), current], ..Changes::default() };
    assert_conflict(store.commit(twice, at(50)).await, "two updates from one version");
    assert_eq!(find(store, "cas-token").await.map(|r| r.version), Some(2));
}

/// Eight confirmations of one link at once: exactly one uses it; the others are `Conflict`s.
pub async fn concurrent_confirmations_use_a_link_once<S: Store + Clone + 'static>(store: &S) {
    let code = registered(store, 7021).await;
    let credential = issued(code, at(0));
    let link = recovery(&credential, "raced-token", at(0));
    let changes = Changes {
        insert_credentials: vec![credential.clone()],
        insert_recoveries: vec![link.clone()],
        ..Changes::default()
    };
    commit(store, changes, at(0)).await;

    let tasks: Vec<_> = (0..8)
        .map(|i| {
            let (store, link) = (store.clone(), link.clone());
            tokio::spawn(async move {
                let used = Recovery { used_at: Some(at(10 + i)), ..link };
                let changes = Changes {
                    update_recoveries: vec![used],
                    messages: vec![message(code, MessageKind::PinFirstHalf, Channel::Sms, at(10 + i))],
                    ..Changes::default()
                };
                store.commit(changes, at(10 + i)).await.map(|()| i)
            })
        })
        .collect();
    let mut winners = Vec::new();
    for task in tasks {
        match task.await.expect("task") {
            Ok(i) => winners.push(i),
            result => assert_conflict(result, "a concurrent confirmation"),
        }
    }
    assert_eq!(winners.len(), 1, "exactly one confirmation wins");
    let stored = find(store, "raced-token").await.expect("stored");
    assert_eq!((stored.used_at, stored.version), (Some(at(10 + winners[0])), 1));
    assert_eq!(pending(store).await, 1, "one set of messages");
}
