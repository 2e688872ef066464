//! Sigillo's use cases. Each module is one capability; none knows about HTTP or SQL.

pub mod admin;
pub mod audit_verify;
pub mod backoffice;
pub mod contacts;
pub mod context;
pub mod delivery;
pub mod demo;
pub mod expiry_notices;
pub mod hashing;
pub mod health_card;
pub mod input;
pub mod issuance;
pub mod login;
pub mod me;
pub mod messages;
pub mod oidc;
pub mod operators;
pub mod otp;
pub mod pin_request;
pub mod pension_import;
pub mod print_batch;
pub mod recovery;
pub mod registry_import;
pub mod services;
pub mod sunset;
pub mod upgrade;

pub use context::{Settings, Sigillo, now};
