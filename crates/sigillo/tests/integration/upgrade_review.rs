//! The reviewer's side of Converti PIN (issue 7 part 4) over `/api/v1/operator/upgrade-requests…`:
//! the queue with the registry's data, the documents served safely, approval making the PIN
//! dispositivo at once with an `upgrade_outcome` e-mail, rejection with a reason the citizen sees,
//! a decision taken once, and every other role refused.

use serde_json::json;

use crate::backoffice_support::{operator, post};
use crate::harness::{Env, on_both_backends};
use crate::pin_support::{Api, activate, eligible_people, import_people, serve, wait_for_kinds};
use crate::upgrade_online::{JPEG, PDF, PNG, good_parts, upload};

on_both_backends!(
    reviewer_approves_and_the_pin_is_dispositivo_at_once,
    reviewer_rejects_with_a_reason,
    only_reviewers_review
);

async fn reviewer_approves_and_the_pin_is_dispositivo_at_once(env: Env) {
    let people = eligible_people(&env, 1);
    let person = &people[0];
    import_people(&env, &[person]);
    let server = serve(&env, &[]);
    let api = Api::new(&server);
    let citizen = activate(&api, &env, person, person.good_pin(0)).await;
    let submitted = upload(&api, &citizen, &good_parts()).await;
    assert_eq!(submitted.status, 202, "{submitted}");
    let id = submitted.body["id"].as_str().unwrap().to_owned();
    // Applications need a PIN dispositivo: not yet.
    let application = json!({"type": "naspi", "data": {}});
    post(&api, "/me/applications", &citizen, &application).await.assert_error(403, "level_insufficient");

    let reviewer = operator(&env, &api, "anna.rev", "reviewer").await;
    let queue = api.get("/operator/upgrade-requests", &reviewer).await;
    assert_eq!(queue.status, 200, "{queue}");
    let items = queue.body.as_array().unwrap();
    assert_eq!(items.len(), 1, "{queue}");
    assert_eq!(items[0]["request"]["id"], id.as_str());
    assert_eq!(items[0]["request"]["fiscal_code"], person.cf());
    let registry = &items[0]["registry"];
    assert_eq!(registry["family_name"], person.get("family_name"), "{queue}");
    assert_eq!(registry["birth_date"], person.get("birth_date"), "{queue}");
    assert_eq!(registry["health_card_number"], person.get("health_card_number"), "{queue}");
    assert!(registry["residence"].as_str().unwrap().contains(person.get("postal_code")), "{queue}");
    assert!(!registry["birth_place_name"].as_str().unwrap().is_empty(), "{queue}");

    let review = api.get(&format!("/operator/upgrade-requests/{id}"), &reviewer).await;
    assert_eq!(review.status, 200, "{review}");
    assert_eq!(review.body["level"], "ordinario", "{review}");
    let documents = review.body["documents"].as_array().unwrap();
    let slots: Vec<&str> = documents.iter().map(|d| d["slot"].as_str().unwrap()).collect();
    assert_eq!(slots, ["signed_form", "id_front", "id_back"], "{review}");

    // Each document as uploaded, with the sniffed type, never sniffed again, never cached.
    for (slot, bytes, content_type, disposition) in [
        ("signed_form", PDF, "application/pdf", "attachment"),
        ("id_front", JPEG, "image/jpeg", "inline"),
        ("id_back", PNG, "image/png", "inline"),
    ] {
        let url = api.url(&format!("/operator/upgrade-requests/{id}/documents/{slot}"));
        let response = api.client.get(url).bearer_auth(&reviewer).send().await.unwrap();
        assert_eq!(response.status().as_u16(), 200, "{slot}");
        let headers = response.headers().clone();
        assert_eq!(headers["content-type"], content_type, "{slot}");
        assert!(headers["content-disposition"].to_str().unwrap().starts_with(disposition), "{slot}");
        assert_eq!(headers["x-content-type-options"], "nosniff");
        assert_eq!(headers["cache-control"], "no-store");
        assert!(headers["content-security-policy"].to_str().unwrap().contains("sandbox"));
        assert_eq!(&response.bytes().await.unwrap()[..], bytes, "{slot}");
    }
    let missing = api.get(&format!("/operator/upgrade-requests/{id}/documents/passport"), &reviewer).await;
    missing.assert_error(404, "not_found");

    let approved = post(&api, &format!("/operator/upgrade-requests/{id}/approve"), &reviewer, &json!({})).await;
    assert_eq!(approved.status, 200, "{approved}");
    assert_eq!(approved.body["status"], "approved", "{approved}");
    assert_eq!(approved.body["decided_by"], "anna.rev", "{approved}");

    // At once: the same session sees the new level and may submit applications.
    let me = api.get("/me", &citizen).await;
    assert_eq!(me.body["level"], "dispositivo", "{me}");
    let status = api.get("/me/upgrade-requests", &citizen).await;
    assert_eq!(status.body["requests"][0]["status"], "approved", "{status}");
    let applied = post(&api, "/me/applications", &citizen, &application).await;
    assert_ne!(applied.body["error"], "level_insufficient", "{applied}");
    let mail = wait_for_kinds(&env, person.cf(), &["upgrade_outcome"], 1).await;
    let outcome = mail.iter().find(|m| m.kind() == "upgrade_outcome").unwrap();
    assert_eq!(outcome.channel, "email");
    assert!(outcome.json["to"].as_str().unwrap().eq_ignore_ascii_case(person.get("email")), "{}", outcome.json);
    assert!(outcome.json["body"].as_str().unwrap().contains("dispositivo"), "{}", outcome.json);

    // Decided once; nothing more to upload.
    let again =
        post(&api, &format!("/operator/upgrade-requests/{id}/reject"), &reviewer, &json!({"reason": "ripensamento"}))
            .await;
    again.assert_error(409, "already_decided");
    post(&api, &format!("/operator/upgrade-requests/{id}/approve"), &reviewer, &json!({}))
        .await
        .assert_error(409, "already_decided");
    upload(&api, &citizen, &good_parts()).await.assert_error(409, "already_dispositivo");
    assert_eq!(api.get("/operator/upgrade-requests", &reviewer).await.body, json!([]));
}

