//! The three standard-14 fonts we print with, their glyph widths, and a greedy word-wrapper.
//!
//! pdf-writer writes operators and never measures text, so the layout needs the advance widths
//! itself. These are the Adobe Font Metrics (AFM) widths of Helvetica and Helvetica-Bold for the
//! WinAnsi bytes 0x20..=0xFF, in thousandths of the font size; Courier is monospaced at 600.
//! Viewers and printers use exactly these metrics for the non-embedded fonts, so a line measured
//! here is the line that prints.

use pdf_writer::Name;

use crate::encoding::encode;

/// A font of the page resources. All three use WinAnsiEncoding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Font {
    /// Helvetica: running text.
    Regular,
    /// Helvetica-Bold: headings, labels.
    Bold,
    /// Courier-Bold: PINs, where every character must be told apart at a glance.
    Mono,
}

impl Font {
    pub(crate) const ALL: [Font; 3] = [Font::Regular, Font::Bold, Font::Mono];

    /// The name under which the page resources list the font.
    pub(crate) fn resource_name(self) -> Name<'static> {
        match self {
            Font::Regular => Name(b"F1"),
            Font::Bold => Name(b"F2"),
            Font::Mono => Name(b"F3"),
        }
    }

    pub(crate) fn base_font(self) -> Name<'static> {
        match self {
            Font::Regular => Name(b"Helvetica"),
            Font::Bold => Name(b"Helvetica-Bold"),
            Font::Mono => Name(b"Courier-Bold"),
        }
    }

    /// Advance width of one WinAnsi byte, in thousandths of the font size.
    fn glyph_width(self, byte: u8) -> u16 {
        let table = match self {
            Font::Regular => &HELVETICA,
            Font::Bold => &HELVETICA_BOLD,
            Font::Mono => return 600,
        };
        usize::from(byte).checked_sub(0x20).and_then(|i| table.get(i).copied()).unwrap_or(0)
    }

    /// Width in points of encoded text at `size` points.
    pub(crate) fn width(self, bytes: &[u8], size: f32) -> f32 {
        let units: u32 = bytes.iter().map(|&b| u32::from(self.glyph_width(b))).sum();
        units as f32 * size / 1000.0
    }

    /// Width in points of `text` at `size` points.
    pub(crate) fn text_width(self, text: &str, size: f32) -> f32 {
        self.width(&encode(text), size)
    }
}

/// Breaks `text` into encoded lines no wider than `max_width` points: at spaces where possible,
/// inside a word only when the word alone is too wide. `\n` forces a break; a no-break space
/// (U+00A0) keeps its neighbours on one line. Always returns at least one (maybe empty) line.
pub(crate) fn wrap(text: &str, font: Font, size: f32, max_width: f32) -> Vec<Vec<u8>> {
    let mut lines = Vec::new();
    for hard_line in text.split('\n') {
        let mut current: Vec<u8> = Vec::new();
        for word in hard_line.split(' ').filter(|w| !w.is_empty()) {
            let word = encode(word);
            let mut candidate = current.clone();
            if !candidate.is_empty() {
                candidate.push(b' ');
            }
            candidate.extend_from_slice(&word);
            if font.width(&candidate, size) <= max_width {
                current = candidate;
                continue;
            }
            if !current.is_empty() {
                lines.push(std::mem::take(&mut current));
            }
            current = word;
            // A word wider than the line (a long e-mail address, an identifier): cut it.
            while font.width(&current, size) > max_width && current.len() > 1 {
                let mut cut = 1;
                while cut < current.len() && font.width(&current[..=cut], size) <= max_width {
                    cut += 1;
                }
                let rest = current.split_off(cut);
                lines.push(std::mem::replace(&mut current, rest));
            }
        }
        lines.push(current);
    }
    lines
}

/// Helvetica, WinAnsi 0x20..=0xFF. The unassigned bytes 0x7F, 0x81, 0x8D, 0x8F, 0x90 and 0x9D
/// carry the bullet's 350; [`crate::encoding`] never produces them.
#[rustfmt::skip]
const HELVETICA: [u16; 224] = [
    278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278, // 0x20
    556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 278, 278, 584, 584, 584, 556, // 0x30
    1015, 667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667, 556, 833, 722, 778, // 0x40
    667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 278, 278, 278, 469, 556, // 0x50
    333, 556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833, 556, 556, // 0x60
    556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500, 334, 260, 334, 584, 350, // 0x70
    556, 350, 222, 556, 333, 1000, 556, 556, 333, 1000, 667, 333, 1000, 350, 611, 350, // 0x80
    350, 222, 222, 333, 333, 350, 556, 1000, 333, 1000, 500, 333, 944, 350, 500, 667, // 0x90
    278, 333, 556, 556, 556, 556, 260, 556, 333, 737, 370, 556, 584, 333, 737, 333, // 0xA0
    400, 584, 333, 333, 333, 556, 537, 278, 333, 333, 365, 556, 834, 834, 834, 611, // 0xB0
    667, 667, 667, 667, 667, 667, 1000, 722, 667, 667, 667, 667, 278, 278, 278, 278, // 0xC0
    722, 722, 778, 778, 778, 778, 778, 584, 778, 722, 722, 722, 722, 667, 667, 611, // 0xD0
    556, 556, 556, 556, 556, 556, 889, 500, 556, 556, 556, 556, 278, 278, 278, 278, // 0xE0
    556, 556, 556, 556, 556, 556, 556, 584, 611, 556, 556, 556, 556, 500, 556, 500, // 0xF0
];

