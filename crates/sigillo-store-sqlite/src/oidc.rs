//! The OpenID Connect provider's state: clients, signing keys, authorization requests, consents,
//! and grants with their codes and tokens.
//!
//! Every write runs in a `BEGIN IMMEDIATE` transaction on the single write connection, so a code or
//! a refresh token read and marked used in one of them cannot be marked by anyone else in between:
//! of concurrent redemptions exactly one finds it unused.

use async_trait::async_trait;
use sigillo_domain::audit::AuditEvent;
use sigillo_domain::credential::Level;
use sigillo_domain::fiscal_code::FiscalCode;
use sigillo_domain::oidc::{
    AuthorizationCode, AuthorizationRequest, Client, Consent, Grant, Scopes, SigningKey, Token, TokenKind,
    parse_scopes, scopes_string,
};
use sigillo_domain::store::{OidcStore, StoreError};
use sqlx::sqlite::SqliteRow;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::codec::{Columns, micros, opt_micros, uuid_text};
use crate::error::store_error;
use crate::{SqliteStore, audit};

const CLIENT_COLUMNS: &str = "id, name, secret_hash, redirect_uris, post_logout_redirect_uris, created_at, disabled_at";
const KEY_COLUMNS: &str = "kid, algorithm, private_pkcs8, public_jwk, created_at, signs_until, published_until";
const REQUEST_COLUMNS: &str = "id, client_id, redirect_uri, scopes, state, nonce, code_challenge, min_level, max_age, \
     force_login, created_at, expires_at";
const CONSENT_COLUMNS: &str = "fiscal_code, client_id, scopes, granted_at";
/// The grant's columns as [`grant_from_row`] reads them, from `oidc_grants AS g`, also when joined
/// to a code or a token (whose `created_at` would clash).
macro_rules! grant_columns {
    () => {
        "g.id, g.client_id, g.fiscal_code, g.credential_id, g.session_id, g.scopes, g.nonce, g.level, g.auth_time, \
         g.created_at AS grant_created_at, g.revoked_at"
    };
}

/// A code with its grant.
pub(crate) const SELECT_CODE: &str = concat!(
    "SELECT c.code_hash, c.grant_id, c.redirect_uri, c.code_challenge, c.expires_at, c.used_at, ",
    grant_columns!(),
    " FROM oidc_codes AS c JOIN oidc_grants AS g ON g.id = c.grant_id WHERE c.code_hash = ?"
);
/// A token with its grant.
pub(crate) const SELECT_TOKEN: &str = concat!(
    "SELECT t.token_hash, t.grant_id, t.kind, t.created_at, t.expires_at, t.used_at, ",
    grant_columns!(),
    " FROM oidc_tokens AS t JOIN oidc_grants AS g ON g.id = t.grant_id WHERE t.token_hash = ?"
);
/// The open grants of a portal session; the WHERE is the index's own.
pub(crate) const SELECT_GRANTS_OF_SESSION: &str = concat!(
    "SELECT ",
    grant_columns!(),
    " FROM oidc_grants AS g WHERE g.session_id = ? AND g.revoked_at IS NULL ORDER BY g.created_at, g.id"
);

/// Removing a client revokes its open grants.
pub(crate) const REVOKE_GRANTS_OF_CLIENT: &str =
    "UPDATE oidc_grants SET revoked_at = ? WHERE client_id = ? AND revoked_at IS NULL";
/// What `prune_oidc` deletes, in this order, each before `?`.
pub(crate) const PRUNE: [&str; 4] = [
    "DELETE FROM oidc_authorization_requests WHERE expires_at < ?",
    "DELETE FROM oidc_codes WHERE expires_at < ?",
    "DELETE FROM oidc_tokens WHERE expires_at < ?",
    // After its codes and tokens: a grant goes only with nothing left hanging from it.
    "DELETE FROM oidc_grants WHERE revoked_at < ? \
     AND NOT EXISTS (SELECT 1 FROM oidc_codes AS c WHERE c.grant_id = oidc_grants.id) \
     AND NOT EXISTS (SELECT 1 FROM oidc_tokens AS t WHERE t.grant_id = oidc_grants.id)",
];

fn uris_json(uris: &[String]) -> Result<String, StoreError> {
    serde_json::to_string(uris).map_err(|_| StoreError::Other("redirect URIs do not serialise".to_owned()))
}

fn scopes(c: &Columns<'_>, column: &str) -> Result<Scopes, StoreError> {
    Ok(parse_scopes(&c.text(column)?))
}

