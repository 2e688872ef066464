//! Pages into a PDF file: catalog, page tree, the three fonts, document information.
//!
//! Object numbers are handed out in one increasing sequence, so none is ever written twice (the
//! one way pdf-writer's `finish` can fail). Content streams stay uncompressed: the documents are a
//! few kilobytes and readable text in the file makes them easy to check.

use pdf_writer::{Date, Finish, Name, Pdf, Rect, Ref, TextStr};

use crate::metrics::Font;
use crate::page::{PAGE_HEIGHT, PAGE_WIDTH, Page};

/// What the document information dictionary says about the file.
pub(crate) struct Info<'a> {
    pub(crate) title: &'a str,
    pub(crate) created: Date,
}

/// Writes the pages as one PDF.
pub(crate) fn assemble(info: &Info<'_>, pages: Vec<Page>) -> Vec<u8> {
    let mut next = 0;
    let mut alloc = || {
        next += 1;
        Ref::new(next)
    };
    let catalog_id = alloc();
    let tree_id = alloc();
    let info_id = alloc();
    let font_ids = Font::ALL.map(|font| (font, alloc()));
    let page_ids: Vec<(Ref, Ref)> = pages.iter().map(|_| (alloc(), alloc())).collect();

    let mut pdf = Pdf::new();
    pdf.set_version(1, 4);
    pdf.catalog(catalog_id).pages(tree_id);
    pdf.document_info(info_id)
        .title(TextStr(info.title))
        .producer(TextStr("Sigillo"))
        .creator(TextStr("Sigillo"))
        .creation_date(info.created);
    pdf.pages(tree_id)
        .kids(page_ids.iter().map(|&(page_id, _)| page_id))
        .count(i32::try_from(page_ids.len()).unwrap_or(i32::MAX));

    for (font, id) in font_ids {
        pdf.type1_font(id).base_font(font.base_font()).encoding_predefined(Name(b"WinAnsiEncoding"));
    }

    for (page, (page_id, content_id)) in pages.into_iter().zip(&page_ids) {
        let mut writer = pdf.page(*page_id);
        writer.parent(tree_id).media_box(Rect::new(0.0, 0.0, PAGE_WIDTH, PAGE_HEIGHT)).contents(*content_id);
        let mut resources = writer.resources();
        let mut fonts = resources.fonts();
        for (font, id) in font_ids {
            fonts.pair(font.resource_name(), id);
        }
        fonts.finish();
        resources.finish();
        writer.finish();
        pdf.stream(*content_id, &page.finish());
    }
    pdf.finish()
}

/// A calendar date for the information dictionary.
pub(crate) fn pdf_date(date: time::Date) -> Date {
    Date::new(u16::try_from(date.year()).unwrap_or(0)).month(u8::from(date.month())).day(date.day())
}

/// An instant for the information dictionary, in UTC.
pub(crate) fn pdf_datetime(at: time::OffsetDateTime) -> Date {
    let at = at.checked_to_offset(time::UtcOffset::UTC).unwrap_or(at);
    pdf_date(at.date()).hour(at.hour()).minute(at.minute()).second(at.second()).utc_offset_hour(0)
}
