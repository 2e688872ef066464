//! `GET /api/v1/openapi.json`: an OpenAPI 3 document covering the PIN life cycle's endpoints.

use serde_json::Value;

use crate::harness::{Env, on_both_backends};
use crate::pin_support::serve;

on_both_backends!(openapi_describes_the_pin_endpoints);

async fn openapi_describes_the_pin_endpoints(env: Env) {
    let server = serve(&env, &[]);
    let response = reqwest::get(server.url("/api/v1/openapi.json")).await.expect("get");
    assert_eq!(response.status(), 200);
    let content_type = response.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or_default();
    assert!(content_type.contains("json"), "content-type {content_type}");
    let doc: Value = response.json().await.expect("JSON");
    assert!(doc["openapi"].as_str().is_some_and(|v| v.starts_with("3.")), "openapi 3.x: {}", doc["openapi"]);
    let paths = doc["paths"].as_object().expect("paths");
    let under_api = doc["servers"]
        .as_array()
        .is_some_and(|servers| servers.iter().any(|s| s["url"].as_str().is_some_and(|u| u.ends_with("/api/v1"))));
    let find = |path: &str| -> Option<&Value> {
        paths.get(&format!("/api/v1{path}")).or_else(|| if under_api { paths.get(path) } else { None })
    };
    let listed: Vec<&String> = paths.keys().collect();
    for (path, methods) in [
        ("/pin-requests", &["post"][..]),
        ("/sessions", &["post"]),
        ("/sessions/current", &["delete"]),
        ("/me", &["get"]),
        ("/me/pin", &["put", "delete"]),
        ("/me/contributions", &["get"]),
        ("/me/applications", &["post"]),
    ] {
        let item = find(path).unwrap_or_else(|| panic!("{path} documented; paths: {listed:?}"));
        for method in methods {
            assert!(item.get(*method).is_some(), "{method} {path} documented: {item}");
        }
    }
    let request = &find("/pin-requests").expect("pin-requests")["post"];
    let responses = request["responses"].as_object().expect("responses");
    for status in ["201", "403", "404", "409", "422"] {
        assert!(responses.contains_key(status), "POST /pin-requests documents {status}: {:?}", responses.keys());
    }
    assert!(request.get("requestBody").is_some(), "POST /pin-requests documents its body");
    let login = &find("/sessions").expect("sessions")["post"]["responses"];
    for status in ["200", "401", "429"] {
        assert!(login.get(status).is_some(), "POST /sessions documents {status}: {login}");
    }
}
