#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;

use sigillo_domain::credential::{Credential, CredentialState, Level};
use sigillo_domain::operator::{Operator, OperatorSession, Role, SecondFactor};
use sigillo_domain::outbox::{Channel, MessageKind};
use sigillo_domain::pin::PinKind;
use sigillo_domain::session::Session;
use sigillo_domain::store::{Changes, Store};
use sigillo_domain::upgrade::{FileError, Slot, UpgradeStatus};
use uuid::Uuid;

use super::*;
use crate::hashing::{HashPolicy, PinHasher};
use crate::{Settings, Sigillo};

const PDF: &[u8] = b"%PDF-1.4\n1 0 obj\n";
const JPEG: &[u8] = &[0xFF, 0xD8, 0xFF, 0xE0, 0, 16, b'J', b'F', b'I', b'F'];
const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR";

fn sigillo(store: Arc<dyn Store>) -> Sigillo {
    let policy = HashPolicy { memory_kib: 64, iterations: 1, parallelism: 1 };
    Sigillo::new(store, PinHasher::start(policy, 1, 8).unwrap(), Settings::default())
}

/// A registered citizen with an active ordinario PIN, as a logged-in `Citizen`.
async fn logged_in(app: &Sigillo, index: u64) -> (Citizen, sigillo_domain::registry::InsuredPerson) {
    let person = sigillo_testkit::fixtures::person(index);
    app.store.upsert_persons(std::slice::from_ref(&person)).await.unwrap();
    let now = now();
    let credential = Credential {
        state: CredentialState::Active,
        pin_kind: PinKind::Definitive,
        pin_hash: Some("$argon2id$v=19$m=64,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA".into()),
        pin_set_at: Some(now),
        ..Credential::new(Uuid::new_v4(), person.fiscal_code, Level::Ordinario, now)
    };
    app.store
        .commit(Changes { insert_credentials: vec![credential.clone()], ..Changes::default() }, now)
        .await
        .unwrap();
    let session = Session {
        id: Uuid::new_v4(),
        token_hash: String::new(),
        credential_id: credential.id,
        fiscal_code: person.fiscal_code,
        level: Level::Ordinario,
        created_at: now,
        last_seen_at: now,
        expires_at: now,
        ended_at: None,
        client_ip: None,
    };
    (Citizen { session, credential, must_change_pin: false }, person)
}

fn operator(role: Role) -> OperatorContext {
    let now = now();
    let operator = Operator {
        id: Uuid::new_v4(),
        username: format!("op.{}", role.as_str()),
        role,
        password_hash: String::new(),
        second_factor: SecondFactor::Enrolled { secret: "JBSWY3DPEHPK3PXP".into() },
        last_totp_step: None,
        created_at: now,
        disabled_at: None,
        version: 0,
    };
    let session = OperatorSession {
        id: Uuid::new_v4(),
        token_hash: String::new(),
        operator_id: operator.id,
        second_factor_done: true,
        created_at: now,
        last_seen_at: now,
        expires_at: now,
        ended_at: None,
        client_ip: None,
    };
    OperatorContext { operator, session }
}

fn upload(bytes: &[u8]) -> Upload {
    Upload { bytes: bytes.to_vec(), size: bytes.len() }
}

fn good_files() -> Uploads {
    [(Slot::SignedForm, upload(PDF)), (Slot::IdFront, upload(JPEG)), (Slot::IdBack, upload(PNG))].into_iter().collect()
}

async fn outcome_messages(app: &Sigillo) -> Vec<sigillo_domain::outbox::OutboundMessage> {
    let claimed = app.store.claim_messages("test", now(), std::time::Duration::from_secs(60), 100).await.unwrap();
    claimed.into_iter().map(|q| q.message).filter(|m| m.kind == MessageKind::UpgradeOutcome).collect()
}

