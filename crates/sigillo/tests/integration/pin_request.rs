//! `POST /api/v1/pin-requests` (API.md, SPEC 4.1, 6): issuance, two-half delivery in the demo
//! mailbox, refusals with their own codes, bad input of every kind, phone check, concurrency.

use std::time::Duration;

use serde_json::{Value, json};

use crate::harness::{Env, on_both_backends};
use crate::pin_support::{
    Api, eligible_people, import_people, messages_for, request_body, serve, wait_for_kinds, with_wrong_check_character,
};

on_both_backends!(
    request_sends_first_half_by_sms_and_second_by_letter,
    request_without_mobile_sends_first_half_by_email,
    refusals_have_their_own_codes,
    bad_input_is_always_a_4xx_with_reasons,
    mismatching_data_awaits_a_phone_check_and_sends_no_pin,
    simultaneous_duplicate_requests_make_one_credential,
);

fn is_half(half: &str) -> bool {
    half.len() == 8 && half.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
}

async fn request_sends_first_half_by_sms_and_second_by_letter(env: Env) {
    let people = eligible_people(&env, 1);
    let person = &people[0];
    import_people(&env, &[person]);
    let server = serve(&env, &[]);
    let api = Api::new(&server);

    let reply = api.request_pin(person).await;
    assert_eq!(reply.status, 201, "{reply}");
    let id = &reply.body["request_id"];
    assert!(id.as_str().is_some_and(|s| !s.is_empty()) || id.is_number(), "request_id: {reply}");
    assert_eq!(reply.body["status"], "issued", "{reply}");
    assert_eq!(reply.body["first_half_channel"], "sms", "{reply}");
    assert_eq!(reply.body["second_half_channel"], "letter", "{reply}");

    wait_for_kinds(&env, person.cf(), &["pin_first_half", "pin_second_half"], 1).await;
    tokio::time::sleep(Duration::from_secs(1)).await; // anything extra would show up by now
    let messages = messages_for(&env, person.cf());
    let sms: Vec<_> = messages.iter().filter(|m| m.channel == "sms").collect();
    let letters: Vec<_> = messages.iter().filter(|m| m.channel == "letter").collect();
    assert_eq!(sms.len(), 1, "one SMS: {messages:?}");
    assert_eq!(letters.len(), 1, "one letter: {messages:?}");
    assert!(messages.iter().all(|m| m.channel == "sms" || m.channel == "letter"), "nothing else: {messages:?}");

    let sms = sms[0];
    assert_eq!(sms.json["kind"], "pin_first_half", "{}", sms.json);
    assert_eq!(sms.json["channel"], "sms", "{}", sms.json);
    assert_eq!(sms.json["to"], person.get("mobile"), "to the mobile: {}", sms.json);
    assert_eq!(sms.json["id"].as_str(), sms.path.file_stem().and_then(|s| s.to_str()), "id is the file name");
    assert!(is_half(&sms.pin_half()), "8-character half: {}", sms.json);
    assert!(sms.json["created_at"].as_str().is_some_and(|s| !s.is_empty()), "{}", sms.json);
    for key in ["subject", "body", "link", "code"] {
        assert!(sms.json.get(key).is_some(), "{key} present (null allowed): {}", sms.json);
    }

    let letter = letters[0];
    assert_eq!(letter.json["kind"], "pin_second_half", "{}", letter.json);
    assert!(is_half(&letter.pin_half()), "8-character half: {}", letter.json);
    assert!(!sms.pin_half().contains('O') && !letter.pin_half().contains('O'), "no look-alike O in the alphabet");
    let pdf = std::fs::read(letter.path.with_extension("pdf")).expect("a PDF beside the letter's JSON");
    assert!(pdf.starts_with(b"%PDF"), "a PDF: {:?}", &pdf[..pdf.len().min(16)]);
}

