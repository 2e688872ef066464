//! `sigillo audit verify`.

use std::process::ExitCode;

use sigillo_app::audit_verify::{Verdict, verify};
use sigillo_domain::audit::ChainBreak;

use crate::cli::AuditCommand;
use crate::config::Config;

pub async fn run(config: &Config, command: AuditCommand) -> anyhow::Result<ExitCode> {
    match command {
        AuditCommand::Verify => {
            let store = crate::storage::open_migrated(config).await?;
            match verify(store.as_ref()).await? {
                Verdict::Intact { entries } => {
                    println!("ok: {entries} entries, chain intact");
                    Ok(ExitCode::SUCCESS)
                }
                Verdict::Broken(ChainBreak::Tampered { seq }) => {
                    println!("broken at entry {seq}: its content does not match its hash (altered)");
                    Ok(ExitCode::FAILURE)
                }
                Verdict::Broken(ChainBreak::Unlinked { seq }) => {
                    println!("broken at entry {seq}: it does not follow the entry before it (removed or reordered)");
                    Ok(ExitCode::FAILURE)
                }
            }
        }
    }
}
