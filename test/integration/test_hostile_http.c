/* Hostile HTTP: what httpd itself does with a request before (or instead
 * of) the module's handler, and what the module echoes back.
 *
 *   - multipart part names that are not UTF-8, echoed in a 422's errors
 *   - Expect: 100-continue on a request refused before its body is read
 *     (no interim 100, the final status at once), and on one accepted
 *   - an unknown expectation (417), an HTTP/0.9 request line
 *   - the health endpoints answer their exact paths only
 *   - httpd's own errors (answered through an ErrorDocument, an internal
 *     redirect) logged with the real method and route
 *   - ServerTokens Prod: no version in the Server header
 *
 * Raw socket exchanges here read responses step by step (the interim 100,
 * then the final status) with every wait bounded by a few seconds; all the
 * I/O of a case is done before its assertions, so a failing assertion never
 * leaves a socket open. */
#define _GNU_SOURCE
#include "tests.h"
#include "wire.h"

#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* ---- strict UTF-8 ---------------------------------------------------------- */

/* Offset of the first byte that is not well-formed UTF-8 (RFC 3629: no
 * overlong forms, no surrogates, nothing above U+10FFFF), or -1. */
static long utf8_invalid_at(const unsigned char *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        unsigned char c = s[i];
        size_t k;
        unsigned long cp, min;
        if (c < 0x80) {
            i++;
            continue;
        } else if (c >= 0xc2 && c <= 0xdf) {
            k = 1, cp = c & 0x1f, min = 0x80;
        } else if (c >= 0xe0 && c <= 0xef) {
            k = 2, cp = c & 0x0f, min = 0x800;
        } else if (c >= 0xf0 && c <= 0xf4) {
            k = 3, cp = c & 0x07, min = 0x10000;
        } else {
            return (long)i;   /* continuation byte, 0xc0/0xc1, 0xf5.. */
        }
        for (size_t j = 1; j <= k; j++) {
            if (i + j >= n || (s[i + j] & 0xc0) != 0x80)
                return (long)i;
            cp = (cp << 6) | (s[i + j] & 0x3f);
        }
        if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
            return (long)i;
        i += k + 1;
    }
    return -1;
}

/* s (n bytes) with every byte outside printable ASCII as \xHH, for
 * messages (static buffer). */
static const char *shown(const void *p, size_t n)
{
    static char out[1024];
    const unsigned char *s = p;
    size_t o = 0;
    for (size_t i = 0; i < n && o + 5 < sizeof out; i++) {
        if (s[i] >= 0x20 && s[i] < 0x7f)
            out[o++] = (char)s[i];
        else
            o += (size_t)snprintf(out + o, sizeof out - o, "\\x%02x", s[i]);
    }
    out[o] = '\0';
    return out;
}

/* ---- raw connections, step by step ---------------------------------------- */

static long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

typedef struct {
    int fd;
    buf_t in;      /* all bytes received */
    size_t used;   /* bytes of in already handed out (heads, bodies) */
    int closed;    /* the server closed its side */
} conn_t;

/* Connect to INVOICE_BASE_URL's host and port; 0 on failure. */
static int conn_open(conn_t *c)
{
    memset(c, 0, sizeof *c);
    c->fd = -1;
    const char *u = http_base_url();
    const char *h = strstr(u, "://");
    h = h ? h + 3 : u;
    const char *colon = strrchr(h, ':');
    char host[128], port[16];
    if (!colon || (size_t)(colon - h) >= sizeof host)
        return 0;
    memcpy(host, h, (size_t)(colon - h));
    host[colon - h] = '\0';
    snprintf(port, sizeof port, "%.*s", (int)strcspn(colon + 1, "/"), colon + 1);
    struct addrinfo hints = {0}, *ai = NULL;
    hints.ai_socktype = SOCK_STREAM;
    if (getaddrinfo(host, port, &hints, &ai) != 0 || !ai)
        return 0;
    c->fd = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
    if (c->fd >= 0 && connect(c->fd, ai->ai_addr, ai->ai_addrlen) != 0) {
        close(c->fd);
        c->fd = -1;
    }
    freeaddrinfo(ai);
    return c->fd >= 0;
}

