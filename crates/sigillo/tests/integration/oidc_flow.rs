//! Issue 8: a relying service logs citizens in through Sigillo with an off-the-shelf OpenID Connect
//! client (the `openidconnect` crate): discovery, login with a PIN through the portal's pages,
//! consent, code exchange with PKCE, ID-token signature and claims, userinfo, `acr` and step-up,
//! `prompt=login`/`max_age`, refresh-token rotation with reuse detection, code replay, revocation,
//! RP-initiated logout, and the refusals a client must get.

use openidconnect::{OAuth2TokenResponse, RefreshToken, TokenResponse};
use serde_json::json;

use crate::backoffice_support::{operator, post};
use crate::harness::{Env, on_both_backends};
use crate::oidc_support::{
    Browser, Registered, authorization, exchange, jwt_claims, jwt_kid, query_of, register, relying_service,
};
use crate::pin_support::{Api, activate, eligible_people, import_people, serve};
use crate::upgrade_online::{good_parts, upload};

const ORDINARIO: &str = "urn:sigillo:acr:ordinario";
const DISPOSITIVO: &str = "urn:sigillo:acr:dispositivo";

on_both_backends!(
    login_consent_tokens_and_claims,
    dispositivo_is_refused_to_an_ordinario_pin_then_stepped_up,
    fresh_login_refresh_rotation_and_replays,
    logout_revocation_and_refusals,
    keys_rotate_admins_manage_and_everything_is_audited
);

/// The browser's way from the authorization URL to the code at the client's redirect URI.
fn code_from(page: crate::oidc_support::Page, registered: &Registered, state: &str) -> String {
    let url = match page.location.clone() {
        Some(location) if location.starts_with(&registered.redirect_uri) => location,
        _ => page.continue_url(),
    };
    assert!(url.starts_with(&registered.redirect_uri), "{url}");
    let params = query_of(&url);
    assert_eq!(params.get("state").map(String::as_str), Some(state), "{url}");
    assert!(!params.contains_key("error"), "{url}");
    params.get("code").cloned().unwrap_or_else(|| panic!("no code in {url}"))
}

