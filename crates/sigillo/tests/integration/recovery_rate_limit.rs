//! Rate limits of the public endpoints (issue 5 point 6): per fiscal code (5 an hour) and per
//! client address (60 an hour), answered with 429 `throttled` and `Retry-After`.
//!
//! The limits use fixed one-hour windows: a run that straddles the top of the hour could see a
//! counter restart between two requests (a rare, timing-dependent false failure).

use std::time::Duration;

use serde_json::json;

use crate::harness::{Env, on_both_backends};
use crate::pin_support::{
    Api, Reply, activation_body, demo_people, eligible_people, import_people, issue, kinds_after, other_half, serve,
};

on_both_backends!(
    sixth_recovery_request_for_a_code_is_throttled,
    revocation_and_activation_are_throttled_per_code_too,
    sixty_first_recovery_request_from_one_address_is_throttled,
);

fn assert_throttled(what: &str, reply: &Reply) {
    assert_eq!(reply.status, 429, "{what}: {reply}");
    reply.assert_error(429, "throttled");
    let retry = reply.header("retry-after").unwrap_or_else(|| panic!("{what}: Retry-After on 429: {reply}"));
    let seconds: u64 = retry.trim().parse().unwrap_or_else(|_| panic!("{what}: Retry-After in seconds: {retry:?}"));
    assert!((1..=3600).contains(&seconds), "{what}: Retry-After {seconds}");
}

async fn sixth_recovery_request_for_a_code_is_throttled(env: Env) {
    let people = eligible_people(&env, 3);
    let (person, other, unknown) = (&people[0], &people[1], &people[2]);
    import_people(&env, &[person, other]);
    let server = serve(&env, &[]);
    let api = Api::new(&server);
    issue(&api, &env, person).await;
    let right = [person.get("mobile"), person.get("email")];

    for n in 1..=5 {
        let reply = api.request_recovery(person.cf(), [person.get("mobile"), "qualcun.altro@example.org"]).await;
        assert_eq!(reply.status, 202, "request {n} of 5: {reply}");
    }
    let sixth = api.request_recovery(person.cf(), right).await;
    assert_throttled("sixth request for the same code, right contacts", &sixth);
    let links = kinds_after(&env, person.cf(), "recovery_link", Duration::from_secs(1)).await;
    assert!(links.is_empty(), "a throttled request sends nothing: {links:?}");

    // The limit is per code: another citizen is not affected.
    let reply = api.request_recovery(other.cf(), [other.get("mobile"), other.get("email")]).await;
    assert_eq!(reply.status, 202, "another code: {reply}");

    // An unknown code is throttled just the same (the 429 must not tell codes apart).
    for n in 1..=5 {
        let reply = api.request_recovery(unknown.cf(), [unknown.get("mobile"), unknown.get("email")]).await;
        assert_eq!(reply.status, 202, "unknown code, request {n}: {reply}");
    }
    let unknown_sixth = api.request_recovery(unknown.cf(), [unknown.get("mobile"), unknown.get("email")]).await;
    assert_throttled("sixth request for an unknown code", &unknown_sixth);
    assert_eq!(unknown_sixth.body["error"], sixth.body["error"]);
    assert_eq!(unknown_sixth.body["message"], sixth.body["message"]);
}

async fn revocation_and_activation_are_throttled_per_code_too(env: Env) {
    let people = eligible_people(&env, 1);
    let person = &people[0];
    import_people(&env, &[person]);
    let server = serve(&env, &[]);
    let api = Api::new(&server);
    let halves = issue(&api, &env, person).await;

    for n in 1..=5 {
        let reply = api.revoke_with_card(person.cf(), "80380000000000000001", person.get("health_card_expiry")).await;
        assert_eq!(reply.status, 204, "wrong card, revocation {n}: {reply}");
    }
    let sixth = api.revoke_with_card(person.cf(), "80380000000000000001", person.get("health_card_expiry")).await;
    assert_throttled("sixth revocation for the same code", &sixth);

    let wrong = activation_body(person, &other_half(&halves.first), "email", person.get("email"));
    for n in 1..=5 {
        let reply = api.activate_pin(&wrong).await;
        reply.assert_error(401, "invalid_credentials");
        assert!(reply.header("retry-after").is_none(), "activation {n} not throttled yet: {reply}");
    }
    let right = activation_body(person, &halves.first, "email", person.get("email"));
    let sixth = api.activate_pin(&right).await;
    assert_throttled("sixth activation for the same code, right data", &sixth);

    // Throttled, nothing happened: the PIN of the request still logs in.
    let login = api.login(person.cf(), &halves.pin()).await;
    assert_eq!(login.status, 200, "{login}");
}

async fn sixty_first_recovery_request_from_one_address_is_throttled(env: Env) {
    // 61 distinct valid codes (none in the registry, so no code reaches its own limit).
    let people = demo_people(&env, 70, 777);
    let mut codes: Vec<&str> = people.iter().map(|p| p.cf()).collect();
    codes.sort_unstable();
    codes.dedup();
    assert!(codes.len() >= 61, "61 distinct codes");
    let server = serve(&env, &[]);
    let api = Api::new(&server);

    for (n, code) in codes[..60].iter().enumerate() {
        let reply = api.post("/pin-recoveries", &json!({"fiscal_code": code, "contacts": ["+393331112222", "a.b@example.org"]})).await;
        assert_eq!(reply.status, 202, "request {} of 60 from this address: {reply}", n + 1);
    }
    let reply =
        api.post("/pin-recoveries", &json!({"fiscal_code": codes[60], "contacts": ["+393331112222", "a.b@example.org"]})).await;
    assert_throttled("the 61st request from one address within the hour", &reply);
}
