//! The contribution statement (estratto conto contributivo): weeks credited, by year and employer.
//!
//! A working life easily has more rows than a page holds, so the table flows over pages and
//! repeats its header on each; the total comes after the last row.

use time::OffsetDateTime;

use crate::common::{BODY, BODY_BOLD, Flow, LABEL, LEFT, RIGHT, TITLE, WIDTH, header, timestamp};
use crate::document::{Info, assemble, pdf_datetime};
use crate::metrics::{Font, wrap};
use crate::page::{Page, Style, mm};

/// Contribution statement (estratto conto contributivo).
#[derive(Debug, Clone)]
pub struct ContributionStatement {
    pub fiscal_code: String,
    pub full_name: String,
    pub generated_at: OffsetDateTime,
    /// (year, employer, weeks), in the order to print.
    pub rows: Vec<(i32, String, u32)>,
    pub total_weeks: u32,
}

/// As many A4 pages as the rows need.
pub fn contribution_statement(statement: &ContributionStatement) -> Vec<u8> {
    let mut page = Page::new();
    let generated = timestamp(statement.generated_at);
    let mut top = header(&mut page, &statement.fiscal_code);
    page.text(LEFT, top + mm(4.0), TITLE, "Estratto conto contributivo");
    top += mm(14.0);

    let label_width = mm(40.0);
    for (label, value) in [
        ("Assicurato", statement.full_name.as_str()),
        ("Codice fiscale", statement.fiscal_code.as_str()),
        ("Situazione al", generated.as_str()),
    ] {
        page.text(LEFT, top, LABEL, label);
        top = page.paragraph(LEFT + label_width, top, WIDTH - label_width, BODY_BOLD, value) + mm(1.5);
    }

    let aside = statement.fiscal_code.clone();
    let mut flow = Flow::new(page, top + mm(6.0), aside);
    table_header(&mut flow);
    if statement.rows.is_empty() {
        flow.page.text(LEFT + PAD, flow.top + BODY.size, BODY, "Nessun contributo registrato.");
        flow.top += ROW;
    }
    for (i, (year, employer, weeks)) in statement.rows.iter().enumerate() {
        let lines = wrap(employer, CELL.font, CELL.size, EMPLOYER_WIDTH - 2.0 * PAD);
        let height = ROW + (lines.len().saturating_sub(1)) as f32 * CELL.leading();
        if flow.room(height) {
            table_header(&mut flow);
        }
        let top = flow.top;
        let page = &mut flow.page;
        if i % 2 == 1 {
            page.fill(LEFT, top, WIDTH, height, 0.95);
        }
        let baseline = top + PAD + CELL.size * 0.8;
        page.text(LEFT + PAD, baseline, CELL, &year.to_string());
        for (j, line) in lines.iter().enumerate() {
            page.encoded(EMPLOYER_X + PAD, baseline + j as f32 * CELL.leading(), CELL, line);
        }
        page.text_right(RIGHT - PAD, baseline, CELL, &weeks.to_string());
        flow.top += height;
    }

    // The total and the note stay together, so a last page never holds the note alone.
    let note = "Le settimane indicate sono quelle accreditate negli archivi dell'Istituto alla data dell'estratto; \
                un anno di lavoro a tempo pieno corrisponde a 52 settimane. L'estratto ha valore informativo. Se \
                riscontra periodi mancanti o errati può chiederne la correzione con una richiesta di variazione \
                della posizione assicurativa (RVPA).";
    let note_height = wrap(note, BODY.font, BODY.size, WIDTH).len() as f32 * BODY.leading();
    let total_height = ROW + mm(1.0);
    if flow.room(total_height + mm(7.0) + note_height) {
        table_header(&mut flow);
    }
    let top = flow.top;
    let page = &mut flow.page;
    page.rule(LEFT, RIGHT, top, 1.0, 0.0);
    let baseline = top + PAD + BODY.size * 0.8 + mm(1.0);
    page.text(LEFT + PAD, baseline, BODY_BOLD, "Totale settimane");
    page.text_right(RIGHT - PAD, baseline, BODY_BOLD, &statement.total_weeks.to_string());
    page.paragraph(LEFT, top + total_height + mm(7.0), WIDTH, Style { gray: 0.2, ..BODY }, note);

    let info = Info {
        title: &format!("Estratto conto contributivo {}", statement.fiscal_code),
        created: pdf_datetime(statement.generated_at),
    };
    let footer = format!("Estratto conto contributivo - {} - situazione al {generated}", statement.fiscal_code);
    assemble(&info, flow.finish(&footer))
}

const CELL: Style = Style::new(Font::Regular, 9.5);
const PAD: f32 = 3.5;
/// Height of a one-line row.
const ROW: f32 = 9.5 + 2.0 * PAD + 2.0;
const EMPLOYER_X: f32 = LEFT + mm(25.0);
const EMPLOYER_WIDTH: f32 = WIDTH - mm(25.0) - mm(30.0);

/// The column headings, on a shaded band.
fn table_header(flow: &mut Flow) {
    let top = flow.top;
    let page = &mut flow.page;
    let head = Style::new(Font::Bold, 9.0);
    page.fill(LEFT, top, WIDTH, ROW, 0.85);
    let baseline = top + PAD + head.size * 0.8 + 1.0;
    page.text(LEFT + PAD, baseline, head, "Anno");
    page.text(EMPLOYER_X + PAD, baseline, head, "Datore di lavoro");
    page.text_right(RIGHT - PAD, baseline, head, "Settimane");
    flow.top += ROW;
}

#[cfg(test)]
mod tests {
    use super::contribution_statement;
    use crate::testing::{assert_pdf, assert_prints, page_count, statement};

    #[test]
    fn short_statement_fits_one_page() {
        let pdf = contribution_statement(&statement(6));
        assert_pdf(&pdf);
        assert_eq!(page_count(&pdf), 1);
        let total = statement(6).total_weeks.to_string();
        assert_prints(
            &pdf,
            &["Estratto conto contributivo", "Mario Rossi", "RSSMRA80A01H501U", "Totale settimane", &total, "Forlì"],
        );
    }

    #[test]
    fn long_statement_spans_pages_with_the_total_at_the_end() {
        let data = statement(120);
        let pdf = contribution_statement(&data);
        assert_pdf(&pdf);
        let pages = page_count(&pdf);
        assert!(pages >= 3, "{pages} pages");
        let last_page = format!("Pagina {pages} di {pages}");
        assert_prints(&pdf, &["Totale settimane", &data.total_weeks.to_string(), "2024", &last_page, "Università"]);
        if let Some(text) = crate::testing::pdftotext(&pdf) {
            // The header repeats: one per page.
            assert_eq!(text.matches("Datore di lavoro").count(), pages);
        }
    }

    #[test]
    fn empty_statement() {
        let mut empty = statement(0);
        empty.total_weeks = 0;
        let pdf = contribution_statement(&empty);
        assert_pdf(&pdf);
        assert_prints(&pdf, &["Nessun contributo registrato.", "Totale settimane"]);
    }
}