async fn login_consent_tokens_and_claims(env: Env) {
    let people = eligible_people(&env, 1);
    let person = &people[0];
    import_people(&env, &[person]);
    let registered = register(&env, "Cassetto previdenziale", false);
    assert!(registered.client_secret.as_ref().is_some_and(|s| s.len() >= 43));
    let server = serve(&env, &[]);
    let api = Api::new(&server);
    let pin = person.good_pin(0);
    activate(&api, &env, person, pin).await;
    let issuer = server.url("");
    let rp = relying_service(&issuer, &registered).await;

    let pending = authorization(&rp, &["profile", "email", "fiscal_number"], Some(ORDINARIO), &[]);
    let mut browser = Browser::new(&issuer);
    let first = browser.get(&pending.url).await;
    assert_eq!(first.status, 303, "not logged in: to the portal's login");
    let consent = browser.log_in(first, person.cf(), pin).await;
    assert_eq!(consent.status, 200, "{}", consent.body);
    assert!(consent.body.contains("Cassetto previdenziale"), "the consent page names the service");
    for shared in ["nome, cognome e data di nascita", "indirizzo e-mail", "codice fiscale"] {
        assert!(consent.body.contains(shared), "consent lists {shared}");
    }
    let request = consent.input("request");
    let answered = browser.post("/oidc/consent", &[("request", &request), ("decision", "allow")]).await;
    let code = code_from(answered, &registered, pending.state.secret());

    let tokens = exchange(&rp, &code, pending.verifier).await.expect("code exchange");
    let id_token = tokens.id_token().expect("id_token");
    // The library checks the ES256 signature against the JWKS, iss, aud, exp and the nonce.
    let claims = id_token.claims(&rp.id_token_verifier(), &pending.nonce).expect("a valid ID token");
    assert_eq!(claims.auth_context_ref().map(|a| a.as_str()), Some(ORDINARIO));
    assert!(claims.auth_time().is_some());
    let amr: Vec<String> = claims.auth_method_refs().expect("amr").iter().map(|a| a.as_str().to_owned()).collect();
    assert_eq!(amr, ["pin"]);
    let raw = jwt_claims(&id_token.to_string());
    assert_eq!(raw["fiscal_number"], format!("TINIT-{}", person.cf()));
    assert_eq!(raw["family_name"], person.get("family_name"));
    assert_eq!(raw["given_name"], person.get("given_name"));
    assert_eq!(raw["birthdate"], person.get("birth_date"));
    assert_eq!(raw["email"], person.get("email"));
    assert_eq!(raw["email_verified"], false, "the registry's address was never verified by Sigillo");
    let sub = claims.subject().as_str().to_owned();
    assert_eq!(sub.len(), 43, "pairwise subject");
    assert!(!sub.contains(person.cf()), "the subject does not reveal the fiscal code");
    assert!(tokens.refresh_token().is_none(), "no offline_access asked");

    // userinfo with the access token.
    let http = reqwest::Client::new();
    let info: serde_json::Value = http
        .get(server.url("/oidc/userinfo"))
        .bearer_auth(tokens.access_token().secret())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(info["sub"], sub.as_str());
    assert_eq!(info["fiscal_number"], format!("TINIT-{}", person.cf()));
    let bad = http.get(server.url("/oidc/userinfo")).bearer_auth("nope").send().await.unwrap();
    assert_eq!(bad.status(), 401);
    assert!(bad.headers()["www-authenticate"].to_str().unwrap().contains("invalid_token"));

    // Consent is remembered: the next login of this service asks nothing and goes straight back.
    let again = authorization(&rp, &["profile"], None, &[]);
    let page = browser.get(&again.url).await;
    assert_eq!(page.status, 303);
    let code = code_from(page, &registered, again.state.secret());
    let tokens = exchange(&rp, &code, again.verifier).await.expect("second exchange");
    let claims = tokens.id_token().unwrap().claims(&rp.id_token_verifier(), &again.nonce).unwrap();
    assert_eq!(claims.subject().as_str(), sub, "the same subject at the same service");
    let raw = jwt_claims(&tokens.id_token().unwrap().to_string());
    assert!(raw.get("fiscal_number").is_none(), "only what was asked: {raw}");

    // Another service sees another subject, and is asked for consent again.
    let other = register(&env, "Altro servizio", false);
    let other_rp = relying_service(&issuer, &other).await;
    let pending = authorization(&other_rp, &[], None, &[]);
    let consent = browser.get(&pending.url).await;
    assert_eq!(consent.status, 200, "consent per service");
    let request = consent.input("request");
    let answered = browser.post("/oidc/consent", &[("request", &request), ("decision", "allow")]).await;
    let code = code_from(answered, &other, pending.state.secret());
    let tokens = exchange(&other_rp, &code, pending.verifier).await.unwrap();
    let claims = tokens.id_token().unwrap().claims(&other_rp.id_token_verifier(), &pending.nonce).unwrap();
    assert_ne!(claims.subject().as_str(), sub, "pairwise: services cannot link their users by sub");

    // Every step is in the citizen's audit trail, and no token or code in the server's output.
    let output = server.output();
    assert!(!output.contains(&code), "a code in the logs");
    assert!(!output.contains(tokens.access_token().secret()), "a token in the logs");
}

