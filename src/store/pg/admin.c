/* The operator tool's statements (mod-invoice-files: sweep, migrate) on
 * the PostgreSQL store.  See store/admin.h.  No log lines of its own:
 * conn.c reports database failures (INV002xx), the tool says the rest. */
#include "store/admin.h"

#include <stdint.h>
#include <string.h>
#include <apr_strings.h>

#include "core/util/uuid.h"
#include "store/pg/handle.h"
#include "store/pg/rows.h"
#include "store/pg/statements.h"

/* Before every id: where a migration starts. */
#define FIRST_ID "00000000-0000-0000-0000-000000000000"

invoice_store_status_t invoice_admin_lock(invoice_store_t *st, int *got)
{
    invoice_pg_params_t ps = { 0 };
    PGresult *res = NULL;
    invoice_store_status_t status;
    invoice_pg_t *db = invoice_pg_open(st, &status);

    if (db == NULL) {
        return status;
    }
    status = invoice_pg_run(db, ST_ADMIN_LOCK, &ps, 0, &res);
    if (status == INVOICE_STORE_OK) {
        *got = PQntuples(res) == 1 && strcmp(PQgetvalue(res, 0, 0), "t") == 0;
    }
    return invoice_pg_disconnect(db, status);
}

/* ids as a PostgreSQL array literal: '{id,id,...}' (UUIDs need no
 * quoting). */
static const char *id_array(apr_pool_t *p, const char *const *ids, int n)
{
    char *text = apr_palloc(p, 3 + (apr_size_t)n * (INVOICE_UUID_LEN + 1));
    char *at = text;

    *at++ = '{';
    for (int i = 0; i < n; i++) {
        size_t len = strlen(ids[i]);

        if (i > 0) {
            *at++ = ',';
        }
        memcpy(at, ids[i], len < INVOICE_UUID_LEN ? len : INVOICE_UUID_LEN);
        at += len < INVOICE_UUID_LEN ? len : INVOICE_UUID_LEN;
    }
    *at++ = '}';
    *at = '\0';
    return text;
}

invoice_store_status_t invoice_admin_stores(invoice_store_t *st,
                                            const char *const *ids, int n,
                                            apr_hash_t **stores)
{
    invoice_pg_params_t ps = { 0 };
    apr_pool_t *p = st->ctx.pool;
    PGresult *res = NULL;
    invoice_store_status_t status;
    invoice_pg_t *db = invoice_pg_open(st, &status);

    if (db == NULL) {
        return status;
    }
    invoice_pg_text(&ps, id_array(p, ids, n));
    status = invoice_pg_run(db, ST_ADMIN_STORES, &ps, 0, &res);
    if (status == INVOICE_STORE_OK) {
        *stores = apr_hash_make(p);
        for (int row = 0; row < PQntuples(res); row++) {
            apr_hash_set(*stores, apr_pstrdup(p, PQgetvalue(res, row, 0)),
                         APR_HASH_KEY_STRING,
                         apr_pstrdup(p, PQgetvalue(res, row, 1)));
        }
    }
    return invoice_pg_disconnect(db, status);
}

/* The rows of ST_ADMIN_ROWS (binary: text columns arrive as their bytes),
 * their columns found by name. */
static invoice_store_status_t decode_rows(invoice_pg_t *db, PGresult *res,
                                          apr_array_header_t **rows)
{
    int id = PQfnumber(res, "id"), store = PQfnumber(res, "file_store");
    int size = PQfnumber(res, "size"), sha = PQfnumber(res, "file_sha256");

    if (id < 0 || store < 0 || size < 0 || sha < 0) {
        return invoice_pg_failed(db, "decoding the rows to move", NULL);
    }
    *rows = apr_array_make(db->ctx->pool, PQntuples(res) + 1,
                           sizeof(invoice_admin_row_t));
    for (int i = 0; i < PQntuples(res); i++) {
        invoice_admin_row_t *row = apr_array_push(*rows);

        if (PQgetlength(res, i, sha) != 32) {
            return invoice_pg_failed(db, "decoding a row's SHA-256", NULL);
        }
        row->id = PQgetvalue(res, i, id);
        row->file_store = PQgetisnull(res, i, store) ? NULL
                                                     : PQgetvalue(res, i, store);
        row->size = (apr_off_t)apr_atoi64(PQgetvalue(res, i, size));
        row->sha256 = (const unsigned char *)PQgetvalue(res, i, sha);
    }
    return INVOICE_STORE_OK;
}

