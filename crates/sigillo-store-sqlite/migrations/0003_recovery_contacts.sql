-- Recovery links, citizens' contacts, print batches of letters, rate-limit counters, and what the
-- sunset and fast activation need of credentials.
--
-- As in 0002: timestamps are INTEGER Unix microseconds, UUIDs hyphenated lower-case TEXT.

-- Fast activation checks the first half alone (Argon2id PHC string, first-access PINs only).
ALTER TABLE credentials ADD COLUMN first_half_hash TEXT;
-- When the owner was told of the sunset (once).
ALTER TABLE credentials ADD COLUMN sunset_notice_at INTEGER;

-- "The most recent credential of a fiscal code, in any state" (e.g. an annulled one at login).
CREATE INDEX credentials_by_fiscal_code ON credentials (fiscal_code, created_at);

-- The sunset annuls live credentials in batches, oldest first; annulled ones leave the index,
-- so every batch starts at its front. The WHERE is the live index's own.
CREATE INDEX credentials_live_by_age ON credentials (created_at, id) WHERE state NOT IN ('revoked', 'annulled');

-- The sunset-notice sweep: live credentials whose owner has not been told yet, oldest first.
CREATE INDEX credentials_sunset_notice ON credentials (created_at, id)
    WHERE state NOT IN ('revoked', 'annulled') AND sunset_notice_at IS NULL;

-- Print batches. A letter keeps its half until its batch is confirmed printed; while it is in no
-- batch (and not cancelled) fast activation may still withdraw it.
-- Only letters are printed, and a printed letter says when (checked on the existing rows too).
ALTER TABLE outbox ADD COLUMN print_batch TEXT;
ALTER TABLE outbox ADD COLUMN printed_at INTEGER
    CHECK ((print_batch IS NULL) = (printed_at IS NULL) AND (print_batch IS NULL OR channel = 'letter'));

-- Letters waiting for a print batch, oldest first (what `letters batch` claims). Small: a letter
-- leaves it when printed or cancelled. Queries repeat this WHERE literally, so SQLite uses it.
CREATE INDEX outbox_unprinted_letters ON outbox (created_at, id)
    WHERE channel = 'letter' AND print_batch IS NULL AND status <> 'cancelled';

-- The same letters by fiscal code: fast activation looks up the citizen's letter.
CREATE INDEX outbox_unprinted_letters_by_fiscal_code ON outbox (fiscal_code, created_at)
    WHERE channel = 'letter' AND print_batch IS NULL AND status <> 'cancelled';

-- The letters of a batch, in print order.
CREATE INDEX outbox_print_batch ON outbox (print_batch, created_at, id) WHERE print_batch IS NOT NULL;

-- Batches not confirmed yet: their letters still hold halves. Stays tiny, unlike the one above.
CREATE INDEX outbox_unconfirmed_print ON outbox (print_batch)
    WHERE print_batch IS NOT NULL AND pin_half IS NOT NULL;

-- Contacts added by citizens (those on the registry live in insured_persons). The unique key
-- starts with the fiscal code, so it also serves "this citizen's contacts" (at most a handful).
CREATE TABLE contacts (
    id              TEXT    NOT NULL PRIMARY KEY,
    fiscal_code     TEXT    NOT NULL CHECK (length(fiscal_code) = 16),
    kind            TEXT    NOT NULL CHECK (kind IN ('mobile', 'landline', 'email', 'pec')),
    value           TEXT    NOT NULL,
    verified_at     INTEGER,
    -- Hex SHA-256 of the pending verification code: the CHECK refuses a plaintext code.
    code_hash       TEXT    CHECK (code_hash IS NULL OR (length(code_hash) = 64 AND code_hash NOT GLOB '*[^0-9a-f]*')),
    code_expires_at INTEGER,
    code_attempts   INTEGER NOT NULL DEFAULT 0 CHECK (code_attempts >= 0),
    created_at      INTEGER NOT NULL,
    UNIQUE (fiscal_code, kind, value)
) STRICT;

-- Ripristina PIN: the link's token and the code are stored only as hex SHA-256.
CREATE TABLE recoveries (
    id            TEXT    NOT NULL PRIMARY KEY,
    fiscal_code   TEXT    NOT NULL CHECK (length(fiscal_code) = 16),
    credential_id TEXT    NOT NULL REFERENCES credentials (id),
    -- The unique index serves lookups by link. The CHECKs refuse anything but hex SHA-256.
    token_hash    TEXT    NOT NULL UNIQUE CHECK (length(token_hash) = 64 AND token_hash NOT GLOB '*[^0-9a-f]*'),
    code_hash     TEXT    NOT NULL CHECK (length(code_hash) = 64 AND code_hash NOT GLOB '*[^0-9a-f]*'),
    mobile        TEXT    NOT NULL,
    email         TEXT    NOT NULL,
    created_at    INTEGER NOT NULL,
    expires_at    INTEGER NOT NULL,
    attempts      INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    used_at       INTEGER,
    version       INTEGER NOT NULL CHECK (version >= 0)
) STRICT;

-- Fixed-window counters of the public endpoints, one row per limit, subject and window.
CREATE TABLE rate_limits (
    key        TEXT    NOT NULL PRIMARY KEY,
    hits       INTEGER NOT NULL CHECK (hits > 0),
    expires_at INTEGER NOT NULL
) STRICT, WITHOUT ROWID;

-- Forgetting expired windows, a few at a time.
CREATE INDEX rate_limits_expiry ON rate_limits (expires_at);