async fn dispositivo_is_refused_to_an_ordinario_pin_then_stepped_up(env: Env) {
    let people = eligible_people(&env, 1);
    let person = &people[0];
    import_people(&env, &[person]);
    let registered = register(&env, "Domande online", false);
    let server = serve(&env, &[]);
    let api = Api::new(&server);
    let pin = person.good_pin(1);
    let citizen = activate(&api, &env, person, pin).await;
    let issuer = server.url("");
    let rp = relying_service(&issuer, &registered).await;

    // An ordinario citizen meets a service that needs dispositivo.
    let pending = authorization(&rp, &["fiscal_number"], Some(DISPOSITIVO), &[]);
    let mut browser = Browser::new(&issuer);
    let first = browser.get(&pending.url).await;
    let page = browser.log_in(first, person.cf(), pin).await;
    assert_eq!(page.status, 403, "{}", page.body);
    assert!(page.body.contains("Serve un PIN dispositivo"), "a clear page: {}", page.body);
    assert!(page.body.contains("/converti-pin"), "it says how to upgrade");
    let request = page.input("request");
    let back = browser.post("/oidc/authorize/cancel", &[("request", &request)]).await;
    let url = back.continue_url();
    assert!(url.starts_with(&registered.redirect_uri), "{url}");
    let params = query_of(&url);
    assert_eq!(params["error"], "unmet_authentication_requirements", "{url}");
    assert_eq!(params["state"], pending.state.secret().as_str());
    assert_eq!(params["iss"], issuer);
    // The request is answered: it cannot be resumed into a code afterwards.
    let stale = browser.get(&format!("/oidc/authorize/resume?request={request}")).await;
    assert_eq!(stale.status, 400);

    // prompt=none gets the same answer without any page.
    let silent = authorization(&rp, &["fiscal_number"], Some(DISPOSITIVO), &[("prompt", "none")]);
    let page = browser.get(&silent.url).await;
    let location = page.location.expect("straight back to the client");
    assert_eq!(query_of(&location)["error"], "unmet_authentication_requirements", "{location}");

    // The citizen upgrades (documents online, a reviewer approves) while still logged in.
    let submitted = upload(&api, &citizen, &good_parts()).await;
    assert_eq!(submitted.status, 202, "{submitted}");
    let id = submitted.body["id"].as_str().unwrap().to_owned();
    let reviewer = operator(&env, &api, "rita.rev", "reviewer").await;
    let approved = post(&api, &format!("/operator/upgrade-requests/{id}/approve"), &reviewer, &json!({})).await;
    assert_eq!(approved.status, 200, "{approved}");

    // Step-up: the session is still at ordinario, so the PIN is asked again, then dispositivo.
    let pending = authorization(&rp, &["fiscal_number"], Some(DISPOSITIVO), &[]);
    let page = browser.get(&pending.url).await;
    let to = page.location.clone().expect("to the login");
    assert!(to.starts_with("/accedi?next=") && to.contains("fresh=1"), "a fresh PIN entry: {to}");
    let consent = browser.log_in(page, person.cf(), pin).await;
    let request = consent.input("request");
    let answered = browser.post("/oidc/consent", &[("request", &request), ("decision", "allow")]).await;
    let code = code_from(answered, &registered, pending.state.secret());
    let tokens = exchange(&rp, &code, pending.verifier).await.unwrap();
    let claims = tokens.id_token().unwrap().claims(&rp.id_token_verifier(), &pending.nonce).unwrap();
    assert_eq!(claims.auth_context_ref().map(|a| a.as_str()), Some(DISPOSITIVO));

    // A request for either level takes the dispositivo login as it is.
    let pending = authorization(&rp, &["fiscal_number"], Some(&format!("{ORDINARIO} {DISPOSITIVO}")), &[]);
    let page = browser.get(&pending.url).await;
    let code = code_from(page, &registered, pending.state.secret());
    let tokens = exchange(&rp, &code, pending.verifier).await.unwrap();
    let claims = tokens.id_token().unwrap().claims(&rp.id_token_verifier(), &pending.nonce).unwrap();
    assert_eq!(claims.auth_context_ref().map(|a| a.as_str()), Some(DISPOSITIVO));
}

