//! Ripristina PIN (SPEC 4.8, issue 5 point 2, API.md): `POST /pin-recoveries` with two contacts on
//! file → an e-mail with a link and a code → `POST /pin-recoveries/confirm` → a new first-access
//! PIN (first half by SMS, second half by e-mail) at the same level; the old PIN and every session
//! end at that moment; the link works once, burns after a few wrong codes, and expires.
//!
//! Not covered here: recovery of a dispositivo PIN (it must stay dispositivo) — a dispositivo PIN
//! cannot be obtained over the API yet (desk issuance / upgrade come with a later issue); and
//! lifting a `locked` state — reaching it takes 100 failed logins through growing throttling
//! delays, which is not feasible in a test; a throttled credential is recovered instead.

use std::time::Duration;

use crate::harness::{Env, on_both_backends};
use crate::pin_support::{
    Api, Halves, activate, eligible_people, import_people, issue, kinds_after, message_paths, serve, token_of,
    wait_for_new_message, wait_for_recovery_mail, wrong_code,
};

on_both_backends!(
    recovery_gives_a_new_pin_at_the_same_level_and_ends_the_old_one,
    three_wrong_codes_burn_the_link,
    an_expired_link_is_refused,
    a_throttled_credential_logs_in_after_recovery,
);

const WRONG_PIN: &str = "ABCDEFGHJKMNPQRS";

async fn recovery_gives_a_new_pin_at_the_same_level_and_ends_the_old_one(env: Env) {
    let people = eligible_people(&env, 1);
    let person = &people[0];
    import_people(&env, &[person]);
    let server = serve(&env, &[]);
    let api = Api::new(&server);
    let pin = person.good_pin(0);
    let session = activate(&api, &env, person, pin).await;
    let other_session = token_of(&api.login_ok(person.cf(), pin).await);
    let (mobile, email) = (person.get("mobile"), person.get("email"));

    let known = message_paths(&env, person.cf());
    let reply = api.request_recovery(person.cf(), [mobile, email]).await;
    assert_eq!(reply.status, 202, "recovery with the registry's mobile and e-mail: {reply}");
    let mail = wait_for_recovery_mail(&env, person.cf(), &known).await;
    assert_eq!(mail.message.json["to"], email, "the link goes to the e-mail on file: {}", mail.message.json);

    // Until the link is used, nothing changes: someone else may have asked.
    let before = api.login_ok(person.cf(), pin).await;
    assert_eq!(before["must_change_pin"], false, "{before}");
    let third_session = token_of(&before);

    let known = message_paths(&env, person.cf());
    let confirmed = api.confirm_recovery(&mail.token, &mail.code).await;
    assert_eq!(confirmed.status, 200, "confirm with the e-mailed token and code: {confirmed}");
    assert_eq!(confirmed.body["status"], "new_pin_sent", "{confirmed}");

    // The old PIN fails at once, and every session open at that moment is over.
    api.login(person.cf(), pin).await.assert_error(401, "invalid_credentials");
    for (what, token) in [("first", &session), ("second", &other_session), ("third", &third_session)] {
        let me = api.get("/me", token).await;
        assert_eq!(me.status, 401, "the {what} session opened before the recovery: {me}");
    }

    let first = wait_for_new_message(&env, person.cf(), "pin_first_half", &known).await;
    assert_eq!(first.channel, "sms", "first half by SMS: {}", first.json);
    assert_eq!(first.json["to"], mobile, "{}", first.json);
    let second = wait_for_new_message(&env, person.cf(), "pin_second_half", &known).await;
    assert_eq!(second.channel, "email", "second half by e-mail, not by letter: {}", second.json);
    assert_eq!(second.json["to"], email, "{}", second.json);
    let halves = Halves { first: first.pin_half(), second: second.pin_half() };
    assert_eq!(halves.pin().len(), 16, "a 16-character first-access PIN");

    let login = api.login_ok(person.cf(), &halves.pin()).await;
    assert_eq!(login["must_change_pin"], true, "a new first-access PIN: {login}");
    assert_eq!(login["level"], "ordinario", "the level is kept: {login}");

    // The link works once.
    let again = api.confirm_recovery(&mail.token, &mail.code).await;
    again.assert_error(400, "invalid_or_expired");
    let still = api.login_ok(person.cf(), &halves.pin()).await;
    assert_eq!(still["must_change_pin"], true, "a second confirm changed nothing: {still}");
    let letters = kinds_after(&env, person.cf(), "pin_second_half", Duration::from_millis(500)).await;
    assert_eq!(
        letters.iter().filter(|m| !known.contains(&m.path)).count(),
        1,
        "one new second half only (no letter, nothing for the second confirm): {letters:?}"
    );

    // And the citizen goes on as after any first access.
    let token = token_of(&still);
    let changed = api.change_pin(&token, &halves.pin(), person.good_pin(1)).await;
    assert_eq!(changed.status, 204, "definitive PIN after recovery: {changed}");
    let login = api.login_ok(person.cf(), person.good_pin(1)).await;
    assert_eq!(login["must_change_pin"], false, "{login}");
    assert_eq!(login["level"], "ordinario", "{login}");
}

