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

const invoice_store_statement_t invoice_pg_statements[ST_COUNT] = {
    [ST_INSERT] = { "invoice_insert",
        /* Metadata and file in one statement: atomic, one round trip. */
        "WITH inv AS (INSERT INTO invoices (id, sender_id, receiver_id, "
        "file_type, file_size, file_sha256) VALUES ($1::uuid, $2::int4, "
        "$3::int4, $4::text, $5::int4, $6::bytea) RETURNING *), "
        "file AS (INSERT INTO invoice_files (invoice_id, content) "
        "SELECT id, $7::bytea FROM inv) "
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
         * TOAST chunks it needs. */
        "SELECT i.file_type, i.file_sha256, i.inserted_at, "
        "octet_length(f.content)::int8 AS size, "
        "substring(f.content FROM 1 FOR $3::int4) AS head "
        "FROM invoices i JOIN invoice_files f ON f.invoice_id = i.id "
        "WHERE i.id = $1::uuid AND i.receiver_id = $2::int4" },
    [ST_FILE_CHUNK] = { "invoice_file_chunk",
        "SELECT substring(f.content FROM $3::int4 FOR $4::int4) "
        "FROM invoices i JOIN invoice_files f ON f.invoice_id = i.id "
        "WHERE i.id = $1::uuid AND i.receiver_id = $2::int4" },
    [ST_INSERT_META] = { "invoice_insert_meta",
        /* Large files: the row first, the bytes by COPY, one transaction. */
        "INSERT INTO invoices (id, sender_id, receiver_id, file_type, "
        "file_size, file_sha256) VALUES ($1::uuid, $2::int4, $3::int4, "
        "$4::text, $5::int4, $6::bytea) RETURNING " INVOICE_COLS },
    [ST_PING] = { "invoice_ping", "SELECT 1" },
};

const invoice_store_statement_t *invoice_store_statements(int *count)
{
    *count = ST_COUNT;
    return invoice_pg_statements;
}
