//! The OpenID Connect provider's state on PostgreSQL: clients, signing keys, authorization
//! requests, consents, and grants with their codes and tokens.
//!
//! A code or a refresh token is marked used by one conditional `UPDATE … WHERE used_at IS NULL`:
//! of redemptions racing on several nodes, the row lock lets exactly one update it; the others
//! wait for its commit, find it used, and read it back as it now is (a replay). Answering an
//! authorization request deletes it in the transaction that stores the grant, so the same
//! request yields one grant however many nodes it is resubmitted to.

use async_trait::async_trait;
use sigillo_domain::audit::AuditEvent;
use sigillo_domain::credential::Level;
use sigillo_domain::fiscal_code::FiscalCode;
use sigillo_domain::oidc::{
    AuthorizationCode, AuthorizationRequest, Client, Consent, Grant, Scopes, SigningKey, Token, TokenKind,
    parse_scopes, scopes_string,
};
use sigillo_domain::store::{OidcStore, StoreError};
use sqlx::AssertSqlSafe;
use sqlx::postgres::PgRow;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::error::{corrupt_in, store_error, write_error};
use crate::row::Columns;
use crate::{PostgresStore, READ_COMMITTED, audit};

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

/// Marks an unused code used and returns it as it was (unused) with its grant; no row when the code
/// is unknown or used already. The row lock makes this happen once per code, on every node.
pub(crate) const REDEEM_CODE: &str = concat!(
    "WITH used AS (UPDATE oidc_codes SET used_at = $2 WHERE code_hash = $1 AND used_at IS NULL \
     RETURNING code_hash, grant_id, redirect_uri, code_challenge, expires_at) \
     SELECT c.code_hash, c.grant_id, c.redirect_uri, c.code_challenge, c.expires_at, NULL::timestamptz AS used_at, ",
    grant_columns!(),
    " FROM used AS c JOIN oidc_grants AS g ON g.id = c.grant_id"
);
/// A code with its grant, as it is now.
pub(crate) const SELECT_CODE: &str = concat!(
    "SELECT c.code_hash, c.grant_id, c.redirect_uri, c.code_challenge, c.expires_at, c.used_at, ",
    grant_columns!(),
    " FROM oidc_codes AS c JOIN oidc_grants AS g ON g.id = c.grant_id WHERE c.code_hash = $1"
);
/// Like [`REDEEM_CODE`], for a refresh token.
pub(crate) const USE_REFRESH_TOKEN: &str = concat!(
    "WITH used AS (UPDATE oidc_tokens SET used_at = $2 WHERE token_hash = $1 AND kind = 'refresh' \
     AND used_at IS NULL RETURNING token_hash, grant_id, kind, created_at, expires_at) \
     SELECT t.token_hash, t.grant_id, t.kind, t.created_at, t.expires_at, NULL::timestamptz AS used_at, ",
    grant_columns!(),
    " FROM used AS t JOIN oidc_grants AS g ON g.id = t.grant_id"
);
/// A token with its grant, as it is now.
pub(crate) const SELECT_TOKEN: &str = concat!(
    "SELECT t.token_hash, t.grant_id, t.kind, t.created_at, t.expires_at, t.used_at, ",
    grant_columns!(),
    " FROM oidc_tokens AS t JOIN oidc_grants AS g ON g.id = t.grant_id WHERE t.token_hash = $1"
);
/// The open grants of a portal session; the WHERE is the index's own.
pub(crate) const SELECT_GRANTS_OF_SESSION: &str = concat!(
    "SELECT ",
    grant_columns!(),
    " FROM oidc_grants AS g WHERE g.session_id = $1 AND g.revoked_at IS NULL ORDER BY g.created_at, g.id"
);
/// Revokes the open grants among `$1` at `$2`, locking them in id order so that two revocations
/// (or a revocation and a client's removal) wait for each other instead of deadlocking.
pub(crate) const REVOKE_GRANTS: &str = "\
UPDATE oidc_grants SET revoked_at = $2
WHERE revoked_at IS NULL AND id IN (
    SELECT id FROM oidc_grants WHERE id = ANY($1) AND revoked_at IS NULL ORDER BY id FOR UPDATE)";
