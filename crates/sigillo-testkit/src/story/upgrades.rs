//! Upgrade requests to a PIN dispositivo: submitted with their documents and audit entry in one
//! transaction, one pending request per fiscal code (also under concurrency), the reviewers' queue
//! oldest first, documents read back byte for byte, and decisions written once, together with the
//! credential's new level, the outcome message and the audit entry — or not at all.

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic, reason = "test support: failing loudly is its job")]

use sigillo_domain::audit::{Actor, AuditEvent};
use sigillo_domain::credential::{Credential, Level};
use sigillo_domain::fiscal_code::FiscalCode;
use sigillo_domain::outbox::{Channel, MessageKind};
use sigillo_domain::pin::PinKind;
use sigillo_domain::store::{Changes, Store};
use sigillo_domain::upgrade::{Document, DocumentInfo, FileType, Slot, UpgradeRequest, UpgradeStatus};
use time::OffsetDateTime;
use uuid::Uuid;

use super::audit::assert_unbroken_chain;
use super::support::{active, assert_conflict, at, by_id, commit, message, pending, registered, whole_audit};

/// Every byte value, a few times over, after the type's signature.
fn content(signature: &[u8], len: usize) -> Vec<u8> {
    let mut bytes = signature.to_vec();
    bytes.extend((0..len).map(|i| u8::try_from(i % 256).unwrap()));
    bytes
}

pub fn documents(len: usize) -> Vec<Document> {
    vec![
        Document { slot: Slot::SignedForm, file_type: FileType::Pdf, bytes: content(b"%PDF-1.7\n", len) },
        Document { slot: Slot::IdFront, file_type: FileType::Jpeg, bytes: content(&[0xFF, 0xD8, 0xFF, 0xE0], len) },
        Document { slot: Slot::IdBack, file_type: FileType::Png, bytes: content(b"\x89PNG\r\n\x1a\n", len) },
    ]
}

fn submitted(request: &UpgradeRequest) -> AuditEvent {
    AuditEvent::new(request.submitted_at, Actor::Citizen, "upgrade_requested")
        .fiscal_code(&request.fiscal_code)
        .credential(request.credential_id)
        .detail("request", request.id.to_string())
}

/// A registered citizen with an active ordinario credential.
async fn citizen(store: &dyn Store, index: u64) -> (FiscalCode, Credential) {
    let code = registered(store, index).await;
    let credential = active(code, PinKind::Definitive, at(0));
    commit(store, Changes { insert_credentials: vec![credential.clone()], ..Changes::default() }, at(0)).await;
    (code, by_id(store, credential.id).await.unwrap())
}

async fn submit(store: &dyn Store, credential: &Credential, now: OffsetDateTime) -> UpgradeRequest {
    let request = UpgradeRequest::new(Uuid::new_v4(), credential.fiscal_code, credential.id, now);
    store.submit_upgrade(&request, &documents(1000), submitted(&request)).await.expect("submit_upgrade");
    request
}

