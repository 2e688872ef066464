//! The back-office use cases on a real SQLite store: every role refused what is not its own, and
//! an operator's unlock of a locked credential.

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic, reason = "tests: failing loudly is their job")]

use std::sync::Arc;

use sigillo_app::backoffice::{BackofficeError, DocumentInput};
use sigillo_app::hashing::{HashPolicy, PinHasher};
use sigillo_app::operators::OperatorContext;
use sigillo_app::pin_request::PinRequestInput;
use sigillo_app::{Settings, Sigillo, now};
use sigillo_domain::audit::AuditFilter;
use sigillo_domain::credential::{Credential, CredentialState, Level};
use sigillo_domain::operator::{Operator, OperatorSession, Role, SecondFactor};
use sigillo_domain::pin::PinKind;
use sigillo_domain::store::Changes;
use sigillo_domain::throttle::LoginAttempts;
use uuid::Uuid;

async fn app() -> (Sigillo, tempfile::TempDir) {
    let (store, dir) = sigillo_testkit::sqlite_store().await;
    // Cheap parameters: these tests check rules, not hashing.
    let hasher = PinHasher::start(HashPolicy { memory_kib: 1024, iterations: 1, parallelism: 1 }, 1, 16).unwrap();
    (Sigillo::new(Arc::new(store), hasher, Settings::default()), dir)
}

fn operator(role: Role) -> OperatorContext {
    let t = now();
    let operator = Operator {
        id: Uuid::new_v4(),
        username: format!("op.{}", role.as_str()),
        role,
        password_hash: String::new(),
        second_factor: SecondFactor::Enrolled { secret: "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP".into() },
        last_totp_step: None,
        created_at: t,
        disabled_at: None,
        version: 0,
    };
    let session = OperatorSession {
        id: Uuid::new_v4(),
        token_hash: String::new(),
        operator_id: operator.id,
        second_factor_done: true,
        created_at: t,
        last_seen_at: t,
        expires_at: t + time::Duration::hours(1),
        ended_at: None,
        client_ip: Some("192.0.2.1".into()),
    };
    OperatorContext { operator, session }
}

fn forbidden<T: std::fmt::Debug>(result: Result<T, BackofficeError>, what: &str) {
    assert!(matches!(result, Err(BackofficeError::Forbidden)), "{what}: {result:?}");
}

#[tokio::test]
async fn each_role_is_refused_what_is_not_its_own() {
    let (app, _dir) = app().await;
    let person = sigillo_testkit::fixtures::person(1);
    app.store.upsert_persons(std::slice::from_ref(&person)).await.unwrap();
    let cf = person.fiscal_code.to_string();
    let id = Uuid::new_v4();
    let document = DocumentInput {
        document_kind: "passport".into(),
        document_number: "YA1234567".into(),
        document_issuer: "Questura di Roma".into(),
        document_expiry: "2035-01-01".into(),
    };
    for role in Role::ALL {
        let op = operator(role);
        let desk = role == Role::Desk;
        let phone = role == Role::ContactCenter;
        let admin = role == Role::Admin;
        if !(desk || phone) {
            forbidden(app.find_citizen(&op, &cf).await, "find_citizen");
            forbidden(app.request_pin_for(&op, &PinRequestInput::default()).await, "request_pin_for");
            forbidden(app.revoke_for(&op, &cf, "motivo").await, "revoke_for");
        }
        if !desk {
            forbidden(app.record_identity_check(&op, &cf, &document).await, "record_identity_check");
            forbidden(app.issue_at_desk(&op, &cf, "Sede").await, "issue_at_desk");
            forbidden(app.unlock(&op, &cf).await, "unlock");
        }
        if !phone {
            forbidden(app.phone_check_queue(&op).await, "phone_check_queue");
            forbidden(app.confirm_phone_check(&op, id).await, "confirm_phone_check");
            forbidden(app.reject_phone_check(&op, id, "motivo").await, "reject_phone_check");
        }
        if !admin {
            forbidden(app.search_audit(&op, &AuditFilter::default()).await, "search_audit");
            forbidden(app.verify_audit_chain(&op).await, "verify_audit_chain");
            forbidden(app.parked_messages(&op).await, "parked_messages");
            forbidden(app.retry_parked(&op, id).await, "retry_parked");
            forbidden(app.discard_parked(&op, id, "motivo").await, "discard_parked");
            forbidden(app.print_batches(&op).await, "print_batches");
            forbidden(app.create_print_batch(&op).await, "create_print_batch");
            forbidden(app.confirm_print_batch(&op, "b").await, "confirm_print_batch");
            forbidden(app.policy(&op), "policy");
        }
    }
    // Nothing was written by the refused calls.
    assert!(app.store.live_credential(&person.fiscal_code).await.unwrap().is_none());
}

#[tokio::test]
async fn the_desk_unlocks_a_locked_pin() {
    let (app, _dir) = app().await;
    let person = sigillo_testkit::fixtures::person(2);
    let code = person.fiscal_code;
    app.store.upsert_persons(std::slice::from_ref(&person)).await.unwrap();
    let t = now();
    let mut credential = Credential::new(Uuid::new_v4(), code, Level::Ordinario, t);
    credential.state = CredentialState::Locked;
    credential.pin_kind = PinKind::Definitive;
    credential.pin_hash = Some("$argon2id$v=19$m=1024,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA".into());
    credential.pin_set_at = Some(t);
    app.store.commit(Changes { insert_credentials: vec![credential.clone()], ..Changes::default() }, t).await.unwrap();
    let attempts =
        LoginAttempts { consecutive_failures: 7, failures_since_success: 100, throttled_until: None, version: 0 };
    assert!(app.store.save_login_attempts(&code, &attempts).await.unwrap());

    let desk = operator(Role::Desk);
    assert_eq!(app.unlock(&desk, code.as_str()).await.unwrap(), CredentialState::Active);
    let stored = app.store.live_credential(&code).await.unwrap().unwrap();
    assert_eq!(stored.state, CredentialState::Active);
    let cleared = app.store.login_attempts(&code).await.unwrap();
    assert_eq!((cleared.consecutive_failures, cleared.failures_since_success), (0, 0));
    assert!(
        matches!(app.unlock(&desk, code.as_str()).await, Err(BackofficeError::NoCredential)),
        "not locked any more"
    );
    let audit = app
        .search_audit(
            &operator(Role::Admin),
            &AuditFilter { event: Some("credential_unlocked".into()), ..Default::default() },
        )
        .await
        .unwrap();
    assert_eq!(audit.len(), 1);
    assert_eq!(audit[0].event.actor.as_string(), "operator:op.desk");
}
