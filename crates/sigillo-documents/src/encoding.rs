//! Text to WinAnsiEncoding bytes, the encoding of the standard-14 fonts we use.
//!
//! Using the built-in Helvetica and Courier means no font file is embedded and every PDF viewer
//! and printer has the glyphs, but it limits text to the 218 characters of WinAnsi (Windows-1252).
//! That covers Italian (à è é ì ò ù and their capitals, « », €) and most Western European names.
//! Anything else gets a close ASCII stand-in (`Ș` → `S`, `ł` → `l`, `→` → `->`) so a name from
//! the registry never prints as garbage; what has no stand-in prints as `?`.

/// Encodes `text` for a WinAnsi font. Line breaks and tabs become spaces; a no-break space becomes
/// a plain space (the word-wrapper has already kept its neighbours together).
pub(crate) fn encode(text: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len());
    for c in text.chars() {
        if let Some(mark) = combining_mark(c) {
            // A decomposed accent (NFD input): fold it into the letter before it when WinAnsi has the
            // precomposed form, otherwise drop it and keep the bare letter.
            if let Some(last) = out.last_mut()
                && let Some(composed) = compose(*last, mark)
            {
                *last = composed;
            }
            continue;
        }
        match byte(c) {
            Some(b) => out.push(b),
            None => out.extend_from_slice(fallback(c).as_bytes()),
        }
    }
    out
}

/// The WinAnsi byte of a character, if it has one.
fn byte(c: char) -> Option<u8> {
    let code = u32::from(c);
    match code {
        0x20..=0x7E => u8::try_from(code).ok(),
        0xA0 => Some(b' '),
        0xA1..=0xFF => u8::try_from(code).ok(),
        0x09 | 0x0A | 0x0D => Some(b' '),
        _ => WINANSI_HIGH.iter().position(|&h| h == c).and_then(|i| u8::try_from(0x80 + i).ok()),
    }
}

/// Unicode of the WinAnsi bytes 0x80..=0x9F; `\0` marks the five unassigned ones.
const WINANSI_HIGH: [char; 32] = [
    '€', '\0', '‚', 'ƒ', '„', '…', '†', '‡', 'ˆ', '‰', 'Š', '‹', 'Œ', '\0', 'Ž', '\0', //
    '\0', '‘', '’', '“', '”', '•', '–', '—', '˜', '™', 'š', '›', 'œ', '\0', 'ž', 'Ÿ',
];

/// Base letters of Latin Extended-A (U+0100..=U+017F), in order; `*` marks the few that need more
/// than one letter or are handled by [`fallback`] directly.
const LATIN_EXTENDED_A: &[u8; 128] = b"AaAaAaCcCcCcCcDd\
DdEeEeEeEeEeGgGg\
GgGgHhHhIiIiIiIi\
Ii**JjKkkLlLlLlL\
lLlNnNnNn*NnOoOo\
OoOoRrRrRrSsSsSs\
SsTtTtTtUuUuUuUu\
UuUuWwYyYZzZzZzs";

/// A close ASCII stand-in for a character WinAnsi lacks.
fn fallback(c: char) -> &'static str {
    let code = u32::from(c);
    if (0x100..=0x17F).contains(&code) {
        let i = usize::try_from(code - 0x100).unwrap_or(0);
        return match c {
            'Ĳ' => "IJ",
            'ĳ' => "ij",
            'ŉ' => "'n",
            _ => LATIN_EXTENDED_A.get(i..=i).and_then(|s| std::str::from_utf8(s).ok()).unwrap_or("?"),
        };
    }
    match c {
        'Ș' => "S",
        'ș' => "s",
        'Ț' => "T",
        'ț' => "t",
        'Ǎ' => "A",
        'ǎ' => "a",
        'ǧ' => "g",
        '\u{2010}'..='\u{2012}' | '\u{2015}' | '\u{2212}' | '\u{2043}' => "-",
        '\u{2032}' | '\u{02BC}' | '\u{02B9}' => "'",
        '\u{2033}' => "\"",
        '\u{2000}'..='\u{200A}' | '\u{202F}' | '\u{205F}' | '\u{3000}' => " ",
        '\u{200B}'..='\u{200D}' | '\u{2060}' | '\u{FEFF}' => "",
        '→' => "->",
        '←' => "<-",
        '≤' => "<=",
        '≥' => ">=",
        '≠' => "!=",
        '✓' | '✔' => "v",
        _ if c.is_control() => "",
        _ => "?",
    }
}

