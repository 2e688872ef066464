//! The services of SPEC 5 over `/api/v1`: a pensioner's slips and tax certificates (level
//! ordinario), the applications catalogue, and a PIN dispositivo submitting a NASpI with bad and
//! good data (protocol, receipt PDF with the fields' labels).
//!
//! The PIN dispositivo comes the way a citizen gets it online (issue 7's acceptance): the ordinario
//! citizen uploads the signed form and both sides of a document, a reviewer approves.

use std::process::{Command, Stdio};

use serde_json::{Value, json};
use time::OffsetDateTime;

use crate::harness::{Env, on_both_backends};
use crate::pin_support::{Api, activate, eligible_people, import_people, issue, seeded_people, serve, token_of};

on_both_backends!(
    a_pensioner_downloads_slips_and_tax_certificates,
    someone_without_a_pension_is_told_so,
    the_catalogue_lists_every_application_with_its_fields,
    dispositivo_submits_a_naspi_checked_field_by_field,
    an_administrator_loads_pension_slips_from_a_csv,
);

/// `GET` of a path outside `/api/v1`'s base (a `pdf_url`), as raw bytes.
async fn get_bytes(api: &Api, path: &str, token: &str) -> (u16, String, Vec<u8>) {
    let root = api.base.trim_end_matches("/api/v1");
    let response = api.client.get(format!("{root}{path}")).bearer_auth(token).send().await.expect("GET");
    let status = response.status().as_u16();
    let content_type =
        response.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
    (status, content_type, response.bytes().await.expect("body").to_vec())
}

