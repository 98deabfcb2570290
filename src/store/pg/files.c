/* Invoice files in PostgreSQL: large ones written by COPY and read in
 * chunks, so that no whole large file ever sits in libpq's buffers (which
 * never shrink for the life of a pooled connection).  See store.h. */
#include "store/pg/handle.h"

#include <string.h>

#include "core/util/uuid.h"
#include "store/pg/rows.h"
#include "store/pg/statements.h"

invoice_store_status_t invoice_pg_copy_file(invoice_pg_t *db, const char *id,
                                            const unsigned char *data,
                                            apr_size_t len)
{
    static const unsigned char signature[11] = "PGCOPY\n\377\r\n";
    static const unsigned char trailer[2] = { 0xff, 0xff };
    unsigned char head[19 + 26];
    invoice_store_status_t status;

    memcpy(head, signature, sizeof(signature));     /* NUL included */
    invoice_pg_put_be(head + 11, 0, 4);             /* flags */
    invoice_pg_put_be(head + 15, 0, 4);             /* header extension */
    invoice_pg_put_be(head + 19, 2, 2);             /* fields in the row */
    invoice_pg_put_be(head + 21, 16, 4);
    invoice_uuid_bytes(id, head + 25);
    invoice_pg_put_be(head + 41, len, 4);
    status = invoice_pg_copy_put(db, head, sizeof(head));
    for (apr_size_t off = 0; status == INVOICE_STORE_OK && off < len;
         off += INVOICE_PG_STREAM_CHUNK) {
        apr_size_t n = len - off < INVOICE_PG_STREAM_CHUNK
                           ? len - off : INVOICE_PG_STREAM_CHUNK;
        status = invoice_pg_copy_put(db, data + off, n);
    }
    if (status == INVOICE_STORE_OK) {
        status = invoice_pg_copy_put(db, trailer, sizeof(trailer));
    }
    if (db->in_copy) {
        /* Ended after a failure too, so that the transaction rolls back. */
        invoice_store_status_t ended = invoice_pg_copy_end(db, status == INVOICE_STORE_OK);

        status = status == INVOICE_STORE_OK ? ended : status;
    }
    return status;
}

/* The file row of ST_FILE, its columns found by name. */
static invoice_store_status_t decode_file(invoice_pg_t *db, PGresult *res,
                                          invoice_file_t *out)
{
    int type = PQfnumber(res, "file_type"), sha = PQfnumber(res, "file_sha256");
    int at = PQfnumber(res, "inserted_at"), size = PQfnumber(res, "size");
    int head = PQfnumber(res, "head"), store = PQfnumber(res, "file_store");
    int downloaded = PQfnumber(res, "first_downloaded_at");

    if (type < 0 || sha < 0 || at < 0 || size < 0 || head < 0 || store < 0
        || downloaded < 0) {
        return invoice_pg_failed(db, "decoding a file row", NULL);
    }
    out->file_store = PQgetisnull(res, 0, store) ? NULL
                                                 : PQgetvalue(res, 0, store);
    out->downloaded = !PQgetisnull(res, 0, downloaded);
    out->file_type = PQgetvalue(res, 0, type);
    out->sha256 = (const unsigned char *)PQgetvalue(res, 0, sha);
    out->inserted_at = invoice_pg_time(PQgetvalue(res, 0, at));
    out->size = (apr_off_t)invoice_pg_int8(PQgetvalue(res, 0, size));
    out->head = PQgetisnull(res, 0, head)
                    ? NULL : (const unsigned char *)PQgetvalue(res, 0, head);
    out->head_len = out->head ? (apr_size_t)PQgetlength(res, 0, head) : 0;
    return INVOICE_STORE_OK;
}

static invoice_store_status_t file(invoice_pg_t *db, int consumer,
                                   const char *id, invoice_file_t *out)
{
    invoice_pg_params_t ps = { 0 };
    PGresult *res = NULL;
    invoice_store_status_t status;

    invoice_pg_param_scope(&ps, db->ctx->pool, id, consumer);
    invoice_pg_int(&ps, db->ctx->pool, INVOICE_PG_STREAM_CHUNK);
    /* Binary results: the bytea arrives as raw bytes, not as hex text. */
    status = invoice_pg_run(db, ST_FILE, &ps, 1, &res);
    if (status != INVOICE_STORE_OK) {
        return status;
    }
    if (PQntuples(res) == 0) {
        return INVOICE_STORE_NOT_FOUND;
    }
    return decode_file(db, res, out);
}

invoice_store_status_t invoice_store_file(invoice_store_t *st, int consumer,
                                          const char *id, invoice_file_t *out)
{
    invoice_store_status_t status;
    invoice_pg_t *db = invoice_pg_open(st, &status);

    return db ? invoice_pg_disconnect(db, file(db, consumer, id, out)) : status;
}

/* One chunk of the range into the sink. */
static invoice_store_status_t send_chunk(invoice_pg_t *db, int consumer,
                                         const char *id, apr_off_t start,
                                         apr_off_t n,
                                         invoice_store_sink_fn sink, void *ctx)
{
    invoice_pg_params_t ps = { 0 };
    PGresult *res = NULL;
    invoice_store_status_t status;
    int sent;

    invoice_pg_param_scope(&ps, db->ctx->pool, id, consumer);
    invoice_pg_int(&ps, db->ctx->pool, (int)(start + 1));   /* SQL counts from 1 */
    invoice_pg_int(&ps, db->ctx->pool, (int)n);
    status = invoice_pg_run_transfer(db, ST_FILE_CHUNK, &ps, 1, &res);
    if (status != INVOICE_STORE_OK) {
        return status;
    }
    if (PQntuples(res) == 0 || PQgetlength(res, 0, 0) != n) {
        return invoice_pg_failed(db, "invoice_file_chunk (short read)", NULL);
    }
    sent = sink(ctx, PQgetvalue(res, 0, 0), (apr_size_t)n);
    /* Each chunk goes as soon as it is sent: one in memory at a time. */
    invoice_pg_release(db, res);
    return sent ? INVOICE_STORE_OK : INVOICE_STORE_ABORTED;
}

invoice_store_status_t invoice_store_file_range(invoice_store_t *st,
                                                int consumer, const char *id,
                                                apr_off_t start, apr_off_t len,
                                                invoice_store_sink_fn sink,
                                                void *ctx)
{
    invoice_store_status_t status;
    invoice_pg_t *db = invoice_pg_open(st, &status);

    while (db != NULL && status == INVOICE_STORE_OK && len > 0) {
        apr_off_t n = len < INVOICE_PG_STREAM_CHUNK ? len : INVOICE_PG_STREAM_CHUNK;

        status = send_chunk(db, consumer, id, start, n, sink, ctx);
        start += n;
        len -= n;
    }
    return db ? invoice_pg_disconnect(db, status) : status;
}
