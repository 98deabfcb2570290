/* Storage over mod_dbd + libpq.  See storage.h for the why. */
#include "storage.h"

#include <string.h>
#include <libpq-fe.h>

#include <http_log.h>
#include <apr_dbd.h>
#include <mod_dbd.h>
#include <apr_strings.h>

#include "mod_invoice_private.h"
#include "ops.h"
#include "pgconn.h"
#include "uuid.h"

/* ------------------------------------------------------------------ SQL */

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

enum {
    ST_INSERT, ST_GET_BY_SENDER, ST_GET_BY_RECEIVER,
    ST_LIST_SENDER, ST_LIST_SENDER_AFTER,
    ST_LIST_RECEIVER, ST_LIST_RECEIVER_AFTER,
    ST_LIST_PAIR, ST_LIST_PAIR_AFTER,
    ST_PAY, ST_FILE, ST_FILE_CHUNK, ST_INSERT_META, ST_PING, ST_COUNT
};

static const invoice_pg_statement_t statements[ST_COUNT] = {
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
        "octet_length(f.content)::int8, substring(f.content FROM 1 FOR $3::int4) "
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

/* ------------------------------------------------------- registration */

const char *invoice_storage_init(void)
{
    return invoice_pg_init();
}

const char *invoice_storage_register(server_rec *s)
{
    APR_OPTIONAL_FN_TYPE(ap_dbd_prepare) *prepare =
        APR_RETRIEVE_OPTIONAL_FN(ap_dbd_prepare);

    if (prepare == NULL) {
        return "mod_invoice needs mod_dbd: LoadModule dbd_module first";
    }
    for (int i = 0; i < ST_COUNT; i++) {
        prepare(s, statements[i].sql, statements[i].label);
    }
    return NULL;
}

/* ------------------------------------------------------------ helpers */

/* Files above this size are written with COPY and read in chunks of it, so
 * that neither libpq's buffers (which never shrink for the life of a
 * pooled connection) nor a PGresult ever hold a whole large file. */
#define STREAM_CHUNK (1024 * 1024)

/* $1 the invoice id and $2 the caller who must see it: how every lookup
 * of one invoice starts, so that none can forget the scope. */
static void param_scope(invoice_pg_params_t *ps, apr_pool_t *p, const char *id,
                        int caller)
{
    invoice_pg_text(ps, id);
    invoice_pg_int(ps, p, caller);
}

/* ----------------------------------------------------------- row maps */

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

static apr_int64_t int8_from_binary(const char *p)
{
    return (apr_int64_t)be(p, 8);
}

/* timestamptz in binary: microseconds since 2000-01-01 UTC. */
static apr_time_t time_from_binary(const char *p)
{
    return (apr_time_t)int8_from_binary(p) + APR_INT64_C(946684800000000);
}

static const char *time_or_null(apr_pool_t *pool, PGresult *res, int row, int col)
{
    return PQgetisnull(res, row, col) ? NULL
        : invoice_render_time(pool, time_from_binary(PQgetvalue(res, row, col)));
}

/* A row of INVOICE_COLS, fetched in binary. */
static void row_to_invoice(apr_pool_t *pool, PGresult *res, int row,
                           invoice_t *inv)
{
    char *id = apr_palloc(pool, INVOICE_UUID_LEN + 1);

    invoice_uuid_format((const unsigned char *)PQgetvalue(res, row, 0), id);
    inv->id = id;
    inv->sender_id = (int)(apr_int32_t)be(PQgetvalue(res, row, 1), 4);
    inv->receiver_id = (int)(apr_int32_t)be(PQgetvalue(res, row, 2), 4);
    inv->file_type = PQgetvalue(res, row, 3);
    inv->file_size = (int)(apr_int32_t)be(PQgetvalue(res, row, 4), 4);
    inv->is_payable = PQgetvalue(res, row, 5)[0] != 0;
    inv->paid_at = time_or_null(pool, res, row, 6);
    inv->inserted_at = time_or_null(pool, res, row, 7);
    inv->updated_at = time_or_null(pool, res, row, 8);
}

static invoice_db_status_t run_one(invoice_pg_t *db, int st,
                                   const invoice_pg_params_t *ps,
                                   invoice_t *out)
{
    PGresult *res = NULL;
    invoice_db_status_t status = invoice_pg_run(db, st, ps, 1, &res);

    if (status != INVOICE_DB_OK) {
        return status;
    }
    if (PQntuples(res) == 0) {
        return INVOICE_DB_NOT_FOUND;
    }
    row_to_invoice(db->r->pool, res, 0, out);
    return INVOICE_DB_OK;
}

/* ---------------------------------------------------------- operations */

static invoice_db_status_t get(invoice_pg_t *db, invoice_role_t role, int caller,
                               const char *id, invoice_t *out)
{
    invoice_pg_params_t ps = { 0 };

    param_scope(&ps, db->r->pool, id, caller);
    return run_one(db, role == INVOICE_ROLE_SENDER ? ST_GET_BY_SENDER
                                                   : ST_GET_BY_RECEIVER,
                   &ps, out);
}

static void put_be(unsigned char *p, apr_uint64_t v, int bytes)
{
    for (int i = bytes - 1; i >= 0; i--) {
        p[i] = (unsigned char)(v & 0xff);
        v >>= 8;
    }
}

/* One row (invoice_id, content) in COPY's binary format, the content sent
 * in STREAM_CHUNK pieces: libpq flushes each, its buffer stays small. */
static invoice_db_status_t copy_file(invoice_pg_t *db, const char *id,
                                     const unsigned char *data, apr_size_t len)
{
    static const unsigned char signature[11] = "PGCOPY\n\377\r\n";
    unsigned char head[19 + 26], trailer[2] = { 0xff, 0xff };
    PGresult *res;
    const char *state;
    int ok;

    memcpy(head, signature, sizeof(signature));     /* NUL included */
    put_be(head + 11, 0, 4);                        /* flags */
    put_be(head + 15, 0, 4);                        /* header extension */
    put_be(head + 19, 2, 2);                        /* fields in the row */
    put_be(head + 21, 16, 4);
    invoice_uuid_bytes(id, head + 25);
    put_be(head + 41, len, 4);
    ok = PQputCopyData(db->conn, (const char *)head, sizeof(head)) == 1;
    for (apr_size_t off = 0; ok && off < len; off += STREAM_CHUNK) {
        apr_size_t n = len - off < STREAM_CHUNK ? len - off : STREAM_CHUNK;
        ok = PQputCopyData(db->conn, (const char *)data + off, (int)n) == 1;
    }
    ok = ok && PQputCopyData(db->conn, (const char *)trailer, 2) == 1;
    ok = PQputCopyEnd(db->conn, ok ? NULL : "client failed to send") == 1 && ok;
    res = PQgetResult(db->conn);
    ok = ok && PQresultStatus(res) == PGRES_COMMAND_OK;
    state = ok ? NULL : invoice_pg_state_of(db, res);
    PQclear(res);
    while ((res = PQgetResult(db->conn)) != NULL) {
        PQclear(res);
    }
    return ok ? INVOICE_DB_OK : invoice_pg_failed(db, "COPY invoice_files", state);
}

static invoice_db_status_t create_streamed(invoice_pg_t *db,
                                           const invoice_pg_params_t *ps,
                                           const char *id,
                                           const invoice_create_t *in,
                                           invoice_t *out)
{
    invoice_db_status_t status = invoice_pg_begin(db);

    if (status != INVOICE_DB_OK) {
        return status;
    }
    status = run_one(db, ST_INSERT_META, ps, out);
    if (status == INVOICE_DB_OK) {
        status = invoice_pg_command(db, "COPY invoice_files (invoice_id, content) FROM STDIN "
                             "(FORMAT binary)", PGRES_COPY_IN);
    }
    if (status == INVOICE_DB_OK) {
        status = copy_file(db, id, in->content, in->content_len);
    }
    if (status == INVOICE_DB_OK) {
        status = invoice_pg_command(db, "COMMIT", PGRES_COMMAND_OK);
    }
    else if (PQstatus(db->conn) == CONNECTION_OK) {
        PQclear(PQexec(db->conn, "ROLLBACK"));
    }
    db->in_transaction = 0;
    return status;
}

invoice_db_status_t invoice_storage_create(request_rec *r, const char *id,
                                           int sender_id,
                                           const invoice_create_t *in,
                                           invoice_t *out)
{
    invoice_pg_params_t ps = { 0 };
    invoice_pg_t db;
    invoice_db_status_t status = invoice_pg_open(r, &db, statements, ST_COUNT);

    if (status != INVOICE_DB_OK) {
        return status;
    }
    invoice_pg_text(&ps, id);
    invoice_pg_int(&ps, r->pool, sender_id);
    invoice_pg_int(&ps, r->pool, in->receiver_id);
    invoice_pg_text(&ps, invoice_filetype_media(in->file_type));
    invoice_pg_int(&ps, r->pool, (int)in->content_len);
    invoice_pg_bytes(&ps, in->sha256, sizeof(in->sha256));
    if (in->content_len > STREAM_CHUNK) {
        return create_streamed(&db, &ps, id, in, out);
    }
    invoice_pg_bytes(&ps, in->content, in->content_len);
    status = run_one(&db, ST_INSERT, &ps, out);
    if (status == INVOICE_DB_CONFLICT) {
        /* The id is ours and fresh, so a duplicate means a retry after a
         * lost connection found the first attempt committed. */
        status = get(&db, INVOICE_ROLE_SENDER, sender_id, id, out);
    }
    return status;
}

invoice_db_status_t invoice_storage_get(request_rec *r, invoice_role_t role,
                                        int caller, const char *id,
                                        invoice_t *out)
{
    invoice_pg_t db;
    invoice_db_status_t status = invoice_pg_open(r, &db, statements, ST_COUNT);

    return status == INVOICE_DB_OK ? get(&db, role, caller, id, out) : status;
}

static int list_statement(invoice_role_t role, int from_sender, int after)
{
    if (role == INVOICE_ROLE_SENDER) {
        return after ? ST_LIST_SENDER_AFTER : ST_LIST_SENDER;
    }
    if (from_sender > 0) {
        return after ? ST_LIST_PAIR_AFTER : ST_LIST_PAIR;
    }
    return after ? ST_LIST_RECEIVER_AFTER : ST_LIST_RECEIVER;
}

/* An empty page after a cursor: is the cursor simply the last row, or
 * not in this list at all? */
static invoice_db_status_t check_cursor(invoice_pg_t *db, invoice_role_t role,
                                        int caller, int from_sender,
                                        const char *cursor)
{
    invoice_t row;
    invoice_db_status_t status = get(db, role, caller, cursor, &row);

    if (status == INVOICE_DB_NOT_FOUND
        || (status == INVOICE_DB_OK && from_sender > 0
            && row.sender_id != from_sender)) {
        return INVOICE_DB_BAD_CURSOR;
    }
    return status;
}

invoice_db_status_t invoice_storage_list(request_rec *r, invoice_role_t role,
                                         int caller, int from_sender,
                                         const invoice_list_query_t *q,
                                         apr_array_header_t **items,
                                         int *has_more)
{
    int after = q->starting_after[0] != '\0';
    invoice_pg_params_t ps = { 0 };
    PGresult *res = NULL;
    invoice_pg_t db;
    invoice_db_status_t status = invoice_pg_open(r, &db, statements, ST_COUNT);
    int rows;

    if (status != INVOICE_DB_OK) {
        return status;
    }
    /* Every list statement takes: caller, limit, [sender], [cursor]. */
    invoice_pg_int(&ps, r->pool, caller);
    invoice_pg_int(&ps, r->pool, q->limit + 1);  /* one extra row says has_more */
    if (role == INVOICE_ROLE_CONSUMER && from_sender > 0) {
        invoice_pg_int(&ps, r->pool, from_sender);
    }
    if (after) {
        invoice_pg_text(&ps, q->starting_after);
    }
    status = invoice_pg_run(&db, list_statement(role, from_sender, after), &ps, 1,
                            &res);
    if (status != INVOICE_DB_OK) {
        return status;
    }
    rows = PQntuples(res);
    if (rows == 0 && after) {
        status = check_cursor(&db, role, caller, from_sender, q->starting_after);
        if (status != INVOICE_DB_OK) {
            return status;
        }
    }
    *has_more = rows > q->limit;
    rows = rows > q->limit ? q->limit : rows;
    *items = apr_array_make(r->pool, rows > 0 ? rows : 1, sizeof(invoice_t));
    for (int i = 0; i < rows; i++) {
        row_to_invoice(r->pool, res, i, apr_array_push(*items));
    }
    return INVOICE_DB_OK;
}

invoice_db_status_t invoice_storage_pay(request_rec *r, int consumer,
                                        const char *id, invoice_t *out)
{
    invoice_pg_params_t ps = { 0 };
    invoice_pg_t db;
    invoice_db_status_t status = invoice_pg_open(r, &db, statements, ST_COUNT);

    if (status != INVOICE_DB_OK) {
        return status;
    }
    param_scope(&ps, r->pool, id, consumer);
    status = run_one(&db, ST_PAY, &ps, out);
    if (status == INVOICE_DB_NOT_FOUND) {
        /* Nothing updated: already paid, or not this consumer's invoice. */
        status = get(&db, INVOICE_ROLE_CONSUMER, consumer, id, out);
        if (status == INVOICE_DB_OK) {
            status = INVOICE_DB_CONFLICT;
        }
    }
    return status;
}

invoice_db_status_t invoice_storage_file(request_rec *r, int consumer,
                                         const char *id, invoice_file_t *out)
{
    invoice_pg_params_t ps = { 0 };
    PGresult *res = NULL;
    invoice_pg_t db;
    invoice_db_status_t status = invoice_pg_open(r, &db, statements, ST_COUNT);

    if (status != INVOICE_DB_OK) {
        return status;
    }
    param_scope(&ps, r->pool, id, consumer);
    invoice_pg_int(&ps, r->pool, STREAM_CHUNK);
    /* Binary results: the bytea arrives as raw bytes, not as hex text. */
    status = invoice_pg_run(&db, ST_FILE, &ps, 1, &res);
    if (status != INVOICE_DB_OK) {
        return status;
    }
    if (PQntuples(res) == 0) {
        return INVOICE_DB_NOT_FOUND;
    }
    out->file_type = PQgetvalue(res, 0, 0);
    out->sha256 = (const unsigned char *)PQgetvalue(res, 0, 1);
    out->inserted_at = time_from_binary(PQgetvalue(res, 0, 2));
    out->size = (apr_off_t)int8_from_binary(PQgetvalue(res, 0, 3));
    out->head = (const unsigned char *)PQgetvalue(res, 0, 4);
    out->head_len = (apr_size_t)PQgetlength(res, 0, 4);
    return INVOICE_DB_OK;
}

invoice_db_status_t invoice_storage_file_range(request_rec *r, int consumer,
                                               const char *id, apr_off_t start,
                                               apr_off_t len,
                                               invoice_storage_sink_fn sink,
                                               void *ctx)
{
    invoice_pg_t db;
    invoice_db_status_t status = invoice_pg_open(r, &db, statements, ST_COUNT);

    while (status == INVOICE_DB_OK && len > 0) {
        apr_off_t n = len < STREAM_CHUNK ? len : STREAM_CHUNK;
        invoice_pg_params_t ps = { 0 };
        PGresult *res = NULL;
        int sent;

        param_scope(&ps, r->pool, id, consumer);
        invoice_pg_int(&ps, r->pool, (int)(start + 1));     /* SQL counts from 1 */
        invoice_pg_int(&ps, r->pool, (int)n);
        status = invoice_pg_run(&db, ST_FILE_CHUNK, &ps, 1, &res);
        if (status != INVOICE_DB_OK) {
            break;
        }
        if (PQntuples(res) == 0 || PQgetlength(res, 0, 0) != n) {
            status = invoice_pg_failed(&db, "invoice_file_chunk (short read)", NULL);
            break;
        }
        sent = sink(ctx, PQgetvalue(res, 0, 0), (apr_size_t)n);
        /* Each chunk goes as soon as it is sent: one in memory at a time. */
        invoice_pg_release(&db, res);
        if (!sent) {
            return INVOICE_DB_ERROR;    /* the client went away */
        }
        start += n;
        len -= n;
    }
    return status;
}

invoice_db_status_t invoice_storage_ping(request_rec *r)
{
    invoice_pg_params_t ps = { 0 };
    PGresult *res = NULL;
    invoice_pg_t db;
    invoice_db_status_t status = invoice_pg_open(r, &db, statements, ST_COUNT);

    return status == INVOICE_DB_OK ? invoice_pg_run(&db, ST_PING, &ps, 0, &res) : status;
}
