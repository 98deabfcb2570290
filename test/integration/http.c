#define _POSIX_C_SOURCE 200809L
#include "http.h"

#include <curl/curl.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

static char *g_base_url;

static void *xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q) {
        fprintf(stderr, "out of memory\n");
        abort();
    }
    return q;
}

static char *xstrndup(const char *s, size_t n)
{
    char *d = xrealloc(NULL, n + 1);
    memcpy(d, s, n);
    d[n] = '\0';
    return d;
}

void http_init(const char *base_url)
{
    curl_global_init(CURL_GLOBAL_ALL);
    free(g_base_url);
    g_base_url = xstrndup(base_url, strlen(base_url));
}

void http_cleanup(void)
{
    free(g_base_url);
    g_base_url = NULL;
    curl_global_cleanup();
}

const char *http_base_url(void)
{
    return g_base_url;
}

/* State of one transfer. */
typedef struct {
    CURL *easy;
    struct curl_slist *hdrs;
    char *url;
    http_response_t *resp;
    const unsigned char *upload;   /* chunked upload source */
    size_t upload_len, upload_pos;
    int keep;                      /* session handle: do not clean up */
    const http_request_t *req;     /* for the exchange log */
} xfer_t;

static size_t on_body(char *ptr, size_t size, size_t nmemb, void *ud)
{
    http_response_t *r = ud;
    size_t n = size * nmemb;
    r->body = xrealloc(r->body, r->body_len + n + 1);
    memcpy(r->body + r->body_len, ptr, n);
    r->body_len += n;
    r->body[r->body_len] = '\0';
    return n;
}

static void clear_headers(http_response_t *r)
{
    for (size_t i = 0; i < r->nheaders; i++) {
        free(r->headers[i].name);
        free(r->headers[i].value);
    }
    free(r->headers);
    r->headers = NULL;
    r->nheaders = 0;
}

static size_t on_header(char *ptr, size_t size, size_t nitems, void *ud)
{
    http_response_t *r = ud;
    size_t n = size * nitems;
    size_t len = n;
    while (len > 0 && (ptr[len - 1] == '\r' || ptr[len - 1] == '\n'))
        len--;
    if (len >= 5 && memcmp(ptr, "HTTP/", 5) == 0) {
        /* a new (possibly interim) response starts: keep only the last */
        clear_headers(r);
        return n;
    }
    const char *colon = memchr(ptr, ':', len);
    if (!colon)
        return n;
    size_t nlen = (size_t)(colon - ptr);
    const char *v = colon + 1;
    const char *end = ptr + len;
    while (v < end && (*v == ' ' || *v == '\t'))
        v++;
    while (end > v && (end[-1] == ' ' || end[-1] == '\t'))
        end--;
    r->headers = xrealloc(r->headers, (r->nheaders + 1) * sizeof *r->headers);
    r->headers[r->nheaders].name = xstrndup(ptr, nlen);
    r->headers[r->nheaders].value = xstrndup(v, (size_t)(end - v));
    r->nheaders++;
    return n;
}

static size_t on_read(char *buf, size_t size, size_t nitems, void *ud)
{
    xfer_t *x = ud;
    size_t room = size * nitems;
    size_t left = x->upload_len - x->upload_pos;
    /* small pieces, so that the body really goes out as many chunks */
    size_t n = left < room ? left : room;
    if (n > 16384)
        n = 16384;
    memcpy(buf, x->upload + x->upload_pos, n);
    x->upload_pos += n;
    return n;
}

static int has_header(const char *const *headers, const char *name)
{
    size_t nl = strlen(name);
    for (size_t i = 0; headers && headers[i]; i++)
        if (strncasecmp(headers[i], name, nl) == 0 &&
            (headers[i][nl] == ':' || headers[i][nl] == ';'))
            return 1;
    return 0;
}

/* easy: a session's handle to reuse (its connection is kept), or NULL for
 * a fresh handle whose connection is closed after the transfer. */
