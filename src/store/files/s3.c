/* Invoice files in an S3 bucket (InvoiceFileStore s3:https://host/bucket,
 * or s3:https://BUCKET.s3.REGION.amazonaws.com): AWS S3 or any service
 * that speaks its API (MinIO, Ceph, GCS).  A file KEY is the object
 * [PREFIX/]KEY.  An upload is spooled to an unlinked temporary file, then
 * PUT whole with its SHA-256, which S3 checks against the body: after
 * commit the object is durable and complete, and a failed upload leaves
 * nothing behind.  Reads are ranged GETs streamed to the caller; there
 * are no local files (open is NULL), but presigned URLs.
 * See store/files.h, and s3_client.h for the requests themselves. */
#include "store/files.h"

#include <string.h>
#include <apr_strings.h>

#include "core/util/hex.h"
#include "core/util/sha256.h"
#include "store/files/s3_sign.h"
#include "store/files/s3_store.h"
#include "store/files/s3_xml.h"

#define LIST_PAGE 1000              /* S3's largest page */

typedef struct {
    invoice_s3_store_t *st;
    apr_pool_t *pool;
    const char *key;
    apr_file_t *spool;              /* NULL once committed or aborted */
    apr_off_t written;
} writer_t;

static const char *configure(apr_pool_t *p, const char *where,
                             const invoice_files_settings_t *settings,
                             void **state)
{
    static const invoice_files_settings_t defaults;
    invoice_s3_store_t *st = apr_pcalloc(p, sizeof(*st));
    const char *err;

    settings = settings != NULL ? settings : &defaults;
    err = invoice_s3_endpoint_parse(p, where, &st->endpoint);
    if (err == NULL) {
        err = invoice_s3_region(p, settings, &st->client.region);
    }
    if (err == NULL) {
        err = invoice_s3_creds_load(p, settings, &st->client.creds);
    }
    if (err == NULL) {
        st->client.endpoint = &st->endpoint;
        err = invoice_s3_client_configure(p, &st->client, settings->timeout);
    }
    if (err != NULL) {
        return err;
    }
    st->list_page_size = LIST_PAGE;
    *state = st;
    return NULL;
}

static void child_init(void *state, apr_pool_t *pchild)
{
    invoice_s3_store_t *st = state;
    const char *dir;

    invoice_s3_client_child_init(&st->client, pchild);
    /* Found once per process, as the user that writes there, and early:
     * apr_temp_dir_get keeps its answer in a global without a lock. */
    if (apr_temp_dir_get(&dir, pchild) == APR_SUCCESS) {
        st->spool_dir = dir;
    }
}

static invoice_files_status_t spool_failed(apr_pool_t *p, const char *what,
                                           const char *where,
                                           apr_status_t rv, const char **why)
{
    char buf[120];

    *why = apr_psprintf(p, "cannot %s %s: %s", what, where,
                        apr_strerror(rv, buf, sizeof(buf)));
    return APR_STATUS_IS_EACCES(rv) || APR_STATUS_IS_ENOENT(rv)
               ? INVOICE_FILES_MISCONFIGURED : INVOICE_FILES_UNAVAILABLE;
}

static invoice_files_status_t no_spool_dir(const char **why)
{
    *why = "no temporary directory to spool S3 uploads in (TMPDIR, /tmp, "
           "/var/tmp or /usr/tmp, writable)";
    return INVOICE_FILES_MISCONFIGURED;
}

static invoice_files_status_t begin(void *state, apr_pool_t *p,
                                    const char *key, void **out,
                                    const char **why)
{
    invoice_s3_store_t *st = state;
    writer_t *w = apr_pcalloc(p, sizeof(*w));
    const char *problem = invoice_s3_key_problem(p, &st->endpoint, key);
    char *name;
    apr_status_t rv;

    if (problem != NULL) {
        *why = problem;
        return INVOICE_FILES_MISCONFIGURED;
    }
    if (st->spool_dir == NULL) {
        return no_spool_dir(why);
    }
    name = apr_pstrcat(p, st->spool_dir, "/mod_invoice-s3-XXXXXX", NULL);
    rv = apr_file_mktemp(&w->spool, name, APR_FOPEN_CREATE | APR_FOPEN_READ
                         | APR_FOPEN_WRITE | APR_FOPEN_EXCL
                         | APR_FOPEN_BINARY, p);
    if (rv == APR_SUCCESS) {
        /* Unlinked at once: nothing is left behind, whatever happens. */
        rv = apr_file_remove(name, p);
        if (rv != APR_SUCCESS) {
            apr_file_close(w->spool);
        }
    }
    if (rv != APR_SUCCESS) {
        return spool_failed(p, "spool an upload in", st->spool_dir, rv, why);
    }
    w->st = st;
    w->pool = p;
    w->key = apr_pstrdup(p, key);
    *out = w;
    return INVOICE_FILES_OK;
}

