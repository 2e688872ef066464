//! The personal data a codice fiscale is derived from.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use time::Date;

/// Sex as the codice fiscale records it (women's birth day + 40).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Sex {
    M,
    F,
}

/// The text was not `M` or `F`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("sesso non valido: ammessi M o F")]
pub struct InvalidSex;

impl FromStr for Sex {
    type Err = InvalidSex;

    /// `M` or `F`, either case, surrounding whitespace ignored.
    fn from_str(s: &str) -> Result<Sex, InvalidSex> {
        match s.trim() {
            "M" | "m" => Ok(Sex::M),
            "F" | "f" => Ok(Sex::F),
            _ => Err(InvalidSex),
        }
    }
}

impl fmt::Display for Sex {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Sex::M => "M",
            Sex::F => "F",
        })
    }
}

/// What a person declares: checked against a code, or used to compute one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PersonalData<'a> {
    pub family_name: &'a str,
    pub given_name: &'a str,
    pub birth_date: Date,
    pub sex: Sex,
    /// Belfiore code of the birth municipality, or Z code of the foreign state; any case.
    pub birth_place: &'a str,
}

/// Personal data of which only some fields may be known (e.g. a check from the command line).
#[derive(Debug, Clone, Copy, Default)]
pub struct PartialPersonalData<'a> {
    pub family_name: Option<&'a str>,
    pub given_name: Option<&'a str>,
    pub birth_date: Option<Date>,
    pub sex: Option<Sex>,
    pub birth_place: Option<&'a str>,
}
