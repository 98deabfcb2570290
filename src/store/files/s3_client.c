/* Requests to S3 over libcurl.  See s3_client.h. */
#include "store/files/s3_client.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <apr_lib.h>
#include <apr_strings.h>
#include <curl/curl.h>

#include "store/files/s3_xml.h"

/* The payload hash of a request without a body: SHA-256 of no bytes. */
#define EMPTY_SHA256 \
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
#define DEFAULT_TIMEOUT apr_time_from_sec(10)
#define KEEP_BODY (16 * 1024 * 1024)    /* a listing page is < 1 MiB */
#define KEEP_ERROR_BODY (64 * 1024)     /* what an error says is up front */
#define FIRST_KEEP 16384
#define BUFFER_SIZE 65536L              /* fewer, larger body callbacks */

/* One request under way. */
typedef struct {
    CURL *handle;
    const invoice_s3_request_t *rq;
    apr_pool_t *p;
    long http_status;           /* of the last answer, 0: none */
    apr_off_t first_byte;       /* of a 206 (Content-Range), or -1 */
    apr_off_t body_seen;        /* bytes of this answer's body so far */
    int no_range;               /* a 206 without a Content-Range */
    char *kept;                 /* the body, when not given to on_body */
    apr_size_t kept_len, kept_cap;
    int enough;                 /* on_body had all it wanted */
    int refused;                /* on_body refused the bytes */
    int too_big;                /* a body over KEEP_BODY */
    apr_status_t upload_error;
} transfer_t;

const char *invoice_s3_client_configure(apr_pool_t *p,
                                        invoice_s3_client_t *c,
                                        apr_interval_time_t timeout)
{
    const curl_version_info_data *v = curl_version_info(CURLVERSION_NOW);

    if (timeout <= 0) {
        timeout = DEFAULT_TIMEOUT;
    }
    c->connect_ms = (long)apr_time_as_msec(timeout) > 0
                        ? (long)apr_time_as_msec(timeout) : 1;
    c->stall_seconds = (long)((timeout + APR_USEC_PER_SEC - 1)
                              / APR_USEC_PER_SEC);
    c->sigv4 = apr_pstrcat(p, "aws:amz:", c->region, ":s3", NULL);
    if (v->version_num < 0x075500) {
        return apr_psprintf(p, "libcurl %s is too old for S3 stores (7.85 "
                            "or later is needed)", v->version);
    }
    if (strcmp(c->endpoint->scheme, "https") == 0
        && !(v->features & CURL_VERSION_SSL)) {
        return apr_psprintf(p, "libcurl %s has no TLS: it cannot reach %s",
                            v->version, c->endpoint->origin);
    }
    return NULL;
}

static apr_status_t release_libcurl(void *unused)
{
    curl_global_cleanup();
    return APR_SUCCESS;
}

static apr_status_t release_handles(void *data)
{
    invoice_s3_client_t *c = data;

    while (c->idle->nelts > 0) {
        curl_easy_cleanup(*(CURL **)apr_array_pop(c->idle));
    }
    c->lock = NULL;
    c->idle = NULL;
    return APR_SUCCESS;
}

void invoice_s3_client_child_init(invoice_s3_client_t *c, apr_pool_t *pchild)
{
    apr_allocator_t *allocator;
    apr_pool_t *pool;
    apr_thread_mutex_t *lock;

    /* libcurl counts its initialisations: one per store and process. */
    if (c->lock != NULL || curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        return;
    }
    apr_pool_cleanup_register(pchild, NULL, release_libcurl,
                              apr_pool_cleanup_null);
    /* The list grows while threads run, under the lock only: a pool with
     * an allocator of its own (pchild's may have no mutex). */
    if (apr_allocator_create(&allocator) != APR_SUCCESS) {
        return;
    }
    if (apr_pool_create_ex(&pool, pchild, NULL, allocator) != APR_SUCCESS) {
        apr_allocator_destroy(allocator);
        return;
    }
    apr_allocator_owner_set(allocator, pool);
    apr_pool_tag(pool, "invoice_s3_handles");
    c->idle = apr_array_make(pool, 16, sizeof(CURL *));
    apr_pool_cleanup_register(pool, c, release_handles,
                              apr_pool_cleanup_null);
    if (apr_thread_mutex_create(&lock, APR_THREAD_MUTEX_DEFAULT, pool)
        == APR_SUCCESS) {
        c->lock = lock;     /* last: the client is ready */
    }
}

