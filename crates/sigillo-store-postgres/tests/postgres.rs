//! What only PostgreSQL can show: several nodes (here: several pools) on one database at once, and
//! what the tables hold. The backend-neutral behaviour is the conformance story's (sigillo-testkit).
//!
//! Each test gets a database of its own on `SIGILLO_TEST_PG_URL` (default
//! `postgres://postgres@127.0.0.1:5432/test`). Without a server the tests say `SKIPPED` and pass,
//! except with `CI=true`, where they fail.

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic, reason = "tests: failing loudly is their job")]

use std::collections::{BTreeMap, HashSet};
use std::str::FromStr;
use std::time::Duration;

use sigillo_domain::application::ApplicationType;
use sigillo_domain::audit::{Actor, AuditEvent, GENESIS_HASH, verify_chain};
use sigillo_domain::contact::{Contact, ContactKind};
use sigillo_domain::credential::{Credential, CredentialState, Level};
use sigillo_domain::fiscal_code::FiscalCode;
use sigillo_domain::outbox::{Channel, MessageKind, OutboundMessage, PostalAddress};
use sigillo_domain::recovery::Recovery;
use sigillo_domain::session::{Session, token_hash};
use sigillo_domain::store::{
    ApplicationStore, AuditStore, Changes, ContactStore, CredentialStore, OutboxStore, RateLimitStore, RecoveryStore,
    Store, StoreError,
};
use sigillo_store_postgres::PostgresStore;
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::{AssertSqlSafe, Connection, PgConnection};
use time::OffsetDateTime;
use time::macros::datetime;
use uuid::Uuid;

const T0: OffsetDateTime = datetime!(2026-03-01 10:00 UTC);

/// A database of its own, dropped at the end of the test.
struct TestDb {
    admin: PgConnectOptions,
    name: String,
}

impl TestDb {
    async fn create() -> Option<TestDb> {
        let db = TestDb::create_unmigrated().await?;
        db.node().await.migrate().await.expect("migrate");
        Some(db)
    }

