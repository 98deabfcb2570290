-- pgbench ceiling (b): the row mod_invoice's create inserts, in one
-- statement like the module (a data-modifying CTE writing invoices and
-- invoice_files), the file bound once as a parameter (-D content='\x...').
-- Sender 999999 keeps these rows out of the create counts.
WITH c AS (SELECT :content::bytea AS content),
inv AS (INSERT INTO invoices (id, sender_id, receiver_id, file_type, file_size, file_sha256)
        SELECT gen_random_uuid(), 999999, 2, 'application/pdf', octet_length(content), sha256(content)
        FROM c
        RETURNING id)
INSERT INTO invoice_files (invoice_id, content) SELECT inv.id, c.content FROM inv, c;
