//! The citizen's contacts (issue 5 point 1, SPEC 2): list, add, verify with a one-time code sent
//! to the contact (`contact_verification`), remove. Registry contacts count as on file; an added
//! one counts for recovery only once verified.
//!
//! Endpoints (the implementation's extension of API.md, also in the OpenAPI document):
//! `GET /me/contacts`, `POST /me/contacts {kind, value}` → 201, `POST /me/contacts/{id}/verification
//! {code}` → 204 / 400 `invalid_or_expired`, `POST /me/contacts/{id}/code` → 202,
//! `DELETE /me/contacts/{id}` → 204.

use std::time::Duration;

use serde_json::{Value, json};

use crate::harness::{Env, on_both_backends};
use crate::pin_support::{
    Api, Halves, activate, eligible_people, import_people, kinds_after, message_paths, serve, token_of,
    wait_for_new_message, wait_for_recovery_mail, wrong_code,
};

on_both_backends!(
    an_added_email_is_verified_by_code_and_then_counts_for_recovery,
    mobile_and_pec_codes_go_over_their_channels_and_can_be_sent_again,
);

const NEW_EMAIL: &str = "recapito.nuovo@example.org";

fn find<'a>(list: &'a Value, value: &str) -> Option<&'a Value> {
    list.as_array().expect("a JSON array of contacts").iter().find(|c| c["value"].as_str().is_some_and(|v| v.eq_ignore_ascii_case(value)))
}

