//! The OpenID Connect provider's state: clients and signing keys round-trip and are refused twice;
//! an authorization request is answered once (its grant, code and audit entry stored together);
//! a code and a refresh token are used once, also when redeemed concurrently, and a replay reads
//! back when the first use was; revoking grants (one by one, or by removing their client) keeps
//! earlier revocations; pruning deletes exactly what expired and the revoked grants left bare.

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic, reason = "test support: failing loudly is its job")]

use sigillo_domain::audit::{Actor, AuditEvent};
use sigillo_domain::credential::Level;
use sigillo_domain::fiscal_code::FiscalCode;
use sigillo_domain::oidc::{
    AuthorizationCode, AuthorizationRequest, Client, Consent, Grant, Scope, SigningKey, Token, TokenKind, parse_scopes,
};
use sigillo_domain::session::token_hash;
use sigillo_domain::store::Store;
use time::OffsetDateTime;
use uuid::Uuid;

use super::audit::assert_unbroken_chain;
use super::support::{assert_conflict, at, whole_audit};
use crate::fixtures::person;

/// `at(seconds)` plus some microseconds, so that every digit a backend keeps is checked.
fn us(seconds: i64, micros: i64) -> OffsetDateTime {
    at(seconds) + time::Duration::microseconds(micros)
}

fn citizen(index: u64) -> FiscalCode {
    person(index).fiscal_code
}

fn client(id: &str, name: &str, created_at: OffsetDateTime) -> Client {
    Client {
        id: id.to_owned(),
        name: name.to_owned(),
        secret_hash: Some(token_hash(&format!("secret of {id}"))),
        redirect_uris: vec![format!("https://{id}.example.it/callback"), "http://127.0.0.1:8081/cb?a=1&b=è".to_owned()],
        post_logout_redirect_uris: vec![format!("https://{id}.example.it/arrivederci")],
        created_at,
        disabled_at: None,
    }
}

fn client_added(client: &Client) -> AuditEvent {
    AuditEvent::new(client.created_at, Actor::Operator("admin".to_owned()), "oidc_client_added")
        .detail("client_id", client.id.clone())
}

async fn add_client(store: &dyn Store, id: &str, created_at: OffsetDateTime) -> Client {
    let client = client(id, &format!("Servizio {id}"), created_at);
    store.insert_client(&client, client_added(&client)).await.expect("insert_client");
    client
}

fn signing_key(kid: &str, created_at: OffsetDateTime, published_until: OffsetDateTime) -> SigningKey {
    let mut private_pkcs8: Vec<u8> = (0..=255u8).collect();
    private_pkcs8.extend(kid.bytes());
    SigningKey {
        kid: kid.to_owned(),
        algorithm: "ES256".to_owned(),
        private_pkcs8,
        public_jwk: format!(
            r#"{{"kty":"EC","crv":"P-256","kid":"{kid}","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU","y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"}}"#
        ),
        created_at,
        signs_until: created_at + time::Duration::days(30),
        published_until,
    }
}

/// A request with every optional field set.
fn full_request(client: &Client, created_at: OffsetDateTime) -> AuthorizationRequest {
    AuthorizationRequest {
        id: Uuid::new_v4(),
        client_id: client.id.clone(),
        redirect_uri: client.redirect_uris[0].clone(),
        scopes: Scope::ALL.into_iter().collect(),
        state: Some("af0ifjsldkj \"virgolette\" è".to_owned()),
        nonce: Some("n-0S6_WzA2Mj".to_owned()),
        code_challenge: "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM".to_owned(),
        min_level: Level::Dispositivo,
        max_age: Some(300),
        force_login: true,
        created_at,
        expires_at: created_at + time::Duration::minutes(15) + time::Duration::microseconds(1),
    }
}

