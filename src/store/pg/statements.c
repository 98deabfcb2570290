/* The SQL of the PostgreSQL store.  See statements.h. */
#include "store/pg/statements.h"

/* Read in binary and formatted by the module: to_char() on three
 * timestamps per row was a third of PostgreSQL's time on a list. */
#define INVOICE_COLS "id, sender_id, receiver_id, file_type, file_size, " \
    "amount, currency, due_date, reference, status, is_payable, paid_at, " \
    "voided_at, first_downloaded_at, inserted_at, updated_at"
#define NEWEST_FIRST " ORDER BY inserted_at DESC, id DESC "

/* Lists, newest first, of the rows in scope (and of one status).  After a
 * cursor: rows strictly older than the cursor row, which must itself be
 * visible in the same list (else the page is empty and the caller checks
 * why).  The cursor row is a lookup of its own, and the page a LATERAL
 * subquery of it, so that whatever plan PostgreSQL keeps for the
 * statement (a generic one included) the page is an index range that
 * starts at the cursor: 12 buffers for a page 20,000 rows deep, where a
 * join filter read 3,769.
 *
 * Every list index leads with the caller(s) and the status
 * (sql/007_list_indexes.sql): a list of one status is one index range, a
 * list of all three the merge of three (a Merge Append, which reads from
 * each range only what the page takes). */
#define RANGE(scope, cut) "SELECT " INVOICE_COLS " FROM invoices WHERE " \
    scope cut NEWEST_FIRST "LIMIT $2::int4"
#define MERGED(scope, cut) "SELECT * FROM ((" RANGE(scope " AND status = 1", \
    cut) ") UNION ALL (" RANGE(scope " AND status = 2", cut) ") UNION ALL (" \
    RANGE(scope " AND status = 3", cut) ")) u" NEWEST_FIRST "LIMIT $2::int4"
#define CUT " AND (inserted_at, id) < (c.c_at, c.c_id)"
#define LIST(scope) MERGED(scope, "")
#define LIST_STATUS(scope) RANGE(scope, "")
/* The cursor row is found by its primary key only: in a subquery that
 * OFFSET 0 keeps apart, with the scope checked on the row found.  Else a
 * generic plan may look it up through a caller's index instead (an index
 * scan of (receiver_id, ...) with "receiver_id = $1 AND id = cursor" as
 * its condition reads every entry of the caller: the deeper cost grows
 * with the caller's rows; make bench-scale's EXPLAIN shows both). */
#define CURSOR_ROW(cursor) "(SELECT inserted_at, id, sender_id, " \
    "receiver_id, status FROM invoices WHERE id = " cursor "::uuid " \
    "OFFSET 0) k"
#define AFTER(scope, cursor, page) "SELECT l.* FROM (SELECT inserted_at " \
    "AS c_at, id AS c_id FROM " CURSOR_ROW(cursor) " WHERE " scope ") c " \
    "CROSS JOIN LATERAL (" page ") l ORDER BY l.inserted_at DESC, l.id DESC"
#define LIST_AFTER(scope, cursor) AFTER(scope, cursor, MERGED(scope, CUT))
#define LIST_STATUS_AFTER(scope, cursor) AFTER(scope, cursor, RANGE(scope, CUT))
#define BY_SENDER "sender_id = $1::int4"
#define BY_RECEIVER "receiver_id = $1::int4"
#define BY_PAIR "receiver_id = $1::int4 AND sender_id = $3::int4"

/* A new invoice's row from $1..$12 (id, sender, receiver, type, size,
 * sha256, time: the module's clock, so that the answer to a create is
 * known before the row is written; the file store, NULL for this
 * database; amount, currency, due date and reference, each NULL when not
 * given), its file from $13 (NULL when it lives in a file store). */
#define NEW_ROW_COLS "(id, sender_id, receiver_id, file_type, file_size, " \
    "file_sha256, inserted_at, updated_at, file_store, amount, currency, " \
    "due_date, reference, tx)"