fn client_from_row(row: &SqliteRow) -> Result<Client, StoreError> {
    let c = Columns::new(row, "oidc_clients");
    Ok(Client {
        id: c.text("id")?,
        name: c.text("name")?,
        secret_hash: c.opt_text("secret_hash")?,
        redirect_uris: c.json("redirect_uris")?,
        post_logout_redirect_uris: c.json("post_logout_redirect_uris")?,
        created_at: c.time("created_at")?,
        disabled_at: c.opt_time("disabled_at")?,
    })
}

fn key_from_row(row: &SqliteRow) -> Result<SigningKey, StoreError> {
    let c = Columns::new(row, "oidc_signing_keys");
    let private_pkcs8: Vec<u8> = sqlx::Row::try_get(row, "private_pkcs8").map_err(|_| c.corrupt("private_pkcs8"))?;
    Ok(SigningKey {
        kid: c.text("kid")?,
        algorithm: c.text("algorithm")?,
        private_pkcs8,
        public_jwk: c.text("public_jwk")?,
        created_at: c.time("created_at")?,
        signs_until: c.time("signs_until")?,
        published_until: c.time("published_until")?,
    })
}

fn request_from_row(row: &SqliteRow) -> Result<AuthorizationRequest, StoreError> {
    let c = Columns::new(row, "oidc_authorization_requests");
    let max_age: Option<i64> = sqlx::Row::try_get(row, "max_age").map_err(|_| c.corrupt("max_age"))?;
    Ok(AuthorizationRequest {
        id: c.uuid("id")?,
        client_id: c.text("client_id")?,
        redirect_uri: c.text("redirect_uri")?,
        scopes: scopes(&c, "scopes")?,
        state: c.opt_text("state")?,
        nonce: c.opt_text("nonce")?,
        code_challenge: c.text("code_challenge")?,
        min_level: c.parsed("min_level", Level::parse)?,
        max_age: max_age.map(|seconds| u64::try_from(seconds).map_err(|_| c.corrupt("max_age"))).transpose()?,
        force_login: c.int("force_login")? == 1,
        created_at: c.time("created_at")?,
        expires_at: c.time("expires_at")?,
    })
}

fn consent_from_row(row: &SqliteRow) -> Result<Consent, StoreError> {
    let c = Columns::new(row, "oidc_consents");
    Ok(Consent {
        fiscal_code: c.fiscal_code("fiscal_code")?,
        client_id: c.text("client_id")?,
        scopes: scopes(&c, "scopes")?,
        granted_at: c.time("granted_at")?,
    })
}

/// Reads the columns of `grant_columns!()`.
fn grant_from_row(row: &SqliteRow) -> Result<Grant, StoreError> {
    let c = Columns::new(row, "oidc_grants");
    Ok(Grant {
        id: c.uuid("id")?,
        client_id: c.text("client_id")?,
        fiscal_code: c.fiscal_code("fiscal_code")?,
        credential_id: c.uuid("credential_id")?,
        session_id: c.opt_uuid("session_id")?,
        scopes: scopes(&c, "scopes")?,
        nonce: c.opt_text("nonce")?,
        level: c.parsed("level", Level::parse)?,
        auth_time: c.time("auth_time")?,
        created_at: c.time("grant_created_at")?,
        revoked_at: c.opt_time("revoked_at")?,
    })
}

fn code_from_row(row: &SqliteRow) -> Result<AuthorizationCode, StoreError> {
    let c = Columns::new(row, "oidc_codes");
    Ok(AuthorizationCode {
        code_hash: c.text("code_hash")?,
        grant_id: c.uuid("grant_id")?,
        redirect_uri: c.text("redirect_uri")?,
        code_challenge: c.text("code_challenge")?,
        expires_at: c.time("expires_at")?,
        used_at: c.opt_time("used_at")?,
    })
}

fn token_from_row(row: &SqliteRow) -> Result<Token, StoreError> {
    let c = Columns::new(row, "oidc_tokens");
    Ok(Token {
        token_hash: c.text("token_hash")?,
        grant_id: c.uuid("grant_id")?,
        kind: c.parsed("kind", TokenKind::parse)?,
        created_at: c.time("created_at")?,
        expires_at: c.time("expires_at")?,
        used_at: c.opt_time("used_at")?,
    })
}

/// A unique key refusing an insert: the row is there already.
fn duplicate(err: sqlx::Error, what: &str) -> StoreError {
    match &err {
        sqlx::Error::Database(db) if db.is_unique_violation() => StoreError::Conflict(format!("{what} exists")),
        _ => store_error(err),
    }
}

