//! Credentials and the commit that writes them: atomic, one live credential per fiscal code,
//! optimistic versions, exact round trips. Each part uses its own fixture persons and counts
//! messages and audit entries as differences.

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic, reason = "test support: failing loudly is its job")]

use sigillo_domain::contact::ContactKind;
use sigillo_domain::credential::{Credential, CredentialState, Level};
use sigillo_domain::outbox::{Channel, MessageKind};
use sigillo_domain::pin::PinKind;
use sigillo_domain::session::token_hash;
use sigillo_domain::store::{Changes, Store};
use time::macros::datetime;
use uuid::Uuid;

use super::support::{
    T0, active, assert_conflict, at, by_id, commit, contact, days, event, half_hash, issued, live, message, pending,
    pin_hash, recovery, registered, session, whole_audit,
};
use crate::fixtures::person;

/// A credential, its messages and its audit entry are stored by one commit and read back.
pub async fn commit_stores_everything<S: Store + Clone + 'static>(store: &S) {
    let code = registered(store, 1001).await;
    let (pending_before, audit_before) = (pending(store).await, whole_audit(store).await.len());
    let credential = issued(code, at(0));
    let audit = event(at(0), "pin_issued", &code, credential.id);
    let changes = Changes {
        insert_credentials: vec![credential.clone()],
        messages: vec![
            message(code, MessageKind::PinFirstHalf, Channel::Sms, at(0)),
            message(code, MessageKind::PinSecondHalf, Channel::Letter, at(0)),
        ],
        audit: vec![audit.clone()],
        ..Changes::default()
    };
    commit(store, changes, at(0)).await;

    assert_eq!(live(store, &code).await, Some(credential.clone()), "live credential");
    assert_eq!(by_id(store, credential.id).await, Some(credential), "credential by id");
    assert_eq!(pending(store).await, pending_before + 2, "both messages queued");
    let audit_log = whole_audit(store).await;
    assert_eq!(audit_log.len(), audit_before + 1);
    assert_eq!(audit_log.last().map(|e| &e.event), Some(&audit));

    // Nothing to write is fine; unknown ids and codes without a credential read as absent.
    commit(store, Changes::default(), at(1)).await;
    assert_eq!(whole_audit(store).await.len(), audit_before + 1);
    assert_eq!(by_id(store, Uuid::new_v4()).await, None);
    assert_eq!(live(store, &person(1002).fiscal_code).await, None);
}

/// A second live credential for a fiscal code is a `Conflict`, and nothing of that commit stays:
/// neither its other credentials nor its messages nor its audit entries.
pub async fn second_live_credential_conflicts<S: Store + Clone + 'static>(store: &S) {
    let code = registered(store, 1011).await;
    let bystander = registered(store, 1012).await;
    let first = issued(code, at(0));
    commit(store, Changes { insert_credentials: vec![first.clone()], ..Changes::default() }, at(0)).await;
    let (pending_before, audit_before) = (pending(store).await, whole_audit(store).await.len());

    let second = issued(code, at(5));
    let innocent = issued(bystander, at(5));
    let changes = Changes {
        insert_credentials: vec![innocent.clone(), second.clone()],
        messages: vec![message(code, MessageKind::PinFirstHalf, Channel::Sms, at(5))],
        audit: vec![event(at(5), "pin_issued", &code, second.id)],
        ..Changes::default()
    };
    assert_conflict(store.commit(changes, at(5)).await, "a second live credential");

    assert_eq!(live(store, &code).await, Some(first), "the first credential stays the live one");
    assert_eq!(by_id(store, second.id).await, None, "the refused credential is not stored");
    assert_eq!(by_id(store, innocent.id).await, None, "nothing of the refused commit is stored");
    assert_eq!(live(store, &bystander).await, None);
    assert_eq!(pending(store).await, pending_before, "no message of the refused commit");
    assert_eq!(whole_audit(store).await.len(), audit_before, "no audit entry of the refused commit");

    // Two live credentials for one code inside a single commit conflict too.
    let other = registered(store, 1013).await;
    let both = Changes { insert_credentials: vec![issued(other, at(6)), issued(other, at(6))], ..Changes::default() };
    assert_conflict(store.commit(both, at(6)).await, "two live credentials in one commit");
    assert_eq!(live(store, &other).await, None);
}

