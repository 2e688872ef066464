//! The scale claims of the migrations, checked: on tables shaped like production (most rows are
//! history, the partial indexes hold only the moving part), each query probes the index written for
//! it and never scans a table. A predicate that drifts from its index's, which PostgreSQL then can
//! no longer prove implied, fails here rather than at 20 million rows.
//!
//! Needs a server, like tests/postgres.rs: `SIGILLO_TEST_PG_URL` (default
//! `postgres://postgres@127.0.0.1:5432/test`); without one it says `SKIPPED` and passes, except
//! with `CI=true`.

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic, reason = "tests: failing loudly is their job")]

use std::str::FromStr;
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::{AssertSqlSafe, Connection, PgConnection, Row};
use time::macros::datetime;

use crate::{MIGRATOR, contacts, credentials, oidc, outbox, rate_limits, recoveries};

/// Shapes the tables: 20,000 credentials, 9 in 10 live and 1 in 10 of those not yet told of the
/// sunset; 30,000 messages, a third of them letters, nearly all printed in confirmed batches, one
/// batch unconfirmed, 330 waiting; 10,000 rate-limit keys, 1 in 100 expired; contacts and recoveries.
const SEED: &str = "
INSERT INTO credentials (id, fiscal_code, state, level, pin_kind, pin_hash, sunset_notice_at, created_at,
    updated_at, version)
SELECT gen_random_uuid(), lpad(n::text, 16, '0'),
    CASE n % 10 WHEN 0 THEN 'revoked' WHEN 1 THEN 'annulled' ELSE 'active' END, 'ordinario', 'definitive', 'h',
    CASE WHEN n % 10 <> 9 THEN t END, t, t, 0
FROM generate_series(1, 20000) AS n, LATERAL (SELECT timestamptz '2020-01-01 00:00Z' + n * interval '1 hour') AS a(t);

INSERT INTO outbox (id, channel, kind, recipient, fiscal_code, body, pin_half, created_at, status, next_attempt_at,
    delivered_at, print_batch, printed_at)
SELECT gen_random_uuid(), CASE WHEN letter THEN 'letter' ELSE 'sms' END,
    CASE WHEN letter THEN 'pin_second_half' ELSE 'pin_first_half' END, 'x', lpad((n % 20000 + 1)::text, 16, '0'), 'x',
    CASE WHEN n > 29800 OR (letter AND n > 28500) THEN 'ABCDEFGH' END, t,
    CASE WHEN n > 29800 THEN 'pending' ELSE 'delivered' END, t, CASE WHEN n <= 29800 THEN t END,
    CASE WHEN letter AND n <= 29000 THEN 'batch-' || lpad((n / 500)::text, 3, '0') END,
    CASE WHEN letter AND n <= 29000 THEN t END
FROM generate_series(1, 30000) AS n,
    LATERAL (SELECT n % 3 = 0, timestamptz '2024-01-01 00:00Z' + n * interval '1 minute') AS a(letter, t);

INSERT INTO rate_limits (key, hits, expires_at)
SELECT 'cf:' || n, 1, timestamptz '2026-03-01 00:00Z' + n * interval '1 minute' FROM generate_series(1, 10000) AS n;

INSERT INTO contacts (id, fiscal_code, kind, value, code_attempts, created_at)
SELECT gen_random_uuid(), lpad((n % 5000 + 1)::text, 16, '0'), 'email', n || '@example.it', 0, now()
FROM generate_series(1, 10000) AS n;

INSERT INTO recoveries (id, fiscal_code, credential_id, token_hash, code_hash, mobile, email, created_at, expires_at,
    attempts, version)
SELECT gen_random_uuid(), fiscal_code, id, encode(sha256(id::text::bytea), 'hex'), encode(sha256(fiscal_code::bytea), 'hex'),
    '+393331234567', 'm@example.it', created_at, created_at + interval '1 day', 0, 0
FROM credentials WHERE state = 'active' LIMIT 5000;