    /// A database of its own, without the schema.
    async fn create_unmigrated() -> Option<TestDb> {
        let url = std::env::var("SIGILLO_TEST_PG_URL")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_owned());
        let admin = PgConnectOptions::from_str(&url).expect("SIGILLO_TEST_PG_URL");
        let mut conn = match tokio::time::timeout(Duration::from_secs(5), PgConnection::connect_with(&admin)).await {
            Ok(Ok(conn)) => conn,
            other => {
                let why = match other {
                    Ok(Err(err)) => err.to_string(),
                    _ => "timed out".to_owned(),
                };
                assert!(!std::env::var("CI").is_ok_and(|v| v == "true"), "PostgreSQL is required in CI: {why}");
                eprintln!("SKIPPED (no PostgreSQL: {why})");
                return None;
            }
        };
        let name = format!("sigillo_pgstore_{}", Uuid::new_v4().simple());
        sqlx::raw_sql(AssertSqlSafe(format!(r#"CREATE DATABASE "{name}""#))).execute(&mut conn).await.expect("create");
        conn.close().await.expect("close");
        Some(TestDb { admin, name })
    }

    fn options(&self) -> PgConnectOptions {
        self.admin.clone().database(&self.name)
    }

    /// A store with a pool of its own, as one node would have.
    async fn node(&self) -> PostgresStore {
        PostgresStore::connect_with(self.options(), 3).await.expect("connect")
    }

    /// Plain SQL access, to look at the tables.
    async fn sql(&self) -> PgPool {
        PgPoolOptions::new().max_connections(1).connect_with(self.options()).await.expect("connect")
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let (admin, name) = (self.admin.clone(), std::mem::take(&mut self.name));
        let _ = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
            runtime.block_on(async {
                let mut conn = PgConnection::connect_with(&admin).await.expect("connect");
                sqlx::raw_sql(AssertSqlSafe(format!(r#"DROP DATABASE IF EXISTS "{name}" WITH (FORCE)"#)))
                    .execute(&mut conn)
                    .await
                    .expect("drop");
            });
        })
        .join();
    }
}

fn code(n: u8) -> FiscalCode {
    FiscalCode::parse("RSSMRA80A01H501U").expect("valid").with_omocodia(n)
}

fn message(code: FiscalCode, n: u32) -> OutboundMessage {
    OutboundMessage {
        id: Uuid::new_v4(),
        channel: Channel::Letter,
        kind: MessageKind::PinSecondHalf,
        recipient: format!("Mario Rossi {n}"),
        fiscal_code: code,
        subject: Some("Il suo PIN".to_owned()),
        body: "Seconda metà del PIN".to_owned(),
        pin_half: Some("ABCDEFGH".to_owned()),
        link: Some("https://example.test/r/x".to_owned()),
        code: Some("123456".to_owned()),
        postal_address: Some(PostalAddress { name: "Mario Rossi".to_owned(), lines: vec!["Via Roma 1".to_owned()] }),
        created_at: T0,
    }
}

/// A first half by SMS (with a link and a code too, to see them all wiped).
fn sms(code: FiscalCode, n: u32) -> OutboundMessage {
    OutboundMessage {
        channel: Channel::Sms,
        kind: MessageKind::PinFirstHalf,
        recipient: format!("+3933312345{n:02}"),
        postal_address: None,
        ..message(code, n)
    }
}

fn event(code: FiscalCode, name: &str) -> AuditEvent {
    AuditEvent::new(T0, Actor::Citizen, name).fiscal_code(&code).detail("n", name)
}

fn requested(code: FiscalCode) -> Credential {
    Credential::new(Uuid::new_v4(), code, Level::Ordinario, T0)
}

async fn verify_whole_chain(store: &PostgresStore) -> u64 {
    let entries = store.audit_page(0, 100_000).await.expect("audit_page");
    verify_chain(&entries, &mut (0, GENESIS_HASH.to_owned())).expect("the chain verifies")
}

/// Nodes racing to create the credential of one fiscal code: exactly one wins, and the losers
/// leave nothing behind (their messages and audit entries were in the same transaction).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn racing_requests_make_exactly_one_live_credential() {
    let Some(db) = TestDb::create().await else { return };
    let nodes = [db.node().await, db.node().await, db.node().await, db.node().await];
    let racers = nodes.iter().cycle().take(12).map(|node| {
        let changes = Changes {
            insert_credentials: vec![requested(code(1))],
            messages: vec![message(code(1), 0)],
            audit: vec![event(code(1), "pin_requested")],
            ..Changes::default()
        };
        node.commit(changes, T0)
    });
    let results = futures_join_all(racers).await;
    let wins = results.iter().filter(|r| r.is_ok()).count();
    assert_eq!(wins, 1, "{results:?}");
    assert!(results.iter().all(|r| matches!(r, Ok(()) | Err(StoreError::Conflict(_)))), "{results:?}");
    assert_eq!(nodes[0].outbox_stats().await.expect("stats").pending, 1);
    assert_eq!(verify_whole_chain(&nodes[0]).await, 1);
}

/// Workers on four nodes drain one queue at once: every message is taken exactly once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn claimers_on_separate_nodes_never_share_a_message() {
    let Some(db) = TestDb::create().await else { return };
    let setup = db.node().await;
    let messages: Vec<_> = (0..300).map(|n| message(code(2), n)).collect();
    setup.commit(Changes { messages, ..Changes::default() }, T0).await.expect("queue");

    let nodes = [db.node().await, db.node().await, db.node().await, db.node().await];
    let workers = nodes.iter().enumerate().map(|(i, node)| async move {
        let worker = format!("node-{i}");
        let mut taken = Vec::new();
        loop {
            let batch = node.claim_messages(&worker, T0, Duration::from_secs(600), 7).await.expect("claim");
            if batch.is_empty() {
                return taken;
            }
            taken.extend(batch.into_iter().map(|q| q.message.id));
            tokio::task::yield_now().await;
        }
    });
    let taken: Vec<Uuid> = futures_join_all(workers).await.into_iter().flatten().collect();
    let distinct: HashSet<_> = taken.iter().collect();
    assert_eq!(taken.len(), 300, "every message taken once");
    assert_eq!(distinct.len(), 300, "no message taken twice");

    // The leases hold until they run out; then the messages are due again.
    assert!(
        nodes[0]
            .claim_messages("late", T0 + Duration::from_secs(599), Duration::from_secs(60), 10)
            .await
            .expect("claim")
            .is_empty()
    );
    let again = nodes[0]
        .claim_messages("late", T0 + Duration::from_secs(600), Duration::from_secs(60), 10)
        .await
        .expect("claim");
    assert_eq!(again.len(), 10);
}

/// A delivered message keeps its text, but no half-PIN, link or code: in the table itself.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_delivered_message_holds_no_secret_in_the_table() {
    let Some(db) = TestDb::create().await else { return };
    let store = db.node().await;
    let m = sms(code(3), 1);
    store.commit(Changes { messages: vec![m.clone()], ..Changes::default() }, T0).await.expect("queue");
    let claimed = store.claim_messages("w", T0, Duration::from_secs(60), 10).await.expect("claim");
    assert_eq!(claimed.len(), 1);
    assert_eq!(claimed[0].message, m, "a message comes back as queued");
    store.mark_delivered(m.id, T0 + Duration::from_secs(5)).await.expect("delivered");

