//! Building blocks shared by the stories: fixed times, registered owners, credentials, messages,
//! sessions, contacts, recoveries and audit events that exercise every field.

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic, reason = "test support: failing loudly is its job")]

use std::fmt::Debug;

use sigillo_domain::audit::{Actor, AuditEvent, StoredAuditEvent};
use sigillo_domain::contact::{CODE_TTL, Contact, ContactKind};
use sigillo_domain::credential::{Credential, CredentialState, Level};
use sigillo_domain::fiscal_code::FiscalCode;
use sigillo_domain::outbox::{Channel, MessageKind, OutboundMessage, PostalAddress};
use sigillo_domain::pin::PinKind;
use sigillo_domain::recovery::Recovery;
use sigillo_domain::session::{DEFAULT_ABSOLUTE_TIMEOUT, Session, token_hash};
use sigillo_domain::store::{Changes, Store, StoreError};
use time::OffsetDateTime;
use time::macros::datetime;
use uuid::Uuid;

use crate::fixtures::person;

/// The stories' "now". Every test time is whole microseconds: what both backends store exactly.
pub const T0: OffsetDateTime = datetime!(2026-03-02 09:15:30.123456 UTC);

/// `T0` moved by `seconds` (negative: earlier).
pub fn at(seconds: i64) -> OffsetDateTime {
    T0 + time::Duration::seconds(seconds)
}

/// `T0` moved by `days`.
pub fn days(days: i64) -> OffsetDateTime {
    T0 + time::Duration::days(days)
}

/// Puts fixture person `index` in the registry (a backend may tie credentials to it) and returns
/// their fiscal code.
pub async fn registered(store: &dyn Store, index: u64) -> FiscalCode {
    let someone = person(index);
    store.upsert_persons(std::slice::from_ref(&someone)).await.expect("upsert_persons");
    someone.fiscal_code
}

/// A PHC string standing for a PIN hash.
pub fn pin_hash(n: u32) -> String {
    format!("$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ{n:04}$aGFzaGhhc2hoYXNoaGFzaA{n:04}")
}

/// A PHC string standing for the hash of a PIN's first half.
pub fn half_hash(n: u32) -> String {
    format!("$argon2id$v=19$m=19456,t=2,p=1$aGFsZnNhbHQ{n:04}$Zmlyc3RoYWxmaGFzaA{n:04}")
}

/// A credential just issued with a first-access PIN at `now`, version 0.
pub fn issued(code: FiscalCode, now: OffsetDateTime) -> Credential {
    let mut credential = Credential::new(Uuid::new_v4(), code, Level::Ordinario, now);
    credential.issue_first_access(pin_hash(0), half_hash(0), now).expect("requested → issued");
    credential
}

/// An active credential with a definitive PIN chosen at `set_at`.
pub fn active(code: FiscalCode, kind: PinKind, set_at: OffsetDateTime) -> Credential {
    Credential {
        state: CredentialState::Active,
        pin_kind: kind,
        pin_hash: Some(pin_hash(1)),
        pin_set_at: Some(set_at),
        ..Credential::new(Uuid::new_v4(), code, Level::Ordinario, set_at)
    }
}

/// A message carrying every secret a message can carry.
pub fn message(code: FiscalCode, kind: MessageKind, channel: Channel, created_at: OffsetDateTime) -> OutboundMessage {
    let letter = channel == Channel::Letter;
    OutboundMessage {
        id: Uuid::new_v4(),
        channel,
        kind,
        recipient: if letter { "Mario Rossi".to_owned() } else { "mario.rossi@example.it".to_owned() },
        fiscal_code: code,
        subject: (!letter).then(|| "Il tuo PIN INPS – prima metà".to_owned()),
        body: "Gentile utente,\necco la prima metà del PIN: «{pin_half}».".to_owned(),
        pin_half: Some("AB3D7FG9".to_owned()),
        link: Some("https://sigillo.example/recupero?token=Zm9vYmFy".to_owned()),
        code: Some("493817".to_owned()),
        postal_address: letter.then(|| PostalAddress {
            name: "Mario Rossi".to_owned(),
            lines: vec!["Via dell'Orso 12".to_owned(), "00186 Roma RM".to_owned()],
        }),
        created_at,
    }
}

