//! The back-office over `/api/v1/operator/…` (issue 7): operator login with TOTP, the desk's sealed
//! envelope, the contact center's phone checks, and each role refused what is not its own.

use serde_json::json;

use crate::backoffice_support::{PASSWORD, add_operator, code, enrol, operator, post};
use crate::harness::{Env, on_both_backends};
use crate::pin_support::{
    Api, eligible_people, import_people, messages_for, request_body, serve, token_of, wait_for_kinds,
};

on_both_backends!(
    operator_login_needs_the_second_factor,
    desk_hands_out_a_sealed_envelope_for_a_dispositivo_pin,
    contact_center_confirms_or_rejects_phone_checks,
    each_role_is_refused_what_is_not_its_own,
);

async fn operator_login_needs_the_second_factor(env: Env) {
    let server = serve(&env, &[]);
    let api = Api::new(&server);
    add_operator(&env, "mario.desk", "desk");
    // A weak password is refused by the CLI, with exit code 2.
    let weak = env.run_stdin(&["operator", "add", "weak.one", "--role", "desk"], b"corta\n");
    assert_eq!(weak.code, 2, "{} {}", weak.stdout, weak.stderr);

    let wrong = api.post("/operator/sessions", &json!({"username": "mario.desk", "password": "sbagliata123456"})).await;
    wrong.assert_error(401, "invalid_credentials");
    let unknown = api.post("/operator/sessions", &json!({"username": "nessuno", "password": PASSWORD})).await;
    unknown.assert_error(401, "invalid_credentials");

    let (token, secret) = enrol(&api, "mario.desk").await;
    let me = api.get("/operator/me", &token).await;
    assert_eq!(me.status, 200, "{me}");
    assert_eq!(me.body["role"], "desk", "{me}");

    // Enrolled: the password alone gives a pending token, never a working one.
    let pending = api.post("/operator/sessions", &json!({"username": "mario.desk", "password": PASSWORD})).await;
    assert_eq!(pending.body["second_factor"], "required", "{pending}");
    assert!(pending.body.get("totp_secret").is_none(), "the secret is shown only at enrolment: {pending}");
    let pending_token = token_of(&pending.body);
    api.get("/operator/citizens/RSSMRA80A01H501U", &pending_token).await.assert_error(401, "unauthenticated");
    let bad = post(&api, "/operator/sessions/current/totp", &pending_token, &json!({"code": "000000"})).await;
    bad.assert_error(401, "invalid_credentials");
    // A code from the next time step is accepted once (one step of clock skew); the same code twice is not.
    let next = code(&secret, true);
    let ok =
        api.post("/operator/sessions", &json!({"username": "mario.desk", "password": PASSWORD, "totp": next})).await;
    assert_eq!(ok.body["second_factor"], "done", "{ok}");
    let replay =
        api.post("/operator/sessions", &json!({"username": "mario.desk", "password": PASSWORD, "totp": next})).await;
    replay.assert_error(401, "invalid_credentials");

    // Logout ends the working session.
    let working = token_of(&ok.body);
    let out = api.call(reqwest::Method::DELETE, "/operator/sessions/current", Some(&working), None).await;
    assert_eq!(out.status, 204, "{out}");
    api.get("/operator/me", &working).await.assert_error(401, "unauthenticated");
    let _ = token;
    let (_, output) = server.terminate();
    assert!(!output.contains(&secret), "the TOTP secret is never logged");
}

/// The 16-character PIN printed on the envelope, read from the line "PIN da inserire (16 caratteri,
/// senza spazi): …" of its (uncompressed) content, whose strings are literal or hex.
fn pin_in_envelope(pdf: &[u8]) -> String {
    let raw = String::from_utf8_lossy(pdf);
    let mut shown = String::new();
    for piece in raw.split('<').skip(1) {
        let Some(hex) = piece.split('>').next() else { continue };
        if hex.len() % 2 == 0 && !hex.is_empty() && hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            let bytes: Vec<u8> =
                (0..hex.len()).step_by(2).filter_map(|i| u8::from_str_radix(&hex[i..i + 2], 16).ok()).collect();
            shown.push_str(&String::from_utf8_lossy(&bytes));
            shown.push('\n');
        }
    }
    shown.push_str(&raw);
    let marker = "senza spazi): ";
    let at = shown.find(marker).unwrap_or_else(|| panic!("no PIN line in the envelope"));
    let pin: String = shown[at + marker.len()..].chars().take(16).collect();
    assert!(pin.bytes().all(|b| b.is_ascii_alphanumeric()), "PIN {pin:?}");
    pin
}

