//! Shared helpers of the PIN life-cycle stories: registry persons we control, a thin JSON client
//! of the `/api/v1` contract (../shared/API.md) and the demo mailbox (`SIGILLO_DELIVERY=files`).
//!
//! Everything here is black-box: the real `sigillo` binary, HTTP, and files in the data folder.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::harness::{CapturedServer, Env};

pub const HEADER: &str = "fiscal_code,family_name,given_name,birth_date,sex,birth_place,address,postal_code,municipality,province,country,health_card_number,health_card_expiry,contribution_weeks,mobile,email";

/// Definitive PINs that should pass every rule of SPEC 3 for any fiscal code: 8 letters and
/// digits, no two digits in a row (no date part), no three letters in a row (no name part).
pub const GOOD_PINS: [&str; 6] = ["K7Q2M9XA", "W4T8H3ZB", "P6R3N7YC", "J5V2X8KD", "H3Z7B4QM", "X9C4V7NJ"];

// ---------------------------------------------------------------------------------------------
// Registry persons

/// One registry row, by the import's column names.
#[derive(Debug, Clone)]
pub struct Person {
    row: Vec<String>,
}

impl Person {
    fn index(column: &str) -> usize {
        HEADER.split(',').position(|c| c == column).unwrap_or_else(|| panic!("no column {column}"))
    }

    pub fn get(&self, column: &str) -> &str {
        &self.row[Self::index(column)]
    }

    pub fn set(&mut self, column: &str, value: &str) -> &mut Self {
        self.row[Self::index(column)] = value.to_owned();
        self
    }

    pub fn cf(&self) -> &str {
        self.get("fiscal_code")
    }

    pub fn weeks(&self) -> u64 {
        self.get("contribution_weeks").parse().expect("weeks")
    }

    /// A definitive PIN of [`GOOD_PINS`] not containing any part of this person's fiscal code.
    pub fn good_pin(&self, n: usize) -> &'static str {
        let cf = self.cf().to_uppercase();
        let parts = [&cf[0..3], &cf[3..6], &cf[6..8], &cf[9..11]];
        GOOD_PINS.iter().copied().filter(|pin| parts.iter().all(|part| !pin.contains(part))).nth(n).expect("a good PIN")
    }
}

/// Synthetic valid persons from `sigillo demo csv` (not imported).
pub fn demo_people(env: &Env, count: u32, seed: u32) -> Vec<Person> {
    let run = env.run(&["demo", "csv", "--count", &count.to_string(), "--seed", &seed.to_string()]);
    assert_eq!(run.code, 0, "demo csv: {}", run.stderr);
    let mut reader = csv::Reader::from_reader(run.stdout.as_bytes());
    assert_eq!(reader.headers().expect("header").iter().collect::<Vec<_>>().join(","), HEADER);
    reader.records().map(|r| Person { row: r.expect("record").iter().map(str::to_owned).collect() }).collect()
}

/// `count` distinct persons living in Italy, with a mobile, an e-mail and at least 52 weeks.
pub fn eligible_people(env: &Env, count: usize) -> Vec<Person> {
    let people: Vec<Person> = demo_people(env, (count as u32 * 4).max(40), 4242)
        .into_iter()
        .filter(|p| {
            p.get("country") == "IT" && !p.get("mobile").is_empty() && !p.get("email").is_empty() && p.weeks() >= 52
        })
        .take(count)
        .collect();
    assert_eq!(people.len(), count, "not enough eligible demo persons");
    people
}

/// Imports exactly these persons (and nobody else).
pub fn import_people(env: &Env, people: &[&Person]) {
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer.write_record(HEADER.split(',')).expect("header");
    for person in people {
        writer.write_record(&person.row).expect("row");
    }
    let csv = writer.into_inner().expect("flush");
    let run = env.import("persons.csv", csv);
    assert_eq!(run.code, 0, "import: {} {}", run.stdout, run.stderr);
    assert_eq!(run.stdout.trim(), format!("imported {}, rejected 0", people.len()), "{}", run.stderr);
}