/// Revokes the open grants of client `$1` at `$2`, in id order like [`REVOKE_GRANTS`].
pub(crate) const REVOKE_GRANTS_OF_CLIENT: &str = "\
UPDATE oidc_grants SET revoked_at = $2
WHERE revoked_at IS NULL AND id IN (
    SELECT id FROM oidc_grants WHERE client_id = $1 AND revoked_at IS NULL ORDER BY id FOR UPDATE)";

/// What `prune_oidc` deletes, in this order, each before `$1`.
pub(crate) const PRUNE: [&str; 4] = [
    "DELETE FROM oidc_authorization_requests WHERE expires_at < $1",
    "DELETE FROM oidc_codes WHERE expires_at < $1",
    "DELETE FROM oidc_tokens WHERE expires_at < $1",
    // After its codes and tokens: a grant goes only with nothing left hanging from it.
    "DELETE FROM oidc_grants AS g WHERE g.revoked_at < $1 \
     AND NOT EXISTS (SELECT 1 FROM oidc_codes AS c WHERE c.grant_id = g.id) \
     AND NOT EXISTS (SELECT 1 FROM oidc_tokens AS t WHERE t.grant_id = g.id)",
];

fn uris_json(uris: &[String]) -> Result<String, StoreError> {
    serde_json::to_string(uris).map_err(|_| StoreError::Other("redirect URIs do not serialise".to_owned()))
}

fn uris(c: &Columns<'_>, table: &str, column: &str) -> Result<Vec<String>, StoreError> {
    let json: String = c.get(column)?;
    serde_json::from_str(&json).map_err(|_| corrupt_in(table, column))
}

fn scopes(c: &Columns<'_>, column: &str) -> Result<Scopes, StoreError> {
    let text: String = c.get(column)?;
    Ok(parse_scopes(&text))
}

fn client_from_row(row: &PgRow) -> Result<Client, StoreError> {
    let c = Columns::new(row, "oidc_clients");
    Ok(Client {
        id: c.get("id")?,
        name: c.get("name")?,
        secret_hash: c.get("secret_hash")?,
        redirect_uris: uris(&c, "oidc_clients", "redirect_uris")?,
        post_logout_redirect_uris: uris(&c, "oidc_clients", "post_logout_redirect_uris")?,
        created_at: c.get("created_at")?,
        disabled_at: c.get("disabled_at")?,
    })
}

fn key_from_row(row: &PgRow) -> Result<SigningKey, StoreError> {
    let c = Columns::new(row, "oidc_signing_keys");
    Ok(SigningKey {
        kid: c.get("kid")?,
        algorithm: c.get("algorithm")?,
        private_pkcs8: c.get("private_pkcs8")?,
        public_jwk: c.get("public_jwk")?,
        created_at: c.get("created_at")?,
        signs_until: c.get("signs_until")?,
        published_until: c.get("published_until")?,
    })
}

fn request_from_row(row: &PgRow) -> Result<AuthorizationRequest, StoreError> {
    let c = Columns::new(row, "oidc_authorization_requests");
    let max_age: Option<i64> = c.get("max_age")?;
    Ok(AuthorizationRequest {
        id: c.get("id")?,
        client_id: c.get("client_id")?,
        redirect_uri: c.get("redirect_uri")?,
        scopes: scopes(&c, "scopes")?,
        state: c.get("state")?,
        nonce: c.get("nonce")?,
        code_challenge: c.get("code_challenge")?,
        min_level: c.parse("min_level", Level::parse)?,
        max_age: max_age
            .map(|seconds| u64::try_from(seconds).map_err(|_| corrupt_in("oidc_authorization_requests", "max_age")))
            .transpose()?,
        force_login: c.get("force_login")?,
        created_at: c.get("created_at")?,
        expires_at: c.get("expires_at")?,
    })
}

