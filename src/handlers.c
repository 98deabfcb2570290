/* Route handlers: HTTP in, storage call, HTTP out. */
#include "handlers.h"

#include <http_protocol.h>
#include <http_request.h>
#include <apr_strings.h>
#include <apr_time.h>

#include "byte_range.h"
#include "create_request.h"
#include "http_io.h"
#include "multipart.h"
#include "upload_request.h"
#include "list_query.h"
#include "mod_invoice_private.h"
#include "ops.h"
#include "storage.h"

#define RETRY_AFTER_SECONDS "2"

static const char not_found_detail[] = "no such invoice";

static void count(invoice_counter_t c, apr_uint64_t n)
{
    if (invoice_metrics != NULL) {
        invoice_metrics_add(invoice_metrics, c, n);
    }
}

/* Map a storage failure onto the response; OK results never get here. */
static int storage_failure(request_rec *r, invoice_db_status_t status)
{
    switch (status) {
    case INVOICE_DB_NOT_FOUND:
        return invoice_http_send_problem(r, HTTP_NOT_FOUND, not_found_detail, NULL);
    case INVOICE_DB_CONFLICT:
        return invoice_http_send_problem(r, HTTP_CONFLICT,
                                         "the invoice has already been paid", NULL);
    case INVOICE_DB_BAD_CURSOR:
        return invoice_http_send_problem(r, HTTP_BAD_REQUEST,
            "starting_after must be the id of an invoice in this list", NULL);
    case INVOICE_DB_UNAVAILABLE:
        count(INVOICE_COUNT_UNAVAILABLE, 1);
        apr_table_setn(r->err_headers_out, "Retry-After", RETRY_AFTER_SECONDS);
        return invoice_http_send_problem(r, HTTP_SERVICE_UNAVAILABLE,
            "the database is unavailable; retry later", NULL);
    default:
        return invoice_http_send_problem(r, HTTP_INTERNAL_SERVER_ERROR,
                                         "internal error", NULL);
    }
}

static int send_invoice(request_rec *r, int status, const invoice_t *inv)
{
    apr_size_t len;
    const char *body = invoice_render_one(r->pool, inv, &len);
    return invoice_http_send_json(r, status, body, len);
}

/* A fresh UUIDv7 from the kernel's CSPRNG; 0 if randomness failed. */
static int new_invoice_id(char *out)
{
    unsigned char random[10];

    if (apr_generate_random_bytes(random, sizeof(random)) != APR_SUCCESS) {
        return 0;
    }
    invoice_uuid_v7((uint64_t)(apr_time_now() / 1000), random, out);
    return 1;
}

/* Store a validated invoice and answer 201 with its Location. */
static int store_new(request_rec *r, int sender, const invoice_create_t *in)
{
    char id[INVOICE_UUID_LEN + 1];
    invoice_t inv;
    invoice_db_status_t status;

    if (!new_invoice_id(id)) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, "no random bytes for an id");
        return invoice_http_send_problem(r, HTTP_INTERNAL_SERVER_ERROR,
                                         "internal error", NULL);
    }
    status = invoice_storage_create(r, id, sender, in, &inv);
    if (status != INVOICE_DB_OK) {
        return storage_failure(r, status);
    }
    count(INVOICE_COUNT_CREATED, 1);
    count(INVOICE_COUNT_BYTES_UPLOADED, in->content_len);
    apr_table_setn(r->notes, "invoice_id", apr_pstrdup(r->pool, inv.id));
    apr_table_setn(r->headers_out, "Location",
                   apr_pstrcat(r->pool, "/api/sender/invoices/", inv.id, NULL));
    return send_invoice(r, HTTP_CREATED, &inv);
}

static int create(request_rec *r, const invoice_route_t *route, int sender)
{
    invoice_create_t in;
    invoice_create_result_t parsed;
    char *body;
    apr_size_t len;
    int rv;

    if (!invoice_http_has_json_body(r)) {
        ap_discard_request_body(r);
        return invoice_http_send_problem(r, HTTP_UNSUPPORTED_MEDIA_TYPE,
            "Content-Type must be application/json", NULL);
    }
    rv = invoice_http_read_body(r, &body, &len);
    if (rv != OK) {
        return rv;
    }
    parsed = invoice_create_parse(r->pool, body, len, &in);
    if (parsed.status != 0) {
        return invoice_http_send_problem(r, parsed.status, parsed.detail,
                                         parsed.errors);
    }
    return store_new(r, sender, &in);
}

