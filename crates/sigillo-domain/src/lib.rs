//! Sigillo's domain: the rules, with no I/O. Storage and the web depend on this crate, never the reverse.

pub mod fiscal_code;
pub mod lang;
pub mod registry;
pub mod store;

pub use lang::{Lang, Localized};
