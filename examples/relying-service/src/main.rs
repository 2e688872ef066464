//! Runs the example relying service. Register it first:
//!
//! ```text
//! sigillo client add "Servizio di esempio" --redirect-uri http://127.0.0.1:8090/callback \
//!     --post-logout-redirect-uri http://127.0.0.1:8090/signed-out
//! RP_CLIENT_ID=… RP_CLIENT_SECRET=… cargo run -p sigillo-example-rp
//! ```
//!
//! Settings: `SIGILLO_ISSUER` (default `http://127.0.0.1:8080`), `RP_LISTEN` (default
//! `127.0.0.1:8090`), `RP_CLIENT_ID`, `RP_CLIENT_SECRET` (absent for a public client).

use anyhow::Context;
use sigillo_example_rp::{Settings, app};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let issuer = std::env::var("SIGILLO_ISSUER").unwrap_or_else(|_| "http://127.0.0.1:8080".into());
    let listen = std::env::var("RP_LISTEN").unwrap_or_else(|_| "127.0.0.1:8090".into());
    let client_id = std::env::var("RP_CLIENT_ID").context("RP_CLIENT_ID is required (from `sigillo client add`)")?;
    let client_secret = std::env::var("RP_CLIENT_SECRET").ok().filter(|s| !s.is_empty());
    let listener = tokio::net::TcpListener::bind(&listen).await.with_context(|| format!("listen on {listen}"))?;
    let base_url = format!("http://{}", listener.local_addr()?);
    let router = app(Settings {
        issuer: issuer.trim_end_matches('/').to_owned(),
        client_id,
        client_secret,
        base_url: base_url.clone(),
    })
    .await
    .context("discovery of Sigillo failed")?;
    println!("example relying service on {base_url}");
    axum::serve(listener, router).await?;
    Ok(())
}