static void conn_send(conn_t *c, const void *p, size_t n)
{
    size_t off = 0;
    while (off < n) {
        ssize_t k = send(c->fd, (const char *)p + off, n - off, MSG_NOSIGNAL);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            return;   /* the server answered and closed: what it said counts */
        off += (size_t)k;
    }
}

static void conn_close(conn_t *c)
{
    if (c->fd >= 0)
        close(c->fd);
    c->fd = -1;
    buf_free(&c->in);
}

/* Receive more, waiting until the deadline; 0 when nothing more will come
 * (deadline passed, or closed). */
static int conn_more(conn_t *c, long deadline)
{
    for (;;) {
        if (c->closed)
            return 0;
        long left = deadline - now_ms();
        if (left <= 0)
            return 0;
        struct pollfd pfd = { .fd = c->fd, .events = POLLIN };
        int pr = poll(&pfd, 1, (int)left);
        if (pr < 0 && errno == EINTR)
            continue;
        if (pr <= 0)
            continue;   /* the deadline check ends it */
        unsigned char tmp[65536];
        ssize_t k = recv(c->fd, tmp, sizeof tmp, 0);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0) {
            c->closed = 1;
            return 0;
        }
        buf_add(&c->in, tmp, (size_t)k);
        return 1;
    }
}

/* The next response head (status line through the blank line, malloc'd),
 * waiting until the deadline; NULL when none came.  *status: its code, 0
 * when the bytes received do not start with an HTTP/1.x status line. */
static char *conn_head(conn_t *c, long deadline, int *status)
{
    *status = 0;
    for (;;) {
        const unsigned char *d = c->in.data ? c->in.data + c->used : NULL;
        size_t n = c->in.len - c->used;
        for (size_t i = 0; d && i + 3 < n; i++) {
            if (memcmp(d + i, "\r\n\r\n", 4) == 0) {
                char *head = strndup((const char *)d, i + 4);
                if (!head)
                    abort();
                c->used += i + 4;
                if (strncmp(head, "HTTP/1.", 7) == 0 && strlen(head) >= 12)
                    *status = atoi(head + 9);
                return head;
            }
        }
        if (!conn_more(c, deadline))
            return NULL;
    }
}

/* The body of the response whose head was just taken: Content-Length
 * bytes, or everything until the server closes (bounded by the deadline).
 * Returns it as a raw_resp_t (for raw_as_response); takes head. */
static raw_resp_t *conn_final(conn_t *c, char *head, int status, long deadline,
                              const char *what)
{
    raw_resp_t *r = calloc(1, sizeof *r);
    if (!r)
        abort();
    snprintf(r->what, sizeof r->what, "%s", what);
    r->head = head;
    r->status = status;
    long want = -1;
    const char *cl = strcasestr(head, "\r\nContent-Length:");
    if (cl)
        want = strtol(cl + 17, NULL, 10);
    while (want < 0 || c->in.len - c->used < (size_t)want)
        if (!conn_more(c, deadline))
            break;
    size_t n = c->in.len - c->used;
    if (want >= 0 && n > (size_t)want)
        n = (size_t)want;
    r->body = malloc(n + 1);
    if (!r->body)
        abort();
    if (n)
        memcpy(r->body, c->in.data + c->used, n);
    r->body[n] = '\0';
    r->body_len = n;
    c->used += n;
    r->closed = c->closed;
    r->timed_out = want >= 0 && n < (size_t)want;
    return r;
}

/* The first line of a head, for messages (static buffer). */
static const char *first_line(const char *head)
{
    static char line[160];
    snprintf(line, sizeof line, "%.*s", (int)strcspn(head, "\r\n"), head);
    return line;
}

/* ---- Expect: 100-continue ------------------------------------------------- */

typedef struct {
    int connected;
    int first_status;       /* status of the first head received, 0: none */
    char first[160];        /* its status line */
    long first_ms;          /* when it came */
    raw_resp_t *final;      /* the final response (NULL: none in time) */
    long final_ms;
} expect_run_t;

/* Send only the head of a request (its body announced, never sent) and
 * read what comes within timeout_ms: the first head, and the final
 * response (after any interim ones). */