/// Revoked and annulled credentials are history: a new credential may be issued beside them.
pub async fn ended_credentials_do_not_block<S: Store + Clone + 'static>(store: &S) {
    let code = registered(store, 1021).await;
    let mut first = issued(code, at(0));
    commit(store, Changes { insert_credentials: vec![first.clone()], ..Changes::default() }, at(0)).await;

    first.transition(CredentialState::Revoked, at(10)).expect("revoke");
    first.note = Some("revocato su richiesta del titolare".to_owned());
    let second = issued(code, at(20));
    commit(store, Changes { update_credentials: vec![first.clone()], ..Changes::default() }, at(10)).await;
    commit(store, Changes { insert_credentials: vec![second.clone()], ..Changes::default() }, at(20)).await;
    assert_eq!(live(store, &code).await, Some(second.clone()));
    assert_eq!(by_id(store, first.id).await, Some(Credential { version: 1, ..first }), "the revoked one stays");

    let mut second = second;
    second.transition(CredentialState::Annulled, at(30)).expect("annul");
    commit(store, Changes { update_credentials: vec![second.clone()], ..Changes::default() }, at(30)).await;
    assert_eq!(live(store, &code).await, None, "an annulled credential is not live");
    let third = issued(code, at(40));
    commit(store, Changes { insert_credentials: vec![third.clone()], ..Changes::default() }, at(40)).await;
    assert_eq!(live(store, &code).await, Some(third));
    assert_eq!(by_id(store, second.id).await.map(|c| c.state), Some(CredentialState::Annulled));
}

/// Every write bumps the version by one; a write computed from an older version is a `Conflict`
/// that stores nothing else of its commit, not even what came before it in the commit.
pub async fn stale_update_conflicts<S: Store + Clone + 'static>(store: &S) {
    let code = registered(store, 1031).await;
    let neighbour = registered(store, 1032).await;
    let original = issued(code, at(0));
    commit(store, Changes { insert_credentials: vec![original.clone()], ..Changes::default() }, at(0)).await;
    assert_eq!(by_id(store, original.id).await.map(|c| c.version), Some(0), "stored with the version it carries");

    let mut first = original.clone();
    first.set_definitive(pin_hash(7), at(10)).expect("issued → active");
    commit(store, Changes { update_credentials: vec![first.clone()], ..Changes::default() }, at(10)).await;
    let stored = by_id(store, first.id).await.expect("stored");
    assert_eq!(stored, Credential { version: 1, ..first.clone() });

    let mut second = stored.clone();
    second.transition(CredentialState::Expired, at(20)).expect("active → expired");
    commit(store, Changes { update_credentials: vec![second.clone()], ..Changes::default() }, at(20)).await;
    let current = Credential { version: 2, ..second };
    assert_eq!(by_id(store, original.id).await, Some(current.clone()));

    // A writer still holding version 1 loses, with everything else of its commit: the valid
    // update before it as well as everything after.
    let bystander = issued(registered(store, 1033).await, at(25));
    commit(store, Changes { insert_credentials: vec![bystander.clone()], ..Changes::default() }, at(25)).await;
    let (pending_before, audit_before) = (pending(store).await, whole_audit(store).await.len());
    let neighbours = issued(neighbour, at(30));
    let mut touched = bystander.clone();
    touched.set_definitive(pin_hash(8), at(30)).expect("issued → active");
    let mut stale = stored;
    stale.transition(CredentialState::Locked, at(30)).expect("active → locked");
    let login = session(&current, "stale-session-token", at(30));
    let changes = Changes {
        insert_credentials: vec![neighbours.clone()],
        update_credentials: vec![touched, stale],
        insert_recoveries: vec![recovery(&current, "stale-recovery-token", at(30))],
        update_recoveries: Vec::new(),
        save_contacts: vec![contact(code, ContactKind::Pec, "mario.rossi@pec.example.it", at(30))],
        cancel_letters: Vec::new(),
        end_sessions_of: vec![current.id],
        open_sessions: vec![login],
        clear_attempts: vec![code],
        insert_operators: vec![super::operators::operator("rolled.back", sigillo_domain::operator::Role::Desk)],
        update_operators: Vec::new(),
        end_operator_sessions: Vec::new(),
        open_operator_sessions: Vec::new(),
        identity_checks: Vec::new(),
        decide_upgrades: Vec::new(),
        messages: vec![message(code, MessageKind::UpgradeOutcome, Channel::Email, at(30))],
        audit: vec![event(at(30), "credential_locked", &code, current.id)],
    };
    assert_conflict(store.commit(changes, at(30)).await, "an update from a stale version");
    assert_eq!(store.operator_by_username("rolled.back").await.expect("operator"), None, "the operator is rolled back");
    assert_eq!(by_id(store, original.id).await, Some(current.clone()), "the credential is unchanged");
    assert_eq!(by_id(store, bystander.id).await, Some(bystander), "the commit's valid update is rolled back");
    assert_eq!(by_id(store, neighbours.id).await, None, "the commit's insert is rolled back");
    let link = store.recovery_by_token_hash(&token_hash("stale-recovery-token")).await.expect("recovery");
    assert_eq!(link, None, "the commit's recovery is rolled back");
    assert_eq!(store.contacts_of(&code).await.expect("contacts_of"), Vec::new(), "the commit's contact is rolled back");
    let session = store.session_by_token_hash(&token_hash("stale-session-token")).await.expect("session");
    assert_eq!(session, None, "the commit's session is rolled back");
    assert_eq!(pending(store).await, pending_before, "the commit's message is rolled back");
    assert_eq!(whole_audit(store).await.len(), audit_before, "the commit's audit entry is rolled back");

    // Updating a credential that was never stored is a conflict as well.
    let ghost = issued(neighbour, at(40));
    let result = store.commit(Changes { update_credentials: vec![ghost], ..Changes::default() }, at(40)).await;
    assert_conflict(result, "an update of an unknown credential");

    // The same credential twice in one commit: the second copy is stale by then.
    let twice = Changes { update_credentials: vec![current.clone(), current.clone()], ..Changes::default() };
    assert_conflict(store.commit(twice, at(50)).await, "two updates from one version");
    assert_eq!(by_id(store, original.id).await.map(|c| c.version), Some(2));
}

