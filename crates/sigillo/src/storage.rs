//! Opens the store the configuration names: SQLite in the data folder, or PostgreSQL.

use std::sync::Arc;

use anyhow::Context;
use sigillo_domain::store::Store;
use sigillo_store_postgres::PostgresStore;
use sigillo_store_sqlite::SqliteStore;

use crate::config::Config;

pub async fn open(config: &Config) -> anyhow::Result<Arc<dyn Store>> {
    let url = &config.database_url;
    let store: Arc<dyn Store> = if url.is_postgres() {
        Arc::new(
            PostgresStore::connect(url.expose(), config.database_max_connections)
                .await
                .with_context(|| format!("connessione a {url} non riuscita"))?,
        )
    } else {
        std::fs::create_dir_all(&config.data_dir)
            .with_context(|| format!("impossibile creare la cartella dati {}", config.data_dir.display()))?;
        Arc::new(SqliteStore::connect(url.expose()).await.with_context(|| format!("apertura di {url} non riuscita"))?)
    };
    Ok(store)
}

/// Opens the store and brings its schema up to date.
pub async fn open_migrated(config: &Config) -> anyhow::Result<Arc<dyn Store>> {
    let store = open(config).await?;
    store.migrate().await.context("aggiornamento dello schema non riuscito")?;
    Ok(store)
}