static void expect_headers_only(const char *req_head, long timeout_ms,
                                expect_run_t *out)
{
    memset(out, 0, sizeof *out);
    conn_t c;
    if (!conn_open(&c)) {
        conn_close(&c);
        return;
    }
    out->connected = 1;
    long start = now_ms(), deadline = start + timeout_ms;
    conn_send(&c, req_head, strlen(req_head));
    int st;
    char *head = conn_head(&c, deadline, &st);
    if (head) {
        out->first_status = st;
        out->first_ms = now_ms() - start;
        snprintf(out->first, sizeof out->first, "%s", first_line(head));
        /* skip interim responses: the final one must come too */
        while (head && st >= 100 && st < 200) {
            free(head);
            head = conn_head(&c, deadline, &st);
        }
        if (head) {
            out->final = conn_final(&c, head, st, deadline,
                                    first_line(req_head));
            out->final_ms = now_ms() - start;
        }
    }
    conn_close(&c);
}

static char *expect_request(const char *method, const char *path,
                            const char *auth, const char *ctype,
                            const char *extra)
{
    buf_t b = {0};
    buf_addf(&b, "%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\n", method, path);
    if (auth)
        buf_addf(&b, "Authorization: %s\r\n", auth);
    if (ctype)
        buf_addf(&b, "Content-Type: %s\r\n", ctype);
    buf_addf(&b, "%s\r\n", extra);
    return (char *)b.data;
}

#define EXPECT_WAIT_MS 3000

/* A request refused before its body is read, sent with Expect:
 * 100-continue and only its head: no 100, the final status (a problem)
 * within EXPECT_WAIT_MS although the body never comes. */
#define refused_at_once(m, p, a, ct, cl, st) \
    it_refused_at_once((m), (p), (a), (ct), (cl), (st), __FILE__, __LINE__)
static void it_refused_at_once(const char *method, const char *path,
                               const char *auth, const char *ctype,
                               long content_length, long want,
                               const char *file, int line)
{
    char extra[128];
    snprintf(extra, sizeof extra, "Content-Length: %ld\r\nExpect: 100-continue\r\n",
             content_length);
    char *req = expect_request(method, path, auth, ctype, extra);
    expect_run_t x;
    expect_headers_only(req, EXPECT_WAIT_MS, &x);
    char label[256];
    snprintf(label, sizeof label, "%s %s (%s, Content-Type %s, Content-Length "
             "%ld, Expect: 100-continue, body not sent)", method, path,
             auth ? auth : "no Authorization", ctype ? ctype : "none",
             content_length);
    free(req);
    print_message("%s: first \"%s\" after %ld ms; final %s after %ld ms\n",
                  label, x.first_status ? x.first : "(none)", x.first_ms,
                  x.final ? first_line(x.final->head) : "(none)", x.final_ms);
    if (!x.connected)
        it_fail(file, line, "%s: cannot connect", label);
    if (x.first_status == 100) {
        char fin[160];
        snprintf(fin, sizeof fin, "%s", x.final ? first_line(x.final->head)
                                                : "no final status");
        raw_free(x.final);
        it_fail(file, line, "%s: answered \"%s\" (the server asks for the body "
                "of a request it refuses), then %s within %d ms", label,
                x.first, fin, EXPECT_WAIT_MS);
    }
    if (!x.first_status) {
        raw_free(x.final);
        it_fail(file, line, "%s: no status line within %d ms (the server "
                "waits for the body)", label, EXPECT_WAIT_MS);
    }
    if (!x.final) {
        it_fail(file, line, "%s: \"%s\", then no final status within %d ms",
                label, x.first, EXPECT_WAIT_MS);
    }
    http_response_t *r = raw_as_response(x.final);
    json_object *p = it_assert_problem(r, want, file, line);
    json_object_put(p);
    http_free(r);
    raw_free(x.final);
}

/* (a) 401: no Authorization */
static void t_hostile_http_expect_401(void **state)
{
    (void)state;
    refused_at_once("POST", "/api/sender/invoices", NULL, "application/json",
                    100000, 401);
}

/* (b) 415: a sender, but text/plain */
static void t_hostile_http_expect_415(void **state)
{
    (void)state;
    refused_at_once("POST", "/api/sender/invoices", AS(it_new_id()),
                    "text/plain", 100000, 415);
}

