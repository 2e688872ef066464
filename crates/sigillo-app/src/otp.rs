//! One-time codes and link tokens: random, shown once, stored only as SHA-256.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::TryRngCore;
use rand::rngs::OsRng;

use crate::hashing::HashError;

/// A code of `digits` decimal digits, uniformly drawn.
pub fn numeric_code(digits: u32) -> Result<String, HashError> {
    let bound = 10u64.pow(digits);
    // Rejection sampling: no bias towards small values.
    let zone = u64::MAX - (u64::MAX % bound);
    loop {
        let n = OsRng.try_next_u64().map_err(|_| HashError::Entropy)?;
        if n < zone {
            return Ok(format!("{:0width$}", n % bound, width = digits as usize));
        }
    }
}

/// 256 random bits, URL-safe: session tokens and link tokens.
pub fn token() -> Result<String, HashError> {
    let mut bytes = [0u8; 32];
    OsRng.try_fill_bytes(&mut bytes).map_err(|_| HashError::Entropy)?;
    Ok(URL_SAFE_NO_PAD.encode(bytes))
}

/// Digits only, for codes typed with spaces or dashes.
pub fn normalize_code(typed: &str) -> String {
    typed.chars().filter(char::is_ascii_digit).take(16).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_have_their_length() {
        for _ in 0..100 {
            let c = numeric_code(6).unwrap_or_default();
            assert_eq!(c.len(), 6);
            assert!(c.bytes().all(|b| b.is_ascii_digit()));
        }
        assert_ne!(token().unwrap_or_default(), token().unwrap_or_default());
        assert_eq!(normalize_code(" 123-456 "), "123456");
    }
}
