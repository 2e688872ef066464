//! One module per CLI command; each returns the process exit code.

pub mod admin;
pub mod audit;
pub mod client;
pub mod demo;
pub mod fiscal_code;
pub mod letters;
pub mod operator;
pub mod pensions;
pub mod registry;
pub mod serve;

use std::process::ExitCode;

use crate::config::Config;

pub async fn migrate(config: &Config) -> anyhow::Result<ExitCode> {
    let store = crate::storage::open_migrated(config).await?;
    tracing::info!(backend = store.backend(), "schema aggiornato");
    println!("schema aggiornato ({})", store.backend());
    Ok(ExitCode::SUCCESS)
}

/// Today's date for the registry rules. UTC: a birth date "in the future" is off by at most a day.
pub fn today() -> time::Date {
    time::OffsetDateTime::now_utc().date()
}