async fn three_wrong_codes_burn_the_link(env: Env) {
    let people = eligible_people(&env, 1);
    let person = &people[0];
    import_people(&env, &[person]);
    let server = serve(&env, &[]);
    let api = Api::new(&server);
    let halves = issue(&api, &env, person).await;
    let contacts = [person.get("mobile"), person.get("email")];

    let known = message_paths(&env, person.cf());
    assert_eq!(api.request_recovery(person.cf(), contacts).await.status, 202);
    let mail = wait_for_recovery_mail(&env, person.cf(), &known).await;
    let wrong = wrong_code(&mail.code);
    for attempt in 1..=3 {
        let reply = api.confirm_recovery(&mail.token, &wrong).await;
        assert_eq!(reply.status, 400, "wrong code, attempt {attempt}: {reply}");
        reply.assert_error(400, "invalid_or_expired");
    }
    let burned = api.confirm_recovery(&mail.token, &mail.code).await;
    assert_eq!(burned.status, 400, "after three wrong codes even the right one is refused: {burned}");
    burned.assert_error(400, "invalid_or_expired");

    // Nothing happened to the PIN, and no new halves were sent.
    let login = api.login_ok(person.cf(), &halves.pin()).await;
    assert_eq!(login["must_change_pin"], true, "{login}");
    let firsts = kinds_after(&env, person.cf(), "pin_first_half", Duration::from_millis(500)).await;
    assert_eq!(firsts.len(), 1, "only the request's first half: {firsts:?}");

    // An unknown token is refused the same way.
    let bogus = api.confirm_recovery("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", &mail.code).await;
    bogus.assert_error(400, "invalid_or_expired");
    assert_eq!(bogus.body, burned.body, "one answer for unknown and burned links");

    // A new request gives a new link that works.
    let known = message_paths(&env, person.cf());
    assert_eq!(api.request_recovery(person.cf(), contacts).await.status, 202);
    let fresh = wait_for_recovery_mail(&env, person.cf(), &known).await;
    assert_ne!(fresh.token, mail.token, "a new link");
    let confirmed = api.confirm_recovery(&fresh.token, &fresh.code).await;
    assert_eq!(confirmed.status, 200, "{confirmed}");
    assert_eq!(confirmed.body["status"], "new_pin_sent", "{confirmed}");
}

async fn an_expired_link_is_refused(env: Env) {
    let people = eligible_people(&env, 1);
    let person = &people[0];
    import_people(&env, &[person]);
    let server = serve(&env, &[("SIGILLO_RECOVERY_TTL", "2s")]);
    let api = Api::new(&server);
    let halves = issue(&api, &env, person).await;

    let known = message_paths(&env, person.cf());
    let reply = api.request_recovery(person.cf(), [person.get("mobile"), person.get("email")]).await;
    assert_eq!(reply.status, 202, "{reply}");
    let mail = wait_for_recovery_mail(&env, person.cf(), &known).await;
    tokio::time::sleep(Duration::from_secs(3)).await;

    let expired = api.confirm_recovery(&mail.token, &mail.code).await;
    assert_eq!(expired.status, 400, "a link older than SIGILLO_RECOVERY_TTL=2s: {expired}");
    expired.assert_error(400, "invalid_or_expired");
    let login = api.login_ok(person.cf(), &halves.pin()).await;
    assert_eq!(login["must_change_pin"], true, "the PIN is untouched: {login}");
}

async fn a_throttled_credential_logs_in_after_recovery(env: Env) {
    let people = eligible_people(&env, 1);
    let person = &people[0];
    import_people(&env, &[person]);
    let server = serve(&env, &[]);
    let api = Api::new(&server);
    let pin = person.good_pin(0);
    activate(&api, &env, person, pin).await;

    for attempt in 1..=5 {
        let reply = api.login(person.cf(), WRONG_PIN).await;
        assert_eq!(reply.status, 401, "wrong PIN, attempt {attempt}: {reply}");
    }
    api.login(person.cf(), WRONG_PIN).await.assert_error(429, "throttled");
    api.login(person.cf(), pin).await.assert_error(429, "throttled");

    let known = message_paths(&env, person.cf());
    let reply = api.request_recovery(person.cf(), [person.get("email"), person.get("mobile")]).await;
    assert_eq!(reply.status, 202, "contacts in any order: {reply}");
    let mail = wait_for_recovery_mail(&env, person.cf(), &known).await;
    let known = message_paths(&env, person.cf());
    let confirmed = api.confirm_recovery(&mail.token, &mail.code).await;
    assert_eq!(confirmed.status, 200, "{confirmed}");

    let first = wait_for_new_message(&env, person.cf(), "pin_first_half", &known).await;
    let second = wait_for_new_message(&env, person.cf(), "pin_second_half", &known).await;
    let halves = Halves { first: first.pin_half(), second: second.pin_half() };
    let login = api.login(person.cf(), &halves.pin()).await;
    assert_eq!(login.status, 200, "recovery lifts the throttle: the new PIN logs in at once: {login}");
    assert_eq!(login.body["must_change_pin"], true, "{login}");
    assert_eq!(login.body["level"], "ordinario", "{login}");
}
