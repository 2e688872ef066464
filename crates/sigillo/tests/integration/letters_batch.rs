//! Print batches (issue 5 point 4): `sigillo letters batch` gathers every letter not yet printed
//! into one PDF plus a CSV manifest under `$SIGILLO_DATA_DIR/print/<batch>/` and marks them
//! printed; a second run finds nothing.

use std::collections::BTreeSet;

use crate::harness::{Env, on_both_backends};
use crate::pin_support::{Api, eligible_people, import_people, issue, letter_of, letters_batch, message_id, serve};

on_both_backends!(one_batch_gathers_every_waiting_letter_once);

async fn one_batch_gathers_every_waiting_letter_once(env: Env) {
    const N: usize = 3;
    let people = eligible_people(&env, N + 1);
    import_people(&env, &people.iter().collect::<Vec<_>>());
    let server = serve(&env, &[]);
    let api = Api::new(&server);

    assert!(letters_batch(&env).is_empty(), "no letters before any request");

    let mut halves = Vec::new();
    for person in &people[..N] {
        halves.push(issue(&api, &env, person).await);
    }
    let letters: BTreeSet<String> = people[..N].iter().map(|p| message_id(&letter_of(&env, p.cf()))).collect();
    assert_eq!(letters.len(), N);

    let batches = letters_batch(&env);
    assert_eq!(batches.len(), 1, "one batch: {batches:?}");
    let batch = &batches[0];
    assert_eq!(batch.letters, N, "{batch:?}");
    let folder = env.path("print").join(&batch.id);
    assert_eq!(batch.pdf, folder.join("letters.pdf"), "{batch:?}");
    assert_eq!(batch.manifest, folder.join("manifest.csv"), "{batch:?}");
    let pdf = std::fs::read(&batch.pdf).unwrap_or_else(|e| panic!("{}: {e}", batch.pdf.display()));
    assert!(pdf.starts_with(b"%PDF"), "letters.pdf is a PDF");
    let ids = batch.manifest_ids();
    assert_eq!(ids.len(), N, "one manifest row per letter: {ids:?}");
    assert_eq!(ids.iter().cloned().collect::<BTreeSet<_>>(), letters, "the manifest lists exactly the letters' ids");
    let manifest = std::fs::read_to_string(&batch.manifest).expect("manifest");
    for h in &halves {
        assert!(!manifest.contains(&h.second) && !manifest.contains(&h.first), "no half in the manifest");
    }

    assert!(letters_batch(&env).is_empty(), "a second run: no letters to print");

    // A later request goes into a later batch, alone.
    issue(&api, &env, &people[N]).await;
    let later = letters_batch(&env);
    assert_eq!(later.len(), 1, "{later:?}");
    assert_ne!(later[0].id, batch.id, "a new batch");
    assert_eq!(later[0].manifest_ids(), vec![message_id(&letter_of(&env, people[N].cf()))]);
    assert!(folder.join("letters.pdf").exists(), "the earlier batch stays");
}