/// Helvetica-Bold, WinAnsi 0x20..=0xFF.
#[rustfmt::skip]
const HELVETICA_BOLD: [u16; 224] = [
    278, 333, 474, 556, 556, 889, 722, 238, 333, 333, 389, 584, 278, 333, 278, 278, // 0x20
    556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 333, 333, 584, 584, 584, 611, // 0x30
    975, 722, 722, 722, 722, 667, 611, 778, 722, 278, 556, 722, 611, 833, 722, 778, // 0x40
    667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 333, 278, 333, 584, 556, // 0x50
    333, 556, 611, 556, 611, 556, 333, 611, 611, 278, 278, 556, 278, 889, 611, 611, // 0x60
    611, 611, 389, 556, 333, 611, 556, 778, 556, 556, 500, 389, 280, 389, 584, 350, // 0x70
    556, 350, 278, 556, 500, 1000, 556, 556, 333, 1000, 667, 333, 1000, 350, 611, 350, // 0x80
    350, 278, 278, 500, 500, 350, 556, 1000, 333, 1000, 556, 333, 944, 350, 500, 667, // 0x90
    278, 333, 556, 556, 556, 556, 280, 556, 333, 737, 370, 556, 584, 333, 737, 333, // 0xA0
    400, 584, 333, 333, 333, 611, 556, 278, 333, 333, 365, 556, 834, 834, 834, 611, // 0xB0
    722, 722, 722, 722, 722, 722, 1000, 722, 667, 667, 667, 667, 278, 278, 278, 278, // 0xC0
    722, 722, 778, 778, 778, 778, 778, 584, 778, 722, 722, 722, 722, 667, 667, 611, // 0xD0
    556, 556, 556, 556, 556, 556, 889, 556, 556, 556, 556, 556, 278, 278, 278, 278, // 0xE0
    611, 611, 611, 611, 611, 611, 611, 584, 611, 611, 611, 611, 611, 556, 611, 556, // 0xF0
];

#[cfg(test)]
mod tests {
    use super::{Font, wrap};

    #[test]
    fn widths_follow_the_afm() {
        // "Sigillo": S 667, i 222, g 556, i 222, l 222, l 222, o 556 = 2667 in Helvetica.
        assert!((Font::Regular.text_width("Sigillo", 10.0) - 26.67).abs() < 1e-3);
        // Bold differs: S 667, i 278, g 611, i 278, l 278, l 278, o 611 = 3001.
        assert!((Font::Bold.text_width("Sigillo", 10.0) - 30.01).abs() < 1e-3);
        assert!((Font::Mono.text_width("7K3M9QXW", 10.0) - 48.0).abs() < 1e-3);
        // è is 556 like e.
        assert_eq!(Font::Regular.text_width("è", 1.0), Font::Regular.text_width("e", 1.0));
    }

    #[test]
    fn wraps_at_spaces_within_the_width() {
        let text = "il PIN è personale: lo conservi con cura e non lo comunichi a nessuno";
        let lines = wrap(text, Font::Regular, 10.0, 120.0);
        assert!(lines.len() > 1);
        for line in &lines {
            assert!(Font::Regular.width(line, 10.0) <= 120.0);
        }
        let joined: Vec<u8> = lines.join(&b' ');
        assert_eq!(joined, crate::encoding::encode(text));
    }

    #[test]
    fn no_break_space_keeps_words_together() {
        let lines = wrap("aaaa aaaa 06\u{a0}164164", Font::Regular, 10.0, 75.0);
        assert!(lines.iter().any(|l| l.as_slice() == b"06 164164"), "{lines:?}");
    }

    #[test]
    fn long_words_are_cut_and_hard_breaks_kept() {
        let lines = wrap("x\nmario.rossi.molto.lungo@example.invalid", Font::Regular, 10.0, 60.0);
        assert_eq!(lines[0], b"x");
        assert!(lines.len() > 2);
        assert!(lines.iter().all(|l| Font::Regular.width(l, 10.0) <= 60.0));
        assert_eq!(lines[1..].concat(), b"mario.rossi.molto.lungo@example.invalid");
        assert_eq!(wrap("", Font::Regular, 10.0, 60.0), vec![Vec::<u8>::new()]);
    }
}