    let sql = db.sql().await;
    let row: (Option<String>, Option<String>, Option<String>, String, Option<String>) =
        sqlx::query_as("SELECT pin_half, link, code, status, claimed_by FROM outbox WHERE id = $1")
            .bind(m.id)
            .fetch_one(&sql)
            .await
            .expect("row");
    assert_eq!(row, (None, None, None, "delivered".to_owned(), None));

    // And the table refuses a delivered row that would keep one.
    let refused = sqlx::query("UPDATE outbox SET pin_half = 'X' WHERE id = $1").bind(m.id).execute(&sql).await;
    assert!(refused.is_err(), "the CHECK constraint holds");

    // A failure reported late does not bring the message back.
    store.mark_failed(m.id, 1, Some(T0), "late").await.expect("mark_failed");
    assert_eq!(store.outbox_stats().await.expect("stats").pending, 0);
}

/// Nodes appending at once, through commits and plain appends, still form one unbroken chain,
/// with timestamps finer than PostgreSQL keeps.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn appends_from_many_nodes_form_one_chain() {
    let Some(db) = TestDb::create().await else { return };
    // A server whose default isolation is stricter must not break the chain's read-after-lock.
    let sql = db.sql().await;
    sqlx::raw_sql(AssertSqlSafe(format!(
        r#"ALTER DATABASE "{}" SET default_transaction_isolation = 'repeatable read'"#,
        db.name
    )))
    .execute(&sql)
    .await
    .expect("alter");

    let nodes = [db.node().await, db.node().await, db.node().await];
    let writers = nodes.iter().enumerate().map(|(i, node)| async move {
        for n in 0..20u8 {
            let at = T0 + Duration::from_nanos(u64::from(n) * 1_000_123 + 789);
            let mut e = event(code(4), &format!("n{i}-{n}"));
            e.at = at;
            e.details = BTreeMap::from([("quote".to_owned(), "\"é\\\n".to_owned())]);
            if n % 2 == 0 {
                node.append_audit(vec![e.clone(), e]).await.expect("append");
            } else {
                let changes = Changes { audit: vec![e], clear_attempts: vec![code(4)], ..Changes::default() };
                node.commit(changes, at).await.expect("commit");
            }
        }
    });
    futures_join_all(writers).await;
    assert_eq!(verify_whole_chain(&nodes[0]).await, 3 * (10 * 2 + 10));
    let newest = nodes[1].audit_of(&code(4), 5).await.expect("audit_of");
    assert_eq!(newest.len(), 5);
    assert!(newest.windows(2).all(|w| w[0].seq > w[1].seq), "newest first");
}

/// UPDATE and DELETE on the audit log fail, whoever tries.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_audit_log_is_append_only() {
    let Some(db) = TestDb::create().await else { return };
    let store = db.node().await;
    store.append_audit(vec![event(code(5), "x")]).await.expect("append");
    let sql = db.sql().await;
    for statement in ["UPDATE audit_log SET event = 'y'", "DELETE FROM audit_log", "TRUNCATE audit_log"] {
        assert!(sqlx::query(statement).execute(&sql).await.is_err(), "{statement} is refused");
    }
    assert_eq!(verify_whole_chain(&store).await, 1);
}

/// Submissions from several nodes at once get consecutive protocol numbers, one each.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn protocol_numbers_have_no_gaps_or_duplicates() {
    let Some(db) = TestDb::create().await else { return };
    let nodes = [db.node().await, db.node().await, db.node().await];
    let submitters = nodes.iter().map(|node| async move {
        let mut protocols = Vec::new();
        for _ in 0..15 {
            let application = node
                .submit_application(
                    Uuid::new_v4(),
                    &code(6),
                    ApplicationType::Naspi,
                    r#"{ "b": 1, "a": 2 }"#,
                    T0,
                    event(code(6), "application_submitted"),
                )
                .await
                .expect("submit");
            assert_eq!(application.data, r#"{ "b": 1, "a": 2 }"#, "data kept byte for byte");
            protocols.push(application.protocol);
        }
        protocols
    });
    let mut protocols: Vec<String> = futures_join_all(submitters).await.into_iter().flatten().collect();
    protocols.sort();
    let expected: Vec<String> = (1..=45).map(|n| format!("INPS.2026.{n:08}")).collect();
    assert_eq!(protocols, expected);
    assert_eq!(nodes[0].applications_of(&code(6)).await.expect("applications_of").len(), 45);
    assert_eq!(verify_whole_chain(&nodes[0]).await, 45);
}

