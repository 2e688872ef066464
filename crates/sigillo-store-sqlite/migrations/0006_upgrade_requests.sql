-- Upgrade requests to a PIN dispositivo (SPEC 4.7) and their documents.
--
-- As in 0002: timestamps are INTEGER Unix microseconds, UUIDs hyphenated lower-case TEXT. The
-- documents live in the database, not on a node's disk (nodes are stateless), and are read only
-- through the reviewers' use cases.

CREATE TABLE upgrade_requests (
    id             TEXT    NOT NULL PRIMARY KEY,
    fiscal_code    TEXT    NOT NULL CHECK (length(fiscal_code) = 16),
    credential_id  TEXT    NOT NULL REFERENCES credentials (id),
    status         TEXT    NOT NULL CHECK (status IN ('pending', 'approved', 'rejected')),
    submitted_at   INTEGER NOT NULL,
    decided_at     INTEGER,
    decided_by     TEXT,
    reason         TEXT,
    CHECK ((status = 'pending') = (decided_at IS NULL AND decided_by IS NULL)),
    CHECK ((status = 'rejected') = (reason IS NOT NULL))
) STRICT;

-- At most one pending request per fiscal code: two simultaneous uploads make one request.
CREATE UNIQUE INDEX upgrade_requests_one_pending ON upgrade_requests (fiscal_code) WHERE status = 'pending';
-- The reviewers' queue, oldest first; a request leaves it when decided.
CREATE INDEX upgrade_requests_queue ON upgrade_requests (submitted_at, id) WHERE status = 'pending';
CREATE INDEX upgrade_requests_by_fiscal_code ON upgrade_requests (fiscal_code, submitted_at);

CREATE TABLE upgrade_documents (
    request_id  TEXT    NOT NULL REFERENCES upgrade_requests (id),
    slot        TEXT    NOT NULL CHECK (slot IN ('signed_form', 'id_front', 'id_back')),
    file_type   TEXT    NOT NULL CHECK (file_type IN ('pdf', 'jpeg', 'png')),
    size        INTEGER NOT NULL CHECK (size > 0),
    content     BLOB    NOT NULL,
    PRIMARY KEY (request_id, slot)
) STRICT;