static void xfer_setup(xfer_t *x, const http_request_t *req, CURL *easy)
{
    memset(x, 0, sizeof *x);
    x->resp = xrealloc(NULL, sizeof *x->resp);
    memset(x->resp, 0, sizeof *x->resp);
    x->resp->body = xrealloc(NULL, 1);
    x->resp->body[0] = '\0';

    size_t ul = strlen(g_base_url) + strlen(req->path) + 1;
    x->url = xrealloc(NULL, ul);
    snprintf(x->url, ul, "%s%s", g_base_url, req->path);
    size_t wl = strlen(req->method) + strlen(req->path) + 2;
    x->resp->what = xrealloc(NULL, wl);
    snprintf(x->resp->what, wl, "%s %s", req->method, req->path);

    CURL *e = easy;
    if (e)
        curl_easy_reset(e);
    else if (!(e = curl_easy_init()))
        abort();
    x->easy = e;
    x->keep = easy != NULL;
    x->req = req;
    curl_easy_setopt(e, CURLOPT_URL, x->url);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT, 10L);
    curl_easy_setopt(e, CURLOPT_TIMEOUT, 60L);
    curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(e, CURLOPT_PROXY, "");
    curl_easy_setopt(e, CURLOPT_FORBID_REUSE, easy ? 0L : 1L);
    curl_easy_setopt(e, CURLOPT_PATH_AS_IS, 1L);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, x->resp);
    curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(e, CURLOPT_HEADERDATA, x->resp);
    curl_easy_setopt(e, CURLOPT_PRIVATE, x);
    if (getenv("INVOICE_IT_CA"))
        curl_easy_setopt(e, CURLOPT_CAINFO, getenv("INVOICE_IT_CA"));
    if (req->client_cert) {
        curl_easy_setopt(e, CURLOPT_SSLCERT, req->client_cert);
        curl_easy_setopt(e, CURLOPT_SSLKEY, req->client_cert);
    }

    for (size_t i = 0; req->headers && req->headers[i]; i++)
        x->hdrs = curl_slist_append(x->hdrs, req->headers[i]);

    const char *m = req->method;
    if (strcmp(m, "HEAD") == 0) {
        curl_easy_setopt(e, CURLOPT_NOBODY, 1L);
    } else if (req->body) {
        curl_easy_setopt(e, CURLOPT_POST, 1L);
        if (req->chunked) {
            x->upload = req->body;
            x->upload_len = req->body_len;
            curl_easy_setopt(e, CURLOPT_READFUNCTION, on_read);
            curl_easy_setopt(e, CURLOPT_READDATA, x);
            if (!has_header(req->headers, "Transfer-Encoding"))
                x->hdrs = curl_slist_append(x->hdrs,
                                            "Transfer-Encoding: chunked");
        } else {
            curl_easy_setopt(e, CURLOPT_POSTFIELDS, (const char *)req->body);
            curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE,
                             (curl_off_t)req->body_len);
        }
        if (!has_header(req->headers, "Content-Type"))
            x->hdrs = curl_slist_append(x->hdrs, "Content-Type:");
        if (!has_header(req->headers, "Expect"))
            x->hdrs = curl_slist_append(x->hdrs, "Expect:");
        if (strcmp(m, "POST") != 0)
            curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, m);
    } else {
        curl_easy_setopt(e, CURLOPT_HTTPGET, 1L);
        if (strcmp(m, "GET") != 0)
            curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, m);
    }
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, x->hdrs);
}

/* ---- the exchange log (IT_OPENAPI_LOG) ---------------------------------
 * One JSON line per exchange, appended with one write(2) under a lock:
 * {"method","path","request_content_type","status","curl_code",
 *  "headers":[[name,value]...],"body_b64" | "body_skipped"+"body_len"}.
 * test/openapi/validate.py checks each against docs/openapi.yaml. */

typedef struct {
    char *s;
    size_t len, cap;
} sbuf_t;

static void sb_put(sbuf_t *b, const char *s, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        b->cap = (b->len + n + 1) * 2;
        b->s = xrealloc(b->s, b->cap);
    }
    memcpy(b->s + b->len, s, n);
    b->len += n;
    b->s[b->len] = '\0';
}

static void sb_str(sbuf_t *b, const char *s)
{
    sb_put(b, s, strlen(s));
}

