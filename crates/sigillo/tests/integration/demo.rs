//! `sigillo demo seed`.

use crate::harness::{Env, on_both_backends};

on_both_backends!(seed_fills_an_empty_registry_once);

async fn seed_fills_an_empty_registry_once(env: Env) {
    let run = env.run(&["demo", "seed", "--count", "120"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let codes: Vec<String> = run
        .stdout
        .lines()
        .filter_map(|line| line.split_whitespace().next())
        .filter(|word| word.len() == 16)
        .map(str::to_owned)
        .collect();
    assert!(codes.len() >= 3, "a few fiscal codes to try: {}", run.stdout);
    for code in &codes {
        let check = env.run(&["fiscal-code", "check", code]);
        assert_eq!(check.stdout.trim(), "valid", "{code}");
        let show = env.run(&["registry", "show", code]);
        assert_eq!(show.code, 0, "{code} is stored");
    }

    let again = env.run(&["demo", "seed", "--count", "120"]);
    assert_eq!(again.code, 0);
    assert!(again.stdout.contains("120"), "says how many are there: {}", again.stdout);

    let forced = env.run(&["demo", "seed", "--count", "10", "--seed", "99", "--force"]);
    assert_eq!(forced.code, 0, "{}", forced.stderr);
}
