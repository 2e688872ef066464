//! Pensioners' documents: the monthly pension slip (cedolino della pensione) and the yearly tax
//! certificate (Certificazione Unica, CU) of the pension income.
//!
//! Both are one page: a cedolino lists the month's pensions, each with gross, withholdings and
//! net; the CU gives the year's totals and the months paid per kind of pension.

use time::OffsetDateTime;

use crate::common::{BODY, BODY_BOLD, Flow, HEADING, LABEL, LEFT, RIGHT, TITLE, WIDTH, header, timestamp};
use crate::document::{Info, assemble, pdf_datetime};
use crate::page::{Page, Style, mm};

/// One pension paid in the month.
#[derive(Debug, Clone)]
pub struct PayslipLine {
    /// The kind of pension, e.g. `Pensione di vecchiaia`.
    pub pension: String,
    pub gross_cents: i64,
    pub tax_cents: i64,
    pub other_deductions_cents: i64,
    pub net_cents: i64,
}

/// The pension slip (cedolino) of one month.
#[derive(Debug, Clone)]
pub struct PensionPayslip {
    pub fiscal_code: String,
    pub full_name: String,
    pub year: i32,
    /// 1 to 12.
    pub month: u8,
    pub lines: Vec<PayslipLine>,
    pub generated_at: OffsetDateTime,
}

/// The tax certificate (CU) of a year's pension income.
#[derive(Debug, Clone)]
pub struct PensionTaxCertificate {
    pub fiscal_code: String,
    pub full_name: String,
    /// The year of the income (the CU issued the next year).
    pub year: i32,
    pub months: u8,
    pub gross_cents: i64,
    pub tax_cents: i64,
    pub other_deductions_cents: i64,
    pub net_cents: i64,
    /// (kind of pension, months paid, gross).
    pub by_kind: Vec<(String, u8, i64)>,
    pub generated_at: OffsetDateTime,
}

const MONTHS: [&str; 12] = [
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

fn month_name(month: u8) -> &'static str {
    MONTHS.get(usize::from(month).wrapping_sub(1)).copied().unwrap_or_default()
}

/// `€ 1.234,56`.
pub(crate) fn euro(cents: i64) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    let abs = cents.unsigned_abs();
    let digits = (abs / 100).to_string();
    let mut grouped = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            grouped.push('.');
        }
        grouped.push(c);
    }
    format!("{sign}€ {grouped},{:02}", abs % 100)
}

/// The person's name, code and a third line, label at the left.
fn who(page: &mut Page, mut top: f32, full_name: &str, fiscal_code: &str, third: (&str, &str)) -> f32 {
    let label_width = mm(45.0);
    for (label, value) in [("Pensionato/a", full_name), ("Codice fiscale", fiscal_code), third] {
        page.text(LEFT, top, LABEL, label);
        top = page.paragraph(LEFT + label_width, top, WIDTH - label_width, BODY_BOLD, value) + mm(1.5);
    }
    top
}

/// A label and an amount on one line, with a light rule under it; bold for totals.
fn amount_row(page: &mut Page, top: f32, label: &str, cents: i64, bold: bool) -> f32 {
    let style = if bold { BODY_BOLD } else { BODY };
    page.text(LEFT + mm(3.0), top, style, label);
    page.text_right(RIGHT - mm(3.0), top, style, &euro(cents));
    page.rule(LEFT, RIGHT, top + mm(2.5), 0.3, 0.8);
    top + mm(7.5)
}