/// Every field, every state, level and PIN kind come back exactly as written, on insert and update.
pub async fn credential_fields_round_trip<S: Store + Clone + 'static>(store: &S) {
    let kinds = [PinKind::FirstAccess, PinKind::Definitive, PinKind::Legacy];
    let mut written = Vec::new();
    for (i, state) in (0u32..).zip(CredentialState::ALL) {
        let code = registered(store, 1100 + u64::from(i)).await;
        written.push(Credential {
            id: Uuid::new_v4(),
            fiscal_code: code,
            state,
            level: if i % 2 == 0 { Level::Ordinario } else { Level::Dispositivo },
            pin_kind: kinds[i as usize % kinds.len()],
            pin_hash: Some(pin_hash(i)),
            pin_set_at: Some(datetime!(1999-12-31 23:59:59.999999 UTC) + time::Duration::days(i.into())),
            // Newest first, deliberately not in any sorted order.
            pin_history: vec![pin_hash(905), pin_hash(101), pin_hash(909), pin_hash(102), pin_hash(100)],
            note: Some(format!("stato «{state}»: \"virgolette\", l'apostrofo, \\ e\nun accapo")),
            expiry_notice_at: Some(datetime!(2026-02-28 23:00:00.000001 UTC)),
            first_half_hash: (i % 3 != 2).then(|| half_hash(i)),
            sunset_notice_at: (i % 2 == 1).then_some(datetime!(2026-02-27 08:30:00.654321 UTC)),
            created_at: datetime!(2025-01-01 00:00:00.000001 UTC),
            updated_at: days(-1),
            version: 0,
        });
    }
    // The barest credential: waiting for the phone check, no PIN yet.
    let code = registered(store, 1120).await;
    let mut bare = Credential::new(Uuid::new_v4(), code, Level::Ordinario, at(0));
    bare.transition(CredentialState::AwaitingPhoneCheck, at(1)).expect("requested → awaiting");
    written.push(bare);

    let changes = Changes { insert_credentials: written.clone(), ..Changes::default() };
    commit(store, changes, at(2)).await;
    for credential in &written {
        assert_eq!(by_id(store, credential.id).await.as_ref(), Some(credential), "round trip of {}", credential.state);
        let expected_live = credential.state.is_live().then_some(credential);
        assert_eq!(live(store, &credential.fiscal_code).await.as_ref(), expected_live, "live: {}", credential.state);
    }

    // An update rewrites every field but the identity, and clears what it sets to nothing.
    let mut changed = written[3].clone();
    changed.state = CredentialState::Locked;
    changed.level = Level::Dispositivo;
    changed.pin_kind = PinKind::Legacy;
    changed.pin_hash = Some(pin_hash(4242));
    changed.pin_set_at = Some(at(3));
    changed.pin_history = vec![pin_hash(1), pin_hash(2)];
    changed.note = None;
    changed.expiry_notice_at = None;
    changed.first_half_hash = Some(half_hash(4242));
    changed.sunset_notice_at = Some(at(3));
    changed.updated_at = at(3);
    commit(store, Changes { update_credentials: vec![changed.clone()], ..Changes::default() }, at(3)).await;
    assert_eq!(by_id(store, changed.id).await, Some(Credential { version: 1, ..changed.clone() }));

    let mut emptied = Credential { version: 1, ..changed };
    emptied.pin_hash = None;
    emptied.pin_set_at = None;
    emptied.pin_history = Vec::new();
    emptied.note = Some(String::new());
    emptied.first_half_hash = None;
    emptied.sunset_notice_at = None;
    commit(store, Changes { update_credentials: vec![emptied.clone()], ..Changes::default() }, at(4)).await;
    assert_eq!(by_id(store, emptied.id).await, Some(Credential { version: 2, ..emptied }));
}

