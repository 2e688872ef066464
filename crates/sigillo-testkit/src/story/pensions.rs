//! Pension slips: replaced per person, listed newest month first, tied to the registry, and the
//! same on every backend.

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic, reason = "test support: failing loudly is its job")]

use sigillo_domain::pension::{PensionKind, PensionSlip, TaxCertificate};
use sigillo_domain::store::{Store, StoreError};

use super::support::registered;
use crate::fixtures::person;

fn slip(year: i32, month: u8, kind: PensionKind, gross: i64) -> PensionSlip {
    // Large enough that a 32-bit column would overflow over a year's totals.
    PensionSlip::with_net(year, month, kind, gross, gross / 5, 1_250).expect("a valid slip")
}

/// A year of old-age pension, and a survivor's pension in the last months.
fn pensioner_slips() -> Vec<PensionSlip> {
    let mut slips: Vec<PensionSlip> = (1..=12).map(|m| slip(2025, m, PensionKind::Vecchiaia, 2_345_678)).collect();
    slips.extend((1..=3).map(|m| slip(2026, m, PensionKind::Vecchiaia, 2_400_000)));
    slips.push(slip(2026, 3, PensionKind::Reversibilita, 61_099));
    slips.push(slip(2026, 2, PensionKind::Reversibilita, 61_099));
    slips
}

/// Round trip with every field, newest month first then by kind; replacing drops what is not in
/// the new list; two persons in one call; a person without slips has none.
pub async fn pension_slips_round_trip<S: Store + Clone + 'static>(store: &S) {
    let pensioner = registered(store, 7001).await;
    let other = registered(store, 7002).await;
    assert_eq!(store.pension_slips(&pensioner).await.expect("pension_slips"), vec![], "none yet");

    store.replace_pension_slips(&[(pensioner, pensioner_slips())]).await.expect("replace");
    let stored = store.pension_slips(&pensioner).await.expect("pension_slips");
    assert_eq!(stored.len(), 17);
    let order: Vec<(i32, u8, PensionKind)> = stored.iter().take(4).map(|s| (s.year(), s.month(), s.kind())).collect();
    assert_eq!(
        order,
        [
            (2026, 3, PensionKind::Vecchiaia),
            (2026, 3, PensionKind::Reversibilita),
            (2026, 2, PensionKind::Vecchiaia),
            (2026, 2, PensionKind::Reversibilita),
        ]
    );
    assert_eq!(stored.last(), Some(&slip(2025, 1, PensionKind::Vecchiaia, 2_345_678)));
    let mut expected = pensioner_slips();
    expected.sort_by_key(|s| (std::cmp::Reverse((s.year(), s.month())), s.kind()));
    assert_eq!(stored, expected, "every field round-trips");

    let cu = TaxCertificate::of_year(2025, &stored).expect("a 2025 certificate");
    assert_eq!(cu.gross_cents, 12 * 2_345_678, "cents add up beyond 32 bits of a month");
    assert_eq!(cu.months, 12);

    let theirs = vec![slip(2026, 1, PensionKind::Invalidita, 90_000)];
    store
        .replace_pension_slips(&[
            (pensioner, vec![slip(2026, 4, PensionKind::Vecchiaia, 2_400_000)]),
            (other, theirs.clone()),
        ])
        .await
        .expect("replace two");
    assert_eq!(
        store.pension_slips(&pensioner).await.expect("pension_slips"),
        vec![slip(2026, 4, PensionKind::Vecchiaia, 2_400_000)]
    );
    assert_eq!(store.pension_slips(&other).await.expect("pension_slips"), theirs);

    // The same person twice in one call: the later list wins; an empty list clears.
    store
        .replace_pension_slips(&[(other, vec![slip(2020, 1, PensionKind::AssegnoSociale, 50_000)]), (other, vec![])])
        .await
        .expect("replace twice");
    assert_eq!(store.pension_slips(&other).await.expect("pension_slips"), vec![]);
    assert_eq!(store.pension_slips(&person(7003).fiscal_code).await.expect("pension_slips"), vec![]);
}

/// An unknown fiscal code or a month listed twice fails the whole call: nothing of it is stored.
pub async fn pension_slips_all_or_nothing<S: Store + Clone + 'static>(store: &S) {
    let known = registered(store, 7011).await;
    let kept = vec![slip(2025, 12, PensionKind::Vecchiaia, 150_000)];
    store.replace_pension_slips(&[(known, kept.clone())]).await.expect("replace");
    let unknown = person(7012).fiscal_code;

    let result = store
        .replace_pension_slips(&[(known, vec![slip(2026, 1, PensionKind::Vecchiaia, 10_000)]), (unknown, kept.clone())])
        .await;
    assert!(result.is_err(), "an unknown fiscal code must fail the call");
    assert!(!matches!(result, Err(StoreError::Unavailable(_))), "not a connection problem: {result:?}");
    assert_eq!(store.pension_slips(&known).await.expect("pension_slips"), kept, "nothing of the call is stored");

    let twice = vec![slip(2026, 1, PensionKind::Vecchiaia, 10_000), slip(2026, 1, PensionKind::Vecchiaia, 20_000)];
    assert!(store.replace_pension_slips(&[(known, twice)]).await.is_err(), "the same month and kind twice");
    assert_eq!(store.pension_slips(&known).await.expect("pension_slips"), kept);
    let both = vec![slip(2026, 1, PensionKind::Vecchiaia, 10_000), slip(2026, 1, PensionKind::Reversibilita, 20_000)];
    store.replace_pension_slips(&[(known, both)]).await.expect("two kinds in one month are two slips");
}
