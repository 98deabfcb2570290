-- pgbench ceiling (b): the statement mod_invoice's create runs, in the same
-- shape (a data-modifying CTE writing invoices, with its transaction: the
-- row is its invoice.created event, and invoice_files, the row returned), with the same inputs: the file
-- bound once (-D content='\x...', sent as hex text where the module sends
-- binary), its size and SHA-256 computed by the client (-D sha='\x...').
-- The id is a UUIDv7 like the module's (ms timestamp first): random v4 ids
-- would scatter primary-key inserts and log ~35% more WAL per row.
-- Sender 999999 keeps these rows out of the create counts.
WITH inv AS (INSERT INTO invoices (id, sender_id, receiver_id, file_type, file_size, file_sha256, tx)
        VALUES (encode(set_bit(set_bit(overlay(uuid_send(gen_random_uuid()) PLACING
                   substring(int8send(floor(extract(epoch FROM clock_timestamp()) * 1000)::int8) FROM 3)
                   FROM 1 FOR 6), 52, 1), 53, 1), 'hex')::uuid,
               999999, 2, 'application/pdf', 6718, :sha::bytea, pg_current_xact_id())
        RETURNING *),
file AS (INSERT INTO invoice_files (invoice_id, content) SELECT id, :content::bytea FROM inv)
SELECT id, sender_id, receiver_id, file_type, file_size, amount, currency, due_date,
       reference, status, is_payable, paid_at, voided_at, first_downloaded_at,
       inserted_at, updated_at
FROM inv;