/* tx makes the row its own invoice.created event (006_created_events). */
#define NEW_ROW_VALUES "$1::uuid, $2::int4, $3::int4, $4::text, $5::int4, " \
    "$6::bytea, $7::timestamptz, $7::timestamptz, $8::text, $9::int8, " \
    "$10::text, $11::date, $12::text, pg_current_xact_id()"
#define NEW_FILE "file AS (INSERT INTO invoice_files (invoice_id, content) " \
    "SELECT id, $13::bytea FROM inv WHERE $13::bytea IS NOT NULL) "

/* The event of a change, in the statement that makes it: the invoice's
 * changing fields right after it (from the CTE `src`), `at` its time. */
#define EVENT(name, type, at, src) name " AS (INSERT INTO invoice_events " \
    "(type, invoice_id, sender_id, receiver_id, created_at, status, " \
    "paid_at, voided_at, first_downloaded_at, updated_at) SELECT " type \
    ", id, sender_id, receiver_id, " at ", status, paid_at, voided_at, " \
    "first_downloaded_at, updated_at FROM " src ") "

/* An open invoice of the party's becomes paid (2) or void (3), with its
 * event; `at` is the column that records when. */
#define SETTLE(status, at, party) "WITH upd AS (UPDATE invoices SET status " \
    "= " status ", is_payable = false, " at " = now(), updated_at = now() " \
    "WHERE id = $1::uuid AND " party " = $2::int4 AND status = 1 " \
    "RETURNING *), " EVENT("ev", status, at, "upd") "SELECT " INVOICE_COLS \
    " FROM upd"

/* Events, oldest first by position, and only those under the oldest
 * transaction still running: sql/004_lifecycle.sql says why that never
 * skips one.  Two sources (sql/006_created_events.sql): the created event
 * that is an invoice's row (position (tx, 0), id 2^62 + tx) and the rows
 * of invoice_events (position (tx, seq), id seq).  Each source is an
 * index range in position order; the page is their merge.
 *
 * The invoice as it was after the event: for a created event, the row
 * with nothing paid, voided or downloaded yet; else the event's copy of
 * what changes and the row's of what never does. */
#define CREATED_ID_BASE "4611686018427387904"    /* 2^62 */
#define CREATED_COLS "(" CREATED_ID_BASE " + i.tx::text::int8) AS seq, " \
    "1::int2 AS type, i.inserted_at AS event_at, i.id, i.sender_id, " \
    "i.receiver_id, i.file_type, i.file_size, i.amount, i.currency, " \
    "i.due_date, i.reference, 1::int2 AS status, true AS is_payable, " \
    "NULL::timestamptz AS paid_at, NULL::timestamptz AS voided_at, " \
    "NULL::timestamptz AS first_downloaded_at, i.inserted_at, " \
    "i.inserted_at AS updated_at, i.tx, 0::int8 AS pos"
#define EVENT_COLS "e.seq, e.type, e.created_at AS event_at, i.id, " \
    "i.sender_id, i.receiver_id, i.file_type, i.file_size, i.amount, " \
    "i.currency, i.due_date, i.reference, e.status, (e.status = 1) AS " \
    "is_payable, e.paid_at, e.voided_at, e.first_downloaded_at, " \
    "i.inserted_at, e.updated_at, e.tx, e.seq AS pos"
#define HORIZON "pg_snapshot_xmin(pg_current_snapshot())"
/* The page from both sources, each cut at `iafter` and `eafter`. */
#define FEED(iscope, escope, iafter, eafter) "SELECT * FROM ((SELECT " \
    CREATED_COLS " FROM invoices i WHERE " iscope " AND i.tx < " HORIZON \
    iafter " ORDER BY i.tx LIMIT $2::int4) UNION ALL (SELECT " EVENT_COLS \
    " FROM invoice_events e JOIN invoices i ON i.id = e.invoice_id WHERE " \
    escope " AND e.tx < " HORIZON eafter " ORDER BY e.tx, e.seq LIMIT " \
    "$2::int4)) f ORDER BY tx, pos LIMIT $2::int4"
