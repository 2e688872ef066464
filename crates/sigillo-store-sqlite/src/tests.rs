//! What only this backend can check: the rows themselves (secrets wiped on delivery) and that the
//! hot queries use their indexes. Trait behaviour is in the conformance story (`sigillo-testkit`).

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic, reason = "tests")]

use std::time::Duration;

use sigillo_domain::contact::{Contact, ContactKind};
use sigillo_domain::credential::{Credential, Level};
use sigillo_domain::fiscal_code::FiscalCode;
use sigillo_domain::outbox::{Channel, MessageKind, OutboundMessage, PostalAddress};
use sigillo_domain::recovery::Recovery;
use sigillo_domain::session::{Session, token_hash};
use sigillo_domain::store::{Changes, CredentialStore, OutboxStore, RateLimitStore, Store, StoreError};
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
    // The text quoted the half: it goes with it.
    assert_eq!(row.get::<String, _>(1), "(testo rimosso dopo la consegna)", "the text that quoted a secret is wiped");

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

/// A contact saved twice is a `Conflict` like a second live credential; a reused recovery token
/// hash is a bug, a plain error.
#[tokio::test]
async fn contact_key_is_a_conflict_token_reuse_is_not() {
    let store = store().await;
    let credential = Credential::new(Uuid::new_v4(), code(), Level::Ordinario, T0);
    let contact = Contact {
        id: Uuid::new_v4(),
        fiscal_code: code(),
        kind: ContactKind::Email,
        value: "mario.rossi@example.it".to_owned(),
        verified_at: None,
        code_hash: None,
        code_expires_at: None,
        code_attempts: 0,
        created_at: T0,
    };
    let recovery = Recovery {
        id: Uuid::new_v4(),
        fiscal_code: code(),
        credential_id: credential.id,
        token_hash: token_hash("link"),
        code_hash: token_hash("123456"),
        mobile: "+393331234567".to_owned(),
        email: "mario.rossi@example.it".to_owned(),
        created_at: T0,
        expires_at: T0 + Duration::from_secs(86_400),
        attempts: 0,
        used_at: None,
        version: 0,
    };
    let changes = Changes {
        insert_credentials: vec![credential],
        insert_recoveries: vec![recovery.clone()],
        save_contacts: vec![contact.clone()],
        ..Changes::default()
    };
    store.commit(changes, T0).await.expect("commit");

    let twice = Changes { save_contacts: vec![Contact { id: Uuid::new_v4(), ..contact }], ..Changes::default() };
    let result = store.commit(twice, T0).await;
    assert!(matches!(result, Err(StoreError::Conflict(_))), "{result:?}");
    let again =
        Changes { insert_recoveries: vec![Recovery { id: Uuid::new_v4(), ..recovery.clone() }], ..Changes::default() };
    let result = store.commit(again, T0).await;
    assert!(matches!(result, Err(StoreError::Other(_))), "{result:?}");

    // Codes and tokens are stored only hashed: the schema refuses anything else.
    let plain = Contact {
        id: Uuid::new_v4(),
        value: "+393331234567".to_owned(),
        code_hash: Some("123456".to_owned()),
        ..contact
    };
    let result = store.commit(Changes { save_contacts: vec![plain], ..Changes::default() }, T0).await;
    assert!(matches!(result, Err(StoreError::Other(_))), "{result:?}");
    let plain = Recovery { id: Uuid::new_v4(), token_hash: "plaintext-token".to_owned(), ..recovery };
    let result = store.commit(Changes { insert_recoveries: vec![plain], ..Changes::default() }, T0).await;
    assert!(matches!(result, Err(StoreError::Other(_))), "{result:?}");
}

/// A database holding messages from before print batches takes migration 0003 (its CHECK on the
/// outbox is tested against existing rows).
#[tokio::test]
async fn outbox_rows_survive_migration_0003() {
    let store = SqliteStore::connect("sqlite::memory:").await.expect("in-memory SQLite");
    for sql in [include_str!("../migrations/0001_registry.sql"), include_str!("../migrations/0002_credentials.sql")] {
        sqlx::raw_sql(sqlx::AssertSqlSafe(sql)).execute(&store.write).await.expect("old migration");
    }
    for (i, channel) in ["letter", "sms", "letter"].into_iter().enumerate() {
        sqlx::query(
            "INSERT INTO outbox (id, channel, kind, recipient, fiscal_code, body, pin_half, created_at, \
             next_attempt_at, status) VALUES (?, ?, 'pin_second_half', 'Mario Rossi', ?, 'x', ?, 1, 1, ?)",
        )
        .bind(uuid_text(Uuid::new_v4()))
        .bind(channel)
        .bind(code().as_str())
        .bind((i == 0).then_some("ABCD2345"))
        .bind(if i == 0 { "pending" } else { "delivered" })
        .execute(&store.write)
        .await
        .expect("old message");
    }
    let sql = include_str!("../migrations/0003_recovery_contacts.sql");
    sqlx::raw_sql(sqlx::AssertSqlSafe(sql)).execute(&store.write).await.expect("migration 0003");
    assert!(store.claim_letters_for_print("early", T0, 10).await.expect("print").is_empty(), "not handed over yet");
    // The worker hands the pending letter over; then it is printed.
    for queued in store.claim_messages("w", T0, Duration::from_secs(60), 10).await.expect("claim") {
        store.mark_delivered(queued.message.id, T0).await.expect("delivered");
    }
    let printed = store.claim_letters_for_print("b", T0, 10).await.expect("print");
    assert_eq!(printed.len(), 1, "the old letter with its half is printed");
    assert_eq!(store.unconfirmed_print_batches().await.expect("batches"), ["b"]);
}

