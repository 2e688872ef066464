//! `sigillo admin …`: administrative operations that are not part of serving.

use std::process::ExitCode;

use sigillo_domain::audit::Actor;

use crate::cli::AdminCommand;
use crate::config::Config;

pub async fn run(config: &Config, command: AdminCommand) -> anyhow::Result<ExitCode> {
    match command {
        AdminCommand::Annul => {
            let sigillo = crate::commands::serve::application(config, None).await?;
            let annulled = sigillo.annul_all(Actor::Operator("admin-cli".to_owned())).await?;
            println!("annulled {annulled} credentials");
            Ok(ExitCode::SUCCESS)
        }
    }
}