/* (c) 413 by Content-Length: over the JSON mount's 2 MiB */
static void t_hostile_http_expect_413_json(void **state)
{
    (void)state;
    refused_at_once("POST", "/api/sender/invoices", AS(it_new_id()),
                    "application/json", 5000000, 413);
}

/* (d) 413 by Content-Length: over the uploads' 32 MiB */
static void t_hostile_http_expect_413_upload(void **state)
{
    (void)state;
    refused_at_once("POST", "/api/sender/uploads", AS(it_new_id()),
                    "application/pdf", 40000000, 413);
}

/* The control: an accepted request gets its 100 Continue, then, once its
 * body is sent, the 201. */
static void t_hostile_http_expect_100_accepted(void **state)
{
    (void)state;
    int s = it_new_id(), rcv = it_new_id();
    char *json = it_create_body(rcv, "application/pdf", it_pdf, it_pdf_len);
    char extra[128];
    snprintf(extra, sizeof extra, "Content-Length: %zu\r\nExpect: 100-continue\r\n",
             strlen(json));
    char *req = expect_request("POST", "/api/sender/invoices", AS(s),
                               "application/json", extra);
    conn_t c;
    int ok = conn_open(&c);
    int st1 = 0, st2 = 0;
    char *head1 = NULL, *head2 = NULL;
    raw_resp_t *fin = NULL;
    long start = now_ms();
    if (ok) {
        conn_send(&c, req, strlen(req));
        head1 = conn_head(&c, start + EXPECT_WAIT_MS, &st1);
        if (st1 == 100) {
            long sent = now_ms();
            conn_send(&c, json, strlen(json));
            head2 = conn_head(&c, sent + EXPECT_WAIT_MS, &st2);
            if (head2)
                fin = conn_final(&c, head2, st2, sent + EXPECT_WAIT_MS,
                                 "POST /api/sender/invoices (after 100)");
        }
    }
    conn_close(&c);
    free(req);
    free(json);
    it_check(ok, "cannot connect");
    char first[160];
    snprintf(first, sizeof first, "%s", head1 ? first_line(head1) : "(none)");
    free(head1);
    if (st1 != 100) {
        raw_free(fin);
        it_fail(__FILE__, __LINE__, "accepted request with Expect: 100-continue: "
                "first status line \"%s\" within %d ms, expected \"HTTP/1.1 100 "
                "Continue\"", first, EXPECT_WAIT_MS);
    }
    it_check(fin != NULL, "no final status within %d ms of sending the body",
             EXPECT_WAIT_MS);
    http_response_t *r = raw_as_response(fin);
    json_object *root = assert_invoice_response(r, 201, NULL);
    json_object_put(root);
    http_free(r);
    raw_free(fin);
}

/* ---- 417 ------------------------------------------------------------------ */

static void t_hostile_http_expect_unknown_417(void **state)
{
    (void)state;
    const char body[] = "{}";
    buf_t b = {0};
    buf_addf(&b, "POST /api/sender/invoices HTTP/1.1\r\nHost: 127.0.0.1\r\n"
             "Authorization: %s\r\nContent-Type: application/json\r\n"
             "Content-Length: %zu\r\nExpect: something-else\r\n"
             "Connection: close\r\n\r\n%s", AS(it_new_id()), strlen(body), body);
    raw_resp_t *rr = raw_exchange(b.data, b.len, 0, 3000);
    buf_free(&b);
    http_response_t *r = raw_as_response(rr);
    print_message("Expect: something-else: \"%s\", Content-Type %s\n",
                  first_line(rr->head), http_header(r, "Content-Type") ?
                  http_header(r, "Content-Type") : "(none)");
    raw_free(rr);
    json_object *p = assert_problem(r, 417);
    json_object_put(p);
    http_free(r);
}

/* ---- HTTP/0.9 ------------------------------------------------------------- */

