//! `sigillo letters batch`.

use std::process::ExitCode;

use sigillo_app::print_batch::print_letters;

use crate::cli::LettersCommand;
use crate::config::Config;

pub async fn run(config: &Config, command: LettersCommand) -> anyhow::Result<ExitCode> {
    match command {
        LettersCommand::Batch => {
            let store = crate::storage::open_migrated(config).await?;
            let batches = print_letters(store.as_ref(), &config.data_dir).await?;
            if batches.is_empty() {
                println!("no letters to print");
            }
            for b in &batches {
                println!("batch {}: {} letters, {} , {}", b.batch, b.letters, b.pdf.display(), b.manifest.display());
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}