static invoice_files_status_t put(void *writer, const char *data,
                                  apr_size_t len, const char **why)
{
    writer_t *w = writer;
    apr_status_t rv;

    if (w->spool == NULL) {
        *why = "a put after the commit or abort of the file";
        return INVOICE_FILES_MISCONFIGURED;
    }
    rv = apr_file_write_full(w->spool, data, len, NULL);
    if (rv != APR_SUCCESS) {
        return spool_failed(w->pool, "spool the upload of", w->key, rv, why);
    }
    w->written += (apr_off_t)len;
    return INVOICE_FILES_OK;
}

static void abort_write(void *writer)
{
    writer_t *w = writer;

    if (w->spool != NULL) {
        apr_file_close(w->spool);   /* unlinked: the bytes go with it */
        w->spool = NULL;
    }
}

/* The spool PUT whole, with its digest: S3 stores it only if the body it
 * received has that SHA-256. */
static invoice_files_status_t commit(void *writer, const unsigned char *sha256,
                                     apr_off_t size, const char **why)
{
    writer_t *w = writer;
    invoice_s3_request_t rq = { 0 };
    invoice_s3_answer_t answer;
    char hex[2 * INVOICE_SHA256_LEN + 1];
    invoice_files_status_t status;

    if (w->spool == NULL || size != w->written) {
        *why = apr_psprintf(w->pool, "the commit of %s names %" APR_OFF_T_FMT
                            " bytes, but %" APR_OFF_T_FMT " were put", w->key,
                            size, w->written);
        abort_write(w);
        return INVOICE_FILES_MISCONFIGURED;
    }
    invoice_hex_encode(sha256, INVOICE_SHA256_LEN, hex);
    rq.method = "PUT";
    rq.target = invoice_s3_object_path(w->pool, &w->st->endpoint, w->key);
    rq.key = invoice_s3_object_key(w->pool, &w->st->endpoint, w->key);
    rq.upload = w->spool;
    rq.upload_len = size;
    rq.upload_sha256 = hex;
    status = invoice_s3_send(&w->st->client, w->pool, &rq, &answer, why);
    abort_write(w);
    return status;
}

/* Bytes [start, start + len) of a GET, to the caller's sink, whatever
 * part of the object S3 sends: a server may ignore the Range (a 200 with
 * all of it) or send more than asked. */
typedef struct {
    invoice_store_sink_fn sink;
    void *ctx;
    apr_off_t next;                 /* the next byte wanted */
    apr_off_t end;                  /* start + len */
    int gap;                        /* S3 skipped bytes that were wanted */
} range_reader_t;

static invoice_s3_body_t range_body(void *ctx, apr_off_t offset,
                                    const char *data, apr_size_t len)
{
    range_reader_t *r = ctx;
    apr_size_t from, n;

    if (offset + (apr_off_t)len <= r->next) {
        return INVOICE_S3_BODY_MORE;        /* all before start */
    }
    if (offset > r->next) {
        r->gap = 1;
        return INVOICE_S3_BODY_ENOUGH;
    }
    from = (apr_size_t)(r->next - offset);
    n = len - from;
    if ((apr_off_t)n > r->end - r->next) {
        n = (apr_size_t)(r->end - r->next);
    }
    if (n > 0 && !r->sink(r->ctx, data + from, n)) {
        return INVOICE_S3_BODY_REFUSED;
    }
    r->next += (apr_off_t)n;
    /* Stopping early closes the connection: only when bytes are over. */
    return from + n < len ? INVOICE_S3_BODY_ENOUGH : INVOICE_S3_BODY_MORE;
}