/* Where an event id is in a feed (invoice_id, c_tx, c_pos), when it is an
 * event of the feed: an id below 2^62 is a seq, one above a created event
 * (greatest() keeps the cast of a seq's id to xid8 valid: no tx is 0). */
#define CURSOR_AT(icscope, ecscope, cursor) "(SELECT invoice_id, tx AS " \
    "c_tx, seq AS c_pos FROM invoice_events WHERE seq = " cursor "::int8 " \
    "AND " ecscope " UNION ALL SELECT id, tx, 0 FROM invoices WHERE tx = " \
    "greatest(" cursor "::int8 - " CREATED_ID_BASE ", 0)::text::xid8 AND " \
    icscope " LIMIT 1)"
/* Scopes come in pairs (invoices i, invoice_events e): the variadic
 * macros let a pair's comma split it into two arguments. */
#define EVENTS(...) FEED(__VA_ARGS__, "", "")
/* After position (c.c_tx, c.c_pos): a created event is after it when its
 * tx is (its own pos, 0, is never above c_pos). */
#define EVENTS_AFTER(...) EVENTS_AFTER_(__VA_ARGS__)
#define EVENTS_AFTER_(iscope, escope, icscope, ecscope, cursor) "SELECT " \
    "l.* FROM " CURSOR_AT(icscope, ecscope, cursor) " c CROSS JOIN " \
    "LATERAL (" FEED(iscope, escope, " AND i.tx > c.c_tx", \
    " AND (e.tx, e.seq) > (c.c_tx, c.c_pos)") ") l ORDER BY l.tx, l.pos"
#define CURSOR_IN(...) CURSOR_IN_(__VA_ARGS__)
#define CURSOR_IN_(icscope, ecscope, cursor) "SELECT c.invoice_id FROM " \
    CURSOR_AT(icscope, ecscope, cursor) " c"
/* Consumers are not told of downloads (the partial index says so too). */
#define EV_SENDER "i.sender_id = $1::int4", "e.sender_id = $1::int4"
#define EV_RECEIVER "i.receiver_id = $1::int4", \
    "e.receiver_id = $1::int4 AND e.type <> 4"
#define EV_SENDER_INVOICE "i.sender_id = $1::int4 AND i.id = $3::uuid", \
    "e.sender_id = $1::int4 AND e.invoice_id = $3::uuid"
#define EV_RECEIVER_INVOICE "i.receiver_id = $1::int4 AND i.id = $3::uuid", \
    "e.receiver_id = $1::int4 AND e.type <> 4 AND e.invoice_id = $3::uuid"
#define C_SENDER "sender_id = $1::int4", "sender_id = $1::int4"
#define C_RECEIVER "receiver_id = $1::int4", "receiver_id = $1::int4 AND type <> 4"

/* A new idempotency key's columns; on a conflict the existing key is
 * taken over only when it expired, and RETURNING gives a row only when the
 * key was claimed (a concurrent claim waits for the first to commit). */
#define KEY_COLS "INSERT INTO idempotency_keys (role, caller, key, " \
    "fingerprint, status, location, content_type, body, expires_at) "
#define KEY_CLAIMED_ONLY "ON CONFLICT (role, caller, key) DO UPDATE SET " \
    "fingerprint = EXCLUDED.fingerprint, status = EXCLUDED.status, " \
    "location = EXCLUDED.location, content_type = EXCLUDED.content_type, " \
    "body = EXCLUDED.body, expires_at = EXCLUDED.expires_at " \
    "WHERE idempotency_keys.expires_at < now() RETURNING 1"

/* The advisory lock of mod-invoice-files: "INVF" in ASCII, so that it
 * does not meet an application's own small numbers. */
#define ADMIN_LOCK_KEY "1229870662"