/// The slip of one month: every pension paid, then the total credited.
pub fn pension_payslip(slip: &PensionPayslip) -> Vec<u8> {
    let mut page = Page::new();
    let period = format!("{} {}", month_name(slip.month), slip.year);
    let mut top = header(&mut page, &format!("Cedolino {period}"));
    page.text(LEFT, top + mm(4.0), TITLE, &format!("Cedolino della pensione – {period}"));
    top += mm(14.0);
    top = who(&mut page, top, &slip.full_name, &slip.fiscal_code, ("Mese di pagamento", &period));

    let mut flow = Flow::new(page, top + mm(6.0), format!("Cedolino {period}"));
    for line in &slip.lines {
        flow.room(mm(42.0));
        let page = &mut flow.page;
        let top = flow.top;
        page.fill(LEFT, top - mm(5.0), WIDTH, mm(8.0), 0.9);
        page.text(LEFT + mm(3.0), top, HEADING, &line.pension);
        let mut top = top + mm(9.0);
        top = amount_row(page, top, "Importo lordo", line.gross_cents, false);
        top = amount_row(page, top, "Ritenute IRPEF (con addizionali regionale e comunale)", line.tax_cents, false);
        top = amount_row(page, top, "Altre trattenute", line.other_deductions_cents, false);
        top = amount_row(page, top, "Importo netto", line.net_cents, true);
        flow.top = top + mm(5.0);
    }
    if slip.lines.len() > 1 {
        let net: i64 = slip.lines.iter().map(|l| l.net_cents).sum();
        flow.room(mm(12.0));
        let top = flow.top;
        flow.page.rule(LEFT, RIGHT, top - mm(4.5), 1.0, 0.0);
        flow.top = amount_row(&mut flow.page, top + mm(1.0), "Totale netto accreditato", net, true);
    }
    let note = "Gli importi sono in euro. Le ritenute IRPEF sono calcolate sul reddito di pensione dell'anno e \
                conguagliate a fine anno; l'importo netto è accreditato il primo giorno bancabile del mese. \
                Il cedolino ha valore informativo.";
    flow.top += mm(4.0);
    flow.room(mm(16.0));
    let top = flow.top;
    flow.page.paragraph(LEFT, top, WIDTH, Style { gray: 0.2, ..BODY }, note);

    let title = format!("Cedolino della pensione {period} {}", slip.fiscal_code);
    let info = Info { title: &title, created: pdf_datetime(slip.generated_at) };
    let footer =
        format!("Cedolino della pensione - {period} - {} - {}", slip.fiscal_code, timestamp(slip.generated_at));
    assemble(&info, flow.finish(&footer))
}