/// The `POST /pin-requests` body with exactly the registry's data. Without a mobile on the
/// registry the citizen gives a landline (SPEC 4.1: at least one phone).
pub fn request_body(person: &Person) -> Value {
    let mut body = json!({
        "fiscal_code": person.cf(),
        "family_name": person.get("family_name"),
        "given_name": person.get("given_name"),
        "birth_date": person.get("birth_date"),
        "sex": person.get("sex"),
        "birth_place": person.get("birth_place"),
        "residence": {
            "country": person.get("country"),
            "address": person.get("address"),
            "postal_code": person.get("postal_code"),
            "municipality": person.get("municipality"),
            "province": person.get("province"),
        },
        "email": person.get("email"),
    });
    if person.get("mobile").is_empty() {
        body["landline"] = json!("+39061234567");
    } else {
        body["mobile"] = json!(person.get("mobile"));
    }
    body
}

/// The server environment of these stories.
pub const SERVE_ENV: &[(&str, &str)] = &[("SIGILLO_DELIVERY", "files")];

/// Starts the server with the demo mailbox plus `extra` settings.
pub fn serve(env: &Env, extra: &[(&str, &str)]) -> CapturedServer {
    let mut all: Vec<(&str, &str)> = SERVE_ENV.to_vec();
    all.extend_from_slice(extra);
    env.serve_captured(&all)
}

// ---------------------------------------------------------------------------------------------
// HTTP

#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub text: String,
    /// The body as JSON, `Value::Null` when it is not JSON.
    pub body: Value,
}

impl std::fmt::Display for Reply {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.status, self.text)
    }
}

impl Reply {
    pub fn header(&self, name: &str) -> Option<String> {
        self.headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_owned)
    }

    /// The error shape of API.md: `{"error": code, "message": text, "fields": {...}}`.
    pub fn assert_error(&self, status: u16, code: &str) -> &Self {
        assert_eq!(self.status, status, "expected {status} {code}, got {self}");
        self.assert_error_shape();
        assert_eq!(self.body["error"], code, "{self}");
        self
    }

    pub fn assert_error_shape(&self) -> &Self {
        assert!(self.body["error"].as_str().is_some_and(|e| !e.is_empty()), "error code: {self}");
        assert!(self.body["message"].as_str().is_some_and(|m| !m.trim().is_empty()), "message: {self}");
        assert!(self.body["fields"].is_object(), "fields object: {self}");
        self
    }

    /// The reason given for one field of an `invalid_input`/`pin_policy` error.
    pub fn field(&self, name: &str) -> Option<&str> {
        self.body["fields"].get(name).and_then(Value::as_str)
    }

    pub fn fields(&self) -> Vec<String> {
        self.body["fields"].as_object().map(|m| m.keys().cloned().collect()).unwrap_or_default()
    }
}

#[derive(Clone)]
pub struct Api {
    pub client: reqwest::Client,
    pub base: String,
}

impl Api {
    pub fn new(server: &CapturedServer) -> Api {
        let client = reqwest::Client::builder().timeout(Duration::from_secs(60)).build().expect("client");
        Api { client, base: server.url("/api/v1") }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub async fn send(&self, request: reqwest::RequestBuilder) -> Reply {
        let response = request.send().await.expect("HTTP request");
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let text = response.text().await.expect("body");
        let body = serde_json::from_str(&text).unwrap_or(Value::Null);
        Reply { status, headers, text, body }
    }

    pub async fn call(&self, method: reqwest::Method, path: &str, token: Option<&str>, body: Option<&Value>) -> Reply {
        let mut request = self.client.request(method, self.url(path));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request.json(body);
        }
        self.send(request).await
    }

    pub async fn post(&self, path: &str, body: &Value) -> Reply {
        self.call(reqwest::Method::POST, path, None, Some(body)).await
    }

    pub async fn get(&self, path: &str, token: &str) -> Reply {
        self.call(reqwest::Method::GET, path, Some(token), None).await
    }

    pub async fn request_pin(&self, person: &Person) -> Reply {
        self.post("/pin-requests", &request_body(person)).await
    }

