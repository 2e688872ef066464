//! No PIN, half or token in the server's logs or in error bodies (SPEC 2, issue 4 point 9), and
//! none kept at rest in the database once delivered (only hashes; halves wiped after delivery).

use std::path::Path;
use std::time::Duration;

use reqwest::Method;

use crate::harness::{Backend, Env, on_both_backends};
use crate::pin_support::{Api, Reply, eligible_people, import_people, issue, serve, token_of};

on_both_backends!(no_secret_reaches_the_logs_or_error_bodies, no_secret_is_kept_at_rest);

/// The forms a secret could be printed in.
fn forms(secret: &str) -> Vec<String> {
    let mut forms = vec![secret.to_owned(), secret.to_lowercase(), secret.to_uppercase()];
    forms.sort();
    forms.dedup();
    forms
}

fn assert_absent(haystack: &str, secrets: &[(String, String)], where_: &str) {
    for (what, secret) in secrets {
        for form in forms(secret) {
            assert!(!haystack.contains(&form), "{what} ({} chars) appears in {where_}", form.len());
        }
    }
}

/// A full flow; returns every secret used and every error reply seen.
async fn full_flow(api: &Api, env: &Env, person: &crate::pin_support::Person) -> (Vec<(String, String)>, Vec<Reply>) {
    let mut secrets = Vec::new();
    let mut errors = Vec::new();
    let halves = issue(api, env, person).await;
    secrets.push(("first half".to_owned(), halves.first.clone()));
    secrets.push(("second half".to_owned(), halves.second.clone()));
    secrets.push(("first-access PIN".to_owned(), halves.pin()));

    // A wrong attempt first, then the right one typed sloppily, then properly.
    let wrong = format!("{}{}", halves.first, halves.first);
    errors.push(api.login(person.cf(), &wrong).await);
    let sloppy = format!("{}-{}", halves.first.to_lowercase(), halves.second.to_lowercase());
    secrets.push(("typed first-access PIN".to_owned(), sloppy.clone()));
    let first = api.login_ok(person.cf(), &sloppy).await;
    let token = token_of(&first);
    secrets.push(("first-access token".to_owned(), token.clone()));
    errors.push(api.get("/me/contributions", &token).await);

    let a = person.good_pin(0);
    let b = person.good_pin(1);
    secrets.push(("definitive PIN A".to_owned(), a.to_owned()));
    secrets.push(("definitive PIN B".to_owned(), b.to_owned()));
    errors.push(api.change_pin(&token, &halves.pin(), "12345678").await);
    errors.push(api.change_pin(&token, &wrong, a).await);
    let changed = api.change_pin(&token, &halves.pin(), a).await;
    assert_eq!(changed.status, 204, "{changed}");

    let login = api.login_ok(person.cf(), a).await;
    let token = token_of(&login);
    secrets.push(("session token".to_owned(), token.clone()));
    assert_eq!(api.get("/me", &token).await.status, 200);
    let _ = api.get("/me/contributions", &token).await;
    assert_eq!(api.change_pin(&token, a, b).await.status, 204);
    errors.push(api.change_pin(&token, b, a).await); // reuse: refused, must not echo A
    errors.push(api.login(person.cf(), a).await); // old PIN
    errors.push(api.login(person.cf(), &halves.pin()).await); // first-access PIN
    let logout = api.call(Method::DELETE, "/sessions/current", Some(&token), None).await;
    assert_eq!(logout.status, 204, "{logout}");
    errors.push(api.get("/me", &token).await); // logged-out token
    (secrets, errors)
}

async fn no_secret_reaches_the_logs_or_error_bodies(env: Env) {
    let people = eligible_people(&env, 1);
    let person = &people[0];
    import_people(&env, &[person]);
    // Debug logs: whatever the server prints at its chattiest must still be clean.
    let server = serve(&env, &[("RUST_LOG", "debug")]);
    let api = Api::new(&server);
    let (secrets, errors) = full_flow(&api, &env, person).await;

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

/// Every file under `dir` except the mailbox (where delivered halves belong) and our CSV.
fn files_at_rest(dir: &Path, out: &mut Vec<(String, Vec<u8>)>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let path = entry.path();
        // The demo mailbox and the print batches are deliveries: what the citizen receives.
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

async fn no_secret_is_kept_at_rest(env: Env) {
    let people = eligible_people(&env, 1);
    let person = &people[0];
    import_people(&env, &[person]);
    let server = serve(&env, &[]);
    let api = Api::new(&server);
    let (secrets, _) = full_flow(&api, &env, person).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    // A letter keeps its half until it is printed (SPEC 6: the print batch is its delivery).
    let printed = env.run(&["letters", "batch"]);
    assert_eq!(printed.code, 0, "{}{}", printed.stdout, printed.stderr);
    assert!(printed.stdout.contains("1 letters"), "{}", printed.stdout);
    let (code, _) = server.terminate();
    assert_eq!(code, 0);

    let backend = if env.database_url.starts_with("postgres") { Backend::Postgres } else { Backend::Sqlite };
    let mut stores: Vec<(String, Vec<u8>)> = Vec::new();
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
    assert!(!stores.is_empty(), "something stored");
    let mut found = Vec::new();
    for (name, bytes) in &stores {
        let text = String::from_utf8_lossy(bytes);
        for (what, secret) in &secrets {
            for form in forms(secret) {
                let Some(at) = text.find(&form) else { continue };
                // Where: the table of a pg_dump line (`COPY public.t (...)` heads each table).
                let table = text[..at].rfind("COPY ").map(|c| text[c..].split(" (").next().unwrap_or("").to_owned());
                let line_start = text[..at].rfind('\n').map_or(0, |i| i + 1).max(at.saturating_sub(120));
                let line_end = text[at..].find('\n').map_or(text.len(), |i| at + i).min(at + form.len() + 120);
                let line_start = (0..=line_start).rev().find(|i| text.is_char_boundary(*i)).unwrap_or(0);
                let line_end = (line_end..=text.len()).find(|i| text.is_char_boundary(*i)).unwrap_or(text.len());
                let line: String = text[line_start..line_end]
                    .replace(&form, "<SECRET>")
                    .chars()
                    .map(|c| if c.is_control() || c == '\u{fffd}' { '.' } else { c })
                    .collect();
                found.push(format!("{what} in {name} {}: {line}", table.unwrap_or_default()));
            }
        }
    }
    assert!(found.is_empty(), "secrets at rest:\n{}", found.join("\n"));
}