typedef struct {
    invoice_multipart_t *mp;
    const char *error;
} multipart_sink_t;

static int feed_multipart(void *ctx, const char *data, apr_size_t n)
{
    multipart_sink_t *sink = ctx;

    sink->error = invoice_multipart_feed(sink->mp, data, n);
    return sink->error == NULL;
}

/* Stream a multipart body through the parser into an upload. */
static int read_multipart(request_rec *r, const char *boundary,
                          invoice_create_result_t *parsed, invoice_create_t *in)
{
    invoice_upload_t *upload = invoice_upload_make(r->pool,
                                                   invoice_http_body_size_hint(r));
    multipart_sink_t sink = {
        invoice_multipart_make(r->pool, boundary, invoice_upload_mp_handler(),
                               upload),
        NULL
    };
    int rv = invoice_http_stream_body(r, feed_multipart, &sink);

    if (rv != OK) {
        return rv;
    }
    if (sink.error == NULL) {
        sink.error = invoice_multipart_finish(sink.mp);
    }
    if (sink.error != NULL) {
        parsed->status = HTTP_BAD_REQUEST;
        parsed->detail = apr_pstrcat(r->pool, "malformed multipart body: ",
                                     sink.error, NULL);
        parsed->errors = NULL;
        return OK;
    }
    *parsed = invoice_upload_finish(upload, in);
    return OK;
}

static int upload(request_rec *r, const invoice_route_t *route, int sender)
{
    const char *ct = apr_table_get(r->headers_in, "Content-Type");
    const char *boundary = invoice_multipart_boundary(r->pool, ct);
    invoice_create_t in;
    invoice_create_result_t parsed;
    int rv;

    if (boundary != NULL) {
        rv = read_multipart(r, boundary, &parsed, &in);
    }
    else if (invoice_upload_raw_type(ct) != INVOICE_FILETYPE_UNKNOWN) {
        char *body;
        apr_size_t len;
        rv = invoice_http_read_body(r, &body, &len);
        if (rv == OK) {
            parsed = invoice_upload_raw(r->pool, ct, (const unsigned char *)body,
                                        len, r->args, &in);
        }
    }
    else {
        ap_discard_request_body(r);
        apr_table_setn(r->err_headers_out, "Accept-Post", INVOICE_UPLOAD_ACCEPT);
        return invoice_http_send_problem(r, HTTP_UNSUPPORTED_MEDIA_TYPE,
            "Content-Type must be multipart/form-data (with a boundary), "
            "application/pdf or image/png", NULL);
    }
    if (rv != OK) {
        return rv;
    }
    if (parsed.status != 0) {
        return invoice_http_send_problem(r, parsed.status, parsed.detail,
                                         parsed.errors);
    }
    return store_new(r, sender, &in);
}

static int show(request_rec *r, const invoice_route_t *route, int caller)
{
    invoice_t inv;
    invoice_db_status_t status = invoice_storage_get(r, route->role, caller,
                                                     route->id, &inv);
    return status == INVOICE_DB_OK ? send_invoice(r, HTTP_OK, &inv)
                                   : storage_failure(r, status);
}

static int list(request_rec *r, const invoice_route_t *route, int caller)
{
    invoice_list_query_t q;
    apr_array_header_t *items;
    const char *why, *body;
    apr_size_t len;
    int has_more;
    invoice_db_status_t status;

    if (!invoice_list_query_parse(r->args, &q, &why)) {
        return invoice_http_send_problem(r, HTTP_BAD_REQUEST, why, NULL);
    }
    status = invoice_storage_list(r, route->role, caller, route->sender_id, &q,
                                  &items, &has_more);
    if (status != INVOICE_DB_OK) {
        return storage_failure(r, status);
    }
    body = invoice_render_list(r->pool, items, has_more, &len);
    return invoice_http_send_json(r, HTTP_OK, body, len);
}

