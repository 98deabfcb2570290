-- mod_invoice schema, version 2: idempotency keys.
-- A key remembers, for one caller, the request it was first used with (its
-- fingerprint) and the committed answer to it, written in the same
-- transaction as the invoice or the payment it answered.

CREATE TABLE idempotency_keys (
    role          smallint    NOT NULL CHECK (role IN (1, 2)),  -- sender, consumer
    caller        integer     NOT NULL CHECK (caller > 0),
    key           text        NOT NULL CHECK (octet_length(key) BETWEEN 1 AND 255),
    fingerprint   bytea       NOT NULL CHECK (octet_length(fingerprint) = 32),
    status        smallint    NOT NULL,
    location      text        NULL,
    content_type  text        NOT NULL,
    body          bytea       NOT NULL,
    expires_at    timestamptz NOT NULL,
    PRIMARY KEY (role, caller, key)
);

-- The purge takes the oldest expired keys in small batches.
CREATE INDEX idempotency_keys_expires_idx ON idempotency_keys (expires_at);
