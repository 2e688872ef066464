//! Guessing and enumeration (SPEC 4.5, issue 4 point 6): throttling after 5 failures, and an
//! unknown fiscal code indistinguishable from a wrong PIN in status, body and timing.

use std::time::{Duration, Instant};

use crate::harness::{Env, on_both_backends};
use crate::pin_support::{Api, Reply, eligible_people, import_people, issue, serve};

on_both_backends!(five_wrong_pins_throttle_and_unknown_codes_answer_alike, unknown_codes_take_as_long_as_wrong_pins);

const WRONG: &str = "ABCDEFGHJKMNPQRS";

fn retry_after(reply: &Reply) -> Option<u64> {
    reply.header("retry-after").map(|v| v.trim().parse().unwrap_or_else(|_| panic!("Retry-After seconds: {v:?}")))
}

/// The body with every run of digits replaced by `#`, and the numbers themselves: a message may
/// say how many seconds to wait, which depends on when the code was throttled.
fn shape(body: &serde_json::Value) -> (String, Vec<u64>) {
    let text = body.to_string();
    let mut shape = String::new();
    let mut numbers = Vec::new();
    let mut current: Option<u64> = None;
    for c in text.chars() {
        if let Some(d) = c.to_digit(10) {
            current = Some(current.unwrap_or(0) * 10 + u64::from(d));
        } else {
            if let Some(n) = current.take() {
                shape.push('#');
                numbers.push(n);
            }
            shape.push(c);
        }
    }
    (shape, numbers)
}

async fn five_wrong_pins_throttle_and_unknown_codes_answer_alike(env: Env) {
    let people = eligible_people(&env, 3);
    let (known, registered, unknown) = (&people[0], &people[1], &people[2]);
    import_people(&env, &[known, registered]);
    let server = serve(&env, &[]);
    let api = Api::new(&server);
    let halves = issue(&api, &env, known).await;
    let wrong = if halves.pin() == WRONG { "BBBBBBBBCCCCCCCC" } else { WRONG };

    // Six wrong logins on each code in turn: a known code with a PIN, a valid code not in the
    // registry, a registered code without a PIN. The throttle's remaining time is compared after
    // adding back the time elapsed from sending the 5th attempt to receiving the 6th answer.
    let codes = [("known", known.cf()), ("unknown", unknown.cf()), ("registered without a PIN", registered.cf())];
    let mut replies: Vec<Vec<Reply>> = vec![Vec::new(), Vec::new(), Vec::new()];
    let mut elapsed = [0.0_f64; 3];
    for (i, (_, code)) in codes.iter().enumerate() {
        let mut fifth_sent = Instant::now();
        for attempt in 1..=6 {
            if attempt == 5 {
                fifth_sent = Instant::now();
            }
            replies[i].push(api.login(code, wrong).await);
        }
        elapsed[i] = fifth_sent.elapsed().as_secs_f64();
    }

    for (i, (what, _)) in codes.iter().enumerate() {
        let seen: Vec<String> = replies[i]
            .iter()
            .map(|r| format!("{} {} {:?}", r.status, r.body["message"], r.header("retry-after")))
            .collect();
        eprintln!("{what}: {seen:#?}");
    }
    let known_replies = &replies[0];
    for (i, reply) in known_replies[..5].iter().enumerate() {
        reply.assert_error(401, "invalid_credentials");
        assert!(reply.header("retry-after").is_none(), "attempt {}: not throttled yet: {reply}", i + 1);
    }
    let throttled = &known_replies[5];
    throttled.assert_error(429, "throttled");
    let wait = retry_after(throttled).unwrap_or_else(|| panic!("Retry-After on 429: {throttled}"));
    assert!(wait >= 1, "{throttled}");

    for (c, (what, _)) in codes.iter().enumerate().skip(1) {
        for (i, (theirs, ours)) in replies[c].iter().zip(known_replies).enumerate() {
            assert_eq!(theirs.status, ours.status, "{what}, attempt {}: {theirs} vs {ours}", i + 1);
            let ((their_shape, their_numbers), (our_shape, our_numbers)) = (shape(&theirs.body), shape(&ours.body));
            assert_eq!(their_shape, our_shape, "{what}, attempt {}: same body: {theirs} vs {ours}", i + 1);
            assert_eq!(their_numbers.len(), our_numbers.len(), "{what}, attempt {}", i + 1);
            if their_numbers != our_numbers {
                assert_eq!(i, 5, "{what}, attempt {}: only a wait may differ: {theirs} vs {ours}", i + 1);
            }
            let mut their_headers: Vec<&str> = theirs.headers.keys().map(|k| k.as_str()).collect();
            let mut our_headers: Vec<&str> = ours.headers.keys().map(|k| k.as_str()).collect();
            their_headers.sort_unstable();
            our_headers.sort_unstable();
            assert_eq!(their_headers, our_headers, "{what}, attempt {}: same headers", i + 1);
            match (retry_after(theirs), retry_after(ours)) {
                (None, None) => {}
                (Some(x), Some(y)) => {
                    // The throttle window each implies: the wait plus the time since the 5th try.
                    let (their_window, our_window) = (x as f64 + elapsed[c], y as f64 + elapsed[0]);
                    assert!(
                        (their_window - our_window).abs() <= 1.5,
                        "{what}, attempt {}: Retry-After {x} after {:.1}s vs {y} after {:.1}s",
                        i + 1,
                        elapsed[c],
                        elapsed[0]
                    );
                }
                (x, y) => panic!("{what}, attempt {}: Retry-After {x:?} vs {y:?}", i + 1),
            }
        }
    }

    // Throttled means throttled: the right PIN does not get through either.
    let right = api.login(known.cf(), &halves.pin()).await;
    right.assert_error(429, "throttled");

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
    // The median: one request stalled by a busy machine (other tests run beside this one) must
    // not decide; a systematic difference (extra work for one kind) moves the median all the same.
    let median = |times: &[Duration]| {
        let mut sorted = times.to_vec();
        sorted.sort();
        (sorted[sorted.len() / 2 - 1] + sorted[sorted.len() / 2]).as_secs_f64() / 2.0
    };
    let (k, u) = (median(&known_times), median(&unknown_times));
    let ratio = k.max(u) / k.min(u);
    eprintln!("wrong PIN: median {:.1} ms; unknown code: median {:.1} ms; ratio {ratio:.2}", k * 1e3, u * 1e3);
    assert!(ratio < 1.3, "timing tells codes apart: known {known_times:?} unknown {unknown_times:?}");
}