/// A request with every optional field unset.
fn bare_request(client: &Client, created_at: OffsetDateTime) -> AuthorizationRequest {
    AuthorizationRequest {
        id: Uuid::new_v4(),
        client_id: client.id.clone(),
        redirect_uri: client.redirect_uris[1].clone(),
        scopes: parse_scopes("openid"),
        state: None,
        nonce: None,
        code_challenge: "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk".to_owned(),
        min_level: Level::Ordinario,
        max_age: None,
        force_login: false,
        created_at,
        expires_at: created_at + time::Duration::minutes(15),
    }
}

fn grant(client: &Client, code: FiscalCode, session_id: Option<Uuid>, created_at: OffsetDateTime) -> Grant {
    Grant {
        id: Uuid::new_v4(),
        client_id: client.id.clone(),
        fiscal_code: code,
        credential_id: Uuid::new_v4(),
        session_id,
        scopes: parse_scopes("openid profile fiscal_number offline_access"),
        nonce: Some("n-0S6_WzA2Mj".to_owned()),
        level: Level::Dispositivo,
        auth_time: created_at - time::Duration::microseconds(1_234_567),
        created_at,
        revoked_at: None,
    }
}

fn code_of(grant: &Grant, name: &str) -> AuthorizationCode {
    AuthorizationCode {
        code_hash: token_hash(name),
        grant_id: grant.id,
        redirect_uri: format!("https://{}.example.it/callback", grant.client_id),
        code_challenge: "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM".to_owned(),
        expires_at: grant.created_at + time::Duration::seconds(60),
        used_at: None,
    }
}

fn token(grant: &Grant, name: &str, kind: TokenKind, expires_at: OffsetDateTime) -> Token {
    Token {
        token_hash: token_hash(name),
        grant_id: grant.id,
        kind,
        created_at: grant.created_at + time::Duration::microseconds(17),
        expires_at,
        used_at: None,
    }
}

fn granted_event(grant: &Grant) -> AuditEvent {
    AuditEvent::new(grant.created_at, Actor::Citizen, "oidc_authorized")
        .fiscal_code(&grant.fiscal_code)
        .credential(grant.credential_id)
        .detail("client_id", grant.client_id.clone())
}

/// Answers a fresh request of `client` with `grant` and a code named `code_name`.
async fn answer(store: &dyn Store, client: &Client, grant: &Grant, code_name: &str) -> AuthorizationCode {
    let request = full_request(client, grant.created_at - time::Duration::seconds(5));
    store.insert_authorization_request(&request).await.expect("insert_authorization_request");
    let code = code_of(grant, code_name);
    store.insert_grant(request.id, grant, &code, granted_event(grant)).await.expect("insert_grant");
    code
}

/// A grant's stored state, read through one of its tokens.
async fn grant_via(store: &dyn Store, token: &Token) -> Grant {
    store.token(&token.token_hash).await.expect("token").expect("the token is stored").1
}

async fn audit_len(store: &dyn Store) -> usize {
    whole_audit(store).await.len()
}

