//! The sunset of PINs (SPEC 4.10, issue 5 point 5, API.md): after `SIGILLO_ISSUANCE_CUTOFF` new
//! requests answer 410 `issuance_closed` (use SPID, CIE or CNS); before `SIGILLO_ANNULMENT_DATE`
//! owners of live PINs get one `sunset_notice`; `sigillo admin annul`, or the server itself once
//! the date has passed, annuls every live PIN; an annulled PIN logs in to 403 `pin_annulled`.

use std::time::{Duration, Instant};

use crate::harness::{Env, on_both_backends};
use crate::pin_support::{
    Api, activate, eligible_people, import_people, issue, messages_for, rfc3339_from_now, serve, token_of,
    wait_for_kinds,
};

on_both_backends!(
    after_the_cutoff_requests_answer_issuance_closed,
    owners_are_told_once_then_admin_annul_ends_every_pin,
    a_past_annulment_date_annuls_pins_by_itself,
);

const WRONG_PIN: &str = "ABCDEFGHJKMNPQRS";

fn sunset_notices(env: &Env, fiscal_code: &str) -> usize {
    messages_for(env, fiscal_code).iter().filter(|m| m.kind() == "sunset_notice").count()
}

async fn after_the_cutoff_requests_answer_issuance_closed(env: Env) {
    let people = eligible_people(&env, 2);
    let (early, late) = (&people[0], &people[1]);
    import_people(&env, &[early, late]);

    // Before the cut-off, requests are served as usual.
    let future = rfc3339_from_now(86_400);
    let server = serve(&env, &[("SIGILLO_ISSUANCE_CUTOFF", future.as_str())]);
    let api = Api::new(&server);
    let halves = issue(&api, &env, early).await;
    assert_eq!(server.terminate().0, 0);

    let past = rfc3339_from_now(-3600);
    let server = serve(&env, &[("SIGILLO_ISSUANCE_CUTOFF", past.as_str())]);
    let api = Api::new(&server);
    let reply = api.request_pin(late).await;
    reply.assert_error(410, "issuance_closed");
    let message = reply.body["message"].as_str().unwrap_or_default();
    assert!(message.contains("SPID"), "tells the citizen to use SPID: {reply}");
    assert!(message.contains("CIE") && message.contains("CNS"), "…, CIE or CNS: {reply}");
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert!(messages_for(&env, late.cf()).is_empty(), "no PIN sent after the cut-off: {:?}", messages_for(&env, late.cf()));

    // PINs issued before keep working until the annulment date.
    let login = api.login_ok(early.cf(), &halves.pin()).await;
    assert_eq!(login["must_change_pin"], true, "{login}");
}

