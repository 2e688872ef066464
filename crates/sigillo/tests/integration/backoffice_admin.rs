//! The administrator over `/api/v1/operator/…` (issue 7, part 6): audit search and chain check,
//! print batches (claim, download while unconfirmed, confirm), parked messages, policy; and the
//! other roles refused all of it.

use serde_json::json;

use crate::backoffice_support::{operator, post};
use crate::harness::{Env, on_both_backends};
use crate::pin_support::{Api, eligible_people, import_people, issue, serve};

on_both_backends!(administrator_reads_the_audit_prints_letters_and_sees_the_policy);

async fn administrator_reads_the_audit_prints_letters_and_sees_the_policy(env: Env) {
    let people = eligible_people(&env, 2);
    let refs: Vec<_> = people.iter().collect();
    import_people(&env, &refs);
    let server = serve(&env, &[]);
    let api = Api::new(&server);
    let admin = operator(&env, &api, "admin.one", "admin").await;
    let desk = operator(&env, &api, "desk.one", "desk").await;
    for person in &people {
        issue(&api, &env, person).await;
    }
    let cf = people[0].cf();
    // The desk looks a citizen up: an audited operator action.
    assert_eq!(api.get(&format!("/operator/citizens/{cf}"), &desk).await.status, 200);

    let by_desk = api.get("/operator/audit?actor=desk.one", &admin).await;
    assert_eq!(by_desk.status, 200, "{by_desk}");
    let events: Vec<&str> = by_desk.body.as_array().expect("list").iter().filter_map(|e| e["event"].as_str()).collect();
    assert_eq!(events.first(), Some(&"citizen_looked_up"), "newest first: {by_desk}");
    assert!(events.contains(&"operator_login"), "{by_desk}");
    assert!(by_desk.body.as_array().expect("list").iter().all(|e| e["actor"] == "operator:desk.one"), "{by_desk}");
    let of_citizen = api.get(&format!("/operator/audit?fiscal_code={cf}&event=pin_issued"), &admin).await;
    assert_eq!(of_citizen.body.as_array().map(Vec::len), Some(1), "{of_citizen}");
    let none = api.get("/operator/audit?from=2001-01-01&to=2001-12-31", &admin).await;
    assert_eq!(none.body.as_array().map(Vec::len), Some(0), "{none}");
    api.get("/operator/audit?from=ieri", &admin).await.assert_error(422, "invalid_input");
    let verdict = post(&api, "/operator/audit/verification", &admin, &json!({})).await;
    assert_eq!(verdict.body["status"], "intact", "{verdict}");
    assert!(verdict.body["entries"].as_u64().is_some_and(|n| n > 5), "{verdict}");

    // Print batches: the two letters the worker handed over.
    let created = post(&api, "/operator/print-batches", &admin, &json!({})).await;
    assert_eq!(created.status, 201, "{created}");
    assert_eq!(created.body["letters"], 2, "{created}");
    let batch = created.body["batch"].as_str().expect("batch").to_owned();
    assert_eq!(post(&api, "/operator/print-batches", &admin, &json!({})).await.status, 204, "nothing left waiting");
    let listed = api.get("/operator/print-batches", &admin).await;
    assert_eq!(listed.body[0]["batch"], batch.as_str(), "{listed}");
    assert_eq!(listed.body[0]["confirmed"], false, "{listed}");
    let pdf = reqwest::Client::new()
        .get(api.url(&format!("/operator/print-batches/{batch}/letters.pdf")))
        .bearer_auth(&admin)
        .send()
        .await
        .expect("pdf");
    assert_eq!(pdf.status().as_u16(), 200);
    assert!(pdf.bytes().await.expect("bytes").starts_with(b"%PDF-"));
    let confirmed = post(&api, &format!("/operator/print-batches/{batch}/confirmation"), &admin, &json!({})).await;
    assert_eq!(confirmed.status, 204, "{confirmed}");
    let gone = api.get(&format!("/operator/print-batches/{batch}/letters.pdf"), &admin).await;
    gone.assert_error(404, "not_found");
    let manifest = api.get(&format!("/operator/print-batches/{batch}/manifest.csv"), &admin).await;
    assert_eq!(manifest.status, 200);
    assert!(manifest.text.contains(cf), "the manifest lists the letters: {}", manifest.text);
    let listed = api.get("/operator/print-batches", &admin).await;
    assert_eq!(listed.body[0]["confirmed"], true, "{listed}");

    let parked = api.get("/operator/outbox/parked", &admin).await;
    assert_eq!(parked.status, 200, "{parked}");
    let unknown = "00000000-0000-0000-0000-000000000000";
    post(&api, &format!("/operator/outbox/{unknown}/retry"), &admin, &json!({}))
        .await
        .assert_error(409, "invalid_state");
    let policy = api.get("/operator/policy", &admin).await;
    assert!(policy.text.contains("Argon2id") && policy.text.contains("SIGILLO_PIN_MAX_AGE"), "{policy}");

    // Another role gets none of it; the administrator none of the desk's work.
    for path in ["/operator/audit", "/operator/outbox/parked", "/operator/print-batches", "/operator/policy"] {
        api.get(path, &desk).await.assert_error(403, "forbidden");
    }
    post(&api, "/operator/audit/verification", &desk, &json!({})).await.assert_error(403, "forbidden");
    post(&api, "/operator/print-batches", &desk, &json!({})).await.assert_error(403, "forbidden");
    api.get(&format!("/operator/citizens/{cf}"), &admin).await.assert_error(403, "forbidden");
}
