//! Back-office operators: created and updated through commits (compare-and-swap on the version,
//! unique usernames), sessions opened, looked up by token hash, touched and ended, identity checks
//! recorded, and the contact center's queue of requests waiting for a phone check.

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic, reason = "test support: failing loudly is its job")]

use sigillo_domain::audit::{Actor, AuditEvent};
use sigillo_domain::credential::{Credential, CredentialState, Level};
use sigillo_domain::operator::{
    DocumentKind, IdentityCheck, OPERATOR_ABSOLUTE_TIMEOUT, Operator, OperatorSession, Role, SecondFactor,
};
use sigillo_domain::session::token_hash;
use sigillo_domain::store::{Changes, Store};
use time::macros::date;
use uuid::Uuid;

use super::support::{assert_conflict, at, commit, pin_hash, registered, whole_audit};

pub fn operator(username: &str, role: Role) -> Operator {
    Operator {
        id: Uuid::new_v4(),
        username: username.to_owned(),
        role,
        password_hash: pin_hash(7),
        second_factor: SecondFactor::None,
        last_totp_step: None,
        created_at: at(0),
        disabled_at: None,
        version: 0,
    }
}

fn operator_session(operator: &Operator, token: &str, done: bool) -> OperatorSession {
    OperatorSession {
        id: Uuid::new_v4(),
        token_hash: token_hash(token),
        operator_id: operator.id,
        second_factor_done: done,
        created_at: at(10),
        last_seen_at: at(10),
        expires_at: at(10) + OPERATOR_ABSOLUTE_TIMEOUT,
        ended_at: None,
        client_ip: Some("192.0.2.7".to_owned()),
    }
}

pub async fn operator_life<S: Store + Clone + 'static>(store: &S) {
    let desk = operator("mario.desk", Role::Desk);
    let reviewer = Operator { disabled_at: Some(at(3)), ..operator("anna_rev", Role::Reviewer) };
    let added = AuditEvent::new(at(0), Actor::System, "operator_added");
    commit(
        store,
        Changes { insert_operators: vec![desk.clone(), reviewer.clone()], audit: vec![added], ..Changes::default() },
        at(0),
    )
    .await;
    assert_eq!(store.operator_by_username("mario.desk").await.unwrap(), Some(desk.clone()));
    assert_eq!(store.operator(reviewer.id).await.unwrap(), Some(reviewer.clone()));
    assert_eq!(store.operator_by_username("nobody").await.unwrap(), None);
    let all = store.operators().await.unwrap();
    assert_eq!(all.iter().map(|o| o.username.as_str()).collect::<Vec<_>>(), ["anna_rev", "mario.desk"]);

    // The same username again: Conflict, and nothing of that commit is stored.
    let twin = operator("mario.desk", Role::Admin);
    let result = store
        .commit(
            Changes {
                insert_operators: vec![twin],
                audit: vec![AuditEvent::new(at(1), Actor::System, "operator_added")],
                ..Changes::default()
            },
            at(1),
        )
        .await;
    assert_conflict(result, "a second operator with the same username");
    assert_eq!(whole_audit(store).await.len(), 1, "the failed commit appended nothing");

    // Enrolment of the second factor, then a stale update conflicts.
    let pending =
        Operator { second_factor: SecondFactor::Pending { secret: "JBSWY3DPEHPK3PXP".into() }, ..desk.clone() };
    commit(store, Changes { update_operators: vec![pending.clone()], ..Changes::default() }, at(2)).await;
    let stored = store.operator(desk.id).await.unwrap().unwrap();
    assert_eq!(stored, Operator { version: 1, ..pending.clone() });
    let enrolled = Operator {
        second_factor: SecondFactor::Enrolled { secret: "JBSWY3DPEHPK3PXP".into() },
        last_totp_step: Some(59_000_123),
        ..stored.clone()
    };
    commit(store, Changes { update_operators: vec![enrolled.clone()], ..Changes::default() }, at(3)).await;
    assert_eq!(store.operator(desk.id).await.unwrap().unwrap(), Operator { version: 2, ..enrolled.clone() });
    let stale = store.commit(Changes { update_operators: vec![enrolled], ..Changes::default() }, at(4)).await;
    assert_conflict(stale, "an operator update from a stale version");

    // Sessions: a pending one is ended and a full one opened in one commit.
    let first = operator_session(&desk, "first-token", false);
    commit(store, Changes { open_operator_sessions: vec![first.clone()], ..Changes::default() }, at(10)).await;
    assert_eq!(store.operator_session_by_token_hash(&token_hash("first-token")).await.unwrap(), Some(first.clone()));
    let second = operator_session(&desk, "second-token", true);
    commit(
        store,
        Changes {
            end_operator_sessions: vec![first.id],
            open_operator_sessions: vec![second.clone()],
            ..Changes::default()
        },
        at(20),
    )
    .await;
    let ended = store.operator_session_by_token_hash(&token_hash("first-token")).await.unwrap().unwrap();
    assert_eq!(ended.ended_at, Some(at(20)));
    store.touch_operator_session(second.id, at(30)).await.unwrap();
    store.touch_operator_session(second.id, at(25)).await.unwrap();
    let touched = store.operator_session_by_token_hash(&token_hash("second-token")).await.unwrap().unwrap();
    assert_eq!(touched.last_seen_at, at(30), "never moved backwards");
    assert_eq!(store.operator_session_by_token_hash(&token_hash("unknown")).await.unwrap(), None);
}

