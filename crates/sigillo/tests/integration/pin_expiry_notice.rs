//! SPEC 4.5: a PIN about to expire is announced to its owner, once, `SIGILLO_PIN_EXPIRY_NOTICE`
//! before the end of `SIGILLO_PIN_MAX_AGE`.

use std::time::{Duration, Instant};

use crate::harness::{Env, on_both_backends};
use crate::pin_support::{Api, activate, eligible_people, import_people, messages_for, serve};

async fn an_expiring_pin_is_announced_once(env: Env) {
    let people = eligible_people(&env, 1);
    let person = &people[0];
    import_people(&env, &[person]);
    // The notice is due 8 s after the PIN is chosen; the sweep runs every lead/4 (here 3 s).
    let server = serve(&env, &[("SIGILLO_PIN_MAX_AGE", "20s"), ("SIGILLO_PIN_EXPIRY_NOTICE", "12s")]);
    let api = Api::new(&server);
    activate(&api, &env, person, person.good_pin(0)).await;
    let notices = |env: &Env| messages_for(env, person.cf()).into_iter().filter(|m| m.kind() == "pin_expiry_notice").count();
    assert_eq!(notices(&env), 0, "not before it is due");

    let deadline = Instant::now() + Duration::from_secs(25);
    while notices(&env) == 0 {
        assert!(Instant::now() < deadline, "no pin_expiry_notice within 25 s");
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    let notice = messages_for(&env, person.cf()).into_iter().find(|m| m.kind() == "pin_expiry_notice").expect("notice");
    assert_eq!(notice.json["to"], person.get("email"), "to the e-mail on the registry");
    assert!(notice.json["body"].as_str().is_some_and(|b| b.contains("scade")), "{}", notice.json);
    // Several sweeps later: still one.
    tokio::time::sleep(Duration::from_secs(7)).await;
    assert_eq!(notices(&env), 1, "told once");
}

on_both_backends!(an_expiring_pin_is_announced_once);
