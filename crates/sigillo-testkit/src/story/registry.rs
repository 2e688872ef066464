//! The registry conformance story. Each part uses its own fixture indices and checks counts as
//! differences, so the parts can run alone on fresh stores or one after another on the same one.

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic, reason = "test support: failing loudly is its job")]

use sigillo_domain::fiscal_code::{FiscalCode, Sex};
use sigillo_domain::registry::{ContributionYear, Email, InsuredPerson, PhoneNumber};
use sigillo_domain::store::{Store, StoreError};

use crate::fixtures::{contributions, omocode_person, person, persons};

/// Every part of the registry story, in order.
pub async fn registry_story(store: &dyn Store) {
    migrate_and_ping(store).await;
    round_trip(store).await;
    upsert_updates(store).await;
    batch_duplicates_keep_last(store).await;
    contribution_history(store).await;
    contributions_for_unknown_person_store_nothing(store).await;
    big_batch(store).await;
    concurrent_writers(store).await;
}

async fn count(store: &dyn Store) -> u64 {
    store.count_persons().await.expect("count_persons")
}

async fn find(store: &dyn Store, code: &FiscalCode) -> Option<InsuredPerson> {
    store.find_person(code).await.expect("find_person")
}

async fn upsert(store: &dyn Store, people: &[InsuredPerson]) {
    store.upsert_persons(people).await.expect("upsert_persons");
}

fn line(year: i32, employer: &str, weeks: u32) -> ContributionYear {
    ContributionYear { year, employer: employer.to_owned(), weeks }
}

/// Migrating is idempotent and the store answers pings.
pub async fn migrate_and_ping(store: &dyn Store) {
    store.migrate().await.expect("first migrate");
    store.migrate().await.expect("second migrate");
    store.ping().await.expect("ping");
    assert!(["sqlite", "postgres"].contains(&store.backend()), "unknown backend {}", store.backend());
}

/// Every field comes back exactly as stored, for unusual persons too.
pub async fn round_trip(store: &dyn Store) {
    let before = count(store).await;

    let mut no_contacts = person(1);
    no_contacts.mobile = None;
    no_contacts.email = None;
    no_contacts.contribution_weeks = 0;

    let mut everything = person(2);
    everything.mobile = Some(PhoneNumber::parse("+39 333 123 4567").expect("phone"));
    everything.email = Some(Email::parse("Mario.Rossi+pin@Example.IT").expect("email"));
    everything.contribution_weeks = 70 * 53;
    everything.health_card.expiry = time::macros::date!(2020 - 02 - 29);

    // Abroad with neither province nor postal code.
    let mut abroad = person(6);
    abroad.residence.country = "IE".to_owned();
    abroad.residence.municipality = "Dublin".to_owned();
    abroad.residence.postal_code = String::new();
    abroad.residence.province = String::new();
    abroad.residence.address = "12 O'Connell Street".to_owned();

    let born_abroad = person(9);
    assert!(born_abroad.birth_place.starts_with('Z'), "fixture 9 is born abroad");

    // Same personal data under two codes: the base code and an omocode of it.
    let base = person(3);
    let omocode = omocode_person(3, 0b111_1111);
    assert_ne!(base.fiscal_code, omocode.fiscal_code);

    let accented = (1000..100_000)
        .map(person)
        .find(|p| p.family_name == "D'Angelo" && p.given_name == "Nicolò" && p.sex == Sex::M)
        .expect("the fixtures have a Nicolò D'Angelo");

    let people = [no_contacts, everything, abroad, born_abroad, base, omocode, accented];
    upsert(store, &people).await;
    assert_eq!(count(store).await, before + people.len() as u64);
    for expected in &people {
        let found = find(store, &expected.fiscal_code).await;
        assert_eq!(found.as_ref(), Some(expected), "round trip of {}", expected.fiscal_code);
    }

    let missing = person(99).fiscal_code;
    assert_eq!(find(store, &missing).await, None);
    store.upsert_persons(&[]).await.expect("an empty batch is fine");
    assert_eq!(count(store).await, before + people.len() as u64);
}

