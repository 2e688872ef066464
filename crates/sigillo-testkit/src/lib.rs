//! Test support for Sigillo: a fresh database per test on either backend, deterministic
//! fixtures, and the conformance stories every store must pass.

pub mod db;
pub mod fixtures;
pub mod story;

pub use db::{PgTestDb, empty_postgres_store, postgres_store, sqlite_store};
