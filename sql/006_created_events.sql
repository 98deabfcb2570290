-- mod_invoice schema, version 6: an invoice's row is its own
-- invoice.created event.
--
-- A create wrote two rows (the invoice and its created event) and eleven
-- index entries; the event only repeated the new row (status open, nothing
-- paid, voided or downloaded, updated when inserted) plus the transaction
-- that wrote it.  That transaction is now a column of the row, and the
-- feeds read created events from invoices: a create writes one row and
-- two index entries fewer (bench/compare.sh, issue 15).
--
-- tx: the creating transaction (pg_current_xact_id(), written by the
-- module's inserts, never changed).  NULL for the rows of before, whose
-- created event stays in invoice_events as it was, and for rows an older
-- module writes during an upgrade (it still writes the event): so every
-- invoice has exactly one created event, in one place or the other.  No
-- default and NULL for the existing rows: no table rewrite.
--
-- A created event's position in the feeds is (tx, 0), before any event of
-- invoice_events (tx, seq >= 1) of the same transaction; its id is
-- 2^62 + tx, above any seq, so that an id says where its event is.  The
-- horizon rule of 004_lifecycle.sql holds for both: a reader sees only
-- positions under the oldest transaction still running.
ALTER TABLE invoices ADD COLUMN tx xid8 NULL;

-- The feeds' created events, oldest first, and their cursors (the module
-- creates one invoice per transaction: a (party, tx) is one event).
CREATE INDEX invoices_sender_feed_idx ON invoices (sender_id, tx)
    WHERE tx IS NOT NULL;
CREATE INDEX invoices_receiver_feed_idx ON invoices (receiver_id, tx)
    WHERE tx IS NOT NULL;
