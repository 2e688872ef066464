-- Credentials, login counters, sessions, the delivery outbox, the audit log and applications.
--
-- Sized for 20 million citizens on several nodes: every lookup the stores make is one index probe,
-- and the indexes that serve only a small, moving part of a table (open sessions, pending messages,
-- credentials due for an expiry notice) are partial, so they stay small however large the table grows.
-- Keys use the "C" collation, as in 0001: byte order, the same as SQLite, and cheaper comparisons.

-- One row per credential ever issued; at most one *live* (not revoked, not annulled) per fiscal code.
-- No foreign key to insured_persons: the registry is re-imported from outside and a credential
-- (with its audit trail) must outlive a registry correction.
CREATE TABLE credentials (
    id               uuid PRIMARY KEY,
    fiscal_code      text COLLATE "C" NOT NULL CHECK (fiscal_code ~ '^[0-9A-Z]{16}$'),
    state            text NOT NULL CHECK (state IN ('requested', 'awaiting_phone_check', 'issued', 'active',
                                                    'expired', 'locked', 'revoked', 'annulled')),
    level            text NOT NULL CHECK (level IN ('ordinario', 'dispositivo')),
    pin_kind         text NOT NULL CHECK (pin_kind IN ('first_access', 'definitive', 'legacy')),
    pin_hash         text,
    pin_set_at       timestamptz,
    -- Newest first, at most five (the domain truncates).
    pin_history      text[] NOT NULL DEFAULT '{}',
    note             text,
    expiry_notice_at timestamptz,
    created_at       timestamptz NOT NULL,
    updated_at       timestamptz NOT NULL,
    version          bigint NOT NULL CHECK (version >= 0)
) WITH (fillfactor = 90);

-- The rule "one live credential per fiscal code": concurrent requests race on this index and
-- exactly one insert wins (the others get a unique violation, reported as a Conflict). It is also
-- the index `live_credential` reads.
CREATE UNIQUE INDEX credentials_one_live ON credentials (fiscal_code) WHERE state NOT IN ('revoked', 'annulled');

-- The expiry-notice sweep: only active chosen PINs not yet warned about, oldest first. Rows leave
-- the index once warned, so it holds at most the active credentials of one rotation period.
CREATE INDEX credentials_expiry_notice_due ON credentials (pin_set_at, id)
    WHERE state = 'active' AND pin_kind <> 'first_access' AND expiry_notice_at IS NULL;

-- Login counters per fiscal code, registered or not (throttling must not reveal who is).
-- Rewritten on every attempt: fillfactor leaves room for HOT updates (no indexed column changes).
CREATE TABLE login_attempts (
    fiscal_code            text COLLATE "C" PRIMARY KEY CHECK (fiscal_code ~ '^[0-9A-Z]{16}$'),
    consecutive_failures   integer NOT NULL CHECK (consecutive_failures >= 0),
    failures_since_success integer NOT NULL CHECK (failures_since_success >= 0),
    throttled_until        timestamptz,
    version                bigint NOT NULL CHECK (version >= 1)
) WITH (fillfactor = 70);

-- Only the token's SHA-256 is stored. Touching a session rewrites only last_seen_at: HOT updates.
CREATE TABLE sessions (
    id            uuid PRIMARY KEY,
    token_hash    text COLLATE "C" NOT NULL UNIQUE CHECK (token_hash ~ '^[0-9a-f]{64}$'),
    credential_id uuid NOT NULL REFERENCES credentials (id),
    fiscal_code   text COLLATE "C" NOT NULL,
    level         text NOT NULL CHECK (level IN ('ordinario', 'dispositivo')),
    created_at    timestamptz NOT NULL,
    last_seen_at  timestamptz NOT NULL,
    expires_at    timestamptz NOT NULL,
    ended_at      timestamptz,
    client_ip     text
) WITH (fillfactor = 80);

-- "End every open session of this credential" (new PIN, revocation): only open sessions are indexed.
CREATE INDEX sessions_open_by_credential ON sessions (credential_id) WHERE ended_at IS NULL;