/// A stale credential update fails the whole commit: nothing of it is stored. Revoking the live
/// credential and creating its successor can share a commit.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stale_updates_conflict_and_replacement_works_in_one_commit() {
    let Some(db) = TestDb::create().await else { return };
    let store = db.node().await;
    let first = requested(code(7));
    store.commit(Changes { insert_credentials: vec![first.clone()], ..Changes::default() }, T0).await.expect("insert");

    let mut issued = first.clone();
    issued.issue_first_access("hash-1".to_owned(), "half-hash-1".to_owned(), T0).expect("transition");
    store.commit(Changes { update_credentials: vec![issued.clone()], ..Changes::default() }, T0).await.expect("update");

    // `issued` still says version 0: stale now.
    let stale = Changes {
        update_credentials: vec![issued.clone()],
        messages: vec![message(code(7), 1)],
        audit: vec![event(code(7), "stale")],
        ..Changes::default()
    };
    assert!(matches!(store.commit(stale, T0).await, Err(StoreError::Conflict(_))));
    assert_eq!(store.outbox_stats().await.expect("stats").pending, 0);
    assert_eq!(verify_whole_chain(&store).await, 0);

    let mut current = store.credential(first.id).await.expect("read").expect("exists");
    assert_eq!(current.version, 1);
    current.transition(CredentialState::Revoked, T0).expect("revoke");
    let successor = requested(code(7));
    let session = Session {
        id: Uuid::new_v4(),
        token_hash: token_hash("t"),
        credential_id: successor.id,
        fiscal_code: code(7),
        level: Level::Ordinario,
        created_at: T0,
        last_seen_at: T0,
        expires_at: T0 + Duration::from_secs(3600),
        ended_at: None,
        client_ip: Some("192.0.2.1".to_owned()),
    };
    let replace = Changes {
        update_credentials: vec![current],
        insert_credentials: vec![successor.clone()],
        open_sessions: vec![session.clone()],
        ..Changes::default()
    };
    store.commit(replace, T0).await.expect("revoke and replace in one commit");
    assert_eq!(store.live_credential(&code(7)).await.expect("live"), Some(successor.clone()));
    assert_eq!(store.session_by_token_hash(&token_hash("t")).await.expect("session"), Some(session));

    let end = Changes { end_sessions_of: vec![successor.id], ..Changes::default() };
    store.commit(end, T0 + Duration::from_secs(1)).await.expect("end");
    let ended = store.session_by_token_hash(&token_hash("t")).await.expect("session").expect("exists");
    assert_eq!(ended.ended_at, Some(T0 + Duration::from_secs(1)));
}

/// A letter numbered `n`, created `n` milliseconds after `T0`.
fn letter(code: FiscalCode, n: u32) -> OutboundMessage {
    OutboundMessage { created_at: T0 + Duration::from_millis(u64::from(n)), ..message(code, n) }
}

/// Withdraws one letter as fast activation does (with an audit entry, to see a refused withdrawal
/// leave nothing behind).
/// The delivery worker's part: every due message handed over (letters keep their halves for print).
async fn hand_over(store: &PostgresStore) {
    let due = T0 + Duration::from_secs(3600);
    for queued in store.claim_messages("worker", due, Duration::from_secs(60), 1000).await.expect("claim_messages") {
        store.mark_delivered(queued.message.id, due).await.expect("mark_delivered");
    }
}

fn withdraw(letter: Uuid) -> Changes {
    Changes { cancel_letters: vec![letter], audit: vec![event(code(8), "letter_cancelled")], ..Changes::default() }
}

