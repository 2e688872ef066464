//! Sigillo's domain: the rules, with no I/O. Storage and the web depend on this crate, never the reverse.

pub mod application;
pub mod audit;
pub mod contact;
pub mod credential;
pub mod fiscal_code;
pub mod lang;
pub mod oidc;
pub mod operator;
pub mod outbox;
pub mod pension;
pub mod pin;
pub mod rate_limit;
pub mod recovery;
pub mod registry;
pub mod session;
pub mod store;
pub mod throttle;
pub mod upgrade;

pub use lang::{Lang, Localized};
