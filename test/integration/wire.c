#define _POSIX_C_SOURCE 200809L
#include "wire.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "http.h"

/* ---- byte buffer ------------------------------------------------------ */

void buf_add(buf_t *b, const void *p, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (b->len + n + 1 > cap)
            cap *= 2;
        unsigned char *d = realloc(b->data, cap);
        if (!d)
            abort();
        b->data = d;
        b->cap = cap;
    }
    if (n)
        memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = '\0';
}

void buf_adds(buf_t *b, const char *s)
{
    buf_add(b, s, strlen(s));
}

void buf_addf(buf_t *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        abort();
    char *tmp = malloc((size_t)n + 1);
    if (!tmp)
        abort();
    va_start(ap, fmt);
    vsnprintf(tmp, (size_t)n + 1, fmt, ap);
    va_end(ap);
    buf_add(b, tmp, (size_t)n);
    free(tmp);
}

void buf_free(buf_t *b)
{
    free(b->data);
    memset(b, 0, sizeof *b);
}

/* ---- multipart/form-data ---------------------------------------------- */

void mp_part(buf_t *b, const char *name, const char *ctype,
             const void *data, size_t len)
{
    buf_adds(b, "--" MP_BOUNDARY "\r\n");
    if (name)
        buf_addf(b, "Content-Disposition: form-data; name=\"%s\"", name);
    else
        buf_adds(b, "Content-Disposition: form-data");
    if (name && strcmp(name, "file") == 0)
        buf_adds(b, "; filename=\"upload.bin\"");
    buf_adds(b, "\r\n");
    if (ctype)
        buf_addf(b, "Content-Type: %s\r\n", ctype);
    buf_adds(b, "\r\n");
    buf_add(b, data, len);
    buf_adds(b, "\r\n");
}

void mp_field(buf_t *b, const char *name, const char *value)
{
    mp_part(b, name, NULL, value, strlen(value));
}

void mp_close(buf_t *b)
{
    buf_adds(b, "--" MP_BOUNDARY "--\r\n");
}

/* ---- raw HTTP exchanges ----------------------------------------------- */

