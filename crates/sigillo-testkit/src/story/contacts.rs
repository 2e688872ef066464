//! Citizens' contacts: saved by a commit (inserted or rewritten by id), listed oldest first, read
//! and deleted only by their owner; the same kind and value twice for one citizen is a `Conflict`
//! that stores nothing of its commit.

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic, reason = "test support: failing loudly is its job")]

use sigillo_domain::contact::{Contact, ContactKind};
use sigillo_domain::fiscal_code::FiscalCode;
use sigillo_domain::outbox::{Channel, MessageKind};
use sigillo_domain::session::token_hash;
use sigillo_domain::store::{Changes, Store};
use uuid::Uuid;

use super::support::{
    assert_conflict, at, by_id, commit, contact, event, issued, message, pending, recovery, registered, whole_audit,
};

async fn contacts_of(store: &dyn Store, code: &FiscalCode) -> Vec<Contact> {
    store.contacts_of(code).await.expect("contacts_of")
}

async fn find(store: &dyn Store, code: &FiscalCode, id: Uuid) -> Option<Contact> {
    store.contact(code, id).await.expect("contact")
}

/// Contacts round-trip with every field, are listed oldest first, found and deleted only by their
/// owner, and rewritten by id (the verification of a code).
pub async fn contact_life<S: Store + Clone + 'static>(store: &S) {
    let code = registered(store, 8001).await;
    let other = registered(store, 8002).await;
    let mail = contact(code, ContactKind::Email, "mario.rossi@example.it", at(20));
    let mobile = Contact {
        verified_at: Some(at(5)),
        code_hash: None,
        code_expires_at: None,
        code_attempts: 2,
        ..contact(code, ContactKind::Mobile, "+393331234567", at(10))
    };
    let landline = contact(code, ContactKind::Landline, "+39061234567", at(30));
    let theirs = contact(other, ContactKind::Pec, "anna.bianchi@pec.example.it", at(0));
    let changes = Changes {
        save_contacts: vec![mail.clone(), landline.clone(), theirs.clone(), mobile.clone()],
        audit: vec![event(at(30), "contact_added", &code, Uuid::new_v4())],
        ..Changes::default()
    };
    commit(store, changes, at(30)).await;

    assert_eq!(contacts_of(store, &code).await, vec![mobile.clone(), mail.clone(), landline.clone()], "oldest first");
    assert_eq!(contacts_of(store, &other).await, vec![theirs.clone()]);
    assert_eq!(find(store, &code, mail.id).await, Some(mail.clone()));
    assert_eq!(find(store, &other, mail.id).await, None, "another citizen's contact is not found");
    assert_eq!(find(store, &code, Uuid::new_v4()).await, None);

    // Verified with its code: rewritten by id, the code cleared.
    let verified =
        Contact { verified_at: Some(at(40)), code_hash: None, code_expires_at: None, code_attempts: 1, ..mail.clone() };
    commit(store, Changes { save_contacts: vec![verified.clone()], ..Changes::default() }, at(40)).await;
    assert_eq!(find(store, &code, mail.id).await, Some(verified.clone()));
    // A new code for the landline, after a wrong one.
    let renewed = Contact { code_attempts: 0, code_expires_at: Some(at(3_000)), ..landline.clone() };
    commit(store, Changes { save_contacts: vec![renewed.clone()], ..Changes::default() }, at(50)).await;
    assert_eq!(contacts_of(store, &code).await, vec![mobile.clone(), verified.clone(), renewed.clone()]);

    // Only the owner deletes, once.
    assert!(!store.delete_contact(&other, mail.id).await.expect("delete_contact"), "not theirs");
    assert!(store.delete_contact(&code, mail.id).await.expect("delete_contact"));
    assert!(!store.delete_contact(&code, mail.id).await.expect("delete_contact"), "already gone");
    assert_eq!(contacts_of(store, &code).await, vec![mobile, renewed]);
    assert_eq!(contacts_of(store, &other).await, vec![theirs], "the other citizen's contacts untouched");

    // A deleted contact's value may be added again.
    let again = contact(code, ContactKind::Email, "mario.rossi@example.it", at(60));
    commit(store, Changes { save_contacts: vec![again.clone()], ..Changes::default() }, at(60)).await;
    assert_eq!(find(store, &code, again.id).await, Some(again));
}