async fn desk_hands_out_a_sealed_envelope_for_a_dispositivo_pin(env: Env) {
    let people = eligible_people(&env, 1);
    let person = &people[0];
    import_people(&env, &[person]);
    let server = serve(&env, &[]);
    let api = Api::new(&server);
    let desk = operator(&env, &api, "lucia.sede", "desk").await;
    let cf = person.cf();

    let file = api.get(&format!("/operator/citizens/{cf}"), &desk).await;
    assert_eq!(file.status, 200, "{file}");
    assert!(file.body["credential"].is_null(), "{file}");
    api.get("/operator/citizens/RSSMRA80A01H501X", &desk).await.assert_error(422, "invalid_input");

    // No envelope before the identity document is recorded.
    let mailer = format!("/operator/citizens/{cf}/pin-mailer");
    post(&api, &mailer, &desk, &json!({})).await.assert_error(409, "identity_not_checked");
    let checks = format!("/operator/citizens/{cf}/identity-checks");
    let expired = json!({"document_kind": "passport", "document_number": "YA1234567", "document_issuer": "Questura di Roma", "document_expiry": "2020-01-31"});
    let refused = post(&api, &checks, &desk, &expired).await;
    refused.assert_error(422, "invalid_input");
    assert!(refused.field("document_expiry").is_some(), "{refused}");
    let good = json!({"document_kind": "electronic_identity_card", "document_number": "ca 12345 ab", "document_issuer": "Comune di Roma", "document_expiry": "2034-05-31"});
    let recorded = post(&api, &checks, &desk, &good).await;
    assert_eq!(recorded.status, 201, "{recorded}");
    assert_eq!(recorded.body["number"], "CA12345AB", "{recorded}");

    let response = reqwest::Client::new()
        .post(api.url(&mailer))
        .bearer_auth(&desk)
        .json(&json!({"office": "Sede di Roma Centro"}))
        .send()
        .await
        .expect("mailer");
    assert_eq!(response.status().as_u16(), 201);
    assert_eq!(response.headers()["content-type"], "application/pdf");
    assert_eq!(response.headers()["cache-control"], "no-store");
    let pdf = response.bytes().await.expect("pdf");
    assert!(pdf.starts_with(b"%PDF-"));
    let pin = pin_in_envelope(&pdf);

    // The citizen's first access with the envelope's PIN: dispositivo.
    let first = api.login_ok(cf, &pin).await;
    assert_eq!(first["level"], "dispositivo", "{first}");
    assert_eq!(first["must_change_pin"], true, "{first}");
    let changed = api.change_pin(&token_of(&first), &pin, person.good_pin(0)).await;
    assert_eq!(changed.status, 204, "{changed}");
    let login = api.login_ok(cf, person.good_pin(0)).await;
    let me = api.get("/me", &token_of(&login)).await;
    assert_eq!(me.body["level"], "dispositivo", "{me}");
    // No message carried the PIN: it exists only on the envelope.
    assert!(messages_for(&env, cf).iter().all(|m| !m.json.to_string().contains(&pin[..8])), "no half was sent");

    // Revocation on the citizen's behalf needs a reason; then the citizen may request again.
    let revocation = format!("/operator/citizens/{cf}/revocation");
    post(&api, &revocation, &desk, &json!({"reason": " "})).await.assert_error(422, "invalid_input");
    let revoked = post(&api, &revocation, &desk, &json!({"reason": "Richiesta del cittadino allo sportello"})).await;
    assert_eq!(revoked.status, 204, "{revoked}");
    api.login(cf, person.good_pin(0)).await.assert_error(401, "invalid_credentials");
    post(&api, &revocation, &desk, &json!({"reason": "di nuovo"})).await.assert_error(409, "invalid_state");
    let unlock = post(&api, &format!("/operator/citizens/{cf}/unlock"), &desk, &json!({})).await;
    unlock.assert_error(409, "invalid_state");

    let (_, output) = server.terminate();
    assert!(!output.contains(&pin), "the PIN is never logged");
    let verify = env.run(&["audit", "verify"]);
    assert_eq!(verify.code, 0, "{} {}", verify.stdout, verify.stderr);
}