pub async fn upgrade_life<S: Store + Clone + 'static>(store: &S) {
    let (code, credential) = citizen(store, 7101).await;
    let (other_code, other_credential) = citizen(store, 7102).await;
    let audit_before = whole_audit(store).await.len();

    // Documents of a realistic size, every byte value, read back exactly.
    let request = UpgradeRequest::new(Uuid::new_v4(), code, credential.id, at(100));
    let big = documents(1_500_000);
    store.submit_upgrade(&request, &big, submitted(&request)).await.unwrap();
    assert_eq!(store.upgrade_request(request.id).await.unwrap(), Some(request.clone()));
    assert_eq!(store.upgrade_request(Uuid::new_v4()).await.unwrap(), None);
    let infos = store.upgrade_documents(request.id).await.unwrap();
    let expected: Vec<DocumentInfo> =
        big.iter().map(|d| DocumentInfo { slot: d.slot, file_type: d.file_type, size: d.bytes.len() as u64 }).collect();
    assert_eq!(infos, expected, "in slot order, without content");
    for document in &big {
        assert_eq!(store.upgrade_document(request.id, document.slot).await.unwrap().as_ref(), Some(document));
    }
    assert_eq!(store.upgrade_document(Uuid::new_v4(), Slot::IdBack).await.unwrap(), None);
    let audit = whole_audit(store).await;
    assert_eq!(audit.len(), audit_before + 1);
    assert_eq!(audit.last().unwrap().event.event, "upgrade_requested");

    // A second pending request for the same fiscal code is refused with all of it.
    let again = UpgradeRequest::new(Uuid::new_v4(), code, credential.id, at(110));
    assert_conflict(store.submit_upgrade(&again, &documents(10), submitted(&again)).await, "a second pending request");
    assert_eq!(store.upgrade_request(again.id).await.unwrap(), None);
    assert!(store.upgrade_documents(again.id).await.unwrap().is_empty(), "its documents are rolled back");
    assert_eq!(whole_audit(store).await.len(), audit_before + 1, "its audit entry is rolled back");

    // The queue: pending only, oldest first.
    let other = submit(store, &other_credential, at(50)).await;
    assert_eq!(store.pending_upgrades(10).await.unwrap(), vec![other.clone(), request.clone()]);
    assert_eq!(store.pending_upgrades(1).await.unwrap(), vec![other.clone()]);

    // Approval: the request, the credential's level, the e-mail and the audit entry together.
    let mut approved = request.clone();
    approved.approve("anna.rev", at(200)).unwrap();
    let mut upgraded = credential.clone();
    upgraded.level = Level::Dispositivo;
    let outbox_before = pending(store).await;
    let changes = Changes {
        update_credentials: vec![upgraded.clone()],
        decide_upgrades: vec![approved.clone()],
        messages: vec![message(code, MessageKind::UpgradeOutcome, Channel::Email, at(200))],
        audit: vec![
            AuditEvent::new(at(200), Actor::Operator("anna.rev".into()), "upgrade_approved").fiscal_code(&code),
        ],
        ..Changes::default()
    };
    commit(store, changes, at(200)).await;
    assert_eq!(store.upgrade_request(request.id).await.unwrap(), Some(approved.clone()));
    assert_eq!(by_id(store, credential.id).await.unwrap().level, Level::Dispositivo);
    assert_eq!(pending(store).await, outbox_before + 1);
    assert_eq!(store.pending_upgrades(10).await.unwrap(), vec![other.clone()], "a decided request leaves the queue");

    // Decided once: a second decision fails, and the rest of its commit with it.
    let mut twice = request.clone();
    twice.reject("anna.rev", "Documento illeggibile", at(300)).unwrap();
    let audit_before = whole_audit(store).await.len();
    let changes = Changes {
        decide_upgrades: vec![twice],
        messages: vec![message(code, MessageKind::UpgradeOutcome, Channel::Email, at(300))],
        audit: vec![
            AuditEvent::new(at(300), Actor::Operator("anna.rev".into()), "upgrade_rejected").fiscal_code(&code),
        ],
        ..Changes::default()
    };
    assert_conflict(store.commit(changes, at(300)).await, "deciding a decided request");
    assert_eq!(store.upgrade_request(request.id).await.unwrap(), Some(approved.clone()));
    assert_eq!(pending(store).await, outbox_before + 1, "its message is rolled back");
    assert_eq!(whole_audit(store).await.len(), audit_before, "its audit entry is rolled back");

    // Rejection with a reason; then the citizen may try again.
    let mut rejected = other.clone();
    rejected.reject("anna.rev", "Il retro del documento è illeggibile.", at(400)).unwrap();
    commit(store, Changes { decide_upgrades: vec![rejected.clone()], ..Changes::default() }, at(400)).await;
    assert_eq!(store.upgrade_request(other.id).await.unwrap(), Some(rejected.clone()));
    assert!(store.pending_upgrades(10).await.unwrap().is_empty());
    let retry = submit(store, &other_credential, at(500)).await;
    assert_eq!(store.upgrade_requests_of(&other_code).await.unwrap(), vec![retry.clone(), rejected], "newest first");
    assert_eq!(store.upgrade_requests_of(&code).await.unwrap(), vec![approved]);
    assert_eq!(store.pending_upgrades(10).await.unwrap(), vec![retry]);
    assert_unbroken_chain(store).await;
}

