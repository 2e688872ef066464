//! The insured-person registry (anagrafica assicurati): who may ask for a PIN, and where their letters go.
//!
//! A registry row arrives as text (CSV import, demo generator) and becomes an [`InsuredPerson`] only
//! through [`InsuredPerson::from_row`], which applies every rule at once and names the first field
//! that breaks one.

mod contact;
mod person;
mod row;

pub use contact::{ContactError, Email, PhoneNumber};
pub use person::{ContributionYear, HealthCard, InsuredPerson, Residence};
pub use row::{COLUMNS, RegistryRow, RowError, RowProblem};
