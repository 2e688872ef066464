//! Demo pension payments: who draws a pension, of which kind, and the monthly slips since January
//! two years back, derived from the person alone (fiscal code, birth date, weeks), so seeding
//! does not disturb the random stream that makes the persons.
//!
//! The rules are a plausible simplification of the real ones: an old-age pension from 67 with at
//! least 20 years of contributions (the social allowance without them), an early pension from 62
//! with at least 41 years and a half, a survivor's pension for some over 70; amounts grow with the
//! weeks worked and by 0.8% a year; December pays the thirteenth month too; IRPEF by the 2025
//! brackets with the pensioners' deduction, plus 2% of regional and municipal surcharges.

use sigillo_domain::pension::{PensionKind, PensionSlip};
use sigillo_domain::registry::InsuredPerson;
use time::Date;

/// Age of the old-age pension.
const OLD_AGE: i32 = 67;
/// Earliest age of the early pension in the demo.
const EARLY_AGE: i32 = 62;
/// 20 years of contributions.
const OLD_AGE_WEEKS: u32 = 20 * 52;
/// 41 years and 6 months.
const EARLY_WEEKS: u32 = 41 * 52 + 26;
/// The social allowance of 2025, a month, in cents.
const SOCIAL_ALLOWANCE_CENTS: i64 = 53_869;

/// FNV-1a of the fiscal code: the person's own dice.
fn dice(person: &InsuredPerson, salt: u64) -> u64 {
    person
        .fiscal_code
        .as_str()
        .bytes()
        .fold(0xcbf2_9ce4_8422_2325 ^ salt, |h, b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3))
}

fn age_on(birth: Date, on: Date) -> i32 {
    let had_birthday = (on.month(), on.day()) >= (birth.month(), birth.day());
    on.year() - birth.year() - i32::from(!had_birthday)
}

/// The first month (year, month) a pension is paid after reaching `age`: the month after the birthday.
fn first_month_at(birth: Date, age: i32) -> (i32, u8) {
    let month = u8::from(birth.month());
    if month == 12 { (birth.year() + age + 1, 1) } else { (birth.year() + age, month + 1) }
}

/// Whether the demo gives this person a pension on `today`.
pub fn is_pensioner(person: &InsuredPerson, today: Date) -> bool {
    let age = age_on(person.birth_date, today);
    age >= OLD_AGE || (age >= EARLY_AGE && person.contribution_weeks >= EARLY_WEEKS)
}

/// The person's slips from January two years before `today` to `today`'s month (pensions are paid
/// on the month's first banking day), oldest first; empty for whoever draws no pension.
pub fn pension_slips(person: &InsuredPerson, today: Date) -> Vec<PensionSlip> {
    if !is_pensioner(person, today) {
        return Vec::new();
    }
    let weeks = person.contribution_weeks;
    let age = age_on(person.birth_date, today);
    let (kind, start) = if age >= OLD_AGE && weeks < OLD_AGE_WEEKS {
        (PensionKind::AssegnoSociale, first_month_at(person.birth_date, OLD_AGE))
    } else if weeks >= EARLY_WEEKS {
        let age_at_start = EARLY_AGE + i32::try_from(dice(person, 1) % 4).unwrap_or(0);
        (PensionKind::Anticipata, first_month_at(person.birth_date, age_at_start.min(age)))
    } else {
        (PensionKind::Vecchiaia, first_month_at(person.birth_date, OLD_AGE))
    };
    // 300 € plus 0.85 € a week, ±15% by the person's dice.
    let spread = i64::try_from(dice(person, 2) % 31).unwrap_or(15) - 15;
    let base = (30_000 + i64::from(weeks) * 85) * (100 + spread) / 100;
    let survivor = (age >= 70 && dice(person, 3).is_multiple_of(5))
        .then(|| 40_000 + i64::try_from(dice(person, 4) % 80_000).unwrap_or(0));
    let union_dues = dice(person, 5).is_multiple_of(4);

    let first_year = today.year() - 2;
    let mut slips = Vec::new();
    for year in first_year..=today.year() {
        let last_month = if year == today.year() { u8::from(today.month()) } else { 12 };
        for month in 1..=last_month {
            let paid = |from: (i32, u8)| (year, month) >= from;
            let indexation = |cents: i64| cents * (1000 + 8 * i64::from(year - 2025)) / 1000;
            if paid(start) {
                let monthly = if kind == PensionKind::AssegnoSociale { SOCIAL_ALLOWANCE_CENTS } else { base };
                slips.extend(slip(year, month, kind, indexation(monthly), union_dues));
            }
            if let Some(survivor) = survivor {
                slips.extend(slip(year, month, PensionKind::Reversibilita, indexation(survivor), false));
            }
        }
    }
    slips
}

