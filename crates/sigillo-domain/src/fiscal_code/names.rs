//! The three-letter codes of the family name and the given name.
//!
//! Letters are folded to ASCII the way python-codicefiscale does (python-slugify: NFKD, then
//! text-unidecode), using `deunicode` plus a few overrides where the two disagree on letters a
//! name could plausibly hold. Everything that is not a letter after folding (apostrophes,
//! spaces, hyphens, digits) is ignored. No allocation: the letters stream through fixed buffers.

/// The first consonants and vowels of a name, as many as the rules can use.
#[derive(Default)]
struct Letters {
    consonants: [u8; 4],
    consonant_count: usize,
    vowels: [u8; 3],
    vowel_count: usize,
}

impl Letters {
    fn of(name: &str) -> Letters {
        let mut letters = Letters::default();
        for c in name.chars() {
            if c.is_ascii() {
                // `c` is ASCII, so the cast is exact.
                letters.push(c as u8);
            } else {
                for byte in fold(c).bytes() {
                    letters.push(byte);
                }
            }
        }
        letters
    }

    #[inline]
    fn push(&mut self, byte: u8) {
        let byte = byte.to_ascii_uppercase();
        if !byte.is_ascii_uppercase() {
            return;
        }
        // Letters past the buffers are dropped: only "four or more consonants" matters beyond them.
        let (buffer, count) = if matches!(byte, b'A' | b'E' | b'I' | b'O' | b'U') {
            (&mut self.vowels[..], &mut self.vowel_count)
        } else {
            (&mut self.consonants[..], &mut self.consonant_count)
        };
        if let Some(slot) = buffer.get_mut(*count) {
            *slot = byte;
            *count += 1;
        }
    }

    fn is_empty(&self) -> bool {
        self.consonant_count == 0 && self.vowel_count == 0
    }

    /// Consonants (those chosen), then vowels, then X, three in all.
    fn code(&self, consonants: &[u8]) -> [u8; 3] {
        let mut code = [b'X'; 3];
        let vowels = self.vowels.get(..self.vowel_count).unwrap_or_default();
        for (slot, letter) in code.iter_mut().zip(consonants.iter().chain(vowels)) {
            *slot = *letter;
        }
        code
    }
}

/// Family name code: first three consonants, then vowels, then X. `None` if the name has no letters.
pub(crate) fn family_name_code(name: &str) -> Option<[u8; 3]> {
    let letters = Letters::of(name);
    if letters.is_empty() {
        return None;
    }
    let consonants = letters.consonants.get(..letters.consonant_count.min(3)).unwrap_or_default();
    Some(letters.code(consonants))
}

/// Given name code: with four or more consonants the 1st, 3rd and 4th; otherwise as the family name.
pub(crate) fn given_name_code(name: &str) -> Option<[u8; 3]> {
    let letters = Letters::of(name);
    if letters.is_empty() {
        return None;
    }
    let [c1, _, c3, c4] = letters.consonants;
    if letters.consonant_count >= 4 {
        return Some([c1, c3, c4]);
    }
    let consonants = letters.consonants.get(..letters.consonant_count).unwrap_or_default();
    Some(letters.code(consonants))
}

/// ASCII transliteration of one non-ASCII character.
fn fold(c: char) -> &'static str {
    match c {
        // python-slugify decomposes (NFKD) before transliterating: these keep their base letter
        // there, while deunicode spells them out (Ё -> "Io", µ -> "u", ǯ -> "zh").
        'Ё' | 'ё' | 'Ѐ' | 'ѐ' | 'Ӗ' | 'ӗ' => "e",
        'Ї' | 'ї' => "i",
        'Ѓ' | 'ѓ' => "g",
        'Ќ' | 'ќ' => "k",
        'µ' => "m",
        'ǯ' => "z",
        _ => deunicode::deunicode_char(c).unwrap_or(""),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "a test fails by panicking")]
mod tests {
    use super::*;

    fn family(name: &str) -> String {
        family_name_code(name).map(|c| String::from_utf8_lossy(&c).into_owned()).unwrap_or_default()
    }

    fn given(name: &str) -> String {
        given_name_code(name).map(|c| String::from_utf8_lossy(&c).into_owned()).unwrap_or_default()
    }

    #[test]
    fn family_names() {
        assert_eq!(family("Rossi"), "RSS");
        assert_eq!(family("Moretti"), "MRT");
        assert_eq!(family("Bianchi"), "BNC");
        // Fewer than three consonants: vowels follow, then X.
        assert_eq!(family("Neri"), "NRE");
        assert_eq!(family("Rea"), "REA");
        assert_eq!(family("Fo"), "FOX");
        assert_eq!(family("Ai"), "AIX");
        assert_eq!(family("O"), "OXX");
    }

    #[test]
    fn given_name_takes_first_third_and_fourth_of_four_or_more_consonants() {
        assert_eq!(given("Gianfranco"), "GFR");
        assert_eq!(given("Alessandro"), "LSN");
        assert_eq!(given("Roberto"), "RRT");
        assert_eq!(given("Mario"), "MRA");
        assert_eq!(given("Luca"), "LCU");
        assert_eq!(given("Ugo"), "GUO");
        assert_eq!(given("Ida"), "DIA");
        assert_eq!(given("Al"), "LAX");
        // Exactly three consonants: all three, in order.
        assert_eq!(given("Matteo"), "MTT");
        // The family-name rule does not skip the second consonant.
        assert_eq!(family("Gianfranco"), "GNF");
    }

    #[test]
    fn separators_and_case_are_ignored() {
        assert_eq!(family("D'Angelo"), "DNG");
        assert_eq!(family("De Luca"), "DLC");
        assert_eq!(family("de luca"), "DLC");
        assert_eq!(family("Dell'Orto-Bianchi"), "DLL");
        assert_eq!(given("Maria Grazia"), "MGR");
        assert_eq!(given("Gian-Luca"), "GLC");
        assert_eq!(family("  Rossi 2 "), "RSS");
    }

    #[test]
    fn accents_are_folded() {
        assert_eq!(given("Nicolò"), "NCL");
        assert_eq!(family("Müller"), "MLL");
        assert_eq!(family("Çelik"), "CLK");
        assert_eq!(family("Łukasiewicz"), "LKS");
        assert_eq!(given("Zoë"), "ZOE");
        assert_eq!(family("Straße"), "STR");
        assert_eq!(given("Ærø"), "RAE");
        // Decomposed input (e + combining grave) folds like the precomposed letter.
        assert_eq!(given("Nicolo\u{300}"), "NCL");
    }

    #[test]
    fn overrides_follow_python_codicefiscale() {
        assert_eq!(family("Королёв"), "KRL");
        assert_eq!(given("Пётр"), "PTR");
        assert_eq!(given("Ёё"), "EEX");
    }

    #[test]
    fn names_without_letters_have_no_code() {
        assert_eq!(family_name_code(""), None);
        assert_eq!(family_name_code(" '-' 42 "), None);
        assert_eq!(given_name_code("…"), None);
    }
}
