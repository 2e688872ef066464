-- Back-office operators, their sessions, and the identity documents checked at the desk.

CREATE TABLE operators (
    id             uuid PRIMARY KEY,
    username       text COLLATE "C" NOT NULL CHECK (username ~ '^[a-z0-9._-]{3,32}$'),
    role           text NOT NULL CHECK (role IN ('desk', 'contact_center', 'reviewer', 'admin')),
    password_hash  text NOT NULL,
    totp_state     text NOT NULL CHECK (totp_state IN ('none', 'pending', 'enrolled')),
    totp_secret    text CHECK ((totp_state = 'none') = (totp_secret IS NULL)),
    last_totp_step bigint,
    created_at     timestamptz NOT NULL,
    disabled_at    timestamptz,
    version        bigint NOT NULL CHECK (version >= 0),
    CONSTRAINT operators_one_per_username UNIQUE (username)
);

CREATE TABLE operator_sessions (
    id                 uuid PRIMARY KEY,
    token_hash         text COLLATE "C" NOT NULL UNIQUE CHECK (token_hash ~ '^[0-9a-f]{64}$'),
    operator_id        uuid NOT NULL REFERENCES operators (id),
    second_factor_done boolean NOT NULL,
    created_at         timestamptz NOT NULL,
    last_seen_at       timestamptz NOT NULL,
    expires_at         timestamptz NOT NULL,
    ended_at           timestamptz,
    client_ip          text
) WITH (fillfactor = 80);

CREATE TABLE identity_checks (
    id          uuid PRIMARY KEY,
    fiscal_code text COLLATE "C" NOT NULL CHECK (fiscal_code ~ '^[0-9A-Z]{16}$'),
    kind        text NOT NULL,
    number      text NOT NULL,
    issuer      text NOT NULL,
    expiry      date NOT NULL,
    operator    text NOT NULL,
    checked_at  timestamptz NOT NULL
);
CREATE INDEX identity_checks_by_fiscal_code ON identity_checks (fiscal_code, checked_at);

-- The contact center's queue, oldest first; a credential leaves it when confirmed or rejected.
CREATE INDEX credentials_awaiting_phone_check ON credentials (created_at, id) WHERE state = 'awaiting_phone_check';

-- The administrators' audit search: operators' own actions (a small part of the log), and one
-- kind of event; both newest first.
CREATE INDEX audit_log_by_operator ON audit_log (actor, seq) WHERE actor LIKE 'operator:%';
CREATE INDEX audit_log_by_event ON audit_log (event, seq);