pub async fn clients_and_signing_keys<S: Store + Clone + 'static>(store: &S) {
    let audit_before = audit_len(store).await;

    // Clients with every field, times to the microsecond; removed ones are listed too.
    let b = client("servizio-b", "Servizio B", us(1, 7));
    let a = Client { secret_hash: None, ..client("servizio-a", "Servizio B", us(2, 999_999)) };
    let albo = Client {
        redirect_uris: Vec::new(),
        post_logout_redirect_uris: Vec::new(),
        disabled_at: Some(us(3, 1)),
        ..client("z-albo", "Albo pretorio", us(3, 0))
    };
    for client in [&b, &a, &albo] {
        store.insert_client(client, client_added(client)).await.unwrap();
    }
    for client in [&b, &a, &albo] {
        assert_eq!(store.client(&client.id).await.unwrap().as_ref(), Some(client));
    }
    assert_eq!(store.client("sconosciuto").await.unwrap(), None);
    assert_eq!(store.clients().await.unwrap(), vec![albo.clone(), a.clone(), b.clone()], "by name, then id");
    let audit = whole_audit(store).await;
    assert_eq!(audit.len(), audit_before + 3, "one audit entry per client, with it");
    assert_eq!(audit.last().unwrap().event, client_added(&albo));

    // The same id again is a Conflict, and changes nothing (its audit entry included).
    let again = Client { name: "Altro nome".to_owned(), ..client("servizio-b", "x", us(4, 0)) };
    assert_conflict(store.insert_client(&again, client_added(&again)).await, "a second client with the same id");
    assert_eq!(store.client("servizio-b").await.unwrap(), Some(b.clone()));
    assert_eq!(store.clients().await.unwrap().len(), 3);
    assert_eq!(audit_len(store).await, audit_before + 3, "the refused client's audit entry is rolled back");

    // Signing keys: every byte of the key back, newest first, ties by kid.
    assert!(store.signing_keys().await.unwrap().is_empty());
    let old = signing_key("k-2026-01", us(-30 * 86_400, 5), us(100, 3));
    let new = signing_key("k-2026-03", us(0, 1), us(300, 0));
    let twin = signing_key("k-2026-03b", us(0, 1), us(200, 0));
    for key in [&twin, &old, &new] {
        store.insert_signing_key(key).await.unwrap();
    }
    assert_eq!(store.signing_keys().await.unwrap(), vec![new.clone(), twin.clone(), old.clone()]);
    let clash = signing_key("k-2026-01", us(50, 0), us(500, 0));
    assert_conflict(store.insert_signing_key(&clash).await, "a second key with the same kid");
    assert_eq!(store.signing_keys().await.unwrap(), vec![new.clone(), twin.clone(), old.clone()]);

    // A key is published while now < published_until.
    assert_eq!(store.delete_unpublished_keys(us(100, 2)).await.unwrap(), 0, "still published");
    assert_eq!(store.delete_unpublished_keys(us(100, 3)).await.unwrap(), 1, "unpublished at published_until");
    assert_eq!(store.signing_keys().await.unwrap(), vec![new.clone(), twin.clone()]);
    assert_eq!(store.delete_unpublished_keys(us(100, 3)).await.unwrap(), 0);
    assert_eq!(store.delete_unpublished_keys(us(1_000, 0)).await.unwrap(), 2);
    assert!(store.signing_keys().await.unwrap().is_empty());
    assert_eq!(audit_len(store).await, audit_before + 3, "keys are not audited by the store");
}

