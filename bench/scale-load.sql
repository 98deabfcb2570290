-- make bench-scale: a fresh table of :n invoices, through SQL.
-- psql variables: n (invoices), pdf ('\x...' hex of a small valid PDF).
--
-- Rows in time order (heap order = insertion order = inserted_at, as on a
-- live system), ids UUIDv7-like like the module's.  Callers:
--   sender 1 -> receiver 1   2 %  (the heavy pair: 100k at 5M)
--   sender 1 -> anyone       2 %  (sender 1, heavy: 4 %, 200k at 5M)
--   anyone   -> receiver 1   2 %  (receiver 1, heavy: 4 %)
--   sender 5 -> receiver 5   exactly 300 rows spread evenly over the whole
--                            table (the light, scattered caller: one heap
--                            page per row at any size)
--   the rest: senders 11..10010 (10k) to receivers 11..100010 (100k).
-- 30 % paid, 2 % void, the rest open; events: created for every invoice,
-- paid / voided for those; every invoice has its (small) file in
-- invoice_files.
\set ON_ERROR_STOP on
SET synchronous_commit = off;
SET maintenance_work_mem = '256MB';
TRUNCATE invoice_events, invoice_files, idempotency_keys, invoices;
-- Loading into bare tables is several times faster: the secondary indexes
-- and foreign keys are dropped here and made again at the end (a sorted
-- index build, one join to validate a key), from their own definitions.
CREATE TEMP TABLE saved AS
SELECT format('ALTER TABLE %s ADD CONSTRAINT %I %s', conrelid::regclass, conname,
              pg_get_constraintdef(oid)) AS redo,
       format('ALTER TABLE %s DROP CONSTRAINT %I', conrelid::regclass, conname) AS undo, 1 AS ord
FROM pg_constraint
WHERE contype = 'f' AND conrelid::regclass::text IN ('invoice_files', 'invoice_events')
UNION ALL
SELECT pg_get_indexdef(indexrelid), format('DROP INDEX %s', indexrelid::regclass), 2
FROM pg_index
WHERE indrelid::regclass::text IN ('invoices', 'invoice_files', 'invoice_events')
  AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = indexrelid);
SELECT undo FROM saved ORDER BY ord \gexec

CREATE TEMP TABLE gen AS
SELECT g,
       t,
       (lpad(to_hex((extract(epoch FROM t) * 1000)::int8), 12, '0') || '7' ||
        substr(h, 1, 3) || '8' || substr(h, 4, 15))::uuid AS id,
       CASE WHEN g % (:n / 300) = 0 AND g / (:n / 300) <= 300 THEN 5
            WHEN u < 0.04 THEN 1
            ELSE 11 + (v * 10000)::int % 10000 END AS sender_id,
       CASE WHEN g % (:n / 300) = 0 AND g / (:n / 300) <= 300 THEN 5
            WHEN u < 0.02 OR (u >= 0.04 AND u < 0.06) THEN 1
            ELSE 11 + (w * 100000)::int % 100000 END AS receiver_id,
       CASE WHEN s < 0.30 THEN 2 WHEN s < 0.32 THEN 3 ELSE 1 END AS status
FROM (SELECT g, md5(g::text) AS h, random() AS u, random() AS v, random() AS w, random() AS s,
             now() - interval '1 hour' - (:n - g) * interval '100 ms' AS t
      FROM generate_series(1, :n) g) r;

INSERT INTO invoices (id, sender_id, receiver_id, file_type, file_size, file_sha256,
                      inserted_at, updated_at, status, is_payable, paid_at, voided_at)
SELECT id, sender_id, receiver_id, 'application/pdf', octet_length(:'pdf'::bytea),
       sha256(:'pdf'::bytea), t, CASE WHEN status = 1 THEN t ELSE t + interval '1 minute' END,
       status, status = 1,
       CASE WHEN status = 2 THEN t + interval '1 minute' END,
       CASE WHEN status = 3 THEN t + interval '1 minute' END
FROM gen ORDER BY g;

INSERT INTO invoice_files (invoice_id, content)
SELECT id, :'pdf'::bytea FROM gen ORDER BY g;

INSERT INTO invoice_events (type, invoice_id, sender_id, receiver_id, created_at, status, updated_at)
SELECT 1, id, sender_id, receiver_id, t, 1, t FROM gen ORDER BY g;
INSERT INTO invoice_events (type, invoice_id, sender_id, receiver_id, created_at, status,
                            paid_at, voided_at, updated_at)
SELECT status, id, sender_id, receiver_id, t + interval '1 minute', status,
       CASE WHEN status = 2 THEN t + interval '1 minute' END,
       CASE WHEN status = 3 THEN t + interval '1 minute' END, t + interval '1 minute'
FROM gen WHERE status <> 1 ORDER BY g;
DROP TABLE gen;
SELECT redo FROM saved ORDER BY ord DESC \gexec
DROP TABLE saved;
