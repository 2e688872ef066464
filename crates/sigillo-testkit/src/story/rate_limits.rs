//! Rate-limit counters: every hit on a key counts one more, keys count separately, and concurrent
//! hits on one key from any number of tasks (or nodes) get distinct counts.
//!
//! A store has no clock of its own here: the times are the stories' fixed ones, long past by the
//! wall clock. A key whose `expires_at` is still ahead of the other keys' hits must keep counting,
//! whatever the wall clock says (applications under test run on fixed clocks too).

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic, reason = "test support: failing loudly is its job")]

use sigillo_domain::rate_limit::{PER_CLIENT, PER_FISCAL_CODE};
use sigillo_domain::store::Store;
use time::OffsetDateTime;

use super::support::{T0, at, registered};

async fn hit(store: &dyn Store, key: &str, expires_at: OffsetDateTime) -> u32 {
    store.hit(key, expires_at).await.expect("hit")
}

/// Hits count 1, 2, 3… per key; other keys, and the same subject's next window, start at 1.
pub async fn hits_count_per_key<S: Store + Clone + 'static>(store: &S) {
    let code = registered(store, 9501).await;
    let window_end = at(3600);
    let cf = PER_FISCAL_CODE.key(code.as_str(), T0);
    let ip = PER_CLIENT.key("198.51.100.7", T0);
    for expected in 1..=3 {
        assert_eq!(hit(store, &cf, window_end).await, expected, "hit {expected} on the fiscal code");
    }
    assert_eq!(hit(store, &ip, window_end).await, 1, "another key counts on its own");
    assert_eq!(hit(store, &cf, window_end).await, 4, "the first key kept its count");
    assert_eq!(hit(store, &ip, window_end).await, 2);

    // The next window is another key, counted afresh; the old window's count does not matter.
    let next = PER_FISCAL_CODE.key(code.as_str(), at(3600));
    assert_ne!(next, cf);
    assert_eq!(hit(store, &next, at(7200)).await, 1);
    assert_eq!(hit(store, &next, at(7200)).await, 2);

    // Many other keys come and go: a key not yet expired keeps its count throughout.
    for i in 0..20 {
        assert_eq!(hit(store, &format!("ip:192.0.2.{i}:{i}"), at(7200)).await, 1);
    }
    assert_eq!(hit(store, &next, at(7200)).await, 3);
    assert_eq!(hit(store, &cf, window_end).await, 5, "a key is kept until it expires");
}

/// Eight tasks hitting one key at once, five times each: the counts are exactly 1 to 40.
pub async fn concurrent_hits_get_distinct_counts<S: Store + Clone + 'static>(store: &S) {
    let key = PER_CLIENT.key("203.0.113.99", T0);
    let tasks: Vec<_> = (0..8)
        .map(|t| {
            let (store, key) = (store.clone(), key.clone());
            tokio::spawn(async move {
                let mut counts = Vec::new();
                for round in 0..5 {
                    counts.push(store.hit(&key, at(3600)).await.expect("hit"));
                    // Each task's own key meanwhile: new keys must not disturb the shared one.
                    let own = store.hit(&format!("cf:task-{t}-{round}:0"), at(3600)).await.expect("hit");
                    assert_eq!(own, 1, "a key of its own starts at 1");
                }
                counts
            })
        })
        .collect();
    let mut counts = Vec::new();
    for task in tasks {
        let mine = task.await.expect("task");
        assert!(mine.windows(2).all(|w| w[0] < w[1]), "one task's hits count upwards: {mine:?}");
        counts.extend(mine);
    }
    counts.sort_unstable();
    assert_eq!(counts, (1..=40).collect::<Vec<u32>>(), "every count once");
    assert_eq!(hit(store, &key, at(3600)).await, 41);
}