pub async fn requests_consents_and_grants<S: Store + Clone + 'static>(store: &S) {
    let client = add_client(store, "fascicolo", us(0, 0)).await;
    let other_client = add_client(store, "bonus", us(0, 1)).await;
    let code = citizen(8101);

    // Requests round-trip with and without their optional fields.
    let full = full_request(&client, us(10, 123));
    let bare = bare_request(&other_client, us(11, 456));
    store.insert_authorization_request(&full).await.unwrap();
    store.insert_authorization_request(&bare).await.unwrap();
    assert_eq!(store.authorization_request(full.id).await.unwrap(), Some(full.clone()));
    assert_eq!(store.authorization_request(bare.id).await.unwrap(), Some(bare.clone()));
    assert_eq!(store.authorization_request(Uuid::new_v4()).await.unwrap(), None);
    assert!(store.delete_authorization_request(bare.id).await.unwrap());
    assert!(!store.delete_authorization_request(bare.id).await.unwrap(), "gone already");
    assert_eq!(store.authorization_request(bare.id).await.unwrap(), None);
    assert_eq!(store.authorization_request(full.id).await.unwrap(), Some(full.clone()), "the other one stays");

    // Consents: one per citizen and client, replaced when saved again.
    assert_eq!(store.consent(&code, &client.id).await.unwrap(), None);
    let first = Consent {
        fiscal_code: code,
        client_id: client.id.clone(),
        scopes: parse_scopes("openid profile"),
        granted_at: us(12, 1),
    };
    store.save_consent(&first).await.unwrap();
    assert_eq!(store.consent(&code, &client.id).await.unwrap(), Some(first.clone()));
    let wider = Consent { scopes: Scope::ALL.into_iter().collect(), granted_at: us(13, 999_998), ..first.clone() };
    store.save_consent(&wider).await.unwrap();
    assert_eq!(store.consent(&code, &client.id).await.unwrap(), Some(wider.clone()), "replaced");
    let elsewhere = Consent { client_id: other_client.id.clone(), scopes: parse_scopes(""), ..first.clone() };
    store.save_consent(&elsewhere).await.unwrap();
    assert_eq!(store.consent(&code, &other_client.id).await.unwrap(), Some(elsewhere));
    assert_eq!(store.consent(&code, &client.id).await.unwrap(), Some(wider), "per client");
    assert_eq!(store.consent(&citizen(8102), &client.id).await.unwrap(), None, "per citizen");

    // Answering a request consumes it and stores the grant, its code and the audit entry.
    let audit_before = audit_len(store).await;
    let session = Uuid::new_v4();
    let the_grant = grant(&client, code, Some(session), us(20, 321));
    let the_code = code_of(&the_grant, "code-one");
    store.insert_grant(full.id, &the_grant, &the_code, granted_event(&the_grant)).await.unwrap();
    assert_eq!(store.authorization_request(full.id).await.unwrap(), None, "the request is answered");
    assert_eq!(store.grants_of_session(session).await.unwrap(), vec![the_grant.clone()]);
    let audit = whole_audit(store).await;
    assert_eq!(audit.len(), audit_before + 1);
    assert_eq!(audit.last().unwrap().event, granted_event(&the_grant));

    // The same request resubmitted (a double click, another node) yields nothing more.
    let second_grant = grant(&client, code, Some(session), us(21, 0));
    let second_code = code_of(&second_grant, "code-two");
    assert_conflict(
        store.insert_grant(full.id, &second_grant, &second_code, granted_event(&second_grant)).await,
        "answering a request twice",
    );
    assert_conflict(
        store.insert_grant(Uuid::new_v4(), &second_grant, &second_code, granted_event(&second_grant)).await,
        "answering an unknown request",
    );
    assert_eq!(store.grants_of_session(session).await.unwrap(), vec![the_grant.clone()]);
    assert_eq!(store.redeem_code(&second_code.code_hash, us(22, 0)).await.unwrap(), None, "no second code");
    assert_eq!(audit_len(store).await, audit_before + 1, "no second audit entry");

    // The first code and its grant round-trip with every field.
    assert_eq!(store.redeem_code(&the_code.code_hash, us(22, 0)).await.unwrap(), Some((the_code, the_grant)));

    // A grant without session or nonce, at ordinario, round-trips too.
    let plain = Grant {
        session_id: None,
        nonce: None,
        level: Level::Ordinario,
        scopes: parse_scopes("openid"),
        ..grant(&other_client, citizen(8102), None, us(30, 5))
    };
    let plain_code = answer(store, &other_client, &plain, "code-plain").await;
    assert_eq!(store.redeem_code(&plain_code.code_hash, us(31, 0)).await.unwrap(), Some((plain_code, plain)));
    assert_eq!(audit_len(store).await, audit_before + 2);
    assert_unbroken_chain(store).await;
}

pub async fn codes_are_redeemed_once<S: Store + Clone + 'static>(store: &S) {
    let client = add_client(store, "fascicolo", us(0, 0)).await;
    let the_grant = grant(&client, citizen(8201), Some(Uuid::new_v4()), us(10, 0));
    let code = answer(store, &client, &the_grant, "code").await;

    assert_eq!(store.redeem_code(&token_hash("unknown"), us(20, 0)).await.unwrap(), None);
    let first = store.redeem_code(&code.code_hash, us(20, 999_999)).await.unwrap();
    assert_eq!(first, Some((code.clone(), the_grant.clone())), "as it was before: unused");
    let used = AuthorizationCode { used_at: Some(us(20, 999_999)), ..code.clone() };
    for later in [us(21, 0), us(22, 1)] {
        let replay = store.redeem_code(&code.code_hash, later).await.unwrap();
        assert_eq!(replay, Some((used.clone(), the_grant.clone())), "a replay: used_at is the first use's");
    }
}