static void t_hostile_http_http09(void **state)
{
    (void)state;
    const char req[] = "GET /api/sender/invoices\r\n";
    raw_resp_t *rr = raw_exchange(req, sizeof req - 1, 1, 3000);
    char start[200];
    snprintf(start, sizeof start, "%s", shown(rr->head, strlen(rr->head) < 120
                                                       ? strlen(rr->head) : 120));
    int versioned = strncmp(rr->head, "HTTP/1.1 400 ", 13) == 0 ||
                    strncmp(rr->head, "HTTP/1.0 400 ", 13) == 0;
    http_response_t *r = raw_as_response(rr);
    long timed_out = rr->timed_out, elapsed = rr->elapsed_ms;
    raw_free(rr);
    if (!versioned) {
        http_free(r);
        it_fail(__FILE__, __LINE__, "HTTP/0.9 request line: the answer does not "
                "start with \"HTTP/1.x 400 \" (%s after %ld ms): \"%s\"",
                timed_out ? "timed out" : "closed", elapsed, start);
    }
    json_object *p = assert_problem(r, 400);
    json_object_put(p);
    http_free(r);
}

/* ---- multipart part names ------------------------------------------------- */

/* An upload with receiver_id, file and one part named bad_name: a 422
 * problem whose body is valid UTF-8 and whose errors name that part, and
 * only it, with a valid UTF-8 key. */
#define bad_part_name(n, keep) it_bad_part_name((n), (keep), __FILE__, __LINE__)
static void it_bad_part_name(const char *bad_name, const char *const *keep,
                             const char *file, int line)
{
    buf_t b = {0};
    mp_field(&b, "receiver_id", P("%d", it_new_id()));
    mp_field(&b, bad_name, "x");
    mp_part(&b, "file", "application/pdf", it_pdf, it_pdf_len);
    mp_close(&b);
    http_response_t *r = api("POST", "/api/sender/uploads", AS(it_new_id()),
                             MP_CTYPE, b.data, b.len);
    buf_free(&b);
    char label[128];
    snprintf(label, sizeof label, "part named \"%s\"",
             shown(bad_name, strlen(bad_name)));
    print_message("%s: HTTP %ld, body %s\n", label, r->status,
                  shown(r->body, r->body_len));
    it_assert_status(r, 422, file, line);
    long at = utf8_invalid_at((const unsigned char *)r->body, r->body_len);
    if (at >= 0)
        it_fail(file, line, "%s: the 422 body is not valid UTF-8 (byte 0x%02x at "
                "offset %ld): %s", label, (unsigned char)r->body[at], at,
                shown(r->body, r->body_len));
    json_object *p = it_assert_problem(r, 422, file, line);
    json_object *errs = json_object_object_get(p, "errors");
    if (!errs || !json_object_is_type(errs, json_type_object))
        it_fail(file, line, "%s: 422 without an errors object: %s", label, r->body);
    const char *other = NULL;
    int n_other = 0;
    json_object_object_foreach(errs, key, val) {
        (void)val;
        if (strcmp(key, "receiver_id") && strcmp(key, "file") && strcmp(key, "invoice")) {
            other = key;
            n_other++;
        }
    }
    if (n_other != 1)
        it_fail(file, line, "%s: errors has %d keys other than receiver_id/file/"
                "invoice, expected exactly 1 (the offending name): %s", label,
                n_other, r->body);
    if (utf8_invalid_at((const unsigned char *)other, strlen(other)) >= 0)
        it_fail(file, line, "%s: errors key \"%s\" is not valid UTF-8", label,
                shown(other, strlen(other)));
    if (!*other)
        it_fail(file, line, "%s: errors key is empty", label);
    /* the valid bytes of the name are kept around the replaced ones */
    for (size_t i = 0; keep && keep[i]; i++)
        if (!strstr(other, keep[i]))
            it_fail(file, line, "%s: errors key \"%s\" lost \"%s\"", label,
                    shown(other, strlen(other)), keep[i]);
    json_object_put(p);
    http_free(r);
}

static void t_hostile_http_part_name_ff_fe(void **state)
{
    (void)state;
    static const char *const keep[] = {"bad", "name", NULL};
    bad_part_name("bad\xff\xfename", keep);
}

static void t_hostile_http_part_name_lone_continuation(void **state)
{
    (void)state;
    bad_part_name("\x80", NULL);
}

static void t_hostile_http_part_name_overlong(void **state)
{
    (void)state;
    bad_part_name("\xc0\xaf", NULL);
}

/* ---- health paths --------------------------------------------------------- */