/// One month's slip: December pays the thirteenth month too.
fn slip(year: i32, month: u8, kind: PensionKind, monthly: i64, union_dues: bool) -> Option<PensionSlip> {
    let months_paid = if month == 12 { 2 } else { 1 };
    let gross = monthly * months_paid;
    let tax = if kind == PensionKind::AssegnoSociale { 0 } else { yearly_tax(monthly * 13) * months_paid / 13 };
    let other = if union_dues { gross / 200 } else { 0 };
    PensionSlip::with_net(year, month, kind, gross, tax, other).ok()
}

/// IRPEF of a year's pension income in cents: 2025 brackets (23% to 28,000 €, 35% to 50,000 €,
/// 43% beyond), less the pensioners' deduction, plus 2% of surcharges; nothing up to 8,500 €.
fn yearly_tax(income: i64) -> i64 {
    const NO_TAX_AREA: i64 = 850_000;
    if income <= NO_TAX_AREA {
        return 0;
    }
    let bracket = |from: i64, to: i64, rate: i64| (income.min(to) - from).max(0) * rate / 100;
    let gross_tax = bracket(0, 2_800_000, 23) + bracket(2_800_000, 5_000_000, 35) + bracket(5_000_000, i64::MAX, 43);
    let deduction = if income <= 2_800_000 {
        70_000 + 125_500 * (2_800_000 - income) / 1_950_000
    } else if income <= 5_000_000 {
        70_000 * (5_000_000 - income) / 2_200_000
    } else {
        0
    };
    (gross_tax - deduction).max(0) + income * 2 / 100
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "tests fail by panicking")]

    use time::macros::date;

    use super::*;
    use crate::demo::DemoGenerator;

    const TODAY: Date = date!(2026 - 11 - 25);

    #[test]
    fn tax_follows_the_brackets() {
        assert_eq!(yearly_tax(800_000), 0, "no-tax area");
        // 20,000 €: 4,600 − (700 + 1,255 × 8/19.5 = 1,214.87) + 400 surcharges.
        assert_eq!(yearly_tax(2_000_000), 460_000 - 121_487 + 40_000);
        assert!(yearly_tax(6_000_000) > yearly_tax(4_000_000));
    }

    #[test]
    fn pensioners_get_slips_that_add_up_and_others_none() {
        let mut generator = DemoGenerator::new(11, TODAY);
        let (mut pensioners, mut others) = (0, 0);
        for _ in 0..400 {
            let (person, _) = generator.person().unwrap();
            let slips = pension_slips(&person, TODAY);
            if !is_pensioner(&person, TODAY) {
                assert!(slips.is_empty());
                others += 1;
                continue;
            }
            // A 67th birthday this month pays from the next one: a pensioner without slips yet.
            pensioners += usize::from(!slips.is_empty());
            for s in &slips {
                assert_eq!(s.net_cents(), s.gross_cents() - s.tax_cents() - s.other_deductions_cents());
                assert!(s.net_cents() > 0 && (2024..=2026).contains(&s.year()));
                assert!((s.year(), s.month()) <= (2026, 11), "nothing paid after this month");
            }
            let december =
                slips.iter().find(|s| s.year() == 2025 && s.month() == 12 && s.kind() != PensionKind::Reversibilita);
            let november =
                slips.iter().find(|s| s.year() == 2025 && s.month() == 11 && s.kind() != PensionKind::Reversibilita);
            if let (Some(d), Some(n)) = (december, november) {
                assert_eq!(d.gross_cents(), 2 * n.gross_cents(), "the thirteenth month");
            }
            assert_eq!(slips, pension_slips(&person, TODAY), "the same person, the same slips");
        }
        assert!(pensioners >= 40 && others >= 200, "pensioners {pensioners}, others {others}");
    }

    #[test]
    fn first_month_is_after_the_birthday() {
        assert_eq!(first_month_at(date!(1958 - 03 - 10), 67), (2025, 4));
        assert_eq!(first_month_at(date!(1958 - 12 - 10), 67), (2026, 1));
        assert_eq!(age_on(date!(1959 - 11 - 26), TODAY), 66);
        assert_eq!(age_on(date!(1959 - 11 - 25), TODAY), 67);
    }
}