pub async fn concurrent_redemptions_one_wins<S: Store + Clone + 'static>(store: &S) {
    let client = add_client(store, "fascicolo", us(0, 0)).await;
    let the_grant = grant(&client, citizen(8301), None, us(10, 0));
    let code = answer(store, &client, &the_grant, "contended-code").await;

    let tasks: Vec<_> = (0..8i64)
        .map(|i| {
            let store = store.clone();
            let hash = code.code_hash.clone();
            tokio::spawn(async move { (i, store.redeem_code(&hash, us(20, i)).await) })
        })
        .collect();
    let mut winners = Vec::new();
    let mut replays = Vec::new();
    for task in tasks {
        let (i, result) = task.await.unwrap();
        let (seen, seen_grant) = result.unwrap().expect("the code exists");
        assert_eq!(seen_grant, the_grant);
        assert_eq!(AuthorizationCode { used_at: None, ..seen.clone() }, code);
        match seen.used_at {
            None => winners.push(i),
            Some(used_at) => replays.push(used_at),
        }
    }
    assert_eq!(winners.len(), 1, "exactly one redemption finds the code unused");
    let won_at = us(20, winners[0]);
    assert_eq!(replays, vec![won_at; 7], "every other one sees the winner's use");
    let after = store.redeem_code(&code.code_hash, us(30, 0)).await.unwrap().unwrap();
    assert_eq!(after.0.used_at, Some(won_at));
}

pub async fn tokens_and_refresh_rotation<S: Store + Clone + 'static>(store: &S) {
    let client = add_client(store, "fascicolo", us(0, 0)).await;
    let the_grant = grant(&client, citizen(8401), Some(Uuid::new_v4()), us(10, 0));
    answer(store, &client, &the_grant, "code").await;

    let access = token(&the_grant, "access", TokenKind::Access, us(610, 1));
    let refresh = token(&the_grant, "refresh", TokenKind::Refresh, us(8 * 3600, 2));
    let spent = Token { used_at: Some(us(11, 3)), ..token(&the_grant, "spent", TokenKind::Refresh, us(8 * 3600, 3)) };
    let audit_before = audit_len(store).await;
    let issued = AuditEvent::new(us(10, 17), Actor::Citizen, "oidc_tokens_issued")
        .fiscal_code(&the_grant.fiscal_code)
        .detail("client_id", client.id.clone());
    store.insert_tokens(&[access.clone(), refresh.clone(), spent.clone()], vec![issued.clone()]).await.unwrap();
    assert_eq!(audit_len(store).await, audit_before + 1);
    assert_eq!(whole_audit(store).await.last().unwrap().event, issued);
    for t in [&access, &refresh, &spent] {
        assert_eq!(store.token(&t.token_hash).await.unwrap(), Some((t.clone(), the_grant.clone())));
    }
    assert_eq!(store.token(&token_hash("unknown")).await.unwrap(), None);

    // A refresh token is used once; then it reads back as used at the first use.
    let first = store.use_refresh_token(&refresh.token_hash, us(50, 5)).await.unwrap();
    assert_eq!(first, Some((refresh.clone(), the_grant.clone())));
    let used = Token { used_at: Some(us(50, 5)), ..refresh.clone() };
    assert_eq!(
        store.use_refresh_token(&refresh.token_hash, us(51, 0)).await.unwrap(),
        Some((used.clone(), the_grant.clone()))
    );
    assert_eq!(store.token(&refresh.token_hash).await.unwrap(), Some((used, the_grant.clone())));
    assert_eq!(
        store.use_refresh_token(&spent.token_hash, us(52, 0)).await.unwrap(),
        Some((spent.clone(), the_grant.clone())),
        "stored used: a replay"
    );
    assert_eq!(store.use_refresh_token(&token_hash("unknown"), us(52, 0)).await.unwrap(), None);
    // An access token is no refresh token: not found as one, and left unused.
    assert_eq!(store.use_refresh_token(&access.token_hash, us(53, 0)).await.unwrap(), None);
    assert_eq!(store.token(&access.token_hash).await.unwrap(), Some((access.clone(), the_grant.clone())));

    // Tokens are stored all together or not at all, with their audit entries.
    let fresh = token(&the_grant, "fresh", TokenKind::Access, us(700, 0));
    let duplicate = Token { created_at: us(60, 0), ..access.clone() };
    let refused = store.insert_tokens(&[fresh.clone(), duplicate], vec![issued.clone(), issued.clone()]).await;
    assert!(refused.is_err(), "a token hash stored twice is refused");
    assert_eq!(store.token(&fresh.token_hash).await.unwrap(), None, "rolled back with it");
    assert_eq!(store.token(&access.token_hash).await.unwrap(), Some((access, the_grant.clone())));
    assert_eq!(audit_len(store).await, audit_before + 1, "its audit entries are rolled back");
    store.insert_tokens(&[], Vec::new()).await.unwrap();
    assert_unbroken_chain(store).await;
}