pub async fn identity_checks_and_phone_queue<S: Store + Clone + 'static>(store: &S) {
    let code = registered(store, 9101).await;
    let other = registered(store, 9102).await;
    let check = |n: u32, seconds: i64| IdentityCheck {
        id: Uuid::new_v4(),
        fiscal_code: code,
        kind: DocumentKind::Passport,
        number: format!("YA{n:07}"),
        issuer: "Questura di Roma".to_owned(),
        expiry: date!(2031 - 05 - 31),
        operator: "mario.desk".to_owned(),
        checked_at: at(seconds),
    };
    let (older, newer) = (check(1, 100), check(2, 200));
    commit(store, Changes { identity_checks: vec![older.clone(), newer.clone()], ..Changes::default() }, at(200)).await;
    assert_eq!(store.identity_checks_of(&code, 10).await.unwrap(), vec![newer.clone(), older]);
    assert_eq!(store.identity_checks_of(&code, 1).await.unwrap(), vec![newer]);
    assert!(store.identity_checks_of(&other, 10).await.unwrap().is_empty());

    // Two requests wait for a phone check, oldest first; an issued one does not.
    let waiting = |code, seconds| {
        let mut credential = Credential::new(Uuid::new_v4(), code, Level::Ordinario, at(seconds));
        credential.transition(CredentialState::AwaitingPhoneCheck, at(seconds)).unwrap();
        credential.note = Some("mismatch: address".to_owned());
        credential
    };
    let (a, b) = (waiting(other, 50), waiting(code, 10));
    let third = registered(store, 9103).await;
    let mut issued = Credential::new(Uuid::new_v4(), third, Level::Ordinario, at(5));
    issued.issue_first_access(pin_hash(1), pin_hash(2), at(5)).unwrap();
    commit(store, Changes { insert_credentials: vec![a.clone(), b.clone(), issued], ..Changes::default() }, at(60))
        .await;
    let queue = store.awaiting_phone_check(10).await.unwrap();
    assert_eq!(queue.iter().map(|c| c.id).collect::<Vec<_>>(), [b.id, a.id]);
    assert_eq!(queue[0].note.as_deref(), Some("mismatch: address"));
    assert_eq!(store.awaiting_phone_check(1).await.unwrap().len(), 1);
}
