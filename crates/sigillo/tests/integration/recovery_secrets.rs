//! No link token, recovery code, contact-verification code or half-PIN of the issue 5 flows in the
//! server's output (even at debug level) or in error bodies (issue 5 point 6: "no code, link or
//! half in logs"); link tokens and codes are stored only hashed (point 2).

use std::path::Path;
use std::time::Duration;

use serde_json::json;

use crate::harness::{Backend, Env, on_both_backends};
use crate::pin_support::{
    Api, Reply, activate, activation_body, eligible_people, import_people, issue, letter_of, message_paths, other_half,
    serve, token_of, wait_for_new_message, wait_for_recovery_mail, wrong_code,
};

on_both_backends!(no_code_link_or_half_reaches_the_logs, link_tokens_and_codes_are_stored_only_hashed);

/// A secret and how to look for it.
struct Secret {
    what: String,
    value: String,
}

impl Secret {
    fn new(what: &str, value: &str) -> Secret {
        Secret { what: what.to_owned(), value: value.to_owned() }
    }

    /// Where `haystack` holds this secret: as is, in upper or lower case. A short all-digit code
    /// counts only as a whole number (not inside a longer one, and not as the fraction of a
    /// timestamp), else any six digits of a log would be a hit by chance.
    fn find_in(&self, haystack: &str) -> Option<usize> {
        let mut forms = vec![self.value.clone(), self.value.to_lowercase(), self.value.to_uppercase()];
        forms.dedup();
        let numeric = self.value.bytes().all(|b| b.is_ascii_digit());
        for form in forms {
            for (at, _) in haystack.match_indices(&form) {
                if !numeric {
                    return Some(at);
                }
                let before = haystack[..at].chars().next_back();
                let after = haystack[at + form.len()..].chars().next();
                let boundary = |c: Option<char>| c.is_none_or(|c| !c.is_ascii_alphanumeric());
                if boundary(before) && boundary(after) && before != Some('.') {
                    return Some(at);
                }
            }
        }
        None
    }
}

fn assert_absent(haystack: &str, secrets: &[Secret], where_: &str) {
    let mut found = Vec::new();
    for secret in secrets {
        if let Some(at) = secret.find_in(haystack) {
            let start = haystack[..at].char_indices().rev().nth(60).map_or(0, |(i, _)| i);
            let end = (at + secret.value.len() + 60).min(haystack.len());
            let end = (end..=haystack.len()).find(|&i| haystack.is_char_boundary(i)).unwrap_or(haystack.len());
            let context = haystack[start..end].replace(&secret.value, "<SECRET>");
            found.push(format!("{} ({} chars): …{context}…", secret.what, secret.value.len()));
        }
    }
    assert!(found.is_empty(), "secrets appear in {where_}:\n{}", found.join("\n"));
}

/// Every issue 5 flow once, with its failures; the secrets seen in the mailbox and the error replies.
async fn flows(api: &Api, env: &Env, people: &[crate::pin_support::Person]) -> (Vec<Secret>, Vec<Reply>) {
    let (citizen, newcomer) = (&people[0], &people[1]);
    let mut secrets = Vec::new();
    let mut errors = Vec::new();

    // Contacts: add, a wrong code, the right code.
    let token = activate(api, env, citizen, citizen.good_pin(0)).await;
    let known = message_paths(env, citizen.cf());
    let added = api.post_auth("/me/contacts", &token, Some(&json!({"kind": "email", "value": "segreto@example.org"}))).await;
    assert_eq!(added.status, 201, "{added}");
    let id = added.body["id"].as_str().expect("id").to_owned();
    let verification = wait_for_new_message(env, citizen.cf(), "contact_verification", &known).await;
    let code = verification.json["code"].as_str().expect("code").to_owned();
    secrets.push(Secret::new("contact verification code", &code));
    let path = format!("/me/contacts/{id}/verification");
    errors.push(api.post_auth(&path, &token, Some(&json!({"code": wrong_code(&code)}))).await);
    assert_eq!(api.post_auth(&path, &token, Some(&json!({"code": code}))).await.status, 204);

    // Recovery: link and code, a wrong code, the confirm, the new halves, a second confirm.
    let known = message_paths(env, citizen.cf());
    assert_eq!(api.request_recovery(citizen.cf(), [citizen.get("mobile"), "segreto@example.org"]).await.status, 202);
    let mail = wait_for_recovery_mail(env, citizen.cf(), &known).await;
    secrets.push(Secret::new("recovery link token", &mail.token));
    secrets.push(Secret::new("recovery code", &mail.code));
    errors.push(api.confirm_recovery(&mail.token, &wrong_code(&mail.code)).await);
    let known = message_paths(env, citizen.cf());
    assert_eq!(api.confirm_recovery(&mail.token, &mail.code).await.status, 200);
    let first = wait_for_new_message(env, citizen.cf(), "pin_first_half", &known).await.pin_half();
    let second = wait_for_new_message(env, citizen.cf(), "pin_second_half", &known).await.pin_half();
    secrets.push(Secret::new("recovered PIN, first half", &first));
    secrets.push(Secret::new("recovered PIN, second half", &second));
    errors.push(api.confirm_recovery(&mail.token, &mail.code).await);
    let login = api.login_ok(citizen.cf(), &format!("{first}{second}")).await;
    assert_eq!(api.get("/me/contacts", &token_of(&login)).await.status, 403, "change due first");

    // Fast activation: a wrong first half, then the right one; the letter's half comes by e-mail.
    let halves = issue(api, env, newcomer).await;
    secrets.push(Secret::new("requested PIN, first half", &halves.first));
    secrets.push(Secret::new("requested PIN, second half", &halves.second));
    assert_eq!(letter_of(env, newcomer.cf()).pin_half(), halves.second);
    errors.push(api.activate_pin(&activation_body(newcomer, &other_half(&halves.first), "sms", newcomer.get("mobile"))).await);
    let known = message_paths(env, newcomer.cf());
    let reply = api.activate_pin(&activation_body(newcomer, &halves.first, "sms", newcomer.get("mobile"))).await;
    assert_eq!(reply.status, 200, "{reply}");
    assert_eq!(reply.body["channel"], "sms", "{reply}");
    let sent = wait_for_new_message(env, newcomer.cf(), "pin_second_half", &known).await;
    assert_eq!(sent.channel, "sms", "{}", sent.json);
    secrets.push(Secret::new("activated second half", &sent.pin_half()));

    // Revocation with the card (nothing secret in it, but it must not log anything above either).
    let revoked = api.revoke_with_card(newcomer.cf(), newcomer.get("health_card_number"), newcomer.get("health_card_expiry")).await;
    assert_eq!(revoked.status, 204, "{revoked}");
    (secrets, errors)
}

