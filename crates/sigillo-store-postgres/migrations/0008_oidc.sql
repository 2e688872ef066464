-- The OpenID Connect provider (SPEC 7): relying services, ID-token signing keys, pending
-- authorization requests, consents, and grants with their codes and tokens. Any node can answer
-- any step of a flow, so all of it lives here.
--
-- Keys use the "C" collation, as in 0001: byte order, the same as SQLite. Codes and tokens are
-- stored only as their SHA-256. Codes, tokens and requests are pruned once expired, and revoked
-- grants once nothing hangs from them any more.

CREATE TABLE oidc_clients (
    id                        text COLLATE "C" PRIMARY KEY,
    name                      text COLLATE "C" NOT NULL,
    secret_hash               text,  -- hex SHA-256 of the secret; NULL for a public client
    -- JSON arrays of strings, as on SQLite.
    redirect_uris             text NOT NULL CHECK (json_typeof(redirect_uris::json) = 'array'),
    post_logout_redirect_uris text NOT NULL CHECK (json_typeof(post_logout_redirect_uris::json) = 'array'),
    created_at                timestamptz NOT NULL,
    disabled_at               timestamptz
);

CREATE TABLE oidc_signing_keys (
    kid             text COLLATE "C" PRIMARY KEY,
    algorithm       text NOT NULL,
    private_pkcs8   bytea NOT NULL,
    public_jwk      text NOT NULL,
    created_at      timestamptz NOT NULL,
    signs_until     timestamptz NOT NULL,
    published_until timestamptz NOT NULL
);

-- Written once, read a few times, deleted when answered: no updates.
CREATE TABLE oidc_authorization_requests (
    id             uuid PRIMARY KEY,
    client_id      text COLLATE "C" NOT NULL,
    redirect_uri   text NOT NULL,
    scopes         text NOT NULL,  -- space-separated, in the domain's order
    state          text,
    nonce          text,
    code_challenge text NOT NULL,
    min_level      text NOT NULL CHECK (min_level IN ('ordinario', 'dispositivo')),
    max_age        bigint CHECK (max_age >= 0),  -- seconds
    force_login    boolean NOT NULL,
    created_at     timestamptz NOT NULL,
    expires_at     timestamptz NOT NULL
);
CREATE INDEX oidc_authorization_requests_expiry ON oidc_authorization_requests (expires_at);

CREATE TABLE oidc_consents (
    fiscal_code text COLLATE "C" NOT NULL CHECK (fiscal_code ~ '^[0-9A-Z]{16}$'),
    client_id   text COLLATE "C" NOT NULL,
    scopes      text NOT NULL,  -- space-separated, in the domain's order
    granted_at  timestamptz NOT NULL,
    PRIMARY KEY (fiscal_code, client_id)
);

CREATE TABLE oidc_grants (
    id            uuid PRIMARY KEY,
    client_id     text COLLATE "C" NOT NULL REFERENCES oidc_clients (id),
    fiscal_code   text COLLATE "C" NOT NULL CHECK (fiscal_code ~ '^[0-9A-Z]{16}$'),
    credential_id uuid NOT NULL,
    session_id    uuid,
    scopes        text NOT NULL,  -- space-separated, in the domain's order
    nonce         text,
    level         text NOT NULL CHECK (level IN ('ordinario', 'dispositivo')),
    auth_time     timestamptz NOT NULL,
    created_at    timestamptz NOT NULL,
    revoked_at    timestamptz
);
-- RP-initiated logout ends the open grants of a portal session; a grant leaves the index when revoked.
CREATE INDEX oidc_grants_open_by_session ON oidc_grants (session_id) WHERE revoked_at IS NULL;
-- Removing a client revokes its grants.
CREATE INDEX oidc_grants_by_client ON oidc_grants (client_id);
-- Pruning: revoked grants, oldest revocation first.
CREATE INDEX oidc_grants_revoked ON oidc_grants (revoked_at) WHERE revoked_at IS NOT NULL;

CREATE TABLE oidc_codes (
    code_hash      text COLLATE "C" PRIMARY KEY,
    grant_id       uuid NOT NULL REFERENCES oidc_grants (id),
    redirect_uri   text NOT NULL,
    code_challenge text NOT NULL,
    expires_at     timestamptz NOT NULL,
    used_at        timestamptz
);
CREATE INDEX oidc_codes_by_grant ON oidc_codes (grant_id);
CREATE INDEX oidc_codes_expiry ON oidc_codes (expires_at);

-- Refresh tokens are marked used once (used_at only changes): room for HOT updates.
CREATE TABLE oidc_tokens (
    token_hash text COLLATE "C" PRIMARY KEY,
    grant_id   uuid NOT NULL REFERENCES oidc_grants (id),
    kind       text NOT NULL CHECK (kind IN ('access', 'refresh')),
    created_at timestamptz NOT NULL,
    expires_at timestamptz NOT NULL,
    used_at    timestamptz  -- refresh tokens only: when exchanged for the next one
) WITH (fillfactor = 90);
CREATE INDEX oidc_tokens_by_grant ON oidc_tokens (grant_id);
CREATE INDEX oidc_tokens_expiry ON oidc_tokens (expires_at);
