//! Sessions: opened by a commit, found by token hash, touched, ended one by one or all of a
//! credential at once.

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic, reason = "test support: failing loudly is its job")]

use sigillo_domain::credential::Level;
use sigillo_domain::session::{Session, token_hash};
use sigillo_domain::store::{Changes, Store};
use uuid::Uuid;

use super::support::{at, commit, event, issued, registered, session};

async fn find(store: &dyn Store, token: &str) -> Option<Session> {
    store.session_by_token_hash(&token_hash(token)).await.expect("session_by_token_hash")
}

/// A session round-trips exactly, is found by its token's hash only, and can be touched and ended.
pub async fn session_life<S: Store + Clone + 'static>(store: &S) {
    let code = registered(store, 3001).await;
    let credential = issued(code, at(0));
    let first = session(&credential, "token-one", at(10));
    let second = Session { level: Level::Dispositivo, client_ip: None, ..session(&credential, "token-two", at(11)) };
    // The credential and its first session in one commit: credentials are written first.
    let changes = Changes {
        insert_credentials: vec![credential.clone()],
        open_sessions: vec![first.clone(), second.clone()],
        audit: vec![event(at(10), "login_succeeded", &code, credential.id)],
        ..Changes::default()
    };
    commit(store, changes, at(10)).await;
    assert_eq!(find(store, "token-one").await, Some(first.clone()));
    assert_eq!(find(store, "token-two").await, Some(second.clone()));
    assert_eq!(find(store, "token-three").await, None);
    let raw = store.session_by_token_hash("token-one").await.expect("lookup");
    assert_eq!(raw, None, "lookups are by hash, never by token");

    store.touch_session(first.id, at(70)).await.expect("touch");
    let touched = Session { last_seen_at: at(70), ..first.clone() };
    assert_eq!(find(store, "token-one").await, Some(touched.clone()), "touch moves last_seen_at only");
    assert_eq!(find(store, "token-two").await, Some(second.clone()), "other sessions untouched");

    store.end_session(first.id, at(100)).await.expect("end");
    let ended = Session { ended_at: Some(at(100)), ..touched };
    assert_eq!(find(store, "token-one").await, Some(ended.clone()));
    assert!(!ended.is_valid(at(101), sigillo_domain::session::DEFAULT_IDLE_TIMEOUT));
    store.end_session(first.id, at(200)).await.expect("ending twice is fine");
    assert!(find(store, "token-one").await.and_then(|s| s.ended_at).is_some());

    // A stale cookie names a session that does not exist: not an error.
    store.touch_session(Uuid::new_v4(), at(300)).await.expect("touch an unknown session");
    store.end_session(Uuid::new_v4(), at(300)).await.expect("end an unknown session");
}

/// `end_sessions_of` ends every open session of the credential and only those; within a commit
/// sessions are ended before new ones open, so a login right after a PIN change stays open.
pub async fn end_sessions_of_credential<S: Store + Clone + 'static>(store: &S) {
    let code = registered(store, 3011).await;
    let other_code = registered(store, 3012).await;
    let credential = issued(code, at(0));
    let other = issued(other_code, at(0));
    let ended_before = session(&credential, "ended-before", at(1));
    let open_a = session(&credential, "open-a", at(2));
    let open_b = session(&credential, "open-b", at(3));
    let someone_else = session(&other, "someone-else", at(4));
    let changes = Changes {
        insert_credentials: vec![credential.clone(), other.clone()],
        open_sessions: vec![ended_before.clone(), open_a.clone(), open_b.clone(), someone_else.clone()],
        ..Changes::default()
    };
    commit(store, changes, at(5)).await;
    store.end_session(ended_before.id, at(6)).await.expect("end");

    let fresh = session(&credential, "fresh", at(50));
    let changes =
        Changes { end_sessions_of: vec![credential.id], open_sessions: vec![fresh.clone()], ..Changes::default() };
    commit(store, changes, at(50)).await;

    assert_eq!(find(store, "open-a").await, Some(Session { ended_at: Some(at(50)), ..open_a }), "ended at `now`");
    assert_eq!(find(store, "open-b").await, Some(Session { ended_at: Some(at(50)), ..open_b }));
    assert_eq!(
        find(store, "ended-before").await.and_then(|s| s.ended_at),
        Some(at(6)),
        "a session that had ended keeps its end"
    );
    assert_eq!(find(store, "someone-else").await, Some(someone_else), "other credentials' sessions stay open");
    assert_eq!(find(store, "fresh").await, Some(fresh), "opened after the others were ended");

    // A credential without open sessions is fine.
    let changes = Changes { end_sessions_of: vec![credential.id, Uuid::new_v4()], ..Changes::default() };
    commit(store, changes, at(60)).await;
}