/* A JSON string; bytes outside printable ASCII as \u00XX. */
static void sb_json(sbuf_t *b, const char *s, size_t n)
{
    char esc[8];
    sb_put(b, "\"", 1);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\') {
            esc[0] = '\\';
            esc[1] = (char)c;
            sb_put(b, esc, 2);
        } else if (c < 0x20 || c > 0x7e) {
            snprintf(esc, sizeof esc, "\\u%04x", c);
            sb_put(b, esc, 6);
        } else {
            sb_put(b, (const char *)&s[i], 1);
        }
    }
    sb_put(b, "\"", 1);
}

static void sb_base64(sbuf_t *b, const unsigned char *in, size_t n)
{
    static const char tab[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    char q[4];
    sb_put(b, "\"", 1);
    for (size_t i = 0; i < n; i += 3) {
        unsigned v = (unsigned)in[i] << 16;
        if (i + 1 < n)
            v |= (unsigned)in[i + 1] << 8;
        if (i + 2 < n)
            v |= in[i + 2];
        q[0] = tab[(v >> 18) & 63];
        q[1] = tab[(v >> 12) & 63];
        q[2] = i + 1 < n ? tab[(v >> 6) & 63] : '=';
        q[3] = i + 2 < n ? tab[v & 63] : '=';
        sb_put(b, q, 4);
    }
    sb_put(b, "\"", 1);
}

/* The value of a "Name: value" request header, or NULL. */
static const char *request_header(const char *const *headers, const char *name,
                                  size_t *len)
{
    size_t nl = strlen(name);
    for (size_t i = 0; headers && headers[i]; i++) {
        if (strncasecmp(headers[i], name, nl) == 0 && headers[i][nl] == ':') {
            const char *v = headers[i] + nl + 1;
            while (*v == ' ' || *v == '\t')
                v++;
            *len = strlen(v);
            return v;
        }
    }
    return NULL;
}

/* File bytes (not JSON) are not logged, only their length. */
static int binary_body(const http_response_t *r)
{
    const char *ct = http_header(r, "Content-Type");
    return ct && (strncasecmp(ct, "application/pdf", 15) == 0 ||
                  strncasecmp(ct, "image/", 6) == 0 ||
                  strncasecmp(ct, "application/octet-stream", 24) == 0);
}

static pthread_mutex_t g_log_lock = PTHREAD_MUTEX_INITIALIZER;

static void log_exchange(const http_request_t *req, const http_response_t *r)
{
    const char *file = getenv("IT_OPENAPI_LOG");
    char num[64];
    size_t ctl = 0;
    const char *ct;
    sbuf_t b = { NULL, 0, 0 };

    if (!file || !*file || !req)
        return;
    sb_str(&b, "{\"base\":");
    sb_json(&b, g_base_url, strlen(g_base_url));
    sb_str(&b, ",\"method\":");
    sb_json(&b, req->method, strlen(req->method));
    sb_str(&b, ",\"path\":");
    sb_json(&b, req->path, strlen(req->path));
    ct = request_header(req->headers, "Content-Type", &ctl);
    sb_str(&b, ",\"request_content_type\":");
    if (ct)
        sb_json(&b, ct, ctl);
    else
        sb_str(&b, "null");
    snprintf(num, sizeof num, ",\"status\":%ld,\"curl_code\":%d,\"headers\":[",
             r->status, r->curl_code);
    sb_str(&b, num);
    for (size_t i = 0; i < r->nheaders; i++) {
        sb_str(&b, i ? ",[" : "[");
        sb_json(&b, r->headers[i].name, strlen(r->headers[i].name));
        sb_str(&b, ",");
        sb_json(&b, r->headers[i].value, strlen(r->headers[i].value));
        sb_str(&b, "]");
    }
    sb_str(&b, "]");
    if (binary_body(r)) {
        snprintf(num, sizeof num, ",\"body_skipped\":true,\"body_len\":%zu",
                 r->body_len);
        sb_str(&b, num);
    } else {
        sb_str(&b, ",\"body_b64\":");
        sb_base64(&b, (const unsigned char *)r->body, r->body_len);
    }
    sb_str(&b, "}\n");

    pthread_mutex_lock(&g_log_lock);
    int fd = open(file, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    if (fd >= 0) {
        size_t off = 0;
        while (off < b.len) {
            ssize_t w = write(fd, b.s + off, b.len - off);
            if (w <= 0)
                break;
            off += (size_t)w;
        }
        close(fd);
    }
    pthread_mutex_unlock(&g_log_lock);
    free(b.s);
}

static http_response_t *xfer_finish(xfer_t *x, CURLcode rc)
{
    http_response_t *r = x->resp;
    r->curl_code = (int)rc;
    long status = 0;
    curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &status);
    r->status = status;
    long nc = 0;
    curl_easy_getinfo(x->easy, CURLINFO_NUM_CONNECTS, &nc);
    r->new_connections = nc;
    if (rc != CURLE_OK)
        snprintf(r->error, sizeof r->error, "%s", curl_easy_strerror(rc));
    log_exchange(x->req, r);
    if (!x->keep)
        curl_easy_cleanup(x->easy);
    curl_slist_free_all(x->hdrs);
    free(x->url);
    return r;
}

http_response_t *http_do(const http_request_t *req)
{
    xfer_t x;
    xfer_setup(&x, req, NULL);
    CURLcode rc = curl_easy_perform(x.easy);
    return xfer_finish(&x, rc);
}

http_response_t *http_request(const char *method, const char *path,
                              const char *const *headers,
                              const void *body, size_t body_len)
{
    http_request_t req = {
        .method = method, .path = path, .headers = headers,
        .body = body, .body_len = body_len, .chunked = 0,
    };
    return http_do(&req);
}

http_response_t **http_do_many(const http_request_t *reqs, size_t n)
{
    xfer_t *xs = xrealloc(NULL, n * sizeof *xs);
    http_response_t **out = xrealloc(NULL, n * sizeof *out);
    CURLM *multi = curl_multi_init();
    if (!multi)
        abort();
    curl_multi_setopt(multi, CURLMOPT_MAX_TOTAL_CONNECTIONS, 0L);
    for (size_t i = 0; i < n; i++) {
        xfer_setup(&xs[i], &reqs[i], NULL);
        curl_multi_add_handle(multi, xs[i].easy);
    }
    int running = 1;
    while (running) {
        CURLMcode mc = curl_multi_perform(multi, &running);
        if (mc != CURLM_OK)
            break;
        if (running)
            curl_multi_poll(multi, NULL, 0, 1000, NULL);
    }
    /* collect the result code of every transfer */
    CURLcode *codes = xrealloc(NULL, n * sizeof *codes);
    for (size_t i = 0; i < n; i++)
        codes[i] = CURLE_FAILED_INIT;
    CURLMsg *msg;
    int left;
    while ((msg = curl_multi_info_read(multi, &left)) != NULL) {
        if (msg->msg != CURLMSG_DONE)
            continue;
        for (size_t i = 0; i < n; i++)
            if (xs[i].easy == msg->easy_handle)
                codes[i] = msg->data.result;
    }
    for (size_t i = 0; i < n; i++) {
        curl_multi_remove_handle(multi, xs[i].easy);
        out[i] = xfer_finish(&xs[i], codes[i]);
    }
    curl_multi_cleanup(multi);
    free(codes);
    free(xs);
    return out;
}

struct http_session {
    CURL *easy;
};

http_session_t *http_session_new(void)
{
    http_session_t *s = xrealloc(NULL, sizeof *s);
    if (!(s->easy = curl_easy_init()))
        abort();
    return s;
}

http_response_t *http_session_do(http_session_t *s, const http_request_t *req)
{
    xfer_t x;
    xfer_setup(&x, req, s->easy);
    CURLcode rc = curl_easy_perform(x.easy);
    return xfer_finish(&x, rc);
}

void http_session_free(http_session_t *s)
{
    if (!s)
        return;
    curl_easy_cleanup(s->easy);
    free(s);
}

void http_free_many(http_response_t **rs, size_t n)
{
    if (!rs)
        return;
    for (size_t i = 0; i < n; i++)
        http_free(rs[i]);
    free(rs);
}

const char *http_header(const http_response_t *r, const char *name)
{
    for (size_t i = 0; i < r->nheaders; i++)
        if (strcasecmp(r->headers[i].name, name) == 0)
            return r->headers[i].value;
    return NULL;
}

void http_free(http_response_t *r)
{
    if (!r)
        return;
    clear_headers(r);
    free(r->body);
    free(r->what);
    free(r);
}
