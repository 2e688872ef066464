//! Converti PIN online (issue 7 part 4, SPEC 4.7): the prefilled form, the upload of the signed form
//! and both sides of an identity document (recognised by content, size limits), the one pending
//! request, and the status the citizen sees. The reviewer's side is in `upgrade_review.rs`.

use std::time::Duration;

use serde_json::Value;

use crate::harness::{Env, on_both_backends};
use crate::pin_support::{Api, Reply, activate, eligible_people, import_people, issue, serve, token_of};

on_both_backends!(
    the_form_is_prefilled_and_needs_a_session,
    uploads_are_checked_by_content_and_size,
    one_pending_request_at_a_time,
);

pub const PDF: &[u8] = b"%PDF-1.4\n% modulo firmato\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n";
pub const JPEG: &[u8] =
    &[0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, b'J', b'F', b'I', b'F', 0, 1, 1, 0, 0, 1, 0, 1, 0, 0, 0xFF, 0xD9];
pub const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00";

/// One part of a multipart body: field name, file name, declared type, content.
pub struct Part<'a> {
    pub name: &'a str,
    pub file_name: &'a str,
    pub content_type: &'a str,
    pub bytes: Vec<u8>,
}

pub fn part<'a>(name: &'a str, file_name: &'a str, content_type: &'a str, bytes: &[u8]) -> Part<'a> {
    Part { name, file_name, content_type, bytes: bytes.to_vec() }
}

/// The three good files, with honest names.
pub fn good_parts() -> Vec<Part<'static>> {
    vec![
        part("signed_form", "modulo.pdf", "application/pdf", PDF),
        part("id_front", "fronte.jpg", "image/jpeg", JPEG),
        part("id_back", "retro.png", "image/png", PNG),
    ]
}

const BOUNDARY: &str = "----sigillo-test-boundary-7d1f";

