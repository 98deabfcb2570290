-- Preload for list, download and pay (not part of the create figures).
-- psql variables: pdf (the PDF as '\x...' hex text), n (random invoices).
-- Random invoices: senders 1001..2000 to receivers 1001..1500, inserted over
-- the last year, each with the same PDF.  Plus the list pair: sender 2001
-- sent exactly 20 invoices to receiver 1001.
BEGIN;
INSERT INTO invoices (id, sender_id, receiver_id, file_type, file_size, file_sha256,
                      inserted_at, updated_at)
SELECT gen_random_uuid(), sender_id, receiver_id, 'application/pdf',
       octet_length(:'pdf'::bytea), sha256(:'pdf'::bytea), t, t
FROM (SELECT 1001 + floor(random() * 1000)::int AS sender_id,
             1001 + floor(random() * 500)::int AS receiver_id,
             now() - random() * interval '365 days' AS t
      FROM generate_series(1, :n)) r;
INSERT INTO invoices (id, sender_id, receiver_id, file_type, file_size, file_sha256,
                      inserted_at, updated_at)
SELECT gen_random_uuid(), 2001, 1001, 'application/pdf',
       octet_length(:'pdf'::bytea), sha256(:'pdf'::bytea), t, t
FROM (SELECT now() - g * interval '17 days' AS t FROM generate_series(1, 20) g) r;
INSERT INTO invoice_files (invoice_id, content) SELECT id, :'pdf'::bytea FROM invoices;
COMMIT;
VACUUM ANALYZE invoices;
VACUUM ANALYZE invoice_files;
CHECKPOINT;
