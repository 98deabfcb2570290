-- make bench-scale: the list statements of src/store/pg/statements.c (the
-- same SQL, prepared), their plans under force_generic_plan, with the
-- buffers they read.  psql variables: hs / ls (the middle row of heavy
-- sender 1 / light sender 5), hc (heavy consumer 1), es (the middle event
-- of sender 1).  "before": the cursor row looked up with the caller's
-- scope beside id = cursor (what statements.c did until the OFFSET 0
-- fence); "now": statements.c's current SQL.
SET plan_cache_mode = force_generic_plan;
\set cols 'id, sender_id, receiver_id, file_type, file_size, amount, currency, due_date, reference, status, is_payable, paid_at, voided_at, first_downloaded_at, inserted_at, updated_at'
PREPARE list_sender(int4, int4) AS
  SELECT :cols FROM invoices WHERE sender_id = $1 ORDER BY inserted_at DESC, id DESC LIMIT $2;
PREPARE before_receiver_after(int4, int4, uuid) AS
  SELECT l.* FROM (SELECT inserted_at AS c_at, id AS c_id FROM invoices WHERE id = $3 AND receiver_id = $1) c
  CROSS JOIN LATERAL (SELECT :cols FROM invoices WHERE receiver_id = $1 AND (inserted_at, id) < (c.c_at, c.c_id)
                      ORDER BY inserted_at DESC, id DESC LIMIT $2) l ORDER BY l.inserted_at DESC, l.id DESC;
PREPARE list_sender_after(int4, int4, uuid) AS
  SELECT l.* FROM (SELECT inserted_at AS c_at, id AS c_id FROM
                   (SELECT inserted_at, id, sender_id, receiver_id, status FROM invoices WHERE id = $3 OFFSET 0) k
                   WHERE sender_id = $1) c
  CROSS JOIN LATERAL (SELECT :cols FROM invoices WHERE sender_id = $1 AND (inserted_at, id) < (c.c_at, c.c_id)
                      ORDER BY inserted_at DESC, id DESC LIMIT $2) l ORDER BY l.inserted_at DESC, l.id DESC;
PREPARE list_receiver_after(int4, int4, uuid) AS
  SELECT l.* FROM (SELECT inserted_at AS c_at, id AS c_id FROM
                   (SELECT inserted_at, id, sender_id, receiver_id, status FROM invoices WHERE id = $3 OFFSET 0) k
                   WHERE receiver_id = $1) c
  CROSS JOIN LATERAL (SELECT :cols FROM invoices WHERE receiver_id = $1 AND (inserted_at, id) < (c.c_at, c.c_id)
                      ORDER BY inserted_at DESC, id DESC LIMIT $2) l ORDER BY l.inserted_at DESC, l.id DESC;
\echo '== before: heavy consumer 1, deep page, limit 100'
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) EXECUTE before_receiver_after(1, 100, :'hc');
\echo '== now: heavy consumer 1, deep page, limit 100'
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) EXECUTE list_receiver_after(1, 100, :'hc');
\echo '== now: heavy sender 1, deep page (starting_after its middle row), limit 20'
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) EXECUTE list_sender_after(1, 20, :'hs');
\echo '== light sender 5 (300 rows spread over the heap), first page, limit 100'
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) EXECUTE list_sender(5, 100);
\echo '== now: light sender 5, deep page, limit 100'
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) EXECUTE list_sender_after(5, 100, :'ls');
