/* The SQL of the PostgreSQL store.  See statements.h. */
#include "store/pg/statements.h"

/* Read in binary and formatted by the module: to_char() on three
 * timestamps per row was a third of PostgreSQL's time on a list. */
#define INVOICE_COLS "id, sender_id, receiver_id, file_type, file_size, " \
    "is_payable, paid_at, inserted_at, updated_at"
#define NEWEST_FIRST " ORDER BY inserted_at DESC, id DESC "
/* Keyset pagination: rows strictly older than the cursor row, which must
 * itself be visible in the same list (else the page is empty and the
 * caller checks why). */
#define AFTER_CURSOR(param, scope) " AND (inserted_at, id) < " \
    "(SELECT inserted_at, id FROM invoices WHERE id = " param "::uuid AND " \
    scope ")"

/* A new invoice's row from $1..$8 (id, sender, receiver, type, size,
 * sha256, time: the module's clock, so that the answer to a create is
 * known before the row is written; the file store, NULL for this
 * database), its file from $9 (NULL when it lives in a file store). */
#define NEW_ROW_COLS "(id, sender_id, receiver_id, file_type, file_size, " \
    "file_sha256, inserted_at, updated_at, file_store)"
#define NEW_ROW_VALUES "$1::uuid, $2::int4, $3::int4, $4::text, $5::int4, " \
    "$6::bytea, $7::timestamptz, $7::timestamptz, $8::text"
#define NEW_FILE "file AS (INSERT INTO invoice_files (invoice_id, content) " \
    "SELECT id, $9::bytea FROM inv WHERE $9::bytea IS NOT NULL) "
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

const invoice_store_statement_t invoice_pg_statements[ST_COUNT] = {
    [ST_INSERT] = { "invoice_insert",
        /* Metadata and file in one statement: atomic, one round trip. */
        "WITH inv AS (INSERT INTO invoices " NEW_ROW_COLS " VALUES ("
        NEW_ROW_VALUES ") RETURNING *), " NEW_FILE
        "SELECT " INVOICE_COLS " FROM inv" },
    [ST_INSERT_ONCE] = { "invoice_insert_once",
        /* With an idempotency key of sender $2: $10 key, $11 fingerprint,
         * $12 Location, $13 the 201's body, $14 seconds to keep it.  Key,
         * answer, row and file in one statement; nothing is written when
         * the key is taken. */
        "WITH k AS (" KEY_COLS "VALUES (1, $2::int4, $10::text, $11::bytea, "
        "201, $12::text, 'application/json', $13::bytea, "
        "now() + make_interval(secs => $14::int4)) " KEY_CLAIMED_ONLY "), "
        "inv AS (INSERT INTO invoices " NEW_ROW_COLS " SELECT "
        NEW_ROW_VALUES " FROM k RETURNING *), " NEW_FILE
        "SELECT " INVOICE_COLS " FROM inv" },
    [ST_GET_BY_SENDER] = { "invoice_get_by_sender",
        "SELECT " INVOICE_COLS " FROM invoices "
        "WHERE id = $1::uuid AND sender_id = $2::int4" },
    [ST_GET_BY_RECEIVER] = { "invoice_get_by_receiver",
        "SELECT " INVOICE_COLS " FROM invoices "
        "WHERE id = $1::uuid AND receiver_id = $2::int4" },
    [ST_LIST_SENDER] = { "invoice_list_sender",
        "SELECT " INVOICE_COLS " FROM invoices WHERE sender_id = $1::int4"
        NEWEST_FIRST "LIMIT $2::int4" },
    [ST_LIST_SENDER_AFTER] = { "invoice_list_sender_after",
        "SELECT " INVOICE_COLS " FROM invoices WHERE sender_id = $1::int4"
        AFTER_CURSOR("$3", "sender_id = $1::int4") NEWEST_FIRST "LIMIT $2::int4" },
    [ST_LIST_RECEIVER] = { "invoice_list_receiver",
        "SELECT " INVOICE_COLS " FROM invoices WHERE receiver_id = $1::int4"
        NEWEST_FIRST "LIMIT $2::int4" },
    [ST_LIST_RECEIVER_AFTER] = { "invoice_list_receiver_after",
        "SELECT " INVOICE_COLS " FROM invoices WHERE receiver_id = $1::int4"
        AFTER_CURSOR("$3", "receiver_id = $1::int4") NEWEST_FIRST "LIMIT $2::int4" },
    [ST_LIST_PAIR] = { "invoice_list_pair",
        "SELECT " INVOICE_COLS " FROM invoices WHERE receiver_id = $1::int4 "
        "AND sender_id = $3::int4" NEWEST_FIRST "LIMIT $2::int4" },
    [ST_LIST_PAIR_AFTER] = { "invoice_list_pair_after",
        "SELECT " INVOICE_COLS " FROM invoices WHERE receiver_id = $1::int4 "
        "AND sender_id = $3::int4"
        AFTER_CURSOR("$4", "receiver_id = $1::int4 AND sender_id = $3::int4")
        NEWEST_FIRST "LIMIT $2::int4" },
    [ST_PAY] = { "invoice_pay",
        /* The row lock makes concurrent pays queue; the re-checked
         * is_payable lets exactly one of them through. */
        "UPDATE invoices SET is_payable = false, paid_at = now(), "
        "updated_at = now() WHERE id = $1::uuid AND receiver_id = $2::int4 "
        "AND is_payable RETURNING " INVOICE_COLS },
    [ST_FILE] = { "invoice_file",
        /* The first chunk comes along: for most files that is all of it.
         * Files are stored uncompressed, so substring reads only the
         * TOAST chunks it needs.  A file in a file store has no
         * invoice_files row: head is NULL, file_store names the store. */
        "SELECT i.file_type, i.file_sha256, i.inserted_at, "
        "i.file_size::int8 AS size, i.file_store, "
        "substring(f.content FROM 1 FOR $3::int4) AS head "
        "FROM invoices i LEFT JOIN invoice_files f ON f.invoice_id = i.id "
        "WHERE i.id = $1::uuid AND i.receiver_id = $2::int4" },
    [ST_FILE_CHUNK] = { "invoice_file_chunk",
        "SELECT substring(f.content FROM $3::int4 FOR $4::int4) "
        "FROM invoices i JOIN invoice_files f ON f.invoice_id = i.id "
        "WHERE i.id = $1::uuid AND i.receiver_id = $2::int4" },
    [ST_INSERT_META] = { "invoice_insert_meta",
        /* Large files: the row first, the bytes by COPY, one transaction. */
        "INSERT INTO invoices " NEW_ROW_COLS " VALUES (" NEW_ROW_VALUES ") "
        "RETURNING " INVOICE_COLS },
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
};

const invoice_store_statement_t *invoice_store_statements(int *count)
{
    *count = ST_COUNT;
    return invoice_pg_statements;
}