invoice_store_status_t invoice_admin_rows(invoice_store_t *st,
                                          const invoice_admin_move_t *move,
                                          const char *after, int limit,
                                          apr_array_header_t **rows)
{
    invoice_pg_params_t ps = { 0 };
    PGresult *res = NULL;
    invoice_store_status_t status;
    invoice_pg_t *db = invoice_pg_open(st, &status);

    if (db == NULL) {
        return status;
    }
    invoice_pg_text(&ps, after ? after : FIRST_ID);
    invoice_pg_text(&ps, move->to);         /* NULL: a NULL parameter */
    invoice_pg_text(&ps, move->only_from ? "true" : "false");
    invoice_pg_text(&ps, move->from);
    invoice_pg_int(&ps, db->ctx->pool, limit);
    status = invoice_pg_run(db, ST_ADMIN_ROWS, &ps, 1, &res);
    if (status == INVOICE_STORE_OK) {
        status = decode_rows(db, res, rows);
    }
    return invoice_pg_disconnect(db, status);
}

/* Bytes [start, start + n) of id's file in PostgreSQL into the sink. */
static invoice_store_status_t read_chunk(invoice_pg_t *db, const char *id,
                                         apr_off_t start, apr_off_t n,
                                         invoice_store_sink_fn sink, void *ctx)
{
    invoice_pg_params_t ps = { 0 };
    PGresult *res = NULL;
    invoice_store_status_t status;
    int sent;

    invoice_pg_text(&ps, id);
    invoice_pg_int(&ps, db->ctx->pool, (int)(start + 1));  /* SQL counts from 1 */
    invoice_pg_int(&ps, db->ctx->pool, (int)n);
    status = invoice_pg_run_transfer(db, ST_ADMIN_CHUNK, &ps, 1, &res);
    if (status != INVOICE_STORE_OK) {
        return status;
    }
    if (PQntuples(res) == 0) {
        return INVOICE_STORE_NOT_FOUND;
    }
    if (PQgetlength(res, 0, 0) != n) {
        return invoice_pg_failed(db, "invoice_admin_chunk (short read)", NULL);
    }
    sent = sink(ctx, PQgetvalue(res, 0, 0), (apr_size_t)n);
    invoice_pg_release(db, res);    /* one chunk in memory at a time */
    return sent ? INVOICE_STORE_OK : INVOICE_STORE_ABORTED;
}

invoice_store_status_t invoice_admin_pg_read(invoice_store_t *st,
                                             const char *id, apr_off_t len,
                                             invoice_store_sink_fn sink,
                                             void *ctx)
{
    invoice_store_status_t status;
    invoice_pg_t *db = invoice_pg_open(st, &status);
    apr_off_t start = 0;

    if (len > INT32_MAX) {
        status = INVOICE_STORE_ERROR;
    }
    while (db != NULL && status == INVOICE_STORE_OK && start < len) {
        apr_off_t n = len - start < INVOICE_PG_STREAM_CHUNK
                          ? len - start : INVOICE_PG_STREAM_CHUNK;

        status = read_chunk(db, id, start, n, sink, ctx);
        start += n;
    }
    return db ? invoice_pg_disconnect(db, status) : status;
}

/* ST_ADMIN_MOVE: NOT_FOUND when the row no longer names from. */
static invoice_store_status_t record_move(invoice_pg_t *db, const char *id,
                                          const char *from, const char *to)
{
    invoice_pg_params_t ps = { 0 };
    PGresult *res = NULL;
    invoice_store_status_t status;

    invoice_pg_text(&ps, id);
    invoice_pg_text(&ps, to);
    invoice_pg_text(&ps, from);
    status = invoice_pg_run(db, ST_ADMIN_MOVE, &ps, 0, &res);
    if (status == INVOICE_STORE_OK && PQntuples(res) == 0) {
        status = INVOICE_STORE_NOT_FOUND;
    }
    return status;
}

invoice_store_status_t invoice_admin_moved(invoice_store_t *st,
                                           const char *id, const char *from,
                                           const char *to)
{
    invoice_store_status_t status;
    invoice_pg_t *db = invoice_pg_open(st, &status);

    return db ? invoice_pg_disconnect(db, record_move(db, id, from, to))
              : status;
}

struct invoice_admin_pg_writer_t {
    invoice_pg_t *db;
    apr_off_t size, sent;
    invoice_store_status_t status;      /* of the first failure */
};

/* COPY's binary format: its header, then the row's two fields (the id,
 * then the length of the content, whose bytes follow by put). */
