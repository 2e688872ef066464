-- The OpenID Connect provider (SPEC 7): relying services, ID-token signing keys, pending
-- authorization requests, consents, and grants with their codes and tokens.
--
-- As in 0002: timestamps are INTEGER Unix microseconds, UUIDs hyphenated lower-case TEXT. Codes
-- and tokens are stored only as their SHA-256. Codes, tokens and requests are pruned once expired,
-- and revoked grants once nothing hangs from them any more.

CREATE TABLE oidc_clients (
    id                        TEXT    NOT NULL PRIMARY KEY,
    name                      TEXT    NOT NULL,
    secret_hash               TEXT,  -- hex SHA-256 of the secret; NULL for a public client
    redirect_uris             TEXT    NOT NULL
        CHECK (json_valid(redirect_uris) AND json_type(redirect_uris) = 'array'),
    post_logout_redirect_uris TEXT    NOT NULL
        CHECK (json_valid(post_logout_redirect_uris) AND json_type(post_logout_redirect_uris) = 'array'),
    created_at                INTEGER NOT NULL,
    disabled_at               INTEGER
) STRICT;

CREATE TABLE oidc_signing_keys (
    kid             TEXT    NOT NULL PRIMARY KEY,
    algorithm       TEXT    NOT NULL,
    private_pkcs8   BLOB    NOT NULL,
    public_jwk      TEXT    NOT NULL,
    created_at      INTEGER NOT NULL,
    signs_until     INTEGER NOT NULL,
    published_until INTEGER NOT NULL
) STRICT;

CREATE TABLE oidc_authorization_requests (
    id             TEXT    NOT NULL PRIMARY KEY,
    client_id      TEXT    NOT NULL,
    redirect_uri   TEXT    NOT NULL,
    scopes         TEXT    NOT NULL,  -- space-separated, in the domain's order
    state          TEXT,
    nonce          TEXT,
    code_challenge TEXT    NOT NULL,
    min_level      TEXT    NOT NULL CHECK (min_level IN ('ordinario', 'dispositivo')),
    max_age        INTEGER CHECK (max_age >= 0),  -- seconds
    force_login    INTEGER NOT NULL CHECK (force_login IN (0, 1)),
    created_at     INTEGER NOT NULL,
    expires_at     INTEGER NOT NULL
) STRICT;
CREATE INDEX oidc_authorization_requests_expiry ON oidc_authorization_requests (expires_at);

CREATE TABLE oidc_consents (
    fiscal_code TEXT    NOT NULL CHECK (length(fiscal_code) = 16),
    client_id   TEXT    NOT NULL,
    scopes      TEXT    NOT NULL,  -- space-separated, in the domain's order
    granted_at  INTEGER NOT NULL,
    PRIMARY KEY (fiscal_code, client_id)
) STRICT, WITHOUT ROWID;

CREATE TABLE oidc_grants (
    id            TEXT    NOT NULL PRIMARY KEY,
    client_id     TEXT    NOT NULL REFERENCES oidc_clients (id),
    fiscal_code   TEXT    NOT NULL CHECK (length(fiscal_code) = 16),
    credential_id TEXT    NOT NULL,
    session_id    TEXT,
    scopes        TEXT    NOT NULL,  -- space-separated, in the domain's order
    nonce         TEXT,
    level         TEXT    NOT NULL CHECK (level IN ('ordinario', 'dispositivo')),
    auth_time     INTEGER NOT NULL,
    created_at    INTEGER NOT NULL,
    revoked_at    INTEGER
) STRICT;
-- RP-initiated logout ends the open grants of a portal session.
CREATE INDEX oidc_grants_open_by_session ON oidc_grants (session_id) WHERE revoked_at IS NULL;
-- Removing a client revokes its grants.
CREATE INDEX oidc_grants_by_client ON oidc_grants (client_id);
-- Pruning: revoked grants, oldest revocation first.
CREATE INDEX oidc_grants_revoked ON oidc_grants (revoked_at) WHERE revoked_at IS NOT NULL;

CREATE TABLE oidc_codes (
    code_hash      TEXT    NOT NULL PRIMARY KEY,
    grant_id       TEXT    NOT NULL REFERENCES oidc_grants (id),
    redirect_uri   TEXT    NOT NULL,
    code_challenge TEXT    NOT NULL,
    expires_at     INTEGER NOT NULL,
    used_at        INTEGER
) STRICT;
CREATE INDEX oidc_codes_by_grant ON oidc_codes (grant_id);
CREATE INDEX oidc_codes_expiry ON oidc_codes (expires_at);

CREATE TABLE oidc_tokens (
    token_hash TEXT    NOT NULL PRIMARY KEY,
    grant_id   TEXT    NOT NULL REFERENCES oidc_grants (id),
    kind       TEXT    NOT NULL CHECK (kind IN ('access', 'refresh')),
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    used_at    INTEGER  -- refresh tokens only: when exchanged for the next one
) STRICT;
CREATE INDEX oidc_tokens_by_grant ON oidc_tokens (grant_id);
CREATE INDEX oidc_tokens_expiry ON oidc_tokens (expires_at);