-- Messages to deliver. A half-PIN, link or code is plaintext here only until delivery.
CREATE TABLE outbox (
    id              uuid PRIMARY KEY,
    -- Queue order among messages due at the same instant (first queued, first sent).
    queued_seq      bigint GENERATED ALWAYS AS IDENTITY,
    channel         text NOT NULL CHECK (channel IN ('sms', 'email', 'pec', 'letter')),
    kind            text NOT NULL CHECK (kind IN ('pin_first_half', 'pin_second_half', 'recovery_link',
                                                  'contact_verification', 'upgrade_outcome', 'pin_expiry_notice',
                                                  'sunset_notice')),
    recipient       text NOT NULL,
    fiscal_code     text COLLATE "C" NOT NULL,
    subject         text,
    body            text NOT NULL,
    pin_half        text,
    link            text,
    code            text,
    postal_address  jsonb,
    created_at      timestamptz NOT NULL,
    status          text NOT NULL DEFAULT 'pending'
                    CHECK (status IN ('pending', 'delivered', 'parked', 'cancelled')),
    attempts        integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    next_attempt_at timestamptz NOT NULL,
    claimed_by      text,
    claimed_until   timestamptz,
    delivered_at    timestamptz,
    last_error      text,
    -- A delivered message keeps no secret, whatever the code that marked it.
    CONSTRAINT outbox_delivered_holds_no_secret
        CHECK (status <> 'delivered' OR (pin_half IS NULL AND link IS NULL AND code IS NULL))
) WITH (fillfactor = 80);

-- The workers' scan for due messages and the pending count: only pending messages are indexed,
-- so the index stays the size of the queue, not of the history.
CREATE INDEX outbox_due ON outbox (next_attempt_at, queued_seq) WHERE status = 'pending';
-- Parked messages wait for an operator.
CREATE INDEX outbox_parked ON outbox (created_at) WHERE status = 'parked';

-- The hash-chained audit log. `details` is the exact canonical JSON the hash covers (text, not
-- jsonb: jsonb would re-format it). Appends are serialised by an advisory lock (see audit.rs), so
-- seq has no gaps; the primary key also refuses a fork of the chain.
CREATE TABLE audit_log (
    seq           bigint PRIMARY KEY CHECK (seq >= 1),
    at            timestamptz NOT NULL,
    actor         text NOT NULL,
    event         text NOT NULL,
    fiscal_code   text COLLATE "C",
    credential_id uuid,
    client_ip     text,
    details       text NOT NULL,
    prev_hash     text COLLATE "C" NOT NULL CHECK (prev_hash ~ '^[0-9a-f]{64}$'),
    hash          text COLLATE "C" NOT NULL CHECK (hash ~ '^[0-9a-f]{64}$')
);

-- A citizen's access history, newest first.
CREATE INDEX audit_log_by_fiscal_code ON audit_log (fiscal_code, seq) WHERE fiscal_code IS NOT NULL;

-- The head of the chain, read after taking the advisory lock that serialises appends (audit.rs):
-- lock and read in one round trip, so the lock is held one round trip less. A VOLATILE PL/pgSQL
-- function takes a fresh snapshot for each query it runs, so under READ COMMITTED the read sees
-- the commit of whoever held the lock before. No row: seq and hash are NULL.
CREATE FUNCTION audit_chain_head(lock_key bigint, OUT seq bigint, OUT hash text)
LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(lock_key);
    SELECT a.seq, a.hash INTO seq, hash FROM audit_log AS a ORDER BY a.seq DESC LIMIT 1;
END
$$;

-- Append-only for the application: an UPDATE, DELETE or TRUNCATE fails. (The hash chain still
-- reveals tampering by whoever can drop this trigger.)
CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only' USING ERRCODE = 'insufficient_privilege';
END
$$;
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();

-- Submitted applications (domande). `data` is kept as submitted, byte for byte.
CREATE TABLE applications (
    id           uuid PRIMARY KEY,
    protocol     text COLLATE "C" NOT NULL UNIQUE,
    fiscal_code  text COLLATE "C" NOT NULL,
    kind         text NOT NULL CHECK (kind IN ('naspi', 'assegno_sociale', 'maternita', 'congedo_parentale',
                                               'assegni_familiari', 'riscatto_laurea', 'versamenti_volontari',
                                               'domanda_pensione')),
    data         text NOT NULL,
    submitted_at timestamptz NOT NULL
);

-- A citizen's applications, newest first.
CREATE INDEX applications_by_fiscal_code ON applications (fiscal_code, submitted_at DESC);

-- The last protocol number given out per year. The row lock taken by the upsert serialises
-- submissions of one year, so numbers have no gaps and no duplicates.
CREATE TABLE protocol_counters (
    year integer PRIMARY KEY,
    last bigint NOT NULL CHECK (last >= 1)
);
