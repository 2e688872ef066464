//! The audit log: one unbroken hash chain from [`GENESIS_HASH`], whoever appends and however many
//! append at once; pages in order; a citizen's entries newest first.

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic, reason = "test support: failing loudly is its job")]

use sigillo_domain::audit::{Actor, AuditEvent, GENESIS_HASH, StoredAuditEvent, chain_hash, verify_chain};
use sigillo_domain::store::{Changes, Store};
use uuid::Uuid;

use super::support::{at, commit, event, issued, registered, whole_audit};
use crate::fixtures::person;

fn seqs(entries: &[StoredAuditEvent]) -> Vec<i64> {
    entries.iter().map(|e| e.seq).collect()
}

/// Asserts the whole log is one chain: seq 1, 2, 3 … each linked to the one before, each hash
/// what [`chain_hash`] gives. Returns the entries.
pub async fn assert_unbroken_chain(store: &dyn Store) -> Vec<StoredAuditEvent> {
    let all = whole_audit(store).await;
    let expected: Vec<i64> = (1..=i64::try_from(all.len()).expect("length")).collect();
    assert_eq!(seqs(&all), expected, "consecutive seq from 1");
    let mut prev = GENESIS_HASH.to_owned();
    for entry in &all {
        assert_eq!(entry.prev_hash, prev, "entry {} chains to the one before", entry.seq);
        assert_eq!(entry.hash, chain_hash(entry.seq, &entry.event, &entry.prev_hash), "hash of entry {}", entry.seq);
        prev = entry.hash.clone();
    }
    assert_eq!(verify_chain(&all, &mut (0, GENESIS_HASH.to_owned())), Ok(all.len() as u64));
    all
}

/// Entries from `append_audit` and from commits share one chain and round-trip exactly.
pub async fn audit_chain<S: Store + Clone + 'static>(store: &S) {
    let code = registered(store, 5001).await;
    let other = registered(store, 5002).await;
    let credential = issued(code, at(0));
    store.append_audit(Vec::new()).await.expect("appending nothing is fine");
    assert!(whole_audit(store).await.is_empty(), "a new log is empty");

    let e1 = AuditEvent::new(at(1), Actor::Citizen, "login_failed")
        .fiscal_code(&code)
        .client_ip(Some("198.51.100.4"))
        .detail("reason", "wrong_pin");
    let e2 = AuditEvent::new(at(2), Actor::Operator("m.bianchi".to_owned()), "credential_unlocked")
        .fiscal_code(&code)
        .credential(credential.id);
    let e3 = AuditEvent::new(at(3), Actor::System, "expiry_sweep");
    store.append_audit(vec![e1.clone(), e2.clone(), e3.clone()]).await.expect("append_audit");
    let e4 = event(at(4), "pin_requested", &code, credential.id);
    let e5 = event(at(4), "pin_issued", &code, credential.id);
    let changes =
        Changes { insert_credentials: vec![credential], audit: vec![e4.clone(), e5.clone()], ..Changes::default() };
    commit(store, changes, at(4)).await;
    let e6 = AuditEvent::new(at(5), Actor::Citizen, "contact_changed")
        .fiscal_code(&other)
        .detail("città", "Forlì-Cesena")
        .detail("emoji", "✉️")
        .detail("", "empty key");
    store.append_audit(vec![e6.clone()]).await.expect("append_audit");

    let all = assert_unbroken_chain(store).await;
    let events: Vec<&AuditEvent> = all.iter().map(|e| &e.event).collect();
    assert_eq!(events, vec![&e1, &e2, &e3, &e4, &e5, &e6], "every field round-trips");

    assert_eq!(seqs(&store.audit_page(3, 2).await.expect("page")), vec![4, 5]);
    assert_eq!(store.audit_page(3, 100).await.expect("page").len(), 3);
    assert!(store.audit_page(6, 100).await.expect("page").is_empty());

    // Pages verify one after another, continuing from the last good entry.
    let mut prev = (0, GENESIS_HASH.to_owned());
    let mut checked = 0;
    loop {
        let page = store.audit_page(prev.0, 4).await.expect("page");
        if page.is_empty() {
            break;
        }
        checked += verify_chain(&page, &mut prev).expect("unbroken");
    }
    assert_eq!(checked, 6);
}

/// A citizen's entries, newest first, at most `limit`; nobody else's.
pub async fn audit_of_citizen<S: Store + Clone + 'static>(store: &S) {
    let code = registered(store, 5011).await;
    let other = registered(store, 5012).await;
    let id = Uuid::new_v4();
    let mine: Vec<AuditEvent> = (0..5).map(|i| event(at(i * 10), "login_succeeded", &code, id)).collect();
    let theirs = event(at(15), "login_succeeded", &other, Uuid::new_v4());
    let system = AuditEvent::new(at(16), Actor::System, "expiry_sweep");
    store.append_audit(mine[..2].to_vec()).await.expect("append");
    store.append_audit(vec![theirs.clone(), system]).await.expect("append");
    commit(store, Changes { audit: mine[2..].to_vec(), ..Changes::default() }, at(40)).await;

    let of = |code, limit| async move { store.audit_of(&code, limit).await.expect("audit_of") };
    let newest_first: Vec<AuditEvent> = mine.iter().rev().cloned().collect();
    let got = of(code, 10).await;
    assert_eq!(got.iter().map(|e| e.event.clone()).collect::<Vec<_>>(), newest_first);
    assert!(got.windows(2).all(|w| w[0].seq > w[1].seq), "by seq, descending");
    let got = of(code, 2).await;
    assert_eq!(got.iter().map(|e| &e.event).collect::<Vec<_>>(), vec![&mine[4], &mine[3]]);
    assert_eq!(of(other, 10).await.iter().map(|e| &e.event).collect::<Vec<_>>(), vec![&theirs]);
    assert!(of(person(5013).fiscal_code, 10).await.is_empty());
    assert_unbroken_chain(store).await;
}