static CURL *take_handle(invoice_s3_client_t *c)
{
    CURL *h = NULL;

    if (apr_thread_mutex_lock(c->lock) == APR_SUCCESS) {
        if (c->idle->nelts > 0) {
            h = *(CURL **)apr_array_pop(c->idle);
        }
        apr_thread_mutex_unlock(c->lock);
    }
    return h != NULL ? h : curl_easy_init();
}

/* Reset before it waits: it keeps its connections, and no pointer into
 * the request that ends (error buffer, headers, callbacks' data). */
static void give_back(invoice_s3_client_t *c, CURL *h)
{
    curl_easy_reset(h);
    if (apr_thread_mutex_lock(c->lock) != APR_SUCCESS) {
        curl_easy_cleanup(h);
        return;
    }
    *(CURL **)apr_array_push(c->idle) = h;
    apr_thread_mutex_unlock(c->lock);
}

static apr_status_t free_headers(void *list)
{
    curl_slist_free_all(list);
    return APR_SUCCESS;
}

/* The payload hash, and the session token of temporary credentials:
 * libcurl signs every header given here. */
static struct curl_slist *headers_for(const invoice_s3_client_t *c,
                                      apr_pool_t *p,
                                      const invoice_s3_request_t *rq)
{
    const char *token = c->creds.session_token;
    struct curl_slist *list = curl_slist_append(NULL, apr_pstrcat(
        p, "x-amz-content-sha256: ",
        rq->upload_sha256 != NULL ? rq->upload_sha256 : EMPTY_SHA256, NULL));

    if (list != NULL && token != NULL
        && curl_slist_append(list, apr_pstrcat(p, "x-amz-security-token: ",
                                               token, NULL)) == NULL) {
        curl_slist_free_all(list);
        return NULL;
    }
    if (list != NULL) {
        apr_pool_cleanup_register(p, list, free_headers,
                                  apr_pool_cleanup_null);
    }
    return list;
}

/* Keep a body in memory: a 2xx one whole (up to KEEP_BODY), an error's
 * first KEEP_ERROR_BODY bytes.  0 to stop the transfer. */
static int keep(transfer_t *t, const char *data, apr_size_t len, int success)
{
    apr_size_t limit = success ? KEEP_BODY : KEEP_ERROR_BODY;

    if (t->kept_len + len > limit) {
        if (success) {
            t->too_big = 1;
            return 0;
        }
        len = limit - t->kept_len;
    }
    if (t->kept_len + len + 1 > t->kept_cap) {
        apr_size_t cap = t->kept_cap ? t->kept_cap : FIRST_KEEP;
        char *bigger;

        while (cap < t->kept_len + len + 1) {
            cap *= 2;
        }
        bigger = apr_palloc(t->p, cap);
        if (t->kept_len > 0) {
            memcpy(bigger, t->kept, t->kept_len);
        }
        t->kept = bigger;
        t->kept_cap = cap;
    }
    memcpy(t->kept + t->kept_len, data, len);
    t->kept_len += len;
    t->kept[t->kept_len] = '\0';
    return 1;
}

/* The first byte of "Content-Range: bytes FIRST-LAST/SIZE", or -1. */
static apr_off_t range_start(const char *value, size_t len)
{
    char text[64], *v = text, *end;
    apr_int64_t first;

    len = len < sizeof(text) - 1 ? len : sizeof(text) - 1;
    memcpy(text, value, len);
    text[len] = '\0';
    while (*v == ' ' || *v == '\t') {
        v++;
    }
    if (strncasecmp(v, "bytes ", 6) != 0 || !apr_isdigit(v[6])) {
        return -1;
    }
    first = apr_strtoi64(v + 6, &end, 10);
    return *end == '-' && first >= 0 ? (apr_off_t)first : -1;
}

/* Each header line of each answer (a 100 Continue comes before the
 * answer itself). */
static size_t on_header(char *line, size_t size, size_t n, void *ctx)
{
    transfer_t *t = ctx;
    size_t len = size * n;

    if (len > 5 && strncmp(line, "HTTP/", 5) == 0) {
        t->first_byte = -1;
        t->body_seen = 0;
    } else if (len > 14 && strncasecmp(line, "content-range:", 14) == 0) {
        t->first_byte = range_start(line + 14, len - 14);
    }
    return len;
}

