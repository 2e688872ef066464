//! `sigillo client …` (relying services) and `sigillo oidc rotate-key`.

use std::process::ExitCode;

use sigillo_app::oidc::clients::ClientError;
use sigillo_domain::audit::Actor;

use crate::cli::{ClientCommand, OidcCommand};
use crate::config::Config;

pub async fn run(config: &Config, command: ClientCommand) -> anyhow::Result<ExitCode> {
    let sigillo = crate::commands::serve::application(config, None).await?;
    match command {
        ClientCommand::Add { name, redirect_uris, post_logout_redirect_uris, public } => {
            match sigillo.add_client(&name, &redirect_uris, &post_logout_redirect_uris, public, Actor::System).await {
                Ok(client) => {
                    println!("{}", serde_json::to_string(&client)?);
                    Ok(ExitCode::SUCCESS)
                }
                Err(ClientError::Store(e)) => Err(e.into()),
                Err(e) => {
                    eprintln!("servizio non registrato: {e}");
                    Ok(ExitCode::from(2))
                }
            }
        }
        ClientCommand::List => {
            for client in sigillo.list_clients().await? {
                let kind = if client.public { "public" } else { "confidential" };
                let state = if client.removed_at.is_some() { "removed" } else { "active" };
                println!("{}\t{}\t{kind}\t{state}\t{}", client.client_id, client.name, client.redirect_uris.join(" "));
            }
            Ok(ExitCode::SUCCESS)
        }
        ClientCommand::Remove { client_id } => {
            if sigillo.remove_client(&client_id, Actor::System).await? {
                println!("servizio {client_id} rimosso: i suoi accessi e token non valgono più");
                Ok(ExitCode::SUCCESS)
            } else {
                eprintln!("nessun servizio attivo con id {client_id}");
                Ok(ExitCode::from(1))
            }
        }
    }
}

pub async fn run_oidc(config: &Config, command: OidcCommand) -> anyhow::Result<ExitCode> {
    let sigillo = crate::commands::serve::application(config, None).await?;
    match command {
        OidcCommand::RotateKey => {
            let key = sigillo.rotate_signing_key().await?;
            println!("nuova chiave di firma {} (ES256)", key.kid);
            Ok(ExitCode::SUCCESS)
        }
    }
}
