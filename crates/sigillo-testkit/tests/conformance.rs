//! Every conformance story on every backend. PostgreSQL tests print `SKIPPED …` and pass when no
//! server answers, except in CI (`CI=true`), where they fail.

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic, reason = "test support: failing loudly is its job")]

use std::time::Instant;

use sigillo_domain::registry::InsuredPerson;
use sigillo_domain::store::{RegistryStore, Store};
use sigillo_store_postgres::PostgresStore;
use sigillo_store_sqlite::SqliteStore;
use sigillo_testkit::story;
use sigillo_testkit::{empty_postgres_store, fixtures, postgres_store, sqlite_store};

/// One module per story, with a test per backend, grouped by story module:
/// `cargo test -p sigillo-testkit round_trip`, `… credentials::`, `… sqlite`.
macro_rules! on_every_backend {
    ($($module:ident: [$($story:ident),* $(,)?]),* $(,)?) => {$(
        mod $module {$(
            mod $story {
                use super::super::*;

                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sqlite() {
                    let (store, _dir) = sqlite_store().await;
                    story::$module::$story(&store).await;
                }

                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn postgres() {
                    if let Some(db) = postgres_store().await {
                        story::$module::$story(db.store()).await;
                    }
                }
            }
        )*}
    )*};
}

on_every_backend!(
    registry: [
        registry_story,
        migrate_and_ping,
        round_trip,
        upsert_updates,
        batch_duplicates_keep_last,
        contribution_history,
        contributions_for_unknown_person_store_nothing,
        big_batch,
        concurrent_writers,
    ],
    credentials: [
        commit_stores_everything,
        second_live_credential_conflicts,
        ended_credentials_do_not_block,
        stale_update_conflicts,
        credential_fields_round_trip,
        credentials_due_for_expiry_notice,
        concurrent_requests_make_one_credential,
        end_and_replace_in_one_commit,
        latest_credential_in_any_state,
        live_credentials_oldest_first,
        credentials_due_for_sunset_notice,
    ],
    attempts: [login_attempts_compare_and_swap, commit_clears_attempts, concurrent_attempts_one_wins],
    sessions: [session_life, end_sessions_of_credential],
    outbox: [claims_hold_a_lease, delivery_retry_and_parking, concurrent_claims_do_not_overlap, parked_messages_are_retried_or_discarded],
    audit: [audit_chain, audit_of_citizen, concurrent_appends_keep_one_chain, audit_search_filters],
    applications: [application_protocols, concurrent_submissions_get_unique_protocols],
    contacts: [contact_life, duplicate_contact_conflicts],
    recoveries: [recovery_round_trip, recovery_updates_compare_and_swap, concurrent_confirmations_use_a_link_once],
    letters: [
        delivered_letter_keeps_its_half_until_printed,
        cancelled_letter_is_never_printed,
        print_batches_are_confirmed,
        concurrent_print_claims_do_not_overlap,
        print_batch_summaries,
    ],
    rate_limits: [hits_count_per_key, concurrent_hits_get_distinct_counts],
    operators: [operator_life, identity_checks_and_phone_queue],
    pensions: [pension_slips_round_trip, pension_slips_all_or_nothing],
    upgrades: [
        upgrade_life,
        decision_with_a_stale_credential_rolls_back,
        concurrent_submissions_make_one_request,
        concurrent_decisions_one_wins,
    ],
    oidc: [
        clients_and_signing_keys,
        requests_consents_and_grants,
        codes_are_redeemed_once,
        concurrent_redemptions_one_wins,
        tokens_and_refresh_rotation,
        concurrent_refreshes_one_wins,
        revocations,
        pruning,
    ],
);

#[tokio::test]
async fn sqlite_in_memory_works_too() {
    let store = SqliteStore::connect("sqlite::memory:").await.expect("in-memory SQLite");
    store.migrate().await.expect("migrate");
    story::registry::round_trip(&store).await;
    story::registry::contribution_history(&store).await;
}

#[tokio::test]
async fn sqlite_data_survives_reopening() {
    let (store, dir) = sqlite_store().await;
    let someone = fixtures::person(5);
    store.upsert_persons(std::slice::from_ref(&someone)).await.expect("upsert");
    store.close().await;
    let url = format!("sqlite://{}", dir.path().join("sigillo.db").display());
    let reopened = SqliteStore::connect(&url).await.expect("reopen");
    reopened.migrate().await.expect("migrate an existing database");
    assert_eq!(reopened.find_person(&someone.fiscal_code).await.expect("find"), Some(someone));
}

/// Nodes starting together all migrate the same new database at once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_nodes_migrate_at_once() {
    let Some(db) = empty_postgres_store().await else { return };
    let node = || PostgresStore::connect_with(db.connect_options(), 2);
    let (a, b, c) = (node().await.expect("connect"), node().await.expect("connect"), node().await.expect("connect"));
    let results = tokio::join!(a.migrate(), b.migrate(), c.migrate(), db.store().migrate());
    for result in [results.0, results.1, results.2, results.3] {
        result.expect("every concurrent migrate succeeds");
    }
    story::registry::round_trip(&a).await;
}

/// Two processes (here: two stores) opening and migrating a new SQLite file at once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_stores_migrate_at_once() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let url = format!("sqlite://{}", dir.path().join("sigillo.db").display());
    let first = SqliteStore::connect(&url).await.expect("connect");
    let second = SqliteStore::connect(&url).await.expect("connect");
    let (a, b) = tokio::join!(first.migrate(), second.migrate());
    a.expect("first migrate");
    b.expect("second migrate");
    story::registry::round_trip(&first).await;
    assert_eq!(second.count_persons().await.expect("count"), first.count_persons().await.expect("count"));
}

/// Upserts 200,000 generated persons (`SIGILLO_THROUGHPUT_ROWS` to change) in import-sized
/// batches and prints rows per second: a fresh import, the same rows again (nothing changes),
/// and again with every row changed.
async fn measure_upserts(store: &dyn Store, batch: usize) {
    let rows = std::env::var("SIGILLO_THROUGHPUT_ROWS").ok().and_then(|v| v.parse().ok()).unwrap_or(200_000);
    let started = Instant::now();
    let mut people = fixtures::persons(0, rows);
    eprintln!("[{}] generated {rows} persons in {:.2?}", store.backend(), started.elapsed());
    let pass = |label: &'static str, people: Vec<InsuredPerson>| async move {
        let started = Instant::now();
        for chunk in people.chunks(batch) {
            store.upsert_persons(chunk).await.expect("upsert");
        }
        let seconds = started.elapsed().as_secs_f64();
        eprintln!(
            "[{}] {label:<10} {rows} rows, batches of {batch}: {seconds:.2} s = {:.0} rows/s",
            store.backend(),
            rows as f64 / seconds
        );
        people
    };
    people = pass("insert", people).await;
    people = pass("unchanged", people).await;
    for p in &mut people {
        p.contribution_weeks += 1;
    }
    pass("changed", people).await;
    assert_eq!(store.count_persons().await.expect("count"), rows);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "measurement: cargo test --release -p sigillo-testkit --test conformance -- --ignored --nocapture"]
async fn throughput_sqlite() {
    for batch in [1_000, 5_000] {
        let (store, _dir) = sqlite_store().await;
        measure_upserts(&store, batch).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "measurement: cargo test --release -p sigillo-testkit --test conformance -- --ignored --nocapture"]
async fn throughput_postgres() {
    for batch in [1_000, 5_000] {
        if let Some(db) = postgres_store().await {
            measure_upserts(db.store(), batch).await;
        }
    }
}