/// Print batches claimed on three nodes at once while fast activations withdraw letters on a
/// fourth: every letter ends up in exactly one batch or withdrawn, never both and never neither.
/// A batch keeps its halves until it is confirmed; then the table holds none, and a printed letter
/// can no longer be withdrawn.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn print_batches_on_several_nodes_never_share_or_lose_a_letter() {
    let Some(db) = TestDb::create().await else { return };
    let setup = db.node().await;
    let letters: Vec<_> = (0..240).map(|n| letter(code(8), n)).collect();
    let mut messages = letters.clone();
    messages.push(sms(code(8), 1));
    setup.commit(Changes { messages, ..Changes::default() }, T0).await.expect("queue");
    hand_over(&setup).await;

    let nodes = [db.node().await, db.node().await, db.node().await];
    let printers = nodes.iter().enumerate().map(|(i, node)| async move {
        let mut batches = Vec::new();
        for round in 0.. {
            let batch = format!("node{i}-{round:03}");
            let claimed = node.claim_letters_for_print(&batch, T0 + Duration::from_secs(60), 3).await.expect("claim");
            if claimed.is_empty() {
                return batches;
            }
            assert!(
                claimed.iter().all(|l| l.channel == Channel::Letter && l.pin_half.is_some()),
                "letters, with halves"
            );
            assert!(claimed.windows(2).all(|w| w[0].created_at < w[1].created_at), "oldest first");
            batches.push((batch, claimed.into_iter().map(|l| l.id).collect::<Vec<_>>()));
            // Slow enough for the withdrawals to get some letters first.
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        unreachable!()
    });
    let activations = db.node().await;
    let withdrawals = async {
        let mut withdrawn = HashSet::new();
        // Newest first, against the printers' order, so that the two meet in the middle.
        for letter in letters.iter().rev().step_by(2) {
            match activations.commit(withdraw(letter.id), T0).await {
                Ok(()) => {
                    withdrawn.insert(letter.id);
                }
                Err(StoreError::Conflict(_)) => {}
                Err(other) => panic!("withdrawal failed: {other}"),
            }
        }
        withdrawn
    };
    let (batches, withdrawn) = tokio::join!(futures_join_all(printers), withdrawals);
    let batches: Vec<(String, Vec<Uuid>)> = batches.into_iter().flatten().collect();
    let printed: Vec<Uuid> = batches.iter().flat_map(|(_, ids)| ids.iter().copied()).collect();
    let printed_set: HashSet<Uuid> = printed.iter().copied().collect();
    assert_eq!(printed.len(), printed_set.len(), "no letter in two batches");
    assert!(printed_set.is_disjoint(&withdrawn), "no letter both printed and withdrawn");
    assert_eq!(printed_set.len() + withdrawn.len(), letters.len(), "every letter printed or withdrawn");
    eprintln!("{} letters printed, {} withdrawn", printed_set.len(), withdrawn.len());
    // Refused withdrawals left nothing behind.
    assert_eq!(verify_whole_chain(&setup).await, withdrawn.len() as u64);

    // Until confirmed, each batch can be written again, with its halves, in page order.
    let mut names: Vec<String> = batches.iter().map(|(name, _)| name.clone()).collect();
    let mut unconfirmed = setup.unconfirmed_print_batches().await.expect("unconfirmed");
    names.sort();
    unconfirmed.sort();
    assert_eq!(unconfirmed, names);
    for (name, ids) in &batches {
        let again = setup.letters_of_batch(name).await.expect("letters_of_batch");
        assert_eq!(&again.iter().map(|l| l.id).collect::<Vec<_>>(), ids);
        assert!(again.iter().all(|l| l.pin_half.as_deref() == Some("ABCDEFGH")));
    }
    for (name, _) in &batches {
        setup.confirm_print_batch(name).await.expect("confirm");
    }
    assert!(setup.unconfirmed_print_batches().await.expect("unconfirmed").is_empty());
    assert!(
        setup.letters_of_batch(&batches[0].0).await.expect("letters_of_batch").iter().all(|l| l.pin_half.is_none())
    );

    let sql = db.sql().await;
    let halves: i64 =
        sqlx::query_scalar("SELECT count(*) FROM outbox WHERE channel = 'letter' AND pin_half IS NOT NULL")
            .fetch_one(&sql)
            .await
            .expect("count");
    assert_eq!(halves, 0, "no half left in the table");
    let sms_in_batch: i64 =
        sqlx::query_scalar("SELECT count(*) FROM outbox WHERE channel = 'sms' AND print_batch IS NOT NULL")
            .fetch_one(&sql)
            .await
            .expect("count");
    assert_eq!(sms_in_batch, 0, "only letters are printed");

    // A printed letter stays printed, a withdrawn one withdrawn; nothing is left to print.
    let printed_one = printed[0];
    assert!(matches!(setup.commit(withdraw(printed_one), T0).await, Err(StoreError::Conflict(_))));
    for &withdrawn_one in withdrawn.iter().take(1) {
        assert!(matches!(setup.commit(withdraw(withdrawn_one), T0).await, Err(StoreError::Conflict(_))));
    }
    assert!(setup.claim_letters_for_print("late", T0, 100).await.expect("claim").is_empty());
    assert_eq!(setup.unprinted_letter(&code(8)).await.expect("unprinted_letter"), None);
}

