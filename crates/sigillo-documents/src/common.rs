//! What every document shares: margins, type styles, the institute header, footers, Italian dates,
//! and a flow that starts a new page when the current one is full.

use time::{Date, Month, OffsetDateTime, UtcOffset};

use crate::metrics::Font;
use crate::page::{PAGE_HEIGHT, PAGE_WIDTH, Page, Style, mm};

pub(crate) const INSTITUTE: &str = "Istituto Nazionale della Previdenza Sociale";
pub(crate) const SERVICE: &str = "Servizio PIN (Sigillo)";

pub(crate) const LEFT: f32 = mm(20.0);
pub(crate) const RIGHT: f32 = PAGE_WIDTH - mm(20.0);
pub(crate) const WIDTH: f32 = RIGHT - LEFT;
/// Lowest baseline for body content; the footer lives below.
pub(crate) const BOTTOM: f32 = PAGE_HEIGHT - mm(24.0);

pub(crate) const BODY: Style = Style::new(Font::Regular, 10.0);
pub(crate) const BODY_BOLD: Style = Style::new(Font::Bold, 10.0);
pub(crate) const LABEL: Style = Style::new(Font::Regular, 8.5).gray(0.35);
pub(crate) const SMALL: Style = Style::new(Font::Regular, 7.5).gray(0.3);
pub(crate) const TITLE: Style = Style::new(Font::Bold, 16.0);
pub(crate) const HEADING: Style = Style::new(Font::Bold, 11.0);

/// How to reach the contact center. No-break spaces keep the numbers whole when wrapped.
pub(crate) const CONTACT_CENTER: &str = "Per informazioni e assistenza può chiamare il Contact Center: \
    803164 da telefono fisso (numero gratuito) oppure 06\u{a0}164164 da telefono cellulare (a pagamento, secondo \
    la tariffa del Suo operatore), dal lunedì al venerdì dalle 8:00 alle 20:00 e il sabato dalle 8:00 alle 14:00.";

/// What a citizen must know about keeping a PIN.
pub(crate) const PIN_IS_PERSONAL: &str = "Il PIN è strettamente personale: lo conservi con cura e non lo \
    comunichi a nessuno. L'Istituto non Le chiederà mai il PIN per telefono, per e-mail o con un SMS: diffidi di \
    chiunque glielo chieda.";

/// Why the PIN never shows an O.
pub(crate) const NO_LETTER_O: &str = "Il PIN non contiene mai la lettera O: il carattere tondo è sempre la \
    cifra zero (0).";

/// The institute's name and the service on one line, with a rule under it and `aside` (a date, a
/// reference) at the right, or under the rule if the line has no room for it. Returns the top of
/// the free area below.
pub(crate) fn header(page: &mut Page, aside: &str) -> f32 {
    let top = mm(17.0);
    let name = Style::new(Font::Bold, 10.5);
    let service = Style::new(Font::Regular, 10.5);
    let service_text = format!(" — {SERVICE}");
    page.text(LEFT, top, name, INSTITUTE);
    page.text(LEFT + name.width(INSTITUTE), top, service, &service_text);
    let used = name.width(INSTITUTE) + service.width(&service_text);
    if used + mm(6.0) + LABEL.width(aside) <= WIDTH {
        page.text_right(RIGHT, top, LABEL, aside);
    } else {
        page.text_right(RIGHT, top + mm(7.5), LABEL, aside);
    }
    page.rule(LEFT, RIGHT, top + mm(3.0), 0.8, 0.0);
    top + mm(12.0)
}

/// The small print at the foot of a page: `left` (a reference) and the page number.
pub(crate) fn footer(page: &mut Page, left: &str, number: usize, total: usize) {
    let top = PAGE_HEIGHT - mm(14.0);
    page.rule(LEFT, RIGHT, top - mm(4.0), 0.4, 0.6);
    page.text(LEFT, top, SMALL, left);
    page.text_right(RIGHT, top, SMALL, &format!("Pagina {number} di {total}"));
}

/// A content that may run over several pages. Each new page gets the header and, through
/// [`Flow::room`]'s return value, the caller's chance to repeat a table header.
pub(crate) struct Flow {
    done: Vec<Page>,
    /// The page being filled.
    pub(crate) page: Page,
    /// Baseline of the next line on the current page.
    pub(crate) top: f32,
    aside: String,
}

impl Flow {
    /// Starts with a page that already has the header; `top` is where content begins.
    pub(crate) fn new(page: Page, top: f32, aside: String) -> Flow {
        Flow { done: Vec::new(), page, top, aside }
    }

    /// Makes sure `height` points fit below `top`; otherwise starts a new page. Returns whether it
    /// did, so a table can repeat its header.
    pub(crate) fn room(&mut self, height: f32) -> bool {
        if self.top + height <= BOTTOM {
            return false;
        }
        let mut next = Page::new();
        self.top = header(&mut next, &self.aside);
        self.done.push(std::mem::replace(&mut self.page, next));
        true
    }

    /// All pages, each with the footer `left` and its page number.
    pub(crate) fn finish(self, left: &str) -> Vec<Page> {
        let mut pages = self.done;
        pages.push(self.page);
        let total = pages.len();
        for (i, page) in pages.iter_mut().enumerate() {
            footer(page, left, i + 1, total);
        }
        pages
    }
}

/// `12 marzo 2025`.
pub(crate) fn long_date(date: Date) -> String {
    format!("{} {} {}", date.day(), month_name(date.month()), date.year())
}

/// `12/03/2025`.
pub(crate) fn short_date(date: Date) -> String {
    format!("{:02}/{:02}/{}", date.day(), u8::from(date.month()), date.year())
}

/// `12/03/2025, ore 10:15:30 UTC`. Shown in UTC so that the time is unambiguous whatever the
/// offset the caller's value carries.
pub(crate) fn timestamp(at: OffsetDateTime) -> String {
    let at = at.checked_to_offset(UtcOffset::UTC).unwrap_or(at);
    format!("{}, ore {:02}:{:02}:{:02} UTC", short_date(at.date()), at.hour(), at.minute(), at.second())
}

fn month_name(month: Month) -> &'static str {
    match month {
        Month::January => "gennaio",
        Month::February => "febbraio",
        Month::March => "marzo",
        Month::April => "aprile",
        Month::May => "maggio",
        Month::June => "giugno",
        Month::July => "luglio",
        Month::August => "agosto",
        Month::September => "settembre",
        Month::October => "ottobre",
        Month::November => "novembre",
        Month::December => "dicembre",
    }
}

#[cfg(test)]
mod tests {
    use time::macros::{date, datetime};

    use super::{long_date, short_date, timestamp};

    #[test]
    fn italian_dates() {
        assert_eq!(long_date(date!(2025 - 03 - 01)), "1 marzo 2025");
        assert_eq!(short_date(date!(2025 - 03 - 01)), "01/03/2025");
        assert_eq!(timestamp(datetime!(2025-03-01 10:15:30 +01:00)), "01/03/2025, ore 09:15:30 UTC");
    }
}
