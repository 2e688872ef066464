//! `sigillo serve`: everything on one port, until SIGTERM or Ctrl-C.

use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use sigillo_app::oidc::SubjectKey;
use sigillo_app::delivery::{DeliveryWorker, FilesSink, record_outbox_gauges};
use sigillo_app::hashing::{HashPolicy, PinHasher};
use sigillo_app::{Settings, Sigillo};
use sigillo_domain::session::DEFAULT_ABSOLUTE_TIMEOUT;
use sigillo_web::AppState;
use tokio::net::TcpListener;
use tokio::sync::watch;

use crate::config::Config;

/// Hash jobs waiting beyond the ones being computed; more would only add latency (STACK.md).
const HASH_QUEUE_PER_THREAD: usize = 64;
/// How often each node looks for PINs whose owners should be told they expire soon (more often
/// when the notice lead itself is short, as in tests with a rotation of seconds).
const EXPIRY_SWEEP_EVERY: Duration = Duration::from_secs(60);
const GAUGES_EVERY: Duration = Duration::from_secs(10);
/// How often each node sends sunset notices or, past the annulment date, annuls a few batches.
const SUNSET_EVERY: Duration = Duration::from_secs(2);
/// Annulment batches per sunset step, so the other background work is not starved.
const ANNUL_BATCHES_PER_STEP: usize = 20;

pub async fn run(config: &Config) -> anyhow::Result<ExitCode> {
    let listener = TcpListener::bind(config.listen)
        .await
        .with_context(|| format!("impossibile ascoltare su {}", config.listen))?;
    let address = listener.local_addr().context("indirizzo di ascolto sconosciuto")?;
    let sigillo = application(config, Some(address)).await?;
    let store = sigillo.store.clone();
    sigillo_web::metrics_handle();
    sigillo_app::delivery::describe_metrics();
    let threads = sigillo.hasher.threads();

    tracing::info!(%address, backend = store.backend(), database = %config.database_url, "Sigillo in ascolto");
    tracing::info!(
        delivery = ?config.delivery,
        pin_max_age = ?config.pin_max_age.map(humantime::format_duration),
        first_access_ttl = %humantime::format_duration(config.first_access_ttl),
        recovery_ttl = %humantime::format_duration(config.recovery_ttl),
        issuance_cutoff = ?config.issuance_cutoff,
        annulment_date = ?config.annulment_date,
        hash_threads = threads,
        "policy in force"
    );

    let (stop, stopped) = watch::channel(false);
    let sink = Arc::new(FilesSink::new(&config.data_dir));
    let worker = DeliveryWorker::new(store.clone(), sink).with_lease(config.delivery_lease);
    let delivery = tokio::spawn(worker.run(stopped.clone()));
    let jobs = tokio::spawn(background_jobs(sigillo.clone(), stopped));

    // One line on standard output, so scripts and tests started with port 0 learn the port.
    println!("listening on http://{address}");

    let mut state = AppState::new(sigillo);
    if config.delivery == crate::config::Delivery::Files {
        state = state.with_demo_mailbox(config.data_dir.join("mailbox"));
    }
    let app = sigillo_web::router(state);
    axum::serve(listener, app.into_make_service_with_connect_info::<SocketAddr>())
        .with_graceful_shutdown(shutdown_signal())
        .await
        .context("server interrotto")?;
    let _ = stop.send(true);
    let _ = delivery.await;
    let _ = jobs.await;
    tracing::info!("Sigillo fermato");
    Ok(ExitCode::SUCCESS)
}

/// The application with the configured store, hasher and policy (`public_address` is where this
/// node listens, the default public URL).
pub async fn application(config: &Config, public_address: Option<SocketAddr>) -> anyhow::Result<Sigillo> {
    let store = crate::storage::open_migrated(config).await?;
    let threads = if config.hash_threads == 0 {
        std::thread::available_parallelism().map_or(2, std::num::NonZero::get)
    } else {
        config.hash_threads
    };
    let hasher = PinHasher::start(HashPolicy::OWASP, threads, threads * HASH_QUEUE_PER_THREAD)
        .context("avvio del calcolo degli hash non riuscito")?;
    let default_url = public_address.map_or_else(|| "http://127.0.0.1:8080".to_owned(), |a| format!("http://{a}"));
    let settings = Settings {
        first_access_ttl: config.first_access_ttl,
        pin_max_age: config.pin_max_age,
        expiry_notice_lead: config.pin_expiry_notice,
        session_idle_timeout: config.session_idle_timeout,
        session_absolute_timeout: DEFAULT_ABSOLUTE_TIMEOUT,
        issuance_cutoff: config.issuance_cutoff,
        annulment_date: config.annulment_date,
        recovery_ttl: config.recovery_ttl,
        public_url: config.public_url.clone().unwrap_or(default_url),
        subject_key: subject_key(config)?,
    };
    Ok(Sigillo::new(store, hasher, settings))
}