/// The letter with a PIN's second half, as a request queues it.
pub fn letter(code: FiscalCode, created_at: OffsetDateTime) -> OutboundMessage {
    message(code, MessageKind::PinSecondHalf, Channel::Letter, created_at)
}

/// A contact of `code` waiting for its verification code, created at `created_at`.
pub fn contact(code: FiscalCode, kind: ContactKind, value: &str, created_at: OffsetDateTime) -> Contact {
    Contact {
        id: Uuid::new_v4(),
        fiscal_code: code,
        kind,
        value: value.to_owned(),
        verified_at: None,
        code_hash: Some(token_hash(&format!("code for {value}"))),
        code_expires_at: Some(created_at + CODE_TTL),
        code_attempts: 0,
        created_at,
    }
}

/// A fresh recovery link of `credential`, found by the hash of `token`, valid a day from `now`.
pub fn recovery(credential: &Credential, token: &str, now: OffsetDateTime) -> Recovery {
    Recovery {
        id: Uuid::new_v4(),
        fiscal_code: credential.fiscal_code,
        credential_id: credential.id,
        token_hash: token_hash(token),
        code_hash: token_hash("731904"),
        mobile: "+393331234567".to_owned(),
        email: "mario.rossi@example.it".to_owned(),
        created_at: now,
        expires_at: now + time::Duration::days(1),
        attempts: 0,
        used_at: None,
        version: 0,
    }
}

/// An audit event with every field set.
pub fn event(at: OffsetDateTime, name: &str, code: &FiscalCode, credential: Uuid) -> AuditEvent {
    AuditEvent::new(at, Actor::Citizen, name)
        .fiscal_code(code)
        .credential(credential)
        .client_ip(Some("2001:db8::7"))
        .detail("from", "requested")
        .detail("to", "issued")
        .detail("note", "virgolette \" e barre \\ e\naccapo")
}

/// An open session of `credential`, opened at `now` with `token`.
pub fn session(credential: &Credential, token: &str, now: OffsetDateTime) -> Session {
    Session {
        id: Uuid::new_v4(),
        token_hash: token_hash(token),
        credential_id: credential.id,
        fiscal_code: credential.fiscal_code,
        level: credential.level,
        created_at: now,
        last_seen_at: now,
        expires_at: now + DEFAULT_ABSOLUTE_TIMEOUT,
        ended_at: None,
        client_ip: Some("192.0.2.10".to_owned()),
    }
}

pub async fn commit(store: &dyn Store, changes: Changes, now: OffsetDateTime) {
    store.commit(changes, now).await.expect("commit");
}

/// Fails unless `result` is a `Conflict`.
pub fn assert_conflict<T: Debug>(result: Result<T, StoreError>, what: &str) {
    assert!(matches!(result, Err(StoreError::Conflict(_))), "{what}: expected Conflict, got {result:?}");
}

pub async fn live(store: &dyn Store, code: &FiscalCode) -> Option<Credential> {
    store.live_credential(code).await.expect("live_credential")
}

pub async fn by_id(store: &dyn Store, id: Uuid) -> Option<Credential> {
    store.credential(id).await.expect("credential")
}

pub async fn pending(store: &dyn Store) -> u64 {
    store.outbox_stats().await.expect("outbox_stats").pending
}

/// The whole audit log, read in small pages so paging itself is exercised.
pub async fn whole_audit(store: &dyn Store) -> Vec<StoredAuditEvent> {
    let mut all: Vec<StoredAuditEvent> = Vec::new();
    loop {
        let after = all.last().map_or(0, |e| e.seq);
        let page = store.audit_page(after, 7).await.expect("audit_page");
        assert!(page.len() <= 7, "a page holds at most `limit` entries");
        if page.is_empty() {
            return all;
        }
        all.extend(page);
    }
}