/// The expiry-notice sweep finds active credentials with a chosen PIN set at or before the bound,
/// not yet told, oldest first, at most `limit`.
pub async fn credentials_due_for_expiry_notice<S: Store + Clone + 'static>(store: &S) {
    let bound = days(-90);
    let mut codes = Vec::new();
    for index in 1201..1212 {
        codes.push(registered(store, index).await);
    }
    let a = active(codes[0], PinKind::Definitive, days(-200));
    let b = active(codes[1], PinKind::Legacy, days(-120));
    let c = active(codes[2], PinKind::Definitive, bound);
    let too_recent = active(codes[3], PinKind::Definitive, days(-89));
    let told = Credential { expiry_notice_at: Some(days(-10)), ..active(codes[4], PinKind::Definitive, days(-300)) };
    let first_access = active(codes[5], PinKind::FirstAccess, days(-300));
    let issued_only = issued(codes[6], days(-300));
    let not_active =
        [CredentialState::Expired, CredentialState::Locked, CredentialState::Revoked, CredentialState::Annulled]
            .into_iter()
            .zip(&codes[7..])
            .map(|(state, code)| Credential { state, ..active(*code, PinKind::Definitive, days(-300)) });
    let mut all = vec![c.clone(), too_recent, told, first_access, issued_only, b.clone(), a.clone()];
    all.extend(not_active);
    commit(store, Changes { insert_credentials: all, ..Changes::default() }, T0).await;

    let due = |limit| async move { store.credentials_due_for_expiry_notice(bound, limit).await.expect("due") };
    assert_eq!(due(10).await, vec![a.clone(), b.clone(), c.clone()], "oldest first, bound included");
    assert_eq!(due(2).await, vec![a.clone(), b.clone()], "at most `limit`");

    // Told: no longer due. A new PIN restarts the clock: no longer due either.
    let notified = Credential { expiry_notice_at: Some(T0), ..a };
    let mut renewed = b;
    renewed.set_definitive(pin_hash(77), T0).expect("new PIN");
    let changes = Changes { update_credentials: vec![notified, renewed], ..Changes::default() };
    commit(store, changes, T0).await;
    assert_eq!(due(10).await, vec![c]);
}

