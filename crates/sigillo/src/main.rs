//! The `sigillo` binary: parses the command line and the environment, then runs one command.

mod cli;
mod commands;
mod config;
mod storage;
mod telemetry;

use std::process::ExitCode;

use clap::Parser;

use crate::cli::{Cli, Command};
use crate::config::Config;

/// Exit codes: 0 success, 1 the command failed (or its answer is "no"), 2 bad usage or configuration.
fn main() -> ExitCode {
    let cli = Cli::parse();
    if let Command::FiscalCode(command) = &cli.command {
        // Pure computation: no configuration, no runtime.
        return commands::fiscal_code::run(command);
    }
    let config = match Config::from_env() {
        Ok(config) => config,
        Err(error) => {
            eprintln!("sigillo: configurazione non valida: {error}");
            return ExitCode::from(2);
        }
    };
    telemetry::init(config.log_format);
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("sigillo: impossibile avviare il runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    let outcome = runtime.block_on(async {
        match cli.command {
            Command::Serve => commands::serve::run(&config).await,
            Command::Migrate => commands::migrate(&config).await,
            Command::Registry(command) => commands::registry::run(&config, command).await,
            Command::Pensions(command) => commands::pensions::run(&config, command).await,
            Command::Demo(command) => commands::demo::run(&config, command).await,
            Command::Audit(command) => commands::audit::run(&config, command).await,
            Command::Letters(command) => commands::letters::run(&config, command).await,
            Command::Admin(command) => commands::admin::run(&config, command).await,
            Command::Operator(command) => commands::operator::run(&config, command).await,
            Command::Client(command) => commands::client::run(&config, command).await,
            Command::Oidc(command) => commands::client::run_oidc(&config, command).await,
            Command::FiscalCode(_) => Ok(ExitCode::SUCCESS),
        }
    });
    match outcome {
        Ok(code) => code,
        Err(error) => {
            eprintln!("sigillo: {error:#}");
            ExitCode::FAILURE
        }
    }
}
