//! The first-access PIN: 16 characters drawn from a CSPRNG over Crockford's base-32 alphabet, sent as
//! two halves of 8 over two independent channels (SMS or e-mail, and a postal letter).
//!
//! Crockford's alphabet leaves out I, L, O and U, so what a citizen may misread can be mapped back:
//! `O` is the digit zero, `I` and `L` are the digit one. Case, spaces and dashes do not matter.

use std::fmt;

use rand::{CryptoRng, Rng};

/// 32 symbols: 5 bits each, 80 bits for the whole PIN, 40 bits for each half.
pub const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
pub const HALF_LEN: usize = 8;

/// One half of a first-access PIN. `Debug` hides it: halves must never reach a log.
#[derive(Clone, PartialEq, Eq)]
pub struct PinHalf(String);

impl PinHalf {
    /// A half as typed by the citizen, normalised; `None` unless it is 8 symbols of the alphabet.
    pub fn parse(typed: &str) -> Option<PinHalf> {
        let normalized = normalize_first_access(typed);
        (normalized.len() == HALF_LEN && normalized.bytes().all(|b| ALPHABET.contains(&b))).then_some(PinHalf(normalized))
    }

    /// The half in plaintext, for the outbox only.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for PinHalf {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PinHalf(********)")
    }
}

/// A whole first-access PIN. `Debug` hides it.
#[derive(Clone, PartialEq, Eq)]
pub struct FirstAccessPin {
    first: PinHalf,
    second: PinHalf,
}

impl FirstAccessPin {
    pub fn generate<R: Rng + CryptoRng + ?Sized>(rng: &mut R) -> FirstAccessPin {
        let mut half = || {
            let symbols: String =
                (0..HALF_LEN).map(|_| char::from(ALPHABET[rng.random_range(0..ALPHABET.len())])).collect();
            PinHalf(symbols)
        };
        let first = half();
        let second = half();
        FirstAccessPin { first, second }
    }

    pub fn from_halves(first: PinHalf, second: PinHalf) -> FirstAccessPin {
        FirstAccessPin { first, second }
    }

    pub fn first_half(&self) -> &PinHalf {
        &self.first
    }

    pub fn second_half(&self) -> &PinHalf {
        &self.second
    }

    /// The 16 characters the hash is made from.
    pub fn canonical(&self) -> String {
        format!("{}{}", self.first.0, self.second.0)
    }
}

impl fmt::Debug for FirstAccessPin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("FirstAccessPin(****************)")
    }
}

/// Upper case; spaces, dashes and dots dropped; `O`→`0`, `I`/`L`→`1` (symbols outside the alphabet
/// that citizens confuse with ones inside). Other characters are kept, so the result fails to verify.
pub fn normalize_first_access(typed: &str) -> String {
    typed
        .chars()
        .filter(|c| !(c.is_whitespace() || matches!(c, '-' | '.' | '_' | '\u{2010}'..='\u{2015}')))
        .map(|c| match c.to_ascii_uppercase() {
            'O' => '0',
            'I' | 'L' => '1',
            other => other,
        })
        .take(64)
        .collect()
}

#[cfg(test)]
mod tests {
    use rand::SeedableRng;
    use rand::rngs::StdRng;

    use super::*;

    #[test]
    fn generated_pins_use_only_the_alphabet() {
        let mut rng = StdRng::seed_from_u64(7);
        for _ in 0..1000 {
            let pin = FirstAccessPin::generate(&mut rng);
            let canonical = pin.canonical();
            assert_eq!(canonical.len(), 16);
            assert!(canonical.bytes().all(|b| ALPHABET.contains(&b)), "{canonical}");
            assert!(!canonical.contains(['I', 'L', 'O', 'U']));
        }
    }

    #[test]
    fn every_symbol_appears() {
        let mut rng = StdRng::seed_from_u64(1);
        let mut seen = [false; 32];
        for _ in 0..200 {
            for b in FirstAccessPin::generate(&mut rng).canonical().bytes() {
                seen[ALPHABET.iter().position(|a| *a == b).unwrap_or(0)] = true;
            }
        }
        assert!(seen.iter().all(|s| *s));
    }

    #[test]
    fn typing_mistakes_are_forgiven() {
        assert_eq!(normalize_first_access(" 7k3m-9qxw oIl1 "), "7K3M9QXW0111");
        assert_eq!(PinHalf::parse("7k3m 9qxo").map(|h| h.expose().to_owned()), Some("7K3M9QX0".to_owned()));
        assert!(PinHalf::parse("7K3M9QX").is_none());
        assert!(PinHalf::parse("7K3M9QXU").is_none(), "U is not in the alphabet");
    }

    #[test]
    fn debug_hides_the_pin() {
        let pin = FirstAccessPin::generate(&mut StdRng::seed_from_u64(3));
        let shown = format!("{pin:?} {:?}", pin.first_half());
        assert!(!shown.contains(pin.first_half().expose()));
        assert!(!shown.contains(pin.second_half().expose()));
    }
}
