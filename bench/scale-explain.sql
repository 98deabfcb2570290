-- make bench-scale: the list and feed statements of src/store/pg/statements.c
-- (the same SQL, prepared under the module's names, the macros expanded),
-- their plans under force_generic_plan, with the buffers they read.  The
-- parameters are the module's: caller, limit + 1 (the extra row tells
-- has_more), then the cursor.  psql variables: hs / ls (the middle row of
-- heavy sender 1 / light sender 5), hc (heavy consumer 1), and es (the
-- middle event of sender 1's feed over both its sources, by the id the
-- module gives it): es is computed here, as routes_for_size does, when
-- scale.sh does not pass it.
-- Lists of every status are the merge of three status ranges (a Merge
-- Append over invoices_*_status_idx, sql/007_list_indexes.sql); a feed
-- merges the created events of invoices (invoices_*_feed_idx) with the
-- rows of invoice_events (invoice_events_*_idx), sql/006_created_events.sql.
-- "before": the consumer's deep page with its cursor row looked up with the
-- caller's scope beside id = cursor (statements.c's AFTER until the
-- OFFSET 0 fence of CURSOR_ROW); "now": statements.c's current SQL.
SET plan_cache_mode = force_generic_plan;
\if :{?es}
\else
SELECT id AS es FROM (WITH f AS (SELECT 4611686018427387904 + tx::text::int8 AS id, tx, 0::int8 AS pos
                                 FROM invoices WHERE sender_id = 1 AND tx IS NOT NULL
                                 UNION ALL
                                 SELECT seq, tx, seq FROM invoice_events WHERE sender_id = 1)
                      SELECT id FROM f ORDER BY tx, pos OFFSET (SELECT count(*) / 2 FROM f) LIMIT 1) m \gset
