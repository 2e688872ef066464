use std::time::Duration;

use time::macros::datetime;
use uuid::Uuid;

use super::*;
use crate::fiscal_code::FiscalCode;

const DAY: Duration = Duration::from_secs(86_400);

fn credential() -> Credential {
    let code = FiscalCode::parse("RSSMRA80A01H501U").unwrap_or_else(|e| panic!("{e}"));
    Credential::new(Uuid::nil(), code, Level::Ordinario, datetime!(2026-01-01 0:00 UTC))
}

#[test]
fn the_happy_path() {
    let mut c = credential();
    let t0 = datetime!(2026-01-02 0:00 UTC);
    c.issue_first_access("h1".into(), "f1".into(), t0).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(c.state, CredentialState::Issued);
    assert_eq!(c.first_half_hash.as_deref(), Some("f1"));
    assert!(c.must_change_pin(t0, Some(90 * DAY)));
    assert_eq!(c.pin_expires_at(60 * DAY, Some(90 * DAY)), Some(t0 + 60 * DAY));
    assert!(!c.first_access_lapsed(t0 + 59 * DAY, 60 * DAY));
    assert!(c.first_access_lapsed(t0 + 60 * DAY, 60 * DAY));

    c.set_definitive("h2".into(), t0).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(c.state, CredentialState::Active);
    assert!(c.pin_history.is_empty(), "a first-access PIN is not a chosen one");
    assert_eq!(c.first_half_hash, None, "a chosen PIN has no halves");
    assert!(!c.must_change_pin(t0 + 89 * DAY, Some(90 * DAY)));
    assert!(c.must_change_pin(t0 + 90 * DAY, Some(90 * DAY)));
    assert!(!c.must_change_pin(t0 + 900 * DAY, None), "rotation off");
}

#[test]
fn history_keeps_the_last_five_chosen_pins() {
    let mut c = credential();
    let t = datetime!(2026-01-02 0:00 UTC);
    c.issue_first_access("first".into(), "f".into(), t).unwrap_or_else(|e| panic!("{e}"));
    for i in 0..8 {
        c.set_definitive(format!("h{i}"), t).unwrap_or_else(|e| panic!("{e}"));
    }
    assert_eq!(c.pin_history, ["h6", "h5", "h4", "h3", "h2"]);
}

#[test]
fn dead_credentials_stay_dead() {
    for end in [CredentialState::Revoked, CredentialState::Annulled] {
        for to in CredentialState::ALL {
            assert!(end.check_transition(to).is_err(), "{end} -> {to}");
        }
        assert!(!end.is_live());
    }
}

#[test]
fn every_live_state_can_be_revoked_and_annulled() {
    for from in CredentialState::ALL.into_iter().filter(|s| s.is_live()) {
        assert!(from.check_transition(CredentialState::Revoked).is_ok());
        assert!(from.check_transition(CredentialState::Annulled).is_ok());
    }
}

#[test]
fn a_pin_that_does_not_exist_cannot_lock() {
    assert!(CredentialState::Requested.check_transition(CredentialState::Locked).is_err());
    assert!(CredentialState::Active.check_transition(CredentialState::Locked).is_ok());
    assert!(CredentialState::Locked.check_transition(CredentialState::Locked).is_err());
    assert!(CredentialState::Issued.check_transition(CredentialState::Active).is_ok());
    assert!(CredentialState::Requested.check_transition(CredentialState::Active).is_err());
}

#[test]
fn names_round_trip() {
    for s in CredentialState::ALL {
        assert_eq!(CredentialState::parse(s.as_str()), Some(s));
    }
}
