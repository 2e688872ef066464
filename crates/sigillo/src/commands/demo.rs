//! `sigillo demo seed|csv`.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::process::ExitCode;

use anyhow::Context;
use sigillo_app::demo;

use crate::cli::DemoCommand;
use crate::config::Config;

pub async fn run(config: &Config, command: DemoCommand) -> anyhow::Result<ExitCode> {
    match command {
        DemoCommand::Seed { count, seed, force } => {
            let store = crate::storage::open_migrated(config).await?;
            let existing = store.count_persons().await?;
            if existing > 0 && !force {
                println!(
                    "Il registro contiene già {existing} assistiti: nessun dato demo aggiunto (usare --force per aggiungerli)."
                );
                return Ok(ExitCode::SUCCESS);
            }
            let report = demo::seed(store.as_ref(), count, seed, super::today()).await?;
            println!("Registro demo: {} assistiti sintetici. Codici fiscali da provare:", report.inserted);
            for showcase in &report.showcase {
                println!("  {showcase}");
            }
            Ok(ExitCode::SUCCESS)
        }
        DemoCommand::Csv { count, seed, output } => {
            let today = super::today();
            match output {
                Some(path) => {
                    let file = File::create(&path).with_context(|| format!("impossibile creare {}", path.display()))?;
                    let mut out = BufWriter::with_capacity(1 << 20, file);
                    demo::write_csv(&mut out, count, seed, today)?;
                    out.flush()?;
                }
                None => {
                    let mut out = BufWriter::new(std::io::stdout().lock());
                    demo::write_csv(&mut out, count, seed, today)?;
                    out.flush()?;
                }
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}
