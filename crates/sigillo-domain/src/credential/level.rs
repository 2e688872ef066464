use std::fmt;

use serde::{Deserialize, Serialize};

/// The assurance level of a PIN: `ordinario` opens what only informs, `dispositivo` also what
/// acts (applications). Ordered: dispositivo ≥ ordinario.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Ordinario,
    Dispositivo,
}

impl Level {
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Ordinario => "ordinario",
            Level::Dispositivo => "dispositivo",
        }
    }

    pub fn parse(value: &str) -> Option<Level> {
        match value {
            "ordinario" => Some(Level::Ordinario),
            "dispositivo" => Some(Level::Dispositivo),
            _ => None,
        }
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
