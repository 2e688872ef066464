//! Backend conformance stories: each takes any [`Store`](sigillo_domain::store::Store) and
//! asserts what every backend must do alike. `tests/conformance.rs` runs each on every backend.

pub mod registry;
