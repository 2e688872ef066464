//! Pension payments (SPEC 2 "pension slips", SPEC 5 "pension slip, tax certificate").
//!
//! The registry holds one [`PensionSlip`] per person, month and kind of pension: what was paid
//! gross, the income tax withheld (IRPEF with its regional and municipal surcharges), any other
//! deduction (trade-union dues, a loan repaid by assignment of the fifth, recoveries) and the net
//! credited. Amounts are whole euro cents, never floating point. The cedolino of a month lists that
//! month's slips; the tax certificate (Certificazione Unica, CU) of a year is derived from the
//! year's slips by [`TaxCertificate::of_year`].

use std::fmt;

use serde::{Deserialize, Serialize};

/// The kinds of pension the registry knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PensionKind {
    Vecchiaia,
    Anticipata,
    Invalidita,
    Reversibilita,
    AssegnoSociale,
}

impl PensionKind {
    pub const ALL: [PensionKind; 5] = [
        PensionKind::Vecchiaia,
        PensionKind::Anticipata,
        PensionKind::Invalidita,
        PensionKind::Reversibilita,
        PensionKind::AssegnoSociale,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            PensionKind::Vecchiaia => "vecchiaia",
            PensionKind::Anticipata => "anticipata",
            PensionKind::Invalidita => "invalidita",
            PensionKind::Reversibilita => "reversibilita",
            PensionKind::AssegnoSociale => "assegno_sociale",
        }
    }

    pub fn parse(value: &str) -> Option<PensionKind> {
        PensionKind::ALL.into_iter().find(|k| k.as_str() == value)
    }

    /// The Italian name, as the documents print it.
    pub fn label(self) -> &'static str {
        match self {
            PensionKind::Vecchiaia => "Pensione di vecchiaia",
            PensionKind::Anticipata => "Pensione anticipata",
            PensionKind::Invalidita => "Assegno ordinario di invalidità",
            PensionKind::Reversibilita => "Pensione di reversibilità",
            PensionKind::AssegnoSociale => "Assegno sociale",
        }
    }

    /// The English name, for the portal in English.
    pub fn label_en(self) -> &'static str {
        match self {
            PensionKind::Vecchiaia => "Old-age pension",
            PensionKind::Anticipata => "Early retirement pension",
            PensionKind::Invalidita => "Ordinary disability allowance",
            PensionKind::Reversibilita => "Survivor's pension",
            PensionKind::AssegnoSociale => "Social allowance",
        }
    }
}

impl fmt::Display for PensionKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a slip cannot exist.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PensionSlipError {
    #[error("month must be 1 to 12")]
    Month,
    #[error("year out of range")]
    Year,
    #[error("amounts must not be negative")]
    Negative,
    #[error("net must equal gross minus tax and other deductions")]
    NetMismatch,
}

/// One month's payment of one pension. Built only through [`PensionSlip::new`], so the net always
/// equals gross minus withholdings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PensionSlip {
    year: i32,
    month: u8,
    kind: PensionKind,
    gross_cents: i64,
    tax_cents: i64,
    other_deductions_cents: i64,
    net_cents: i64,
}

impl PensionSlip {
    pub fn new(
        year: i32,
        month: u8,
        kind: PensionKind,
        gross_cents: i64,
        tax_cents: i64,
        other_deductions_cents: i64,
        net_cents: i64,
    ) -> Result<PensionSlip, PensionSlipError> {
        if !(1..=12).contains(&month) {
            return Err(PensionSlipError::Month);
        }
        if !(1900..=2999).contains(&year) {
            return Err(PensionSlipError::Year);
        }
        if gross_cents < 0 || tax_cents < 0 || other_deductions_cents < 0 || net_cents < 0 {
            return Err(PensionSlipError::Negative);
        }
        let expected = gross_cents.checked_sub(tax_cents).and_then(|n| n.checked_sub(other_deductions_cents));
        if expected != Some(net_cents) {
            return Err(PensionSlipError::NetMismatch);
        }
        Ok(PensionSlip { year, month, kind, gross_cents, tax_cents, other_deductions_cents, net_cents })
    }

