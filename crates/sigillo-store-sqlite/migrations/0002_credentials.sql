-- Credentials, login counters, sessions, the delivery outbox, the audit log and applications.
--
-- Timestamps are INTEGER Unix MICROseconds: the audit hash covers microseconds, and every value
-- must come back exactly as it was written. UUIDs are TEXT in their hyphenated lower-case form.

CREATE TABLE credentials (
    id               TEXT    NOT NULL PRIMARY KEY,
    fiscal_code      TEXT    NOT NULL CHECK (length(fiscal_code) = 16),
    state            TEXT    NOT NULL CHECK (state IN ('requested', 'awaiting_phone_check', 'issued', 'active',
                                                       'expired', 'locked', 'revoked', 'annulled')),
    level            TEXT    NOT NULL CHECK (level IN ('ordinario', 'dispositivo')),
    pin_kind         TEXT    NOT NULL CHECK (pin_kind IN ('first_access', 'definitive', 'legacy')),
    pin_hash         TEXT,
    pin_set_at       INTEGER,
    pin_history      TEXT    NOT NULL DEFAULT '[]' CHECK (json_valid(pin_history)),  -- JSON array, newest first
    note             TEXT,
    expiry_notice_at INTEGER,
    created_at       INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL,
    version          INTEGER NOT NULL CHECK (version >= 0)
) STRICT;

-- At most one live credential per fiscal code: of concurrent requests exactly one commits.
-- Queries for the live credential repeat this WHERE literally, so SQLite uses the index.
CREATE UNIQUE INDEX credentials_live ON credentials (fiscal_code) WHERE state NOT IN ('revoked', 'annulled');

-- The expiry-notice sweep: chosen PINs in use whose owner has not been told yet, oldest first.
CREATE INDEX credentials_expiry_notice ON credentials (pin_set_at, id)
    WHERE state = 'active' AND pin_kind IN ('definitive', 'legacy') AND expiry_notice_at IS NULL;

-- Login counters per fiscal code, known or not. Cleared, never deleted: a deleted row would
-- restart at version 0 and let a stale reservation through (ABA).
CREATE TABLE login_attempts (
    fiscal_code            TEXT    NOT NULL PRIMARY KEY CHECK (length(fiscal_code) = 16),
    consecutive_failures   INTEGER NOT NULL CHECK (consecutive_failures >= 0),
    failures_since_success INTEGER NOT NULL CHECK (failures_since_success >= 0),
    throttled_until        INTEGER,
    version                INTEGER NOT NULL CHECK (version > 0)
) STRICT, WITHOUT ROWID;

CREATE TABLE sessions (
    id            TEXT    NOT NULL PRIMARY KEY,
    token_hash    TEXT    NOT NULL UNIQUE,  -- hex SHA-256 of the token; the unique index serves lookups
    credential_id TEXT    NOT NULL REFERENCES credentials (id),
    fiscal_code   TEXT    NOT NULL CHECK (length(fiscal_code) = 16),
    level         TEXT    NOT NULL CHECK (level IN ('ordinario', 'dispositivo')),
    created_at    INTEGER NOT NULL,
    last_seen_at  INTEGER NOT NULL,
    expires_at    INTEGER NOT NULL,
    ended_at      INTEGER,
    client_ip     TEXT
) STRICT;

-- "End every open session of this credential" (revocation, PIN change, lock).
CREATE INDEX sessions_open_by_credential ON sessions (credential_id) WHERE ended_at IS NULL;

CREATE TABLE outbox (
    id              TEXT    NOT NULL PRIMARY KEY,
    channel         TEXT    NOT NULL CHECK (channel IN ('sms', 'email', 'pec', 'letter')),
    kind            TEXT    NOT NULL,
    recipient       TEXT    NOT NULL,
    fiscal_code     TEXT    NOT NULL CHECK (length(fiscal_code) = 16),
    subject         TEXT,
    body            TEXT    NOT NULL,
    -- Secrets in plaintext until delivery; set to NULL when the message is delivered.
    pin_half        TEXT,
    link            TEXT,
    code            TEXT,
    postal_address  TEXT    CHECK (postal_address IS NULL OR json_valid(postal_address)),  -- JSON {name, lines}
    created_at      INTEGER NOT NULL,
    status          TEXT    NOT NULL DEFAULT 'pending'
                            CHECK (status IN ('pending', 'delivered', 'parked', 'cancelled')),
    attempts        INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    next_attempt_at INTEGER NOT NULL,
    claimed_by      TEXT,
    claimed_until   INTEGER,
    delivered_at    INTEGER,
    last_error      TEXT
) STRICT;

-- The worker's scan: pending messages by due time (also counts pending and parked ones).
CREATE INDEX outbox_due ON outbox (status, next_attempt_at);

-- Hash-chained, append-only. seq is the rowid: entries are stored in chain order.
CREATE TABLE audit_log (
    seq           INTEGER NOT NULL PRIMARY KEY CHECK (seq > 0),
    at            INTEGER NOT NULL,
    actor         TEXT    NOT NULL,
    event         TEXT    NOT NULL,
    fiscal_code   TEXT,
    credential_id TEXT,
    client_ip     TEXT,
    details       TEXT    NOT NULL CHECK (json_valid(details)),
    prev_hash     TEXT    NOT NULL CHECK (length(prev_hash) = 64),
    hash          TEXT    NOT NULL CHECK (length(hash) = 64)
) STRICT;

-- A citizen's access history, newest first.
CREATE INDEX audit_log_by_fiscal_code ON audit_log (fiscal_code, seq) WHERE fiscal_code IS NOT NULL;

CREATE TABLE applications (
    id           TEXT    NOT NULL PRIMARY KEY,
    protocol     TEXT    NOT NULL UNIQUE,
    fiscal_code  TEXT    NOT NULL CHECK (length(fiscal_code) = 16),
    kind         TEXT    NOT NULL,
    data         TEXT    NOT NULL,
    submitted_at INTEGER NOT NULL
) STRICT;

CREATE INDEX applications_by_fiscal_code ON applications (fiscal_code, submitted_at);

-- The last protocol number handed out per year.
CREATE TABLE protocol_counters (
    year INTEGER NOT NULL PRIMARY KEY,
    last INTEGER NOT NULL CHECK (last > 0)
) STRICT;