async fn no_code_link_or_half_reaches_the_logs(env: Env) {
    let people = eligible_people(&env, 2);
    import_people(&env, &people.iter().collect::<Vec<_>>());
    let server = serve(&env, &[("RUST_LOG", "debug")]);
    let api = Api::new(&server);
    let (secrets, errors) = flows(&api, &env, &people).await;

    for reply in &errors {
        assert!(reply.status >= 400, "an error was expected: {reply}");
        reply.assert_error_shape();
        assert_absent(&reply.text, &secrets, &format!("an error body ({} {})", reply.status, reply.body["error"]));
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_absent(&server.output(), &secrets, "the server's output while running");
    let (code, output) = server.terminate();
    assert_eq!(code, 0, "clean stop");
    assert!(!output.trim().is_empty(), "the server logged something at debug level");
    assert_absent(&output, &secrets, "the server's output");
}

/// Every file under `dir` except the mailbox (where delivered messages belong), the print
/// folder and our CSV.
fn files_at_rest(dir: &Path, out: &mut Vec<(String, Vec<u8>)>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.file_name().is_some_and(|n| n == "mailbox" || n == "print") {
            continue;
        }
        if path.is_dir() {
            files_at_rest(&path, out);
        } else if path.extension().is_none_or(|e| e != "csv") {
            out.push((path.display().to_string(), std::fs::read(&path).unwrap_or_default()));
        }
    }
}

async fn link_tokens_and_codes_are_stored_only_hashed(env: Env) {
    let people = eligible_people(&env, 2);
    import_people(&env, &people.iter().collect::<Vec<_>>());
    let server = serve(&env, &[]);
    let api = Api::new(&server);
    let (secrets, _) = flows(&api, &env, &people).await;
    // Halves may rest in the outbox until delivered or printed: only tokens and codes are checked.
    let secrets: Vec<Secret> =
        secrets.into_iter().filter(|s| s.what.contains("token") || s.what.contains("code")).collect();
    assert_eq!(secrets.len(), 3, "the link token, the recovery code, the verification code");
    // Control: the search finds each of them where they do belong, in the delivered messages.
    let delivered: String = crate::pin_support::mailbox(&env)
        .iter()
        .map(|m| std::fs::read_to_string(&m.path).unwrap_or_default())
        .collect::<Vec<_>>()
        .join("\n");
    for secret in &secrets {
        assert!(secret.find_in(&delivered).is_some(), "control: the {} is in the mailbox", secret.what);
    }
    // Once delivered, the messages' copies are gone: what is on disk now, while the server runs
    // (an SQLite WAL still holds recent page images then), and again after a clean stop.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let running = stored(&env);
    assert_eq!(server.terminate().0, 0);
    let stopped = stored(&env);
    for (when, stores) in [("while serving", running), ("after the stop", stopped)] {
        assert!(!stores.is_empty(), "something stored");
        for (name, bytes) in &stores {
            assert_absent(&String::from_utf8_lossy(bytes), &secrets, &format!("{name} ({when})"));
        }
    }
}

/// The database's contents as stored: the SQLite files, or a PostgreSQL data dump.
fn stored(env: &Env) -> Vec<(String, Vec<u8>)> {
    let mut stores: Vec<(String, Vec<u8>)> = Vec::new();
    let backend = if env.database_url.starts_with("postgres") { Backend::Postgres } else { Backend::Sqlite };
    match backend {
        Backend::Sqlite => files_at_rest(env.data_dir.path(), &mut stores),
        Backend::Postgres => {
            let dump = std::process::Command::new("pg_dump")
                .args(["--data-only", "--no-owner", &env.database_url])
                .output()
                .expect("pg_dump");
            assert!(dump.status.success(), "pg_dump: {}", String::from_utf8_lossy(&dump.stderr));
            stores.push(("pg_dump of the database".to_owned(), dump.stdout));
        }
    }
    stores
}