    /// A slip whose net is computed from the gross and the withholdings.
    pub fn with_net(
        year: i32,
        month: u8,
        kind: PensionKind,
        gross_cents: i64,
        tax_cents: i64,
        other_deductions_cents: i64,
    ) -> Result<PensionSlip, PensionSlipError> {
        let net = gross_cents - tax_cents - other_deductions_cents;
        PensionSlip::new(year, month, kind, gross_cents, tax_cents, other_deductions_cents, net)
    }

    pub fn year(&self) -> i32 {
        self.year
    }
    pub fn month(&self) -> u8 {
        self.month
    }
    pub fn kind(&self) -> PensionKind {
        self.kind
    }
    pub fn gross_cents(&self) -> i64 {
        self.gross_cents
    }
    pub fn tax_cents(&self) -> i64 {
        self.tax_cents
    }
    pub fn other_deductions_cents(&self) -> i64 {
        self.other_deductions_cents
    }
    pub fn net_cents(&self) -> i64 {
        self.net_cents
    }
}

/// The yearly tax certificate (Certificazione Unica) of a pensioner: what was paid in the year
/// and what was withheld, in total and per kind of pension.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaxCertificate {
    pub year: i32,
    /// Months with at least one payment.
    pub months: u8,
    pub gross_cents: i64,
    pub tax_cents: i64,
    pub other_deductions_cents: i64,
    pub net_cents: i64,
    /// Per kind of pension: (kind, months paid, gross), in the order of [`PensionKind::ALL`].
    pub by_kind: Vec<(PensionKind, u8, i64)>,
}

impl TaxCertificate {
    /// The certificate of `year` from the person's slips (of any years), or `None` when nothing was
    /// paid that year.
    pub fn of_year(year: i32, slips: &[PensionSlip]) -> Option<TaxCertificate> {
        let of_year: Vec<&PensionSlip> = slips.iter().filter(|s| s.year == year).collect();
        if of_year.is_empty() {
            return None;
        }
        let mut months = [false; 12];
        for slip in &of_year {
            months[usize::from(slip.month - 1)] = true;
        }
        let sum = |f: fn(&PensionSlip) -> i64| of_year.iter().map(|s| f(s)).sum::<i64>();
        let by_kind = PensionKind::ALL
            .into_iter()
            .filter_map(|kind| {
                let mine: Vec<&&PensionSlip> = of_year.iter().filter(|s| s.kind == kind).collect();
                let paid = u8::try_from(mine.len()).unwrap_or(u8::MAX);
                (!mine.is_empty()).then(|| (kind, paid, mine.iter().map(|s| s.gross_cents).sum()))
            })
            .collect();
        Some(TaxCertificate {
            year,
            months: u8::try_from(months.iter().filter(|m| **m).count()).unwrap_or(12),
            gross_cents: sum(|s| s.gross_cents),
            tax_cents: sum(|s| s.tax_cents),
            other_deductions_cents: sum(|s| s.other_deductions_cents),
            net_cents: sum(|s| s.net_cents),
            by_kind,
        })
    }

    /// The years a certificate exists for, newest first: years with payments that are over
    /// (the CU of a year is issued once the year has ended).
    pub fn years_available(slips: &[PensionSlip], current_year: i32) -> Vec<i32> {
        let mut years: Vec<i32> = slips.iter().map(|s| s.year).filter(|y| *y < current_year).collect();
        years.sort_unstable_by(|a, b| b.cmp(a));
        years.dedup();
        years
    }
}

/// Euro cents as Italian text: `€ 1.234,56`, `-€ 3,00`.
pub fn format_euro(cents: i64) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    let abs = cents.unsigned_abs();
    let (euros, rest) = (abs / 100, abs % 100);
    let digits = euros.to_string();
    let mut grouped = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            grouped.push('.');
        }
        grouped.push(c);
    }
    format!("{sign}€ {grouped},{rest:02}")
}

/// The Italian month name, lower case (`gennaio` … `dicembre`); empty outside 1–12.
pub fn month_name(month: u8) -> &'static str {
    const NAMES: [&str; 12] = [
        "gennaio",
        "febbraio",
        "marzo",
        "aprile",
        "maggio",
        "giugno",
        "luglio",
        "agosto",
        "settembre",
        "ottobre",
        "novembre",
        "dicembre",
    ];
    NAMES.get(usize::from(month).wrapping_sub(1)).copied().unwrap_or_default()
}

