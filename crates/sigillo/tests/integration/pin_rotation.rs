//! Rotation (SPEC 4.5): a definitive PIN older than `SIGILLO_PIN_MAX_AGE` must be changed before
//! anything else; expiry never locks.

use std::time::Duration;

use reqwest::Method;
use serde_json::json;

use crate::harness::{Env, on_both_backends};
use crate::pin_support::{Api, activate, eligible_people, import_people, serve, token_of};

on_both_backends!(an_expired_pin_must_be_changed_before_anything_else);

async fn an_expired_pin_must_be_changed_before_anything_else(env: Env) {
    let people = eligible_people(&env, 1);
    let person = &people[0];
    import_people(&env, &[person]);
    // The brief's 3s is shorter than a PIN change plus a login in a debug build (Argon2id at
    // opt-level 0 takes ~0.6 s per hash, and a change verifies the last PINs too): 10s.
    let server = serve(&env, &[("SIGILLO_PIN_MAX_AGE", "10s")]);
    let api = Api::new(&server);
    let (a, b) = (person.good_pin(0), person.good_pin(1));

    let fresh_token = activate(&api, &env, person, a).await;
    tokio::time::sleep(Duration::from_secs(11)).await;

    let login = api.login_ok(person.cf(), a).await;
    assert_eq!(login["must_change_pin"], true, "PIN older than 10s: {login}");
    let token = token_of(&login);
    api.get("/me/contributions", &token).await.assert_error(403, "pin_change_required");
    api.call(Method::POST, "/me/applications", Some(&token), Some(&json!({"type": "naspi", "data": {}})))
        .await
        .assert_error(403, "pin_change_required");
    let me = api.get("/me", &token).await;
    assert_eq!(me.status, 200, "GET /me stays open: {me}");

    // A session opened while the PIN was fresh is held to the rule as well.
    api.get("/me/contributions", &fresh_token).await.assert_error(403, "pin_change_required");

    let changed = api.change_pin(&token, a, b).await;
    assert_eq!(changed.status, 204, "{changed}");
    let login = api.login_ok(person.cf(), b).await;
    assert_eq!(login["must_change_pin"], false, "fresh PIN: {login}");
    let contributions = api.get("/me/contributions", &token_of(&login)).await;
    assert_eq!(contributions.status, 200, "{contributions}");
    api.login(person.cf(), a).await.assert_error(401, "invalid_credentials");
}