/// The CU of one year's pension income.
pub fn pension_tax_certificate(cu: &PensionTaxCertificate) -> Vec<u8> {
    let mut page = Page::new();
    let issue_year = cu.year + 1;
    let mut top = header(&mut page, &format!("CU {issue_year}"));
    page.text(LEFT, top + mm(4.0), TITLE, &format!("Certificazione Unica {issue_year}"));
    top += mm(10.0);
    page.text(LEFT, top + mm(2.0), BODY, &format!("Redditi di pensione dell'anno {}", cu.year));
    top += mm(10.0);
    top = who(&mut page, top, &cu.full_name, &cu.fiscal_code, ("Periodo d'imposta", &cu.year.to_string()));

    let mut flow = Flow::new(page, top + mm(6.0), format!("CU {issue_year}"));
    let page = &mut flow.page;
    let mut top = flow.top;
    page.text(LEFT, top, HEADING, "Redditi di pensione e ritenute");
    page.rule(LEFT, RIGHT, top + mm(2.5), 0.5, 0.5);
    top += mm(9.0);
    page.text(LEFT + mm(3.0), top, BODY, "Mesi di pensione");
    page.text_right(RIGHT - mm(3.0), top, BODY, &cu.months.to_string());
    page.rule(LEFT, RIGHT, top + mm(2.5), 0.3, 0.8);
    top += mm(7.5);
    top = amount_row(page, top, "Redditi di pensione (importo lordo)", cu.gross_cents, false);
    top = amount_row(page, top, "Ritenute IRPEF (con addizionali regionale e comunale)", cu.tax_cents, false);
    top = amount_row(page, top, "Altre trattenute", cu.other_deductions_cents, false);
    top = amount_row(page, top, "Importo netto corrisposto", cu.net_cents, true);
    top += mm(6.0);

    page.text(LEFT, top, HEADING, "Dettaglio per tipo di pensione");
    page.rule(LEFT, RIGHT, top + mm(2.5), 0.5, 0.5);
    top += mm(9.0);
    let head = Style::new(crate::metrics::Font::Bold, 9.0);
    page.text(LEFT + mm(3.0), top, head, "Pensione");
    page.text_right(RIGHT - mm(45.0), top, head, "Mesi");
    page.text_right(RIGHT - mm(3.0), top, head, "Importo lordo");
    top += mm(6.5);
    flow.top = top;
    for (kind, months, gross) in &cu.by_kind {
        flow.room(mm(8.0));
        let top = flow.top;
        let page = &mut flow.page;
        page.text(LEFT + mm(3.0), top, BODY, kind);
        page.text_right(RIGHT - mm(45.0), top, BODY, &months.to_string());
        page.text_right(RIGHT - mm(3.0), top, BODY, &euro(*gross));
        page.rule(LEFT, RIGHT, top + mm(2.5), 0.3, 0.8);
        flow.top = top + mm(7.5);
    }
    let note = "La Certificazione Unica attesta i redditi di pensione corrisposti dall'Istituto nell'anno e le \
                ritenute operate in qualità di sostituto d'imposta. Se non ha altri redditi non deve presentare \
                la dichiarazione dei redditi; altrimenti riporti questi importi nel modello 730 o Redditi PF. \
                Documento generato dal servizio online: ha valore informativo.";
    flow.top += mm(6.0);
    flow.room(mm(22.0));
    let top = flow.top;
    flow.page.paragraph(LEFT, top, WIDTH, Style { gray: 0.2, ..BODY }, note);

    let title = format!("Certificazione Unica {issue_year} {}", cu.fiscal_code);
    let info = Info { title: &title, created: pdf_datetime(cu.generated_at) };
    let footer = format!("Certificazione Unica {issue_year} - redditi {} - {}", cu.year, cu.fiscal_code);
    assemble(&info, flow.finish(&footer))
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::*;
    use crate::testing::{assert_pdf, assert_prints, page_count};

    fn line(pension: &str, gross: i64, tax: i64) -> PayslipLine {
        PayslipLine {
            pension: pension.to_owned(),
            gross_cents: gross,
            tax_cents: tax,
            other_deductions_cents: 1_250,
            net_cents: gross - tax - 1_250,
        }
    }

    fn slip(lines: Vec<PayslipLine>) -> PensionPayslip {
        PensionPayslip {
            fiscal_code: "RSSMRA50A01H501X".to_owned(),
            full_name: "Mario Rossi".to_owned(),
            year: 2026,
            month: 3,
            lines,
            generated_at: datetime!(2026-04-02 10:00:00 UTC),
        }
    }

    #[test]
    fn euro_amounts_in_italian() {
        assert_eq!(euro(0), "€ 0,00");
        assert_eq!(euro(123_456), "€ 1.234,56");
        assert_eq!(euro(100_000_099), "€ 1.000.000,99");
    }

    #[test]
    fn a_slip_shows_each_pension_and_the_total() {
        let pdf = pension_payslip(&slip(vec![
            line("Pensione di vecchiaia", 185_000, 32_000),
            line("Pensione di reversibilità", 40_000, 9_000),
        ]));
        assert_pdf(&pdf);
        assert_eq!(page_count(&pdf), 1);
        assert_prints(
            &pdf,
            &[
                "Cedolino della pensione",
                "marzo 2026",
                "Mario Rossi",
                "RSSMRA50A01H501X",
                "Pensione di vecchiaia",
                "Pensione di reversibilità",
                "€ 1.850,00",
                "€ 320,00",
                "€ 1.517,50",
                "Totale netto accreditato",
                "€ 1.815,00",
            ],
        );
    }

    #[test]
    fn a_certificate_shows_the_year_totals() {
        let cu = PensionTaxCertificate {
            fiscal_code: "RSSMRA50A01H501X".to_owned(),
            full_name: "Mario Rossi".to_owned(),
            year: 2025,
            months: 12,
            gross_cents: 12 * 185_000,
            tax_cents: 12 * 32_000,
            other_deductions_cents: 12 * 1_250,
            net_cents: 12 * (185_000 - 32_000 - 1_250),
            by_kind: vec![("Pensione di vecchiaia".to_owned(), 12, 12 * 185_000)],
            generated_at: datetime!(2026-03-16 09:00:00 UTC),
        };
        let pdf = pension_tax_certificate(&cu);
        assert_pdf(&pdf);
        assert_eq!(page_count(&pdf), 1);
        assert_prints(
            &pdf,
            &[
                "Certificazione Unica 2026",
                "Redditi di pensione dell'anno 2025",
                "RSSMRA50A01H501X",
                "€ 22.200,00",
                "€ 3.840,00",
                "€ 18.210,00",
                "Mesi di pensione",
                "Pensione di vecchiaia",
            ],
        );
    }
}
