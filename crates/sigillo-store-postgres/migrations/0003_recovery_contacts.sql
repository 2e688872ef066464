-- Recovery, contacts, fast activation, print batches, the sunset, and rate limits (issue 5).
--
-- Split in two for the sake of a database already serving 20 million citizens: this migration only
-- adds columns (metadata-only: nullable, no default, so no table rewrite), constraints marked
-- NOT VALID (no scan) and new, empty tables, so the ACCESS EXCLUSIVE locks that ALTER TABLE takes
-- on credentials and outbox are held for milliseconds. 0004 then backfills, validates the
-- constraints and builds the indexes over the existing rows under weaker locks, while logins
-- keep reading.

-- Credentials ----------------------------------------------------------------------------------

-- Argon2id hash of the first half of a first-access PIN: fast activation checks it.
ALTER TABLE credentials ADD COLUMN first_half_hash text;
-- When the owner was told of the sunset (once per credential).
ALTER TABLE credentials ADD COLUMN sunset_notice_at timestamptz;

-- Outbox: print batches --------------------------------------------------------------------------

-- A letter is printed in a batch: claimed into `print_batch` at `printed_at` (from then on it can
-- no longer be withdrawn), its half kept until the batch's PDF is confirmed written.
ALTER TABLE outbox ADD COLUMN print_batch text COLLATE "C";
ALTER TABLE outbox ADD COLUMN printed_at timestamptz;

-- A delivered message keeps no secret, except a letter's half-PIN, which stays until the letter is
-- printed (confirm_print_batch wipes it). The new rule is weaker than the one it replaces, which
-- every existing row satisfies; 0004 validates it all the same.
ALTER TABLE outbox DROP CONSTRAINT outbox_delivered_holds_no_secret;
ALTER TABLE outbox ADD CONSTRAINT outbox_delivered_holds_no_secret
    CHECK (status <> 'delivered' OR (link IS NULL AND code IS NULL AND (pin_half IS NULL OR channel = 'letter')))
    NOT VALID;
-- A withdrawn letter keeps no half.
ALTER TABLE outbox ADD CONSTRAINT outbox_cancelled_holds_no_secret
    CHECK (status <> 'cancelled' OR (pin_half IS NULL AND link IS NULL AND code IS NULL))
    NOT VALID;
-- Only letters are printed, and a printed letter says when.
ALTER TABLE outbox ADD CONSTRAINT outbox_print_batch_of_letters
    CHECK ((print_batch IS NULL) = (printed_at IS NULL) AND (print_batch IS NULL OR channel = 'letter'))
    NOT VALID;

-- Contacts ------------------------------------------------------------------------------------------

-- Contacts added by citizens. The unique constraint is the rule "a contact once per citizen" that
-- concurrent adds race on (the loser gets a Conflict); its leading column also serves "this
-- citizen's contacts". The code is stored only as its SHA-256, and the CHECK makes sure of it.
CREATE TABLE contacts (
    id              uuid PRIMARY KEY,
    fiscal_code     text COLLATE "C" NOT NULL CHECK (fiscal_code ~ '^[0-9A-Z]{16}$'),
    kind            text NOT NULL CHECK (kind IN ('mobile', 'landline', 'email', 'pec')),
    value           text COLLATE "C" NOT NULL,
    verified_at     timestamptz,
    code_hash       text COLLATE "C" CHECK (code_hash ~ '^[0-9a-f]{64}$'),
    code_expires_at timestamptz,
    code_attempts   integer NOT NULL CHECK (code_attempts >= 0),
    created_at      timestamptz NOT NULL,
    CONSTRAINT contacts_one_per_value UNIQUE (fiscal_code, kind, value)
);

-- Recovery links ------------------------------------------------------------------------------------

-- Ripristina PIN: the link's token and the code, both only as SHA-256 (the CHECKs refuse anything
-- else, a plaintext code included). Found by the token's hash; updated with a version check, like
-- credentials, so that two confirmations of one link cannot both succeed.
CREATE TABLE recoveries (
    id            uuid PRIMARY KEY,
    fiscal_code   text COLLATE "C" NOT NULL CHECK (fiscal_code ~ '^[0-9A-Z]{16}$'),
    credential_id uuid NOT NULL REFERENCES credentials (id),
    token_hash    text COLLATE "C" NOT NULL UNIQUE CHECK (token_hash ~ '^[0-9a-f]{64}$'),
    code_hash     text COLLATE "C" NOT NULL CHECK (code_hash ~ '^[0-9a-f]{64}$'),
    mobile        text NOT NULL,
    email         text NOT NULL,
    created_at    timestamptz NOT NULL,
    expires_at    timestamptz NOT NULL,
    attempts      integer NOT NULL CHECK (attempts >= 0),
    used_at       timestamptz,
    version       bigint NOT NULL CHECK (version >= 0)
);

-- Rate limits -------------------------------------------------------------------------------------

-- One counter per limit, subject and window (the key says all three). UNLOGGED: counters are
-- rewritten on every hit of the public endpoints and are worth no WAL: after a crash or a
-- fail-over they start again from zero, which costs an attacker's window at most one extra round.
-- Fillfactor leaves room on each page for the rewrites of a hot key.
CREATE UNLOGGED TABLE rate_limits (
    key        text COLLATE "C" PRIMARY KEY,
    hits       integer NOT NULL CHECK (hits >= 1),
    expires_at timestamptz NOT NULL
) WITH (fillfactor = 70);

-- The sweep of expired keys, oldest first.
CREATE INDEX rate_limits_expiry ON rate_limits (expires_at);