#[async_trait]
impl OidcStore for SqliteStore {
    async fn insert_client(&self, client: &Client, audit: AuditEvent) -> Result<(), StoreError> {
        let mut tx = self.write.begin_with("BEGIN IMMEDIATE").await.map_err(store_error)?;
        sqlx::query(
            "INSERT INTO oidc_clients (id, name, secret_hash, redirect_uris, post_logout_redirect_uris, created_at, \
             disabled_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(client.id.as_str())
        .bind(client.name.as_str())
        .bind(client.secret_hash.as_deref())
        .bind(uris_json(&client.redirect_uris)?)
        .bind(uris_json(&client.post_logout_redirect_uris)?)
        .bind(micros(client.created_at))
        .bind(opt_micros(client.disabled_at))
        .execute(&mut *tx)
        .await
        .map_err(|err| duplicate(err, "a client with this id"))?;
        audit::append(&mut tx, &[audit]).await?;
        tx.commit().await.map_err(store_error)
    }

    async fn client(&self, id: &str) -> Result<Option<Client>, StoreError> {
        let sql = format!("SELECT {CLIENT_COLUMNS} FROM oidc_clients WHERE id = ?");
        let row =
            sqlx::query(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(&self.read).await.map_err(store_error)?;
        row.as_ref().map(client_from_row).transpose()
    }

    async fn clients(&self) -> Result<Vec<Client>, StoreError> {
        let sql = format!("SELECT {CLIENT_COLUMNS} FROM oidc_clients ORDER BY name, id");
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).fetch_all(&self.read).await.map_err(store_error)?;
        rows.iter().map(client_from_row).collect()
    }

    async fn disable_client(&self, id: &str, at: OffsetDateTime, audit: AuditEvent) -> Result<bool, StoreError> {
        let mut tx = self.write.begin_with("BEGIN IMMEDIATE").await.map_err(store_error)?;
        let done = sqlx::query("UPDATE oidc_clients SET disabled_at = ? WHERE id = ? AND disabled_at IS NULL")
            .bind(micros(at))
            .bind(id)
            .execute(&mut *tx)
            .await
            .map_err(store_error)?;
        if done.rows_affected() == 0 {
            // Unknown or removed already: nothing changes, nothing is audited.
            return Ok(false);
        }
        sqlx::query(REVOKE_GRANTS_OF_CLIENT).bind(micros(at)).bind(id).execute(&mut *tx).await.map_err(store_error)?;
        audit::append(&mut tx, &[audit]).await?;
        tx.commit().await.map_err(store_error)?;
        Ok(true)
    }

    async fn signing_keys(&self) -> Result<Vec<SigningKey>, StoreError> {
        let sql = format!("SELECT {KEY_COLUMNS} FROM oidc_signing_keys ORDER BY created_at DESC, kid");
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).fetch_all(&self.read).await.map_err(store_error)?;
        rows.iter().map(key_from_row).collect()
    }

    async fn insert_signing_key(&self, key: &SigningKey) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO oidc_signing_keys (kid, algorithm, private_pkcs8, public_jwk, created_at, signs_until, \
             published_until) VALUES (?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(key.kid.as_str())
        .bind(key.algorithm.as_str())
        .bind(key.private_pkcs8.as_slice())
        .bind(key.public_jwk.as_str())
        .bind(micros(key.created_at))
        .bind(micros(key.signs_until))
        .bind(micros(key.published_until))
        .execute(&self.write)
        .await
        .map_err(|err| duplicate(err, "a signing key with this kid"))?;
        Ok(())
    }

    async fn delete_unpublished_keys(&self, now: OffsetDateTime) -> Result<u64, StoreError> {
        // Published while `now < published_until` (`SigningKey::published_at`).
        let done = sqlx::query("DELETE FROM oidc_signing_keys WHERE published_until <= ?")
            .bind(micros(now))
            .execute(&self.write)
            .await
            .map_err(store_error)?;
        Ok(done.rows_affected())
    }

