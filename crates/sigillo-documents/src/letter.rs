//! The postal letter carrying the second half of a first-access PIN.
//!
//! The letter goes out by posta ordinaria in a DL window envelope, so the recipient block sits
//! where the window is: 110 mm from the left edge, 48 mm from the top, 90 × 45 mm. Nothing else
//! may show through the window, and the half PIN stays well below it, out of sight once folded.
//! The first half travels by SMS or e-mail; the letter says so, because the citizen needs both.

use time::Date;

use crate::common::{
    BODY, BODY_BOLD, CONTACT_CENTER, HEADING, INSTITUTE, LABEL, LEFT, NO_LETTER_O, PIN_IS_PERSONAL, RIGHT, SERVICE,
    SMALL, WIDTH, long_date,
};
use crate::document::{Info, assemble, pdf_date};
use crate::metrics::{Font, wrap};
use crate::page::{PAGE_HEIGHT, Page, Style, mm};

/// A postal address as printed in the envelope window.
#[derive(Debug, Clone)]
pub struct PostalAddress {
    /// First line, usually the citizen's full name.
    pub name: String,
    /// The rest, top to bottom: street and number, `00100 ROMA (RM)`, the country if not Italy.
    pub lines: Vec<String>,
}

/// Letter with the second half of a first-access PIN (posta ordinaria).
#[derive(Debug, Clone)]
pub struct PinLetter {
    /// Printed small at the bottom, to match the letter against the print batch manifest.
    pub message_id: String,
    /// Goes in the address window.
    pub recipient: PostalAddress,
    pub fiscal_code: String,
    /// The 8 characters of the second half.
    pub pin_half: String,
    /// Date printed on the letter; the 60 days of validity count from about here.
    pub date: Date,
}

/// One A4 page.
pub fn pin_letter(letter: &PinLetter) -> Vec<u8> {
    let info = Info { title: "Seconda parte del PIN", created: pdf_date(letter.date) };
    assemble(&info, vec![draw(letter)])
}

/// The letters of a print batch as one PDF, one page each, in the given order.
pub fn pin_letters_batch(letters: &[PinLetter]) -> Vec<u8> {
    let title = format!("Lotto di stampa: {} lettere con la seconda parte del PIN", letters.len());
    let created = letters.iter().map(|l| l.date).max().map(pdf_date).unwrap_or(pdf_writer::Date::new(2000));
    let mut pages: Vec<Page> = letters.iter().map(draw).collect();
    if pages.is_empty() {
        // A PDF without pages upsets viewers and printers; say what happened instead.
        let mut page = Page::new();
        sender(&mut page);
        page.text(LEFT, mm(60.0), BODY, "Lotto di stampa vuoto: nessuna lettera da stampare.");
        pages.push(page);
    }
    assemble(&Info { title: &title, created }, pages)
}

/// The address window, in millimetres from the top-left corner of the sheet.
const WINDOW_X: f32 = mm(110.0);
const WINDOW_TOP: f32 = mm(48.0);
const WINDOW_WIDTH: f32 = mm(90.0);
const WINDOW_HEIGHT: f32 = mm(45.0);
/// Text keeps this far from the window's edges, so a sheet shifted in the envelope still shows it.
const WINDOW_PAD: f32 = mm(5.0);