/// A delivered letter keeps its half (and only that) until its print batch is confirmed; a letter
/// cancelled while a worker held it stays cancelled when the worker reports it delivered.
#[tokio::test]
async fn letters_keep_their_half_until_printed() {
    let store = store().await;
    let sms = message(MessageKind::PinFirstHalf, Channel::Sms);
    let letter = message(MessageKind::PinSecondHalf, Channel::Letter);
    let withdrawn = message(MessageKind::PinSecondHalf, Channel::Letter);
    let changes = Changes { messages: vec![sms.clone(), letter.clone(), withdrawn.clone()], ..Changes::default() };
    store.commit(changes, T0).await.expect("commit");
    assert_eq!(store.claim_messages("w1", T0, Duration::from_secs(60), 10).await.expect("claim").len(), 3);

    store.commit(Changes { cancel_letters: vec![withdrawn.id], ..Changes::default() }, T0).await.expect("cancel");
    for m in [&sms, &letter, &withdrawn] {
        store.mark_delivered(m.id, T0).await.expect("delivered");
    }
    assert_eq!(raw_message(&store, sms.id).await, (None, None, None, "delivered".to_owned(), None));
    let half = letter.pin_half.clone();
    assert_eq!(raw_message(&store, letter.id).await, (half.clone(), None, None, "delivered".to_owned(), None));
    assert_eq!(raw_message(&store, withdrawn.id).await, (None, None, None, "cancelled".to_owned(), None));

    let printed = store.claim_letters_for_print("batch-1", T0, 10).await.expect("print");
    assert_eq!(printed.iter().map(|m| m.id).collect::<Vec<_>>(), vec![letter.id]);
    assert_eq!(raw_message(&store, letter.id).await.0, half, "kept until the batch is confirmed");
    store.confirm_print_batch("batch-1").await.expect("confirm");
    assert_eq!(raw_message(&store, letter.id).await.0, None);
    let row = sqlx::query("SELECT print_batch, printed_at FROM outbox WHERE id = ?")
        .bind(uuid_text(letter.id))
        .fetch_one(&store.read)
        .await
        .expect("row");
    assert_eq!((row.get::<String, _>(0), row.get::<i64, _>(1)), ("batch-1".to_owned(), 1_772_359_200_123_456));
}

/// Every new rate-limit key retires a few keys that expired more than a day before it expires.
#[tokio::test]
async fn rate_limits_forget_expired_windows() {
    let store = store().await;
    let day = Duration::from_secs(86_400);
    for i in 0..10 {
        store.hit(&format!("old:{i}"), T0).await.expect("hit");
    }
    store.hit("recent", T0 + day).await.expect("hit");
    for i in 0..3 {
        assert_eq!(store.hit(&format!("new:{i}"), T0 + 2 * day).await.expect("hit"), 1);
    }
    let keys: Vec<String> =
        sqlx::query_scalar("SELECT key FROM rate_limits ORDER BY key").fetch_all(&store.read).await.expect("keys");
    assert_eq!(keys, ["new:0", "new:1", "new:2", "recent"], "four retired per new key; a day's grace");
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
        ("SELECT id FROM sessions WHERE token_hash = ?", "sqlite_autoindex_sessions_2"),
        (
            "UPDATE sessions SET ended_at = ? WHERE credential_id = ? AND ended_at IS NULL",
            "sessions_open_by_credential",
        ),
        ("SELECT seq FROM audit_log WHERE fiscal_code = ? ORDER BY seq DESC LIMIT ?", "audit_log_by_fiscal_code"),
        (crate::credentials::SELECT_LATEST, "credentials_by_fiscal_code"),
        (crate::credentials::SELECT_LIVE_OLDEST, "credentials_live_by_age"),
        (crate::credentials::SELECT_DUE_FOR_SUNSET_NOTICE, "credentials_sunset_notice"),
        (crate::outbox::SELECT_UNPRINTED_LETTER, "outbox_unprinted_letters_by_fiscal_code"),
        (crate::outbox::CLAIM_LETTERS, "outbox_unprinted_letters"),
        (crate::outbox::SELECT_BATCH, "outbox_print_batch"),
        (crate::outbox::SELECT_UNCONFIRMED_BATCHES, "outbox_unconfirmed_print"),
        (crate::outbox::CONFIRM_BATCH, "outbox_unconfirmed_print"),
        (crate::rate_limits::RETIRE_EXPIRED, "rate_limits_expiry"),
        ("SELECT id FROM recoveries WHERE token_hash = ?", "sqlite_autoindex_recoveries_2"),
        ("SELECT id FROM contacts WHERE fiscal_code = ? ORDER BY created_at, id", "sqlite_autoindex_contacts_2"),
        (crate::oidc::SELECT_GRANTS_OF_SESSION, "oidc_grants_open_by_session"),
        (crate::oidc::REVOKE_GRANTS_OF_CLIENT, "oidc_grants_by_client"),
        (crate::oidc::SELECT_CODE, "sqlite_autoindex_oidc_codes_1"),
        (crate::oidc::SELECT_TOKEN, "sqlite_autoindex_oidc_tokens_1"),
        (crate::oidc::PRUNE[0], "oidc_authorization_requests_expiry"),
        (crate::oidc::PRUNE[1], "oidc_codes_expiry"),
        (crate::oidc::PRUNE[2], "oidc_tokens_expiry"),
        (crate::oidc::PRUNE[3], "oidc_grants_revoked"),
        (crate::oidc::PRUNE[3], "oidc_codes_by_grant"),
        (crate::oidc::PRUNE[3], "oidc_tokens_by_grant"),
    ];
    for (sql, index) in cases {
        let plan = plan(&store, sql).await;
        // Whole index names: one may be the start of another.
        let uses = plan.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).any(|word| word == index);
        assert!(uses, "{sql}\nshould use {index}, plan: {plan}");
    }
}
