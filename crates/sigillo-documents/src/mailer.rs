//! The sealed PIN envelope (busta cieca, PIN mailer) printed at an office desk.
//!
//! When an operator issues a PIN at the desk, the whole 16-character first-access PIN is printed
//! on one sheet that the citizen takes away folded in three: the top third shows whose it is, the
//! middle third tells how to use it, and the PIN sits in the bottom third, folded inside. The
//! operator's screen never shows the PIN; only this sheet does.

use time::Date;

use crate::common::{
    BODY, BODY_BOLD, CONTACT_CENTER, HEADING, LABEL, LEFT, NO_LETTER_O, PIN_IS_PERSONAL, RIGHT, SMALL, WIDTH, footer,
    header, long_date,
};
use crate::document::{Info, assemble, pdf_date};
use crate::metrics::Font;
use crate::page::{PAGE_HEIGHT, Page, Style, mm};

/// Sealed PIN envelope printed at an office desk: the whole 16-character first-access PIN.
#[derive(Debug, Clone)]
pub struct PinMailer {
    pub fiscal_code: String,
    pub full_name: String,
    /// All 16 characters, first half then second half.
    pub pin: String,
    /// The office (sede) that issued it.
    pub office: String,
    pub date: Date,
}

/// One A4 page, to fold in three.
pub fn pin_mailer(mailer: &PinMailer) -> Vec<u8> {
    let mut page = Page::new();
    let third = PAGE_HEIGHT / 3.0;

    // Top third: whose envelope this is.
    let mut top = header(&mut page, "Rilascio allo sportello");
    page.text(LEFT, top + mm(4.0), Style::new(Font::Bold, 15.0), "PIN di primo accesso");
    page.text_right(RIGHT, top + mm(4.0), BODY_BOLD, "RISERVATA PERSONALE");
    top += mm(14.0);
    let label_width = mm(45.0);
    let date = long_date(mailer.date);
    for (label, value) in [
        ("Intestatario", mailer.full_name.as_str()),
        ("Codice fiscale", mailer.fiscal_code.as_str()),
        ("Rilasciato presso", mailer.office.as_str()),
        ("Data di rilascio", date.as_str()),
    ] {
        page.text(LEFT, top, LABEL, label);
        top = page.paragraph(LEFT + label_width, top, WIDTH - label_width, BODY_BOLD, value) + mm(1.5);
    }
    page.text(LEFT, third - mm(6.0), SMALL, "Il foglio va aperto solo dall'intestatario. Se è stato aperto o manomesso, non usi il PIN e si rivolga alla sede.");
    fold(&mut page, third);

    // Middle third: how to use it.
    let mut top = third + mm(9.0);
    page.text(LEFT, top, HEADING, "Come fare il primo accesso");
    top += mm(6.5);
    for (n, step) in [
        "Sul portale dei servizi online dell'Istituto scelga «Accedi con PIN».",
        "Inserisca il Suo codice fiscale e i 16 caratteri del PIN riportato qui sotto: la prima parte seguita \
         dalla seconda parte, senza spazi.",
        "Le sarà chiesto subito di scegliere il Suo PIN definitivo di 8 caratteri, lettere e cifre, che userà \
         da quel momento in poi. Dopo il cambio distrugga questo foglio.",
    ]
    .iter()
    .enumerate()
    {
        page.text(LEFT, top, BODY_BOLD, &format!("{}.", n + 1));
        top = page.paragraph(LEFT + mm(6.0), top, WIDTH - mm(6.0), BODY, step) + mm(1.0);
    }
    top += mm(1.5);
    top = page.paragraph(
        LEFT,
        top,
        WIDTH,
        BODY,
        "Il PIN di primo accesso ha una validità di 60 giorni dalla data di rilascio; se non lo usa entro questo \
         termine dovrà richiederne uno nuovo.",
    ) + mm(1.5);
    top = page.paragraph(LEFT, top, WIDTH, BODY, PIN_IS_PERSONAL) + mm(1.5);
    page.paragraph(LEFT, top, WIDTH, BODY, CONTACT_CENTER);
    fold(&mut page, 2.0 * third);

    // Bottom third: the PIN, folded inside.
    pin_area(&mut page, 2.0 * third, &mailer.pin);
    footer(&mut page, &format!("PIN di primo accesso - {} - {}", mailer.fiscal_code, mailer.office), 1, 1);

    let info = Info { title: "PIN di primo accesso", created: pdf_date(mailer.date) };
    assemble(&info, vec![page])
}

/// A dashed fold line across the sheet.
fn fold(page: &mut Page, top: f32) {
    page.dashed_rule(mm(8.0), LEFT + WIDTH + mm(12.0), top, 0.55);
    page.text(mm(8.0), top - mm(1.5), Style::new(Font::Regular, 6.0).gray(0.5), "piegare qui");
}

/// The two halves side by side, large, with the whole PIN once more in one run.
fn pin_area(page: &mut Page, third: f32, pin: &str) {
    let mut top = third + mm(10.0);
    page.text(LEFT, top, HEADING, "PIN (16 caratteri) — prima parte / seconda parte");
    top += mm(5.0);

    let chars: Vec<char> = pin.chars().collect();
    let split = chars.len().div_ceil(2);
    let halves: [String; 2] = [chars[..split].iter().collect(), chars[split..].iter().collect()];
    let gap = mm(8.0);
    let box_width = (WIDTH - gap) / 2.0;
    let box_height = mm(28.0);
    let big = Style::new(Font::Mono, 24.0);
    for (i, (half, label)) in halves.iter().zip(["prima parte", "seconda parte"]).enumerate() {
        let x = LEFT + i as f32 * (box_width + gap);
        page.fill(x, top, box_width, box_height, 0.93);
        page.frame(x, top, box_width, box_height, 0.6, 0.4);
        page.text_centered(x + box_width / 2.0, top + mm(6.0), LABEL, label);
        page.text_centered(x + box_width / 2.0, top + mm(18.0), big, half);
    }
    top += box_height + mm(7.0);
    page.text(LEFT, top, BODY, &format!("PIN da inserire (16 caratteri, senza spazi): {pin}"));
    top += BODY.leading() + mm(1.0);
    page.paragraph(LEFT, top, WIDTH, Style::new(Font::Regular, 9.0).gray(0.2), NO_LETTER_O);
}

#[cfg(test)]
mod tests {
    use super::pin_mailer;
    use crate::testing::{assert_pdf, assert_prints, mailer, page_count};

    #[test]
    fn mailer_prints_the_whole_pin_and_the_instructions() {
        let pdf = pin_mailer(&mailer());
        assert_pdf(&pdf);
        assert_eq!(page_count(&pdf), 1);
        assert_prints(
            &pdf,
            &[
                "4HJ7K2NPR8TV3WXZ",
                "4HJ7K2NP",
                "R8TV3WXZ",
                "PIN (16 caratteri) — prima parte / seconda parte",
                "Lucia Bianchi",
                "BNCLCU75M52F205Z",
                "Sede di Milano Nord",
                "PIN definitivo di 8 caratteri",
                "803164",
                "06 164164",
                "validità di 60 giorni",
            ],
        );
    }
}
