//! Demo data: a synthetic but realistic registry of insured persons (`sigillo demo seed`).
//!
//! Every person has a valid fiscal code computed from their data (a small share as omocodes),
//! Italian-looking names, a birth place valid at the birth date, a residence in Italy or abroad,
//! a health card, contacts and a contribution history whose weeks add up to the registry's total.
//! Everything comes from one seed: the same seed gives the same registry, whether stored with
//! [`seed`] or written as CSV with [`write_csv`]. Every person passes the registry's own rules
//! ([`InsuredPerson::from_row`]), so a demo CSV imports without rejections.
//!
//! Persons of pension age also get monthly pension slips (see [`pensions`]), from which their
//! tax certificates (CU) are derived.
//!
//! Designed shares: about 10% under 52 weeks (not eligible online), 6% resident abroad, 7% born
//! abroad, 85% with a mobile, 90% with an e-mail, everyone with at least one of the two.

mod generator;
pub mod pensions;
// Tables, laid out by hand.
#[rustfmt::skip]
mod names;

#[cfg(test)]
mod tests;

use std::fmt;
use std::io::Write;

use anyhow::Context;
use sigillo_domain::fiscal_code::FiscalCode;
use sigillo_domain::pension::PensionSlip;
use sigillo_domain::registry::{COLUMNS, ContributionYear, InsuredPerson};
use sigillo_domain::store::Store;
use time::Date;

pub use generator::{DemoError, DemoGenerator};

/// Persons stored per transaction by [`seed`].
const SEED_BATCH: usize = 2_000;

/// What [`seed`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeedReport {
    pub inserted: u64,
    /// A few fiscal codes worth trying, one per kind of case.
    pub showcase: Vec<Showcase>,
}

/// A fiscal code to try in the demo, and what makes it interesting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Showcase {
    pub fiscal_code: FiscalCode,
    /// Given name and family name.
    pub name: String,
    /// One line, in Italian, e.g. "residente all'estero".
    pub note: &'static str,
}

impl fmt::Display for Showcase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}  {} — {}", self.fiscal_code, self.name, self.note)
    }
}

/// The kinds of showcase, in the order they are listed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Eligible,
    Under52Weeks,
    ResidentAbroad,
    NoMobile,
    Omocode,
    BornAbroad,
    Pensioner,
}

impl Kind {
    const ALL: [Kind; 7] = [
        Kind::Eligible,
        Kind::Under52Weeks,
        Kind::ResidentAbroad,
        Kind::NoMobile,
        Kind::Omocode,
        Kind::BornAbroad,
        Kind::Pensioner,
    ];

    fn note(self) -> &'static str {
        match self {
            Kind::Eligible => "52+ settimane, cellulare ed e-mail",
            Kind::Under52Weeks => "meno di 52 settimane: non idoneo online",
            Kind::ResidentAbroad => "residente all'estero",
            Kind::NoMobile => "senza cellulare: prima metà via e-mail",
            Kind::Omocode => "codice omocodico",
            Kind::BornAbroad => "nato all'estero (codice Z)",
            Kind::Pensioner => "pensionato/a: cedolini e Certificazione Unica",
        }
    }

    /// Whether `p` shows this kind; `pensioner`: the person has pension slips.
    fn fits(self, p: &InsuredPerson, pensioner: bool) -> bool {
        let eligible = p.contribution_weeks >= 52;
        let plain = !p.residence.is_abroad() && !p.fiscal_code.is_omocode() && !p.birth_place.starts_with('Z');
        match self {
            Kind::Eligible => eligible && plain && p.mobile.is_some() && p.email.is_some(),
            Kind::Under52Weeks => !eligible,
            Kind::ResidentAbroad => eligible && p.residence.is_abroad(),
            Kind::NoMobile => eligible && !p.residence.is_abroad() && p.mobile.is_none() && p.email.is_some(),
            Kind::Omocode => eligible && p.fiscal_code.is_omocode(),
            Kind::BornAbroad => eligible && !p.residence.is_abroad() && p.birth_place.starts_with('Z'),
            Kind::Pensioner => eligible && plain && pensioner && p.mobile.is_some() && p.email.is_some(),
        }
    }
}

/// Keeps the first person of each [`Kind`], one kind per person.
#[derive(Debug, Default)]
struct ShowcasePicker {
    found: [Option<Showcase>; Kind::ALL.len()],
}

impl ShowcasePicker {
    fn consider(&mut self, person: &InsuredPerson, pensioner: bool) {
        for (slot, kind) in self.found.iter_mut().zip(Kind::ALL) {
            if slot.is_none() && kind.fits(person, pensioner) {
                *slot = Some(Showcase {
                    fiscal_code: person.fiscal_code,
                    name: format!("{} {}", person.given_name, person.family_name),
                    note: kind.note(),
                });
                return;
            }
        }
    }

    fn done(&self) -> bool {
        self.found.iter().all(Option::is_some)
    }

    fn finish(self) -> Vec<Showcase> {
        self.found.into_iter().flatten().collect()
    }
}

/// Fills `store` with `count` synthetic persons, their contribution histories and (for those of
/// pension age) their pension slips, in batches of 2,000 per transaction. Persons are upserted by fiscal code: seeding twice with the same seed
/// rewrites the same persons. Refusing a registry that is not empty is the caller's choice.
pub async fn seed(store: &dyn Store, count: u64, seed: u64, today: Date) -> anyhow::Result<SeedReport> {
    let mut generator = DemoGenerator::new(seed, today);
    let mut picker = ShowcasePicker::default();
    let mut inserted = 0u64;
    let mut persons = Vec::with_capacity(SEED_BATCH);
    let mut histories: Vec<(FiscalCode, Vec<ContributionYear>)> = Vec::with_capacity(SEED_BATCH);
    let mut pension_lists: Vec<(FiscalCode, Vec<PensionSlip>)> = Vec::new();
    while inserted < count {
        let batch = usize::try_from(count - inserted).unwrap_or(SEED_BATCH).min(SEED_BATCH);
        persons.clear();
        histories.clear();
        pension_lists.clear();
        for _ in 0..batch {
            let (person, history) = generator.person()?;
            let slips = pensions::pension_slips(&person, today);
            if !picker.done() {
                picker.consider(&person, !slips.is_empty());
            }
            histories.push((person.fiscal_code, history));
            pension_lists.push((person.fiscal_code, slips));
            persons.push(person);
        }
        store.upsert_persons(&persons).await.context("storing demo persons")?;
        store.replace_contributions(&histories).await.context("storing demo contribution histories")?;
        store.replace_pension_slips(&pension_lists).await.context("storing demo pension slips")?;
        inserted += batch as u64;
        tracing::debug!(inserted, count, "demo registry batch stored");
    }
    tracing::info!(inserted, seed, backend = store.backend(), "demo registry seeded");
    Ok(SeedReport { inserted, showcase: picker.finish() })
}

/// Writes `count` synthetic persons as a registry CSV (header = [`COLUMNS`]): the same persons
/// [`seed`] would store for this seed. For import benchmarks and tests; `out` is buffered here.
pub fn write_csv<W: Write>(out: W, count: u64, seed: u64, today: Date) -> anyhow::Result<()> {
    let mut writer = csv::Writer::from_writer(out);
    writer.write_record(COLUMNS).context("writing the CSV header")?;
    let mut generator = DemoGenerator::new(seed, today);
    for _ in 0..count {
        let person = generator.next_person()?;
        writer.write_record(person.to_row()).context("writing a demo CSV row")?;
    }
    writer.flush().context("flushing the demo CSV")?;
    Ok(())
}