async fn fresh_login_refresh_rotation_and_replays(env: Env) {
    let people = eligible_people(&env, 1);
    let person = &people[0];
    import_people(&env, &[person]);
    let registered = register(&env, "App mobile", true);
    assert!(registered.client_secret.is_none(), "a public client has no secret");
    let server = serve(&env, &[]);
    let api = Api::new(&server);
    let pin = person.good_pin(2);
    activate(&api, &env, person, pin).await;
    let issuer = server.url("");
    let rp = relying_service(&issuer, &registered).await;

    let pending = authorization(&rp, &["offline_access"], None, &[]);
    let mut browser = Browser::new(&issuer);
    let first = browser.get(&pending.url).await;
    let consent = browser.log_in(first, person.cf(), pin).await;
    let request = consent.input("request");
    let answered = browser.post("/oidc/consent", &[("request", &request), ("decision", "allow")]).await;
    let code = code_from(answered, &registered, pending.state.secret());
    let first_tokens = exchange(&rp, &code, pending.verifier).await.expect("public client with PKCE");
    let first_claims = first_tokens.id_token().unwrap().claims(&rp.id_token_verifier(), &pending.nonce).unwrap();
    let auth_time = first_claims.auth_time().unwrap();

    // prompt=login and max_age=0 both make the citizen type the PIN again, and auth_time moves.
    for extra in [("prompt", "login"), ("max_age", "0")] {
        tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
        let pending = authorization(&rp, &["offline_access"], None, &[extra]);
        let page = browser.get(&pending.url).await;
        assert!(page.location.as_deref().is_some_and(|l| l.starts_with("/accedi?next=")), "{extra:?} asks the PIN");
        let page = browser.log_in(page, person.cf(), pin).await;
        let code = code_from(page, &registered, pending.state.secret());
        let tokens = exchange(&rp, &code, pending.verifier).await.unwrap();
        let claims = tokens.id_token().unwrap().claims(&rp.id_token_verifier(), &pending.nonce).unwrap();
        assert!(claims.auth_time().unwrap() > auth_time, "{extra:?}: a fresh auth_time");
    }

    // Refresh rotation: each refresh token works once; presenting a used one revokes the family.
    let refresh1 = first_tokens.refresh_token().expect("offline_access gives a refresh token").clone();
    let rotated =
        rp.exchange_refresh_token(&refresh1).unwrap().request_async(&crate::oidc_support::http).await.expect("refresh");
    let refresh2 = rotated.refresh_token().expect("a new refresh token").clone();
    assert_ne!(refresh1.secret(), refresh2.secret());
    let reused = rp.exchange_refresh_token(&refresh1).unwrap().request_async(&crate::oidc_support::http).await;
    assert!(format!("{reused:?}").contains("invalid_grant"), "{reused:?}");
    let after = rp
        .exchange_refresh_token(&RefreshToken::new(refresh2.secret().clone()))
        .unwrap()
        .request_async(&crate::oidc_support::http)
        .await;
    assert!(after.is_err(), "reuse revoked the whole family, the newest token too");
    let http = reqwest::Client::new();
    let info =
        http.get(server.url("/oidc/userinfo")).bearer_auth(rotated.access_token().secret()).send().await.unwrap();
    assert_eq!(info.status(), 401, "and its access tokens");

    // A code exchanged twice: the second fails and what the first gave is revoked.
    let pending = authorization(&rp, &[], None, &[]);
    let page = browser.get(&pending.url).await;
    let code = code_from(page, &registered, pending.state.secret());
    let verifier = pending.verifier.secret().clone();
    let tokens = exchange(&rp, &code, pending.verifier).await.unwrap();
    let replay = exchange(&rp, &code, openidconnect::PkceCodeVerifier::new(verifier)).await;
    assert_eq!(replay.err().as_deref(), Some("invalid_grant"));
    let info = http.get(server.url("/oidc/userinfo")).bearer_auth(tokens.access_token().secret()).send().await.unwrap();
    assert_eq!(info.status(), 401, "the replay revoked the first exchange's tokens");

    // A wrong PKCE verifier is refused.
    let pending = authorization(&rp, &[], None, &[]);
    let page = browser.get(&pending.url).await;
    let code = code_from(page, &registered, pending.state.secret());
    let wrong = exchange(&rp, &code, openidconnect::PkceCodeVerifier::new("x".repeat(64))).await;
    assert_eq!(wrong.err().as_deref(), Some("invalid_grant"));
}