/// Sixteen requests for the same fiscal code at once: exactly one credential and one set of
/// messages; every other request is a `Conflict`.
pub async fn concurrent_requests_make_one_credential<S: Store + Clone + 'static>(store: &S) {
    let code = registered(store, 1301).await;
    let (pending_before, audit_before) = (pending(store).await, whole_audit(store).await.len());
    let tasks: Vec<_> = (0..16)
        .map(|i| {
            let store = store.clone();
            tokio::spawn(async move {
                let credential = issued(code, at(i));
                let changes = Changes {
                    insert_credentials: vec![credential.clone()],
                    messages: vec![
                        message(code, MessageKind::PinFirstHalf, Channel::Sms, at(i)),
                        message(code, MessageKind::PinSecondHalf, Channel::Letter, at(i)),
                    ],
                    audit: vec![event(at(i), "pin_issued", &code, credential.id)],
                    ..Changes::default()
                };
                store.commit(changes, at(i)).await.map(|()| credential.id)
            })
        })
        .collect();
    let mut winners = Vec::new();
    for task in tasks {
        match task.await.expect("task") {
            Ok(id) => winners.push(id),
            result => assert_conflict(result, "a concurrent request"),
        }
    }
    assert_eq!(winners.len(), 1, "exactly one request wins");
    assert_eq!(live(store, &code).await.map(|c| c.id), Some(winners[0]));
    assert_eq!(pending(store).await, pending_before + 2, "one set of messages");
    assert_eq!(whole_audit(store).await.len(), audit_before + 1, "one audit entry");
}

/// One commit may end a credential and insert its successor for the same fiscal code (recovery,
/// the desk): updates are written before inserts. The successor alone is live afterwards.
pub async fn end_and_replace_in_one_commit<S: Store + Clone + 'static>(store: &S) {
    let code = registered(store, 1401).await;
    let old = issued(code, at(0));
    let login = session(&old, "old-credential-session", at(1));
    let changes =
        Changes { insert_credentials: vec![old.clone()], open_sessions: vec![login.clone()], ..Changes::default() };
    commit(store, changes, at(1)).await;

    let mut revoked = old.clone();
    revoked.transition(CredentialState::Revoked, at(10)).expect("issued → revoked");
    let successor = Credential { level: Level::Dispositivo, ..issued(code, at(10)) };
    let changes = Changes {
        insert_credentials: vec![successor.clone()],
        update_credentials: vec![revoked.clone()],
        end_sessions_of: vec![old.id],
        audit: vec![event(at(10), "pin_recovered", &code, successor.id)],
        ..Changes::default()
    };
    commit(store, changes, at(10)).await;
    assert_eq!(live(store, &code).await, Some(successor.clone()), "the successor is the live credential");
    assert_eq!(by_id(store, old.id).await, Some(Credential { version: 1, ..revoked }), "the old one is ended");
    let ended = store.session_by_token_hash(&token_hash("old-credential-session")).await.expect("session");
    assert_eq!(ended.and_then(|s| s.ended_at), Some(at(10)), "its sessions ended in the same commit");

    // Without ending the live one first, the successor is still a second live credential.
    let intruder = issued(code, at(20));
    let mut untouched = successor.clone();
    untouched.note = Some("nota".to_owned());
    let changes =
        Changes { insert_credentials: vec![intruder], update_credentials: vec![untouched], ..Changes::default() };
    assert_conflict(store.commit(changes, at(20)).await, "a successor beside a live credential");
    assert_eq!(live(store, &code).await, Some(successor), "the refused commit changed nothing");
}

/// The most recent credential of a fiscal code in any state: what a login with an annulled or
/// revoked PIN is told about.
pub async fn latest_credential_in_any_state<S: Store + Clone + 'static>(store: &S) {
    let code = registered(store, 1411).await;
    let other = registered(store, 1412).await;
    let latest = |code| async move { store.latest_credential(&code).await.expect("latest_credential") };
    assert_eq!(latest(code).await, None, "no credential yet");

    let mut first = issued(code, days(-30));
    commit(store, Changes { insert_credentials: vec![first.clone()], ..Changes::default() }, days(-30)).await;
    assert_eq!(latest(code).await, Some(first.clone()));

    first.transition(CredentialState::Revoked, days(-20)).expect("revoke");
    let second = issued(code, days(-10));
    let neighbour = issued(other, days(-5));
    let changes = Changes {
        update_credentials: vec![first.clone()],
        insert_credentials: vec![second.clone(), neighbour.clone()],
        ..Changes::default()
    };
    commit(store, changes, days(-10)).await;
    assert_eq!(latest(code).await, Some(second.clone()), "the newer credential, not the revoked one");

    let mut annulled = second;
    annulled.transition(CredentialState::Annulled, T0).expect("annul");
    commit(store, Changes { update_credentials: vec![annulled.clone()], ..Changes::default() }, T0).await;
    assert_eq!(live(store, &code).await, None);
    assert_eq!(latest(code).await, Some(Credential { version: 1, ..annulled }), "an annulled one after a revoked one");
    assert_eq!(latest(other).await, Some(neighbour), "each fiscal code its own");
}