/// The pairwise-subject key: from the environment (the same on every node), or a random key
/// kept in the data folder, made at first start (enough for one node).
fn subject_key(config: &Config) -> anyhow::Result<SubjectKey> {
    if let Some(key) = &config.oidc_subject_key {
        return Ok(key.clone());
    }
    let path = config.data_dir.join("oidc-subject.key");
    match std::fs::read_to_string(&path) {
        Ok(text) if text.trim().len() >= 32 => return Ok(SubjectKey(text.trim().as_bytes().to_vec())),
        Ok(_) => anyhow::bail!("{}: chiave troppo corta (servono almeno 32 caratteri)", path.display()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(e).with_context(|| format!("lettura di {}", path.display())),
    }
    if config.database_url.is_postgres() {
        tracing::warn!(
            "SIGILLO_OIDC_SUBJECT_KEY is not set: this node keeps its own key in the data folder; with several nodes set the same key on each, or relying services see different subjects"
        );
    }
    std::fs::create_dir_all(&config.data_dir).with_context(|| format!("creazione di {}", config.data_dir.display()))?;
    let key = sigillo_app::otp::token().map_err(|e| anyhow::anyhow!("{e}"))?;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    match options.open(&path) {
        Ok(mut file) => {
            std::io::Write::write_all(&mut file, key.as_bytes()).with_context(|| format!("scrittura di {}", path.display()))?;
            Ok(SubjectKey(key.into_bytes()))
        }
        // Another process made it first: use theirs.
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            let text = std::fs::read_to_string(&path).with_context(|| format!("lettura di {}", path.display()))?;
            Ok(SubjectKey(text.trim().as_bytes().to_vec()))
        }
        Err(e) => Err(e).with_context(|| format!("creazione di {}", path.display())),
    }
}

/// Expired authorization requests, codes and tokens are deleted this often, a day after they
/// expired (kept that long for investigations; the audit log keeps the rest).
const OIDC_PRUNE_EVERY: Duration = Duration::from_secs(3600);
const OIDC_KEEP_EXPIRED: Duration = Duration::from_secs(24 * 3600);

/// Periodic work every node does; the database decides which node's write wins.
async fn background_jobs(sigillo: Sigillo, mut stopped: watch::Receiver<bool>) {
    let lead = sigillo.settings.expiry_notice_lead;
    let mut expiry = tokio::time::interval((lead / 4).clamp(Duration::from_secs(1), EXPIRY_SWEEP_EVERY));
    let mut gauges = tokio::time::interval(GAUGES_EVERY);
    let mut sunset = tokio::time::interval(SUNSET_EVERY);
    let mut oidc_prune = tokio::time::interval(OIDC_PRUNE_EVERY);
    loop {
        tokio::select! {
            _ = stopped.changed() => return,
            _ = expiry.tick() => {
                if let Err(error) = sigillo.send_expiry_notices().await {
                    tracing::warn!(%error, "expiry notice sweep failed");
                }
            }
            _ = gauges.tick() => record_outbox_gauges(sigillo.store.as_ref()).await,
            _ = oidc_prune.tick() => {
                match sigillo.prune_oidc(OIDC_KEEP_EXPIRED).await {
                    Ok(0) => {}
                    Ok(rows) => tracing::info!(rows, "expired OpenID Connect requests, codes and tokens deleted"),
                    Err(error) => tracing::warn!(%error, "OpenID Connect clean-up failed"),
                }
            }
            _ = sunset.tick() => {
                if let Err(error) = sunset_step(&sigillo).await {
                    tracing::warn!(%error, "sunset step failed");
                }
            }
        }
    }
}

/// Before the annulment date: notices; after it: annul a few batches (each its own short transaction).
async fn sunset_step(sigillo: &Sigillo) -> Result<(), sigillo_domain::store::StoreError> {
    if sigillo.settings.annulment_date.is_none() {
        return Ok(());
    }
    if sigillo.annulment_due(sigillo_app::now()) {
        for _ in 0..ANNUL_BATCHES_PER_STEP {
            if sigillo.annul_batch(sigillo_domain::audit::Actor::System).await? == 0 {
                break;
            }
        }
    } else {
        sigillo.send_sunset_notices().await?;
    }
    Ok(())
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
