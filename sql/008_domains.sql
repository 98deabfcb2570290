-- mod_invoice schema, version 8: the one-column rules of invoices,
-- idempotency_keys and invoice_events as domains.
--
-- PostgreSQL reads a table's CHECK constraints from their stored text
-- and plans them again on every INSERT or UPDATE statement it executes (in
-- 15: stringToNode and ExecPrepareExpr per statement): with twelve on
-- invoices that was 13 % of PostgreSQL's time on a create (perf).  A
-- domain's constraints are kept parsed and planned in each connection's
-- type cache, so the same rules on the column types cost close to nothing
-- (pgbench, the create's INSERT alone: 7,700 rows/s with the twelve CHECKs,
-- 9,500 with domains, 9,600 with no rule at all).  The two rules that
-- relate columns stay CHECKs of invoices.  The same for the key a create
-- or a pay writes with an Idempotency-Key, and for the event of a pay, a
-- void or a first download.
--
-- Applied without rewriting the table: each domain starts without a
-- constraint (the column's type changes without a rewrite), the column's
-- CHECK goes, then the domain gets the same rule, which checks the rows
-- once (a scan).

CREATE DOMAIN invoice_party_id AS integer;
CREATE DOMAIN invoice_file_type AS text;
CREATE DOMAIN invoice_file_size AS integer;
CREATE DOMAIN invoice_sha256 AS bytea;
CREATE DOMAIN invoice_file_store AS text;
CREATE DOMAIN invoice_amount AS bigint;
CREATE DOMAIN invoice_currency AS text;
CREATE DOMAIN invoice_reference AS text;
CREATE DOMAIN invoice_status AS smallint;
CREATE DOMAIN invoice_role AS smallint;
CREATE DOMAIN invoice_idempotency_key AS text;
CREATE DOMAIN invoice_event_type AS smallint;

ALTER TABLE invoices
    DROP CONSTRAINT invoices_sender_id_check,
    DROP CONSTRAINT invoices_receiver_id_check,
    DROP CONSTRAINT invoices_file_type_check,
    DROP CONSTRAINT invoices_file_size_check,
    DROP CONSTRAINT invoices_file_sha256_check,
    DROP CONSTRAINT invoices_file_store_check,
    DROP CONSTRAINT invoices_amount_check,
    DROP CONSTRAINT invoices_currency_check,
    DROP CONSTRAINT invoices_reference_check,
    DROP CONSTRAINT invoices_status_check,
    ALTER COLUMN sender_id TYPE invoice_party_id,
    ALTER COLUMN receiver_id TYPE invoice_party_id,
    ALTER COLUMN file_type TYPE invoice_file_type,
    ALTER COLUMN file_size TYPE invoice_file_size,
    ALTER COLUMN file_sha256 TYPE invoice_sha256,
    ALTER COLUMN file_store TYPE invoice_file_store,
    ALTER COLUMN amount TYPE invoice_amount,
    ALTER COLUMN currency TYPE invoice_currency,
    ALTER COLUMN reference TYPE invoice_reference,
    ALTER COLUMN status TYPE invoice_status;

ALTER TABLE idempotency_keys
    DROP CONSTRAINT idempotency_keys_role_check,
    DROP CONSTRAINT idempotency_keys_caller_check,
    DROP CONSTRAINT idempotency_keys_key_check,
    DROP CONSTRAINT idempotency_keys_fingerprint_check,
    ALTER COLUMN role TYPE invoice_role,
    ALTER COLUMN caller TYPE invoice_party_id,
    ALTER COLUMN key TYPE invoice_idempotency_key,
    ALTER COLUMN fingerprint TYPE invoice_sha256;

ALTER TABLE invoice_events
    DROP CONSTRAINT invoice_events_type_check,
    ALTER COLUMN type TYPE invoice_event_type;

ALTER DOMAIN invoice_party_id ADD CHECK (VALUE > 0);
ALTER DOMAIN invoice_file_type ADD CHECK (VALUE IN ('application/pdf', 'image/png'));
ALTER DOMAIN invoice_file_size ADD CHECK (VALUE > 0);
ALTER DOMAIN invoice_sha256 ADD CHECK (octet_length(VALUE) = 32);
ALTER DOMAIN invoice_file_store ADD CHECK (VALUE ~ '^(file|s3):.');
ALTER DOMAIN invoice_amount ADD CHECK (VALUE BETWEEN 1 AND 1000000000000000);
ALTER DOMAIN invoice_currency ADD CHECK (VALUE ~ '^[A-Z]{3}$');
ALTER DOMAIN invoice_reference ADD CHECK (char_length(VALUE) BETWEEN 1 AND 64);
ALTER DOMAIN invoice_status ADD CHECK (VALUE IN (1, 2, 3));
ALTER DOMAIN invoice_role ADD CHECK (VALUE IN (1, 2));      -- sender, consumer
ALTER DOMAIN invoice_idempotency_key ADD CHECK (octet_length(VALUE) BETWEEN 1 AND 255);
-- created, paid, voided, downloaded
ALTER DOMAIN invoice_event_type ADD CHECK (VALUE BETWEEN 1 AND 4);