/// A `multipart/form-data` body written by hand (so names and declared types can lie).
pub fn multipart(parts: &[Part<'_>]) -> Vec<u8> {
    let mut body = Vec::new();
    for p in parts {
        body.extend_from_slice(
            format!(
                "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{}\"; filename=\"{}\"\r\nContent-Type: {}\r\n\r\n",
                p.name, p.file_name, p.content_type
            )
            .as_bytes(),
        );
        body.extend_from_slice(&p.bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
    body
}

pub async fn upload(api: &Api, token: &str, parts: &[Part<'_>]) -> Reply {
    let request = api
        .client
        .post(api.url("/me/upgrade-requests"))
        .bearer_auth(token)
        .header("content-type", format!("multipart/form-data; boundary={BOUNDARY}"))
        .body(multipart(parts));
    api.send(request).await
}

/// An ordinario citizen logged in with a definitive PIN: (api, token, fiscal code).
async fn ordinario(env: &Env) -> (crate::harness::CapturedServer, String, String) {
    let people = eligible_people(env, 1);
    let person = &people[0];
    import_people(env, &[person]);
    let server = serve(env, &[]);
    let api = Api::new(&server);
    let token = activate(&api, env, person, person.good_pin(0)).await;
    (server, token, person.cf().to_owned())
}

async fn the_form_is_prefilled_and_needs_a_session(env: Env) {
    let people = eligible_people(&env, 1);
    let person = &people[0];
    import_people(&env, &[person]);
    let server = serve(&env, &[]);
    let api = Api::new(&server);

    let anonymous = api.send(api.client.get(api.url("/me/upgrade-requests/form.pdf"))).await;
    anonymous.assert_error(401, "unauthenticated");
    let anonymous = api.send(api.client.post(api.url("/me/upgrade-requests"))).await;
    anonymous.assert_error(401, "unauthenticated");

    // First access: nothing but the PIN change.
    let halves = issue(&api, &env, person).await;
    let first = token_of(&api.login_ok(person.cf(), &halves.pin()).await);
    api.get("/me/upgrade-requests/form.pdf", &first).await.assert_error(403, "pin_change_required");
    upload(&api, &first, &good_parts()).await.assert_error(403, "pin_change_required");
    let changed = api.change_pin(&first, &halves.pin(), person.good_pin(0)).await;
    assert_eq!(changed.status, 204, "{changed}");
    let token = token_of(&api.login_ok(person.cf(), person.good_pin(0)).await);

    let response = api.client.get(api.url("/me/upgrade-requests/form.pdf")).bearer_auth(&token).send().await.unwrap();
    assert_eq!(response.status().as_u16(), 200);
    assert_eq!(response.headers()["content-type"], "application/pdf");
    assert!(response.headers()["content-disposition"].to_str().unwrap().starts_with("attachment"));
    assert_eq!(response.headers()["cache-control"], "no-store");
    let pdf = response.bytes().await.unwrap();
    assert!(pdf.starts_with(b"%PDF-"));
    if let Some(text) = pdftotext(&pdf) {
        for needle in [
            person.cf(),
            &person.get("family_name").to_uppercase(),
            &person.get("given_name").to_uppercase(),
            person.get("postal_code"),
            "Dichiarazione",
            "Firma leggibile del richiedente",
        ] {
            assert!(text.contains(needle), "{needle:?} not in the form:\n{text}");
        }
        let (y, m, d) = {
            let b = person.get("birth_date");
            (&b[0..4], &b[5..7], &b[8..10])
        };
        let day = d.trim_start_matches('0');
        assert!(text.contains(day) && text.contains(y), "birth date {y}-{m}-{d} in the form:\n{text}");
    }

    let status = api.get("/me/upgrade-requests", &token).await;
    assert_eq!(status.status, 200, "{status}");
    assert_eq!(status.body["level"], "ordinario");
    assert_eq!(status.body["requests"], Value::Array(Vec::new()));
}

/// The text of a PDF, with poppler's `pdftotext` if installed.
pub fn pdftotext(pdf: &[u8]) -> Option<String> {
    use std::io::Write;
    let mut child = std::process::Command::new("pdftotext")
        .args(["-enc", "UTF-8", "-", "-"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .ok()?;
    child.stdin.take()?.write_all(pdf).ok()?;
    let out = child.wait_with_output().ok()?;
    String::from_utf8(out.stdout).ok()
}

async fn uploads_are_checked_by_content_and_size(env: Env) {
    let (server, token, _) = ordinario(&env).await;
    let api = Api::new(&server);

    // Missing, empty, and lying about its type: each file gets its own reason.
    let reply = upload(
        &api,
        &token,
        &[
            part("signed_form", "modulo.pdf", "application/pdf", b"<html><script>alert(1)</script></html>"),
            part("id_front", "fronte.jpg", "image/jpeg", b""),
        ],
    )
    .await;
    reply.assert_error(422, "invalid_input");
    assert_eq!(reply.fields(), ["id_back", "id_front", "signed_form"], "{reply}");
    assert!(reply.field("signed_form").unwrap().contains("PDF"), "{reply}");

    // Over 5 MiB each (but within the body limit): refused per file.
    let mut big = PNG.to_vec();
    big.resize(5 * 1024 * 1024 + 1, 0);
    let mut parts = good_parts();
    parts[2] = part("id_back", "retro.png", "image/png", &big);
    let reply = upload(&api, &token, &parts).await;
    reply.assert_error(422, "invalid_input");
    assert_eq!(reply.fields(), ["id_back"], "{reply}");
    assert!(reply.field("id_back").unwrap().contains("5 MB"), "{reply}");

    // A body over the route's limit is a JSON 413, never a 500; over the server's too.
    for size in [15 * 1024 * 1024 + 200 * 1024, 17 * 1024 * 1024] {
        let mut huge = JPEG.to_vec();
        huge.resize(size, 0);
        let parts = [part("id_front", "f.jpg", "image/jpeg", &huge)];
        let request = api
            .client
            .post(api.url("/me/upgrade-requests"))
            .bearer_auth(&token)
            .header("content-type", format!("multipart/form-data; boundary={BOUNDARY}"))
            .body(multipart(&parts));
        match request.send().await {
            Ok(response) => {
                assert_eq!(response.status().as_u16(), 413, "{size} bytes");
                let body: Value = response.json().await.unwrap();
                assert_eq!(body["error"], "payload_too_large", "{body}");
            }
            // The server may answer and close before the client has written the whole body.
            Err(e) => assert!(e.is_request() || e.is_body(), "{size} bytes: {e}"),
        }
    }

    // Not multipart at all.
    let reply = api
        .send(api.client.post(api.url("/me/upgrade-requests")).bearer_auth(&token).json(&serde_json::json!({})))
        .await;
    reply.assert_error(415, "unsupported_media_type");

    // Names and declared types do not matter: a PNG called .pdf, a PDF sent as image/jpeg.
    let parts = [
        part("signed_form", "modulo.png", "image/png", PDF),
        part("id_front", "documento.pdf", "application/pdf", PNG),
        part("id_back", "x", "application/octet-stream", JPEG),
    ];
    let reply = upload(&api, &token, &parts).await;
    assert_eq!(reply.status, 202, "{reply}");
    assert_eq!(reply.body["status"], "pending", "{reply}");
    assert!(reply.body["id"].as_str().is_some_and(|id| id.len() == 36), "{reply}");
    let listed = api.get("/me/upgrade-requests", &token).await;
    assert_eq!(listed.body["requests"][0]["id"], reply.body["id"], "{listed}");
    assert_eq!(listed.body["requests"][0]["status"], "pending", "{listed}");
    assert!(listed.body["requests"][0]["reason"].is_null(), "{listed}");
}

async fn one_pending_request_at_a_time(env: Env) {
    let (server, token, _) = ordinario(&env).await;
    let api = Api::new(&server);
    let first = upload(&api, &token, &good_parts()).await;
    assert_eq!(first.status, 202, "{first}");
    let second = upload(&api, &token, &good_parts()).await;
    second.assert_error(409, "upgrade_pending");

    // Simultaneous uploads of another citizen would also make one request: the store's unique
    // index decides (covered by the conformance story); here the API's answer stays 409.
    tokio::time::sleep(Duration::from_millis(10)).await;
    let listed = api.get("/me/upgrade-requests", &token).await;
    assert_eq!(listed.body["requests"].as_array().unwrap().len(), 1, "{listed}");
}
