//! The demo registry as a new user meets it: `sigillo demo seed` suggests fiscal codes, each of a
//! different kind (eligible, too few weeks, resident abroad, no mobile, omocodia, born abroad);
//! each is requested with its stored data and answered as API.md says. An eligible person's
//! contribution statement comes from the registry's history, by year and employer.

use crate::harness::{Env, on_both_backends};
use crate::pin_support::{Api, activate, seeded_people, serve, wait_for_kinds};

on_both_backends!(every_suggested_code_gets_its_answer, the_statement_adds_up_by_year_and_employer);

async fn every_suggested_code_gets_its_answer(env: Env) {
    let people = seeded_people(&env, 80);
    assert!(people.len() >= 3, "a few codes to try");
    let server = serve(&env, &[]);
    let api = Api::new(&server);
    for person in &people {
        let reply = api.request_pin(person).await;
        let abroad = person.get("country") != "IT";
        if person.weeks() < 52 {
            reply.assert_error(403, "not_eligible_online");
            continue;
        }
        assert_eq!(reply.status, 201, "{} (country {}): {reply}", person.cf(), person.get("country"));
        assert_eq!(reply.body["status"], "issued", "{}: {reply}", person.cf());
        let expected = if person.get("mobile").is_empty() { "email" } else { "sms" };
        assert_eq!(reply.body["first_half_channel"], expected, "{}: {reply}", person.cf());
        let messages = wait_for_kinds(&env, person.cf(), &["pin_first_half", "pin_second_half"], 1).await;
        let letter = messages.iter().find(|m| m.kind() == "pin_second_half").expect("letter");
        assert_eq!(letter.channel, "letter", "{}", letter.json);
        let pdf = std::fs::read(letter.path.with_extension("pdf")).expect("letter PDF");
        assert!(pdf.starts_with(b"%PDF"), "{} (abroad: {abroad})", person.cf());
    }
}

async fn the_statement_adds_up_by_year_and_employer(env: Env) {
    let people = seeded_people(&env, 80);
    let person = people
        .iter()
        .find(|p| p.weeks() >= 52 && !p.get("mobile").is_empty() && p.get("country") == "IT")
        .expect("an eligible suggested person");
    let server = serve(&env, &[]);
    let api = Api::new(&server);
    let token = activate(&api, &env, person, person.good_pin(0)).await;

    let reply = api.get("/me/contributions", &token).await;
    assert_eq!(reply.status, 200, "{reply}");
    assert_eq!(reply.body["total_weeks"].as_u64(), Some(person.weeks()), "{reply}");
    let years = reply.body["years"].as_array().expect("years");
    assert!(!years.is_empty(), "a history for a seeded person: {reply}");
    let mut sum = 0;
    for year in years {
        assert!(year["year"].as_i64().is_some_and(|y| (1900..=2100).contains(&y)), "{year}");
        assert!(year["employer"].as_str().is_some_and(|e| !e.trim().is_empty()), "{year}");
        let weeks = year["weeks"].as_u64().expect("weeks");
        assert!(weeks <= 53, "at most a year's weeks per line: {year}");
        sum += weeks;
    }
    assert_eq!(sum, person.weeks(), "years add up to total_weeks: {reply}");
}
