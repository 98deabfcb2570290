/* The file download: validators, conditional requests, one byte range,
 * HEAD, and the bytes from the store: a small file from memory, a larger
 * one spooled (spool.h) so that no thread or database connection waits on
 * a slow client.  See handlers.h. */
#include "httpd/handlers.h"

#include <http_protocol.h>
#include <http_request.h>
#include <apr_strings.h>

#include "core/filetype.h"
#include "core/http/byte_range.h"
#include "core/util/hex.h"
#include "core/util/sha256.h"
#include "httpd/counters.h"
#include "httpd/filecache.h"
#include "httpd/filein.h"
#include "httpd/private.h"
#include "httpd/respond.h"
#include "httpd/spool.h"
#include "httpd/transfers.h"

/* The bytes of the answer: all of the file, or one range of it. */
typedef struct {
    invoice_range_t kind;
    apr_off_t start, len;
} span_t;

static const char *etag_of(apr_pool_t *p, const unsigned char *sha256)
{
    char hex[2 * INVOICE_SHA256_LEN + 1];

    invoice_hex_encode(sha256, INVOICE_SHA256_LEN, hex);
    return apr_pstrcat(p, "\"", hex, "\"", NULL);
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

/* The bytes of a span, ready before any header goes out (so that a
 * failure to get them is still a clean error answer): in memory when they
 * are few and all in the file's first chunk, else spooled. */
typedef struct {
    const char *memory;         /* or: */
    apr_file_t *file;           /* [offset, offset + len) of it */
    apr_off_t offset;
} body_t;

static int spooling_failed(invoice_call_t *call, invoice_store_status_t status)
{
    request_rec *r = call->r;

    if (status != INVOICE_STORE_ABORTED) {
        return invoice_h_store_failure(call, status);
    }
    return invoice_send_unavailable(r, "the file cannot be prepared for "
                                    "sending now; retry later", NULL);
}

/* The bytes from this database: the first chunk is in memory already. */
static int fetch_from_db(invoice_call_t *call, const invoice_file_t *f,
                         const span_t *span, body_t *body)
{
    apr_off_t head = span->start < (apr_off_t)f->head_len
                         ? (apr_off_t)f->head_len - span->start : 0;
    invoice_store_status_t status = INVOICE_STORE_OK;
    invoice_spool_t spool;

    head = head > span->len ? span->len : head;
    if (head == span->len && span->len <= INVOICE_SPOOL_ABOVE) {
        /* The usual case: the bytes stay in the store's result until
         * r->pool goes, which httpd does only after they are written. */
        body->memory = (const char *)f->head + span->start;
        return OK;
    }
    if (!invoice_spool_open(call->r, &spool)) {
        return spooling_failed(call, INVOICE_STORE_ABORTED);
    }
    if (head > 0 && !invoice_spool_write(&spool,
                                         (const char *)f->head + span->start,
                                         (apr_size_t)head)) {
        status = INVOICE_STORE_ABORTED;
    }
    if (status == INVOICE_STORE_OK && head < span->len) {
        status = invoice_store_file_range(call->store, call->caller.id,
                                          call->route->id, span->start + head,
                                          span->len - head,
                                          invoice_spool_write, &spool);
    }
    body->file = spool.file;
    body->offset = 0;
    return status == INVOICE_STORE_OK ? OK : spooling_failed(call, status);
}

/* The bytes of the span, from where the file is.  On a failure the answer
 * is not the file's: none of its headers (validators, caching) go with it.
 * DECLINED, unanswered, when kept facts (filecache.h) named a store the
 * file is not in. */
static int fetch_bytes(invoice_call_t *call, const invoice_file_t *f,
                       const span_t *span, int kept, body_t *body)
{
    request_rec *r = call->r;
    apr_table_t *file_headers = r->headers_out;
    int rv;

    memset(body, 0, sizeof(*body));
    r->headers_out = apr_table_make(r->pool, 4);
    if (f->file_store == NULL) {
        rv = fetch_from_db(call, f, span, body);
    }
    else {
        rv = (kept ? invoice_file_in_open_kept : invoice_file_in_open)(
            r, f->file_store, call->route->id, span->start, span->len,
            &body->file, &body->offset);
    }
    if (rv == OK) {
        r->headers_out = file_headers;
    }
    return rv;
}

static int send_body(request_rec *r, const body_t *body, const span_t *span)
{
    apr_bucket_brigade *bb;

    bb = apr_brigade_create(r->pool, r->connection->bucket_alloc);
    if (body->memory != NULL) {
        APR_BRIGADE_INSERT_TAIL(bb, apr_bucket_pool_create(
            body->memory, (apr_size_t)span->len, r->pool, bb->bucket_alloc));
    }
    else {
        apr_brigade_insert_file(bb, body->file, body->offset, span->len,
                                r->pool);
    }
    APR_BRIGADE_INSERT_TAIL(bb, apr_bucket_eos_create(bb->bucket_alloc));
    return ap_pass_brigade(r->output_filters, bb) == APR_SUCCESS
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

/* What to send: the Range (unless If-Range does not match) against the
 * file's size. */
static span_t span_of(request_rec *r, apr_off_t size)
{
    span_t span = { INVOICE_RANGE_FULL, 0, size };

    /* If-Range that does not match: the whole file, whatever Range says. */
    if (ap_condition_if_range(r, r->headers_out) != AP_CONDITION_NOMATCH) {
        span.kind = invoice_range_parse(apr_table_get(r->headers_in, "Range"),
                                        size, &span.start, &span.len);
    }
    if (span.kind != INVOICE_RANGE_PARTIAL) {
        span.start = 0;
        span.len = size;
    }
    return span;
}

/* The delivery receipt (first_downloaded_at, and its event), written on
 * the first download only: the file row said whether it was.  A failure
 * does not stop the download; the next one writes it. */
static void note_first_download(invoice_call_t *call, invoice_file_t *f)
{
    invoice_store_status_t status = invoice_store_downloaded(
        call->store, call->caller.id, call->route->id);

    f->downloaded = status == INVOICE_STORE_OK;
    if (status != INVOICE_STORE_OK) {
        ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, call->r, INVLOGNO(00106)
                      "the first download of %s could not be recorded; the "
                      "next download records it", call->route->id);
    }
}

/* To a presigned URL of the store (the caller's scope was checked): it
 * expires, so nobody may keep this answer. */
static int send_redirect(request_rec *r, const char *url)
{
    apr_bucket_brigade *bb = apr_brigade_create(r->pool,
                                                r->connection->bucket_alloc);

    r->status = HTTP_MOVED_TEMPORARILY;
    apr_table_setn(r->headers_out, "Location", url);
    apr_table_setn(r->headers_out, "Cache-Control", "no-store");
    ap_set_content_length(r, 0);
    APR_BRIGADE_INSERT_TAIL(bb, apr_bucket_eos_create(bb->bucket_alloc));
    return ap_pass_brigade(r->output_filters, bb) == APR_SUCCESS
               ? DONE : AP_FILTER_ERROR;
}

/* The bytes (none for HEAD), then the headers of a 200 or 206 and the
 * bytes.  Facts from the database are kept for the next download once its
 * receipt is written (filecache.h). */
static int send_file(invoice_call_t *call, invoice_file_t *f,
                     const span_t *span, int kept)
{
    request_rec *r = call->r;
    invoice_filetype_t type = invoice_filetype_from_media(f->file_type,
                                                          strlen(f->file_type));
    body_t body;
    const char *elsewhere = f->file_store
        ? invoice_file_in_redirect(r, f->file_store, call->route->id) : NULL;
    int rv;

    if (elsewhere != NULL) {
        return send_redirect(r, elsewhere);
    }
    rv = r->header_only ? OK : fetch_bytes(call, f, span, kept, &body);
    if (rv != OK) {
        return rv;
    }
    if (!r->header_only && !f->downloaded) {
        note_first_download(call, f);
    }
    if (!kept) {
        invoice_filecache_put(call->caller.id, call->route->id, f);
    }
    remove_byterange_filter(r);
    if (span->kind == INVOICE_RANGE_PARTIAL) {
        r->status = HTTP_PARTIAL_CONTENT;
        apr_table_setn(r->headers_out, "Content-Range",
                       apr_psprintf(r->pool, "bytes %" APR_OFF_T_FMT "-%"
                                    APR_OFF_T_FMT "/%" APR_OFF_T_FMT, span->start,
                                    span->start + span->len - 1, f->size));
    }
    apr_table_setn(r->headers_out, "Content-Disposition",
                   apr_psprintf(r->pool, "attachment; filename=\"%s.%s\"",
                                call->route->id, invoice_filetype_ext(type)));
    ap_set_content_type(r, apr_pstrdup(r->pool, f->file_type));
    ap_set_content_length(r, span->len);
    return r->header_only ? DONE : send_body(r, &body, span);
}

/* The answer from the file's facts: validators, conditions, the range,
 * the bytes.  DECLINED, unanswered, when kept facts named a store the file
 * is no longer in. */
static int answer(invoice_call_t *call, invoice_file_t *f, int kept)
{
    request_rec *r = call->r;
    span_t span;
    int cond;

    set_file_headers(r, f);
    /* If-None-Match, If-Modified-Since (and If-Match ...) as httpd does
     * them for static files. */
    cond = ap_meets_conditions(r);
    if (cond != OK) {
        r->status = cond;
        return cond == HTTP_NOT_MODIFIED
                   ? DONE
                   : invoice_send_problem(r, cond, "precondition failed", NULL);
    }
    ap_set_accept_ranges(r);
    span = span_of(r, f->size);
    if (span.kind == INVOICE_RANGE_UNSATISFIABLE) {
        apr_table_setn(r->err_headers_out, "Content-Range",
                       apr_psprintf(r->pool, "bytes */%" APR_OFF_T_FMT, f->size));
        return invoice_send_problem(r, HTTP_RANGE_NOT_SATISFIABLE,
                                    "no requested range overlaps the file", NULL);
    }
    return send_file(call, f, &span, kept);
}

/* From the facts the children kept (filecache.h), when they have them;
 * else, or when the file moved since, from the database. */
int invoice_h_download(invoice_call_t *call)
{
    request_rec *r = call->r;
    invoice_file_t f;
    invoice_store_status_t status;

    /* HEAD moves no file bytes: it takes no place. */
    if (!r->header_only && !invoice_transfer_admit(r, INVOICE_TRANSFER_DOWNLOAD)) {
        return DONE;
    }
    if (invoice_filecache_get(r->pool, call->caller.id, call->route->id, &f)) {
        apr_table_t *headers = apr_table_copy(r->pool, r->headers_out);
        int rv = answer(call, &f, 1);

        if (rv != DECLINED) {
            invoice_count(INVOICE_COUNT_DOWNLOADS_KEPT, 1);
            return rv;
        }
        invoice_count(INVOICE_COUNT_DOWNLOADS_MOVED, 1);
        invoice_filecache_forget(call->route->id);
        r->headers_out = headers;
    }
    status = invoice_store_file(call->store, call->caller.id, call->route->id,
                                &f);
    if (status != INVOICE_STORE_OK) {
        return invoice_h_store_failure(call, status);
    }
    return answer(call, &f, 0);
}
