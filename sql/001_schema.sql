-- mod_invoice schema, version 1.
-- Applied once by scripts/migrate.sh, which records it in schema_migrations.

CREATE TABLE invoices (
    id           uuid        PRIMARY KEY,
    sender_id    integer     NOT NULL CHECK (sender_id > 0),
    receiver_id  integer     NOT NULL CHECK (receiver_id > 0),
    file_type    text        NOT NULL CHECK (file_type IN ('application/pdf', 'image/png')),
    file_size    integer     NOT NULL CHECK (file_size > 0),
    file_sha256  bytea       NOT NULL CHECK (octet_length(file_sha256) = 32),
    is_payable   boolean     NOT NULL DEFAULT true,
    paid_at      timestamptz NULL,
    inserted_at  timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    CHECK (is_payable = (paid_at IS NULL))
);

-- Every list is "newest first" with a (inserted_at, id) keyset cursor, so
-- each list has an index that serves both the filter and the order.
CREATE INDEX invoices_sender_idx
    ON invoices (sender_id, inserted_at DESC, id DESC);
CREATE INDEX invoices_receiver_idx
    ON invoices (receiver_id, inserted_at DESC, id DESC);
CREATE INDEX invoices_receiver_sender_idx
    ON invoices (receiver_id, sender_id, inserted_at DESC, id DESC);

-- File bytes live apart from the metadata so that lists never touch them.
CREATE TABLE invoice_files (
    invoice_id  uuid  PRIMARY KEY REFERENCES invoices (id) ON DELETE CASCADE,
    content     bytea NOT NULL
);
-- PDF and PNG are compressed formats already: skip pglz's futile attempt.
ALTER TABLE invoice_files ALTER COLUMN content SET STORAGE EXTERNAL;
