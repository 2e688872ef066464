-- The work of issue 5 that is proportional to the existing rows (see 0003): a backfill, constraint
-- validation and index builds. None of it takes an ACCESS EXCLUSIVE lock: the UPDATE locks only the
-- rows it changes, VALIDATE CONSTRAINT takes SHARE UPDATE EXCLUSIVE (reads and writes go on), and
-- CREATE INDEX takes SHARE (reads go on, so logins do; writes to that table wait for the build).

-- Letters delivered before print batches existed were printed by the delivery itself, and their
-- halves are gone: they are not "unprinted letters" to put into a batch. (Pending and parked
-- letters still hold their halves and will be printed in a batch.) No letter is delivered that way
-- any more, so this runs once, before the index of unprinted letters is built.
UPDATE outbox SET print_batch = 'before-print-batches', printed_at = COALESCE(delivered_at, created_at)
WHERE channel = 'letter' AND status = 'delivered' AND print_batch IS NULL;

ALTER TABLE outbox VALIDATE CONSTRAINT outbox_delivered_holds_no_secret;
ALTER TABLE outbox VALIDATE CONSTRAINT outbox_cancelled_holds_no_secret;
ALTER TABLE outbox VALIDATE CONSTRAINT outbox_print_batch_of_letters;

-- Credentials ----------------------------------------------------------------------------------

-- "The most recent credential of a fiscal code, in any state" (a login with an annulled PIN): the
-- live one if any, found by `credentials_one_live` (0002); otherwise the newest ended one, found
-- here. Together the two partial indexes hold each credential once, so they cost what a single
-- index on fiscal_code would, and a login never scans.
CREATE INDEX credentials_ended_by_fiscal_code ON credentials (fiscal_code, created_at)
    WHERE state IN ('revoked', 'annulled');

-- The sunset annuls live credentials oldest first, in batches: each batch reads the head of this
-- index, and the rows it annuls leave it.
CREATE INDEX credentials_live_by_age ON credentials (created_at, id)
    WHERE state NOT IN ('revoked', 'annulled');

-- The sunset notice goes once to each owner of a live credential, oldest first. Every notified
-- credential leaves this index, so the sweep never walks past the ones already told, and once the
-- notices are out the index is all but empty (it would otherwise have to skip millions of rows a batch).
CREATE INDEX credentials_sunset_notice_due ON credentials (created_at, id)
    WHERE state NOT IN ('revoked', 'annulled') AND sunset_notice_at IS NULL;

-- Outbox: print batches -----------------------------------------------------------------------------

-- Letters waiting for a print batch, in the order they are claimed. Claimed or withdrawn letters
-- leave the index, so it is the size of one day's letters, not of the history.
CREATE INDEX outbox_unprinted_letters ON outbox (created_at, queued_seq)
    WHERE channel = 'letter' AND print_batch IS NULL AND status <> 'cancelled';

-- The same letters by fiscal code: fast activation looks up the letter it withdraws.
CREATE INDEX outbox_unprinted_letters_by_fiscal_code ON outbox (fiscal_code, created_at)
    WHERE channel = 'letter' AND print_batch IS NULL AND status <> 'cancelled';

-- The letters of a batch, in page order.
CREATE INDEX outbox_print_batches ON outbox (print_batch, created_at, queued_seq) WHERE print_batch IS NOT NULL;

-- Batches claimed but not confirmed (their letters still hold halves): only those rows, so a few.
CREATE INDEX outbox_unconfirmed_print_batches ON outbox (print_batch)
    WHERE print_batch IS NOT NULL AND pin_half IS NOT NULL;
