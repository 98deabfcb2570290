/* Reading request bodies.  See body.h. */
#include "httpd/body.h"

#include <http_core.h>
#include <http_protocol.h>
#include <util_filter.h>
#include <apr_strings.h>

#include "core/http/media_type.h"
#include "core/util/bigbuf.h"

#define READ_CHUNK 65536

apr_size_t invoice_body_size_hint(request_rec *r)
{
    const char *cl = apr_table_get(r->headers_in, "Content-Length");
    apr_off_t limit = ap_get_limit_req_body(r);
    apr_off_t n = 0;
    char *end;

    /* Only a hint: the HTTP_IN filter enforces both it and the limit. */
    if (cl && apr_strtoff(&n, cl, &end, 10) == APR_SUCCESS && *end == '\0'
        && n >= 0 && (limit == 0 || n <= limit)) {
        return (apr_size_t)n;
    }
    return 0;
}

int invoice_body_stream(request_rec *r, invoice_body_sink_fn sink,
                             void *ctx)
{
    apr_bucket_brigade *bb = apr_brigade_create(r->pool, r->connection->bucket_alloc);
    int seen_eos = 0, failed = 0;

    while (!seen_eos) {
        apr_status_t rv = ap_get_brigade(r->input_filters, bb, AP_MODE_READBYTES,
                                         APR_BLOCK_READ, READ_CHUNK);
        if (rv != APR_SUCCESS) {
            /* AP_FILTER_ERROR: the filter already produced 413/400. */
            return ap_map_http_request_error(rv, HTTP_BAD_REQUEST);
        }
        for (apr_bucket *b = APR_BRIGADE_FIRST(bb); b != APR_BRIGADE_SENTINEL(bb);
             b = APR_BUCKET_NEXT(b)) {
            const char *data;
            apr_size_t n;

            if (APR_BUCKET_IS_EOS(b)) {
                seen_eos = 1;
                break;
            }
            if (APR_BUCKET_IS_METADATA(b)) {
                continue;
            }
            if (apr_bucket_read(b, &data, &n, APR_BLOCK_READ) != APR_SUCCESS) {
                return HTTP_BAD_REQUEST;
            }
            /* After the sink gives up, drain the rest so the connection
             * stays usable for the next request. */
            if (!failed && n > 0) {
                failed = !sink(ctx, data, n);
            }
        }
        apr_brigade_cleanup(bb);
    }
    return OK;
}

typedef struct {
    apr_pool_t *pool;
    char *buf;
    apr_size_t used, cap;
} buffer_t;

static int append(void *ctx, const char *data, apr_size_t n)
{
    buffer_t *b = ctx;

    if (b->used + n + 1 > b->cap) {
        b->buf = invoice_bigbuf_grow(b->pool, b->buf, b->used, &b->cap,
                                     b->used + n + 1);
        if (b->buf == NULL) {
            return 0;
        }
    }
    memcpy(b->buf + b->used, data, n);
    b->used += n;
    return 1;
}

int invoice_body_read(request_rec *r, char **body, apr_size_t *len)
{
    buffer_t b = { r->pool, NULL, 0, invoice_body_size_hint(r) + 1 };
    int rv;

    if (b.cap < 8192) {
        b.cap = 8192;
    }
    b.buf = invoice_bigbuf_alloc(r->pool, b.cap);
    if (b.buf == NULL) {
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    rv = invoice_body_stream(r, append, &b);
    if (rv != OK) {
        return rv;
    }
    if (b.buf == NULL) {
        return HTTP_INTERNAL_SERVER_ERROR;  /* out of memory while growing */
    }
    b.buf[b.used] = '\0';
    *body = b.buf;
    *len = b.used;
    return OK;
}

/* A refused body is read only when it is this small at most. */
#define DISCARD_AT_MOST 65536

void invoice_body_refuse(request_rec *r)
{
    const char *cl = apr_table_get(r->headers_in, "Content-Length");
    apr_off_t n = 0;
    char *end;
    int small = apr_table_get(r->headers_in, "Transfer-Encoding") == NULL
                && (cl == NULL
                    || (apr_strtoff(&n, cl, &end, 10) == APR_SUCCESS
                        && *end == '\0' && n >= 0 && n <= DISCARD_AT_MOST));

    if (small && !(r->expecting_100 && n > 0)) {
        ap_discard_request_body(r);
        return;
    }
    /* Nothing more is read from this connection. */
    r->connection->keepalive = AP_CONN_CLOSE;
}

int invoice_body_is_json(request_rec *r)
{
    return invoice_media_type_match(apr_table_get(r->headers_in, "Content-Type"),
                                    "application/json") != NULL;
}