/// Upserting a known fiscal code replaces every field, contacts included.
pub async fn upsert_updates(store: &dyn Store) {
    let original = person(101);
    upsert(store, std::slice::from_ref(&original)).await;
    let before = count(store).await;

    let mut changed = original.clone();
    changed.family_name = "Rossi-Bianchi".to_owned();
    changed.residence.address = "Via Nuova 2".to_owned();
    changed.residence.country = "FR".to_owned();
    changed.residence.province = String::new();
    changed.health_card.number = "80380999999999999999".to_owned();
    changed.health_card.expiry = time::macros::date!(2031 - 12 - 31);
    changed.contribution_weeks += 1;
    changed.mobile = match original.mobile {
        Some(_) => None,
        None => Some(PhoneNumber::parse("3471112222").expect("phone")),
    };
    changed.email = Some(Email::parse("nuovo@example.org").expect("email"));
    upsert(store, std::slice::from_ref(&changed)).await;
    assert_eq!(count(store).await, before, "an update adds no row");
    assert_eq!(find(store, &changed.fiscal_code).await, Some(changed.clone()));

    // The same data again changes nothing.
    upsert(store, std::slice::from_ref(&changed)).await;
    assert_eq!(find(store, &changed.fiscal_code).await, Some(changed.clone()));

    // And contacts can be removed again.
    let mut cleared = changed;
    cleared.mobile = None;
    cleared.email = None;
    upsert(store, std::slice::from_ref(&cleared)).await;
    assert_eq!(find(store, &cleared.fiscal_code).await, Some(cleared));
}

/// A batch that holds the same fiscal code twice stores the later row, once.
pub async fn batch_duplicates_keep_last(store: &dyn Store) {
    let before = count(store).await;
    let first = person(201);
    let other = person(202);
    let mut last = first.clone();
    last.residence.address = "Via del Secondo 2".to_owned();
    last.contribution_weeks += 7;
    let mut middle = first.clone();
    middle.residence.address = "Via di Mezzo 1".to_owned();

    upsert(store, &[first.clone(), other.clone(), middle, last.clone()]).await;
    assert_eq!(count(store).await, before + 2);
    assert_eq!(find(store, &first.fiscal_code).await, Some(last));
    assert_eq!(find(store, &other.fiscal_code).await, Some(other));
}

/// Histories are replaced whole, read oldest year first then by employer in byte order
/// (upper case before lower case before accented letters) on every backend.
pub async fn contribution_history(store: &dyn Store) {
    let someone = person(301);
    let another = person(302);
    upsert(store, &[someone.clone(), another.clone()]).await;
    let code = &someone.fiscal_code;
    assert_eq!(store.contributions(code).await.expect("contributions"), vec![], "no history yet");

    let history = vec![
        line(2021, "zeta srl", 10),
        line(2019, "Acme", 52),
        line(2021, "Éclair", 4),
        line(2021, "Acme", 30),
        line(2020, "Beta", 40),
        line(2021, "Zeta", 8),
    ];
    store.replace_contributions(&[(*code, history)]).await.expect("replace");
    let expected = vec![
        line(2019, "Acme", 52),
        line(2020, "Beta", 40),
        line(2021, "Acme", 30),
        line(2021, "Zeta", 8),
        line(2021, "zeta srl", 10),
        line(2021, "Éclair", 4),
    ];
    assert_eq!(store.contributions(code).await.expect("contributions"), expected);

    // Replacing drops the lines not in the new history; two persons in one call.
    let theirs = contributions(302);
    store
        .replace_contributions(&[(*code, vec![line(2022, "Nuova", 12)]), (another.fiscal_code, theirs.clone())])
        .await
        .expect("replace two");
    assert_eq!(store.contributions(code).await.expect("contributions"), vec![line(2022, "Nuova", 12)]);
    let mut theirs_sorted = theirs;
    theirs_sorted.sort_by(|a, b| (a.year, a.employer.as_str()).cmp(&(b.year, b.employer.as_str())));
    assert_eq!(store.contributions(&another.fiscal_code).await.expect("contributions"), theirs_sorted);

    // The same person twice in one call: the later history wins.
    store
        .replace_contributions(&[(*code, vec![line(2000, "Prima", 1)]), (*code, vec![line(2001, "Seconda", 2)])])
        .await
        .expect("replace twice");
    assert_eq!(store.contributions(code).await.expect("contributions"), vec![line(2001, "Seconda", 2)]);

    // A history listing the same year and employer twice is refused and changes nothing.
    let twice = vec![line(2023, "Acme", 10), line(2023, "Acme", 12)];
    assert!(store.replace_contributions(&[(*code, twice)]).await.is_err());
    assert_eq!(store.contributions(code).await.expect("contributions"), vec![line(2001, "Seconda", 2)]);

    // An empty history clears it; an empty call does nothing.
    store.replace_contributions(&[(*code, vec![])]).await.expect("clear");
    assert_eq!(store.contributions(code).await.expect("contributions"), vec![]);
    store.replace_contributions(&[]).await.expect("empty call");

    // Upserting the person again leaves the history alone.
    store.replace_contributions(&[(*code, vec![line(2024, "Acme", 50)])]).await.expect("replace");
    upsert(store, std::slice::from_ref(&someone)).await;
    assert_eq!(store.contributions(code).await.expect("contributions"), vec![line(2024, "Acme", 50)]);
}