async fn request_without_mobile_sends_first_half_by_email(env: Env) {
    let mut people = eligible_people(&env, 1);
    people[0].set("mobile", "");
    let person = &people[0];
    import_people(&env, &[person]);
    let server = serve(&env, &[]);
    let api = Api::new(&server);

    let reply = api.request_pin(person).await;
    assert_eq!(reply.status, 201, "{reply}");
    assert_eq!(reply.body["status"], "issued", "landline only, matching registry: {reply}");
    assert_eq!(reply.body["first_half_channel"], "email", "{reply}");
    assert_eq!(reply.body["second_half_channel"], "letter", "{reply}");

    let messages = wait_for_kinds(&env, person.cf(), &["pin_first_half", "pin_second_half"], 1).await;
    let first = messages.iter().find(|m| m.kind() == "pin_first_half").expect("first half");
    assert_eq!(first.channel, "email", "{}", first.json);
    assert_eq!(first.json["to"], person.get("email"), "{}", first.json);
    assert!(is_half(&first.pin_half()), "{}", first.json);
    let second = messages.iter().find(|m| m.kind() == "pin_second_half").expect("second half");
    assert_eq!(second.channel, "letter", "{}", second.json);
    assert!(messages.iter().all(|m| m.channel != "sms"), "no SMS without a mobile: {messages:?}");
}

async fn refusals_have_their_own_codes(env: Env) {
    let mut people = eligible_people(&env, 3);
    people[1].set("contribution_weeks", "30");
    let (eligible, few_weeks, absent) = (&people[0], &people[1], &people[2]);
    import_people(&env, &[eligible, few_weeks]);
    let server = serve(&env, &[]);
    let api = Api::new(&server);

    api.request_pin(absent).await.assert_error(404, "not_in_registry");

    let reply = api.request_pin(few_weeks).await;
    reply.assert_error(403, "not_eligible_online");
    let message = reply.body["message"].as_str().unwrap_or_default().to_lowercase();
    assert!(
        message.contains("contact center") || message.contains("803164") || message.contains("164164"),
        "points to the contact center: {reply}"
    );

    let first = api.request_pin(eligible).await;
    assert_eq!(first.status, 201, "{first}");
    let again = api.request_pin(eligible).await;
    again.assert_error(409, "pin_already_assigned");
    let message = again.body["message"].as_str().unwrap_or_default().to_lowercase();
    assert!(message.contains("revoc"), "points to revocation: {again}");
    assert!(message.contains("ripristin") || message.contains("recuper"), "points to recovery: {again}");
}

