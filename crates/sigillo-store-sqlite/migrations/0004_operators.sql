-- Back-office operators, their sessions, and the identity documents checked at the desk.
--
-- As in 0002: timestamps are INTEGER Unix microseconds, UUIDs hyphenated lower-case TEXT.

CREATE TABLE operators (
    id               TEXT    NOT NULL PRIMARY KEY,
    username         TEXT    NOT NULL UNIQUE CHECK (length(username) BETWEEN 3 AND 32),
    role             TEXT    NOT NULL CHECK (role IN ('desk', 'contact_center', 'reviewer', 'admin')),
    password_hash    TEXT    NOT NULL,
    -- none | pending | enrolled; the secret is set unless 'none'.
    totp_state       TEXT    NOT NULL CHECK (totp_state IN ('none', 'pending', 'enrolled')),
    totp_secret      TEXT    CHECK ((totp_state = 'none') = (totp_secret IS NULL)),
    last_totp_step   INTEGER,
    created_at       INTEGER NOT NULL,
    disabled_at      INTEGER,
    version          INTEGER NOT NULL CHECK (version >= 0)
) STRICT;

CREATE TABLE operator_sessions (
    id                 TEXT    NOT NULL PRIMARY KEY,
    token_hash         TEXT    NOT NULL UNIQUE,  -- hex SHA-256 of the token
    operator_id        TEXT    NOT NULL REFERENCES operators (id),
    second_factor_done INTEGER NOT NULL CHECK (second_factor_done IN (0, 1)),
    created_at         INTEGER NOT NULL,
    last_seen_at       INTEGER NOT NULL,
    expires_at         INTEGER NOT NULL,
    ended_at           INTEGER,
    client_ip          TEXT
) STRICT;

CREATE TABLE identity_checks (
    id          TEXT    NOT NULL PRIMARY KEY,
    fiscal_code TEXT    NOT NULL CHECK (length(fiscal_code) = 16),
    kind        TEXT    NOT NULL,
    number      TEXT    NOT NULL,
    issuer      TEXT    NOT NULL,
    expiry      TEXT    NOT NULL,  -- YYYY-MM-DD
    operator    TEXT    NOT NULL,
    checked_at  INTEGER NOT NULL
) STRICT;
CREATE INDEX identity_checks_by_fiscal_code ON identity_checks (fiscal_code, checked_at);

-- The contact center's queue: requests waiting for a phone check, oldest first. Small: a
-- credential leaves it when confirmed or rejected.
CREATE INDEX credentials_awaiting_phone_check ON credentials (created_at, id) WHERE state = 'awaiting_phone_check';

-- The administrators' audit search: operators' own actions (a small part of the log), and one
-- kind of event; both newest first.
CREATE INDEX audit_log_by_operator ON audit_log (actor, seq) WHERE actor LIKE 'operator:%';
CREATE INDEX audit_log_by_event ON audit_log (event, seq);