async fn logout_revocation_and_refusals(env: Env) {
    let people = eligible_people(&env, 1);
    let person = &people[0];
    import_people(&env, &[person]);
    let registered = register(&env, "Fascicolo", false);
    let server = serve(&env, &[]);
    let api = Api::new(&server);
    let pin = person.good_pin(3);
    activate(&api, &env, person, pin).await;
    let issuer = server.url("");
    let rp = relying_service(&issuer, &registered).await;
    let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();

    // Refusals shown on Sigillo's page, never redirected: unknown client, unregistered redirect.
    let pending = authorization(&rp, &[], None, &[]);
    let mut browser = Browser::new(&issuer);
    let unknown = pending.url.replace(&registered.client_id, "sconosciuto");
    let page = browser.get(&unknown).await;
    assert_eq!(page.status, 400);
    assert!(page.body.contains("non è registrato"), "{}", page.body);
    let elsewhere = pending.url.replace("127.0.0.1%3A9%2Fcallback", "evil.example%2Fcb");
    assert_ne!(elsewhere, pending.url);
    let page = browser.get(&elsewhere).await;
    assert_eq!(page.status, 400, "not redirected to an unregistered URI");
    assert!(page.location.is_none());
    // Without PKCE: an error back to the client.
    let no_pkce = pending.url.split('&').filter(|p| !p.starts_with("code_challenge")).collect::<Vec<_>>().join("&");
    let page = browser.get(&no_pkce).await;
    let location = page.location.expect("error redirect");
    assert!(location.starts_with(&registered.redirect_uri));
    assert_eq!(query_of(&location)["error"], "invalid_request");
    // prompt=none without a session.
    let silent = authorization(&rp, &[], None, &[("prompt", "none")]);
    let page = browser.get(&silent.url).await;
    assert_eq!(query_of(&page.location.unwrap())["error"], "login_required");

    // A login with offline access.
    let pending = authorization(&rp, &["offline_access", "fiscal_number"], None, &[]);
    let first = browser.get(&pending.url).await;
    let consent = browser.log_in(first, person.cf(), pin).await;
    let request = consent.input("request");
    // A consent post without the browser's form token is refused.
    let forged = http
        .post(server.url("/oidc/consent"))
        .form(&[("request", request.as_str()), ("decision", "allow"), ("csrf", "forged")])
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), 403);
    let answered = browser.post("/oidc/consent", &[("request", &request), ("decision", "allow")]).await;
    let code = code_from(answered, &registered, pending.state.secret());

    // Wrong client secret: 401 invalid_client.
    let wrong = http
        .post(server.url("/oidc/token"))
        .basic_auth(&registered.client_id, Some("wrong"))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", code.as_str()),
            ("redirect_uri", registered.redirect_uri.as_str()),
            ("code_verifier", pending.verifier.secret().as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), 401);
    let body: serde_json::Value = wrong.json().await.unwrap();
    assert_eq!(body["error"], "invalid_client");
    let tokens = exchange(&rp, &code, pending.verifier).await.expect("the code survived the failed attempt");
    let refresh = tokens.refresh_token().unwrap().secret().clone();

    // Revocation (RFC 7009): the refresh token, and with it the access token.
    let revoked = http
        .post(server.url("/oidc/revoke"))
        .basic_auth(&registered.client_id, registered.client_secret.as_deref())
        .form(&[("token", refresh.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(revoked.status(), 200);
    let info = http.get(server.url("/oidc/userinfo")).bearer_auth(tokens.access_token().secret()).send().await.unwrap();
    assert_eq!(info.status(), 401);
    let unknown = http
        .post(server.url("/oidc/revoke"))
        .basic_auth(&registered.client_id, registered.client_secret.as_deref())
        .form(&[("token", "unknown")])
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), 200, "an unknown token is not an error");

    // A fresh login, then RP-initiated logout with the ID token as hint.
    let pending = authorization(&rp, &["offline_access"], None, &[]);
    let page = browser.get(&pending.url).await;
    let code = code_from(page, &registered, pending.state.secret());
    let tokens = exchange(&rp, &code, pending.verifier).await.unwrap();
    let id_token = tokens.id_token().unwrap().to_string();
    let logout = format!(
        "/oidc/logout?id_token_hint={id_token}&post_logout_redirect_uri={}&state=arrivederci",
        crate::oidc_support::form_encode(&registered.post_logout_uri)
    );
    let page = browser.get(&logout).await;
    assert_eq!(page.status, 303, "{}", page.body);
    assert_eq!(page.location.as_deref(), Some(format!("{}?state=arrivederci", registered.post_logout_uri).as_str()));
    let area = browser.get("/area-riservata").await;
    assert!(area.location.as_deref().is_some_and(|l| l.starts_with("/accedi")), "the portal session ended");
    let refreshed = rp
        .exchange_refresh_token(&RefreshToken::new(tokens.refresh_token().unwrap().secret().clone()))
        .unwrap()
        .request_async(&crate::oidc_support::http)
        .await;
    assert!(refreshed.is_err(), "logout revoked the service's tokens");
    // An unregistered post-logout URI is not followed.
    let page = browser.get("/oidc/logout?post_logout_redirect_uri=https%3A%2F%2Fevil.example%2F").await;
    assert!(page.location.is_none());

    // A removed client can no longer log anyone in.
    let removed = env.run(&["client", "remove", &registered.client_id]);
    assert_eq!(removed.code, 0, "{}", removed.stderr);
    let pending = authorization(&rp, &[], None, &[]);
    let page = browser.get(&pending.url).await;
    assert_eq!(page.status, 400);
    let listed = env.run(&["client", "list"]);
    assert!(listed.stdout.contains("removed"), "{}", listed.stdout);
}

