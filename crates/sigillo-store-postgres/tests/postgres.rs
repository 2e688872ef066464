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
use sigillo_domain::credential::{Credential, CredentialState, Level};
use sigillo_domain::fiscal_code::FiscalCode;
use sigillo_domain::outbox::{Channel, MessageKind, OutboundMessage, PostalAddress};
use sigillo_domain::session::{Session, token_hash};
use sigillo_domain::store::{ApplicationStore, AuditStore, Changes, CredentialStore, OutboxStore, Store, StoreError};
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
        let db = TestDb { admin, name };
        db.node().await.migrate().await.expect("migrate");
        Some(db)
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
    let m = message(code(3), 1);
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
    issued.issue_first_access("hash-1".to_owned(), T0).expect("transition");
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
