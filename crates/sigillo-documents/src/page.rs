//! One page being drawn: text and rules placed by distance from the top edge, in points.
//!
//! PDF puts the origin at the bottom-left; documents are designed (and Italian postal rules are
//! written) from the top-left, so every method here takes `top`, the distance from the top edge,
//! and converts. Text is always written through [`encode`], never as raw `str`.

use pdf_writer::{Content, Str};

use crate::encoding::encode;
use crate::metrics::{Font, wrap};

/// A4 in points.
pub(crate) const PAGE_WIDTH: f32 = 595.28;
pub(crate) const PAGE_HEIGHT: f32 = 841.89;

/// Millimetres to points.
pub(crate) const fn mm(value: f32) -> f32 {
    value * 72.0 / 25.4
}

/// How a run of text looks.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Style {
    pub(crate) font: Font,
    pub(crate) size: f32,
    /// 0 is black, 1 white.
    pub(crate) gray: f32,
}

impl Style {
    pub(crate) const fn new(font: Font, size: f32) -> Style {
        Style { font, size, gray: 0.0 }
    }

    pub(crate) const fn gray(self, gray: f32) -> Style {
        Style { gray, ..self }
    }

    /// Distance between baselines of wrapped lines.
    pub(crate) fn leading(self) -> f32 {
        self.size * 1.32
    }

    pub(crate) fn width(self, text: &str) -> f32 {
        self.font.text_width(text, self.size)
    }
}

/// The content stream of one page. Uncompressed on purpose: the printed text can be found in the
/// file, which is what the tests and a curious operator look for.
pub(crate) struct Page {
    content: Content,
}

impl Page {
    pub(crate) fn new() -> Page {
        Page { content: Content::new() }
    }

    /// Text whose baseline is `top` below the top edge, starting at `x`.
    pub(crate) fn text(&mut self, x: f32, top: f32, style: Style, text: &str) {
        self.encoded(x, top, style, &encode(text));
    }

    /// Text ending at `right`.
    pub(crate) fn text_right(&mut self, right: f32, top: f32, style: Style, text: &str) {
        let bytes = encode(text);
        self.encoded(right - style.font.width(&bytes, style.size), top, style, &bytes);
    }

    /// Text centred on `center`.
    pub(crate) fn text_centered(&mut self, center: f32, top: f32, style: Style, text: &str) {
        let bytes = encode(text);
        self.encoded(center - style.font.width(&bytes, style.size) / 2.0, top, style, &bytes);
    }

    /// Already encoded text (a line out of [`wrap`]).
    pub(crate) fn encoded(&mut self, x: f32, top: f32, style: Style, bytes: &[u8]) {
        if bytes.is_empty() {
            return;
        }
        self.content
            .begin_text()
            .set_font(style.font.resource_name(), style.size)
            .set_fill_gray(style.gray)
            .next_line(x, PAGE_HEIGHT - top)
            .show(Str(bytes))
            .end_text();
    }

    /// Word-wrapped text; the first baseline is at `top`. Returns where the next line's baseline
    /// would be.
    pub(crate) fn paragraph(&mut self, x: f32, top: f32, width: f32, style: Style, text: &str) -> f32 {
        let mut top = top;
        for line in wrap(text, style.font, style.size, width) {
            self.encoded(x, top, style, &line);
            top += style.leading();
        }
        top
    }

    /// A horizontal line.
    pub(crate) fn rule(&mut self, from: f32, to: f32, top: f32, thickness: f32, gray: f32) {
        let y = PAGE_HEIGHT - top;
        self.content
            .save_state()
            .set_line_width(thickness)
            .set_stroke_gray(gray)
            .move_to(from, y)
            .line_to(to, y)
            .stroke()
            .restore_state();
    }

    /// A dashed horizontal line (fold marks).
    pub(crate) fn dashed_rule(&mut self, from: f32, to: f32, top: f32, gray: f32) {
        let y = PAGE_HEIGHT - top;
        self.content
            .save_state()
            .set_line_width(0.5)
            .set_stroke_gray(gray)
            .set_dash_pattern([4.0, 3.0], 0.0)
            .move_to(from, y)
            .line_to(to, y)
            .stroke()
            .restore_state();
    }

    /// A rectangle's outline; `top` is its upper edge.
    pub(crate) fn frame(&mut self, x: f32, top: f32, width: f32, height: f32, thickness: f32, gray: f32) {
        self.content
            .save_state()
            .set_line_width(thickness)
            .set_stroke_gray(gray)
            .rect(x, PAGE_HEIGHT - top - height, width, height)
            .stroke()
            .restore_state();
    }

    /// A filled rectangle; `top` is its upper edge.
    pub(crate) fn fill(&mut self, x: f32, top: f32, width: f32, height: f32, gray: f32) {
        self.content
            .save_state()
            .set_fill_gray(gray)
            .rect(x, PAGE_HEIGHT - top - height, width, height)
            .fill_nonzero()
            .restore_state();
    }

    /// The four corners of a rectangle, as short strokes: marks where the envelope window falls
    /// without printing a box around the address.
    pub(crate) fn corner_marks(&mut self, x: f32, top: f32, width: f32, height: f32, arm: f32) {
        let (left, right) = (x, x + width);
        let (upper, lower) = (PAGE_HEIGHT - top, PAGE_HEIGHT - top - height);
        self.content.save_state().set_line_width(0.4).set_stroke_gray(0.6);
        for (cx, cy, dx, dy) in
            [(left, upper, arm, -arm), (right, upper, -arm, -arm), (left, lower, arm, arm), (right, lower, -arm, arm)]
        {
            self.content.move_to(cx + dx, cy).line_to(cx, cy).line_to(cx, cy + dy).stroke();
        }
        self.content.restore_state();
    }

    pub(crate) fn finish(self) -> Vec<u8> {
        self.content.finish().into_vec()
    }
}