/// A call naming a fiscal code that is not in the registry fails, and stores nothing of the call.
pub async fn contributions_for_unknown_person_store_nothing(store: &dyn Store) {
    let known = person(401);
    upsert(store, std::slice::from_ref(&known)).await;
    let kept = vec![line(2010, "Prima", 20)];
    store.replace_contributions(&[(known.fiscal_code, kept.clone())]).await.expect("replace");
    let unknown = person(402).fiscal_code;

    let result = store
        .replace_contributions(&[
            (known.fiscal_code, vec![line(2011, "Seconda", 30)]),
            (unknown, vec![line(2011, "X", 1)]),
        ])
        .await;
    assert!(result.is_err(), "an unknown fiscal code must fail the call");
    assert!(!matches!(result, Err(StoreError::Unavailable(_))), "not a connection problem: {result:?}");
    assert_eq!(
        store.contributions(&known.fiscal_code).await.expect("contributions"),
        kept,
        "nothing of the call is stored"
    );
    assert_eq!(store.contributions(&unknown).await.expect("contributions"), vec![]);

    // Even with an empty history.
    assert!(store.replace_contributions(&[(unknown, vec![])]).await.is_err());
    assert_eq!(find(store, &unknown).await, None);
}

/// An import-sized batch round-trips, and importing it again changes nothing.
pub async fn big_batch(store: &dyn Store) {
    let before = count(store).await;
    let mut people = persons(10_000, 5_000);
    upsert(store, &people).await;
    assert_eq!(count(store).await, before + 5_000);
    for expected in people.iter().step_by(97) {
        assert_eq!(find(store, &expected.fiscal_code).await.as_ref(), Some(expected));
    }

    upsert(store, &people).await;
    assert_eq!(count(store).await, before + 5_000);

    // Half of them change, in the middle of unchanged rows.
    for p in people.iter_mut().step_by(2) {
        p.contribution_weeks += 1;
        p.residence.address.push_str(" bis");
    }
    upsert(store, &people).await;
    assert_eq!(count(store).await, before + 5_000);
    for expected in people.iter().step_by(89).chain(people.last()) {
        assert_eq!(find(store, &expected.fiscal_code).await.as_ref(), Some(expected));
    }
}

/// Overlapping imports at the same time all succeed (no lock errors, no deadlocks) and readers
/// keep working meanwhile.
pub async fn concurrent_writers(store: &dyn Store) {
    let before = count(store).await;
    let a = persons(20_000, 2_000);
    let b = persons(21_000, 2_000);
    let mut a_reversed = a.clone();
    a_reversed.reverse();
    let reader = async {
        for p in persons(1, 50) {
            store.find_person(&p.fiscal_code).await.expect("find during writes");
        }
    };
    let (ra, rb, rc, ()) =
        tokio::join!(store.upsert_persons(&a), store.upsert_persons(&b), store.upsert_persons(&a_reversed), reader);
    ra.expect("first writer");
    rb.expect("second writer");
    rc.expect("third writer");
    assert_eq!(count(store).await, before + 3_000);
    for expected in [&a[0], &a[1_999], &b[1_999]] {
        assert_eq!(find(store, &expected.fiscal_code).await.as_ref(), Some(expected));
    }
}