/// A letter delivered (to the demo mailbox, say) keeps its half until it is printed; an SMS keeps
/// nothing; a withdrawn letter keeps nothing and stays withdrawn. The table's CHECKs say the same.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_letter_keeps_its_half_until_printed_and_no_longer() {
    let Some(db) = TestDb::create().await else { return };
    let store = db.node().await;
    let (kept, withdrawn, text) = (letter(code(9), 1), letter(code(9), 2), sms(code(9), 3));
    let messages = vec![kept.clone(), withdrawn.clone(), text.clone()];
    store.commit(Changes { messages, ..Changes::default() }, T0).await.expect("queue");
    let soon = T0 + Duration::from_millis(500);
    assert_eq!(store.claim_messages("w", soon, Duration::from_secs(60), 10).await.expect("claim").len(), 3);

    // The newest unprinted letter is the one fast activation withdraws, delivered or not.
    assert_eq!(store.unprinted_letter(&code(9)).await.expect("unprinted").map(|l| l.id), Some(withdrawn.id));
    store.commit(withdraw(withdrawn.id), T0).await.expect("withdraw");
    for m in [&kept, &withdrawn, &text] {
        store.mark_delivered(m.id, T0 + Duration::from_secs(1)).await.expect("delivered");
    }
    let found = store.unprinted_letter(&code(9)).await.expect("unprinted").expect("the other letter");
    assert_eq!((found.id, found.pin_half.as_deref(), found.link.as_deref()), (kept.id, Some("ABCDEFGH"), None));

    let sql = db.sql().await;
    let row = |id: Uuid| {
        let sql = sql.clone();
        async move {
            let row: (String, Option<String>, Option<String>, Option<String>) =
                sqlx::query_as("SELECT status, pin_half, link, code FROM outbox WHERE id = $1")
                    .bind(id)
                    .fetch_one(&sql)
                    .await
                    .expect("row");
            row
        }
    };
    assert_eq!(row(kept.id).await, ("delivered".to_owned(), Some("ABCDEFGH".to_owned()), None, None));
    assert_eq!(
        row(withdrawn.id).await,
        ("cancelled".to_owned(), None, None, None),
        "a late delivery does not revive it"
    );
    assert_eq!(row(text.id).await, ("delivered".to_owned(), None, None, None));

    for (statement, id) in [
        ("UPDATE outbox SET pin_half = 'X' WHERE id = $1", text.id),
        ("UPDATE outbox SET link = 'X' WHERE id = $1", kept.id),
        ("UPDATE outbox SET pin_half = 'X' WHERE id = $1", withdrawn.id),
        ("UPDATE outbox SET print_batch = 'b', printed_at = now() WHERE id = $1", text.id),
        ("UPDATE outbox SET print_batch = 'b' WHERE id = $1", kept.id),
    ] {
        assert!(sqlx::query(statement).bind(id).execute(&sql).await.is_err(), "{statement} is refused");
    }

    let batch = store.claim_letters_for_print("b1", T0 + Duration::from_secs(2), 10).await.expect("claim");
    assert_eq!(batch.iter().map(|l| (l.id, l.pin_half.as_deref())).collect::<Vec<_>>(), [(kept.id, Some("ABCDEFGH"))]);
    assert_eq!(store.unprinted_letter(&code(9)).await.expect("unprinted"), None, "a letter in a batch is printed");
    store.confirm_print_batch("b1").await.expect("confirm");
    assert_eq!(row(kept.id).await, ("delivered".to_owned(), None, None, None));
}

/// Letters delivered before print batches existed were printed by their delivery and hold no half:
/// the upgrade puts them out of reach of print batches; letters still waiting are printed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_upgrade_leaves_letters_delivered_before_batches_out_of_them() {
    let Some(db) = TestDb::create_unmigrated().await else { return };
    let migrations =
        sqlx::migrate::Migrator::new(std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/migrations")))
            .await
            .expect("migrations");
    let before = sqlx::migrate::Migrator {
        migrations: migrations.migrations.iter().filter(|m| m.version <= 2).cloned().collect(),
        ..sqlx::migrate::Migrator::DEFAULT
    };
    let sql = db.sql().await;
    before.run(&sql).await.expect("migrations 0001 and 0002");

    // As the delivery worker of 0002 left them: delivered letters without halves, a letter waiting.
    let legacy =
        [("delivered", None), ("delivered", None), ("pending", Some("ABCDEFGH")), ("parked", Some("ZYXWVUTS"))];
    let mut ids = Vec::new();
    for (n, (status, half)) in legacy.into_iter().enumerate() {
        let id = Uuid::new_v4();
        sqlx::query(
            "INSERT INTO outbox (id, channel, kind, recipient, fiscal_code, body, pin_half, postal_address, created_at, \
             status, next_attempt_at, delivered_at) \
             VALUES ($1, 'letter', 'pin_second_half', 'Mario Rossi', $2, 'x', $3, '{\"name\":\"M\",\"lines\":[]}', \
             $4, $5, $4, CASE WHEN $5 = 'delivered' THEN $4 END)",
        )
        .bind(id)
        .bind(code(10).as_str())
        .bind(half)
        .bind(T0 + Duration::from_secs(n as u64))
        .bind(status)
        .execute(&sql)
        .await
        .expect("legacy row");
        ids.push(id);
    }

    let store = db.node().await;
    store.migrate().await.expect("upgrade");
    assert!(store.claim_letters_for_print("early", T0, 100).await.expect("claim").is_empty(), "not handed over yet");
    // The worker hands the waiting letter over; the parked one waits for an operator.
    hand_over(&store).await;
    let batch = store.claim_letters_for_print("first", T0, 100).await.expect("claim");
    assert_eq!(batch.iter().map(|l| l.id).collect::<Vec<_>>(), ids[2..3], "only the letter handed over since");
    assert_eq!(store.unconfirmed_print_batches().await.expect("unconfirmed"), ["first"]);
}

