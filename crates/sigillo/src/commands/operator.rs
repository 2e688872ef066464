//! `sigillo operator …`: back-office accounts.

use std::io::BufRead;
use std::process::ExitCode;

use sigillo_app::operators::AddOperatorError;
use sigillo_domain::operator::{Role, SecondFactor};

use crate::cli::OperatorCommand;
use crate::config::Config;

pub async fn run(config: &Config, command: OperatorCommand) -> anyhow::Result<ExitCode> {
    match command {
        OperatorCommand::Add { username, role } => {
            let Some(role) = Role::parse(&role) else {
                eprintln!("ruolo sconosciuto: {role} (desk, contact_center, reviewer, admin)");
                return Ok(ExitCode::from(2));
            };
            // One line from standard input: `echo "$PASSWORD" | sigillo operator add …` or typed.
            let mut password = String::new();
            std::io::stdin().lock().read_line(&mut password)?;
            let password = password.trim_end_matches(['\r', '\n']);
            let sigillo = crate::commands::serve::application(config, None).await?;
            match sigillo.add_operator(&username, role, password).await {
                Ok(operator) => {
                    println!(
                        "operatore {} creato ({}); al primo accesso su /operatore/accedi configurerà il secondo fattore (TOTP)",
                        operator.username,
                        operator.role.as_str()
                    );
                    Ok(ExitCode::SUCCESS)
                }
                Err(AddOperatorError::Store(e)) => Err(e.into()),
                Err(AddOperatorError::Hash(e)) => Err(e.into()),
                Err(e) => {
                    eprintln!("operatore non creato: {e}");
                    Ok(ExitCode::from(2))
                }
            }
        }
        OperatorCommand::List => {
            let store = crate::storage::open_migrated(config).await?;
            for operator in store.operators().await? {
                let factor = match operator.second_factor {
                    SecondFactor::None => "totp: da configurare",
                    SecondFactor::Pending { .. } => "totp: in configurazione",
                    SecondFactor::Enrolled { .. } => "totp: attivo",
                };
                let state = if operator.is_enabled() { "" } else { " (disabilitato)" };
                println!("{}\t{}\t{factor}{state}", operator.username, operator.role.as_str());
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}
