-- pgbench ceiling (b): the row mod_invoice's create inserts, in one
-- statement like the module (a data-modifying CTE writing invoices and
-- invoice_files), the file bound once as a parameter (-D content='\x...').
-- The id is a UUIDv7 like the module's (ms timestamp first): random v4 ids
-- would scatter primary-key inserts and log ~35% more WAL per row.
-- Sender 999999 keeps these rows out of the create counts.
WITH c AS (SELECT :content::bytea AS content),
inv AS (INSERT INTO invoices (id, sender_id, receiver_id, file_type, file_size, file_sha256)
        SELECT encode(set_bit(set_bit(overlay(uuid_send(gen_random_uuid()) PLACING
                   substring(int8send(floor(extract(epoch FROM clock_timestamp()) * 1000)::int8) FROM 3)
                   FROM 1 FOR 6), 52, 1), 53, 1), 'hex')::uuid,
               999999, 2, 'application/pdf', octet_length(content), sha256(content)
        FROM c
        RETURNING id)
INSERT INTO invoice_files (invoice_id, content) SELECT inv.id, c.content FROM inv, c;