static int pay(request_rec *r, const invoice_route_t *route, int consumer)
{
    invoice_t inv;
    invoice_db_status_t status = invoice_storage_pay(r, consumer, route->id, &inv);

    if (status != INVOICE_DB_OK) {
        return storage_failure(r, status);
    }
    count(INVOICE_COUNT_PAID, 1);
    return send_invoice(r, HTTP_OK, &inv);
}

static const char *etag_of(apr_pool_t *p, const unsigned char *sha256)
{
    static const char hex[] = "0123456789abcdef";
    char *etag = apr_palloc(p, 2 * INVOICE_SHA256_LEN + 3);

    etag[0] = '"';
    for (int i = 0; i < INVOICE_SHA256_LEN; i++) {
        etag[1 + 2 * i] = hex[sha256[i] >> 4];
        etag[2 + 2 * i] = hex[sha256[i] & 0xf];
    }
    etag[2 * INVOICE_SHA256_LEN + 1] = '"';
    etag[2 * INVOICE_SHA256_LEN + 2] = '\0';
    return etag;
}

/* The validators and caching headers of a file: its bytes never change. */
static void set_file_headers(request_rec *r, const invoice_file_t *f)
{
    apr_table_setn(r->headers_out, "ETag", etag_of(r->pool, f->sha256));
    ap_update_mtime(r, f->inserted_at);
    ap_set_last_modified(r);
    apr_table_setn(r->headers_out, "Cache-Control",
                   "private, max-age=31536000, immutable");
    apr_table_setn(r->headers_out, "X-Content-Type-Options", "nosniff");
}

/* Passes file bytes down the output filters as they come from the
 * database, flushing each chunk so that it can be freed at once. */
typedef struct {
    request_rec *r;
    apr_bucket_brigade *bb;
} file_sink_t;

static int send_chunk(void *ctx, const char *data, apr_size_t len)
{
    file_sink_t *sink = ctx;
    apr_bucket_alloc_t *ba = sink->bb->bucket_alloc;
    apr_status_t rv;

    APR_BRIGADE_INSERT_TAIL(sink->bb, apr_bucket_transient_create(data, len, ba));
    APR_BRIGADE_INSERT_TAIL(sink->bb, apr_bucket_flush_create(ba));
    rv = ap_pass_brigade(sink->r->output_filters, sink->bb);
    apr_brigade_cleanup(sink->bb);
    return rv == APR_SUCCESS;
}

/* Send bytes [start, start+len): from the first chunk already in memory
 * when they lie there, otherwise streamed from the database. */
static int send_file_bytes(request_rec *r, const invoice_route_t *route,
                           int consumer, const invoice_file_t *f,
                           apr_off_t start, apr_off_t len)
{
    file_sink_t sink = { r, apr_brigade_create(r->pool, r->connection->bucket_alloc) };
    apr_bucket_alloc_t *ba = sink.bb->bucket_alloc;
    apr_off_t in_head = start < (apr_off_t)f->head_len ? (apr_off_t)f->head_len - start : 0;
    invoice_db_status_t status = INVOICE_DB_OK;

    if (in_head > len) {
        in_head = len;
    }
    if (in_head == len) {
        /* The usual case: the bytes stay in the PGresult until r->pool
         * goes, which httpd does only after they are written (the EOR
         * bucket), so no copy is made. */
        APR_BRIGADE_INSERT_TAIL(sink.bb, apr_bucket_immortal_create(
            (const char *)f->head + start, (apr_size_t)len, ba));
    }
    else {
        if (in_head > 0 && !send_chunk(&sink, (const char *)f->head + start,
                                       (apr_size_t)in_head)) {
            return AP_FILTER_ERROR;
        }
        status = invoice_storage_file_range(r, consumer, route->id,
                                            start + in_head, len - in_head,
                                            send_chunk, &sink);
    }
    if (status != INVOICE_DB_OK) {
        /* Headers and part of the body are out: all we can do is cut the
         * connection, so the client sees a short body, not a wrong one. */
        r->connection->keepalive = AP_CONN_CLOSE;
        return AP_FILTER_ERROR;
    }
    APR_BRIGADE_INSERT_TAIL(sink.bb, apr_bucket_eos_create(ba));
    return ap_pass_brigade(r->output_filters, sink.bb) == APR_SUCCESS
               ? DONE : AP_FILTER_ERROR;
}

