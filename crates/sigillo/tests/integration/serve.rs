//! `sigillo serve`: ops endpoints, metrics, configuration errors, graceful shutdown.

use crate::harness::{Env, on_both_backends};

on_both_backends!(ops_endpoints_answer_and_sigterm_stops_cleanly, api_errors_are_json);

async fn ops_endpoints_answer_and_sigterm_stops_cleanly(env: Env) {
    let server = env.serve(&[]);
    let client = reqwest::Client::new();

    let health = client.get(server.url("/healthz")).send().await.expect("healthz");
    assert_eq!(health.status(), 200);
    assert!(health.headers().contains_key("x-request-id"));
    let ready = client.get(server.url("/readyz")).send().await.expect("readyz");
    assert_eq!(ready.status(), 200);

    let metrics = client.get(server.url("/metrics")).send().await.expect("metrics");
    assert_eq!(metrics.status(), 200);
    let text = metrics.text().await.expect("text");
    let healthz_count = text
        .lines()
        .find(|l| {
            l.starts_with("http_requests_total{") && l.contains("route=\"/healthz\"") && l.contains("status=\"200\"")
        })
        .unwrap_or_else(|| panic!("request counter by route and status:\n{text}"));
    assert!(healthz_count.ends_with(" 1"), "{healthz_count}");
    assert!(text.contains("http_request_duration_seconds_bucket{"), "latency histogram:\n{text}");

    assert_eq!(server.terminate(), 0, "SIGTERM is a clean stop");
}

async fn api_errors_are_json(env: Env) {
    let server = env.serve(&[]);
    let response = reqwest::get(server.url("/api/v1/nothing-here")).await.expect("get");
    assert_eq!(response.status(), 404);
    let body: serde_json::Value = response.json().await.expect("json");
    assert_eq!(body["error"], "not_found");
    assert!(body["message"].as_str().is_some_and(|m| !m.is_empty()));
    assert!(body["fields"].is_object());
}

#[tokio::test]
async fn a_bad_setting_exits_2_naming_the_variable() {
    let env = Env::new(crate::harness::Backend::Sqlite).await.expect("env");
    for (variable, value) in [
        ("SIGILLO_PIN_MAX_AGE", "tre mesi"),
        ("SIGILLO_LISTEN", "dappertutto"),
        ("SIGILLO_ISSUANCE_CUTOFF", "2027-13-45"),
    ] {
        let mut command = env.command(&["serve"]);
        command.env(variable, value);
        let output = command.output().expect("run");
        assert_eq!(output.status.code(), Some(2), "{variable}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains(variable) && stderr.contains(value), "{stderr}");
    }
}

#[tokio::test]
async fn logs_are_json_on_request() {
    let env = Env::new(crate::harness::Backend::Sqlite).await.expect("env");
    let mut command = env.command(&["migrate"]);
    command.env("SIGILLO_LOG_FORMAT", "json").env("RUST_LOG", "debug");
    let output = command.output().expect("run");
    assert!(output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    let lines: Vec<&str> = stderr.lines().filter(|l| !l.trim().is_empty()).collect();
    assert!(!lines.is_empty(), "debug logs expected");
    for line in lines {
        let value: serde_json::Value = serde_json::from_str(line).unwrap_or_else(|_| panic!("not JSON: {line}"));
        assert!(value.get("level").is_some(), "{line}");
    }
}