async fn keys_rotate_admins_manage_and_everything_is_audited(env: Env) {
    let people = eligible_people(&env, 1);
    let person = &people[0];
    import_people(&env, &[person]);
    let registered = register(&env, "Estratto conto", false);
    let server = serve(&env, &[]);
    let api = Api::new(&server);
    let pin = person.good_pin(4);
    activate(&api, &env, person, pin).await;
    let issuer = server.url("");
    let rp = relying_service(&issuer, &registered).await;
    let mut browser = Browser::new(&issuer);

    let pending = authorization(&rp, &[], None, &[]);
    let first = browser.get(&pending.url).await;
    let consent = browser.log_in(first, person.cf(), pin).await;
    let request = consent.input("request");
    let answered = browser.post("/oidc/consent", &[("request", &request), ("decision", "allow")]).await;
    let code = code_from(answered, &registered, pending.state.secret());
    let before = exchange(&rp, &code, pending.verifier).await.unwrap();
    let old_token = before.id_token().unwrap().clone();
    let old_nonce = pending.nonce;
    let old_kid = jwt_kid(&old_token.to_string());
    let jwks: serde_json::Value = reqwest::get(server.url("/oidc/jwks")).await.unwrap().json().await.unwrap();
    assert_eq!(jwks["keys"].as_array().unwrap().len(), 1, "{jwks}");

    // Rotation: a new key signs from now on, the old one stays published for its tokens.
    let rotated = env.run(&["oidc", "rotate-key"]);
    assert_eq!(rotated.code, 0, "{}", rotated.stderr);
    let jwks: serde_json::Value = reqwest::get(server.url("/oidc/jwks")).await.unwrap().json().await.unwrap();
    assert_eq!(jwks["keys"].as_array().unwrap().len(), 2, "{jwks}");
    let rp = relying_service(&issuer, &registered).await;
    old_token.claims(&rp.id_token_verifier(), &old_nonce).expect("a token of the old key still verifies");
    let pending = authorization(&rp, &[], None, &[]);
    let page = browser.get(&pending.url).await;
    let code = code_from(page, &registered, pending.state.secret());
    let after = exchange(&rp, &code, pending.verifier).await.unwrap();
    let new_token = after.id_token().unwrap();
    new_token.claims(&rp.id_token_verifier(), &pending.nonce).expect("the new key's token verifies");
    assert_ne!(jwt_kid(&new_token.to_string()), old_kid, "signed with the new key");

    // Client authentication failures are rate limited.
    let http = reqwest::Client::new();
    let mut last = 0;
    for _ in 0..31 {
        let reply = http
            .post(server.url("/oidc/token"))
            .basic_auth(&registered.client_id, Some("guess"))
            .form(&[("grant_type", "authorization_code"), ("code", "x"), ("code_verifier", "y")])
            .send()
            .await
            .unwrap();
        last = reply.status().as_u16();
        if last == 429 {
            assert!(reply.headers().contains_key("retry-after"));
            break;
        }
        assert_eq!(last, 401);
    }
    assert_eq!(last, 429, "guessing a client secret is slowed down");

    // Administrators list and remove services; other roles cannot.
    let admin = operator(&env, &api, "ada.admin", "admin").await;
    let listed = api.get("/operator/clients", &admin).await;
    assert_eq!(listed.status, 200, "{listed}");
    let text = listed.body.to_string();
    assert!(text.contains("Estratto conto") && text.contains(&registered.client_id), "{listed}");
    assert!(!text.contains(registered.client_secret.as_deref().unwrap()), "never the secret");
    let reviewer = operator(&env, &api, "rino.rev", "reviewer").await;
    api.get("/operator/clients", &reviewer).await.assert_error(403, "forbidden");

    // Every step is in the audit log, with the service's id and never a code or token.
    for event in ["oidc_client_added", "oidc_consent_given", "oidc_code_issued", "oidc_tokens_issued"] {
        let found = api.get(&format!("/operator/audit?event={event}"), &admin).await;
        assert_eq!(found.status, 200, "{found}");
        let entries = found.body.as_array().unwrap();
        assert!(!entries.is_empty(), "no {event} in the audit log");
        assert_eq!(entries[0]["details"]["client"], registered.client_id.as_str(), "{found}");
        assert!(!found.body.to_string().contains(&code));
    }

    let path = format!("/operator/clients/{}", registered.client_id);
    let removed = api.delete(&path, &admin).await;
    assert_eq!(removed.status, 204, "{removed}");
    api.delete(&path, &admin).await.assert_error(404, "not_found");
    let info = http.get(server.url("/oidc/userinfo")).bearer_auth(after.access_token().secret()).send().await.unwrap();
    assert_eq!(info.status(), 401, "a removed service's tokens stop working");
}