/* Ranges are answered here, so httpd's byterange filter must not
 * interpret the Range header a second time. */
static void remove_byterange_filter(request_rec *r)
{
    for (ap_filter_t *f = r->output_filters; f != NULL; f = f->next) {
        if (strcasecmp(f->frec->name, "byterange") == 0) {
            ap_remove_output_filter(f);
            return;
        }
    }
}

static int file(request_rec *r, const invoice_route_t *route, int consumer)
{
    invoice_file_t f;
    invoice_filetype_t type;
    invoice_range_t range = INVOICE_RANGE_FULL;
    apr_off_t start = 0, len;
    int cond;
    invoice_db_status_t status = invoice_storage_file(r, consumer, route->id, &f);

    if (status != INVOICE_DB_OK) {
        return storage_failure(r, status);
    }
    set_file_headers(r, &f);
    /* If-None-Match, If-Modified-Since (and If-Match ...) as httpd does
     * them for static files. */
    cond = ap_meets_conditions(r);
    if (cond != OK) {
        r->status = cond;
        return cond == HTTP_NOT_MODIFIED ? DONE
            : invoice_http_send_problem(r, cond, "precondition failed", NULL);
    }
    ap_set_accept_ranges(r);
    len = f.size;
    /* If-Range that does not match: the whole file, whatever Range says. */
    if (ap_condition_if_range(r, r->headers_out) != AP_CONDITION_NOMATCH) {
        range = invoice_range_parse(apr_table_get(r->headers_in, "Range"), f.size,
                                    &start, &len);
    }
    if (range != INVOICE_RANGE_PARTIAL) {
        start = 0;
        len = f.size;
    }
    if (range == INVOICE_RANGE_UNSATISFIABLE) {
        apr_table_setn(r->err_headers_out, "Content-Range",
                       apr_psprintf(r->pool, "bytes */%" APR_OFF_T_FMT, f.size));
        return invoice_http_send_problem(r, HTTP_RANGE_NOT_SATISFIABLE,
            "no requested range overlaps the file", NULL);
    }
    remove_byterange_filter(r);
    if (range == INVOICE_RANGE_PARTIAL) {
        r->status = HTTP_PARTIAL_CONTENT;
        apr_table_setn(r->headers_out, "Content-Range",
                       apr_psprintf(r->pool, "bytes %" APR_OFF_T_FMT "-%" APR_OFF_T_FMT
                                    "/%" APR_OFF_T_FMT, start, start + len - 1, f.size));
    }
    type = invoice_filetype_from_media(f.file_type, strlen(f.file_type));
    apr_table_setn(r->headers_out, "Content-Disposition",
                   apr_psprintf(r->pool, "attachment; filename=\"%s.%s\"",
                                route->id, invoice_filetype_ext(type)));
    ap_set_content_type(r, apr_pstrdup(r->pool, f.file_type));
    ap_set_content_length(r, len);
    if (r->header_only) {
        return DONE;
    }
    return send_file_bytes(r, route, consumer, &f, start, len);
}

invoice_handler_fn invoice_handler_for(invoice_action_t action)
{
    switch (action) {
    case INVOICE_ACTION_SENDER_CREATE: return create;
    case INVOICE_ACTION_SENDER_UPLOAD: return upload;
    case INVOICE_ACTION_SENDER_LIST: return list;
    case INVOICE_ACTION_SENDER_SHOW: return show;
    case INVOICE_ACTION_CONSUMER_LIST: return list;
    case INVOICE_ACTION_CONSUMER_SHOW: return show;
    case INVOICE_ACTION_CONSUMER_LIST_BY_SENDER: return list;
    case INVOICE_ACTION_CONSUMER_PAY: return pay;
    case INVOICE_ACTION_CONSUMER_FILE: return file;
    default: return NULL;
    }
}