async fn an_added_email_is_verified_by_code_and_then_counts_for_recovery(env: Env) {
    let people = eligible_people(&env, 1);
    let person = &people[0];
    import_people(&env, &[person]);
    let server = serve(&env, &[]);
    let api = Api::new(&server);
    let token = activate(&api, &env, person, person.good_pin(0)).await;
    let (mobile, email) = (person.get("mobile"), person.get("email"));

    let anonymous = api.send(api.client.get(api.url("/me/contacts"))).await;
    assert_eq!(anonymous.status, 401, "contacts need a session: {anonymous}");

    let list = api.get("/me/contacts", &token).await;
    assert_eq!(list.status, 200, "{list}");
    for value in [mobile, email] {
        let c = find(&list.body, value).unwrap_or_else(|| panic!("the registry's {value} is listed: {list}"));
        assert_eq!(c["source"], "registry", "{c}");
        assert_eq!(c["verified"], true, "registry contacts count as on file: {c}");
        assert!(c["id"].is_null(), "registry contacts have no id: {c}");
    }

    let known = message_paths(&env, person.cf());
    let added = api.post_auth("/me/contacts", &token, Some(&json!({"kind": "email", "value": NEW_EMAIL}))).await;
    assert_eq!(added.status, 201, "{added}");
    assert_eq!(added.body["kind"], "email", "{added}");
    assert_eq!(added.body["value"], NEW_EMAIL, "{added}");
    assert_eq!(added.body["verified"], false, "a new contact is unverified: {added}");
    assert_eq!(added.body["source"], "citizen", "{added}");
    let id = added.body["id"].as_str().unwrap_or_else(|| panic!("an id: {added}")).to_owned();
    let path = format!("/me/contacts/{id}");

    // Duplicates: the same value again, and the registry's own e-mail.
    let again = api.post_auth("/me/contacts", &token, Some(&json!({"kind": "email", "value": NEW_EMAIL}))).await;
    assert_eq!(again.status, 409, "the same contact twice: {again}");
    again.assert_error_shape();
    let registry_dup = api.post_auth("/me/contacts", &token, Some(&json!({"kind": "email", "value": email}))).await;
    assert_eq!(registry_dup.status, 409, "the registry's e-mail again: {registry_dup}");

    let message = wait_for_new_message(&env, person.cf(), "contact_verification", &known).await;
    assert_eq!(message.channel, "email", "{}", message.json);
    assert_eq!(message.json["to"], NEW_EMAIL, "the code goes to the new contact itself: {}", message.json);
    let code = message.json["code"].as_str().unwrap_or_else(|| panic!("code in {}", message.json)).to_owned();
    let verifications = kinds_after(&env, person.cf(), "contact_verification", Duration::from_millis(300)).await;
    assert_eq!(verifications.len(), 1, "the refused duplicates sent nothing: {verifications:?}");

    // Not verified yet: it does not count for recovery (the answer is the same, but no link).
    let before = message_paths(&env, person.cf());
    let reply = api.request_recovery(person.cf(), [mobile, NEW_EMAIL]).await;
    assert_eq!(reply.status, 202, "{reply}");
    let links = kinds_after(&env, person.cf(), "recovery_link", Duration::from_millis(1500)).await;
    assert!(links.is_empty(), "an unverified contact is not on file: {links:?}");

    let wrong = api.post_auth(&format!("{path}/verification"), &token, Some(&json!({"code": wrong_code(&code)}))).await;
    wrong.assert_error(400, "invalid_or_expired");
    let list = api.get("/me/contacts", &token).await;
    assert_eq!(find(&list.body, NEW_EMAIL).map(|c| &c["verified"]), Some(&json!(false)), "{list}");

    let right = api.post_auth(&format!("{path}/verification"), &token, Some(&json!({"code": code}))).await;
    assert_eq!(right.status, 204, "the right code: {right}");
    let list = api.get("/me/contacts", &token).await;
    let c = find(&list.body, NEW_EMAIL).unwrap_or_else(|| panic!("listed: {list}"));
    assert_eq!(c["verified"], true, "{list}");
    assert_eq!(c["source"], "citizen", "{list}");
    assert_eq!(c["id"], id.as_str(), "{list}");

    // Verified: it now counts for recovery together with the registry's mobile.
    let reply = api.request_recovery(person.cf(), [mobile, NEW_EMAIL]).await;
    assert_eq!(reply.status, 202, "{reply}");
    let mail = wait_for_recovery_mail(&env, person.cf(), &before).await;
    assert_eq!(mail.message.json["to"], NEW_EMAIL, "the link goes to the e-mail given: {}", mail.message.json);
    let before = message_paths(&env, person.cf());
    let confirmed = api.confirm_recovery(&mail.token, &mail.code).await;
    assert_eq!(confirmed.status, 200, "{confirmed}");
    let first = wait_for_new_message(&env, person.cf(), "pin_first_half", &before).await;
    assert_eq!((first.channel.as_str(), &first.json["to"]), ("sms", &json!(mobile)), "{}", first.json);
    let second = wait_for_new_message(&env, person.cf(), "pin_second_half", &before).await;
    assert_eq!(second.channel, "email", "{}", second.json);
    assert!(
        second.json["to"] == NEW_EMAIL || second.json["to"] == email,
        "the second half to an e-mail on file: {}",
        second.json
    );
    let halves = Halves { first: first.pin_half(), second: second.pin_half() };

    // The recovery ended the session; log in again, set a definitive PIN, then remove the contact.
    assert_eq!(api.get("/me/contacts", &token).await.status, 401, "the session ended with the recovery");
    let login = api.login_ok(person.cf(), &halves.pin()).await;
    assert_eq!(login["must_change_pin"], true, "{login}");
    let changed = api.change_pin(&token_of(&login), &halves.pin(), person.good_pin(1)).await;
    assert_eq!(changed.status, 204, "{changed}");
    let token = token_of(&api.login_ok(person.cf(), person.good_pin(1)).await);

    let removed = api.delete(&path, &token).await;
    assert_eq!(removed.status, 204, "{removed}");
    let gone = api.delete(&path, &token).await;
    assert_eq!(gone.status, 404, "removed already: {gone}");
    gone.assert_error_shape();
    let list = api.get("/me/contacts", &token).await;
    assert!(find(&list.body, NEW_EMAIL).is_none(), "no longer listed: {list}");
    assert!(find(&list.body, mobile).is_some(), "the registry's stay: {list}");

    // A removed contact no longer counts.
    let before = message_paths(&env, person.cf());
    assert_eq!(api.request_recovery(person.cf(), [mobile, NEW_EMAIL]).await.status, 202);
    let links = kinds_after(&env, person.cf(), "recovery_link", Duration::from_millis(1500)).await;
    assert!(
        links.iter().all(|m| before.contains(&m.path)),
        "a removed contact is no longer on file: {links:?}"
    );
}