async fn reviewer_rejects_with_a_reason(env: Env) {
    let people = eligible_people(&env, 1);
    let person = &people[0];
    import_people(&env, &[person]);
    let server = serve(&env, &[]);
    let api = Api::new(&server);
    let citizen = activate(&api, &env, person, person.good_pin(0)).await;
    let id = upload(&api, &citizen, &good_parts()).await.body["id"].as_str().unwrap().to_owned();
    let reviewer = operator(&env, &api, "bruno.rev", "reviewer").await;
    let path = format!("/operator/upgrade-requests/{id}/reject");

    let empty = post(&api, &path, &reviewer, &json!({"reason": "  "})).await;
    empty.assert_error(422, "invalid_input");
    assert!(empty.field("reason").is_some(), "{empty}");
    let reason = "Il retro del documento è illeggibile: carichi una foto più nitida.";
    let rejected = post(&api, &path, &reviewer, &json!({"reason": reason})).await;
    assert_eq!(rejected.status, 200, "{rejected}");
    assert_eq!(rejected.body["status"], "rejected", "{rejected}");

    let me = api.get("/me", &citizen).await;
    assert_eq!(me.body["level"], "ordinario", "{me}");
    let status = api.get("/me/upgrade-requests", &citizen).await;
    assert_eq!(status.body["requests"][0]["status"], "rejected", "{status}");
    assert_eq!(status.body["requests"][0]["reason"], reason, "{status}");
    let mail = wait_for_kinds(&env, person.cf(), &["upgrade_outcome"], 1).await;
    let outcome = mail.iter().find(|m| m.kind() == "upgrade_outcome").unwrap();
    assert!(outcome.json["body"].as_str().unwrap().contains(reason), "{}", outcome.json);

    // The citizen may try again.
    assert_eq!(upload(&api, &citizen, &good_parts()).await.status, 202);
}

async fn only_reviewers_review(env: Env) {
    let people = eligible_people(&env, 1);
    let person = &people[0];
    import_people(&env, &[person]);
    let server = serve(&env, &[]);
    let api = Api::new(&server);
    let citizen = activate(&api, &env, person, person.good_pin(0)).await;
    let id = upload(&api, &citizen, &good_parts()).await.body["id"].as_str().unwrap().to_owned();

    let anonymous = api.send(api.client.get(api.url("/operator/upgrade-requests"))).await;
    anonymous.assert_error(401, "unauthenticated");
    // A citizen's token is no operator's.
    api.get("/operator/upgrade-requests", &citizen).await.assert_error(401, "unauthenticated");

    for (username, role) in [("carla.desk", "desk"), ("dario.cc", "contact_center"), ("elena.admin", "admin")] {
        let token = operator(&env, &api, username, role).await;
        api.get("/operator/upgrade-requests", &token).await.assert_error(403, "forbidden");
        api.get(&format!("/operator/upgrade-requests/{id}"), &token).await.assert_error(403, "forbidden");
        for slot in ["signed_form", "id_front", "id_back", "nothing"] {
            api.get(&format!("/operator/upgrade-requests/{id}/documents/{slot}"), &token)
                .await
                .assert_error(403, "forbidden");
        }
        post(&api, &format!("/operator/upgrade-requests/{id}/approve"), &token, &json!({}))
            .await
            .assert_error(403, "forbidden");
        post(&api, &format!("/operator/upgrade-requests/{id}/reject"), &token, &json!({"reason": "non mio compito"}))
            .await
            .assert_error(403, "forbidden");
    }
    let status = api.get("/me/upgrade-requests", &citizen).await;
    assert_eq!(status.body["requests"][0]["status"], "pending", "{status}");
    assert_eq!(api.get("/me", &citizen).await.body["level"], "ordinario");
}
