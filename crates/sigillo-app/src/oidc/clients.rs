//! Relying services: registered by `sigillo client add`, listed and removed by an administrator.

use serde::Serialize;
use sigillo_domain::audit::{Actor, AuditEvent};
use sigillo_domain::oidc::{Client, RedirectUriError, check_redirect_uri};
use sigillo_domain::session::token_hash;
use sigillo_domain::store::StoreError;

use crate::{Sigillo, now};

#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    #[error("the name must be 1 to 100 printable characters")]
    Name,
    #[error("at least one --redirect-uri is required")]
    NoRedirectUri,
    #[error("{uri}: {reason}")]
    RedirectUri { uri: String, reason: RedirectUriError },
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// What `sigillo client add` prints: the secret is shown this once and never stored in clear.
#[derive(Debug, Clone, Serialize)]
pub struct NewClient {
    pub client_id: String,
    pub client_secret: Option<String>,
}

/// A client as an administrator sees it.
#[derive(Debug, Clone, Serialize)]
pub struct ClientSummary {
    pub client_id: String,
    pub name: String,
    pub public: bool,
    pub redirect_uris: Vec<String>,
    pub post_logout_redirect_uris: Vec<String>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: time::OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    pub removed_at: Option<time::OffsetDateTime>,
}

impl From<&Client> for ClientSummary {
    fn from(c: &Client) -> Self {
        ClientSummary {
            client_id: c.id.clone(),
            name: c.name.clone(),
            public: c.is_public(),
            redirect_uris: c.redirect_uris.clone(),
            post_logout_redirect_uris: c.post_logout_redirect_uris.clone(),
            created_at: c.created_at,
            removed_at: c.disabled_at,
        }
    }
}

impl Sigillo {
    /// Registers a relying service. `actor` is who did it (the CLI runs as `system`).
    pub async fn add_client(
        &self,
        name: &str,
        redirect_uris: &[String],
        post_logout_redirect_uris: &[String],
        public: bool,
        actor: Actor,
    ) -> Result<NewClient, ClientError> {
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 100 || name.chars().any(char::is_control) {
            return Err(ClientError::Name);
        }
        if redirect_uris.is_empty() {
            return Err(ClientError::NoRedirectUri);
        }
        for uri in redirect_uris.iter().chain(post_logout_redirect_uris) {
            check_redirect_uri(uri).map_err(|reason| ClientError::RedirectUri { uri: uri.clone(), reason })?;
        }
        let id = crate::otp::token().map_err(|e| StoreError::Other(e.to_string()))?;
        // 128 bits are plenty for an identifier that is public anyway.
        let client_id = id.chars().take(22).collect::<String>();
        let secret =
            if public { None } else { Some(crate::otp::token().map_err(|e| StoreError::Other(e.to_string()))?) };
        let now = now();
        let dedup = |uris: &[String]| {
            let mut out: Vec<String> = Vec::new();
            for uri in uris {
                if !out.contains(uri) {
                    out.push(uri.clone());
                }
            }
            out
        };
        let client = Client {
            id: client_id.clone(),
            name: name.to_owned(),
            secret_hash: secret.as_deref().map(token_hash),
            redirect_uris: dedup(redirect_uris),
            post_logout_redirect_uris: dedup(post_logout_redirect_uris),
            created_at: now,
            disabled_at: None,
        };
        let audit = AuditEvent::new(now, actor, "oidc_client_added")
            .detail("client", client_id.clone())
            .detail("name", name)
            .detail("public", if public { "yes" } else { "no" });
        self.store.insert_client(&client, audit).await?;
        Ok(NewClient { client_id, client_secret: secret })
    }

    pub async fn list_clients(&self) -> Result<Vec<ClientSummary>, StoreError> {
        Ok(self.store.clients().await?.iter().map(ClientSummary::from).collect())
    }

    /// Removes a client: it can no longer log anyone in, and every token it holds stops working.
    /// `false` when there is no such client or it was already removed.
    pub async fn remove_client(&self, client_id: &str, actor: Actor) -> Result<bool, StoreError> {
        let now = now();
        let audit = AuditEvent::new(now, actor, "oidc_client_removed").detail("client", client_id);
        self.store.disable_client(client_id, now, audit).await
    }
}
