//! Sigillo's use cases. Each module is one capability; none knows about HTTP or SQL.

pub mod demo;
pub mod registry_import;