/// The accents that can be folded into a preceding letter.
#[derive(Clone, Copy)]
enum Mark {
    Grave,
    Acute,
    Circumflex,
    Diaeresis,
    Other,
}

fn combining_mark(c: char) -> Option<Mark> {
    match c {
        '\u{0300}' => Some(Mark::Grave),
        '\u{0301}' => Some(Mark::Acute),
        '\u{0302}' => Some(Mark::Circumflex),
        '\u{0308}' => Some(Mark::Diaeresis),
        '\u{0303}'..='\u{036F}' => Some(Mark::Other),
        _ => None,
    }
}

/// The WinAnsi byte of `base` with `mark`, if there is one.
fn compose(base: u8, mark: Mark) -> Option<u8> {
    let (from, to): (&[u8], &[u8]) = match mark {
        Mark::Grave => (b"AEIOUaeiou", b"\xC0\xC8\xCC\xD2\xD9\xE0\xE8\xEC\xF2\xF9"),
        Mark::Acute => (b"AEIOUYaeiouy", b"\xC1\xC9\xCD\xD3\xDA\xDD\xE1\xE9\xED\xF3\xFA\xFD"),
        Mark::Circumflex => (b"AEIOUaeiou", b"\xC2\xCA\xCE\xD4\xDB\xE2\xEA\xEE\xF4\xFB"),
        Mark::Diaeresis => (b"AEIOUaeiouy", b"\xC4\xCB\xCF\xD6\xDC\xE4\xEB\xEF\xF6\xFC\xFF"),
        Mark::Other => return None,
    };
    from.iter().position(|&b| b == base).and_then(|i| to.get(i).copied())
}

#[cfg(test)]
mod tests {
    use super::encode;

    #[test]
    fn ascii_passes_through() {
        assert_eq!(encode("PIN 7K3M-9QXW (ok)"), b"PIN 7K3M-9QXW (ok)");
    }

    #[test]
    fn italian_letters_and_euro_map_to_winansi() {
        assert_eq!(encode("àèéìòù"), [0xE0, 0xE8, 0xE9, 0xEC, 0xF2, 0xF9]);
        assert_eq!(encode("ÀÈÉÌÒÙ"), [0xC0, 0xC8, 0xC9, 0xCC, 0xD2, 0xD9]);
        assert_eq!(encode("€ — « » ’"), [0x80, b' ', 0x97, b' ', 0xAB, b' ', 0xBB, b' ', 0x92]);
    }

    #[test]
    fn decomposed_accents_are_composed() {
        assert_eq!(encode("perche\u{0301} citta\u{0300}"), b"perch\xE9 citt\xE0");
        assert_eq!(encode("x\u{0300}"), b"x");
    }

    #[test]
    fn unmappable_characters_get_an_ascii_stand_in() {
        assert_eq!(encode("Ștefănescu Łukasz Dvořák"), b"Stefanescu Lukasz Dvor\xE1k");
        assert_eq!(encode("a → b"), b"a -> b");
        assert_eq!(encode("Ĳssel"), b"IJssel");
        assert_eq!(encode("北京"), b"??");
    }

    #[test]
    fn whitespace_controls_become_spaces() {
        assert_eq!(encode("a\nb\tc\u{a0}d"), b"a b c d");
    }
}