/// Hits on one key from four nodes at once are each counted once. Sweeps forget only keys expired
/// by both the database's clock and the caller's, so a node running behind (as these tests do)
/// never sees its counts vanish.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rate_limit_hits_from_many_nodes_count_once_each() {
    let Some(db) = TestDb::create().await else { return };
    let nodes = [db.node().await, db.node().await, db.node().await, db.node().await];
    let window_end = T0 + Duration::from_secs(3600);
    let hitters = nodes.iter().map(|node| async move {
        let mut counts = Vec::new();
        for _ in 0..40 {
            counts.push(node.hit("ip:192.0.2.1:493", window_end).await.expect("hit"));
        }
        counts
    });
    let mut counts: Vec<u32> = futures_join_all(hitters).await.into_iter().flatten().collect();
    counts.sort_unstable();
    assert_eq!(counts, (1..=160).collect::<Vec<_>>());

    // Long expired, by every clock: swept. Expired by the database's clock only (T0 lies in the
    // past), within the caller's window: kept.
    let sql = db.sql().await;
    sqlx::query(
        "INSERT INTO rate_limits (key, hits, expires_at) \
         SELECT 'old:' || n, 1, timestamptz '2020-01-01 00:00:00+00' + n * interval '1 second' \
         FROM generate_series(1, 300) AS n",
    )
    .execute(&sql)
    .await
    .expect("old keys");
    let store = db.node().await;
    store.hit("cf:recent", T0 - Duration::from_secs(60)).await.expect("hit");
    for _ in 0..600 {
        store.hit("cf:RSSMRA80A01H501U:493", window_end).await.expect("hit");
    }
    let old: i64 = sqlx::query_scalar("SELECT count(*) FROM rate_limits WHERE key LIKE 'old:%'")
        .fetch_one(&sql)
        .await
        .expect("count");
    assert_eq!(old, 0, "two sweeps of up to 1,000 keys ran");
    assert_eq!(store.hit("cf:recent", T0 - Duration::from_secs(60)).await.expect("hit"), 2);
    assert_eq!(store.hit("ip:192.0.2.1:493", window_end).await.expect("hit"), 161);
}

