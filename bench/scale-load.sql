-- make bench-scale: a fresh table of :n invoices, through SQL.
-- psql variables: n (invoices), pdf ('\x...' hex of a small valid PDF),
-- tx0 (the first of the transaction ids the load writes, below).
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
-- 30 % paid, 2 % void, the rest open; every invoice has its (small) file
-- in invoice_files.
--
-- Events in the layout of a new install (006_created_events.sql): each
-- invoice's row is its own created event, invoices.tx set and no created
-- row in invoice_events; invoice_events holds the paid / voided events.
-- Each gets a transaction id of its own, as the module's one-invoice
-- transactions do: invoice g has tx0 + 2g, its paid / voided event
-- tx0 + 2(g + 600) + 1, a minute (600 invoices at 100 ms) after it like
-- the event's timestamp, so a feed's order (tx, then seq) is the order of
-- event times.  These are ids, not transactions that ran: the feeds only
-- show positions below the oldest running transaction, so every id here
-- must be below the cluster's next xid (bench/scale.sh moves it beyond
-- tx0 + 2(n + 600) + 1 with pg_resetwal before loading): checked first.
\set ON_ERROR_STOP on
SET synchronous_commit = off;
SET maintenance_work_mem = '256MB';
SELECT format('DO $c$ BEGIN IF %s::text::xid8 >= pg_snapshot_xmin(pg_current_snapshot()) THEN '
              'RAISE EXCEPTION ''scale-load: tx up to %s, not below the feeds horizon %s: they would be hidden'''
              '; END IF; END $c$', t, t, pg_snapshot_xmin(pg_current_snapshot()))
FROM (SELECT :tx0 + 2 * (:n + 600) + 1 AS t) m \gexec
TRUNCATE invoice_events, invoice_files, idempotency_keys, invoices;
-- Loading into bare tables is several times faster: the secondary indexes
-- and foreign keys are dropped here and made again at the end (a sorted
-- index build, one join to validate a key), from their own definitions
-- (partial ones, like the feeds' invoices_*_feed_idx, with their WHERE).
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
                      inserted_at, updated_at, status, is_payable, paid_at, voided_at, tx)
SELECT id, sender_id, receiver_id, 'application/pdf', octet_length(:'pdf'::bytea),
       sha256(:'pdf'::bytea), t, CASE WHEN status = 1 THEN t ELSE t + interval '1 minute' END,
       status, status = 1,
       CASE WHEN status = 2 THEN t + interval '1 minute' END,
       CASE WHEN status = 3 THEN t + interval '1 minute' END,
       (:tx0 + 2 * g)::text::xid8
FROM gen ORDER BY g;

INSERT INTO invoice_files (invoice_id, content)
SELECT id, :'pdf'::bytea FROM gen ORDER BY g;

-- Paid / voided events in the order of their transactions (seq follows tx).
INSERT INTO invoice_events (tx, type, invoice_id, sender_id, receiver_id, created_at, status,
                            paid_at, voided_at, updated_at)
SELECT (:tx0 + 2 * (g + 600) + 1)::text::xid8, status, id, sender_id, receiver_id,
       t + interval '1 minute', status,
       CASE WHEN status = 2 THEN t + interval '1 minute' END,
       CASE WHEN status = 3 THEN t + interval '1 minute' END, t + interval '1 minute'
FROM gen WHERE status <> 1 ORDER BY g;
DROP TABLE gen;
SELECT redo FROM saved ORDER BY ord DESC \gexec
DROP TABLE saved;
