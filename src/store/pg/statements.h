/* The SQL of the PostgreSQL store: every statement, prepared on every
 * pooled connection, and the columns an invoice row is read from. */
#ifndef MOD_INVOICE_STORE_PG_STATEMENTS_H
#define MOD_INVOICE_STORE_PG_STATEMENTS_H

#include "store/store.h"

/* The list statements of a shape are in the order: first page, after a
 * cursor, of one status, of one status after a cursor. */
typedef enum {
    ST_INSERT, ST_GET_BY_SENDER, ST_GET_BY_RECEIVER, ST_GET_BY_REFERENCE,
    ST_LIST_SENDER, ST_LIST_SENDER_AFTER,
    ST_LIST_SENDER_STATUS, ST_LIST_SENDER_STATUS_AFTER,
    ST_LIST_RECEIVER, ST_LIST_RECEIVER_AFTER,
    ST_LIST_RECEIVER_STATUS, ST_LIST_RECEIVER_STATUS_AFTER,
    ST_LIST_PAIR, ST_LIST_PAIR_AFTER,
    ST_LIST_PAIR_STATUS, ST_LIST_PAIR_STATUS_AFTER,
    ST_PAY, ST_VOID, ST_FIRST_DOWNLOAD,
    ST_FILE, ST_FILE_CHUNK, ST_INSERT_META, ST_PING,
    ST_INSERT_ONCE, ST_KEY_CLAIM, ST_KEY_REMEMBER, ST_KEY_GET, ST_KEY_PURGE,
    /* Feeds and histories, in the same order as lists (no status). */
    ST_EVENTS_SENDER, ST_EVENTS_SENDER_AFTER,
    ST_EVENTS_RECEIVER, ST_EVENTS_RECEIVER_AFTER,
    ST_EVENTS_SENDER_INVOICE, ST_EVENTS_SENDER_INVOICE_AFTER,
    ST_EVENTS_RECEIVER_INVOICE, ST_EVENTS_RECEIVER_INVOICE_AFTER,
    ST_EVENT_IN_SENDER_FEED, ST_EVENT_IN_RECEIVER_FEED,
    /* mod-invoice-files (store/admin.h, pg/admin.c) */
    ST_ADMIN_LOCK, ST_ADMIN_STORES, ST_ADMIN_ROWS, ST_ADMIN_CHUNK, ST_ADMIN_MOVE,
    ST_COUNT
} invoice_pg_statement_id_t;

extern const invoice_store_statement_t invoice_pg_statements[ST_COUNT];

/* Files above this size are written with COPY and read in chunks of it, so
 * that neither libpq's buffers (which never shrink for the life of a
 * pooled connection) nor a PGresult ever hold a whole large file. */
#define INVOICE_PG_STREAM_CHUNK (1024 * 1024)

/* The bytes of a large file go by COPY, inside the create's transaction. */
#define INVOICE_PG_COPY_FILE \
    "COPY invoice_files (invoice_id, content) FROM STDIN (FORMAT binary)"

/* In the transaction of a large file's COPY. */
#define INVOICE_PG_NO_STATEMENT_TIMEOUT "SET LOCAL statement_timeout = 0"

#endif
