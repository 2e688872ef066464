//! What only this backend can check: the rows themselves (secrets wiped on delivery) and that the
//! hot queries use their indexes. Trait behaviour is in the conformance story (`sigillo-testkit`).

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic, reason = "tests")]

use std::time::Duration;

use sigillo_domain::credential::{Credential, Level};
use sigillo_domain::fiscal_code::FiscalCode;
use sigillo_domain::outbox::{Channel, MessageKind, OutboundMessage, PostalAddress};
use sigillo_domain::session::{Session, token_hash};
use sigillo_domain::store::{Changes, CredentialStore, OutboxStore, Store, StoreError};
use sqlx::Row;
use time::OffsetDateTime;
use time::macros::datetime;
use uuid::Uuid;

use crate::SqliteStore;
use crate::codec::uuid_text;

const T0: OffsetDateTime = datetime!(2026-03-01 10:00:00.123456 UTC);

async fn store() -> SqliteStore {
    let store = SqliteStore::connect("sqlite::memory:").await.expect("in-memory SQLite");
    store.migrate().await.expect("migrate");
    store
}

fn code() -> FiscalCode {
    FiscalCode::parse("RSSMRA80A01H501U").expect("valid code")
}

fn message(kind: MessageKind, channel: Channel) -> OutboundMessage {
    OutboundMessage {
        id: Uuid::new_v4(),
        channel,
        kind,
        recipient: "mario.rossi@example.it".to_owned(),
        fiscal_code: code(),
        subject: Some("Il tuo PIN".to_owned()),
        body: "Ecco la prima metà del PIN.".to_owned(),
        pin_half: Some("ABCD2345".to_owned()),
        link: Some("https://sigillo.example/recupero?t=secret".to_owned()),
        code: Some("123456".to_owned()),
        postal_address: (channel == Channel::Letter)
            .then(|| PostalAddress { name: "Mario Rossi".to_owned(), lines: vec!["Via Roma 1".to_owned()] }),
        created_at: T0,
    }
}

/// (pin_half, link, code, status, claimed_by) of a stored message, read from the table itself.
async fn raw_message(
    store: &SqliteStore,
    id: Uuid,
) -> (Option<String>, Option<String>, Option<String>, String, Option<String>) {
    let row = sqlx::query("SELECT pin_half, link, code, status, claimed_by FROM outbox WHERE id = ?")
        .bind(uuid_text(id))
        .fetch_one(&store.read)
        .await
        .expect("message row");
    (row.get(0), row.get(1), row.get(2), row.get(3), row.get(4))
}

#[tokio::test]
async fn delivered_messages_keep_no_secrets() {
    let store = store().await;
    let delivered = message(MessageKind::PinFirstHalf, Channel::Sms);
    let waiting = message(MessageKind::PinSecondHalf, Channel::Letter);
    let parked = message(MessageKind::RecoveryLink, Channel::Email);
    let changes = Changes { messages: vec![delivered.clone(), waiting.clone(), parked.clone()], ..Changes::default() };
    store.commit(changes, T0).await.expect("commit");

    let claimed = store.claim_messages("w1", T0, Duration::from_secs(60), 10).await.expect("claim");
    assert_eq!(claimed.len(), 3);
    let (pin_half, _, _, _, claimed_by) = raw_message(&store, delivered.id).await;
    assert_eq!(pin_half.as_deref(), Some("ABCD2345"), "secrets stay until delivery");
    assert_eq!(claimed_by.as_deref(), Some("w1"));

    store.mark_delivered(delivered.id, T0 + Duration::from_secs(1)).await.expect("delivered");
    store.mark_failed(parked.id, 10, None, "mailbox full").await.expect("parked");

    assert_eq!(raw_message(&store, delivered.id).await, (None, None, None, "delivered".to_owned(), None));
    let row = sqlx::query("SELECT delivered_at, body FROM outbox WHERE id = ?")
        .bind(uuid_text(delivered.id))
        .fetch_one(&store.read)
        .await
        .expect("row");
    assert_eq!(row.get::<Option<i64>, _>(0), Some(1_772_359_201_123_456));
    assert_eq!(row.get::<String, _>(1), delivered.body, "the body is no secret and stays");

    // Not delivered yet: the half-PIN is still needed (an operator may send a parked one again).
    let (pin_half, link, code, status, _) = raw_message(&store, waiting.id).await;
    assert_eq!((pin_half, link, code, status.as_str()), (waiting.pin_half, waiting.link, waiting.code, "pending"));
    let (pin_half, _, _, status, claimed_by) = raw_message(&store, parked.id).await;
    assert_eq!((pin_half, status.as_str(), claimed_by), (parked.pin_half, "parked", None));
    let row = sqlx::query("SELECT last_error, attempts FROM outbox WHERE id = ?")
        .bind(uuid_text(parked.id))
        .fetch_one(&store.read)
        .await
        .expect("row");
    assert_eq!((row.get::<String, _>(0), row.get::<i64, _>(1)), ("mailbox full".to_owned(), 10));
}

