//! Backend conformance stories: each takes any [`Store`](sigillo_domain::store::Store) and
//! asserts what every backend must do alike. `tests/conformance.rs` runs each on every backend,
//! on a fresh database per story.
//!
//! The stories after the registry take the store as `S: Store + Clone + 'static`, so the ones
//! that run several tasks at once can hand each task a clone (clones share the pools).

pub mod applications;
pub mod attempts;
pub mod audit;
pub mod contacts;
pub mod credentials;
pub mod letters;
pub mod oidc;
pub mod operators;
pub mod outbox;
pub mod pensions;
pub mod rate_limits;
pub mod recoveries;
pub mod registry;
pub mod sessions;
pub mod support;
pub mod upgrades;
