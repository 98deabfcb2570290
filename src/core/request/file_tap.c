/* An uploaded file's bytes as they pass.  See file_tap.h. */
#include "core/request/file_tap.h"

#include <string.h>

#include "core/util/bigbuf.h"
#include "core/util/sha256_stream.h"

struct invoice_file_tap_t {
    apr_pool_t *pool;
    invoice_file_sink_fn sink;
    void *ctx;
    const char *failed;
    invoice_sha256_stream_t *sha;
    unsigned char head[INVOICE_FILE_HEAD_LEN];
    size_t len;
    unsigned char *buf;             /* collecting: the bytes so far */
    size_t cap;
};

invoice_file_tap_t *invoice_file_tap_make(apr_pool_t *p, size_t size_hint,
                                          invoice_file_sink_fn sink,
                                          void *ctx)
{
    invoice_file_tap_t *t = apr_pcalloc(p, sizeof(*t));

    t->pool = p;
    t->sink = sink;
    t->ctx = ctx;
    t->sha = invoice_sha256_begin(p);
    t->cap = size_hint > 0 ? size_hint : 65536;
    return t;
}

/* Collecting: one allocation when the size was known, growth otherwise. */
static const char *collect(invoice_file_tap_t *t, const char *data, size_t len)
{
    if (t->buf == NULL) {
        t->buf = invoice_bigbuf_alloc(t->pool, t->cap);
    }
    if (t->buf != NULL && t->len + len > t->cap) {
        t->buf = invoice_bigbuf_grow(t->pool, t->buf, t->len, &t->cap,
                                     t->len + len);
    }
    if (t->buf == NULL) {
        return "out of memory for the file";
    }
    memcpy(t->buf + t->len, data, len);
    return NULL;
}

const char *invoice_file_tap_feed(invoice_file_tap_t *t, const char *data,
                                  size_t len)
{
    if (t->failed == NULL && t->len < INVOICE_FILE_HEAD_LEN) {
        size_t n = INVOICE_FILE_HEAD_LEN - t->len;

        memcpy(t->head + t->len, data, n < len ? n : len);
    }
    if (t->failed == NULL) {
        t->failed = t->sink ? t->sink(t->ctx, data, len) : collect(t, data, len);
    }
    if (t->failed == NULL) {
        invoice_sha256_update(t->sha, data, len);
        t->len += len;
    }
    return t->failed;
}

size_t invoice_file_tap_size(const invoice_file_tap_t *t)
{
    return t->len;
}

void invoice_file_tap_finish(invoice_file_tap_t *t, invoice_create_t *out)
{
    out->content = t->sink ? NULL : t->buf;
    out->content_len = t->len;
    out->head = t->head;
    out->head_len = t->len < INVOICE_FILE_HEAD_LEN ? t->len
                                                   : INVOICE_FILE_HEAD_LEN;
    out->given = 1;
    invoice_sha256_end(t->sha, out->sha256);
    out->hashed = 1;
}
