-- Upgrade requests to a PIN dispositivo (SPEC 4.7) and their documents. The documents live in the
-- database, not on a node's disk (nodes are stateless), and are read only through the reviewers'
-- use cases.

CREATE TABLE upgrade_requests (
    id             uuid PRIMARY KEY,
    fiscal_code    text COLLATE "C" NOT NULL CHECK (fiscal_code ~ '^[0-9A-Z]{16}$'),
    credential_id  uuid NOT NULL REFERENCES credentials (id),
    status         text NOT NULL CHECK (status IN ('pending', 'approved', 'rejected')),
    submitted_at   timestamptz NOT NULL,
    decided_at     timestamptz,
    decided_by     text,
    reason         text,
    CHECK ((status = 'pending') = (decided_at IS NULL AND decided_by IS NULL)),
    CHECK ((status = 'rejected') = (reason IS NOT NULL))
);

-- At most one pending request per fiscal code: two simultaneous uploads make one request.
CREATE UNIQUE INDEX upgrade_requests_one_pending ON upgrade_requests (fiscal_code) WHERE status = 'pending';
-- The reviewers' queue, oldest first; a request leaves it when decided.
CREATE INDEX upgrade_requests_queue ON upgrade_requests (submitted_at, id) WHERE status = 'pending';
CREATE INDEX upgrade_requests_by_fiscal_code ON upgrade_requests (fiscal_code, submitted_at);

CREATE TABLE upgrade_documents (
    request_id  uuid NOT NULL REFERENCES upgrade_requests (id),
    slot        text NOT NULL CHECK (slot IN ('signed_form', 'id_front', 'id_back')),
    file_type   text NOT NULL CHECK (file_type IN ('pdf', 'jpeg', 'png')),
    size        integer NOT NULL CHECK (size > 0),
    content     bytea NOT NULL,
    PRIMARY KEY (request_id, slot)
);
-- PDF, JPEG and PNG are compressed already: store them out of line without trying again.
ALTER TABLE upgrade_documents ALTER COLUMN content SET STORAGE EXTERNAL;