/// The same kind and value twice for one citizen is a `Conflict`, whether added anew, in the same
/// commit, or by rewriting another contact; nothing of that commit is stored, not even what came
/// before the contacts in it. The same value under another kind or for another citizen is fine.
pub async fn duplicate_contact_conflicts<S: Store + Clone + 'static>(store: &S) {
    let code = registered(store, 8011).await;
    let other = registered(store, 8012).await;
    let mail = contact(code, ContactKind::Email, "mario.rossi@example.it", at(0));
    let phone = contact(code, ContactKind::Mobile, "+393331234567", at(1));
    commit(store, Changes { save_contacts: vec![mail.clone(), phone.clone()], ..Changes::default() }, at(1)).await;
    let (pending_before, audit_before) = (pending(store).await, whole_audit(store).await.len());

    let credential = issued(code, at(10));
    let link = recovery(&credential, "duplicate-contact-recovery", at(10));
    let fresh = contact(code, ContactKind::Landline, "+39061234567", at(10));
    let duplicate = contact(code, ContactKind::Email, "mario.rossi@example.it", at(10));
    let changes = Changes {
        insert_credentials: vec![credential.clone()],
        insert_recoveries: vec![link],
        save_contacts: vec![fresh.clone(), duplicate],
        messages: vec![message(code, MessageKind::ContactVerification, Channel::Sms, at(10))],
        audit: vec![event(at(10), "contact_added", &code, credential.id)],
        ..Changes::default()
    };
    assert_conflict(store.commit(changes, at(10)).await, "the same e-mail address twice");
    assert_eq!(contacts_of(store, &code).await, vec![mail.clone(), phone.clone()], "no contact of the commit");
    assert_eq!(by_id(store, credential.id).await, None, "no credential of the commit");
    let found = store.recovery_by_token_hash(&token_hash("duplicate-contact-recovery")).await;
    assert_eq!(found.expect("recovery_by_token_hash"), None, "no recovery of the commit");
    assert_eq!(pending(store).await, pending_before, "no message of the commit");
    assert_eq!(whole_audit(store).await.len(), audit_before, "no audit entry of the commit");

    // Twice within one commit.
    let pair = [0, 1].map(|i| contact(code, ContactKind::Pec, "mario.rossi@pec.example.it", at(20 + i)));
    let changes = Changes { save_contacts: pair.to_vec(), ..Changes::default() };
    assert_conflict(store.commit(changes, at(21)).await, "one value twice in one commit");
    // Rewriting a contact into another one's value.
    let clash = Contact { kind: ContactKind::Email, value: mail.value.clone(), ..phone.clone() };
    let changes = Changes { save_contacts: vec![clash], ..Changes::default() };
    assert_conflict(store.commit(changes, at(22)).await, "a contact rewritten into a duplicate");
    // A contact never changes hands.
    let stolen = Contact { fiscal_code: other, ..phone.clone() };
    let changes = Changes { save_contacts: vec![stolen], ..Changes::default() };
    assert_conflict(store.commit(changes, at(23)).await, "a contact id of another citizen");
    assert_eq!(contacts_of(store, &code).await, vec![mail.clone(), phone], "nothing changed");
    assert_eq!(contacts_of(store, &other).await, Vec::new(), "nothing changed hands");

    // The same address as a PEC, and for another citizen: different contacts.
    let as_pec = contact(code, ContactKind::Pec, &mail.value, at(30));
    let theirs = contact(other, ContactKind::Email, &mail.value, at(30));
    let changes = Changes { save_contacts: vec![as_pec.clone(), theirs.clone()], ..Changes::default() };
    commit(store, changes, at(30)).await;
    assert_eq!(find(store, &code, as_pec.id).await, Some(as_pec));
    assert_eq!(contacts_of(store, &other).await, vec![theirs]);
}