const invoice_store_statement_t invoice_pg_statements[ST_COUNT] = {
    [ST_INSERT] = { "invoice_insert",
        /* Metadata and file in one statement (the row is its created
         * event): atomic, one round trip. */
        "WITH inv AS (INSERT INTO invoices " NEW_ROW_COLS " VALUES ("
        NEW_ROW_VALUES ") RETURNING *), " NEW_FILE
        "SELECT " INVOICE_COLS " FROM inv" },
    [ST_INSERT_ONCE] = { "invoice_insert_once",
        /* With an idempotency key of sender $2: $14 key, $15 fingerprint,
         * $16 Location, $17 the 201's body, $18 seconds to keep it.  Key,
         * answer, row and file in one statement; nothing is written
         * when the key is taken. */
        "WITH k AS (" KEY_COLS "VALUES (1, $2::int4, $14::text, $15::bytea, "
        "201, $16::text, 'application/json', $17::bytea, "
        "now() + make_interval(secs => $18::int4)) " KEY_CLAIMED_ONLY "), "
        "inv AS (INSERT INTO invoices " NEW_ROW_COLS " SELECT "
        NEW_ROW_VALUES " FROM k RETURNING *), " NEW_FILE
        "SELECT " INVOICE_COLS " FROM inv" },
    [ST_GET_BY_SENDER] = { "invoice_get_by_sender",
        "SELECT " INVOICE_COLS " FROM invoices "
        "WHERE id = $1::uuid AND sender_id = $2::int4" },
    [ST_GET_BY_RECEIVER] = { "invoice_get_by_receiver",
        "SELECT " INVOICE_COLS " FROM invoices "
        "WHERE id = $1::uuid AND receiver_id = $2::int4" },
    [ST_GET_BY_REFERENCE] = { "invoice_get_by_reference",
        "SELECT " INVOICE_COLS " FROM invoices "
        "WHERE sender_id = $1::int4 AND reference = $2::text" },
    /* $1 the caller, $2 the limit, then [$3 the sender], [the status],
     * [the cursor]: the parameters in that order. */
    [ST_LIST_SENDER] = { "invoice_list_sender", LIST(BY_SENDER) },
    [ST_LIST_SENDER_AFTER] = { "invoice_list_sender_after",
        LIST_AFTER(BY_SENDER, "$3") },
    [ST_LIST_SENDER_STATUS] = { "invoice_list_sender_status",
        LIST_STATUS(BY_SENDER " AND status = $3::int2") },
    [ST_LIST_SENDER_STATUS_AFTER] = { "invoice_list_sender_status_after",
        LIST_STATUS_AFTER(BY_SENDER " AND status = $3::int2", "$4") },
    [ST_LIST_RECEIVER] = { "invoice_list_receiver", LIST(BY_RECEIVER) },
    [ST_LIST_RECEIVER_AFTER] = { "invoice_list_receiver_after",
        LIST_AFTER(BY_RECEIVER, "$3") },
    [ST_LIST_RECEIVER_STATUS] = { "invoice_list_receiver_status",
        LIST_STATUS(BY_RECEIVER " AND status = $3::int2") },
    [ST_LIST_RECEIVER_STATUS_AFTER] = { "invoice_list_receiver_status_after",
        LIST_STATUS_AFTER(BY_RECEIVER " AND status = $3::int2", "$4") },
    [ST_LIST_PAIR] = { "invoice_list_pair", LIST(BY_PAIR) },
    [ST_LIST_PAIR_AFTER] = { "invoice_list_pair_after",
        LIST_AFTER(BY_PAIR, "$4") },
    [ST_LIST_PAIR_STATUS] = { "invoice_list_pair_status",
        LIST_STATUS(BY_PAIR " AND status = $4::int2") },
    [ST_LIST_PAIR_STATUS_AFTER] = { "invoice_list_pair_status_after",
        LIST_STATUS_AFTER(BY_PAIR " AND status = $4::int2", "$5") },
    [ST_PAY] = { "invoice_pay",
        /* The row lock makes concurrent pays (and voids) queue; the
         * re-checked status lets exactly one of them through. */
        SETTLE("2", "paid_at", "receiver_id") },
    [ST_VOID] = { "invoice_void", SETTLE("3", "voided_at", "sender_id") },
    [ST_FIRST_DOWNLOAD] = { "invoice_first_download",
        /* The delivery receipt: once, and no write at all afterwards (the
         * caller asks only while first_downloaded_at is NULL). */
        "WITH upd AS (UPDATE invoices SET first_downloaded_at = now() "
        "WHERE id = $1::uuid AND receiver_id = $2::int4 AND "
        "first_downloaded_at IS NULL RETURNING *), "
        EVENT("ev", "4", "first_downloaded_at", "upd")
        "SELECT 1 FROM upd" },
    [ST_EVENTS_SENDER] = { "invoice_events_sender", EVENTS(EV_SENDER) },
    [ST_EVENTS_SENDER_AFTER] = { "invoice_events_sender_after",
        EVENTS_AFTER(EV_SENDER, C_SENDER, "$3") },
    [ST_EVENTS_RECEIVER] = { "invoice_events_receiver", EVENTS(EV_RECEIVER) },
    [ST_EVENTS_RECEIVER_AFTER] = { "invoice_events_receiver_after",
        EVENTS_AFTER(EV_RECEIVER, C_RECEIVER, "$3") },
    [ST_EVENTS_SENDER_INVOICE] = { "invoice_events_sender_invoice",
        EVENTS(EV_SENDER_INVOICE) },
    [ST_EVENTS_SENDER_INVOICE_AFTER] = { "invoice_events_sender_invoice_after",
        EVENTS_AFTER(EV_SENDER_INVOICE, C_SENDER, "$4") },
    [ST_EVENTS_RECEIVER_INVOICE] = { "invoice_events_receiver_invoice",
        EVENTS(EV_RECEIVER_INVOICE) },
    [ST_EVENTS_RECEIVER_INVOICE_AFTER] = { "invoice_events_receiver_invoice_after",
        EVENTS_AFTER(EV_RECEIVER_INVOICE, C_RECEIVER, "$4") },
    [ST_EVENT_IN_SENDER_FEED] = { "invoice_event_in_sender_feed",
        /* An empty page after a cursor: was it the last, or not ours? */
        CURSOR_IN(C_SENDER, "$2") },
    [ST_EVENT_IN_RECEIVER_FEED] = { "invoice_event_in_receiver_feed",
        CURSOR_IN(C_RECEIVER, "$2") },
    [ST_FILE] = { "invoice_file",
        /* The first chunk comes along: for most files that is all of it.
         * Files are stored uncompressed, so substring reads only the
         * TOAST chunks it needs.  A file in a file store has no
         * invoice_files row: head is NULL, file_store names the store. */
        "SELECT i.file_type, i.file_sha256, i.inserted_at, "
        "i.file_size::int8 AS size, i.file_store, i.first_downloaded_at, "
        "substring(f.content FROM 1 FOR $3::int4) AS head "
        "FROM invoices i LEFT JOIN invoice_files f ON f.invoice_id = i.id "
        "WHERE i.id = $1::uuid AND i.receiver_id = $2::int4" },
    [ST_FILE_CHUNK] = { "invoice_file_chunk",
        "SELECT substring(f.content FROM $3::int4 FOR $4::int4) "
        "FROM invoices i JOIN invoice_files f ON f.invoice_id = i.id "
        "WHERE i.id = $1::uuid AND i.receiver_id = $2::int4" },
    [ST_INSERT_META] = { "invoice_insert_meta",
        /* Large files: the row first, the bytes by COPY, one
         * transaction. */
        "INSERT INTO invoices " NEW_ROW_COLS " VALUES (" NEW_ROW_VALUES
        ") RETURNING " INVOICE_COLS },
    [ST_PING] = { "invoice_ping", "SELECT 1" },
    [ST_KEY_CLAIM] = { "invoice_key_claim",
        /* $1 role, $2 caller, $3 key, $4 fingerprint, $5 status, $6
         * Location, $7 content type, $8 body, $9 seconds to keep it. */
        KEY_COLS "VALUES ($1::int2, $2::int4, $3::text, $4::bytea, $5::int2, "
        "$6::text, $7::text, $8::bytea, now() + make_interval(secs => "
        "$9::int4)) " KEY_CLAIMED_ONLY },
    [ST_KEY_REMEMBER] = { "invoice_key_remember",
        "UPDATE idempotency_keys SET status = $4::int2, location = $5::text, "
        "content_type = $6::text, body = $7::bytea "
        "WHERE role = $1::int2 AND caller = $2::int4 AND key = $3::text" },
    [ST_KEY_GET] = { "invoice_key_get",
        "SELECT fingerprint, status, location, content_type, body "
        "FROM idempotency_keys "
        "WHERE role = $1::int2 AND caller = $2::int4 AND key = $3::text" },
    [ST_KEY_PURGE] = { "invoice_key_purge",
        /* A bounded batch; rows a request holds are skipped, never waited
         * for. */
        "DELETE FROM idempotency_keys WHERE ctid = ANY (ARRAY("
        "SELECT ctid FROM idempotency_keys WHERE expires_at < now() "
        "ORDER BY expires_at LIMIT $1::int4 FOR UPDATE SKIP LOCKED))" },
    /* The operator's tool, mod-invoice-files (store/admin.h).  Prepared
     * on every connection like the rest: each is small to plan. */
    [ST_ADMIN_LOCK] = { "invoice_admin_lock",
        /* One sweep or migration at a time per database (a session lock:
         * released when the tool's connection ends). */
        "SELECT pg_try_advisory_lock(" ADMIN_LOCK_KEY ")" },
    [ST_ADMIN_STORES] = { "invoice_admin_stores",
        /* Where the files of a batch of ids ($1, '{...}') are: '' for this
         * database (a store's name is never empty). */
        "SELECT id::text, coalesce(file_store, '') FROM invoices "
        "WHERE id = ANY ($1::uuid[])" },
    [ST_ADMIN_ROWS] = { "invoice_admin_rows",
        /* After id $1, in id order, $5 rows whose file is not in $2 (NULL:
         * this database) and, when $3, is in $4 (NULL: this database). */
        "SELECT id::text AS id, file_store, file_size::text AS size, "
        "file_sha256 FROM invoices WHERE id > $1::uuid "
        "AND file_store IS DISTINCT FROM $2::text AND ($3::bool IS NOT TRUE "
        "OR file_store IS NOT DISTINCT FROM $4::text) "
        "ORDER BY id LIMIT $5::int4" },
    [ST_ADMIN_CHUNK] = { "invoice_admin_chunk",
        "SELECT substring(content FROM $2::int4 FOR $3::int4) "
        "FROM invoice_files WHERE invoice_id = $1::uuid" },
    [ST_ADMIN_MOVE] = { "invoice_admin_move",
        /* Row $1's file, in $3 (NULL: this database), is now in $2 (NULL:
         * this database, its bytes by COPY next in the transaction): only
         * while the row still names $3; a copy in invoice_files goes. */
        "WITH moved AS (UPDATE invoices SET file_store = $2::text "
        "WHERE id = $1::uuid AND file_store IS NOT DISTINCT FROM $3::text "
        "RETURNING id), gone AS (DELETE FROM invoice_files f USING moved "
        "WHERE f.invoice_id = moved.id) SELECT 1 FROM moved" },
};

const invoice_store_statement_t *invoice_store_statements(int *count)
{
    *count = ST_COUNT;
    return invoice_pg_statements;
}