static invoice_files_status_t read_range(void *state, apr_pool_t *p,
                                         const char *key, apr_off_t start,
                                         apr_off_t len,
                                         invoice_store_sink_fn sink, void *ctx,
                                         const char **why)
{
    invoice_s3_store_t *st = state;
    range_reader_t r = { sink, ctx, start, start + len, 0 };
    invoice_s3_request_t rq = { 0 };
    invoice_s3_answer_t answer;
    invoice_files_status_t status;
    const char *problem = invoice_s3_key_problem(p, &st->endpoint, key);

    if (problem != NULL) {
        *why = problem;
        return INVOICE_FILES_NOT_FOUND;
    }
    if (start < 0 || len < 0) {
        *why = apr_psprintf(p, "a read of %s from byte %" APR_OFF_T_FMT
                            " for %" APR_OFF_T_FMT " bytes", key, start, len);
        return INVOICE_FILES_MISCONFIGURED;
    }
    rq.method = len > 0 ? "GET" : "HEAD";   /* no bytes: does it exist? */
    rq.target = invoice_s3_object_path(p, &st->endpoint, key);
    rq.key = invoice_s3_object_key(p, &st->endpoint, key);
    rq.range = len == 0 ? NULL
               : apr_psprintf(p, "%" APR_OFF_T_FMT "-%" APR_OFF_T_FMT, start,
                              start + len - 1);
    rq.on_body = range_body;
    rq.ctx = &r;
    status = invoice_s3_send(&st->client, p, &rq, &answer, why);
    if (status == INVOICE_FILES_OK && r.gap) {
        *why = apr_psprintf(p, "S3 at %s sent object %s from beyond byte %"
                            APR_OFF_T_FMT, st->endpoint.authority, rq.key,
                            r.next);
        return INVOICE_FILES_UNAVAILABLE;
    }
    if (status == INVOICE_FILES_OK && r.next < r.end) {
        *why = apr_psprintf(p, "object %s in bucket %s ends before byte %"
                            APR_OFF_T_FMT, rq.key, st->endpoint.bucket,
                            r.end);
        return INVOICE_FILES_MISCONFIGURED;
    }
    return status;
}

static invoice_files_status_t remove_file(void *state, apr_pool_t *p,
                                          const char *key, const char **why)
{
    invoice_s3_store_t *st = state;
    invoice_s3_request_t rq = { 0 };
    invoice_s3_answer_t answer;
    const char *problem = invoice_s3_key_problem(p, &st->endpoint, key);

    if (problem != NULL) {
        *why = problem;
        return INVOICE_FILES_NOT_FOUND;
    }
    rq.method = "DELETE";
    rq.target = invoice_s3_object_path(p, &st->endpoint, key);
    rq.key = invoice_s3_object_key(p, &st->endpoint, key);
    return invoice_s3_send(&st->client, p, &rq, &answer, why);
}

/* A ListObjectsV2 request, its query canonical (libcurl signs it as
 * given): parameters sorted by name, each name=value, values encoded. */
static const char *list_target(apr_pool_t *p, const invoice_s3_store_t *st,
                               const char *token, int max_keys)
{
    const char *prefix = st->endpoint.prefix;

    return apr_psprintf(
        p, "%s?%s%s%slist-type=2&max-keys=%d%s%s",
        invoice_s3_bucket_path(p, &st->endpoint),
        token ? "continuation-token=" : "",
        token ? invoice_s3_uri_encode(p, token, 0) : "", token ? "&" : "",
        max_keys, prefix[0] ? "&prefix=" : "",
        prefix[0] ? invoice_s3_uri_encode(p, apr_pstrcat(p, prefix, "/", NULL),
                                          0) : "");
}

typedef struct {
    invoice_s3_store_t *st;
    apr_time_t before;
    int (*each)(void *ctx, const char *key);
    void *ctx;
    int go_on;                      /* 0 once each() said stop */
} sweep_t;

/* The page after *token: its objects older than before to each(), and
 * *token set to the next page's (NULL: none). */
