//! Operators for the back-office stories: created with the real CLI, logged in over the API with
//! the password and a TOTP code computed from the secret shown at enrolment.

use serde_json::{Value, json};

use crate::harness::Env;
use crate::pin_support::Api;

pub const PASSWORD: &str = "cavallo batteria graffetta";

/// `sigillo operator add NAME --role ROLE` with the password on standard input.
pub fn add_operator(env: &Env, username: &str, role: &str) {
    let run = env.run_stdin(&["operator", "add", username, "--role", role], format!("{PASSWORD}\n").as_bytes());
    assert_eq!(run.code, 0, "operator add {username}: {} {}", run.stdout, run.stderr);
}

pub fn now_seconds() -> u64 {
    u64::try_from(time::OffsetDateTime::now_utc().unix_timestamp()).expect("after 1970")
}

/// A code of the secret for the current time step (or the next, when `ahead`).
pub fn code(secret: &str, ahead: bool) -> String {
    let at = now_seconds() + if ahead { 30 } else { 0 };
    sigillo_app::operators::totp_code(secret, at).expect("a valid secret")
}

/// First login of an operator: enrols the second factor; returns (working token, secret).
pub async fn enrol(api: &Api, username: &str) -> (String, String) {
    let reply = api.post("/operator/sessions", &json!({"username": username, "password": PASSWORD})).await;
    assert_eq!(reply.status, 200, "{reply}");
    assert_eq!(reply.body["second_factor"], "enrolment_required", "{reply}");
    let secret = reply.body["totp_secret"].as_str().expect("secret").to_owned();
    assert!(reply.body["otpauth_uri"].as_str().is_some_and(|u| u.starts_with("otpauth://totp/")), "{reply}");
    let pending = reply.body["token"].as_str().expect("token").to_owned();
    // The pending token opens nothing but the second-factor step.
    api.get("/operator/me", &pending).await.assert_error(401, "unauthenticated");
    let done = api
        .call(
            reqwest::Method::POST,
            "/operator/sessions/current/totp",
            Some(&pending),
            Some(&json!({"code": code(&secret, false)})),
        )
        .await;
    assert_eq!(done.status, 200, "{done}");
    assert_eq!(done.body["second_factor"], "done", "{done}");
    (done.body["token"].as_str().expect("token").to_owned(), secret)
}

/// Creates and enrols an operator; returns its working token.
pub async fn operator(env: &Env, api: &Api, username: &str, role: &str) -> String {
    add_operator(env, username, role);
    enrol(api, username).await.0
}

pub async fn post(api: &Api, path: &str, token: &str, body: &Value) -> crate::pin_support::Reply {
    api.call(reqwest::Method::POST, path, Some(token), Some(body)).await
}