    async fn insert_authorization_request(&self, request: &AuthorizationRequest) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO oidc_authorization_requests (id, client_id, redirect_uri, scopes, state, nonce, \
             code_challenge, min_level, max_age, force_login, created_at, expires_at) \
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(uuid_text(request.id))
        .bind(request.client_id.as_str())
        .bind(request.redirect_uri.as_str())
        .bind(scopes_string(&request.scopes))
        .bind(request.state.as_deref())
        .bind(request.nonce.as_deref())
        .bind(request.code_challenge.as_str())
        .bind(request.min_level.as_str())
        // Beyond i64 seconds (292 billion years) is as good as no limit.
        .bind(request.max_age.map(|seconds| i64::try_from(seconds).unwrap_or(i64::MAX)))
        .bind(i64::from(request.force_login))
        .bind(micros(request.created_at))
        .bind(micros(request.expires_at))
        .execute(&self.write)
        .await
        .map_err(store_error)?;
        Ok(())
    }

    async fn authorization_request(&self, id: Uuid) -> Result<Option<AuthorizationRequest>, StoreError> {
        let sql = format!("SELECT {REQUEST_COLUMNS} FROM oidc_authorization_requests WHERE id = ?");
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(uuid_text(id))
            .fetch_optional(&self.read)
            .await
            .map_err(store_error)?;
        row.as_ref().map(request_from_row).transpose()
    }

    async fn delete_authorization_request(&self, id: Uuid) -> Result<bool, StoreError> {
        let done = sqlx::query("DELETE FROM oidc_authorization_requests WHERE id = ?")
            .bind(uuid_text(id))
            .execute(&self.write)
            .await
            .map_err(store_error)?;
        Ok(done.rows_affected() == 1)
    }

    async fn consent(&self, code: &FiscalCode, client_id: &str) -> Result<Option<Consent>, StoreError> {
        let sql = format!("SELECT {CONSENT_COLUMNS} FROM oidc_consents WHERE fiscal_code = ? AND client_id = ?");
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(code.as_str())
            .bind(client_id)
            .fetch_optional(&self.read)
            .await
            .map_err(store_error)?;
        row.as_ref().map(consent_from_row).transpose()
    }

    async fn save_consent(&self, consent: &Consent) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO oidc_consents (fiscal_code, client_id, scopes, granted_at) VALUES (?, ?, ?, ?) \
             ON CONFLICT (fiscal_code, client_id) DO UPDATE SET scopes = excluded.scopes, \
             granted_at = excluded.granted_at",
        )
        .bind(consent.fiscal_code.as_str())
        .bind(consent.client_id.as_str())
        .bind(scopes_string(&consent.scopes))
        .bind(micros(consent.granted_at))
        .execute(&self.write)
        .await
        .map_err(store_error)?;
        Ok(())
    }

    async fn insert_grant(
        &self,
        request_id: Uuid,
        grant: &Grant,
        code: &AuthorizationCode,
        audit: AuditEvent,
    ) -> Result<(), StoreError> {
        let mut tx = self.write.begin_with("BEGIN IMMEDIATE").await.map_err(store_error)?;
        let done = sqlx::query("DELETE FROM oidc_authorization_requests WHERE id = ?")
            .bind(uuid_text(request_id))
            .execute(&mut *tx)
            .await
            .map_err(store_error)?;
        if done.rows_affected() == 0 {
            return Err(StoreError::Conflict("the authorization request was already answered".to_owned()));
        }
        sqlx::query(
            "INSERT INTO oidc_grants (id, client_id, fiscal_code, credential_id, session_id, scopes, nonce, level, \
             auth_time, created_at, revoked_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(uuid_text(grant.id))
        .bind(grant.client_id.as_str())
        .bind(grant.fiscal_code.as_str())
        .bind(uuid_text(grant.credential_id))
        .bind(grant.session_id.map(uuid_text))
        .bind(scopes_string(&grant.scopes))
        .bind(grant.nonce.as_deref())
        .bind(grant.level.as_str())
        .bind(micros(grant.auth_time))
        .bind(micros(grant.created_at))
        .bind(opt_micros(grant.revoked_at))
        .execute(&mut *tx)
        .await
        .map_err(store_error)?;
        sqlx::query(
            "INSERT INTO oidc_codes (code_hash, grant_id, redirect_uri, code_challenge, expires_at, used_at) \
             VALUES (?, ?, ?, ?, ?, ?)",
        )
        .bind(code.code_hash.as_str())
        .bind(uuid_text(code.grant_id))
        .bind(code.redirect_uri.as_str())
        .bind(code.code_challenge.as_str())
        .bind(micros(code.expires_at))
        .bind(opt_micros(code.used_at))
        .execute(&mut *tx)
        .await
        .map_err(store_error)?;
        audit::append(&mut tx, &[audit]).await?;
        tx.commit().await.map_err(store_error)
    }

    async fn redeem_code(
        &self,
        code_hash: &str,
        at: OffsetDateTime,
    ) -> Result<Option<(AuthorizationCode, Grant)>, StoreError> {
        // Read and mark under the write lock: no other redemption can come in between.
        let mut tx = self.write.begin_with("BEGIN IMMEDIATE").await.map_err(store_error)?;
        let row = sqlx::query(SELECT_CODE).bind(code_hash).fetch_optional(&mut *tx).await.map_err(store_error)?;
        let Some(row) = row else { return Ok(None) };
        let before = (code_from_row(&row)?, grant_from_row(&row)?);
        if before.0.used_at.is_none() {
            sqlx::query("UPDATE oidc_codes SET used_at = ? WHERE code_hash = ? AND used_at IS NULL")
                .bind(micros(at))
                .bind(code_hash)
                .execute(&mut *tx)
                .await
                .map_err(store_error)?;
            tx.commit().await.map_err(store_error)?;
        }
        Ok(Some(before))
    }

    async fn insert_tokens(&self, tokens: &[Token], audit: Vec<AuditEvent>) -> Result<(), StoreError> {
        if tokens.is_empty() && audit.is_empty() {
            return Ok(());
        }
        let mut tx = self.write.begin_with("BEGIN IMMEDIATE").await.map_err(store_error)?;
        for token in tokens {
            sqlx::query(
                "INSERT INTO oidc_tokens (token_hash, grant_id, kind, created_at, expires_at, used_at) \
                 VALUES (?, ?, ?, ?, ?, ?)",
            )
            .bind(token.token_hash.as_str())
            .bind(uuid_text(token.grant_id))
            .bind(token.kind.as_str())
            .bind(micros(token.created_at))
            .bind(micros(token.expires_at))
            .bind(opt_micros(token.used_at))
            .execute(&mut *tx)
            .await
            .map_err(store_error)?;
        }
        audit::append(&mut tx, &audit).await?;
        tx.commit().await.map_err(store_error)
    }

    async fn token(&self, token_hash: &str) -> Result<Option<(Token, Grant)>, StoreError> {
        let row = sqlx::query(SELECT_TOKEN).bind(token_hash).fetch_optional(&self.read).await.map_err(store_error)?;
        row.map(|row| Ok((token_from_row(&row)?, grant_from_row(&row)?))).transpose()
    }

    async fn use_refresh_token(
        &self,
        token_hash: &str,
        at: OffsetDateTime,
    ) -> Result<Option<(Token, Grant)>, StoreError> {
        let mut tx = self.write.begin_with("BEGIN IMMEDIATE").await.map_err(store_error)?;
        let row = sqlx::query(SELECT_TOKEN).bind(token_hash).fetch_optional(&mut *tx).await.map_err(store_error)?;
        let Some(row) = row else { return Ok(None) };
        let before = (token_from_row(&row)?, grant_from_row(&row)?);
        if before.0.kind != TokenKind::Refresh {
            // An access token is no refresh token: unknown here, and left as it is.
            return Ok(None);
        }
        if before.0.used_at.is_none() {
            sqlx::query("UPDATE oidc_tokens SET used_at = ? WHERE token_hash = ? AND used_at IS NULL")
                .bind(micros(at))
                .bind(token_hash)
                .execute(&mut *tx)
                .await
                .map_err(store_error)?;
            tx.commit().await.map_err(store_error)?;
        }
        Ok(Some(before))
    }

    async fn revoke_grants(&self, ids: &[Uuid], at: OffsetDateTime, audit: Vec<AuditEvent>) -> Result<(), StoreError> {
        if ids.is_empty() && audit.is_empty() {
            return Ok(());
        }
        let mut tx = self.write.begin_with("BEGIN IMMEDIATE").await.map_err(store_error)?;
        for id in ids {
            sqlx::query("UPDATE oidc_grants SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL")
                .bind(micros(at))
                .bind(uuid_text(*id))
                .execute(&mut *tx)
                .await
                .map_err(store_error)?;
        }
        audit::append(&mut tx, &audit).await?;
        tx.commit().await.map_err(store_error)
    }

    async fn grants_of_session(&self, session_id: Uuid) -> Result<Vec<Grant>, StoreError> {
        let rows = sqlx::query(SELECT_GRANTS_OF_SESSION)
            .bind(uuid_text(session_id))
            .fetch_all(&self.read)
            .await
            .map_err(store_error)?;
        rows.iter().map(grant_from_row).collect()
    }

    async fn prune_oidc(&self, before: OffsetDateTime) -> Result<u64, StoreError> {
        let before = micros(before);
        let mut tx = self.write.begin_with("BEGIN IMMEDIATE").await.map_err(store_error)?;
        let mut deleted = 0;
        for sql in PRUNE {
            let done = sqlx::query(sql).bind(before).execute(&mut *tx).await.map_err(store_error)?;
            deleted += done.rows_affected();
        }
        tx.commit().await.map_err(store_error)?;
        Ok(deleted)
    }
}