fn draw(letter: &PinLetter) -> Page {
    let mut page = Page::new();
    sender(&mut page);
    window(&mut page, &letter.recipient);
    reference(&mut page, letter);

    let mut top = mm(106.0);
    page.text(LEFT, top, HEADING, "Oggetto: seconda parte del Suo PIN");
    top += mm(9.0);
    page.text(LEFT, top, BODY, "Gentile Signora, gentile Signore,");
    top += mm(7.0);

    let gap = mm(2.5);
    top = page.paragraph(
        LEFT,
        top,
        WIDTH,
        BODY,
        "con questa lettera Le inviamo la seconda parte del PIN che ha richiesto: sono gli 8 caratteri riportati \
         qui sotto. La prima parte, anch'essa di 8 caratteri, Le è stata inviata con un SMS o per e-mail ai \
         recapiti indicati nella richiesta.",
    ) + gap;

    top = pin_box(&mut page, top, &letter.pin_half) + mm(7.0);

    page.text(LEFT, top, BODY_BOLD, "Come fare il primo accesso");
    top += BODY.leading() + mm(0.5);
    top = page.paragraph(
        LEFT,
        top,
        WIDTH,
        BODY,
        "Sul portale dei servizi online dell'Istituto scelga «Accedi con PIN» e inserisca il Suo codice fiscale e i \
         16 caratteri del PIN di primo accesso: prima gli 8 caratteri della prima parte ricevuta con SMS o e-mail, \
         subito dopo gli 8 caratteri della seconda parte riportata in questa lettera, senza spazi. Le sarà chiesto \
         quindi di scegliere il Suo PIN definitivo di 8 caratteri, che userà da quel momento in poi.",
    ) + gap;
    top = page.paragraph(
        LEFT,
        top,
        WIDTH,
        BODY,
        "Il PIN di primo accesso ha una validità di 60 giorni: se non lo usa entro questo termine non sarà più \
         valido e dovrà richiederne uno nuovo.",
    ) + gap;
    top = page.paragraph(LEFT, top, WIDTH, BODY, PIN_IS_PERSONAL) + gap;
    top = page.paragraph(LEFT, top, WIDTH, BODY, CONTACT_CENTER) + mm(4.0);
    page.text(LEFT, top, BODY, "Cordiali saluti.");
    page.text_right(RIGHT, top + mm(6.0), BODY, SERVICE);

    footer(&mut page, &letter.message_id);
    page
}

/// The sender block at the top left, clear of the window.
fn sender(page: &mut Page) {
    page.text(LEFT, mm(18.0), Style::new(Font::Bold, 10.5), INSTITUTE);
    page.text(LEFT, mm(23.0), BODY, SERVICE);
    page.rule(LEFT, LEFT + mm(20.0), mm(27.0), 1.2, 0.0);
}

/// Who the letter is for, inside the window, shrinking the type if a long address needs it.
fn window(page: &mut Page, recipient: &PostalAddress) {
    page.corner_marks(WINDOW_X, WINDOW_TOP, WINDOW_WIDTH, WINDOW_HEIGHT, mm(3.0));
    let x = WINDOW_X + WINDOW_PAD;
    let width = WINDOW_WIDTH - 2.0 * WINDOW_PAD;
    let return_line = Style::new(Font::Regular, 6.5).gray(0.3);
    let first = WINDOW_TOP + WINDOW_PAD + return_line.size * 0.8;
    page.text(x, first, return_line, "Posta ordinaria - Mittente: INPS, Servizio PIN (Sigillo)");

    let start = first + mm(6.0);
    let room = WINDOW_TOP + WINDOW_HEIGHT - WINDOW_PAD - start;
    for size in [10.5, 9.5, 8.5, 7.5] {
        let (bold, regular) = (Style::new(Font::Bold, size), Style::new(Font::Regular, size));
        let mut lines: Vec<(Style, Vec<u8>)> =
            wrap(&recipient.name, bold.font, size, width).into_iter().map(|l| (bold, l)).collect();
        for line in &recipient.lines {
            lines.extend(wrap(line, regular.font, size, width).into_iter().map(|l| (regular, l)));
        }
        let fits = (lines.len().saturating_sub(1)) as f32 * regular.leading() <= room;
        if fits || size <= 7.5 {
            let mut top = start;
            for (style, line) in lines {
                if top > start + room {
                    break; // cannot happen above 7.5 pt; below, an absurd address is cut, not overprinted
                }
                page.encoded(x, top, style, &line);
                top += style.leading();
            }
            return;
        }
    }
}

/// Codice fiscale and date at the left of the window.
fn reference(page: &mut Page, letter: &PinLetter) {
    let mut top = mm(58.0);
    for (label, value) in [("Codice fiscale", letter.fiscal_code.as_str()), ("Data", &long_date(letter.date))] {
        page.text(LEFT, top, LABEL, label);
        page.text(LEFT, top + mm(5.0), BODY_BOLD, value);
        top += mm(13.0);
    }
}