pub async fn concurrent_refreshes_one_wins<S: Store + Clone + 'static>(store: &S) {
    let client = add_client(store, "fascicolo", us(0, 0)).await;
    let the_grant = grant(&client, citizen(8501), None, us(10, 0));
    answer(store, &client, &the_grant, "code").await;
    let refresh = token(&the_grant, "contended-refresh", TokenKind::Refresh, us(8 * 3600, 0));
    store.insert_tokens(std::slice::from_ref(&refresh), Vec::new()).await.unwrap();

    let tasks: Vec<_> = (0..8i64)
        .map(|i| {
            let store = store.clone();
            let hash = refresh.token_hash.clone();
            tokio::spawn(async move { (i, store.use_refresh_token(&hash, us(20, i)).await) })
        })
        .collect();
    let mut winners = Vec::new();
    let mut replays = Vec::new();
    for task in tasks {
        let (i, result) = task.await.unwrap();
        let (seen, seen_grant) = result.unwrap().expect("the token exists");
        assert_eq!(seen_grant, the_grant);
        assert_eq!(Token { used_at: None, ..seen.clone() }, refresh);
        match seen.used_at {
            None => winners.push(i),
            Some(used_at) => replays.push(used_at),
        }
    }
    assert_eq!(winners.len(), 1, "exactly one use finds the refresh token unused");
    let won_at = us(20, winners[0]);
    assert_eq!(replays, vec![won_at; 7], "every other one sees the winner's use");
    assert_eq!(store.token(&refresh.token_hash).await.unwrap().unwrap().0.used_at, Some(won_at));
}