async fn contact_center_confirms_or_rejects_phone_checks(env: Env) {
    let people = eligible_people(&env, 3);
    let refs: Vec<_> = people.iter().collect();
    import_people(&env, &refs);
    let server = serve(&env, &[]);
    let api = Api::new(&server);
    let agent = operator(&env, &api, "paolo.cc", "contact_center").await;

    // Two online requests with an address that differs from the registry's.
    let mut ids = Vec::new();
    for person in &people[..2] {
        let mut body = request_body(person);
        body["residence"]["address"] = json!("Via Diversa 99");
        let reply = api.post("/pin-requests", &body).await;
        assert_eq!(reply.status, 201, "{reply}");
        assert_eq!(reply.body["status"], "awaiting_phone_check", "{reply}");
        ids.push(reply.body["request_id"].as_str().expect("id").to_owned());
    }
    let queue = api.get("/operator/phone-checks", &agent).await;
    assert_eq!(queue.status, 200, "{queue}");
    let listed: Vec<&str> = queue.body.as_array().expect("list").iter().filter_map(|c| c["id"].as_str()).collect();
    assert_eq!(listed, ids.iter().map(String::as_str).collect::<Vec<_>>(), "oldest first: {queue}");
    assert!(queue.body[0]["mismatches"].as_array().is_some_and(|m| !m.is_empty()), "{queue}");
    assert_eq!(queue.body[0]["given"]["residence"]["address"], "Via Diversa 99", "{queue}");
    assert!(queue.body[0]["registry"]["residence"].is_string(), "the registry's data beside: {queue}");

    // Confirmed: issued and sent as usual.
    let confirmed = post(&api, &format!("/operator/phone-checks/{}/confirm", ids[0]), &agent, &json!({})).await;
    assert_eq!(confirmed.status, 200, "{confirmed}");
    assert_eq!(confirmed.body["status"], "issued", "{confirmed}");
    let cf = people[0].cf();
    let messages = wait_for_kinds(&env, cf, &["pin_first_half", "pin_second_half"], 1).await;
    let half = |kind: &str| messages.iter().find(|m| m.kind() == kind).expect(kind).pin_half();
    let first = api.login_ok(cf, &format!("{}{}", half("pin_first_half"), half("pin_second_half"))).await;
    assert_eq!(first["level"], "ordinario", "{first}");
    post(&api, &format!("/operator/phone-checks/{}/confirm", ids[0]), &agent, &json!({}))
        .await
        .assert_error(409, "invalid_state");

    // Rejected with a reason: the request ends; the citizen may request again.
    let reject = format!("/operator/phone-checks/{}/reject", ids[1]);
    post(&api, &reject, &agent, &json!({"reason": ""})).await.assert_error(422, "invalid_input");
    let rejected = post(&api, &reject, &agent, &json!({"reason": "Il cittadino non ha confermato l'indirizzo"})).await;
    assert_eq!(rejected.status, 204, "{rejected}");
    let again = api.request_pin(&people[1]).await;
    assert_eq!(again.status, 201, "{again}");
    let queue = api.get("/operator/phone-checks", &agent).await;
    assert_eq!(queue.body.as_array().map(Vec::len), Some(0), "{queue}");

    // A request taken by phone for the third person, audited under the agent's name.
    let by_phone = post(&api, "/operator/pin-requests", &agent, &request_body(&people[2])).await;
    assert_eq!(by_phone.status, 201, "{by_phone}");
    assert_eq!(by_phone.body["status"], "issued", "{by_phone}");
    wait_for_kinds(&env, people[2].cf(), &["pin_first_half", "pin_second_half"], 1).await;
    drop(server);
    let verify = env.run(&["audit", "verify"]);
    assert_eq!(verify.code, 0, "{} {}", verify.stdout, verify.stderr);
}

async fn each_role_is_refused_what_is_not_its_own(env: Env) {
    let people = eligible_people(&env, 1);
    import_people(&env, &[&people[0]]);
    let cf = people[0].cf();
    let server = serve(&env, &[]);
    let api = Api::new(&server);
    let desk = operator(&env, &api, "desk.one", "desk").await;
    let agent = operator(&env, &api, "cc.one", "contact_center").await;
    let reviewer = operator(&env, &api, "rev.one", "reviewer").await;
    let admin = operator(&env, &api, "admin.one", "admin").await;
    let document = json!({"document_kind": "passport", "document_number": "YA7654321", "document_issuer": "Questura di Milano", "document_expiry": "2033-01-01"});

    for (who, token) in [("reviewer", &reviewer), ("admin", &admin)] {
        api.get(&format!("/operator/citizens/{cf}"), token).await.assert_error(403, "forbidden");
        post(&api, "/operator/pin-requests", token, &request_body(&people[0])).await.assert_error(403, "forbidden");
        let mailer = post(&api, &format!("/operator/citizens/{cf}/pin-mailer"), token, &json!({})).await;
        mailer.assert_error(403, "forbidden");
        let _ = who;
    }
    for token in [&agent, &reviewer, &admin] {
        let check = post(&api, &format!("/operator/citizens/{cf}/identity-checks"), token, &document).await;
        check.assert_error(403, "forbidden");
        post(&api, &format!("/operator/citizens/{cf}/unlock"), token, &json!({})).await.assert_error(403, "forbidden");
    }
    for token in [&desk, &reviewer, &admin] {
        api.get("/operator/phone-checks", token).await.assert_error(403, "forbidden");
        let id = "00000000-0000-0000-0000-000000000000";
        post(&api, &format!("/operator/phone-checks/{id}/confirm"), token, &json!({}))
            .await
            .assert_error(403, "forbidden");
    }
    // A citizen's token is not an operator's.
    api.get("/operator/me", "not-a-token").await.assert_error(401, "unauthenticated");
}