/// Two nodes confirming one recovery link at once: exactly one succeeds. Two nodes adding one
/// contact value for one citizen at once: exactly one succeeds. Neither loser leaves anything.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn racing_recoveries_and_contacts_let_exactly_one_win() {
    let Some(db) = TestDb::create().await else { return };
    let nodes = [db.node().await, db.node().await, db.node().await, db.node().await];
    let credential = requested(code(11));
    let recovery = Recovery {
        id: Uuid::new_v4(),
        fiscal_code: code(11),
        credential_id: credential.id,
        token_hash: token_hash("link"),
        code_hash: token_hash("123456"),
        mobile: "+393331234567".to_owned(),
        email: "mario@example.it".to_owned(),
        created_at: T0,
        expires_at: T0 + Duration::from_secs(86_400),
        attempts: 0,
        used_at: None,
        version: 0,
    };
    let setup = Changes {
        insert_credentials: vec![credential],
        insert_recoveries: vec![recovery.clone()],
        ..Changes::default()
    };
    nodes[0].commit(setup, T0).await.expect("setup");

    let used = Recovery { used_at: Some(T0 + Duration::from_secs(5)), ..recovery.clone() };
    let confirmations = nodes.iter().map(|node| {
        let changes = Changes {
            update_recoveries: vec![used.clone()],
            messages: vec![sms(code(11), 1)],
            audit: vec![event(code(11), "pin_recovered")],
            ..Changes::default()
        };
        node.commit(changes, T0)
    });
    let results = futures_join_all(confirmations).await;
    assert_eq!(results.iter().filter(|r| r.is_ok()).count(), 1, "{results:?}");
    assert!(results.iter().all(|r| matches!(r, Ok(()) | Err(StoreError::Conflict(_)))), "{results:?}");
    let stored = nodes[1].recovery_by_token_hash(&token_hash("link")).await.expect("read").expect("exists");
    assert_eq!(stored, Recovery { version: 1, ..used });

    let contact = |id: Uuid| Contact {
        id,
        fiscal_code: code(11),
        kind: ContactKind::Email,
        value: "mario@example.it".to_owned(),
        verified_at: None,
        code_hash: Some(token_hash("654321")),
        code_expires_at: Some(T0 + Duration::from_secs(1800)),
        code_attempts: 0,
        created_at: T0,
    };
    let adds = nodes.iter().map(|node| {
        let changes = Changes {
            save_contacts: vec![contact(Uuid::new_v4())],
            audit: vec![event(code(11), "contact_added")],
            ..Changes::default()
        };
        node.commit(changes, T0)
    });
    let results = futures_join_all(adds).await;
    assert_eq!(results.iter().filter(|r| r.is_ok()).count(), 1, "{results:?}");
    assert!(results.iter().all(|r| matches!(r, Ok(()) | Err(StoreError::Conflict(_)))), "{results:?}");
    assert_eq!(nodes[2].contacts_of(&code(11)).await.expect("contacts").len(), 1);
    assert_eq!(verify_whole_chain(&nodes[0]).await, 2);

    // An id is not a way into another citizen's contacts.
    let mine = nodes[0].contacts_of(&code(11)).await.expect("contacts").remove(0);
    let hijack = Contact { fiscal_code: code(12), value: "evil@example.it".to_owned(), ..mine.clone() };
    let refused = nodes[0].commit(Changes { save_contacts: vec![hijack], ..Changes::default() }, T0).await;
    assert!(matches!(refused, Err(StoreError::Conflict(_))), "{refused:?}");
    assert_eq!(nodes[0].contact(&code(11), mine.id).await.expect("contact"), Some(mine.clone()));
    assert_eq!(nodes[0].contact(&code(12), mine.id).await.expect("contact"), None);
    assert!(!nodes[0].delete_contact(&code(12), mine.id).await.expect("delete"), "not theirs to delete");

    // The table takes a code's hash, not the code.
    let plaintext = Contact {
        id: Uuid::new_v4(),
        value: "other@example.it".to_owned(),
        code_hash: Some("654321".to_owned()),
        ..mine
    };
    assert!(nodes[0].commit(Changes { save_contacts: vec![plaintext], ..Changes::default() }, T0).await.is_err());
}

/// `join_all` without the futures crate: spawned tasks, awaited in order.
async fn futures_join_all<F>(futures: impl IntoIterator<Item = F>) -> Vec<F::Output>
where
    F: std::future::Future + Send,
    F::Output: Send,
{
    // Scoped futures cannot be spawned ('static); poll them together on this task instead.
    let mut pending: Vec<std::pin::Pin<Box<F>>> = futures.into_iter().map(Box::pin).collect();
    let mut outputs: Vec<Option<F::Output>> = pending.iter().map(|_| None).collect();
    std::future::poll_fn(|cx| {
        let mut all_done = true;
        for (future, output) in pending.iter_mut().zip(outputs.iter_mut()) {
            if output.is_none() {
                match future.as_mut().poll(cx) {
                    std::task::Poll::Ready(value) => *output = Some(value),
                    std::task::Poll::Pending => all_done = false,
                }
            }
        }
        if all_done { std::task::Poll::Ready(()) } else { std::task::Poll::Pending }
    })
    .await;
    outputs.into_iter().map(|o| o.expect("every future finished")).collect()
}

/// How many login-shaped commits (a cleared counter, and one audit entry or none) per second go
/// through with 4 nodes of 4 connections committing at once: what the shared chain lock costs.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "measurement: cargo test --release -p sigillo-store-postgres --test postgres -- --ignored --nocapture"]
async fn audited_commit_throughput() {
    let Some(db) = TestDb::create().await else { return };
    let mut nodes = Vec::new();
    for _ in 0..4 {
        nodes.push(PostgresStore::connect_with(db.options(), 4).await.expect("connect"));
    }
    for audited in [false, true, false, true] {
        let run = Duration::from_secs(5);
        let started = std::time::Instant::now();
        let workers =
            nodes.iter().flat_map(|node| (0..4u8).map(move |slot| (node, slot))).map(|(node, slot)| async move {
                let mut done = 0u64;
                while started.elapsed() < run {
                    let changes = Changes {
                        clear_attempts: vec![code(slot)],
                        audit: if audited { vec![event(code(slot), "login_succeeded")] } else { Vec::new() },
                        ..Changes::default()
                    };
                    node.commit(changes, T0).await.expect("commit");
                    done += 1;
                }
                done
            });
        let total: u64 = futures_join_all(workers).await.into_iter().sum();
        let seconds = started.elapsed().as_secs_f64();
        eprintln!("audited {audited}: {total} commits in {seconds:.1} s = {:.0}/s", total as f64 / seconds);
    }
    verify_whole_chain(&nodes[0]).await;
}