-- OIDC: 50 clients; 20,000 grants a minute apart from 2026-01-01, 9 in 10 revoked an hour later,
-- each with its code and an access and a refresh token; 5,000 pending requests.
INSERT INTO oidc_clients (id, name, redirect_uris, post_logout_redirect_uris, created_at)
SELECT 'client-' || n, 'Client ' || n, '[]', '[]', timestamptz '2025-01-01 00:00Z' FROM generate_series(1, 50) AS n;

INSERT INTO oidc_grants (id, client_id, fiscal_code, credential_id, session_id, scopes, level, auth_time, created_at,
    revoked_at)
SELECT gen_random_uuid(), 'client-' || (n % 50 + 1), lpad((n % 20000 + 1)::text, 16, '0'), gen_random_uuid(),
    gen_random_uuid(), 'openid', 'ordinario', t, t, CASE WHEN n % 10 <> 0 THEN t + interval '1 hour' END
FROM generate_series(1, 20000) AS n, LATERAL (SELECT timestamptz '2026-01-01 00:00Z' + n * interval '1 minute') AS a(t);

INSERT INTO oidc_codes (code_hash, grant_id, redirect_uri, code_challenge, expires_at, used_at)
SELECT encode(sha256(id::text::bytea), 'hex'), id, 'https://x.example.it/cb', 'c', created_at + interval '1 minute',
    created_at
FROM oidc_grants;

INSERT INTO oidc_tokens (token_hash, grant_id, kind, created_at, expires_at)
SELECT encode(sha256((id::text || k)::bytea), 'hex'), id, k, created_at, created_at + interval '10 minutes'
FROM oidc_grants, (VALUES ('access'), ('refresh')) AS v(k);

INSERT INTO oidc_authorization_requests (id, client_id, redirect_uri, scopes, code_challenge, min_level, force_login,
    created_at, expires_at)
SELECT gen_random_uuid(), 'client-1', 'https://x.example.it/cb', 'openid', 'c', 'ordinario', false, t,
    t + interval '15 minutes'
FROM generate_series(1, 5000) AS n, LATERAL (SELECT timestamptz '2026-01-01 00:00Z' + n * interval '1 minute') AS a(t);

ANALYZE;
";

struct Db {
    admin: PgConnectOptions,
    name: String,
    pool: PgPool,
}

