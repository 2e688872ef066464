//! Sigillo's use cases. Each module is one capability; none knows about HTTP or SQL.

pub mod audit_verify;
pub mod context;
pub mod delivery;
pub mod demo;
pub mod expiry_notices;
pub mod hashing;
pub mod input;
pub mod login;
pub mod me;
pub mod messages;
pub mod pin_request;
pub mod registry_import;
pub mod services;

pub use context::{Settings, Sigillo, now};