async fn owners_are_told_once_then_admin_annul_ends_every_pin(env: Env) {
    let people = eligible_people(&env, 4);
    let (active, issued, no_pin, revoked) = (&people[0], &people[1], &people[2], &people[3]);
    import_people(&env, &[active, issued, no_pin, revoked]);

    let server = serve(&env, &[]);
    let api = Api::new(&server);
    let pin = active.good_pin(0);
    activate(&api, &env, active, pin).await;
    let halves = issue(&api, &env, issued).await;
    issue(&api, &env, revoked).await;
    let reply = api.revoke_with_card(revoked.cf(), revoked.get("health_card_number"), revoked.get("health_card_expiry")).await;
    assert_eq!(reply.status, 204, "{reply}");
    assert_eq!(server.terminate().0, 0);

    // A few minutes ahead (not one: the story must be done before the server would annul by itself).
    let annulment = rfc3339_from_now(180);
    let cutoff = rfc3339_from_now(-3600);
    let dates = [("SIGILLO_ISSUANCE_CUTOFF", cutoff.as_str()), ("SIGILLO_ANNULMENT_DATE", annulment.as_str())];
    let server = serve(&env, &dates);
    let api = Api::new(&server);
    for owner in [active, issued] {
        let messages = wait_for_kinds(&env, owner.cf(), &["sunset_notice"], 1).await;
        let notice = messages.iter().find(|m| m.kind() == "sunset_notice").expect("notice");
        assert!(
            notice.json["to"] == owner.get("email") || notice.json["to"] == owner.get("mobile"),
            "to a contact of the owner: {}",
            notice.json
        );
    }
    tokio::time::sleep(Duration::from_secs(3)).await; // more than one round of the server's sweep
    assert_eq!(sunset_notices(&env, active.cf()), 1, "exactly one notice for the active PIN");
    assert_eq!(sunset_notices(&env, issued.cf()), 1, "exactly one notice for the issued PIN");
    assert_eq!(sunset_notices(&env, no_pin.cf()), 0, "no PIN, no notice");
    assert_eq!(sunset_notices(&env, revoked.cf()), 0, "a revoked PIN is not live: no notice");

    // Until the date, PINs keep working.
    let session = token_of(&api.login_ok(active.cf(), pin).await);

    // A restart does not send them again.
    assert_eq!(server.terminate().0, 0);
    let server = serve(&env, &dates);
    let api = Api::new(&server);
    tokio::time::sleep(Duration::from_secs(5)).await;
    assert_eq!(sunset_notices(&env, active.cf()), 1, "no second notice after a restart");
    assert_eq!(sunset_notices(&env, issued.cf()), 1, "no second notice after a restart");

    // The batch, run while the server is up.
    let run = env.run(&["admin", "annul"]);
    assert_eq!(run.code, 0, "admin annul: {} {}", run.stdout, run.stderr);
    assert_eq!(run.stdout.trim(), "annulled 2 credentials", "the active and the issued PIN: {}", run.stderr);

    api.login(active.cf(), pin).await.assert_error(403, "pin_annulled");
    api.login(issued.cf(), &halves.pin()).await.assert_error(403, "pin_annulled");
    api.login(active.cf(), active.good_pin(1)).await.assert_error(401, "invalid_credentials");
    api.login(issued.cf(), WRONG_PIN).await.assert_error(401, "invalid_credentials");
    let me = api.get("/me", &session).await;
    assert_eq!(me.status, 401, "sessions end with the annulment: {me}");
    api.request_pin(no_pin).await.assert_error(410, "issuance_closed");

    let again = env.run(&["admin", "annul"]);
    assert_eq!(again.code, 0, "{}", again.stderr);
    assert_eq!(again.stdout.trim(), "annulled 0 credentials", "nothing left to annul");
    let reply = api.login(active.cf(), pin).await;
    reply.assert_error(403, "pin_annulled");
}

async fn a_past_annulment_date_annuls_pins_by_itself(env: Env) {
    let people = eligible_people(&env, 2);
    let (active, issued) = (&people[0], &people[1]);
    import_people(&env, &[active, issued]);

    let server = serve(&env, &[]);
    let api = Api::new(&server);
    let pin = active.good_pin(0);
    activate(&api, &env, active, pin).await;
    let halves = issue(&api, &env, issued).await;
    assert_eq!(server.terminate().0, 0);

    let past = rfc3339_from_now(-60);
    let server = serve(&env, &[("SIGILLO_ANNULMENT_DATE", past.as_str())]);
    let api = Api::new(&server);
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut last = api.login(active.cf(), pin).await;
    while last.status != 403 && Instant::now() < deadline {
        assert_eq!(last.status, 200, "until it is annulled, the PIN works: {last}");
        tokio::time::sleep(Duration::from_millis(500)).await;
        last = api.login(active.cf(), pin).await;
    }
    last.assert_error(403, "pin_annulled");
    api.login(issued.cf(), &halves.pin()).await.assert_error(403, "pin_annulled");
    api.login(active.cf(), active.good_pin(1)).await.assert_error(401, "invalid_credentials");

    let run = env.run(&["admin", "annul"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.stdout.trim(), "annulled 0 credentials", "the server annulled them all already");
}
