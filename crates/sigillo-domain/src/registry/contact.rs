//! Phone numbers and e-mail addresses as the registry keeps them.

use std::fmt;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ContactError {
    #[error("numero di telefono non valido")]
    InvalidPhone,
    #[error("indirizzo e-mail non valido")]
    InvalidEmail,
}

/// A phone number in international form (`+39…`). Italian numbers given without a prefix get `+39`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct PhoneNumber(String);

impl PhoneNumber {
    pub fn parse(input: &str) -> Result<PhoneNumber, ContactError> {
        let mut digits = String::with_capacity(16);
        let mut chars = input.trim().chars().peekable();
        let international = match chars.peek() {
            Some('+') => {
                chars.next();
                true
            }
            _ => false,
        };
        for c in chars {
            match c {
                '0'..='9' => digits.push(c),
                ' ' | '-' | '.' | '/' | '(' | ')' => {}
                _ => return Err(ContactError::InvalidPhone),
            }
        }
        let e164 = if international {
            digits
        } else if let Some(rest) = digits.strip_prefix("00") {
            rest.to_owned()
        } else {
            format!("39{digits}")
        };
        // E.164 allows at most 15 digits; the shortest Italian numbers have 6 after the prefix.
        if !(8..=15).contains(&e164.len()) || e164.starts_with('0') {
            return Err(ContactError::InvalidPhone);
        }
        Ok(PhoneNumber(format!("+{e164}")))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for PhoneNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for PhoneNumber {
    type Error = ContactError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        PhoneNumber::parse(&value)
    }
}

impl From<PhoneNumber> for String {
    fn from(value: PhoneNumber) -> Self {
        value.0
    }
}

/// An e-mail address, checked for shape only (a verification code proves it is real).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Email(String);

impl Email {
    pub fn parse(input: &str) -> Result<Email, ContactError> {
        let value = input.trim();
        let (local, domain) = value.rsplit_once('@').ok_or(ContactError::InvalidEmail)?;
        let domain_ok = domain.len() <= 253
            && domain.contains('.')
            && !domain.starts_with(['.', '-'])
            && !domain.ends_with(['.', '-'])
            && !domain.contains("..")
            && domain.chars().all(|c| c.is_alphanumeric() || c == '.' || c == '-');
        let local_ok = !local.is_empty()
            && local.len() <= 64
            && !local.starts_with('.')
            && !local.ends_with('.')
            && !local.contains("..")
            && local.chars().all(|c| c.is_alphanumeric() || "!#$%&'*+/=?^_`{|}~.-".contains(c));
        if !(domain_ok && local_ok) || value.len() > 254 {
            return Err(ContactError::InvalidEmail);
        }
        // The domain part is case-insensitive; the local part is kept as written.
        Ok(Email(format!("{local}@{}", domain.to_lowercase())))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for Email {
    type Error = ContactError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Email::parse(&value)
    }
}

impl From<Email> for String {
    fn from(value: Email) -> Self {
        value.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn italian_mobile_without_prefix_gets_plus_39() {
        assert_eq!(PhoneNumber::parse("333 123 4567").unwrap().as_str(), "+393331234567");
        assert_eq!(PhoneNumber::parse("+39 333-1234567").unwrap().as_str(), "+393331234567");
        assert_eq!(PhoneNumber::parse("0041 79 123 45 67").unwrap().as_str(), "+41791234567");
    }

    #[test]
    fn phone_rejects_letters_and_wrong_lengths() {
        assert!(PhoneNumber::parse("333abc").is_err());
        assert!(PhoneNumber::parse("12").is_err());
        assert!(PhoneNumber::parse("+1234567890123456").is_err());
        assert!(PhoneNumber::parse("").is_err());
    }

    #[test]
    fn email_shapes() {
        assert_eq!(Email::parse(" Mario.Rossi@Example.IT ").unwrap().as_str(), "Mario.Rossi@example.it");
        for bad in
            ["", "mario", "mario@", "@example.it", "mario@example", "ma rio@example.it", "a..b@example.it", "a@b..it"]
        {
            assert!(Email::parse(bad).is_err(), "{bad} accepted");
        }
    }
}
