//! Online applications (domande), which need a PIN dispositivo (SPEC 5): the types, their forms
//! ([`catalogue`]: the fields each asks, checked by [`fields`]) and protocol numbers.

pub mod catalogue;
pub mod fields;

use std::fmt;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::fiscal_code::FiscalCode;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ApplicationType {
    Naspi,
    AssegnoSociale,
    Maternita,
    CongedoParentale,
    AssegniFamiliari,
    RiscattoLaurea,
    VersamentiVolontari,
    DomandaPensione,
}

impl ApplicationType {
    pub const ALL: [ApplicationType; 8] = [
        ApplicationType::Naspi,
        ApplicationType::AssegnoSociale,
        ApplicationType::Maternita,
        ApplicationType::CongedoParentale,
        ApplicationType::AssegniFamiliari,
        ApplicationType::RiscattoLaurea,
        ApplicationType::VersamentiVolontari,
        ApplicationType::DomandaPensione,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ApplicationType::Naspi => "naspi",
            ApplicationType::AssegnoSociale => "assegno_sociale",
            ApplicationType::Maternita => "maternita",
            ApplicationType::CongedoParentale => "congedo_parentale",
            ApplicationType::AssegniFamiliari => "assegni_familiari",
            ApplicationType::RiscattoLaurea => "riscatto_laurea",
            ApplicationType::VersamentiVolontari => "versamenti_volontari",
            ApplicationType::DomandaPensione => "domanda_pensione",
        }
    }

    pub fn parse(value: &str) -> Option<ApplicationType> {
        ApplicationType::ALL.into_iter().find(|t| t.as_str() == value)
    }

    /// The name citizens know it by.
    pub fn label(self) -> &'static str {
        match self {
            ApplicationType::Naspi => "NASpI – indennità di disoccupazione",
            ApplicationType::AssegnoSociale => "Assegno sociale",
            ApplicationType::Maternita => "Indennità di maternità",
            ApplicationType::CongedoParentale => "Congedo parentale",
            ApplicationType::AssegniFamiliari => "Assegni per il nucleo familiare",
            ApplicationType::RiscattoLaurea => "Riscatto del corso di laurea",
            ApplicationType::VersamentiVolontari => "Autorizzazione ai versamenti volontari",
            ApplicationType::DomandaPensione => "Domanda di pensione",
        }
    }
}

impl fmt::Display for ApplicationType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A submitted application. The protocol number is `INPS.<year>.<8-digit sequence>`, unique per year.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Application {
    pub id: Uuid,
    pub protocol: String,
    pub fiscal_code: FiscalCode,
    pub kind: ApplicationType,
    /// The form's fields as a JSON object `{field: normalised value}` (see [`catalogue::validate`]).
    pub data: String,
    pub submitted_at: OffsetDateTime,
}

/// The protocol number for the `seq`-th application of `year`.
pub fn protocol_number(year: i32, seq: i64) -> String {
    format!("INPS.{year}.{seq:08}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn protocol_format() {
        assert_eq!(protocol_number(2026, 42), "INPS.2026.00000042");
    }

    #[test]
    fn names_round_trip() {
        for t in ApplicationType::ALL {
            assert_eq!(ApplicationType::parse(t.as_str()), Some(t));
        }
    }
}