static invoice_store_status_t copy_head(invoice_pg_t *db, const char *id,
                                        apr_off_t size)
{
    static const unsigned char signature[11] = "PGCOPY\n\377\r\n";
    unsigned char head[19 + 26];

    memcpy(head, signature, sizeof(signature));     /* NUL included */
    invoice_pg_put_be(head + 11, 0, 4);             /* flags */
    invoice_pg_put_be(head + 15, 0, 4);             /* header extension */
    invoice_pg_put_be(head + 19, 2, 2);             /* fields in the row */
    invoice_pg_put_be(head + 21, 16, 4);
    if (!invoice_uuid_bytes(id, head + 25)) {
        return invoice_pg_failed(db, "COPY of a file (not an invoice id)", NULL);
    }
    invoice_pg_put_be(head + 41, (apr_uint64_t)size, 4);
    return invoice_pg_copy_put(db, head, sizeof(head));
}

/* In the transaction: the row claimed, the bytes' COPY under way. */
static invoice_store_status_t claim_and_copy(invoice_pg_t *db, const char *id,
                                             const char *from, apr_off_t size)
{
    /* The bytes come at the source's pace: the server's statement
     * timeout would end the COPY; the no-progress deadline watches it. */
    invoice_store_status_t status = invoice_pg_command(
        db, INVOICE_PG_NO_STATEMENT_TIMEOUT, PGRES_COMMAND_OK);

    if (status == INVOICE_STORE_OK) {
        status = record_move(db, id, from, NULL);
    }
    if (status == INVOICE_STORE_OK) {
        status = invoice_pg_command(db, INVOICE_PG_COPY_FILE, PGRES_COPY_IN);
    }
    if (status == INVOICE_STORE_OK) {
        status = copy_head(db, id, size);
    }
    return status;
}

invoice_store_status_t invoice_admin_pg_begin(invoice_store_t *st,
                                              const char *id,
                                              const char *from,
                                              apr_off_t size,
                                              invoice_admin_pg_writer_t **out)
{
    invoice_store_status_t status;
    invoice_pg_t *db = invoice_pg_open(st, &status);
    invoice_admin_pg_writer_t *w;

    if (db == NULL) {
        return status;
    }
    status = size > 0 && size <= INT32_MAX ? invoice_pg_begin(db)
                                           : INVOICE_STORE_ERROR;
    if (status == INVOICE_STORE_OK) {
        status = claim_and_copy(db, id, from, size);
    }
    if (status != INVOICE_STORE_OK) {
        if (db->in_copy) {
            (void)invoice_pg_copy_end(db, 0);
        }
        return invoice_pg_disconnect(db, status);   /* rolled back */
    }
    w = apr_pcalloc(st->ctx.pool, sizeof(*w));
    w->db = db;
    w->size = size;
    *out = w;
    return INVOICE_STORE_OK;
}

invoice_store_status_t invoice_admin_pg_put(invoice_admin_pg_writer_t *w,
                                            const char *data, apr_size_t len)
{
    if (w->status == INVOICE_STORE_OK && (apr_off_t)len > w->size - w->sent) {
        w->status = INVOICE_STORE_ERROR;    /* more than the row says */
    }
    if (w->status == INVOICE_STORE_OK) {
        w->status = invoice_pg_copy_put(w->db, data, len);
        w->sent += (apr_off_t)len;
    }
    return w->status;
}

/* All bytes sent: the row is complete, the COPY ends well.  Otherwise it
 * is ended as failed (which the server reports, and conn.c logs). */
static invoice_store_status_t end_copy(invoice_admin_pg_writer_t *w)
{
    static const unsigned char trailer[2] = { 0xff, 0xff };
    int complete = w->status == INVOICE_STORE_OK && w->sent == w->size;
    invoice_store_status_t status = INVOICE_STORE_ERROR;

    if (complete) {
        status = invoice_pg_copy_put(w->db, trailer, sizeof(trailer));
    }
    if (w->db->in_copy) {
        invoice_store_status_t ended = invoice_pg_copy_end(
            w->db, complete && status == INVOICE_STORE_OK);

        status = status == INVOICE_STORE_OK ? ended : status;
    }
    return status;
}

invoice_store_status_t invoice_admin_pg_end(invoice_admin_pg_writer_t *w,
                                            int ok)
{
    invoice_store_status_t status = end_copy(w);

    /* A refused file (its digest did not match) was copied whole: the
     * transaction is simply rolled back. */
    if (status == INVOICE_STORE_OK && !ok) {
        status = INVOICE_STORE_ERROR;
    }
    return invoice_pg_disconnect(w->db, invoice_pg_end(w->db, status));
}