/// Every stored time is an INTEGER of microseconds (STRICT would refuse anything else anyway).
#[tokio::test]
async fn times_are_integer_microseconds() {
    let store = store().await;
    let credential = Credential::new(Uuid::new_v4(), code(), Level::Ordinario, T0);
    let changes = Changes { insert_credentials: vec![credential.clone()], ..Changes::default() };
    store.commit(changes, T0).await.expect("commit");
    let row = sqlx::query("SELECT created_at, typeof(created_at), pin_history FROM credentials WHERE id = ?")
        .bind(uuid_text(credential.id))
        .fetch_one(&store.read)
        .await
        .expect("row");
    assert_eq!(row.get::<i64, _>(0), 1_772_359_200_123_456);
    assert_eq!(row.get::<String, _>(1), "integer");
    assert_eq!(row.get::<String, _>(2), "[]");
}

/// Only the live-credential index means `Conflict`; other unique keys are plain errors.
#[tokio::test]
async fn only_the_live_index_is_a_conflict() {
    let store = store().await;
    let credential = Credential::new(Uuid::new_v4(), code(), Level::Ordinario, T0);
    let session = Session {
        id: Uuid::new_v4(),
        token_hash: token_hash("token"),
        credential_id: credential.id,
        fiscal_code: code(),
        level: Level::Ordinario,
        created_at: T0,
        last_seen_at: T0,
        expires_at: T0 + Duration::from_secs(3600),
        ended_at: None,
        client_ip: None,
    };
    let changes =
        Changes { insert_credentials: vec![credential], open_sessions: vec![session.clone()], ..Changes::default() };
    store.commit(changes, T0).await.expect("commit");

    let again = Changes { open_sessions: vec![Session { id: Uuid::new_v4(), ..session }], ..Changes::default() };
    let result = store.commit(again, T0).await;
    assert!(matches!(result, Err(StoreError::Other(_))), "a reused token hash is a bug, not a race: {result:?}");
    let second = Credential::new(Uuid::new_v4(), code(), Level::Dispositivo, T0);
    let result = store.commit(Changes { insert_credentials: vec![second], ..Changes::default() }, T0).await;
    assert!(matches!(result, Err(StoreError::Conflict(_))), "{result:?}");
}

async fn plan(store: &SqliteStore, sql: &str) -> String {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!("EXPLAIN QUERY PLAN {sql}")))
        .fetch_all(&store.read)
        .await
        .expect("query plan");
    rows.iter().map(|row| row.get::<String, _>("detail")).collect::<Vec<_>>().join("; ")
}

#[tokio::test]
async fn hot_queries_use_their_indexes() {
    let store = store().await;
    let cases = [
        (crate::credentials::SELECT_LIVE, "credentials_live"),
        (crate::credentials::SELECT_DUE_FOR_NOTICE, "credentials_expiry_notice"),
        (crate::outbox::CLAIM, "outbox_due"),
        ("SELECT id FROM sessions WHERE token_hash = ?", "sqlite_autoindex_sessions"),
        (
            "UPDATE sessions SET ended_at = ? WHERE credential_id = ? AND ended_at IS NULL",
            "sessions_open_by_credential",
        ),
        ("SELECT seq FROM audit_log WHERE fiscal_code = ? ORDER BY seq DESC LIMIT ?", "audit_log_by_fiscal_code"),
    ];
    for (sql, index) in cases {
        let plan = plan(&store, sql).await;
        assert!(plan.contains(index), "{sql}\nshould use {index}, plan: {plan}");
    }
}
