//! Guessing and enumeration (SPEC 4.5, issue 4 point 6): throttling after 5 failures, and an
//! unknown fiscal code indistinguishable from a wrong PIN in status, body and timing.

use std::time::{Duration, Instant};

use crate::harness::{Env, on_both_backends};
use crate::pin_support::{Api, Halves, Reply, eligible_people, import_people, issue, serve};

on_both_backends!(five_wrong_pins_throttle_and_unknown_codes_answer_alike, unknown_codes_take_as_long_as_wrong_pins);

const WRONG: &str = "ABCDEFGHJKMNPQRS";

fn retry_after(reply: &Reply) -> Option<u64> {
    reply.header("retry-after").map(|v| v.trim().parse().unwrap_or_else(|_| panic!("Retry-After seconds: {v:?}")))
}

/// Six wrong logins in a row.
async fn six_wrong(api: &Api, fiscal_code: &str, halves: Option<&Halves>) -> Vec<Reply> {
    let mut replies = Vec::new();
    for _ in 0..6 {
        let wrong = match halves {
            Some(h) if h.pin() == WRONG => "BBBBBBBBCCCCCCCC",
            _ => WRONG,
        };
        replies.push(api.login(fiscal_code, wrong).await);
    }
    replies
}

async fn five_wrong_pins_throttle_and_unknown_codes_answer_alike(env: Env) {
    let people = eligible_people(&env, 3);
    let (known, registered, unknown) = (&people[0], &people[1], &people[2]);
    import_people(&env, &[known, registered]);
    let server = serve(&env, &[]);
    let api = Api::new(&server);
    let halves = issue(&api, &env, known).await;

    let known_replies = six_wrong(&api, known.cf(), Some(&halves)).await;
    for (i, reply) in known_replies[..5].iter().enumerate() {
        reply.assert_error(401, "invalid_credentials");
        assert!(reply.header("retry-after").is_none(), "attempt {}: not throttled yet: {reply}", i + 1);
    }
    let throttled = &known_replies[5];
    throttled.assert_error(429, "throttled");
    let wait = retry_after(throttled).unwrap_or_else(|| panic!("Retry-After on 429: {throttled}"));
    assert!(wait >= 1, "{throttled}");

    // Throttled means throttled: the right PIN does not get through either.
    let right = api.login(known.cf(), &halves.pin()).await;
    right.assert_error(429, "throttled");

    // A valid code not in the registry, and one in the registry without a PIN, look the same.
    for (what, code) in [("unknown", unknown.cf()), ("registered without a PIN", registered.cf())] {
        let replies = six_wrong(&api, code, None).await;
        for (i, (theirs, ours)) in replies.iter().zip(&known_replies).enumerate() {
            assert_eq!(theirs.status, ours.status, "{what}, attempt {}: {theirs} vs {ours}", i + 1);
            assert_eq!(theirs.body, ours.body, "{what}, attempt {}: same body", i + 1);
            match (retry_after(theirs), retry_after(ours)) {
                (None, None) => {}
                (Some(x), Some(y)) => assert!(x.abs_diff(y) <= 1, "{what}, attempt {}: Retry-After {x} vs {y}", i + 1),
                (x, y) => panic!("{what}, attempt {}: Retry-After {x:?} vs {y:?}", i + 1),
            }
        }
    }
    // A malformed code is a plain 401 or 422, never something that tells codes apart.
    let garbage = api.login("NOTACODE", WRONG).await;
    assert!(garbage.status == 401 || garbage.status == 422, "{garbage}");
    garbage.assert_error_shape();
}

async fn unknown_codes_take_as_long_as_wrong_pins(env: Env) {
    let people = eligible_people(&env, 8);
    let (known, unknown) = people.split_at(4);
    import_people(&env, &known.iter().collect::<Vec<_>>());
    let server = serve(&env, &[]);
    let api = Api::new(&server);
    for person in known {
        issue(&api, &env, person).await;
    }

    // Warm-up on the fourth pair, then attempts 1-4 of the first three codes of each kind,
    // interleaved, so neither side is throttled and drift hits both alike.
    for _ in 0..2 {
        assert_eq!(api.login(known[3].cf(), WRONG).await.status, 401);
        assert_eq!(api.login(unknown[3].cf(), WRONG).await.status, 401);
    }
    let mut known_times = Vec::new();
    let mut unknown_times = Vec::new();
    for i in 0..10 {
        for (code, times) in [(known[i / 4].cf(), &mut known_times), (unknown[i / 4].cf(), &mut unknown_times)] {
            let start = Instant::now();
            let reply = api.login(code, WRONG).await;
            times.push(start.elapsed());
            reply.assert_error(401, "invalid_credentials");
        }
    }
    let mean = |times: &[Duration]| times.iter().sum::<Duration>().as_secs_f64() / times.len() as f64;
    let (k, u) = (mean(&known_times), mean(&unknown_times));
    let ratio = k.max(u) / k.min(u);
    eprintln!("wrong PIN: mean {:.1} ms; unknown code: mean {:.1} ms; ratio {ratio:.2}", k * 1e3, u * 1e3);
    assert!(ratio < 1.3, "timing tells codes apart: known {known_times:?} unknown {unknown_times:?}");
}