\endif
-- ST_LIST_SENDER: LIST(BY_SENDER)
PREPARE invoice_list_sender AS
SELECT * FROM ((SELECT id, sender_id, receiver_id, file_type, file_size, amount, currency, due_date, reference, status, is_payable, paid_at, voided_at, first_downloaded_at, inserted_at, updated_at FROM invoices WHERE sender_id = $1::int4 AND status = 1 ORDER BY inserted_at DESC, id DESC LIMIT $2::int4) UNION ALL (SELECT id, sender_id, receiver_id, file_type, file_size, amount, currency, due_date, reference, status, is_payable, paid_at, voided_at, first_downloaded_at, inserted_at, updated_at FROM invoices WHERE sender_id = $1::int4 AND status = 2 ORDER BY inserted_at DESC, id DESC LIMIT $2::int4) UNION ALL (SELECT id, sender_id, receiver_id, file_type, file_size, amount, currency, due_date, reference, status, is_payable, paid_at, voided_at, first_downloaded_at, inserted_at, updated_at FROM invoices WHERE sender_id = $1::int4 AND status = 3 ORDER BY inserted_at DESC, id DESC LIMIT $2::int4)) u ORDER BY inserted_at DESC, id DESC LIMIT $2::int4;
-- ST_LIST_SENDER_AFTER: LIST_AFTER(BY_SENDER, "$3")
PREPARE invoice_list_sender_after AS
SELECT l.* FROM (SELECT inserted_at AS c_at, id AS c_id FROM (SELECT inserted_at, id, sender_id, receiver_id, status FROM invoices WHERE id = $3::uuid OFFSET 0) k WHERE sender_id = $1::int4) c CROSS JOIN LATERAL (SELECT * FROM ((SELECT id, sender_id, receiver_id, file_type, file_size, amount, currency, due_date, reference, status, is_payable, paid_at, voided_at, first_downloaded_at, inserted_at, updated_at FROM invoices WHERE sender_id = $1::int4 AND status = 1 AND (inserted_at, id) < (c.c_at, c.c_id) ORDER BY inserted_at DESC, id DESC LIMIT $2::int4) UNION ALL (SELECT id, sender_id, receiver_id, file_type, file_size, amount, currency, due_date, reference, status, is_payable, paid_at, voided_at, first_downloaded_at, inserted_at, updated_at FROM invoices WHERE sender_id = $1::int4 AND status = 2 AND (inserted_at, id) < (c.c_at, c.c_id) ORDER BY inserted_at DESC, id DESC LIMIT $2::int4) UNION ALL (SELECT id, sender_id, receiver_id, file_type, file_size, amount, currency, due_date, reference, status, is_payable, paid_at, voided_at, first_downloaded_at, inserted_at, updated_at FROM invoices WHERE sender_id = $1::int4 AND status = 3 AND (inserted_at, id) < (c.c_at, c.c_id) ORDER BY inserted_at DESC, id DESC LIMIT $2::int4)) u ORDER BY inserted_at DESC, id DESC LIMIT $2::int4) l ORDER BY l.inserted_at DESC, l.id DESC;
-- ST_LIST_RECEIVER_AFTER: LIST_AFTER(BY_RECEIVER, "$3")
PREPARE invoice_list_receiver_after AS
SELECT l.* FROM (SELECT inserted_at AS c_at, id AS c_id FROM (SELECT inserted_at, id, sender_id, receiver_id, status FROM invoices WHERE id = $3::uuid OFFSET 0) k WHERE receiver_id = $1::int4) c CROSS JOIN LATERAL (SELECT * FROM ((SELECT id, sender_id, receiver_id, file_type, file_size, amount, currency, due_date, reference, status, is_payable, paid_at, voided_at, first_downloaded_at, inserted_at, updated_at FROM invoices WHERE receiver_id = $1::int4 AND status = 1 AND (inserted_at, id) < (c.c_at, c.c_id) ORDER BY inserted_at DESC, id DESC LIMIT $2::int4) UNION ALL (SELECT id, sender_id, receiver_id, file_type, file_size, amount, currency, due_date, reference, status, is_payable, paid_at, voided_at, first_downloaded_at, inserted_at, updated_at FROM invoices WHERE receiver_id = $1::int4 AND status = 2 AND (inserted_at, id) < (c.c_at, c.c_id) ORDER BY inserted_at DESC, id DESC LIMIT $2::int4) UNION ALL (SELECT id, sender_id, receiver_id, file_type, file_size, amount, currency, due_date, reference, status, is_payable, paid_at, voided_at, first_downloaded_at, inserted_at, updated_at FROM invoices WHERE receiver_id = $1::int4 AND status = 3 AND (inserted_at, id) < (c.c_at, c.c_id) ORDER BY inserted_at DESC, id DESC LIMIT $2::int4)) u ORDER BY inserted_at DESC, id DESC LIMIT $2::int4) l ORDER BY l.inserted_at DESC, l.id DESC;
-- invoice_list_receiver_after without the fence: the cursor row looked up
-- with the caller's scope beside id = cursor (not a statement of the module)
PREPARE before_receiver_after AS
SELECT l.* FROM (SELECT inserted_at AS c_at, id AS c_id FROM invoices WHERE id = $3::uuid AND receiver_id = $1::int4) c CROSS JOIN LATERAL (SELECT * FROM ((SELECT id, sender_id, receiver_id, file_type, file_size, amount, currency, due_date, reference, status, is_payable, paid_at, voided_at, first_downloaded_at, inserted_at, updated_at FROM invoices WHERE receiver_id = $1::int4 AND status = 1 AND (inserted_at, id) < (c.c_at, c.c_id) ORDER BY inserted_at DESC, id DESC LIMIT $2::int4) UNION ALL (SELECT id, sender_id, receiver_id, file_type, file_size, amount, currency, due_date, reference, status, is_payable, paid_at, voided_at, first_downloaded_at, inserted_at, updated_at FROM invoices WHERE receiver_id = $1::int4 AND status = 2 AND (inserted_at, id) < (c.c_at, c.c_id) ORDER BY inserted_at DESC, id DESC LIMIT $2::int4) UNION ALL (SELECT id, sender_id, receiver_id, file_type, file_size, amount, currency, due_date, reference, status, is_payable, paid_at, voided_at, first_downloaded_at, inserted_at, updated_at FROM invoices WHERE receiver_id = $1::int4 AND status = 3 AND (inserted_at, id) < (c.c_at, c.c_id) ORDER BY inserted_at DESC, id DESC LIMIT $2::int4)) u ORDER BY inserted_at DESC, id DESC LIMIT $2::int4) l ORDER BY l.inserted_at DESC, l.id DESC;
-- ST_EVENTS_SENDER: EVENTS(EV_SENDER)
PREPARE invoice_events_sender AS
SELECT * FROM ((SELECT (4611686018427387904 + i.tx::text::int8) AS seq, 1::int2 AS type, i.inserted_at AS event_at, i.id, i.sender_id, i.receiver_id, i.file_type, i.file_size, i.amount, i.currency, i.due_date, i.reference, 1::int2 AS status, true AS is_payable, NULL::timestamptz AS paid_at, NULL::timestamptz AS voided_at, NULL::timestamptz AS first_downloaded_at, i.inserted_at, i.inserted_at AS updated_at, i.tx, 0::int8 AS pos FROM invoices i WHERE i.sender_id = $1::int4 AND i.tx < pg_snapshot_xmin(pg_current_snapshot()) ORDER BY i.tx LIMIT $2::int4) UNION ALL (SELECT e.seq, e.type, e.created_at AS event_at, i.id, i.sender_id, i.receiver_id, i.file_type, i.file_size, i.amount, i.currency, i.due_date, i.reference, e.status, (e.status = 1) AS is_payable, e.paid_at, e.voided_at, e.first_downloaded_at, i.inserted_at, e.updated_at, e.tx, e.seq AS pos FROM invoice_events e JOIN invoices i ON i.id = e.invoice_id WHERE e.sender_id = $1::int4 AND e.tx < pg_snapshot_xmin(pg_current_snapshot()) ORDER BY e.tx, e.seq LIMIT $2::int4)) f ORDER BY tx, pos LIMIT $2::int4;
-- ST_EVENTS_SENDER_AFTER: EVENTS_AFTER(EV_SENDER, C_SENDER, "$3")
PREPARE invoice_events_sender_after AS
SELECT l.* FROM (SELECT invoice_id, tx AS c_tx, seq AS c_pos FROM invoice_events WHERE seq = $3::int8 AND sender_id = $1::int4 UNION ALL SELECT id, tx, 0 FROM invoices WHERE tx = greatest($3::int8 - 4611686018427387904, 0)::text::xid8 AND sender_id = $1::int4 LIMIT 1) c CROSS JOIN LATERAL (SELECT * FROM ((SELECT (4611686018427387904 + i.tx::text::int8) AS seq, 1::int2 AS type, i.inserted_at AS event_at, i.id, i.sender_id, i.receiver_id, i.file_type, i.file_size, i.amount, i.currency, i.due_date, i.reference, 1::int2 AS status, true AS is_payable, NULL::timestamptz AS paid_at, NULL::timestamptz AS voided_at, NULL::timestamptz AS first_downloaded_at, i.inserted_at, i.inserted_at AS updated_at, i.tx, 0::int8 AS pos FROM invoices i WHERE i.sender_id = $1::int4 AND i.tx < pg_snapshot_xmin(pg_current_snapshot()) AND i.tx > c.c_tx ORDER BY i.tx LIMIT $2::int4) UNION ALL (SELECT e.seq, e.type, e.created_at AS event_at, i.id, i.sender_id, i.receiver_id, i.file_type, i.file_size, i.amount, i.currency, i.due_date, i.reference, e.status, (e.status = 1) AS is_payable, e.paid_at, e.voided_at, e.first_downloaded_at, i.inserted_at, e.updated_at, e.tx, e.seq AS pos FROM invoice_events e JOIN invoices i ON i.id = e.invoice_id WHERE e.sender_id = $1::int4 AND e.tx < pg_snapshot_xmin(pg_current_snapshot()) AND (e.tx, e.seq) > (c.c_tx, c.c_pos) ORDER BY e.tx, e.seq LIMIT $2::int4)) f ORDER BY tx, pos LIMIT $2::int4) l ORDER BY l.tx, l.pos;
\echo '== before: heavy consumer 1, deep page, limit 100'
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) EXECUTE before_receiver_after(1, 101, :'hc');
\echo '== now: heavy consumer 1, deep page, limit 100'
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) EXECUTE invoice_list_receiver_after(1, 101, :'hc');
\echo '== now: heavy sender 1, first page, limit 20'
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) EXECUTE invoice_list_sender(1, 21);
\echo '== now: heavy sender 1, deep page (starting_after its middle row), limit 20'
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) EXECUTE invoice_list_sender_after(1, 21, :'hs');
\echo '== now: light sender 5 (300 rows spread over the heap), first page, limit 100'
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) EXECUTE invoice_list_sender(5, 101);
\echo '== now: light sender 5, deep page, limit 100'
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) EXECUTE invoice_list_sender_after(5, 101, :'ls');
\echo '== now: heavy sender 1, events feed, first page, limit 100'
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) EXECUTE invoice_events_sender(1, 101);
\echo '== now: heavy sender 1, events feed, deep page (starting_after its middle event), limit 100'
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) EXECUTE invoice_events_sender_after(1, 101, :'es');