async fn bad_input_is_always_a_4xx_with_reasons(env: Env) {
    let people = eligible_people(&env, 1);
    let person = &people[0];
    import_people(&env, &[person]);
    let server = serve(&env, &[]);
    let api = Api::new(&server);
    let good = request_body(person);
    let with = |edit: &dyn Fn(&mut Value)| {
        let mut body = good.clone();
        edit(&mut body);
        body
    };

    // Per-field reasons for values that are well-formed JSON.
    let cases: Vec<(&str, Value, &[&str])> = vec![
        (
            "wrong check character",
            with(&|b| b["fiscal_code"] = json!(with_wrong_check_character(person.cf()))),
            &["fiscal_code"],
        ),
        ("fiscal code too short", with(&|b| b["fiscal_code"] = json!("RSSMRA80A01")), &["fiscal_code"]),
        (
            "fiscal code inconsistent with the given name",
            with(&|b| b["given_name"] = json!("Zebedeo")),
            &["fiscal_code", "given_name"],
        ),
        (
            "fiscal code inconsistent with the birth date",
            with(&|b| {
                let date = person.get("birth_date");
                let year: i32 = date[..4].parse().expect("year");
                b["birth_date"] = json!(format!("{}{}", year - 1, &date[4..]));
            }),
            &["fiscal_code", "birth_date"],
        ),
        ("impossible date 31/02/1980", with(&|b| b["birth_date"] = json!("31/02/1980")), &["birth_date"]),
        ("impossible date 1980-02-31", with(&|b| b["birth_date"] = json!("1980-02-31")), &["birth_date"]),
        ("missing e-mail", with(&|b| drop(b.as_object_mut().expect("object").remove("email"))), &["email"]),
        ("malformed e-mail", with(&|b| b["email"] = json!("non-una-email")), &["email"]),
        (
            "no phone at all",
            with(&|b| {
                let object = b.as_object_mut().expect("object");
                object.remove("mobile");
                object.remove("landline");
            }),
            &["mobile", "landline"],
        ),
        ("sex not M/F", with(&|b| b["sex"] = json!("X")), &["sex"]),
        ("fiscal code of wrong type", with(&|b| b["fiscal_code"] = json!(12345)), &["fiscal_code"]),
        ("residence of wrong type", with(&|b| b["residence"] = json!("Roma")), &["residence"]),
        ("birth date of wrong type", with(&|b| b["birth_date"] = json!(19800101)), &["birth_date"]),
        ("unknown field", with(&|b| b["is_admin"] = json!(true)), &["is_admin"]),
    ];
    for (what, body, fields) in cases {
        let reply = api.post("/pin-requests", &body).await;
        assert_eq!(reply.status, 422, "{what}: {reply}");
        reply.assert_error(422, "invalid_input");
        let named = reply.fields();
        assert!(
            fields.iter().any(|f| named.iter().any(|n| n == f || n.starts_with(&format!("{f}.")))),
            "{what}: fields should name one of {fields:?}: {reply}"
        );
        for f in &named {
            assert!(reply.field(f).is_some_and(|r| !r.trim().is_empty()), "{what}: a reason for {f}: {reply}");
        }
    }

    // Bodies that are not the JSON object asked for at all.
    let raw_cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("malformed JSON", b"{\"fiscal_code\": \"RSSMRA".to_vec(), "application/json"),
        ("a JSON array", b"[]".to_vec(), "application/json"),
        ("JSON null", b"null".to_vec(), "application/json"),
        ("empty body", Vec::new(), "application/json"),
        ("not JSON", b"fiscal_code=RSSMRA80A01H501U".to_vec(), "application/x-www-form-urlencoded"),
    ];
    for (what, bytes, content_type) in raw_cases {
        let request =
            api.client.post(api.url("/pin-requests")).header(reqwest::header::CONTENT_TYPE, content_type).body(bytes);
        let reply = api.send(request).await;
        assert!((400..500).contains(&reply.status), "{what}: a 4xx: {reply}");
        reply.assert_error_shape();
        match what {
            // Not JSON at all: 400 (SPEC 7 lists it) or 422 are both fair.
            "not JSON" => {}
            "malformed JSON" | "empty body" => assert!(
                matches!((reply.status, reply.body["error"].as_str()), (422, Some("invalid_input")) | (400, Some(_))),
                "{what}: 422 invalid_input (or 400): {reply}"
            ),
            // Well-formed JSON of the wrong shape: the contract's 422 invalid_input.
            _ => {
                reply.assert_error(422, "invalid_input");
            }
        }
    }

    // None of the above stored anything: the real request still goes through.
    let reply = api.request_pin(person).await;
    assert_eq!(reply.status, 201, "{reply}");
    assert_eq!(reply.body["status"], "issued", "{reply}");

    // 20 MB: refused (413 or another 4xx), never a 5xx; the server survives it.
    let mut huge = good.clone();
    huge["given_name"] = json!("A".repeat(20 * 1024 * 1024));
    let bytes = serde_json::to_vec(&huge).expect("json");
    let sent =
        api.client.post(api.url("/pin-requests")).header(reqwest::header::CONTENT_TYPE, "application/json").body(bytes);
    let outcome = match sent.send().await {
        Ok(response) => {
            let status = response.status().as_u16();
            let text = response.text().await.unwrap_or_default();
            Some((status, text))
        }
        // The server may answer early and close the connection while we are still sending.
        Err(err) => {
            eprintln!("20 MB body: transport error (accepted): {err}");
            None
        }
    };
    let health = api.client.get(server.url("/healthz")).send().await.expect("healthz after 20 MB");
    assert_eq!(health.status(), 200);
    if let Some((status, text)) = outcome {
        assert!((400..500).contains(&status), "20 MB body: {status} {text}");
        let body: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
        assert!(
            body["error"].is_string() && body["message"].is_string() && body["fields"].is_object(),
            "20 MB body: a JSON error body, got {status} {text:?}"
        );
    }
}