static invoice_files_status_t list_page(sweep_t *s, apr_pool_t *pp,
                                        const char **token, const char **why)
{
    const char *prefix = s->st->endpoint.prefix;
    const char *under = prefix[0] ? apr_pstrcat(pp, prefix, "/", NULL) : "";
    size_t strip = strlen(under);
    invoice_s3_request_t rq = { 0 };
    invoice_s3_answer_t answer;
    invoice_s3_list_page_t page;
    invoice_files_status_t status;
    const char *err;

    rq.method = "GET";
    rq.target = list_target(pp, s->st, *token, s->st->list_page_size);
    status = invoice_s3_send(&s->st->client, pp, &rq, &answer, why);
    if (status != INVOICE_FILES_OK) {
        return status;
    }
    err = invoice_s3_xml_list_page(pp, answer.body, answer.len, &page);
    if (err != NULL) {
        *why = apr_psprintf(pp, "S3 at %s: %s", s->st->endpoint.authority,
                            err);
        return INVOICE_FILES_UNAVAILABLE;
    }
    for (int i = 0; s->go_on && i < page.objects->nelts; i++) {
        const invoice_s3_object_t *o =
            &APR_ARRAY_IDX(page.objects, i, invoice_s3_object_t);

        if (o->last_modified < s->before && strlen(o->key) > strip
            && strncmp(o->key, under, strip) == 0) {
            s->go_on = s->each(s->ctx, o->key + strip);
        }
    }
    *token = page.next_token;
    return INVOICE_FILES_OK;
}

/* Page by page, each in a pool of its own (a page holds up to 1000). */
static invoice_files_status_t list(void *state, apr_pool_t *p,
                                   apr_time_t before,
                                   int (*each)(void *ctx, const char *key),
                                   void *ctx, const char **why)
{
    sweep_t s = { state, before, each, ctx, 1 };
    invoice_files_status_t status;
    const char *token = NULL, *next;
    apr_pool_t *pp;

    if (apr_pool_create(&pp, p) != APR_SUCCESS) {
        *why = "out of memory for an S3 listing";
        return INVOICE_FILES_UNAVAILABLE;
    }
    do {
        next = token;
        status = list_page(&s, pp, &next, why);
        if (status == INVOICE_FILES_OK && next != NULL && token != NULL
            && strcmp(next, token) == 0) {
            *why = "S3 gave the same continuation token twice";
            status = INVOICE_FILES_UNAVAILABLE;
        }
        *why = status != INVOICE_FILES_OK ? apr_pstrdup(p, *why) : NULL;
        token = apr_pstrdup(p, next);
        apr_pool_clear(pp);
    } while (status == INVOICE_FILES_OK && s.go_on && token != NULL);
    apr_pool_destroy(pp);
    return status;
}

/* A listing of one key needs what the sweep needs: the credentials, the
 * bucket, the right to list. */
static invoice_files_status_t check(void *state, apr_pool_t *p,
                                    const char **why)
{
    invoice_s3_store_t *st = state;
    invoice_s3_request_t rq = { 0 };
    invoice_s3_answer_t answer;

    if (st->spool_dir == NULL) {
        return no_spool_dir(why);
    }
    rq.method = "GET";
    rq.target = list_target(p, st, NULL, 1);
    return invoice_s3_send(&st->client, p, &rq, &answer, why);
}

const char *invoice_s3_presign_at(void *state, apr_pool_t *p,
                                  const char *key, int seconds,
                                  apr_time_t now)
{
    invoice_s3_store_t *st = state;
    invoice_s3_presign_t in;

    if (invoice_s3_key_problem(p, &st->endpoint, key) != NULL) {
        return NULL;
    }
    in.endpoint = &st->endpoint;
    in.path = invoice_s3_object_path(p, &st->endpoint, key);
    in.region = st->client.region;
    in.creds = &st->client.creds;
    in.now = now;
    in.seconds = seconds;
    return invoice_s3_presign_get(p, &in);
}

static const char *presign(void *state, apr_pool_t *p, const char *key,
                           int seconds)
{
    return invoice_s3_presign_at(state, p, key, seconds, apr_time_now());
}

const invoice_files_ops_t invoice_files_s3 = {
    .scheme = "s3",
    .configure = configure,
    .child_init = child_init,
    .begin = begin,
    .put = put,
    .commit = commit,
    .abort = abort_write,
    .read = read_range,
    .open = NULL,                   /* no local files: read, or presign */
    .presign = presign,
    .remove = remove_file,
    .list = list,
    .check = check,
};
