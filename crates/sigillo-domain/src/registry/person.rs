//! An insured person as the registry holds them.

use serde::{Deserialize, Serialize};
use time::Date;

use super::contact::{Email, PhoneNumber};
use crate::fiscal_code::{FiscalCode, Sex};

/// Where the person lives: the postal letter with the second PIN half goes here.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Residence {
    pub address: String,
    pub postal_code: String,
    pub municipality: String,
    /// Two-letter province code in Italy; may be empty abroad.
    pub province: String,
    /// ISO 3166 alpha-2, upper case.
    pub country: String,
}

impl Residence {
    pub fn is_abroad(&self) -> bool {
        self.country != "IT"
    }
}

/// The health card (tessera sanitaria): what a citizen holds to prove who they are without a PIN.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HealthCard {
    pub number: String,
    pub expiry: Date,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InsuredPerson {
    pub fiscal_code: FiscalCode,
    pub family_name: String,
    pub given_name: String,
    pub birth_date: Date,
    pub sex: Sex,
    /// Belfiore code of the birth municipality or Z code of the foreign state of birth.
    pub birth_place: String,
    pub residence: Residence,
    pub health_card: HealthCard,
    pub contribution_weeks: u32,
    pub mobile: Option<PhoneNumber>,
    pub email: Option<Email>,
}

/// Weeks credited in one year by one employer: the lines of the contribution statement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContributionYear {
    pub year: i32,
    pub employer: String,
    pub weeks: u32,
}