async fn scenario(store: Arc<dyn Store>) {
    let app = sigillo(store);
    // Index 1: the fixture has an e-mail in the registry (every index not a multiple of 4).
    let (citizen, person) = logged_in(&app, 1).await;
    let pdf = app.upgrade_form_pdf(&citizen).await.unwrap();
    assert!(pdf.starts_with(b"%PDF-"));

    // Files are judged by content, each with its own reason.
    let mut bad = good_files();
    bad.insert(Slot::SignedForm, upload(b"<html>not a pdf</html>"));
    bad.insert(Slot::IdFront, upload(b""));
    bad.remove(&Slot::IdBack);
    match app.submit_upgrade(&citizen, bad, None).await {
        Err(UpgradeError::InvalidFiles(refused)) => assert_eq!(
            refused.into_iter().collect::<Vec<_>>(),
            vec![
                (Slot::SignedForm, FileError::UnknownType),
                (Slot::IdFront, FileError::Empty),
                (Slot::IdBack, FileError::Missing)
            ]
        ),
        other => panic!("{other:?}"),
    }
    let request = app.submit_upgrade(&citizen, good_files(), Some("192.0.2.1")).await.unwrap();
    assert_eq!(request.status, UpgradeStatus::Pending);
    assert!(matches!(app.submit_upgrade(&citizen, good_files(), None).await, Err(UpgradeError::AlreadyPending)));
    assert_eq!(app.upgrade_requests(&citizen).await.unwrap(), vec![request.clone()]);

    // Only reviewers see and decide.
    for role in [Role::Desk, Role::ContactCenter, Role::Admin] {
        let other = operator(role);
        assert!(matches!(app.upgrade_queue(&other).await, Err(ReviewError::Forbidden)));
        assert!(matches!(app.upgrade_review(&other, request.id).await, Err(ReviewError::Forbidden)));
        assert!(matches!(
            app.upgrade_document(&other, request.id, Slot::IdFront, None).await,
            Err(ReviewError::Forbidden)
        ));
        assert!(matches!(app.approve_upgrade(&other, request.id, None).await, Err(ReviewError::Forbidden)));
        assert!(matches!(
            app.reject_upgrade(&other, request.id, "motivo valido", None).await,
            Err(ReviewError::Forbidden)
        ));
    }
    let reviewer = operator(Role::Reviewer);
    let queue = app.upgrade_queue(&reviewer).await.unwrap();
    assert_eq!(queue.len(), 1);
    assert_eq!(queue[0].person.as_ref(), Some(&person));
    let review = app.upgrade_review(&reviewer, request.id).await.unwrap();
    assert_eq!(review.documents.iter().map(|d| d.slot).collect::<Vec<_>>(), Slot::ALL.to_vec());
    let front = app.upgrade_document(&reviewer, request.id, Slot::IdFront, None).await.unwrap();
    assert_eq!(front.bytes, JPEG);
    assert!(matches!(app.upgrade_review(&reviewer, Uuid::new_v4()).await, Err(ReviewError::NotFound)));
    assert!(matches!(app.reject_upgrade(&reviewer, request.id, " no ", None).await, Err(ReviewError::InvalidReason)));

    // Approval: dispositivo at once, the citizen told by e-mail, decided once.
    let approved = app.approve_upgrade(&reviewer, request.id, None).await.unwrap();
    assert_eq!((approved.status, approved.decided_by.as_deref()), (UpgradeStatus::Approved, Some("op.reviewer")));
    let live = app.store.live_credential(&person.fiscal_code).await.unwrap().unwrap();
    assert_eq!(live.level, Level::Dispositivo);
    let sent = outcome_messages(&app).await;
    assert_eq!(sent.len(), 1);
    assert_eq!(
        (sent[0].channel, sent[0].recipient.as_str()),
        (Channel::Email, person.email.as_ref().unwrap().as_str())
    );
    assert!(matches!(app.approve_upgrade(&reviewer, request.id, None).await, Err(ReviewError::AlreadyDecided)));
    assert!(matches!(
        app.reject_upgrade(&reviewer, request.id, "troppo tardi", None).await,
        Err(ReviewError::AlreadyDecided)
    ));
    let upgraded = Citizen { credential: live, ..citizen.clone() };
    assert!(matches!(app.submit_upgrade(&upgraded, good_files(), None).await, Err(UpgradeError::AlreadyDispositivo)));

    // Rejection: the reason reaches the citizen; the PIN stays ordinario; a new request may follow.
    let (other, other_person) = logged_in(&app, 2).await;
    let request = app.submit_upgrade(&other, good_files(), None).await.unwrap();
    let reason = "La foto del retro del documento è illeggibile.";
    let rejected = app.reject_upgrade(&reviewer, request.id, reason, None).await.unwrap();
    assert_eq!((rejected.status, rejected.reason.as_deref()), (UpgradeStatus::Rejected, Some(reason)));
    let live = app.store.live_credential(&other_person.fiscal_code).await.unwrap().unwrap();
    assert_eq!(live.level, Level::Ordinario);
    let sent = outcome_messages(&app).await;
    assert_eq!(sent.len(), 1);
    assert!(sent[0].body.contains(reason), "{}", sent[0].body);
    assert_eq!(app.upgrade_requests(&other).await.unwrap()[0].reason.as_deref(), Some(reason));
    app.submit_upgrade(&other, good_files(), None).await.unwrap();

    // Every step is in the audit log, the reviewer named.
    let events: Vec<(String, String)> = app
        .store
        .audit_of(&person.fiscal_code, 50)
        .await
        .unwrap()
        .into_iter()
        .map(|e| (e.event.event, e.event.actor.as_string()))
        .collect();
    for (event, actor) in [
        ("upgrade_requested", "citizen"),
        ("upgrade_document_viewed", "operator:op.reviewer"),
        ("upgrade_approved", "operator:op.reviewer"),
    ] {
        assert!(events.contains(&(event.to_owned(), actor.to_owned())), "{event} by {actor} in {events:?}");
    }
}

#[tokio::test]
async fn upgrade_on_sqlite() {
    let (store, _dir) = sigillo_testkit::db::sqlite_store().await;
    scenario(Arc::new(store)).await;
}

#[tokio::test]
async fn upgrade_on_postgres() {
    if let Some(db) = sigillo_testkit::db::postgres_store().await {
        scenario(Arc::new(db.store().clone())).await;
    }
}

#[test]
fn places_read_as_people_know_them() {
    assert_eq!(place_name("H501"), "Roma (RM)");
    assert_eq!(place_name("Z110").to_uppercase(), "FRANCIA");
    assert_eq!(place_name("Q999"), "Q999");
}