fn consent_from_row(row: &PgRow) -> Result<Consent, StoreError> {
    let c = Columns::new(row, "oidc_consents");
    Ok(Consent {
        fiscal_code: c.fiscal_code("fiscal_code")?,
        client_id: c.get("client_id")?,
        scopes: scopes(&c, "scopes")?,
        granted_at: c.get("granted_at")?,
    })
}

/// Reads the columns of `grant_columns!()`.
fn grant_from_row(row: &PgRow) -> Result<Grant, StoreError> {
    let c = Columns::new(row, "oidc_grants");
    Ok(Grant {
        id: c.get("id")?,
        client_id: c.get("client_id")?,
        fiscal_code: c.fiscal_code("fiscal_code")?,
        credential_id: c.get("credential_id")?,
        session_id: c.get("session_id")?,
        scopes: scopes(&c, "scopes")?,
        nonce: c.get("nonce")?,
        level: c.parse("level", Level::parse)?,
        auth_time: c.get("auth_time")?,
        created_at: c.get("grant_created_at")?,
        revoked_at: c.get("revoked_at")?,
    })
}

fn code_from_row(row: &PgRow) -> Result<AuthorizationCode, StoreError> {
    let c = Columns::new(row, "oidc_codes");
    Ok(AuthorizationCode {
        code_hash: c.get("code_hash")?,
        grant_id: c.get("grant_id")?,
        redirect_uri: c.get("redirect_uri")?,
        code_challenge: c.get("code_challenge")?,
        expires_at: c.get("expires_at")?,
        used_at: c.get("used_at")?,
    })
}

fn token_from_row(row: &PgRow) -> Result<Token, StoreError> {
    let c = Columns::new(row, "oidc_tokens");
    Ok(Token {
        token_hash: c.get("token_hash")?,
        grant_id: c.get("grant_id")?,
        kind: c.parse("kind", TokenKind::parse)?,
        created_at: c.get("created_at")?,
        expires_at: c.get("expires_at")?,
        used_at: c.get("used_at")?,
    })
}

fn code_and_grant(row: &PgRow) -> Result<(AuthorizationCode, Grant), StoreError> {
    Ok((code_from_row(row)?, grant_from_row(row)?))
}

fn token_and_grant(row: &PgRow) -> Result<(Token, Grant), StoreError> {
    Ok((token_from_row(row)?, grant_from_row(row)?))
}

/// A primary key refusing an insert: the row is there already.
fn duplicate(err: sqlx::Error, what: &str) -> StoreError {
    match &err {
        sqlx::Error::Database(db) if db.is_unique_violation() => StoreError::Conflict(format!("{what} exists")),
        _ => write_error(err),
    }
}

