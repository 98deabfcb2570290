-- mod_invoice schema, version 4: amounts, a lifecycle (open -> paid | void)
-- and the events feed.

-- status: 1 open, 2 paid, 3 void (is_payable stays: status = open).
ALTER TABLE invoices
    ADD COLUMN amount bigint NULL CHECK (amount BETWEEN 1 AND 1000000000000000),
    ADD COLUMN currency text NULL CHECK (currency ~ '^[A-Z]{3}$'),
    ADD COLUMN due_date date NULL,
    ADD COLUMN reference text NULL CHECK (char_length(reference) BETWEEN 1 AND 64),
    ADD COLUMN status smallint NOT NULL DEFAULT 1 CHECK (status IN (1, 2, 3)),
    ADD COLUMN voided_at timestamptz NULL,
    ADD COLUMN first_downloaded_at timestamptz NULL,
    ADD CONSTRAINT invoices_amount_currency CHECK ((amount IS NULL) = (currency IS NULL));

-- Rows of before: their status from their paid state.
UPDATE invoices SET status = 2 WHERE paid_at IS NOT NULL;

ALTER TABLE invoices DROP CONSTRAINT invoices_check;
ALTER TABLE invoices ADD CONSTRAINT invoices_lifecycle CHECK (
    is_payable = (status = 1)
    AND (status = 2) = (paid_at IS NOT NULL)
    AND (status = 3) = (voided_at IS NOT NULL));

-- A sender's own invoice number is unique to it.
CREATE UNIQUE INDEX invoices_sender_reference_idx
    ON invoices (sender_id, reference) WHERE reference IS NOT NULL;

-- ?status= lists, in the order of the other lists.
CREATE INDEX invoices_sender_status_idx
    ON invoices (sender_id, status, inserted_at DESC, id DESC);
CREATE INDEX invoices_receiver_status_idx
    ON invoices (receiver_id, status, inserted_at DESC, id DESC);
CREATE INDEX invoices_receiver_sender_status_idx
    ON invoices (receiver_id, sender_id, status, inserted_at DESC, id DESC);

-- Events: each written in the transaction of the change it describes, with
-- the invoice's changing fields right after the change (the rest of the
-- invoice never changes and is read from invoices).
--
-- A feed is read in the order (tx, seq) and only below the oldest
-- transaction still running (pg_snapshot_xmin): every transaction under
-- that horizon has ended, and every later one has a larger tx, so an event
-- can never appear behind a position a reader has passed, whatever order
-- transactions commit in.  (Ordering by seq alone would: seq is taken
-- before commit, and a transaction with a smaller seq may commit last.)
CREATE TABLE invoice_events (
    seq                  bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tx                   xid8        NOT NULL DEFAULT pg_current_xact_id(),
    type                 smallint    NOT NULL CHECK (type BETWEEN 1 AND 4),
                                     -- created, paid, voided, downloaded
    invoice_id           uuid        NOT NULL REFERENCES invoices (id),
    sender_id            integer     NOT NULL,
    receiver_id          integer     NOT NULL,
    created_at           timestamptz NOT NULL,
    status               smallint    NOT NULL,
    paid_at              timestamptz NULL,
    voided_at            timestamptz NULL,
    first_downloaded_at  timestamptz NULL,
    updated_at           timestamptz NOT NULL
);
CREATE INDEX invoice_events_sender_idx ON invoice_events (sender_id, tx, seq);
-- Consumers are not told of downloads.
CREATE INDEX invoice_events_receiver_idx ON invoice_events (receiver_id, tx, seq)
    WHERE type <> 4;
CREATE INDEX invoice_events_invoice_idx ON invoice_events (invoice_id, tx, seq);

-- The history of invoices of before: their creation, and their payment.
INSERT INTO invoice_events (type, invoice_id, sender_id, receiver_id,
                            created_at, status, updated_at)
SELECT 1, id, sender_id, receiver_id, inserted_at, 1, inserted_at
FROM invoices ORDER BY inserted_at, id;
INSERT INTO invoice_events (type, invoice_id, sender_id, receiver_id,
                            created_at, status, paid_at, updated_at)
SELECT 2, id, sender_id, receiver_id, paid_at, 2, paid_at, updated_at
FROM invoices WHERE paid_at IS NOT NULL ORDER BY paid_at, id;