impl Db {
    async fn create() -> Option<Db> {
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
        let name = format!("sigillo_plans_{}", uuid::Uuid::new_v4().simple());
        sqlx::raw_sql(AssertSqlSafe(format!(r#"CREATE DATABASE "{name}""#))).execute(&mut conn).await.expect("create");
        conn.close().await.expect("close");
        let pool =
            PgPoolOptions::new().max_connections(1).connect_with(admin.clone().database(&name)).await.expect("connect");
        MIGRATOR.run(&pool).await.expect("migrate");
        sqlx::raw_sql(SEED).execute(&pool).await.expect("seed");
        Some(Db { admin, name, pool })
    }
}

/// Dropped even when an assertion failed (on a thread of its own: `Drop` cannot await).
impl Drop for Db {
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

/// `EXPLAIN` of a query with its parameters bound: the plan PostgreSQL would run.
macro_rules! plan {
    ($pool:expr, $query:expr $(, $param:expr)* $(,)?) => {{
        let rows = sqlx::query(AssertSqlSafe(format!("EXPLAIN {}", $query)))
            $(.bind($param))*
            .fetch_all($pool)
            .await
            .expect("explain");
        rows.iter().map(|row| row.get::<String, _>(0)).collect::<Vec<_>>().join("\n")
    }};
}

fn assert_uses(plan: &str, indexes: &[&str]) {
    for index in indexes {
        assert!(plan.contains(index), "expected {index} in\n{plan}");
    }
    assert!(!plan.contains("Seq Scan"), "a table scan in\n{plan}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_query_probes_its_index() {
    let Some(db) = Db::create().await else { return };
    let pool = &db.pool;
    let code = "0000000000012345";
    let at = datetime!(2026-03-02 00:00 UTC);

    let latest = plan!(pool, credentials::SELECT_LATEST, code);
    assert_uses(&latest, &["credentials_one_live", "credentials_ended_by_fiscal_code"]);
    assert_uses(&plan!(pool, credentials::SELECT_LIVE_OLDEST, 500_i64), &["credentials_live_by_age"]);
    assert_uses(&plan!(pool, credentials::SELECT_SUNSET_DUE, 500_i64), &["credentials_sunset_notice_due"]);

    assert_uses(&plan!(pool, outbox::UNPRINTED_LETTER, code), &["outbox_unprinted_letters_by_fiscal_code"]);
    let claim_for_print = plan!(pool, outbox::CLAIM_FOR_PRINT, "b", at, 5_000_i64);
    assert_uses(&claim_for_print, &["outbox_unprinted_letters", "outbox_pkey"]);
    let claim = plan!(pool, outbox::CLAIM, "w", at, at, 100_i64);
    assert_uses(&claim, &["outbox_due", "outbox_pkey"]);
    assert_uses(&plan!(pool, outbox::UNCONFIRMED_BATCHES), &["outbox_unconfirmed_print_batches"]);
    assert_uses(&plan!(pool, outbox::LETTERS_OF_BATCH, "batch-010"), &["outbox_print_batches"]);
    assert_uses(&plan!(pool, outbox::CONFIRM_BATCH, "batch-010"), &[]);
    assert_uses(&plan!(pool, outbox::CANCEL_LETTER, uuid::Uuid::nil()), &["outbox_pkey"]);

    assert_uses(&plan!(pool, rate_limits::SWEEP, at, 1_000_i64), &["rate_limits_expiry"]);
    assert_uses(&plan!(pool, contacts::SELECT_OF, code), &["contacts_one_per_value"]);
    assert_uses(&plan!(pool, recoveries::SELECT_BY_TOKEN_HASH, "0".repeat(64)), &["recoveries_token_hash_key"]);

    let (hash, id) = ("0".repeat(64), uuid::Uuid::nil());
    assert_uses(&plan!(pool, oidc::REDEEM_CODE, &hash, at), &["oidc_codes_pkey", "oidc_grants_pkey"]);
    assert_uses(&plan!(pool, oidc::SELECT_CODE, &hash), &["oidc_codes_pkey", "oidc_grants_pkey"]);
    assert_uses(&plan!(pool, oidc::USE_REFRESH_TOKEN, &hash, at), &["oidc_tokens_pkey", "oidc_grants_pkey"]);
    assert_uses(&plan!(pool, oidc::SELECT_TOKEN, &hash), &["oidc_tokens_pkey", "oidc_grants_pkey"]);
    assert_uses(&plan!(pool, oidc::SELECT_GRANTS_OF_SESSION, id), &["oidc_grants_open_by_session"]);
    assert_uses(&plan!(pool, oidc::REVOKE_GRANTS, vec![id, id], at), &["oidc_grants_pkey"]);
    assert_uses(&plan!(pool, oidc::REVOKE_GRANTS_OF_CLIENT, "client-7", at), &["oidc_grants_by_client"]);
    // Pruning deletes a small, old part of each table.
    let before = datetime!(2026-01-01 00:30 UTC);
    assert_uses(&plan!(pool, oidc::PRUNE[0], before), &["oidc_authorization_requests_expiry"]);
    assert_uses(&plan!(pool, oidc::PRUNE[1], before), &["oidc_codes_expiry"]);
    assert_uses(&plan!(pool, oidc::PRUNE[2], before), &["oidc_tokens_expiry"]);
    assert_uses(
        &plan!(pool, oidc::PRUNE[3], datetime!(2026-01-01 02:00 UTC)),
        &["oidc_grants_revoked", "oidc_codes_by_grant", "oidc_tokens_by_grant"],
    );
}