pub async fn decision_with_a_stale_credential_rolls_back<S: Store + Clone + 'static>(store: &S) {
    let (code, credential) = citizen(store, 7201).await;
    let request = submit(store, &credential, at(100)).await;
    // Someone else changes the credential after the reviewer read it.
    let mut moved = credential.clone();
    moved.note = Some("changed meanwhile".to_owned());
    commit(store, Changes { update_credentials: vec![moved], ..Changes::default() }, at(150)).await;

    let mut approved = request.clone();
    approved.approve("anna.rev", at(200)).unwrap();
    let stale = Credential { level: Level::Dispositivo, ..credential.clone() };
    let outbox_before = pending(store).await;
    let changes = Changes {
        update_credentials: vec![stale],
        decide_upgrades: vec![approved],
        messages: vec![message(code, MessageKind::UpgradeOutcome, Channel::Email, at(200))],
        ..Changes::default()
    };
    assert_conflict(store.commit(changes, at(200)).await, "a stale credential");
    assert_eq!(store.upgrade_request(request.id).await.unwrap(), Some(request), "still pending");
    assert_eq!(by_id(store, credential.id).await.unwrap().level, Level::Ordinario);
    assert_eq!(pending(store).await, outbox_before);
}

pub async fn concurrent_submissions_make_one_request<S: Store + Clone + 'static>(store: &S) {
    let (code, credential) = citizen(store, 7301).await;
    let tasks: Vec<_> = (0..8i64)
        .map(|i| {
            let store = store.clone();
            let credential = credential.clone();
            tokio::spawn(async move {
                let request = UpgradeRequest::new(Uuid::new_v4(), code, credential.id, at(100 + i));
                store.submit_upgrade(&request, &documents(100), submitted(&request)).await
            })
        })
        .collect();
    let mut accepted = 0;
    for task in tasks {
        match task.await.unwrap() {
            Ok(()) => accepted += 1,
            Err(e) => assert_conflict::<()>(Err(e), "a concurrent submission"),
        }
    }
    assert_eq!(accepted, 1);
    assert_eq!(store.upgrade_requests_of(&code).await.unwrap().len(), 1);
    assert_eq!(store.pending_upgrades(10).await.unwrap().len(), 1);
    assert_unbroken_chain(store).await;
}

pub async fn concurrent_decisions_one_wins<S: Store + Clone + 'static>(store: &S) {
    let (_, credential) = citizen(store, 7401).await;
    let request = submit(store, &credential, at(100)).await;
    let tasks: Vec<_> = (0..6i64)
        .map(|i| {
            let store = store.clone();
            let mut decided = request.clone();
            tokio::spawn(async move {
                if i % 2 == 0 {
                    decided.approve(&format!("rev{i}"), at(200 + i)).unwrap();
                } else {
                    decided.reject(&format!("rev{i}"), "Documento scaduto", at(200 + i)).unwrap();
                }
                let changes = Changes { decide_upgrades: vec![decided.clone()], ..Changes::default() };
                store.commit(changes, at(200 + i)).await.map(|()| decided)
            })
        })
        .collect();
    let mut winners = Vec::new();
    for task in tasks {
        match task.await.unwrap() {
            Ok(decided) => winners.push(decided),
            Err(e) => assert_conflict::<()>(Err(e), "a concurrent decision"),
        }
    }
    assert_eq!(winners.len(), 1);
    let stored = store.upgrade_request(request.id).await.unwrap().unwrap();
    assert_eq!(Some(&stored), winners.first());
    assert_ne!(stored.status, UpgradeStatus::Pending);
}