static void t_hostile_http_health_exact(void **state)
{
    (void)state;
    const char *paths[] = {"/healthz", "/readyz"};
    for (size_t i = 0; i < sizeof paths / sizeof *paths; i++) {
        http_response_t *r = api_get(paths[i], NULL);
        print_message("GET %s: HTTP %ld\n", paths[i], r->status);
        assert_status(r, 200);
        assert_media_type(r, "application/json");
        http_free(r);
    }
}

#define not_found(path) it_not_found((path), __FILE__, __LINE__)
static void it_not_found(const char *path, const char *file, int line)
{
    http_response_t *r = api_get(path, NULL);
    const char *ct = http_header(r, "Content-Type");
    print_message("GET %s: HTTP %ld (%s)\n", path, r->status, ct ? ct : "-");
    json_object *p = it_assert_problem(r, 404, file, line);
    json_object_put(p);
    http_free(r);
}

/* below a health path: not the health endpoint */
static void t_hostile_http_health_subpath(void **state)
{
    (void)state;
    not_found("/readyz/anything");
    not_found("/healthz/x");
}

/* a longer name that starts with a health path: outside every <Location>
 * of the module, so whatever the server does there (this one denies all
 * paths outside the API: 403), never a health answer */
static void t_hostile_http_health_prefix(void **state)
{
    (void)state;
    const char *paths[] = {"/readyzx", "/healthzx"};
    for (size_t i = 0; i < sizeof paths / sizeof *paths; i++) {
        http_response_t *r = api_get(paths[i], NULL);
        print_message("GET %s: HTTP %ld\n", paths[i], r->status);
        json_object_put(it_assert_4xx_problem(r, __FILE__, __LINE__));
        http_free(r);
    }
}

/* ---- access log of httpd's own errors ------------------------------------- */

/* A fresh W3C trace id (32 lowercase hex digits, not all zero). */
static void new_trace_id(char out[33])
{
    char u[37];
    it_random_uuid(u);
    size_t o = 0;
    for (size_t i = 0; u[i] && o < 32; i++)
        if (u[i] != '-')
            out[o++] = u[i];
    out[o] = '\0';
}

static long file_size(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return 0;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fclose(f);
    return n < 0 ? 0 : n;
}

/* The access log lines (from offset `from`) whose trace_id is trace, as
 * one malloc'd string of lines (NULL when none), polling for up to 2 s. */
static char *log_lines(const char *path, long from, const char *trace)
{
    char needle[64];
    snprintf(needle, sizeof needle, "\"trace_id\":\"%s\"", trace);
    long deadline = now_ms() + 2000;
    for (;;) {
        buf_t found = {0};
        FILE *f = fopen(path, "rb");
        if (f) {
            fseek(f, from, SEEK_SET);
            char *line = NULL;
            size_t cap = 0;
            while (getline(&line, &cap, f) > 0)
                if (strstr(line, needle))
                    buf_adds(&found, line);
            free(line);
            fclose(f);
        }
        if (found.len)
            return (char *)found.data;
        buf_free(&found);
        if (now_ms() >= deadline)
            return NULL;
        it_sleep_ms(100);
    }
}

/* Send raw request text req (with a traceparent carrying a new trace id
 * substituted for %s), expect the answer `status`, and check that every
 * access log line of that trace says method and route. */