/// A credential in every state, each of its own fiscal code, created on different days and
/// inserted deliberately not in creation order; returned in insert order.
async fn credentials_of_all_ages(store: &dyn Store, first_index: u64) -> Vec<Credential> {
    let mut written = Vec::new();
    for (i, state) in (0i64..).zip(CredentialState::ALL) {
        let code = registered(store, first_index + i.unsigned_abs()).await;
        // 10, 60, 30, 80, 50, 20, 70 and 40 days old: the states are shuffled in time.
        let created = days(-(1 + (i * 5) % 8) * 10);
        written.push(Credential { state, ..active(code, PinKind::Definitive, created) });
    }
    commit(store, Changes { insert_credentials: written.clone(), ..Changes::default() }, T0).await;
    written
}

fn oldest_first(credentials: &[Credential], keep: impl Fn(&Credential) -> bool) -> Vec<Credential> {
    let mut kept: Vec<_> = credentials.iter().filter(|c| keep(c)).cloned().collect();
    kept.sort_by_key(|c| c.created_at);
    kept
}

/// The sunset's batches: live credentials only, oldest first, at most `limit`; annulling a batch
/// moves the next one to the front.
pub async fn live_credentials_oldest_first<S: Store + Clone + 'static>(store: &S) {
    let all = credentials_of_all_ages(store, 1421).await;
    let live_ones = oldest_first(&all, |c| c.state.is_live());
    assert_eq!(live_ones.len(), 6);
    let batch = |limit| async move { store.live_credentials(limit).await.expect("live_credentials") };
    assert_eq!(batch(100).await, live_ones, "every live credential, oldest first, no ended one");
    assert_eq!(batch(4).await, live_ones[..4].to_vec(), "at most `limit`");
    assert_eq!(batch(0).await, Vec::new(), "limit 0 reads nothing");

    let annulled: Vec<_> = live_ones[..4]
        .iter()
        .map(|c| {
            let mut c = c.clone();
            c.transition(CredentialState::Annulled, T0).expect("annul");
            c
        })
        .collect();
    commit(store, Changes { update_credentials: annulled, ..Changes::default() }, T0).await;
    assert_eq!(batch(4).await, live_ones[4..].to_vec(), "the next batch");
}

/// Owners of live credentials not told of the sunset yet, oldest first, at most `limit`; telling
/// them (`sunset_notice_at`) takes them off the list.
pub async fn credentials_due_for_sunset_notice<S: Store + Clone + 'static>(store: &S) {
    let mut all = credentials_of_all_ages(store, 1441).await;
    // One live credential was told already (the ended ones never were, and are not due).
    let told = all.iter_mut().find(|c| c.state == CredentialState::Locked).expect("a locked one");
    told.sunset_notice_at = Some(days(-1));
    commit(store, Changes { update_credentials: vec![told.clone()], ..Changes::default() }, T0).await;

    let due_ones = oldest_first(&all, |c| c.state.is_live() && c.sunset_notice_at.is_none());
    assert_eq!(due_ones.len(), 5);
    let due = |limit| async move { store.credentials_due_for_sunset_notice(limit).await.expect("due") };
    assert_eq!(due(100).await, due_ones, "live and untold only, oldest first");
    assert_eq!(due(2).await, due_ones[..2].to_vec(), "at most `limit`");

    let notified: Vec<_> =
        due_ones[..2].iter().map(|c| Credential { sunset_notice_at: Some(T0), ..c.clone() }).collect();
    commit(store, Changes { update_credentials: notified, ..Changes::default() }, T0).await;
    assert_eq!(due(100).await, due_ones[2..].to_vec(), "the told ones are off the list");
    let stored = by_id(store, due_ones[0].id).await.expect("stored");
    assert_eq!((stored.sunset_notice_at, stored.version), (Some(T0), 1), "when they were told is kept");
}
