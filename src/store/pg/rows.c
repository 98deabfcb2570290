/* Binary results.  See rows.h. */
#include "store/pg/rows.h"

#include "core/render.h"
#include "core/util/uuid.h"

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

enum { C_ID, C_SENDER, C_RECEIVER, C_TYPE, C_SIZE, C_PAYABLE, C_PAID,
       C_INSERTED, C_UPDATED, C_COUNT };

static const char *const column_names[C_COUNT] = {
    "id", "sender_id", "receiver_id", "file_type", "file_size",
    "is_payable", "paid_at", "inserted_at", "updated_at",
};

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
    inv->is_payable = PQgetvalue(res, row, col[C_PAYABLE])[0] != 0;
    inv->paid_at = time_or_null(pool, res, row, col[C_PAID]);
    inv->inserted_at = time_or_null(pool, res, row, col[C_INSERTED]);
    inv->updated_at = time_or_null(pool, res, row, col[C_UPDATED]);
}

int invoice_pg_invoices(apr_pool_t *pool, PGresult *res, invoice_t *out,
                        int max)
{
    int col[C_COUNT];
    int rows = PQntuples(res) < max ? PQntuples(res) : max;

    for (int c = 0; c < C_COUNT; c++) {
        if ((col[c] = PQfnumber(res, column_names[c])) < 0) {
            return -1;
        }
    }
    for (int i = 0; i < rows; i++) {
        decode(pool, res, i, col, &out[i]);
    }
    return rows;
}