/// Eight tasks appending at once, 25 times each (commits and plain appends of two entries):
/// still one unbroken chain, each call's entries side by side and each task's in its order.
pub async fn concurrent_appends_keep_one_chain<S: Store + Clone + 'static>(store: &S) {
    const TASKS: i64 = 8;
    const ROUNDS: i64 = 25;
    let code = registered(store, 5021).await;
    let tasks: Vec<_> = (0..TASKS)
        .map(|task| {
            let store = store.clone();
            tokio::spawn(async move {
                for round in 0..ROUNDS {
                    let pair = ["first", "second"].map(|half| {
                        AuditEvent::new(at(round), Actor::Citizen, "login_succeeded")
                            .fiscal_code(&code)
                            .detail("task", task.to_string())
                            .detail("round", round.to_string())
                            .detail("half", half)
                    });
                    if round % 2 == 0 {
                        let changes = Changes { audit: pair.to_vec(), ..Changes::default() };
                        store.commit(changes, at(round)).await.expect("commit");
                    } else {
                        store.append_audit(pair.to_vec()).await.expect("append_audit");
                    }
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.expect("task");
    }

    let all = assert_unbroken_chain(store).await;
    assert_eq!(all.len(), usize::try_from(TASKS * ROUNDS * 2).expect("count"));
    let detail = |e: &StoredAuditEvent, key: &str| e.event.details.get(key).cloned().unwrap_or_default();
    for pair in all.chunks(2) {
        let (a, b) = (&pair[0], &pair[1]);
        assert_eq!((detail(a, "task"), detail(a, "round")), (detail(b, "task"), detail(b, "round")));
        assert_eq!((detail(a, "half").as_str(), detail(b, "half").as_str()), ("first", "second"));
    }
    for task in 0..TASKS {
        let rounds: Vec<i64> = all
            .iter()
            .filter(|e| detail(e, "task") == task.to_string() && detail(e, "half") == "first")
            .map(|e| detail(e, "round").parse().expect("round"))
            .collect();
        assert_eq!(rounds, (0..ROUNDS).collect::<Vec<_>>(), "task {task}'s entries in its order");
    }
}

/// The administrators' search: every filter, combined, newest first, paged backwards.
pub async fn audit_search_filters<S: Store + Clone + 'static>(store: &S) {
    use sigillo_domain::audit::{Actor, AuditEvent, AuditFilter};
    let a = registered(store, 6101).await;
    let b = registered(store, 6102).await;
    let op = |name: &str| Actor::Operator(name.to_owned());
    let events = vec![
        AuditEvent::new(at(1), Actor::Citizen, "login_succeeded").fiscal_code(&a),
        AuditEvent::new(at(2), op("lucia"), "pin_issued_at_desk").fiscal_code(&a),
        AuditEvent::new(at(3), op("paolo"), "phone_check_confirmed").fiscal_code(&b),
        AuditEvent::new(at(4), op("lucia"), "credential_revoked").fiscal_code(&b),
        AuditEvent::new(at(5), Actor::System, "sunset_notice_sent"),
    ];
    store.append_audit(events).await.expect("append_audit");
    let search = |filter: AuditFilter, limit| async move {
        let found = store.audit_search(&filter, limit).await.expect("audit_search");
        found.into_iter().map(|e| e.event.event).collect::<Vec<_>>()
    };
    let all = search(AuditFilter::default(), 10).await;
    assert_eq!(all, ["sunset_notice_sent", "credential_revoked", "phone_check_confirmed", "pin_issued_at_desk", "login_succeeded"]);
    assert_eq!(search(AuditFilter { fiscal_code: Some(a), ..Default::default() }, 10).await, ["pin_issued_at_desk", "login_succeeded"]);
    let lucia = AuditFilter { actor: Some("operator:lucia".into()), ..Default::default() };
    assert_eq!(search(lucia.clone(), 10).await, ["credential_revoked", "pin_issued_at_desk"]);
    assert_eq!(search(AuditFilter { fiscal_code: Some(b), ..lucia }, 10).await, ["credential_revoked"]);
    assert_eq!(search(AuditFilter { event: Some("phone_check_confirmed".into()), ..Default::default() }, 10).await, ["phone_check_confirmed"]);
    let window = AuditFilter { from: Some(at(2)), to: Some(at(4)), ..Default::default() };
    assert_eq!(search(window, 10).await, ["phone_check_confirmed", "pin_issued_at_desk"], "from inclusive, to exclusive");
    let newest_two = store.audit_search(&AuditFilter::default(), 2).await.expect("audit_search");
    let older = AuditFilter { before_seq: Some(newest_two[1].seq), ..Default::default() };
    assert_eq!(search(older, 2).await, ["phone_check_confirmed", "pin_issued_at_desk"], "the next page");
    assert!(search(AuditFilter { event: Some("nothing".into()), ..Default::default() }, 10).await.is_empty());
}