/* Where a 2xx body's data[0] is in the object; -1 when S3 did not say. */
static apr_off_t body_offset(transfer_t *t, long status, size_t len)
{
    apr_off_t at = status == 206 ? t->first_byte : 0;

    if (at < 0) {
        t->no_range = 1;
        return -1;
    }
    at += t->body_seen;
    t->body_seen += (apr_off_t)len;
    return at;
}

static size_t on_write(char *data, size_t size, size_t n, void *ctx)
{
    transfer_t *t = ctx;
    size_t len = size * n;
    long status = 0;
    apr_off_t offset;
    int success;

    curl_easy_getinfo(t->handle, CURLINFO_RESPONSE_CODE, &status);
    success = status >= 200 && status < 300;
    if (!success || t->rq->on_body == NULL) {
        return keep(t, data, len, success) ? len : 0;
    }
    if ((offset = body_offset(t, status, len)) < 0) {
        return 0;
    }
    switch (t->rq->on_body(t->rq->ctx, offset, data, len)) {
    case INVOICE_S3_BODY_MORE:
        return len;
    case INVOICE_S3_BODY_ENOUGH:
        t->enough = 1;
        return 0;
    default:
        t->refused = 1;
        return 0;
    }
}

static size_t on_read(char *buf, size_t size, size_t n, void *ctx)
{
    transfer_t *t = ctx;
    apr_size_t len = size * n;
    apr_status_t rv = apr_file_read(t->rq->upload, buf, &len);

    if (rv == APR_SUCCESS) {
        return len;
    }
    if (APR_STATUS_IS_EOF(rv)) {
        return 0;
    }
    t->upload_error = rv;
    return CURL_READFUNC_ABORT;
}

/* libcurl rewinds an upload it must send again (a reused connection
 * that had closed). */
static int on_seek(void *ctx, curl_off_t offset, int origin)
{
    transfer_t *t = ctx;
    apr_off_t at = (apr_off_t)offset;

    if (origin != SEEK_SET) {
        return CURL_SEEKFUNC_CANTSEEK;
    }
    return apr_file_seek(t->rq->upload, APR_SET, &at) == APR_SUCCESS
               ? CURL_SEEKFUNC_OK : CURL_SEEKFUNC_FAIL;
}

/* What every request does: signed, bounded in time, no redirect (it
 * would need signing again), the path sent exactly as signed. */
static int set_common(const invoice_s3_client_t *c, apr_pool_t *p,
                      transfer_t *t, struct curl_slist *headers,
                      char *errbuf)
{
    CURL *h = t->handle;
    int ok = 1;

    ok &= curl_easy_setopt(h, CURLOPT_URL, apr_pstrcat(
        p, c->endpoint->origin, t->rq->target, NULL)) == CURLE_OK;
    ok &= curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L) == CURLE_OK;
    /* S3 speaks HTTP/1.1 (and that is what the signing was tested on). */
    ok &= curl_easy_setopt(h, CURLOPT_HTTP_VERSION,
                           (long)CURL_HTTP_VERSION_1_1) == CURLE_OK;
    ok &= curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https")
          == CURLE_OK;
    ok &= curl_easy_setopt(h, CURLOPT_PATH_AS_IS, 1L) == CURLE_OK;
    ok &= curl_easy_setopt(h, CURLOPT_AWS_SIGV4, c->sigv4) == CURLE_OK;
    ok &= curl_easy_setopt(h, CURLOPT_USERNAME, c->creds.access_key_id)
          == CURLE_OK;
    ok &= curl_easy_setopt(h, CURLOPT_PASSWORD, c->creds.secret_access_key)
          == CURLE_OK;
    ok &= curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers) == CURLE_OK;
    ok &= curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, c->connect_ms)
          == CURLE_OK;
    ok &= curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, 1L) == CURLE_OK;
    ok &= curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME, c->stall_seconds)
          == CURLE_OK;
    ok &= curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf) == CURLE_OK;
    ok &= curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_write) == CURLE_OK;
    ok &= curl_easy_setopt(h, CURLOPT_WRITEDATA, t) == CURLE_OK;
    ok &= curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header) == CURLE_OK;
    ok &= curl_easy_setopt(h, CURLOPT_HEADERDATA, t) == CURLE_OK;
    ok &= curl_easy_setopt(h, CURLOPT_BUFFERSIZE, BUFFER_SIZE) == CURLE_OK;
    ok &= curl_easy_setopt(h, CURLOPT_USERAGENT, "mod_invoice") == CURLE_OK;
    return ok;
}