pub async fn revocations<S: Store + Clone + 'static>(store: &S) {
    let portal = add_client(store, "portale", us(0, 0)).await;
    let bonus = add_client(store, "bonus", us(0, 1)).await;
    let (session, other_session) = (Uuid::new_v4(), Uuid::new_v4());
    let code = citizen(8601);
    // Grants of one session across two clients, one of another session, one without a session.
    let p1 = grant(&portal, code, Some(session), us(10, 1));
    let p2 = grant(&portal, code, Some(session), us(11, 2));
    let b1 = grant(&bonus, code, Some(session), us(12, 3));
    let b2 = grant(&bonus, code, None, us(13, 4));
    let p3 = grant(&portal, code, Some(other_session), us(14, 5));
    let mut tokens = Vec::new();
    for (n, g) in [&p1, &p2, &b1, &b2, &p3].into_iter().enumerate() {
        answer(store, if g.client_id == portal.id { &portal } else { &bonus }, g, &format!("code-{n}")).await;
        let t = token(g, &format!("access-{n}"), TokenKind::Access, us(3_600, 0));
        store.insert_tokens(std::slice::from_ref(&t), Vec::new()).await.unwrap();
        tokens.push(t);
    }
    let [tp1, tp2, tb1, tb2, tp3] = <[Token; 5]>::try_from(tokens).unwrap();
    assert_eq!(store.grants_of_session(session).await.unwrap(), vec![p1.clone(), p2.clone(), b1.clone()]);
    assert_eq!(store.grants_of_session(other_session).await.unwrap(), vec![p3.clone()]);
    assert!(store.grants_of_session(Uuid::new_v4()).await.unwrap().is_empty());

    // Revoked grants leave their session's list; a revoked grant keeps its first revocation.
    let audit_before = audit_len(store).await;
    let logout = |at: OffsetDateTime| AuditEvent::new(at, Actor::Citizen, "oidc_grant_revoked").fiscal_code(&code);
    store.revoke_grants(&[p2.id], us(100, 7), vec![logout(us(100, 7))]).await.unwrap();
    assert_eq!(store.grants_of_session(session).await.unwrap(), vec![p1.clone(), b1.clone()]);
    store
        .revoke_grants(&[b1.id, p2.id, Uuid::new_v4()], us(200, 8), vec![logout(us(200, 8)), logout(us(200, 9))])
        .await
        .unwrap();
    assert_eq!(grant_via(store, &tp2).await.revoked_at, Some(us(100, 7)), "kept");
    assert_eq!(grant_via(store, &tb1).await.revoked_at, Some(us(200, 8)));
    assert_eq!(grant_via(store, &tp1).await.revoked_at, None);
    assert_eq!(store.grants_of_session(session).await.unwrap(), vec![p1.clone()]);
    assert_eq!(audit_len(store).await, audit_before + 3, "the revocations' audit entries");
    store.revoke_grants(&[], us(250, 0), Vec::new()).await.unwrap();

    // Removing a client revokes all its open grants, once.
    let removed = AuditEvent::new(us(300, 1), Actor::Operator("admin".to_owned()), "oidc_client_removed")
        .detail("client_id", portal.id.clone());
    assert!(store.disable_client(&portal.id, us(300, 1), removed.clone()).await.unwrap());
    assert_eq!(store.client(&portal.id).await.unwrap().unwrap().disabled_at, Some(us(300, 1)));
    assert_eq!(grant_via(store, &tp1).await.revoked_at, Some(us(300, 1)));
    assert_eq!(grant_via(store, &tp3).await.revoked_at, Some(us(300, 1)));
    assert_eq!(grant_via(store, &tp2).await.revoked_at, Some(us(100, 7)), "an earlier revocation is kept");
    assert_eq!(grant_via(store, &tb2).await.revoked_at, None, "another client's grant is untouched");
    assert_eq!(store.client(&bonus.id).await.unwrap(), Some(bonus.clone()));
    assert!(store.grants_of_session(session).await.unwrap().is_empty());
    assert!(store.grants_of_session(other_session).await.unwrap().is_empty());
    let audit = whole_audit(store).await;
    assert_eq!(audit.len(), audit_before + 4);
    assert_eq!(audit.last().unwrap().event, removed);

    // Removed already, or unknown: false, and nothing changes or is audited.
    assert!(!store.disable_client(&portal.id, us(400, 0), removed.clone()).await.unwrap());
    assert!(!store.disable_client("sconosciuto", us(400, 0), removed).await.unwrap());
    assert_eq!(store.client(&portal.id).await.unwrap().unwrap().disabled_at, Some(us(300, 1)));
    assert_eq!(grant_via(store, &tp1).await.revoked_at, Some(us(300, 1)));
    assert_eq!(audit_len(store).await, audit_before + 4);
    assert_unbroken_chain(store).await;
}