static long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int connect_base(void)
{
    /* INVOICE_BASE_URL is http://HOST:PORT */
    const char *u = http_base_url();
    const char *h = strstr(u, "://");
    h = h ? h + 3 : u;
    char host[128];
    const char *colon = strrchr(h, ':');
    if (!colon || (size_t)(colon - h) >= sizeof host)
        return -1;
    memcpy(host, h, (size_t)(colon - h));
    host[colon - h] = '\0';
    char port[16];
    snprintf(port, sizeof port, "%.*s", (int)strcspn(colon + 1, "/"), colon + 1);
    struct addrinfo hints = {0}, *ai = NULL;
    hints.ai_socktype = SOCK_STREAM;
    if (getaddrinfo(host, port, &hints, &ai) != 0 || !ai)
        return -1;
    int fd = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
    if (fd >= 0 && connect(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
        close(fd);
        fd = -1;
    }
    freeaddrinfo(ai);
    return fd;
}

/* Length of the head (through the blank line), 0 if not complete yet. */
static size_t head_len(const unsigned char *d, size_t n)
{
    for (size_t i = 0; i + 3 < n; i++)
        if (d[i] == '\r' && d[i + 1] == '\n' && d[i + 2] == '\r' && d[i + 3] == '\n')
            return i + 4;
    return 0;
}

static char *header_in(const char *head, const char *name)
{
    size_t nl = strlen(name);
    const char *p = strstr(head, "\r\n");
    while (p) {
        p += 2;
        if (strncasecmp(p, name, nl) == 0 && p[nl] == ':') {
            const char *v = p + nl + 1;
            while (*v == ' ' || *v == '\t')
                v++;
            size_t vl = strcspn(v, "\r\n");
            while (vl > 0 && (v[vl - 1] == ' ' || v[vl - 1] == '\t'))
                vl--;
            char *out = malloc(vl + 1);
            if (!out)
                abort();
            memcpy(out, v, vl);
            out[vl] = '\0';
            return out;
        }
        p = strstr(p, "\r\n");
    }
    return NULL;
}

/* One complete response received (a final status, Content-Length known
 * and all there)?  Interim 1xx responses are skipped. */
static int complete(const unsigned char *d, size_t n)
{
    for (;;) {
        size_t hl = head_len(d, n);
        if (!hl)
            return 0;
        if (n >= 12 && memcmp(d, "HTTP/1.1 1", 10) == 0) {
            d += hl;
            n -= hl;
            continue;
        }
        char *head = malloc(hl + 1);
        if (!head)
            abort();
        memcpy(head, d, hl);
        head[hl] = '\0';
        char *cl = header_in(head, "Content-Length");
        free(head);
        if (!cl)
            return 0;   /* wait for the close */
        long want = strtol(cl, NULL, 10);
        free(cl);
        return want >= 0 && n - hl >= (size_t)want;
    }
}

raw_resp_t *raw_exchange(const void *req, size_t len, int shut_wr,
                         long timeout_ms)
{
    raw_resp_t *r = calloc(1, sizeof *r);
    if (!r)
        abort();
    size_t wl = strcspn((const char *)req, "\r\n");
    snprintf(r->what, sizeof r->what, "raw %.*s", (int)(wl < 80 ? wl : 80),
             (const char *)req);
    long start = now_ms();
    int fd = connect_base();
    if (fd < 0) {
        r->head = strdup("");
        r->body = calloc(1, 1);
        return r;
    }
    /* send all of it (the server may answer and close early: stop then) */
    size_t off = 0;
    while (off < len) {
        ssize_t k = send(fd, (const char *)req + off, len - off, MSG_NOSIGNAL);
        if (k <= 0) {
            if (k < 0 && errno == EINTR)
                continue;
            break;
        }
        off += (size_t)k;
    }
    if (shut_wr)
        shutdown(fd, SHUT_WR);
    buf_t in = {0};
    for (;;) {
        if (complete(in.data, in.len))
            break;
        long left = timeout_ms - (now_ms() - start);
        if (left <= 0) {
            r->timed_out = 1;
            break;
        }
        struct pollfd pfd = { .fd = fd, .events = POLLIN };
        int pr = poll(&pfd, 1, (int)left);
        if (pr < 0 && errno == EINTR)
            continue;
        if (pr <= 0)
            continue;   /* the deadline check above ends it */
        unsigned char tmp[65536];
        ssize_t k = recv(fd, tmp, sizeof tmp, 0);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0) {
            r->closed = 1;
            break;
        }
        buf_add(&in, tmp, (size_t)k);
    }
    close(fd);
    r->elapsed_ms = now_ms() - start;
    /* skip interim responses, then split head and body */
    const unsigned char *d = in.data ? in.data : (const unsigned char *)"";
    size_t n = in.len;
    size_t hl;
    while ((hl = head_len(d, n)) != 0 && n >= 12 && memcmp(d, "HTTP/1.1 1", 10) == 0) {
        d += hl;
        n -= hl;
    }
    if (!hl)
        hl = n;   /* incomplete head: keep it all as head */
    r->head = malloc(hl + 1);
    if (!r->head)
        abort();
    memcpy(r->head, d, hl);
    r->head[hl] = '\0';
    r->body_len = n - hl;
    r->body = malloc(r->body_len + 1);
    if (!r->body)
        abort();
    memcpy(r->body, d + hl, r->body_len);
    r->body[r->body_len] = '\0';
    if (strncmp(r->head, "HTTP/1.", 7) == 0 && strlen(r->head) >= 12)
        r->status = atoi(r->head + 9);
    buf_free(&in);
    return r;
}

char *raw_header(const raw_resp_t *r, const char *name)
{
    return header_in(r->head, name);
}

void raw_free(raw_resp_t *r)
{
    if (!r)
        return;
    free(r->head);
    free(r->body);
    free(r);
}

http_response_t *raw_as_response(const raw_resp_t *r)
{
    http_response_t *o = calloc(1, sizeof *o);
    if (!o)
        abort();
    o->what = strdup(r->what);
    o->status = r->status;
    o->body = malloc(r->body_len + 1);
    if (!o->what || !o->body)
        abort();
    memcpy(o->body, r->body, r->body_len);
    o->body[r->body_len] = '\0';
    o->body_len = r->body_len;
    if (!r->status)
        snprintf(o->error, sizeof o->error, "no response (%s after %ld ms)",
                 r->timed_out ? "timed out" : r->closed ? "closed" : "failed",
                 r->elapsed_ms);
    const char *p = strstr(r->head, "\r\n");
    while (p && p[2] != '\r' && p[2] != '\0') {
        p += 2;
        size_t ll = strcspn(p, "\r\n");
        const char *colon = memchr(p, ':', ll);
        if (colon) {
            const char *v = colon + 1, *end = p + ll;
            while (v < end && (*v == ' ' || *v == '\t'))
                v++;
            while (end > v && (end[-1] == ' ' || end[-1] == '\t'))
                end--;
            o->headers = realloc(o->headers, (o->nheaders + 1) * sizeof *o->headers);
            if (!o->headers)
                abort();
            o->headers[o->nheaders].name = strndup(p, (size_t)(colon - p));
            o->headers[o->nheaders].value = strndup(v, (size_t)(end - v));
            o->nheaders++;
        }
        p = strstr(p, "\r\n");
    }
    return o;
}