async fn mobile_and_pec_codes_go_over_their_channels_and_can_be_sent_again(env: Env) {
    let people = eligible_people(&env, 1);
    let person = &people[0];
    import_people(&env, &[person]);
    let server = serve(&env, &[]);
    let api = Api::new(&server);
    let token = activate(&api, &env, person, person.good_pin(0)).await;
    let new_mobile = if person.get("mobile") == "+393479876543" { "+393479876542" } else { "+393479876543" };
    let pec = "cittadino@pec.example.it";

    let known = message_paths(&env, person.cf());
    let added = api.post_auth("/me/contacts", &token, Some(&json!({"kind": "mobile", "value": new_mobile}))).await;
    assert_eq!(added.status, 201, "{added}");
    assert_eq!(added.body["verified"], false, "{added}");
    let mobile_id = added.body["id"].as_str().expect("id").to_owned();
    let sms = wait_for_new_message(&env, person.cf(), "contact_verification", &known).await;
    assert_eq!(sms.channel, "sms", "a mobile's code goes by SMS: {}", sms.json);
    assert_eq!(sms.json["to"], new_mobile, "{}", sms.json);
    let first_code = sms.json["code"].as_str().expect("code").to_owned();

    let known = message_paths(&env, person.cf());
    let resent = api.post_auth(&format!("/me/contacts/{mobile_id}/code"), &token, None).await;
    assert_eq!(resent.status, 202, "send the code again: {resent}");
    let sms = wait_for_new_message(&env, person.cf(), "contact_verification", &known).await;
    assert_eq!(sms.json["to"], new_mobile, "{}", sms.json);
    let second_code = sms.json["code"].as_str().expect("code").to_owned();
    if first_code != second_code {
        let stale = api
            .post_auth(&format!("/me/contacts/{mobile_id}/verification"), &token, Some(&json!({"code": first_code})))
            .await;
        stale.assert_error(400, "invalid_or_expired");
    }
    let ok = api
        .post_auth(&format!("/me/contacts/{mobile_id}/verification"), &token, Some(&json!({"code": second_code})))
        .await;
    assert_eq!(ok.status, 204, "the newest code: {ok}");

    let known = message_paths(&env, person.cf());
    let added = api.post_auth("/me/contacts", &token, Some(&json!({"kind": "pec", "value": pec}))).await;
    assert_eq!(added.status, 201, "{added}");
    assert_eq!(added.body["kind"], "pec", "{added}");
    let message = wait_for_new_message(&env, person.cf(), "contact_verification", &known).await;
    assert_eq!(message.channel, "pec", "a PEC's code goes by PEC: {}", message.json);
    assert_eq!(message.json["to"], pec, "{}", message.json);

    let list = api.get("/me/contacts", &token).await;
    assert_eq!(find(&list.body, new_mobile).map(|c| &c["verified"]), Some(&json!(true)), "{list}");
    assert_eq!(find(&list.body, pec).map(|c| &c["verified"]), Some(&json!(false)), "{list}");

    // Unknown or malformed ids are 404.
    let missing = api.delete("/me/contacts/00000000-0000-4000-8000-000000000000", &token).await;
    assert_eq!(missing.status, 404, "{missing}");
    let bad = api.delete("/me/contacts/not-an-id", &token).await;
    assert_eq!(bad.status, 404, "{bad}");
}