static int set_method(transfer_t *t)
{
    const invoice_s3_request_t *rq = t->rq;
    CURL *h = t->handle;
    apr_off_t start = 0;
    apr_status_t rv;
    int ok = 1;

    if (rq->range != NULL) {
        ok &= curl_easy_setopt(h, CURLOPT_RANGE, rq->range) == CURLE_OK;
    }
    if (strcmp(rq->method, "HEAD") == 0) {
        ok &= curl_easy_setopt(h, CURLOPT_NOBODY, 1L) == CURLE_OK;
    } else if (strcmp(rq->method, "DELETE") == 0) {
        ok &= curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, "DELETE")
              == CURLE_OK;
    } else if (strcmp(rq->method, "PUT") == 0) {
        if ((rv = apr_file_seek(rq->upload, APR_SET, &start)) != APR_SUCCESS) {
            t->upload_error = rv;
            return 0;
        }
        ok &= curl_easy_setopt(h, CURLOPT_UPLOAD, 1L) == CURLE_OK;
        ok &= curl_easy_setopt(h, CURLOPT_READFUNCTION, on_read) == CURLE_OK;
        ok &= curl_easy_setopt(h, CURLOPT_READDATA, t) == CURLE_OK;
        ok &= curl_easy_setopt(h, CURLOPT_SEEKFUNCTION, on_seek) == CURLE_OK;
        ok &= curl_easy_setopt(h, CURLOPT_SEEKDATA, t) == CURLE_OK;
        ok &= curl_easy_setopt(h, CURLOPT_INFILESIZE_LARGE,
                               (curl_off_t)rq->upload_len) == CURLE_OK;
    }
    return ok;
}

/* No usable answer: why, from libcurl's words. */
static invoice_files_status_t failed_transfer(const invoice_s3_client_t *c,
                                              apr_pool_t *p,
                                              const transfer_t *t,
                                              CURLcode rc, const char *err,
                                              const char **why)
{
    const char *host = c->endpoint->authority;
    char buf[120];

    err = err[0] != '\0' ? err : curl_easy_strerror(rc);
    if (t->refused) {
        *why = "the reader of the file stopped taking its bytes";
        return INVOICE_FILES_ABORTED;
    }
    if (t->too_big || t->no_range) {
        *why = apr_psprintf(p, "S3 at %s sent %s", host, t->too_big
                            ? "an answer over 16 MiB"
                            : "part of an object without a Content-Range");
        return INVOICE_FILES_UNAVAILABLE;
    }
    if (t->upload_error != APR_SUCCESS) {
        *why = apr_psprintf(p, "cannot read the spool file of an upload: %s",
                            apr_strerror(t->upload_error, buf, sizeof(buf)));
        return INVOICE_FILES_UNAVAILABLE;
    }
    switch (rc) {
    case CURLE_PEER_FAILED_VERIFICATION: case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_CERTPROBLEM: case CURLE_SSL_ISSUER_ERROR:
        *why = apr_psprintf(p, "the TLS certificate of S3 at %s was refused:"
                            " %s", host, err);
        return INVOICE_FILES_MISCONFIGURED;
    case CURLE_UNSUPPORTED_PROTOCOL: case CURLE_URL_MALFORMAT:
    case CURLE_NOT_BUILT_IN: case CURLE_UNKNOWN_OPTION:
    case CURLE_BAD_FUNCTION_ARGUMENT:
        *why = apr_psprintf(p, "libcurl cannot reach S3 at %s: %s", host, err);
        return INVOICE_FILES_MISCONFIGURED;
    default:
        *why = apr_psprintf(p, "no answer from S3 at %s: %s", host, err);
        return INVOICE_FILES_UNAVAILABLE;
    }
}