#[async_trait]
impl OidcStore for PostgresStore {
    async fn insert_client(&self, client: &Client, audit: AuditEvent) -> Result<(), StoreError> {
        let mut tx = self.pool.begin_with(READ_COMMITTED).await.map_err(store_error)?;
        // Dropping `tx` on an early return rolls everything back.
        sqlx::query(
            "INSERT INTO oidc_clients (id, name, secret_hash, redirect_uris, post_logout_redirect_uris, created_at, \
             disabled_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(client.id.as_str())
        .bind(client.name.as_str())
        .bind(client.secret_hash.as_deref())
        .bind(uris_json(&client.redirect_uris)?)
        .bind(uris_json(&client.post_logout_redirect_uris)?)
        .bind(client.created_at)
        .bind(client.disabled_at)
        .execute(&mut *tx)
        .await
        .map_err(|err| duplicate(err, "a client with this id"))?;
        audit::append(&mut tx, std::slice::from_ref(&audit)).await?;
        tx.commit().await.map_err(write_error)
    }

    async fn client(&self, id: &str) -> Result<Option<Client>, StoreError> {
        let sql = format!("SELECT {CLIENT_COLUMNS} FROM oidc_clients WHERE id = $1");
        let row = sqlx::query(AssertSqlSafe(sql)).bind(id).fetch_optional(&self.pool).await.map_err(store_error)?;
        row.as_ref().map(client_from_row).transpose()
    }

    async fn clients(&self) -> Result<Vec<Client>, StoreError> {
        let sql = format!("SELECT {CLIENT_COLUMNS} FROM oidc_clients ORDER BY name, id");
        let rows = sqlx::query(AssertSqlSafe(sql)).fetch_all(&self.pool).await.map_err(store_error)?;
        rows.iter().map(client_from_row).collect()
    }

    async fn disable_client(&self, id: &str, at: OffsetDateTime, audit: AuditEvent) -> Result<bool, StoreError> {
        let mut tx = self.pool.begin_with(READ_COMMITTED).await.map_err(store_error)?;
        // A concurrent removal waits on the row lock, then finds it removed: only one goes on.
        let done = sqlx::query("UPDATE oidc_clients SET disabled_at = $2 WHERE id = $1 AND disabled_at IS NULL")
            .bind(id)
            .bind(at)
            .execute(&mut *tx)
            .await
            .map_err(write_error)?;
        if done.rows_affected() == 0 {
            // Unknown or removed already: nothing changes, nothing is audited.
            return Ok(false);
        }
        sqlx::query(REVOKE_GRANTS_OF_CLIENT).bind(id).bind(at).execute(&mut *tx).await.map_err(write_error)?;
        audit::append(&mut tx, std::slice::from_ref(&audit)).await?;
        tx.commit().await.map_err(write_error)?;
        Ok(true)
    }

    async fn signing_keys(&self) -> Result<Vec<SigningKey>, StoreError> {
        let sql = format!("SELECT {KEY_COLUMNS} FROM oidc_signing_keys ORDER BY created_at DESC, kid");
        let rows = sqlx::query(AssertSqlSafe(sql)).fetch_all(&self.pool).await.map_err(store_error)?;
        rows.iter().map(key_from_row).collect()
    }

    async fn insert_signing_key(&self, key: &SigningKey) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO oidc_signing_keys (kid, algorithm, private_pkcs8, public_jwk, created_at, signs_until, \
             published_until) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(key.kid.as_str())
        .bind(key.algorithm.as_str())
        .bind(key.private_pkcs8.as_slice())
        .bind(key.public_jwk.as_str())
        .bind(key.created_at)
        .bind(key.signs_until)
        .bind(key.published_until)
        .execute(&self.pool)
        .await
        .map_err(|err| duplicate(err, "a signing key with this kid"))?;
        Ok(())
    }

    async fn delete_unpublished_keys(&self, now: OffsetDateTime) -> Result<u64, StoreError> {
        // Published while `now < published_until` (`SigningKey::published_at`).
        let done = sqlx::query("DELETE FROM oidc_signing_keys WHERE published_until <= $1")
            .bind(now)
            .execute(&self.pool)
            .await
            .map_err(store_error)?;
        Ok(done.rows_affected())
    }

