//! `sigillo pensions import FILE.csv`: loads pensioners' monthly slips (see
//! `sigillo_app::pension_import` for the columns and the rules).

use std::fs::File;
use std::io::{BufReader, Write};
use std::process::ExitCode;

use sigillo_app::pension_import::{self, PensionImportError};

use crate::cli::PensionsCommand;
use crate::config::Config;

pub async fn run(config: &Config, command: PensionsCommand) -> anyhow::Result<ExitCode> {
    match command {
        PensionsCommand::Import { file } => {
            let input = match File::open(&file) {
                Ok(f) => BufReader::with_capacity(256 * 1024, f),
                Err(error) => {
                    eprintln!("impossibile leggere {}: {error}", file.display());
                    return Ok(ExitCode::FAILURE);
                }
            };
            let store = crate::storage::open_migrated(config).await?;
            let outcome = pension_import::import_pension_csv(input, store.as_ref(), |rejection| {
                let _ = writeln!(std::io::stderr(), "line {}: {}", rejection.line, rejection.reason);
            })
            .await;
            match outcome {
                Ok(report) => {
                    println!(
                        "imported {} slips of {} persons, rejected {}",
                        report.slips, report.persons, report.rejected
                    );
                    Ok(ExitCode::SUCCESS)
                }
                Err(error @ PensionImportError::Store(_)) => Err(error.into()),
                Err(error) => {
                    eprintln!("{}: {error}", file.display());
                    Ok(ExitCode::FAILURE)
                }
            }
        }
    }
}