    pub async fn login(&self, fiscal_code: &str, pin: &str) -> Reply {
        self.post("/sessions", &json!({"fiscal_code": fiscal_code, "pin": pin})).await
    }

    /// Logs in and expects success; returns the body.
    pub async fn login_ok(&self, fiscal_code: &str, pin: &str) -> Value {
        let reply = self.login(fiscal_code, pin).await;
        assert_eq!(reply.status, 200, "login of {fiscal_code}: {reply}");
        let token = reply.body["token"].as_str().unwrap_or_default();
        assert!(token.len() >= 20, "a random token of at least 128 bits: {reply}");
        assert!(reply.body["must_change_pin"].is_boolean(), "{reply}");
        assert!(reply.body.get("pin_expires_at").is_some(), "pin_expires_at: {reply}");
        reply.body
    }

    pub async fn change_pin(&self, token: &str, current: &str, new: &str) -> Reply {
        self.call(reqwest::Method::PUT, "/me/pin", Some(token), Some(&json!({"current_pin": current, "new_pin": new})))
            .await
    }
}

pub fn token_of(login: &Value) -> String {
    login["token"].as_str().expect("token").to_owned()
}

// ---------------------------------------------------------------------------------------------
// Demo mailbox

#[derive(Debug, Clone)]
pub struct Message {
    pub channel: String,
    pub path: PathBuf,
    pub json: Value,
}

impl Message {
    pub fn kind(&self) -> &str {
        self.json["kind"].as_str().unwrap_or_default()
    }
    pub fn pin_half(&self) -> String {
        self.json["pin_half"].as_str().unwrap_or_else(|| panic!("pin_half in {}", self.json)).to_owned()
    }
}

/// Every message in `$SIGILLO_DATA_DIR/mailbox/<channel>/*.json` (unreadable files skipped: a
/// file may be in the middle of being written).
pub fn mailbox(env: &Env) -> Vec<Message> {
    let root = env.path("mailbox");
    let mut messages = Vec::new();
    for channel in ["sms", "email", "pec", "letter"] {
        let Ok(entries) = std::fs::read_dir(root.join(channel)) else { continue };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.extension().is_none_or(|e| e != "json") {
                continue;
            }
            let Ok(text) = std::fs::read_to_string(&path) else { continue };
            let Ok(json) = serde_json::from_str::<Value>(&text) else { continue };
            messages.push(Message { channel: channel.to_owned(), path, json });
        }
    }
    messages
}

/// Messages to one fiscal code (compared case-insensitively).
pub fn messages_for(env: &Env, fiscal_code: &str) -> Vec<Message> {
    mailbox(env)
        .into_iter()
        .filter(|m| m.json["fiscal_code"].as_str().is_some_and(|c| c.eq_ignore_ascii_case(fiscal_code)))
        .collect()
}