    async fn insert_authorization_request(&self, request: &AuthorizationRequest) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO oidc_authorization_requests (id, client_id, redirect_uri, scopes, state, nonce, \
             code_challenge, min_level, max_age, force_login, created_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
        )
        .bind(request.id)
        .bind(request.client_id.as_str())
        .bind(request.redirect_uri.as_str())
        .bind(scopes_string(&request.scopes))
        .bind(request.state.as_deref())
        .bind(request.nonce.as_deref())
        .bind(request.code_challenge.as_str())
        .bind(request.min_level.as_str())
        // Beyond i64 seconds (292 billion years) is as good as no limit.
        .bind(request.max_age.map(|seconds| i64::try_from(seconds).unwrap_or(i64::MAX)))
        .bind(request.force_login)
        .bind(request.created_at)
        .bind(request.expires_at)
        .execute(&self.pool)
        .await
        .map_err(store_error)?;
        Ok(())
    }

    async fn authorization_request(&self, id: Uuid) -> Result<Option<AuthorizationRequest>, StoreError> {
        let sql = format!("SELECT {REQUEST_COLUMNS} FROM oidc_authorization_requests WHERE id = $1");
        let row = sqlx::query(AssertSqlSafe(sql)).bind(id).fetch_optional(&self.pool).await.map_err(store_error)?;
        row.as_ref().map(request_from_row).transpose()
    }

    async fn delete_authorization_request(&self, id: Uuid) -> Result<bool, StoreError> {
        let done = sqlx::query("DELETE FROM oidc_authorization_requests WHERE id = $1")
            .bind(id)
            .execute(&self.pool)
            .await
            .map_err(store_error)?;
        Ok(done.rows_affected() == 1)
    }

    async fn consent(&self, code: &FiscalCode, client_id: &str) -> Result<Option<Consent>, StoreError> {
        let sql = format!("SELECT {CONSENT_COLUMNS} FROM oidc_consents WHERE fiscal_code = $1 AND client_id = $2");
        let row = sqlx::query(AssertSqlSafe(sql))
            .bind(code.as_str())
            .bind(client_id)
            .fetch_optional(&self.pool)
            .await
            .map_err(store_error)?;
        row.as_ref().map(consent_from_row).transpose()
    }

    async fn save_consent(&self, consent: &Consent) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO oidc_consents (fiscal_code, client_id, scopes, granted_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (fiscal_code, client_id) DO UPDATE SET scopes = excluded.scopes, \
             granted_at = excluded.granted_at",
        )
        .bind(consent.fiscal_code.as_str())
        .bind(consent.client_id.as_str())
        .bind(scopes_string(&consent.scopes))
        .bind(consent.granted_at)
        .execute(&self.pool)
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
        let mut tx = self.pool.begin_with(READ_COMMITTED).await.map_err(store_error)?;
        // A concurrent answer to the same request waits on the row lock, then finds it gone.
        let done = sqlx::query("DELETE FROM oidc_authorization_requests WHERE id = $1")
            .bind(request_id)
            .execute(&mut *tx)
            .await
            .map_err(write_error)?;
        if done.rows_affected() == 0 {
            return Err(StoreError::Conflict("the authorization request was already answered".to_owned()));
        }
        sqlx::query(
            "INSERT INTO oidc_grants (id, client_id, fiscal_code, credential_id, session_id, scopes, nonce, level, \
             auth_time, created_at, revoked_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
        )
        .bind(grant.id)
        .bind(grant.client_id.as_str())
        .bind(grant.fiscal_code.as_str())
        .bind(grant.credential_id)
        .bind(grant.session_id)
        .bind(scopes_string(&grant.scopes))
        .bind(grant.nonce.as_deref())
        .bind(grant.level.as_str())
        .bind(grant.auth_time)
        .bind(grant.created_at)
        .bind(grant.revoked_at)
        .execute(&mut *tx)
        .await
        .map_err(write_error)?;
        sqlx::query(
            "INSERT INTO oidc_codes (code_hash, grant_id, redirect_uri, code_challenge, expires_at, used_at) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(code.code_hash.as_str())
        .bind(code.grant_id)
        .bind(code.redirect_uri.as_str())
        .bind(code.code_challenge.as_str())
        .bind(code.expires_at)
        .bind(code.used_at)
        .execute(&mut *tx)
        .await
        .map_err(write_error)?;
        audit::append(&mut tx, std::slice::from_ref(&audit)).await?;
        tx.commit().await.map_err(write_error)
    }

    async fn redeem_code(
        &self,
        code_hash: &str,
        at: OffsetDateTime,
    ) -> Result<Option<(AuthorizationCode, Grant)>, StoreError> {
        let won =
            sqlx::query(REDEEM_CODE).bind(code_hash).bind(at).fetch_optional(&self.pool).await.map_err(write_error)?;
        if let Some(row) = won {
            return code_and_grant(&row).map(Some);
        }
        // Unknown, or used already: a new statement sees the winner's commit (READ COMMITTED).
        let row = sqlx::query(SELECT_CODE).bind(code_hash).fetch_optional(&self.pool).await.map_err(store_error)?;
        row.as_ref().map(code_and_grant).transpose()
    }

    async fn insert_tokens(&self, tokens: &[Token], audit: Vec<AuditEvent>) -> Result<(), StoreError> {
        if tokens.is_empty() && audit.is_empty() {
            return Ok(());
        }
        let mut tx = self.pool.begin_with(READ_COMMITTED).await.map_err(store_error)?;
        for token in tokens {
            sqlx::query(
                "INSERT INTO oidc_tokens (token_hash, grant_id, kind, created_at, expires_at, used_at) \
                 VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(token.token_hash.as_str())
            .bind(token.grant_id)
            .bind(token.kind.as_str())
            .bind(token.created_at)
            .bind(token.expires_at)
            .bind(token.used_at)
            .execute(&mut *tx)
            .await
            .map_err(write_error)?;
        }
        audit::append(&mut tx, &audit).await?;
        tx.commit().await.map_err(write_error)
    }

    async fn token(&self, token_hash: &str) -> Result<Option<(Token, Grant)>, StoreError> {
        let row = sqlx::query(SELECT_TOKEN).bind(token_hash).fetch_optional(&self.pool).await.map_err(store_error)?;
        row.as_ref().map(token_and_grant).transpose()
    }

    async fn use_refresh_token(
        &self,
        token_hash: &str,
        at: OffsetDateTime,
    ) -> Result<Option<(Token, Grant)>, StoreError> {
        let won = sqlx::query(USE_REFRESH_TOKEN)
            .bind(token_hash)
            .bind(at)
            .fetch_optional(&self.pool)
            .await
            .map_err(write_error)?;
        if let Some(row) = won {
            return token_and_grant(&row).map(Some);
        }
        let row = sqlx::query(SELECT_TOKEN).bind(token_hash).fetch_optional(&self.pool).await.map_err(store_error)?;
        let found = row.as_ref().map(token_and_grant).transpose()?;
        // An access token is no refresh token: unknown here, and left as it is.
        Ok(found.filter(|(token, _)| token.kind == TokenKind::Refresh))
    }

    async fn revoke_grants(&self, ids: &[Uuid], at: OffsetDateTime, audit: Vec<AuditEvent>) -> Result<(), StoreError> {
        if ids.is_empty() && audit.is_empty() {
            return Ok(());
        }
        let mut tx = self.pool.begin_with(READ_COMMITTED).await.map_err(store_error)?;
        if !ids.is_empty() {
            sqlx::query(REVOKE_GRANTS).bind(ids).bind(at).execute(&mut *tx).await.map_err(write_error)?;
        }
        audit::append(&mut tx, &audit).await?;
        tx.commit().await.map_err(write_error)
    }

    async fn grants_of_session(&self, session_id: Uuid) -> Result<Vec<Grant>, StoreError> {
        let rows =
            sqlx::query(SELECT_GRANTS_OF_SESSION).bind(session_id).fetch_all(&self.pool).await.map_err(store_error)?;
        rows.iter().map(grant_from_row).collect()
    }

    async fn prune_oidc(&self, before: OffsetDateTime) -> Result<u64, StoreError> {
        let mut tx = self.pool.begin_with(READ_COMMITTED).await.map_err(store_error)?;
        let mut deleted = 0;
        for sql in PRUNE {
            let done = sqlx::query(sql).bind(before).execute(&mut *tx).await.map_err(write_error)?;
            deleted += done.rows_affected();
        }
        tx.commit().await.map_err(write_error)?;
        Ok(deleted)
    }
}