#define logged_as(req, st, m, rt) it_logged_as((req), (st), (m), (rt), __FILE__, __LINE__)
static void it_logged_as(const char *req_fmt, long status, const char *method,
                         const char *route, const char *file, int line)
{
    const char *log = getenv("INVOICE_ACCESS_LOG");
    if (!log || !*log)
        it_fail(file, line, "INVOICE_ACCESS_LOG is not set (run through "
                "test/integration/run.sh)");
    char trace[33];
    new_trace_id(trace);
    long from = file_size(log);
    buf_t b = {0};
    buf_addf(&b, req_fmt, trace);
    raw_resp_t *rr = raw_exchange(b.data, b.len, 0, 3000);
    buf_free(&b);
    http_response_t *r = raw_as_response(rr);
    raw_free(rr);
    it_assert_status(r, status, file, line);
    http_free(r);
    char *lines = log_lines(log, from, trace);
    if (!lines)
        it_fail(file, line, "no access log line with trace_id %s within 2 s", trace);
    print_message("access log: %s", lines);
    char *save = NULL;
    for (char *l = strtok_r(lines, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
        json_object *o = json_tokener_parse(l);
        if (!o)
            it_fail(file, line, "access log line is not JSON: %s", l);
        const char *m = json_object_get_string(json_object_object_get(o, "method"));
        const char *rt = json_object_get_string(json_object_object_get(o, "route"));
        long st = (long)json_object_get_int64(json_object_object_get(o, "status"));
        if (!m || strcmp(m, method) != 0 || !rt || strcmp(rt, route) != 0 ||
            st != status)
            it_fail(file, line, "access log line says method \"%s\", route "
                    "\"%s\", status %ld; expected \"%s\", \"%s\", %ld: %s",
                    m ? m : "(none)", rt ? rt : "(none)", st, method, route,
                    status, l);
        json_object_put(o);
    }
    free(lines);
}

/* chunk size "zz": httpd's 400, answered through ErrorDocument 400 */
static void t_hostile_http_log_chunked_400(void **state)
{
    (void)state;
    char fmt[512];
    snprintf(fmt, sizeof fmt,
             "POST /api/sender/invoices HTTP/1.1\r\nHost: 127.0.0.1\r\n"
             "Authorization: %s\r\nContent-Type: application/json\r\n"
             "Transfer-Encoding: chunked\r\ntraceparent: 00-%%s-00f067aa0ba902b7-01\r\n"
             "Connection: close\r\n\r\nzz\r\n{\"invoice\": {}}\r\n0\r\n\r\n",
             AS(it_new_id()));
    logged_as(fmt, 400, "POST", "POST /sender/invoices");
}

/* over the uploads' limit by Content-Length: 413 */
static void t_hostile_http_log_upload_413(void **state)
{
    (void)state;
    char fmt[512];
    snprintf(fmt, sizeof fmt,
             "POST /api/sender/uploads HTTP/1.1\r\nHost: 127.0.0.1\r\n"
             "Authorization: %s\r\nContent-Type: application/pdf\r\n"
             "Content-Length: 40000000\r\ntraceparent: 00-%%s-00f067aa0ba902b7-01\r\n"
             "Connection: close\r\n\r\n", AS(it_new_id()));
    logged_as(fmt, 413, "POST", "POST /sender/uploads");
}

/* ---- ServerTokens Prod ---------------------------------------------------- */

static void t_hostile_http_server_tokens(void **state)
{
    (void)state;
    char id[37];
    it_random_uuid(id);
    const char *paths[] = {"/healthz", P("/api/sender/invoices/%s", id),
                           "/api/sender/invoices"};
    const char *auth[] = {NULL, AS(it_new_id()), NULL};   /* 200, 404, 401 */
    for (size_t i = 0; i < sizeof paths / sizeof *paths; i++) {
        http_response_t *r = api_get(paths[i], auth[i]);
        const char *server = http_header(r, "Server");
        print_message("%s: HTTP %ld, Server: %s\n", r->what, r->status,
                      server ? server : "(none)");
        it_check(r->status != 0, "%s: no answer (%s)", r->what, r->error);
        assert_header(r, "Server", "Apache");
        http_free(r);
    }
}

const struct CMUnitTest it_tests_hostile_http[] = {
    cmocka_unit_test(t_hostile_http_part_name_ff_fe),
    cmocka_unit_test(t_hostile_http_part_name_lone_continuation),
    cmocka_unit_test(t_hostile_http_part_name_overlong),
    cmocka_unit_test(t_hostile_http_expect_401),
    cmocka_unit_test(t_hostile_http_expect_415),
    cmocka_unit_test(t_hostile_http_expect_413_json),
    cmocka_unit_test(t_hostile_http_expect_413_upload),
    cmocka_unit_test(t_hostile_http_expect_100_accepted),
    cmocka_unit_test(t_hostile_http_expect_unknown_417),
    cmocka_unit_test(t_hostile_http_http09),
    cmocka_unit_test(t_hostile_http_health_exact),
    cmocka_unit_test(t_hostile_http_health_subpath),
    cmocka_unit_test(t_hostile_http_health_prefix),
    cmocka_unit_test(t_hostile_http_log_chunked_400),
    cmocka_unit_test(t_hostile_http_log_upload_413),
    cmocka_unit_test(t_hostile_http_server_tokens),
};
IT_DEFINE_COUNT(hostile_http);
