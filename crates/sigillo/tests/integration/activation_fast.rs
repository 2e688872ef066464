//! Attiva PIN (SPEC 4.3, issue 5 point 4, API.md): fiscal code + health card + first half + a
//! mobile + a channel and its contact → the second half at once over that channel. A letter not
//! yet printed is withdrawn (and then carries the same half); once printed, the PIN gets a new
//! second half and the printed one stops working.

use std::time::Duration;

use crate::harness::{Env, on_both_backends};
use crate::pin_support::{
    Api, Halves, Reply, activation_body, eligible_people, import_people, issue, kinds_after, letter_of, letters_batch,
    message_id, message_paths, other_half, serve, token_of, wait_for_new_message,
};

on_both_backends!(
    activation_sends_the_letters_half_at_once_and_withdraws_the_letter,
    activation_after_printing_sends_a_new_half,
);

const CONTACT: &str = "attivazione.rapida@example.org";

fn assert_refused(what: &str, reply: &Reply) {
    assert_eq!(reply.status, 401, "{what}: {reply}");
    reply.assert_error(401, "invalid_credentials");
}

async fn activation_sends_the_letters_half_at_once_and_withdraws_the_letter(env: Env) {
    let people = eligible_people(&env, 2);
    let (person, other) = (&people[0], &people[1]);
    import_people(&env, &[person, other]);
    let server = serve(&env, &[]);
    let api = Api::new(&server);
    let halves = issue(&api, &env, person).await;
    issue(&api, &env, other).await;
    let letter = letter_of(&env, person.cf());
    assert_eq!(letter.pin_half(), halves.second, "the letter carries the second half");
    let other_letter = message_id(&letter_of(&env, other.cf()));

    // Wrong data of any kind: 401 invalid_credentials, one answer for all.
    let wrong_half = api.activate_pin(&activation_body(person, &other_half(&halves.first), "email", CONTACT)).await;
    assert_refused("a wrong first half", &wrong_half);
    let mut body = activation_body(person, &halves.first, "email", CONTACT);
    let number = person.get("health_card_number");
    body["health_card_number"] = format!("{}{}", &number[..number.len() - 1], if number.ends_with('1') { "2" } else { "1" }).into();
    let wrong_card = api.activate_pin(&body).await;
    assert_refused("a wrong health-card number", &wrong_card);
    let mut body = activation_body(person, &halves.first, "email", CONTACT);
    body["fiscal_code"] = other.cf().into();
    let someone_else = api.activate_pin(&body).await;
    assert_refused("someone else's fiscal code with this first half and card", &someone_else);
    assert_eq!(wrong_half.body, wrong_card.body, "the answer does not say what was wrong");
    let seconds = kinds_after(&env, person.cf(), "pin_second_half", Duration::from_millis(500)).await;
    assert_eq!(seconds.len(), 1, "refused attempts send nothing: {seconds:?}");

    let known = message_paths(&env, person.cf());
    let reply = api.activate_pin(&activation_body(person, &halves.first, "email", CONTACT)).await;
    assert_eq!(reply.status, 200, "activation with the registry's card: {reply}");
    assert_eq!(reply.body["status"], "second_half_sent", "{reply}");
    assert_eq!(reply.body["channel"], "email", "{reply}");

    let mail = wait_for_new_message(&env, person.cf(), "pin_second_half", &known).await;
    assert_eq!(mail.channel, "email", "{}", mail.json);
    assert_eq!(mail.json["to"], CONTACT, "to the contact given: {}", mail.json);
    assert_eq!(mail.pin_half(), halves.second, "an unprinted letter's half is the one sent");
    let pin = Halves { first: halves.first.clone(), second: mail.pin_half() }.pin();
    assert_eq!(pin.len(), 16);
    let login = api.login_ok(person.cf(), &pin).await;
    assert_eq!(login["must_change_pin"], true, "first access with the activated PIN: {login}");
    assert_eq!(login["level"], "ordinario", "{login}");

    // The withdrawn letter is not printed; the other citizen's is.
    let batches = letters_batch(&env);
    let ids: Vec<String> = batches.iter().flat_map(|b| b.manifest_ids()).collect();
    assert!(ids.contains(&other_letter), "the other letter goes to print: {ids:?}");
    assert!(!ids.contains(&message_id(&letter)), "the withdrawn letter does not: {ids:?}");

    // Once the PIN is in use, the first half no longer activates anything.
    let changed = api.change_pin(&token_of(&login), &pin, person.good_pin(0)).await;
    assert_eq!(changed.status, 204, "{changed}");
    let late = api.activate_pin(&activation_body(person, &halves.first, "email", CONTACT)).await;
    assert_refused("activation of a PIN already in use", &late);
}

async fn activation_after_printing_sends_a_new_half(env: Env) {
    let people = eligible_people(&env, 1);
    let person = &people[0];
    import_people(&env, &[person]);
    let server = serve(&env, &[]);
    let api = Api::new(&server);
    let halves = issue(&api, &env, person).await;
    let letter = letter_of(&env, person.cf());

    let batches = letters_batch(&env);
    assert_eq!(batches.len(), 1, "{batches:?}");
    let batch = &batches[0];
    assert_eq!(batch.letters, 1, "{batch:?}");
    assert_eq!(batch.manifest_ids(), vec![message_id(&letter)], "the manifest lists the letter's message id");
    let pdf = std::fs::read(&batch.pdf).unwrap_or_else(|e| panic!("{}: {e}", batch.pdf.display()));
    assert!(pdf.starts_with(b"%PDF"), "letters.pdf is a PDF");
    assert_eq!(batch.pdf, env.path("print").join(&batch.id).join("letters.pdf"), "{batch:?}");
    assert_eq!(batch.manifest, env.path("print").join(&batch.id).join("manifest.csv"), "{batch:?}");

    let known = message_paths(&env, person.cf());
    let reply = api.activate_pin(&activation_body(person, &halves.first, "email", CONTACT)).await;
    assert_eq!(reply.status, 200, "activation works with the letter printed: {reply}");
    assert_eq!(reply.body["status"], "second_half_sent", "{reply}");
    assert_eq!(reply.body["channel"], "email", "{reply}");
    let mail = wait_for_new_message(&env, person.cf(), "pin_second_half", &known).await;
    assert_eq!(mail.channel, "email", "{}", mail.json);
    assert_eq!(mail.json["to"], CONTACT, "{}", mail.json);
    let new_second = mail.pin_half();
    assert_ne!(new_second, halves.second, "a printed letter cannot be withdrawn: a new second half");

    api.login(person.cf(), &halves.pin()).await.assert_error(401, "invalid_credentials");
    let login = api.login_ok(person.cf(), &format!("{}{new_second}", halves.first)).await;
    assert_eq!(login["must_change_pin"], true, "{login}");

    assert!(letters_batch(&env).is_empty(), "nothing left to print");
}
