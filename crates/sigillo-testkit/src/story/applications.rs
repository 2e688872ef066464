//! Applications: protocol numbers per year, without gaps or duplicates even under concurrency;
//! visible only to their owner.

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic, reason = "test support: failing loudly is its job")]

use sigillo_domain::application::{Application, ApplicationType};
use sigillo_domain::audit::{Actor, AuditEvent};
use sigillo_domain::fiscal_code::FiscalCode;
use sigillo_domain::store::Store;
use time::OffsetDateTime;
use time::macros::datetime;
use uuid::Uuid;

use super::audit::assert_unbroken_chain;
use super::support::registered;
use crate::fixtures::person;

const FORM: &str = r#"{"iban":"IT60X0542811101000000123456","note":"richiesta – «urgente»"}"#;

fn submitted(code: &FiscalCode, at: OffsetDateTime) -> AuditEvent {
    AuditEvent::new(at, Actor::Citizen, "application_submitted").fiscal_code(code).detail("channel", "portal")
}

async fn submit(store: &dyn Store, code: &FiscalCode, kind: ApplicationType, at: OffsetDateTime) -> Application {
    let id = Uuid::new_v4();
    let application =
        store.submit_application(id, code, kind, FORM, at, submitted(code, at)).await.expect("submit_application");
    let expected = Application {
        id,
        protocol: application.protocol.clone(),
        fiscal_code: *code,
        kind,
        data: FORM.to_owned(),
        submitted_at: at,
    };
    assert_eq!(application, expected, "the returned application is what was submitted");
    application
}

/// Protocols count 1, 2, 3 … within a year and start again at 1 in a new one; each submission
/// appends its audit entry; an application is found by its owner only; lists are newest first.
pub async fn application_protocols<S: Store + Clone + 'static>(store: &S) {
    let owner = registered(store, 6001).await;
    let other = registered(store, 6002).await;
    let a1 = submit(store, &owner, ApplicationType::Naspi, datetime!(2026-05-04 10:00:00.000001 UTC)).await;
    let a2 = submit(store, &owner, ApplicationType::AssegnoSociale, datetime!(2026-05-05 08:30:00 UTC)).await;
    let a3 = submit(store, &other, ApplicationType::Maternita, datetime!(2026-06-01 12:00:00.5 UTC)).await;
    let a4 = submit(store, &owner, ApplicationType::DomandaPensione, datetime!(2027-02-01 09:00:00 UTC)).await;
    let a5 = submit(store, &owner, ApplicationType::RiscattoLaurea, datetime!(2027-02-02 09:00:00 UTC)).await;
    let protocols: Vec<&str> = [&a1, &a2, &a3, &a4, &a5].map(|a| a.protocol.as_str()).to_vec();
    assert_eq!(
        protocols,
        ["INPS.2026.00000001", "INPS.2026.00000002", "INPS.2026.00000003", "INPS.2027.00000001", "INPS.2027.00000002"]
    );

    let find = |code: FiscalCode, protocol: String| async move {
        store.application(&code, &protocol).await.expect("application")
    };
    assert_eq!(find(owner, a1.protocol.clone()).await, Some(a1.clone()), "round trip");
    assert_eq!(find(other, a3.protocol.clone()).await, Some(a3.clone()));
    assert_eq!(find(other, a1.protocol.clone()).await, None, "someone else's application is not found");
    assert_eq!(find(owner, "INPS.2026.99999999".to_owned()).await, None);

    let of = |code: FiscalCode| async move { store.applications_of(&code).await.expect("applications_of") };
    assert_eq!(of(owner).await, vec![a5, a4, a2, a1], "newest first");
    assert_eq!(of(other).await, vec![a3]);
    assert!(of(person(6003).fiscal_code).await.is_empty());

    let entries = assert_unbroken_chain(store).await;
    assert_eq!(entries.len(), 5, "one audit entry per submission");
    assert!(entries.iter().all(|e| e.event.event == "application_submitted"));
    assert_eq!(entries[2].event, submitted(&other, datetime!(2026-06-01 12:00:00.5 UTC)));
}

/// Sixteen submissions at once in one year get protocols 1 to 16, each once.
pub async fn concurrent_submissions_get_unique_protocols<S: Store + Clone + 'static>(store: &S) {
    let owners = [registered(store, 6011).await, registered(store, 6012).await];
    let tasks: Vec<_> = (0..16i64)
        .map(|i| {
            let store = store.clone();
            let owner = owners[usize::from(i % 2 == 1)];
            tokio::spawn(async move {
                let at = datetime!(2026-09-01 10:00:00 UTC) + time::Duration::milliseconds(i);
                submit(&store, &owner, ApplicationType::CongedoParentale, at).await.protocol
            })
        })
        .collect();
    let mut protocols = Vec::new();
    for task in tasks {
        protocols.push(task.await.expect("task"));
    }
    protocols.sort();
    let expected: Vec<String> = (1..=16).map(|n| format!("INPS.2026.{n:08}")).collect();
    assert_eq!(protocols, expected);
    for owner in &owners {
        assert_eq!(store.applications_of(owner).await.expect("applications_of").len(), 8);
    }
    assert_eq!(assert_unbroken_chain(store).await.len(), 16);
}