/// The English month name (`January` … `December`); empty outside 1–12.
pub fn month_name_en(month: u8) -> &'static str {
    const NAMES: [&str; 12] = [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ];
    NAMES.get(usize::from(month).wrapping_sub(1)).copied().unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn slip(year: i32, month: u8, kind: PensionKind, gross: i64, tax: i64) -> PensionSlip {
        PensionSlip::with_net(year, month, kind, gross, tax, 1_000).unwrap()
    }

    #[test]
    fn a_slip_must_add_up() {
        assert!(PensionSlip::new(2025, 1, PensionKind::Vecchiaia, 150_000, 20_000, 1_000, 129_000).is_ok());
        assert_eq!(
            PensionSlip::new(2025, 1, PensionKind::Vecchiaia, 150_000, 20_000, 1_000, 130_000),
            Err(PensionSlipError::NetMismatch)
        );
        assert_eq!(PensionSlip::new(2025, 0, PensionKind::Vecchiaia, 0, 0, 0, 0), Err(PensionSlipError::Month));
        assert_eq!(PensionSlip::new(2025, 13, PensionKind::Vecchiaia, 0, 0, 0, 0), Err(PensionSlipError::Month));
        assert_eq!(PensionSlip::new(1800, 1, PensionKind::Vecchiaia, 0, 0, 0, 0), Err(PensionSlipError::Year));
        assert_eq!(PensionSlip::new(2025, 1, PensionKind::Vecchiaia, -1, 0, 0, -1), Err(PensionSlipError::Negative));
        assert_eq!(
            PensionSlip::with_net(2025, 1, PensionKind::Vecchiaia, 100, 200, 0),
            Err(PensionSlipError::Negative)
        );
    }

    #[test]
    fn the_certificate_adds_up_the_year() {
        let mut slips: Vec<PensionSlip> =
            (1..=12).map(|m| slip(2025, m, PensionKind::Vecchiaia, 150_000, 25_000)).collect();
        slips.push(slip(2025, 12, PensionKind::Reversibilita, 40_000, 9_000));
        slips.push(slip(2024, 12, PensionKind::Vecchiaia, 140_000, 23_000));
        let cu = TaxCertificate::of_year(2025, &slips).unwrap();
        assert_eq!(cu.year, 2025);
        assert_eq!(cu.months, 12, "two pensions in December are one month");
        assert_eq!(cu.gross_cents, 12 * 150_000 + 40_000);
        assert_eq!(cu.tax_cents, 12 * 25_000 + 9_000);
        assert_eq!(cu.other_deductions_cents, 13 * 1_000);
        assert_eq!(cu.net_cents, cu.gross_cents - cu.tax_cents - cu.other_deductions_cents);
        assert_eq!(
            cu.by_kind,
            vec![(PensionKind::Vecchiaia, 12, 12 * 150_000), (PensionKind::Reversibilita, 1, 40_000)]
        );
        assert_eq!(TaxCertificate::of_year(2023, &slips), None);
        assert_eq!(TaxCertificate::years_available(&slips, 2026), vec![2025, 2024]);
        assert_eq!(TaxCertificate::years_available(&slips, 2025), vec![2024], "the current year is not over");
    }

    #[test]
    fn euro_and_months_in_italian() {
        assert_eq!(format_euro(0), "€ 0,00");
        assert_eq!(format_euro(5), "€ 0,05");
        assert_eq!(format_euro(123_456), "€ 1.234,56");
        assert_eq!(format_euro(100_000_000), "€ 1.000.000,00");
        assert_eq!(format_euro(-300), "-€ 3,00");
        assert_eq!(month_name(1), "gennaio");
        assert_eq!(month_name(12), "dicembre");
        assert_eq!(month_name(0), "");
        assert_eq!(month_name_en(3), "March");
    }

    #[test]
    fn kinds_round_trip() {
        for kind in PensionKind::ALL {
            assert_eq!(PensionKind::parse(kind.as_str()), Some(kind));
        }
        assert_eq!(PensionKind::parse("nope"), None);
    }
}
