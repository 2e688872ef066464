//! Login counters: compare-and-swap on a version, for fiscal codes known or not, cleared by a commit.

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic, reason = "test support: failing loudly is its job")]

use sigillo_domain::fiscal_code::FiscalCode;
use sigillo_domain::store::{Changes, Store};
use sigillo_domain::throttle::LoginAttempts;

use super::support::{at, commit, registered};
use crate::fixtures::person;

async fn read(store: &dyn Store, code: &FiscalCode) -> LoginAttempts {
    store.login_attempts(code).await.expect("login_attempts")
}

async fn save(store: &dyn Store, code: &FiscalCode, attempts: LoginAttempts) -> bool {
    store.save_login_attempts(code, &attempts).await.expect("save_login_attempts")
}

fn counters(consecutive: u32, since_success: u32, version: i64) -> LoginAttempts {
    LoginAttempts {
        consecutive_failures: consecutive,
        failures_since_success: since_success,
        throttled_until: None,
        version,
    }
}

/// Counters start at zero, version 0; a save from the version read succeeds and bumps it by one;
/// a save from an older version is refused (`Ok(false)`) and changes nothing.
pub async fn login_attempts_compare_and_swap<S: Store + Clone + 'static>(store: &S) {
    let code = registered(store, 2001).await;
    // Throttling must not reveal who is registered: unknown codes have counters too.
    let unknown = person(2002).fiscal_code;
    assert_eq!(read(store, &code).await, LoginAttempts::default());
    assert_eq!(read(store, &unknown).await, LoginAttempts::default());

    let first = counters(1, 1, 0);
    assert!(save(store, &code, first).await, "the first save creates the counters");
    assert_eq!(read(store, &code).await, LoginAttempts { version: 1, ..first });
    assert!(!save(store, &code, counters(9, 9, 0)).await, "another saver that also saw no counters loses");
    assert_eq!(read(store, &code).await, LoginAttempts { version: 1, ..first }, "the loser changed nothing");

    let throttled = LoginAttempts { throttled_until: Some(at(30)), ..counters(5, 99, 1) };
    assert!(save(store, &code, throttled).await);
    assert_eq!(read(store, &code).await, LoginAttempts { version: 2, ..throttled }, "times round-trip exactly");
    assert!(!save(store, &code, counters(6, 100, 1)).await, "version 1 is stale now");
    assert_eq!(read(store, &code).await.version, 2);

    assert!(save(store, &unknown, first).await, "counters of an unregistered code");
    assert_eq!(read(store, &unknown).await, LoginAttempts { version: 1, ..first });
    assert_eq!(read(store, &code).await.consecutive_failures, 5, "codes do not share counters");
}

/// `Changes::clear_attempts` zeroes the counters and moves the version on, so a reservation
/// computed before the clear cannot overwrite it.
pub async fn commit_clears_attempts<S: Store + Clone + 'static>(store: &S) {
    let code = registered(store, 2011).await;
    let other = registered(store, 2012).await;
    let never_tried = registered(store, 2013).await;
    assert!(save(store, &code, counters(1, 1, 0)).await);
    let reserved = LoginAttempts { throttled_until: Some(at(60)), ..counters(7, 42, 1) };
    assert!(save(store, &code, reserved).await);
    assert!(save(store, &other, counters(3, 3, 0)).await);

    let changes = Changes { clear_attempts: vec![code, never_tried], ..Changes::default() };
    commit(store, changes, at(70)).await;
    let cleared = read(store, &code).await;
    assert_eq!(
        (cleared.consecutive_failures, cleared.failures_since_success, cleared.throttled_until),
        (0, 0, None),
        "cleared"
    );
    assert!(cleared.version > 2, "clearing moves the version on (was 2, now {})", cleared.version);
    assert!(!save(store, &code, LoginAttempts { version: 2, ..reserved }).await, "a reservation from before is stale");
    assert_eq!(read(store, &code).await, cleared);
    assert!(save(store, &code, counters(1, 1, cleared.version)).await);
    assert_eq!(read(store, &code).await, counters(1, 1, cleared.version + 1));

    assert_eq!(read(store, &other).await, counters(3, 3, 1), "other codes keep their counters");
    let fresh = read(store, &never_tried).await;
    assert_eq!((fresh.consecutive_failures, fresh.failures_since_success, fresh.throttled_until), (0, 0, None));
    assert!(save(store, &never_tried, counters(1, 1, fresh.version)).await, "saving from what was read works");
}

/// Parallel guesses (on one node or many) saving from the same version: exactly one wins.
pub async fn concurrent_attempts_one_wins<S: Store + Clone + 'static>(store: &S) {
    let code = registered(store, 2021).await;
    for start in [0, 1] {
        let tasks: Vec<_> = (1..=8)
            .map(|n| {
                let store = store.clone();
                tokio::spawn(async move { store.save_login_attempts(&code, &counters(n, n, start)).await })
            })
            .collect();
        let mut wins = 0;
        for task in tasks {
            if task.await.expect("task").expect("save_login_attempts") {
                wins += 1;
            }
        }
        assert_eq!(wins, 1, "exactly one of the savers from version {start} wins");
        assert_eq!(read(store, &code).await.version, start + 1);
    }
}
