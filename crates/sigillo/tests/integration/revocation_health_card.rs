//! Revoca PIN with the health card, without logging in (SPEC 4.9, issue 5 point 3, API.md):
//! `POST /pin-revocations` answers 204 whatever matched; on a match the PIN is revoked, every
//! session ends, and the fiscal code may request a new PIN.

use reqwest::Method;

use crate::harness::{Env, on_both_backends};
use crate::pin_support::{
    Api, Reply, activate, eligible_people, import_people, issue, letter_of, letters_batch, message_id, serve, token_of,
};

on_both_backends!(revocation_with_the_health_card_frees_the_fiscal_code, revoking_an_issued_pin_withdraws_its_unprinted_letter);

/// The same card number with its last digit changed.
fn other_number(number: &str) -> String {
    let (body, last) = number.split_at(number.len() - 1);
    format!("{body}{}", if last == "1" { "2" } else { "1" })
}

/// The same expiry a year later (`YYYY-MM-DD`).
fn other_expiry(expiry: &str) -> String {
    let year: u32 = expiry[..4].parse().expect("YYYY-MM-DD");
    format!("{}{}", year + 1, &expiry[4..])
}

fn assert_no_content(what: &str, reply: &Reply) {
    assert_eq!(reply.status, 204, "{what}: {reply}");
    assert!(reply.text.is_empty(), "{what}: 204 without a body: {reply}");
}

async fn revocation_with_the_health_card_frees_the_fiscal_code(env: Env) {
    let people = eligible_people(&env, 2);
    let (person, stranger) = (&people[0], &people[1]);
    import_people(&env, &[person]);
    let server = serve(&env, &[]);
    let api = Api::new(&server);
    let pin = person.good_pin(0);
    let session = activate(&api, &env, person, pin).await;
    let other_session = token_of(&api.login_ok(person.cf(), pin).await);
    let (number, expiry) = (person.get("health_card_number"), person.get("health_card_expiry"));

    let wrong_number = api.revoke_with_card(person.cf(), &other_number(number), expiry).await;
    assert_no_content("wrong card number", &wrong_number);
    let wrong_expiry = api.revoke_with_card(person.cf(), number, &other_expiry(expiry)).await;
    assert_no_content("wrong card expiry", &wrong_expiry);
    let unknown =
        api.revoke_with_card(stranger.cf(), stranger.get("health_card_number"), stranger.get("health_card_expiry")).await;
    assert_no_content("a valid fiscal code not in the registry", &unknown);
    let another_card = api.revoke_with_card(person.cf(), stranger.get("health_card_number"), expiry).await;
    assert_no_content("someone else's card", &another_card);

    // Nothing was revoked.
    let login = api.login_ok(person.cf(), pin).await;
    assert_eq!(login["must_change_pin"], false, "the PIN still works after mismatching data: {login}");
    assert_eq!(api.get("/me", &session).await.status, 200, "sessions live on");

    let right = api.revoke_with_card(person.cf(), number, expiry).await;
    assert_no_content("the right card", &right);
    for reply in [&wrong_number, &wrong_expiry, &unknown, &another_card] {
        assert_eq!(reply.headers.get("content-type"), right.headers.get("content-type"), "same headers: {reply}");
    }

    api.login(person.cf(), pin).await.assert_error(401, "invalid_credentials");
    for (what, token) in [("first", &session), ("second", &other_session), ("third", &token_of(&login))] {
        let me = api.get("/me", token).await;
        assert_eq!(me.status, 401, "the {what} session ended with the revocation: {me}");
    }
    let logout = api.call(Method::DELETE, "/sessions/current", Some(&session), None).await;
    assert_eq!(logout.status, 401, "{logout}");

    // The fiscal code is free: a new request is issued (201) and its PIN logs in.
    let halves = issue(&api, &env, person).await;
    let login = api.login_ok(person.cf(), &halves.pin()).await;
    assert_eq!(login["must_change_pin"], true, "{login}");

    // Revoking again with the same card data revokes the new PIN too; a second time is still 204.
    assert_no_content("revoking the new PIN", &api.revoke_with_card(person.cf(), number, expiry).await);
    api.login(person.cf(), &halves.pin()).await.assert_error(401, "invalid_credentials");
}

async fn revoking_an_issued_pin_withdraws_its_unprinted_letter(env: Env) {
    let people = eligible_people(&env, 2);
    let (person, other) = (&people[0], &people[1]);
    import_people(&env, &[person, other]);
    let server = serve(&env, &[]);
    let api = Api::new(&server);
    let halves = issue(&api, &env, person).await;
    issue(&api, &env, other).await;
    let (letter, other_letter) = (message_id(&letter_of(&env, person.cf())), message_id(&letter_of(&env, other.cf())));

    let reply = api.revoke_with_card(person.cf(), person.get("health_card_number"), person.get("health_card_expiry")).await;
    assert_no_content("revocation of an issued, never used PIN", &reply);
    api.login(person.cf(), &halves.pin()).await.assert_error(401, "invalid_credentials");

    // The letter with the revoked PIN's half is not printed; the other citizen's is. (Not spelled
    // out by the contract for revocation — only for fast activation — but printing and posting the
    // half of a dead PIN would be waste; the implementation says it withdraws it.)
    let batches = letters_batch(&env);
    let ids: Vec<String> = batches.iter().flat_map(|b| b.manifest_ids()).collect();
    assert!(ids.contains(&other_letter), "the other letter is printed: {ids:?}");
    assert!(!ids.contains(&letter), "the revoked PIN's letter was withdrawn: {ids:?}");
}