pub async fn pruning<S: Store + Clone + 'static>(store: &S) {
    let client = add_client(store, "fascicolo", us(0, 0)).await;
    let code = citizen(8701);
    let before = us(1_000, 0);

    // Grants (answered requests are gone already) with codes expiring at 600 and tokens.
    // g1: revoked before `before`, everything expired: all of it goes.
    // g2: revoked before, a token still valid: the token and the grant stay.
    // g3: not revoked: its expired code goes, the grant stays.
    // g4: revoked exactly at `before` (not before it): its code goes, the grant stays.
    let grants: Vec<Grant> = (0..4).map(|i| grant(&client, code, None, us(500 + i, 0))).collect();
    let mut codes = Vec::new();
    for (n, g) in grants.iter().enumerate() {
        let mut answered = code_of(g, &format!("prune-code-{n}"));
        answered.expires_at = us(600, 0);
        let request = bare_request(&client, g.created_at);
        store.insert_authorization_request(&request).await.unwrap();
        store.insert_grant(request.id, g, &answered, granted_event(g)).await.unwrap();
        codes.push(answered);
    }
    let [g1, g2, g3, g4] = <[Grant; 4]>::try_from(grants).unwrap();
    let t1 = token(&g1, "t1", TokenKind::Refresh, us(700, 0));
    let t2 = token(&g2, "t2", TokenKind::Refresh, us(5_000, 0));
    let t3 = token(&g3, "t3", TokenKind::Access, us(999, 999_999));
    store.insert_tokens(&[t1.clone(), t2.clone(), t3.clone()], Vec::new()).await.unwrap();
    store.revoke_grants(&[g1.id, g2.id], us(800, 0), Vec::new()).await.unwrap();
    store.revoke_grants(&[g4.id], before, Vec::new()).await.unwrap();

    // Requests: one expired before `before`, one expiring exactly at it, one later.
    let mut expired = bare_request(&client, us(100, 0));
    expired.expires_at = us(999, 999_999);
    let mut edge = bare_request(&client, us(100, 0));
    edge.expires_at = before;
    let mut later = full_request(&client, us(900, 0));
    later.expires_at = us(2_000, 0);
    for request in [&expired, &edge, &later] {
        store.insert_authorization_request(request).await.unwrap();
    }

    let audit_before = audit_len(store).await;
    // 1 request + 4 codes + 2 tokens (t1, t3) + 1 grant (g1).
    assert_eq!(store.prune_oidc(before).await.unwrap(), 8);
    assert_eq!(store.prune_oidc(before).await.unwrap(), 0, "nothing more to prune");
    assert_eq!(audit_len(store).await, audit_before, "pruning is not audited");

    assert_eq!(store.authorization_request(expired.id).await.unwrap(), None);
    assert_eq!(store.authorization_request(edge.id).await.unwrap(), Some(edge.clone()));
    assert_eq!(store.authorization_request(later.id).await.unwrap(), Some(later.clone()));
    for c in &codes {
        assert_eq!(store.redeem_code(&c.code_hash, us(1_100, 0)).await.unwrap(), None, "expired codes go");
    }
    assert_eq!(store.token(&t1.token_hash).await.unwrap(), None);
    assert_eq!(store.token(&t3.token_hash).await.unwrap(), None);
    let (kept, kept_grant) = store.token(&t2.token_hash).await.unwrap().expect("a valid token stays");
    assert_eq!(kept, t2);
    assert_eq!(kept_grant, Grant { revoked_at: Some(us(800, 0)), ..g2.clone() }, "with its revoked grant");
    // g1 is gone: nothing can hang from it any more. g3 stays.
    let orphan = token(&g1, "after-prune", TokenKind::Access, us(9_000, 0));
    assert!(store.insert_tokens(&[orphan], Vec::new()).await.is_err(), "g1 was deleted");
    let t3b = token(&g3, "t3b", TokenKind::Access, us(9_000, 0));
    store.insert_tokens(std::slice::from_ref(&t3b), Vec::new()).await.unwrap();
    assert_eq!(store.token(&t3b.token_hash).await.unwrap(), Some((t3b, g3)));

    // A moment later, `edge` has expired and g4 was revoked before it: both go.
    assert_eq!(store.prune_oidc(us(1_000, 1)).await.unwrap(), 2);
    assert_eq!(store.authorization_request(edge.id).await.unwrap(), None);
    let orphan = token(&g4, "after-second-prune", TokenKind::Access, us(9_000, 0));
    assert!(store.insert_tokens(&[orphan], Vec::new()).await.is_err(), "g4 was deleted");
}