async fn mismatching_data_awaits_a_phone_check_and_sends_no_pin(env: Env) {
    let people = eligible_people(&env, 3);
    let (moved, new_mobile, control) = (&people[0], &people[1], &people[2]);
    import_people(&env, &[moved, new_mobile, control]);
    let server = serve(&env, &[]);
    let api = Api::new(&server);

    let mut body = request_body(moved);
    body["residence"]["address"] = json!("Via dei Mille 999");
    let reply = api.post("/pin-requests", &body).await;
    assert_eq!(reply.status, 201, "address mismatch: {reply}");
    assert_eq!(reply.body["status"], "awaiting_phone_check", "{reply}");
    assert_eq!(reply.body["second_half_channel"], "letter", "{reply}");

    let mut body = request_body(new_mobile);
    body["mobile"] = json!("+393999999999");
    let reply = api.post("/pin-requests", &body).await;
    assert_eq!(reply.status, 201, "mobile mismatch: {reply}");
    assert_eq!(reply.body["status"], "awaiting_phone_check", "{reply}");

    // A matching request afterwards: once its halves are delivered, the worker has run.
    let reply = api.request_pin(control).await;
    assert_eq!(reply.status, 201, "{reply}");
    assert_eq!(reply.body["status"], "issued", "{reply}");
    wait_for_kinds(&env, control.cf(), &["pin_first_half", "pin_second_half"], 1).await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    for person in [moved, new_mobile] {
        let pins: Vec<_> = messages_for(&env, person.cf())
            .into_iter()
            .filter(|m| m.kind() == "pin_first_half" || m.kind() == "pin_second_half" || m.json["pin_half"].is_string())
            .collect();
        assert!(pins.is_empty(), "no PIN half before the phone check for {}: {pins:?}", person.cf());
    }
}

async fn simultaneous_duplicate_requests_make_one_credential(env: Env) {
    let people = eligible_people(&env, 1);
    let person = &people[0];
    import_people(&env, &[person]);
    let server = serve(&env, &[]);
    let api = Api::new(&server);
    // Open the connections first, so the 20 requests really race each other.
    let healthz = server.url("/healthz");
    let warm: Vec<_> = (0..20)
        .map(|_| {
            let (client, healthz) = (api.client.clone(), healthz.clone());
            tokio::spawn(async move { client.get(healthz).send().await.map(|_| ()) })
        })
        .collect();
    for task in warm {
        let _ = task.await;
    }

    let barrier = std::sync::Arc::new(tokio::sync::Barrier::new(20));
    let body = request_body(person);
    let tasks: Vec<_> = (0..20)
        .map(|_| {
            let (api, body, barrier) = (api.clone(), body.clone(), barrier.clone());
            tokio::spawn(async move {
                barrier.wait().await;
                api.post("/pin-requests", &body).await
            })
        })
        .collect();
    let mut replies = Vec::new();
    for task in tasks {
        replies.push(task.await.expect("task"));
    }
    let created: Vec<_> = replies.iter().filter(|r| r.status == 201).collect();
    let conflicts: Vec<_> = replies.iter().filter(|r| r.status == 409).collect();
    let others: Vec<String> =
        replies.iter().filter(|r| r.status != 201 && r.status != 409).map(|r| r.to_string()).collect();
    assert!(others.is_empty(), "only 201 and 409: {others:?}");
    assert_eq!(created.len(), 1, "exactly one 201");
    assert_eq!(conflicts.len(), 19, "19 conflicts");
    for conflict in conflicts {
        conflict.assert_error(409, "pin_already_assigned");
    }

    let messages = wait_for_kinds(&env, person.cf(), &["pin_first_half", "pin_second_half"], 1).await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    let messages_later = messages_for(&env, person.cf());
    assert_eq!(messages_later.len(), messages.len(), "no late duplicates");
    let sms = messages_later.iter().filter(|m| m.channel == "sms").count();
    let letters = messages_later.iter().filter(|m| m.channel == "letter").count();
    assert_eq!((sms, letters, messages_later.len()), (1, 1, 2), "one SMS and one letter: {messages_later:?}");

    // The one credential is the one whose halves were delivered.
    let first = messages_later.iter().find(|m| m.kind() == "pin_first_half").expect("first").pin_half();
    let second = messages_later.iter().find(|m| m.kind() == "pin_second_half").expect("second").pin_half();
    let login = api.login_ok(person.cf(), &format!("{first}{second}")).await;
    assert_eq!(login["must_change_pin"], true, "{login}");
}
