/* Binary results.  See rows.h. */
#include "store/pg/rows.h"

#include "core/render.h"
#include "core/util/uuid.h"

#include <apr_strings.h>

/* Binary results are big-endian. */
static apr_uint64_t be(const char *p, int bytes)
{
    const unsigned char *b = (const unsigned char *)p;
    apr_uint64_t v = 0;

    for (int i = 0; i < bytes; i++) {
        v = (v << 8) | b[i];
    }
    return v;
}

int invoice_pg_int2(const char *p)
{
    return (int)(apr_int16_t)be(p, 2);
}

apr_int64_t invoice_pg_int8(const char *p)
{
    return (apr_int64_t)be(p, 8);
}

apr_time_t invoice_pg_time(const char *p)
{
    return (apr_time_t)invoice_pg_int8(p) + APR_INT64_C(946684800000000);
}

void invoice_pg_put_be(unsigned char *p, apr_uint64_t v, int n)
{
    for (int i = n - 1; i >= 0; i--) {
        p[i] = (unsigned char)(v & 0xff);
        v >>= 8;
    }
}

static int int4_at(PGresult *res, int row, int col)
{
    return (int)(apr_int32_t)be(PQgetvalue(res, row, col), 4);
}

static const char *time_or_null(apr_pool_t *pool, PGresult *res, int row,
                                int col)
{
    return PQgetisnull(res, row, col) ? NULL
        : invoice_render_time(pool, invoice_pg_time(PQgetvalue(res, row, col)));
}

/* A date: days since 2000-01-01, as YYYY-MM-DD. */
static const char *date_or_null(apr_pool_t *pool, PGresult *res, int row,
                                int col)
{
    apr_int64_t days;
    apr_time_exp_t e;

    if (PQgetisnull(res, row, col)) {
        return NULL;
    }
    days = (apr_int32_t)be(PQgetvalue(res, row, col), 4);
    apr_time_exp_gmt(&e, (apr_time_t)(days * 86400 + 946684800) * APR_USEC_PER_SEC);
    return apr_psprintf(pool, "%04d-%02d-%02d", e.tm_year + 1900, e.tm_mon + 1,
                        e.tm_mday);
}

static const char *text_or_null(PGresult *res, int row, int col)
{
    return PQgetisnull(res, row, col) ? NULL : PQgetvalue(res, row, col);
}

enum { C_ID, C_SENDER, C_RECEIVER, C_TYPE, C_SIZE, C_AMOUNT, C_CURRENCY,
       C_DUE, C_REFERENCE, C_STATUS, C_PAYABLE, C_PAID, C_VOIDED,
       C_DOWNLOADED, C_INSERTED, C_UPDATED, C_COUNT };

static const char *const column_names[C_COUNT] = {
    "id", "sender_id", "receiver_id", "file_type", "file_size", "amount",
    "currency", "due_date", "reference", "status", "is_payable", "paid_at",
    "voided_at", "first_downloaded_at", "inserted_at", "updated_at",
};

/* The terms: amount and currency, due date, reference. */
static void decode_terms(apr_pool_t *pool, PGresult *res, int row,
                         const int *col, invoice_t *inv)
{
    inv->has_amount = !PQgetisnull(res, row, col[C_AMOUNT]);
    inv->amount = inv->has_amount
                      ? invoice_pg_int8(PQgetvalue(res, row, col[C_AMOUNT])) : 0;
    inv->currency = text_or_null(res, row, col[C_CURRENCY]);
    inv->due_date = date_or_null(pool, res, row, col[C_DUE]);
    inv->reference = text_or_null(res, row, col[C_REFERENCE]);
}

static void decode(apr_pool_t *pool, PGresult *res, int row, const int *col,
                   invoice_t *inv)
{
    char *id = apr_palloc(pool, INVOICE_UUID_LEN + 1);

    invoice_uuid_format((const unsigned char *)PQgetvalue(res, row, col[C_ID]),
                        id);
    inv->id = id;
    inv->sender_id = int4_at(res, row, col[C_SENDER]);
    inv->receiver_id = int4_at(res, row, col[C_RECEIVER]);
    inv->file_type = PQgetvalue(res, row, col[C_TYPE]);
    inv->file_size = int4_at(res, row, col[C_SIZE]);
    decode_terms(pool, res, row, col, inv);
    inv->status = (invoice_status_t)invoice_pg_int2(PQgetvalue(res, row,
                                                               col[C_STATUS]));
    inv->is_payable = PQgetvalue(res, row, col[C_PAYABLE])[0] != 0;
    inv->paid_at = time_or_null(pool, res, row, col[C_PAID]);
    inv->voided_at = time_or_null(pool, res, row, col[C_VOIDED]);
    inv->first_downloaded_at = time_or_null(pool, res, row, col[C_DOWNLOADED]);
    inv->inserted_at = time_or_null(pool, res, row, col[C_INSERTED]);
    inv->updated_at = time_or_null(pool, res, row, col[C_UPDATED]);
}

/* The columns of an invoice in res, by name: 0 when one is missing. */
static int find_columns(PGresult *res, int *col)
{
    for (int c = 0; c < C_COUNT; c++) {
        if ((col[c] = PQfnumber(res, column_names[c])) < 0) {
            return 0;
        }
    }
    return 1;
}

int invoice_pg_invoices(apr_pool_t *pool, PGresult *res, invoice_t *out,
                        int max)
{
    int col[C_COUNT];
    int rows = PQntuples(res) < max ? PQntuples(res) : max;

    if (!find_columns(res, col)) {
        return -1;
    }
    for (int i = 0; i < rows; i++) {
        decode(pool, res, i, col, &out[i]);
    }
    return rows;
}

int invoice_pg_events(apr_pool_t *pool, PGresult *res, invoice_event_t *out,
                      int max)
{
    int col[C_COUNT];
    int seq = PQfnumber(res, "seq"), type = PQfnumber(res, "type");
    int at = PQfnumber(res, "event_at");
    int rows = PQntuples(res) < max ? PQntuples(res) : max;

    if (!find_columns(res, col) || seq < 0 || type < 0 || at < 0) {
        return -1;
    }
    for (int i = 0; i < rows; i++) {
        out[i].id = apr_psprintf(pool, "%" APR_INT64_T_FMT,
                                 invoice_pg_int8(PQgetvalue(res, i, seq)));
        out[i].type = (invoice_event_type_t)invoice_pg_int2(PQgetvalue(res, i,
                                                                       type));
        out[i].created_at = time_or_null(pool, res, i, at);
        decode(pool, res, i, col, &out[i].invoice);
    }
    return rows;
}
