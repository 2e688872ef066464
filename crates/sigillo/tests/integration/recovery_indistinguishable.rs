//! `POST /pin-recoveries` answers the same whatever matched (SPEC 4.8, issue 5 point 6, API.md):
//! same status, same body, about the same time; only a full match sends an e-mail.

use std::time::{Duration, Instant};

use crate::harness::{Env, on_both_backends};
use crate::pin_support::{
    Api, Reply, eligible_people, import_people, issue, kinds_after, message_paths, messages_for, serve,
    wait_for_recovery_mail,
};

on_both_backends!(unknown_wrong_and_right_answer_alike_and_only_a_match_mails, unknown_wrong_and_right_take_as_long);

fn assert_same(what: &str, reply: &Reply, reference: &Reply) {
    assert_eq!(reply.status, 202, "{what}: {reply}");
    assert_eq!(reply.status, reference.status, "{what}: {reply} vs {reference}");
    assert_eq!(reply.text, reference.text, "{what}: the same body byte for byte");
    assert_eq!(reply.header("content-type"), reference.header("content-type"), "{what}: content type");
}

async fn unknown_wrong_and_right_answer_alike_and_only_a_match_mails(env: Env) {
    let people = eligible_people(&env, 3);
    let (known, no_pin, unknown) = (&people[0], &people[1], &people[2]);
    import_people(&env, &[known, no_pin]);
    let server = serve(&env, &[]);
    let api = Api::new(&server);
    issue(&api, &env, known).await;
    let (mobile, email) = (known.get("mobile"), known.get("email"));

    let before = message_paths(&env, known.cf());
    let unknown_reply = api.request_recovery(unknown.cf(), [unknown.get("mobile"), unknown.get("email")]).await;
    let wrong_email = api.request_recovery(known.cf(), [mobile, "qualcun.altro@example.org"]).await;
    let wrong_both = api.request_recovery(known.cf(), ["+393409999999", "qualcun.altro@example.org"]).await;
    let no_pin_reply = api.request_recovery(no_pin.cf(), [no_pin.get("mobile"), no_pin.get("email")]).await;
    let right = api.request_recovery(known.cf(), [mobile, email]).await;

    assert_eq!(right.status, 202, "a match: {right}");
    assert_same("unknown fiscal code (valid, not in the registry)", &unknown_reply, &right);
    assert_same("known code, right mobile, wrong e-mail", &wrong_email, &right);
    assert_same("known code, both contacts wrong", &wrong_both, &right);
    assert_same("in the registry, right contacts, but no PIN", &no_pin_reply, &right);

    // Exactly one e-mail: the match's. Mail is delivered in order, so once it is there, any mail
    // for the earlier requests would be too (plus a second for good measure).
    let mail = wait_for_recovery_mail(&env, known.cf(), &before).await;
    assert_eq!(mail.message.json["to"], email, "{}", mail.message.json);
    let links = kinds_after(&env, known.cf(), "recovery_link", Duration::from_secs(1)).await;
    assert_eq!(links.len(), 1, "only the matching request sends a link: {links:?}");
    assert!(messages_for(&env, unknown.cf()).is_empty(), "nothing for an unknown code: {:?}", messages_for(&env, unknown.cf()));
    assert!(messages_for(&env, no_pin.cf()).is_empty(), "nothing without a PIN: {:?}", messages_for(&env, no_pin.cf()));
    let anything_to_them = crate::pin_support::mailbox(&env)
        .into_iter()
        .filter(|m| m.json["to"] == "qualcun.altro@example.org" || m.json["to"] == "+393409999999")
        .count();
    assert_eq!(anything_to_them, 0, "nothing to contacts not on file");
}

/// Mean response times of the three cases within 30% of one another (slowest quarter trimmed). Codes are used at most 5
/// times each (the per-code limit) and at most 60 requests are made in all (the per-address limit).
async fn unknown_wrong_and_right_take_as_long(env: Env) {
    const CODES: usize = 8;
    let people = eligible_people(&env, 2 * CODES + 2);
    let (known, rest) = people.split_at(CODES);
    let (unknown, warm) = rest.split_at(CODES);
    let (warm_unknown, warm_known) = (&warm[0], &warm[1]);
    let mut registry: Vec<_> = known.iter().collect();
    registry.push(warm_known);
    import_people(&env, &registry);
    let server = serve(&env, &[]);
    let api = Api::new(&server);
    for person in &registry {
        issue(&api, &env, person).await;
    }

    // Warm-up of each of the three paths (connection, caches, prepared statements, first writes),
    // with codes of their own.
    let reference =
        api.request_recovery(warm_unknown.cf(), [warm_unknown.get("mobile"), warm_unknown.get("email")]).await;
    assert_eq!(reference.status, 202, "{reference}");
    let warm_wrong = api.request_recovery(warm_known.cf(), [warm_known.get("mobile"), "x.y@example.org"]).await;
    assert_same("warm-up, wrong contacts", &warm_wrong, &reference);
    let warm_right = api.request_recovery(warm_known.cf(), [warm_known.get("mobile"), warm_known.get("email")]).await;
    assert_same("warm-up, right contacts", &warm_right, &reference);

    let (mut unknown_times, mut wrong_times, mut right_times) = (Vec::new(), Vec::new(), Vec::new());
    // Rounds interleave the three cases so that drift of the machine hits all alike.
    // Per known code: 2 wrong + 2 right ≤ 5; per unknown code: 2; 3 + 48 requests ≤ 60 in all.
    for round in 0..2 {
        for i in 0..CODES {
            let cases: [(&str, &str, [&str; 2], &mut Vec<Duration>); 3] = [
                ("unknown", unknown[i].cf(), [unknown[i].get("mobile"), unknown[i].get("email")], &mut unknown_times),
                ("wrong contacts", known[i].cf(), [known[i].get("mobile"), "qualcun.altro@example.org"], &mut wrong_times),
                ("right contacts", known[i].cf(), [known[i].get("mobile"), known[i].get("email")], &mut right_times),
            ];
            for (what, code, contacts, times) in cases {
                let start = Instant::now();
                let reply = api.request_recovery(code, contacts).await;
                times.push(start.elapsed());
                assert_same(&format!("{what}, round {round}, code {i}"), &reply, &reference);
            }
        }
    }
    // The slowest quarter of each case is dropped before averaging: on a shared machine a few
    // requests stall for reasons of their own (another process, a checkpoint), which would swamp a
    // systematic difference of a few milliseconds either way. What remains is compared as a mean.
    let mean = |times: &[Duration]| times.iter().sum::<Duration>().as_secs_f64() / times.len() as f64;
    let trimmed = |times: &[Duration]| {
        let mut sorted = times.to_vec();
        sorted.sort();
        sorted.truncate(times.len() - times.len() / 4);
        mean(&sorted)
    };
    let (u, w, r) = (trimmed(&unknown_times), trimmed(&wrong_times), trimmed(&right_times));
    let (lo, hi) = (u.min(w).min(r), u.max(w).max(r));
    eprintln!(
        "recovery request, trimmed mean: unknown {:.2} ms, wrong contacts {:.2} ms, right contacts {:.2} ms; ratio {:.2} \
         (plain means {:.2} / {:.2} / {:.2} ms)",
        u * 1e3,
        w * 1e3,
        r * 1e3,
        hi / lo,
        mean(&unknown_times) * 1e3,
        mean(&wrong_times) * 1e3,
        mean(&right_times) * 1e3,
    );
    assert!(
        hi / lo < 1.3,
        "timing tells the cases apart: unknown {unknown_times:?}\nwrong {wrong_times:?}\nright {right_times:?}"
    );
}
