//! `sigillo registry import|show`.

use std::fs::File;
use std::io::{BufReader, Write};
use std::process::ExitCode;

use sigillo_app::registry_import::{self, ImportError, ImportOptions};
use sigillo_domain::fiscal_code::FiscalCode;
use sigillo_domain::registry::COLUMNS;

use crate::cli::RegistryCommand;
use crate::config::Config;

pub async fn run(config: &Config, command: RegistryCommand) -> anyhow::Result<ExitCode> {
    match command {
        RegistryCommand::Import { file } => {
            let input = match File::open(&file) {
                Ok(f) => BufReader::with_capacity(256 * 1024, f),
                Err(error) => {
                    eprintln!("impossibile leggere {}: {error}", file.display());
                    return Ok(ExitCode::FAILURE);
                }
            };
            let store = crate::storage::open_migrated(config).await?;
            // The sort spills next to the database (the data directory), not to a /tmp that may
            // be a small RAM disk.
            let options = ImportOptions::new(config.data_dir.clone());
            let outcome = registry_import::import_csv(input, store, super::today(), options, |rejection| {
                let _ = writeln!(std::io::stderr(), "line {}: {}", rejection.line, rejection.reason);
            })
            .await;
            match outcome {
                Ok(report) => {
                    println!("imported {}, rejected {}", report.imported, report.rejected);
                    Ok(ExitCode::SUCCESS)
                }
                Err(error @ ImportError::Store(_)) => Err(error.into()),
                Err(error) => {
                    eprintln!("{}: {error}", file.display());
                    Ok(ExitCode::FAILURE)
                }
            }
        }
        RegistryCommand::Show { code } => {
            let Ok(code) = FiscalCode::parse(&code) else {
                println!("not found");
                return Ok(ExitCode::FAILURE);
            };
            let store = crate::storage::open_migrated(config).await?;
            match store.find_person(&code).await? {
                Some(person) => {
                    let mut object = serde_json::Map::new();
                    for (column, value) in COLUMNS.iter().zip(person.to_row()) {
                        let value = match *column {
                            "contribution_weeks" => serde_json::Value::from(person.contribution_weeks),
                            "mobile" | "email" if value.is_empty() => serde_json::Value::Null,
                            _ => serde_json::Value::String(value),
                        };
                        object.insert((*column).to_owned(), value);
                    }
                    println!("{}", serde_json::Value::Object(object));
                    Ok(ExitCode::SUCCESS)
                }
                None => {
                    println!("not found");
                    Ok(ExitCode::FAILURE)
                }
            }
        }
    }
}