/// The PDF's text with poppler's `pdftotext`, `None` when it is not installed.
fn pdf_text(pdf: &[u8]) -> Option<String> {
    let mut child = Command::new("pdftotext")
        .args(["-enc", "UTF-8", "-", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .ok()?;
    std::io::Write::write_all(&mut child.stdin.take()?, pdf).ok()?;
    let out = child.wait_with_output().ok()?;
    String::from_utf8(out.stdout).ok()
}

fn assert_pdf(status: u16, content_type: &str, bytes: &[u8], what: &str) {
    assert_eq!(status, 200, "{what}: {}", String::from_utf8_lossy(bytes));
    assert_eq!(content_type, "application/pdf", "{what}");
    assert!(bytes.starts_with(b"%PDF-"), "{what} is a PDF");
}

async fn a_pensioner_downloads_slips_and_tax_certificates(env: Env) {
    let people = seeded_people(&env, 80);
    let server = serve(&env, &[]);
    let api = Api::new(&server);
    // The demo seed suggests a pensioner last (see `sigillo demo seed`).
    let pensioner = people.last().expect("a suggested pensioner");

    // While the PIN change is due, the service is closed like every other.
    let halves = issue(&api, &env, pensioner).await;
    let first = token_of(&api.login_ok(pensioner.cf(), &halves.pin()).await);
    api.get("/me/pension-slips", &first).await.assert_error(403, "pin_change_required");
    assert_eq!(api.change_pin(&first, &halves.pin(), pensioner.good_pin(0)).await.status, 204);
    let token = token_of(&api.login_ok(pensioner.cf(), pensioner.good_pin(0)).await);

    let reply = api.get("/me/pension-slips", &token).await;
    assert_eq!(reply.status, 200, "{reply}");
    let slips = reply.body["slips"].as_array().expect("slips");
    assert!(!slips.is_empty(), "the suggested pensioner has slips: {reply}");
    let this_year = OffsetDateTime::now_utc().year();
    let mut previous = (i64::MAX, i64::MAX);
    for slip in slips {
        let (gross, tax, other, net) = (
            slip["gross_cents"].as_i64().expect("gross"),
            slip["tax_cents"].as_i64().expect("tax"),
            slip["other_deductions_cents"].as_i64().expect("other"),
            slip["net_cents"].as_i64().expect("net"),
        );
        assert_eq!(net, gross - tax - other, "{slip}");
        assert!(slip["label"].as_str().is_some_and(|l| !l.is_empty()) && slip["kind"].is_string(), "{slip}");
        let when = (slip["year"].as_i64().expect("year"), slip["month"].as_i64().expect("month"));
        assert!(when <= previous, "newest first: {reply}");
        previous = when;
    }
    let newest = &slips[0];
    let (status, content_type, pdf) = get_bytes(&api, newest["pdf_url"].as_str().expect("pdf_url"), &token).await;
    assert_pdf(status, &content_type, &pdf, "the newest cedolino");
    if let Some(text) = pdf_text(&pdf) {
        assert!(text.contains("Cedolino della pensione") && text.contains(pensioner.cf()), "{text}");
        assert!(text.contains(newest["label"].as_str().unwrap_or_default()), "{text}");
    }

    // The CU of every year that is over, with the year's totals.
    let certificates = reply.body["tax_certificates"].as_array().expect("tax_certificates");
    assert!(!certificates.is_empty(), "{reply}");
    let last_year = certificates.iter().find(|c| c["year"] == this_year - 1).expect("last year's CU");
    let of_last_year: Vec<&Value> = slips.iter().filter(|s| s["year"] == this_year - 1).collect();
    let gross: i64 = of_last_year.iter().map(|s| s["gross_cents"].as_i64().unwrap_or_default()).sum();
    assert_eq!(last_year["gross_cents"].as_i64(), Some(gross), "the CU adds up the year's slips: {last_year}");
    assert!(certificates.iter().all(|c| c["year"].as_i64() < Some(i64::from(this_year))), "only years that are over");
    let listed = api.get("/me/tax-certificates", &token).await;
    assert_eq!(listed.status, 200, "{listed}");
    assert_eq!(&listed.body["tax_certificates"], &reply.body["tax_certificates"]);
    let (status, content_type, pdf) = get_bytes(&api, last_year["pdf_url"].as_str().expect("pdf_url"), &token).await;
    assert_pdf(status, &content_type, &pdf, "last year's CU");
    if let Some(text) = pdf_text(&pdf) {
        assert!(text.contains(&format!("Certificazione Unica {this_year}")), "{text}");
        assert!(text.contains(&format!("dell'anno {}", this_year - 1)), "{text}");
    }

    // Not paid, not over, not a month: 404 not_found in JSON.
    for path in [
        "/me/pension-slips/1990/1.pdf".to_owned(),
        "/me/pension-slips/2025/13.pdf".to_owned(),
        "/me/pension-slips/2025/1".to_owned(),
        format!("/me/tax-certificates/{this_year}.pdf"),
        "/me/tax-certificates/1990.pdf".to_owned(),
    ] {
        api.get(&path, &token).await.assert_error(404, "not_found");
    }
    assert_eq!(api.send(api.client.get(api.url("/me/pension-slips"))).await.status, 401, "needs a login");
}

async fn someone_without_a_pension_is_told_so(env: Env) {
    let people = eligible_people(&env, 1);
    let person = &people[0];
    import_people(&env, &[person]); // an imported registry has no pension slips
    let server = serve(&env, &[]);
    let api = Api::new(&server);
    let token = activate(&api, &env, person, person.good_pin(0)).await;
    let reply = api.get("/me/pension-slips", &token).await;
    assert_eq!(reply.status, 200, "{reply}");
    assert_eq!(reply.body, json!({"slips": [], "tax_certificates": []}));
    let last_year = OffsetDateTime::now_utc().year() - 1;
    api.get(&format!("/me/tax-certificates/{last_year}.pdf"), &token).await.assert_error(404, "not_found");
    api.get(&format!("/me/pension-slips/{last_year}/12.pdf"), &token).await.assert_error(404, "not_found");
}

async fn the_catalogue_lists_every_application_with_its_fields(env: Env) {
    let server = serve(&env, &[]);
    let api = Api::new(&server);
    let reply = api.send(api.client.get(api.url("/applications/catalogue"))).await;
    assert_eq!(reply.status, 200, "public: {reply}");
    let types = reply.body["types"].as_array().expect("types");
    let names: Vec<&str> = types.iter().filter_map(|t| t["type"].as_str()).collect();
    assert_eq!(
        names,
        [
            "naspi",
            "assegno_sociale",
            "maternita",
            "congedo_parentale",
            "assegni_familiari",
            "riscatto_laurea",
            "versamenti_volontari",
            "domanda_pensione"
        ]
    );
    let naspi = &types[0];
    let fields: Vec<&str> =
        naspi["fields"].as_array().expect("fields").iter().filter_map(|f| f["name"].as_str()).collect();
    assert_eq!(fields, ["termination_date", "termination_reason", "employer", "iban"]);
    let reason = &naspi["fields"][1];
    assert_eq!(reason["kind"], "choice");
    assert!(reason["choices"].as_array().is_some_and(|c| c.iter().any(|c| c["value"] == "licenziamento")), "{reason}");
    for t in types {
        for f in t["fields"].as_array().expect("fields") {
            assert!(f["label"].is_string() && f["label_en"].is_string() && f["required"].is_boolean(), "{f}");
        }
    }
    let doc = api.send(api.client.get(api.url("/openapi.json"))).await.body;
    for path in [
        "/api/v1/applications/catalogue",
        "/api/v1/me/pension-slips",
        "/api/v1/me/pension-slips/{year}/{month}.pdf",
        "/api/v1/me/tax-certificates/{year}.pdf",
    ] {
        assert!(doc["paths"].get(path).is_some(), "{path} documented");
    }
}

/// Raises the live credential of `code` to dispositivo, as an approved upgrade does.
/// Converti PIN: upload, then a reviewer (created and enrolled here) approves.
async fn make_dispositivo(env: &Env, api: &Api, token: &str) {
    let submitted = crate::upgrade_online::upload(api, token, &crate::upgrade_online::good_parts()).await;
    assert_eq!(submitted.status, 202, "{submitted}");
    let id = submitted.body["id"].as_str().expect("id").to_owned();
    let reviewer = crate::backoffice_support::operator(env, api, "anna.rev", "reviewer").await;
    let approve = format!("/operator/upgrade-requests/{id}/approve");
    let approved = crate::backoffice_support::post(api, &approve, &reviewer, &json!({})).await;
    assert_eq!(approved.status, 200, "{approved}");
    assert_eq!(api.get("/me", token).await.body["level"], "dispositivo");
}

async fn dispositivo_submits_a_naspi_checked_field_by_field(env: Env) {
    let people = eligible_people(&env, 1);
    let person = &people[0];
    import_people(&env, &[person]);
    let server = serve(&env, &[]);
    let api = Api::new(&server);
    let token = activate(&api, &env, person, person.good_pin(0)).await;
    let submit = |body: Value| {
        let api = api.clone();
        let token = token.clone();
        async move { api.call(reqwest::Method::POST, "/me/applications", Some(&token), Some(&body)).await }
    };
    let today = OffsetDateTime::now_utc().date();
    let ended = today - time::Duration::days(10);
    let good = json!({
        "type": "naspi",
        "data": {
            "termination_date": format!("{:02}/{:02}/{}", ended.day(), u8::from(ended.month()), ended.year()),
            "termination_reason": "scadenza_contratto",
            "employer": "Officine Rossi S.r.l.",
            "iban": "it60 x054 2811 1010 0000 0123 456"
        }
    });
    submit(good.clone()).await.assert_error(403, "level_insufficient");
    make_dispositivo(&env, &api, &token).await;

    // Bad data: each field says why, in Italian; nothing is stored.
    let bad = json!({
        "type": "naspi",
        "data": {
            "termination_date": (today + time::Duration::days(3)).to_string(),
            "termination_reason": "capriccio",
            "iban": "IT61X0542811101000000123456",
            "bonus": "1000"
        }
    });
    let reply = submit(bad).await;
    reply.assert_error(422, "invalid_input");
    assert_eq!(reply.fields(), ["bonus", "employer", "iban", "termination_date", "termination_reason"], "{reply}");
    assert!(reply.field("iban").is_some_and(|r| r.contains("IBAN")), "{reply}");
    assert!(reply.field("termination_date").is_some_and(|r| r.contains("futuro")), "{reply}");
    assert_eq!(reply.field("employer"), Some("Campo obbligatorio."), "{reply}");
    let reply = submit(json!({"type": "vacanze", "data": {}})).await;
    reply.assert_error(422, "invalid_input");
    assert!(reply.field("type").is_some(), "{reply}");
    submit(json!({"type": "naspi", "data": "testo"})).await.assert_error(422, "invalid_input");

    // Good data: 201 with a protocol of this year and the receipt.
    let reply = submit(good.clone()).await;
    assert_eq!(reply.status, 201, "{reply}");
    let protocol = reply.body["protocol"].as_str().expect("protocol").to_owned();
    assert!(protocol.starts_with(&format!("INPS.{}.", today.year())), "{reply}");
    let receipt_url = reply.body["receipt_url"].as_str().expect("receipt_url");
    let (status, content_type, pdf) = get_bytes(&api, receipt_url, &token).await;
    assert_pdf(status, &content_type, &pdf, "the receipt");
    if let Some(text) = pdf_text(&pdf) {
        for needle in [
            protocol.as_str(),
            "Data di cessazione",
            "Motivo della cessazione",
            "Scadenza del contratto a termine",
            "Officine Rossi S.r.l.",
            "IT60 X054 2811 1010 0000 0123 456",
        ] {
            assert!(text.contains(needle), "{needle:?} in the receipt:\n{text}");
        }
    }
    let again = submit(good).await;
    assert_eq!(again.status, 201, "{again}");
    assert_ne!(again.body["protocol"], reply.body["protocol"], "protocols are unique");
}

async fn an_administrator_loads_pension_slips_from_a_csv(env: Env) {
    let people = eligible_people(&env, 3);
    let person = &people[0];
    import_people(&env, &[person]);
    let last_year = OffsetDateTime::now_utc().year() - 1;
    let csv = format!(
        "fiscal_code,year,month,kind,gross_cents,tax_cents,other_deductions_cents,net_cents\n\
         {cf},{last_year},11,vecchiaia,150000,25000,0,125000\n\
         {cf},{last_year},12,vecchiaia,300000,50000,1000,249000\n\
         {cf},{last_year},12,reversibilita,40000,0,0,40000\n\
         {unknown},{last_year},12,vecchiaia,100000,0,0,100000\n\
         {cf2},{last_year},13,vecchiaia,1,0,0,1\n",
        cf = person.cf(),
        unknown = people[1].cf(),
        cf2 = people[2].cf(),
    );
    let path = env.path("pensions.csv");
    std::fs::write(&path, csv).expect("write");
    let run = env.run(&["pensions", "import", path.to_str().expect("utf-8")]);
    assert_eq!(run.code, 0, "{} {}", run.stdout, run.stderr);
    assert_eq!(run.stdout.trim(), "imported 3 slips of 1 persons, rejected 2", "{}", run.stderr);
    assert!(run.stderr.contains("line 6: month:"), "{}", run.stderr);
    assert!(run.stderr.contains("persona non presente in anagrafica"), "{}", run.stderr);
    let missing = env.run(&["pensions", "import", env.path("none.csv").to_str().expect("utf-8")]);
    assert_eq!(missing.code, 1, "an unreadable file: {}", missing.stderr);

    let server = serve(&env, &[]);
    let api = Api::new(&server);
    let token = activate(&api, &env, person, person.good_pin(0)).await;
    let reply = api.get("/me/pension-slips", &token).await;
    assert_eq!(reply.status, 200, "{reply}");
    assert_eq!(reply.body["slips"].as_array().map(Vec::len), Some(3), "{reply}");
    let cu = &reply.body["tax_certificates"][0];
    assert_eq!(cu["year"], last_year, "{reply}");
    assert_eq!(cu["months"], 2, "{reply}");
    assert_eq!(cu["gross_cents"], 490_000, "{reply}");
    assert_eq!(cu["net_cents"], 414_000, "{reply}");
}
