//! Exactly-once delivery of the outbox (SPEC 6): two `serve` processes on one database share the
//! work without sending anything twice, and a process killed with SIGKILL mid-delivery loses
//! nothing and duplicates nothing once another node takes over.

use std::time::{Duration, Instant};

use crate::harness::{Env, on_both_backends};
use crate::pin_support::{Api, Person, eligible_people, import_people, mailbox, serve};

const PEOPLE: usize = 16;

/// Waits (up to 30 s) until every person has both halves, then a little longer, and checks that
/// each has exactly one first half and one second half: nothing lost, nothing doubled.
async fn assert_each_delivered_once(env: &Env, people: &[Person]) {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if mailbox(env).len() >= people.len() * 2 || Instant::now() > deadline {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // Give a worker that would deliver twice the time to do it.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let messages = mailbox(env);
    for person in people {
        let mine: Vec<_> = messages
            .iter()
            .filter(|m| m.json["fiscal_code"].as_str().is_some_and(|c| c.eq_ignore_ascii_case(person.cf())))
            .collect();
        let firsts = mine.iter().filter(|m| m.kind() == "pin_first_half").count();
        let seconds = mine.iter().filter(|m| m.kind() == "pin_second_half").count();
        assert_eq!((firsts, seconds), (1, 1), "{}: {:?}", person.cf(), mine.iter().map(|m| &m.path).collect::<Vec<_>>());
    }
    assert_eq!(messages.len(), people.len() * 2);
}

async fn two_nodes_share_the_outbox(env: Env) {
    let people = eligible_people(&env, PEOPLE);
    import_people(&env, &people.iter().collect::<Vec<_>>());
    let a = serve(&env, &[]);
    let b = serve(&env, &[]);
    let (api_a, api_b) = (Api::new(&a), Api::new(&b));
    let mut replies = Vec::new();
    for (i, person) in people.iter().enumerate() {
        let api = if i % 2 == 0 { &api_a } else { &api_b };
        replies.push(api.request_pin(person));
    }
    for reply in futures_all(replies).await {
        assert_eq!(reply.status, 201, "{}", reply.text);
    }
    assert_each_delivered_once(&env, &people).await;
    let verify = env.run(&["audit", "verify"]);
    assert_eq!(verify.code, 0, "{}{}", verify.stdout, verify.stderr);
}

async fn a_killed_node_loses_nothing(env: Env) {
    let people = eligible_people(&env, PEOPLE);
    import_people(&env, &people.iter().collect::<Vec<_>>());
    // A short lease: what the killed node held goes to the other node after 3 s, not 2 minutes.
    let lease = [("SIGILLO_DELIVERY_LEASE", "3s")];
    let mut a = serve(&env, &lease);
    let api = Api::new(&a);
    let replies = futures_all(people.iter().map(|p| api.request_pin(p)).collect()).await;
    for reply in replies {
        assert_eq!(reply.status, 201, "{}", reply.text);
    }
    // SIGKILL right after the requests were accepted: the worker is mid-delivery or has not started.
    a.server.child.kill().expect("kill -9");
    let _ = a.server.child.wait();
    let b = serve(&env, &lease);
    assert_each_delivered_once(&env, &people).await;
    drop(b);
}

/// Awaits all futures, started together.
async fn futures_all<F: std::future::Future>(futures: Vec<F>) -> Vec<F::Output> {
    let mut pinned: Vec<_> = futures.into_iter().map(Box::pin).collect();
    let mut outputs: Vec<Option<F::Output>> = pinned.iter().map(|_| None).collect();
    std::future::poll_fn(|cx| {
        let mut pending = false;
        for (future, output) in pinned.iter_mut().zip(outputs.iter_mut()) {
            if output.is_none() {
                match future.as_mut().poll(cx) {
                    std::task::Poll::Ready(value) => *output = Some(value),
                    std::task::Poll::Pending => pending = true,
                }
            }
        }
        if pending { std::task::Poll::Pending } else { std::task::Poll::Ready(()) }
    })
    .await;
    outputs.into_iter().flatten().collect()
}

on_both_backends!(two_nodes_share_the_outbox, a_killed_node_loses_nothing);