/* Codes that say "try again" whatever their HTTP status. */
static int passing(const char *code)
{
    static const char *const codes[] = {
        "RequestTimeout", "OperationAborted", "SlowDown", "InternalError",
        "ServiceUnavailable", "XAmzContentSHA256Mismatch", "BadDigest",
    };

    for (size_t i = 0; code != NULL && i < sizeof(codes) / sizeof(*codes);
         i++) {
        if (strcmp(code, codes[i]) == 0) {
            return 1;
        }
    }
    return 0;
}

/* An answer other than 2xx: what it means for the caller. */
static invoice_files_status_t refused(const invoice_s3_client_t *c,
                                      apr_pool_t *p,
                                      const invoice_s3_request_t *rq,
                                      const invoice_s3_answer_t *a,
                                      const char **why)
{
    const char *code, *msg, *said;
    const char *host = c->endpoint->authority, *bucket = c->endpoint->bucket;
    long s = a->http_status;

    invoice_s3_xml_error(p, a->body, a->len, &code, &msg);
    said = code == NULL ? apr_psprintf(p, "HTTP %ld", s)
           : apr_pstrcat(p, code, msg ? ": " : "", msg ? msg : "", NULL);
    if (s == 404 && (rq->key == NULL
                     || (code != NULL && strcmp(code, "NoSuchBucket") == 0))) {
        *why = apr_psprintf(p, "no bucket %s at %s", bucket, host);
        return INVOICE_FILES_MISCONFIGURED;
    }
    if (s == 404) {
        *why = apr_psprintf(p, "no object %s in bucket %s", rq->key, bucket);
        return INVOICE_FILES_NOT_FOUND;
    }
    if (s == 403) {
        *why = apr_psprintf(p, "S3 refused the credentials for bucket %s: %s",
                            bucket, said);
        return INVOICE_FILES_MISCONFIGURED;
    }
    if (s >= 500 || s == 408 || s == 429 || passing(code)) {
        *why = apr_psprintf(p, "S3 at %s answered %ld: %s", host, s, said);
        return INVOICE_FILES_UNAVAILABLE;
    }
    if (s >= 300 && s < 400) {
        *why = apr_psprintf(p, "S3 at %s sends bucket %s elsewhere (%ld, %s):"
                            " are the endpoint and the region right?", host,
                            bucket, s, said);
        return INVOICE_FILES_MISCONFIGURED;
    }
    *why = apr_psprintf(p, "S3 at %s refused a request for bucket %s (%ld, "
                        "%s)", host, bucket, s, said);
    return INVOICE_FILES_MISCONFIGURED;
}

static CURLcode perform(invoice_s3_client_t *c, apr_pool_t *p, transfer_t *t,
                        char *errbuf)
{
    struct curl_slist *headers = headers_for(c, p, t->rq);
    CURLcode rc;

    t->handle = headers != NULL ? take_handle(c) : NULL;
    if (t->handle == NULL) {
        return CURLE_OUT_OF_MEMORY;
    }
    rc = set_common(c, p, t, headers, errbuf) && set_method(t)
             ? curl_easy_perform(t->handle) : CURLE_BAD_FUNCTION_ARGUMENT;
    if (rc == CURLE_WRITE_ERROR && t->enough) {
        rc = CURLE_OK;
    }
    curl_easy_getinfo(t->handle, CURLINFO_RESPONSE_CODE, &t->http_status);
    give_back(c, t->handle);
    return rc;
}

invoice_files_status_t invoice_s3_send(invoice_s3_client_t *c, apr_pool_t *p,
                                       const invoice_s3_request_t *rq,
                                       invoice_s3_answer_t *answer,
                                       const char **why)
{
    transfer_t t;
    char errbuf[CURL_ERROR_SIZE] = "";
    CURLcode rc;

    memset(&t, 0, sizeof(t));
    memset(answer, 0, sizeof(*answer));
    if (c->lock == NULL) {
        *why = "the S3 store is not ready in this process (no child_init)";
        return INVOICE_FILES_UNAVAILABLE;
    }
    t.rq = rq;
    t.p = p;
    rc = perform(c, p, &t, errbuf);
    answer->http_status = t.http_status;
    answer->body = t.kept != NULL ? t.kept : "";
    answer->len = t.kept_len;
    if (rc != CURLE_OK) {
        return failed_transfer(c, p, &t, rc, errbuf, why);
    }
    if (answer->http_status >= 200 && answer->http_status < 300) {
        return INVOICE_FILES_OK;
    }
    return refused(c, p, rq, answer, why);
}
