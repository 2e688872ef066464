//! `sigillo serve`: everything on one port, until SIGTERM or Ctrl-C.

use std::process::ExitCode;

use anyhow::Context;
use sigillo_web::AppState;
use tokio::net::TcpListener;

use crate::config::Config;

pub async fn run(config: &Config) -> anyhow::Result<ExitCode> {
    let store = crate::storage::open_migrated(config).await?;
    sigillo_web::metrics_handle();
    let listener = TcpListener::bind(config.listen)
        .await
        .with_context(|| format!("impossibile ascoltare su {}", config.listen))?;
    let address = listener.local_addr().context("indirizzo di ascolto sconosciuto")?;
    tracing::info!(%address, backend = store.backend(), database = %config.database_url, "Sigillo in ascolto");
    tracing::info!(
        delivery = ?config.delivery,
        pin_max_age = ?config.pin_max_age.map(humantime::format_duration),
        first_access_ttl = %humantime::format_duration(config.first_access_ttl),
        recovery_ttl = %humantime::format_duration(config.recovery_ttl),
        issuance_cutoff = ?config.issuance_cutoff,
        annulment_date = ?config.annulment_date,
        "policy in force"
    );
    // One line on standard output, so scripts and tests started with port 0 learn the port.
    println!("listening on http://{address}");

    let app = sigillo_web::router(AppState::new(store));
    axum::serve(listener, app).with_graceful_shutdown(shutdown_signal()).await.context("server interrotto")?;
    tracing::info!("Sigillo fermato");
    Ok(ExitCode::SUCCESS)
}

/// Resolves on Ctrl-C or SIGTERM; in-flight requests then finish before the process exits.
async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("arresto richiesto: completo le richieste in corso");
}
