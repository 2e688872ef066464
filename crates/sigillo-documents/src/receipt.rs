//! The receipt of an online application (domanda): proof that it was submitted, and when.
//!
//! The protocol number is what the citizen quotes from then on, so it stands out in a box at the
//! top; the submitted fields follow as a two-column list that may run onto further pages.

use time::OffsetDateTime;

use crate::common::{BODY, BODY_BOLD, Flow, HEADING, LABEL, LEFT, RIGHT, TITLE, WIDTH, header, timestamp};
use crate::document::{Info, assemble, pdf_datetime};
use crate::metrics::{Font, wrap};
use crate::page::{Page, Style, mm};

/// Receipt of an online application (domanda).
#[derive(Debug, Clone)]
pub struct ApplicationReceipt {
    pub protocol: String,
    /// The kind of application, e.g. `NASpI - indennità di disoccupazione`.
    pub application_label: String,
    pub submitted_at: OffsetDateTime,
    pub fiscal_code: String,
    pub full_name: String,
    /// What the citizen declared, as (label, value), in form order.
    pub fields: Vec<(String, String)>,
}

/// One A4 page, more if the fields do not fit.
pub fn application_receipt(receipt: &ApplicationReceipt) -> Vec<u8> {
    let mut page = Page::new();
    let submitted = timestamp(receipt.submitted_at);
    let mut top = header(&mut page, "Ricevuta");

    page.text(LEFT, top + mm(4.0), TITLE, "Ricevuta di presentazione della domanda");
    top += mm(10.0);

    let box_height = mm(20.0);
    page.fill(LEFT, top, WIDTH, box_height, 0.93);
    page.frame(LEFT, top, WIDTH, box_height, 0.6, 0.4);
    page.text(LEFT + mm(5.0), top + mm(6.5), LABEL, "Numero di protocollo");
    page.text(LEFT + mm(5.0), top + mm(15.0), Style::new(Font::Bold, 18.0), &receipt.protocol);
    top += box_height + mm(9.0);

    let label_width = mm(50.0);
    for (label, value, style) in [
        ("Tipo di domanda", receipt.application_label.as_str(), BODY_BOLD),
        ("Presentata il", submitted.as_str(), BODY),
        ("Richiedente", receipt.full_name.as_str(), BODY),
        ("Codice fiscale", receipt.fiscal_code.as_str(), BODY),
    ] {
        page.text(LEFT, top, LABEL, label);
        top = page.paragraph(LEFT + label_width, top, WIDTH - label_width, style, value) + mm(2.0);
    }

    let mut flow = Flow::new(page, top + mm(6.0), receipt.protocol.clone());
    flow.page.text(LEFT, flow.top, HEADING, "Dati della domanda");
    flow.page.rule(LEFT, RIGHT, flow.top + mm(2.5), 0.5, 0.5);
    flow.top += mm(8.5);
    fields(&mut flow, &receipt.fields);

    let note = format!(
        "La presente ricevuta attesta che la domanda è stata presentata il {submitted} con il numero di \
         protocollo {}. Non costituisce accoglimento della domanda: l'esito Le sarà comunicato al termine \
         dell'istruttoria. Conservi la ricevuta e indichi il numero di protocollo in ogni comunicazione che \
         riguarda questa domanda.",
        receipt.protocol
    );
    let note_lines = wrap(&note, BODY.font, BODY.size, WIDTH - mm(10.0)).len();
    let note_height = note_lines as f32 * BODY.leading() + mm(8.0);
    flow.top += mm(6.0);
    flow.room(note_height);
    let top = flow.top;
    flow.page.frame(LEFT, top, WIDTH, note_height, 0.6, 0.4);
    flow.page.paragraph(LEFT + mm(5.0), top + mm(4.0) + BODY.size * 0.8, WIDTH - mm(10.0), BODY, &note);

    let info = Info { title: &format!("Ricevuta {}", receipt.protocol), created: pdf_datetime(receipt.submitted_at) };
    let footer = format!("Ricevuta della domanda - protocollo {} - {}", receipt.protocol, receipt.fiscal_code);
    assemble(&info, flow.finish(&footer))
}

/// The declared fields, label at the left and value at the right, each wrapped in its column.
fn fields(flow: &mut Flow, fields: &[(String, String)]) {
    if fields.is_empty() {
        flow.page.text(LEFT, flow.top, BODY, "Nessun dato aggiuntivo.");
        flow.top += BODY.leading();
        return;
    }
    let label_width = mm(60.0);
    let value_x = LEFT + label_width + mm(4.0);
    let value_width = RIGHT - value_x;
    let label_style = Style::new(Font::Regular, 9.5).gray(0.25);
    for (label, value) in fields {
        let labels = wrap(label, label_style.font, label_style.size, label_width);
        let values = wrap(value, BODY.font, BODY.size, value_width);
        let lines = labels.len().max(values.len());
        let height = lines as f32 * BODY.leading();
        flow.room(height + mm(2.0));
        let top = flow.top;
        let page = &mut flow.page;
        for (i, line) in labels.iter().enumerate() {
            page.encoded(LEFT, top + i as f32 * BODY.leading(), label_style, line);
        }
        for (i, line) in values.iter().enumerate() {
            page.encoded(value_x, top + i as f32 * BODY.leading(), BODY, line);
        }
        let below = top + height - BODY.leading() + mm(2.2);
        page.rule(LEFT, RIGHT, below, 0.3, 0.8);
        flow.top = below + mm(4.8);
    }
}

#[cfg(test)]
mod tests {
    use super::application_receipt;
    use crate::testing::{assert_pdf, assert_prints, page_count, receipt};

    #[test]
    fn receipt_shows_protocol_time_citizen_and_fields() {
        let pdf = application_receipt(&receipt());
        assert_pdf(&pdf);
        assert_eq!(page_count(&pdf), 1);
        assert_prints(
            &pdf,
            &[
                "Ricevuta di presentazione della domanda",
                "INPS.0100.2025.0012345",
                "12/03/2025, ore 09:15:30 UTC",
                "Mario Rossi",
                "RSSMRA80A01H501U",
                "Motivo della cessazione",
                "Licenziamento per giustificato motivo oggettivo",
                "€ 1.850,00",
                "Modalità di pagamento",
                "attesta che la domanda è stata presentata",
            ],
        );
    }

    #[test]
    fn many_fields_flow_onto_more_pages() {
        let mut long = receipt();
        long.fields = (1..=80).map(|i| (format!("Campo {i}"), format!("Valore {i}"))).collect();
        let pdf = application_receipt(&long);
        assert_pdf(&pdf);
        assert!(page_count(&pdf) >= 2);
        assert_prints(&pdf, &["Valore 80", "Pagina 2 di"]);
    }

    #[test]
    fn no_fields() {
        let mut empty = receipt();
        empty.fields.clear();
        let pdf = application_receipt(&empty);
        assert_pdf(&pdf);
        assert_prints(&pdf, &["Nessun dato aggiuntivo."]);
    }
}