/// The half PIN in a shaded box: once contiguous (to copy or read out), once large in two groups of
/// four. Returns the top of the space below the box.
fn pin_box(page: &mut Page, top: f32, half: &str) -> f32 {
    let height = mm(34.0);
    page.fill(LEFT, top, WIDTH, height, 0.93);
    page.frame(LEFT, top, WIDTH, height, 0.6, 0.4);
    let center = LEFT + WIDTH / 2.0;
    page.text_centered(center, top + mm(7.0), BODY, &format!("Seconda parte del PIN: {half}"));
    let big = Style::new(Font::Mono, 26.0);
    page.text_centered(center, top + mm(19.0), big, &grouped(half, 4));
    page.text_centered(center, top + mm(28.0), Style::new(Font::Regular, 8.5), NO_LETTER_O);
    top + height
}

/// `7K3M9QXW` → `7K3M 9QXW`.
pub(crate) fn grouped(pin: &str, size: usize) -> String {
    let chars: Vec<char> = pin.chars().collect();
    chars.chunks(size.max(1)).map(|c| c.iter().collect::<String>()).collect::<Vec<_>>().join(" ")
}

/// Legal note and the message id, small, at the foot of the page.
fn footer(page: &mut Page, message_id: &str) {
    let top = PAGE_HEIGHT - mm(17.0);
    page.rule(LEFT, RIGHT, top - mm(4.0), 0.4, 0.6);
    page.text(LEFT, top, SMALL, "Comunicazione generata e stampata automaticamente, priva di firma autografa.");
    page.text(LEFT, top + mm(7.0), SMALL, &format!("Identificativo messaggio: {message_id}"));
}

#[cfg(test)]
mod tests {
    use super::{grouped, pin_letter, pin_letters_batch};
    use crate::testing::{assert_pdf, assert_prints, letter, long_address_letter, page_count, pdftotext};

    #[test]
    fn letter_prints_the_half_pin_and_what_to_do_with_it() {
        let pdf = pin_letter(&letter("0195a3c2-7f1e", "7K3M9QXW"));
        assert_pdf(&pdf);
        assert_eq!(page_count(&pdf), 1);
        assert_prints(
            &pdf,
            &[
                "Seconda parte del PIN: 7K3M9QXW",
                "7K3M 9QXW",
                "Oggetto: seconda parte del Suo PIN",
                "MARIA GRAZIA DELL'ACQUA",
                "00186 ROMA (RM)",
                "DLLMGR80A41H501U",
                "803164",
                "06 164164",
                "60 giorni",
                "0195a3c2-7f1e",
                "12 marzo 2025",
                "Istituto Nazionale della Previdenza Sociale",
            ],
        );
    }

    #[test]
    fn accented_words_survive_extraction() {
        let pdf = pin_letter(&letter("m", "7K3M9QXW"));
        assert_prints(&pdf, &["è", "più", "validità", "lunedì", "«Accedi con PIN»"]);
    }

    #[test]
    fn the_phone_numbers_are_never_split_by_wrapping() {
        let Some(text) = pdftotext(&pin_letter(&letter("m", "7K3M9QXW"))) else { return };
        assert!(text.contains("06 164164 da telefono cellulare"), "{text}");
    }

    #[test]
    fn a_long_address_stays_inside_the_window() {
        let long = long_address_letter();
        let pdf = pin_letter(&long);
        assert_pdf(&pdf);
        assert_prints(&pdf, &["50137 FIRENZE (FI)"]);
    }

    #[test]
    fn batch_has_one_page_per_letter() {
        let letters: Vec<_> = ["AAAA1111", "BBBB2222", "CCCC3333"]
            .iter()
            .enumerate()
            .map(|(i, half)| letter(&format!("msg-{i}"), half))
            .collect();
        let pdf = pin_letters_batch(&letters);
        assert_pdf(&pdf);
        assert_eq!(page_count(&pdf), 3);
        assert_prints(&pdf, &["AAAA1111", "BBBB2222", "CCCC3333", "msg-0", "msg-2"]);
    }

    #[test]
    fn empty_batch_is_still_a_valid_pdf() {
        let pdf = pin_letters_batch(&[]);
        assert_pdf(&pdf);
        assert_eq!(page_count(&pdf), 1);
    }

    #[test]
    fn groups() {
        assert_eq!(grouped("7K3M9QXW", 4), "7K3M 9QXW");
        assert_eq!(grouped("ABC", 4), "ABC");
    }
}