/// Polls (up to 10 s) until `fiscal_code` has at least `count` messages of each kind.
pub async fn wait_for_kinds(env: &Env, fiscal_code: &str, kinds: &[&str], count: usize) -> Vec<Message> {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let messages = messages_for(env, fiscal_code);
        if kinds.iter().all(|k| messages.iter().filter(|m| m.kind() == *k).count() >= count) {
            return messages;
        }
        if Instant::now() > deadline {
            let all: Vec<String> = mailbox(env).iter().map(|m| format!("{}: {}", m.channel, m.json)).collect();
            panic!("no {kinds:?} (x{count}) for {fiscal_code} within 10 s; mailbox:\n{}", all.join("\n"));
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

// ---------------------------------------------------------------------------------------------
// Flows

/// The two halves of a first-access PIN as delivered.
#[derive(Debug, Clone)]
pub struct Halves {
    pub first: String,
    pub second: String,
}

impl Halves {
    pub fn pin(&self) -> String {
        format!("{}{}", self.first, self.second)
    }
}

/// Requests a PIN for a registry person with matching data; expects it issued and both halves
/// delivered as new messages, and returns the new halves.
pub async fn issue(api: &Api, env: &Env, person: &Person) -> Halves {
    let before: Vec<PathBuf> = messages_for(env, person.cf()).into_iter().map(|m| m.path).collect();
    let count = |kind: &str| messages_for(env, person.cf()).iter().filter(|m| m.kind() == kind).count();
    let (firsts, seconds) = (count("pin_first_half"), count("pin_second_half"));
    let reply = api.request_pin(person).await;
    assert_eq!(reply.status, 201, "request of {}: {reply}", person.cf());
    assert_eq!(reply.body["status"], "issued", "{reply}");
    wait_for_kinds(env, person.cf(), &["pin_first_half"], firsts + 1).await;
    let messages = wait_for_kinds(env, person.cf(), &["pin_second_half"], seconds + 1).await;
    let new = |kind: &str| -> String {
        messages.iter().find(|m| m.kind() == kind && !before.contains(&m.path)).expect("new message").pin_half()
    };
    Halves { first: new("pin_first_half"), second: new("pin_second_half") }
}

/// Issue, first access, choose `new_pin`; returns a session token logged in with the new PIN
/// (must_change_pin false).
pub async fn activate(api: &Api, env: &Env, person: &Person, new_pin: &str) -> String {
    let halves = issue(api, env, person).await;
    let first = api.login_ok(person.cf(), &halves.pin()).await;
    assert_eq!(first["must_change_pin"], true, "first access: {first}");
    let changed = api.change_pin(&token_of(&first), &halves.pin(), new_pin).await;
    assert_eq!(changed.status, 204, "definitive PIN {new_pin}: {changed}");
    let login = api.login_ok(person.cf(), new_pin).await;
    assert_eq!(login["must_change_pin"], false, "{login}");
    token_of(&login)
}

/// A fiscal code with its check character replaced by another letter.
pub fn with_wrong_check_character(cf: &str) -> String {
    let (body, last) = cf.split_at(15);
    let other = if last == "A" { "B" } else { "A" };
    format!("{body}{other}")
}

/// A stored person as `sigillo registry show` prints it.
pub fn registry_person(env: &Env, fiscal_code: &str) -> Person {
    let run = env.run(&["registry", "show", fiscal_code]);
    assert_eq!(run.code, 0, "show {fiscal_code}: {} {}", run.stdout, run.stderr);
    let json: Value = serde_json::from_str(run.stdout.trim()).expect("show prints JSON");
    let row = HEADER
        .split(',')
        .map(|column| match &json[column] {
            Value::Null => String::new(),
            Value::String(s) => s.clone(),
            other => other.to_string(),
        })
        .collect();
    Person { row }
}

/// `sigillo demo seed`, then every fiscal code it suggests, as stored.
pub fn seeded_people(env: &Env, count: u32) -> Vec<Person> {
    let run = env.run(&["demo", "seed", "--count", &count.to_string(), "--seed", "3"]);
    assert_eq!(run.code, 0, "demo seed: {}", run.stderr);
    run.stdout
        .lines()
        .filter_map(|line| line.split_whitespace().next())
        .filter(|word| word.len() == 16)
        .map(|code| registry_person(env, code))
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Recovery, revocation, fast activation, contacts, print batches, sunset (issue 5)

impl Api {
    pub async fn delete(&self, path: &str, token: &str) -> Reply {
        self.call(reqwest::Method::DELETE, path, Some(token), None).await
    }

    pub async fn post_auth(&self, path: &str, token: &str, body: Option<&Value>) -> Reply {
        self.call(reqwest::Method::POST, path, Some(token), body).await
    }

    /// `POST /pin-recoveries` with a fiscal code and two contacts.
    pub async fn request_recovery(&self, fiscal_code: &str, contacts: [&str; 2]) -> Reply {
        self.post("/pin-recoveries", &json!({"fiscal_code": fiscal_code, "contacts": contacts})).await
    }

    /// `POST /pin-recoveries/confirm`.
    pub async fn confirm_recovery(&self, token: &str, code: &str) -> Reply {
        self.post("/pin-recoveries/confirm", &json!({"token": token, "code": code})).await
    }

    /// `POST /pin-revocations` with the health card as given.
    pub async fn revoke_with_card(&self, fiscal_code: &str, number: &str, expiry: &str) -> Reply {
        self.post(
            "/pin-revocations",
            &json!({"fiscal_code": fiscal_code, "health_card_number": number, "health_card_expiry": expiry}),
        )
        .await
    }

    /// `POST /pin-activations`.
    pub async fn activate_pin(&self, body: &Value) -> Reply {
        self.post("/pin-activations", body).await
    }
}

/// The `POST /pin-activations` body with the registry's health card and mobile.
pub fn activation_body(person: &Person, first_half: &str, channel: &str, contact: &str) -> Value {
    json!({
        "fiscal_code": person.cf(),
        "health_card_number": person.get("health_card_number"),
        "health_card_expiry": person.get("health_card_expiry"),
        "first_half": first_half,
        "mobile": person.get("mobile"),
        "second_half_channel": channel,
        "contact": contact,
    })
}

/// The paths of the messages to `fiscal_code` so far: what [`wait_for_new_message`] skips.
pub fn message_paths(env: &Env, fiscal_code: &str) -> Vec<PathBuf> {
    messages_for(env, fiscal_code).into_iter().map(|m| m.path).collect()
}

/// Polls (up to 10 s) for a message of `kind` to `fiscal_code` that is not in `known`.
pub async fn wait_for_new_message(env: &Env, fiscal_code: &str, kind: &str, known: &[PathBuf]) -> Message {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if let Some(m) = messages_for(env, fiscal_code).into_iter().find(|m| m.kind() == kind && !known.contains(&m.path)) {
            return m;
        }
        if Instant::now() > deadline {
            let all: Vec<String> = messages_for(env, fiscal_code).iter().map(|m| format!("{}: {}", m.channel, m.json)).collect();
            panic!("no new {kind} for {fiscal_code} within 10 s; their messages:\n{}", all.join("\n"));
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Messages of `kind` to `fiscal_code` (after giving the delivery worker `settle` to act).
pub async fn kinds_after(env: &Env, fiscal_code: &str, kind: &str, settle: Duration) -> Vec<Message> {
    tokio::time::sleep(settle).await;
    messages_for(env, fiscal_code).into_iter().filter(|m| m.kind() == kind).collect()
}

/// A recovery e-mail as the citizen reads it: the link's token and the code.
#[derive(Debug, Clone)]
pub struct RecoveryMail {
    pub message: Message,
    pub token: String,
    pub code: String,
}

impl RecoveryMail {
    /// Checks the contract's shape (API.md: an e-mail whose `link` ends with `?token=<token>`,
    /// with a `code`) and takes the two apart.
    pub fn from_message(message: Message) -> RecoveryMail {
        assert_eq!(message.kind(), "recovery_link", "{}", message.json);
        assert_eq!(message.channel, "email", "a recovery link goes by e-mail: {}", message.json);
        let link = message.json["link"].as_str().unwrap_or_else(|| panic!("link in {}", message.json)).to_owned();
        assert!(link.starts_with("http://") || link.starts_with("https://"), "an absolute link: {link}");
        let (_, token) = link.rsplit_once("?token=").unwrap_or_else(|| panic!("link ends with ?token=…: {link}"));
        assert!(!token.is_empty() && !token.contains(['&', '#', '?', '/']), "the link ends with its token: {link}");
        let code = message.json["code"].as_str().unwrap_or_else(|| panic!("code in {}", message.json)).to_owned();
        assert!(!code.trim().is_empty(), "a code: {}", message.json);
        RecoveryMail { token: token.to_owned(), code, message }
    }
}

/// Waits for a new `recovery_link` to `fiscal_code` (not among `known`).
pub async fn wait_for_recovery_mail(env: &Env, fiscal_code: &str, known: &[PathBuf]) -> RecoveryMail {
    RecoveryMail::from_message(wait_for_new_message(env, fiscal_code, "recovery_link", known).await)
}

/// A code of the same length as `code` that differs from it in every digit.
pub fn wrong_code(code: &str) -> String {
    code.chars().map(|c| if c == '1' { '2' } else if c.is_ascii_digit() { '1' } else { 'X' }).collect()
}

/// A well-formed half that differs from `half` (same alphabet: digits and letters without I, L, O, U).
pub fn other_half(half: &str) -> String {
    let mut chars: Vec<char> = half.chars().collect();
    chars[0] = if chars[0] == '7' { '8' } else { '7' };
    chars[7] = if chars[7] == 'K' { 'M' } else { 'K' };
    chars.into_iter().collect()
}

/// RFC 3339 for now plus `seconds` (negative for the past).
pub fn rfc3339_from_now(seconds: i64) -> String {
    let at = time::OffsetDateTime::now_utc() + time::Duration::seconds(seconds);
    at.replace_nanosecond(0).unwrap_or(at).format(&time::format_description::well_known::Rfc3339).expect("RFC 3339")
}

/// What `sigillo letters batch` printed about one batch.
#[derive(Debug, Clone)]
pub struct PrintBatch {
    pub id: String,
    pub letters: usize,
    pub pdf: PathBuf,
    pub manifest: PathBuf,
}

impl PrintBatch {
    /// The `message_id` column of the manifest (header row required).
    pub fn manifest_ids(&self) -> Vec<String> {
        let text = std::fs::read_to_string(&self.manifest).unwrap_or_else(|e| panic!("{}: {e}", self.manifest.display()));
        let mut reader = csv::Reader::from_reader(text.as_bytes());
        let headers = reader.headers().expect("manifest header").clone();
        let column = headers
            .iter()
            .position(|h| h == "message_id")
            .unwrap_or_else(|| panic!("a message_id column in the manifest: {headers:?}"));
        reader.records().map(|r| r.expect("manifest row")[column].to_owned()).collect()
    }
}

/// Runs `sigillo letters batch`; the batches parsed from its `batch <id>: N letters, <pdf> , <manifest>`
/// lines (none when it said `no letters to print`).
pub fn letters_batch(env: &Env) -> Vec<PrintBatch> {
    let run = env.run(&["letters", "batch"]);
    assert_eq!(run.code, 0, "letters batch: {} {}", run.stdout, run.stderr);
    if run.stdout.trim() == "no letters to print" {
        return Vec::new();
    }
    let mut batches = Vec::new();
    for line in run.stdout.lines().filter(|l| !l.trim().is_empty()) {
        let rest = line.strip_prefix("batch ").unwrap_or_else(|| panic!("`batch <id>: N letters, …`: {line:?}"));
        let (id, rest) = rest.split_once(": ").unwrap_or_else(|| panic!("batch id: {line:?}"));
        let (count, rest) = rest.split_once(" letters, ").unwrap_or_else(|| panic!("N letters: {line:?}"));
        let (pdf, manifest) = rest.split_once(" , ").unwrap_or_else(|| panic!("<pdf> , <manifest>: {line:?}"));
        batches.push(PrintBatch {
            id: id.trim().to_owned(),
            letters: count.trim().parse().unwrap_or_else(|_| panic!("count: {line:?}")),
            pdf: PathBuf::from(pdf.trim()),
            manifest: PathBuf::from(manifest.trim()),
        });
    }
    assert!(!batches.is_empty(), "letters batch printed neither batches nor `no letters to print`: {:?}", run.stdout);
    batches
}

/// The letter (`pin_second_half` on channel `letter`) of `fiscal_code`, the newest if several.
pub fn letter_of(env: &Env, fiscal_code: &str) -> Message {
    let mut letters: Vec<Message> =
        messages_for(env, fiscal_code).into_iter().filter(|m| m.channel == "letter" && m.kind() == "pin_second_half").collect();
    letters.sort_by_key(|m| m.json["created_at"].as_str().unwrap_or_default().to_owned());
    letters.pop().unwrap_or_else(|| panic!("a letter for {fiscal_code}"))
}

/// The message id as the mailbox names it (`id`, which is also the file name).
pub fn message_id(message: &Message) -> String {
    message.json["id"].as_str().map(str::to_owned).unwrap_or_else(|| {
        message.path.file_stem().and_then(|s| s.to_str()).expect("file stem").to_owned()
    })
}
